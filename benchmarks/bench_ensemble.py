"""Time an ensemble of Skaraborg runs with 1 and 2 joblib workers; report runs per minute and the
size of the collected ensemble on disk.

Usage: .venv/bin/python benchmarks/bench_ensemble.py [--seeds 10] [--workers 1 2] [--out DIR]

The sweep is 4 scenarios x N seeds of the full 2024-2050 horizon (40 runs by default). Each worker
count gets a fresh sweep folder, so nothing is skipped; the collected ensembles must be identical.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr

SCENARIOS = "baseline,establishment,housing_even,culture_hub"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_ensemble_"))
    n_runs = 4 * args.seeds
    ensembles = []
    for workers in args.workers:
        sweep_dir = root / f"workers{workers}"
        cmd = [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            "-m",
            f"scenario={SCENARIOS}",
            f"seed=range(0,{args.seeds})",
            f"hydra.launcher.n_jobs={workers}",
            f"hydra.sweep.dir={sweep_dir}",
        ]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli", "collect", str(sweep_dir)], check=True)
        collect_seconds = time.perf_counter() - start
        store = sweep_dir / "ensemble.zarr"
        runs_size = folder_size(sweep_dir / "runs")
        rate = n_runs / seconds * 60
        size = folder_size(store) / 1e6
        print(
            f"{workers} worker(s): {n_runs} runs in {seconds:.1f} s = {rate:.1f} runs/min; "
            f"collect {collect_seconds:.1f} s; ensemble.zarr {size:.1f} MB "
            f"(run files {runs_size / 1e6:.1f} MB)"
        )
        ensembles.append(xr.open_zarr(store).load())
    for other in ensembles[1:]:
        xr.testing.assert_identical(ensembles[0], other)
    print(f"ensembles identical across worker counts: yes ({root})")


if __name__ == "__main__":
    main()
