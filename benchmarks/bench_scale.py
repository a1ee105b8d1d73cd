"""Time the model on Skaraborg scaled x1..x16 and on a Sweden-sized region: cost against size.

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes x1 x4 x16 sweden] [--end 2034]
       [--sweden-end 2050] [--threads N] [--out DIR] [--keep]

Sizes: ``xN`` is Skaraborg's 15 municipalities with every count times N, ``sweden`` is 19 copies
of them (285 municipalities) scaled to 10.6 M residents; both are synthetic benchmark regions
built by ``benchmarks/scaled_region.py``, not data. Each size runs in a fresh child process of
this script, so its peak RSS is its own; the child first runs Skaraborg 2024-2025 so that every
numba kernel is compiled or loaded from the cache before anything is timed.

Timed in the child: set-up (``build_model``: loading inputs, synthesis and the warm start), the
yearly loop (``model.step()`` and ``model.record()`` per simulated year) and building the
Dataset. Person-years are the resident persons summed over the simulated years. Peak RSS is
``ru_maxrss``; the baseline is the RSS after imports and the warm-up run, so "B/person above
baseline" is the memory the size's own agents and tables take.

The parent prints one table row per size, the per-step shares and ns per person-year of the loop,
and the exponent b of seconds per year ~ persons^b over the 15-municipality sizes (b = 1 means
the loop scales linearly with persons). The generated inputs are removed unless ``--keep``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = ("x1", "x2", "x4", "x8", "x16", "sweden")
"""Accepted sizes: Skaraborg times N (15 municipalities), or the Sweden-like region."""

DEFAULT_SIZES = ("x1", "x4", "x16", "sweden")


# --- The child: one size, one process ------------------------------------------------------------
def rss_now_kib() -> int:
    """The process's current resident set size in KiB (Linux ``/proc/self/status``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("VmRSS not found in /proc/self/status")


def peak_rss_kib() -> int:
    """The process's peak resident set size so far in KiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def residents(model) -> int:
    """Resident persons now: alive, in a household that has a dwelling in the region."""
    return int((model.pop.resident_municipality() >= 0).sum())


def numba_threading() -> dict:
    """Numba's threading set-up as the model sees it (a layer exists only once a parallel kernel
    has run; the model may have none)."""
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "none initialised (no parallel kernel ran)"
    return {
        "numba": numba.__version__,
        "threading_layer": layer,
        "threading_layer_requested": numba.config.THREADING_LAYER,
        "numba_num_threads": numba.config.NUMBA_NUM_THREADS,
    }


def run_child(region_dir: str, end: int) -> dict:
    """Run one region from its base year to ``end`` and return its timings and memory.

    The loop mirrors ``sim.engine.run.simulate`` (base-year record, then step and record per
    year, then the Dataset) with each part timed; the warm start's own steps are excluded from
    the per-step shares by subtracting the timings as set-up leaves them.
    """
    from sim.config.compose import compose_config, resolve_config
    from sim.engine.run import build_model, coordinates, run_attributes, simulate
    from sim.io.results import Recorder

    start = time.perf_counter()
    simulate(compose_config(["years.end=2025", "progress=false"]))
    warmup_seconds = time.perf_counter() - start
    gc.collect()
    baseline_kib = rss_now_kib()
    warmup_peak_kib = peak_rss_kib()

    cfg = resolve_config(
        compose_config([f"region.input_dir={region_dir}", f"years.end={end}", "progress=false"])
    )
    start = time.perf_counter()
    model = build_model(cfg)
    setup_seconds = time.perf_counter() - start
    warm_start_seconds = sum(model.timings.values())  # the warm start's steps, part of set-up
    persons = residents(model)

    start = time.perf_counter()
    recorder = Recorder(model.declared_results())
    model.record(recorder)
    base_record_seconds = time.perf_counter() - start

    before = dict(model.timings)
    loop_seconds = 0.0
    person_years = 0
    years = cfg.years.end - cfg.years.start
    for _ in range(years):
        start = time.perf_counter()
        model.step()
        model.record(recorder)
        loop_seconds += time.perf_counter() - start
        person_years += residents(model)
    steps = {label: model.timings[label] - before[label] for label in model.timings}

    start = time.perf_counter()
    ds = recorder.to_dataset(
        coordinates(model), base_year=model.base_year, static=model.static_results()
    )
    ds.attrs.update(run_attributes(cfg, model.inputs.checksums))
    dataset_seconds = time.perf_counter() - start

    peak_kib = peak_rss_kib()
    return {
        "municipalities": model.n_muni,
        "persons": persons,
        "residents_end": residents(model),
        "years": years,
        "person_years": person_years,
        "warmup_seconds": warmup_seconds,
        "setup_seconds": setup_seconds,
        "warm_start_seconds": warm_start_seconds,
        "base_record_seconds": base_record_seconds,
        "loop_seconds": loop_seconds,
        "dataset_seconds": dataset_seconds,
        "whole_seconds": setup_seconds + base_record_seconds + loop_seconds + dataset_seconds,
        "baseline_rss_kib": baseline_kib,
        "warmup_peak_rss_kib": warmup_peak_kib,
        "peak_rss_kib": peak_kib,
        "steps": steps,
        "machine": numba_threading(),
    }


# --- The parent: build each size, run its child, report ------------------------------------------
def build_size(size: str, out_dir: Path) -> Path:
    """Write the inputs of one size to ``out_dir`` (synthetic, see scaled_region.py)."""
    from scaled_region import scale_region, sweden_like

    if size == "sweden":
        return sweden_like(out_dir)
    return scale_region(int(size.removeprefix("x")), out_dir)


def run_size(region_dir: Path, end: int, threads: int | None) -> dict:
    """Run one size in a fresh child process and return its JSON report."""
    env = dict(os.environ)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, __file__, "--child", str(region_dir), "--end", str(end)]
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"child for {region_dir} failed with exit code {done.returncode}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"child for {region_dir} printed no JSON report:\n{done.stdout}")
    return json.loads(lines[-1])


def derived(report: dict) -> dict:
    """The table's figures of one child report."""
    persons = report["persons"]
    mb = 1024 / 1e6  # KiB to MB
    return {
        "s_per_year": report["loop_seconds"] / report["years"],
        "ns_per_person_year": 1e9 * report["loop_seconds"] / report["person_years"],
        "m_person_years_per_s": report["person_years"] / report["loop_seconds"] / 1e6,
        "peak_mb": report["peak_rss_kib"] * mb,
        "baseline_mb": report["baseline_rss_kib"] * mb,
        "bytes_per_person": report["peak_rss_kib"] * 1024 / persons,
        "bytes_per_person_above": (report["peak_rss_kib"] - report["baseline_rss_kib"])
        * 1024
        / persons,
    }


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table with right-aligned columns after the first."""
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def summary_table(reports: dict[str, dict]) -> str:
    header = [
        "size",
        "municipalities",
        "persons",
        "years",
        "s/year",
        "ns/person-year",
        "M person-years/s",
        "set-up s",
        "whole run s",
        "peak RSS MB",
        "B/person total",
        "B/person above import baseline",
    ]
    rows = []
    for size, r in reports.items():
        d = derived(r)
        rows.append(
            [
                size,
                f"{r['municipalities']}",
                f"{r['persons']:,}",
                f"{r['years']}",
                f"{d['s_per_year']:.2f}",
                f"{d['ns_per_person_year']:.0f}",
                f"{d['m_person_years_per_s']:.2f}",
                f"{r['setup_seconds']:.1f}",
                f"{r['whole_seconds']:.1f}",
                f"{d['peak_mb']:,.0f}",
                f"{d['bytes_per_person']:,.0f}",
                f"{d['bytes_per_person_above']:,.0f}",
            ]
        )
    return markdown_table(header, rows)


def steps_table(reports: dict[str, dict]) -> str:
    """Share of the loop and ns per person-year of every step, per size: a step whose cost
    grows faster than persons shows as a rising ns per person-year."""
    labels = list(next(iter(reports.values()))["steps"])
    header = ["step"]
    for size in reports:
        header += [f"{size} %", f"{size} ns/py"]
    rows = []
    for label in labels:
        row = [label]
        for r in reports.values():
            seconds = r["steps"].get(label, float("nan"))
            total = sum(r["steps"].values()) or 1.0
            row += [f"{100 * seconds / total:.1f}", f"{1e9 * seconds / r['person_years']:.0f}"]
        rows.append(row)
    return markdown_table(header, rows)


def scaling_exponents(reports: dict[str, dict]) -> list[str]:
    """Exponent b of seconds per year ~ persons^b: the log-log least-squares slope over the
    15-municipality sizes and the two-point x1 -> x16 slope (only sizes that were run)."""
    scaled = {s: r for s, r in reports.items() if s.startswith("x")}
    lines = []
    if len(scaled) >= 2:
        x = np.log([r["persons"] for r in scaled.values()])
        y = np.log([derived(r)["s_per_year"] for r in scaled.values()])
        slope = float(np.polyfit(x, y, 1)[0])
        lines.append(f"least-squares exponent over {', '.join(scaled)}: {slope:.3f}")
    for a, b in (("x1", "x16"), ("x1", "sweden")):
        if a in reports and b in reports:
            ra, rb = reports[a], reports[b]
            two_point = math.log(derived(rb)["s_per_year"] / derived(ra)["s_per_year"]) / math.log(
                rb["persons"] / ra["persons"]
            )
            note = " (also 19x the municipalities)" if b == "sweden" else ""
            lines.append(f"two-point exponent {a} -> {b}: {two_point:.3f}{note}")
    if not lines:
        lines.append("exponent: needs two 15-municipality sizes (e.g. --sizes x1 x4)")
    return lines


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), or the platform's processor string."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_lines(reports: dict[str, dict], threads: int | None) -> list[str]:
    info = next(iter(reports.values()))["machine"]
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"machine: {cpu_model()}, cpu_count {os.cpu_count()} ({usable} usable), "
        f"Python {platform.python_version()}, numpy {np.__version__}, numba {info['numba']}",
        f"numba threading layer: {info['threading_layer']} (requested "
        f"{info['threading_layer_requested']}), NUMBA_NUM_THREADS {info['numba_num_threads']}"
        + ("" if threads is None else f" (set by --threads {threads})"),
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        choices=SIZES,
        default=list(DEFAULT_SIZES),
        metavar="SIZE",
        help=f"sizes to run, from {{{', '.join(SIZES)}}} (default: {' '.join(DEFAULT_SIZES)})",
    )
    parser.add_argument("--end", type=int, default=2034, help="last year of the xN sizes")
    parser.add_argument("--sweden-end", type=int, default=2050, help="last year of 'sweden'")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="NUMBA_NUM_THREADS for the child processes (default: left unset)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for the generated inputs (default: a temporary folder)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    parser.add_argument("--child", metavar="REGION_DIR", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error(f"argument --threads: must be >= 1, not {args.threads}")
    from sim.config.compose import MAX_END_YEAR
    from sim.io.inputs import read_base_year

    base_year = read_base_year("skaraborg")  # every benchmark region keeps Skaraborg's
    for option, year in (("--end", args.end), ("--sweden-end", args.sweden_end)):
        if not base_year < year <= MAX_END_YEAR:
            parser.error(
                f"argument {option}: {year} is not a year after the base year {base_year} "
                f"and at most {MAX_END_YEAR}"
            )
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child is not None:
        print(json.dumps(run_child(args.child, args.end)), flush=True)
        return

    sizes = list(dict.fromkeys(args.sizes))  # in the order given, each once
    root = args.out if args.out is not None else Path(tempfile.mkdtemp(prefix="bench_scale_"))
    reports: dict[str, dict] = {}
    built: list[Path] = []
    try:
        for size in sizes:
            end = args.sweden_end if size == "sweden" else args.end
            start = time.perf_counter()
            region_dir = build_size(size, root / f"scaled_{size}")
            built.append(region_dir)
            print(f"{size}: inputs written to {region_dir} in {time.perf_counter() - start:.1f} s")
            reports[size] = run_size(region_dir, end, args.threads)
            r, d = reports[size], derived(reports[size])
            print(
                f"{size}: {r['persons']:,} persons, {r['years']} years, set-up "
                f"{r['setup_seconds']:.1f} s (warm start {r['warm_start_seconds']:.1f} s of it), "
                f"{d['s_per_year']:.2f} s/year, peak RSS "
                f"{d['peak_mb']:,.0f} MB (JIT warm-up run {r['warmup_seconds']:.1f} s)",
                flush=True,
            )
    finally:
        if not args.keep:
            for region_dir in built:
                shutil.rmtree(region_dir, ignore_errors=True)
            if args.out is None:
                shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"inputs kept in {root}")

    print()
    print(summary_table(reports))
    print()
    for line in scaling_exponents(reports):
        print(line)
    baseline = next(iter(reports.values()))
    print(
        f"RSS after imports and warm-up: {derived(baseline)['baseline_mb']:,.0f} MB "
        f"(warm-up peak {baseline['warmup_peak_rss_kib'] * 1024 / 1e6:,.0f} MB)"
    )
    for line in machine_lines(reports, args.threads):
        print(line)
    print()
    print("Loop time per step (share of the loop, ns per person-year):")
    print()
    print(steps_table(reports))


if __name__ == "__main__":
    main()
