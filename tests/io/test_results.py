"""The atomic writer leaves either the complete file or none."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sim.io.results import Recorder, write_netcdf


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
    rec = Recorder()
    rec.begin(2024)
    with pytest.raises(KeyError):
        rec.put("no_such_indicator", [1.0])
