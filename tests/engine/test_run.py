"""A run's results.nc follows the CF conventions (read back with cf_xarray and a UDUNITS-style
unit registry)."""

from __future__ import annotations

import cf_xarray  # noqa: F401 - registers the .cf accessor
import numpy as np
import pytest
import xarray as xr
from cf_xarray.units import units as cf_units
from pint.errors import UndefinedUnitError

from sim.config.compose import compose_config
from sim.engine.run import simulate


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    simulate(compose_config(["scenario=combined", "years.end=2035", f"output_dir={out}"]))
    with xr.open_dataset(out / "results.nc") as ds:
        yield ds.load()


def test_conventions_and_coordinates(results):
    assert results.attrs["Conventions"].startswith("CF-1.")
    assert results.cf["latitude"].name == "municipality_lat"
    assert results.cf["longitude"].name == "municipality_lon"
    assert results["municipality_lat"].attrs["units"] == "degrees_north"
    assert results["municipality_lon"].attrs["units"] == "degrees_east"
    for name in results.coords:
        assert results[name].attrs.get("long_name"), name


def test_scb_codes_are_strings(results):
    for name in ("municipality", "origin"):
        assert all(isinstance(code, str) and len(code) == 4 for code in results[name].values)


def test_every_variable_has_cell_methods_and_units_a_parser_accepts(results):
    for name, var in results.data_vars.items():
        assert var.attrs.get("long_name"), name
        if "year" in var.dims:
            assert var.attrs["cell_methods"] in ("year: point", "year: sum"), name
        else:  # per-run facts (decision years, cost shares, programme codes)
            assert "cell_methods" not in var.attrs, name
        if var.dtype.kind in "OUS":  # text (SCB codes) has no units
            assert "units" not in var.attrs, name
            continue
        try:
            cf_units.parse_units(var.attrs["units"])
        except UndefinedUnitError:
            # Money: UDUNITS has no currency; the note must say what the units are.
            assert "not a UDUNITS unit" in var.attrs.get("units_note", ""), name


def test_the_run_records_the_titles_of_its_scenario_and_interventions(results):
    import json

    assert results.attrs["scenario_title"] == "Combined: jobs, homes and culture"
    assert results.attrs["scenario_title_sv"] == "Kombinerat: jobb, bostäder och kultur"
    assert results.attrs["scenario_description_sv"].startswith("Etableringen i Mariestad")
    titles = json.loads(results.attrs["intervention_titles"])
    assert titles["cultural_investment"] == {
        "Skövde concert hall": ["Skövde concert hall", "Konserthus i Skövde"]
    }
    assert set(titles) == {"establishment", "housing_programme", "cultural_investment",
                           "joint_proposal"}  # fmt: skip
    assert all(name in results[dim].values for dim in titles for name in titles[dim])


def test_stocks_and_flows(results):
    assert results["population"].attrs["cell_methods"] == "year: point"
    assert results["births"].attrs["cell_methods"] == "year: sum"
    assert np.isnan(results["births"].sel(year=2024)).all()
    assert results["population"].attrs["units"] == "1"
    assert results["population"].attrs["units_note"] == "count of persons"


def test_flags_have_values_and_meanings(results):
    for name in ("joint_decided", "cultural_investment_open"):
        var = results[name]
        meanings = var.attrs["flag_meanings"].split()
        assert len(meanings) == len(np.atleast_1d(var.attrs["flag_values"])) == 2, name
        values = var.values[~np.isnan(var.values)]
        assert set(np.unique(values)) <= set(np.atleast_1d(var.attrs["flag_values"])), name
