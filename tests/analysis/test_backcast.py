"""``sim backcast``: the table on made-up numbers, the naive trend and MAPE by hand, and the command
end to end on the real 2015 inputs (one seed, 2015-2016)."""

from __future__ import annotations

import math
import sys
import tempfile

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sim.analysis.backcast import (
    MAPE,
    TOTAL,
    backcast_table,
    csv_table,
    mean_absolute,
    naive_forecast,
    read_observed,
)
from sim.cli import main

CODES = ["0001", "0002"]


def made_up_observed() -> pd.DataFrame:
    """Two municipalities. Every number is made up: only the arithmetic is tested."""
    return pd.DataFrame(
        {
            "name": ["Alpha", "Beta"],
            "pop_2010": [1000, 2000],
            "pop_2015": [1100, 1800],
            "pop_2020": [1200, 1700],
            "latest": [1300, 1650],
            "latest_year": [2024, 2021],
        },
        index=pd.Index(CODES, name="code"),
    )


def made_up_simulated(last_year: int = 2024) -> xr.DataArray:
    """Made-up simulated residents (seed, year, municipality): two seeds, 2015..last_year."""
    years = np.arange(2015, last_year + 1)
    values = np.zeros((2, years.size, 2))
    for s, extra in enumerate((0.0, 20.0)):  # seed 1 is 20 persons above seed 0 everywhere
        values[s, :, 0] = 1100 + 25 * (years - 2015) + extra  # Alpha: 1225 in 2020, 1325 in 2024
        values[s, :, 1] = 1800 - 10 * (years - 2015) + extra  # Beta: 1750 in 2020, 1740 in 2021
    return xr.DataArray(
        values,
        dims=("seed", "year", "municipality"),
        coords={"seed": [0, 1], "year": years, "municipality": CODES},
    )


def test_naive_forecast_extrapolates_the_2010_2015_growth():
    assert naive_forecast(1000.0, 1100.0, 2015) == pytest.approx(1100.0)
    assert naive_forecast(1000.0, 1100.0, 2020) == pytest.approx(1210.0)  # 10 % per 5 years
    expected = 1100.0 * (1.1 ** (1 / 5)) ** 9
    assert naive_forecast(1000.0, 1100.0, 2024) == pytest.approx(expected)
    assert naive_forecast(2000.0, 1800.0, 2020) == pytest.approx(1800.0 * 0.9)


def test_mean_absolute_percentage_error():
    assert mean_absolute(pd.Series([2.0, -4.0, 0.0])) == pytest.approx(2.0)
    assert math.isnan(mean_absolute(pd.Series([], dtype=float)))


def test_table_on_made_up_numbers():
    table = backcast_table(made_up_observed(), made_up_simulated()).set_index("name")
    alpha, beta, total, mape = (table.loc[n] for n in ("Alpha", "Beta", TOTAL, MAPE))
    # 2020: model mean over the two seeds, its range, errors against the real figure.
    assert alpha["model_2020"] == pytest.approx(1235.0)  # (1225 + 1245) / 2
    assert (alpha["model_2020_min"], alpha["model_2020_max"]) == (1225.0, 1245.0)
    assert alpha["model_2020_error_pct"] == pytest.approx((1235 - 1200) / 1200 * 100)
    assert alpha["naive_2020"] == pytest.approx(1210.0)
    assert alpha["naive_2020_error_pct"] == pytest.approx((1210 - 1200) / 1200 * 100)
    assert beta["model_2020"] == pytest.approx(1760.0)
    assert beta["naive_2020"] == pytest.approx(1620.0)
    # Latest: each municipality at its own year (Alpha 2024, Beta 2021).
    assert alpha["model_latest"] == pytest.approx(1335.0)
    assert beta["model_latest"] == pytest.approx(1750.0)  # 1740 and 1760 in 2021
    assert beta["naive_latest"] == pytest.approx(1800 * 0.9 ** (6 / 5))
    # The total sums the municipalities; its range is that of the sum over seeds.
    assert total["real_2020"] == 2900 and total["real_latest"] == 2950
    assert total["model_2020"] == pytest.approx(2995.0)
    assert (total["model_2020_min"], total["model_2020_max"]) == (2975.0, 3015.0)
    assert total["model_2020_error_pct"] == pytest.approx((2995 - 2900) / 2900 * 100)
    assert total["naive_latest"] == pytest.approx(alpha["naive_latest"] + beta["naive_latest"])
    # MAPE: the mean of the absolute municipal errors, for the model and the naive trend.
    for kind in ("model", "naive"):
        for label in ("2020", "latest"):
            errors = [alpha[f"{kind}_{label}_error_pct"], beta[f"{kind}_{label}_error_pct"]]
            assert mape[f"{kind}_{label}_error_pct"] == pytest.approx(np.mean(np.abs(errors)))
    assert mape["naive_2020_error_pct"] == pytest.approx((10 / 1200 + 80 / 1700) / 2 * 100)


def test_years_beyond_the_runs_are_left_empty():
    table = backcast_table(made_up_observed(), made_up_simulated(last_year=2022))
    table = table.set_index("name")
    assert math.isnan(table.loc["Alpha", "model_latest"])  # 2024 was not simulated
    assert table.loc["Beta", "model_latest"] == pytest.approx(1750.0)
    assert math.isnan(table.loc[TOTAL, "model_latest"])
    # MAPE over the municipalities compared (Beta), for both forecasts.
    beta = table.loc["Beta"]
    assert table.loc[MAPE, "model_latest_error_pct"] == pytest.approx(
        abs(beta["model_latest_error_pct"])
    )
    assert table.loc[MAPE, "naive_latest_error_pct"] == pytest.approx(
        abs(beta["naive_latest_error_pct"])
    )
    text = csv_table(table.reset_index())
    assert text.splitlines()[0].startswith("name,code,latest_year,real_2020")


def test_real_figures_come_from_the_shared_sources():
    observed = read_observed()
    assert len(observed) == 15
    assert observed["pop_2020"].sum() == 268_955  # SCB: Skaraborg on 31 Dec 2020
    skovde = observed.loc["1496"]
    assert (skovde["pop_2010"], skovde["pop_2015"], skovde["latest"]) == (51_402, 53_555, 57_763)
    assert skovde["latest_year"] == 2023
    assert set(observed["latest_year"]) == {2021, 2023, 2024}


# --- The command ---------------------------------------------------------------------------------
@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """The test's working directory, with its own temporary folder for bug reports."""
    bugs = tmp_path / "tmp"
    bugs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(bugs))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["sim"])
    return tmp_path


def test_backcast_command_end_to_end(sandbox, capsys):
    out = sandbox / "backcast"
    code = main(["backcast", "--seeds", "1", "--end", "2016", "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert "Backcast: skaraborg_2015 baseline 2015-2016, 1 seed" in stdout
    assert "MAPE" in stdout and "Skövde (1496)" in stdout
    table = pd.read_csv(out / "backcast.csv", dtype={"code": str})
    assert len(table) == 17 and table["name"].iloc[-2:].tolist() == [TOTAL, MAPE]
    assert table["real_2020"].iloc[:15].tolist() == read_observed()["pop_2020"].tolist()
    assert table["model_2020"].isna().all()  # 2020 is after the runs' end: not compared
    markdown = (out / "backcast.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Backcast: skaraborg_2015 baseline 2015-2016, 1 seed")
    assert "Beating the naive trend is the aim, not a test condition" in markdown
    assert out.is_symlink()  # published: a new version swapped in at once
    assert not list((sandbox / "tmp").glob("sim-bug-*"))


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--seeds", "0"], "--seeds: 0 is not allowed"),
        (["--end", "2015"], "--end: 2015 is not allowed; use a year after 2015"),
        (["--end", "2101"], "--end: 2101 is not allowed"),
        (["--calibrated", "no_such_fit"], "--calibrated: 'no_such_fit' is not a file"),
        (["--calibrated", "../default"], "--calibrated: '../default' is not a file"),
        (["--out", "a-file"], "--out: "),
        (["--out", "a-folder"], "--out: "),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(args, expected, sandbox, capsys):
    (sandbox / "a-file").write_text("a user's file\n")
    (sandbox / "a-folder").mkdir()
    (sandbox / "a-folder" / "notes.txt").write_text("a user's folder\n")
    code = main(["backcast", *args])
    _, stderr = capsys.readouterr()
    assert code == 2, stderr
    assert expected in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in sandbox.iterdir()) == ["a-file", "a-folder", "tmp"]
    assert (sandbox / "a-folder" / "notes.txt").read_text() == "a user's folder\n"


def test_calibrated_is_passed_to_every_run(tmp_path, monkeypatch):
    import sim.analysis.backcast as bc

    (tmp_path / "calibrated").mkdir()
    (tmp_path / "calibrated" / "fit.yaml").write_text("# @package params\n")
    monkeypatch.setattr(bc, "CONFIG_DIR", tmp_path)
    bc.check_arguments(2, 2024, tmp_path / "out", "fit")  # the file exists: accepted
    assert bc.run_overrides(1, 2024, "fit") == [
        "region=skaraborg_2015",
        "scenario=baseline",
        "years.end=2024",
        "seed=1",
        "calibrated=fit",
    ]
    assert "~calibrated" in bc.run_overrides(1, 2024, None)


def test_a_malformed_number_is_refused_by_argparse(sandbox, capsys):
    with pytest.raises(SystemExit) as info:
        main(["backcast", "--seeds", "five"])
    assert info.value.code == 2
    assert "--seeds: invalid int value: 'five'" in capsys.readouterr().err
