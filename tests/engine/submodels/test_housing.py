"""Housing alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import numpy as np

from sim.engine.population import NO_ID
from sim.engine.submodels.housing import Housing
from tests.engine.submodels.mock import SKOVDE, mock_model, step


def test_init_publishes_the_queue_and_neutral_prices():
    model = mock_model(Housing)
    assert model.shared["queue"].tolist() == [1.0, 0.0]  # h1 waits in Skövde
    assert (model.shared["price_index"] == 1.0).all()


def test_a_queued_household_moves_into_a_vacant_dwelling():
    model = mock_model(Housing)
    h, d = model.pop.households, model.pop.dwellings
    step(model, "housing.step")
    assert h.dwelling[1] != NO_ID  # h1 found a home
    assert d.occupant[h.dwelling[1]] == 1
    assert model.shared["queue"].tolist() == [0.0, 0.0]
    housing = model.submodels["housing"]
    moved_between = housing.moves_in.sum() + housing.moves_out.sum()
    assert housing.in_migration.sum() == 0  # nobody came from outside
    assert moved_between in (0, 2)  # 0 if h1 stayed in Skövde, else out and in


def test_prices_rise_where_nothing_is_vacant_and_fall_where_much_is():
    model = mock_model(Housing, overrides=["params.housing.base_mobility=0.0"])
    step(model, "housing.step")
    price = model.shared["price_index"]
    stock, vacant = model.dwelling_counts()
    tight = (vacant == 0) & (stock > 0)
    slack = vacant / np.maximum(stock, 1) > model.params.housing.natural_vacancy
    assert (price[tight] > 1.0).all() and (price[slack] < 1.0).all()
    assert price[SKOVDE].size == 3
