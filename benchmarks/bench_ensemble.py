"""Time the default Skaraborg study (every shipped scenario x 5 replicates, 2024-2050) with 1 and 2
joblib workers; report runs per minute, what a run costs besides the model, and check that the
collected ensembles are identical.

Usage: .venv/bin/python benchmarks/bench_ensemble.py [--workers 1 2] [--seeds 5] [--out DIR]

Each worker count gets a fresh sweep folder, so nothing is skipped. The cost of one run besides
the model is measured in this process on the same config: Python and library imports, composing
the config, the first load of the numba cache, reading and validating the inputs, synthesis, the
yearly loop (the model), building the Dataset and writing ``results.nc``. In a sweep each worker
pays the imports and the cache load once (loky reuses its workers) and the input validation once
(``load_region_once``); composition, synthesis, the loop and writing are per run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_cost() -> list[tuple[str, float]]:
    """Seconds of each part of one default run, in a fresh interpreter's order."""
    parts: list[tuple[str, float]] = []
    start = time.perf_counter()
    from sim.config.compose import compose_config, resolve_config
    from sim.engine.model import RegionModel
    from sim.engine.run import coordinates, run_attributes, write_run
    from sim.engine.synthesis import synthesize
    from sim.io.inputs import load_region
    from sim.io.results import Recorder

    parts.append(("imports (once per worker)", time.perf_counter() - start))
    start = time.perf_counter()
    cfg = resolve_config(compose_config(["progress=false"]))
    parts.append(("compose and resolve the config", time.perf_counter() - start))
    from omegaconf import OmegaConf

    from sim.engine.run import simulate

    start = time.perf_counter()
    simulate(compose_config(["progress=false", "years.end=2025"]))
    parts.append(("numba cache load + a 1-year run (once per worker)", time.perf_counter() - start))
    start = time.perf_counter()
    inputs = load_region(cfg.region.name)
    parts.append(("read and validate inputs (once per worker)", time.perf_counter() - start))
    params = OmegaConf.to_object(cfg.params)
    warm = params.warm_start.years
    start = time.perf_counter()
    pop = synthesize(inputs, params, cfg.seed, cfg.years.start, warm)
    parts.append(("synthesis", time.perf_counter() - start))
    start = time.perf_counter()
    model = RegionModel(inputs, params, pop, cfg.seed, cfg.years.start, cfg.scenario)
    model.warm_start(warm)
    recorder = Recorder(model.declared_results())
    model.record(recorder)
    for _ in range(cfg.years.start + 1, cfg.years.end + 1):
        model.step()
        model.record(recorder)
    parts.append(("model: warm start and yearly loop", time.perf_counter() - start))
    start = time.perf_counter()
    ds = recorder.to_dataset(
        coordinates(model), base_year=model.base_year, static=model.static_results()
    )
    ds.attrs.update(run_attributes(cfg, inputs.checksums))
    parts.append(("build the Dataset", time.perf_counter() - start))
    start = time.perf_counter()
    write_run(Path(tempfile.mkdtemp(prefix="bench_run_")), cfg, ds)
    parts.append(("write config.yaml and results.nc", time.perf_counter() - start))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seeds", type=int, default=5, help="replicates per scenario")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_ensemble_"))

    print("One default run (Skaraborg baseline 2024-2050), seconds:")
    parts = run_cost()
    for label, seconds in parts:
        print(f"  {label:<52} {seconds:6.2f}")
    per_run = sum(s for label, s in parts if "once per worker" not in label)
    model = dict(parts)["model: warm start and yearly loop"]
    share = 100 * model / per_run
    print(f"  per run in a sweep: {per_run:.2f} s, of which the model {share:.0f} %")

    ensembles = []
    for workers in args.workers:
        sweep_dir = root / f"workers{workers}"
        cmd = [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            "+experiment=skaraborg_study",
            f"seed=range(0,{args.seeds})",
            f"hydra.launcher.n_jobs={workers}",
            f"hydra.sweep.dir={sweep_dir}",
        ]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        n_runs = sum(1 for _ in (sweep_dir / "runs").glob("*/results.nc"))
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim.cli", "collect", str(sweep_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        collect_seconds = time.perf_counter() - start
        store = sweep_dir / "ensemble.zarr"
        print(
            f"{workers} worker(s): {n_runs} runs in {seconds:.1f} s = "
            f"{n_runs / seconds * 60:.1f} runs/min (launch included); collect "
            f"{collect_seconds:.1f} s; ensemble.zarr {folder_size(store) / 1e6:.1f} MB "
            f"(run files {folder_size(sweep_dir / 'runs') / 1e6:.1f} MB)"
        )
        ensembles.append(xr.open_zarr(store).load())
    for other in ensembles[1:]:
        xr.testing.assert_identical(ensembles[0], other)
    if len(ensembles) > 1:
        print(f"ensembles identical across worker counts: yes ({root})")


if __name__ == "__main__":
    main()
