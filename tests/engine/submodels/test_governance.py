"""Governance alone, on the tiny hand-built population (tests/engine/submodels/mock.py).

With culture absent, cultural access is its neutral stand-in 1 everywhere, so the value of a
place per resident and year is the region's running cost of facilities over its 7 residents,
and a participant gains from a proposal exactly when its (running cost x places x decay) from
the location exceeds the proposal's yearly cost (its cost share is its population share).
"""

from __future__ import annotations

import numpy as np

from sim.engine.submodels.governance import Governance
from sim.io.results import Recorder
from tests.engine.submodels.mock import SKARA, SKOVDE, mock_model, step

RESIDENTS = np.array([5, 2])  # Skövde, Skara


def proposal(**fields) -> dict:
    """A joint library in Skövde for Skövde and Skara, first decidable in 2025 (made up)."""
    return {
        "name": "joint library",
        "facility_type": "library",
        "location": "Skövde",
        "participants": ["Skövde", "Skara"],
        "governance": "shared",
        "capacity": 100,
        "investment_msek": 10.0,
        "operating_msek": 1.0,
        "earliest_year": 2025,
        "build_years": 2,
        **fields,
    }


def governance_model(*proposals, nao_budget_msek: float = 0.0):
    scenario = {
        "name": "joint",
        "joint_proposals": list(proposals),
        "nao_budget_msek": nao_budget_msek,
    }
    return mock_model(Governance, scenario=scenario)


def test_shared_governance_decides_after_the_negotiation_and_books_the_costs():
    model = governance_model(proposal())
    governance, fac = model.submodels["governance"], model.pop.facilities
    n_facilities = fac.n
    decided = []
    for _ in range(3):  # 2025, 2026, 2027
        step(model, "governance.step")
        decided.append(governance.decided_this_year[0])
    assert model.params.governance.negotiation_years_shared == 2
    assert decided == [0.0, 0.0, 1.0]  # both gain from the start, but negotiate two years
    assert governance.decision_year[0] == 2027 and governance.opening_year[0] == 2029
    assert fac.n == n_facilities + 1
    new = fac.n - 1
    assert fac.municipality[new] == SKOVDE and fac.capacity[new] == 100
    assert fac.opening_year[new] == 2029 and fac.operating_cost[new] == 0.0
    shares = RESIDENTS / RESIDENTS.sum()
    np.testing.assert_allclose(governance.cost_shares[0], shares)
    outlays, operating = model.requests.take()
    expected = [(y, m, 10.0 * shares[m] / 2) for y in (2028, 2029) for m in (SKOVDE, SKARA)]
    np.testing.assert_allclose(outlays, expected)
    np.testing.assert_allclose(operating, [(2029, m, 1.0 * shares[m]) for m in (SKOVDE, SKARA)])


def test_shared_governance_stalls_when_one_participant_loses_but_a_lead_decides():
    # Made up: one place, 30 MSEK a year to run. Skövde values it at about 91 x 0.53 = 48 MSEK,
    # Skara, 29 minutes away, at 91 x 0.24 = 22 MSEK: Skara would lose.
    costly = {"capacity": 1, "investment_msek": 0.0, "operating_msek": 30.0}
    lead = {"governance": "lead", "lead": "Skövde", "lead_share": 0.5}
    model = governance_model(proposal(**costly), proposal(**costly, **lead))
    governance = model.submodels["governance"]
    for _ in range(4):  # 2025-2028
        step(model, "governance.step")
    benefit = governance.net_benefits[0]
    assert benefit[SKOVDE] > 0 > benefit[SKARA]
    assert np.isnan(governance.decision_year[0])  # consensus never reached
    assert governance.decision_year[1] == 2026  # the lead decides after a year's preparation
    np.testing.assert_allclose(governance.cost_shares[1], [0.5, 0.5])


def test_the_nao_collects_what_its_proposal_needs_and_funds_it_once_the_pool_covers_it():
    # Made up: a budget of 10 MSEK a year and an investment of 25 MSEK: funded in the third year,
    # for which the NAO collects only the 5 MSEK still missing; then it collects nothing.
    model = governance_model(proposal(governance="nao", investment_msek=25.0), nao_budget_msek=10)
    governance = model.submodels["governance"]
    shares = RESIDENTS / RESIDENTS.sum()
    pool, bookings = [], []
    for _ in range(4):  # 2025-2028
        step(model, "governance.step")
        pool.append(governance.nao_pool)
        bookings.append(model.requests.take())
    assert pool == [10.0, 20.0, 0.0, 0.0]
    assert governance.decision_year[0] == 2027
    collected = (10.0, 10.0, 5.0)
    for year, paid, (outlays, _) in zip((2025, 2026, 2027), collected, bookings, strict=False):
        # Contributions by population share, paid in the next year's accounts; the pool pays the
        # investment, so no investment outlays are booked.
        np.testing.assert_allclose(outlays, [(year + 1, m, paid * shares[m]) for m in (0, 1)])
    np.testing.assert_allclose(bookings[2][1], [(2029, m, 1.0 * shares[m]) for m in (0, 1)])
    assert bookings[3] == ([], [])


def test_the_nao_is_paid_by_its_members_only_and_keeps_its_reserve():
    # Made up: a library for Skövde alone under the NAO, which keeps a reserve of 3 MSEK.
    library = proposal(governance="nao", participants=["Skövde"], investment_msek=25.0)
    model = mock_model(
        Governance,
        scenario={
            "name": "joint",
            "joint_proposals": [library],
            "nao_budget_msek": 10.0,
            "nao_reserve_msek": 3.0,
        },
    )
    governance = model.submodels["governance"]
    pool, contributions = [], []
    for _ in range(4):  # 2025-2028
        step(model, "governance.step")
        pool.append(governance.nao_pool)
        contributions.append(governance.nao_contributions.copy())
    # 25 MSEK for the library and 3 MSEK of reserve: 10 + 10 + 8, funded in 2027.
    assert governance.decision_year[0] == 2027
    assert pool == [10.0, 20.0, 3.0, 3.0]
    np.testing.assert_allclose(contributions, [[10, 0], [10, 0], [8, 0], [0, 0]])
    np.testing.assert_allclose(governance.cost_shares[0], [1.0, 0.0])


def test_a_payer_in_deficit_defers_a_shared_decision_until_its_result_recovers():
    model = governance_model(proposal())
    governance = model.submodels["governance"]
    results = {2027: [1.0, -0.5], 2028: [1.0, -0.1], 2029: [1.0, 0.0]}  # MSEK, made up
    decided, deferred = [], []
    for year in range(2025, 2030):
        model.shared.publish("finance", "municipal_result", np.array(results.get(year, [1, 1.0])))
        step(model, "governance.step")
        decided.append(governance.decided_this_year[0])
        deferred.append(governance.deferred_this_year[0])
    # Ready in 2027 after two years of negotiation, held up while Skara is in deficit.
    assert deferred == [0, 0, 1, 1, 0]
    assert decided == [0, 0, 0, 0, 1]
    assert governance.decision_year[0] == 2029


def test_payments_add_up_to_the_cost_and_the_net_position_sums_benefit_minus_payments():
    model = governance_model(proposal())  # decided 2027, built 2028-2029, open from 2029
    governance = model.submodels["governance"]
    costs, paid, gained = [], [], []
    for _ in range(6):  # 2025-2030
        step(model, "governance.step")
        rec = Recorder(governance.results)
        rec.begin(model.year)
        governance.record(model, rec)
        costs.append(rec.rows[-1]["joint_cost"][0])
        paid.append(rec.rows[-1]["joint_payment"][0])
        gained.append(rec.rows[-1]["joint_benefit"][0])
    # Investment 10 over the two build years, operating 1 a year from the opening (2029).
    np.testing.assert_allclose(costs, [0, 0, 0, 5, 6, 1])
    np.testing.assert_allclose(np.sum(paid, axis=1), costs)
    np.testing.assert_allclose(paid[3], 5 * RESIDENTS / RESIDENTS.sum())
    assert not np.any(gained[:4]) and np.all(np.asarray(gained[4:]) > 0)
    np.testing.assert_allclose(governance.net_position[0], np.sum(gained, 0) - np.sum(paid, 0))
