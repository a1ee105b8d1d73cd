"""Build the Parquet input files of Skaraborg from the tables in ``sources/``, for a base year.

Run from the repository root with the project's virtual environment::

    .venv/bin/python inputs/skaraborg/build_inputs.py            # writes inputs/skaraborg/*.parquet
    .venv/bin/python inputs/skaraborg/build_inputs.py --base-year 2015   # inputs/skaraborg_2015/
    .venv/bin/python inputs/skaraborg/build_inputs.py --check    # fails if any file is stale

Two base years (:data:`BASE_YEARS`): 2024, the default region ``skaraborg``, and 2015, region
``skaraborg_2015`` for backcasting (``sim backcast``), which uses no population figure after 2015.
Every figure written is either copied from a source table (``sources/*.csv``, each row carrying
its source) or derived from them by the rules below, whose parameters are the module constants.
``README.md`` beside this script (and ``inputs/skaraborg_2015/README.md``) documents each rule and
says which outputs are data and which are estimates. The output is deterministic: the same
sources and pyarrow version give byte-identical files (no pandas metadata, no timestamps, fixed
row order and compression).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io.inputs import FILE_SPECS
from sim.region.build import SCHEMAS as REGION_SCHEMAS
from sim.region.build import write_parquet
from sim.region.estimates import (
    CONSTRUCTION_PER_1000,
    JOBS_PER_RESIDENT,
    PERSONS_PER_HOUSEHOLD,
    PLAN_RESERVE_YEARS,
    RENTAL_SHARE_OF_FLATS,
    VACANCY_RATE,
    apportion,
    arts_school,
    library,
    round_half_up,
    travel_times,
)
from sim.region.estimates import detached_share as estimated_detached_share

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"


# --- Base years ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BaseYear:
    """One edition of the inputs: its base year, population trend and folder.

    Attributes
    ----------
    year : int
        Stocks are as of 31 December of this year (column ``base_year``).
    trend : tuple of int
        First and last year of the mean yearly population growth written as ``trend_growth_rate``
        (the model's migration follows it), from ``sources/skaraborg_population_history.csv``.
        For 2024 it also brings the older reported populations forward to the base year.
    out_dir : Path
        Where the tables are written by default.
    """

    year: int
    trend: tuple[int, int]
    out_dir: Path


BASE_YEARS: dict[int, BaseYear] = {
    2024: BaseYear(2024, (2015, 2020), HERE),
    2015: BaseYear(2015, (2010, 2015), HERE.parent / "skaraborg_2015"),
}
DEFAULT_BASE_YEAR = 2024
TREND_DECIMALS = 12  # of trend_growth_rate (per year)
HISTORY_YEARS = (2010, 2015, 2020)  # the years of sources/skaraborg_population_history.csv

# --- Parameters (see README.md for the source or reasoning behind each) -------------------------

# The rules shared with the region builder, and their constants, are in sim/region/estimates.py.
SHARE_AGED_20_64 = 0.55  # assumed share of residents aged 20-64 (national 2023: about 0.566)
EMPLOYMENT_RATE_20_64 = 0.80  # assumed employment rate 20-64 (national Nov 2020: 0.783)
SKOVDE = "1496"
SKOVDE_JOBS_YEAR = 2015  # year of Skövde's jobs by sector (sources/skovde_jobs_by_sector_2015.csv)

MUSEUM_DEFAULT_CAPACITY = 150  # assumed simultaneous visitors of a museum
MUSEUM_DEFAULT_COST_MSEK = 8.0  # assumed yearly operating cost of a museum
STAGE_COST_MSEK_PER_SEAT = 0.04  # assumed yearly operating cost per seat of a theatre/concert hall
# Libraries and arts schools get the base year as opening year: a placeholder for "in operation
# at the base year, real opening year not in the sources".

SECTORS = (
    "agriculture",
    "manufacturing",
    "construction",
    "retail_hospitality",
    "private_services",
    "knowledge_services",
    "public_services",
)
DWELLING_TYPES = ("detached", "rental_flat", "owner_flat")

# --- Output schemas ------------------------------------------------------------------------------
# The six tables' Arrow schemas and their deterministic writer are the region builder's
# (sim/region/build.py), so that a built region and Skaraborg have the same files.
SCHEMAS = {name: REGION_SCHEMAS[name] for name in FILE_SPECS}


# --- Sources -------------------------------------------------------------------------------------
def read_csv(name: str, **kwargs: object) -> pd.DataFrame:
    """Read one UTF-8 source table from ``sources/``."""
    return pd.read_csv(SOURCES / name, encoding="utf-8", **kwargs)


# --- Builders ------------------------------------------------------------------------------------
def build_municipalities(base_year: int = DEFAULT_BASE_YEAR) -> pd.DataFrame:
    """Municipalities with the base year's population, households and plan reserve (see README).

    The population is the history's figure for the base year when it has one (2015: data);
    otherwise each municipality's latest reported figure brought forward to the base year with
    its trend (2024). The trend is the mean yearly growth over ``BASE_YEARS[base_year].trend``.
    No population figure after the base year is read.
    """
    first, last = BASE_YEARS[base_year].trend
    muni = read_csv("skaraborg_municipalities.csv", dtype={"code": str})
    hist = read_csv("skaraborg_population_history.csv", dtype={"code": str})
    known = [f"pop_{y}" for y in HISTORY_YEARS if y <= base_year]  # nothing after the base year
    df = muni.merge(hist[["code", *known]], on="code", how="left", validate="1:1")
    if df[known].isna().any().any():
        raise ValueError("population history missing for some municipality")
    df = df.sort_values("code", kind="stable").reset_index(drop=True)

    rate = (df[f"pop_{last}"] / df[f"pop_{first}"]) ** (1.0 / (last - first)) - 1.0
    # Rounded far below what population counts can tell: the last bit of a power differs between
    # numpy versions, and the shipped files must be rebuilt byte for byte by any of them.
    rate = rate.round(TREND_DECIMALS)
    if f"pop_{base_year}" in df:  # the base year's own figure (data)
        population = [int(p) for p in df[f"pop_{base_year}"]]
        source_year = [base_year] * len(df)
    else:  # each municipality's latest reported figure, brought forward with its trend
        if (df["pop_year"] > base_year).any():
            raise ValueError(f"a reported population is later than the base year {base_year}")
        horizon = base_year - df["pop_year"]
        population = [
            round_half_up(p * (1.0 + r) ** h)
            for p, r, h in zip(df["population"], rate, horizon, strict=True)
        ]
        source_year = df["pop_year"].astype("int64").tolist()
    households = [round_half_up(p / PERSONS_PER_HOUSEHOLD) for p in population]
    plan_reserve = [
        round_half_up(PLAN_RESERVE_YEARS * CONSTRUCTION_PER_1000 * p / 1000.0) for p in population
    ]
    return pd.DataFrame(
        {
            "code": df["code"],
            "name": df["name"],
            "population": population,
            "population_source_year": source_year,
            "land_area_km2": df["land_area_km2"].astype("float64"),
            "lat": df["lat"].astype("float64"),
            "lon": df["lon"].astype("float64"),
            "tax_rate_pct": df["municipal_tax_rate_pct"].astype("float64"),
            "households": households,
            "plan_reserve_dwellings": plan_reserve,
            "trend_growth_rate": rate.astype("float64"),
            "trend_first_year": first,
            "trend_last_year": last,
            "base_year": base_year,
        }
    )


def build_externals(base_year: int = DEFAULT_BASE_YEAR) -> pd.DataFrame:
    """External labour markets: copied from ``sources/externals.csv``; for 2015 with their
    populations of 31 Dec 2015 (``sources/externals_population_2015.csv``)."""
    ext = read_csv("externals.csv")
    if base_year == 2015:
        older = read_csv("externals_population_2015.csv")
        population = ext["name"].map(dict(zip(older["name"], older["population"], strict=True)))
        if population.isna().any():
            raise ValueError("externals_population_2015.csv lacks an external labour market")
        ext = ext.assign(population=population.astype("int64"))
    return ext[["name", "lat", "lon", "population"]].reset_index(drop=True)


def build_travel_times(muni: pd.DataFrame, ext: pd.DataFrame) -> pd.DataFrame:
    """Estimated car travel times between all nodes (sim.region.estimates.travel_times)."""
    return travel_times(muni, ext)


def detached_share(population: float) -> float:
    """Share of dwellings that are detached (småhus), falling log-linearly with population.

    The line passes through two sourced calibration points (``dwelling_type_calibration.csv``:
    Falköping and Essunga) and is clipped to ``DETACHED_SHARE_BOUNDS``.
    """
    cal = read_csv("dwelling_type_calibration.csv", dtype={"code": str})
    points = tuple(map(tuple, cal[["population", "detached_share"]].to_numpy(dtype=np.float64)))
    return estimated_detached_share(population, points)


def build_dwellings(muni: pd.DataFrame) -> pd.DataFrame:
    """Dwellings by type: households x (1 + vacancy), split by the detached-share rule."""
    rows = []
    for code, pop, hh in zip(muni["code"], muni["population"], muni["households"], strict=True):
        total = round_half_up(hh * (1.0 + VACANCY_RATE))
        detached = round_half_up(total * detached_share(pop))
        rental = round_half_up((total - detached) * RENTAL_SHARE_OF_FLATS)
        owner = total - detached - rental
        for kind, count in zip(DWELLING_TYPES, (detached, rental, owner), strict=True):
            rows.append((code, kind, count))
    return pd.DataFrame(rows, columns=["code", "dwelling_type", "dwellings"])


def regional_sector_shares() -> pd.Series:
    """Skaraborg's share of jobs by model sector (an estimate, see README).

    National employment 2020 by industry (SCB) is multiplied by Skaraborg's location quotient
    for the matching older industry group (Skaraborg % / national %, Invest in Skaraborg), then
    mapped to the seven model sectors and renormalised. Unknown industry is left out.
    """
    nat = read_csv("national_employment_by_sector_2020.csv", keep_default_na=False)
    prof = read_csv("skaraborg_sector_profile.csv")
    lq = dict(zip(prof["lq_group"], prof["skaraborg_pct"] / prof["riket_pct"], strict=True))
    lq["none"] = 1.0
    nat = nat[nat["model_sector"] != ""]
    weight = nat["employed_20_64"] * nat["lq_group"].map(lq)
    if weight.isna().any():
        raise ValueError("unknown lq_group in national_employment_by_sector_2020.csv")
    by_sector = weight.groupby(nat["model_sector"]).sum()
    return (by_sector / by_sector.sum()).reindex(list(SECTORS))


def employed_residents(population: pd.Series | np.ndarray) -> np.ndarray:
    """Estimated employed residents: population x share aged 20-64 x employment rate."""
    return np.asarray(population, dtype=np.float64) * SHARE_AGED_20_64 * EMPLOYMENT_RATE_20_64


def skovde_sector_jobs() -> pd.Series:
    """Jobs in Skövde by model sector in 2015 (data; unspecified jobs left out)."""
    table = read_csv("skovde_jobs_by_sector_2015.csv", keep_default_na=False)
    table = table[table["model_sector"] != ""]
    return table.groupby("model_sector")["jobs"].sum().reindex(list(SECTORS), fill_value=0)


def population_in(hist: pd.DataFrame, code: str, year: int, base_year: int) -> float:
    """A municipality's population in ``year`` from the history's years up to ``base_year``
    (of 2010, 2015, 2020): geometric interpolation between the nearest years, the nearest year
    outside their range. No figure after the base year is used."""
    known = {y: float(hist.loc[code, f"pop_{y}"]) for y in HISTORY_YEARS if y <= base_year}
    years = sorted(known)
    if year <= years[0] or year >= years[-1]:
        return known[min(known, key=lambda y: abs(y - year))]
    first = max(y for y in years if y <= year)
    after = min(y for y in years if y > first)
    return known[first] * (known[after] / known[first]) ** ((year - first) / (after - first))


def known_municipal_jobs(muni: pd.DataFrame) -> pd.Series:
    """Jobs in the base year of the municipalities with published job counts (see README): the
    count times the municipality's population growth since its year (jobs per resident kept).
    A count from after the base year is taken as it is, since its year's population would be a
    figure after the base year (the 2015 inputs: Mariestad's 2018 count)."""
    base_year = int(muni["base_year"].iloc[0])
    hist = read_csv("skaraborg_population_history.csv", dtype={"code": str}).set_index("code")
    table = read_csv("municipal_jobs.csv", dtype={"code": str})
    rows = [(SKOVDE, SKOVDE_JOBS_YEAR, float(skovde_sector_jobs().sum()))]
    rows += list(table[["code", "year", "jobs"]].itertuples(index=False, name=None))
    population = muni.set_index("code")["population"]
    scaled = {
        code: jobs * population[code] / population_in(hist, code, year, base_year)
        for code, year, jobs in rows
    }
    return pd.Series(scaled)


def job_concentration_exponent(known: pd.Series, population: pd.Series) -> float:
    """The exponent k of jobs ~ population**k fitted to the municipalities with published counts:
    the least-squares slope of log(jobs per resident) on log(population), plus one."""
    residents = population.loc[known.index].to_numpy(dtype=np.float64)
    per_resident = known.to_numpy(dtype=np.float64) / residents
    slope = np.polyfit(np.log(residents), np.log(per_resident), 1)[0]
    return 1.0 + float(slope)


def build_jobs(muni: pd.DataFrame) -> pd.DataFrame:
    """Jobs located in each municipality by sector (partly data, partly estimate; see README)."""
    total_jobs = round_half_up(muni["population"].sum() * JOBS_PER_RESIDENT)
    known = known_municipal_jobs(muni)
    codes = muni["code"].tolist()
    # Skövde's sectors are data; the other municipalities share the rest of each sector's jobs.
    skovde_jobs = skovde_sector_jobs().to_numpy(dtype=np.float64)
    skovde_by_sector = apportion(round_half_up(known[SKOVDE]), skovde_jobs)
    regional = regional_sector_shares().to_numpy() * total_jobs
    rest_by_sector = np.maximum(regional - skovde_by_sector, 0.0)
    # Municipalities without a published count share what the others leave, by population to
    # the power the published counts show.
    exponent = job_concentration_exponent(known, muni.set_index("code")["population"])
    weights = muni["population"].to_numpy(dtype=np.float64) ** exponent
    is_known = muni["code"].isin(known.index).to_numpy()
    weights[is_known] = 0.0
    unknown_total = total_jobs - round_half_up(known.sum())
    jobs_by_muni = apportion(unknown_total, weights)
    for i in np.flatnonzero(is_known):
        jobs_by_muni[i] = round_half_up(known[codes[i]])
    rows = []
    for code, jobs in zip(codes, jobs_by_muni, strict=True):
        counts = skovde_by_sector if code == SKOVDE else apportion(int(jobs), rest_by_sector)
        for sector, count in zip(SECTORS, counts, strict=True):
            rows.append((code, sector, int(count)))
    return pd.DataFrame(rows, columns=["code", "sector", "jobs"])


def build_culture_facilities(muni: pd.DataFrame) -> pd.DataFrame:
    """One library and one arts school per municipality plus the named facilities open by the
    base year (see README)."""
    base_year = int(muni["base_year"].iloc[0])
    rows = []
    for code, name, pop in zip(muni["code"], muni["name"], muni["population"], strict=True):
        rows.append(library(code, name, int(pop), base_year))
        rows.append(arts_school(code, name, int(pop), base_year))
    named = read_csv("culture_facilities_named.csv", dtype={"code": str})
    named = named[named["opening_year"] <= base_year]
    for rec in named.itertuples(index=False):
        if rec.facility_type == "museum":
            capacity = MUSEUM_DEFAULT_CAPACITY if pd.isna(rec.capacity) else int(rec.capacity)
            cost = MUSEUM_DEFAULT_COST_MSEK
        else:  # theatre, concert_hall: seats are sourced
            capacity = int(rec.capacity)
            cost = round(STAGE_COST_MSEK_PER_SEAT * capacity, 2)
        rows.append(
            (
                rec.facility_id,
                rec.name,
                rec.code,
                rec.facility_type,
                capacity,
                int(rec.opening_year),
                cost,
            )
        )
    columns = list(SCHEMAS["culture_facilities.parquet"].names)
    return pd.DataFrame(rows, columns=columns)


# --- Writing -------------------------------------------------------------------------------------
def build(
    out_dir: Path | None = None, base_year: int = DEFAULT_BASE_YEAR
) -> dict[str, pd.DataFrame]:
    """Build all tables of a base year and write them as Parquet into ``out_dir``.

    Parameters
    ----------
    out_dir : Path, optional
        Target directory (created if missing); default ``BASE_YEARS[base_year].out_dir``.
    base_year : int
        A key of :data:`BASE_YEARS`: 2024 (``inputs/skaraborg``) or 2015
        (``inputs/skaraborg_2015``).

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables written, keyed by file name.
    """
    out_dir = BASE_YEARS[base_year].out_dir if out_dir is None else out_dir
    muni = build_municipalities(base_year)
    ext = build_externals(base_year)
    tables = {
        "municipalities.parquet": muni,
        "externals.parquet": ext,
        "travel_times.parquet": build_travel_times(muni, ext),
        "dwellings.parquet": build_dwellings(muni),
        "jobs.parquet": build_jobs(muni),
        "culture_facilities.parquet": build_culture_facilities(muni),
    }
    check_invariants(tables)
    out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, df in tables.items():
        write_parquet(df, SCHEMAS[file_name], out_dir / file_name)
    return tables


def check_invariants(tables: dict[str, pd.DataFrame]) -> None:
    """Fail the build when the derived data break the facts the model relies on."""
    muni = tables["municipalities.parquet"]
    jobs = tables["jobs.parquet"].groupby("code", sort=False)["jobs"].sum()
    employed = pd.Series(employed_residents(muni["population"]), index=muni["code"])
    skovde = SKOVDE
    if jobs.idxmax() != skovde:
        raise AssertionError(f"Skövde must be the largest job centre, got {jobs.idxmax()}")
    if not jobs[skovde] > employed[skovde]:
        raise AssertionError("Skövde must have more jobs than employed residents")


def summary(tables: dict[str, pd.DataFrame]) -> str:
    """Regional totals of the built tables, as text."""
    muni = tables["municipalities.parquet"]
    dwell = tables["dwellings.parquet"].groupby("dwelling_type")["dwellings"].sum()
    jobs = tables["jobs.parquet"].groupby("sector")["jobs"].sum()
    lines = [
        f"population {int(muni['base_year'].iloc[0])}: {muni['population'].sum():,}",
        f"households: {muni['households'].sum():,}",
        f"plan reserve dwellings: {muni['plan_reserve_dwellings'].sum():,}",
        f"employed residents (estimate): {employed_residents(muni['population']).sum():,.0f}",
        f"dwellings: {dwell.sum():,} = " + ", ".join(f"{t} {dwell[t]:,}" for t in DWELLING_TYPES),
        f"jobs: {jobs.sum():,} = " + ", ".join(f"{s} {jobs[s]:,}" for s in SECTORS),
        f"culture facilities: {len(tables['culture_facilities.parquet'])}",
    ]
    return "\n".join(lines)


def stale_files(base_year: int, out_dir: Path) -> list[str]:
    """The files in ``out_dir`` that are missing or differ from a fresh build of ``base_year``."""
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), base_year)
        return [
            name
            for name in SCHEMAS
            if not (out_dir / name).is_file()
            or (Path(tmp) / name).read_bytes() != (out_dir / name).read_bytes()
        ]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-year",
        type=int,
        choices=sorted(BASE_YEARS),
        default=None,
        help=f"the inputs' base year (default {DEFAULT_BASE_YEAR}: inputs/skaraborg; 2015: "
        "inputs/skaraborg_2015); --check without it checks every base year",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=None, help="where to write (default: by base year)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="build into a temporary directory and fail if the files in --out-dir differ",
    )
    args = parser.parse_args(argv)
    if args.check:
        years = sorted(BASE_YEARS) if args.base_year is None else [args.base_year]
        if args.out_dir is not None and len(years) > 1:
            parser.error("--check with --out-dir needs a --base-year")
        stale = []
        for year in years:
            folder = args.out_dir or BASE_YEARS[year].out_dir
            stale += [f"{folder / name}" for name in stale_files(year, folder)]
        if stale:
            print("stale or missing: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("all input files are up to date")
        return 0
    tables = build(args.out_dir, args.base_year or DEFAULT_BASE_YEAR)
    print(summary(tables))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
