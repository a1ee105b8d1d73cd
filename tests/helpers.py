"""Running the ``sim`` command in a subprocess, as users do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SIM = [sys.executable, "-m", "sim.cli"]
# For tests of the machinery around runs (launchers, sweeps, kills, collect, compare, report): the
# warm start triples a short run and is not what they test (tests/engine tests it).
NO_WARM_START = "params.warm_start.years=0"


def sim_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """``sim <args>``, with text output captured."""
    return subprocess.run([*SIM, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def run_sweep(sweep_dir: Path, *overrides: str, cwd: Path | None = None) -> None:
    """``sim run -m <overrides>`` into ``sweep_dir`` with the basic launcher, then collect it."""
    run = sim_cli(
        "run", "-m", *overrides, "hydra/launcher=basic", f"hydra.sweep.dir={sweep_dir}", cwd=cwd
    )
    assert run.returncode == 0, run.stderr[-3000:]
    collected = sim_cli("collect", str(sweep_dir), cwd=cwd)
    assert collected.returncode == 0, collected.stderr[-3000:]
