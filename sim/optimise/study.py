"""``sim optimise``: load and check a problem, search (or resume), re-run the front, write it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sim.optimise.front import build_front, comparison_table, front_table, write_front
from sim.optimise.problem import load_problem
from sim.optimise.search import search
from sim.paths import REPO_ROOT

SUMMARY_FILE = "front.md"


def default_folder(name: str) -> Path:
    return REPO_ROOT / "outputs" / "optimise" / name


def run_study(
    name_or_path: str,
    overrides: list[str] | None = None,
    folder: Path | None = None,
    say: Callable[[str], None] = print,
) -> tuple[Path, str]:
    """Run the study of a problem in ``folder``; returns the front's path and its summary."""
    import time

    from sim.io.atomic import write_text

    problem = load_problem(name_or_path, overrides)
    began = time.perf_counter()
    folder = Path(folder) if folder is not None else default_folder(problem.spec.name)
    result = search(problem, folder, say)
    ds = build_front(problem, result, say)
    path = write_front(ds, folder)
    rows = comparison_table(ds)
    verdicts = "\n".join(
        f"- {r['reference']}: {r['verdict']}"
        + (f" (solution {r['solution']})" if r["solution"] is not None else "")
        for r in rows
    )
    runs = result.evaluator.runs_done  # search, references and the front's fresh runs
    minutes = (time.perf_counter() - began) / 60
    rate = runs / minutes if minutes > 0 else float("nan")
    summary = (
        f"# Front of {problem.spec.name}\n\n"
        f"On {ds.sizes['run']} fresh runs (futures and seeds the search never saw); values with "
        "95 % confidence intervals.\n\n"
        f"{front_table(ds)}\n\n"
        f"Hand-made scenarios against the front:\n{verdicts}\n\n"
        f"Runs in this process: {runs} in {minutes:.1f} min ({rate:.1f} runs/min); "
        f"hypervolume of the re-run front {ds.attrs['hypervolume_reevaluated']:.4g}\n"
    )
    write_text(folder / SUMMARY_FILE, summary)
    return path, summary
