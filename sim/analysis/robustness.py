"""Robustness across sampled futures, and the conditions under which a scenario fails.

An ensemble of sampled futures (``sim run +experiment=skaraborg_futures``) has a ``future``
dimension whose coordinates ``future_<name>`` hold each future's sampled values. Each future is a
*draw* (with several seeds per future, their mean); a scenario and the baseline are paired by
draw, so the same future and the same random numbers lie behind both.

For every goal (at the region, in the goal's year) and scenario:

- **met**: in a draw, a threshold goal is met when its target is; an ``increase``/``decrease``
  goal when the scenario improves it over the baseline of the same draw by at least the goal's
  materiality (the baseline itself has no share for these goals). ``met_share`` is the share of
  draws in which it is met;
- **regret**: in a draw, how far the scenario falls short of the best scenario of that draw on the
  goal's indicator, in the goal's direction (0 for the best); its mean and 90th percentile;
- **failure conditions** (scenario discovery): where a scenario fails a goal in some futures and
  meets it in others, a shallow decision tree (scikit-learn's ``DecisionTreeClassifier``, depth 2)
  on the sampled values finds the box of futures where failure is densest; the box is reported
  with its density (share of its futures failing), coverage (share of all failures inside it) and
  support (share of futures inside it). A tree is used rather than PRIM because it is maintained
  in scikit-learn and its boxes read as plain rules; with 30-100 futures a depth of 2 keeps them
  general rather than fitted to single futures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from sim.analysis.compare import REGION, indicator_values
from sim.analysis.goals import GoalSet

FUTURE_PREFIX = "future_"
REGRET_QUANTILE = 0.9
TREE_DEPTH = 2
# A failure share outside this range has nothing to discover: the scenario (almost) always or
# never fails the goal.
DISCOVERY_SHARES = (0.05, 0.95)


def has_futures(ensemble: xr.Dataset) -> bool:
    return "future" in ensemble.dims


def as_draws(ensemble: xr.Dataset) -> tuple[xr.Dataset, pd.DataFrame]:
    """A futures ensemble as one draw per future along ``replicate`` (numbered 0, 1, ...), and
    the sampled values of each draw (rows) by uncertainty (columns).

    The seeds of one future share its effect, so they are not independent draws: with several
    seeds per future, a draw is their mean (numeric variables; other variables are the first
    seed's), and intervals are over futures, with futures - 1 degrees of freedom."""
    names = [str(c) for c in ensemble.coords if str(c).startswith(FUTURE_PREFIX)]
    features = pd.DataFrame(
        {name.removeprefix(FUTURE_PREFIX): ensemble[name].values for name in names},
        index=ensemble["future"].values,
    )
    # xarray cannot stack empty variables (no cultural investments, ...): they are rebuilt.
    empty = {name: var for name, var in ensemble.data_vars.items() if var.size == 0}
    plain = ensemble.drop_vars([*names, *empty])
    if plain.sizes["replicate"] > 1:
        numeric = [
            k for k, v in plain.data_vars.items() if "replicate" in v.dims and v.dtype.kind in "fiu"
        ]
        means = plain[numeric].mean("replicate", keep_attrs=True)
        plain = plain.drop_vars(numeric).isel(replicate=[0])
        first = plain["replicate"].values
        plain = plain.assign({k: means[k].expand_dims(replicate=first) for k in numeric})
    stacked = plain.stack(draw=("future", "replicate"), create_index=False)
    futures = stacked["future"].values
    stacked = stacked.drop_vars(["future", "replicate"]).rename(draw="replicate")
    n = stacked.sizes["replicate"]
    stacked = stacked.assign_coords(replicate=np.arange(n))
    for name, var in empty.items():
        dims = [("replicate" if d == "future" else d) for d in var.dims if d != "replicate"]
        shape = [n if d == "replicate" else var.sizes[d] for d in dims]
        stacked[name] = (dims, np.empty(shape, dtype=var.dtype), var.attrs)
    stacked["replicate"].attrs.update(long_name="Draw: a sampled future (the mean of its seeds)")
    stacked.attrs["replicate_kind"] = "sampled futures"
    stacked = stacked.transpose("scenario", "replicate", ...)
    table = features.loc[futures].reset_index(drop=True)
    table.index.name = "draw"
    return stacked, table


def robustness(draws: xr.Dataset, goals: GoalSet, baseline: str = "baseline") -> xr.Dataset:
    """Per goal and scenario: ``met`` by draw, ``met_share``, ``regret`` by draw and its mean
    and 90th percentile (``regret_mean``, ``regret_p90``), at the region in the goal's year."""
    values = indicator_values(draws).sel(area=REGION, drop=True).load()
    scenarios = [str(s) for s in values["scenario"].values]
    met, regret = [], []
    for goal in goals.goals:
        v = values.sel(indicator=goal.indicator, year=goal.year, drop=True)
        sign = 1.0 if goal.direction in ("increase", "at_least") else -1.0
        directed = sign * v
        regret.append(directed.max("scenario") - directed)
        if goal.direction == "at_least":
            m = (v >= goal.target).astype(float)
        elif goal.direction == "at_most":
            m = (v <= goal.target).astype(float)
        else:
            gain = directed - directed.sel(scenario=baseline)
            m = (gain >= goal.materiality).astype(float)
            m = m.where(m["scenario"] != baseline)
        met.append(m.where(np.isfinite(v)))
    names = xr.DataArray([g.name for g in goals.goals], dims="goal")
    drop = ["units", "long_name", "indicator"]
    met_da = xr.concat(met, dim=names).drop_vars(drop, errors="ignore")
    regret_da = xr.concat(regret, dim=names).drop_vars(drop, errors="ignore")
    out = xr.Dataset(
        {
            "met": met_da,
            "met_share": met_da.mean("replicate"),
            "regret": regret_da,
            "regret_mean": regret_da.mean("replicate"),
            "regret_p90": regret_da.quantile(REGRET_QUANTILE, "replicate").drop_vars("quantile"),
        }
    )
    out = out.assign_coords(
        goal_indicator=("goal", [g.indicator for g in goals.goals]),
        goal_year=("goal", [g.year for g in goals.goals]),
        goal_units=(
            "goal",
            [str(values.sel(indicator=g.indicator)["units"].values) for g in goals.goals],
        ),
    )
    out["met"].attrs["long_name"] = "1: the goal is met in this draw (target, or a material gain)"
    out["met_share"].attrs["long_name"] = "Share of draws (futures x seeds) in which it is met"
    out["regret"].attrs["long_name"] = "Shortfall from the best scenario of the draw"
    out["regret_mean"].attrs["long_name"] = "Mean regret over draws"
    out["regret_p90"].attrs["long_name"] = "90th percentile of regret over draws"
    out.attrs.update(baseline=baseline, scenarios=", ".join(scenarios))
    return out.compute()  # small; computed once, not again for every cell read from it


def failure_conditions(robust: xr.Dataset, features: pd.DataFrame) -> pd.DataFrame:
    """Scenario discovery: for each scenario and goal it fails in some draws only, the box of
    sampled values where it fails most densely (one row each)."""
    from sklearn.tree import DecisionTreeClassifier

    rows = []
    n = len(features)
    leaf_size = max(3, n // 10)
    for goal in robust["goal"].values:
        for scenario in robust["scenario"].values:
            met = robust["met"].sel(goal=goal, scenario=scenario).values
            known = np.isfinite(met)
            if known.sum() < 2 * leaf_size:
                continue
            fails = (met[known] == 0).astype(int)
            share = fails.mean()
            if not DISCOVERY_SHARES[0] <= share <= DISCOVERY_SHARES[1]:
                continue
            x = features.to_numpy()[known]
            tree = DecisionTreeClassifier(
                max_depth=TREE_DEPTH, min_samples_leaf=leaf_size, random_state=0
            ).fit(x, fails)
            box = _densest_box(tree, x, fails, list(features.columns))
            if box is None:
                continue
            rule, inside = box
            rows.append(
                {
                    "scenario": str(scenario),
                    "goal": str(goal),
                    "fails_share": float(share),
                    "conditions": rule,
                    "density": float(fails[inside].mean()),
                    "coverage": float(fails[inside].sum() / max(fails.sum(), 1)),
                    "support": float(inside.mean()),
                }
            )
    columns = ["scenario", "goal", "fails_share", "conditions", "density", "coverage", "support"]
    return pd.DataFrame(rows, columns=columns)


def _densest_box(tree, x: np.ndarray, fails: np.ndarray, names: list[str]):
    """The rule and membership of the leaf with the highest share of failures (ties: the one
    holding more of them), if it is denser than all draws together."""
    t = tree.tree_
    leaves = tree.apply(x)
    best = None
    for leaf in np.unique(leaves):
        inside = leaves == leaf
        density = fails[inside].mean()
        key = (density, fails[inside].sum())
        if best is None or key > best[0]:
            best = (key, leaf, inside)
    (density, _), leaf, inside = best
    if density <= fails.mean() or t.node_count == 1:
        return None
    parent = {}
    for node in range(t.node_count):
        for child, side in ((t.children_left[node], "<="), (t.children_right[node], ">")):
            if child >= 0:
                parent[child] = (node, side)
    conditions = []
    node = leaf
    while node in parent:
        node, side = parent[node]
        conditions.append(f"{names[t.feature[node]]} {side} {t.threshold[node]:.4g}")
    return " and ".join(reversed(conditions)), inside
