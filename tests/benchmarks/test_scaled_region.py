"""The scaled benchmark regions are valid inputs with the counts they promise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.io.inputs import REPO_ROOT, load_region


def benchmark_module(name: str):
    path = REPO_ROOT / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scaled_region = benchmark_module("scaled_region")


def test_scaled_region_multiplies_every_count(tmp_path: Path) -> None:
    base = load_region("skaraborg")
    region = load_region(scaled_region.scale_region(3, tmp_path / "x3"))
    assert region.codes == base.codes
    for table in ("municipalities", "dwellings", "jobs"):
        column = {"municipalities": "population", "dwellings": "dwellings", "jobs": "jobs"}[table]
        assert (getattr(region, table)[column] == 3 * getattr(base, table)[column]).all()
    assert (region.travel_time_matrix() == base.travel_time_matrix()).all()


def test_sweden_like_copies_the_municipalities_with_unique_codes(tmp_path: Path) -> None:
    region = load_region(scaled_region.sweden_like(tmp_path / "s", copies=4, persons=1_000_000))
    assert len(region.codes) == 60 and len(set(region.codes)) == 60
    assert region.municipalities["population"].sum() == pytest.approx(1_000_000, rel=0.01)
    travel = region.travel_time_matrix()
    # Within a copy the times are Skaraborg's; between copies they are longer.
    base = load_region("skaraborg").travel_time_matrix()
    assert (travel[:15, :15] == base[:15, :15]).all()
    assert (travel[:15, 15:30] > base[:15, :15]).all()


def test_benchmark_regions_are_never_written_under_inputs() -> None:
    with pytest.raises(ValueError):
        scaled_region.scale_region(2, REPO_ROOT / "inputs" / "scaled_x2")
