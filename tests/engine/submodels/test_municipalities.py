"""Municipalities alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.engine.submodels.municipalities import Municipalities
from sim.io.results import Recorder
from tests.engine.submodels.mock import BASE_YEAR, SKARA, SKOVDE, mock_model, step

RATES = [21.61, 21.9]  # the real tax rates of Skövde and Skara (inputs)
POLICIES = "municipalities.apply_policies"


def test_a_policy_sets_the_tax_rate_and_releases_plan_reserve_in_its_year():
    # Made up: Skara sets 22.5 % and releases 5 building rights in 2026.
    policy = {
        "municipality": "Skara",
        "year": 2026,
        "tax_rate_pct": 22.5,
        "plan_reserve_release": 5,
    }
    model = mock_model(Municipalities, scenario={"name": "policy", "policies": [policy]})
    municipalities = model.submodels["municipalities"]
    assert model.shared["tax_rate"].tolist() == RATES
    rec = Recorder(Municipalities.results)
    tax, released = [], []
    for _ in range(3):  # 2025, 2026, 2027
        step(model, POLICIES)
        tax.append(model.shared["tax_rate"].tolist())
        released.append(model.shared["plan_reserve_released"].tolist())
        rec.begin(model.year)
        municipalities.record(model, rec)
    assert tax == [RATES, [RATES[SKOVDE], 22.5], [RATES[SKOVDE], 22.5]]
    assert released == [[0, 0], [0, 5], [0, 0]]
    ds = rec.to_dataset({}, base_year=BASE_YEAR)
    np.testing.assert_allclose(ds["tax_rate_change"].values, [[0, 0], [0, 22.5 - 21.9], [0, 0]])


def test_plan_reserve_is_released_after_the_queue_persists():
    # The stand-ins: h1 queues in Skövde, 1 of its 2 households (over the 1 % trigger); none in
    # Skara. Skövde's stock is made up: 300 dwellings, so a release of 1 % is 3.
    stock = np.array([[200.0, 100.0, 0.0], [1.0, 1.0, 1.0]])
    model = mock_model(Municipalities, stand_ins={"dwelling_stock": stock})
    assert model.params.construction.queue_trigger_years == 2
    released = []
    for _ in range(4):  # 2025-2028
        step(model, POLICIES, "municipalities.decide_plan_reserve")
        released.append(model.shared["plan_reserve_released"].tolist())
    # Released in the second year of queueing; the count starts over after a release.
    assert released == [[0, 0], [3, 0], [0, 0], [3, 0]]


def test_a_routine_release_keeps_years_of_wanted_starts_in_reserve():
    # Made up: Skara wants 2 starts a year but has 1 building right left; it keeps 3 years'.
    wanted = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    stand_ins = {
        "wanted_starts": wanted,
        "plan_reserve": np.array([10.0, 1.0]),
        "queue": np.zeros(2),
    }
    model = mock_model(Municipalities, stand_ins=stand_ins)
    step(model, POLICIES, "municipalities.decide_plan_reserve")
    assert model.shared["plan_reserve_released"].tolist() == [0, 3 * 2 - 1]


@pytest.mark.parametrize(
    ("result", "limit", "rates"),
    [
        # Made up: Skövde's deficit of 1 MSEK on revenue 10 and taxable income 100 calls for
        # (0.02 x 10 + 1) / 100 = 1.2 pp, limited to the tax step of 0.5 pp, then to the maximum.
        (-1.0, "max_tax_rate=30", [21.61, 22.11, 22.11, 22.61, 22.61]),
        (-1.0, "max_tax_rate=22", [21.61, 22.0, 22.0, 22.0, 22.0]),
        # A surplus of 5 (above 4 % of revenue) calls for a cut of 0.5 pp, down to the minimum.
        (5.0, "min_tax_rate=21.3", [21.61, 21.3, 21.3, 21.3, 21.3]),
    ],
)
def test_tax_rate_follows_repeated_deficits_or_surpluses_within_bounds(result, limit, rates):
    stand_ins = {
        "municipal_result": np.array([result, 0.0]),
        "municipal_revenue": np.array([10.0, 10.0]),
        "taxable_income": np.array([100.0, 100.0]),
    }
    model = mock_model(Municipalities, overrides=[f"params.finance.{limit}"], stand_ins=stand_ins)
    assert model.params.finance.deficit_years == 2
    tax = []
    for _ in range(5):  # 2025-2029: a change in every second year of deficits (surpluses)
        step(model, POLICIES, "municipalities.decide_budget")
        tax.append(model.shared["tax_rate"].tolist())
    np.testing.assert_allclose([t[SKOVDE] for t in tax], rates)
    assert [t[SKARA] for t in tax] == [RATES[SKARA]] * 5  # a zero result: no change


def test_a_municipality_without_taxable_income_keeps_its_tax_rate():
    # Made up: Skövde runs deficits but has no residents left to tax (a valid scenario can empty
    # a municipality); its rate stays, without a division by zero.
    stand_ins = {
        "municipal_result": np.array([-1.0, 0.0]),
        "municipal_revenue": np.array([10.0, 10.0]),
        "taxable_income": np.array([0.0, 100.0]),
    }
    model = mock_model(Municipalities, stand_ins=stand_ins)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            step(model, POLICIES, "municipalities.decide_budget")
    assert model.shared["tax_rate"][SKOVDE] == RATES[SKOVDE]
