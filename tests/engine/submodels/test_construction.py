"""Construction alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import numpy as np

from sim.engine.population import NO_ID
from sim.engine.submodels.construction import Construction
from tests.engine.submodels.mock import SKARA, SKOVDE, mock_model, step

DETACHED, RENTAL, OWNER = 0, 1, 2  # sim.io.inputs.DWELLING_TYPES


def test_completions_enter_the_stock_and_what_municipalities_need_is_published():
    programme = np.zeros((2, 3))
    programme[SKOVDE, RENTAL] = 1  # made up: one programme flat, built by the scenario step
    model = mock_model(Construction, stand_ins={"programme_dwellings": programme})
    construction, d = model.submodels["construction"], model.pop.dwellings
    assert construction.pipeline.sum() == 0  # the tiny stock rounds base-rate starts to none
    construction.pipeline[0, SKARA, DETACHED] = 2  # made up: two houses started two years ago
    step(model, "construction.complete")
    new = np.arange(5, d.n)
    assert new.size == 2 and (d.municipality[new] == SKARA).all()
    assert (d.occupant[new] == NO_ID).all() and (d.year_built[new] == model.year).all()
    # Stock: Skövde d0 detached, d1 rental; Skara d2 rental, d3 owner flat, d4 and 2 new houses.
    assert model.shared["dwelling_stock"].tolist() == [[1, 1, 0], [3, 1, 1]]
    assert construction.completions[SKARA, DETACHED] == 2
    assert construction.completions[SKOVDE, RENTAL] == 1  # the programme's flat counts too
    assert model.shared["resident_households"].tolist() == [2, 2]
    rate = model.params.construction.base_start_rate  # at price index 1
    np.testing.assert_allclose(
        model.shared["wanted_starts"], [[rate, rate, 0], [3 * rate] + 2 * [rate]]
    )
    assert model.shared["plan_reserve"].tolist() == [10, 4]


def test_starts_stay_within_the_plan_reserve_and_this_years_release():
    # A start rate of 10 per dwelling a year is made up: it wants far more than the reserve.
    released = np.array([0.0, 3.0])  # made up: Skara releases 3 building rights
    model = mock_model(
        Construction,
        overrides=["params.construction.base_start_rate=10.0"],
        stand_ins={"plan_reserve_released": released},
    )
    construction = model.submodels["construction"]
    step(model, "construction.complete", "construction.start")
    starts = construction.starts.sum(axis=1)
    assert (starts <= np.array([10, 4]) + released).all()
    assert (starts >= np.array([10, 4]) + released - 3).all()  # at most 3 types round down
    assert construction.plan_reserve.tolist() == (np.array([10, 4]) + released - starts).tolist()
    assert model.shared["plan_reserve"].tolist() == construction.plan_reserve.tolist()
    assert (construction.pipeline[-1] == construction.starts).all()  # complete in lag_years


def test_without_market_starts_a_release_stays_in_the_plan_reserve():
    released = np.array([2.0, 0.0])  # made up
    model = mock_model(
        Construction,
        overrides=["params.construction.base_start_rate=0.0"],
        stand_ins={"plan_reserve_released": released},
    )
    step(model, "construction.complete", "construction.start")
    assert model.shared["plan_reserve"].tolist() == [12, 4]
    assert model.submodels["construction"].starts.sum() == 0


def test_demolition_takes_vacant_dwellings_only():
    # A demolition rate of 1000 per dwelling is made up: every vacant dwelling goes.
    model = mock_model(Construction, overrides=["params.construction.demolition_rate=1000.0"])
    d = model.pop.dwellings
    step(model, "construction.complete", "construction.start")
    assert d.alive[:5].tolist() == [True, False, True, True, False]  # d1 and d4 were vacant
    assert model.submodels["construction"].demolitions.tolist() == [1, 1]
    stock, vacant = model.dwelling_counts()
    assert stock.sum() == 3 and vacant.sum() == 0
