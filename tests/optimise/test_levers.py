"""Levers change the base scenario as declared; constraints and splits keep totals."""

from __future__ import annotations

import pytest

from sim.optimise.levers import candidate_scenario, lever_values, parse_target, quantities
from sim.optimise.spec import Lever

# Made up: a scenario with one programme of 10 dwellings and one cultural investment.
BASE = {
    "name": "made_up",
    "housing_programmes": [
        {
            "name": "homes",
            "municipality": "Skövde",
            "dwellings": {"detached": 3, "rental_flat": 5, "owner_flat": 2},
            "phasing": "explicit",
            "start_year": None,
            "end_year": None,
            "stages": [{"year": 2026, "dwellings": 5}, {"year": 2028, "dwellings": 5}],
            "cost_per_dwelling_msek": 2.0,
            "municipal_share": 0.5,
        }
    ],
    "cultural_investments": [
        {
            "name": "hall",
            "municipality": "Skövde",
            "capacity": 301,
            "investment_msek": 90.0,
            "operating_msek": 6.0,
            "opening_year": 2029,
        }
    ],
    "nao_budget_msek": 0.0,
}


def lever(**fields) -> Lever:
    return Lever(**{"name": "x", "unit": "", **fields})


def test_targets_are_parsed_or_refused_with_what_is_allowed():
    assert parse_target("housing_programmes[homes].stages[1].year")["sub"] == "year"
    assert parse_target("nao_budget_msek") == {"list": None, "field": "nao_budget_msek"}
    with pytest.raises(ValueError, match="is not a list"):
        parse_target("roads[x].year")
    with pytest.raises(ValueError, match="use stages"):
        parse_target("housing_programmes[homes].stages[0].colour")


def test_scalar_levers_set_their_field_and_the_name_hashes_the_contents():
    levers = [
        lever(name="year", target="housing_programmes[homes].stages[1].year", kind="int"),
        lever(name="nao", target="nao_budget_msek", kind="float"),
    ]
    a = candidate_scenario(BASE, levers, {"year": 2030, "nao": 5.0}, "p")
    assert a["housing_programmes"][0]["stages"][1]["year"] == 2030
    assert a["nao_budget_msek"] == 5.0
    assert BASE["housing_programmes"][0]["stages"][1]["year"] == 2028  # the base is untouched
    again = candidate_scenario(BASE, levers, {"year": 2030, "nao": 5.0}, "p")
    other = candidate_scenario(BASE, levers, {"year": 2031, "nao": 5.0}, "p")
    assert a["name"] == again["name"] != other["name"]
    assert a["name"].startswith("p-")


def test_a_candidate_is_titled_as_a_variant_of_the_base_and_passes_the_validator():
    from sim.config.validate import validate_scenario
    from sim.io.inputs import load_region
    from tests.helpers import titled

    base = titled(BASE)  # made-up titles: "Test title: made_up", ...
    split = lever(
        name="place",
        target="cultural_investments[hall].municipality",
        kind="shares",
        choices=["Skövde", "Skara"],
    )
    out = candidate_scenario(base, [split], {"place": [0.5, 0.5]}, "p")
    digest = out["name"].removeprefix("p-")
    assert out["title"] == f"Test title: made_up – variant {digest}"
    assert out["title_sv"] == f"Testtitel: made_up – variant {digest}"
    assert "'Test title: made_up'" in out["description"]
    halls = out["cultural_investments"]
    assert [h["title_sv"] for h in halls] == ["Testtitel: hall (Skövde)", "Testtitel: hall (Skara)"]
    assert halls[1]["description"] == "The part of 'Test title: hall' placed in Skara."
    scenario = {**out, "cultural_investments": [{**h, "facility_type": "library"} for h in halls]}
    validate_scenario(scenario, load_region("skaraborg"), 2024, 2030)


def test_a_programme_split_over_places_keeps_every_dwelling_type_total():
    split = lever(
        name="place",
        target="housing_programmes[homes].municipality",
        kind="shares",
        choices=["Skövde", "Skara", "Hjo"],
    )
    shares = lever_values([split], {"place.Skövde": 2, "place.Skara": 1, "place.Hjo": 0})["place"]
    assert shares == pytest.approx([2 / 3, 1 / 3, 0])
    out = candidate_scenario(BASE, [split], {"place": shares}, "p")["housing_programmes"]
    assert [p["municipality"] for p in out] == ["Skövde", "Skara"]  # no empty copy for Hjo
    assert [p["name"] for p in out] == ["homes (Skövde)", "homes (Skara)"]
    for kind, total in BASE["housing_programmes"][0]["dwellings"].items():
        assert sum(p["dwellings"][kind] for p in out) == total


def test_all_weights_zero_is_an_equal_split():
    split = lever(
        name="s", target="housing_programmes[homes].stages", kind="shares", choices=[0, 1]
    )
    assert lever_values([split], {"s.0": 0, "s.1": 0})["s"] == [0.5, 0.5]


def test_a_split_over_stages_and_a_budget_over_places():
    stages = lever(
        name="s", target="housing_programmes[homes].stages", kind="shares", choices=[0, 1]
    )
    out = candidate_scenario(BASE, [stages], {"s": [0.8, 0.2]}, "p")
    assert [s["dwellings"] for s in out["housing_programmes"][0]["stages"]] == [8, 2]
    budget = lever(
        name="b",
        target="cultural_investments[hall].municipality",
        kind="shares",
        choices=["Skövde", "Lidköping"],
    )
    halls = candidate_scenario(BASE, [budget], {"b": [0.5, 0.5]}, "p")["cultural_investments"]
    assert sum(h["capacity"] for h in halls) == 301
    assert [h["investment_msek"] for h in halls] == [45.0, 45.0]
    assert [h["operating_msek"] for h in halls] == [3.0, 3.0]


def test_quantities_of_a_candidate():
    q = quantities(BASE)
    assert q["total_dwellings"] == 10
    assert q["housing_cost_msek"] == 20.0
    assert q["municipal_housing_cost_msek"] == 10.0
    assert q["cultural_investment_msek"] == 90.0
    assert q["first_year"] == 2026
