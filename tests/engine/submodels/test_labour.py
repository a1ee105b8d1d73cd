"""Labour alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import numpy as np

from sim.engine.population import CHILD, EMPLOYED, NO_ID, RETIRED, STUDENT, UNEMPLOYED
from sim.engine.submodels.labour import Labour
from tests.engine.submodels.mock import SKOVDE, mock_model, step

# Nobody moves between activities except by the rule under test.
STILL = [
    "params.labour.separation_rate=0.0",
    "params.labour.outside_entry_rate=0.0",
    "params.labour.outside_exit_rate=0.0",
    "params.labour.upper_secondary_exit_share=0.0",
]
# Every job seeker takes a job when one is open: no failed search, no declining all offers.
SURE_MATCH = ["params.labour.matching_efficiency=1.0", "params.labour.reservation_weight=0.0"]


def filled_by_residents(model) -> list[int]:
    per, f = model.pop.persons, model.pop.firms
    held = per.firm[: per.n][per.alive[: per.n] & (per.firm[: per.n] >= 0)]
    return np.bincount(held, minlength=f.n).tolist()


def expected_incomes(model) -> np.ndarray:
    """Income of every person from its activity, by the labour parameters (kSEK/year)."""
    p, per, f = model.params.labour, model.pop.persons, model.pop.firms
    out = np.zeros(per.n)
    for i in range(per.n):
        act = per.activity[i]
        if act == EMPLOYED:
            wage = f.wage[per.firm[i]] if per.firm[i] >= 0 else p.wage_external
            out[i] = wage * p.education_wage_factor[per.education[i]]
        else:
            out[i] = {
                CHILD: 0.0,
                STUDENT: p.student_income,
                UNEMPLOYED: p.unemployed_income,
                RETIRED: p.pension_income,
            }[act]
    return out


def test_init_publishes_no_recruit_slots():
    model = mock_model(Labour)
    assert model.shared["recruit_slots"].tolist() == [0, 0, 0]  # one per firm


def test_an_arrived_job_seeker_takes_an_open_position():
    model = mock_model(
        Labour, overrides=SURE_MATCH, stand_ins={"arrived_job_seekers": np.array([3])}
    )
    per, f = model.pop.persons, model.pop.firms
    step(model, "labour.match_arrivals")
    # p3 searched (4 positions open: 2 at f0, 1 at f1, 1 at f2); p1 was not among the arrivals.
    assert per.activity[3] == EMPLOYED and per.firm[3] in (0, 1, 2)
    assert per.work_node[3] == f.municipality[per.firm[3]]
    assert f.filled[:3].sum() == 3 and f.filled[:3].tolist() == filled_by_residents(model)
    assert per.activity[1] == UNEMPLOYED
    assert per.income[3] == np.float32(f.wage[per.firm[3]])  # upper secondary: factor 1


def test_after_a_step_every_job_seeker_works_and_firms_count_their_workers():
    model = mock_model(Labour, overrides=[*STILL, *SURE_MATCH])
    per = model.pop.persons
    step(model, "labour.step")
    # p1 and p3 (unemployed, Skövde) found jobs; p0 and p5 kept theirs; the rest did not change.
    assert (per.activity[[0, 1, 3, 5]] == EMPLOYED).all()
    assert per.activity[[2, 4, 6]].tolist() == [CHILD, RETIRED, STUDENT]
    assert per.firm[0] == 0 and per.firm[5] == 1 and per.work_node[0] == SKOVDE
    assert model.pop.firms.filled[:3].tolist() == filled_by_residents(model)
    np.testing.assert_allclose(per.income[: per.n], expected_incomes(model), rtol=1e-6)


def test_with_separation_rate_one_and_no_search_the_workers_lose_their_jobs():
    overrides = [
        *STILL[1:],
        "params.labour.separation_rate=1.0",
        "params.labour.matching_efficiency=0.0",
    ]
    model = mock_model(Labour, overrides=overrides)
    per, f = model.pop.persons, model.pop.firms
    step(model, "labour.step")
    assert per.activity[[0, 5]].tolist() == [UNEMPLOYED, UNEMPLOYED]
    assert (per.firm[:7] == NO_ID).all() and f.filled[:3].tolist() == [0, 0, 0]
    # Incomes follow activity: unemployment support to p0, p1, p3 and p5.
    p = model.params.labour
    assert per.income[:7].tolist() == [
        p.unemployed_income,
        p.unemployed_income,
        0.0,
        p.unemployed_income,
        p.pension_income,
        p.unemployed_income,
        p.student_income,
    ]


def test_a_firm_left_with_fewer_positions_than_workers_lays_off_its_own_workers_only():
    model = mock_model(Labour, overrides=[*STILL, "params.labour.matching_efficiency=0.0"])
    per, f = model.pop.persons, model.pop.firms
    f.base_positions[0] = 0  # firm 0 (p0's) loses its positions; firm 1 (p5's) keeps them
    step(model, "labour.step")
    assert f.positions[0] == 0
    assert per.activity[0] == UNEMPLOYED and per.firm[0] == NO_ID and per.work_node[0] == NO_ID
    assert per.activity[5] == EMPLOYED and per.firm[5] == 1
    assert f.filled[:3].tolist() == filled_by_residents(model)
