"""The atomic writer leaves either the complete file or none."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sim.io.results import PERSONS, RATIO, Recorder, flow, per_run, stock, write_netcdf


def test_write_roundtrips_exactly(tmp_path):
    ds = xr.Dataset({"x": (("year",), np.array([1.5, np.nan]), {"units": "1", "long_name": "x"})})
    path = write_netcdf(ds, tmp_path / "out" / "results.nc")
    xr.testing.assert_identical(xr.load_dataset(path), ds)
    assert [p.name for p in path.parent.iterdir()] == ["results.nc"]


def test_failed_write_leaves_no_file(tmp_path):
    ds = xr.Dataset({"x": (("year",), np.array([object()]))})  # not serialisable
    with pytest.raises((TypeError, ValueError)):
        write_netcdf(ds, tmp_path / "results.nc")
    assert list(tmp_path.iterdir()) == []


def test_recorder_refuses_undeclared_variables():
    rec = Recorder([stock("x", (), RATIO, "x")])
    rec.begin(2024)
    with pytest.raises(KeyError, match="no_such_indicator"):
        rec.put("no_such_indicator", [1.0])


def test_recorder_refuses_a_result_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        Recorder([stock("x", (), RATIO, "x"), flow("x", (), RATIO, "x again")])


def test_recorder_refuses_a_result_missing_in_a_year():
    rec = Recorder([stock("x", (), RATIO, "x"), stock("y", (), RATIO, "y")])
    rec.begin(2024)
    rec.put("x", 1.0)
    rec.put("y", 1.0)
    rec.begin(2025)
    rec.put("x", 2.0)
    with pytest.raises(KeyError, match="'y' was not recorded in years \\[2025\\]"):
        rec.to_dataset({}, base_year=2024)


def test_dataset_carries_cf_attributes_and_nan_base_year_flows():
    declared = [
        stock("residents", ("m",), PERSONS, "Residents"),
        flow("births", ("m",), PERSONS, "Births"),
        flow("decided", (), RATIO, "Decided", flags=("no", "yes")),
        per_run("cost", ("m",), RATIO, "A per-run fact"),
    ]
    rec = Recorder(declared)
    for year in (2024, 2025):
        rec.begin(year)
        rec.put("residents", [10.0, 20.0])
        rec.put("births", [1.0, 2.0])
        rec.put("decided", 1.0)
    ds = rec.to_dataset({"m": ["a", "b"]}, base_year=2024, static={"cost": np.array([1.0, 2.0])})
    assert ds.attrs["Conventions"].startswith("CF-")
    assert ds["residents"].attrs["cell_methods"] == "year: point"
    assert ds["births"].attrs["cell_methods"] == "year: sum"
    assert ds["residents"].attrs["units"] == "1"
    assert ds["residents"].attrs["units_note"] == "count of persons"
    assert np.isnan(ds["births"].sel(year=2024)).all()
    assert ds["births"].sel(year=2025).values.tolist() == [1.0, 2.0]
    assert ds["decided"].attrs["flag_values"].tolist() == [0.0, 1.0]
    assert ds["decided"].attrs["flag_meanings"] == "no yes"
    assert ds["cost"].dims == ("m",)
    assert "cell_methods" not in ds["cost"].attrs
