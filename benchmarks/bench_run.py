"""Time the Skaraborg baseline 2024-2050 after JIT warm-up and report person-years per second.

Usage: .venv/bin/python benchmarks/bench_run.py [--repeats N] [hydra overrides...]

Person-years are the resident persons summed over the simulated years (2025-2050). The warm-up
run (2024-2026) compiles (or loads from cache) every numba kernel first. Two figures per repeat:
the whole run (``simulate``: inputs, synthesis, the warm-start years, the yearly loop and the
Dataset) and the yearly loop alone (``model.step()`` and ``model.record()`` of the simulated
years, after ``build_model``). The parallel kernels run on one thread unless
``NUMBA_NUM_THREADS`` is set (``NUMBA_NUM_THREADS=2`` for two).
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from sim.config.compose import compose_config
from sim.engine.run import build_model, simulate
from sim.io.results import Recorder


def timed_loop(cfg) -> tuple[float, int, object]:
    """Seconds of the simulated years' steps and records, their person-years, and the model."""
    model = build_model(cfg)
    model.timings = dict.fromkeys(model.timings, 0.0)
    recorder = Recorder(model.declared_results())
    model.record(recorder)
    start = time.perf_counter()
    for _ in range(cfg.years.end - model.base_year):
        model.step()
        model.record(recorder)
    seconds = time.perf_counter() - start
    # The residents of each simulated year, as recorded (the first row is the base year's).
    person_years = sum(int(row["population"].sum()) for row in recorder.rows[1:])
    return seconds, person_years, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()

    start = time.perf_counter()
    simulate(compose_config(["years.end=2026", "progress=false", *args.overrides]))
    print(f"warm-up (JIT compile or cache load + 2 years): {time.perf_counter() - start:.2f} s")

    cfg = compose_config(["progress=false", *args.overrides])
    totals, loops = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        simulate(cfg)
        totals.append(time.perf_counter() - start)
        seconds, person_years, model = timed_loop(cfg)
        loops.append(seconds)
    years = cfg.years.end - model.base_year
    print(f"numba threads: {numba.get_num_threads()} ({numba.threading_layer()})")
    print(f"simulated years: {years}, person-years: {person_years:,}")
    print(
        f"whole run (inputs, synthesis, warm start, loop, Dataset), best of {args.repeats}: "
        f"{min(totals):.2f} s (median {np.median(totals):.2f} s)"
    )
    print(
        f"yearly loop of the simulated years, best of {args.repeats}: {min(loops):.2f} s "
        f"= {min(loops) / years * 1000:.0f} ms per year"
    )
    print(f"person-years per second, whole run: {person_years / min(totals):,.0f}")
    print(f"person-years per second, yearly loop: {person_years / min(loops):,.0f}")
    print("seconds per step of the plan over the simulated years (last repeat):")
    print(model.timing_table())


if __name__ == "__main__":
    main()
