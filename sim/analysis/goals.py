"""Goals and goal conflicts.

A region states its goals in ``configs/goals/<region>.yaml``: an indicator, a direction
(``increase``, ``decrease``, ``at_least``, ``at_most``), the year the goal is judged in, for
thresholds a target, and the smallest change that matters (``materiality``, in the indicator's
units, with its reasoning). Each goal also has the names people read: ``label``, the goal's title,
``label_sv``, and a one-sentence ``description`` and ``description_sv`` (all four required).

A scenario improves a goal when its mean paired difference to the baseline is both *clear* (its
confidence interval excludes zero) and *material* (at least the goal's materiality) in the goal's
direction, and worsens it when both hold the other way. A clear effect smaller than the
materiality is reported as clear but too small to matter; it counts for nothing.

Many comparisons are judged at once, so the confidence is family-wise (Bonferroni): at the region,
each goal's interval has confidence ``1 - 0.05 / goals``, so that a scenario without any effect
shows a clear region effect on some goal, and hence a conflict, at most 5 % of the time; for the
municipalities (winners and losers) each interval has ``1 - 0.05 / (goals x municipalities)``.

A scenario that improves one goal and worsens another is a goal conflict; a goal that some
municipalities gain on while others lose has winners and losers. A goal's effect is *resolved*
when the half-width of its interval at the region is below its materiality: an effect of that size
would be found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr
from omegaconf import MISSING, OmegaConf

from sim.analysis.compare import (
    CONFIDENCE,
    INDICATOR_NAMES,
    REGION,
    CompareError,
    clear_sign,
    t_quantile,
)
from sim.config.domains import fmt
from sim.config.names import name_problems
from sim.paths import CONFIG_DIR

DIRECTIONS = ("increase", "decrease", "at_least", "at_most")
REQUIRED = {
    "name": "give the goal a name",
    "indicator": "name the indicator it is judged on",
    "direction": f"use one of: {', '.join(DIRECTIONS)}",
    "year": "give the year it is judged in",
    "materiality": "give the smallest change that matters, in the indicator's units",
    "materiality_reason": "say why that size matters",
}
GOAL_NAMES = ("label", "label_sv", "description", "description_sv")
GOAL_NAMES_WHY = (
    "every goal needs a title and a description in English and Swedish (label, the goal's title; "
    "label_sv; description; description_sv)"
)
GOALS_DIR = CONFIG_DIR / "goals"
IMPROVES, NO_CLEAR_CHANGE, WORSENS = 1, 0, -1


@dataclass
class Goal:
    name: str = MISSING
    indicator: str = MISSING  # one of sim.analysis.compare.INDICATOR_NAMES
    direction: str = MISSING  # one of DIRECTIONS
    year: int = MISSING
    target: float | None = None  # required for at_least / at_most, in the indicator's units
    materiality: float = MISSING  # smallest change that matters, in the indicator's units
    materiality_reason: str = MISSING  # why that size
    description: str = ""  # one sentence (English); required in goal files
    source: str = ""
    label: str = ""  # the goal's title in reports (English); required in goal files
    label_sv: str = ""  # the goal's title in Swedish; required in goal files
    description_sv: str = ""  # one sentence (Swedish); required in goal files


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
        missing = [key for key in REQUIRED if OmegaConf.is_missing(goal, key)]
        problems += name_problems(goal, where, GOAL_NAMES_WHY, GOAL_NAMES)
        if missing:
            problems += [f"{where}.{key}: is required; {REQUIRED[key]}" for key in missing]
            continue
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
        if not (np.isfinite(goal.materiality) and goal.materiality >= 0):
            problems.append(
                f"{where}.materiality: {fmt(goal.materiality)} is not allowed; give the smallest "
                "change that matters, a number >= 0 in the indicator's units"
            )
        if not goal.materiality_reason.strip():
            problems.append(f"{where}.materiality_reason: is empty; say why that size matters")
    names = [g.name for g in goals.goals]
    if len(set(names)) != len(names):
        problems.append(f"{path.name}: goal names must be unique")
    if problems:
        raise CompareError("\n".join(problems))
    return OmegaConf.to_object(goals)


def evaluate_goals(comparison: xr.Dataset, goals: GoalSet) -> xr.Dataset:
    """Goal effects per scenario and area, conflicts, and winners and losers.

    Returns variables ``goal_effect`` (goal, scenario, area: +1 improves, -1 worsens, 0 no clear
    and material change), ``goal_clear_but_small`` (1: clear, but smaller than the materiality),
    ``goal_ci_half_width`` (half-width of the family-wise interval), ``goal_resolved`` (goal,
    scenario: the region's half-width is below the materiality), ``goal_target_met`` (goal,
    scenario, area: 1/0 for thresholds, NaN otherwise), ``goal_conflict`` (scenario: the region
    improves on one goal and worsens on another) and ``winners_and_losers`` (goal, scenario: some
    municipalities improve while others worsen).
    """
    years = comparison["year"].values.tolist()
    n_goals = max(len(goals.goals), 1)
    n_municipalities = max(comparison.sizes["area"] - 1, 1)
    family = 1 - CONFIDENCE
    region_confidence = 1 - family / n_goals
    local_confidence = 1 - family / (n_goals * n_municipalities)
    effects, small, halves, met = [], [], [], []
    for goal in goals.goals:
        if goal.year not in years:
            raise CompareError(
                f"goal {goal.name!r}: year {goal.year} is not in the ensemble "
                f"({years[0]}-{years[-1]})"
            )
        sel = comparison.sel(indicator=goal.indicator, year=goal.year)
        sign = 1 if goal.direction in ("increase", "at_least") else -1
        is_region = sel["area"] == REGION
        half = sel["diff_se"] * xr.where(
            is_region,
            t_quantile(region_confidence, sel["diff_n"]),
            t_quantile(local_confidence, sel["diff_n"]),
        )
        clear = clear_sign(sel["diff_mean"], half)
        material = np.abs(sel["diff_mean"]) >= goal.materiality
        effects.append(clear * sign * material)
        small.append((clear != 0) & ~material)
        halves.append(half)
        if goal.target is None:
            met.append(xr.full_like(sel["mean"], np.nan))
        elif goal.direction == "at_least":
            met.append((sel["mean"] >= goal.target).astype(float))
        else:
            met.append((sel["mean"] <= goal.target).astype(float))
    names = xr.DataArray([g.name for g in goals.goals], dims="goal")
    drop = ["indicator", "year", "units", "long_name", "area_name"]

    def stack(parts):
        return xr.concat(parts, dim=names).drop_vars(drop, errors="ignore")

    effect = stack(effects).astype(np.int8)
    target_met = stack(met)
    half_width = stack(halves)
    materiality = xr.DataArray([g.materiality for g in goals.goals], dims="goal")
    resolved = (half_width.sel(area=REGION, drop=True) < materiality.values[:, None]).astype(
        np.int8
    )
    region = effect.sel(area=REGION)
    conflict = ((region == IMPROVES).any("goal") & (region == WORSENS).any("goal")).astype(np.int8)
    local = effect.drop_sel(area=REGION)
    mixed = ((local == IMPROVES).any("area") & (local == WORSENS).any("area")).astype(np.int8)
    out = xr.Dataset(
        {
            "goal_effect": effect,
            "goal_clear_but_small": stack(small).astype(np.int8),
            "goal_ci_half_width": half_width,
            "goal_resolved": resolved,
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
        goal_materiality=("goal", [float(g.materiality) for g in goals.goals]),
        goal_label=("goal", [g.label or g.name for g in goals.goals]),
        goal_label_sv=("goal", [g.label_sv or g.label or g.name for g in goals.goals]),
        goal_description=("goal", [g.description for g in goals.goals]),
        goal_description_sv=("goal", [g.description_sv or g.description for g in goals.goals]),
    )
    out["goal_effect"].attrs["long_name"] = (
        "+1 improves, -1 worsens (clear and material), 0 no clear and material change"
    )
    out["goal_clear_but_small"].attrs["long_name"] = (
        "1: the effect is clear but smaller than the goal's materiality"
    )
    out["goal_ci_half_width"].attrs["long_name"] = (
        f"Half-width of the family-wise confidence interval (Bonferroni: {region_confidence:.4f} "
        f"per goal at the region, {local_confidence:.5f} per goal and municipality)"
    )
    out["goal_resolved"].attrs["long_name"] = (
        "1: the region's interval is narrower than the materiality (a material effect is found)"
    )
    out["goal_conflict"].attrs["long_name"] = (
        "1: the scenario improves one goal and worsens another"
    )
    out["winners_and_losers"].attrs["long_name"] = (
        "1: some municipalities improve on the goal while others worsen"
    )
    out.attrs.update(
        family_confidence=CONFIDENCE,
        region_confidence=region_confidence,
        local_confidence=local_confidence,
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
