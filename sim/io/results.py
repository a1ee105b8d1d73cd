"""The recorder: yearly indicators into a labelled xarray Dataset, and its atomic writer."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

M = ("municipality",)
MS = ("municipality", "sector")
MD = ("municipality", "dwelling_type")
MA = ("municipality", "age_group")

# name: (dims besides year, units, long name, is a flow during the year)
VARIABLES: dict[str, tuple[tuple[str, ...], str, str, bool]] = {
    "population": (MA, "persons", "Residents by age group at the end of the year", False),
    "households": (M, "households", "Resident households at the end of the year", False),
    "births": (M, "persons", "Live births during the year", True),
    "deaths": (M, "persons", "Deaths during the year", True),
    "in_migration": (M, "persons", "Persons moving into the region during the year", True),
    "out_migration": (M, "persons", "Persons moving out of the region during the year", True),
    "moves_in": (M, "persons", "Persons moving in from another municipality of the region", True),
    "moves_out": (M, "persons", "Persons moving out to another municipality of the region", True),
    "unmet_in_migration": (
        M,
        "households",
        "In-migrant households that found no dwelling and did not move in",
        True,
    ),
    "dwellings": (MD, "dwellings", "Dwelling stock at the end of the year", False),
    "vacant_dwellings": (MD, "dwellings", "Vacant dwellings at the end of the year", False),
    "housing_queue": (
        M,
        "households",
        "Households without a dwelling of their own (housing queue)",
        False,
    ),
    "price_index": (MD, "1", "Housing price index (base year = 1)", False),
    "completions": (
        MD,
        "dwellings",
        "Dwellings completed during the year (market-led and programmes)",
        True,
    ),
    "housing_starts": (MD, "dwellings", "Dwellings started during the year", True),
    "under_construction": (
        MD,
        "dwellings",
        "Dwellings under construction at the end of the year",
        False,
    ),
    "demolitions": (
        M,
        "dwellings",
        "Dwellings demolished or converted to holiday homes during the year",
        True,
    ),
    "plan_reserve": (M, "dwellings", "Plan reserve: building rights ready for construction", False),
    "jobs": (MS, "positions", "Job positions at workplaces in the municipality", False),
    "filled_jobs": (
        MS,
        "positions",
        "Filled job positions at workplaces in the municipality",
        False,
    ),
    "jobs_held_by_incommuters_from_outside": (
        M,
        "positions",
        "Positions held by in-commuters living outside the region",
        False,
    ),
    "open_vacancies": (M, "positions", "Vacancies left open after matching and in-commuting", True),
    "recruitment_positions": (
        M,
        "positions",
        "New positions filled from outside: by in-commuters or recruits",
        True,
    ),
    "employed_residents": (M, "persons", "Employed residents (anywhere)", False),
    "unemployed_residents": (M, "persons", "Unemployed residents seeking work", False),
    "unemployment_rate": (M, "1", "Unemployed share of the resident labour force", False),
    "commuting": (
        ("origin", "destination"),
        "persons",
        "Employed residents by home and workplace",
        False,
    ),
    "mean_commute_minutes": (
        M,
        "minutes",
        "Mean one-way travel time to work of employed residents",
        False,
    ),
    "municipal_revenue": (M, "MSEK/year", "Municipal revenue: tax and state grants", True),
    "municipal_tax_revenue": (M, "MSEK/year", "Municipal income tax revenue", True),
    "municipal_grants": (M, "MSEK/year", "State grants and income equalisation", True),
    "municipal_costs": (M, "MSEK/year", "Municipal costs, incl. capital costs", True),
    "municipal_service_costs": (M, "MSEK/year", "Age-related service costs", True),
    "municipal_result": (M, "MSEK/year", "Municipal result: revenue minus costs", True),
    "municipal_investment": (M, "MSEK/year", "Municipal investment outlays", True),
    "municipal_borrowing": (
        M,
        "MSEK/year",
        "Investment outlays financed by borrowing (net of depreciation)",
        True,
    ),
    "municipal_debt": (M, "MSEK", "Municipal debt at the end of the year", False),
    "tax_rate": (M, "percent", "Municipal income tax rate", False),
    "cultural_access": (
        M,
        "places",
        "Type-weighted cultural places reachable, decayed by travel time",
        False,
    ),
    "attractiveness": (M, "1", "Attractiveness index (exp of weighted standardised terms)", False),
    "facilities_open": (M, "facilities", "Cultural facilities open in the municipality", False),
    "plan_reserve_released": (
        M,
        "dwellings",
        "Decision: plan reserve released by the municipality",
        True,
    ),
    "tax_rate_change": (M, "percentage points", "Decision: change of the municipal tax rate", True),
    "establishment_jobs": (
        ("establishment",),
        "positions",
        "Positions of the scenario's establishments",
        False,
    ),
    "establishment_filled_jobs": (
        ("establishment",),
        "positions",
        "Filled positions of the scenario's establishments",
        False,
    ),
    "programme_completions": (
        ("housing_programme",),
        "dwellings",
        "Dwellings completed by each housing programme",
        True,
    ),
    "cultural_investment_open": (
        ("cultural_investment",),
        "1",
        "1 when the scenario's cultural investment is open",
        False,
    ),
    "joint_decided": (
        ("joint_proposal",),
        "1",
        "1 in the year a joint proposal is decided",
        True,
    ),
    "nao_pool": ((), "MSEK", "Unspent joint portfolio budget of the network organisation", False),
}

# Results without a year dimension: name -> (units, long name).
STATIC_VARIABLES: dict[str, tuple[str, str]] = {
    "joint_decision_year": ("year", "Year the joint proposal was decided (NaN: never)"),
    "joint_opening_year": ("year", "Year the jointly decided facility opens (NaN: never)"),
    "joint_cost_share": ("1", "Share of the joint proposal's costs paid by each municipality"),
    "joint_net_benefit": (
        "MSEK/year",
        "Who benefits: each municipality's net benefit of the joint proposal at its decision "
        "(or at the last evaluation when it stalled)",
    ),
    "joint_delay_years": ("years", "Years from the earliest possible decision to the decision"),
    "programme_municipality": ("1", "SCB code (as a number) of the programme's municipality"),
    "programme_cost_per_dwelling": ("MSEK/dwelling", "Construction cost per programme dwelling"),
}


class Recorder:
    """Collects one row per year of every variable in ``VARIABLES``."""

    def __init__(self) -> None:
        self.years: list[int] = []
        self.rows: list[dict[str, np.ndarray]] = []

    def begin(self, year: int) -> None:
        self.years.append(int(year))
        self.rows.append({})

    def put(self, name: str, value) -> None:
        if name not in VARIABLES:
            raise KeyError(f"unknown result variable {name!r}; declare it in sim/io/results.py")
        self.rows[-1][name] = np.array(value, dtype=np.float64)  # a copy: counters are reused

    def to_dataset(
        self, coords: dict[str, list], base_year: int, static: dict | None = None
    ) -> xr.Dataset:
        """Stack the rows into a Dataset; flows of the base year (nothing simulated) are NaN."""
        data_vars = {}
        for name, (dims, units, long_name, is_flow) in VARIABLES.items():
            missing = [y for y, row in zip(self.years, self.rows, strict=True) if name not in row]
            if missing:
                raise KeyError(f"variable {name!r} was not recorded in years {missing}")
            values = np.stack([row[name] for row in self.rows])
            if is_flow:
                values[np.asarray(self.years) == base_year] = np.nan
            data_vars[name] = (
                ("year", *dims),
                values,
                {"units": units, "long_name": long_name},
            )
        for name, (dims, values) in (static or {}).items():
            units, long_name = STATIC_VARIABLES[name]
            data_vars[name] = (dims, values, {"units": units, "long_name": long_name})
        ds = xr.Dataset(data_vars, coords={"year": self.years, **coords})
        ds["year"].attrs.update(units="year", long_name="Calendar year (state at 31 December)")
        return ds


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to ``path`` atomically: to a temporary name in the same folder, then rename.

    A run killed while writing leaves no (partial) file under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, var in ds.data_vars.items()
        if var.dtype.kind == "f"
    }
    try:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
