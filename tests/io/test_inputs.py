"""Tests for sim.io.inputs: the shipped Skaraborg inputs and the loader's validation messages."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from sim.io.inputs import (
    DWELLING_TYPES,
    FACILITY_TYPES,
    FILE_SPECS,
    REPO_ROOT,
    SECTORS,
    InputError,
    RegionInputs,
    load_region,
    load_region_once,
    read_base_year,
)

REGION_DIR = REPO_ROOT / "inputs" / "skaraborg"
REGION_2015_DIR = REPO_ROOT / "inputs" / "skaraborg_2015"
SOURCES_DIR = REGION_DIR / "sources"
SKOVDE = "1496"


def _load_build_module() -> ModuleType:
    """Import inputs/skaraborg/build_inputs.py (not a package) as a module."""
    path = REGION_DIR / "build_inputs.py"
    spec = importlib.util.spec_from_file_location("skaraborg_build_inputs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build_inputs = _load_build_module()


@pytest.fixture(scope="module")
def region() -> RegionInputs:
    return load_region("skaraborg")


@pytest.fixture(scope="module")
def region_2015() -> RegionInputs:
    return load_region("skaraborg_2015")


def _history() -> pd.DataFrame:
    return pd.read_csv(SOURCES_DIR / "skaraborg_population_history.csv", dtype={"code": str})


# --- The shipped region --------------------------------------------------------------------------
def test_fifteen_unique_municipalities(region: RegionInputs) -> None:
    assert len(region.codes) == 15
    assert len(set(region.codes)) == 15
    assert all(len(c) == 4 and c.isdigit() for c in region.codes)
    assert "Skövde" in region.names and "Töreboda" in region.names
    assert region.name == "skaraborg"
    assert region.directory == REGION_DIR


def test_population_is_the_2024_projection_of_the_sources(region: RegionInputs) -> None:
    sources = REGION_DIR / "sources"
    muni = pd.read_csv(sources / "skaraborg_municipalities.csv", dtype={"code": str})
    hist = pd.read_csv(sources / "skaraborg_population_history.csv", dtype={"code": str})
    src = muni.merge(hist, on="code").set_index("code")
    rate = (src["pop_2020"] / src["pop_2015"]) ** (1 / 5) - 1
    expected = src["population"] * (1 + rate) ** (2024 - src["pop_year"])

    got = region.municipalities.set_index("code")["population"]
    assert np.allclose(got.to_numpy(), expected.loc[got.index].to_numpy(), atol=0.5)
    reported_2024 = src.index[src["pop_year"] == 2024]
    assert (got.loc[reported_2024] == src.loc[reported_2024, "population"]).all()
    total = int(got.sum())
    assert abs(total - float(expected.sum())) <= 15
    assert abs(total - 271_000) / 271_000 < 0.01


def test_base_year_and_trend_of_the_2024_inputs(region: RegionInputs) -> None:
    muni = region.municipalities
    assert region.base_year == read_base_year("skaraborg") == 2024
    assert (muni["base_year"] == 2024).all() and muni["base_year"].dtype == np.int64
    assert (muni["trend_first_year"] == 2015).all() and (muni["trend_last_year"] == 2020).all()
    hist = _history().set_index("code").loc[list(region.codes)]
    expected = (hist["pop_2020"] / hist["pop_2015"]) ** (1 / 5) - 1
    assert np.allclose(muni["trend_growth_rate"], expected.to_numpy())


# --- The 2015 inputs (inputs/skaraborg_2015, for sim backcast) -----------------------------------
def test_2015_population_is_the_real_2015_population(region_2015: RegionInputs) -> None:
    muni = region_2015.municipalities.set_index("code")
    hist = _history().set_index("code")
    assert region_2015.base_year == read_base_year("skaraborg_2015") == 2015
    assert region_2015.codes == load_region("skaraborg").codes
    assert (muni["population"] == hist.loc[muni.index, "pop_2015"]).all()
    assert muni["population"].sum() == 261_803  # SCB: Skaraborg on 31 Dec 2015
    assert (muni["population_source_year"] == 2015).all()


def test_2015_trend_is_2010_to_2015(region_2015: RegionInputs) -> None:
    muni = region_2015.municipalities.set_index("code")
    hist = _history().set_index("code").loc[muni.index]
    expected = (hist["pop_2015"] / hist["pop_2010"]) ** (1 / 5) - 1
    assert np.allclose(muni["trend_growth_rate"], expected)
    assert (muni["trend_first_year"] == 2010).all() and (muni["trend_last_year"] == 2015).all()


def test_2015_tables_follow_the_2024_rules_on_2015_populations(region_2015) -> None:
    muni = region_2015.municipalities.set_index("code")
    assert np.allclose(muni["households"], muni["population"] / 2.2, atol=0.5)
    dwellings = region_2015.dwellings.groupby("code")["dwellings"].sum()
    assert np.allclose(dwellings.loc[muni.index], muni["households"] * 1.02, atol=1.0)
    jobs = region_2015.jobs.groupby("code")["jobs"].sum()
    assert jobs.sum() == pytest.approx(muni["population"].sum() * 85_000 / 180_000, abs=1)
    # Skövde's 2015 count is for the base year itself: taken as it is, unspecified jobs left out.
    skovde = pd.read_csv(SOURCES_DIR / "skovde_jobs_by_sector_2015.csv", keep_default_na=False)
    assert jobs.loc[SKOVDE] == skovde.loc[skovde["model_sector"] != "", "jobs"].sum()
    assert jobs.idxmax() == SKOVDE
    # Mariestad's count is for 2018, after the base year: taken as it is (no 2018 population).
    assert jobs.loc["1493"] == 8_897
    cf = region_2015.culture_facilities
    assert (cf["opening_year"] <= 2015).all() and len(cf) == 36
    external = region_2015.externals.set_index("name")["population"]
    assert external["Göteborg"] == 548_190 and external["Trollhättan"] == 57_092


def test_2015_build_reads_no_population_after_2015(monkeypatch, tmp_path: Path) -> None:
    """The 2015 tables are the same when every figure after 2015 is garbage."""
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    hist = _history()
    hist["pop_2020"] = 1  # what a leak would pick up
    hist.to_csv(sources / "skaraborg_population_history.csv", index=False)
    muni = pd.read_csv(sources / "skaraborg_municipalities.csv", dtype={"code": str})
    muni["population"] = 1  # the latest figures: 2021-2024
    muni.to_csv(sources / "skaraborg_municipalities.csv", index=False)
    ext = pd.read_csv(sources / "externals.csv")
    ext["population"] = 1  # 2021-2024
    ext.to_csv(sources / "externals.csv", index=False)
    monkeypatch.setattr(build_inputs, "SOURCES", sources)
    build_inputs.build(tmp_path / "out", base_year=2015)
    for name in FILE_SPECS:
        shipped = (REGION_2015_DIR / name).read_bytes()
        assert (tmp_path / "out" / name).read_bytes() == shipped, name


def test_households_and_dwellings(region: RegionInputs) -> None:
    muni = region.municipalities.set_index("code")
    assert np.allclose(muni["households"], muni["population"] / 2.2, atol=0.5)
    dwellings = region.dwellings.groupby("code")["dwellings"].sum()
    assert np.allclose(dwellings.loc[muni.index], muni["households"] * 1.02, atol=1.0)
    assert (region.dwellings.groupby("code").size() == len(DWELLING_TYPES)).all()
    # Tibro has "drygt 5 200 bostäder" (about 2021): the estimate must be close to that.
    assert 5_200 <= dwellings.loc["1472"] <= 5_500
    # The detached share falls with municipality size: Essunga above Skövde.
    detached = region.dwellings[region.dwellings["dwelling_type"] == "detached"]
    share = detached.set_index("code")["dwellings"] / dwellings
    assert share.loc["1445"] > share.loc[SKOVDE] > 0.3


def test_skovde_is_the_largest_job_centre_and_a_net_importer(region: RegionInputs) -> None:
    jobs = region.jobs.groupby("code")["jobs"].sum()
    assert jobs.idxmax() == SKOVDE
    population = region.municipalities.set_index("code")["population"]
    employed = pd.Series(build_inputs.employed_residents(population), index=population.index)
    assert jobs.loc[SKOVDE] > employed.loc[SKOVDE]
    # Jobs per resident as in Skövde's commuting region (85,000 jobs, 180,000 inhabitants).
    assert jobs.sum() == pytest.approx(population.sum() * 85_000 / 180_000, abs=1)
    # Mariestad's published day population (2018) is below its employed residents: net out.
    assert jobs.loc["1493"] < employed.loc["1493"]


def test_jobs_cover_every_sector(region: RegionInputs) -> None:
    assert len(region.jobs) == 15 * len(SECTORS)
    assert set(region.jobs["sector"]) == set(SECTORS)
    by_sector = region.jobs.groupby("sector")["jobs"].sum()
    assert by_sector.idxmax() == "public_services"
    assert by_sector["manufacturing"] / by_sector.sum() > 0.15  # manufacturing-heavy region


def test_travel_time_matrix(region: RegionInputs) -> None:
    nodes = region.node_names()
    assert nodes[:15] == region.codes
    assert nodes[15:] == ("Göteborg", "Stockholm", "Jönköping", "Örebro", "Trollhättan")
    matrix = region.travel_time_matrix()
    assert matrix.shape == (20, 20) and matrix.dtype == np.float64
    assert np.isfinite(matrix).all() and (matrix > 0).all()
    assert np.array_equal(matrix, matrix.T)
    i, j = nodes.index(SKOVDE), nodes.index("1494")  # Skövde - Lidköping, about 50 km by road
    assert 30 < matrix[i, j] < 60
    assert matrix[i, nodes.index("Stockholm")] > matrix[i, nodes.index("Göteborg")]


def test_culture_facilities(region: RegionInputs) -> None:
    cf = region.culture_facilities
    assert cf["facility_id"].is_unique
    assert set(cf["facility_type"]) <= set(FACILITY_TYPES)
    assert (cf["opening_year"] <= 2024).all()
    for kind in ("library", "arts_school"):
        assert sorted(cf.loc[cf["facility_type"] == kind, "code"]) == sorted(region.codes)


def test_checksums_are_sha256_of_the_files(region: RegionInputs) -> None:
    assert set(region.checksums) == set(FILE_SPECS)
    for name, digest in region.checksums.items():
        assert digest == hashlib.sha256((REGION_DIR / name).read_bytes()).hexdigest()


def test_load_by_directory_path_and_inputs_root(region: RegionInputs) -> None:
    by_path = load_region(REGION_DIR)
    by_root = load_region("skaraborg", inputs_root=REGION_DIR.parent)
    for other in (by_path, by_root):
        assert other.codes == region.codes
        assert other.checksums == region.checksums
        pd.testing.assert_frame_equal(other.jobs, region.jobs)


def test_load_region_once_reuses_the_tables_until_a_file_changes(tmp_path: Path) -> None:
    region_dir = tmp_path / "copy"
    shutil.copytree(REGION_DIR, region_dir)
    first = load_region_once(region_dir)
    assert load_region_once(region_dir) is first
    jobs = pd.read_parquet(region_dir / "jobs.parquet")
    jobs.loc[0, "jobs"] = -1  # a bad value written after the first load is caught
    jobs.to_parquet(region_dir / "jobs.parquet", index=False)
    with pytest.raises(InputError, match="jobs"):
        load_region_once(region_dir)
    (region_dir / "jobs.parquet").unlink()
    with pytest.raises(InputError, match="missing"):
        load_region_once(region_dir)


def test_unknown_region_raises() -> None:
    with pytest.raises(InputError, match="no-such-region"):
        load_region("no-such-region")


@pytest.mark.parametrize("base_year, shipped_dir", [(2024, REGION_DIR), (2015, REGION_2015_DIR)])
def test_build_is_deterministic_and_matches_shipped_files(tmp_path, base_year, shipped_dir):
    first, second = tmp_path / "a", tmp_path / "b"
    build_inputs.build(first, base_year)
    build_inputs.build(second, base_year)
    for name in FILE_SPECS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        shipped = pd.read_parquet(shipped_dir / name)
        rebuilt = pd.read_parquet(first / name)
        pd.testing.assert_frame_equal(rebuilt, shipped, obj=name)


def test_build_check_covers_both_base_years(capsys) -> None:
    assert build_inputs.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


# --- Corrupted copies ----------------------------------------------------------------------------
def _corrupt(
    tmp_path: Path, file_name: str, change: Callable[[pd.DataFrame], pd.DataFrame | None]
) -> Path:
    """Copy the shipped region into tmp_path and rewrite one file after ``change``."""
    target = tmp_path / "skaraborg"
    target.mkdir()
    for name in FILE_SPECS:
        shutil.copy(REGION_DIR / name, target / name)
    df = pd.read_parquet(target / file_name)
    changed = change(df)
    (changed if changed is not None else df).to_parquet(target / file_name, index=False)
    return target


def _error(directory: Path) -> str:
    with pytest.raises(InputError) as info:
        load_region(directory)
    return str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    directory = _corrupt(tmp_path, "jobs.parquet", lambda df: None)
    (directory / "culture_facilities.parquet").unlink()
    message = _error(directory)
    assert "culture_facilities.parquet" in message and "missing" in message


def test_missing_column(tmp_path: Path) -> None:
    directory = _corrupt(tmp_path, "jobs.parquet", lambda df: df.drop(columns=["jobs"]))
    message = _error(directory)
    assert "jobs.parquet, column 'jobs': required column is missing" in message


def test_wrong_type(tmp_path: Path) -> None:
    def to_float(df: pd.DataFrame) -> None:
        df["jobs"] = df["jobs"].astype("float64") + 0.5

    message = _error(_corrupt(tmp_path, "jobs.parquet", to_float))
    assert "jobs.parquet, column 'jobs', row 0:" in message
    assert "expected int64" in message


def test_wrong_type_for_a_string_column(tmp_path: Path) -> None:
    def codes_as_numbers(df: pd.DataFrame) -> None:
        df["code"] = df["code"].astype("int64")

    message = _error(_corrupt(tmp_path, "municipalities.parquet", codes_as_numbers))
    assert "municipalities.parquet, column 'code', row 0: 1444 has type int" in message


def test_negative_count(tmp_path: Path) -> None:
    def negative(df: pd.DataFrame) -> None:
        df.loc[12, "jobs"] = -5

    message = _error(_corrupt(tmp_path, "jobs.parquet", negative))
    assert f"{tmp_path}/skaraborg/jobs.parquet, column 'jobs', row 12: -5 is negative" in message
    assert message.endswith("counts must be >= 0")


def test_all_problems_of_a_file_are_reported(tmp_path: Path) -> None:
    def two_negatives(df: pd.DataFrame) -> None:
        df.loc[[2, 40], "dwellings"] = -1

    error = None
    try:
        load_region(_corrupt(tmp_path, "dwellings.parquet", two_negatives))
    except InputError as exc:
        error = exc
    assert error is not None
    assert len(error.problems) == 2
    assert "row 2:" in error.problems[0] and "row 40:" in error.problems[1]


def test_unknown_municipality_code(tmp_path: Path) -> None:
    def unknown(df: pd.DataFrame) -> None:
        df.loc[4, "code"] = "9999"

    message = _error(_corrupt(tmp_path, "dwellings.parquet", unknown))
    assert "dwellings.parquet, column 'code', row 4: '9999' is not a municipality code" in message


def test_unknown_node_in_travel_times(tmp_path: Path) -> None:
    def unknown(df: pd.DataFrame) -> None:
        df.loc[7, "destination"] = "Oslo"

    message = _error(_corrupt(tmp_path, "travel_times.parquet", unknown))
    assert "travel_times.parquet, column 'destination', row 7: 'Oslo' is not a node" in message


def test_duplicate_key(tmp_path: Path) -> None:
    def duplicate(df: pd.DataFrame) -> None:
        df.loc[8, "sector"] = df.loc[7, "sector"]

    message = _error(_corrupt(tmp_path, "jobs.parquet", duplicate))
    assert "jobs.parquet, columns 'code', 'sector', row 8: duplicate key" in message
    assert "first in row 7" in message
    assert "incomplete" in message  # the overwritten sector is now missing for that municipality


def test_duplicate_municipality_code(tmp_path: Path) -> None:
    def duplicate(df: pd.DataFrame) -> None:
        df.loc[3, "code"] = df.loc[2, "code"]

    message = _error(_corrupt(tmp_path, "municipalities.parquet", duplicate))
    assert "municipalities.parquet, column 'code', row 3: duplicate key '1446'" in message


def test_unknown_sector(tmp_path: Path) -> None:
    def unknown(df: pd.DataFrame) -> None:
        df.loc[3, "sector"] = "mining"

    message = _error(_corrupt(tmp_path, "jobs.parquet", unknown))
    assert "jobs.parquet, column 'sector', row 3: 'mining' is not a known sector" in message


def test_unknown_facility_type(tmp_path: Path) -> None:
    def unknown(df: pd.DataFrame) -> None:
        df.loc[5, "facility_type"] = "cinema"

    message = _error(_corrupt(tmp_path, "culture_facilities.parquet", unknown))
    assert "column 'facility_type', row 5: 'cinema' is not a known facility type" in message


def test_missing_combination(tmp_path: Path) -> None:
    message = _error(_corrupt(tmp_path, "dwellings.parquet", lambda df: df.drop(index=[10])))
    assert "dwellings.parquet, columns 'code', 'dwelling_type': table is incomplete" in message
    assert "('1447', 'rental_flat')" in message


def test_incomplete_travel_matrix(tmp_path: Path) -> None:
    message = _error(_corrupt(tmp_path, "travel_times.parquet", lambda df: df.iloc[:-1]))
    assert "travel_times.parquet, columns 'origin', 'destination': table is incomplete" in message
    assert "('Trollhättan', 'Trollhättan')" in message


def test_null_value(tmp_path: Path) -> None:
    def null(df: pd.DataFrame) -> None:
        df["minutes"] = df["minutes"].astype("float64")
        df.loc[6, "minutes"] = np.nan

    message = _error(_corrupt(tmp_path, "travel_times.parquet", null))
    assert "travel_times.parquet, column 'minutes', row 6: value is missing" in message


def test_non_positive_travel_time(tmp_path: Path) -> None:
    def zero(df: pd.DataFrame) -> None:
        df.loc[0, "minutes"] = 0.0

    message = _error(_corrupt(tmp_path, "travel_times.parquet", zero))
    assert "travel_times.parquet, column 'minutes', row 0: 0.0 is not a travel time" in message


def test_travel_time_beyond_a_day_is_a_unit_error(tmp_path: Path) -> None:
    def seconds(df: pd.DataFrame) -> None:
        df.loc[1, "minutes"] = 2700.0

    message = _error(_corrupt(tmp_path, "travel_times.parquet", seconds))
    assert "column 'minutes', row 1: 2700.0 is not a travel time in minutes in (0, 1440.0]" in (
        message
    )


def test_a_count_too_large_to_hold_in_memory(tmp_path: Path) -> None:
    def huge(df: pd.DataFrame) -> None:
        df.loc[3, "jobs"] = 10**9

    message = _error(_corrupt(tmp_path, "jobs.parquet", huge))
    assert "column 'jobs', row 3: 1000000000 is more than 20,000,000" in message


def test_opening_year_after_base_year(tmp_path: Path) -> None:
    def future(df: pd.DataFrame) -> None:
        df.loc[1, "opening_year"] = 2030

    message = _error(_corrupt(tmp_path, "culture_facilities.parquet", future))
    assert "culture_facilities.parquet, column 'opening_year', row 1: 2030" in message


def test_a_year_after_the_inputs_base_year_is_refused(tmp_path: Path) -> None:
    def future(df: pd.DataFrame) -> None:
        df.loc[2, "population_source_year"] = 2025

    message = _error(_corrupt(tmp_path, "municipalities.parquet", future))
    assert (
        "municipalities.parquet, column 'population_source_year', row 2: 2025 is not a year in "
        "[1000, 2024] (the inputs' base year)"
    ) in message


def test_base_year_must_be_the_same_in_every_row(tmp_path: Path) -> None:
    def mixed(df: pd.DataFrame) -> None:
        df.loc[4, "base_year"] = 2015

    message = _error(_corrupt(tmp_path, "municipalities.parquet", mixed))
    assert message == (
        f"{tmp_path}/skaraborg/municipalities.parquet, column 'base_year': values differ (2024 in "
        "row 0, 2015 in row 4); it must be the same in every row"
    )
    with pytest.raises(InputError, match="column 'base_year': values differ"):
        read_base_year(tmp_path / "skaraborg")


@pytest.mark.parametrize("year", [1899, 2100, 20240])
def test_base_year_out_of_range(tmp_path: Path, year: int) -> None:
    def odd(df: pd.DataFrame) -> None:
        df["base_year"] = year

    message = _error(_corrupt(tmp_path, "municipalities.parquet", odd))
    assert f"column 'base_year', row 0: {year} is not a base year in [1900, 2099]" in message


def test_missing_base_year_column(tmp_path: Path) -> None:
    directory = _corrupt(
        tmp_path, "municipalities.parquet", lambda df: df.drop(columns="base_year")
    )
    with pytest.raises(InputError, match="column 'base_year': required column is missing"):
        read_base_year(directory)


def test_trend_period_must_run_forwards(tmp_path: Path) -> None:
    def backwards(df: pd.DataFrame) -> None:
        df.loc[1, "trend_first_year"] = 2020

    message = _error(_corrupt(tmp_path, "municipalities.parquet", backwards))
    assert "column 'trend_first_year', row 1: 2020 is not before trend_last_year (2020)" in message


def test_a_municipality_without_residents_is_refused(tmp_path: Path) -> None:
    def empty_town(df: pd.DataFrame) -> None:
        df.loc[3, "population"] = 0

    message = _error(_corrupt(tmp_path, "municipalities.parquet", empty_town))
    assert "municipalities.parquet, column 'population', row 3: 0 is not allowed" in message
    assert "a municipality needs at least 100 residents" in message


def test_more_households_than_residents_is_refused(tmp_path: Path) -> None:
    def crowded(df: pd.DataFrame) -> None:
        df.loc[5, "households"] = df.loc[5, "population"] + 1

    message = _error(_corrupt(tmp_path, "municipalities.parquet", crowded))
    assert "municipalities.parquet, column 'households', row 5:" in message
    assert "is more than the population" in message


def test_an_empty_municipalities_table_is_reported_in_its_own_file(tmp_path: Path) -> None:
    message = _error(_corrupt(tmp_path, "municipalities.parquet", lambda df: df.iloc[:0]))
    assert message.endswith(
        "municipalities.parquet: has no rows; a region needs at least one municipality"
    )
    assert "jobs.parquet" not in message


@pytest.mark.parametrize(
    "file_name, column, expected",
    [
        ("jobs.parquet", "jobs", "every count is 0; a region needs jobs"),
        ("dwellings.parquet", "dwellings", "has no dwellings; every municipality needs some"),
        ("culture_facilities.parquet", "capacity", "no facility has places"),
    ],
)
def test_a_region_the_model_cannot_run_is_refused(tmp_path, file_name, column, expected):
    def zero(df: pd.DataFrame) -> None:
        df[column] = 0

    message = _error(_corrupt(tmp_path, file_name, zero))
    assert f"{file_name}: " in message and expected in message
