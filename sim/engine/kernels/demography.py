"""Kernels of demography: keeping every household headed by an adult."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def promote_orphans(
    household: np.ndarray, role: np.ndarray, age: np.ndarray, alive: np.ndarray, n_households: int
) -> np.ndarray:
    """Make the oldest member of every household without an adult its adult.

    Households lose their adults through deaths and out-migration; the remaining children
    (in practice adult children at home) then head the household. Returns the new role array.

    Parameters
    ----------
    household, role, age, alive : arrays over persons
    n_households : int

    Returns
    -------
    role : int8 array, a copy with promotions applied (0 adult, 1 child at home)
    """
    has_adult = np.zeros(n_households, dtype=np.bool_)
    oldest = np.full(n_households, -1, dtype=np.int32)
    oldest_age = np.full(n_households, -1, dtype=np.int16)
    for p in range(household.shape[0]):
        if not alive[p]:
            continue
        # Branch-free: roles and ages vary from person to person, so branches mispredict.
        h = household[p]
        has_adult[h] |= role[p] == 0
        older = age[p] > oldest_age[h]
        oldest[h] = p if older else oldest[h]
        oldest_age[h] = age[p] if older else oldest_age[h]
    out = role.copy()
    for h in range(n_households):
        if not has_adult[h] and oldest[h] >= 0:
            out[oldest[h]] = 0
    return out


@njit(cache=True)
def age_and_die(
    alive: np.ndarray, sex: np.ndarray, age: np.ndarray, q: np.ndarray, max_age: int, u: np.ndarray
) -> np.ndarray:
    """Every living person ages a year (up to ``max_age``), then dies with the probability of
    its sex and new age, ``q[sex, age]``; ``u`` holds one uniform draw per living person, in
    person order. Returns the ids of the dead (ages are updated in place)."""
    dead = np.empty(u.shape[0], dtype=np.int64)
    n_dead = 0
    j = 0
    for p in range(alive.shape[0]):
        if not alive[p]:
            continue
        a = min(age[p] + 1, max_age)
        age[p] = a
        if u[j] < q[sex[p], a]:
            dead[n_dead] = p
            n_dead += 1
        j += 1
    return dead[:n_dead]


@njit(cache=True)
def fertile_women(
    alive: np.ndarray, sex: np.ndarray, age: np.ndarray, fertility: np.ndarray
) -> np.ndarray:
    """Ids of the living women whose age has a positive fertility rate, in person order."""
    out = np.empty(alive.shape[0], dtype=np.int64)
    n = 0
    for p in range(alive.shape[0]):
        # Branch-free: every id is written, and kept when the person qualifies.
        out[n] = p
        n += alive[p] & (sex[p] == 1) & (fertility[age[p]] > 0)
    return out[:n]


@njit(cache=True)
def expected_births_and_deaths(
    alive: np.ndarray,
    household: np.ndarray,
    household_muni: np.ndarray,
    pending: np.ndarray,
    sex: np.ndarray,
    age: np.ndarray,
    q: np.ndarray,
    fertility: np.ndarray,
    max_age: int,
    n_muni: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected births and deaths per municipality in one year: every resident's probability of
    dying at its next age, ``q[sex, age + 1]``, and every resident woman's fertility at it, summed
    in person order (what ``np.bincount`` with these weights sums)."""
    births = np.zeros(n_muni, dtype=np.float64)
    deaths = np.zeros(n_muni, dtype=np.float64)
    for p in range(alive.shape[0]):
        h = household[p]
        if not alive[p] or h < 0 or pending[h]:
            continue
        m = household_muni[h]
        a = min(age[p] + 1, max_age)
        deaths[m] += q[sex[p], a]
        if sex[p] == 1:
            births[m] += fertility[a]
    return births, deaths
