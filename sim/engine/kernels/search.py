"""Searches in cumulative weights, shared by the kernels that draw from weighted sets."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def first_above(cumulative: np.ndarray, n: int, target: float) -> int:
    """The first index ``k < n`` with ``cumulative[k] > target``, or ``n`` if there is none.

    ``cumulative[:n]`` is non-decreasing (running sums of non-negative weights), so this is the
    index the cumulative scan ``acc += weight[k]; if target < acc: return k`` stops at, found
    in log n steps. Written out rather than ``np.searchsorted(..., "right")``, which took 15 %
    longer over the whole housing market at 285 municipalities.
    """
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) >> 1
        if cumulative[mid] <= target:
            lo = mid + 1
        else:
            hi = mid
    return lo
