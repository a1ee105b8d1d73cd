"""Load and validate a region's embedded input data (``inputs/<region>/*.parquet``).

A region directory holds six Parquet files; their columns, types and rules are declared in
:data:`FILE_SPECS` and documented in ``inputs/<region>/README.md``. :func:`load_region` reads
them, checks every rule and returns a frozen :class:`RegionInputs`. Any problem raises
:class:`InputError`, whose message names the file, the column and the (0-based) row, for
example::

    inputs/skaraborg/jobs.parquet, column 'jobs', row 12: -5 is negative; counts must be >= 0

All problems found in one file are reported together, one per line (at most
:data:`MAX_PROBLEMS_PER_COLUMN` per column). The checks are written out in plain pandas rather
than pandera so that the messages have exactly this form.

The inputs describe one year, their *base year*: the column ``base_year`` of
``municipalities.parquet`` (the same in every row), read alone by :func:`read_base_year`. Their
stocks are as of 31 December of that year, no year in them (a facility's opening year, the year of
a population figure or trend) lies after it, and a run of them starts there.

Examples
--------
>>> from sim.io.inputs import load_region
>>> region = load_region("skaraborg")
>>> len(region.codes)
15
>>> region.travel_time_matrix().shape
(20, 20)
>>> region.base_year
2024
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io.atomic import sha256_of
from sim.paths import INPUTS_DIR, REPO_ROOT

"""The repository root (the folder that holds ``sim/`` and ``inputs/``)."""

DEFAULT_INPUTS_ROOT = INPUTS_DIR
"""Where region names are looked up when no ``inputs_root`` is given."""

BASE_YEAR_RANGE = (1900, 2099)
"""Allowed base years of a region's inputs (column ``base_year`` of ``municipalities.parquet``):
the inputs' stocks are as of 31 December of that year, and a run starts there. A run may reach
2100 at most, so 2099 is the last base year that leaves a year to simulate."""

SECTORS: tuple[str, ...] = (
    "agriculture",
    "manufacturing",
    "construction",
    "retail_hospitality",
    "private_services",
    "knowledge_services",
    "public_services",
)
"""Job sectors, in their canonical order."""

DWELLING_TYPES: tuple[str, ...] = ("detached", "rental_flat", "owner_flat")
"""Dwelling types, in their canonical order."""

FACILITY_TYPES: tuple[str, ...] = (
    "library",
    "arts_school",
    "concert_hall",
    "museum",
    "theatre",
    "sports_culture_centre",
)
"""Cultural facility types, in their canonical order."""

MAX_PROBLEMS_PER_COLUMN = 10
"""At most this many problems are listed for one column (or key) of one file."""

_CODE_PATTERN = re.compile(r"\d{4}")


class InputError(ValueError):
    """Input data that are missing or break a rule of the input schema.

    Parameters
    ----------
    problems : sequence of str
        One message per problem; each names the file, the column and the row where it applies.

    Attributes
    ----------
    problems : list of str
        The individual problem messages.
    """

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# Every person, household, dwelling and job is an agent held in memory: no region may count more
# than twice Sweden's population (10.6 M in 2024) of any of them.
MAX_COUNT = 20_000_000
# The synthetic population draws ages, couples and children from distributions: a municipality
# needs enough residents to hold adults of both sexes (Sweden's smallest has about 2,400).
MIN_RESIDENTS = 100
# Travel times are by road between municipal seats; a day's travel is beyond any commute, and a
# larger value is a unit error (seconds or metres for minutes). Zero would make the commuting
# cost of a pair vanish, so every time, also within a municipality, is > 0.
MAX_TRAVEL_MINUTES = 1440.0


# --- The schema ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One required column of an input file.

    Parameters
    ----------
    name : str
        Column name.
    kind : {"str", "int", "float"}
        Value type; loaded as pandas string, int64 or float64.
    rule : str or None
        Extra per-value rule: ``"count"`` (0 to :data:`MAX_COUNT`), ``"resident_count"``
        (1 to :data:`MAX_COUNT`), ``"residents"`` (:data:`MIN_RESIDENTS` to :data:`MAX_COUNT`),
        ``"amount"`` (finite, >= 0), ``"positive"`` (finite, > 0), ``"minutes"`` (a travel time
        in (0, :data:`MAX_TRAVEL_MINUTES`]), ``"code"`` (4 digits), ``"text"`` (non-empty),
        ``"lat"``, ``"lon"``, ``"percent"``, ``"growth_rate"`` (a yearly rate in [-0.2, 0.2]),
        ``"base_year"`` (in :data:`BASE_YEAR_RANGE`), ``"year"`` (1000 to the inputs' base
        year), ``"municipality"`` (a code in
        ``municipalities.parquet``), ``"node"`` (a municipality code or external name),
        ``"sector"``, ``"dwelling_type"``,
        ``"facility_type"``.
    """

    name: str
    kind: str
    rule: str | None = None


@dataclass(frozen=True)
class FileSpec:
    """The required columns and key of one input file.

    Parameters
    ----------
    columns : tuple of Column
        Required columns, in the order the loaded DataFrame gets.
    key : tuple of str
        Columns whose combined values must be unique.
    complete_over : tuple of str or None
        For long tables, the two key dimensions whose full cross product must be present
        (``"municipality"``, ``"node"``, ``"sector"`` or ``"dwelling_type"``).
    constant : tuple of str
        Columns whose value must be the same in every row (a property of the whole file).
    """

    columns: tuple[Column, ...]
    key: tuple[str, ...]
    complete_over: tuple[str, str] | None = None
    constant: tuple[str, ...] = ()


FILE_SPECS: dict[str, FileSpec] = {
    "municipalities.parquet": FileSpec(
        columns=(
            Column("code", "str", "code"),
            Column("name", "str", "text"),
            Column("population", "int", "residents"),
            Column("population_source_year", "int", "year"),
            Column("land_area_km2", "float", "positive"),
            Column("lat", "float", "lat"),
            Column("lon", "float", "lon"),
            Column("tax_rate_pct", "float", "percent"),
            Column("households", "int", "resident_count"),
            Column("plan_reserve_dwellings", "int", "count"),
            Column("trend_growth_rate", "float", "growth_rate"),
            Column("trend_first_year", "int", "year"),
            Column("trend_last_year", "int", "year"),
            Column("base_year", "int", "base_year"),
        ),
        key=("code",),
        constant=("base_year",),
    ),
    "externals.parquet": FileSpec(
        columns=(
            Column("name", "str", "text"),
            Column("lat", "float", "lat"),
            Column("lon", "float", "lon"),
            Column("population", "int", "count"),
        ),
        key=("name",),
    ),
    "travel_times.parquet": FileSpec(
        columns=(
            Column("origin", "str", "node"),
            Column("destination", "str", "node"),
            Column("minutes", "float", "minutes"),
        ),
        key=("origin", "destination"),
        complete_over=("node", "node"),
    ),
    "dwellings.parquet": FileSpec(
        columns=(
            Column("code", "str", "municipality"),
            Column("dwelling_type", "str", "dwelling_type"),
            Column("dwellings", "int", "count"),
        ),
        key=("code", "dwelling_type"),
        complete_over=("municipality", "dwelling_type"),
    ),
    "jobs.parquet": FileSpec(
        columns=(
            Column("code", "str", "municipality"),
            Column("sector", "str", "sector"),
            Column("jobs", "int", "count"),
        ),
        key=("code", "sector"),
        complete_over=("municipality", "sector"),
    ),
    "culture_facilities.parquet": FileSpec(
        columns=(
            Column("facility_id", "str", "text"),
            Column("name", "str", "text"),
            Column("code", "str", "municipality"),
            Column("facility_type", "str", "facility_type"),
            Column("capacity", "int", "count"),
            Column("opening_year", "int", "year"),
            Column("operating_cost_msek", "float", "amount"),
        ),
        key=("facility_id",),
    ),
}
"""The six input files of a region and their rules, in loading order."""


# --- The result ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RegionInputs:
    """A region's validated input tables.

    Attributes
    ----------
    name : str
        Region name (the directory name, e.g. ``"skaraborg"``).
    directory : Path
        The directory the files were read from.
    municipalities, externals, travel_times, dwellings, jobs, culture_facilities : DataFrame
        The tables, with exactly the columns of :data:`FILE_SPECS` in that order, string
        columns as pandas strings, integer columns as int64 and real columns as float64.
    checksums : dict of str to str
        SHA-256 (hex) of each Parquet file, keyed by file name, for provenance records.
    """

    name: str
    directory: Path
    municipalities: pd.DataFrame = field(repr=False)
    externals: pd.DataFrame = field(repr=False)
    travel_times: pd.DataFrame = field(repr=False)
    dwellings: pd.DataFrame = field(repr=False)
    jobs: pd.DataFrame = field(repr=False)
    culture_facilities: pd.DataFrame = field(repr=False)
    checksums: dict[str, str] = field(repr=False)

    @property
    def base_year(self) -> int:
        """The inputs' base year: their stocks are as of 31 December of it, and runs start there."""
        return int(self.municipalities["base_year"].iloc[0])

    @property
    def codes(self) -> tuple[str, ...]:
        """Municipality codes, in file order."""
        return tuple(self.municipalities["code"])

    @property
    def names(self) -> tuple[str, ...]:
        """Municipality names, in file order (aligned with :attr:`codes`)."""
        return tuple(self.municipalities["name"])

    def node_names(self) -> tuple[str, ...]:
        """Travel-time nodes: the municipality codes, then the external markets' names."""
        return self.codes + tuple(self.externals["name"])

    def travel_time_matrix(self) -> np.ndarray:
        """Travel times in minutes as a dense matrix.

        Returns
        -------
        numpy.ndarray
            float64 array of shape ``(n_nodes, n_nodes)``; entry ``[i, j]`` is the time from
            ``node_names()[i]`` to ``node_names()[j]``. A new array on every call.
        """
        index = {node: i for i, node in enumerate(self.node_names())}
        tt = self.travel_times
        rows = tt["origin"].map(index).to_numpy(dtype=np.int64)
        cols = tt["destination"].map(index).to_numpy(dtype=np.int64)
        matrix = np.full((len(index), len(index)), np.nan, dtype=np.float64)
        matrix[rows, cols] = tt["minutes"].to_numpy(dtype=np.float64)
        return matrix


# --- Loading -------------------------------------------------------------------------------------
def load_region(region: str | Path, inputs_root: Path | None = None) -> RegionInputs:
    """Read and validate the input files of a region.

    Parameters
    ----------
    region : str or Path
        A region name, looked up as a directory under ``inputs_root``, or a directory path
        (a :class:`~pathlib.Path`, or a string naming an existing directory).
    inputs_root : Path, optional
        Folder holding the region directories; defaults to ``<repo>/inputs``.

    Returns
    -------
    RegionInputs
        The validated tables.

    Raises
    ------
    InputError
        If the region or a file is missing, or any value breaks the schema.
    """
    directory = _region_directory(region, inputs_root)
    missing = [name for name in FILE_SPECS if not (directory / name).is_file()]
    if missing:
        raise InputError(
            [f"{_display(directory / name)}: required input file is missing" for name in missing]
        )

    tables: dict[str, pd.DataFrame] = {}
    context: dict[str, tuple[str, ...]] = {}
    for file_name, spec in FILE_SPECS.items():
        path = directory / file_name
        df = _read_parquet(path)
        if file_name == "municipalities.parquet":
            context["base_year"] = _declared_base_year(df)
        tables[file_name] = _validate(df, spec, _display(path), context)
        if file_name == "municipalities.parquet":
            _check_municipalities(tables[file_name], _display(path))
            context["municipality"] = tuple(tables[file_name]["code"])
        elif file_name == "externals.parquet":
            context["node"] = context["municipality"] + tuple(tables[file_name]["name"])
    _check_region(tables, {name: _display(directory / name) for name in FILE_SPECS})

    return RegionInputs(
        name=directory.name,
        directory=directory,
        municipalities=tables["municipalities.parquet"],
        externals=tables["externals.parquet"],
        travel_times=tables["travel_times.parquet"],
        dwellings=tables["dwellings.parquet"],
        jobs=tables["jobs.parquet"],
        culture_facilities=tables["culture_facilities.parquet"],
        checksums={name: sha256_of(directory / name) for name in FILE_SPECS},
    )


_LOADED: dict[tuple, RegionInputs] = {}


def load_region_once(region: str | Path, inputs_root: Path | None = None) -> RegionInputs:
    """:func:`load_region`, read and validated once per process while the files are unchanged.

    An ensemble worker runs many jobs of the same region: it validates the inputs on its first
    job and reuses the tables (which nothing modifies) after. A file rewritten since (another
    size or modification time) is read and validated again.
    """
    directory = _region_directory(region, inputs_root)
    stats = []
    for name in FILE_SPECS:
        try:
            stat = (directory / name).stat()
        except FileNotFoundError:
            return load_region(region, inputs_root)  # the missing file's message
        stats.append((name, stat.st_mtime_ns, stat.st_size))
    key = (directory, tuple(stats))
    if key not in _LOADED:
        if len(_LOADED) >= 8:
            _LOADED.clear()
        _LOADED[key] = load_region(region, inputs_root)
    return _LOADED[key]


def read_base_year(region: str | Path, inputs_root: Path | None = None) -> int:
    """The base year of a region's inputs, reading and checking only ``municipalities.parquet``.

    Parameters
    ----------
    region, inputs_root
        As for :func:`load_region`.

    Returns
    -------
    int
        The column ``base_year`` (the same in every row): the inputs' stocks are as of
        31 December of this year, and a run of them starts there.

    Raises
    ------
    InputError
        If the region or the file is missing, or the file breaks a rule of its schema.

    Examples
    --------
    >>> read_base_year("skaraborg"), read_base_year("skaraborg_2015")
    (2024, 2015)
    """
    directory = _region_directory(region, inputs_root)
    path = directory / "municipalities.parquet"
    if not path.is_file():
        raise InputError(f"{_display(path)}: required input file is missing")
    stat = path.stat()
    return _base_year_of(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _base_year_of(path: Path, mtime_ns: int, size: int) -> int:
    """:func:`read_base_year` of one version of the file (every config is resolved several
    times, and a sweep's preflight resolves each of its runs): read and checked once."""
    df = _read_parquet(path)
    context = {"base_year": _declared_base_year(df)}
    table = _validate(df, FILE_SPECS["municipalities.parquet"], _display(path), context)
    _check_municipalities(table, _display(path))
    return int(table["base_year"].iloc[0])


def region_folder(region: str | Path, inputs_root: Path | None = None) -> str:
    """The folder of a region's inputs as messages show it (relative to the repository when
    inside it); raises :class:`InputError` when there is none."""
    return _display(_region_directory(region, inputs_root))


def _declared_base_year(df: pd.DataFrame) -> int | None:
    """The base year a municipalities table declares, or None when its ``base_year`` column is
    missing or invalid (the column's own checks then report why)."""
    if "base_year" not in df.columns or df.empty:
        return None
    values = df["base_year"].tolist()
    low, high = BASE_YEAR_RANGE
    if not all(_is_int(v) and low <= v <= high for v in values) or len(set(values)) != 1:
        return None
    return int(values[0])


def _check_municipalities(table: pd.DataFrame, where: str) -> None:
    """A region has municipalities, none has more households than residents, and each trend
    period runs forwards (checked here, before the other files are read against an empty or
    inconsistent list)."""
    if table.empty:
        raise InputError(f"{where}: has no rows; a region needs at least one municipality")
    crowded = table.index[table["households"] > table["population"]]
    if len(crowded):
        raise InputError(
            [
                f"{where}, column 'households', row {row}: {table.at[row, 'households']} is more "
                f"than the population ({table.at[row, 'population']}); every household has at "
                "least one resident"
                for row in crowded[:MAX_PROBLEMS_PER_COLUMN]
            ]
        )
    backwards = table.index[table["trend_first_year"] >= table["trend_last_year"]]
    if len(backwards):
        raise InputError(
            [
                f"{where}, column 'trend_first_year', row {row}: "
                f"{table.at[row, 'trend_first_year']} is not before trend_last_year "
                f"({table.at[row, 'trend_last_year']}); the trend is the mean yearly growth from "
                "the first year to the last"
                for row in backwards[:MAX_PROBLEMS_PER_COLUMN]
            ]
        )


def _check_region(tables: dict[str, pd.DataFrame], where: dict[str, str]) -> None:
    """What the model needs of a region as a whole: jobs, dwellings in every municipality, and
    cultural facilities with places (access is measured against the base year's)."""
    problems = []
    if tables["jobs.parquet"]["jobs"].sum() == 0:
        problems.append(f"{where['jobs.parquet']}: every count is 0; a region needs jobs")
    dwellings = tables["dwellings.parquet"].groupby("code")["dwellings"].sum()
    for code in tables["municipalities.parquet"]["code"]:
        if dwellings.get(code, 0) == 0:
            problems.append(
                f"{where['dwellings.parquet']}: municipality {code} has no dwellings; every "
                "municipality needs some"
            )
    if tables["culture_facilities.parquet"]["capacity"].sum() == 0:
        problems.append(
            f"{where['culture_facilities.parquet']}: no facility has places (capacity > 0); "
            "cultural access is measured against the base year's, so a region needs one"
        )
    if problems:
        raise InputError(problems[:MAX_PROBLEMS_PER_COLUMN])


def _region_directory(region: str | Path, inputs_root: Path | None) -> Path:
    root = DEFAULT_INPUTS_ROOT if inputs_root is None else Path(inputs_root)
    if isinstance(region, Path):
        candidates = [region]
    else:
        candidates = [root / region, Path(region)]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise InputError(
        f"region {str(region)!r} not found: no directory {_display(candidates[0])}"
        + ("" if isinstance(region, Path) else f" (regions are folders under {_display(root)})")
    )


def _display(path: Path) -> str:
    """A path relative to the repository root when inside it, else absolute."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path).reset_index(drop=True)
    except Exception as exc:  # any reader failure means an unusable file
        raise InputError(f"{_display(path)}: not a readable Parquet file ({exc})") from exc


# --- Validation ----------------------------------------------------------------------------------
def _validate(
    df: pd.DataFrame,
    spec: FileSpec,
    where: str,
    context: dict[str, Any],
) -> pd.DataFrame:
    """Check one table against its spec; return it normalised or raise InputError."""
    problems: list[str] = []
    present = [c for c in spec.columns if c.name in df.columns]
    for column in spec.columns:
        if column.name not in df.columns:
            problems.append(
                f"{where}, column '{column.name}': required column is missing "
                f"(found columns: {', '.join(map(str, df.columns)) or 'none'})"
            )

    clean: dict[str, pd.Series] = {}
    for column in present:
        series, column_problems = _check_column(df[column.name], column, where, context)
        problems.extend(column_problems)
        if not column_problems:
            clean[column.name] = series

    if all(name in clean for name in spec.key):
        problems.extend(_check_key(pd.DataFrame(clean), spec.key, where))
    if spec.complete_over and all(name in clean for name in spec.key):
        problems.extend(
            _check_complete(pd.DataFrame(clean), spec.key, spec.complete_over, where, context)
        )
    for name in spec.constant:
        if name in clean and clean[name].nunique() > 1:
            values = clean[name]
            other = int(np.flatnonzero(values.to_numpy() != values.iloc[0])[0])
            problems.append(
                f"{where}, column '{name}': values differ ({values.iloc[0]} in row 0, "
                f"{values.iloc[other]} in row {other}); it must be the same in every row"
            )
    if problems:
        raise InputError(problems)
    return pd.DataFrame({c.name: clean[c.name] for c in spec.columns})


def _check_column(
    series: pd.Series, column: Column, where: str, context: dict[str, Any]
) -> tuple[pd.Series, list[str]]:
    """Check nulls, value types and the column's rule; return the typed series and problems."""
    label = f"{where}, column '{column.name}'"
    values = series.tolist()

    nulls = [i for i, v in enumerate(values) if _is_null(v)]
    if nulls:
        return series, _limited(
            [f"{label}, row {i}: value is missing (null)" for i in nulls], label
        )

    type_ok = _TYPE_CHECKS[column.kind]
    for i, value in enumerate(values):
        if not type_ok(value):
            return series, [
                f"{label}, row {i}: {value!r} has type {type(value).__name__}, expected "
                f"{_KIND_NAMES[column.kind]} (column dtype is {series.dtype})"
            ]
    typed = _cast(series, column.kind)

    if column.rule is None:
        return typed, []
    check, requirement = _rule(column.rule, context)
    bad = [f"{label}, row {i}: {requirement(v)}" for i, v in enumerate(values) if not check(v)]
    return typed, _limited(bad, label)


def _check_key(df: pd.DataFrame, key: tuple[str, ...], where: str) -> list[str]:
    label = f"{where}, {_columns_label(key)}"
    first_seen: dict[tuple[Any, ...], int] = {}
    problems = []
    for i, row in enumerate(df[list(key)].itertuples(index=False, name=None)):
        if row in first_seen:
            problems.append(
                f"{label}, row {i}: duplicate key {_key_repr(row)} (first in row {first_seen[row]})"
            )
        else:
            first_seen[row] = i
    return _limited(problems, label)


def _check_complete(
    df: pd.DataFrame,
    key: tuple[str, ...],
    dims: tuple[str, str],
    where: str,
    context: dict[str, Any],
) -> list[str]:
    label = f"{where}, {_columns_label(key)}"
    present = set(df[list(key)].itertuples(index=False, name=None))
    first, second = (_DIMENSIONS[d](context) for d in dims)
    missing = [(a, b) for a in first for b in second if (a, b) not in present]
    if not missing:
        return []
    shown = ", ".join(_key_repr(k) for k in missing[:MAX_PROBLEMS_PER_COLUMN])
    more = len(missing) - MAX_PROBLEMS_PER_COLUMN
    return [
        f"{label}: table is incomplete, {len(missing)} of {len(first) * len(second)} "
        f"combinations have no row: {shown}" + (f" and {more} more" if more > 0 else "")
    ]


def _limited(problems: list[str], label: str) -> list[str]:
    if len(problems) <= MAX_PROBLEMS_PER_COLUMN:
        return problems
    more = len(problems) - MAX_PROBLEMS_PER_COLUMN
    return problems[:MAX_PROBLEMS_PER_COLUMN] + [f"{label}: ... and {more} more problems"]


def _columns_label(key: tuple[str, ...]) -> str:
    names = ", ".join(f"'{k}'" for k in key)
    return f"column {names}" if len(key) == 1 else f"columns {names}"


def _key_repr(key: tuple[Any, ...]) -> str:
    return repr(key[0]) if len(key) == 1 else "(" + ", ".join(repr(k) for k in key) + ")"


def _is_null(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_real(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float | np.floating)


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": _is_int,
    "float": _is_real,
}
_KIND_NAMES = {"str": "string", "int": "int64", "float": "float64"}


def _cast(series: pd.Series, kind: str) -> pd.Series:
    if kind == "int":
        return series.astype("int64")
    if kind == "float":
        return series.astype("float64")
    return series.astype("str")


def _rule(rule: str, context: dict[str, Any]) -> tuple[Callable[[Any], bool], Callable[[Any], str]]:
    """The check and the failure message for a column rule."""

    def choices(allowed: Sequence[str], what: str) -> tuple[Callable, Callable]:
        allowed_set = frozenset(allowed)
        return (
            lambda v: v in allowed_set,
            lambda v: f"{v!r} is not a known {what}; expected one of: {', '.join(allowed)}",
        )

    if rule == "count":
        return (
            lambda v: 0 <= v <= MAX_COUNT,
            lambda v: (
                f"{v} is negative; counts must be >= 0"
                if v < 0
                else f"{v} is more than {MAX_COUNT:,}, the largest count allowed"
            ),
        )
    if rule == "resident_count":
        return (
            lambda v: 0 < v <= MAX_COUNT,
            lambda v: (
                f"{v} is not allowed; every municipality needs residents (> 0)"
                if v <= 0
                else f"{v} is more than {MAX_COUNT:,}, the largest count allowed"
            ),
        )
    if rule == "residents":
        return (
            lambda v: MIN_RESIDENTS <= v <= MAX_COUNT,
            lambda v: (
                f"{v} is not allowed; a municipality needs at least {MIN_RESIDENTS} residents"
                if v < MIN_RESIDENTS
                else f"{v} is more than {MAX_COUNT:,}, the largest count allowed"
            ),
        )
    if rule == "minutes":
        return (
            lambda v: bool(np.isfinite(v)) and 0 < v <= MAX_TRAVEL_MINUTES,
            lambda v: f"{v} is not a travel time in minutes in (0, {MAX_TRAVEL_MINUTES}]",
        )
    if rule == "amount":
        return (
            lambda v: bool(np.isfinite(v)) and v >= 0,
            lambda v: f"{v} is not a finite number >= 0",
        )
    if rule == "positive":
        return (
            lambda v: bool(np.isfinite(v)) and v > 0,
            lambda v: f"{v} is not a positive finite number; values must be > 0",
        )
    if rule == "code":
        return (
            lambda v: _CODE_PATTERN.fullmatch(v) is not None,
            lambda v: f"{v!r} is not a 4-digit municipality code",
        )
    if rule == "text":
        return (lambda v: v.strip() != "", lambda v: f"{v!r} is empty; a name is required")
    if rule == "lat":
        return (lambda v: -90 <= v <= 90, lambda v: f"{v} is not a latitude in [-90, 90]")
    if rule == "lon":
        return (lambda v: -180 <= v <= 180, lambda v: f"{v} is not a longitude in [-180, 180]")
    if rule == "percent":
        return (lambda v: 0 <= v <= 100, lambda v: f"{v} is not a percentage in [0, 100]")
    if rule == "growth_rate":
        return (
            lambda v: bool(np.isfinite(v)) and -0.2 <= v <= 0.2,
            lambda v: f"{v} is not a yearly growth rate in [-0.2, 0.2]",
        )
    if rule == "base_year":
        low, high = BASE_YEAR_RANGE
        return (
            lambda v: low <= v <= high,
            lambda v: f"{v} is not a base year in [{low}, {high}]",
        )
    if rule == "year":
        base_year = context.get("base_year")
        if base_year is None:  # the base year itself is invalid: reported on its own column
            high = BASE_YEAR_RANGE[1]
            return (lambda v: 1000 <= v <= high, lambda v: f"{v} is not a year in [1000, {high}]")
        return (
            lambda v: 1000 <= v <= base_year,
            lambda v: f"{v} is not a year in [1000, {base_year}] (the inputs' base year)",
        )
    if rule == "municipality":
        codes = frozenset(context["municipality"])
        return (
            lambda v: v in codes,
            lambda v: f"{v!r} is not a municipality code in municipalities.parquet",
        )
    if rule == "node":
        nodes = frozenset(context["node"])
        return (
            lambda v: v in nodes,
            lambda v: f"{v!r} is not a node (a municipality code or an external name)",
        )
    if rule == "sector":
        return choices(SECTORS, "sector")
    if rule == "dwelling_type":
        return choices(DWELLING_TYPES, "dwelling type")
    if rule == "facility_type":
        return choices(FACILITY_TYPES, "facility type")
    raise ValueError(f"unknown column rule {rule!r}")


_DIMENSIONS: dict[str, Callable[[dict[str, Any]], tuple[str, ...]]] = {
    "municipality": lambda ctx: tuple(ctx["municipality"]),
    "node": lambda ctx: tuple(ctx["node"]),
    "sector": lambda ctx: SECTORS,
    "dwelling_type": lambda ctx: DWELLING_TYPES,
}
