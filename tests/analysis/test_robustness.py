"""Robustness across sampled futures on constructed arrays (every number here is made up): the
share of futures meeting a goal by its direction, regret, the failure conditions a decision tree
finds, and futures with several seeds counted once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sim.analysis import robustness as rb
from sim.analysis.compare import REGION
from sim.analysis.goals import Goal, GoalSet

YEAR = 2030
WHY = "made up"


def values_of(queue: np.ndarray, result: np.ndarray) -> xr.DataArray:
    """Indicator values (indicator, scenario, replicate, year, area) of scenarios base, a, b."""
    data = np.stack([queue, result])[:, :, :, None, None]
    return xr.DataArray(
        data,
        dims=("indicator", "scenario", "replicate", "year", "area"),
        coords={
            "indicator": ["housing_queue", "municipal_result_per_resident"],
            "scenario": ["base", "a", "b"],
            "year": [YEAR],
            "area": [REGION],
            "units": ("indicator", ["households", "SEK/resident"]),
        },
    )


GOALS = GoalSet(
    region="test",
    goals=[
        Goal("queue", "housing_queue", "decrease", YEAR, materiality=10, materiality_reason=WHY),
        Goal(
            "finances",
            "municipal_result_per_resident",
            "at_least",
            YEAR,
            target=0.0,
            materiality=1,
            materiality_reason=WHY,
        ),
    ],
)


def test_met_share_and_regret_follow_each_goal_direction(monkeypatch):
    queue = np.array([[100.0, 100, 100, 100], [85, 95, 80, 100], [120, 60, 100, 100]])
    result = np.array([[5.0, 5, 5, 5], [-1, 2, 3, 4], [1, -2, -3, 0]])
    monkeypatch.setattr(rb, "indicator_values", lambda ds: values_of(queue, result))
    robust = rb.robustness(xr.Dataset(), GOALS, baseline="base")
    share = robust["met_share"]
    # Queue (decrease, materiality 10): a is 15 and 20 shorter in two of four futures; b once.
    assert float(share.sel(goal="queue", scenario="a")) == 0.5
    assert float(share.sel(goal="queue", scenario="b")) == 0.25
    assert np.isnan(float(share.sel(goal="queue", scenario="base")))  # judged against itself
    # Finances (at least 0): the target itself, the baseline included.
    assert float(share.sel(goal="finances", scenario="base")) == 1.0
    assert float(share.sel(goal="finances", scenario="a")) == 0.75
    assert float(share.sel(goal="finances", scenario="b")) == 0.5
    # Regret: the shortfall from the best scenario of each future, in the goal's direction.
    regret = robust["regret"].sel(goal="queue")
    assert regret.sel(scenario="b").values.tolist() == [35.0, 0.0, 20.0, 0.0]
    assert (regret.min("scenario") == 0).all()
    assert float(robust["regret_mean"].sel(goal="queue", scenario="a")) == pytest.approx(
        np.mean([0, 35, 0, 0])
    )


def test_failure_conditions_find_a_planted_box():
    rng = np.random.default_rng(5)
    futures = 60
    features = pd.DataFrame(
        {"delay": rng.uniform(0, 3, futures), "rate": rng.uniform(0.01, 0.05, futures)}
    )
    fails = (features["delay"] > 2.0) & (features["rate"] > 0.03)
    met = xr.DataArray(
        (~fails).astype(float).to_numpy()[None, None, :],
        dims=("goal", "scenario", "replicate"),
        coords={"goal": ["g"], "scenario": ["s"]},
    )
    table = rb.failure_conditions(xr.Dataset({"met": met}), features)
    assert len(table) == 1
    row = table.iloc[0]
    assert "delay >" in row["conditions"] and "rate >" in row["conditions"]
    assert row["density"] >= 0.9 and row["coverage"] >= 0.8
    # Never failing (or always failing): nothing to discover.
    always = xr.Dataset({"met": xr.ones_like(met)})
    assert rb.failure_conditions(always, features).empty


def test_the_seeds_of_one_future_are_one_draw():
    values = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2)  # scenario, future, replicate
    ensemble = xr.Dataset(
        {"population": (("scenario", "future", "replicate"), values)},
        coords={
            "scenario": ["base", "a"],
            "future": [0, 1, 2],
            "replicate": [0, 1],
            "future_rate": ("future", [0.01, 0.02, 0.03]),
        },
    )
    draws, features = rb.as_draws(ensemble)
    assert draws.sizes["replicate"] == 3  # futures, not futures x seeds
    assert draws["population"].sel(scenario="a").values.tolist() == [6.5, 8.5, 10.5]
    assert features["rate"].tolist() == [0.01, 0.02, 0.03]
