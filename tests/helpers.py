"""Running the ``sim`` command in a subprocess, as users do; made-up names for scenarios built
in code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SIM = [sys.executable, "-m", "sim.cli"]
# For tests of the machinery around runs (launchers, sweeps, kills, collect, compare, report): the
# warm start triples a short run and is not what they test (tests/engine tests it).
NO_WARM_START = "params.warm_start.years=0"


def sim_cli(
    *args: str, cwd: Path | None = None, timeout: int = 600, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``sim <args>``, with text output captured."""
    return subprocess.run(
        [*SIM, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def run_sweep(sweep_dir: Path, *overrides: str, cwd: Path | None = None) -> None:
    """``sim run -m <overrides>`` into ``sweep_dir`` with the basic launcher, then collect it."""
    run = sim_cli(
        "run", "-m", *overrides, "hydra/launcher=basic", f"hydra.sweep.dir={sweep_dir}", cwd=cwd
    )
    assert run.returncode == 0, run.stderr[-3000:]
    collected = sim_cli("collect", str(sweep_dir), cwd=cwd)
    assert collected.returncode == 0, collected.stderr[-3000:]


# Made-up names people read, for scenarios that tests build in code: the validator requires a title
# and a description in English and Swedish of every scenario and intervention, and these mark
# themselves as a test's, so that no report shows them as if they were real.
TEST_NAMES = {
    "title": "Test title: {name}",
    "title_sv": "Testtitel: {name}",
    "description": "Made up for a test.",
    "description_sv": "Påhittad för ett test.",
}
NAMED_LISTS = ("establishments", "housing_programmes", "cultural_investments", "joint_proposals")


def titled(scenario: dict) -> dict:
    """A copy of ``scenario`` (a plain dict) with :data:`TEST_NAMES` filled in where the scenario
    or one of its interventions has no such key (a key given, even empty, is kept)."""

    def fill(entry: dict) -> dict:
        name = entry.get("name", "baseline")
        made_up = {key: text.format(name=name) for key, text in TEST_NAMES.items()}
        return {**made_up, **entry}

    out = fill(dict(scenario))
    for key in NAMED_LISTS:
        if out.get(key):
            out[key] = [fill(dict(item)) if isinstance(item, dict) else item for item in out[key]]
    return out
