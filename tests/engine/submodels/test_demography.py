"""Demography schedules: the fitted life table and fertility reproduce their targets."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.submodels.demography import fertility_schedule, fit_mortality, life_expectancy


@pytest.mark.parametrize("target", [80.7, 84.1])
def test_fitted_mortality_reproduces_life_expectancy(target):
    q = fit_mortality(target, a=0.0002, c=0.1)
    assert life_expectancy(q) == pytest.approx(target, abs=0.01)
    assert (np.diff(q[30:]) > 0).all()  # mortality rises with age after 30
    assert q[-1] == 1.0


def test_fertility_sums_to_tfr_within_fertile_ages():
    f = fertility_schedule(1.45, 31.0, 5.5)
    assert f.sum() == pytest.approx(1.45)
    assert f[:15].sum() == 0 and f[50:].sum() == 0
    ages = np.arange(f.size)
    assert (ages * f).sum() / f.sum() == pytest.approx(31.0, abs=0.6)
