"""Kernels over the agent arrays as a whole."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def keep_where(column: np.ndarray, keep: np.ndarray) -> int:
    """Move the values of ``column`` where ``keep`` is True to its front, in order, in place (one
    streaming pass, no index array); returns how many were kept.

    Every value is written to the next free slot and the slot is kept only when ``keep`` is
    True: a branch-free loop (a branch on ``keep`` costs a misprediction at every dead row)."""
    out = 0
    for i in range(keep.shape[0]):
        column[out] = column[i]
        out += keep[i]
    return out


@njit(cache=True)
def keep_where_renumbered(column: np.ndarray, keep: np.ndarray, new_id: np.ndarray) -> int:
    """:func:`keep_where` for a column of references: each kept reference ``r >= 0`` becomes
    ``new_id[r]`` in the same pass (no reference, ``r < 0``, stays as it is)."""
    out = 0
    for i in range(keep.shape[0]):
        r = column[i]
        column[out] = new_id[r] if r >= 0 else r
        out += keep[i]
    return out


@njit(cache=True, parallel=True)
def resident_municipality(
    alive: np.ndarray, household: np.ndarray, household_muni: np.ndarray, pending: np.ndarray
) -> np.ndarray:
    """Municipality of every person's household; -1 for the dead and for pending in-migrants
    (persons in parallel: each writes only its own entry)."""
    out = np.full(alive.shape[0], -1, dtype=np.int16)
    for p in prange(alive.shape[0]):
        h = household[p]
        if alive[p] and h >= 0 and not pending[h]:
            out[p] = household_muni[h]
    return out


@njit(cache=True)
def resident_counts(
    alive: np.ndarray,
    household: np.ndarray,
    household_muni: np.ndarray,
    pending: np.ndarray,
    n_muni: int,
) -> np.ndarray:
    """Residents of every municipality: the census's residents, without its other tallies."""
    counts = np.zeros(n_muni, dtype=np.int64)
    for p in range(alive.shape[0]):
        h = household[p]
        if alive[p] and h >= 0 and not pending[h]:
            counts[household_muni[h]] += 1
    return counts


@njit(cache=True)
def members_of(alive: np.ndarray, household: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Ids of the living persons whose household is ``chosen`` (a flag per household), in
    person order (branch-free: every id is written, and kept when it qualifies)."""
    out = np.empty(alive.shape[0], dtype=np.int64)
    n = 0
    for p in range(alive.shape[0]):
        out[n] = p
        n += alive[p] & chosen[household[p]]
    return out[:n]


@njit(cache=True)
def dwelling_counts(
    alive: np.ndarray,
    municipality: np.ndarray,
    dwelling_type: np.ndarray,
    occupant: np.ndarray,
    n_muni: int,
    n_types: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Standing and vacant dwellings by municipality and type (branch-free on occupancy)."""
    stock = np.zeros((n_muni, n_types), dtype=np.int64)
    vacant = np.zeros((n_muni, n_types), dtype=np.int64)
    for d in range(alive.shape[0]):
        if alive[d]:
            stock[municipality[d], dwelling_type[d]] += 1
            vacant[municipality[d], dwelling_type[d]] += occupant[d] < 0
    return stock, vacant


@njit(cache=True)
def resident_household_counts(
    alive: np.ndarray, pending: np.ndarray, municipality: np.ndarray, n_muni: int
) -> np.ndarray:
    """Living households that are not pending in-migrants, per municipality."""
    counts = np.zeros(n_muni, dtype=np.int64)
    for h in range(alive.shape[0]):
        counts[max(municipality[h], 0)] += alive[h] & ~pending[h]
    return counts


@njit(cache=True)
def residents_in_activity(
    alive: np.ndarray,
    household: np.ndarray,
    household_muni: np.ndarray,
    pending: np.ndarray,
    activity: np.ndarray,
    code: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the residents (living, in a household that is not pending) whose activity is
    ``code``, in person order, and their municipalities."""
    ids = np.empty(alive.shape[0], dtype=np.int64)
    munis = np.empty(alive.shape[0], dtype=np.int16)
    n = 0
    for p in range(alive.shape[0]):
        h = household[p]
        if alive[p] and activity[p] == code and h >= 0 and not pending[h]:
            ids[n] = p
            munis[n] = household_muni[h]
            n += 1
    return ids[:n], munis[:n]


@njit(cache=True)
def households_with_activity(
    alive: np.ndarray, household: np.ndarray, activity: np.ndarray, code: int, n_households: int
) -> np.ndarray:
    """True for every household with a living member whose activity is ``code``."""
    found = np.zeros(n_households, dtype=np.bool_)
    for p in range(alive.shape[0]):
        if alive[p] and activity[p] == code:
            found[household[p]] = True
    return found


@njit(cache=True)
def leaving_home_candidates(
    alive: np.ndarray,
    role: np.ndarray,
    age: np.ndarray,
    activity: np.ndarray,
    child_role: int,
    student_code: int,
    min_age: int,
) -> np.ndarray:
    """Ids of the living children at home aged ``min_age`` or more who are not students, in
    person order (branch-free)."""
    out = np.empty(alive.shape[0], dtype=np.int64)
    n = 0
    for p in range(alive.shape[0]):
        out[n] = p
        n += (
            alive[p] & (role[p] == child_role) & (age[p] >= min_age) & (activity[p] != student_code)
        )
    return out[:n]


@njit(cache=True)
def with_living_members(alive: np.ndarray, household: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """True for each household flagged in ``asked`` that has a living member. Only the asked
    households are written, so the pass over persons mostly reads (a count of every household's
    members writes all over the household table)."""
    found = np.zeros(asked.shape[0], dtype=np.bool_)
    for p in range(alive.shape[0]):
        h = household[p]
        if alive[p] and asked[h]:
            found[h] = True
    return found


@njit(cache=True)
def household_members(alive: np.ndarray, household: np.ndarray, n_households: int) -> np.ndarray:
    """Number of living members of every household."""
    sizes = np.zeros(n_households, dtype=np.int32)
    for p in range(alive.shape[0]):
        if alive[p]:
            sizes[household[p]] += 1
    return sizes


@njit(cache=True)
def household_summary(
    alive: np.ndarray,
    household: np.ndarray,
    role: np.ndarray,
    age: np.ndarray,
    income: np.ndarray,
    work_node: np.ndarray,
    n_households: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per household: members, total income, has children at home, age of the oldest member,
    and the workplace node of the top earner among its workers (-1 if none; ties: the first)."""
    # The stored dtypes (ages int16, nodes int16, incomes float32): at national scale the
    # household table is far larger than the cache, and every byte per household is traffic.
    sizes = np.zeros(n_households, dtype=np.int32)
    total = np.zeros(n_households, dtype=np.float64)
    children = np.zeros(n_households, dtype=np.bool_)
    oldest = np.zeros(n_households, dtype=np.int16)
    main_work = np.full(n_households, -1, dtype=np.int16)
    top = np.full(n_households, -1.0, dtype=np.float32)
    for p in range(alive.shape[0]):
        if not alive[p]:
            continue
        h = household[p]
        sizes[h] += 1
        total[h] += income[p]
        if role[p] != 0:
            children[h] = True
        if age[p] > oldest[h]:
            oldest[h] = age[p]
        if work_node[p] >= 0 and income[p] > top[h]:
            top[h] = income[p]
            main_work[h] = work_node[p]
    return sizes, total, children, oldest, main_work


# Persons per chunk of the parallel tallies: chunks, not threads, fix the order of the sums, so
# the results are the same for any number of threads.
CHUNK = 1 << 16


@njit(cache=True, parallel=True)
def census(
    alive: np.ndarray,
    household: np.ndarray,
    household_muni: np.ndarray,
    pending: np.ndarray,
    age: np.ndarray,
    group_of_age: np.ndarray,
    activity: np.ndarray,
    income: np.ndarray,
    work_node: np.ndarray,
    employed_code: int,
    unemployed_code: int,
    n_muni: int,
    n_nodes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The municipal tallies of residents in one pass over persons: residents by municipality
    and age group (``group_of_age[age]``), employed and unemployed residents, taxable income
    (kSEK) and employed residents by home and workplace node.

    Chunks of :data:`CHUNK` persons are tallied in parallel (``prange``), each into its own
    row, and the rows are then added in chunk order: counts are exact and the income sums the
    same whatever the number of threads."""
    n_groups = group_of_age.max() + 1
    n_chunks = max((alive.shape[0] + CHUNK - 1) // CHUNK, 1)
    by_age = np.zeros((n_chunks, n_muni, n_groups), dtype=np.int64)
    employed = np.zeros((n_chunks, n_muni), dtype=np.int64)
    unemployed = np.zeros((n_chunks, n_muni), dtype=np.int64)
    taxable = np.zeros((n_chunks, n_muni), dtype=np.float64)
    commuting = np.zeros((n_chunks, n_muni, n_nodes), dtype=np.int64)
    for c in prange(n_chunks):
        for p in range(c * CHUNK, min((c + 1) * CHUNK, alive.shape[0])):
            h = household[p]
            if not alive[p] or h < 0 or pending[h]:
                continue
            m = household_muni[h]
            by_age[c, m, group_of_age[age[p]]] += 1
            taxable[c, m] += income[p]
            if activity[p] == employed_code:
                employed[c, m] += 1
                commuting[c, m, work_node[p]] += 1
            elif activity[p] == unemployed_code:
                unemployed[c, m] += 1
    for c in range(1, n_chunks):
        by_age[0] += by_age[c]
        employed[0] += employed[c]
        unemployed[0] += unemployed[c]
        taxable[0] += taxable[c]
        commuting[0] += commuting[c]
    return (
        by_age[0].copy(),
        employed[0].copy(),
        unemployed[0].copy(),
        taxable[0].copy(),
        commuting[0].copy(),
    )


@njit(cache=True)
def adults_by_household(
    alive: np.ndarray, role: np.ndarray, household: np.ndarray, n_households: int
) -> tuple[np.ndarray, np.ndarray]:
    """The living adults (role 0), in person order, and the number of them in every household."""
    adults = np.empty(alive.shape[0], dtype=np.int64)
    counts = np.zeros(n_households, dtype=np.int16)
    n = 0
    for p in range(alive.shape[0]):
        if alive[p]:
            # Branch-free on the role, which varies from person to person.
            is_adult = role[p] == 0
            adults[n] = p
            n += is_adult
            counts[household[p]] += is_adult
    return adults[:n], counts


@njit(cache=True)
def single_adults(
    adults: np.ndarray,
    household: np.ndarray,
    age: np.ndarray,
    adults_in: np.ndarray,
    min_age: int,
    max_age: int,
) -> np.ndarray:
    """Those of ``adults`` who are the only adult of their household (``adults_in`` counts them)
    and aged ``min_age`` to ``max_age``, in order (branch-free)."""
    out = np.empty(adults.shape[0], dtype=np.int64)
    n = 0
    for i in range(adults.shape[0]):
        p = adults[i]
        a = age[p]
        out[n] = p
        n += (adults_in[household[p]] == 1) & (a >= min_age) & (a <= max_age)
    return out[:n]


@njit(cache=True)
def rehouse(alive: np.ndarray, household: np.ndarray, new_household: np.ndarray) -> None:
    """Every living person moves to ``new_household[household]``, in place."""
    for p in range(alive.shape[0]):
        if alive[p]:
            household[p] = new_household[household[p]]


@njit(cache=True)
def sizes_and_oldest(
    alive: np.ndarray, household: np.ndarray, age: np.ndarray, n_households: int
) -> tuple[np.ndarray, np.ndarray]:
    """Living members and the age of the oldest member of every household."""
    sizes = np.zeros(n_households, dtype=np.int32)
    oldest = np.zeros(n_households, dtype=np.int16)
    for p in range(alive.shape[0]):
        if alive[p]:
            h = household[p]
            sizes[h] += 1
            oldest[h] = max(oldest[h], age[p])
    return sizes, oldest
