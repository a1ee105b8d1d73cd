import json
import math

import pytest

from sim.region.client import SourceError
from sim.region.fetch import split_selection
from sim.region.store import RawStore
from tests.region.conftest import fetch
from tests.region.fake_services import LA_LINKOPING, FakeClock, FakeServices


def test_split_selection_covers_every_cell_once_within_the_limit():
    selection = [
        {"variableCode": "Region", "valueCodes": [f"{i:04d}" for i in range(1, 12)]},
        {"variableCode": "Alder", "valueCodes": [str(a) for a in range(101)]},
        {"variableCode": "Tid", "valueCodes": ["2023", "2024"]},
    ]
    parts = split_selection(selection, 300)
    cells = [
        (r, a, t)
        for part in parts
        for r in part[0]["valueCodes"]
        for a in part[1]["valueCodes"]
        for t in part[2]["valueCodes"]
    ]
    assert len(cells) == len(set(cells)) == 11 * 101 * 2
    assert all(math.prod(len(v["valueCodes"]) for v in p) <= 300 for p in parts)
    assert split_selection(selection, 300) == parts  # the same parts every time


def test_the_fetch_keeps_every_answer_with_its_manifest(fetched_la):
    manifest = json.loads((fetched_la / "manifest.json").read_text())
    entries = manifest["responses"]
    assert {e["table"] for e in entries} >= {"TAB638", "TAB824", "TAB2017", "config"}
    store = RawStore(fetched_la)
    for entry in store.entries:
        assert store.content(entry)  # sha256 checked
        assert entry.fetched_at.startswith("2026-12-01") and entry.url.startswith("https://")
    data = [e for e in entries if e["method"] == "POST"]
    assert all(e["licence"].startswith("CC0") for e in data if e["service"] == "SCB")
    kolada = [e for e in entries if e["service"] == "Kolada"]
    assert len(kolada) == 2 and all("Kolada" in e["attribution"] for e in kolada)  # two pages


def test_large_selections_are_split_to_the_services_limit(tmp_path):
    clock = FakeClock()
    fake = FakeServices(clock, max_cells=400)  # the fake answers 400 above its limit
    fetch(tmp_path / "f", (fake, clock))
    by_age = [b for _, path, b in fake.data_requests("TAB638") if len(b["selection"]) > 3]
    assert len(by_age) > 3
    for body in by_age:
        assert math.prod(len(s["valueCodes"]) for s in body["selection"]) <= 400


def test_a_second_fetch_asks_nothing_again(fetched_copy):
    clock = FakeClock()
    fake = FakeServices(clock)
    _, report = fetch(fetched_copy, (fake, clock))
    assert report.sent == 0 and fake.log == []
    _, report = fetch(fetched_copy, (fake, clock), refresh=True)
    assert report.sent > 10


def test_the_rate_limit_is_kept_without_sleeping_for_real(tmp_path):
    clock = FakeClock()
    fake = FakeServices(clock, calls=4, window=10.0)  # the fake answers 429 beyond its limit
    fetch(tmp_path / "f", (fake, clock))
    assert fake.refused == 0  # the client waited for the window, in the fake's time
    assert sum(clock.slept) >= 10.0


def test_rate_limited_to_the_end_the_error_names_the_table(tmp_path, services):
    fake, clock = services
    fake.always["TAB824"] = 429
    with pytest.raises(SourceError) as err:
        fetch(tmp_path / "f", services)
    assert "TAB824" in str(err.value) and "0580" in str(err.value)
    # what came before is kept: the next fetch reuses it
    kept = RawStore(tmp_path / "f")
    assert any(e.table == "TAB638" for e in kept.entries)


def test_an_unknown_code_is_named_with_the_table(tmp_path, services):
    with pytest.raises(SourceError, match="municipality 0599 is not in the table") as err:
        fetch(tmp_path / "f", services, codes=("0580", "0599"))
    assert "TAB638" in str(err.value)


def test_a_missing_optional_table_is_recorded_and_a_required_one_fails(tmp_path, services):
    fake, clock = services
    del fake.tables["TAB3204"]
    _, report = fetch(tmp_path / "a", services)
    assert report.missing == ("SCB TAB3204 (employment_by_workplace)",)
    del fake.tables["TAB638"]
    with pytest.raises(SourceError, match="TAB638"):
        fetch(tmp_path / "b", services)


def test_kolada_pages_are_followed_by_either_paging_key(tmp_path, services):
    fake, clock = services
    fake.kolada_next_key = "next_url"
    fake.kolada_pages = 3
    fetch(tmp_path / "f", services, codes=LA_LINKOPING[:2])
    assert len(RawStore(tmp_path / "f").of("municipal_accounts")) == 3


def test_a_fetch_of_other_municipalities_replaces_the_earlier_answers(fetched_copy, services):
    from sim.io.inputs import load_region
    from sim.region.build import build_region

    fetch(fetched_copy, services, codes=("0580", "0583"))
    store = RawStore(fetched_copy)
    files = {p.relative_to(fetched_copy).as_posix() for p in fetched_copy.rglob("*.json")}
    assert files == {e.file for e in store.entries} | {"manifest.json"}
    out = fetched_copy.parent / "out"
    build_region(fetched_copy, out)
    muni = load_region(out).municipalities.set_index("code")
    assert muni["population"].to_dict() == {"0580": 168_035, "0583": 43_505}


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda m: m["responses"][0].update(file="../../etc/passwd"), "not one of the store's"),
        (lambda m: m["responses"][0].update(file=5), "not text"),
        (lambda m: m.pop("responses"), "not a manifest"),
    ],
)
def test_a_tampered_manifest_is_refused(fetched_copy, change, words):
    path = fetched_copy / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
    with pytest.raises(SourceError, match=words):
        RawStore(fetched_copy)


def test_kolada_refusing_to_the_end_names_its_key_figures(tmp_path, services):
    fake, clock = services
    fake.always["kolada"] = 503
    with pytest.raises(SourceError) as err:
        fetch(tmp_path / "f", services)
    message = str(err.value)
    assert message.startswith("Kolada N00901,N03011") and "0580" in message
    assert "attempts" in message
