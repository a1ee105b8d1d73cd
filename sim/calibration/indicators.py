"""The indicators a calibration target can name, each a plain function of a run's results.

Every indicator takes the results Dataset of one run (:func:`sim.engine.run.run`), an area (an
SCB municipality code, or None for the whole region) and a year, and returns one number. Regional
rates and shares are ratios of regional sums.

Examples
--------
>>> INDICATORS["unemployment_rate"].compute(ds, "1496", 2024)  # doctest: +SKIP
0.064
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import xarray as xr


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when the denominator is 0 (an area without residents or
    without a labour force has no rate; the fit treats it as a miss, not a crash)."""
    return numerator / denominator if denominator != 0 else math.nan


def _area(da: xr.DataArray, municipality: str | None) -> xr.DataArray:
    """``da`` for one municipality, or summed over the region."""
    if municipality is None:
        return da.sum("municipality")
    return da.sel(municipality=municipality)


def population(ds: xr.Dataset, municipality: str | None, year: int) -> float:
    """Residents at the end of ``year``."""
    return float(_area(ds["population"].sum("age_group"), municipality).sel(year=year))


def population_growth(ds: xr.Dataset, municipality: str | None, year: int) -> float:
    """Mean yearly growth rate from the run's first year to ``year``:
    (P_year / P_first)^(1 / (year - first)) - 1."""
    first = int(ds["year"][0])
    ratio = _ratio(population(ds, municipality, year), population(ds, municipality, first))
    return ratio ** (1.0 / (year - first)) - 1.0


def unemployment_rate(ds: xr.Dataset, municipality: str | None, year: int) -> float:
    """Unemployed / (employed + unemployed) residents at the end of ``year``."""
    employed = float(_area(ds["employed_residents"], municipality).sel(year=year))
    unemployed = float(_area(ds["unemployed_residents"], municipality).sel(year=year))
    return _ratio(unemployed, employed + unemployed)


def own_municipality_share(ds: xr.Dataset, municipality: str | None, year: int) -> float:
    """Share of the area's employed residents who work in their home municipality (for the
    region: the commuting matrix's diagonal over all employed residents)."""
    commuting = ds["commuting"].sel(year=year)
    codes = [municipality] if municipality is not None else list(ds["municipality"].values)
    at_home = sum(float(commuting.sel(origin=code, destination=code)) for code in codes)
    employed = float(_area(ds["employed_residents"], municipality).sel(year=year))
    return _ratio(at_home, employed)


def net_commuting(ds: xr.Dataset, municipality: str | None, year: int) -> float:
    """Persons working in the municipality (residents of the region commuting in or working at
    home, plus in-commuters from outside) minus its employed residents."""
    if municipality is None:
        raise ValueError("net_commuting is defined for a municipality, not the region")
    working_here = float(
        ds["commuting"].sel(year=year, destination=municipality).sum("origin")
        + ds["jobs_held_by_incommuters_from_outside"].sel(year=year, municipality=municipality)
    )
    employed = float(ds["employed_residents"].sel(year=year, municipality=municipality))
    return working_here - employed


def _per_1000(ds: xr.Dataset, flow: str, municipality: str | None, year: int) -> float:
    """A yearly flow per 1,000 residents of the year's mean population, the mean of the
    residents at the end of the previous year and at the end of ``year`` (a crude rate)."""
    events = float(_area(ds[flow], municipality).sel(year=year))
    before, after = population(ds, municipality, year - 1), population(ds, municipality, year)
    return 1000.0 * _ratio(events, (before + after) / 2)


def births_per_1000(ds: xr.Dataset, municipality: str | None, year: int) -> float:
    return _per_1000(ds, "births", municipality, year)


def deaths_per_1000(ds: xr.Dataset, municipality: str | None, year: int) -> float:
    return _per_1000(ds, "deaths", municipality, year)


@dataclass(frozen=True)
class Indicator:
    """An indicator's function and what a target of it needs.

    ``after_first_year``: the indicator needs a year before the target's (a growth rate, or a
    flow, which is NaN in the base year). ``municipality_only``: the region has no value.
    """

    compute: Callable[[xr.Dataset, str | None, int], float]
    description: str
    number_format: str  # how the report shows its values
    after_first_year: bool = False
    municipality_only: bool = False


INDICATORS: dict[str, Indicator] = {
    "population": Indicator(population, "residents at the end of the year", "{:,.0f}"),
    "population_growth": Indicator(
        population_growth,
        "mean yearly growth rate from the first year of the run",
        "{:.4f}",
        after_first_year=True,
    ),
    "unemployment_rate": Indicator(
        unemployment_rate, "unemployed / (employed + unemployed) residents", "{:.4f}"
    ),
    "own_municipality_share": Indicator(
        own_municipality_share,
        "share of employed residents working in their home municipality",
        "{:.4f}",
    ),
    "net_commuting": Indicator(
        net_commuting,
        "persons working in the municipality minus its employed residents",
        "{:,.0f}",
        municipality_only=True,
    ),
    "births_per_1000": Indicator(
        births_per_1000, "births per 1,000 residents", "{:.2f}", after_first_year=True
    ),
    "deaths_per_1000": Indicator(
        deaths_per_1000, "deaths per 1,000 residents", "{:.2f}", after_first_year=True
    ),
}
