import json

import numpy as np
import pytest

from sim.region.client import SourceError
from sim.region.jsonstat import decode, labels

# A real SCB response, trimmed (notes and extensions dropped): TAB5557, Linköping's population on
# 31 Dec 2025 (aniisabihi/atlas290 kitchen/raw/TAB5557/sv/ac392dca4f25fab2.json).
REAL_TAB5557 = json.dumps(
    {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängd efter region, civilstånd, ålder, kön och år",
        "source": "SCB",
        "updated": "2026-02-24T07:00:00Z",
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "id": ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [1, 1, 1, 1, 1, 1],
        "dimension": {
            "Region": {
                "label": "region",
                "category": {"index": {"0580": 0}, "label": {"0580": "Linköping"}},
            },
            "Civilstand": {"category": {"index": {"SC": 0}}},
            "Alder": {"category": {"index": {"TotSA": 0}}},
            "Kon": {"category": {"index": {"TotSa": 0}}},
            "ContentsCode": {
                "category": {
                    "index": {"000007ME": 0},
                    "unit": {"000007ME": {"base": "antal", "decimals": 0}},
                }
            },
            "Tid": {"category": {"index": {"2025": 0}}},
        },
        "value": [168714],
    }
).encode()


def test_a_real_response_is_read():
    table = decode(REAL_TAB5557, "TAB5557")
    assert table.to_dict("records") == [
        {
            "Region": "0580",
            "Civilstand": "SC",
            "Alder": "TotSA",
            "Kon": "TotSa",
            "ContentsCode": "000007ME",
            "Tid": "2025",
            "value": 168714.0,
            "status": "",
        }
    ]
    assert labels(REAL_TAB5557, "TAB5557", "Region") == {"0580": "Linköping"}


def _two_by_two(values, status=None, order=("b", "a")):
    data = {
        "version": "2.0",
        "class": "dataset",
        "id": ["X", "Y"],
        "size": [2, 2],
        "dimension": {
            # index keys out of order: positions, not key order, place the values
            "X": {"category": {"index": {k: ("a", "b").index(k) for k in order}}},
            "Y": {"category": {"index": ["p", "q"]}},
        },
        "value": values,
    }
    if status is not None:
        data["status"] = status
    return json.dumps(data).encode()


def test_values_are_row_major_by_index_position_and_status_is_kept():
    table = decode(_two_by_two([1, 2, None, 4], status={"2": ".."}), "T")
    assert list(zip(table["X"], table["Y"], strict=True)) == [
        ("a", "p"),
        ("a", "q"),
        ("b", "p"),
        ("b", "q"),
    ]
    assert np.isnan(table["value"][2]) and table["status"].tolist() == ["", "", "..", ""]
    sparse = decode(_two_by_two({"0": 1, "3": 4}), "T")  # value as an object of cells
    assert sparse["value"].tolist()[::3] == [1.0, 4.0] and np.isnan(sparse["value"][1])


@pytest.mark.parametrize(
    "raw, words",
    [
        (REAL_TAB5557[: len(REAL_TAB5557) // 2], "not valid JSON"),
        (_two_by_two([1, 2, 3]), "3 values for 4 cells"),
        (_two_by_two([1, "x", 3, 4]), "not a number"),
        (b'{"class": "collection"}', "not a JSON-stat 2 dataset"),
        (b'{"class": "dataset", "id": ["X"], "size": [2], "dimension": {"X": {}}}', "X"),
    ],
)
def test_a_broken_response_names_the_table(raw, words):
    with pytest.raises(SourceError, match=words) as err:
        decode(raw, "SCB TAB638 (population)")
    assert "TAB638" in str(err.value)
