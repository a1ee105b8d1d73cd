"""Sweeps: the same ensemble whatever the launcher, resume after a real kill, collect checks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr

from sim.batch.collect import CollectError, collect, find_runs
from sim.batch.sweep import count_jobs, run_label
from sim.config.compose import compose_config
from sim.io.provenance import run_id
from tests.helpers import NO_WARM_START, sim_cli

SWEEP = ["scenario=baseline,establishment", "seed=0,1,2", "years.end=2028", NO_WARM_START]
RUNS = 6


def sim_run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return sim_cli("run", "-m", *args, cwd=cwd)


def sweep(tmp: Path, name: str, *launcher: str) -> Path:
    sweep_dir = tmp / name
    result = sim_run(*SWEEP, *launcher, f"hydra.sweep.dir={sweep_dir}", cwd=tmp)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"sweep: {RUNS}/{RUNS} done, 0 failed, 0 remaining" in result.stdout
    return sweep_dir


@pytest.fixture(scope="module")
def reference_sweep(tmp_path_factory) -> Path:
    """An uninterrupted sweep with the basic (sequential) launcher."""
    return sweep(tmp_path_factory.mktemp("basic"), "sweep", "hydra/launcher=basic")


@pytest.fixture(scope="module")
def reference(reference_sweep) -> xr.Dataset:
    """The ensemble of the reference sweep."""
    return xr.open_zarr(collect(reference_sweep)).load()


def test_a_large_ensemble_is_written_chunk_by_chunk_with_the_same_data_and_chunks(
    tmp_path, reference_sweep, reference, monkeypatch
):
    import zarr

    import sim.batch.collect as collect_module

    monkeypatch.setattr(collect_module, "IN_MEMORY_BYTES", 0)  # every ensemble is "large"
    lazy = collect(reference_sweep, tmp_path / "lazy.zarr")
    xr.testing.assert_identical(xr.open_zarr(lazy).load(), reference)
    in_memory, chunked = zarr.open(reference_sweep / "ensemble.zarr"), zarr.open(lazy)
    for name in in_memory.array_keys():
        if in_memory[name].size:  # an empty variable has no chunk to compare
            assert in_memory[name].chunks == chunked[name].chunks, name


def test_joblib_and_basic_launchers_give_identical_ensembles(tmp_path, reference):
    ensemble = xr.open_zarr(collect(sweep(tmp_path, "sweep", "hydra.launcher.n_jobs=2"))).load()
    xr.testing.assert_identical(ensemble, reference)
    assert reference.sizes["scenario"] == 2 and reference.sizes["replicate"] == 3
    assert reference["replicate"].values.tolist() == [0, 1, 2]
    assert set(reference["scenario"].values) == {"baseline", "establishment"}


def test_submitit_local_gives_the_same_ensemble(tmp_path, reference):
    sweep_dir = sweep(tmp_path, "sweep", "hydra/launcher=submitit_local")
    xr.testing.assert_identical(xr.open_zarr(collect(sweep_dir)).load(), reference)


def test_ray_launcher_gives_the_same_ensemble(tmp_path, reference, monkeypatch):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    sweep_dir = sweep(
        tmp_path,
        "sweep",
        "hydra/launcher=ray",
        "+hydra.launcher.ray.init.address=null",
        "+hydra.launcher.ray.init.include_dashboard=false",
        "+hydra.launcher.ray.init._node_ip_address=127.0.0.1",
    )
    xr.testing.assert_identical(xr.open_zarr(collect(sweep_dir)).load(), reference)


def test_killed_sweep_resumes_and_completes_every_run_once(tmp_path, reference):
    sweep_dir = tmp_path / "sweep"
    cmd = [
        sys.executable,
        "-m",
        "sim.cli",
        "run",
        "-m",
        *SWEEP,
        "hydra/launcher=basic",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    process = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 300
    while len(list(sweep_dir.glob("runs/*/results.nc"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)  # the basic launcher runs the jobs in this process
    process.wait()
    done_before = len(list(sweep_dir.glob("runs/*/results.nc")))
    assert 2 <= done_before < RUNS, "the kill should interrupt the sweep part-way"

    result = sim_run(*SWEEP, "hydra/launcher=basic", f"hydra.sweep.dir={sweep_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("skip ") == done_before
    assert result.stdout.count("done ") == RUNS - done_before
    runs = find_runs(sweep_dir)
    assert len(runs) == RUNS and len({(s, r) for s, r, _ in runs}) == RUNS
    assert not list(sweep_dir.glob("runs/*/.*.tmp"))
    xr.testing.assert_identical(xr.open_zarr(collect(sweep_dir)).load(), reference)


def test_run_ids_depend_on_the_config_not_the_order():
    a = compose_config(["scenario=establishment", "seed=3"])
    b = compose_config(["seed=3", "scenario=establishment"])
    c = compose_config(["scenario=establishment", "seed=3", "params.labour.commute_beta=0.09"])
    assert run_id(a) == run_id(b) != run_id(c)
    assert run_label(a).startswith("establishment-seed3-")


def test_count_jobs():
    assert count_jobs(["seed=range(0,5)", "scenario=a,b", "years.end=2030"], None) == 10
    assert count_jobs(["seed=0,1"], {"scenario": "a,b,c", "seed": "range(0,9)"}) == 6
    assert count_jobs(["seed=0"], {"scenario": "a,b,c", "seed": "range(0,5)"}) == 3


def test_collect_refuses_mixed_code_versions(tmp_path, reference):
    sweep_dir = sweep(tmp_path, "sweep", "hydra/launcher=basic")
    path = next(sweep_dir.glob("runs/establishment-seed1-*/results.nc"))
    import netCDF4

    with netCDF4.Dataset(path, "a") as nc:
        nc.code_version = "0.0.1+gdeadbeef"
    with pytest.raises(CollectError, match="mixed code versions"):
        collect(sweep_dir)
    result = sim_cli("collect", str(sweep_dir))
    assert result.returncode == 2 and "mixed code versions" in result.stderr
    assert not (sweep_dir / "ensemble.zarr").exists()


def test_collect_refuses_an_incomplete_sweep(tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = sim_run(
        "scenario=baseline,establishment",
        "seed=0,1",
        "years.end=2027",
        NO_WARM_START,
        "hydra/launcher=basic",
        f"hydra.sweep.dir={sweep_dir}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    victim = next(sweep_dir.glob("runs/baseline-seed1-*/results.nc"))
    victim.unlink()
    with pytest.raises(CollectError, match="missing runs: baseline seed 1"):
        collect(sweep_dir)


def test_variants_of_one_scenario_get_their_own_labels():
    from sim.batch.collect import scenario_labels

    configs = [
        "seed: 0\nscenario: {name: h, housing_programmes: [{queue_threshold: 0.001}]}\n",
        "seed: 1\nscenario: {name: h, housing_programmes: [{queue_threshold: 0.001}]}\n",
        "seed: 0\nscenario: {name: h, housing_programmes: [{queue_threshold: 0.005}]}\n",
        "seed: 0\nscenario: {name: b}\n",
    ]
    labels = scenario_labels(configs, ["h", "h", "h", "b"])
    assert labels == [
        "h[queue_threshold=0.001]",
        "h[queue_threshold=0.001]",
        "h[queue_threshold=0.005]",
        "b",
    ]


def test_variants_of_one_scenario_get_titles_that_tell_them_apart():
    from sim.batch.collect import scenario_titles

    attrs = {"scenario": "h", "scenario_title": "Homes", "scenario_title_sv": "Bostäder"}
    assert scenario_titles(attrs, "h[queue_threshold=0.005]") == {
        "scenario_title": "Homes [queue_threshold=0.005]",
        "scenario_title_sv": "Bostäder [queue_threshold=0.005]",
    }
    assert scenario_titles(attrs, "h") == {
        "scenario_title": "Homes",
        "scenario_title_sv": "Bostäder",
    }
    # A run written before scenarios had titles: none, and the report shows the label.
    assert scenario_titles({"scenario": "h"}, "h") == {
        "scenario_title": "",
        "scenario_title_sv": "",
    }


def test_collect_works_with_a_relative_sweep_folder(tmp_path):
    result = sim_run(
        "scenario=baseline",
        "seed=0,1",
        "years.end=2026",
        NO_WARM_START,
        "hydra/launcher=basic",
        "hydra.sweep.dir=relative_sweep",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    collected = sim_cli("collect", "relative_sweep", cwd=tmp_path)
    assert collected.returncode == 0, collected.stderr[-2000:]
    assert (tmp_path / "relative_sweep" / "ensemble.zarr").is_dir()
