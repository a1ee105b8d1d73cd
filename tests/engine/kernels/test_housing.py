"""Tests for sim.engine.kernels.housing: dwelling choice against a plain Python reference."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engine.kernels.housing import _terms, choose_dwellings, who_moves

ARGS = (
    "mover_dwelling",
    "mover_muni",
    "mover_restricted",
    "mover_work_node",
    "mover_income",
    "mover_size",
    "mover_children",
    "dwelling_muni",
    "dwelling_type",
    "dwelling_rooms",
    "dwelling_cost",
    "dwelling_vacant",
    "attractiveness",
    "travel",
    "search_decay",
    "weights",
    "own_share",
    "moving_cost",
    "max_cost_share",
    "reservation",
    "uniforms",
)

# --------------------------------------------------------------------------------------------
# Reference implementation
# --------------------------------------------------------------------------------------------


def ref_utility(mk, i, d):
    """Deterministic utility of dwelling d for mover i (same formula and order of operations)."""
    price_w, commute_w, attract_w, size_w, detached_bonus = mk["weights"]
    m = mk["dwelling_muni"][d]
    work = mk["mover_work_node"][i]
    u = -price_w * mk["dwelling_cost"][d] / max(mk["mover_income"][i], 50.0)
    if work >= 0:
        u -= commute_w * mk["travel"][work, m]
    u += attract_w * mk["attractiveness"][m]
    u -= size_w * abs(int(mk["dwelling_rooms"][d]) - (int(mk["mover_size"][i]) + 1))
    if mk["mover_children"][i] and mk["dwelling_type"][d] == 0:
        u += detached_bonus
    return u


def gumbel(x):
    """Standard Gumbel noise from a uniform draw, as the kernel computes it."""
    return -math.log(-math.log(x + 1e-300))


def ref_choose_dwellings(mk):
    """Movers in turn sample candidates from per-municipality vacant lists and take the best.

    The lists start with the vacant dwellings in index order; a taken dwelling is swap-removed
    (the last entry moves into its place) and a vacated one is appended, exactly as in the kernel,
    so that ``uniforms[i, k, 2]`` selects the same dwelling. Mutates ``mk["dwelling_vacant"]``.
    """
    u = mk["uniforms"]
    vacant = mk["dwelling_vacant"]
    dmuni = mk["dwelling_muni"]
    n_muni = mk["search_decay"].shape[1]
    k_max = u.shape[1] - 1
    lists = [[] for _ in range(n_muni)]
    for d in np.flatnonzero(vacant):
        lists[dmuni[d]].append(int(d))
    chosen = np.full(mk["mover_dwelling"].shape[0], -1, dtype=np.int64)
    for i in range(chosen.shape[0]):
        home = mk["mover_muni"][i]
        work = mk["mover_work_node"][i]
        anchor = work if work >= 0 else home
        income = max(mk["mover_income"][i], 50.0)
        counts = np.array([len(lst) for lst in lists], dtype=np.int64)
        cum = np.cumsum(counts * mk["search_decay"][anchor])
        total = cum[-1]
        best, best_u = -1, -np.inf
        for k in range(k_max):
            if mk["mover_restricted"][i] or u[i, k, 0] < mk["own_share"]:
                m = home
            elif total <= 0.0:
                continue
            else:
                m = min(int(np.searchsorted(cum, u[i, k, 1] * total, side="right")), n_muni - 1)
            lst = lists[m]
            if not lst:
                continue
            d = lst[min(int(u[i, k, 2] * len(lst)), len(lst) - 1)]
            if mk["dwelling_cost"][d] > mk["max_cost_share"] * income:
                continue
            util = ref_utility(mk, i, d) + gumbel(u[i, k, 3])
            if util > best_u:
                best, best_u = d, util
        if best < 0:
            continue
        old = mk["mover_dwelling"][i]
        if old >= 0:
            stay = ref_utility(mk, i, old) + gumbel(u[i, k_max, 3])
            if best_u < stay + mk["moving_cost"]:
                continue
        elif best_u < mk["reservation"]:
            continue
        lst = lists[dmuni[best]]
        pos = lst.index(best)
        lst[pos] = lst[-1]
        lst.pop()
        vacant[best] = False
        chosen[i] = best
        if old >= 0:
            lists[dmuni[old]].append(int(old))
            vacant[old] = True
    return chosen


# --------------------------------------------------------------------------------------------
# Instances and helpers
# --------------------------------------------------------------------------------------------


def make_market(
    seed,
    n_muni=4,
    n_ext=2,
    n_dwellings=40,
    n_movers=15,
    k=4,
    vacant_share=0.35,
    own_share=0.5,
    moving_cost=0.5,
    max_cost_share=0.4,
    reservation=-1e9,
):
    """A random market with the dtypes the housing submodel passes."""
    rng = np.random.default_rng(seed)
    n_nodes = n_muni + n_ext
    xy = rng.uniform(0.0, 60.0, (n_nodes, 2))
    travel = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    dwelling_muni = rng.integers(0, n_muni, n_dwellings).astype(np.int64)
    rooms = rng.integers(1, 7, n_dwellings).astype(np.int64)
    vacant = rng.random(n_dwellings) < vacant_share
    occupied = np.flatnonzero(~vacant)
    n_housed = min(2 * n_movers // 3, occupied.size)
    mover_dwelling = np.full(n_movers, -1, dtype=np.int64)
    mover_dwelling[:n_housed] = rng.choice(occupied, n_housed, replace=False)
    rng.shuffle(mover_dwelling)
    queued = mover_dwelling < 0
    mover_muni = rng.integers(0, n_muni, n_movers).astype(np.int64)
    mover_muni[~queued] = dwelling_muni[mover_dwelling[~queued]]
    return dict(
        mover_dwelling=mover_dwelling,
        mover_muni=mover_muni,
        mover_restricted=queued & (rng.random(n_movers) < 0.5),
        mover_work_node=rng.integers(-1, n_nodes, n_movers).astype(np.int64),
        mover_income=rng.uniform(20.0, 700.0, n_movers),
        mover_size=rng.integers(1, 6, n_movers).astype(np.int64),
        mover_children=rng.random(n_movers) < 0.4,
        dwelling_muni=dwelling_muni,
        dwelling_type=rng.integers(0, 3, n_dwellings).astype(np.int64),
        dwelling_rooms=rooms,
        dwelling_cost=rooms * rng.uniform(10.0, 30.0, n_dwellings),
        dwelling_vacant=vacant,
        attractiveness=rng.normal(0.0, 1.0, n_muni),
        travel=travel,
        search_decay=np.exp(-0.05 * travel[:, :n_muni]),
        weights=np.array([1.0, 0.02, 0.5, 0.3, 0.8]),
        own_share=own_share,
        moving_cost=moving_cost,
        max_cost_share=max_cost_share,
        reservation=reservation,
        uniforms=rng.random((n_movers, k + 1, 4)),
    )


def copy_market(mk):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in mk.items()}


def run_kernel(mk):
    """Run the kernel on a copy; return (chosen, vacancy after)."""
    mk = copy_market(mk)
    chosen = choose_dwellings(*(mk[k] for k in ARGS))
    return chosen, mk["dwelling_vacant"]


def run_reference(mk):
    mk = copy_market(mk)
    chosen = ref_choose_dwellings(mk)
    return chosen, mk["dwelling_vacant"]


def check_valid(mk, chosen, vacant_after):
    """Sequential validity: each mover takes a dwelling vacant at its turn; vacancy bookkeeping."""
    vacant = mk["dwelling_vacant"].copy()
    for i, d in enumerate(chosen):
        if d < 0:
            continue
        assert vacant[d], f"mover {i} took dwelling {d}, which was not vacant at its turn"
        vacant[d] = False
        old = mk["mover_dwelling"][i]
        if old >= 0:
            vacant[old] = True
    np.testing.assert_array_equal(vacant_after, vacant)
    taken = chosen[chosen >= 0]
    assert np.unique(taken).size == taken.size, "a dwelling was given to two movers"
    income = np.maximum(mk["mover_income"], 50.0)
    moved = chosen >= 0
    assert np.all(mk["dwelling_cost"][taken] <= mk["max_cost_share"] * income[moved])
    restricted = moved & mk["mover_restricted"]
    np.testing.assert_array_equal(
        mk["dwelling_muni"][chosen[restricted]], mk["mover_muni"][restricted]
    )


# --------------------------------------------------------------------------------------------
# Agreement with the reference
# --------------------------------------------------------------------------------------------


def test_utility_matches_reference():
    mk = make_market(0)
    for i in range(mk["mover_dwelling"].shape[0]):
        for d in range(mk["dwelling_muni"].shape[0]):
            got = _terms(
                mk["dwelling_cost"][d],
                mk["dwelling_rooms"][d],
                mk["dwelling_type"][d],
                mk["dwelling_muni"][d],
                mk["mover_income"][i],
                mk["mover_size"][i],
                mk["mover_children"][i],
                mk["mover_work_node"][i],
                mk["attractiveness"],
                mk["travel"],
                mk["weights"],
            )
            assert got == pytest.approx(ref_utility(mk, i, d), rel=1e-12, abs=1e-12)


def test_utility_terms():
    # A dwelling in municipality 1: 3 rooms, detached (type 0), cost 100; income 40 is floored
    # at 50.
    weights = np.array([2.0, 0.1, 0.5, 0.3, 0.7])
    attractiveness = np.array([0.0, 4.0])
    travel = np.array([[0.0, 20.0], [20.0, 0.0]])
    dwelling = (100.0, 3, 0, 1)  # cost, rooms, type, municipality

    def utility(size, children, work_node):
        return _terms(*dwelling, 40.0, size, children, work_node, attractiveness, travel, weights)

    base = -2.0 * 100.0 / 50.0 + 0.5 * 4.0
    # Size 2 wants 3 rooms; not working; no children.
    assert utility(2, False, -1) == pytest.approx(base)
    assert utility(2, True, -1) == pytest.approx(base + 0.7)
    assert utility(4, False, 0) == pytest.approx(base - 0.1 * 20.0 - 0.3 * 2)


PARAMS = [
    dict(own_share=0.5, moving_cost=0.5, max_cost_share=0.4),
    dict(own_share=0.0, moving_cost=0.0, max_cost_share=1.0),
    dict(own_share=1.0, moving_cost=2.0, max_cost_share=0.25),
    dict(own_share=0.2, moving_cost=-5.0, max_cost_share=0.6, vacant_share=0.15, n_movers=25),
    dict(own_share=0.5, moving_cost=0.5, max_cost_share=0.6, reservation=0.0),
]


@pytest.mark.parametrize("params", PARAMS, ids=range(len(PARAMS)))
@pytest.mark.parametrize("seed", range(6))
def test_choose_dwellings_matches_reference(seed, params):
    mk = make_market(seed, **params)
    chosen, vacant_after = run_kernel(mk)
    ref_chosen, ref_vacant_after = run_reference(mk)
    np.testing.assert_array_equal(chosen, ref_chosen)
    np.testing.assert_array_equal(vacant_after, ref_vacant_after)
    check_valid(mk, chosen, vacant_after)


def test_reference_agreement_is_not_vacuous():
    # Across the random instances, people do move, including into dwellings vacated earlier.
    moved = chained = 0
    for seed in range(6):
        mk = make_market(seed, **PARAMS[3])
        chosen, _ = run_kernel(mk)
        moved += int(np.sum(chosen >= 0))
        was_vacant = mk["dwelling_vacant"]
        chained += int(np.sum((chosen >= 0) & ~was_vacant[np.maximum(chosen, 0)]))
    assert moved > 20
    assert chained > 0


def test_choose_dwellings_edge_cases():
    # No movers.
    mk = make_market(1, n_movers=0)
    chosen, vacant_after = run_kernel(mk)
    assert chosen.shape == (0,)
    np.testing.assert_array_equal(vacant_after, mk["dwelling_vacant"])

    # No vacant dwellings: nobody can move.
    mk = make_market(2)
    mk["dwelling_vacant"][:] = False
    chosen, vacant_after = run_kernel(mk)
    assert np.all(chosen == -1) and not vacant_after.any()

    # No dwellings at all.
    mk = make_market(3, n_dwellings=0)
    chosen, _ = run_kernel(mk)
    assert np.all(chosen == -1)

    # Only candidate draws of 0 and of just under 1: still valid, and the same as the reference.
    mk = make_market(4, **PARAMS[3])
    mk["uniforms"][:, :, :3] = np.where(mk["uniforms"][:, :, :3] < 0.5, 0.0, 1.0 - 1e-16)
    chosen, vacant_after = run_kernel(mk)
    ref_chosen, ref_vacant_after = run_reference(mk)
    np.testing.assert_array_equal(chosen, ref_chosen)
    np.testing.assert_array_equal(vacant_after, ref_vacant_after)
    check_valid(mk, chosen, vacant_after)

    # A vacant dwelling without a municipality (inconsistent input) is never offered.
    mk = make_market(5)
    lost = np.flatnonzero(mk["dwelling_vacant"])[0]
    mk["dwelling_muni"][lost] = -1
    chosen, vacant_after = run_kernel(mk)
    assert lost not in chosen and vacant_after[lost]


def chain_market(**overrides):
    """Two municipalities, one dwelling each: dwelling 0 (muni 0) occupied by mover 0, dwelling
    1 (muni 1) vacant; mover 1 is an in-migrant restricted to municipality 0."""
    mk = dict(
        mover_dwelling=np.array([0, -1], np.int64),
        mover_muni=np.array([0, 0], np.int64),
        mover_restricted=np.array([False, True]),
        mover_work_node=np.array([-1, -1], np.int64),
        mover_income=np.array([300.0, 300.0]),
        mover_size=np.array([2, 2], np.int64),
        mover_children=np.array([False, False]),
        dwelling_muni=np.array([0, 1], np.int64),
        dwelling_type=np.array([1, 1], np.int64),
        dwelling_rooms=np.array([3, 3], np.int64),
        dwelling_cost=np.array([60.0, 60.0]),
        dwelling_vacant=np.array([False, True]),
        attractiveness=np.zeros(2),
        travel=np.array([[0.0, 30.0], [30.0, 0.0]]),
        search_decay=np.ones((2, 2)),
        weights=np.array([1.0, 0.02, 0.5, 0.3, 0.8]),
        own_share=0.0,
        moving_cost=-1e9,  # always move when there is a candidate
        max_cost_share=0.4,
        reservation=-1e9,
        uniforms=np.full((2, 3, 4), 0.5),
    )
    mk.update(overrides)
    return mk


def test_vacated_dwelling_is_available_to_later_movers():
    mk = chain_market()
    chosen, vacant_after = run_kernel(mk)
    np.testing.assert_array_equal(chosen, [1, 0])
    np.testing.assert_array_equal(vacant_after, [False, False])
    np.testing.assert_array_equal(chosen, run_reference(mk)[0])


def test_mover_with_huge_moving_cost_stays():
    mk = chain_market(moving_cost=1e12)
    chosen, vacant_after = run_kernel(mk)
    # Mover 0 stays, so its dwelling is never freed and the restricted in-migrant finds nothing.
    np.testing.assert_array_equal(chosen, [-1, -1])
    np.testing.assert_array_equal(vacant_after, [False, True])

    queued_moved = 0
    for seed in range(6):
        mk = make_market(seed, moving_cost=1e12, own_share=0.3, max_cost_share=1.0)
        chosen, vacant_after = run_kernel(mk)
        housed = mk["mover_dwelling"] >= 0
        assert np.all(chosen[housed] == -1)
        assert not vacant_after[mk["mover_dwelling"][housed]].any()
        queued_moved += int(np.sum(chosen[~housed] >= 0))
        check_valid(mk, chosen, vacant_after)
    assert queued_moved > 0  # the queue is unaffected by the moving cost


@pytest.mark.parametrize("seed", range(4))
def test_restricted_movers_stay_in_their_municipality(seed):
    mk = make_market(seed, own_share=0.0, vacant_share=0.5)
    mk["mover_restricted"][:] = True
    chosen, vacant_after = run_kernel(mk)
    moved = chosen >= 0
    assert moved.sum() >= 3
    np.testing.assert_array_equal(mk["dwelling_muni"][chosen[moved]], mk["mover_muni"][moved])
    check_valid(mk, chosen, vacant_after)


@pytest.mark.parametrize("seed", range(4))
def test_max_cost_share_is_respected(seed):
    mk = make_market(seed, max_cost_share=0.15, vacant_share=0.6, moving_cost=-1e9)
    mk["mover_income"][::3] = 10.0  # floored at 50 kSEK
    chosen, vacant_after = run_kernel(mk)
    moved = chosen >= 0
    assert moved.sum() >= 3
    limit = 0.15 * np.maximum(mk["mover_income"], 50.0)
    assert np.all(mk["dwelling_cost"][chosen[moved]] <= limit[moved])
    check_valid(mk, chosen, vacant_after)

    # When every vacant dwelling is too expensive, nobody moves.
    mk["max_cost_share"] = 1e-6
    chosen, vacant_after = run_kernel(mk)
    assert np.all(chosen == -1)
    np.testing.assert_array_equal(vacant_after, mk["dwelling_vacant"])


def test_own_share_one_keeps_everyone_in_their_municipality():
    for seed in range(4):
        mk = make_market(seed, own_share=1.0, moving_cost=-1e9, vacant_share=0.5)
        chosen, _ = run_kernel(mk)
        moved = chosen >= 0
        assert moved.any()
        np.testing.assert_array_equal(mk["dwelling_muni"][chosen[moved]], mk["mover_muni"][moved])


def test_search_is_anchored_at_the_workplace():
    # Search decay from home (muni 0) reaches only muni 1; from the workplace (external node 4)
    # only muni 3. Working movers must end up in muni 3, the others in muni 1.
    mk = make_market(5, own_share=0.0, moving_cost=-1e9, vacant_share=0.6, max_cost_share=1.0)
    n = mk["mover_dwelling"].shape[0]
    mk["mover_dwelling"][:] = -1
    mk["mover_restricted"][:] = False
    mk["mover_muni"][:] = 0
    mk["mover_work_node"] = np.where(np.arange(n) % 2 == 0, 4, -1).astype(np.int64)
    decay = np.zeros_like(mk["search_decay"])
    decay[0, 1] = 1.0
    decay[4, 3] = 1.0
    mk["search_decay"] = decay
    chosen, vacant_after = run_kernel(mk)
    moved = chosen >= 0
    assert moved.sum() >= 4
    expected = np.where(mk["mover_work_node"] == 4, 3, 1)
    np.testing.assert_array_equal(mk["dwelling_muni"][chosen[moved]], expected[moved])
    np.testing.assert_array_equal(chosen, run_reference(mk)[0])


def test_households_without_dwelling_respect_the_reservation_utility():
    mk = make_market(3, moving_cost=0.0, max_cost_share=1.0, vacant_share=0.6)
    mk["mover_dwelling"][:] = -1
    mk["reservation"] = 1e9
    chosen = choose_dwellings(*[copy_market(mk)[key] for key in ARGS])
    assert (chosen == -1).all()
    mk["reservation"] = -1e9
    chosen = choose_dwellings(*[copy_market(mk)[key] for key in ARGS])
    assert (chosen >= 0).any()


@pytest.mark.parametrize("seed", range(3))
def test_draws_from_a_generator_are_the_draws_of_the_uniforms_array(seed):
    """With ``rng`` the kernel takes each mover's draws in turn, the numbers (and the generator
    state after) that ``rng.random((n_movers, K + 1, 4))`` would give."""
    mk = make_market(seed)
    n_movers, k1, _ = mk["uniforms"].shape
    given = copy_market(mk)
    given["uniforms"] = np.random.default_rng(99).random((n_movers, k1, 4))
    from_array = choose_dwellings(*(given[k] for k in ARGS))
    drawn = copy_market(mk)
    drawn["uniforms"] = np.empty((0, k1, 4))
    rng = np.random.default_rng(99)
    from_rng = choose_dwellings(*(drawn[k] for k in ARGS), rng)
    np.testing.assert_array_equal(from_rng, from_array)
    np.testing.assert_array_equal(drawn["dwelling_vacant"], given["dwelling_vacant"])
    reference = np.random.default_rng(99)
    reference.random((n_movers, k1, 4))
    assert rng.random() == reference.random()


@pytest.mark.parametrize("seed", range(3))
def test_who_moves_matches_the_household_passes_it_replaces(seed):
    rng = np.random.default_rng(seed)
    nh, nd, n_nodes = 500, 400, 8
    alive = rng.random(nh) < 0.9
    dwelling = np.where(rng.random(nh) < 0.8, rng.integers(0, nd, nh), -1).astype(np.int32)
    municipality = rng.integers(0, 5, nh).astype(np.int16)
    sizes = rng.integers(1, 7, nh).astype(np.int32)
    main_work = rng.integers(-1, n_nodes, nh)
    rooms = rng.integers(1, 6, nd).astype(np.int8)
    travel = rng.uniform(5, 90, (n_nodes, n_nodes))
    u = rng.random(nh)
    rates = (0.06, 0.3, 45.0, 0.2)  # made-up base, crowding, limit (minutes), commuting rate
    got = who_moves(alive, dwelling, municipality, sizes, main_work, rooms, travel, u, *rates)
    housed = alive & (dwelling >= 0)
    room = np.where(housed, rooms[np.maximum(dwelling, 0)], 0)
    commute = np.where(main_work >= 0, travel[municipality, np.maximum(main_work, 0)], 0.0)
    rate = np.full(nh, rates[0])
    rate = np.where(sizes > room + 1, np.maximum(rate, rates[1]), rate)
    rate = np.where(commute > rates[2], np.maximum(rate, rates[3]), rate)
    expected = np.flatnonzero((housed & (u < rate)) | (alive & ~housed))
    np.testing.assert_array_equal(got, expected)
