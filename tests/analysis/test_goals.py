"""The statistics behind goal effects, on constructed arrays (no model runs; every number here is
made up): the confidence interval of a mean paired difference, the error rate of goal effects and
conflicts when nothing changes, a material effect found, a clear but small one labelled so."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from sim.analysis.compare import CONFIDENCE, REGION, paired_effect
from sim.analysis.goals import Goal, GoalSet, evaluate_goals

INDICATORS = (
    "population",
    "jobs",
    "employment_rate",
    "housing_queue",
    "vacancy_rate",
    "cultural_access",
    "mean_commute_minutes",
)
AREAS = ["0001", "0002", "0003", REGION]
YEAR = 2030


def goal_set(materiality: float = 0.0) -> GoalSet:
    """Seven goals, one per indicator, judged in one year."""
    return GoalSet(
        region="test",
        goals=[
            Goal(
                name=name,
                indicator=name,
                direction="decrease"
                if name in ("housing_queue", "mean_commute_minutes")
                else "increase",
                year=YEAR,
                materiality=materiality,
                materiality_reason="made up",
            )
            for name in INDICATORS
        ],
    )


def comparison_of(diffs: np.ndarray) -> xr.Dataset:
    """A comparison from paired differences with dims (indicator, replicate, area) for a
    scenario 's' against the baseline (which differs from itself by zero), or with dims
    (draw, indicator, replicate, area) for scenarios 's0', 's1', ..."""
    many = diffs.ndim == 4
    scenarios = [f"s{k}" for k in range(diffs.shape[0])] if many else ["s"]
    stacked = np.concatenate(
        [np.zeros_like(diffs[:1] if many else diffs[None]), diffs if many else diffs[None]]
    )
    diff = xr.DataArray(
        stacked,
        dims=("scenario", "indicator", "replicate", "area"),
        coords={"scenario": ["baseline", *scenarios], "indicator": list(INDICATORS), "area": AREAS},
    ).expand_dims(year=[YEAR])
    out = paired_effect(diff)
    out["mean"] = xr.zeros_like(out["diff_mean"])
    out.attrs.update(baseline="baseline", replicates=diffs.shape[1])
    return out


def test_the_interval_of_a_mean_paired_difference_is_scipys_t_interval():
    rng = np.random.default_rng(1)
    for n in (2, 3, 5, 12):
        diffs = rng.normal(3.0, 2.0, size=(len(INDICATORS), n, len(AREAS)))
        effect = comparison_of(diffs).sel(scenario="s", year=YEAR)
        for i, name in enumerate(INDICATORS):
            expected = stats.ttest_1samp(diffs[i, :, 0], 0.0).confidence_interval(CONFIDENCE)
            cell = effect.sel(indicator=name, area=AREAS[0])
            assert float(cell["diff_ci_low"]) == pytest.approx(expected.low)
            assert float(cell["diff_ci_high"]) == pytest.approx(expected.high)
            clear = int(cell["clear"])
            assert clear == (1 if expected.low > 0 else -1 if expected.high < 0 else 0)


@pytest.mark.parametrize("replicates", [3, 8])
def test_without_any_effect_goals_and_conflicts_are_rarely_clear(replicates):
    """200 constructed ensembles of noisy paired differences with mean zero. The stated error
    rate: a region-level goal effect on some goal (and so any conflict) in at most 5 % of them."""
    rng = np.random.default_rng(2)
    draws = 200  # each draw a scenario of its own
    diffs = rng.normal(0.0, 1.0, size=(draws, len(INDICATORS), replicates, len(AREAS)))
    result = evaluate_goals(comparison_of(diffs), goal_set()).drop_sel(scenario="baseline")
    region = result["goal_effect"].sel(area=REGION)
    any_effect = int((region != 0).any("goal").sum())
    conflicts = int(result["goal_conflict"].sum())
    # Bonferroni over the 7 goals keeps the family-wise rate at or below 5 %; the bound allows
    # for the sampling error of 200 draws (two standard errors of a 5 % rate).
    bound = 0.05 + 2 * np.sqrt(0.05 * 0.95 / draws)
    assert any_effect / draws <= bound, any_effect
    assert conflicts / draws <= bound, conflicts


def test_a_material_effect_is_found_and_a_clear_small_one_is_labelled_so():
    rng = np.random.default_rng(3)
    diffs = rng.normal(0.0, 1.0, size=(len(INDICATORS), 5, len(AREAS)))
    diffs[INDICATORS.index("jobs")] += 40.0  # clear and above the materiality of 10
    diffs[INDICATORS.index("population")] = 3.0 + rng.normal(0, 0.01, size=(5, len(AREAS)))
    result = evaluate_goals(comparison_of(diffs), goal_set(materiality=10.0))
    effect = result["goal_effect"].sel(scenario="s", area=REGION)
    small = result["goal_clear_but_small"].sel(scenario="s", area=REGION)
    assert int(effect.sel(goal="jobs")) == 1 and int(small.sel(goal="jobs")) == 0
    # Population: clearly +3, but 3 < 10 matters to nobody.
    assert int(effect.sel(goal="population")) == 0 and int(small.sel(goal="population")) == 1
    assert int(result["goal_conflict"].sel(scenario="s")) == 0
    # Resolved: the region's interval for population is far narrower than 10.
    assert int(result["goal_resolved"].sel(goal="population", scenario="s")) == 1


# --- On model runs --------------------------------------------------------------------------------
READING_ROOM = {
    "name": "reading_room",
    "cultural_investments": [
        {
            "name": "one-seat reading room",
            "facility_type": "library",
            "municipality": "Gullspång",
            "capacity": 1,
            "investment_msek": 0.01,
            "operating_msek": 0.001,
            "opening_year": 2026,
        }
    ],
}
INDICATOR_VARIABLES = [
    "population",
    "jobs",
    "employed_residents",
    "unemployed_residents",
    "housing_queue",
    "dwellings",
    "vacant_dwellings",
    "price_index",
    "municipal_result",
    "municipal_debt",
    "cultural_access",
    "mean_commute_minutes",
    "in_migration",
]


def test_a_one_seat_reading_room_is_flagged_with_no_conflict():
    """An intervention far below every materiality still perturbs the random paths (unlike a copy
    of the baseline): the shipped goals must see no conflict and no material effect in it."""
    from omegaconf import OmegaConf

    from sim.analysis.compare import compare
    from sim.analysis.goals import load_goals
    from sim.config.compose import compose_config
    from sim.engine.run import simulate
    from tests.helpers import NO_WARM_START, titled

    scenarios = {"baseline": {"name": "baseline"}, "reading_room": READING_ROOM}
    per_scenario = []
    for scenario in scenarios.values():
        replicates = []
        for seed in range(3):
            cfg = OmegaConf.to_container(
                compose_config([f"seed={seed}", "years.end=2040", NO_WARM_START])
            )
            ds = simulate({**cfg, "scenario": titled(scenario)}).results
            replicates.append(ds[INDICATOR_VARIABLES])
        per_scenario.append(xr.concat(replicates, dim="replicate"))
    ensemble = xr.concat(per_scenario, dim="scenario").assign_coords(
        scenario=list(scenarios), replicate=[0, 1, 2]
    )
    comparison = compare(ensemble)
    assert (comparison["diff_mean"].sel(scenario="reading_room") != 0).any()  # paths differ
    result = evaluate_goals(comparison, load_goals("skaraborg"))
    assert int(result["goal_conflict"].sel(scenario="reading_room")) == 0
    assert (result["goal_effect"].sel(scenario="reading_room", area=REGION) == 0).all()


def test_a_goal_without_a_swedish_title_is_refused_by_its_field(tmp_path):
    from sim.analysis.compare import CompareError
    from sim.analysis.goals import load_goals

    goal = (
        "{name: a, indicator: jobs, direction: increase, year: 2030, materiality: 1, "
        "materiality_reason: made up, label: Jobs, description: More jobs., "
        "description_sv: Fler jobb.}"
    )
    path = tmp_path / "goals.yaml"
    path.write_text(f"region: x\ngoals:\n  - {goal}\n", encoding="utf-8")
    with pytest.raises(CompareError) as info:
        load_goals(path)
    assert str(info.value) == (
        "goals.yaml: goals[0].label_sv: missing; every goal needs a title and a description in "
        "English and Swedish (label, the goal's title; label_sv; description; description_sv)"
    )


def test_goal_results_carry_each_goals_title_and_description_in_both_languages():
    from sim.analysis.goals import load_goals

    result = evaluate_goals(comparison_of(np.zeros((len(INDICATORS), 3, len(AREAS)))), goal_set())
    assert set(result.coords) >= {"goal_label", "goal_label_sv", "goal_description_sv"}
    shipped = load_goals("skaraborg").goals
    assert all(g.label and g.label_sv and g.description and g.description_sv for g in shipped)
