"""Goals and goal conflicts.

A region states its goals in ``configs/goals/<region>.yaml``: an indicator, a direction
(``increase``, ``decrease``, ``at_least``, ``at_most``), the year the goal is judged in and, for
thresholds, a target. A scenario improves a goal when its paired difference to the baseline stands
clear of replicate noise in the goal's direction, worsens it when clear in the other direction,
and otherwise shows no clear change. A scenario that improves one goal and worsens another is a
goal conflict; a goal that some municipalities gain on while others lose has winners and losers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr
from omegaconf import MISSING, OmegaConf

from sim.analysis.compare import INDICATOR_NAMES, REGION, CompareError
from sim.paths import CONFIG_DIR

DIRECTIONS = ("increase", "decrease", "at_least", "at_most")
GOALS_DIR = CONFIG_DIR / "goals"
IMPROVES, NO_CLEAR_CHANGE, WORSENS = 1, 0, -1


@dataclass
class Goal:
    name: str = MISSING
    indicator: str = MISSING  # one of sim.analysis.compare.INDICATOR_NAMES
    direction: str = MISSING  # one of DIRECTIONS
    year: int = MISSING
    target: float | None = None  # required for at_least / at_most, in the indicator's units
    description: str = ""
    source: str = ""
    label: str = ""  # short English label for reports (default: the name)
    label_sv: str = ""  # short Swedish label for reports


@dataclass
class GoalSet:
    region: str = MISSING
    goals: list[Goal] = field(default_factory=list)


def load_goals(name_or_path: str | Path) -> GoalSet:
    """Goals from ``configs/goals/<name>.yaml`` or a YAML path, checked against the schema."""
    path = Path(name_or_path)
    if not path.suffix:
        path = GOALS_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in GOALS_DIR.glob("*.yaml")))
        raise CompareError(f"--goals: {name_or_path} is not a goals file; shipped: {known}")
    try:
        goals = OmegaConf.merge(OmegaConf.structured(GoalSet), OmegaConf.load(path))
    except Exception as err:  # noqa: BLE001 - schema errors from OmegaConf
        raise CompareError(f"{path}: {err}") from None
    problems = []
    for i, goal in enumerate(goals.goals):
        where = f"{path.name}: goals[{i}]"
        if goal.indicator not in INDICATOR_NAMES:
            problems.append(
                f"{where}.indicator: {goal.indicator!r} is not an indicator; "
                f"choose one of: {', '.join(INDICATOR_NAMES)}"
            )
        if goal.direction not in DIRECTIONS:
            problems.append(
                f"{where}.direction: {goal.direction!r} is not allowed; use one of: "
                + ", ".join(DIRECTIONS)
            )
        if goal.direction in ("at_least", "at_most") and goal.target is None:
            problems.append(f"{where}.target: a target is required for '{goal.direction}'")
    names = [g.name for g in goals.goals]
    if len(set(names)) != len(names):
        problems.append(f"{path.name}: goal names must be unique")
    if problems:
        raise CompareError("\n".join(problems))
    return OmegaConf.to_object(goals)


def evaluate_goals(comparison: xr.Dataset, goals: GoalSet) -> xr.Dataset:
    """Goal effects per scenario and area, conflicts, and winners and losers.

    Returns variables ``goal_effect`` (goal, scenario, area: +1 improves, -1 worsens, 0 no clear
    change), ``goal_target_met`` (goal, scenario, area: 1/0 for thresholds, NaN otherwise),
    ``goal_conflict`` (scenario: the region improves on one goal and worsens on another) and
    ``winners_and_losers`` (goal, scenario: some municipalities improve while others worsen).
    """
    years = comparison["year"].values.tolist()
    effects, met = [], []
    for goal in goals.goals:
        if goal.year not in years:
            raise CompareError(
                f"goal {goal.name!r}: year {goal.year} is not in the ensemble "
                f"({years[0]}-{years[-1]})"
            )
        sel = comparison.sel(indicator=goal.indicator, year=goal.year)
        sign = 1 if goal.direction in ("increase", "at_least") else -1
        effects.append(sel["clear"] * sign)
        if goal.target is None:
            met.append(xr.full_like(sel["mean"], np.nan))
        elif goal.direction == "at_least":
            met.append((sel["mean"] >= goal.target).astype(float))
        else:
            met.append((sel["mean"] <= goal.target).astype(float))
    names = xr.DataArray([g.name for g in goals.goals], dims="goal")
    drop = ["indicator", "year", "units", "long_name", "area_name"]
    effect = xr.concat(effects, dim=names).drop_vars(drop, errors="ignore").astype(np.int8)
    target_met = xr.concat(met, dim=names).drop_vars(drop, errors="ignore")
    region = effect.sel(area=REGION)
    conflict = ((region == IMPROVES).any("goal") & (region == WORSENS).any("goal")).astype(np.int8)
    local = effect.drop_sel(area=REGION)
    mixed = ((local == IMPROVES).any("area") & (local == WORSENS).any("area")).astype(np.int8)
    out = xr.Dataset(
        {
            "goal_effect": effect,
            "goal_target_met": target_met,
            "goal_conflict": conflict,
            "winners_and_losers": mixed,
        }
    )
    if "area_name" in comparison.coords:
        out = out.assign_coords(area_name=comparison["area_name"])
    out = out.assign_coords(
        goal_indicator=("goal", [g.indicator for g in goals.goals]),
        goal_direction=("goal", [g.direction for g in goals.goals]),
        goal_year=("goal", [g.year for g in goals.goals]),
        goal_label=("goal", [g.label or g.name for g in goals.goals]),
        goal_label_sv=("goal", [g.label_sv or g.label or g.name for g in goals.goals]),
    )
    out["goal_effect"].attrs["long_name"] = "+1 improves, -1 worsens, 0 no clear change"
    out["goal_conflict"].attrs["long_name"] = (
        "1: the scenario improves one goal and worsens another"
    )
    out["winners_and_losers"].attrs["long_name"] = (
        "1: some municipalities improve on the goal while others worsen"
    )
    return out


def winners_and_losers(
    goal_results: xr.Dataset, comparison: xr.Dataset
) -> list[tuple[str, str, list[str], list[str]]]:
    """(scenario, goal, municipalities that gain, municipalities that lose) for every goal on
    which a scenario has both, by municipality name; the baseline is left out."""
    effect = goal_results["goal_effect"]
    labels = comparison["area_name"] if "area_name" in comparison.coords else comparison["area"]
    names = dict(zip(comparison["area"].values, labels.values, strict=True))
    out = []
    for s in effect["scenario"].values:
        if s == comparison.attrs.get("baseline"):
            continue
        for goal in effect["goal"].values:
            if not int(goal_results["winners_and_losers"].sel(goal=goal, scenario=s)):
                continue
            local = effect.sel(goal=goal, scenario=s).drop_sel(area=REGION)
            gain = [str(names[a]) for a in local["area"].values[local.values == 1]]
            lose = [str(names[a]) for a in local["area"].values[local.values == -1]]
            out.append((str(s), str(goal), gain, lose))
    return out


def goal_labels(goal_results: xr.Dataset, lang: str) -> dict[str, str]:
    """Goal name -> its label in ``lang`` (Swedish labels for 'sv', English otherwise)."""
    key = (
        "goal_label_sv" if lang == "sv" and "goal_label_sv" in goal_results.coords else "goal_label"
    )
    if key not in goal_results.coords:
        return {str(g): str(g) for g in goal_results["goal"].values}
    return {
        str(g): str(label)
        for g, label in zip(goal_results["goal"].values, goal_results[key].values, strict=True)
    }
