"""The ``sim`` command: ``sim run [hydra overrides]``.

``sim run`` is a thin Hydra app around :func:`sim.engine.run.simulate`; any key of
``configs/config.yaml`` can be overridden, e.g. ``sim run years.end=2040 seed=7 region=skaraborg``.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import hydra
from omegaconf import DictConfig

from sim.batch.sweep import EXIT_FAILED_RUNS
from sim.config.params import ConfigError, register_configs
from sim.io.inputs import InputError
from sim.paths import CONFIG_DIR

USAGE = """usage: sim <command> [options]

commands:
  run [overrides...]   simulate a scenario (Hydra overrides, e.g. scenario=establishment seed=7)
                       'sim run --help' lists the config groups and keys
  scenarios            list the shipped scenarios: name, title and description of each
  collect SWEEP_DIR    combine a sweep's runs into SWEEP_DIR/ensemble.zarr [--out PATH]
  compare ENSEMBLE     differences to the baseline with bands, goal conflicts, phasing
                       [--baseline NAME] [--goals NAME] [--phasing-reference NAME]
  report ENSEMBLE      the decision-makers' report: one self-contained HTML file
                       --out report.html [--lang sv|en] [--indicator NAME] [--geojson FILE]
                       [--optimisation STUDY_DIR|front.nc] (adds the phasings 'sim optimise' found)
  explore STUDY        serve the explorer of a collected study on 127.0.0.1 with a workshop form:
                       edit a scenario's phasing, run it on the study's seeds, save it
                       [--lang sv|en] [--port 8765] [--workers 2] [--scenario-dir DIR]
  region build NAME --municipalities 0580,0583,...
                       build any Swedish region's inputs from SCB and Kolada (fetch, then
                       build offline); 'sim region list' shows the regions; 'sim region' helps
  calibrate NAME       fit the free parameters of configs/calibrate/NAME.yaml (or a spec file)
                       to its targets; writes a params file and its fit report
                       [--trials N] [--out FILE] (default outputs/calibration/NAME/params.yaml)
  optimise NAME [key=value...]
                       search the levers of configs/optimisation/NAME.yaml (or a .yaml path)
                       for phasings that hold up across futures; resumes an interrupted study
                       [--out DIR] (default outputs/optimise/NAME); key=value changes the problem,
                       e.g. evaluation.candidates=40 launcher.name=submitit_slurm
  backcast             run the model from 2015 (region skaraborg_2015) and compare it with the
                       real populations of 2020 and the latest year, and with the 2010-2015 trend
                       [--seeds N] [--end YEAR] [--out DIR] (default outputs/backcast)
                       [--calibrated NAME]
"""


def list_scenarios(config_dir: str | Path = CONFIG_DIR) -> list[tuple[str, str, str]]:
    """(name, title, description) of every scenario file in ``configs/scenario``, sorted by name
    (English; the files also hold them in Swedish)."""
    import yaml

    out = []
    for path in sorted(Path(config_dir, "scenario").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out.append((path.stem, str(data.get("title", "")), str(data.get("description", ""))))
    return out


# Exit codes: 2 for a problem with the input (a config, a file, an argument), 70 for a bug
# (EX_SOFTWARE of sysexits.h; the traceback is saved to a file), 130 when interrupted.
EXIT_BAD_INPUT = 2
EXIT_BUG = EXIT_FAILED_RUNS
EXIT_INTERRUPTED = 130
EXPECTED_ERRORS = (ConfigError, InputError)


class RunFailed(SystemExit):
    pass


def report_failure(err: BaseException) -> int:
    """Print one line (or block) for ``err`` on stderr and return the exit code.

    Expected failures (bad configs, files, arguments; files that cannot be read or written) get
    their own message. Anything else is a bug: its traceback is saved to a file whose path is
    printed, never shown to the user.
    """
    if isinstance(err, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(err, EXPECTED_ERRORS):
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(err, OSError) and err.filename is not None:
        print(f"error: {err.filename}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    saved = save_traceback(err)
    print(
        f"error: an unexpected {type(err).__name__} ({_first_line(err)}). This is a bug in sim, "
        f"not a problem with your input; the traceback is saved in {saved}. Please report it "
        "with that file.",
        file=sys.stderr,
    )
    return EXIT_BUG


def save_traceback(err: BaseException) -> Path:
    """Write ``err``'s traceback to a new file in the temporary folder; returns its path."""
    import tempfile
    import time

    text = "".join(traceback.format_exception(err))
    handle, name = tempfile.mkstemp(
        prefix=f"sim-bug-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".txt"
    )
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(f"sim {' '.join(sys.argv[1:])}\n\n{text}")
    return Path(name)


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0][:200] if lines else "no message"


def summary_table(ds) -> str:
    """A short text table: region population, jobs, unemployment and queue, first and last year."""
    from rich.console import Console
    from rich.table import Table

    first, last = int(ds.year[0]), int(ds.year[-1])
    table = Table(title=f"Region {ds.attrs.get('region', '')}: {first} and {last}")
    table.add_column("indicator")
    table.add_column(str(first), justify="right")
    table.add_column(str(last), justify="right")
    rows = [
        ("population", ds["population"].sum(("municipality", "age_group")), "{:,.0f}"),
        ("jobs (positions)", ds["jobs"].sum(("municipality", "sector")), "{:,.0f}"),
        ("employed residents", ds["employed_residents"].sum("municipality"), "{:,.0f}"),
        (
            "unemployment rate",
            ds["unemployed_residents"].sum("municipality")
            / (ds["unemployed_residents"] + ds["employed_residents"]).sum("municipality"),
            "{:.1%}",
        ),
        ("housing queue (households)", ds["housing_queue"].sum("municipality"), "{:,.0f}"),
        ("dwellings", ds["dwellings"].sum(("municipality", "dwelling_type")), "{:,.0f}"),
    ]
    for label, series, fmt in rows:
        table.add_row(label, fmt.format(float(series[0])), fmt.format(float(series[-1])))
    console = Console(width=100, record=True)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def run_app(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.batch.sweep import FAILED_FILE, is_complete, progress_line, run_label
    from sim.config.compose import resolve_config
    from sim.engine.run import simulate
    from sim.io.atomic import clean_folder
    from sim.io.provenance import code_version, run_id

    output_dir = Path(cfg.output_dir) if cfg.output_dir else None
    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    try:  # before the config's values become paths (sim run checked them already)
        resolved = resolve_config(cfg)
    except EXPECTED_ERRORS as err:
        if not multirun:  # Hydra made the run folder; in a sweep it is the sweep's folder
            _remove_if_empty(output_dir)
        raise RunFailed(report_failure(err)) from None
    # years.start null means the inputs' base year: the run id and folder name hash the year.
    cfg.years.start = resolved.years.start
    sweep_dir = None
    if multirun:
        sweep_dir = Path(hydra_cfg.sweep.dir)
        output_dir = sweep_dir / "runs" / run_label(cfg)
        clean_folder(output_dir)  # what a run killed while writing left
        if is_complete(output_dir, run_id(cfg), code_version(), _input_checksums(cfg)):
            print(f"skip {output_dir.name}: complete results exist", flush=True)
            return
        (output_dir / FAILED_FILE).unlink(missing_ok=True)
        cfg.output_dir = str(output_dir)
        cfg.progress = False
    try:
        result = simulate(cfg)
    except EXPECTED_ERRORS as err:
        _remove_if_empty(output_dir)
        raise RunFailed(report_failure(err)) from None
    except Exception as err:
        if sweep_dir is None:
            _remove_if_empty(output_dir)
            raise RunFailed(report_failure(err)) from None
        # The sweep goes on; its end reports the failed runs and exits with EXIT_FAILED_RUNS.
        failed = output_dir / FAILED_FILE
        output_dir.mkdir(parents=True, exist_ok=True)
        failed.write_text("".join(traceback.format_exception(err)), encoding="utf-8")
        print(
            f"failed {output_dir.name}: an unexpected {type(err).__name__} ({_first_line(err)}), "
            f"a bug; the traceback is in {failed}\n{progress_line(sweep_dir)}",
            flush=True,
        )
        return
    if sweep_dir is not None:
        print(f"done {output_dir.name}\n{progress_line(sweep_dir)}", flush=True)
        return
    print(summary_table(result.results))
    if output_dir is not None:
        print(f"results: {output_dir / 'results.nc'}")


def collect_command(args: list[str]) -> int:
    """``sim collect SWEEP_DIR [--out PATH]``."""
    import argparse

    from sim.batch.collect import collect

    parser = argparse.ArgumentParser(prog="sim collect", description="Combine a sweep's runs.")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="zarr store to write")
    ns = parser.parse_args(args)
    if not ns.sweep_dir.is_dir():
        raise ConfigError(f"sweep_dir: {ns.sweep_dir} is not a folder")
    _check_writable("--out", ns.out, folder=True)
    out = collect(ns.sweep_dir, ns.out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"ensemble: {out} ({size / 1e6:.1f} MB)")
    return 0


def compare_command(args: list[str]) -> int:
    """``sim compare ENSEMBLE [--baseline NAME] [--goals NAME] [--phasing-reference NAME]``."""
    import argparse

    from sim.analysis.study import run_compare

    parser = argparse.ArgumentParser(
        prog="sim compare", description="Compare the scenarios of an ensemble with a baseline."
    )
    parser.add_argument("ensemble", type=Path, help="ensemble.zarr, or the sweep folder holding it")
    parser.add_argument("--baseline", default="baseline", help="scenario to compare with")
    parser.add_argument("--goals", default=None, help="configs/goals/<NAME>.yaml or a path")
    parser.add_argument(
        "--phasing-reference",
        default=None,
        help="scenario with the same demand but no housing programme (default: the baseline)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="folder in which the comparison/ folder is written (default: beside the ensemble)",
    )
    ns = parser.parse_args(args)
    _check_writable("--out-dir", ns.out_dir, folder=True)
    text, written = run_compare(
        ns.ensemble, ns.baseline, ns.goals, ns.phasing_reference, ns.out_dir
    )
    print(text)
    print("written: " + ", ".join(str(p) for p in written))
    return 0


def report_command(args: list[str]) -> int:
    """``sim report ENSEMBLE --out report.html [--lang sv|en] [--optimisation STUDY]``."""
    import argparse

    from sim.report.build import build_report
    from sim.report.explorer import explorer_path

    parser = argparse.ArgumentParser(prog="sim report", description="Write the HTML report.")
    parser.add_argument("ensemble", type=Path, help="sweep folder, ensemble.zarr or comparison.nc")
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument("--lang", default="sv", help="sv (default) or en")
    parser.add_argument("--baseline", default="baseline")
    parser.add_argument("--goals", default=None, help="configs/goals/<NAME>.yaml or a path")
    parser.add_argument("--indicator", default="population", help="indicator shown on the map")
    parser.add_argument("--geojson", type=Path, default=None, help="municipal boundaries")
    parser.add_argument(
        "--optimisation",
        type=Path,
        default=None,
        help="an optimisation study folder (or its front.nc): adds the phasings found by search",
    )
    ns = parser.parse_args(args)
    _check_writable("--out", ns.out)
    out = build_report(
        ns.ensemble,
        ns.out,
        ns.lang,
        ns.baseline,
        ns.goals,
        ns.indicator,
        ns.geojson,
        optimisation=ns.optimisation,
    )
    print(f"report: {out.resolve()}")
    print(f"explorer: {explorer_path(out).resolve()}")
    return 0


def explore_command(args: list[str]) -> int:
    """``sim explore STUDY [--lang sv|en] [--port N] [--workers N] [--scenario-dir DIR]``."""
    import argparse

    from sim.paths import USER_CONFIG_ENV, user_config_dir
    from sim.workshop.server import HOST, make_server
    from sim.workshop.session import Workshop

    parser = argparse.ArgumentParser(
        prog="sim explore",
        description="Serve the explorer of a study on this machine, with a workshop form that "
        "runs edited scenarios on the study's seeds.",
    )
    parser.add_argument("study", type=Path, help="a collected sweep folder (sim run -m, collect)")
    parser.add_argument("--lang", default="sv", help="sv (default) or en")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the runs")
    parser.add_argument(
        "--scenario-dir",
        type=Path,
        default=None,
        help=f"where saved scenarios go (<dir>/scenario/NAME.yaml); default ${USER_CONFIG_ENV} "
        f"or ./user_configs ({user_config_dir()})",
    )
    parser.add_argument("--baseline", default="baseline")
    parser.add_argument("--goals", default=None, help="configs/goals/<NAME>.yaml or a path")
    parser.add_argument("--geojson", type=Path, default=None, help="municipal boundaries")
    parser.add_argument("--optimisation", type=Path, default=None, help="optimisation study")
    ns = parser.parse_args(args)
    if not 0 <= ns.port <= 65535:
        raise ConfigError(f"--port: {ns.port} is not a port; use 0-65535 (0: any free port)")
    if ns.workers < 1:
        raise ConfigError(f"--workers: {ns.workers}; use 1 or more")
    if ns.scenario_dir is not None:
        _check_writable("--scenario-dir", ns.scenario_dir, folder=True)
    workshop = Workshop(
        ns.study,
        ns.lang,
        ns.baseline,
        ns.goals,
        ns.geojson,
        ns.optimisation,
        ns.scenario_dir,
        ns.workers,
    )
    try:
        server = make_server(workshop, ns.port)
    except OSError as err:
        raise ConfigError(
            f"--port: cannot serve on {HOST}:{ns.port} ({err.strerror}); choose another port"
        ) from None
    print(f"explorer: http://{HOST}:{server.server_address[1]}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def calibrate_command(args: list[str]) -> int:
    """``sim calibrate NAME [--trials N] [--out FILE]``."""
    import argparse

    from sim.calibration.fit import calibrate
    from sim.calibration.report import (
        REPORT_FILE,
        console_report,
        default_output,
        write_calibration,
    )
    from sim.calibration.spec import load_spec

    parser = argparse.ArgumentParser(
        prog="sim calibrate", description="Fit free parameters to targets (Optuna)."
    )
    parser.add_argument("name", help="configs/calibrate/<NAME>.yaml, or the path of a spec file")
    parser.add_argument("--trials", type=int, default=None, help="Optuna trials (default: spec)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="parameter file to write (default: outputs/calibration/NAME/params.yaml); "
        "report.md is written beside it",
    )
    ns = parser.parse_args(args)
    spec = load_spec(ns.name)
    out = ns.out if ns.out is not None else default_output(spec.name)
    if out.suffix != ".yaml":
        raise ConfigError(f"--out: {out} is not allowed; use a .yaml file (a Hydra config)")
    _check_writable("--out", out)
    _check_writable("--out", out.with_name(REPORT_FILE))
    result = calibrate(spec, ns.trials, progress=lambda line: print(line, flush=True))
    print(console_report(result))
    written = write_calibration(result, out)
    print("written: " + ", ".join(str(path) for path in written))
    return 0


def backcast_command(args: list[str]) -> int:
    """``sim backcast [--seeds N] [--end YEAR] [--out DIR] [--calibrated NAME]``."""
    import argparse

    from sim.analysis import backcast as bc

    parser = argparse.ArgumentParser(
        prog="sim backcast",
        description="Run the baseline from 2015 and compare it with the real populations.",
    )
    parser.add_argument("--seeds", type=int, default=bc.DEFAULT_SEEDS, help="runs, seeds 0..N-1")
    parser.add_argument("--end", type=int, default=bc.DEFAULT_END, help="the runs' last year")
    parser.add_argument("--out", type=Path, default=bc.DEFAULT_OUT, help="folder to publish")
    parser.add_argument(
        "--calibrated",
        default="skaraborg_2015",
        help="configs/calibrated/<NAME>.yaml, fitted to figures up to 2015 (default: %(default)s)",
    )
    ns = parser.parse_args(args)
    bc.check_arguments(ns.seeds, ns.end, ns.out, ns.calibrated)
    result = bc.backcast(ns.seeds, ns.end, ns.calibrated, lambda line: print(line, flush=True))
    print(bc.console_table(result))
    written = bc.write_backcast(result, ns.out)
    print("written: " + ", ".join(str(path) for path in written))
    return 0


def optimise_command(args: list[str]) -> int:
    """``sim optimise NAME [key=value...] [--out DIR]``."""
    import argparse

    from sim.optimise.study import run_study

    parser = argparse.ArgumentParser(
        prog="sim optimise", description="Search a problem's levers (configs/optimisation/)."
    )
    parser.add_argument("name", help="configs/optimisation/<NAME>.yaml, or a .yaml path")
    parser.add_argument("overrides", nargs="*", help="key=value changes of the problem")
    parser.add_argument("--out", type=Path, default=None, help="study folder (resumed if present)")
    ns = parser.parse_args(args)
    _check_writable("--out", ns.out, folder=True)
    path, summary = run_study(ns.name, ns.overrides, ns.out, lambda line: print(line, flush=True))
    print(summary)
    print(f"front: {path}")
    return 0


def run_command(args: list[str]) -> int:
    """``sim run [overrides]``: every run of the command line is checked, then Hydra runs them."""
    from sim.batch.preflight import prepare_run_command

    args, _ = prepare_run_command(args)  # a futures set sweeps all its futures
    register_configs()
    sys.argv = [f"{sys.argv[0]} run", *args]
    try:
        run_app()
    except SystemExit as exit:  # a run's or the sweep's exit code (RunFailed, failed runs)
        if exit.code is None:
            return 0
        return exit.code if isinstance(exit.code, int) else EXIT_BAD_INPUT
    return 0


def scenarios_command(args: list[str]) -> int:
    if args:
        raise ConfigError(f"sim scenarios: takes no arguments, got {' '.join(args)!r}")
    scenarios = list_scenarios()
    width = max(len(name) for name, _, _ in scenarios)
    for name, title, description in scenarios:
        print(f"{name:<{width}}  {title}")
        print(f"{'':<{width}}  {description}")
    print(f"\nrun one with: sim run scenario=<name>   ({len(scenarios)} scenarios)")
    from sim.paths import user_config_dir

    folder = user_config_dir()
    if (folder / "scenario").is_dir():
        mine = list_scenarios(folder)
        print(f"\nyour scenarios ({folder / 'scenario'}):")
        for name, title, description in mine:
            print(f"{name:<{width}}  {title}")
            print(f"{'':<{width}}  {description}")
    return 0


REGION_USAGE = """usage: sim region <fetch|build|list> ...

  sim region build NAME --municipalities 0580,0583,... [--base-year 2024] [--trend 2019,2024]
                   [--externals 5] [--spec FILE] [--out DIR] [--offline] [--refresh]
      fetch the region's tables from SCB and Kolada (unless --offline) and build its inputs in
      DIR/NAME (default inputs/NAME of the working directory; the answers are kept in
      DIR/NAME.fetched), then write the config that lets 'sim run region=NAME' find it
  sim region fetch NAME --municipalities ... [same options]   only the fetch stage
  sim region list     the regions that 'sim run region=NAME' can run
"""


def region_command(args: list[str]) -> int:
    """``sim region fetch|build|list``: any Swedish region from official statistics."""
    if not args or args[0] in ("-h", "--help"):
        print(REGION_USAGE)
        return 0 if args else EXIT_BAD_INPUT
    action, rest = args[0], args[1:]
    if action == "list":
        return region_list_command(rest)
    if action not in ("fetch", "build"):
        raise ConfigError(
            f"sim region: {action[:30]!r} is not a region command; use fetch, build or list"
        )
    import argparse

    from sim.region.regions import fetched_folder, region_folder, write_region_config
    from sim.region.spec import make_spec, read_spec
    from sim.region.store import RawStore

    parser = argparse.ArgumentParser(
        prog=f"sim region {action}", usage=REGION_USAGE.removeprefix("usage: ")
    )
    parser.add_argument("name", nargs="?", default=None)
    parser.add_argument("--municipalities", default=None)
    parser.add_argument("--base-year", default=None)
    parser.add_argument("--trend", default=None)
    parser.add_argument("--externals", default=None)
    parser.add_argument("--spec", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--offline", action="store_true")
    parser.add_argument("--refresh", action="store_true")
    ns = parser.parse_args(rest)
    spec_options = {
        "--municipalities": ns.municipalities,
        "--base-year": ns.base_year,
        "--trend": ns.trend,
        "--externals": ns.externals,
    }
    given = [option for option, value in spec_options.items() if value is not None]
    if ns.offline and (action == "fetch" or ns.refresh):
        raise ConfigError(
            "--offline: builds from the answers already fetched; it cannot be combined with "
            + ("'sim region fetch'" if action == "fetch" else "--refresh")
        )
    if ns.spec is not None and (given or ns.name is not None):
        raise ConfigError(
            f"--spec: the file gives the region; leave out {', '.join(given) or 'NAME'}"
        )
    if ns.offline and given:
        raise ConfigError(
            f"--offline: builds the region as it was fetched; leave out {', '.join(given)} "
            "(or fetch again without --offline)"
        )
    if ns.spec is not None:
        spec = read_spec(ns.spec)
    elif ns.name is None:
        raise ConfigError(f"sim region {action}: give the region's NAME (or --spec FILE)")
    elif ns.offline:
        spec = None  # the spec the fetch stored
    else:
        if ns.municipalities is None:
            raise ConfigError(
                "--municipalities: missing; list SCB's 4-digit codes, e.g. 0580,0583,0586"
            )
        spec = make_spec(
            ns.name, ns.municipalities, ns.base_year or 2024, ns.trend, ns.externals or 5
        )
    name = spec.name if spec else ns.name
    if (CONFIG_DIR / "region" / f"{name}.yaml").exists():
        raise ConfigError(
            f"name: {name!r} is a region shipped with sim (configs/region/{name}.yaml); choose "
            "another name for the region you build"
        )
    fetched = fetched_folder(name, ns.out)
    folder = region_folder(name, ns.out)
    _check_writable("--out", fetched, folder=True)
    if not ns.offline:
        from sim.region.fetch import fetch_region

        report = fetch_region(
            spec, RawStore(fetched), refresh=ns.refresh, progress=lambda s: print(s, flush=True)
        )
        print(f"fetched into {fetched}: {report.sent} answers, {report.reused} reused")
        for missing in report.missing:
            print(f"  not available: {missing} (the build estimates it)")
    else:
        from sim.region.build import read_fetched

        stored, _ = read_fetched(fetched)
        if stored.name != name:
            raise ConfigError(
                f"--offline: {fetched}/region.yaml is region {stored.name!r}, not {name!r}; "
                "fetch again without --offline"
            )
    if action == "fetch":
        return 0
    from sim.region.build import build_region

    provenance = build_region(fetched, folder)
    config = write_region_config(name, folder)
    print(
        f"built {folder} ({len(provenance.data)} figures from tables, "
        f"{len(provenance.estimates)} estimated; see its README.md)"
    )
    for note in provenance.notes:
        print(f"  note: {note}")
    print(f"region config: {config}\nrun it with: sim run region={name}")
    return 0


def region_list_command(args: list[str]) -> int:
    from sim.region.regions import list_regions

    if args:
        raise ConfigError(f"sim region list: takes no arguments, got {' '.join(args)!r}")
    entries = list_regions()
    width = max([len(e.name) for e in entries] + [6])
    print(f"{'region':<{width}}  municipalities  base year  folder")
    for e in entries:
        if e.problem:
            print(f"{e.name:<{width}}  {'-':>14}  {'-':>9}  {e.folder}  (not usable: {e.problem})")
        else:
            print(f"{e.name:<{width}}  {e.municipalities:>14}  {e.base_year:>9}  {e.folder}")
    print("\nrun one with: sim run region=<name>")
    return 0


COMMANDS = {
    "run": run_command,
    "collect": collect_command,
    "compare": compare_command,
    "report": report_command,
    "calibrate": calibrate_command,
    "backcast": backcast_command,
    "optimise": optimise_command,
    "scenarios": scenarios_command,
    "explore": explore_command,
    "region": region_command,
}


def _check_writable(argument: str, path: Path | None, folder: bool = False) -> None:
    from sim.io.atomic import unwritable

    problem = unwritable(path, folder) if path is not None else None
    if problem:
        raise ConfigError(f"{argument}: {problem}")


def _input_checksums(cfg: DictConfig) -> str | None:
    """The input checksums a run of ``cfg`` would record (JSON), or None if the inputs are bad."""
    import json

    from sim.io.inputs import load_region_once

    try:
        inputs = load_region_once(cfg.region.input_dir or cfg.region.name)
    except (InputError, OSError):
        return None
    return json.dumps(inputs.checksums, sort_keys=True)


def _remove_if_empty(path: Path | None) -> None:
    if path is not None and path.is_dir() and not any(path.iterdir()):
        path.rmdir()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sim`` console script: the one place where failures become messages
    and exit codes (:func:`report_failure`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(f"error: a command is required\n\n{USAGE}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"error: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return COMMANDS[command](rest)
    except SystemExit:  # argparse's own message for a bad argument, or a run's exit code
        raise
    except BaseException as err:  # noqa: BLE001 - the boundary: every failure ends here
        return report_failure(err)


if __name__ == "__main__":
    sys.exit(main())
