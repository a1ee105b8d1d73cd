"""Tests for sim.engine.kernels.labour: job matching and lay-offs against plain numpy references."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.engine.kernels.labour import (
    activity_transitions,
    external_jobs_held,
    incomes,
    lay_off,
    match_jobs,
    workers_of,
)

# --------------------------------------------------------------------------------------------
# Reference implementations (plain numpy / Python, consuming the same draws as the kernels).
# --------------------------------------------------------------------------------------------


def ref_match_jobs(
    seeker_node,
    firm_node,
    firm_vacancies,
    decay,
    external_openings,
    reservation,
    efficiency,
    u,
    rng,
):
    """Sequential gravity matching drawing destinations as the kernel does: from each origin's
    running sums as last built, drawn again from ``rng`` when the draw falls beyond the
    destination's weight now, the sums rebuilt after ``n_nodes // 8 + 4`` such redraws;
    mutates firm_vacancies and external_openings like the kernel."""
    n_nodes = decay.shape[0]
    n_muni = n_nodes - external_openings.shape[0]
    muni_vac = np.bincount(firm_node, weights=firm_vacancies, minlength=n_muni).astype(float)
    firm_out = np.full(seeker_node.shape[0], -1, dtype=np.int64)
    node_out = np.full(seeker_node.shape[0], -1, dtype=np.int64)
    sums, rejections = {}, {}
    for i, o in enumerate(seeker_node):
        if not u[i, 0] < efficiency:
            continue
        draw, d = u[i, 1], -1
        while True:
            if o not in sums or rejections[o] >= n_nodes // 8 + 4:
                w = np.concatenate(
                    [muni_vac * decay[o, :n_muni], external_openings * decay[o, n_muni:]]
                )
                sums[o], rejections[o] = np.cumsum(w), 0
            cum = sums[o]
            total = cum[-1]
            if total <= 0.0:
                break
            target = draw * (total + reservation)
            if target >= total:  # declined every offer
                break
            d = int(np.searchsorted(cum, target, side="right"))
            below = cum[d - 1] if d > 0 else 0.0
            now = muni_vac[d] if d < n_muni else external_openings[d - n_muni]
            if target - below < now * decay[o, d]:
                break
            d = -1
            rejections[o] += 1
            draw = rng.random()
        if d < 0:
            continue
        node_out[i] = d
        if d >= n_muni:
            e = d - n_muni
            external_openings[e] = max(external_openings[e] - 1.0, 0.0)
            continue
        firms = np.flatnonzero((firm_node == d) & (firm_vacancies > 0))
        cs = np.cumsum(firm_vacancies[firms])
        j = min(int(np.searchsorted(cs, u[i, 2] * muni_vac[d], side="right")), firms.size - 1)
        f = firms[j]
        firm_vacancies[f] -= 1
        muni_vac[d] -= 1.0
        firm_out[i] = f
    return firm_out, node_out


def scan_match_jobs(
    seeker_node, firm_node, firm_vacancies, decay, external_openings, reservation, rng
):
    """The gravity rule by its definition, every seeker searching: the weights of every
    destination now, summed in full for each seeker. Returns each seeker's workplace node."""
    n_nodes = decay.shape[0]
    n_muni = n_nodes - external_openings.shape[0]
    vac = np.bincount(firm_node, weights=firm_vacancies, minlength=n_muni).astype(float)
    ext = external_openings.astype(float).copy()
    node_out = np.full(seeker_node.shape[0], -1, dtype=np.int64)
    for i, o in enumerate(seeker_node):
        w = np.concatenate([vac * decay[o, :n_muni], ext * decay[o, n_muni:]])
        p = np.append(w, reservation) / (w.sum() + reservation)
        d = int(rng.choice(n_nodes + 1, p=p))
        if d == n_nodes:
            continue
        node_out[i] = d
        if d < n_muni:
            vac[d] -= 1.0
        else:
            ext[d - n_muni] = max(ext[d - n_muni] - 1.0, 0.0)
    return node_out


def ref_lay_off(worker_firm, excess):
    """Vectorised: a worker is laid off when its rank among its firm's workers is < excess."""
    n_firms = excess.shape[0]
    order = np.argsort(worker_firm, kind="stable")
    sorted_firm = worker_firm[order]
    first_of_firm = np.searchsorted(sorted_firm, np.arange(n_firms))
    rank = np.empty(worker_firm.shape[0], dtype=np.int64)
    rank[order] = np.arange(worker_firm.shape[0]) - first_of_firm[sorted_firm]
    laid_off = rank < excess[worker_firm]
    workers = np.bincount(worker_firm, minlength=n_firms)
    remaining = excess - np.minimum(np.maximum(excess, 0), workers)
    return laid_off, remaining


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------


def make_market(seed, n_muni=4, n_ext=2, n_firms=10, n_seekers=25, max_vac=4):
    rng = np.random.default_rng(seed)
    n_nodes = n_muni + n_ext
    xy = rng.uniform(0.0, 60.0, (n_nodes, 2))
    minutes = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    decay = np.exp(-0.04 * minutes)
    return dict(
        seeker_node=rng.integers(0, n_muni, n_seekers).astype(np.int64),
        firm_node=rng.integers(0, n_muni, n_firms).astype(np.int64),
        firm_vacancies=rng.integers(0, max_vac + 1, n_firms).astype(np.int64),
        decay=decay,
        external_openings=np.round(rng.uniform(0.0, 3.0, n_ext) * 2) / 2,  # halves, maybe 0
        reservation=float(rng.uniform(0.0, 3.0)),
        efficiency=float(rng.uniform(0.5, 1.0)),
        uniforms=rng.random((n_seekers, 3)),
        rng=np.random.default_rng(1000 + seed),  # the destination's redraws
    )


ARGS = (
    "seeker_node",
    "firm_node",
    "firm_vacancies",
    "decay",
    "external_openings",
    "reservation",
    "efficiency",
    "uniforms",
    "rng",
)


def run_both(market):
    """Run kernel and reference on separate copies; return both results and mutated arrays."""
    results = []
    for fn in (match_jobs, ref_match_jobs):
        m = {k: copy.deepcopy(v) for k, v in market.items()}
        firm, node = fn(*(m[k] for k in ARGS))
        results.append((firm, node, m["firm_vacancies"], m["external_openings"]))
    return results


def check_consistent(market, firm, node, vac_after, ext_after):
    """Invariants every matching must satisfy, whatever the draws."""
    n_ext = market["external_openings"].shape[0]
    n_muni = market["decay"].shape[0] - n_ext
    vac0, ext0 = market["firm_vacancies"], market["external_openings"]
    # A firm is taken only with a municipal workplace node, which is the firm's own municipality.
    assert np.all((firm >= 0) == ((node >= 0) & (node < n_muni)))
    assert np.array_equal(market["firm_node"][firm[firm >= 0]], node[firm >= 0])
    # No firm filled beyond its vacancies, and vacancies decremented by the hires.
    hires = np.bincount(firm[firm >= 0], minlength=vac0.shape[0])
    assert np.all(hires <= np.maximum(vac0, 0))
    assert np.array_equal(vac_after, vac0 - hires)
    # External openings decremented by one per taker (never below zero), never over-used.
    takers = np.bincount(node[node >= n_muni] - n_muni, minlength=n_ext)
    assert np.all(takers <= np.ceil(ext0))
    assert np.array_equal(ext_after, np.maximum(ext0 - takers, 0.0))


# --------------------------------------------------------------------------------------------
# match_jobs: agreement with the reference
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_match_jobs_matches_reference(seed):
    market = make_market(seed)
    (kf, kn, kv, ke), (rf, rn, rv, re) = run_both(market)
    np.testing.assert_array_equal(kf, rf)
    np.testing.assert_array_equal(kn, rn)
    np.testing.assert_array_equal(kv, rv)
    np.testing.assert_array_equal(ke, re)
    check_consistent(market, kf, kn, kv, ke)


@pytest.mark.parametrize("seed", range(4))
def test_a_firm_with_negative_vacancies_weighs_as_one_with_none(seed):
    # Over-filled firms (made up): their municipality's weight is that of the firms with room.
    market = make_market(seed)
    market["firm_vacancies"][::3] = -2
    clamped = dict(market, firm_vacancies=np.maximum(market["firm_vacancies"], 0))
    got, expected = run_both(market)[0], run_both(clamped)[0]
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("seed", range(6))
def test_match_jobs_matches_reference_when_vacancies_run_out(seed):
    # Many eager seekers, few vacancies and no reservation: vacancies and openings get exhausted.
    market = make_market(100 + seed, n_firms=6, n_seekers=40, max_vac=2)
    market.update(efficiency=1.0, reservation=0.0)
    (kf, kn, kv, ke), (rf, rn, rv, re) = run_both(market)
    np.testing.assert_array_equal(kf, rf)
    np.testing.assert_array_equal(kn, rn)
    np.testing.assert_array_equal(kv, rv)
    np.testing.assert_array_equal(ke, re)
    check_consistent(market, kf, kn, kv, ke)
    assert kv.sum() == 0 and ke.sum() == 0  # everything was taken


def test_destinations_whose_vacancies_ran_out_are_drawn_again():
    # Eager seekers exhaust the vacancies: the kernel's rejected draws took numbers from rng.
    market = make_market(104, n_firms=6, n_seekers=40, max_vac=2)
    market.update(efficiency=1.0, reservation=0.0)
    fresh = copy.deepcopy(market["rng"])
    match_jobs(*(market[k] for k in ARGS))
    assert market["rng"].random() != fresh.random()


def match_eagerly(seekers, firm_node, firm_vac, decay, external_openings, reservation, draws):
    """Every seeker searches (efficiency 1) on copies of the vacancies; each seeker's workplace
    node, with the draws and redraws from ``draws``."""
    _, node = match_jobs(
        seekers,
        firm_node,
        firm_vac.copy(),
        decay,
        external_openings.copy(),
        reservation,
        1.0,
        draws.random((seekers.size, 3)),
        draws,
    )
    return node


def test_destinations_follow_the_gravity_rule_as_vacancies_run_out():
    # Made-up market of 3 municipalities and 1 external market with 7 vacancies and 1.5
    # openings for 8 seekers: over 6,000 replications each seeker's workplace has the
    # distribution of the rule's definition (every weight summed now), late seekers included.
    decay = np.exp(
        -0.05 * np.array([[0, 20, 40, 30], [20, 0, 25, 50], [40, 25, 0, 35], [30, 50, 35, 0]])
    )
    firm_node = np.array([0, 0, 1, 2], np.int64)
    firm_vac = np.array([2, 1, 3, 1], np.int64)
    seekers = np.array([0, 1, 2, 0, 1, 2, 0, 0], np.int64)
    reps, n_nodes = 6000, decay.shape[0]
    got = np.zeros((seekers.size, n_nodes + 1))
    want = np.zeros((seekers.size, n_nodes + 1))
    draws = np.random.default_rng(2024)
    for _ in range(reps):
        node = match_eagerly(seekers, firm_node, firm_vac, decay, np.array([1.5]), 0.5, draws)
        got[np.arange(seekers.size), node] += 1  # -1 (none) counts in the last column
        node = scan_match_jobs(seekers, firm_node, firm_vac, decay, np.array([1.5]), 0.5, draws)
        want[np.arange(seekers.size), node] += 1
    np.testing.assert_allclose(got / reps, want / reps, atol=0.035)  # a wrong rule: 0.05


def exact_workplace_law(seeker_node, muni_vac, decay, external_openings, reservation):
    """Probability of every sequence of the seekers' workplace nodes (-1: none), every seeker
    searching, by the gravity rule's definition (each seeker weighs every destination now)."""
    n_muni = muni_vac.size
    law = {}

    def visit(i, vac, ext, outcome, p):
        if i == seeker_node.size:
            law[outcome] = law.get(outcome, 0.0) + p
            return
        o = seeker_node[i]
        w = np.concatenate([vac * decay[o, :n_muni], ext * decay[o, n_muni:]])
        if w.sum() <= 0.0:
            visit(i + 1, vac, ext, (*outcome, -1), p)
            return
        z = w.sum() + reservation
        if reservation > 0.0:
            visit(i + 1, vac, ext, (*outcome, -1), p * reservation / z)
        for d in np.flatnonzero(w > 0.0):
            vac2, ext2 = vac.copy(), ext.copy()
            if d < n_muni:
                vac2[d] -= 1.0
            else:
                ext2[d - n_muni] = max(ext2[d - n_muni] - 1.0, 0.0)
            visit(i + 1, vac2, ext2, (*outcome, int(d)), p * w[d] / z)

    visit(0, muni_vac.astype(float), external_openings.astype(float), (), 1.0)
    return law


def test_the_sequence_of_workplaces_has_the_gravity_rules_exact_law():
    # Made-up market: 2 municipalities with 2 and 1 vacancies and half an external opening for
    # 4 eager seekers; 20,000 matchings against the enumerated law of whole sequences (chi-square).
    from scipy.stats import chisquare

    decay = np.exp(-0.05 * np.array([[0.0, 30.0, 45.0], [30.0, 0.0, 20.0], [45.0, 20.0, 0.0]]))
    seekers = np.array([0, 1, 0, 1], np.int64)
    firm_node, firm_vac, ext = np.array([0, 0, 1], np.int64), np.array([1, 1, 1], np.int64), 0.5
    law = exact_workplace_law(seekers, np.array([2.0, 1.0]), decay, np.array([ext]), 0.3)
    draws = np.random.default_rng(11)
    counts = dict.fromkeys(law, 0)
    reps = 20_000
    for _ in range(reps):
        node = match_eagerly(seekers, firm_node, firm_vac, decay, np.array([ext]), 0.3, draws)
        counts[tuple(int(d) for d in node)] += 1  # KeyError: a sequence the rule never gives
    outcomes = sorted(law)
    observed = np.array([counts[k] for k in outcomes])
    expected = reps * np.array([law[k] for k in outcomes])
    assert len(outcomes) > 20 and expected.sum() == pytest.approx(reps)
    assert chisquare(observed, expected).pvalue > 1e-4


def test_match_jobs_hand_made_edge_cases():
    decay = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.2], [0.2, 0.2, 1.0]])
    empty_u = np.zeros((0, 3))
    # No seekers at all.
    firm, node = match_jobs(
        np.zeros(0, np.int64),
        np.array([0, 1], np.int64),
        np.array([1, 1], np.int64),
        decay,
        np.array([1.0]),
        0.0,
        1.0,
        empty_u,
        np.random.default_rng(0),
    )
    assert firm.shape == (0,) and node.shape == (0,)

    # No firms: seekers can only take external openings; a half opening is taken once.
    market = dict(
        seeker_node=np.array([0, 1, 0, 1], np.int64),
        firm_node=np.zeros(0, np.int64),
        firm_vacancies=np.zeros(0, np.int64),
        decay=decay,
        external_openings=np.array([1.5]),
        reservation=0.0,
        efficiency=1.0,
        uniforms=np.full((4, 3), 0.3),
        rng=np.random.default_rng(0),
    )
    (kf, kn, kv, ke), ref = run_both(market)
    np.testing.assert_array_equal(kf, [-1, -1, -1, -1])
    np.testing.assert_array_equal(kn, [2, 2, -1, -1])
    np.testing.assert_array_equal(ke, [0.0])
    for a, b in zip((kf, kn, kv, ke), ref, strict=True):
        np.testing.assert_array_equal(a, b)

    # Draws of exactly 0 and just below 1 pick the first and the last firm with vacancies.
    market = dict(
        seeker_node=np.array([0, 0], np.int64),
        firm_node=np.array([0, 0, 0, 0], np.int64),
        firm_vacancies=np.array([0, 2, 0, 3], np.int64),
        decay=decay[:2, :2],
        external_openings=np.zeros(0),
        reservation=0.0,
        efficiency=1.0,
        uniforms=np.array([[0.0, 0.0, 0.0], [0.0, 0.0, np.nextafter(1.0, 0.0)]]),
        rng=np.random.default_rng(0),
    )
    (kf, kn, kv, ke), ref = run_both(market)
    np.testing.assert_array_equal(kf, [1, 3])
    np.testing.assert_array_equal(kn, [0, 0])
    np.testing.assert_array_equal(kv, [0, 1, 0, 2])
    for a, b in zip((kf, kn, kv, ke), ref, strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------------
# match_jobs: documented behaviour
# --------------------------------------------------------------------------------------------


def test_vacancies_are_used_up_in_seeker_order():
    # One municipality, 3 vacancies, 10 seekers who all search and never decline.
    seekers = np.zeros(10, np.int64)
    vac = np.array([2, 0, 1], np.int64)
    ext = np.zeros(0)
    rng = np.random.default_rng(1)
    firm, node = match_jobs(
        seekers,
        np.zeros(3, np.int64),
        vac,
        np.ones((1, 1)),
        ext,
        0.0,
        1.0,
        rng.random((10, 3)),
        rng,
    )
    np.testing.assert_array_equal(node, [0, 0, 0] + [-1] * 7)
    assert sorted(firm[:3]) == [0, 0, 2]
    np.testing.assert_array_equal(firm[3:], -1)
    np.testing.assert_array_equal(vac, [0, 0, 0])


@pytest.mark.parametrize("seed", range(3))
def test_efficiency_zero_matches_nobody(seed):
    market = make_market(seed)
    market["efficiency"] = 0.0
    vac0, ext0 = market["firm_vacancies"].copy(), market["external_openings"].copy()
    firm, node = match_jobs(*(market[k] for k in ARGS))
    assert np.all(firm == -1) and np.all(node == -1)
    np.testing.assert_array_equal(market["firm_vacancies"], vac0)
    np.testing.assert_array_equal(market["external_openings"], ext0)


@pytest.mark.parametrize("seed", range(3))
def test_huge_reservation_matches_nobody(seed):
    market = make_market(seed)
    market.update(efficiency=1.0, reservation=1e18)
    market["uniforms"][:, 1] = np.maximum(market["uniforms"][:, 1], 1e-6)
    vac0, ext0 = market["firm_vacancies"].copy(), market["external_openings"].copy()
    firm, node = match_jobs(*(market[k] for k in ARGS))
    assert np.all(firm == -1) and np.all(node == -1)
    np.testing.assert_array_equal(market["firm_vacancies"], vac0)
    np.testing.assert_array_equal(market["external_openings"], ext0)


def test_no_reservation_and_full_efficiency_match_everyone_while_jobs_remain():
    market = make_market(7, n_firms=30, n_seekers=20, max_vac=5)
    market.update(efficiency=1.0, reservation=0.0)
    assert market["firm_vacancies"].sum() >= 20
    firm, node = match_jobs(*(market[k] for k in ARGS))
    assert np.all(node >= 0)


def test_nearer_municipalities_get_more_matches():
    # Five municipalities on a line, 10 minutes apart, with identical (plentiful) vacancies.
    n_muni, n_seekers = 5, 20_000
    minutes = 10.0 * np.abs(np.subtract.outer(np.arange(n_muni), np.arange(n_muni)))
    decay = np.exp(-0.05 * minutes)
    firm_node = np.repeat(np.arange(n_muni), 3).astype(np.int64)
    rng = np.random.default_rng(42)
    for home in (0, n_muni - 1):
        vac = np.full(firm_node.size, 100_000, np.int64)
        seekers = np.full(n_seekers, home, np.int64)
        firm, node = match_jobs(
            seekers, firm_node, vac, decay, np.zeros(0), 1.0, 1.0, rng.random((n_seekers, 3)), rng
        )
        counts = np.bincount(node[node >= 0], minlength=n_muni)
        by_distance = counts[np.argsort(minutes[home], kind="stable")]
        assert np.all(np.diff(by_distance) < 0), by_distance
        # And roughly in proportion to the decay (gravity rule), within sampling noise.
        expected = n_seekers * decay[home] / (decay[home].sum() + 1.0 / 300_000)
        np.testing.assert_allclose(counts, expected, rtol=0.1)


def test_firm_choice_is_proportional_to_vacancies():
    # One municipality with firms of 1, 3 and 0 vacancies (times 1000 so they do not run out).
    vac = np.array([1000, 3000, 0], np.int64)
    rng = np.random.default_rng(3)
    firm, _ = match_jobs(
        np.zeros(2000, np.int64),
        np.zeros(3, np.int64),
        vac,
        np.ones((1, 1)),
        np.zeros(0),
        0.0,
        1.0,
        rng.random((2000, 3)),
        rng,
    )
    counts = np.bincount(firm, minlength=3)
    assert counts[2] == 0
    np.testing.assert_allclose(counts[:2] / 2000, [0.25, 0.75], atol=0.04)


# --------------------------------------------------------------------------------------------
# lay_off
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_lay_off_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n_firms = 6
    worker_firm = rng.integers(0, n_firms, 30).astype(np.int64)
    excess = rng.integers(-2, 8, n_firms).astype(np.int64)
    k_excess = excess.copy()
    laid = lay_off(worker_firm, k_excess)
    r_laid, r_excess = ref_lay_off(worker_firm, excess)
    np.testing.assert_array_equal(laid, r_laid)
    np.testing.assert_array_equal(k_excess, r_excess)


@pytest.mark.parametrize("seed", range(4))
def test_lay_off_removes_min_of_excess_and_workers_first_met(seed):
    rng = np.random.default_rng(seed)
    n_firms = 8
    worker_firm = rng.integers(0, n_firms, 50).astype(np.int64)
    excess = rng.integers(0, 10, n_firms).astype(np.int64)
    laid = lay_off(worker_firm, excess.copy())
    workers = np.bincount(worker_firm, minlength=n_firms)
    removed = np.bincount(worker_firm[laid], minlength=n_firms)
    np.testing.assert_array_equal(removed, np.minimum(excess, workers))
    for f in range(n_firms):
        mine = np.flatnonzero(worker_firm == f)
        np.testing.assert_array_equal(laid[mine], np.arange(mine.size) < excess[f])


@pytest.mark.parametrize("seed", range(4))
def test_workers_of_keeps_the_living_employed_of_the_wanted_firms_in_order(seed):
    # Made-up persons: alive or not, employed by one of 12 firms or by none (-1).
    rng = np.random.default_rng(seed)
    n = 500
    alive = rng.random(n) < 0.8
    firm = np.where(rng.random(n) < 0.6, rng.integers(0, 12, n), -1).astype(np.int32)
    wanted = rng.random(12) < 0.3
    expected = np.flatnonzero(alive & (firm >= 0) & wanted[np.maximum(firm, 0)])
    np.testing.assert_array_equal(workers_of(alive, firm, wanted), expected)
    assert workers_of(alive, firm, np.zeros(12, bool)).size == 0
    assert workers_of(alive[:0], firm[:0], wanted).size == 0


def test_lay_off_edge_cases():
    assert lay_off(np.zeros(0, np.int64), np.array([3], np.int64)).shape == (0,)
    excess = np.array([0, -1, 5], np.int64)
    laid = lay_off(np.array([0, 1, 2, 2, 0], np.int64), excess)
    np.testing.assert_array_equal(laid, [False, False, True, True, False])
    np.testing.assert_array_equal(excess, [0, -1, 3])


# --------------------------------------------------------------------------------------------
# activity_transitions and incomes: the whole-population numpy passes they replace
# --------------------------------------------------------------------------------------------
RATES = dict(
    upper_secondary_exit_share=0.6,
    student_exit_rate=0.3,
    retirement_rates=np.array([0.05, 0.3, 0.4, 0.5, 0.9]),
    separation_rate=0.1,
    outside_entry_rate=0.05,
    outside_exit_rate=0.2,
)  # made-up rates, chosen so that every transition happens in a few hundred persons


def ref_transitions(alive, age, act, education, firm, work_node, filled, u, v, w, r):
    """The numpy passes of the labour step before the kernel (same draws, same order)."""

    def release(ids):
        f = firm[ids]
        filled[:] -= np.bincount(f[f >= 0], minlength=filled.size)
        firm[ids] = -1
        work_node[ids] = -1

    act[alive & (act == 0) & (age >= 16)] = 1
    exit_rate = np.where(age == 19, r["upper_secondary_exit_share"], 0.0)
    exit_rate = np.where(age >= 20, r["student_exit_rate"], exit_rate)
    exit_rate = np.where(age >= 30, 1.0, exit_rate)
    leaving = alive & (act == 1) & (u < exit_rate)
    education[leaving] = np.where(age[leaving] >= 22, 2, 1)
    act[leaving] = 3
    working_age = alive & (act != 0) & (act != 1) & (act != 4)
    q = r["retirement_rates"]
    retire_rate = np.select(
        [age >= 70, age >= 67, age == 66, age == 65, age >= 61], [q[4], q[3], q[2], q[1], q[0]], 0
    )
    retiring = np.flatnonzero(working_age & (u < retire_rate) & ~leaving)
    release(retiring)
    act[retiring] = 4
    separating = np.flatnonzero(alive & (act == 2) & (v < r["separation_rate"]))
    release(separating)
    act[separating] = 3
    adult = (age >= 20) & (age <= 64)
    in_force = alive & ((act == 2) | (act == 3))
    to_outside = np.flatnonzero(in_force & adult & (w < r["outside_entry_rate"]))
    from_outside = np.flatnonzero(alive & (act == 5) & adult & (w < r["outside_exit_rate"]))
    release(to_outside)
    act[to_outside] = 5
    act[from_outside] = 3


@pytest.mark.parametrize("seed", range(4))
def test_activity_transitions_match_the_whole_population_passes(seed):
    rng = np.random.default_rng(seed)
    n, n_firms = 3000, 40
    alive = rng.random(n) < 0.95
    age = rng.integers(0, 90, n).astype(np.int16)
    act = rng.integers(0, 6, n).astype(np.int8)
    act[age < 16] = 0
    firm = np.where(act == 2, rng.integers(-1, n_firms, n), -1).astype(np.int32)
    work_node = np.where(act == 2, rng.integers(0, 5, n), -1).astype(np.int16)
    filled = np.bincount(firm[alive & (firm >= 0)], minlength=n_firms).astype(np.int32)
    education = rng.integers(0, 3, n).astype(np.int8)
    u, v, w = rng.random(n), rng.random(n), rng.random(n)
    state = [alive, age, act, education, firm, work_node, filled]
    expected = [x.copy() for x in state]
    ref_transitions(*expected, u, v, w, RATES)
    got = [x.copy() for x in state]
    activity_transitions(*got, u, v, w, *RATES.values())
    for name, a, b in zip(
        ("activity", "education", "firm", "work_node", "filled"), got[2:], expected[2:], strict=True
    ):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert (got[2] != act).sum() > 100  # the made-up rates moved many persons


def test_incomes_by_activity_wage_and_education():
    activity = np.array([0, 1, 2, 2, 3, 4, 5], dtype=np.int8)
    education = np.array([0, 0, 2, 1, 0, 0, 0], dtype=np.int8)
    firm = np.array([-1, -1, 1, -1, -1, -1, -1], dtype=np.int32)
    wage = np.array([300.0, 400.0], dtype=np.float32)
    factor = np.array([0.9, 1.0, 1.25], dtype=np.float32)
    income = np.full(7, -1.0, dtype=np.float32)
    incomes(activity, education, firm, wage, 350.0, factor, 150.0, 200.0, 100.0, 50.0, income)
    assert income.tolist() == [0.0, 100.0, 500.0, 350.0, 150.0, 200.0, 50.0]


def test_external_jobs_held_counts_the_living_in_each_external_market():
    rng = np.random.default_rng(3)
    alive = rng.random(500) < 0.9
    work_node = rng.integers(-1, 8, 500).astype(np.int16)  # made up: 5 municipalities, 3 markets
    held = external_jobs_held(alive, work_node, 5, 8)
    node = work_node[alive]
    np.testing.assert_array_equal(held, np.bincount(node[node >= 5] - 5, minlength=3))
