"""SIGKILL at every step by which collect, compare and report publish their outputs, and at
random moments of a sweep; after each kill the command is resumed and every result must be there
exactly once (issue 14).

How. A tiny study is made once (fixture ``study``): a sweep of 2 scenarios x 2 seeds on the small
region to 2028 with the basic launcher, then ``sim collect``, ``sim compare`` and ``sim report``,
undisturbed; its folder is the reference. ``tests/faults/killer.py`` runs a command in a child
process and counts its *steps*: the renames, link swaps, new folders and removals by which
``sim/io/atomic.py`` publishes an output; it can SIGKILL the process just before or just after
any step. Each case copies the reference folder and runs one command on the copy (publishing
again over the reference outputs), killed before each step of collect, compare and report and
after the last (:func:`suite_points`; the campaign also kills after every step), and checks:

(a) after the kill, each output is absent or a complete published version with the reference's
    content (``check_published`` passes and its manifest lists the reference's files), never an
    incomplete one that a reader would open;
(b) the same command run again, undisturbed, exits 0 and its outputs are identical to the
    reference: the ensemble's data (``xarray.testing.assert_identical``), and byte for byte the
    comparison, the charts and the report, which are deterministic;
(c) nothing is left behind: the sweep folder holds nothing the reference does not (no
    ``*.tmp``, no probe folder, ...), and in each ``.NAME.versions`` folder only the version that
    ``NAME`` links to.

A sweep is also started in a new folder and killed at a few steps and at one moment drawn by
a seeded generator, then resumed: every run must be skipped (complete at the kill) or done, each
exactly once, nothing may be left in or beside the sweep folder, and the sweep must collect to
the reference ensemble. Cases run two at a time (``PARALLEL``), each in its own folder; a case's
folder is kept when it fails, for a look. ``python -m tests.faults.campaign`` runs a longer
campaign.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import xarray as xr

from sim.analysis.compare import open_ensemble_store
from sim.batch.sweep import is_complete
from sim.io.atomic import MANIFEST, IncompleteOutput, check_published
from sim.io.provenance import code_version
from tests.faults.killer import (
    KILLED,
    run_killed,
    run_killed_after,
    step_described,
    steps_done,
)
from tests.helpers import NO_WARM_START

SWEEP_OVERRIDES = [
    "scenario=baseline,establishment",
    "seed=0,1",
    "years.end=2028",
    "hydra/launcher=basic",
    NO_WARM_START,
]
RUNS = 4
COMMANDS = ("collect", "compare", "report")
WHEN = ("before", "after")
# What each command writes in the sweep folder: published folders, and single files.
PUBLISHED = {"collect": ["ensemble.zarr"], "compare": ["comparison"], "report": ["report_charts"]}
WRITTEN = {"collect": [], "compare": [], "report": ["report.html"]}
PARALLEL = 2  # cases at a time: the test machine has two cores
SEED = 14  # of the random kills of the sweep
SWEEP_STEP_KILLS = 2
SWEEP_MOMENT_KILLS = 1
# HDF5 (netCDF) is not thread-safe: the checks read results and stores one at a time.
READ_LOCK = threading.Lock()


def sweep_args(sweep_dir: Path, inputs: Path) -> list[str]:
    return [
        "run",
        "-m",
        *SWEEP_OVERRIDES,
        f"region.input_dir={inputs}",
        f"hydra.sweep.dir={sweep_dir}",
    ]


def command_args(command: str, sweep_dir: Path) -> list[str]:
    if command == "report":
        return ["report", str(sweep_dir), "--out", str(sweep_dir / "report.html")]
    return [command, str(sweep_dir)]


@dataclass
class Study:
    """The reference: an uninterrupted sweep folder with every output, and what cases compare."""

    sweep_dir: Path
    inputs: Path
    code_version: str  # of the runs; it changes with a commit or an edit of a tracked file
    sweep_seconds: float  # how long the sweep took
    sweep_steps: int  # steps of the sweep, from an empty folder
    labels: list[str]  # the run folders
    ensemble: xr.Dataset  # loaded
    outputs: dict[str, object]  # output name -> manifest files of a folder, or a file's bytes
    entries: set[str]  # what the sweep folder holds (see entries())
    first_steps: dict[str, int]  # command -> steps when it publishes its outputs the first time
    steps: dict[str, int]  # command -> steps when it publishes them again (what the tests kill)


def build_study(workdir: Path, inputs: Path) -> Study:
    """Sweep, collect, compare and report in ``workdir/reference``, undisturbed, then publish every
    output again to count the steps of doing so (the cases kill there) and to check that an
    undisturbed second publication changes nothing."""
    sweep_dir = workdir / "reference"
    version = code_version()
    started = time.monotonic()
    swept = run_killed(0, "before", sweep_args(sweep_dir, inputs), cwd=workdir)
    sweep_seconds = time.monotonic() - started
    assert swept.returncode == 0, swept.stderr[-3000:]
    assert f"sweep: {RUNS}/{RUNS} done, 0 failed" in swept.stdout
    first_steps = publish_all(sweep_dir, workdir)
    outputs = read_outputs(sweep_dir)
    steps = publish_all(sweep_dir, workdir)
    assert read_outputs(sweep_dir) == outputs, "publishing again changed an output"
    assert not list(sweep_dir.rglob("*.tmp")) and not unpublished_versions(sweep_dir)
    with READ_LOCK:
        ensemble = open_ensemble_store(sweep_dir).load()
    labels = sorted(p.name for p in (sweep_dir / "runs").iterdir())
    assert len(labels) == RUNS
    return Study(
        sweep_dir,
        inputs,
        version,
        sweep_seconds,
        steps_done(swept.stderr),
        labels,
        ensemble,
        outputs,
        entries(sweep_dir),
        first_steps,
        steps,
    )


def publish_all(sweep_dir: Path, workdir: Path) -> dict[str, int]:
    """Collect, then compare and report side by side (both only read the ensemble), undisturbed;
    the number of steps of each."""

    def publish(command: str) -> tuple[str, int]:
        result = run_killed(0, "before", command_args(command, sweep_dir), cwd=workdir)
        assert result.returncode == 0, f"{command}: {result.stderr[-3000:]}"
        return command, steps_done(result.stderr)

    steps = dict([publish("collect")])
    with ThreadPoolExecutor(PARALLEL) as pool:
        steps.update(pool.map(publish, ["compare", "report"]))
    return steps


def read_outputs(sweep_dir: Path) -> dict[str, object]:
    """Every output of the three commands in ``sweep_dir``: manifest files, or bytes."""
    outputs: dict[str, object] = {}
    for command in COMMANDS:
        for name in PUBLISHED[command]:
            outputs[name] = manifest_files(check_published(sweep_dir / name))
        for name in WRITTEN[command]:
            outputs[name] = (sweep_dir / name).read_bytes()
    return outputs


def manifest_files(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]


def entries(folder: Path) -> set[str]:
    """The relative paths of everything under ``folder`` (links are not followed), with the id of
    each version of a published folder written ``<version>``."""
    found = set()
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            relative = (Path(root) / name).relative_to(folder).as_posix()
            found.add(re.sub(r"(^|/)(\.[^/]+\.versions)/[^/]+", r"\1\2/<version>", relative))
    return found


def unpublished_versions(folder: Path) -> list[str]:
    """Versions of published folders under ``folder`` that their link does not point to."""
    found = []
    for versions in sorted(folder.rglob(".*.versions")):
        link = versions.with_name(versions.name[1 : -len(".versions")])
        current = link.resolve() if link.is_symlink() else None
        found += [
            f"unpublished version {version.relative_to(folder)} is left"
            for version in sorted(versions.iterdir())
            if version.resolve() != current
        ]
    return found


# ---- the checks; each returns the problems it found, as sentences ----


def output_problems(study: Study, sweep_dir: Path, command: str, may_be_absent: bool) -> list[str]:
    """(a) and (b): the outputs of ``command`` are complete and equal to the reference."""
    problems = []
    for name in PUBLISHED[command]:
        path = sweep_dir / name
        if not os.path.lexists(path):
            if not may_be_absent:
                problems.append(f"{name} is missing")
            continue
        try:
            check_published(path)
        except IncompleteOutput as err:
            problems.append(f"{name} exists but is incomplete ({err})")
            continue
        if manifest_files(path) != study.outputs[name]:
            problems.append(f"{name} is complete but differs from the reference")
    for name in WRITTEN[command]:
        path = sweep_dir / name
        if not path.exists():
            if not may_be_absent:
                problems.append(f"{name} is missing")
        elif path.read_bytes() != study.outputs[name]:
            problems.append(f"{name} differs from the reference")
    return problems


def ensemble_problems(study: Study, sweep_dir: Path) -> list[str]:
    """(b) for collect: the ensemble, opened as ``sim compare`` opens it, equals the reference."""
    try:
        with READ_LOCK:
            ensemble = open_ensemble_store(sweep_dir).load()
        xr.testing.assert_identical(ensemble, study.ensemble)
    except Exception as err:  # noqa: BLE001 - any failure is a problem to report
        return [f"the ensemble is not the reference's: {type(err).__name__}: {err}"[:2000]]
    return []


def leftovers(study: Study, sweep_dir: Path) -> list[str]:
    """(c): what the reference sweep folder does not hold (temporary files, probe folders, ...),
    and versions of published folders that no link points to."""
    found = [f"{entry} is left" for entry in sorted(entries(sweep_dir) - study.entries)]
    return found + unpublished_versions(sweep_dir)


def incomplete_runs(sweep_dir: Path) -> list[str]:
    """Runs with a results.nc that is not the complete results of the run (a sweep's (a))."""
    problems = []
    for results in sorted(sweep_dir.glob("runs/*/results.nc")):
        label = results.parent.name
        with READ_LOCK:
            complete = is_complete(results.parent, label.rsplit("-", 1)[1])
        if not complete:
            problems.append(f"run {label} has a results.nc but is not complete")
    return problems


# ---- the cases ----


def command_case(
    study: Study, workdir: Path, command: str, step: int, when: str, first: bool = False
) -> list[str]:
    """Kill ``sim <command>`` on a copy of the reference ``when`` (before or after) its step
    ``step``, check its outputs, resume it and check again. The copy has the command's outputs,
    or, if ``first``, not (the command publishes them for the first time)."""
    sweep_dir = workdir / f"{command}-{'first-' if first else ''}{when}-{step}"
    copy_reference(study, sweep_dir, without=PUBLISHED[command] + WRITTEN[command] if first else [])
    args = command_args(command, sweep_dir)
    killed = run_killed(step, when, args, cwd=workdir)
    problems = []
    if killed.returncode != KILLED:
        problems.append(f"was not killed (exit {killed.returncode}): {killed.stderr[-1000:]}")
    problems += [
        f"after the kill, {p}"
        for p in output_problems(study, sweep_dir, command, may_be_absent=True)
    ]
    problems += resume_problems(study, sweep_dir, command, workdir)
    publication = "first publication" if first else "publishing again"
    described = step_described(killed.stderr, step)
    where = f"sim {command} ({publication}) killed {when} step {step} ({described})"
    return finish_case(sweep_dir, where, problems)


def resume_problems(study: Study, sweep_dir: Path, command: str, workdir: Path) -> list[str]:
    """(b) and (c) after running ``sim <command>`` again, undisturbed."""
    resumed = run_killed(0, "before", command_args(command, sweep_dir), cwd=workdir)
    if resumed.returncode != 0:
        return [
            f"the resumed {command} failed (exit {resumed.returncode}): {resumed.stderr[-2000:]}"
        ]
    problems = output_problems(study, sweep_dir, command, may_be_absent=False)
    if command == "collect":
        problems += ensemble_problems(study, sweep_dir)
    return [f"after the resume, {p}" for p in problems + leftovers(study, sweep_dir)]


def sweep_case(
    study: Study, workdir: Path, step: int = 0, when: str = "before", seconds: float = 0.0
) -> list[str]:
    """Start the sweep in a new folder, kill it at ``step`` (``when``) or after ``seconds``,
    resume it, and check that every run was done exactly once; then collect it. The sweep folder
    is alone in its case's folder, so that what is left beside it is seen too."""
    name = f"sweep-{when}-{step}-" if step else f"sweep-after-{seconds:.1f}s-"
    case_dir = Path(tempfile.mkdtemp(prefix=name, dir=workdir))  # moments may repeat
    sweep_dir = case_dir / "sweep"
    args = sweep_args(sweep_dir, study.inputs)
    if step:
        killed = run_killed(step, when, args, cwd=case_dir)
        where = f"the sweep killed {when} step {step} ({step_described(killed.stderr, step)})"
    else:
        killed = run_killed_after(seconds, args, cwd=case_dir)
        ended = "" if killed.returncode == KILLED else ", which ended before"
        where = f"the sweep killed after {seconds:.1f} s{ended}"
    problems = []
    if step and killed.returncode != KILLED:
        problems.append(f"was not killed (exit {killed.returncode}): {killed.stderr[-1000:]}")
    problems += [f"after the kill, {p}" for p in incomplete_runs(sweep_dir)]
    complete = sorted(p.parent.name for p in sweep_dir.glob("runs/*/results.nc"))
    resumed = run_killed(0, "before", args, cwd=case_dir)
    if resumed.returncode != 0:
        problems.append(f"the resumed sweep failed: {resumed.stderr[-2000:]}")
        return finish_case(case_dir, where, problems)
    skipped = re.findall(r"^skip (\S+):", resumed.stdout, re.MULTILINE)
    done = re.findall(r"^done (\S+)$", resumed.stdout, re.MULTILINE)
    if sorted(skipped) != complete:
        problems.append(f"the resume skipped {skipped}, but {complete} were complete")
    if sorted(skipped + done) != study.labels:
        problems.append(f"the resume did {done} and skipped {skipped}: not each run once")
    run_folders = sorted(p.name for p in (sweep_dir / "runs").iterdir())
    if run_folders != study.labels:
        problems.append(f"the run folders are {run_folders}, not {study.labels}")
    problems += [f"after the resume, {p}" for p in incomplete_runs(sweep_dir)]
    problems += [f"after the resume, {p}" for p in leftovers(study, sweep_dir)]
    problems += [
        f"after the resume, {p.name} is left beside the sweep folder"
        for p in case_dir.iterdir()
        if p != sweep_dir
    ]
    collected = run_killed(0, "before", command_args("collect", sweep_dir), cwd=case_dir)
    if collected.returncode != 0:
        problems.append(f"collecting the resumed sweep failed: {collected.stderr[-2000:]}")
    else:
        problems += ensemble_problems(study, sweep_dir)
    return finish_case(case_dir, f"{where}, {len(complete)} runs complete", problems)


def copy_reference(study: Study, folder: Path, without: list[str]) -> None:
    """Copy the reference sweep folder to ``folder``, less the outputs ``without`` (and their
    versions). Links are copied as links: the outputs stay published."""
    left_out = {n for name in without for n in (name, f".{name}.versions")}

    def ignore(directory: str, names: list[str]) -> list[str]:
        return [n for n in names if Path(directory) == study.sweep_dir and n in left_out]

    shutil.copytree(study.sweep_dir, folder, symlinks=True, ignore=ignore)


def finish_case(folder: Path, where: str, problems: list[str]) -> list[str]:
    """The problems, each prefixed by where the kill was; removes the case's folder if none."""
    if not problems:
        shutil.rmtree(folder)
    return [f"{where}: {p}" for p in problems]


def run_cases(case: Callable[..., list[str]], points: Iterable[tuple]) -> list[list[str]]:
    """``case(*point)`` for every point, ``PARALLEL`` at a time: the problems of each case."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda point: case(*point), points))


def problems_of(cases: list[list[str]]) -> list[str]:
    return [problem for problems in cases for problem in problems]


def failure_message(study: Study, problems: list[str], kills: int) -> str:
    message = f"{len(problems)} problems in {kills} kills:\n" + "\n".join(problems)
    if code_version() != study.code_version:
        message += (
            f"\n(the code version changed during the test, from {study.code_version} to "
            f"{code_version()}: resumed sweeps redo their runs and outputs differ)"
        )
    return message


def every_point(steps: int) -> list[tuple[int, str]]:
    """Every step from 1 to ``steps``, before and after."""
    return [(step, when) for step in range(1, steps + 1) for when in WHEN]


def suite_points(steps: int) -> list[tuple[int, str]]:
    """Before every step, and after the last: the suite's share of :func:`every_point`. After step
    k the files differ from before step k + 1 only by writes inside a version not yet published
    (zarr chunks, netCDF), so the campaign (``tests/faults/campaign.py``) keeps both."""
    return [(step, "before") for step in range(1, steps + 1)] + [(steps, "after")]


def random_sweep_kills(study: Study, rng: random.Random, steps: int, moments: int) -> list[tuple]:
    """``steps`` distinct (step, when) of the sweep, and ``moments`` kills after a time within
    the sweep's duration, drawn by ``rng``: arguments of :func:`sweep_case` after the workdir."""
    kills = [(step, when, 0.0) for step, when in rng.sample(every_point(study.sweep_steps), steps)]
    kills += [(0, "before", rng.uniform(0.1, 0.8) * study.sweep_seconds) for _ in range(moments)]
    return kills


# ---- the tests ----


@pytest.fixture(scope="module")
def study(tmp_path_factory, small_region) -> Study:
    return build_study(tmp_path_factory.mktemp("kills"), small_region)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_killed_at_any_step_leaves_complete_outputs_and_resumes(study, tmp_path, command):
    points = suite_points(study.steps[command])
    assert len(points) >= 6, f"the killer saw only {study.steps[command]} steps of {command}"
    problems = problems_of(
        run_cases(lambda step, when: command_case(study, tmp_path, command, step, when), points)
    )
    assert not problems, failure_message(study, problems, len(points))


def test_a_sweep_killed_at_random_moments_resumes_and_runs_every_run_once(study, tmp_path):
    kills = random_sweep_kills(study, random.Random(SEED), SWEEP_STEP_KILLS, SWEEP_MOMENT_KILLS)
    problems = problems_of(
        run_cases(
            lambda step, when, seconds: sweep_case(study, tmp_path, step, when, seconds), kills
        )
    )
    assert not problems, failure_message(study, problems, len(kills))
