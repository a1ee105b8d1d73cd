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


def test_a_new_scenario_needs_its_own_name_and_titles(marked_up_study, tmp_path):
    from sim.workshop.session import Workshop

    workshop = Workshop(marked_up_study, lang="en", scenario_dir=tmp_path)
    request = {"base": "housing_even", "name": "mine", "title": "Mine", "title_sv": "Min"}
    assert workshop.scenario_from(request)["title_sv"] == "Min"
    taken = workshop.scenarios["housing_even"]["title"]
    with pytest.raises(WorkshopError, match="title: .* is the title of another scenario"):
        workshop.scenario_from(request | {"title": taken})
    with pytest.raises(WorkshopError, match="name: 'baseline' is already a scenario"):
        workshop.scenario_from(request | {"name": "baseline"})
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "mine.yaml").write_text("name: mine\n")
    with pytest.raises(WorkshopError, match="already a saved scenario"):
        workshop.scenario_from(request)
    with pytest.raises(WorkshopError, match="title_sv: missing"):
        workshop.scenario_from(request | {"name": "other", "title_sv": " "})


def test_the_command_that_repeats_a_run_names_only_what_differs(tmp_path):
    from omegaconf import OmegaConf

    from sim.config.compose import compose_config, resolve_config
    from sim.workshop.session import reproduce_command

    overrides = ["futures=lhs", "futures.n=4", "future=2", "seed=3", "years.end=2031"]
    run = OmegaConf.to_container(resolve_config(compose_config(overrides)), resolve=True)
    command = reproduce_command(run, "mine", tmp_path)
    assert command == (
        f"SIM_USER_CONFIGS={tmp_path} sim run scenario=mine futures=lhs seed=3 years.end=2031 "
        "futures.n=4 future=2"
    )
    assert reproduce_command(run, "mine").startswith("sim run scenario=mine futures=lhs")
