"""The binary search in cumulative weights stops where the cumulative scan stops."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.kernels.search import first_above


def scan(weights: np.ndarray, target: float) -> int:
    acc = 0.0
    for k, weight in enumerate(weights):
        acc += weight
        if target < acc:
            return k
    return weights.size


@pytest.mark.parametrize("seed", range(4))
def test_first_above_is_where_the_scan_stops(seed):
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 4, 40) * rng.random(40)  # made up; zeros make ties
    cumulative = np.cumsum(weights)
    total = cumulative[-1]
    targets = [*(rng.random(200) * total), 0.0, cumulative[5], cumulative[-2], total, total + 1]
    for target in targets:
        assert first_above(cumulative, weights.size, target) == scan(weights, target)


def test_first_above_of_nothing_is_zero():
    assert first_above(np.zeros(3), 0, 0.5) == 0
