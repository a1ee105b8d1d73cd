"""Culture alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import numpy as np

from sim.engine.submodels.culture import Culture, access_decay
from sim.io.inputs import FACILITY_TYPES
from tests.engine.submodels.mock import CODES, SKARA, mock_model, step


def hand_access(model) -> np.ndarray:
    """Type-weighted places of the region's facilities (all open in the base year), decayed."""
    decay = access_decay(model.travel, model.n_muni, model.params.culture.decay_minutes)
    weights = np.asarray(model.params.culture.type_weight)
    access = np.zeros(model.n_muni)
    for row in model.inputs.culture_facilities.itertuples():
        places = row.capacity * weights[FACILITY_TYPES.index(row.facility_type)]
        access += places * decay[:, CODES.index(row.code)]
    return access


def test_init_publishes_access_of_the_open_facilities_and_the_base_attractiveness():
    model = mock_model(Culture)
    assert (model.inputs.culture_facilities["opening_year"] <= model.base_year).all()
    np.testing.assert_allclose(model.shared["cultural_access"], hand_access(model))
    assert (model.shared["attractiveness"] > 0).all()
    assert model.shared["base_attractiveness"].tolist() == model.shared["attractiveness"].tolist()


def test_a_new_facility_raises_access_from_its_opening_year_only():
    model = mock_model(Culture)
    before = model.shared["cultural_access"].copy()
    # Made up: a 1000-place concert hall (weight 1.5) in Skara, opening in 2027.
    model.pop.facilities.add(
        1, municipality=SKARA, weight=1.5, capacity=1000.0, opening_year=2027, operating_cost=0.0
    )
    access, attractiveness = [], []
    for _ in range(3):  # 2025, 2026, 2027
        step(model, "culture.step")
        access.append(model.shared["cultural_access"].copy())
        attractiveness.append(model.shared["attractiveness"].copy())
    np.testing.assert_allclose(access[0], before)
    np.testing.assert_allclose(access[1], before)
    decay = access_decay(model.travel, model.n_muni, model.params.culture.decay_minutes)
    np.testing.assert_allclose(access[2] - before, 1500.0 * decay[:, SKARA])
    # Nothing else changed (no other submodels): attractiveness follows access alone.
    weight = model.params.culture.weight_access
    np.testing.assert_allclose(
        attractiveness[2] / attractiveness[1], (access[2] / before) ** weight
    )
    assert model.shared["base_attractiveness"].tolist() != attractiveness[2].tolist()


def test_a_longer_queue_makes_a_municipality_less_attractive():
    model = mock_model(Culture)
    base = model.shared["attractiveness"].copy()
    # The housing submodel (absent) reports 1 more household queuing in Skara (made up).
    queue = model.shared["queue"] + np.array([0.0, 1.0])
    model.shared.publish("housing", "queue", queue)
    step(model, "culture.step")
    ratio = model.shared["attractiveness"] / base
    # Effective vacancy of Skara falls by 1 queuing household / 3 dwellings.
    weight = model.params.culture.weight_housing
    np.testing.assert_allclose(ratio, [1.0, np.exp(-weight / 3)])


def test_a_tax_rate_above_the_regions_mean_makes_a_municipality_less_attractive():
    model = mock_model(Culture)
    base = model.shared["attractiveness"].copy()
    rates = model.shared["tax_rate"].copy()
    weight = model.params.culture.weight_tax
    residents = model.resident_counts().astype(float)
    # Skara raises its rate by 1 point (made up): it moves above the mean by 1 - its share.
    model.shared.publish("municipalities", "tax_rate", rates + np.array([0.0, 1.0]))
    step(model, "culture.step")
    share = residents[SKARA] / residents.sum()
    expected = np.exp(-weight * np.array([-share, 1 - share]))
    np.testing.assert_allclose(model.shared["attractiveness"] / base, expected)
    # Every rate 2 points higher (ageing everywhere): nobody's position changes.
    model.shared.publish("municipalities", "tax_rate", rates + 2.0)
    step(model, "culture.step")
    np.testing.assert_allclose(model.shared["attractiveness"], base)
