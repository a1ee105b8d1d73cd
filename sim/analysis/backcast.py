"""``sim backcast``: the model started in 2015 against what really happened, and against a trend.

The baseline scenario runs on region ``skaraborg_2015`` (the real populations of 31 Dec 2015 and
no population figure after 2015, ``inputs/skaraborg_2015/README.md``) from 2015 to an end year,
once per seed. The mean simulated population of each municipality is compared with the real
figures of SCB in the shared sources (``inputs/skaraborg/sources/``):

* in 2020 (``pop_2020`` of ``skaraborg_population_history.csv``), and
* in the year of each municipality's latest figure (``population`` at ``pop_year`` of
  ``skaraborg_municipalities.csv``: 2024 for most, 2023 or 2021 for others), the model being read
  in that same year.

Beside the model stands the naive forecast a planner could have made in 2015: each
municipality's mean yearly growth 2010-2015 extrapolated from its 2015 population. The table
gives, per municipality, the real figure, the model's mean with its min-max over seeds, the
naive forecast, and the error of each in per cent of the real figure; then the region's total
(the sum of the municipalities' figures, each at its own year) and the mean absolute percentage
error (MAPE) over the municipalities. Beating the naive trend is the aim, not a test condition.

Examples
--------
>>> observed = read_observed()
>>> int(observed.loc["1496", "pop_2020"]), int(observed.loc["1496", "latest_year"])
(56791, 2023)
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sim.config.compose import MAX_END_YEAR, compose_config
from sim.config.params import ConfigError
from sim.io.atomic import not_replaceable, publish_folder, unwritable
from sim.io.progress import duration
from sim.paths import CONFIG_DIR, INPUTS_DIR

REGION = "skaraborg_2015"
"""The region whose inputs describe 2015 (``configs/region/skaraborg_2015.yaml``)."""
SCENARIO = "baseline"
SOURCES = INPUTS_DIR / "skaraborg" / "sources"
"""The shared copies of SCB's population figures."""
HISTORY_FILE = "skaraborg_population_history.csv"
LATEST_FILE = "skaraborg_municipalities.csv"
START_YEAR = 2015
"""The year the backcast starts in: the base year of ``inputs/skaraborg_2015``."""
TREND_FIRST_YEAR = 2010
"""The naive forecast extrapolates the mean yearly growth from this year to :data:`START_YEAR`."""
CHECK_YEAR = 2020
"""The year of the first comparison (``pop_2020`` of the history)."""
DEFAULT_SEEDS = 5
MAX_SEEDS = 1000
DEFAULT_END = 2024
DEFAULT_OUT = Path("outputs") / "backcast"
FILES = ("backcast.csv", "backcast.md")
CALIBRATED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TOTAL = "Skaraborg"
MAPE = "MAPE"


@dataclass
class Backcast:
    """A finished backcast: its table and how it was made."""

    table: pd.DataFrame
    seeds: int
    end: int
    calibrated: str | None
    overrides: list[str] = field(default_factory=list)  # of every run, but its seed


# --- Arguments -----------------------------------------------------------------------------------
def check_arguments(seeds: int, end: int, out: Path, calibrated: str | None) -> None:
    """Raise :class:`ConfigError` naming the option when an argument cannot be used; nothing is
    run or written before all of them are checked."""
    if not 1 <= seeds <= MAX_SEEDS:
        raise ConfigError(f"--seeds: {seeds} is not allowed; use 1 to {MAX_SEEDS} runs")
    if not START_YEAR < end <= MAX_END_YEAR:
        raise ConfigError(
            f"--end: {end} is not allowed; use a year after {START_YEAR} (the base year of "
            f"{REGION}) and at most {MAX_END_YEAR}"
        )
    if calibrated is not None:
        folder = Path(CONFIG_DIR) / "calibrated"
        if (
            not CALIBRATED_NAME.fullmatch(calibrated)
            or not (folder / f"{calibrated}.yaml").is_file()
        ):
            names = sorted(path.stem for path in folder.glob("*.yaml"))
            available = ", ".join(names) if names else "none yet (sim calibrate writes them)"
            raise ConfigError(
                f"--calibrated: {calibrated[:64]!r} is not a file configs/calibrated/NAME.yaml; "
                f"available: {available}"
            )
    problem = unwritable(out, folder=True) or not_replaceable(out, is_backcast_folder)
    if problem:
        raise ConfigError(f"--out: {problem}")


def is_backcast_folder(folder: Path) -> bool:
    """A plain folder that holds nothing but backcast files (replaced by a published one)."""
    return all(path.name in FILES for path in folder.iterdir())


def run_overrides(seed: int, end: int, calibrated: str | None) -> list[str]:
    """The Hydra overrides of one backcast run."""
    overrides = [f"region={REGION}", f"scenario={SCENARIO}", f"years.end={end}", f"seed={seed}"]
    # Never the default run's calibration: it is fitted to figures after 2015.
    return overrides + [f"calibrated={calibrated}" if calibrated else "~calibrated"]


# --- Real figures and the naive forecast ---------------------------------------------------------
def read_observed(sources: Path = SOURCES) -> pd.DataFrame:
    """Real populations on 31 December by municipality (SCB, via the shared sources).

    Returns
    -------
    pandas.DataFrame
        Indexed by SCB code, in the history file's order, with columns ``name``, ``pop_2010``,
        ``pop_2015``, ``pop_2020``, ``latest`` (the latest figure) and ``latest_year`` (its year).
    """
    history = pd.read_csv(sources / HISTORY_FILE, dtype={"code": str}, encoding="utf-8")
    latest = pd.read_csv(sources / LATEST_FILE, dtype={"code": str}, encoding="utf-8")
    latest = latest.set_index("code")[["population", "pop_year"]]
    table = history.set_index("code")[["name", "pop_2010", "pop_2015", "pop_2020"]]
    table = table.join(latest.rename(columns={"population": "latest", "pop_year": "latest_year"}))
    if table[["latest", "latest_year"]].isna().any().any():
        raise ValueError(f"{LATEST_FILE} lacks a municipality of {HISTORY_FILE}")
    return table.astype({"latest": "int64", "latest_year": "int64"})


def naive_forecast(
    first: pd.Series | np.ndarray | float,
    last: pd.Series | np.ndarray | float,
    year: pd.Series | np.ndarray | int,
    first_year: int = TREND_FIRST_YEAR,
    last_year: int = START_YEAR,
):
    """The population in ``year`` if the mean yearly growth from ``first_year`` (population
    ``first``) to ``last_year`` (``last``) went on: ``last * (last / first) ** ((year -
    last_year) / (last_year - first_year))``.

    Examples
    --------
    >>> round(float(naive_forecast(100.0, 110.0, 2020)), 6)  # 10 % in 5 years, 5 years more
    121.0
    """
    return last * (last / first) ** ((np.asarray(year) - last_year) / (last_year - first_year))


# --- The table -----------------------------------------------------------------------------------
def percent_error(value, real):
    """``(value - real) / real`` in per cent."""
    return (value - real) / real * 100.0


def backcast_table(observed: pd.DataFrame, simulated: xr.DataArray) -> pd.DataFrame:
    """The comparison table of a backcast.

    Parameters
    ----------
    observed : pandas.DataFrame
        As :func:`read_observed` returns it.
    simulated : xarray.DataArray
        Simulated population with dimensions ``seed``, ``year`` and ``municipality`` (SCB codes).
        A year it lacks (after the runs' end) leaves the model's cells of that comparison empty.

    Returns
    -------
    pandas.DataFrame
        One row per municipality (``code``, ``name``), then the region's total (``TOTAL``: sums
        of the municipalities' figures, each at its own year; its min-max is that of the total
        over seeds) and ``MAPE``: the mean absolute percentage error over the municipalities
        compared (the naive forecast's over the same municipalities). Columns, for ``2020`` and
        ``latest``: ``real_*``, ``model_*`` (mean over seeds), ``model_*_min``, ``model_*_max``,
        ``model_*_error_pct``, ``naive_*``, ``naive_*_error_pct``; and ``latest_year``.
    """
    codes = list(observed.index)
    rows = pd.DataFrame(index=pd.Index(codes, name="code"))
    rows["name"] = observed["name"]
    rows["latest_year"] = observed["latest_year"]
    total: dict[str, float] = {"name": TOTAL, "latest_year": np.nan}
    mape: dict[str, float] = {"name": MAPE, "latest_year": np.nan}
    for label, real, years in (
        (str(CHECK_YEAR), observed[f"pop_{CHECK_YEAR}"], pd.Series(CHECK_YEAR, index=codes)),
        ("latest", observed["latest"], observed["latest_year"]),
    ):
        by_seed = _at_years(simulated, codes, years)  # (seed, municipality); NaN if not run
        naive = naive_forecast(
            observed[f"pop_{TREND_FIRST_YEAR}"], observed[f"pop_{START_YEAR}"], years
        )
        rows[f"real_{label}"] = real
        rows[f"model_{label}"] = by_seed.mean(axis=0)
        rows[f"model_{label}_min"] = by_seed.min(axis=0)
        rows[f"model_{label}_max"] = by_seed.max(axis=0)
        rows[f"model_{label}_error_pct"] = percent_error(rows[f"model_{label}"], real)
        rows[f"naive_{label}"] = naive
        rows[f"naive_{label}_error_pct"] = percent_error(naive, real)

        regional = by_seed.sum(axis=1, min_count=len(codes))  # NaN unless all were run
        total[f"real_{label}"] = float(real.sum())
        total[f"model_{label}"] = float(regional.mean())
        total[f"model_{label}_min"] = float(regional.min())
        total[f"model_{label}_max"] = float(regional.max())
        total[f"model_{label}_error_pct"] = percent_error(total[f"model_{label}"], real.sum())
        total[f"naive_{label}"] = float(naive.sum())
        total[f"naive_{label}_error_pct"] = percent_error(float(naive.sum()), real.sum())

        compared = rows[f"model_{label}_error_pct"].notna()
        for kind in ("model", "naive"):
            errors = rows.loc[compared, f"{kind}_{label}_error_pct"]
            mape[f"{kind}_{label}_error_pct"] = mean_absolute(errors)
    summary = pd.DataFrame([total, mape], index=pd.Index(["", ""], name="code"))
    return pd.concat([rows, summary]).reset_index()


def mean_absolute(values: pd.Series) -> float:
    """The mean of the absolute values, NaN for none (the MAPE of errors in per cent)."""
    return float(values.abs().mean()) if len(values) else math.nan


def _at_years(simulated: xr.DataArray, codes: list[str], years: pd.Series) -> pd.DataFrame:
    """Simulated values (seed x municipality), each municipality at its own year; NaN where the
    runs did not reach it."""
    run_years = set(int(y) for y in simulated["year"].values)
    columns = {}
    for code in codes:
        year = int(years[code])
        if year in run_years:
            columns[code] = simulated.sel(municipality=code, year=year).values.astype(float)
        else:
            columns[code] = np.full(simulated.sizes["seed"], np.nan)
    return pd.DataFrame(columns)


# --- Running -------------------------------------------------------------------------------------
def simulate_populations(
    seeds: int,
    end: int,
    calibrated: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> xr.DataArray:
    """Run the backcast's baseline once per seed ``0 .. seeds - 1``; returns the residents
    (seed, year, municipality)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.engine.run import run

    populations, started = [], time.monotonic()
    for seed in range(seeds):
        try:
            cfg = compose_config(run_overrides(seed, end, calibrated))
        except (HydraException, OmegaConfBaseException) as err:
            detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ConfigError(f"--calibrated: {calibrated}: {detail}") from None
        results = run(cfg)  # compose_config sets progress=false
        populations.append(results["population"].sum("age_group"))
        if progress is not None:
            elapsed = time.monotonic() - started
            left = elapsed / (seed + 1) * (seeds - seed - 1)
            progress(
                f"backcast: run {seed + 1}/{seeds} done ({REGION}, seed {seed}, "
                f"{START_YEAR}-{end}), about {duration(left)} left"
            )
    return xr.concat(populations, dim=pd.Index(range(seeds), name="seed"))


def backcast(
    seeds: int = DEFAULT_SEEDS,
    end: int = DEFAULT_END,
    calibrated: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Backcast:
    """Run the backcast and compare it with the real figures (see the module docstring)."""
    simulated = simulate_populations(seeds, end, calibrated, progress)
    table = backcast_table(read_observed(), simulated)
    return Backcast(
        table=table,
        seeds=seeds,
        end=end,
        calibrated=calibrated,
        overrides=[o for o in run_overrides(0, end, calibrated) if not o.startswith("seed=")],
    )


# --- Output --------------------------------------------------------------------------------------
def csv_table(table: pd.DataFrame) -> str:
    """The table as CSV text: populations to 0.1 person, errors to 0.01 percentage points."""
    out = table.copy()
    for column in out.columns:
        if column.endswith("_error_pct"):
            out[column] = out[column].round(2)
        elif column not in ("code", "name", "latest_year"):
            out[column] = out[column].round(1)
    out["latest_year"] = out["latest_year"].astype("Int64")
    return out.to_csv(index=False, lineterminator="\n")


def _count(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:,.0f}"


def _error(value: float) -> str:
    if pd.isna(value):
        return "–"
    shown = round(float(value), 1)
    return f"{shown if shown != 0 else 0.0:+.1f} %"  # no "-0.0 %"


def _range(low: float, high: float) -> str:
    return "" if pd.isna(low) else f"{low:,.0f}-{high:,.0f}"


def display_rows(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the table, as printed and written to ``backcast.md``."""
    header = [
        "municipality",
        f"real {CHECK_YEAR}",
        f"model {CHECK_YEAR}",
        "min-max",
        "error",
        f"naive {CHECK_YEAR}",
        "error",
        "latest year",
        "real",
        "model",
        "min-max",
        "error",
        "naive",
        "error",
    ]
    rows = []
    for rec in table.itertuples(index=False):
        row = rec._asdict()
        if row["name"] == MAPE:
            rows.append(
                ["MAPE (mean absolute % error)"]
                + ["", "", "", _abs(row[f"model_{CHECK_YEAR}_error_pct"]), ""]
                + [_abs(row[f"naive_{CHECK_YEAR}_error_pct"]), "", "", "", ""]
                + [_abs(row["model_latest_error_pct"]), "", _abs(row["naive_latest_error_pct"])]
            )
            continue
        latest_year = "each" if row["name"] == TOTAL else str(int(row["latest_year"]))
        cells = [row["name"] if row["name"] == TOTAL else f"{row['name']} ({row['code']})"]
        for label in (str(CHECK_YEAR), "latest"):
            if label == "latest":
                cells.append(latest_year)
            cells += [
                _count(row[f"real_{label}"]),
                _count(row[f"model_{label}"]),
                _range(row[f"model_{label}_min"], row[f"model_{label}_max"]),
                _error(row[f"model_{label}_error_pct"]),
                _count(row[f"naive_{label}"]),
                _error(row[f"naive_{label}_error_pct"]),
            ]
        rows.append(cells)
    return header, rows


def _abs(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1f} %"


def title(result: Backcast) -> str:
    runs = f"{result.seeds} seed{'s' if result.seeds > 1 else ''}"
    calibrated = f", calibrated={result.calibrated}" if result.calibrated else ""
    return f"Backcast: {REGION} baseline {START_YEAR}-{result.end}, {runs}{calibrated}"


def console_table(result: Backcast) -> str:
    """The table as printed by ``sim backcast`` (rich)."""
    from rich.console import Console
    from rich.table import Table

    header, rows = display_rows(result.table)
    table = Table(title=title(result))
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    for i, row in enumerate(rows):
        table.add_row(*row, end_section=i == len(rows) - 3)
    console = Console(width=200, record=True)
    with console.capture() as capture:
        console.print(table)
        console.print(_notes(result, markdown=False))
    return capture.get()


def markdown_report(result: Backcast) -> str:
    """``backcast.md``: the table and how to read it (nothing in it depends on the date)."""
    from sim.io.provenance import code_version

    header, rows = display_rows(result.table)
    lines = [
        f"# {title(result)}",
        "",
        f"Code version {code_version()}. Runs: `sim run {' '.join(result.overrides)} seed=S` "
        f"for S = 0 to {result.seeds - 1}.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |",
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    lines += ["", _notes(result, markdown=True), ""]
    return "\n".join(lines)


def _notes(result: Backcast, markdown: bool) -> str:
    code = "`" if markdown else ""
    not_run = result.table.loc[
        result.table["latest_year"].notna() & (result.table["latest_year"] > result.end), "name"
    ]
    parts = [
        f"Real: SCB population on 31 Dec ({code}inputs/skaraborg/sources/{HISTORY_FILE}{code} "
        f"for {CHECK_YEAR}, {code}{LATEST_FILE}{code} for each municipality's latest year). "
        f"Model: the mean over seeds of the simulated residents at the same date, from the real "
        f"{START_YEAR} population; min-max over seeds. Naive: each municipality's mean yearly "
        f"growth {TREND_FIRST_YEAR}-{START_YEAR} extrapolated from {START_YEAR}. Error: "
        "(forecast - real) / real. The total sums each municipality at its own year. MAPE: the "
        "mean absolute error over the municipalities compared. Beating the naive trend is the "
        "aim, not a test condition."
    ]
    if result.end < CHECK_YEAR or len(not_run):
        parts.append(
            f"Years after the runs' end ({result.end}) were not simulated: their model cells "
            "are empty (–), and the MAPE covers the municipalities compared."
        )
    return " ".join(parts)


def write_backcast(result: Backcast, out: Path) -> list[Path]:
    """Publish ``backcast.csv`` and ``backcast.md`` in the folder ``out`` (a new version of the
    folder, swapped in at once: see :func:`sim.io.atomic.publish_folder`)."""
    texts = {"backcast.csv": csv_table(result.table), "backcast.md": markdown_report(result)}

    def write(folder: Path) -> None:
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")

    published = publish_folder(out, write, ours=is_backcast_folder)
    return [published / name for name in texts]
