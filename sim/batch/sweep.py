"""Batch runs: stable run ids, run folders of a sweep, resume, and the sweep's progress line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from omegaconf import DictConfig

from sim.io.atomic import write_text
from sim.io.progress import duration
from sim.io.provenance import run_id
from sim.io.results import RESULTS_FILE


def run_label(cfg: DictConfig) -> str:
    """The run's folder name: scenario, future (if any), seed and run id
    (``establishment-seed3-1a2b3c4d5e6f``, ``establishment-future7-seed0-...``)."""
    future = "" if cfg.get("future") is None else f"future{cfg.future}-"
    return f"{cfg.scenario.name}-{future}seed{cfg.seed}-{run_id(cfg)}"


def is_complete(
    run_dir: Path,
    expected_id: str,
    code_version: str | None = None,
    input_checksums: str | None = None,
) -> bool:
    """Whether ``run_dir`` holds the complete results of the run ``expected_id``.

    A run writes ``config.yaml`` and then ``results.nc``, each under a temporary name renamed into
    place, so the run is complete when both exist and ``results.nc`` opens and carries the
    expected run id. When ``code_version`` or ``input_checksums`` (JSON)
    are given they must match too, so that a sweep re-run after a code or input change redoes
    the stale runs instead of skipping them.
    """
    path = Path(run_dir) / RESULTS_FILE
    if not path.is_file() or not (Path(run_dir) / "config.yaml").is_file():
        return False
    import netCDF4

    try:
        with netCDF4.Dataset(path) as nc:
            found = (
                getattr(nc, "run_id", None),
                getattr(nc, "code_version", None),
                getattr(nc, "input_checksums", None),
            )
    except OSError:
        return False
    if found[0] != expected_id:
        return False
    if code_version is not None and found[1] != code_version:
        return False
    return input_checksums is None or found[2] == input_checksums


# ---- the sweep's progress ----

SWEEP_FILE = "sweep.json"
FAILED_FILE = "FAILED"
# A run that failed is a bug (every run was validated before the sweep started): the sweep ends
# with the exit code of bugs (EX_SOFTWARE of sysexits.h), after all the other runs.
EXIT_FAILED_RUNS = 70


def count_jobs(task_overrides: list[str], sweeper_params: dict | None) -> int:
    """Number of runs of a sweep: the product of the lengths of its sweep overrides."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = list(task_overrides) + [f"{k}={v}" for k, v in (sweeper_params or {}).items()]
    sweeps: dict[str, int] = {}
    for override in OverridesParser.create().parse_overrides(overrides):
        # The command line (listed first) wins over an experiment's sweeper params for a key.
        n = len(list(override.sweep_string_iterator())) if override.is_sweep_override() else 1
        sweeps.setdefault(override.key_or_group, n)
    total = 1
    for n in sweeps.values():
        total *= n
    return total


def sweep_status(sweep_dir: Path) -> dict[str, float]:
    """Runs done (complete results), failed, and the total and start time of the sweep."""
    import time

    sweep_dir = Path(sweep_dir)
    meta = {"total": 0, "start": time.time()}
    if (sweep_dir / SWEEP_FILE).is_file():
        meta.update(json.loads((sweep_dir / SWEEP_FILE).read_text(encoding="utf-8")))
    runs = sweep_dir / "runs"
    done = len(list(runs.glob("*/results.nc"))) if runs.is_dir() else 0
    failed = len(list(runs.glob(f"*/{FAILED_FILE}"))) if runs.is_dir() else 0
    return {"done": done, "failed": failed, "total": meta["total"], "start": meta["start"]}


def progress_line(sweep_dir: Path) -> str:
    """``sweep: 7/40 done, 1 failed, 32 remaining, about 3 min left``."""
    import time

    s = sweep_status(sweep_dir)
    finished = s["done"] + s["failed"]
    remaining = max(int(s["total"] - finished), 0)
    elapsed = time.time() - s["start"]
    left = "unknown" if finished == 0 else duration(elapsed / finished * remaining)
    return (
        f"sweep: {s['done']}/{int(s['total'])} done, {s['failed']} failed, "
        f"{remaining} remaining, about {left} left"
    )


try:
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover - hydra-core always has it from 1.1
    Callback = object


class SweepProgress(Callback):
    """Hydra callback: records the sweep's size at its start and prints a summary at its end.

    Each run prints the progress line when it finishes (``sim.cli``), whatever the launcher.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        import time

        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        total = count_jobs(list(config.hydra.overrides.task), config.hydra.sweeper.get("params"))
        meta = {"total": total, "start": time.time()}
        write_text(sweep_dir / SWEEP_FILE, json.dumps(meta))
        print(f"sweep of {total} runs in {sweep_dir}", flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        print(progress_line(sweep_dir), flush=True)
        failed = sorted((sweep_dir / "runs").glob(f"*/{FAILED_FILE}"))
        if failed:
            print(
                f"error: {len(failed)} run(s) failed, a bug in sim; their tracebacks are in "
                + ", ".join(str(path) for path in failed[:3])
                + (" ..." if len(failed) > 3 else ""),
                file=sys.stderr,
                flush=True,
            )
            raise SystemExit(EXIT_FAILED_RUNS)  # not an Exception: Hydra's callbacks pass it on
        print(f"collect with: sim collect {sweep_dir}", flush=True)
