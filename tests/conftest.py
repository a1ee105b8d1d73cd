"""Shared fixtures: the default configuration and one baseline run reused by many tests."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from sim.config.compose import compose_config
from sim.paths import CACHE_ENV

# What the package caches between runs goes to a folder of this test session (inherited by the
# commands tests start), not the user's cache.
if not os.environ.get(CACHE_ENV):
    os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="sim-test-cache-")
    atexit.register(shutil.rmtree, os.environ[CACHE_ENV], ignore_errors=True)


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


# A name and a title with markup in them: pages must show them as text.
EVIL_NAME = '<script>alert("x")</script>Hjo'
EVIL_TITLE = "<img src=x onerror=alert(1)> & <b>hall</b>"


@pytest.fixture(scope="session")
def marked_up_study(tmp_path_factory, small_region):
    """A collected study of the small region (tests/small_region.py) in which Hjo's name and one
    scenario's title carry markup: baseline, housing_even and 'evil' (culture_hub retitled) x
    seeds 0 and 1, 2024-2034, no warm start."""
    import shutil

    import pandas as pd

    from sim.paths import CONFIG_DIR
    from tests.helpers import NO_WARM_START, run_sweep

    tmp = tmp_path_factory.mktemp("marked_up_study")
    inputs = tmp / "inputs"
    shutil.copytree(small_region, inputs)
    table = pd.read_parquet(inputs / "municipalities.parquet")
    table.loc[table["name"] == "Hjo", "name"] = EVIL_NAME
    table.to_parquet(inputs / "municipalities.parquet", index=False)
    scenarios = tmp / "config" / "scenario"
    scenarios.mkdir(parents=True)
    text = (CONFIG_DIR / "scenario" / "culture_hub.yaml").read_text(encoding="utf-8")
    text = text.replace("name: culture_hub", "name: evil")
    text = text.replace('title: "', f'title: "{EVIL_TITLE} ', 1)
    text = text.replace('title_sv: "', f'title_sv: "{EVIL_TITLE} ', 1)
    (scenarios / "evil.yaml").write_text(text, encoding="utf-8")
    sweep = tmp / "sweep"
    run_sweep(
        sweep,
        "--config-dir",
        str(tmp / "config"),
        "scenario=baseline,housing_even,evil",
        "seed=0,1",
        "years.end=2034",
        f"region.input_dir={inputs}",
        NO_WARM_START,
        cwd=tmp,
    )
    return sweep
