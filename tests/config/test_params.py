"""Configs: every group composes against its schema, and every parameter is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.config.compose import compose_config, resolve_config
from sim.config.params import ConfigError, Params
from sim.paths import CONFIG_DIR

PARAMS_FILE = Path(CONFIG_DIR) / "params" / "default.yaml"
LEAF = re.compile(r"^\s+(\w+): (\S.*?)\s+# \[(?P<unit>[^\]]+)\] (?P<source>.+)$")


def test_every_config_group_composes():
    from sim.config.validate import validate_scenario
    from sim.io.inputs import load_region

    for group in ("region", "params", "scenario"):
        options = sorted((Path(CONFIG_DIR) / group).glob("*.yaml"))
        assert options, group
        for option in options:
            cfg = resolve_config(compose_config([f"{group}={option.stem}"]))
            inputs = load_region(cfg.region.name)
            assert cfg.years.start == inputs.base_year
            validate_scenario(cfg.scenario, inputs, cfg.years.start, cfg.years.end)
            if group == "scenario":
                assert cfg.scenario.name == option.stem


def test_every_parameter_has_a_unit_and_a_source():
    lines = PARAMS_FILE.read_text(encoding="utf-8").splitlines()
    section, documented = None, set()
    for line in lines:
        if re.match(r"^\w+:$", line):
            section = None if line == "defaults:" else line[:-1]
        elif section and line.startswith("  ") and not line.strip().startswith("#"):
            match = LEAF.match(line)
            assert match, f"parameter line without '# [unit] source': {line!r}"
            assert len(match["source"]) > 15, line
            documented.add(f"{section}.{match.group(1)}")
    schema = OmegaConf.structured(Params)
    expected = {f"{s}.{k}" for s in schema for k in schema[s]}
    assert documented == expected


def test_parameters_have_the_schema_types():
    cfg = compose_config()
    params = OmegaConf.to_object(cfg.params)
    assert isinstance(params, Params)
    assert len(params.labour.wage_by_sector) == 7


@pytest.mark.parametrize("region, base_year", [("skaraborg", 2024), ("skaraborg_2015", 2015)])
def test_years_start_defaults_to_the_inputs_base_year(region, base_year):
    assert compose_config([f"region={region}"]).years.start is None  # configs/config.yaml
    cfg = resolve_config(compose_config([f"region={region}"]))
    assert cfg.years.start == base_year
    explicit = resolve_config(compose_config([f"region={region}", f"years.start={base_year}"]))
    assert explicit.years.start == base_year


def test_years_start_other_than_the_inputs_base_year_is_refused():
    cfg = compose_config(["region=skaraborg_2015", "years.start=2024"])
    with pytest.raises(ConfigError) as info:
        resolve_config(cfg)
    assert str(info.value) == (
        "years.start: 2024 is not allowed; the inputs in inputs/skaraborg_2015 describe the base "
        "year 2015, so the run must start there (use years.start=2015, or leave it null: the "
        "inputs' base year)"
    )


def test_unknown_and_mistyped_keys_fail():
    with pytest.raises(ConfigError, match="params.labour.no_such_parameter: unknown key"):
        resolve_config({"params": {"labour": {"no_such_parameter": 1.0}}})
    with pytest.raises(ConfigError, match="seed: Value 'seven'"):
        resolve_config({"seed": "seven"})


def test_a_key_added_with_plus_is_refused_when_misspelt():
    cfg = compose_config(["+params.housing.natural_vacancyy=0.02"])
    with pytest.raises(ConfigError, match="params.housing.natural_vacancyy: unknown key"):
        resolve_config(cfg)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"years": {"start": 2020}}, "years.start"),
        ({"years": {"end": 2024}}, "years.end"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**64}, "seed"),
        ({"scenario": {"name": "../escape"}}, "scenario.name"),
        ({"scenario": {"name": "a/b"}}, "scenario.name"),
        ({"scenario": {"name": ""}}, "scenario.name"),
        ({"scenario": {"name": "x" * 10_000}}, "scenario.name"),
        ({"params": {"demography": {"schedules": "census"}}}, "params.demography.schedules"),
        (
            {"params": {"demography": {"mortality_years": [2019, 2015]}}},
            "params.demography.mortality_years[0]",
        ),
    ],
)
def test_bad_values_name_the_field(overrides, field):
    cfg = OmegaConf.merge(compose_config(), overrides)
    with pytest.raises(ConfigError, match=f"^{re.escape(field)}:"):
        resolve_config(cfg)
