"""Kernels of the labour market: job matching with travel-time decay, and lay-offs."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.engine.kernels.search import first_above


@njit(cache=True)
def match_jobs(
    seeker_node: np.ndarray,
    firm_node: np.ndarray,
    firm_vacancies: np.ndarray,
    decay: np.ndarray,
    external_openings: np.ndarray,
    reservation: float,
    efficiency: float,
    uniforms: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Match job seekers one by one to vacancies anywhere in the region or outside it.

    A seeker searches with probability ``efficiency``; a searching seeker living in node ``o``
    picks the destination municipality ``d`` with probability proportional to
    ``vacancies[d] * decay[o, d]`` (a gravity rule), or an external labour market ``e`` with weight
    ``external_openings[e] * decay[o, e]``, or declines all with weight ``reservation``; then a
    firm in ``d`` with probability proportional to its vacancies. Vacancies and external openings
    are used up as seekers take them, so the order of seekers matters: callers pass them in a
    random order.

    The destination is drawn without a pass over the nodes per seeker: each origin keeps the
    running sums of its weights as they were when last built, which bound the weights now
    (vacancies only fall). A draw from them is kept when it falls within the destination's
    weight now and drawn again (from ``rng``) otherwise, which gives exactly the gravity
    probabilities above (rejection sampling); an origin's sums are built again after
    ``n_nodes // 8 + 4`` rejections, so the redraws cost no more than the rebuilds they save.

    Parameters
    ----------
    seeker_node : int array (n_seekers,)
        Home municipality of each seeker (a node index).
    firm_node : int array (n_firms,)
        Municipality of each firm.
    firm_vacancies : int array (n_firms,)
        Open positions of each firm; updated in place.
    decay : float array (n_nodes, n_nodes)
        ``exp(-beta * travel_minutes)``; the first ``n_muni`` nodes are municipalities.
    external_openings : float array (n_nodes - n_muni,)
        Openings in each external market open to the region's residents; updated in place.
    reservation : float
        Weight of declining every offer (in vacancies at zero travel time).
    efficiency : float
        Probability that a seeker searches successfully this year.
    uniforms : float array (n_seekers, 3)
        Uniform draws on [0, 1): search success, destination, firm.
    rng : numpy Generator
        The destination's redraws, taken as they are needed.

    Returns
    -------
    firm : int array (n_seekers,)
        The firm taken, or -1 (none, or a job in an external market).
    node : int array (n_seekers,)
        The workplace node, or -1 when no job was found.
    """
    n_seekers = seeker_node.shape[0]
    n_nodes = decay.shape[0]
    n_muni = n_nodes - external_openings.shape[0]
    n_firms = firm_node.shape[0]
    # Firms grouped by municipality (counting sort), and open positions per municipality.
    counts = np.zeros(n_muni + 1, dtype=np.int64)
    muni_vacancies = np.zeros(n_muni, dtype=np.float64)
    for f in range(n_firms):
        counts[firm_node[f] + 1] += 1
        muni_vacancies[firm_node[f]] += max(firm_vacancies[f], 0)  # weights >= 0: first_above
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    firms_by_muni = np.empty(n_firms, dtype=np.int64)
    for f in range(n_firms):
        firms_by_muni[fill[firm_node[f]]] = f
        fill[firm_node[f]] += 1

    # The firm draw searches a Fenwick tree of each municipality's firms (cost log n_firms, not
    # a scan of the municipality's firms); it finds the same firm as the cumulative scan.
    tree = np.zeros(n_firms, dtype=np.int64)
    for j in range(n_firms):
        tree[j] = max(firm_vacancies[firms_by_muni[j]], 0)
    for d in range(n_muni):
        _fenwick_build(tree, start[d], start[d + 1] - start[d])

    firm_out = np.full(n_seekers, -1, dtype=np.int64)
    node_out = np.full(n_seekers, -1, dtype=np.int64)
    # Per origin, the running sums of the destinations' weights when last built, and the
    # redraws since; an origin starts at the limit, so its sums are built for its first seeker.
    sums = np.empty((n_nodes, n_nodes), dtype=np.float64)
    rebuild_after = n_nodes // 8 + 4
    rejections = np.full(n_nodes, rebuild_after, dtype=np.int64)
    for i in range(n_seekers):
        if uniforms[i, 0] >= efficiency:
            continue
        o = seeker_node[i]
        u = uniforms[i, 1]
        d = -1
        while True:
            if rejections[o] >= rebuild_after:
                _gravity_sums(sums[o], muni_vacancies, external_openings, decay[o], n_muni)
                rejections[o] = 0
            total = sums[o, n_nodes - 1]
            if total <= 0.0:
                break
            target = u * (total + reservation)
            if target >= total:  # declined every offer
                break
            d = min(first_above(sums[o], n_nodes, target), n_nodes - 1)
            below = sums[o, d - 1] if d > 0 else 0.0
            now = muni_vacancies[d] if d < n_muni else external_openings[d - n_muni]
            if target - below < now * decay[o, d]:
                break
            d = -1
            rejections[o] += 1
            u = rng.random()
        if d < 0:
            continue
        node_out[i] = d
        if d >= n_muni:
            external_openings[d - n_muni] = max(external_openings[d - n_muni] - 1.0, 0.0)
            continue
        base, size = start[d], start[d + 1] - start[d]
        j = _fenwick_find(tree, base, size, uniforms[i, 2] * muni_vacancies[d])
        if j == size:  # the draw rounded up to the total: the last firm with a vacancy
            j = size - 1
            while firm_vacancies[firms_by_muni[base + j]] <= 0:
                j -= 1
        chosen = firms_by_muni[base + j]
        firm_vacancies[chosen] -= 1
        _fenwick_add(tree, base, size, j, -1)
        muni_vacancies[d] -= 1.0
        firm_out[i] = chosen
    return firm_out, node_out


@njit(cache=True)
def _gravity_sums(
    out: np.ndarray,
    muni_vacancies: np.ndarray,
    external_openings: np.ndarray,
    decay_row: np.ndarray,
    n_muni: int,
) -> None:
    """Running sums, in node order, of one origin's destination weights: vacancies (then
    external openings) times the decay from the origin."""
    total = 0.0
    for d in range(n_muni):
        total += muni_vacancies[d] * decay_row[d]
        out[d] = total
    for e in range(external_openings.shape[0]):
        total += external_openings[e] * decay_row[n_muni + e]
        out[n_muni + e] = total


@njit(cache=True)
def external_jobs_held(
    alive: np.ndarray, work_node: np.ndarray, n_muni: int, n_nodes: int
) -> np.ndarray:
    """Living persons working in each external labour market (nodes ``n_muni`` and above)."""
    held = np.zeros(n_nodes - n_muni, dtype=np.int64)
    for p in range(alive.shape[0]):
        if alive[p] and work_node[p] >= n_muni:
            held[work_node[p] - n_muni] += 1
    return held


@njit(cache=True)
def _fenwick_build(tree: np.ndarray, base: int, size: int) -> None:
    """Turn ``tree[base : base + size]`` (values) into a Fenwick tree of their prefix sums."""
    for i in range(1, size + 1):
        parent = i + (i & -i)
        if parent <= size:
            tree[base + parent - 1] += tree[base + i - 1]


@njit(cache=True)
def _fenwick_add(tree: np.ndarray, base: int, size: int, j: int, delta: int) -> None:
    """Add ``delta`` to value ``j`` (0-based) of the Fenwick tree at ``base``."""
    i = j + 1
    while i <= size:
        tree[base + i - 1] += delta
        i += i & -i


@njit(cache=True)
def _fenwick_find(tree: np.ndarray, base: int, size: int, target: float) -> int:
    """The first value ``j`` (0-based) whose prefix sum (values 0..j) exceeds ``target``, or
    ``size`` if none does. Prefix sums are exact integers compared with ``target`` as the
    cumulative scan compares them, so the same value is found."""
    pos = 0
    acc = 0
    step = 1
    while step * 2 <= size:
        step *= 2
    while step > 0:
        nxt = pos + step
        if nxt <= size and float(acc + tree[base + nxt - 1]) <= target:
            pos = nxt
            acc += tree[base + nxt - 1]
        step //= 2
    return pos


@njit(cache=True)
def workers_of(alive: np.ndarray, firm: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The living persons employed by a firm ``f`` with ``wanted[f]``, in person order (one
    branch-free pass: every id is written, the count advances by the condition)."""
    out = np.empty(alive.shape[0] + 1, dtype=np.int64)
    n = 0
    for p in range(alive.shape[0]):
        f = firm[p]
        out[n] = p
        n += alive[p] & (f >= 0) & wanted[max(f, 0)]
    return out[:n]


@njit(cache=True)
def lay_off(worker_firm: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """Choose workers to lay off until each firm's excess of workers over positions is gone.

    ``worker_firm`` holds the firm of each employed person in a random order (drawn by the caller);
    the first workers met of a firm with an excess are laid off. Returns a boolean mask over
    ``worker_firm``. ``excess`` is consumed in place.
    """
    laid_off = np.zeros(worker_firm.shape[0], dtype=np.bool_)
    for i in range(worker_firm.shape[0]):
        f = worker_firm[i]
        if excess[f] > 0:
            excess[f] -= 1
            laid_off[i] = True
    return laid_off


@njit(cache=True)
def activity_transitions(
    alive: np.ndarray,
    age: np.ndarray,
    activity: np.ndarray,
    education: np.ndarray,
    firm: np.ndarray,
    work_node: np.ndarray,
    firm_filled: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    upper_secondary_exit_share: float,
    student_exit_rate: float,
    retirement_rates: np.ndarray,
    separation_rate: float,
    outside_entry_rate: float,
    outside_exit_rate: float,
) -> None:
    """The year's activity transitions of every person, in place: school entry at 16, leaving
    school (to the labour force, with the education of the age left), retirement by age, job
    separation, and moves out of and into the labour force at working ages (20-64).

    A person's transitions depend only on its own state, so one pass in person order does what
    the sequence of whole-population passes did. ``u``, ``v``, ``w`` are the uniform draws per
    person of leaving school and retiring, of job separation, and of leaving or rejoining the
    labour force. A person whose job ends releases its firm's position (``firm_filled``).
    Activity codes as in ``sim.engine.population``: child 0, student 1, employed 2,
    unemployed 3, retired 4, outside 5.
    """
    for p in range(alive.shape[0]):
        if not alive[p]:
            continue
        a = age[p]
        if activity[p] == 0 and a >= 16:
            activity[p] = 1
        leaving = False
        if activity[p] == 1:
            rate = 0.0
            if a == 19:
                rate = upper_secondary_exit_share
            if a >= 20:
                rate = student_exit_rate
            if a >= 30:
                rate = 1.0
            if u[p] < rate:
                leaving = True
                education[p] = 2 if a >= 22 else 1
                activity[p] = 3
        if not leaving and activity[p] >= 2 and activity[p] != 4:
            if a >= 70:
                rate = retirement_rates[4]
            elif a >= 67:
                rate = retirement_rates[3]
            elif a == 66:
                rate = retirement_rates[2]
            elif a == 65:
                rate = retirement_rates[1]
            elif a >= 61:
                rate = retirement_rates[0]
            else:
                rate = 0.0
            if u[p] < rate:
                _release(p, firm, work_node, firm_filled)
                activity[p] = 4
        if activity[p] == 2 and v[p] < separation_rate:
            _release(p, firm, work_node, firm_filled)
            activity[p] = 3
        if 20 <= a <= 64:
            if (activity[p] == 2 or activity[p] == 3) and w[p] < outside_entry_rate:
                _release(p, firm, work_node, firm_filled)
                activity[p] = 5
            elif activity[p] == 5 and w[p] < outside_exit_rate:
                activity[p] = 3


@njit(cache=True)
def _release(p: int, firm: np.ndarray, work_node: np.ndarray, firm_filled: np.ndarray) -> None:
    """Person ``p``'s job ends (if it has one in the region, its firm's position is freed)."""
    if firm[p] >= 0:
        firm_filled[firm[p]] -= 1
    firm[p] = -1
    work_node[p] = -1


@njit(cache=True, parallel=True)
def incomes(
    activity: np.ndarray,
    education: np.ndarray,
    firm: np.ndarray,
    firm_wage: np.ndarray,
    wage_external: float,
    education_factor: np.ndarray,
    unemployed_income: float,
    pension_income: float,
    student_income: float,
    outside_income: float,
    income: np.ndarray,
) -> None:
    """Every person's income (kSEK/year) from activity, workplace wage and education, in place:
    the employed earn their firm's wage (or the external wage) times the education factor, in
    float32 as stored; the others the income of their activity. Persons in parallel: each
    writes only its own income."""
    external = np.float32(wage_external)
    for p in prange(activity.shape[0]):
        act = activity[p]
        if act == 2:
            wage = firm_wage[firm[p]] if firm[p] >= 0 else external
            income[p] = wage * education_factor[education[p]]
        elif act == 3:
            income[p] = unemployed_income
        elif act == 4:
            income[p] = pension_income
        elif act == 1:
            income[p] = student_income
        elif act == 5:
            income[p] = outside_income
        else:
            income[p] = 0.0
