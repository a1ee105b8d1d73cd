"""The shipped optimisation problem against random search with the same number of evaluations.

For each optimiser (default: the problem's own, and random) and each optimiser seed, runs the
study (``sim.optimise``) in its own folder, all sharing one cache of runs, so a candidate that two
studies meet is run once. Prints, per study: candidates, the runs it ran, evaluations per minute,
the front's size and the hypervolume of its front on the search's runs and on the fresh runs,
all at one reference point (just worse than every front point and reference scenario); then
how the hand-made phasings fare against each front (dominated, within the noise, or not).

    python benchmarks/bench_optimise.py                          # the shipped budget: hours
    python benchmarks/bench_optimise.py --seeds 2 evaluation.candidates=40 evaluation.n_futures=3

Extra ``key=value`` arguments change the problem as on ``sim optimise``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    from sim.optimise.front import (
        build_front,
        comparison_table,
        hypervolume,
        oriented,
        reference_point_of,
        write_front,
    )
    from sim.optimise.problem import load_problem
    from sim.optimise.search import front_trials, search

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="skaraborg_housing")
    parser.add_argument(
        "--optimisers", default=None, help="comma-separated; default: its own,random"
    )
    parser.add_argument("--seeds", type=int, default=3, help="optimiser seeds 0..N-1")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "bench_optimise")
    parser.add_argument("overrides", nargs="*")
    ns = parser.parse_args()
    first = load_problem(ns.problem, ns.overrides)
    optimisers = (ns.optimisers or f"{first.spec.evaluation.optimiser},random").split(",")
    cache = ns.out / "evaluations"
    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for optimiser in optimisers:
        for seed in range(ns.seeds):
            overrides = [
                *ns.overrides,
                f"evaluation.optimiser={optimiser}",
                f"evaluation.optimiser_seed={seed}",
            ]
            problem = load_problem(ns.problem, overrides)
            folder = ns.out / f"{optimiser}-seed{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            if not (folder / "evaluations").exists():
                os.symlink(cache.resolve(), folder / "evaluations")
            began = time.perf_counter()
            result = search(problem, folder, lambda line: None)
            ds = build_front(problem, result, lambda line: None)
            write_front(ds, folder)
            seconds = time.perf_counter() - began
            trials = front_trials(result.study)
            rows.append(
                {
                    "study": f"{optimiser} seed {seed}",
                    "problem": problem,
                    "search": oriented(problem, np.array([t.values for t in trials])),
                    "fresh": oriented(problem, ds["value"].values),
                    "ref_search": oriented(problem, ds["reference_search_value"].values),
                    "ref_fresh": oriented(problem, ds["reference_value"].values),
                    "front": ds,
                    "runs": result.evaluator.runs_done,
                    "seconds": seconds,
                }
            )
            print(f"{rows[-1]['study']}: done in {seconds / 60:.1f} min", flush=True)
    search_point = reference_point_of(
        np.concatenate([r["search"] for r in rows] + [rows[0]["ref_search"]])
    )
    fresh_point = reference_point_of(
        np.concatenate([r["fresh"] for r in rows] + [rows[0]["ref_fresh"]])
    )
    print(f"\nreference point (search runs): {np.round(search_point, 4).tolist()}")
    print(f"reference point (fresh runs):  {np.round(fresh_point, 4).tolist()}")
    print(
        f"\n{'study':<16} {'candidates':>10} {'runs':>6} {'runs/min':>9} {'front':>6} "
        f"{'HV search':>12} {'HV fresh':>12}"
    )
    for r in rows:
        e = r["problem"].spec.evaluation
        rate = r["runs"] / (r["seconds"] / 60) if r["seconds"] > 0 else float("nan")
        print(
            f"{r['study']:<16} {e.candidates:>10} {r['runs']:>6} {rate:>9.1f} "
            f"{r['search'].shape[0]:>6} {hypervolume(r['search'], search_point):>12.5g} "
            f"{hypervolume(r['fresh'], fresh_point):>12.5g}"
        )
    base_hv = hypervolume(rows[0]["ref_fresh"], fresh_point)
    print(f"{'hand-made + base':<16} {'':>10} {'':>6} {'':>9} {'':>6} {'':>12} {base_hv:>12.5g}")
    print("\nhand-made phasings against each front (fresh runs, 95 % intervals as the noise):")
    for r in rows:
        verdicts = ", ".join(
            f"{x['reference']}: {x['verdict']}" for x in comparison_table(r["front"])
        )
        print(f"  {r['study']}: {verdicts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
