"""A catalogue of bad inputs, each given to the real command line (issue 14).

Every case calls the ``sim`` entry point in-process, ``sim.cli.main(argv)``, as the console script
does, on the small test region (``tests/small_region.py``) and short horizons, and checks that the
command

* exits with 2 (bad input; argparse's own exit 2 for a malformed command line), never 0, 1 or 70
  (70 is a bug in sim);
* says so on stderr in a message that names the field, file or argument at fault;
* prints no traceback and saves no bug report (``sim-bug-*.txt``) in the temporary folder;
* writes nothing: the test's own folder, the small region's inputs and the shared ensemble are
  byte-identical afterwards (every file hashed by size and sha256, symbolic links followed), so
  earlier outputs survive a bad command untouched.

Classes of bad input covered, one table each:

1. ``sim run`` overrides (60 cases): every kind of parameter domain (a rate above 1, negative,
   NaN or infinite, zero where > 0 is required, an integer out of range or given as a float, a list
   of the wrong length, with an item out of range or null, or a scalar for a list, shares that do
   not sum to 1, a minimum above its maximum, a first year after the last, an unknown choice, text
   for a number, a value for a whole section), unknown keys (plain and with ``+``),
   ``years.start`` other than the base year, ``years.end`` at the start or beyond 2100, seeds that
   are negative, beyond 64 bits, floats or text, scenario names unsafe as folder names (``../x``,
   ``a/b``, empty, 10 KB long), a bad value put into a shipped scenario, malformed overrides
   (unbalanced bracket, parenthesis, quote), unknown config groups (scenario, region, params,
   experiment, launcher), an unknown ``--config-name``, a missing ``--config-path`` or
   ``--config-dir``, a ``--config-dir`` that is a file, an unknown, empty or missing region, sweeps
   with one invalid member or too many runs, a sweep override without ``-m``, unknown flags and
   flag values, and output folders (``output_dir``, ``hydra.run.dir``, ``hydra.sweep.dir``) that
   are or lie under a regular file, or that cannot be made.
2. Scenario files under ``--config-dir`` (40 cases): YAML syntax errors named by file and line (an
   unclosed quote, a tab, a duplicate key), a file that is not UTF-8, not a mapping, or has a
   mapping where a list belongs, unknown fields, text for an integer, an interpolation to nowhere,
   a municipality code not in the region, years in the base year or after the horizon, jobs
   negative or beyond the validator's LIMITS, dwellings beyond LIMITS or none at all, capacity
   zero, an investment beyond LIMITS, NaN wages, a missing required field, unknown sectors,
   phasing rules, facility types and governance modes, a decreasing ramp-up profile, closure before
   opening, a programme ending before it starts, explicit stages that do not add up, joint
   proposals whose lead is missing or the only participant, a participant listed twice, a host
   outside the participants, NAO governance without a budget, a tax rate out of range or set twice
   for one municipality and year, duplicate intervention names, an unsafe scenario name, a
   scenario and an intervention without a Swedish title, and a bad file as one member of a sweep.
3. Region inputs (41 cases; a copy of the small region with one defect): a missing file, a file
   that is not Parquet or is truncated, a missing column, wrong types (float for integer, integer
   for text, text for integer), a null, NaN, negative counts, a count beyond the limit, zero
   population, more households than residents, no municipalities, duplicate keys, a malformed
   code, an empty name, a latitude, tax rate, growth rate or opening year out of range, a base
   year that differs between rows or is out of range, a trend period that runs backwards, a travel
   time matrix missing a pair or with a negative, NaN or too long time or an unknown node, unknown
   municipality codes, sectors, dwelling types and facility types, an incomplete jobs table, and
   regions the model cannot run (no jobs, no dwellings, no cultural places, no facilities, a
   municipality of one resident).
4. ``sim collect`` (26 cases): a path that is a file or missing, a folder without ``runs/``, with
   ``runs`` a file or empty, a ``results.nc`` that is garbage, truncated, a folder or a foreign
   netCDF, or whose seed is not an integer, whose config is not a YAML mapping, which lacks a
   variable or has one of the wrong type, runs of mixed horizons, inputs, code versions or
   regions, a duplicate run, an incomplete sweep, ``--out`` under a file, a file, a folder of the
   user's or the sweep folder itself, a missing argument and an unknown flag.
5. ``sim compare`` (25 cases): a path that is missing, a file or an empty folder, a sweep folder
   whose ``ensemble.zarr`` link dangles, a zarr store that is not an ensemble (with and without a
   manifest), an ensemble copy whose manifest is missing or garbled or whose chunk was truncated,
   deleted or altered, an unknown ``--baseline`` or ``--phasing-reference``, ``--goals`` unknown,
   not YAML, not UTF-8, with an unknown indicator or key, a missing target or a goal without a
   Swedish title, ``--out-dir`` under
   a file, a file or holding a ``comparison`` folder of the user's, a missing argument and an
   option without its value.
6. ``sim report`` (24 cases): unknown ``--lang``, ``--indicator``, ``--baseline`` and ``--goals``;
   ``--geojson`` missing, not JSON, not UTF-8, not a FeatureCollection, with features not a list, a
   feature that is not an object or has no geometry, a Point, coordinates that are text, NaN, not
   rings, or projected rather than longitude/latitude, without municipality codes or lacking one
   of the region's municipalities; ``--out`` missing or without a value, an
   existing folder, under a file, or beside a file of the user's that has the name of its charts
   folder; an ensemble that does not exist.
7. The command line itself (5 cases): no arguments, an unknown or empty command, an unknown
   top-level flag, ``sim scenarios`` with an argument.

When the catalogue was written, 21 cases were findings (exit 0 or 70, a traceback, a user's folder
deleted, a message not naming the fault); all are fixed. A new finding is marked
``xfail(strict=True, reason="finding: ...")`` through ``case(..., reason=...)`` until it is fixed,
so that the fix makes it fail (XPASS) and the mark is removed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import netCDF4
import pandas as pd
import pytest
import xarray as xr
import yaml

from sim.cli import main
from sim.paths import INPUTS_DIR
from tests.helpers import NO_WARM_START, titled

EXIT_BAD_INPUT = 2


# --- Running a case ------------------------------------------------------------------------------
def snapshot(folder: Path) -> dict[str, tuple]:
    """Everything under ``folder``, symbolic links followed: each file by its size and sha256,
    each folder, link and dangling link by its kind and target."""
    state: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            link = os.readlink(path) if path.is_symlink() else None
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                state[str(path.relative_to(folder))] = (link, path.stat().st_size, digest)
            else:
                kind = "folder" if path.is_dir() else "dangling link"
                state[str(path.relative_to(folder))] = (link, kind)
    return state


def changes(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    added = [f"+ {k}" for k in sorted(after.keys() - before.keys())]
    removed = [f"- {k}" for k in sorted(before.keys() - after.keys())]
    changed = [f"~ {k}" for k in sorted(before.keys() & after.keys()) if before[k] != after[k]]
    return added + removed + changed


def refused(argv: list[str], expected: str, capsys, watched: list[Path]) -> None:
    """Run ``sim <argv>`` and check that it refuses the input cleanly (see the module docstring)."""
    before = {folder: snapshot(folder) for folder in watched}
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse's usage message for a malformed command line
        code = exit.code
    out, err = capsys.readouterr()
    shown = f"stderr:\n{err[-3000:]}\nstdout:\n{out[-1500:]}"
    assert code == EXIT_BAD_INPUT, f"exit code {code}, not {EXIT_BAD_INPUT}\n{shown}"
    assert expected in err, f"the message does not name {expected!r}\n{shown}"
    assert "Traceback" not in out + err, shown
    bugs = sorted(Path(tempfile.gettempdir()).glob("sim-bug-*.txt"))
    assert not bugs, f"a bug report was saved: {bugs}"
    for folder in watched:
        diff = changes(before[folder], snapshot(folder))
        assert not diff, f"{folder} changed:\n" + "\n".join(diff[:20])


@pytest.fixture
def sandbox(tmp_path, monkeypatch) -> Path:
    """The case's own folder and working directory. Its ``tmp`` is the temporary folder (where
    sim saves bug reports) and ``a-file`` a regular file to put outputs under."""
    bugs = tmp_path / "tmp"
    bugs.mkdir()
    monkeypatch.setenv("TMPDIR", str(bugs))
    monkeypatch.setattr(tempfile, "tempdir", str(bugs))  # gettempdir() caches its first answer
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["sim"])  # sim run rewrites it for Hydra
    (tmp_path / "a-file").write_text("a regular file, not a folder\n")
    return tmp_path


def expand(text: str, tmp: Path, region: Path | None = None) -> str:
    text = text.replace("<file>", str(tmp / "a-file")).replace("<tmp>", str(tmp))
    return text.replace("<region>", str(region)) if region is not None else text


def finding(reason: str, when: bool = True) -> pytest.MarkDecorator:
    return pytest.mark.xfail(when, strict=True, reason=f"finding: {reason}")


def case(id_: str, *values, reason: str | None = None, when: bool = True):
    """One row of a table; ``reason`` marks a finding (when ``when`` holds)."""
    marks = [finding(reason, when)] if reason else []
    return pytest.param(*values, id=id_, marks=marks)


# Findings: what happens today, shown in the reason of each case that finds it.


# --- 1. sim run: overrides -----------------------------------------------------------------------
def run_argv(args: list[str], tmp: Path, region: Path) -> list[str]:
    """``run <args>`` on the small region with output folders in ``tmp``, for the keys the case
    does not set itself."""
    base = {
        "region.input_dir": str(region),
        "years.end": "2026",
        "params.warm_start.years": "0",  # tests.helpers.NO_WARM_START
        "hydra.run.dir": f"{tmp}/run",
        "hydra.sweep.dir": f"{tmp}/sweep",
        "hydra/launcher": "basic",
    }
    given = {a.lstrip("+~").partition("=")[0] for a in args if "=" in a}
    return ["run", *args, *(f"{k}={v}" for k, v in base.items() if k not in given)]


def o(id_: str, args: str | list[str], expected: str, reason: str | None = None, when=True):
    argv = args.split() if isinstance(args, str) else args
    return case(id_, argv, expected, reason=reason, when=when)


LONG_NAME = "a" * 10_240
PL = "params.labour"

# fmt: off
OVERRIDES = [
    # parameter domains
    o("rate_above_one", f"{PL}.separation_rate=1.5", f"{PL}.separation_rate"),
    o("rate_negative", f"{PL}.separation_rate=-0.1", f"{PL}.separation_rate"),
    o("rate_nan", "params.housing.natural_vacancy=nan", "params.housing.natural_vacancy"),
    o("rate_inf", f"{PL}.matching_efficiency=inf", f"{PL}.matching_efficiency"),
    o("positive_zero", "params.demography.gompertz_c=0", "params.demography.gompertz_c"),
    o("integer_too_large", "params.housing.candidates=1000", "params.housing.candidates"),
    o("integer_given_float", "params.housing.candidates=2.5", "params.housing.candidates"),
    o("list_too_short", f"{PL}.retirement_rates=[0.1,0.2]", f"{PL}.retirement_rates"),
    o("list_item_above_one", f"{PL}.retirement_rates=[0.1,0.2,0.3,0.4,1.5]",
      f"{PL}.retirement_rates[4]"),
    o("list_item_null", f"{PL}.education_shares=[0.1,null,0.9]", f"{PL}.education_shares[1]"),
    o("scalar_for_list", f"{PL}.sector_trend=0.1", f"{PL}.sector_trend"),
    o("shares_sum_below_one", f"{PL}.education_shares=[0.2,0.2,0.2]", f"{PL}.education_shares"),
    o("min_above_max", "params.finance.min_tax_rate=30", "params.finance.min_tax_rate"),
    o("first_year_after_last", "params.demography.mortality_years=[2019,2015]",
      "params.demography.mortality_years"),
    o("unknown_choice", "params.demography.schedules=magic", "params.demography.schedules"),
    o("text_for_number", f"{PL}.commute_beta=fast", f"{PL}.commute_beta"),
    o("number_for_section", f"{PL}=5", f"{PL}"),
    # unknown keys
    o("unknown_key", f"{PL}.commute_bet=0.1", f"{PL}.commute_bet"),
    o("unknown_key_plus", f"+{PL}.no_such=1", f"{PL}.no_such"),
    o("unknown_top_key_plus", "+foo=1", "foo"),
    # years and seeds
    o("start_not_base_year", "years.start=2020", "years.start"),
    o("end_at_start", "years.end=2024", "years.end"),
    o("end_beyond_2100", "years.end=2101", "years.end"),
    o("seed_negative", "seed=-1", "seed"),
    o("seed_beyond_64_bits", "seed=9223372036854775808", "seed"),
    o("seed_float", "seed=1.5", "seed"),
    o("seed_text", "seed=abc", "seed"),
    # sampled futures
    o("futures_unknown_set", "futures=nope", "futures=nope"),
    o("future_without_set", "future=0", "future"),
    o("future_beyond_set", "futures=lhs future=30", "future"),
    o("futures_set_without_future", "futures=lhs", "future"),
    o("futures_n_negative", "futures=lhs futures.n=-1 future=0", "futures.n"),
    o("future_sweep_beyond_set", "-m futures=lhs futures.n=2 future=range(0,3)", "future"),
    o("futures_unknown_target", "futures=lhs future=0 futures.uncertainties.0.target=params.x.y",
      "futures.uncertainties[0].target"),
    # scenario names, which name run folders
    o("name_parent", "scenario.name=../x", "scenario.name"),
    o("name_slash", "scenario.name=a/b", "scenario.name"),
    o("name_empty", "scenario.name=", "scenario.name"),
    o("name_10kb", f"scenario.name={LONG_NAME}", "scenario.name"),
    # values put into a shipped scenario
    o("scenario_value", "scenario=establishment scenario.establishments.0.jobs=0",
      "scenario.establishments[0].jobs"),
    # malformed overrides
    o("unbalanced_bracket", "years.end=[2030", "years.end=[2030"),
    o("unbalanced_parenthesis", "years.end=(2030", "years.end=(2030"),
    o("unbalanced_quote", "scenario.name='abc", "scenario.name='abc"),
    # config groups, names, paths and folders
    o("unknown_scenario", "scenario=nope", "scenario=nope"),
    o("unknown_region_group", "region=nope", "region=nope"),
    o("unknown_params_group", "params=nope", "params=nope"),
    o("unknown_experiment", "+experiment=nope", "experiment=nope"),
    o("unknown_launcher", "hydra/launcher=nope", "launcher=nope"),
    o("unknown_config_name", "--config-name nope", "nope"),
    o("config_path_missing", "--config-path <tmp>/nope", "<tmp>/nope"),
    o("config_dir_missing", "--config-dir <tmp>/nope", "--config-dir"),
    o("config_dir_is_file", "--config-dir <file>", "--config-dir"),
    # regions
    o("region_unknown", "region.input_dir=null region.name=nowhere", "nowhere"),
    o("region_name_empty", "region.input_dir=null region.name=", "region.name"),
    o("region_dir_missing", "region.input_dir=<tmp>/nothing", "<tmp>/nothing"),
    # sweeps
    o("sweep_one_bad_seed", "-m seed=0,-1", "seed: -1"),
    o("sweep_one_unknown_scenario", "-m scenario=baseline,nope", "scenario=nope"),
    o("sweep_too_many_runs", "-m seed=range(0,200000)", "seed"),
    o("sweep_without_m", "seed=0,1", "-m"),
    # flags
    o("unknown_flag", "--no-such-flag", "--no-such-flag"),
    o("unknown_short_flag", "-x", "'-x'"),
    o("cfg_bad_choice", "--cfg nope", "--cfg"),
    # output folders
    o("output_dir_under_file", "output_dir=<file>/run", "output_dir"),
    o("run_dir_under_file", "hydra.run.dir=<file>/run", "hydra.run.dir"),
    o("run_dir_is_file", "hydra.run.dir=<file>", "hydra.run.dir"),
    o("sweep_dir_under_file", "-m seed=0,1 hydra.sweep.dir=<file>/sweep", "hydra.sweep.dir"),
    o("run_dir_cannot_be_made", "hydra.run.dir=/proc/sim-run", "hydra.run.dir"),
    o("output_dir_cannot_be_made", "output_dir=/proc/sim-run years.end=2025", "output_dir"),
]
# fmt: on


@pytest.mark.parametrize(("args", "expected"), OVERRIDES)
def test_bad_override(args, expected, sandbox, small_region, capsys):
    args = [expand(a, sandbox, small_region) for a in args]
    argv = run_argv(args, sandbox, small_region)
    refused(argv, expand(expected, sandbox), capsys, [sandbox, small_region])


# --- 2. Scenario files ---------------------------------------------------------------------------
def scenario(**lists) -> str:
    """A scenario file named ``bad`` with the given lists and fields, and made-up titles and
    descriptions (``tests.helpers.titled``) where the fields give none."""
    data = titled({"name": "bad", "description": "a bad scenario", **lists})
    return yaml.safe_dump({"defaults": ["schema", "_self_"], **data}, allow_unicode=True,
                          sort_keys=False)  # fmt: skip


def est(**fields) -> dict:
    base = {"name": "plant", "municipality": "Mariestad", "sector": "manufacturing", "jobs": 100}
    return {**base, "opening_year": 2026, **fields}


def homes(**fields) -> dict:
    base = {"name": "homes", "municipality": "Mariestad", "dwellings": {"rental_flat": 100}}
    return {**base, "phasing": "even", "start_year": 2026, "end_year": 2028, **fields}


def hall(**fields) -> dict:
    base = {"name": "hall", "facility_type": "library", "municipality": "Hjo", "capacity": 200}
    return {**base, "investment_msek": 50.0, "operating_msek": 4.0, "opening_year": 2027, **fields}


def joint(**fields) -> dict:
    base = {"name": "joint", "facility_type": "concert_hall", "location": "Skövde"}
    base |= {"participants": ["Skövde", "Skara"], "governance": "shared", "capacity": 800}
    base |= {"investment_msek": 400.0, "operating_msek": 20.0, "earliest_year": 2026}
    return {**base, **fields}


def tax(**fields) -> dict:
    return {"municipality": "Hjo", "year": 2026, "tax_rate_pct": 21.0, **fields}


HEAD = "defaults:\n  - schema\n  - _self_\nname: bad\n"  # lines 1-4
EXPLICIT = {"phasing": "explicit", "start_year": None, "end_year": None}
STAGES = [{"year": 2026, "dwellings": 50}, {"year": 2027, "dwellings": 20}]
E0, H0 = "scenario.establishments[0]", "scenario.housing_programmes[0]"
C0, J0 = "scenario.cultural_investments[0]", "scenario.joint_proposals[0]"
P = "scenario.policies"


def s(id_: str, body: str | bytes, expected: str, reason: str | None = None, args="scenario=bad"):
    return case(id_, body, expected, args.split(), reason=reason)


BAD = "<tmp>/configs/scenario/bad.yaml"
NAMES_WHY = (
    "every scenario and intervention needs a title and a description in English and Swedish "
    "(title, title_sv, description, description_sv)"
)

# fmt: off
SCENARIOS = [
    # the file itself
    s("yaml_unclosed_quote", HEAD + 'description: "unclosed\n', f"{BAD}, line 6"),
    s("yaml_tab", HEAD + "establishments:\n\t- name: x\n", f"{BAD}, line 6"),
    s("yaml_duplicate_key", HEAD + "nao_budget_msek: 1\nnao_budget_msek: 2\n", f"{BAD}, line 6"),
    s("not_utf8", (HEAD + "description: Sk\xf6vde\n").encode("latin-1"), "bad.yaml"),
    s("not_a_mapping", "- a\n- b\n", "scenario/bad"),
    s("mapping_for_list", HEAD + "establishments: {name: x}\n", "establishments"),
    s("unknown_field", scenario(establishments=[est(jobz=5)]), "jobz"),
    s("text_for_integer", scenario(establishments=[est(jobs="many")]), "jobs"),
    s("interpolation_to_nowhere", scenario(description_sv="${nope}"), "description_sv"),
    # places and years
    s("unknown_code", scenario(establishments=[est(municipality="9999")]), f"{E0}.municipality"),
    s("base_year", scenario(establishments=[est(opening_year=2024)]), f"{E0}.opening_year"),
    s("after_horizon", scenario(establishments=[est(opening_year=2040)]), f"{E0}.opening_year"),
    # establishments
    s("jobs_negative", scenario(establishments=[est(jobs=-10)]), f"{E0}.jobs"),
    s("jobs_beyond_limit", scenario(establishments=[est(jobs=10**9)]), f"{E0}.jobs"),
    s("unknown_sector", scenario(establishments=[est(sector="mining")]), f"{E0}.sector"),
    s("ramp_up_decreasing", scenario(establishments=[est(ramp_up_profile=[0.8, 0.5, 1.0])]),
      f"{E0}.ramp_up_profile"),
    s("closure_before_opening", scenario(establishments=[est(closure_year=2025)]),
      f"{E0}.closure_year"),
    s("wage_nan", scenario(establishments=[est(wage_level=math.nan)]), f"{E0}.wage_level"),
    s("required_missing", scenario(establishments=[{"name": "x", "municipality": "Hjo"}]),
      f"{E0}.sector"),
    # housing programmes
    s("dwellings_beyond_limit", scenario(housing_programmes=[homes(dwellings={"detached": 10**7})]),
      f"{H0}.dwellings.detached"),
    s("no_dwellings", scenario(housing_programmes=[homes(dwellings={})]), f"{H0}.dwellings"),
    s("unknown_phasing", scenario(housing_programmes=[homes(phasing="lumpy")]), f"{H0}.phasing"),
    s("end_before_start", scenario(housing_programmes=[homes(start_year=2028, end_year=2026)]),
      f"{H0}.end_year"),
    s("stages_do_not_add_up", scenario(housing_programmes=[homes(**EXPLICIT, stages=STAGES)]),
      f"{H0}.stages"),
    # cultural investments
    s("capacity_zero", scenario(cultural_investments=[hall(capacity=0)]), f"{C0}.capacity"),
    s("investment_beyond_limit", scenario(cultural_investments=[hall(investment_msek=1e7)]),
      f"{C0}.investment_msek"),
    s("unknown_facility_type", scenario(cultural_investments=[hall(facility_type="casino")]),
      f"{C0}.facility_type"),
    # joint proposals and governance
    s("unknown_governance", scenario(joint_proposals=[joint(governance="anarchy")]),
      f"{J0}.governance"),
    s("lead_is_only_participant",
      scenario(joint_proposals=[joint(governance="lead", lead="Skövde", participants=["Skövde"])]),
      f"{J0}.participants"),
    s("lead_missing", scenario(joint_proposals=[joint(governance="lead")]), f"{J0}.lead"),
    s("participant_twice", scenario(joint_proposals=[joint(participants=["Skövde", "Skara"] * 2)]),
      f"{J0}.participants[2]"),
    s("host_not_participant", scenario(joint_proposals=[joint(participants=["Hjo", "Skara"])]),
      f"{J0}.location"),
    s("nao_without_budget", scenario(joint_proposals=[joint(governance="nao")]),
      "scenario.nao_budget_msek"),
    # policies
    s("tax_rate_out_of_range", scenario(policies=[tax(tax_rate_pct=50.0)]),
      f"{P}[0].tax_rate_pct"),
    s("tax_rate_twice", scenario(policies=[tax(), tax(tax_rate_pct=22.0)]),
      f"{P}[1].tax_rate_pct"),
    # names
    s("duplicate_names", scenario(establishments=[est(name="x")], cultural_investments=[
      hall(name="x")]), f"{C0}.name"),
    s("unsafe_scenario_name", scenario(name="../bad"), "scenario.name"),
    s("no_swedish_title", scenario(title_sv=""), f"scenario.title_sv: missing; {NAMES_WHY}"),
    s("intervention_without_swedish_title",
      scenario(cultural_investments=[hall(name="Skövde concert hall", title_sv="")]),
      f"scenario.cultural_investments[Skövde concert hall].title_sv: missing; {NAMES_WHY}"),
    s("bad_member_of_sweep", scenario(establishments=[est(jobs=0)]), f"{E0}.jobs",
      args="-m scenario=baseline,bad"),
]
# fmt: on


@pytest.mark.parametrize(("body", "expected", "args"), SCENARIOS)
def test_bad_scenario_file(body, expected, args, sandbox, small_region, capsys):
    folder = sandbox / "configs" / "scenario"
    folder.mkdir(parents=True)
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    (folder / "bad.yaml").write_bytes(data)
    args = ["--config-dir", str(sandbox / "configs"), *args, "years.end=2030"]
    refused(run_argv(args, sandbox, small_region), expand(expected, sandbox), capsys,
            [sandbox, small_region])  # fmt: skip


# --- 3. Region inputs ----------------------------------------------------------------------------
M, T, J, D = "municipalities.parquet", "travel_times.parquet", "jobs.parquet", "dwellings.parquet"
C, X = "culture_facilities.parquet", "externals.parquet"
Corrupt = Callable[[Path], object]


def edit(name: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Corrupt:
    def corrupt(folder: Path) -> None:
        change(pd.read_parquet(folder / name)).to_parquet(folder / name, index=False)

    return corrupt


def set_cell(name: str, column: str, row: int, value) -> Corrupt:
    def change(table: pd.DataFrame) -> pd.DataFrame:
        if isinstance(value, float):
            table[column] = table[column].astype("float64")
        elif value is None or isinstance(value, str):
            table[column] = table[column].astype(object)
        table.loc[row, column] = value
        return table

    return edit(name, change)


def write(name: str, data: bytes) -> Corrupt:
    return lambda folder: (folder / name).write_bytes(data)


def truncate(name: str) -> Corrupt:
    return lambda folder: write(name, (folder / name).read_bytes()[:100])(folder)


def folder_instead(name: str) -> Corrupt:
    return lambda folder: ((folder / name).unlink(), (folder / name).mkdir())


def duplicate_first_row(name: str) -> Corrupt:
    return edit(name, lambda t: pd.concat([t, t.iloc[:1]], ignore_index=True))


def drop_first_row(name: str) -> Corrupt:
    return edit(name, lambda t: t.iloc[1:])


def one_resident(table: pd.DataFrame) -> pd.DataFrame:
    table.loc[0, ["population", "households"]] = 1
    return table


def r(id_: str, corrupt: Corrupt, expected: str, reason: str | None = None):
    return case(id_, corrupt, expected, reason=reason)


NAN = math.nan

# fmt: off
REGIONS = [
    # files
    r("missing_file", lambda d: (d / T).unlink(), f"{T}: required input file is missing"),
    r("not_parquet", write(D, b"code,dwelling_type,dwellings\n1496,detached,5\n"),
      f"{D}: not a readable Parquet file"),
    r("truncated", truncate(J), f"{J}: not a readable Parquet file"),
    r("missing_column", edit(M, lambda t: t.drop(columns=["households"])),
      f"{M}, column 'households'"),
    # types and missing values
    r("float_for_integer", edit(M, lambda t: t.assign(population=t.population + 0.5)),
      f"{M}, column 'population', row 0"),
    r("integer_for_text", edit(M, lambda t: t.assign(code=t.code.astype(int))),
      f"{M}, column 'code', row 0"),
    r("text_for_integer", edit(J, lambda t: t.assign(jobs=t.jobs.astype(str))),
      f"{J}, column 'jobs', row 0"),
    r("null_text", set_cell(J, "sector", 0, None), f"{J}, column 'sector', row 0"),
    r("nan", set_cell(M, "tax_rate_pct", 2, NAN), f"{M}, column 'tax_rate_pct', row 2"),
    # counts
    r("negative_jobs", set_cell(J, "jobs", 3, -5), f"{J}, column 'jobs', row 3"),
    r("negative_capacity", set_cell(C, "capacity", 0, -1), f"{C}, column 'capacity', row 0"),
    r("jobs_beyond_limit", set_cell(J, "jobs", 0, 10**12), f"{J}, column 'jobs', row 0"),
    r("zero_population", set_cell(M, "population", 0, 0), f"{M}, column 'population', row 0"),
    r("households_above_population", edit(M, lambda t: t.assign(households=t.population + 1)),
      f"{M}, column 'households', row 0"),
    r("no_municipalities", edit(M, lambda t: t.iloc[0:0]), f"{M}: has no rows"),
    # keys and codes
    r("duplicate_code", edit(M, lambda t: t.assign(code=[t.code[1], *t.code[1:]])),
      f"{M}, column 'code', row 1"),
    r("malformed_code", set_cell(M, "code", 0, "14x6"), f"{M}, column 'code', row 0"),
    r("empty_name", set_cell(M, "name", 0, "  "), f"{M}, column 'name', row 0"),
    r("duplicate_facility", duplicate_first_row(C), f"{C}, column 'facility_id'"),
    # ranges
    r("latitude", set_cell(M, "lat", 0, 100.0), f"{M}, column 'lat', row 0"),
    r("tax_rate_above_100", set_cell(M, "tax_rate_pct", 0, 150.0), f"{M}, column 'tax_rate_pct'"),
    r("growth_rate", set_cell(M, "trend_growth_rate", 0, 0.5),
      f"{M}, column 'trend_growth_rate', row 0"),
    r("base_year_differs_between_rows", set_cell(M, "base_year", 3, 2015),
      f"{M}, column 'base_year': values differ"),
    r("base_year_out_of_range", edit(M, lambda t: t.assign(base_year=1800)),
      f"{M}, column 'base_year', row 0"),
    r("trend_backwards", edit(M, lambda t: t.assign(trend_first_year=t.trend_last_year)),
      f"{M}, column 'trend_first_year', row 0"),
    r("facility_opens_after_base_year", set_cell(C, "opening_year", 0, 2030),
      f"{C}, column 'opening_year', row 0"),
    # travel times
    r("travel_pair_missing", drop_first_row(T), f"{T}, columns 'origin', 'destination'"),
    r("travel_time_negative", set_cell(T, "minutes", 5, -3.0), f"{T}, column 'minutes', row 5"),
    r("travel_time_nan", set_cell(T, "minutes", 5, NAN), f"{T}, column 'minutes', row 5"),
    r("travel_time_too_long", set_cell(T, "minutes", 5, 1e6), f"{T}, column 'minutes', row 5"),
    r("travel_unknown_node", set_cell(T, "origin", 0, "Oslo"), f"{T}, column 'origin', row 0"),
    # references between files
    r("jobs_unknown_code", set_cell(J, "code", 0, "9999"), f"{J}, column 'code', row 0"),
    r("jobs_unknown_sector", set_cell(J, "sector", 0, "mining"), f"{J}, column 'sector', row 0"),
    r("jobs_incomplete", drop_first_row(J), f"{J}, columns 'code', 'sector'"),
    r("dwellings_unknown_type", set_cell(D, "dwelling_type", 0, "castle"),
      f"{D}, column 'dwelling_type', row 0"),
    r("facility_unknown_type", set_cell(C, "facility_type", 0, "casino"),
      f"{C}, column 'facility_type', row 0"),
    # degenerate regions that pass the loader
    r("no_jobs", edit(J, lambda t: t.assign(jobs=0)), J),
    r("no_dwellings", edit(D, lambda t: t.assign(dwellings=0)), D),
    r("no_cultural_places", edit(C, lambda t: t.assign(capacity=0)), C),
    r("no_facilities", edit(C, lambda t: t.iloc[0:0]), C),
    r("municipality_of_one_resident", edit(M, one_resident), M),
]
# fmt: on


@pytest.mark.parametrize(("corrupt", "expected"), REGIONS)
def test_bad_region_input(corrupt, expected, sandbox, small_region, capsys):
    region = sandbox / "region"
    shutil.copytree(small_region, region)
    corrupt(region)
    argv = run_argv(["years.end=2025"], sandbox, region)
    refused(argv, expected, capsys, [sandbox, small_region])


# --- The shared ensemble -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ensemble(tmp_path_factory, small_region) -> Path:
    """A real sweep folder: 2 scenarios x 2 seeds on the small region to 2027, collected,
    compared and reported, all in-process."""
    import sim.engine.run
    import sim.io.provenance

    work = tmp_path_factory.mktemp("ensemble")
    sweep = work / "sweep"
    with pytest.MonkeyPatch.context() as mp:
        # One code version for the four runs: a commit in this tree while they run would
        # otherwise make collect refuse them as of mixed versions.
        for module in (sim.io.provenance, sim.engine.run):
            mp.setattr(module, "code_version", lambda: "0+bad-inputs-test")
        mp.chdir(work)
        mp.setattr(sys, "argv", ["sim"])
        sweep_args = ["-m", "scenario=baseline,establishment", "seed=0,1", "years.end=2027"]
        sweep_args += [f"region.input_dir={small_region}", "hydra/launcher=basic", NO_WARM_START]
        assert main(["run", *sweep_args, f"hydra.sweep.dir={sweep}"]) == 0
        assert main(["collect", str(sweep)]) == 0
        assert main(["compare", str(sweep)]) == 0
        assert main(["report", str(sweep), "--out", str(sweep / "report.html")]) == 0
    return sweep


Setup = Callable[[Path, Path], list[str]]


def e(id_: str, setup: Setup, expected: str, reason: str | None = None):
    return case(id_, setup, expected, reason=reason)


def check_ensemble_case(setup: Setup, expected: str, sandbox, ensemble, capsys) -> None:
    argv = setup(sandbox, ensemble)
    refused(argv, expand(expected, sandbox), capsys, [sandbox, ensemble])


# --- 4. sim collect ------------------------------------------------------------------------------
def sweep_copy(tmp: Path, sweep: Path, damage: Callable[[Path], object] | None = None) -> Path:
    """A copy of the sweep's runs in ``tmp/sweep``; ``damage`` is applied to its first
    ``results.nc``."""
    copy = tmp / "sweep"
    shutil.copytree(sweep / "runs", copy / "runs")
    if damage is not None:
        damage(sorted(copy.glob("runs/*/results.nc"))[0])
    return copy


def collect_damaged(damage: Callable[[Path], object]) -> Setup:
    return lambda tmp, sweep: ["collect", str(sweep_copy(tmp, sweep, damage))]


def garble(path: Path) -> None:
    path.write_bytes(b"not netCDF " * 100)


def halve(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def foreign(path: Path) -> None:
    path.unlink()
    xr.Dataset({"x": ("t", [1.0, 2.0])}).to_netcdf(path)


def folder_for_file(path: Path) -> None:
    path.unlink()
    path.mkdir()


def set_attribute(key: str, value: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        with netCDF4.Dataset(path, "a") as nc:
            nc.setncattr(key, value)

    return damage


def shift_years(path: Path) -> None:
    with netCDF4.Dataset(path, "a") as nc:
        nc.variables["year"][:] = nc.variables["year"][:] + 1


def rewrite(change: Callable[[xr.Dataset], xr.Dataset]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        ds = change(xr.load_dataset(path))
        path.unlink()
        ds.to_netcdf(path)

    return damage


def population_as_text(ds: xr.Dataset) -> xr.Dataset:
    return ds.assign(population=ds["population"].astype(str))


def copy_run(path: Path) -> None:
    shutil.copytree(path.parent, path.parent.with_name(path.parent.name + "-copy"))


def remove_run(path: Path) -> None:
    shutil.rmtree(path.parent)


def user_folder(tmp: Path) -> Path:
    folder = tmp / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("the user's own notes\n")
    return folder


def collect_into_runs(tmp: Path, sweep: Path) -> list[str]:
    copy = sweep_copy(tmp, sweep)
    return ["collect", str(copy), "--out", str(copy / "runs")]


def collect_into_itself(tmp: Path, sweep: Path) -> list[str]:
    copy = sweep_copy(tmp, sweep)
    return ["collect", str(copy), "--out", str(copy)]


def make_folder(*parts: str, file: str | None = None) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        folder = tmp.joinpath(*parts)
        folder.mkdir(parents=True)
        if file:
            (folder / file).write_text("")
        return folder

    return make


# fmt: off
COLLECT = [
    e("path_is_file", lambda t, s: ["collect", f"{t}/a-file"], "sweep_dir"),
    e("path_missing", lambda t, s: ["collect", f"{t}/nope"], "sweep_dir"),
    e("no_runs_folder", lambda t, s: ["collect", str(make_folder("x")(t))], "'runs'"),
    e("runs_is_file", lambda t, s: ["collect", str(make_folder("x", file="runs")(t))], "'runs'"),
    e("empty_runs", lambda t, s: ["collect", str(make_folder("x", "runs")(t).parent)],
      "<tmp>/x: no complete runs"),
    e("garbage_results", collect_damaged(garble), "results.nc"),
    e("truncated_results", collect_damaged(halve), "results.nc"),
    e("results_is_folder", collect_damaged(folder_for_file), "results.nc"),
    e("foreign_netcdf", collect_damaged(foreign), "results.nc"),
    e("seed_not_integer", collect_damaged(set_attribute("seed", "abc")), "results.nc"),
    e("config_not_yaml", collect_damaged(set_attribute("config", "a: [\n")), "results.nc"),
    e("config_a_list", collect_damaged(set_attribute("config", "- 1\n- 2\n")), "results.nc"),
    e("variable_missing", collect_damaged(rewrite(lambda ds: ds.drop_vars("population"))),
      "population"),
    e("variable_as_text", collect_damaged(rewrite(population_as_text)), "population"),
    e("mixed_horizons", collect_damaged(shift_years), "different horizons"),
    e("mixed_inputs", collect_damaged(set_attribute("input_checksums", '{"a": "b"}')),
      "mixed inputs"),
    e("mixed_code_versions", collect_damaged(set_attribute("code_version", "9.9")),
      "code version"),
    e("mixed_regions", collect_damaged(set_attribute("region", "elsewhere")), "regions"),
    e("duplicate_run", collect_damaged(copy_run), "-copy"),
    e("incomplete_sweep", collect_damaged(remove_run), "baseline seed 0"),
    e("out_under_file", lambda t, s: ["collect", str(s), "--out", f"{t}/a-file/e.zarr"],
      "--out"),
    e("out_is_file", lambda t, s: ["collect", str(s), "--out", f"{t}/a-file"], "--out"),
    e("out_is_users_folder", lambda t, s: ["collect", str(s), "--out", str(user_folder(t))],
      "--out"),
    e("out_is_the_sweep", collect_into_itself, "--out"),
    e("missing_argument", lambda t, s: ["collect"], "sweep_dir"),
    e("unknown_flag", lambda t, s: ["collect", str(s), "--frob"], "--frob"),
]
# fmt: on


@pytest.mark.parametrize(("setup", "expected"), COLLECT)
def test_bad_collect(setup, expected, sandbox, ensemble, capsys):
    check_ensemble_case(setup, expected, sandbox, ensemble, capsys)


# --- 5. sim compare ------------------------------------------------------------------------------
def ensemble_copy(damage: Callable[[Path], object]) -> Setup:
    """``compare`` of a plain copy of the ensemble (links followed) damaged by ``damage``."""

    def setup(tmp: Path, sweep: Path) -> list[str]:
        copy = tmp / "ensemble.zarr"
        shutil.copytree(sweep / "ensemble.zarr", copy, symlinks=False)
        damage(copy)
        return ["compare", str(copy)]

    return setup


def first_chunk(store: Path) -> Path:
    return sorted(p for p in (store / "population").iterdir() if not p.name.startswith("."))[0]


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def foreign_zarr(published: bool) -> Setup:
    def setup(tmp: Path, sweep: Path) -> list[str]:
        from sim.io.atomic import publish_folder

        store = tmp / "foreign.zarr"
        ds = xr.Dataset({"x": ("t", [1.0, 2.0])})
        if published:  # with a manifest, as sim writes its folders
            publish_folder(store, lambda to: ds.to_zarr(to, mode="w", zarr_format=2))
        else:
            ds.to_zarr(store, zarr_format=2)
        return ["compare", str(store)]

    return setup


def dangling_link(tmp: Path, sweep: Path) -> list[str]:
    folder = make_folder("sweep")(tmp)
    (folder / "ensemble.zarr").symlink_to(tmp / "gone")
    return ["compare", str(folder)]


def goals_file(text: str | bytes, *options: str) -> Setup:
    def setup(tmp: Path, sweep: Path) -> list[str]:
        path = tmp / "goals.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return ["compare", str(sweep), "--goals", str(path), *options]

    return setup


def compare(*options: str) -> Setup:
    return lambda tmp, sweep: ["compare", str(sweep), *(expand(x, tmp) for x in options)]


def users_comparison(tmp: Path, sweep: Path) -> list[str]:
    user_folder(tmp).rename(make_folder("out")(tmp) / "comparison")
    return ["compare", str(sweep), "--out-dir", str(tmp / "out")]


# A goal whose materiality and names (made up) are given, so that each case shows the problem it
# plants.
GOAL = (
    "region: x\ngoals:\n  - {name: a, indicator: %s, direction: %s, year: 2026, "
    "materiality: 1, materiality_reason: made up, label: A, label_sv: Ett, "
    "description: Made up., description_sv: Påhittat.%s}\n"
)

# fmt: off
COMPARE = [
    e("path_missing", compare("<tmp>/nope"), "<tmp>/nope"),
    e("path_is_file", compare("<tmp>/a-file"), "<tmp>/a-file"),
    e("empty_folder", lambda t, s: ["compare", str(make_folder("x")(t))], "<tmp>/x"),
    e("dangling_link", dangling_link, "<tmp>/sweep"),
    e("foreign_zarr", foreign_zarr(False), "foreign.zarr"),
    e("foreign_zarr_published", foreign_zarr(True), "foreign.zarr"),
    e("manifest_missing", ensemble_copy(lambda z: (z / ".manifest.json").unlink()),
      ".manifest.json"),
    e("manifest_garbled", ensemble_copy(lambda z: (z / ".manifest.json").write_text("{")),
      ".manifest.json"),
    e("chunk_truncated", ensemble_copy(lambda z: halve(first_chunk(z))), "population/"),
    e("chunk_deleted", ensemble_copy(lambda z: first_chunk(z).unlink()), "population/"),
    e("chunk_altered", ensemble_copy(lambda z: flip_last_byte(first_chunk(z))), "population/"),
    e("unknown_baseline", compare("--baseline", "nope"), "--baseline"),
    e("unknown_phasing_reference", compare("--phasing-reference", "nope"),
      "--phasing-reference"),
    e("unknown_goals", compare("--goals", "nope"), "--goals"),
    e("goals_not_yaml", goals_file("region: x\ngoals: [\n"), "goals.yaml"),
    e("goals_not_utf8", goals_file("region: Sk\xf6vde\n".encode("latin-1")), "goals.yaml"),
    e("goals_unknown_indicator", goals_file(GOAL % ("happiness", "increase", "")),
      "goals[0].indicator"),
    e("goals_unknown_key", goals_file(GOAL % ("jobs", "increase", ", colour: red")), "colour"),
    e("goals_target_missing", goals_file(GOAL % ("jobs", "at_least", "")), "goals[0].target"),
    e("goals_without_swedish_title",
      goals_file((GOAL % ("jobs", "increase", "")).replace(" label_sv: Ett,", "")),
      "goals.yaml: goals[0].label_sv: missing; every goal needs a title and a description in "
      "English and Swedish"),
    e("goals_materiality_missing", goals_file(
        "region: x\ngoals:\n  - {name: a, indicator: jobs, direction: increase, year: 2026}\n"),
      "goals[0].materiality"),
    e("out_dir_under_file", compare("--out-dir", "<tmp>/a-file/x"), "--out-dir"),
    e("out_dir_is_file", compare("--out-dir", "<tmp>/a-file"), "--out-dir"),
    e("out_dir_holds_users_comparison", users_comparison, "comparison"),
    e("missing_argument", lambda t, s: ["compare"], "ensemble"),
    e("option_without_value", compare("--baseline"), "--baseline"),
]
# fmt: on


@pytest.mark.parametrize(("setup", "expected"), COMPARE)
def test_bad_compare(setup, expected, sandbox, ensemble, capsys):
    check_ensemble_case(setup, expected, sandbox, ensemble, capsys)


# --- 6. sim report -------------------------------------------------------------------------------
def report(*options: str) -> Setup:
    def setup(tmp: Path, sweep: Path) -> list[str]:
        rest = [expand(x, tmp) for x in options]
        out = [] if "--out" in options else ["--out", str(tmp / "report.html")]
        return ["report", str(sweep), *out, *rest]

    return setup


def with_geojson(data) -> Setup:
    """``report --geojson`` of ``data``: bytes as they are, anything else as JSON."""

    def setup(tmp: Path, sweep: Path) -> list[str]:
        path = tmp / "shapes.geojson"
        path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
        return report("--geojson", str(path))(tmp, sweep)

    return setup


def shapes(geometry) -> dict:
    feature = {"type": "Feature", "properties": {}, "geometry": geometry}
    return {"type": "FeatureCollection", "features": [feature]}


def polygon(*points) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in points]]}


def all_but(code: str) -> dict:
    """A triangle for every municipality of the region but ``code``, named by property code."""
    codes = pd.read_parquet(INPUTS_DIR / "skaraborg" / "municipalities.parquet")["code"]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": c}, "geometry": polygon(*TRIANGLE)}
            for c in codes
            if c != code
        ],
    }


def charts_name_taken(tmp: Path, sweep: Path) -> list[str]:
    (tmp / "report_charts").write_text("the user's own file\n")
    return report()(tmp, sweep)


TRIANGLE = [(13.0, 58.0), (14.0, 58.0), (14.0, 59.0), (13.0, 58.0)]
SWEREF = [(400000.0, 6500000.0), (410000.0, 6500000.0), (410000.0, 6510000.0)]
NAN_POLYGON = (
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
    b'{"type": "Polygon", "coordinates": [[[NaN, 58], [14, 58], [14, 59], [NaN, 58]]]}}]}'
)
GEO = "--geojson"

# fmt: off
REPORT = [
    e("unknown_language", report("--lang", "xx"), "--lang"),
    e("unknown_indicator", report("--indicator", "nope"), "--indicator"),
    e("unknown_baseline", report("--baseline", "nope"), "--baseline"),
    e("unknown_goals", report("--goals", "nope"), "--goals"),
    e("geojson_missing", report(GEO, "<tmp>/nope.geojson"), GEO),
    e("geojson_not_json", with_geojson(b"{not json"), GEO),
    e("geojson_not_utf8", with_geojson('{"type": "Sk\xf6vde"}'.encode("latin-1")), GEO),
    e("geojson_a_list", with_geojson([1, 2]), GEO),
    e("geojson_features_not_a_list", with_geojson({"type": "FeatureCollection", "features": {}}),
      GEO),
    e("geojson_feature_a_number", with_geojson({"type": "FeatureCollection", "features": [5]}),
      GEO),
    e("geojson_no_geometry", with_geojson(shapes(None)), GEO),
    e("geojson_point", with_geojson(shapes({"type": "Point", "coordinates": [13.0, 58.0]})), GEO),
    e("geojson_text_coordinates", with_geojson(shapes(polygon(("a", "b"), (1, 2), (3, 4)))),
      GEO),
    e("geojson_nan_coordinates", with_geojson(NAN_POLYGON), GEO),
    e("geojson_not_rings", with_geojson(shapes({"type": "MultiPolygon", "coordinates": [
      [list(p) for p in TRIANGLE]]})), GEO),
    e("geojson_projected", with_geojson(shapes(polygon(*SWEREF, SWEREF[0]))), GEO),
    e("geojson_without_codes", with_geojson(shapes(polygon(*TRIANGLE))),
      "no feature has a property code, kommun_kod, KnKod, id"),
    e("geojson_lacks_a_municipality", with_geojson(all_but("1497")), "code(s) 1497"),
    e("out_missing", lambda t, s: ["report", str(s)], "--out"),
    e("out_without_value", lambda t, s: ["report", str(s), "--out"], "--out"),
    e("out_is_folder", report("--out", "<tmp>"), "--out"),
    e("out_under_file", report("--out", "<tmp>/a-file/report.html"), "--out"),
    e("charts_name_taken", charts_name_taken, "report_charts"),
    e("ensemble_missing", lambda t, s: ["report", f"{t}/nope", "--out", f"{t}/r.html"],
      "<tmp>/nope"),
]
# fmt: on


@pytest.mark.parametrize(("setup", "expected"), REPORT)
def test_bad_report(setup, expected, sandbox, ensemble, capsys):
    check_ensemble_case(setup, expected, sandbox, ensemble, capsys)


# --- 7. The command line itself ------------------------------------------------------------------
# fmt: off
TOP_LEVEL = [
    case("no_arguments", [], "usage: sim"),
    case("unknown_command", ["frobnicate"], "'frobnicate'"),
    case("empty_command", [""], "unknown command ''"),
    case("unknown_top_level_flag", ["--version"], "'--version'"),
    case("scenarios_with_argument", ["scenarios", "extra"], "extra"),
]
# fmt: on


@pytest.mark.parametrize(("argv", "expected"), TOP_LEVEL)
def test_bad_command_line(argv, expected, sandbox, capsys):
    refused(argv, expected, capsys, [sandbox])


def test_the_catalogue_is_complete():
    """At least 80 cases, at least 5 in every class, each with its own name."""
    tables = [OVERRIDES, SCENARIOS, REGIONS, COLLECT, COMPARE, REPORT, TOP_LEVEL]
    assert all(len(table) >= 5 for table in tables)
    assert sum(map(len, tables)) >= 80
    for table in tables:
        ids = [p.id for p in table]
        assert len(set(ids)) == len(ids)
