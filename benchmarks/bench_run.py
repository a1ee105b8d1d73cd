"""Time the Skaraborg baseline 2024-2050 after JIT warm-up and report person-years per second.

Usage: .venv/bin/python benchmarks/bench_run.py [--repeats N] [hydra overrides...]

Person-years are the resident persons summed over the simulated years (2025-2050). The warm-up
run (2024-2026) compiles (or loads from cache) every numba kernel first; the timed runs then
measure the model itself. Synthesis of the base population is timed separately.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sim.config.compose import compose_config
from sim.engine.run import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()

    start = time.perf_counter()
    simulate(compose_config(["years.end=2026", *args.overrides]))
    print(f"warm-up (JIT compile or cache load + 2 years): {time.perf_counter() - start:.2f} s")

    cfg = compose_config(args.overrides)
    totals, loops = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run = simulate(cfg)
        total = time.perf_counter() - start
        loop = sum(run.model.timings.values())
        totals.append(total)
        loops.append(loop)
    ds = run.results
    residents = ds["population"].sum(("municipality", "age_group"))
    person_years = float(residents.isel(year=slice(1, None)).sum())
    years = ds.sizes["year"] - 1
    print(f"simulated years: {years}, person-years: {person_years:,.0f}")
    print(f"whole run (synthesis + loop + recording), best of {args.repeats}: {min(totals):.2f} s")
    print(f"yearly loop only, best of {args.repeats}: {min(loops):.2f} s")
    print(f"person-years per second, whole run: {person_years / min(totals):,.0f}")
    print(f"person-years per second, yearly loop: {person_years / min(loops):,.0f}")
    print("seconds per step of the plan over the run:")
    print(run.model.timing_table())
    print(f"median whole run: {np.median(totals):.2f} s")


if __name__ == "__main__":
    main()
