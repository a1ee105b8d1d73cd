"""The ``sim`` command end to end: a short run writes results; bad input writes nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import xarray as xr

from tests.helpers import SIM
from tests.helpers import sim_cli as run_sim


def test_sim_run_writes_results_and_summary(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "years.end=2027", "seed=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "population" in result.stdout and "2027" in result.stdout
    ds = xr.open_dataset(out / "results.nc")
    assert ds.year.values.tolist() == [2024, 2025, 2026, 2027]
    assert ds.attrs["seed"] == 3
    assert "commute_beta" in ds.attrs["config"]
    assert (out / "config.yaml").exists()
    assert not list(out.glob(".*tmp"))


def test_bad_year_is_refused_without_output(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "years.end=2200", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 2
    assert "years.end: 2200 is not allowed" in result.stderr
    assert not out.exists()


def test_a_scenario_name_that_would_leave_the_sweep_folder_is_refused(tmp_path):
    sweep = tmp_path / "sweeps" / "s"
    result = run_sim(
        "run",
        "-m",
        "scenario.name=../../escape",
        "years.end=2026",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "scenario.name: '../../escape' is not allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (sweep / "runs").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sweeps"]


def test_unknown_key_is_refused(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "params.labour.commute_bet=0.1", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode != 0
    assert "commute_bet" in result.stderr
    assert not out.exists()


def test_wrong_type_is_refused(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "seed=abc", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode != 0
    assert "seed" in result.stderr
    assert not out.exists()


def test_unknown_region_is_refused(tmp_path):
    out = tmp_path / "run"
    result = run_sim("run", "region.name=nowhere", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 2
    assert "nowhere" in result.stderr
    assert not out.exists()


def test_usage_without_command():
    result = subprocess.run(SIM, capture_output=True, text=True)
    assert result.returncode == 2
    assert "sim run" in result.stdout


def test_sim_scenarios_lists_every_scenario_with_a_description():
    result = run_sim("scenarios")
    assert result.returncode == 0
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("run")]
    names = {line.split()[0] for line in lines}
    shipped = {p.stem for p in (Path(__file__).parents[1] / "configs" / "scenario").glob("*.yaml")}
    assert names == shipped
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)
