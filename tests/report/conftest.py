"""Shared fixtures of the report's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import NO_WARM_START, run_sweep


@pytest.fixture(scope="session")
def small_study(tmp_path_factory, small_region) -> Path:
    """A small collected sweep: the baseline and housing_front (an establishment and a housing
    programme), two seeds each, on the small region to 2030."""
    tmp = tmp_path_factory.mktemp("small_study")
    sweep = tmp / "sweep"
    run_sweep(
        sweep,
        "scenario=baseline,housing_front",
        "seed=0,1",
        "years.end=2030",
        f"region.input_dir={small_region}",
        NO_WARM_START,
        cwd=tmp,
    )
    return sweep
