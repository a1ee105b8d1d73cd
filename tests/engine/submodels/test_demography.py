"""Demography alone, on the tiny hand-built population (tests/engine/submodels/mock.py).

Also the demography schedules: the fitted life table and fertility reproduce their targets.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.population import ADULT, CHILD_AT_HOME, NO_ID, UNEMPLOYED
from sim.engine.submodels.demography import (
    MAX_AGE,
    Demography,
    fertility_schedule,
    fit_mortality,
    life_expectancy,
)
from sim.io.results import Recorder
from tests.engine.submodels.mock import BASE_YEAR, SKARA, SKOVDE, mock_model, step


@pytest.mark.parametrize("target", [80.7, 84.1])
def test_fitted_mortality_reproduces_life_expectancy(target):
    q = fit_mortality(target, a=0.0002, c=0.1)
    assert life_expectancy(q) == pytest.approx(target, abs=0.01)
    assert (np.diff(q[30:]) > 0).all()  # mortality rises with age after 30
    assert q[-1] == 1.0


def test_fertility_sums_to_tfr_within_fertile_ages():
    f = fertility_schedule(1.45, 31.0, 5.5)
    assert f.sum() == pytest.approx(1.45)
    assert f[:15].sum() == 0 and f[50:].sum() == 0
    ages = np.arange(f.size)
    assert (ages * f).sum() / f.sum() == pytest.approx(31.0, abs=0.6)


# No couples form or separate: the household structure changes only by the rule under test.
STILL = ["params.demography.couple_formation_rate=0.0", "params.demography.separation_rate=0.0"]


def test_survivors_age_one_year_and_deaths_and_births_are_counted_where_they_happen():
    # A total fertility of 20 is made up: it makes p5 (33, Skara) give birth at 34 for certain.
    model = mock_model(Demography, overrides=[*STILL, "params.demography.total_fertility_rate=20"])
    pop, demography = model.pop, model.submodels["demography"]
    p, h = pop.persons, pop.households
    p.age[4] = MAX_AGE - 1  # made up: p4 turns 105, the last age of the life table (q = 1)
    before = p.age[:7].copy()
    muni_before = pop.resident_municipality().copy()
    step(model, "demography.step")
    survivors = np.flatnonzero(p.alive[:7])
    assert (p.age[survivors] == before[survivors] + 1).all()
    assert not p.alive[4] and not h.alive[2]  # p4 died; h2 dissolved and left d2 vacant
    assert pop.dwellings.occupant[2] == NO_ID
    dead = np.flatnonzero(~p.alive[:7])
    assert demography.deaths.tolist() == np.bincount(muni_before[dead], minlength=2).tolist()
    born = np.arange(7, p.n)
    assert (p.age[born] == 0).all() and (p.role[born] == CHILD_AT_HOME).all()
    assert 3 in p.household[born]  # p5's child, in h3
    births = np.bincount(h.municipality[p.household[born]], minlength=2)
    assert demography.births.tolist() == births.tolist()
    assert demography.births[SKARA] >= 1


def test_with_leave_home_rate_one_only_adult_children_out_of_school_leave():
    model = mock_model(Demography, overrides=[*STILL, "params.demography.leave_home_rate=1.0"])
    p, h = model.pop.persons, model.pop.households
    step(model, "demography.step")
    assert p.household[6] == 0 and p.role[6] == CHILD_AT_HOME  # p6 (20) is a student: stays
    assert p.household[2] == 0  # p2 (13) is too young
    p.activity[6] = UNEMPLOYED  # p6 leaves school (labour's step, done here by hand)
    step(model, "demography.step")
    new = p.household[6]
    assert new != 0 and h.alive[new] and p.role[6] == ADULT
    assert h.municipality[new] == SKOVDE and h.dwelling[new] == NO_ID  # in the Skövde queue
    assert (p.household[[0, 1, 2]] == 0).all()


def test_with_separation_rate_one_the_only_couple_splits():
    overrides = ["params.demography.couple_formation_rate=0.0"]
    model = mock_model(Demography, overrides=[*overrides, "params.demography.separation_rate=1.0"])
    p, h = model.pop.persons, model.pop.households
    n_households = h.n
    step(model, "demography.step")
    # h0 is the only household with two adults (p0, p1): one of them moves out, alone.
    assert h.n == n_households + 1
    leaver = np.flatnonzero(p.household[:7] == n_households)
    assert leaver.size == 1 and leaver[0] in (0, 1)
    assert h.dwelling[n_households] == NO_ID and h.municipality[n_households] == SKOVDE
    assert (p.household[[2, 6]] == 0).all()  # the children stay in h0
    assert p.household[3] == 1 and p.household[5] == 3  # singles stay single


def test_recorded_population_and_households_follow_the_tiny_population():
    model = mock_model(Demography, overrides=STILL)
    demography = model.submodels["demography"]
    rec = Recorder(Demography.results)
    rec.begin(model.year)
    demography.record(model, rec)
    step(model, "demography.step")
    rec.begin(model.year)
    demography.record(model, rec)
    ds = rec.to_dataset({}, base_year=BASE_YEAR)
    # Age groups 0-5, 6-15, 16-19, 20-44, 45-64, 65-79, 80+. Skövde: p2 12, p6 19, p1 43 and
    # p3 24, p0 45; Skara: p5 33, p4 82.
    assert ds["population"][0].values.tolist() == [[0, 1, 1, 2, 1, 0, 0], [0, 0, 0, 1, 0, 0, 1]]
    assert ds["households"][0].values.tolist() == [2, 2]
    assert np.isnan(ds["births"][0]).all() and np.isnan(ds["deaths"][0]).all()  # base year
    population = ds["population"][1].values.sum(axis=1)
    assert population.tolist() == model.resident_counts().tolist()
    expected = np.array([5, 2]) - ds["deaths"][1].values + ds["births"][1].values
    assert population.tolist() == expected.tolist()


def test_life_table_from_data_matches_swedish_life_expectancy():
    from sim.config.compose import compose_config
    from sim.engine.submodels.demography import LifeTable

    p = compose_config(["params.demography.schedules=data"]).params.demography
    table = LifeTable.of(p)
    # SCB life expectancy at birth, 2017 (the middle of the pooled years 2015-2019).
    assert life_expectancy(table.q[0]) == pytest.approx(80.7, abs=0.5)
    assert life_expectancy(table.q[1]) == pytest.approx(84.1, abs=0.5)
    assert table.fertility.sum() == pytest.approx(p.total_fertility_rate)
    assert table.q[:, -1].tolist() == [1.0, 1.0]
    shares = table.base_age_shares(p, 2015)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[:, 65:].sum() == pytest.approx(0.193, abs=0.001)  # Västra Götaland 2015
    # Brought to 2024 without migration, the structure ages: more 65+, fewer aged 20-64.
    later = table.base_age_shares(p, 2024)
    assert later.sum() == pytest.approx(1.0)
    assert later[:, 65:].sum() > shares[:, 65:].sum() + 0.01
    assert later[:, 20:65].sum() < shares[:, 20:65].sum() - 0.01


def test_projection_keeps_a_closed_population_accounted():
    from sim.config.compose import compose_config
    from sim.engine.submodels.demography import LifeTable

    p = compose_config(["params.demography.schedules=data"]).params.demography
    table = LifeTable.of(p)
    counts = np.zeros((2, MAX_AGE + 1))
    counts[1, 30] = 1000.0  # made up: 1,000 women aged 30
    after = table.project(counts, 1, 0.5)
    survivors = 1000.0 * (1 - table.q[1, 31])
    assert after[1, 31] == pytest.approx(survivors)
    assert after[:, 0].sum() == pytest.approx(survivors * table.fertility[31])
    assert after[0, 0] == pytest.approx(after[1, 0])
