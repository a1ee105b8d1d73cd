"""``sim optimise`` end to end on the small region, and its refusals of bad input."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from tests.helpers import NO_WARM_START, sim_cli


def test_sim_optimise_writes_a_labelled_front_and_its_summary(small_region, tmp_path):
    out = tmp_path / "study"
    done = sim_cli(
        "optimise",
        "skaraborg_housing",
        f"run_overrides=[region.input_dir={small_region},{NO_WARM_START}]",
        "evaluation.end_year=2036",
        "evaluation.candidates=6",
        "evaluation.population=3",
        "evaluation.n_futures=2",
        "evaluation.reevaluation.n_futures=2",
        "storage=journal",  # a journal file, as on a cluster's shared file system
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "6 candidates x 2 futures x 1 seed(s) = 12 runs of 2024-2036" in done.stdout
    with xr.open_dataset(out / "front.nc") as ds:
        n = ds.sizes["solution"]
        assert n >= 1
        assert list(ds["objective"].values) == ["queue", "empty_capital", "commute"]
        assert list(ds["reference"].values) == [
            "base",
            "housing_front",
            "housing_even",
            "housing_demand",
        ]
        assert list(ds["reference_title_sv"].values[:2]) == [
            "Etablering med 800 bostäder, jämna etapper",  # the base scenario, housing_even
            "Etablering med 800 bostäder byggda tidigt",
        ]
        assert ds.sizes["run"] == 2
        assert np.isfinite(ds["value"].values).all()
        assert (ds["value_ci_low"] <= ds["value"]).all() and (
            ds["value"] <= ds["value_ci_high"]
        ).all()
        assert ds["lever_place"].dims == ("solution", "place_place")
        np.testing.assert_allclose(ds["lever_place"].sum("place_place"), 1.0)
        assert ds["lever_hold_vacancy"].dtype == float  # 'never' is NaN
        assert all(
            "Mariestad" in t or "Skövde" in t or "Töreboda" in t for t in ds["timeline_en"].values
        )
        assert all("bostäder" in t for t in ds["timeline_sv"].values)
        labels = ",".join(ds["representative"].values)
        assert "best_queue" in labels and "balanced" in labels
        objectives = json.loads(ds.attrs["objectives"])
        assert objectives[0]["units"] == "household-years"
    assert (out / "study.journal").is_file() and not (out / "study.db").exists()
    summary = (out / "front.md").read_text(encoding="utf-8")
    assert "housing_front (hand-made)" in summary
    assert "Hand-made scenarios against the front" in summary


def test_a_bad_problem_exits_2_with_one_message_and_writes_nothing(tmp_path):
    out = tmp_path / "study"
    bad = sim_cli("optimise", "skaraborg_housing", "evaluation.population=1", "--out", str(out))
    assert bad.returncode == 2
    assert "evaluation.population: 1 is not allowed" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not out.exists()
    unknown = sim_cli("optimise", "no_such_problem", "--out", str(out))
    assert unknown.returncode == 2 and "is not a problem" in unknown.stderr
    assert not out.exists()
