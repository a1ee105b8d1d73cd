"""Scenario validation: each bad value is named by its config path, directly and via ``sim run``.

The unit tests call :func:`sim.config.validate.validate_scenario` on a valid scenario with one
field changed at a time; the end-to-end tests write a bad scenario file, run the real command line
on it and check that it is refused with exit code 2, a message naming the field, and no run folder.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from omegaconf import OmegaConf

from sim.config.params import ConfigError
from sim.config.scenario import Scenario
from sim.config.validate import ScenarioError, municipality_index, validate_scenario
from sim.io.inputs import FACILITY_TYPES, SECTORS, load_region
from tests.helpers import titled

START, END = 2024, 2030  # base year and last simulated year of the tests

VALID: dict[str, Any] = {
    "name": "valid",
    "description": "one intervention of every kind, all allowed",
    "establishments": [
        {
            "name": "battery plant",
            "municipality": "Skövde",
            "sector": "manufacturing",
            "jobs": 400,
            "opening_year": 2026,
            "ramp_up_profile": [0.25, 0.5, 1.0],
            "wage_level": 1.1,
            "closure_year": 2045,  # beyond the horizon: allowed
        },
        {
            "name": "call centre",
            "municipality": "1494",  # Lidköping by its SCB code
            "sector": "private_services",
            "jobs": 50,
            "opening_year": 2025,
            "ramp_up_years": 2,
        },
    ],
    "housing_programmes": [
        {
            "name": "north district",
            "municipality": "Skövde",
            "dwellings": {"detached": 100, "rental_flat": 150, "owner_flat": 50},
            "phasing": "explicit",
            "stages": [{"year": 2026, "dwellings": 100}, {"year": 2028, "dwellings": 200}],
        },
        {
            "name": "lakeside",
            "municipality": "Hjo",
            "dwellings": {"rental_flat": 200},
            "phasing": "demand_led",
            "start_year": 2026,
            "end_year": 2030,
            "stage_size": 50,
            "queue_threshold": 0.02,
            "municipal_share": 0.3,
        },
        {
            "name": "station area",
            "municipality": "Falköping",
            "dwellings": {"owner_flat": 60},
            "phasing": "front_loaded",
            "start_year": 2027,
            "end_year": 2027,
        },
    ],
    "cultural_investments": [
        {
            "name": "new library",
            "facility_type": "library",
            "municipality": "Tibro",
            "capacity": 300,
            "investment_msek": 80.0,
            "operating_msek": 6.0,
            "opening_year": 2028,
        },
        {
            "name": "maker space",
            "facility_type": "maker_space",  # user-defined, with its own weight
            "municipality": "Mariestad",
            "capacity": 80,
            "investment_msek": 0.0,
            "operating_msek": 1.5,
            "opening_year": 2027,
            "build_years": 0,
            "type_weight": 0.6,
        },
    ],
    "joint_proposals": [
        {
            "name": "regional concert hall",
            "facility_type": "concert_hall",
            "location": "Skövde",
            "participants": ["Skövde", "Skara", "1499", "Tidaholm"],
            "governance": "lead",
            "lead": "Skövde",
            "lead_share": 0.6,
            "capacity": 1200,
            "investment_msek": 600.0,
            "operating_msek": 40.0,
            "earliest_year": 2026,
        },
        {
            "name": "joint museum",
            "facility_type": "museum",
            "location": "Vara",
            "participants": ["Vara", "Essunga", "Grästorp"],
            "governance": "nao",
            "capacity": 150,
            "investment_msek": 90.0,
            "operating_msek": 5.0,
            "earliest_year": 2027,
        },
    ],
    "policies": [
        {"municipality": "Töreboda", "year": 2027, "tax_rate_pct": 22.5},
        {"municipality": "Gullspång", "year": 2029, "plan_reserve_release": 120},
    ],
    "nao_budget_msek": 25.0,
}


@pytest.fixture(scope="module")
def region():
    return load_region("skaraborg")


def typed(data: dict[str, Any], names: bool = True):
    """``data`` merged onto the typed Scenario schema, as Hydra would compose it; with made-up
    titles and descriptions (``tests.helpers.titled``) where it has none, unless ``names`` is
    False."""
    return OmegaConf.merge(OmegaConf.structured(Scenario), titled(data) if names else data)


def problems_of(data: dict[str, Any], region, end: int = END, names: bool = True) -> list[str]:
    """The validator's problems for ``data`` (an empty list if it passes)."""
    try:
        validate_scenario(typed(data, names), region, START, end)
    except ScenarioError as err:
        return err.problems
    return []


def changed(list_name: str, index: int, **fields: Any) -> dict[str, Any]:
    """VALID with some fields of one intervention replaced (a field set to ... is removed)."""
    data = copy.deepcopy(VALID)
    entry = data[list_name][index]
    for key, value in fields.items():
        if value is ...:
            entry.pop(key, None)
        else:
            entry[key] = value
    return data


# --- unit tests ----------------------------------------------------------------------------------
def test_valid_scenario_passes(region):
    validate_scenario(typed(VALID), region, START, END)


def test_baseline_and_empty_scenarios_pass(region):
    validate_scenario(typed({}), region, START, END)
    validate_scenario(titled({"name": "plain dict"}), region, START, END)


NAMES_WHY = (
    "missing; every scenario and intervention needs a title and a description in English and "
    "Swedish (title, title_sv, description, description_sv)"
)


def test_a_scenario_without_names_is_refused_field_by_field(region):
    assert problems_of({"name": "plain"}, region, names=False) == [
        f"scenario.{key}: {NAMES_WHY}" for key in ("title", "title_sv", "description",
                                                   "description_sv")
    ]  # fmt: skip
    data = titled({"name": "plain"})
    data["title_sv"] = "  "  # blank is missing too
    assert problems_of(data, region) == [f"scenario.title_sv: {NAMES_WHY}"]


@pytest.mark.parametrize(
    ("list_name", "index", "name"),
    [
        ("establishments", 1, "call centre"),
        ("housing_programmes", 0, "north district"),
        ("cultural_investments", 0, "new library"),
        ("joint_proposals", 1, "joint museum"),
    ],
)
def test_an_intervention_without_a_swedish_title_is_named_by_its_name(
    region, list_name, index, name
):
    data = titled(copy.deepcopy(VALID))
    data[list_name][index].pop("title_sv")
    assert problems_of(data, region, names=False) == [
        f"scenario.{list_name}[{name}].title_sv: {NAMES_WHY}"
    ]


def test_an_intervention_without_a_name_is_named_by_its_place(region):
    data = titled(copy.deepcopy(VALID))
    for key in ("name", "description"):
        data["establishments"][0].pop(key)
    assert problems_of(data, region, names=False) == [
        "scenario.establishments[0].name: is required but missing",
        f"scenario.establishments[0].description: {NAMES_WHY}",
    ]


def test_policies_need_no_names(region):
    data = titled({"policies": [{"municipality": "Hjo", "year": 2027, "tax_rate_pct": 21.0}]})
    assert problems_of(data, region, names=False) == []


def test_scenario_error_is_a_config_error_with_its_problems():
    err = ScenarioError(["a: first", "b: second"])
    assert isinstance(err, ConfigError)
    assert err.problems == ["a: first", "b: second"]
    assert str(err) == "a: first\nb: second"
    assert ScenarioError("only one").problems == ["only one"]


@pytest.mark.parametrize("value", ["Skövde", "1496"])
def test_municipality_by_name_or_code(region, value):
    assert municipality_index(value, region, "x") == list(region.names).index("Skövde")
    assert region.codes[municipality_index(value, region, "x")] == "1496"


@pytest.mark.parametrize("value", ["Skovde", "skovde", "SKÖVDE", "skövde", "Skövd"])
def test_misspelt_municipality_suggests_the_name(region, value):
    path = "scenario.establishments[0].municipality"
    with pytest.raises(ScenarioError) as info:
        municipality_index(value, region, path)
    assert str(info.value) == (
        f"{path}: {value!r} is not a municipality of region skaraborg; did you mean 'Skövde'?"
    )


def test_unknown_municipality_lists_the_names(region):
    with pytest.raises(ScenarioError, match="use one of Grästorp, Essunga") as info:
        municipality_index("Stockholm", region, "p")
    assert all(name in str(info.value) for name in region.names)
    with pytest.raises(ScenarioError, match=r"'9999' .* SCB codes 1444, 1445"):
        municipality_index("9999", region, "p")


# Each case: (list, index, changed fields, config path of the problem, fragment of its message).
CASES = [
    # establishments
    ("establishments", 0, {"municipality": "Skovde"}, "establishments[0].municipality",
     "'Skovde' is not a municipality of region skaraborg; did you mean 'Skövde'?"),
    ("establishments", 0, {"sector": "steel"}, "establishments[0].sector",
     "'steel' is not a known sector; use one of " + ", ".join(SECTORS)),
    ("establishments", 0, {"sector": "manufactoring"}, "establishments[0].sector",
     "did you mean 'manufacturing'?"),
    ("establishments", 0, {"jobs": 0}, "establishments[0].jobs",
     "0 is not allowed; jobs must be > 0"),
    ("establishments", 0, {"jobs": -10}, "establishments[0].jobs", "jobs must be > 0"),
    ("establishments", 0, {"opening_year": 2024}, "establishments[0].opening_year",
     "2024 is not a simulated year (2024 is the base year, in which nothing happens); "
     "use a year from 2025 to 2030"),
    ("establishments", 0, {"opening_year": 2031, "closure_year": 2040},
     "establishments[0].opening_year",
     "2031 is not a simulated year; use a year from 2025 to 2030"),
    ("establishments", 1, {"ramp_up_years": 0}, "establishments[1].ramp_up_years",
     "ramp_up_years must be >= 1"),
    ("establishments", 0, {"ramp_up_profile": [0.5, 0.8]}, "establishments[0].ramp_up_profile",
     "ends at 0.8; it must end at 1.0"),
    ("establishments", 0, {"ramp_up_profile": [0.6, 0.4, 1.0]},
     "establishments[0].ramp_up_profile", "decreases; shares must not decrease"),
    ("establishments", 0, {"ramp_up_profile": [0.0, 0.5, 1.0]},
     "establishments[0].ramp_up_profile[0]", "0 is not allowed; a share must be in (0, 1]"),
    ("establishments", 0, {"ramp_up_profile": []}, "establishments[0].ramp_up_profile",
     "is empty"),
    ("establishments", 0, {"wage_level": 0.0}, "establishments[0].wage_level",
     "wage_level must be > 0"),
    ("establishments", 0, {"closure_year": 2026}, "establishments[0].closure_year",
     "2026 is not after opening_year (2026)"),
    ("establishments", 0, {"opening_year": ...}, "establishments[0].opening_year",
     "is required but missing"),
    ("establishments", 0, {"jobs": 10**9}, "establishments[0].jobs",
     "1000000000 is not allowed; use at most 100000 jobs"),
    # housing programmes
    ("housing_programmes", 2, {"dwellings": {"owner_flat": 10**7}},
     "housing_programmes[2].dwellings.owner_flat", "use at most 100000 dwellings"),
    ("housing_programmes", 1, {"stage_size": 10**6}, "housing_programmes[1].stage_size",
     "use at most 100000 dwellings"),
    ("housing_programmes", 0, {"municipality": "Lidkoping"}, "housing_programmes[0].municipality",
     "did you mean 'Lidköping'?"),
    ("housing_programmes", 0, {"dwellings": {"detached": 0}}, "housing_programmes[0].dwellings",
     "the programme has no dwellings"),
    ("housing_programmes", 2, {"dwellings": {"owner_flat": 60, "detached": -5}},
     "housing_programmes[2].dwellings.detached", "-5 is not allowed; detached must be >= 0"),
    ("housing_programmes", 2, {"phasing": "lumpy"}, "housing_programmes[2].phasing",
     "'lumpy' is not a known phasing rule; use one of even, front_loaded, back_loaded, "
     "demand_led, explicit"),
    ("housing_programmes", 0, {"stages": []}, "housing_programmes[0].stages",
     "is empty; phasing 'explicit' needs stages"),
    ("housing_programmes", 0, {"stages": [{"year": 2026, "dwellings": 100},
                                          {"year": 2028, "dwellings": 150}]},
     "housing_programmes[0].stages",
     "stages add up to 250 dwellings but the programme has 300"),
    ("housing_programmes", 0, {"stages": [{"year": 2026, "dwellings": 100},
                                          {"year": 2032, "dwellings": 200}]},
     "housing_programmes[0].stages[1].year", "2032 is not a simulated year"),
    ("housing_programmes", 0, {"stages": [{"year": 2026, "dwellings": 300},
                                          {"year": 2028, "dwellings": 0}]},
     "housing_programmes[0].stages[1].dwellings", "dwellings must be > 0"),
    ("housing_programmes", 0, {"start_year": 2026}, "housing_programmes[0].start_year",
     "is not used with phasing 'explicit'"),
    ("housing_programmes", 2, {"stages": [{"year": 2027, "dwellings": 60}]},
     "housing_programmes[2].stages", "are only used with phasing 'explicit'"),
    ("housing_programmes", 2, {"start_year": ...}, "housing_programmes[2].start_year",
     "is required for phasing 'front_loaded'; give a year from 2025 to 2030"),
    ("housing_programmes", 2, {"end_year": 2031}, "housing_programmes[2].end_year",
     "2031 is not a simulated year"),
    ("housing_programmes", 2, {"start_year": 2029, "end_year": 2027},
     "housing_programmes[2].end_year", "2027 is before start_year (2029)"),
    ("housing_programmes", 1, {"stage_size": 0}, "housing_programmes[1].stage_size",
     "stage_size must be > 0"),
    ("housing_programmes", 1, {"queue_threshold": 1.0}, "housing_programmes[1].queue_threshold",
     "1 is not allowed; a share of households must be in (0, 1)"),
    ("housing_programmes", 1, {"queue_threshold": 0.0}, "housing_programmes[1].queue_threshold",
     "must be in (0, 1)"),
    ("housing_programmes", 0, {"hold_vacancy": 1.5}, "housing_programmes[0].hold_vacancy",
     "1.5 is not allowed; a share of dwellings must be in (0, 1)"),
    ("housing_programmes", 1, {"cost_per_dwelling_msek": -1.0},
     "housing_programmes[1].cost_per_dwelling_msek", "cost_per_dwelling_msek must be >= 0"),
    ("housing_programmes", 1, {"municipal_share": 1.5}, "housing_programmes[1].municipal_share",
     "1.5 is not allowed; municipal_share must be in [0, 1]"),
    # cultural investments
    ("cultural_investments", 0, {"capacity": 10**8}, "cultural_investments[0].capacity",
     "use at most 100000 places"),
    ("cultural_investments", 0, {"investment_msek": 1e9}, "cultural_investments[0].investment_msek",
     "use at most 100000 MSEK"),
    ("cultural_investments", 0, {"municipality": "Tibra"}, "cultural_investments[0].municipality",
     "did you mean 'Tibro'?"),
    ("cultural_investments", 0, {"facility_type": "opera"}, "cultural_investments[0].facility_type",
     f"'opera' is not a known facility type; use one of {', '.join(FACILITY_TYPES)}; "
     "a user-defined type needs type_weight (> 0)"),
    ("cultural_investments", 0, {"facility_type": "libary"},
     "cultural_investments[0].facility_type", "did you mean 'library'?"),
    ("cultural_investments", 1, {"type_weight": 0.0}, "cultural_investments[1].type_weight",
     "type_weight must be > 0"),
    ("cultural_investments", 0, {"capacity": 0}, "cultural_investments[0].capacity",
     "capacity must be > 0"),
    ("cultural_investments", 0, {"investment_msek": -80.0},
     "cultural_investments[0].investment_msek", "investment_msek must be >= 0"),
    ("cultural_investments", 0, {"operating_msek": -1.0}, "cultural_investments[0].operating_msek",
     "operating_msek must be >= 0"),
    ("cultural_investments", 0, {"operating_msek": float("nan")},
     "cultural_investments[0].operating_msek", "must be a finite number"),
    ("cultural_investments", 0, {"opening_year": 2035}, "cultural_investments[0].opening_year",
     "2035 is not a simulated year"),
    ("cultural_investments", 0, {"build_years": -1}, "cultural_investments[0].build_years",
     "build_years must be >= 0"),
    # joint proposals
    ("joint_proposals", 0, {"participants": ["Skövde"]}, "joint_proposals[0].participants",
     "lists only the lead (Skövde); governance 'lead' needs other participants"),
    ("joint_proposals", 0, {"location": "Skovde"}, "joint_proposals[0].location",
     "did you mean 'Skövde'?"),
    ("joint_proposals", 0, {"participants": ["Skövde", "Skara", "Falkoping", "Tidaholm"]},
     "joint_proposals[0].participants[2]", "'Falkoping' is not a municipality of region "
     "skaraborg; did you mean 'Falköping'?"),
    ("joint_proposals", 0, {"participants": []}, "joint_proposals[0].participants",
     "is empty"),
    ("joint_proposals", 0, {"participants": ["Skövde", "Skara", "1495"]},
     "joint_proposals[0].participants[2]", "'1495' (Skara) is listed twice (also participants[1])"),
    ("joint_proposals", 0, {"location": "Hjo"}, "joint_proposals[0].location",
     "Hjo is not among the participants"),
    ("joint_proposals", 0, {"governance": "consensus"}, "joint_proposals[0].governance",
     "'consensus' is not a known governance mode; use one of shared, lead, nao"),
    ("joint_proposals", 0, {"lead": ...}, "joint_proposals[0].lead",
     "is required for governance 'lead'"),
    ("joint_proposals", 0, {"lead": "Hjo"}, "joint_proposals[0].lead",
     "Hjo is not among the participants; the lead must be a participant"),
    ("joint_proposals", 0, {"lead": "Skovde"}, "joint_proposals[0].lead",
     "did you mean 'Skövde'?"),
    ("joint_proposals", 1, {"lead": "Vara"}, "joint_proposals[1].lead",
     "is only used with governance 'lead'"),
    ("joint_proposals", 0, {"lead_share": 1.0}, "joint_proposals[0].lead_share",
     "1 is not allowed; a share of costs must be in (0, 1)"),
    ("joint_proposals", 0, {"capacity": -5}, "joint_proposals[0].capacity",
     "capacity must be > 0"),
    ("joint_proposals", 0, {"investment_msek": -1.0}, "joint_proposals[0].investment_msek",
     "investment_msek must be >= 0"),
    ("joint_proposals", 0, {"earliest_year": 2024}, "joint_proposals[0].earliest_year",
     "2024 is not a simulated year (2024 is the base year"),
    ("joint_proposals", 0, {"build_years": -2}, "joint_proposals[0].build_years",
     "build_years must be >= 0"),
    ("joint_proposals", 1, {"facility_type": "planetarium"}, "joint_proposals[1].facility_type",
     "a user-defined type needs type_weight"),
    # policies
    ("policies", 0, {"municipality": "Toreboda"}, "policies[0].municipality",
     "did you mean 'Töreboda'?"),
    ("policies", 0, {"year": 2024}, "policies[0].year", "2024 is not a simulated year"),
    ("policies", 0, {"tax_rate_pct": None}, "policies[0]",
     "changes nothing; give tax_rate_pct and/or plan_reserve_release"),
    ("policies", 0, {"tax_rate_pct": 40.0}, "policies[0].tax_rate_pct",
     "40 is not allowed; a tax rate (percent) must be in [10, 35]"),
    ("policies", 0, {"tax_rate_pct": 9.5}, "policies[0].tax_rate_pct", "must be in [10, 35]"),
    ("policies", 1, {"plan_reserve_release": 0}, "policies[1].plan_reserve_release",
     "plan_reserve_release must be > 0"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("list_name", "index", "fields", "path", "fragment"),
    CASES,
    ids=[f"{i}-{case[3]}" for i, case in enumerate(CASES)],
)
def test_each_bad_value_is_named_by_its_path(region, list_name, index, fields, path, fragment):
    problems = problems_of(changed(list_name, index, **fields), region)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"scenario.{path}: "), problems
    assert fragment in problems[0]


def test_tax_rate_at_the_limits_is_allowed(region):
    assert problems_of(changed("policies", 0, tax_rate_pct=10.0), region) == []
    assert problems_of(changed("policies", 0, tax_rate_pct=35.0), region) == []


def test_negative_nao_budget_is_refused(region):
    data = copy.deepcopy(VALID)
    data["nao_budget_msek"] = -1.0
    assert problems_of(data, region) == [
        "scenario.nao_budget_msek: -1 is not allowed; nao_budget_msek must be >= 0"
    ]


def test_nao_governance_needs_a_budget(region):
    data = copy.deepcopy(VALID)
    data["nao_budget_msek"] = 0.0
    [problem] = problems_of(data, region)
    assert problem.startswith("scenario.nao_budget_msek: 0 is not allowed; ")
    assert "scenario.joint_proposals[1] uses governance 'nao'" in problem
    assert "budget > 0" in problem
    data["joint_proposals"] = data["joint_proposals"][:1]  # no 'nao' proposal: no budget needed
    assert problems_of(data, region) == []


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"nao_members": ["Vara", "Essunga", "Grästorp", "Skara"], "nao_reserve_msek": 10.0}, []),
        (
            {"nao_members": ["Vara", "Essunga"]},
            [
                "scenario.joint_proposals[1].participants[2]: Grästorp is not among nao_members; "
                "the network organisation funds its members' proposals: add it to nao_members"
            ],
        ),
        (
            {"nao_members": ["Vara", "Essunga", "Grästorp", "1470"]},
            [
                "scenario.nao_members[3]: '1470' (Vara) is listed twice (also nao_members[0]); "
                "list each municipality once"
            ],
        ),
        (
            {"nao_reserve_msek": -5.0},
            ["scenario.nao_reserve_msek: -5 is not allowed; nao_reserve_msek must be >= 0"],
        ),
    ],
    ids=["members-and-reserve", "participant-not-a-member", "member-twice", "negative-reserve"],
)
def test_nao_members_include_its_participants_and_its_reserve_is_not_negative(
    region, fields, problems
):
    data = {**copy.deepcopy(VALID), **fields}
    assert problems_of(data, region) == problems


def test_nao_members_without_a_nao_proposal_are_refused(region):
    data = copy.deepcopy(VALID)
    data["joint_proposals"] = data["joint_proposals"][:1]
    data["nao_members"] = ["Vara"]
    [problem] = problems_of(data, region)
    assert problem.startswith("scenario.nao_members: names members of a network organisation, but")


def test_intervention_names_are_unique_across_the_scenario(region):
    data = copy.deepcopy(VALID)
    data["cultural_investments"][1]["name"] = "battery plant"
    assert problems_of(data, region) == [
        "scenario.cultural_investments[1].name: 'battery plant' is already used by "
        "scenario.establishments[0]; intervention names must be unique"
    ]


def test_two_tax_rates_for_one_municipality_and_year_are_refused(region):
    data = copy.deepcopy(VALID)
    data["policies"].append({"municipality": "1473", "year": 2027, "tax_rate_pct": 21.0})
    [problem] = problems_of(data, region)
    assert problem.startswith("scenario.policies[2].tax_rate_pct: a second tax rate for Töreboda")


def test_years_follow_the_horizon(region):
    """The same scenario is valid up to 2030 but not up to 2028 (stages and openings in 2029+)."""
    assert problems_of(VALID, region, end=2030) == []
    problems = problems_of(VALID, region, end=2028)
    assert problems == [
        "scenario.housing_programmes[1].end_year: 2030 is not a simulated year; use a year from "
        "2025 to 2028 (years.end)",
        "scenario.policies[1].year: 2029 is not a simulated year; use a year from 2025 to 2028 "
        "(years.end)",
    ]


def test_missing_mandatory_fields_are_named(region):
    data = {"establishments": [{"name": "x", "municipality": "Skara"}]}
    assert problems_of(data, region) == [
        f"scenario.establishments[0].{key}: is required but missing"
        for key in ("sector", "jobs", "opening_year")
    ]


def test_all_problems_are_reported_together_in_config_order(region):
    data = changed("establishments", 0, municipality="Skovde", jobs=0)
    data["housing_programmes"][0]["stages"][1]["dwellings"] = 150
    data["policies"][0]["tax_rate_pct"] = 50.0
    with pytest.raises(ScenarioError) as info:
        validate_scenario(typed(data), region, START, END)
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "scenario.establishments[0].municipality",
        "scenario.establishments[0].jobs",
        "scenario.housing_programmes[0].stages",
        "scenario.policies[0].tax_rate_pct",
    ]
    assert "did you mean 'Skövde'?" in problems[0]
    assert "stages add up to 250 dwellings but the programme has 300" in problems[2]
    assert str(info.value) == "\n".join(problems)


# --- end to end: `sim run` with a bad scenario file ----------------------------------------------
def establishment(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "x",
        "municipality": "Skövde",
        "sector": "manufacturing",
        "jobs": 100,
        "opening_year": 2026,
    }
    return {**base, **fields}


def housing(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "h",
        "municipality": "Skövde",
        "dwellings": {"rental_flat": 300},
        "phasing": "even",
        "start_year": 2026,
        "end_year": 2029,
    }
    return {**base, **fields}


def culture(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "c",
        "facility_type": "library",
        "municipality": "Hjo",
        "capacity": 200,
        "investment_msek": 50.0,
        "operating_msek": 4.0,
        "opening_year": 2027,
    }
    return {**base, **fields}


def joint(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "j",
        "facility_type": "concert_hall",
        "location": "Skövde",
        "participants": ["Skövde", "Skara", "Tidaholm"],
        "governance": "shared",
        "capacity": 800,
        "investment_msek": 400.0,
        "operating_msek": 20.0,
        "earliest_year": 2026,
    }
    return {**base, **fields}


# Each case: (id, scenario body, fragments that stderr must contain).
E2E_CASES = [
    ("municipality", {"establishments": [establishment(municipality="Skovde")]},
     ["scenario.establishments[0].municipality: 'Skovde' is not a municipality of region "
      "skaraborg; did you mean 'Skövde'?"]),
    ("sector", {"establishments": [establishment(sector="steel")]},
     ["scenario.establishments[0].sector: 'steel' is not a known sector; use one of agriculture"]),
    ("jobs", {"establishments": [establishment(jobs=0)]},
     ["scenario.establishments[0].jobs: 0 is not allowed; jobs must be > 0"]),
    ("base_year", {"establishments": [establishment(opening_year=2024)]},
     ["scenario.establishments[0].opening_year: 2024 is not a simulated year (2024 is the base "
      "year", "use a year from 2025 to 2030"]),
    ("beyond_end", {"establishments": [establishment(opening_year=2031)]},
     ["scenario.establishments[0].opening_year: 2031 is not a simulated year; use a year from "
      "2025 to 2030"]),
    ("ramp_up", {"establishments": [establishment(ramp_up_profile=[0.5, 0.8])]},
     ["scenario.establishments[0].ramp_up_profile: [0.5, 0.8] ends at 0.8; it must end at 1.0"]),
    ("closure", {"establishments": [establishment(closure_year=2025)]},
     ["scenario.establishments[0].closure_year: 2025 is not after opening_year (2026)"]),
    ("stages_sum", {"housing_programmes": [housing(
        phasing="explicit", start_year=None, end_year=None,
        stages=[{"year": 2026, "dwellings": 100}, {"year": 2028, "dwellings": 150}])]},
     ["scenario.housing_programmes[0].stages: stages add up to 250 dwellings but the programme "
      "has 300"]),
    ("phasing", {"housing_programmes": [housing(phasing="lumpy")]},
     ["scenario.housing_programmes[0].phasing: 'lumpy' is not a known phasing rule; use one of "
      "even, front_loaded"]),
    ("no_end_year", {"housing_programmes": [housing(end_year=None)]},
     ["scenario.housing_programmes[0].end_year: is required for phasing 'even'"]),
    ("queue_threshold", {"housing_programmes": [housing(phasing="demand_led",
                                                        queue_threshold=1.5)]},
     ["scenario.housing_programmes[0].queue_threshold: 1.5 is not allowed; a share of "
      "households must be in (0, 1)"]),
    ("facility_type", {"cultural_investments": [culture(facility_type="opera")]},
     ["scenario.cultural_investments[0].facility_type: 'opera' is not a known facility type",
      "a user-defined type needs type_weight"]),
    ("participant", {"joint_proposals": [joint(participants=["Skövde", "Skara", "Tidahom"])]},
     ["scenario.joint_proposals[0].participants[2]: 'Tidahom' is not a municipality of region "
      "skaraborg; did you mean 'Tidaholm'?"]),
    ("lead", {"joint_proposals": [joint(governance="lead")]},
     ["scenario.joint_proposals[0].lead: is required for governance 'lead'"]),
    ("nao_budget", {"joint_proposals": [joint(governance="nao")]},
     ["scenario.nao_budget_msek: 0 is not allowed; scenario.joint_proposals[0] uses governance "
      "'nao'"]),
    ("tax_rate", {"policies": [{"municipality": "Hjo", "year": 2027, "tax_rate_pct": 40.0}]},
     ["scenario.policies[0].tax_rate_pct: 40 is not allowed; a tax rate (percent) must be in "
      "[10, 35]"]),
    ("duplicate_name", {"establishments": [establishment(name="hub")],
                        "cultural_investments": [culture(name="hub")]},
     ["scenario.cultural_investments[0].name: 'hub' is already used by "
      "scenario.establishments[0]"]),
    ("several", {"establishments": [establishment(municipality="Skovde", jobs=-1)],
                 "policies": [{"municipality": "Hjo", "year": 2040, "tax_rate_pct": 20.0}]},
     ["scenario.establishments[0].municipality: 'Skovde'", "scenario.establishments[0].jobs: ",
      "scenario.policies[0].year: 2040 is not a simulated year"]),
]  # fmt: skip

SCHEMA_CASES = [
    ("unknown_key", {"establishments": [{**establishment(), "jobz": 100}]}, "jobz"),
    ("wrong_type", {"establishments": [establishment(jobs="many")]}, "jobs"),
]


def run_bad_scenario(tmp: Path, body: dict[str, Any]) -> subprocess.CompletedProcess:
    """Write ``body`` as ``<tmp>/scenario/bad.yaml`` and run ``sim run scenario=bad`` on it."""
    scenario = {"defaults": ["schema", "_self_"], **titled({"name": "bad", **body})}
    (tmp / "scenario").mkdir()
    (tmp / "scenario" / "bad.yaml").write_text(
        yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    command = [
        sys.executable,
        "-m",
        "sim.cli",
        "run",
        "--config-dir",
        str(tmp),
        "scenario=bad",
        f"hydra.run.dir={tmp}/run",
        "years.end=2030",
    ]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        command, cwd=tmp, capture_output=True, text=True, encoding="utf-8", timeout=300, env=env
    )


@pytest.mark.parametrize(
    ("body", "fragments"), [c[1:] for c in E2E_CASES], ids=[c[0] for c in E2E_CASES]
)
def test_sim_run_refuses_a_bad_scenario(tmp_path, body, fragments):
    result = run_bad_scenario(tmp_path, body)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("body", "key"), [c[1:] for c in SCHEMA_CASES], ids=[c[0] for c in SCHEMA_CASES]
)
def test_sim_run_refuses_a_scenario_that_breaks_the_schema(tmp_path, body, key):
    result = run_bad_scenario(tmp_path, body)
    assert result.returncode != 0
    assert key in result.stderr, result.stderr
    assert not (tmp_path / "run").exists()


def test_e2e_cases_are_caught_by_the_validator(region):
    """Each end-to-end case fails in the validator itself with the expected fragments."""
    for name, body, fragments in E2E_CASES:
        with pytest.raises(ScenarioError) as info:
            validate_scenario(typed({"name": "bad", **body}), region, START, END)
        for fragment in fragments:
            assert fragment in str(info.value), name
