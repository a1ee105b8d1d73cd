"""The resident-municipality kernel agrees with a numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.population import resident_municipality


def reference(alive, household, household_muni, pending):
    muni = np.full(alive.size, -1, dtype=np.int16)
    ok = alive & (household >= 0)
    muni[ok] = household_muni[household[ok]]
    muni[ok & pending[np.maximum(household, 0)]] = -1
    return muni


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_reference(seed):
    rng = np.random.default_rng(seed)
    n, nh = 200, 40
    alive = rng.random(n) < 0.8
    household = rng.integers(-1, nh, n).astype(np.int32)
    household_muni = rng.integers(0, 5, nh).astype(np.int16)
    pending = rng.random(nh) < 0.2
    got = resident_municipality(alive, household, household_muni, pending)
    np.testing.assert_array_equal(got, reference(alive, household, household_muni, pending))
    assert (got[~alive] == -1).all()
    assert (got[pending[np.maximum(household, 0)] & (household >= 0)] == -1).all()
