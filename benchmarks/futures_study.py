"""The shipped scenarios across sampled futures, end to end, timed: run, collect, compare, report.

    python benchmarks/futures_study.py                         # 30 futures, joblib on all cores
    python benchmarks/futures_study.py --launcher submitit_local --futures 30
    python benchmarks/futures_study.py --check-against outputs/sweeps/futures_joblib

Each launcher writes its own sweep folder (``outputs/sweeps/futures_<launcher>``). With
``--check-against`` the ensemble is compared with another launcher's, variable by variable, and
the script fails unless they are identical. Not part of the test suite (330 runs at 30 futures);
``tests/batch/test_futures_sweep.py`` runs the same path on 3 futures, 2 scenarios and a short
horizon.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

LAUNCHERS = {"joblib": "hydra/launcher=local", "submitit_local": "hydra/launcher=submitit_local"}
EXPERIMENT = Path(__file__).resolve().parents[1] / "configs/experiment/skaraborg_futures.yaml"
BATCH = 15


def scenarios() -> list[str]:
    """The scenarios the futures experiment sweeps."""
    import yaml

    params = yaml.safe_load(EXPERIMENT.read_text(encoding="utf-8"))["hydra"]["sweeper"]["params"]
    return str(params["scenario"]).split(",")


def step(label: str, *args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], text=True, capture_output=True
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{label} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    print(f"{label}: {seconds:.0f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, default=30)
    parser.add_argument("--launcher", choices=sorted(LAUNCHERS), default="joblib")
    parser.add_argument("--end", type=int, default=2050, help="last simulated year")
    parser.add_argument("--out", type=Path, default=None, help="sweep folder")
    parser.add_argument("--check-against", type=Path, default=None, help="another sweep folder")
    ns = parser.parse_args()
    out = ns.out or Path("outputs/sweeps") / f"futures_{ns.launcher}"
    run = [
        "run",
        "+experiment=skaraborg_futures",
        f"futures.n={ns.futures}",
        f"years.end={ns.end}",
        LAUNCHERS[ns.launcher],
        f"hydra.sweep.dir={out}",
    ]
    label = f"run ({ns.launcher}, {ns.futures} futures x 11 scenarios)"
    if ns.launcher == "submitit_local":
        # submitit_local starts every job of a sweep at once (about 0.5 GB each): one scenario
        # and BATCH futures at a time.
        total = 0.0
        for scenario in scenarios():
            for first in range(0, ns.futures, BATCH):
                futures = f"future=range({first},{min(first + BATCH, ns.futures)})"
                total += step(
                    f"{label}: {scenario} {futures}", *run, f"scenario={scenario}", futures
                )
    else:
        total = step(label, *run)
    total += step("collect", "collect", str(out))
    total += step("compare", "compare", str(out), "--phasing-reference", "establishment")
    for lang in ("sv", "en"):
        total += step(
            f"report ({lang})",
            "report",
            str(out),
            "--out",
            str(out / f"report_{lang}.html"),
            "--lang",
            lang,
        )
    print(f"total: {total / 60:.1f} min; robustness: {out / 'comparison' / 'robustness.csv'}")
    if ns.check_against is not None:
        import xarray as xr

        mine = xr.open_zarr(out / "ensemble.zarr").load()
        theirs = xr.open_zarr(ns.check_against / "ensemble.zarr").load()
        xr.testing.assert_identical(mine, theirs)
        print(f"identical to {ns.check_against / 'ensemble.zarr'}")


if __name__ == "__main__":
    main()
