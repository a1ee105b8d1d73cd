"""Decode a JSON-stat 2.0 dataset (PxWeb API v2's ``outputFormat=json-stat2``) to a long table.

A dataset lists its dimensions in ``id`` with their sizes in ``size``; each dimension's
``category.index`` maps a category code to its position (the keys may arrive in any order), and
``value`` holds the cells row-major over ``id``. A suppressed cell is ``null`` with a symbol in
``status`` (e.g. ``".."``), which may also mark a published value; both are kept, never dropped
(the maintained decoders, pyjstat and pxwebpy, drop ``status``; see
docs/official_statistics_research.md). ``value`` and ``status`` may each be a list or an object
keyed by the cell's position as a string.

Examples
--------
>>> raw = b'''{"version": "2.0", "class": "dataset", "id": ["Region", "Tid"], "size": [2, 1],
...  "dimension": {"Region": {"category": {"index": {"0583": 1, "0580": 0},
...                                        "label": {"0580": "Linköping", "0583": "Motala"}}},
...                "Tid": {"category": {"index": {"2024": 0}}}},
...  "value": [168035, null], "status": {"1": ".."}}'''
>>> decode(raw, "TAB638").to_dict("records")[1]
{'Region': '0583', 'Tid': '2024', 'value': nan, 'status': '..'}
>>> labels(raw, "TAB638", "Region")["0580"]
'Linköping'
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from sim.region.client import SourceError

MALFORMED = (AttributeError, TypeError, IndexError, KeyError, ValueError)


def _guarded(read):
    """``read(raw, table, ...)``, with any surprise in the response's shape turned into a
    :class:`SourceError` that names the table (a malformed answer is an input error, not a bug)."""
    from functools import wraps

    @wraps(read)
    def guarded(raw: bytes, table: str, *args):
        try:
            return read(raw, table, *args)
        except SourceError:
            raise
        except MALFORMED as err:
            raise SourceError(
                f"{table}: the response is not a well-formed JSON-stat 2 dataset "
                f"({type(err).__name__}: {err})"
            ) from None

    return guarded


@_guarded
def load(raw: bytes, table: str) -> dict:
    """The dataset object of a response, checked for the parts :func:`decode` reads."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SourceError(
            f"{table}: the response is not valid JSON ({err}); it may be truncated. Fetch it "
            "again (sim region fetch --refresh)"
        ) from None
    if not isinstance(data, dict) or data.get("class") != "dataset":
        raise SourceError(f"{table}: the response is not a JSON-stat 2 dataset (no class dataset)")
    ids, sizes, dims = data.get("id"), data.get("size"), data.get("dimension")
    if (
        not isinstance(ids, list)
        or not isinstance(sizes, list)
        or not isinstance(dims, dict)
        or len(ids) != len(sizes)
        or any(not isinstance(s, int) or s < 0 for s in sizes)
    ):
        raise SourceError(f"{table}: the dataset's id, size or dimension is missing or malformed")
    for name, size in zip(ids, sizes, strict=True):
        if not isinstance(dims.get(name), dict) or not isinstance(dims[name].get("category"), dict):
            raise SourceError(f"{table}: dimension {name!r} has no category object")
        index = dims[name]["category"].get("index")
        if isinstance(index, list):
            index = {code: i for i, code in enumerate(index)}
            dims[name]["category"]["index"] = index
        if (
            not isinstance(index, dict)
            or any(isinstance(i, bool) or not isinstance(i, int) for i in index.values())
            or sorted(index.values()) != list(range(size))
        ):
            raise SourceError(
                f"{table}: dimension {name!r} has no category index of positions 0..{size - 1}"
            )
    return data


@_guarded
def decode(raw: bytes, table: str) -> pd.DataFrame:
    """One row per cell: a column per dimension (category codes, as strings), then ``value``
    (float, NaN where suppressed) and ``status`` (the cell's symbol, or an empty string).

    Raises
    ------
    SourceError
        If the response is not JSON, not a dataset, or holds fewer or more values than its
        dimensions have cells (a truncated answer).
    """
    data = load(raw, table)
    ids, sizes = data["id"], data["size"]
    n_cells = math.prod(sizes)
    values = _cells(data.get("value"), n_cells, table, "value")
    status = _cells(data.get("status"), n_cells, table, "status", default="")
    if isinstance(data.get("value"), list) and len(data["value"]) != n_cells:
        raise SourceError(
            f"{table}: the response holds {len(data['value'])} values for {n_cells} cells "
            f"({' x '.join(map(str, sizes))}); it is truncated or malformed. Fetch it again "
            "(sim region fetch --refresh)"
        )
    columns: dict[str, object] = {}
    grids = np.indices(sizes).reshape(len(sizes), -1) if sizes else np.zeros((0, 1), int)
    for k, name in enumerate(ids):
        index = data["dimension"][name]["category"]["index"]
        codes = np.empty(sizes[k], dtype=object)
        for code, position in index.items():
            codes[position] = str(code)
        columns[name] = codes[grids[k]]
    numbers = []
    for i, v in enumerate(values):
        if v is None:
            numbers.append(np.nan)
        elif isinstance(v, bool) or not isinstance(v, int | float):
            raise SourceError(f"{table}: cell {i} holds {v!r}, not a number or null")
        else:
            numbers.append(float(v))
    columns["value"] = np.asarray(numbers, dtype=np.float64)
    columns["status"] = np.asarray([str(s) if s is not None else "" for s in status], object)
    return pd.DataFrame(columns)


@_guarded
def labels(raw: bytes, table: str, dimension: str) -> dict[str, str]:
    """Code -> label of one dimension's categories (the code itself where no label is given)."""
    data = load(raw, table)
    category = data["dimension"].get(dimension, {}).get("category", {})
    names = category.get("label") or {}
    return {str(code): str(names.get(code, code)) for code in category.get("index", {})}


def _cells(field, n: int, table: str, name: str, default=None) -> list:
    if field is None:
        if name == "value":
            raise SourceError(f"{table}: the dataset has no values")
        return [default] * n
    if isinstance(field, list):
        return list(field[:n]) + [default] * max(0, n - len(field))
    if isinstance(field, dict):
        out = [default] * n
        for key, v in field.items():
            if not str(key).isdigit() or int(key) >= n:
                raise SourceError(f"{table}: {name} has a cell {key!r} beyond its {n} cells")
            out[int(key)] = v
        return out
    if name == "status" and isinstance(field, str):  # one symbol for every cell
        return [field] * n
    raise SourceError(f"{table}: {name} is neither a list nor an object of cells")
