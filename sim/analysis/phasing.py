"""Phasing comparison: for housing programmes phased differently, the household-years of queue and
the dwelling-years of excess vacancy each phasing causes in the programme's municipality, against a
reference scenario without the programme, and the cost of capital tied up in the extra vacancy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr


def _code(value) -> str:
    """An SCB code from a programme_municipality cell: a string code, or (in ensembles written
    before codes were strings) a number; "" where the scenario has no such programme."""
    value = np.asarray(value).item() if isinstance(value, xr.DataArray) else value
    if isinstance(value, str):
        return value
    number = float(value) if value is not None else np.nan
    return f"{int(number):04d}" if np.isfinite(number) else ""


def phasing_table(
    ensemble: xr.Dataset, reference: str, natural_vacancy: float, interest_rate: float
) -> pd.DataFrame:
    """One row per scenario for each municipality where some scenario runs a housing programme.

    Sums run over the simulated years. ``queue_household_years``: the municipality's housing queue;
    ``excess_vacancy_dwelling_years``: vacant dwellings above ``natural_vacancy`` of the stock.
    ``extra_queue`` and ``extra_vacancy`` are paired differences (by replicate) to ``reference``
    (the same demand without the programme, e.g. the establishment alone), with 5-95 % bands;
    ``capital_cost_msek`` is the extra vacancy (if positive) x the programme's cost per dwelling x
    ``interest_rate``: the cost of capital tied up in dwellings built before they are needed.
    """
    if "programme_municipality" not in ensemble or ensemble.sizes.get("housing_programme", 0) == 0:
        return pd.DataFrame()
    first = ensemble.isel(replicate=0)
    years = ensemble["year"].values[1:]
    codes = first["programme_municipality"].load()
    munis = sorted({_code(c) for c in codes.values.ravel()} - {""})
    rows = []
    for code in munis:
        ds = ensemble.sel(municipality=code, year=years)
        queue = ds["housing_queue"].sum("year")
        stock = ds["dwellings"].sum("dwelling_type")
        vacant = ds["vacant_dwellings"].sum("dwelling_type")
        excess = np.maximum(vacant - natural_vacancy * stock, 0).sum("year")
        extra_queue = queue - queue.sel(scenario=reference)
        extra_vacancy = excess - excess.sel(scenario=reference)
        for scenario in ensemble["scenario"].values:
            here = [
                p
                for p in ensemble["housing_programme"].values
                if _code(codes.sel(scenario=scenario, housing_programme=p)) == code
            ]
            done = ensemble["programme_completions"].sel(scenario=scenario, year=years)
            done = (
                done.sel(housing_programme=here)
                .isel(replicate=0)
                .fillna(0)
                .sum("housing_programme")
            )
            built = years[done.values > 0]
            cost = (
                float(
                    first["programme_cost_per_dwelling"].sel(
                        scenario=scenario, housing_programme=here[0]
                    )
                )
                if here
                else 0.0
            )
            ev = extra_vacancy.sel(scenario=scenario)
            eq = extra_queue.sel(scenario=scenario)
            rows.append(
                {
                    "municipality": code,
                    "scenario": str(scenario),
                    "programme_dwellings": int(done.sum()),
                    "completions": f"{built[0]}-{built[-1]}" if built.size else "",
                    "queue_household_years": float(queue.sel(scenario=scenario).mean()),
                    "excess_vacancy_dwelling_years": float(excess.sel(scenario=scenario).mean()),
                    "extra_queue": float(eq.mean()),
                    "extra_queue_p05": float(eq.quantile(0.05)),
                    "extra_queue_p95": float(eq.quantile(0.95)),
                    "extra_vacancy": float(ev.mean()),
                    "extra_vacancy_p05": float(ev.quantile(0.05)),
                    "extra_vacancy_p95": float(ev.quantile(0.95)),
                    "capital_cost_msek": max(float(ev.mean()), 0.0) * cost * interest_rate,
                }
            )
    return pd.DataFrame(rows)
