"""Kernels over the agent arrays as a whole."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def resident_municipality(
    alive: np.ndarray, household: np.ndarray, household_muni: np.ndarray, pending: np.ndarray
) -> np.ndarray:
    """Municipality of every person's household; -1 for the dead and for pending in-migrants."""
    out = np.full(alive.shape[0], -1, dtype=np.int16)
    for p in range(alive.shape[0]):
        h = household[p]
        if alive[p] and h >= 0 and not pending[h]:
            out[p] = household_muni[h]
    return out
