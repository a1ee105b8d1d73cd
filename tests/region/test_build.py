import json
import shutil

import pandas as pd
import pytest

from sim.io.inputs import load_region
from sim.region.build import build_region
from sim.region.client import SourceError
from sim.region.store import RawStore
from tests.region.conftest import fetch
from tests.region.fake_services import LA_LINKOPING, REAL_POPULATION, REAL_TOTAL_TAX, REGION_TAX


@pytest.fixture(scope="module")
def built_la(fetched_la, tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "la_linkoping"
    provenance = build_region(fetched_la, out)
    return out, provenance


def test_la_linkoping_is_built_into_valid_inputs_with_the_real_figures(built_la):
    out, provenance = built_la
    region = load_region(out)
    muni = region.municipalities.set_index("code")
    assert list(region.codes) == list(LA_LINKOPING)
    assert muni["population"].to_dict() == REAL_POPULATION[2024]
    assert muni["tax_rate_pct"].to_dict() == pytest.approx(
        {c: t - REGION_TAX for c, t in REAL_TOTAL_TAX.items()}
    )
    assert muni.loc["0580", "name"] == "Linköping" and region.base_year == 2024
    by_age = pd.read_parquet(out / "population_by_age.parquet")
    assert by_age.groupby("code")["persons"].sum().to_dict() == REAL_POPULATION[2024]
    flows = pd.read_parquet(out / "commuting.parquet").set_index("code")
    assert (flows["year"] == 2021).all()  # RAMS ends in 2021: its latest year is used
    assert (
        flows.loc["0580", "employed_residents"]
        == flows.loc["0580", ["live_and_work", "out_commuters"]].sum()
    )
    history = pd.read_parquet(out / "history.parquet")
    assert set(history["year"]) == set(range(2019, 2025))
    assert history[["population", "births", "deaths", "immigration"]].notna().all().all()
    assert len(region.externals) == 5 and not set(region.externals["name"]) & set(muni["name"])
    # where each figure came from is said
    readme = (out / "README.md").read_text()
    for words in ("TAB638", "TAB824", "TAB3204", "TAB2017", "TAB960", "Kolada", "estimate", "CC0"):
        assert words in readme
    # REAL persons per household of 2024 (SCB TAB4374): Linköping 2.04, Kinda 2.12
    assert muni.loc["0580", "households"] == round(168_035 / 2.04)
    assert muni.loc["0513", "households"] == round(9_957 / 2.12)
    assert "municipalities.households" in provenance.data
    assert not any("Cell Key Method" in n or "add up" in n for n in provenance.notes)  # 2024
    assert "jobs.jobs" in provenance.data and "dwellings.dwellings" in provenance.data
    assert json.loads((out / "sources.json").read_text())["responses"]


def test_two_builds_of_the_same_answers_are_byte_identical(built_la, fetched_la, tmp_path):
    out, _ = built_la
    again = tmp_path / "again"
    build_region(fetched_la, again)
    for path in sorted(out.glob("*")):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def _corrupt(folder, table, how):
    store = RawStore(folder)
    entry = next(e for e in store.entries if e.table == table and e.method == "POST")
    path = folder / entry.file
    path.write_bytes(how(path.read_bytes()))


@pytest.mark.parametrize(
    "table, how, words",
    [
        ("TAB638", lambda raw: raw[: len(raw) // 2], "does not match the sha256"),
        ("TAB824", lambda raw: b"", "does not match the sha256"),
    ],
)
def test_a_damaged_answer_fails_the_build_and_keeps_the_earlier_inputs(
    fetched_copy, tmp_path, table, how, words
):
    out = tmp_path / "region"
    build_region(fetched_copy, out)
    before = {p.name: p.read_bytes() for p in out.glob("*")}
    _corrupt(fetched_copy, table, how)
    with pytest.raises(SourceError, match=words) as err:
        build_region(fetched_copy, out)
    assert table in str(err.value)
    assert {p.name: p.read_bytes() for p in out.glob("*")} == before


def test_a_truncated_answer_is_asked_again_then_refused(tmp_path, services):
    fake, _ = services
    fake.faults["TAB824"] = ["truncate"]  # once: the second answer is whole
    fetch(tmp_path / "f", services)
    assert len(fake.data_requests("TAB824")) == 2
    build_region(tmp_path / "f", tmp_path / "out")
    fake.always["TAB824"] = "truncate"
    with pytest.raises(SourceError, match="TAB824") as err:
        fetch(tmp_path / "g", services)
    assert "not valid JSON" in str(err.value) and "attempts" in str(err.value)
    stored = RawStore(tmp_path / "g").entries
    assert not any(e.table == "TAB824" and e.method == "POST" for e in stored)


def test_a_missing_required_table_names_it(fetched_copy, tmp_path):
    manifest = json.loads((fetched_copy / "manifest.json").read_text())
    manifest["responses"] = [e for e in manifest["responses"] if e["key"] != "population_total"]
    (fetched_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SourceError, match="TAB638.*required"):
        build_region(fetched_copy, tmp_path / "out")


def test_missing_tables_fall_back_to_the_documented_estimates(tmp_path, services):
    fake, _ = services
    for table in ("TAB824", "TAB3204", "TAB1212", "TAB4374"):
        del fake.tables[table]
    fetch(tmp_path / "f", services)
    provenance = build_region(tmp_path / "f", tmp_path / "out")
    expected = {"dwellings.dwellings", "jobs.jobs", "municipalities.households"}
    assert expected <= set(provenance.estimates)
    assert "day population of SCB's RAMS 2021" in provenance.estimates["jobs.jobs"]
    load_region(tmp_path / "out")
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "## Tables not available" in readme and "TAB3204" in readme


def test_suppressed_cells_and_noise_from_2025_are_reported(tmp_path, services):
    fake, _ = services
    dwellings = fake.tables["TAB824"]
    value = dwellings.value
    dwellings.value = lambda c: None if (c["Region"], c["Hustyp"]) == ("0513", "SPEC") else value(c)
    fetch(tmp_path / "f", services, base_year=2025)
    provenance = build_region(tmp_path / "f", tmp_path / "out")
    notes = "\n".join(provenance.notes)
    assert "0513" in notes and "'..'" in notes and "TAB824" in notes
    assert "Cell Key Method" in notes and "the ages add up to" in notes  # noise: parts != total
    muni = load_region(tmp_path / "out").municipalities.set_index("code")
    assert muni["population"].to_dict() == REAL_POPULATION[2025]  # the published totals


def test_a_plain_folder_in_the_way_is_never_replaced(fetched_la, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my own")
    with pytest.raises(FileExistsError):
        build_region(fetched_la, out)
    assert (out / "notes.txt").read_text() == "my own"
    shutil.rmtree(out)


def test_a_municipality_formed_during_the_trend_gets_a_shorter_trend(tmp_path, services):
    fake, _ = services
    fake.formed["0561"] = 2021  # made up: as if Åtvidaberg had been split off in 2021
    fetch(tmp_path / "f", services)
    provenance = build_region(tmp_path / "f", tmp_path / "out")
    muni = load_region(tmp_path / "out").municipalities.set_index("code")
    assert muni.loc["0561", "trend_first_year"] == 2021
    assert muni.loc["0580", "trend_first_year"] == 2019
    notes = "\n".join(provenance.notes)
    assert "0561 has no population figure for 2019" in notes and "year 2019" in notes


def test_split_queries_build_the_same_region(built_la, tmp_path):
    from tests.region.fake_services import FakeClock, FakeServices

    clock = FakeClock()
    fetch(tmp_path / "f", (FakeServices(clock, max_cells=400), clock))
    build_region(tmp_path / "f", tmp_path / "out")
    out, _ = built_la
    for name in (
        "municipalities.parquet",
        "dwellings.parquet",
        "jobs.parquet",
        "population_by_age.parquet",
        "history.parquet",
    ):
        assert (tmp_path / "out" / name).read_bytes() == (out / name).read_bytes(), name


def test_builds_in_other_processes_are_byte_identical(fetched_la, built_la, tmp_path):
    import os
    import subprocess
    import sys

    out, _ = built_la
    for seed in ("1", "2"):
        target = tmp_path / f"out{seed}"
        code = f"from sim.region.build import build_region; build_region({str(fetched_la)!r}, "
        code += f"__import__('pathlib').Path({str(target)!r}))"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        for path in out.glob("*.parquet"):
            assert (target / path.name).read_bytes() == path.read_bytes(), (seed, path.name)


@pytest.mark.parametrize("text", ["name: [unclosed", "- a list", "name: x\nmunicipalities: 580"])
def test_a_damaged_region_spec_is_named(fetched_copy, tmp_path, text):
    (fetched_copy / "region.yaml").write_text(text)
    with pytest.raises(SourceError.__mro__[1], match="region.yaml"):  # InputError
        build_region(fetched_copy, tmp_path / "out")
