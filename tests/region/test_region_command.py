"""``sim region fetch|build|list`` as users call it, and LA-Linköping end to end: built from the
recorded answers of the fake services, then run, swept, compared and reported."""

from __future__ import annotations

import os

import pytest
import yaml

from sim.cli import main
from tests.helpers import NO_WARM_START, TEST_NAMES, run_sweep, sim_cli
from tests.region.conftest import fetch


@pytest.mark.parametrize(
    "args, words",
    [
        (["region", "build", "x", "--municipalities", "0580,58"], "'58' is not a municipality"),
        (["region", "build", "x", "--municipalities", "1917"], "old code"),
        (["region", "build", "x"], "--municipalities: missing"),
        (["region", "build", "a/b", "--municipalities", "0580"], "name: 'a/b' is not allowed"),
        (["region", "build", "x", "--municipalities", "0580", "--base-year", "1900"], "base_year"),
        (["region", "fetch", "x", "--municipalities", "0580", "--trend", "2024,2020"], "trend"),
        (["region", "grow"], "not a region command"),
        (["region", "build", "skaraborg", "--municipalities", "1496"], "shipped with sim"),
        (["region", "build", "--spec", "/nonexistent.yaml"], "no such region spec file"),
        (["region", "build", "x", "--spec", "s.yaml"], "--spec: the file gives the region"),
        (["region", "build", "x", "--offline", "--base-year", "2020"], "leave out --base-year"),
        (["region", "fetch", "x", "--offline"], "cannot be combined"),
        (["region", "build", "x", "--offline", "--refresh"], "cannot be combined"),
    ],
)
def test_bad_arguments_get_one_message(args, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_region_list_names_a_broken_region_config(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_USER_CONFIGS", str(tmp_path))
    (tmp_path / "region").mkdir()
    (tmp_path / "region" / "broken.yaml").write_text("name: [unclosed")
    (tmp_path / "region" / "gone.yaml").write_text(f"name: gone\ninput_dir: {tmp_path / 'no'}\n")
    assert main(["region", "list"]) == 0
    out = capsys.readouterr().out
    assert "skaraborg" in out and "15" in out
    assert "broken" in out and "not a region config" in out
    assert "gone" in out and "not usable" in out


def test_offline_build_needs_a_fetch_first(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["region", "build", "nowhere", "--offline"]) == 2
    assert "run sim region fetch first" in capsys.readouterr().err


@pytest.mark.slow
def test_la_linkoping_end_to_end(tmp_path, services):
    """Built by the command from recorded answers, listed, then run, swept, compared, reported."""
    fetch(tmp_path / "inputs" / "la_linkoping.fetched", services)
    env = {**os.environ, "SIM_USER_CONFIGS": str(tmp_path / "user_configs")}
    built = sim_cli("region", "build", "la_linkoping", "--offline", cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    assert "sim run region=la_linkoping" in built.stdout
    listed = sim_cli("region", "list", cwd=tmp_path, env=env)
    line = next(x for x in listed.stdout.splitlines() if x.startswith("la_linkoping"))
    assert line.split()[1:3] == ["5", "2024"]
    # a made-up housing programme in Linköping, beside the baseline
    scenario = {
        "defaults": ["schema", "_self_"],
        "name": "la_homes",
        **{k: v.format(name="la_homes") for k, v in TEST_NAMES.items()},
        "housing_programmes": [
            {
                "name": "Linköping homes",
                **{k: v.format(name="homes") for k, v in TEST_NAMES.items()},
                "municipality": "Linköping",
                "dwellings": {"detached": 100, "rental_flat": 300, "owner_flat": 100},
                "phasing": "even",
                "start_year": 2025,
                "end_year": 2028,
                "cost_per_dwelling_msek": 3.0,
            }
        ],
    }
    (tmp_path / "user_configs" / "scenario").mkdir(parents=True)
    (tmp_path / "user_configs" / "scenario" / "la_homes.yaml").write_text(yaml.safe_dump(scenario))
    sweep = tmp_path / "sweep"
    os.environ["SIM_USER_CONFIGS"] = env["SIM_USER_CONFIGS"]
    try:
        run_sweep(
            sweep,
            "region=la_linkoping",
            "scenario=baseline,la_homes",
            "seed=0,1",
            "years.end=2029",
            NO_WARM_START,
            cwd=tmp_path,
        )
    finally:
        del os.environ["SIM_USER_CONFIGS"]
    compared = sim_cli("compare", str(sweep), cwd=tmp_path, env=env)
    assert compared.returncode == 0, compared.stderr[-2000:]
    report = sim_cli("report", str(sweep), "--out", str(tmp_path / "r.html"), cwd=tmp_path, env=env)
    assert report.returncode == 0, report.stderr[-2000:]
    html = (tmp_path / "r.html").read_text()
    assert "Linköping" in html and "Åtvidaberg" in html


@pytest.fixture
def offline_services(services, monkeypatch):
    """``sim region fetch|build`` answered by the fake services instead of the network."""
    import functools

    import sim.region.fetch

    fake, clock = services
    real = sim.region.fetch.fetch_region
    monkeypatch.setattr(
        sim.region.fetch,
        "fetch_region",
        functools.partial(real, transport=fake.transport(), clock=clock),
    )
    return fake


LA = ["--municipalities", "0580,0583,0586,0513,0561"]


@pytest.mark.parametrize(
    "fault, words",
    [
        ({"always": {"TAB824": 429}}, "SCB TAB824"),
        ({"always": {"TAB3204": "truncate"}}, "SCB TAB3204"),
        ({"always": {"TAB638/metadata": 503}}, "SCB TAB638"),
        ({"remove": "TAB638"}, "SCB TAB638"),
        ({"codes": "0580,0599"}, "municipality 0599 is not in the table"),
    ],
)
def test_a_failed_fetch_names_the_table_and_keeps_the_built_region(
    offline_services, tmp_path, monkeypatch, capsys, fault, words
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIM_USER_CONFIGS", str(tmp_path / "user_configs"))
    assert main(["region", "build", "la", *LA]) == 0
    region = tmp_path / "inputs" / "la"
    before = {p.name: p.read_bytes() for p in region.iterdir()}
    capsys.readouterr()
    offline_services.always.update(fault.get("always", {}))
    if "remove" in fault:
        del offline_services.tables[fault["remove"]]
    codes = ["--municipalities", fault["codes"]] if "codes" in fault else LA
    assert main(["region", "build", "la", *codes, "--refresh"]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") <= 3
    assert {p.name: p.read_bytes() for p in region.iterdir()} == before
