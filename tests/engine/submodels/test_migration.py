"""Migration alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import numpy as np

from sim.engine.population import EMPLOYED, NO_ID, UNEMPLOYED
from sim.engine.submodels.migration import Migration
from tests.engine.submodels.mock import SKARA, SKOVDE, mock_model, step


def rates(value: float) -> list[str]:
    return [f"params.migration.out_rate_by_age=[{value},{value},{value},{value}]"]


def test_init_publishes_no_job_seekers():
    model = mock_model(Migration)
    assert model.shared["arrived_job_seekers"].size == 0


def test_with_out_rates_one_every_household_leaves_and_in_migrants_arrive_pending():
    # No unemployment push: once everybody has left, nobody is unemployed, which the push would
    # read as unemployment far below the base year's (2 of 3 in Skövde) and multiply arrivals.
    model = mock_model(Migration, overrides=[*rates(1.0), "params.migration.unemployment_push=0"])
    pop, migration = model.pop, model.submodels["migration"]
    p, h = pop.persons, pop.households
    step(model, "migration.step")
    assert not p.alive[:7].any() and not h.alive[:4].any()
    assert migration.out_migration.tolist() == [5, 2]  # persons: h0 and h1; h2 and h3
    assert (pop.dwellings.occupant[: pop.dwellings.n] == NO_ID).all()
    assert model.resident_counts().tolist() == [0, 0]  # arrivals are not residents yet
    # In-migrants come as copies of the households that left: the calibrated base flow is about
    # 10 persons to Skövde and 2 to Skara (expected out-migrants: 2 x 4 + 2 x 1 and 1 + 1).
    np.testing.assert_allclose(migration.base_inflow, [10, 2], atol=0.1)
    arrived = np.arange(4, h.n)
    assert 0 < arrived.size < 20
    assert h.pending[arrived].all() and (h.dwelling[arrived] == NO_ID).all()
    new = np.arange(7, p.n)
    assert (p.activity[new] != EMPLOYED).all()  # workers arrive as job seekers
    seekers = model.shared["arrived_job_seekers"]
    assert seekers.tolist() == new[p.activity[new] == UNEMPLOYED].tolist()


def test_households_with_a_job_seeker_leave_at_twice_the_rate():
    # A base rate of 0.5 is made up: doubled by unemployed_factor 2 it is 1 for h0 (p1
    # unemployed) and h1 (p3 unemployed), both in Skövde; h2 and h3 in Skara leave at 0.5.
    for seed in range(5):  # without the factor, both would leave in 1 of 4 seeds only
        model = mock_model(Migration, overrides=rates(0.5), seed=seed)
        step(model, "migration.step")
        assert model.submodels["migration"].out_migration[SKOVDE] == 5
        assert not model.pop.households.alive[:2].any()


def test_recruits_take_the_published_slots_without_changing_them():
    slots = np.array([2, 0, 1])  # made up: 2 recruits to f0 (Skövde), 1 to f2 (Skara)
    model = mock_model(Migration, overrides=rates(0.0), stand_ins={"recruit_slots": slots})
    pop = model.pop
    p, h, f = pop.persons, pop.households, pop.firms
    step(model, "migration.step")
    assert model.submodels["migration"].out_migration.tolist() == [0, 0]
    recruited = np.arange(4, h.n)  # nobody left, so nobody arrives but the recruits
    assert recruited.size == 3 and h.recruited[recruited].all() and h.pending[recruited].all()
    assert sorted(h.municipality[recruited].tolist()) == [SKOVDE, SKOVDE, SKARA]
    assert f.filled[:3].tolist() == [1 + 2, 1, 0 + 1]
    workers = np.flatnonzero(p.firm[: p.n] >= 0)[2:]  # after p0 and p5
    assert (p.work_node[workers] == f.municipality[p.firm[workers]]).all()
    assert (h.municipality[p.household[workers]] == f.municipality[p.firm[workers]]).all()
    assert model.shared["recruit_slots"].tolist() == [2, 0, 1]
    # Partners who came along search for a job; the recruits have theirs.
    partners = np.setdiff1d(np.arange(7, p.n), workers)
    assert model.shared["arrived_job_seekers"].tolist() == partners.tolist()


def test_no_empty_households_arrive_in_a_year_nobody_left():
    # Made-up calibration: no out-migration, ten in-migrants a year to Skövde.
    model = mock_model(Migration, overrides=["params.migration.out_rate_by_age=[0.0,0.0,0.0,0.0]"])
    model.submodels["migration"].base_inflow = np.array([10.0, 0.0])
    households_before = model.pop.households.n
    step(model, "migration.step")
    h = model.pop.households
    new = np.arange(households_before, h.n)
    assert new.size == 0  # nobody left, so there is no household to copy
