"""The kernels over the agent arrays agree with numpy references."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from sim.engine.kernels.population import (
    CHUNK,
    adults_by_household,
    census,
    dwelling_counts,
    household_members,
    household_summary,
    households_with_activity,
    keep_where,
    keep_where_renumbered,
    leaving_home_candidates,
    members_of,
    rehouse,
    resident_counts,
    resident_household_counts,
    resident_municipality,
    residents_in_activity,
    single_adults,
    sizes_and_oldest,
)
from sim.engine.population import EMPLOYED, GROUP_OF_AGE, UNEMPLOYED


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


def census_inputs(seed: int, n: int):
    """A made-up population of ``n`` persons in 80 households of 4 municipalities, 6 nodes."""
    rng = np.random.default_rng(seed)
    nh = 80
    return dict(
        alive=rng.random(n) < 0.9,
        household=rng.integers(-1, nh, n).astype(np.int32),
        household_muni=rng.integers(0, 4, nh).astype(np.int16),
        pending=rng.random(nh) < 0.1,
        age=rng.integers(0, 106, n).astype(np.int16),
        group_of_age=GROUP_OF_AGE,
        activity=rng.integers(0, 6, n).astype(np.int8),
        income=rng.uniform(0, 600, n).astype(np.float32),
        work_node=rng.integers(0, 6, n).astype(np.int16),
        employed_code=EMPLOYED,
        unemployed_code=UNEMPLOYED,
        n_muni=4,
        n_nodes=6,
    )


@pytest.mark.parametrize("n", [0, 1, 500, CHUNK + 7])
def test_census_agrees_with_bincount(n):
    args = census_inputs(n, n)
    by_age, employed, unemployed, taxable, commuting = census(**args)
    muni = resident_municipality(
        args["alive"], args["household"], args["household_muni"], args["pending"]
    ).astype(np.int64)
    ok = muni >= 0
    group = GROUP_OF_AGE[args["age"][ok]]
    expected = np.bincount(muni[ok] * 7 + group, minlength=4 * 7).reshape(4, 7)
    np.testing.assert_array_equal(by_age, expected)
    act = args["activity"]
    np.testing.assert_array_equal(employed, np.bincount(muni[ok & (act == EMPLOYED)], minlength=4))
    np.testing.assert_array_equal(
        unemployed, np.bincount(muni[ok & (act == UNEMPLOYED)], minlength=4)
    )
    income = args["income"][ok].astype(np.float64)
    np.testing.assert_allclose(taxable, np.bincount(muni[ok], income, minlength=4), rtol=1e-12)
    work = ok & (act == EMPLOYED)
    cells = muni[work] * 6 + args["work_node"][work]
    np.testing.assert_array_equal(commuting, np.bincount(cells, minlength=24).reshape(4, 6))


@pytest.mark.parametrize("n", [0, 500])
def test_resident_counts_are_the_census_residents(n):
    args = census_inputs(n, n)
    by_age = census(**args)[0]
    counts = resident_counts(
        args["alive"], args["household"], args["household_muni"], args["pending"], 4
    )
    np.testing.assert_array_equal(counts, by_age.sum(axis=1))
    assert counts.dtype == by_age.sum(axis=1).dtype


def test_census_is_the_same_for_any_number_of_threads():
    args = census_inputs(1, 3 * CHUNK + 11)
    before = numba.get_num_threads()
    try:
        results = []
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            results.append(census(**args))
    finally:
        numba.set_num_threads(before)
    for one, many in zip(*results, strict=True):
        np.testing.assert_array_equal(one, many)  # bit for bit, floats included


def test_keep_where_moves_kept_values_forward_in_order():
    column = np.array([5, 6, 7, 8, 9], dtype=np.int16)
    kept = keep_where(column, np.array([False, True, False, True, True]))
    assert kept == 3
    assert column[:3].tolist() == [6, 8, 9]


def test_keep_where_renumbered_moves_and_renumbers_references_in_one_pass():
    column = np.array([3, -1, 0, 2, 3], dtype=np.int32)  # references into a table of 4 rows
    new_id = np.array([0, -1, 1, 2], dtype=np.int32)  # its row 1 is dropped
    kept = keep_where_renumbered(column, np.array([True, True, False, True, True]), new_id)
    assert kept == 4
    assert column[:4].tolist() == [2, -1, 1, 2]


@pytest.mark.parametrize("seed", range(3))
def test_household_passes_agree_with_numpy(seed):
    rng = np.random.default_rng(seed)
    n, nh = 400, 90
    alive = rng.random(n) < 0.85
    household = rng.integers(0, nh, n).astype(np.int32)
    role = (rng.random(n) < 0.3).astype(np.int8)
    age = rng.integers(0, 100, n).astype(np.int16)

    adults, counts = adults_by_household(alive, role, household, nh)
    expected = np.flatnonzero(alive & (role == 0))
    np.testing.assert_array_equal(adults, expected)
    np.testing.assert_array_equal(counts, np.bincount(household[expected], minlength=nh))

    sizes, oldest = sizes_and_oldest(alive, household, age, nh)
    ref_sizes, _, _, ref_oldest, _ = household_summary(
        alive, household, role, age, np.zeros(n, np.float32), np.full(n, -1, np.int16), nh
    )
    np.testing.assert_array_equal(sizes, ref_sizes)
    np.testing.assert_array_equal(oldest, ref_oldest)

    chosen = rng.random(nh) < 0.3
    np.testing.assert_array_equal(
        members_of(alive, household, chosen), np.flatnonzero(alive & chosen[household])
    )

    singles = single_adults(adults, household, age, counts, 20, 69)
    a = age[adults]
    expected = adults[(counts[household[adults]] == 1) & (a >= 20) & (a <= 69)]
    np.testing.assert_array_equal(singles, expected)
    assert singles.size > 0

    remap = rng.permutation(nh).astype(np.int32)
    moved = household.copy()
    rehouse(alive, moved, remap)
    np.testing.assert_array_equal(moved, np.where(alive, remap[household], household))


@pytest.mark.parametrize("seed", range(3))
def test_dwelling_and_household_counts_agree_with_bincount(seed):
    rng = np.random.default_rng(seed)
    n, n_muni, n_types = 300, 4, 3
    alive = rng.random(n) < 0.9
    muni = np.where(alive, rng.integers(0, n_muni, n), -1).astype(np.int16)
    kind = rng.integers(0, n_types, n).astype(np.int8)
    occupant = np.where(rng.random(n) < 0.7, rng.integers(0, 50, n), -1).astype(np.int32)
    stock, vacant = dwelling_counts(alive, muni, kind, occupant, n_muni, n_types)
    cell = muni.astype(np.int64) * n_types + kind
    size = n_muni * n_types
    expected_stock = np.bincount(cell[alive], minlength=size).reshape(n_muni, n_types)
    expected_vacant = np.bincount(cell[alive & (occupant < 0)], minlength=size)
    np.testing.assert_array_equal(stock, expected_stock)
    np.testing.assert_array_equal(vacant, expected_vacant.reshape(n_muni, n_types))

    pending = rng.random(n) < 0.2
    counts = resident_household_counts(alive, pending, muni, n_muni)
    np.testing.assert_array_equal(counts, np.bincount(muni[alive & ~pending], minlength=n_muni))


@pytest.mark.parametrize("seed", range(3))
def test_activity_passes_agree_with_numpy(seed):
    args = census_inputs(seed, 700)
    alive, household, activity = args["alive"], args["household"], args["activity"]
    muni = resident_municipality(alive, household, args["household_muni"], args["pending"])

    ids, munis = residents_in_activity(
        alive, household, args["household_muni"], args["pending"], activity, UNEMPLOYED
    )
    expected = np.flatnonzero((muni >= 0) & (activity == UNEMPLOYED))
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_array_equal(munis, muni[expected])
    assert ids.size > 0

    housed = alive & (household >= 0)  # the kernel's callers have no person without a household
    flags = households_with_activity(housed, household, activity, UNEMPLOYED, 80)
    with_code = housed & (activity == UNEMPLOYED)
    np.testing.assert_array_equal(flags, np.bincount(household[with_code], minlength=80) > 0)

    role = (np.arange(700) % 3 == 0).astype(np.int8)
    age = args["age"]
    got = leaving_home_candidates(alive, role, age, activity, 1, 1, 18)
    expected = np.flatnonzero(alive & (role == 1) & (age >= 18) & (activity != 1))
    np.testing.assert_array_equal(got, expected)
