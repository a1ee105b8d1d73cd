"""Comparison statistics against direct numpy, self-comparison, constructed goal conflicts, and
the ``sim compare`` command on a small real ensemble."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sim.analysis.compare import (
    REGION,
    CompareError,
    compare,
    indicator_values,
    replicate_quantiles,
)
from sim.analysis.goals import Goal, GoalSet, evaluate_goals, load_goals
from sim.io.atomic import check_published
from tests.helpers import NO_WARM_START, run_sweep, sim_cli

SCENARIOS = ["baseline", "copy", "boom"]
MUNIS = ["0001", "0002"]
YEARS = [2024, 2025, 2026]
R = 7


def fake_ensemble(seed: int = 0) -> xr.Dataset:
    """A small ensemble with every variable the indicators read; 'copy' equals 'baseline'."""
    rng = np.random.default_rng(seed)
    shape = (len(SCENARIOS), R, len(YEARS), len(MUNIS))
    dims = ("scenario", "replicate", "year", "municipality")

    def field(low, high, extra=()):
        return rng.uniform(low, high, size=shape + extra)

    data = {
        "population": (dims + ("age_group",), field(1000, 2000, (3,))),
        "jobs": (dims + ("sector",), field(100, 200, (2,))),
        "employed_residents": (dims, field(1000, 1200)),
        "unemployed_residents": (dims, field(50, 150)),
        "housing_queue": (dims, field(10, 50)),
        "dwellings": (dims + ("dwelling_type",), field(500, 600, (2,))),
        "vacant_dwellings": (dims + ("dwelling_type",), field(5, 30, (2,))),
        "price_index": (dims + ("dwelling_type",), field(0.8, 1.2, (2,))),
        "municipal_result": (dims, field(-5, 10)),
        "municipal_debt": (dims, field(100, 300)),
        "cultural_access": (dims, field(400, 900)),
        "mean_commute_minutes": (dims, field(15, 30)),
        "in_migration": (dims, field(100, 300)),
    }
    ds = xr.Dataset(
        {k: (d, v) for k, (d, v) in data.items()},
        coords={
            "scenario": SCENARIOS,
            "replicate": np.arange(R),
            "year": YEARS,
            "municipality": MUNIS,
            "age_group": ["0-5", "20-44", "45-64"],
            "sector": ["a", "b"],
            "dwelling_type": ["x", "y"],
            "municipality_name": ("municipality", ["Alpha", "Beta"]),
        },
        attrs={"region": "test"},
    )
    for name in ds.data_vars:  # 'copy' is the baseline exactly
        ds[name].loc[{"scenario": "copy"}] = ds[name].sel(scenario="baseline")
    # 'boom': more jobs and employment, a longer queue, in every replicate.
    ds["jobs"].loc[{"scenario": "boom"}] = ds["jobs"].sel(scenario="baseline") + 500
    ds["employed_residents"].loc[{"scenario": "boom"}] = (
        ds["employed_residents"].sel(scenario="baseline") + 300
    )
    ds["housing_queue"].loc[{"scenario": "boom"}] = (
        ds["housing_queue"].sel(scenario="baseline") + 40
    )
    return ds


def test_statistics_match_direct_numpy():
    ds = fake_ensemble()
    result = compare(ds)
    pop = ds["population"].sum("age_group").values  # (scenario, replicate, year, muni)
    np.testing.assert_allclose(
        result["mean"].sel(indicator="population", area=MUNIS).values, pop.mean(axis=1)
    )
    np.testing.assert_allclose(
        result["p05"].sel(indicator="population", area=MUNIS).values,
        np.quantile(pop, 0.05, axis=1),
    )
    region = pop.sum(axis=3)
    np.testing.assert_allclose(
        result["p95"].sel(indicator="population", area=REGION).values,
        np.quantile(region, 0.95, axis=1),
    )
    diff = pop - pop[0:1]
    np.testing.assert_allclose(
        result["diff_p05"].sel(indicator="population", area=MUNIS).values,
        np.quantile(diff, 0.05, axis=1),
    )
    # A regional rate is the ratio of regional sums, not a mean of municipal rates.
    unemp, emp = ds["unemployed_residents"].values, ds["employed_residents"].values
    rate = 100 * unemp.sum(axis=3) / (unemp + emp).sum(axis=3)
    np.testing.assert_allclose(
        result["mean"].sel(indicator="unemployment_rate", area=REGION).values, rate.mean(axis=1)
    )
    jobs = ds["jobs"].sum("sector").values
    paired = jobs[2] - jobs[0]
    np.testing.assert_allclose(
        result["diff_mean"].sel(indicator="jobs", scenario="boom", area=MUNIS).values,
        paired.mean(axis=0),
    )
    assert (result["clear"].sel(indicator="jobs", scenario="boom") == 1).all()


def goals() -> GoalSet:
    """Four goals; materialities made up, below the constructed effects of 'boom'."""
    why = "made up for the test"
    return GoalSet(
        region="test",
        goals=[
            Goal("jobs", "jobs", "increase", 2026, materiality=10, materiality_reason=why),
            Goal(
                "employment",
                "employment_rate",
                "increase",
                2026,
                materiality=0.1,
                materiality_reason=why,
            ),
            Goal("queue", "housing_queue", "decrease", 2026, materiality=2, materiality_reason=why),
            Goal(
                name="finances",
                indicator="municipal_result_per_resident",
                direction="at_least",
                target=0.0,
                year=2026,
                materiality=100,
                materiality_reason=why,
            ),
        ],
    )


def test_a_scenario_compared_with_itself_shows_no_difference_and_no_conflict():
    result = compare(fake_ensemble())
    copy = result.sel(scenario="copy")
    assert float(np.abs(copy["diff_mean"]).max()) == 0
    assert (copy["clear"] == 0).all()
    evaluated = evaluate_goals(result, goals())
    assert (evaluated["goal_effect"].sel(scenario="copy") == 0).all()
    assert int(evaluated["goal_conflict"].sel(scenario="copy")) == 0
    assert (evaluated["winners_and_losers"].sel(scenario="copy") == 0).all()


def test_more_jobs_and_a_longer_queue_is_a_conflict():
    evaluated = evaluate_goals(compare(fake_ensemble()), goals())
    effect = evaluated["goal_effect"].sel(scenario="boom", area=REGION)
    assert int(effect.sel(goal="jobs")) == 1
    assert int(effect.sel(goal="queue")) == -1
    assert int(evaluated["goal_conflict"].sel(scenario="boom")) == 1


def test_winners_and_losers_between_municipalities():
    ds = fake_ensemble()
    queue = ds["housing_queue"]
    queue.loc[{"scenario": "boom", "municipality": "0001"}] = (
        queue.sel(scenario="baseline", municipality="0001") - 5
    )
    evaluated = evaluate_goals(compare(ds), goals())
    assert int(evaluated["winners_and_losers"].sel(goal="queue", scenario="boom")) == 1
    effect = evaluated["goal_effect"].sel(goal="queue", scenario="boom")
    assert int(effect.sel(area="0001")) == 1 and int(effect.sel(area="0002")) == -1


def test_unknown_baseline_is_refused():
    with pytest.raises(CompareError, match="--baseline: 'nope' is not a scenario"):
        compare(fake_ensemble(), baseline="nope")


def test_indicator_values_cover_region_and_municipalities():
    values = indicator_values(fake_ensemble())
    assert list(values["area"].values) == [*MUNIS, REGION]
    assert values.dims == ("indicator", "scenario", "replicate", "year", "area")


def test_shipped_goals_load_and_bad_goals_are_refused(tmp_path):
    shipped = load_goals("skaraborg")
    assert len(shipped.goals) >= 6 and all(g.source for g in shipped.goals)
    assert all(g.materiality > 0 and g.materiality_reason for g in shipped.goals)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "region: x\ngoals:\n  - {name: a, indicator: happiness, direction: up, year: 2030}\n"
    )
    with pytest.raises(CompareError) as err:
        load_goals(bad)
    assert "goals[0].materiality: is required" in str(err.value)
    bad.write_text(
        "region: x\ngoals:\n  - {name: a, indicator: happiness, direction: up, year: 2030,"
        " materiality: -1, materiality_reason: ''}\n"
    )
    with pytest.raises(CompareError) as err:
        load_goals(bad)
    assert "goals[0].indicator: 'happiness'" in str(err.value)
    assert "goals[0].direction: 'up'" in str(err.value)
    assert "goals[0].materiality: -1 is not allowed" in str(err.value)
    assert "goals[0].materiality_reason: is empty" in str(err.value)


def test_sim_compare_on_a_small_real_ensemble(tmp_path):
    sweep_dir = tmp_path / "sweep"
    run_sweep(
        sweep_dir,
        "scenario=baseline,housing_front",
        "seed=0,1",
        "years.end=2040",
        NO_WARM_START,
        cwd=tmp_path,
    )
    result = sim_cli("compare", str(sweep_dir))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Goal conflicts" in result.stdout and "Phasing comparison" in result.stdout
    published = sweep_dir / "comparison"
    for name in ("comparison.nc", "comparison.csv", "goals.csv", "phasing.csv"):
        assert (published / name).is_file(), name
    check_published(published)  # raises unless the manifest matches every file
    saved = xr.open_dataset(published / "comparison.nc")
    assert {"diff_mean", "goal_effect", "goal_conflict"} <= set(saved.data_vars)
    # Labels longer than the 4-digit municipality codes are written whole.
    assert saved["area"].values.tolist()[-1] == REGION
    assert int(saved.sizes["area"]) == len(set(saved["area"].values.tolist()))
    saved.close()
    bad = sim_cli("compare", str(sweep_dir), "--baseline", "nope")
    assert bad.returncode == 2 and "--baseline: 'nope'" in bad.stderr
    assert check_published(published) and (published / "comparison.nc").is_file()


def test_the_t_factor_is_scipys_student_t_quantile():
    from scipy import stats

    from sim.analysis.compare import t_quantile

    n = np.array([0, 1, 2, 3, 5, 10, 30, 1000])
    expected = np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
    np.testing.assert_array_equal(t_quantile(0.95, n), expected)


@pytest.mark.parametrize("partial", [False, True])
def test_replicate_quantiles_are_those_that_skip_missing_replicates(partial):
    rng = np.random.default_rng(2)
    values = xr.DataArray(rng.normal(size=(3, 6, 9)), dims=["scenario", "year", "replicate"])
    values[:, 0, :] = np.nan  # made up: a flow with no value in the base year
    if partial:
        values[1, 3, 2] = np.nan  # one replicate missing where the others are there
    got = replicate_quantiles(values, [0.05, 0.95])
    expected = values.quantile([0.05, 0.95], dim="replicate", skipna=True)
    np.testing.assert_array_equal(got.values, expected.values)
    assert np.isnan(got.values[:, :, 0]).all() and not np.isnan(got.values[:, :, 1:]).any()
