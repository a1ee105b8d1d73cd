"""The workshop's edits: only the years, sizes and places of interventions, each checked and
named in the message when it is wrong."""

from __future__ import annotations

import pytest

from sim.workshop.session import WorkshopError, apply_edits, editable_fields

# Made up for the tests: a scenario with one housing programme in explicit stages and one
# cultural investment.
SCENARIO = {
    "name": "made_up",
    "housing_programmes": [
        {
            "name": "Test homes",
            "municipality": "Skövde",
            "phasing": "explicit",
            "start_year": None,
            "end_year": None,
            "dwellings": {"detached": 0, "rental_flat": 60, "owner_flat": 0},
            "stages": [{"year": 2027, "dwellings": 40}, {"year": 2029, "dwellings": 20}],
        }
    ],
    "cultural_investments": [
        {
            "name": "Test hall",
            "municipality": "Skövde",
            "capacity": 100,
            "opening_year": 2030,
            "investment_msek": 50.0,
            "operating_msek": 2.0,
        }
    ],
}


def test_editable_fields_list_years_sizes_places_and_stages():
    groups = editable_fields(SCENARIO)
    assert [g["name"] for g in groups] == ["Test homes", "Test hall"]
    paths = {f["path"]: f for g in groups for f in g["fields"]}
    assert paths["housing_programmes.0.stages.1.year"]["value"] == 2029
    assert paths["housing_programmes.0.municipality"]["kind"] == "place"
    assert paths["cultural_investments.0.investment_msek"]["kind"] == "decimal"
    assert "housing_programmes.0.name" not in paths


def test_apply_edits_changes_a_copy_with_typed_values():
    edited = apply_edits(
        SCENARIO,
        {
            "housing_programmes.0.stages.0.year": "2028",
            "cultural_investments.0.municipality": "Skara",
            "cultural_investments.0.investment_msek": "62,5",
        },
    )
    assert edited["housing_programmes"][0]["stages"][0] == {"year": 2028, "dwellings": 40}
    assert edited["cultural_investments"][0]["municipality"] == "Skara"
    assert edited["cultural_investments"][0]["investment_msek"] == 62.5
    assert SCENARIO["housing_programmes"][0]["stages"][0]["year"] == 2027


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ({"housing_programmes.0.stages.0.year": "soon"}, "stages.0.year: 'soon' is not a whole"),
        ({"housing_programmes.0.name": "x"}, "not a field a workshop may change"),
        ({"housing_programmes.3.start_year": "2030"}, "not a field a workshop may change"),
        ({"housing_programmes.0.phasing": "lots"}, "'lots' is not a phasing rule"),
        ({"cultural_investments.0.operating_msek": "two"}, "'two' is not a number"),
    ],
)
def test_a_bad_edit_names_its_field(edits, message):
    with pytest.raises(WorkshopError, match=message) as caught:
        apply_edits(SCENARIO, edits)
    if "is not a" in message:
        assert "scenario.housing_programmes[Test homes]" in str(caught.value) or (
            "scenario.cultural_investments[Test hall]" in str(caught.value)
        )
