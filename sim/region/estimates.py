"""The documented estimation rules, for figures no official table gives (or a region lacks).

They are the rules of the embedded Skaraborg inputs (``inputs/skaraborg/README.md`` gives the
source or reasoning behind every constant), written once here: ``inputs/skaraborg/build_inputs.py``
and the region builder (:mod:`sim.region.build`) both use them. Every figure they make is an
**estimate**, and a built region's README lists which of its figures came from here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

PERSONS_PER_HOUSEHOLD = 2.2  # SCB: ~4.83 M households in 2021, ~2.2 persons per household
VACANCY_RATE = 0.02  # assumed share of dwellings without a registered household
RENTAL_SHARE_OF_FLATS = 2.0 / 3.0  # rental share of multi-dwelling flats (assumption)
DETACHED_SHARE_BOUNDS = (0.30, 0.90)  # clip range of the detached-share rule
# The detached-share line passes through two SCB data points (inputs/skaraborg/sources/
# dwelling_type_calibration.csv): Falköping, 60.2 % of households in småhus (2013/14) at a
# population of 31,988, and Essunga, 84 % (2016) at about 5,590.
DETACHED_SHARE_POINTS = ((31_988.0, 0.602), (5_590.0, 0.84))

PLAN_RESERVE_YEARS = 3.0  # plan reserve = this many years of construction
CONSTRUCTION_PER_1000 = 4.2  # completed dwellings per 1000 residents and year (VG county, 2018)

# Jobs per resident: Skövde's commuting region has almost 85,000 jobs and just over 180,000
# inhabitants (skovde.se, about 2021; shared/data/calibration_targets.md).
JOBS_PER_RESIDENT = 85_000 / 180_000
# Larger towns hold more jobs per resident: jobs ~ population ** k, k fitted to Skaraborg's five
# published municipal job counts (inputs/skaraborg/README.md: 1.21 for 2024).
JOB_CONCENTRATION_EXPONENT = 1.21

CIRCUITY = 1.3  # road distance / great-circle distance
CAR_SPEED_KMH = 80.0  # average door-to-door car speed between municipal seats
INTRA_SPEED_KMH = 50.0  # average car speed of trips within a municipality
INTRA_DISTANCE_FACTOR = 1.0 / 3.0  # mean intra-municipal trip length as a share of the disc radius
TERMINAL_MINUTES = 5.0  # fixed time added to every trip (parking, walking to and from the car)
EXTERNAL_INTRA_MINUTES = 20.0  # intra-municipal time assumed for an external city
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

LIBRARY_COST_SEK_PER_CAPITA = 444.0  # KB library statistics 2019: mean public-library cost
ARTS_SCHOOL_COST_SEK_PER_CAPITA = 270.0  # SKL 2018: > 2.7 bn SEK in 2016 / ~10.0 M inhabitants
LIBRARY_PLACES_PER_1000, LIBRARY_MIN_PLACES = 4.0, 40  # assumed visitor places
ARTS_SCHOOL_PLACES_PER_1000, ARTS_SCHOOL_MIN_PLACES = 3.0, 30  # assumed simultaneous pupils


def round_half_up(x: float) -> int:
    """Round a non-negative number to the nearest integer, halves upwards."""
    return int(math.floor(x + 0.5))


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest-remainder method).

    The parts are non-negative integers summing exactly to ``total``; ties in the remainders
    go to the earlier position, so the result is deterministic.
    """
    w = np.asarray(weights, dtype=np.float64)
    raw = total * w / w.sum()
    parts = np.floor(raw).astype(np.int64)
    missing = int(total - parts.sum())
    order = np.argsort(-(raw - parts), kind="stable")
    parts[order[:missing]] += 1
    return parts


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS84 points (spherical Earth)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def travel_times(muni: pd.DataFrame, ext: pd.DataFrame) -> pd.DataFrame:
    """Estimated car travel times between all nodes (municipality codes, then external names).

    Between two nodes: ``TERMINAL + CIRCUITY * haversine / CAR_SPEED``. Within a municipality:
    ``TERMINAL + CIRCUITY * R / 3 / INTRA_SPEED`` with ``R = sqrt(land_area / pi)``: half the mean
    distance from the centre of a uniform disc (2R/3), because residents and jobs cluster in the
    central town. Within an external city: a fixed ``EXTERNAL_INTRA_MINUTES``. Minutes are
    rounded to 0.1, and the matrix is symmetric.
    """
    nodes = list(muni["code"]) + list(ext["name"])
    lats = list(muni["lat"]) + list(ext["lat"])
    lons = list(muni["lon"]) + list(ext["lon"])
    n_muni = len(muni)
    n = len(nodes)
    minutes = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        if i < n_muni:
            radius = math.sqrt(float(muni["land_area_km2"].iloc[i]) / math.pi)
            km = CIRCUITY * INTRA_DISTANCE_FACTOR * radius
            minutes[i, i] = round(TERMINAL_MINUTES + 60.0 * km / INTRA_SPEED_KMH, 1)
        else:
            minutes[i, i] = EXTERNAL_INTRA_MINUTES
        for j in range(i + 1, n):
            km = CIRCUITY * haversine_km(lats[i], lons[i], lats[j], lons[j])
            value = round(TERMINAL_MINUTES + 60.0 * km / CAR_SPEED_KMH, 1)
            minutes[i, j] = minutes[j, i] = value
    origin = [o for o in nodes for _ in nodes]
    destination = [d for _ in nodes for d in nodes]
    return pd.DataFrame({"origin": origin, "destination": destination, "minutes": minutes.ravel()})


def detached_share(population: float, points=DETACHED_SHARE_POINTS) -> float:
    """Share of dwellings that are detached (småhus), falling log-linearly with population: the
    line through two sourced points, clipped to ``DETACHED_SHARE_BOUNDS``."""
    (p1, s1), (p2, s2) = points
    slope = (s2 - s1) / math.log(p1 / p2)
    share = s1 + slope * math.log(p1 / population)
    lo, hi = DETACHED_SHARE_BOUNDS
    return min(max(share, lo), hi)


def households(population: int) -> int:
    return round_half_up(population / PERSONS_PER_HOUSEHOLD)


def dwellings_by_type(population: int, n_households: int, points=DETACHED_SHARE_POINTS):
    """(detached, rental_flat, owner_flat): households x (1 + vacancy), split by the
    detached-share rule and ``RENTAL_SHARE_OF_FLATS``."""
    total = round_half_up(n_households * (1.0 + VACANCY_RATE))
    detached = round_half_up(total * detached_share(population, points))
    rental = round_half_up((total - detached) * RENTAL_SHARE_OF_FLATS)
    return detached, rental, total - detached - rental


def plan_reserve(population: int) -> int:
    """Building rights ready for construction: a few years of construction at a typical rate."""
    return round_half_up(PLAN_RESERVE_YEARS * CONSTRUCTION_PER_1000 * population / 1000.0)


def library(code: str, name: str, population: int, base_year: int) -> tuple:
    """The municipality's main library (the Library Act requires one in every municipality)."""
    return _municipal_facility(
        code,
        "library",
        f"{name} huvudbibliotek",
        population,
        base_year,
        LIBRARY_PLACES_PER_1000,
        LIBRARY_MIN_PLACES,
        LIBRARY_COST_SEK_PER_CAPITA,
    )


def arts_school(code: str, name: str, population: int, base_year: int) -> tuple:
    """The municipality's arts school (kulturskola; nearly every municipality has one)."""
    return _municipal_facility(
        code,
        "arts_school",
        f"{name} kulturskola",
        population,
        base_year,
        ARTS_SCHOOL_PLACES_PER_1000,
        ARTS_SCHOOL_MIN_PLACES,
        ARTS_SCHOOL_COST_SEK_PER_CAPITA,
    )


def _municipal_facility(
    code, kind, name, population, base_year, places_per_1000, min_places, cost_per_capita
) -> tuple:
    """A row of culture_facilities.parquet: places and yearly cost in proportion to residents.
    Its opening year is the base year, meaning "in operation at the base year": the sources do
    not give the real year, and model code never reads it as a recent opening."""
    return (
        f"{code}-{kind}",
        name,
        code,
        kind,
        max(min_places, round_half_up(places_per_1000 * population / 1000.0)),
        base_year,
        round(cost_per_capita * population / 1e6, 2),
    )
