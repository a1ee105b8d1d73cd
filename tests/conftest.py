"""Shared fixtures: the default configuration and one baseline run reused by many tests."""

from __future__ import annotations

import pytest

from sim.config.compose import compose_config


@pytest.fixture(scope="session")
def baseline_checked():
    """The default baseline 2024-2050, with the state invariants checked after every year.

    Returns (run, violations) where violations maps each year to the list of broken invariants.
    """
    from sim.engine.invariants import state_violations
    from sim.engine.run import simulate

    violations: dict[int, list[str]] = {}
    run = simulate(
        compose_config(),
        on_year=lambda model: violations.update({model.year: state_violations(model)}),
    )
    return run, violations


@pytest.fixture(scope="session")
def baseline(baseline_checked):
    """The results Dataset of the default baseline run."""
    return baseline_checked[0].results


@pytest.fixture(scope="session")
def small_region(tmp_path_factory):
    """A scaled-down copy of the Skaraborg inputs (tests/small_region.py) for fast CLI runs."""
    from tests.small_region import make_small_region

    return make_small_region(tmp_path_factory.mktemp("inputs") / "small")
