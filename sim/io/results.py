"""Results: declarations, the yearly recorder into a labelled xarray Dataset, and its atomic writer.

Each submodel declares the results it produces (:class:`Result`) beside the code that computes
them; the recorder collects the declarations, one row per year, and builds a Dataset that follows
the CF conventions (https://cfconventions.org): ``units`` a UDUNITS parser accepts (counts are
``1``, with a ``units_note`` saying what is counted; money, which UDUNITS cannot express, says so
in its ``units_note``), ``long_name``, ``cell_methods`` (``year: point`` for stocks at 31 December,
``year: sum`` for flows during the year), and ``flag_values``/``flag_meanings`` on flags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr

from sim.io.atomic import write_file

CF_VERSION = "CF-1.11"
RESULTS_FILE = "results.nc"

# Dimensions (besides year) that results share.
M = ("municipality",)
MS = ("municipality", "sector")
MD = ("municipality", "dwelling_type")


@dataclass(frozen=True)
class Units:
    """Units as a UDUNITS string, with a note where the string alone does not say enough."""

    udunits: str
    note: str = ""


PERSONS = Units("1", "count of persons")
HOUSEHOLDS = Units("1", "count of households")
DWELLINGS = Units("1", "count of dwellings")
POSITIONS = Units("1", "count of job positions")
FACILITIES = Units("1", "count of cultural facilities")
PLACES = Units("1", "type-weighted visitor places of cultural facilities")
RATIO = Units("1")
PERCENT = Units("percent")
PERCENTAGE_POINTS = Units("percent", "percentage points")
MINUTES = Units("minutes")
YEARS = Units("years")
CALENDAR_YEAR = Units("1", "calendar year (a label, not a duration)")
LABEL = Units("")  # text, such as an SCB code: no units
_CURRENCY = "Swedish kronor at constant 2024 prices; currency is not a UDUNITS unit"
MSEK = Units("MSEK", f"million {_CURRENCY}")
MSEK_PER_YEAR = Units("MSEK/year", f"million {_CURRENCY}, per year")
MSEK_PER_DWELLING = Units("MSEK/dwelling", f"million {_CURRENCY}, per dwelling")


@dataclass(frozen=True)
class Result:
    """A result variable: its name, dimensions besides ``year``, units and meaning.

    ``kind`` is ``stock`` (state at 31 December; ``cell_methods`` ``year: point``), ``flow``
    (during the year, ``year: sum``; NaN in the base year, when nothing was simulated) or
    ``static`` (one value per run, no year dimension and no ``cell_methods``).
    ``flags`` names the meanings of the values 0, 1, ... of a flag variable.
    """

    name: str
    dims: tuple[str, ...]
    units: Units
    long_name: str
    kind: Literal["stock", "flow", "static"] = "stock"
    flags: tuple[str, ...] = ()

    def attrs(self) -> dict[str, object]:
        """The variable's CF attributes."""
        attrs: dict[str, object] = {"long_name": self.long_name}
        if self.units.udunits:
            attrs["units"] = self.units.udunits
        if self.units.note:
            attrs["units_note"] = self.units.note
        if self.kind != "static":  # per-run facts have no year to reduce over
            attrs["cell_methods"] = "year: sum" if self.kind == "flow" else "year: point"
        if self.flags:
            attrs["flag_values"] = np.arange(len(self.flags), dtype=np.float64)
            attrs["flag_meanings"] = " ".join(self.flags)
        return attrs


def stock(name: str, dims: tuple[str, ...], units: Units, long_name: str, **kw) -> Result:
    """A state at 31 December."""
    return Result(name, dims, units, long_name, "stock", **kw)


def flow(name: str, dims: tuple[str, ...], units: Units, long_name: str, **kw) -> Result:
    """A flow during the year."""
    return Result(name, dims, units, long_name, "flow", **kw)


def per_run(name: str, dims: tuple[str, ...], units: Units, long_name: str, **kw) -> Result:
    """A per-run result without a year dimension."""
    return Result(name, dims, units, long_name, "static", **kw)


class Recorder:
    """Collects one row per year of every declared result.

    Examples
    --------
    >>> rec = Recorder([stock("x", (), RATIO, "An example")])
    >>> rec.begin(2024); rec.put("x", 1.0); rec.begin(2025); rec.put("x", 2.0)
    >>> rec.to_dataset({}, base_year=2024)["x"].values.tolist()
    [1.0, 2.0]
    """

    def __init__(self, declarations: list[Result] | tuple[Result, ...]) -> None:
        self.declared: dict[str, Result] = {}
        for result in declarations:
            if result.name in self.declared:
                raise ValueError(f"result {result.name!r} is declared twice")
            self.declared[result.name] = result
        self.years: list[int] = []
        self.rows: list[dict[str, np.ndarray]] = []

    def begin(self, year: int) -> None:
        self.years.append(int(year))
        self.rows.append({})

    def put(self, name: str, value) -> None:
        result = self.declared.get(name)
        if result is None or result.kind == "static":
            raise KeyError(
                f"unknown yearly result {name!r}; declare it in its submodel's `results`"
            )
        self.rows[-1][name] = np.array(value, dtype=np.float64)  # a copy: arrays are reused

    def to_dataset(
        self, coords: dict, base_year: int, static: dict[str, np.ndarray] | None = None
    ) -> xr.Dataset:
        """Stack the rows into a Dataset; flows of the base year (nothing simulated) are NaN."""
        static = static or {}
        data_vars = {}
        for name, result in self.declared.items():
            if result.kind == "static":
                if name not in static:
                    raise KeyError(f"static result {name!r} was not produced")
                data_vars[name] = (result.dims, static[name], result.attrs())
                continue
            missing = [y for y, row in zip(self.years, self.rows, strict=True) if name not in row]
            if missing:
                raise KeyError(f"result {name!r} was not recorded in years {missing}")
            values = np.stack([row[name] for row in self.rows])
            if result.kind == "flow":
                values[np.asarray(self.years) == base_year] = np.nan
            data_vars[name] = (("year", *result.dims), values, result.attrs())
        unknown = set(static) - set(data_vars)
        if unknown:
            raise KeyError(f"undeclared static results {sorted(unknown)}")
        ds = xr.Dataset(data_vars, coords={"year": self.years, **coords})
        ds["year"].attrs.update(
            long_name="Calendar year (stocks at 31 December, flows during the year)",
            units=CALENDAR_YEAR.udunits,
            units_note=CALENDAR_YEAR.note,
        )
        ds.attrs["Conventions"] = CF_VERSION
        return ds


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to ``path`` atomically (:func:`sim.io.atomic.write_file`): a run killed
    while writing leaves no (partial) file under the final name.

    The encodings that variables carry from where they were read are dropped: a text
    coordinate read as 4-character codes would otherwise cut a longer label ('region') to 4."""
    ds = ds.copy()
    for var in ds.variables.values():
        var.encoding = {}
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, var in ds.data_vars.items()
        if var.dtype.kind == "f"
    }
    return write_file(path, lambda tmp: ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding))
