"""The resident-municipality kernel agrees with a numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.kernels.population import (
    household_members,
    household_summary,
    resident_municipality,
)


def reference(alive, household, household_muni, pending):
    muni = np.full(alive.size, -1, dtype=np.int16)
    ok = alive & (household >= 0)
    muni[ok] = household_muni[household[ok]]
    muni[ok & pending[np.maximum(household, 0)]] = -1
    return muni


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_reference(seed):
    rng = np.random.default_rng(seed)
    n, nh = 200, 40
    alive = rng.random(n) < 0.8
    household = rng.integers(-1, nh, n).astype(np.int32)
    household_muni = rng.integers(0, 5, nh).astype(np.int16)
    pending = rng.random(nh) < 0.2
    got = resident_municipality(alive, household, household_muni, pending)
    np.testing.assert_array_equal(got, reference(alive, household, household_muni, pending))
    assert (got[~alive] == -1).all()
    assert (got[pending[np.maximum(household, 0)] & (household >= 0)] == -1).all()


def summary_reference(alive, household, role, age, income, work_node, n_households):
    members = household[alive]
    sizes = np.bincount(members, minlength=n_households).astype(np.int32)
    total = np.bincount(members, weights=income[alive].astype(float), minlength=n_households)
    children = np.bincount(members[role[alive] != 0], minlength=n_households) > 0
    oldest = np.zeros(n_households, dtype=np.int64)
    np.maximum.at(oldest, members, age[alive])
    main_work = np.full(n_households, -1, dtype=np.int64)
    top = np.full(n_households, -1.0)
    for p in np.flatnonzero(alive & (work_node >= 0)):
        if income[p] > top[household[p]]:
            top[household[p]] = income[p]
            main_work[household[p]] = work_node[p]
    return sizes, total, children, oldest, main_work


@pytest.mark.parametrize("seed", range(5))
def test_household_summary_and_members_agree_with_reference(seed):
    rng = np.random.default_rng(seed)
    n, nh = 300, 60
    alive = rng.random(n) < 0.85
    household = rng.integers(0, nh, n).astype(np.int32)
    role = (rng.random(n) < 0.3).astype(np.int8)
    age = rng.integers(0, 100, n).astype(np.int16)
    income = np.round(rng.random(n) * 5).astype(np.float32) * 100  # ties happen
    work_node = np.where(rng.random(n) < 0.5, rng.integers(0, 20, n), -1).astype(np.int16)
    got = household_summary(alive, household, role, age, income, work_node, nh)
    expected = summary_reference(alive, household, role, age, income, work_node, nh)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)
    np.testing.assert_array_equal(household_members(alive, household, nh), expected[0])
