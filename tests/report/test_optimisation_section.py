"""``sim report --optimisation``: the section on the phasings found by search, from a hand-made
front.nc, in both languages; bad paths give one message naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sim.analysis.compare import CompareError
from sim.cli import main
from sim.report import charts
from sim.report.build import build_report, load_front, representative_label

EVIL = "<script>alert(1)</script>"
OBJECTIVES = [
    {
        "name": "queue",
        "label": "Housing queue (household-years)",
        "label_sv": "Bostadskö (hushållsår)",
        "direction": "minimize",
        "statistic": "quantile",
        "q": 0.9,
        "units": "household-years",
    },
    {
        "name": "empty_capital",
        "label": "Capital in excess vacancy (MSEK-years)",
        "label_sv": "Kapital i överskottsvakans (mnkr-år)",
        "direction": "minimize",
        "statistic": "mean",
        "q": 0.9,
        "units": "MSEK-years",
    },
    {  # no units in the label: the report adds them
        "name": "commute",
        "label": "Mean travel time to work",
        "label_sv": "Medelrestid till arbetet",
        "direction": "minimize",
        "statistic": "mean",
        "q": 0.9,
        "units": "minutes",
    },
]


def make_front(objectives: list[dict] = OBJECTIVES) -> xr.Dataset:
    """Three solutions (the third not representative, and beaten on the fresh runs), the base and
    one hand-made reference, two fresh runs. The numbers are made up."""
    n_obj = len(objectives)
    value = np.array([[1181.0, 1419.8, 20.12], [1469.7, 1319.1, 20.36], [1500.0, 1500.0, 20.5]])
    value = value[:, :n_obj]
    low, high = value * 0.9, value * 1.1
    low[0, :] = [1100.0, 1300.0, 16.72][:n_obj]
    high[0, :] = [1190.0, 1500.0, 23.51][:n_obj]
    ref = np.array([[1233.8, 1172.0, 20.10], [1569.6, 2246.7, 20.50]])[:, :n_obj]
    runs = np.stack([value * 0.95, value * 1.05], axis=-1)
    ref_runs = np.stack([ref * 0.95, ref * 1.05], axis=-1)
    text = lambda values: np.array(values, dtype=object)  # noqa: E731
    sol, refd = ("solution", "objective"), ("reference", "objective")
    return xr.Dataset(
        {
            "search_value": (sol, value * 0.98),
            "value": (sol, value),
            "value_ci_low": (sol, low),
            "value_ci_high": (sol, high),
            "run_value": ((*sol, "run"), runs),
            "reference_search_value": (refd, ref * 0.98),
            "reference_value": (refd, ref),
            "reference_ci_low": (refd, ref * 0.95),
            "reference_ci_high": (refd, ref * 1.05),
            "reference_run_value": ((*refd, "run"), ref_runs),
            "dominated_after_reevaluation": ("solution", np.array([0, 0, 1], dtype=np.int8)),
            "representative": ("solution", text(["best_queue,balanced", "best_empty_capital", ""])),
            "scenario_name": ("solution", text(["p-aaa", "p-bbb", "p-ccc"])),
            "timeline_en": (
                "solution",
                text(
                    [
                        f"533 dwellings in Mariestad, front-loaded 2029-2033 {EVIL}",
                        "400 dwellings in Skövde, even stages 2026-2034",
                        "800 dwellings in Skara, back-loaded 2026-2034",
                    ]
                ),
            ),
            "timeline_sv": (
                "solution",
                text(
                    [
                        f"533 bostäder i Mariestad, tyngdpunkt tidigt 2029–2033 {EVIL}",
                        "400 bostäder i Skövde, jämna etapper 2026–2034",
                        "800 bostäder i Skara, tyngdpunkt sent 2026–2034",
                    ]
                ),
            ),
            "reference_timeline_en": (
                "reference",
                text(["800 dwellings in Mariestad, even stages 2026-2033", "front-loaded"]),
            ),
            "reference_timeline_sv": (
                "reference",
                text(["800 bostäder i Mariestad, jämna etapper 2026–2033", "tyngdpunkt tidigt"]),
            ),
            "lever_start_year": ("solution", np.array([2029.0, 2026.0, 2026.0])),
        },
        coords={
            "solution": np.arange(3),
            "trial": ("solution", np.array([4, 9, 11])),
            "objective": text([o["name"] for o in objectives]),
            "reference": text(["base", "housing_front"]),
            "run": text(["future0-seed1000", "future1-seed1001"]),
        },
        attrs={
            "title": "Phasing the homes for the establishment",
            "title_sv": "Etappindelning av bostäderna för etableringen",
            "description": "Which phasing keeps the queue short without empty homes.",
            "description_sv": "Vilken etappindelning håller kön kort utan tomma bostäder.",
            "objectives": json.dumps(objectives, ensure_ascii=False),
            "levers": json.dumps([{"name": "start_year", "label": "First year"}]),
            "problem": "made_up",
            "base_scenario": "housing_even",
            "years": "2024-2036",
            "hypervolume_reevaluated": 1.0,
        },
    )


@pytest.fixture(scope="module")
def ensemble(small_study) -> Path:
    """A small collected sweep: two scenarios, two seeds, on the small region (conftest.py)."""
    return small_study


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    make_front().to_netcdf(folder / "front.nc")
    return folder


@pytest.fixture(scope="module")
def reports(ensemble, study, tmp_path_factory) -> dict[str, Path]:
    """Reports with the section in both languages (from the study folder and from its file), and
    one without."""
    out = tmp_path_factory.mktemp("reports")
    return {
        "en": build_report(ensemble, out / "report_en.html", lang="en", optimisation=study),
        "sv": build_report(
            ensemble, out / "report_sv.html", lang="sv", optimisation=study / "front.nc"
        ),
        "none": build_report(ensemble, out / "plain.html", lang="en"),
    }


@pytest.mark.parametrize(
    ("lang", "heading", "labels", "timeline", "header"),
    [
        (
            "en",
            "Phasings found by search",
            ["Best on Housing queue (household-years); Balanced", "Best on Capital in excess"],
            "400 dwellings in Skövde, even stages 2026-2034",
            "Mean travel time to work (minutes), lower is better",
        ),
        (
            "sv",
            "Etappindelningar funna genom sökning",
            ["Bäst på Bostadskö (hushållsår); Balanserad", "Bäst på Kapital i överskottsvakans"],
            "400 bostäder i Skövde, jämna etapper 2026–2034",
            "Medelrestid till arbetet (minuter), lägre är bättre",
        ),
    ],
)
def test_the_section_in_both_languages(reports, lang, heading, labels, timeline, header):
    out = reports[lang]
    html = out.read_text(encoding="utf-8")
    assert f"<h2>{heading}</h2>" in html
    assert ("Etappindelning av bostäderna" if lang == "sv" else "Phasing the homes for") in html
    assert ("utan tomma bostäder" if lang == "sv" else "without empty homes") in html
    assert ("aldrig såg" if lang == "sv" else "never saw") in html
    for label in labels:
        assert label in html
    assert "best_queue" not in html and "best_empty_capital" not in html
    assert f'<td class="text">{labels[0]}</td>' in html  # the whole cell, in words
    assert timeline in html
    assert header in html
    assert ("Scenario utformat för hand" if lang == "sv" else "Hand-made scenario") in html
    assert "housing_front" in html and "housing_even" in html
    # the non-representative solution is in the chart only
    assert "Skara" not in html.split('id="optimisation"')[1]
    assert 'id="chart-tradeoff"' in html
    png = out.parent / f"{out.stem}_charts" / f"tradeoff_{lang}.png"
    assert png.is_file() and png.stat().st_size > 10_000
    assert f"{out.stem}_charts/tradeoff_{lang}.png" in html


def test_without_optimisation_there_is_no_section(reports):
    out = reports["none"]
    html = out.read_text(encoding="utf-8")
    assert "Phasings found by search" not in html
    assert 'id="optimisation"' not in html and "chart-tradeoff" not in html
    assert not (out.parent / f"{out.stem}_charts" / "tradeoff_en.png").exists()


def test_numbers_follow_the_language(reports):
    sv = reports["sv"].read_text(encoding="utf-8")
    en = reports["en"].read_text(encoding="utf-8")
    assert "20,1 (16,7 – 23,5)" in sv
    assert "1\xa0181 (1\xa0100 – 1\xa0190)" in sv
    assert "20.1 (16.7 – 23.5)" in en
    assert "1,181 (1,100 – 1,190)" in en


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_names_from_the_front_are_escaped(reports, lang):
    html = reports[lang].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()


def test_representative_labels_in_words():
    assert representative_label("best_commute", OBJECTIVES, "en") == (
        "Best on Mean travel time to work (minutes)"
    )
    assert representative_label("best_queue,best_commute,balanced", OBJECTIVES, "sv") == (
        "Bäst på Bostadskö (hushållsår); Bäst på Medelrestid till arbetet (minuter); Balanserad"
    )


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tradeoff_chart_for_one_two_and_three_objectives(n):
    fig = charts.tradeoff(make_front(OBJECTIVES[:n]), "sv")
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == {1: 1, 2: 1, 3: 3}[n]
    texts = [t.get_text() for ax in panels for t in ax.texts]
    if n > 1:
        assert "Etappindelning 0" in texts and "Etappindelning 1" in texts
        assert "Etappindelning 2" not in texts  # not representative
        assert "base" in texts and "housing_front" in texts
    assert "Bostadskö (hushållsår)\n(lägre är bättre)" == panels[0].get_xlabel()
    charts.plt.close(fig)


def _bad_paths(tmp_path: Path) -> list[tuple[Path, str]]:
    text = tmp_path / "notes.nc"
    text.write_text("not a netCDF file", encoding="utf-8")
    other = tmp_path / "other" / "front.nc"
    other.parent.mkdir()
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(other)
    lacking = tmp_path / "lacking.nc"
    make_front().drop_vars(["timeline_sv", "reference_value"]).to_netcdf(lacking)
    empty = tmp_path / "empty_study"
    empty.mkdir()
    return [
        (tmp_path / "missing", "does not exist"),
        (empty, "holds no front.nc"),
        (text, "is not a readable netCDF file"),
        (other.parent, "lacks solution, objective, reference, run, value"),
        (lacking, "lacks timeline_sv, reference_value"),
    ]


def test_a_bad_path_names_the_option(tmp_path):
    for path, problem in _bad_paths(tmp_path):
        with pytest.raises(CompareError, match="--optimisation") as err:
            load_front(path)
        assert problem in str(err.value)
        assert "front.nc" in str(err.value)


def test_a_bad_path_is_refused_before_any_work(tmp_path, capsys):
    # The ensemble is never opened: the option is checked first.
    with pytest.raises(CompareError, match="--optimisation: .* does not exist"):
        build_report(tmp_path / "no_ensemble", tmp_path / "r.html", optimisation=tmp_path / "x")
    code = main(
        [
            "report",
            str(tmp_path / "no_ensemble"),
            "--out",
            str(tmp_path / "r.html"),
            "--optimisation",
            str(tmp_path / "missing_study"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: --optimisation:") and "does not exist" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()
