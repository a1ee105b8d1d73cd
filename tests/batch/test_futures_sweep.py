"""A sweep of sampled futures through the real command line: every future of the set is run for
every scenario, the joblib and submitit_local launchers give identical results, collect adds the
``future`` dimension with the sampled values, and compare reports robustness."""

from __future__ import annotations

from pathlib import Path

import netCDF4
import pandas as pd
import pytest
import xarray as xr
import yaml

from sim.batch.collect import collect
from tests.helpers import NO_WARM_START, sim_cli

FUTURES = 3
SWEEP = [
    "futures=lhs",
    f"futures.n={FUTURES}",
    "scenario=baseline,establishment",
    "years.end=2030",
    NO_WARM_START,
]
# Goals judged within the short horizon; materialities and names made up for the test.
NAMES = "description: Made up., description_sv: Påhittat."
GOALS = f"""region: skaraborg
goals:
  - {{name: growth, indicator: population, direction: increase, year: 2030, materiality: 100,
     materiality_reason: made up, label: Growth, label_sv: Tillväxt, {NAMES}}}
  - {{name: queue, indicator: housing_queue, direction: decrease, year: 2030, materiality: 20,
     materiality_reason: made up, label: Queue, label_sv: Kö, {NAMES}}}
  - {{name: finances, indicator: municipal_result_per_resident, direction: at_least, target: 0,
     year: 2030, materiality: 100, materiality_reason: made up, label: Finances,
     label_sv: Ekonomi, {NAMES}}}
"""


def futures_sweep(tmp: Path, *launcher: str) -> Path:
    sweep_dir = tmp / "sweep"
    result = sim_cli("run", "-m", *SWEEP, *launcher, f"hydra.sweep.dir={sweep_dir}", cwd=tmp)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = 2 * FUTURES
    assert f"sweep: {runs}/{runs} done, 0 failed, 0 remaining" in result.stdout
    return sweep_dir


@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory) -> Path:
    return futures_sweep(tmp_path_factory.mktemp("joblib"), "hydra.launcher.n_jobs=2")


def test_every_future_of_every_scenario_runs_with_its_sampled_values(joblib_sweep):
    names = sorted(p.name.rsplit("-", 1)[0] for p in (joblib_sweep / "runs").iterdir())
    expected = [f"{s}-future{k}-seed0" for s in ("baseline", "establishment") for k in range(3)]
    assert names == expected
    rates = {}
    for path in sorted((joblib_sweep / "runs").glob("*/results.nc")):
        with netCDF4.Dataset(path) as nc:
            values = yaml.safe_load(nc.future_values)
            config = yaml.safe_load(nc.config)
            rates.setdefault(int(nc.future), set()).add(values["interest_rate"])
            assert config["future"] == int(nc.future) and config["futures"]["n"] == FUTURES
    assert all(len(r) == 1 for r in rates.values())  # the same future for both scenarios
    assert len({r.pop() for r in rates.values()}) == FUTURES  # and different futures


def test_submitit_local_gives_identical_results(joblib_sweep, tmp_path):
    other = futures_sweep(tmp_path, "hydra/launcher=submitit_local")
    reference = xr.open_zarr(collect(joblib_sweep)).load()
    xr.testing.assert_identical(xr.open_zarr(collect(other)).load(), reference)


def test_collect_adds_the_future_dimension_and_compare_reports_robustness(joblib_sweep):
    ensemble = xr.open_zarr(joblib_sweep / "ensemble.zarr")
    assert ensemble["population"].dims[:3] == ("scenario", "future", "replicate")
    assert ensemble["future"].values.tolist() == [0, 1, 2]
    assert ensemble["future_interest_rate"].attrs["units"] == "1/year"
    assert ensemble["future_establishment_delay"].values.tolist() == [
        float(v) for v in ensemble["future_establishment_delay"].values.round()
    ]
    goals = joblib_sweep / "goals.yaml"
    goals.write_text(GOALS, encoding="utf-8")
    result = sim_cli("compare", str(joblib_sweep), "--goals", str(goals))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Robustness over 3 sampled futures" in result.stdout
    folder = joblib_sweep / "comparison"
    table = pd.read_csv(folder / "robustness.csv")
    assert set(table["goal"]) == {"growth", "queue", "finances"}
    assert set(table["scenario"]) == {"baseline", "establishment"}
    assert table["regret_mean"].ge(0).all()
    best = table.groupby("goal")["regret_mean"].min()
    assert (best < table.groupby("goal")["regret_mean"].max()).any() or (best == 0).all()
    assert pd.read_csv(folder / "futures.csv").shape[0] == FUTURES
    assert (folder / "failure_conditions.csv").is_file()
    robust = xr.open_dataset(folder / "robustness.nc")
    # Growth and the queue are judged against the baseline: the baseline has no share of them.
    assert robust["met_share"].sel(scenario="baseline", goal="growth").isnull()
    assert robust["met_share"].sel(scenario="baseline", goal="finances").notnull()


def test_the_report_shows_robustness_and_failure_conditions(joblib_sweep, tmp_path):
    goals = tmp_path / "goals.yaml"
    goals.write_text(GOALS, encoding="utf-8")
    out = tmp_path / "report.html"
    result = sim_cli("report", str(joblib_sweep), "--out", str(out), "--goals", str(goals))
    assert result.returncode == 0, result.stderr[-3000:]
    html = out.read_text(encoding="utf-8")
    assert "Robusthet över 3 samplade framtider" in html
    assert "När scenarier inte når målen" in html and "Ånger" in html
    assert "<td>Stor etablering i Mariestad</td>" in html  # the scenario's title, of the futures
    assert (tmp_path / "report_charts" / "robustness_sv.png").is_file()
