"""The outputs of a calibration: the calibrated parameter file and its fit report.

The parameter file is a Hydra overlay of ``params`` (``# @package params``): copied to
``configs/calibrated/NAME.yaml`` it is used by ``sim run calibrated=NAME``. It opens with the fit
report as a comment block; the same report is written beside it as ``report.md`` and printed.
Nothing in either depends on the date, so the same calibration writes the same files.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.calibration.fit import CalibrationResult, TargetFit
from sim.calibration.indicators import INDICATORS
from sim.io.atomic import write_text
from sim.paths import CONFIG_DIR

PARAMS_FILE = CONFIG_DIR / "params" / "default.yaml"
REPORT_FILE = "report.md"
TARGET_COLUMNS = (
    "target",
    "area",
    "year",
    "value",
    "achieved (start)",
    "achieved (best)",
    "error in scales",
)
PARAMETER_COLUMNS = ("parameter", "start", "best", "low", "high", "sampled")


def default_output(name: str) -> Path:
    """Where ``sim calibrate NAME`` writes its parameter file unless told otherwise."""
    return Path("outputs") / "calibration" / name / "params.yaml"


def write_calibration(result: CalibrationResult, out: Path) -> list[Path]:
    """Write the parameter file ``out`` and ``report.md`` beside it, each atomically."""
    report = Path(out).with_name(REPORT_FILE)
    # The report first: a parameter file on disk always has its report beside it.
    write_text(
        report, f"# Calibration {result.spec.name}\n\n" + "\n".join(report_lines(result)) + "\n"
    )
    write_text(out, params_overlay(result))
    return [Path(out), report]


def params_overlay(result: CalibrationResult) -> str:
    """The calibrated parameter file: the package line, the report as comments, the leaves."""
    name = result.spec.name
    header = [
        "# @package params",  # must come first: Hydra reads it from the file's first lines
        f"# Calibrated by sim calibrate {name}. To use it, copy it to",
        f"# configs/calibrated/{name}.yaml and run 'sim run calibrated={name}': its values",
        "# replace those of params/default.yaml.",
        "#",
    ]
    # Every line a comment, whatever line breaks a spec's text holds: nothing may become YAML.
    header += [f"# {line}".rstrip() for line in "\n".join(report_lines(result)).splitlines()]
    units = parameter_units()
    sections: dict[str, list[str]] = {}
    for parameter in result.spec.parameters:
        section, key = parameter.path.split(".", 1)
        unit = units.get(parameter.path)
        comment = f"[{unit}] " if unit else ""
        comment += (
            f"Calibrated by sim calibrate {name}: bounds [{parameter.low:g}, {parameter.high:g}]"
        )
        value = result.best_values[parameter.path]
        sections.setdefault(section, []).append(f"  {key}: {value!r}  # {comment}")
    # Parameters the spec fixes in its overrides (e.g. the data years of a backcast's schedules)
    # belong to the calibration too: a run with this file must use them.
    for override in result.spec.overrides:
        path, _, value = override.partition("=")
        if not path.startswith("params."):
            continue
        section, key = path.removeprefix("params.").split(".", 1)
        comment = f"Fixed by the overrides of sim calibrate {name}"
        sections.setdefault(section, []).append(f"  {key}: {value}  # {comment}")
    body = []
    for section, lines in sections.items():
        body += [f"{section}:", *lines]
    return "\n".join(header + body) + "\n"


def report_lines(result: CalibrationResult) -> list[str]:
    """The fit report as Markdown lines: provenance, the parameters, the targets, the sources."""
    lines = [*provenance_lines(result), ""]
    lines += _markdown_table(PARAMETER_COLUMNS, parameter_rows(result))
    lines.append("")
    lines += _markdown_table(TARGET_COLUMNS, target_rows(result))
    lines += ["", "Sources of the target values:", ""]
    for i, fit in enumerate(result.fits, start=1):
        target = fit.target
        lines.append(
            f"{i}. {target.indicator}, {_area(result, fit)}, {target.year}: {target.source}"
        )
    return lines


def provenance_lines(result: CalibrationResult) -> list[str]:
    """What was fitted, how, and how well: no dates, so the same calibration gives the same."""
    spec = result.spec
    return [
        spec.description,
        "",
        f"- spec: {spec.file.name} ({_count(len(spec.parameters), 'parameter')}, "
        f"{_count(len(spec.targets), 'target')})",
        f"- code version: {result.code_version}",
        f"- runs: {result.first_year}-{result.last_year}, overrides: "
        + (" ".join(spec.overrides) or "none"),
        f"- seeds: {', '.join(map(str, spec.seeds))} (each target compares the mean over seeds)",
        f"- trials: {result.trials} (trial 1 is the start, the current values), TPE sampler "
        f"seed {spec.sampler_seed}",
        f"- loss: best {result.best_loss:.4g} (trial {result.best_trial}), start "
        f"{result.start_loss:.4g}; the mean over targets of ((achieved - value) / scale)^2",
    ]


def parameter_rows(result: CalibrationResult) -> list[list[str]]:
    return [
        [
            p.path,
            f"{result.start_values[p.path]:.4g}",
            f"{result.best_values[p.path]:.4g}",
            f"{p.low:g}",
            f"{p.high:g}",
            "log" if p.log else "linear",
        ]
        for p in result.spec.parameters
    ]


def target_rows(result: CalibrationResult) -> list[list[str]]:
    rows = []
    for fit in result.fits:
        target = fit.target
        fmt = INDICATORS[target.indicator].number_format
        rows.append(
            [
                target.indicator,
                _area(result, fit),
                str(target.year),
                fmt.format(target.value),
                fmt.format(fit.start),
                fmt.format(fit.best),
                f"{fit.error_in_scales:+.2f}",
            ]
        )
    return rows


def console_report(result: CalibrationResult) -> str:
    """The report for the terminal: provenance lines and two rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120, record=True)
    with console.capture() as capture:
        console.print("\n".join(provenance_lines(result)), markup=False, highlight=False)
        for title, columns, rows in (
            ("Free parameters", PARAMETER_COLUMNS, parameter_rows(result)),
            (f"Targets of calibration {result.spec.name}", TARGET_COLUMNS, target_rows(result)),
        ):
            table = Table(title=title)
            for i, column in enumerate(columns):
                table.add_column(column, justify="left" if i < 2 else "right")
            for row in rows:
                table.add_row(*row)
            console.print(table)
    return capture.get()


def parameter_units(params_file: Path = PARAMS_FILE) -> dict[str, str]:
    """``section.key`` -> the unit written in brackets in the parameter's comment."""
    units, section = {}, None
    for line in params_file.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^(\w+):\s*$", line):
            section = match.group(1)
        elif section and (match := re.match(r"^\s+(\w+):[^#]*#\s*\[([^\]]+)\]", line)):
            units[f"{section}.{match.group(1)}"] = match.group(2)
    return units


def _area(result: CalibrationResult, fit: TargetFit) -> str:
    code = fit.target.municipality
    if code is None:
        return "region"
    name = result.area_names.get(code)
    return f"{code} {name}" if name else code


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _markdown_table(columns: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]
