"""``sim compare`` end to end: compute, publish the tables next to the ensemble, and print."""

from __future__ import annotations

from pathlib import Path

import xarray as xr
import yaml

from sim.analysis.compare import CompareError, compare, open_ensemble_store, to_long_table
from sim.analysis.goals import GOALS_DIR, GoalSet, evaluate_goals, load_goals
from sim.analysis.phasing import phasing_table
from sim.analysis.robustness import as_draws, failure_conditions, has_futures, robustness
from sim.analysis.tables import conflict_table, difference_table, phasing_text, robustness_text
from sim.io.atomic import not_replaceable, publish_folder
from sim.io.results import write_netcdf

COMPARISON_DIR = "comparison"


def run_compare(
    ensemble_path: str | Path,
    baseline: str = "baseline",
    goals: str | None = None,
    phasing_reference: str | None = None,
    out_dir: str | Path | None = None,
) -> tuple[str, list[Path]]:
    """Compare an ensemble; returns the printed text and the files written."""
    from sim.config.compose import compose_config

    path = Path(ensemble_path)
    if out_dir is None:
        out_dir = path if path.is_dir() and not path.name.endswith(".zarr") else path.parent
    problem = not_replaceable(Path(out_dir) / COMPARISON_DIR, lambda folder: False)
    if problem:
        raise CompareError(f"--out-dir: {problem}")
    ensemble = open_ensemble_store(ensemble_path)
    features = None
    if has_futures(ensemble):  # effects over the draws (futures x seeds), paired by draw
        ensemble, features = as_draws(ensemble)
    comparison = compare(ensemble, baseline)
    region = str(ensemble.attrs.get("region", ""))
    goals = goals or (region if (GOALS_DIR / f"{region}.yaml").is_file() else None)
    goal_results, skipped, robust, conditions = None, [], None, None
    if goals:
        goal_set = load_goals(goals)
        years = [int(y) for y in comparison["year"].values]
        inside = [g for g in goal_set.goals if g.year in years]
        skipped = [f"{g.name} ({g.year})" for g in goal_set.goals if g.year not in years]
        if inside:
            goal_results = evaluate_goals(comparison, GoalSet(goal_set.region, inside))
            if features is not None:
                robust = robustness(ensemble, GoalSet(goal_set.region, inside), baseline)
                conditions = failure_conditions(robust, features)
    reference = phasing_reference or baseline
    if reference not in comparison["scenario"].values:
        raise CompareError(
            f"--phasing-reference: {reference!r} is not a scenario of this ensemble; choose one "
            f"of: {', '.join(map(str, comparison['scenario'].values))}"
        )
    # The ensemble's own parameters when all its runs shared them, else the defaults.
    if "params" in ensemble.attrs:
        params = yaml.safe_load(ensemble.attrs["params"])
        natural, interest = params["housing"]["natural_vacancy"], params["finance"]["interest_rate"]
    else:
        defaults = compose_config().params
        natural, interest = defaults.housing.natural_vacancy, defaults.finance.interest_rate
    phasing = phasing_table(ensemble, reference, natural, interest)

    full = xr.merge([comparison, goal_results]) if goal_results is not None else comparison
    full.attrs.update(comparison.attrs, goals=goals or "", phasing_reference=reference)
    tables = {"comparison.csv": to_long_table(comparison)}
    if goal_results is not None:
        goal_table = goal_results[["goal_effect", "goal_target_met"]].to_dataframe().reset_index()
        tables["goals.csv"] = goal_table
    if not phasing.empty:
        tables["phasing.csv"] = phasing
    if robust is not None:
        summary = robust[["met_share", "regret_mean", "regret_p90"]].to_dataframe()
        tables["robustness.csv"] = summary.reset_index()
        tables["failure_conditions.csv"] = conditions
        tables["futures.csv"] = features.reset_index()

    def write(folder: Path) -> None:
        write_netcdf(full, folder / "comparison.nc")
        if robust is not None:
            write_netcdf(robust, folder / "robustness.nc")
        for name, frame in tables.items():
            frame.to_csv(folder / name, index=False)

    published = publish_folder(Path(out_dir) / COMPARISON_DIR, write)
    extra = ["robustness.nc"] if robust is not None else []
    written = [published / name for name in ["comparison.nc", *extra, *tables]]

    years = comparison["year"].values
    last, middle = int(years[-1]), int(years[len(years) // 2])
    parts = [difference_table(comparison, middle), difference_table(comparison, last)]
    if goal_results is not None:
        parts.append(conflict_table(goal_results, comparison))
    parts.append(phasing_text(phasing))
    if robust is not None:
        parts.append(robustness_text(robust, conditions))
    if skipped:
        parts.append("note: goals beyond the ensemble's horizon not judged: " + ", ".join(skipped))
    if comparison.attrs["replicates"] < 2:
        parts.append("note: one replicate only; no difference can stand clear of noise")
    return "\n".join(parts), written
