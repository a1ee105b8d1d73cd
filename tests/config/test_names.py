"""Names people read (sim/config/names.py): every shipped scenario, intervention, goal and
indicator has a short title and a one-sentence description in English and Swedish; a missing one
is named by its field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.config.names import (
    INDICATORS_FILE,
    NAME_FIELDS,
    indicator_names,
    load_indicator_names,
    missing_names,
)
from sim.config.params import ConfigError
from sim.paths import CONFIG_DIR

SHIPPED_SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
INTERVENTIONS = ("establishments", "housing_programmes", "cultural_investments", "joint_proposals")
MAX_TITLE = 45  # characters: "at most about 40" (sim/config/scenario.py)


def short_and_one_sentence(entry, keys=NAME_FIELDS) -> list[str]:
    """Problems of the shipped names of ``entry``: a title longer than MAX_TITLE, a description
    that is not one sentence ending with a full stop."""
    title, title_sv, description, description_sv = (str(entry[k]) for k in keys)
    problems = [f"{t!r} is long" for t in (title, title_sv) if len(t) > MAX_TITLE]
    for text in (description, description_sv):
        if not text.endswith(".") or ". " in text:
            problems.append(f"{text!r} is not one sentence")
    return problems


def test_missing_names_are_those_absent_blank_or_omegaconfs_missing_value():
    assert missing_names({"title": "A", "title_sv": "", "description": "???"}) == [
        "title_sv",
        "description",
        "description_sv",
    ]
    assert missing_names(dict.fromkeys(NAME_FIELDS, "x")) == []


def test_every_indicator_of_the_comparison_has_names_and_its_units():
    from sim.analysis.compare import INDICATORS

    names = indicator_names()
    assert list(names) == [i.name for i in INDICATORS]
    assert {k: n.units for k, n in names.items()} == {i.name: i.units for i in INDICATORS}
    for name, entry in names.items():
        assert not short_and_one_sentence(vars(entry)), name


def test_report_labels_of_the_indicators_come_from_the_config():
    from sim.report.i18n import INDICATOR_LABELS

    assert INDICATOR_LABELS["sv"]["housing_queue"] == "Bostadskö (hushåll)"
    assert INDICATOR_LABELS["en"]["mean_commute_minutes"] == "Mean commute (minutes)"
    assert list(INDICATOR_LABELS) == ["sv", "en"]


def _indicators_file(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(INDICATORS_FILE.read_text(encoding="utf-8"))
    change(data["indicators"])
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_an_indicator_without_a_swedish_title_is_refused(tmp_path):
    path = _indicators_file(tmp_path, lambda entries: entries["population"].pop("title_sv"))
    with pytest.raises(ConfigError) as info:
        load_indicator_names(path)
    assert str(info.value) == (
        "indicators.yaml: indicators.population.title_sv: missing; every indicator needs a title "
        "and a description in English and Swedish (title, title_sv, description, description_sv) "
        "and its units"
    )


def test_unknown_keys_blank_units_and_broken_files_are_refused(tmp_path):
    def change(entries):
        entries["jobs"]["colour"] = "red"
        entries["jobs"]["units"] = " "

    with pytest.raises(ConfigError) as info:
        load_indicator_names(_indicators_file(tmp_path, change))
    assert str(info.value).splitlines() == [
        "indicators.yaml: indicators.jobs.colour: unknown key; use title, title_sv, description, "
        "description_sv, units",
        "indicators.yaml: indicators.jobs.units: missing; every indicator needs a title and a "
        "description in English and Swedish (title, title_sv, description, description_sv) and "
        "its units",
    ]
    broken = tmp_path / "broken.yaml"
    broken.write_text("indicators: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.yaml: is not UTF-8 YAML"):
        load_indicator_names(broken)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_indicator_names(tmp_path / "none.yaml")


@pytest.fixture(scope="module")
def region():
    from sim.io.inputs import load_region

    return load_region("skaraborg")


@pytest.mark.parametrize("name", SHIPPED_SCENARIOS)
def test_every_shipped_scenario_passes_with_short_names_in_both_languages(name, region):
    from omegaconf import OmegaConf

    from sim.config.compose import compose_config
    from sim.config.validate import validate_scenario

    cfg = compose_config([f"scenario={name}"])
    validate_scenario(cfg.scenario, region, 2024, cfg.years.end)  # strict, as 'sim run' checks
    scenario = OmegaConf.to_container(cfg.scenario)
    entries = [scenario] + [item for key in INTERVENTIONS for item in scenario[key]]
    for entry in entries:
        assert not short_and_one_sentence(entry), (entry["name"], short_and_one_sentence(entry))


def test_every_shipped_goal_has_short_names_in_both_languages():
    from sim.analysis.goals import GOAL_NAMES, load_goals

    for goal in load_goals("skaraborg").goals:
        assert not short_and_one_sentence(vars(goal), GOAL_NAMES), goal.name
