"""Tests for sim.engine.kernels.demography against plain numpy references."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.kernels.demography import (
    age_and_die,
    expected_births_and_deaths,
    fertile_women,
    promote_orphans,
)

ADULT, CHILD = 0, 1


def ref_promote_orphans(household, role, age, alive, n_households):
    """For each household: no living adult -> its oldest living member (first on ties) is one."""
    out = role.copy()
    for h in range(n_households):
        members = np.flatnonzero(alive & (household == h))
        if members.size == 0 or np.any(role[members] == ADULT):
            continue
        out[members[np.argmax(age[members])]] = ADULT
    return out


def make_persons(seed, n_persons=60, n_households=15):
    """Random persons with the dtypes of the population arrays; the dead may have no household."""
    rng = np.random.default_rng(seed)
    alive = rng.random(n_persons) < 0.8
    household = rng.integers(0, n_households, n_persons).astype(np.int32)
    household[~alive & (rng.random(n_persons) < 0.5)] = -1
    role = np.where(rng.random(n_persons) < 0.3, ADULT, CHILD).astype(np.int8)
    age = rng.integers(0, 25, n_persons).astype(np.int16)  # a narrow range, so ties occur
    return household, role, age, alive, n_households


@pytest.mark.parametrize("seed", range(10))
def test_promote_orphans_matches_reference(seed):
    household, role, age, alive, n_households = make_persons(seed)
    role_before = role.copy()
    out = promote_orphans(household, role, age, alive, n_households)
    expected = ref_promote_orphans(household, role, age, alive, n_households)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int8
    np.testing.assert_array_equal(role, role_before)  # the input is not modified


@pytest.mark.parametrize("seed", range(5))
def test_promotes_exactly_the_oldest_of_each_household_without_an_adult(seed):
    household, role, age, alive, n_households = make_persons(100 + seed)
    out = promote_orphans(household, role, age, alive, n_households)
    changed = np.flatnonzero(out != role)
    # Only living children change, and only into adults.
    assert np.all(alive[changed]) and np.all(role[changed] == CHILD) and np.all(out[changed] == 0)
    living = alive & (household >= 0)
    orphaned = []
    for h in range(n_households):
        members = np.flatnonzero(living & (household == h))
        if members.size == 0:
            continue
        promoted = changed[household[changed] == h]
        if np.any(role[members] == ADULT):
            assert promoted.size == 0  # households with an adult are left untouched
        else:
            orphaned.append(h)
            assert promoted.size == 1
            assert age[promoted[0]] == age[members].max()
        # Every household with a living member now has exactly as many adults, or one.
        assert np.sum(out[members] == ADULT) == max(np.sum(role[members] == ADULT), 1)
    assert orphaned, "the instance should contain households without an adult"


def test_promote_orphans_hand_made_cases():
    # h0: adult present -> unchanged. h1: children 12 and 17 -> the 17-year-old.
    # h2: its adult is dead, a dead 40-year-old child is ignored -> the living 15-year-old.
    # h3: tie at 19 -> the first in person order. h4: everyone dead -> nothing. h5: no members.
    household = np.array([0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, -1], np.int32)
    role = np.array([0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0], np.int8)
    age = np.array([40, 10, 12, 17, 50, 40, 15, 19, 3, 19, 60, 30, 70], np.int16)
    alive = np.array([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0], bool)
    out = promote_orphans(household, role, age, alive, 6)
    expected = role.copy()
    expected[[3, 6, 7]] = 0
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(out, ref_promote_orphans(household, role, age, alive, 6))


def test_promote_orphans_empty_population():
    out = promote_orphans(
        np.zeros(0, np.int32), np.zeros(0, np.int8), np.zeros(0, np.int16), np.zeros(0, bool), 3
    )
    assert out.shape == (0,)


def test_age_and_die_ages_the_living_and_draws_one_death_per_living_person():
    alive = np.array([True, False, True, True, True])
    sex = np.array([0, 0, 1, 1, 0], dtype=np.int8)
    age = np.array([104, 50, 30, 105, 0], dtype=np.int16)
    q = np.zeros((2, 106))
    q[0, 105] = 1.0  # made-up: men die at 105, women at 31 with probability 0.5
    q[1, 31] = 0.5
    dead = age_and_die(alive, sex, age, q, 105, np.array([0.9, 0.4, 0.99, 0.1]))
    assert age.tolist() == [105, 50, 31, 105, 1]
    assert dead.tolist() == [0, 2]  # 0 reaches 105; 2 draws 0.4 < 0.5; 3 draws 0.99 >= 0


def test_fertile_women_are_the_living_women_of_fertile_ages():
    alive = np.array([True, True, False, True, True])
    sex = np.array([1, 0, 1, 1, 1], dtype=np.int8)
    age = np.array([30, 30, 30, 60, 15], dtype=np.int16)
    fertility = np.zeros(106)
    fertility[15:50] = 0.05
    assert fertile_women(alive, sex, age, fertility).tolist() == [0, 4]


def test_expected_births_and_deaths_are_the_bincounts_bit_for_bit():
    rng = np.random.default_rng(5)
    n, nh, n_muni, max_age = 3000, 900, 4, 105  # a made-up population
    alive = rng.random(n) < 0.95
    household = rng.integers(0, nh, n).astype(np.int32)
    household_muni = rng.integers(0, n_muni, nh).astype(np.int16)
    pending = rng.random(nh) < 0.05
    sex = rng.integers(0, 2, n).astype(np.int8)
    age = rng.integers(0, max_age + 1, n).astype(np.int16)
    q = rng.random((2, max_age + 1)) * 0.1
    fertility = np.where((np.arange(max_age + 1) >= 15) & (np.arange(max_age + 1) < 50), 0.05, 0.0)
    births, deaths = expected_births_and_deaths(
        alive, household, household_muni, pending, sex, age, q, fertility, max_age, n_muni
    )
    ok = alive & ~pending[household]
    muni = household_muni[household[ok]]
    a = np.minimum(age[ok] + 1, max_age)
    np.testing.assert_array_equal(deaths, np.bincount(muni, weights=q[sex[ok], a], minlength=4))
    women = np.where(sex[ok] == 1, fertility[a], 0.0)
    np.testing.assert_array_equal(births, np.bincount(muni, weights=women, minlength=4))
