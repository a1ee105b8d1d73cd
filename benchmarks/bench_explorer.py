"""How long the explorer of a study takes to build and to open in headless Chromium, and what it
weighs (the aim: under 3 seconds to open and under 10 MB).

Usage: .venv/bin/python benchmarks/bench_explorer.py [STUDY] [--repeats N] [--optimisation DIR]

STUDY defaults to the default study of ``make run`` (outputs/sweeps/skaraborg_study). Opening is
timed from navigation to the moment the page's script has drawn every view (``data-ready`` on
the body), in a fresh page each time; the best and the median of the repeats are printed, per
language.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.report.explorer import build_explorer  # noqa: E402
from tests.browser import page_in_chromium  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", nargs="?", default="outputs/sweeps/skaraborg_study")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--optimisation", default=None)
    ns = parser.parse_args()
    print(f"study: {ns.study}")
    print("lang  build s  size MB  open s (best)  open s (median)  map polygons")
    for lang in ("sv", "en"):
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            out = build_explorer(
                ns.study, Path(tmp) / f"explorer_{lang}.html", lang, optimisation=ns.optimisation
            )
            built = time.perf_counter() - began
            size = out.stat().st_size / 1e6
            times, polygons = [], 0
            with page_in_chromium() as (page, watch):
                for _ in range(ns.repeats):
                    page.goto("about:blank")
                    began = time.perf_counter()
                    page.goto(out.resolve().as_uri())
                    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                    times.append(time.perf_counter() - began)
                polygons = page.locator("#views path[aria-roledescription='geoshape']").count()
            problems = f"  problems: {watch.problems[:3]}" if watch.problems else ""
            print(
                f"{lang:4}  {built:7.1f}  {size:7.2f}  {min(times):13.2f}  "
                f"{statistics.median(times):15.2f}  {polygons:12d}{problems}"
            )


if __name__ == "__main__":
    main()
