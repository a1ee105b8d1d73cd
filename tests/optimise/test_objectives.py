"""Objectives: a run's value from its results, and robust statistics over paired runs."""

from __future__ import annotations

import numpy as np
import pytest

from sim.optimise.objectives import interval, run_value, statistic, unit
from sim.optimise.spec import Objective


def objective(**fields) -> Objective:
    return Objective(**{"name": "o", "measure": "housing_queue", "direction": "minimize", **fields})


# Made up: a candidate's values in 10 paired runs, and the base scenario's in the same runs.
VALUES = np.arange(10.0)
BASE = np.full(10, 4.0)


def test_statistics_are_oriented_so_that_q_covers_the_bad_tail():
    assert statistic(objective(statistic="mean"), VALUES) == 4.5
    assert statistic(objective(statistic="quantile", q=0.9), VALUES) == pytest.approx(8.1)
    up = objective(statistic="quantile", q=0.9, direction="maximize")
    assert statistic(up, VALUES) == pytest.approx(0.9)  # 9 runs in 10 reach at least this
    regret = objective(statistic="regret", q=0.5)
    assert statistic(regret, VALUES, BASE) == pytest.approx(0.5)
    assert statistic(objective(statistic="regret", q=0.5, direction="maximize"), VALUES, BASE) == (
        pytest.approx(-0.5)
    )


def test_intervals_cover_the_statistic():
    for o in (objective(statistic="mean"), objective(statistic="quantile", q=0.5)):
        low, high = interval(o, VALUES, BASE)
        assert low < statistic(o, VALUES, BASE) < high
    assert np.isnan(interval(objective(), VALUES[:1], BASE[:1])[0])


def test_run_values_agree_with_the_results(baseline):
    years = baseline["year"].values[1:]
    queue = objective(aggregate="sum")
    expected = float(baseline["housing_queue"].sel(year=years).sum())
    assert run_value(queue, baseline, 0.02) == pytest.approx(expected)
    assert unit(queue) == "household-years"
    debt = objective(measure="municipal_debt_per_resident", year=2030)
    d = baseline.sel(year=2030)
    expected = 1e6 * float(d["municipal_debt"].sum()) / float(d["population"].sum())
    assert run_value(debt, baseline, 0.02) == pytest.approx(expected)
    worst = objective(measure="cultural_access", direction="maximize", area="worst")
    assert run_value(worst, baseline, 0.02) == pytest.approx(
        float(baseline["cultural_access"].isel(year=-1).min())
    )
    empty = objective(measure="excess_vacancy_capital_msek", msek_per_dwelling=2.0, aggregate="sum")
    d = baseline.sel(year=years)
    excess = np.maximum(
        d["vacant_dwellings"].sum("dwelling_type") - 0.02 * d["dwellings"].sum("dwelling_type"), 0
    )
    assert run_value(empty, baseline, 0.02) == pytest.approx(2.0 * float(excess.sum()))
