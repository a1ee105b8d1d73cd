"""How the goal effects of a study converge with the number of replicates.

    sim run +experiment=skaraborg_study seed='range(0,10)' hydra.sweep.dir=outputs/sweeps/study10
    sim collect outputs/sweeps/study10
    python benchmarks/replicates_convergence.py outputs/sweeps/study10 --replicates 3 5 10

For each number of replicates n (the first n seeds of the ensemble), the goals are judged as
``sim compare`` judges them, and the script prints one Markdown table: per goal, the median over
the scenarios of the half-width of the region's family-wise interval, against the goal's
materiality, and how many scenarios resolve the goal (half-width below the materiality) and how
many show a clear and material effect; then the conflicts. This is the measurement behind the
number of replicates of the default study (README, "Comparing scenarios").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.analysis.compare import REGION, compare, open_ensemble_store
from sim.analysis.goals import evaluate_goals, load_goals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ensemble", type=Path)
    parser.add_argument("--replicates", type=int, nargs="+", default=[3, 5, 10])
    parser.add_argument("--goals", default="skaraborg")
    parser.add_argument("--baseline", default="baseline")
    ns = parser.parse_args()
    ensemble = open_ensemble_store(ns.ensemble)
    goals = load_goals(ns.goals)
    available = ensemble.sizes["replicate"]
    rows: dict[str, list[str]] = {g.name: [g.name, f"{g.materiality:g}"] for g in goals.goals}
    conflicts = ["conflicts", ""]
    header = ["goal", "materiality"]
    for n in ns.replicates:
        if n > available:
            raise SystemExit(f"--replicates: {n} is more than the {available} in the ensemble")
        subset = ensemble.isel(replicate=slice(0, n))
        result = evaluate_goals(compare(subset, ns.baseline), goals)
        scenarios = [s for s in result["scenario"].values if s != ns.baseline]
        result = result.sel(scenario=scenarios)
        header += [f"n={n}: half-width", "resolved", "effects"]
        for goal in goals.goals:
            half = result["goal_ci_half_width"].sel(goal=goal.name, area=REGION).values
            resolved = int(result["goal_resolved"].sel(goal=goal.name).sum())
            effects = int((result["goal_effect"].sel(goal=goal.name, area=REGION) != 0).sum())
            rows[goal.name] += [
                f"{np.median(half):.3g}",
                f"{resolved}/{len(scenarios)}",
                f"{effects}/{len(scenarios)}",
            ]
        conflicts += ["", "", f"{int(result['goal_conflict'].sum())}/{len(scenarios)}"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in [*rows.values(), conflicts]:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
