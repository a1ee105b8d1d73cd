"""Run a ``sim`` command and SIGKILL it at one of its file-system steps.

    python -m tests.faults.killer --kill-at N [--when before|after] -- <sim args...>

A *step* is a call, made by the project's own code (a file under ``sim/``), that renames, links,
makes a folder or removes: one of :data:`STEP_FUNCTIONS` (``os.replace``, ``shutil.rmtree``,
``Path.symlink_to``, ``Path.mkdir``, ...). These are the moments at which ``sim/io/atomic.py``
makes an output visible or removes one, so killing just before and just after each of them in
turn visits every state a killed writer can leave. Writing a file's content is not a step: it goes
to a temporary name or into an unpublished version, and the rename that follows is one. Calls
that change nothing (making a folder that exists, removing a path that does not) are not steps,
and neither are calls made inside libraries (zarr's, netCDF's and Hydra's own).

The N-th step (counted from 1 over all kinds) sends SIGKILL to the process just before, or just
after, it is done. Every step is logged on stderr (``killer: step 3: os.replace A B``); when the
command ends without being killed the last line is ``killer: N steps`` and the exit code is the
command's. ``--kill-at 0`` never kills: it counts the steps of an undisturbed command, so that a
test can then kill at each of them in turn.

Tests call :func:`run_killed` and :func:`run_killed_after`, which do the same in a child process
forked from a server that has imported the commands' modules once (multiprocessing's
``forkserver``): the kill tests run about eighty commands, and each would otherwise spend about
1.7 s importing them.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import sim

SIM_DIR = os.path.dirname(os.path.realpath(sim.__file__)) + os.sep

# name -> (object holding the function, attribute)
STEP_FUNCTIONS = {
    "os.replace": (os, "replace"),
    "os.rename": (os, "rename"),
    "os.remove": (os, "remove"),
    "os.unlink": (os, "unlink"),
    "os.rmdir": (os, "rmdir"),
    "os.mkdir": (os, "mkdir"),
    "os.makedirs": (os, "makedirs"),
    "os.symlink": (os, "symlink"),
    "shutil.rmtree": (shutil, "rmtree"),
    "shutil.move": (shutil, "move"),
    "Path.replace": (Path, "replace"),
    "Path.rename": (Path, "rename"),
    "Path.unlink": (Path, "unlink"),
    "Path.rmdir": (Path, "rmdir"),
    "Path.mkdir": (Path, "mkdir"),
    "Path.symlink_to": (Path, "symlink_to"),
}
MAKERS = {"os.mkdir", "os.makedirs", "Path.mkdir"}
REMOVALS = {"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree", "Path.unlink", "Path.rmdir"}

KILLED = -signal.SIGKILL  # the exit code of a process killed by SIGKILL
STEPS_LINE = re.compile(r"^killer: (\d+) steps$", re.MULTILINE)
# Imported once by the fork server rather than by every command.
PRELOADED = [
    "tests.faults.killer",
    "sim.cli",
    "sim.engine.run",
    "sim.batch.collect",
    "sim.analysis.study",
    "sim.report.build",
]


def log(text: str) -> None:
    print(f"killer: {text}", file=sys.stderr, flush=True)


def called_from_project(frame) -> bool:
    return os.path.realpath(frame.f_code.co_filename).startswith(SIM_DIR)


def changes_nothing(name: str, target) -> bool:
    if name in MAKERS:
        return os.path.lexists(target)
    if name in REMOVALS:
        return not os.path.lexists(target)
    return False


class StepKiller:
    """Counts the steps of this process and kills it at step ``kill_at`` (0: never)."""

    def __init__(self, kill_at: int, when: str):
        self.kill_at = kill_at
        self.when = when
        self.steps = 0

    def install(self) -> None:
        for name, (owner, attribute) in STEP_FUNCTIONS.items():
            setattr(owner, attribute, self._wrap(name, getattr(owner, attribute)))

    def _wrap(self, name: str, function):
        def step(*args, **kwargs):
            if not called_from_project(sys._getframe(1)) or changes_nothing(name, args[0]):
                return function(*args, **kwargs)
            self.steps += 1
            log(f"step {self.steps}: {name} {' '.join(str(a) for a in args)}")
            kill_here = self.steps == self.kill_at
            if kill_here and self.when == "before":
                kill_myself(f"killed before step {self.steps}")
            try:
                return function(*args, **kwargs)
            finally:
                if kill_here and self.when == "after":
                    kill_myself(f"killed after step {self.steps}")

        return functools.update_wrapper(step, function)


def kill_myself(message: str) -> None:
    log(message)
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def run_sim(kill_at: int, when: str, sim_args: list[str]) -> int:
    """``sim <sim_args>`` in this process, killed at step ``kill_at`` (0: never)."""
    killer = StepKiller(kill_at, when)
    killer.install()
    from sim.cli import main as sim_main

    try:
        return sim_main(sim_args)
    finally:
        log(f"{killer.steps} steps")


# ---- for tests: the same in a child process ----

_START_LOCK = threading.Lock()  # tests start children from several threads


def run_killed(
    kill_at: int, when: str, sim_args: list[str], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run ``sim <sim_args>`` in a child process killed at step ``kill_at`` (0: never). The
    return code is :data:`KILLED` when the kill happened; stdout and stderr are text."""
    return _run_child(kill_at, when, sim_args, cwd, stop_after=timeout, timeout_is_error=True)


def run_killed_after(seconds: float, sim_args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``sim <sim_args>`` in a child process and send it SIGKILL after ``seconds`` unless it
    has ended by then. The return code is :data:`KILLED` when the kill happened."""
    return _run_child(0, "before", sim_args, cwd, stop_after=seconds, timeout_is_error=False)


def _run_child(
    kill_at: int,
    when: str,
    sim_args: list[str],
    cwd: Path,
    stop_after: float,
    timeout_is_error: bool,
) -> subprocess.CompletedProcess:
    """Run the child, SIGKILL it after ``stop_after`` seconds if it still runs, and return its
    exit code and output."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    with tempfile.TemporaryDirectory(prefix="killer-") as output:
        child = context.Process(
            target=_child_main, args=(kill_at, when, list(sim_args), str(cwd), output)
        )
        with _START_LOCK:
            child.start()
        child.join(stop_after)
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            child.join()
            if timeout_is_error:
                raise TimeoutError(f"sim {' '.join(sim_args)} took more than {stop_after} s")
        stdout, stderr = (_read_if_any(Path(output, name)) for name in ("stdout", "stderr"))
    return subprocess.CompletedProcess(["sim", *sim_args], child.exitcode, stdout, stderr)


def _read_if_any(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""  # none if killed at once


def _child_main(kill_at: int, when: str, sim_args: list[str], cwd: str, output: str) -> None:
    """In the child: write stdout and stderr to files in ``output``, then :func:`run_sim`."""
    os.chdir(cwd)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        file = os.open(os.path.join(output, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(file, fd)
        os.close(file)
    sys.argv = ["sim", *sim_args]
    sys.exit(run_sim(kill_at, when, sim_args))


def steps_done(stderr: str) -> int:
    """The number of steps of an undisturbed command, from its stderr."""
    found = STEPS_LINE.findall(stderr)
    if not found:
        raise ValueError(f"no 'killer: N steps' line in:\n{stderr[-3000:]}")
    return int(found[-1])


def step_described(stderr: str, step: int) -> str:
    """What step ``step`` was (``os.replace A B``), from the log on stderr; "" when not found."""
    found = re.search(rf"^killer: step {step}: (.*)$", stderr, re.MULTILINE)
    return found.group(1) if found else ""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(
        prog="python -m tests.faults.killer", description="Run sim, killed at its N-th step."
    )
    parser.add_argument("--kill-at", type=int, default=0, help="step to kill at; 0: never")
    parser.add_argument("--when", choices=("before", "after"), default="before")
    options = parser.parse_args(argv[:split])
    return run_sim(options.kill_at, options.when, argv[split + 1 :])


if __name__ == "__main__":
    sys.exit(main())
