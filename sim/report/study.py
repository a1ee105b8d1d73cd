"""What the report and the explorer read from a study: the ensemble, its comparison to the
baseline, the goals judged, the robustness over sampled futures and an optimisation front."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from sim.analysis.compare import CompareError, compare, open_ensemble_store
from sim.analysis.goals import GOALS_DIR, GoalSet, evaluate_goals, load_goals
from sim.analysis.robustness import as_draws, has_futures, robustness
from sim.analysis.study import COMPARISON_DIR


@dataclass
class Study:
    ensemble: xr.Dataset
    comparison: xr.Dataset
    region: str
    goal_results: xr.Dataset | None = None
    robust: xr.Dataset | None = None
    features: object = None  # the sampled futures' features, when the ensemble has futures


def resolve_ensemble(path: Path) -> Path:
    """An ensemble store from a sweep folder, a zarr store, or the comparison of a sweep."""
    if path.suffix == ".nc":
        path = path.parent
    if path.name == COMPARISON_DIR:
        path = path.parent
    return path


def load_study(
    ensemble_path: str | Path | xr.Dataset,
    baseline: str = "baseline",
    goals: str | None = None,
    with_robustness: bool = True,
) -> Study:
    """Open a study's ensemble, compare it with ``baseline`` and judge its goals (the region's
    own goal set when ``goals`` is not given and one exists). An ensemble with sampled futures is
    compared over its draws (futures x seeds), paired by draw. ``ensemble_path`` may also be an
    ensemble Dataset already open."""
    if isinstance(ensemble_path, xr.Dataset):
        ensemble = ensemble_path
    else:
        ensemble = open_ensemble_store(resolve_ensemble(Path(ensemble_path)))
    features = None
    if has_futures(ensemble):
        ensemble, features = as_draws(ensemble)
    comparison = compare(ensemble, baseline)
    region = str(ensemble.attrs.get("region", ""))
    goals = goals or (region if (GOALS_DIR / f"{region}.yaml").is_file() else None)
    study = Study(ensemble=ensemble, comparison=comparison, region=region, features=features)
    if goals:
        goal_set = load_goals(goals)
        years = [int(y) for y in comparison["year"].values]
        inside = [g for g in goal_set.goals if g.year in years]
        if inside:
            judged = GoalSet(region=goal_set.region, goals=inside)
            study.goal_results = evaluate_goals(comparison, judged)
            if features is not None and with_robustness:
                study.robust = robustness(ensemble, judged, baseline)
    return study


# What the report reads from an optimisation study's front.nc (sim.optimise.front.build_front).
FRONT_VARIABLES = (
    "value",
    "value_ci_low",
    "value_ci_high",
    "representative",
    "timeline_en",
    "timeline_sv",
    "reference_value",
    "reference_ci_low",
    "reference_ci_high",
    "reference_timeline_en",
    "reference_timeline_sv",
)
FRONT_DIMS = ("solution", "objective", "reference", "run")
FRONT_EXPECTED = (
    "expected the folder of an optimisation study holding front.nc (written by 'sim optimise') "
    "or that front.nc file"
)


def load_front(path: str | Path) -> xr.Dataset:
    """The front of an optimisation study (its folder or its ``front.nc``), checked; the error
    names ``--optimisation`` and what is wrong."""
    from sim.optimise.front import FRONT_FILE, open_front

    path = Path(path)
    if not path.exists():
        raise CompareError(f"--optimisation: {path} does not exist; {FRONT_EXPECTED}")
    if path.is_dir() and not (path / FRONT_FILE).is_file():
        raise CompareError(f"--optimisation: {path} holds no {FRONT_FILE}; {FRONT_EXPECTED}")
    file = path / FRONT_FILE if path.is_dir() else path
    try:
        front = open_front(file)
    except (OSError, ValueError, RuntimeError, TypeError):
        raise CompareError(
            f"--optimisation: {file} is not a readable netCDF file; {FRONT_EXPECTED}"
        ) from None
    missing = [d for d in FRONT_DIMS if d not in front.dims]
    missing += [v for v in FRONT_VARIABLES if v not in front.variables]
    missing += [a for a in ("objectives",) if a not in front.attrs]
    if missing:
        raise CompareError(
            f"--optimisation: {file} is not the front of an optimisation study: it lacks "
            f"{', '.join(missing)}; {FRONT_EXPECTED}"
        )
    try:
        names = [str(o["name"]) for o in json.loads(front.attrs["objectives"])]
    except (TypeError, ValueError, KeyError):
        names = None
    if names != [str(o) for o in front["objective"].values]:
        raise CompareError(
            f"--optimisation: {file}: its 'objectives' attribute is not a JSON list of the "
            f"objectives (each with a name, as in the 'objective' coordinate); {FRONT_EXPECTED}"
        )
    return front


def reference_titles(front: xr.Dataset, lang: str) -> list[str]:
    """The titles of a front's reference scenarios in ``lang`` (``reference_title_<lang>``), or
    their names for fronts written before scenarios had titles. The first is the base scenario:
    its name in the front is 'base', so without titles it is named by ``base_scenario``."""
    names = [str(r) for r in front["reference"].values]
    if names:
        names[0] = str(front.attrs.get("base_scenario") or names[0])
    key = f"reference_title_{lang}"
    if key not in front:
        return names
    titles = [str(v) for v in front[key].values]
    return [title or name for title, name in zip(titles, names, strict=True)]
