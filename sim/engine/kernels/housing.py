"""Kernel of the housing market: households choose among a sample of vacant dwellings."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.kernels.search import first_above


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
    # The vacant dwellings listed per municipality, each list with room for the dwellings vacant
    # now and those its movers may leave (a mover moves at most once). A slot holds the
    # dwelling's cost, rooms, type and id side by side: a candidate is one read from a short
    # list, which stays in cache however many dwellings the region has.
    # A dwelling without a municipality (none in a consistent population) is never listed.
    room = np.zeros(n_muni + 1, dtype=np.int64)
    for d in range(n_dwellings):
        if dwelling_vacant[d] and dwelling_muni[d] >= 0:
            room[dwelling_muni[d] + 1] += 1
    for i in range(n_movers):
        if mover_dwelling[i] >= 0 and dwelling_muni[mover_dwelling[i]] >= 0:
            room[dwelling_muni[mover_dwelling[i]] + 1] += 1
    start = np.cumsum(room)
    count = np.zeros(n_muni, dtype=np.int64)
    n_slots = max(start[n_muni], 1)
    slot_id = np.empty(n_slots, dtype=np.int64)
    slot_cost = np.empty(n_slots, dtype=np.float64)
    slot_rooms = np.empty(n_slots, dtype=dwelling_rooms.dtype)
    slot_type = np.empty(n_slots, dtype=dwelling_type.dtype)

    def put(s: int, d: int, cost: float, rooms: int, kind: int) -> None:
        """Put vacant dwelling ``d`` in slot ``s`` of the vacant lists, with its attributes."""
        slot_id[s] = d
        slot_cost[s] = cost
        slot_rooms[s] = rooms
        slot_type[s] = kind

    for d in range(n_dwellings):
        if dwelling_vacant[d] and dwelling_muni[d] >= 0:
            m = dwelling_muni[d]
            put(start[m] + count[m], d, dwelling_cost[d], dwelling_rooms[d], dwelling_type[d])
            count[m] += 1

    # The movers' own dwellings, and the utility of staying in them less its noise, are read in
    # one short loop before the market opens: those dwellings lie anywhere in the arrays, and
    # here the reads of one mover overlap with the next one's instead of stalling its turn.
    old_muni = np.empty(n_movers, dtype=dwelling_muni.dtype)
    old_cost = np.empty(n_movers, dtype=np.float64)
    old_rooms = np.empty(n_movers, dtype=dwelling_rooms.dtype)
    old_type = np.empty(n_movers, dtype=dwelling_type.dtype)
    stay_terms = np.empty(n_movers, dtype=np.float64)
    for i in range(n_movers):
        old = mover_dwelling[i]
        if old >= 0:
            old_muni[i] = dwelling_muni[old]
            old_cost[i] = dwelling_cost[old]
            old_rooms[i] = dwelling_rooms[old]
            old_type[i] = dwelling_type[old]
            stay_terms[i] = _terms(
                old_cost[i],
                old_rooms[i],
                old_type[i],
                old_muni[i],
                mover_income[i],
                mover_size[i],
                mover_children[i],
                mover_work_node[i],
                attractiveness,
                travel,
                weights,
            )

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
        best_s = -1
        best_m = -1
        best_u = -np.inf
        for k in range(k_max):
            if mover_restricted[i] or draws[k, 0] < own_share:
                m = home
            else:
                if total <= 0.0:
                    continue
                m = min(first_above(cumulative, n_muni, draws[k, 1] * total), n_muni - 1)
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
                best_s = s
                best_m = m
        if best_s < 0:
            continue
        old = mover_dwelling[i]
        if old >= 0:
            stay_u = stay_terms[i] - np.log(-np.log(draws[k_max, 3] + 1e-300))
            if best_u < stay_u + moving_cost:
                continue
        elif best_u < reservation:
            continue
        # Take the dwelling: swap-remove it from its municipality's vacant list.
        best = slot_id[best_s]
        m = best_m
        last = start[m] + count[m] - 1
        put(best_s, slot_id[last], slot_cost[last], slot_rooms[last], slot_type[last])
        count[m] -= 1
        dwelling_vacant[best] = False
        chosen[i] = best
        if old >= 0:
            dwelling_vacant[old] = True
            mo = old_muni[i]
            if mo >= 0:
                put(start[mo] + count[mo], old, old_cost[i], old_rooms[i], old_type[i])
                count[mo] += 1
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
