"""Kernel of the housing market: households choose among a sample of vacant dwellings."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _terms(
    cost: float,
    rooms: int,
    kind: int,
    m: int,
    income: float,
    size: int,
    has_children: bool,
    work_node: int,
    attractiveness: np.ndarray,
    travel: np.ndarray,
    weights: np.ndarray,
) -> float:
    """Utility of a dwelling of ``cost``, ``rooms`` and type ``kind`` in municipality ``m``."""
    price_w, commute_w, attract_w, size_w, detached_bonus = (
        weights[0],
        weights[1],
        weights[2],
        weights[3],
        weights[4],
    )
    u = -price_w * cost / max(income, 50.0)
    if work_node >= 0:
        u -= commute_w * travel[work_node, m]
    u += attract_w * attractiveness[m]
    u -= size_w * abs(rooms - (size + 1))
    if has_children and kind == 0:
        u += detached_bonus
    return u


@njit(cache=True)
def _utility(
    d: int,
    income: float,
    size: int,
    has_children: bool,
    work_node: int,
    dwelling_muni: np.ndarray,
    dwelling_type: np.ndarray,
    dwelling_rooms: np.ndarray,
    dwelling_cost: np.ndarray,
    attractiveness: np.ndarray,
    travel: np.ndarray,
    weights: np.ndarray,
) -> float:
    """Utility of dwelling ``d`` (see :func:`choose_dwellings`)."""
    return _terms(
        dwelling_cost[d],
        dwelling_rooms[d],
        dwelling_type[d],
        dwelling_muni[d],
        income,
        size,
        has_children,
        work_node,
        attractiveness,
        travel,
        weights,
    )


@njit(cache=True)
def choose_dwellings(
    mover_dwelling: np.ndarray,
    mover_muni: np.ndarray,
    mover_restricted: np.ndarray,
    mover_work_node: np.ndarray,
    mover_income: np.ndarray,
    mover_size: np.ndarray,
    mover_children: np.ndarray,
    dwelling_muni: np.ndarray,
    dwelling_type: np.ndarray,
    dwelling_rooms: np.ndarray,
    dwelling_cost: np.ndarray,
    dwelling_vacant: np.ndarray,
    attractiveness: np.ndarray,
    travel: np.ndarray,
    search_decay: np.ndarray,
    weights: np.ndarray,
    own_share: float,
    moving_cost: float,
    max_cost_share: float,
    reservation: float,
    uniforms: np.ndarray,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Let movers, one by one, pick the best of a sample of vacant dwellings.

    Each mover draws ``K = uniforms.shape[1]`` candidates: with probability ``own_share`` in its
    own municipality, otherwise in a municipality drawn with weight
    ``vacant[m] * search_decay[a, m]`` (``a`` the workplace node, or home when not working),
    then a vacant dwelling uniformly within it. The utility of a dwelling is
    ``-price_w * cost / income - commute_w * minutes(work, m) + attract_w * attractiveness[m]
    - size_w * |rooms - (size + 1)| + detached_bonus * (children and detached)`` plus Gumbel
    noise; dwellings costing more than ``max_cost_share`` of income are
    skipped. A mover with a dwelling moves only when the best candidate beats staying by
    ``moving_cost``; a household without one (in the queue, or arriving) takes the best candidate
    only when its utility exceeds ``reservation`` (waiting in the parental home or not moving in
    is better than a poor fit). A dwelling left behind becomes vacant at once, so vacancy chains
    form.

    Parameters
    ----------
    mover_dwelling : int array (n_movers,)
        Current dwelling, or -1 for a household in the queue.
    mover_muni : int array
        Municipality of the household.
    mover_restricted : bool array
        True when candidates must lie in the household's municipality (arriving in-migrants).
    mover_work_node, mover_income, mover_size, mover_children : arrays
        Workplace node of the main earner (-1 none), income (kSEK/year), members, has children.
    dwelling_muni, dwelling_type, dwelling_rooms, dwelling_cost : arrays over dwellings
        Cost is the yearly housing cost in kSEK.
    dwelling_vacant : bool array over dwellings
        Vacant and available; updated in place.
    attractiveness : float array (n_muni,)
    travel : float array (n_nodes, n_nodes)
        Travel minutes.
    search_decay : float array (n_nodes, n_muni)
        ``exp(-search_beta * minutes)``.
    weights : float array (5,)
        price_w, commute_w, attract_w, size_w, detached_bonus.
    own_share, moving_cost, max_cost_share, reservation : float
    uniforms : float array (n_movers, K + 1, 4), or (0, K + 1, 4) with ``rng``
        Draws: [k, 0] own or other municipality, [k, 1] municipality, [k, 2] dwelling,
        [k, 3] Gumbel noise of candidate k; [K, 3] Gumbel noise of staying.

    rng : numpy Generator, optional
        When given, each mover's ``(K + 1, 4)`` draws are taken from it as its turn comes, in
        the order ``rng.random((n_movers, K + 1, 4))`` would give them (the same numbers),
        instead of from ``uniforms``: no array of every mover's draws is held.
    Returns
    -------
    chosen : int array (n_movers,)
        The dwelling moved into, or -1 when the household stays where it is.
    """
    n_movers = mover_dwelling.shape[0]
    k_max = uniforms.shape[1] - 1
    draws = np.empty((k_max + 1, 4), dtype=np.float64)
    n_muni = search_decay.shape[1]
    n_dwellings = dwelling_muni.shape[0]
    # Vacant dwellings listed per municipality, with room for every dwelling of it.
    per_muni = np.zeros(n_muni + 1, dtype=np.int64)
    for d in range(n_dwellings):
        if dwelling_muni[d] >= 0:
            per_muni[dwelling_muni[d] + 1] += 1
    start = np.cumsum(per_muni)
    count = np.zeros(n_muni, dtype=np.int64)
    slots = np.empty(max(n_dwellings, 1), dtype=np.int64)
    slot_of = np.full(n_dwellings, -1, dtype=np.int64)
    # A candidate's attributes are kept beside its slot: the vacant lists are short, so the
    # candidates' reads stay in cache however many dwellings the region has.
    slot_cost = np.empty(max(n_dwellings, 1), dtype=np.float64)
    slot_rooms = np.empty(max(n_dwellings, 1), dtype=np.int64)
    slot_type = np.empty(max(n_dwellings, 1), dtype=np.int64)

    def put(s: int, d: int) -> None:
        """Put vacant dwelling ``d`` in slot ``s`` of the vacant lists, with its attributes."""
        slots[s] = d
        slot_of[d] = s
        slot_cost[s] = dwelling_cost[d]
        slot_rooms[s] = dwelling_rooms[d]
        slot_type[s] = dwelling_type[d]

    for d in range(n_dwellings):
        if dwelling_vacant[d]:
            m = dwelling_muni[d]
            put(start[m] + count[m], d)
            count[m] += 1

    chosen = np.full(n_movers, -1, dtype=np.int64)
    # Cumulative weights of the municipalities, summed in order; a binary search in them finds
    # the municipality the cumulative scan would (log n_muni per candidate, not n_muni).
    cumulative = np.empty(n_muni, dtype=np.float64)
    for i in range(n_movers):
        if rng is not None:
            for k in range(k_max + 1):
                for j in range(4):
                    draws[k, j] = rng.random()
        else:
            draws[:, :] = uniforms[i]
        home = mover_muni[i]
        anchor = mover_work_node[i] if mover_work_node[i] >= 0 else home
        income = mover_income[i]
        total = 0.0
        for m in range(n_muni):
            total += count[m] * search_decay[anchor, m]
            cumulative[m] = total
        best = -1
        best_u = -np.inf
        for k in range(k_max):
            if mover_restricted[i] or draws[k, 0] < own_share:
                m = home
            else:
                if total <= 0.0:
                    continue
                m = min(np.searchsorted(cumulative, draws[k, 1] * total, "right"), n_muni - 1)
            if count[m] == 0:
                continue
            s = start[m] + min(int(draws[k, 2] * count[m]), count[m] - 1)
            if slot_cost[s] > max_cost_share * max(income, 50.0):
                continue
            u = _terms(
                slot_cost[s],
                slot_rooms[s],
                slot_type[s],
                m,
                income,
                mover_size[i],
                mover_children[i],
                mover_work_node[i],
                attractiveness,
                travel,
                weights,
            ) - np.log(-np.log(draws[k, 3] + 1e-300))
            if u > best_u:
                best_u = u
                best = slots[s]
        if best < 0:
            continue
        old = mover_dwelling[i]
        if old >= 0:
            stay_u = _utility(
                old,
                income,
                mover_size[i],
                mover_children[i],
                mover_work_node[i],
                dwelling_muni,
                dwelling_type,
                dwelling_rooms,
                dwelling_cost,
                attractiveness,
                travel,
                weights,
            ) - np.log(-np.log(draws[k_max, 3] + 1e-300))
            if best_u < stay_u + moving_cost:
                continue
        elif best_u < reservation:
            continue
        # Take the dwelling: swap-remove it from its municipality's vacant list.
        m = dwelling_muni[best]
        s = slot_of[best]
        last = slots[start[m] + count[m] - 1]
        put(s, last)
        slot_of[best] = -1
        count[m] -= 1
        dwelling_vacant[best] = False
        chosen[i] = best
        if old >= 0:
            mo = dwelling_muni[old]
            put(start[mo] + count[mo], old)
            count[mo] += 1
            dwelling_vacant[old] = True
    return chosen


@njit(cache=True)
def who_moves(
    alive: np.ndarray,
    dwelling: np.ndarray,
    municipality: np.ndarray,
    sizes: np.ndarray,
    main_work: np.ndarray,
    dwelling_rooms: np.ndarray,
    travel: np.ndarray,
    u: np.ndarray,
    base_mobility: float,
    crowding_move_rate: float,
    commute_move_limit: float,
    commute_move_rate: float,
) -> np.ndarray:
    """The households that look for a dwelling this year, in id order: every living household
    without one, and a housed one when its draw ``u`` falls below its moving rate (the base
    mobility, raised to the crowding rate when it has more members than rooms + 1 and to the
    commuting rate when its main earner travels more than the limit)."""
    movers = np.empty(alive.shape[0], dtype=np.int64)
    n = 0
    for h in range(alive.shape[0]):
        if not alive[h]:
            continue
        if dwelling[h] < 0:
            movers[n] = h
            n += 1
            continue
        rate = base_mobility
        if sizes[h] > dwelling_rooms[dwelling[h]] + 1:
            rate = max(rate, crowding_move_rate)
        if main_work[h] >= 0:
            commute = travel[max(municipality[h], 0), main_work[h]]
        else:
            commute = 0.0
        if commute > commute_move_limit:
            rate = max(rate, commute_move_rate)
        if u[h] < rate:
            movers[n] = h
            n += 1
    return movers[:n]
