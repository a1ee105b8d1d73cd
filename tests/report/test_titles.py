"""The report shows names people read, never identifiers: scenarios and their interventions by
their titles in the report's language, goals by their labels, indicators by their titles. On the
small study of conftest.py (the baseline and housing_front); goals and futures on made-up results.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sim.analysis.compare import compare, open_ensemble_store
from sim.analysis.goals import Goal, GoalSet, evaluate_goals
from sim.report import charts
from sim.report.build import build_report, goal_tables, joint_tables, robustness_tables
from sim.report.i18n import intervention_titles, scenario_descriptions, scenario_titles

TITLES = {
    "sv": {
        "baseline": "Basscenario (inga insatser)",
        "housing_front": "Etablering med 800 bostäder byggda tidigt",
    },
    "en": {
        "baseline": "Baseline (no interventions)",
        "housing_front": "Establishment with 800 homes built early",
    },
}
FRONT = {lang: titles["housing_front"] for lang, titles in TITLES.items()}
PLANT = {"sv": "Industrietablering i Mariestad", "en": "Manufacturing plant in Mariestad"}
HOMES = {"sv": "800 nya bostäder i Mariestad", "en": "800 new homes in Mariestad"}
IDENTIFIERS = ("housing_front", "Mariestad plant", "Mariestad new homes")


@pytest.fixture(scope="module")
def study(small_study):
    ensemble = open_ensemble_store(small_study)
    return ensemble, compare(ensemble)


@pytest.fixture(scope="module")
def reports(small_study, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("titled_reports")
    return {
        lang: build_report(small_study, out / f"report_{lang}.html", lang=lang).read_text("utf-8")
        for lang in ("sv", "en")
    }


def outside_the_map(html: str) -> str:
    """The report without the map's inline SVG, which names its panels itself
    (sim.report.charts.difference_map)."""
    return re.sub(r"<svg.*?</svg>", "", html, flags=re.S)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_report_names_scenarios_by_their_titles_in_its_language(reports, lang):
    html = reports[lang]
    other = "en" if lang == "sv" else "sv"
    assert f"<h3>{FRONT[lang]}</h3>" in html  # the summary's heading
    assert f"<tr><td>{FRONT[lang]}</td>" in html  # a row of the key figures
    assert f"&#39;{TITLES[lang]['baseline']}&#39;" in html  # what differences are paired against
    assert FRONT[other] not in html
    for identifier in IDENTIFIERS:
        assert identifier not in outside_the_map(html), identifier


def test_the_ensemble_carries_the_titles_and_descriptions(study):
    ensemble, _ = study
    assert scenario_titles(ensemble, "sv") == TITLES["sv"]
    assert scenario_titles(ensemble, "en") == TITLES["en"]
    assert scenario_descriptions(ensemble, "sv")["housing_front"].startswith("Etableringen i ")
    homes = intervention_titles(ensemble, "housing_programme", "sv")
    assert homes[("housing_front", "Mariestad new homes")] == HOMES["sv"]


def test_ensembles_written_before_titles_fall_back_to_the_names(study):
    ensemble, _ = study
    old = ensemble.drop_vars([v for v in ensemble.data_vars if "_title" in v])
    assert scenario_titles(old, "sv") == {"baseline": "baseline", "housing_front": "housing_front"}
    plants = intervention_titles(old, "establishment", "en")
    assert plants[("housing_front", "Mariestad plant")] == "Mariestad plant"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_charts_name_scenarios_and_interventions_by_their_titles(study, lang):
    ensemble, comparison = study
    titles = scenario_titles(ensemble, lang)
    fig = charts.timeseries(comparison, lang, titles)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(TITLES[lang].values())
    assert fig.axes[2].get_title() == (
        "Bostadskö (hushåll)" if lang == "sv" else "Housing queue (households)"
    )
    charts.plt.close(fig)
    fig = charts.phasing_timeline(ensemble, lang)
    kinds = (
        ("etablering", "bostadsprogram") if lang == "sv" else ("establishment", "housing programme")
    )
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        f"{FRONT[lang]}: {PLANT[lang]} ({kinds[0]})",
        f"{FRONT[lang]}: {HOMES[lang]} ({kinds[1]})",
    ]
    charts.plt.close(fig)
    fig = charts.finances(comparison, ensemble, 2030, lang, titles)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list(TITLES[lang].values())
    charts.plt.close(fig)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_goal_tables_and_matrix_name_scenarios_by_titles_and_goals_by_labels(study, lang):
    ensemble, comparison = study
    goal = Goal(
        "more_jobs",
        "jobs",
        "increase",
        2030,
        materiality=1.0,
        materiality_reason="made up",
        label="More jobs",
        label_sv="Fler jobb",
        description="More jobs in 2030.",
        description_sv="Fler jobb år 2030.",
    )
    results = evaluate_goals(comparison, GoalSet(region="test", goals=[goal]))
    titles = scenario_titles(ensemble, lang)
    label = "Fler jobb" if lang == "sv" else "More jobs"
    table = goal_tables(results, comparison, lang, titles)
    assert [row["scenario"] for row in table["rows"]] == [FRONT[lang]]
    assert [name.rstrip("*") for name in table["names"]] == [label]
    assert all(w.startswith(f"{FRONT[lang]}, {label}: ") for w in table["winners"])
    fig = charts.goal_matrix(results, "baseline", lang, titles)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [FRONT[lang]]
    assert [t.get_text() for t in ax.get_xticklabels()] == [label]
    charts.plt.close(fig)


def test_robustness_tables_and_matrix_name_scenarios_by_their_titles():
    """Made up: scenario 'a' fails goal 'g' in the futures of a high rate."""
    rate = np.linspace(0.01, 0.05, 40)
    met = (rate <= 0.03).astype(float)[None, None, :]
    robust = xr.Dataset(
        {
            "met": (("goal", "scenario", "replicate"), met),
            "met_share": (("goal", "scenario"), [[met.mean()]]),
            "regret_mean": (("goal", "scenario"), [[1.0]]),
            "regret_p90": (("goal", "scenario"), [[2.0]]),
        },
        coords={"goal": ["g"], "scenario": ["a"], "goal_units": ("goal", ["households"])},
    )
    goals = xr.Dataset(coords={"goal": ["g"], "goal_label": ("goal", ["Goal"]),
                               "goal_label_sv": ("goal", ["Mål"])})  # fmt: skip
    titles = {"a": "Scenario A"}
    tables = robustness_tables(robust, pd.DataFrame({"rate": rate}), goals, "sv", titles)
    assert [row["scenario"] for row in tables["regret"]] == ["Scenario A"]
    [condition] = tables["conditions"]
    assert condition.startswith("Scenario A missar 'Mål' i 50\xa0% av framtiderna")
    fig = charts.robustness_matrix(robust, {"g": "Mål"}, "sv", titles)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Scenario A"]
    charts.plt.close(fig)


def test_joint_tables_name_scenarios_and_proposals_by_their_titles():
    from tests.report.test_joint_tables import ensemble

    ds = ensemble()
    ds["scenario_title_sv"] = ("scenario", ["Gemensamt centrum", "Basscenario"])
    ds["joint_proposal_title_sv"] = (("scenario", "joint_proposal"), [["Kulturcentrum"], [""]])
    [block] = joint_tables(ds, "sv")
    assert block["caption"] == "Gemensamt centrum: Kulturcentrum, beslutat 2025–2026"
