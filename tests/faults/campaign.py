"""A longer kill campaign than the test suite's (issue 14); not collected by pytest.

    python -m tests.faults.campaign [--moments 50] [--seed 14] [--workdir DIR]

It builds the same small study as ``tests/faults/test_kills.py`` (on a new copy of the small
region), then kills, with the same checks after each kill and resume:

* the sweep, started in a new folder, at every step (before and after) and at ``--moments``
  moments drawn by a generator seeded with ``--seed``;
* ``sim collect``, ``sim compare`` and ``sim report`` at every step, both when they publish their
  outputs for the first time and when they publish them again (what the tests do).

It prints a line per kind of kill as it goes, then a table (kills, failed cases, time) and every
problem found; the exit code is 1 if there is one. A temporary work folder is removed when all
is well and kept (with the failed cases' folders) otherwise. It makes about 150 kills with
1,450 s of CPU: 13 minutes on two cores. The resource tracker's warning at the end about leaked
semaphores is harmless: numcodecs' Blosc lock, made in each child and left for the tracker.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tests.faults.test_kills import (
    COMMANDS,
    PARALLEL,
    build_study,
    command_case,
    every_point,
    failure_message,
    problems_of,
    run_cases,
    sweep_case,
)
from tests.small_region import make_small_region


def campaign_kinds(study, workdir: Path, moments: int, rng: random.Random) -> list[tuple]:
    """(title, case function, points) of every kind of kill of the campaign."""

    def sweep(step, when, seconds):
        return sweep_case(study, workdir, step, when, seconds)

    kinds = [
        ("sweep, every step", sweep, [(s, w, 0.0) for s, w in every_point(study.sweep_steps)]),
        (
            "sweep, random moments",
            sweep,
            [(0, "before", rng.uniform(0.05, 1.0) * study.sweep_seconds) for _ in range(moments)],
        ),
    ]
    for command in COMMANDS:
        for first, steps in ((True, study.first_steps), (False, study.steps)):

            def case(step, when, command=command, first=first):
                return command_case(study, workdir, command, step, when, first)

            publication = "first publication" if first else "publishing again"
            kinds.append((f"{command}, {publication}", case, every_point(steps[command])))
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.campaign", description=__doc__)
    parser.add_argument("--moments", type=int, default=50, help="random kills of the sweep")
    parser.add_argument("--seed", type=int, default=14, help="of the random moments")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    options = parser.parse_args(argv)
    temporary = options.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="kill-campaign-")) if temporary else options.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    study = build_study(workdir, make_small_region(workdir / "inputs"))
    print(
        f"reference study in {workdir} ({time.monotonic() - started:.0f} s); "
        f"{PARALLEL} cases at a time",
        flush=True,
    )
    rows, problems = [], []
    for title, case, points in campaign_kinds(
        study, workdir, options.moments, random.Random(options.seed)
    ):
        begun = time.monotonic()
        cases = run_cases(case, points)
        failed = sum(1 for found in cases if found)
        rows.append((title, len(points), failed, time.monotonic() - begun))
        problems += problems_of(cases)
        print(f"{title}: {len(points)} kills, {failed} failed", flush=True)
    total = ("total", sum(r[1] for r in rows), sum(r[2] for r in rows), time.monotonic() - started)
    print(f"\n{'kind of kill':<34} {'kills':>6} {'failed':>7} {'seconds':>8}")
    for title, kills, failed, seconds in [*rows, total]:
        print(f"{title:<34} {kills:>6} {failed:>7} {seconds:>8.0f}")
    if problems:
        print(f"\ncases kept in {workdir}; " + failure_message(study, problems, total[1]))
        return 1
    if temporary:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
