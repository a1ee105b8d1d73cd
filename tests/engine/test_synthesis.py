"""The synthetic base population reproduces the municipal input totals exactly."""

from __future__ import annotations

import numpy as np


def test_base_year_reproduces_input_totals(baseline):
    from sim.io.inputs import load_region

    inputs = load_region("skaraborg")
    base = baseline.sel(year=2024)
    muni = inputs.municipalities.set_index("code")
    population = base["population"].sum("age_group").to_series()
    assert (population == muni["population"].reindex(population.index)).all()
    households = base["households"].to_series()
    assert (households == muni["households"].reindex(households.index)).all()
    dwellings = base["dwellings"].to_pandas()
    expected = inputs.dwellings.pivot(index="code", columns="dwelling_type", values="dwellings")
    assert np.array_equal(dwellings.values, expected.loc[dwellings.index, dwellings.columns].values)
    jobs = base["jobs"].to_pandas()
    expected = inputs.jobs.pivot(index="code", columns="sector", values="jobs")
    assert np.array_equal(jobs.values, expected.loc[jobs.index, jobs.columns].values)


def test_base_year_distributions_are_plausible(baseline):
    base = baseline.sel(year=2024)
    shares = base["population"].sum("municipality") / base["population"].sum()
    assert 0.18 < float(shares.sel(age_group=["0-5", "6-15", "16-19"]).sum()) < 0.30
    assert 0.15 < float(shares.sel(age_group=["65-79", "80+"]).sum()) < 0.30
    persons_per_household = float(base["population"].sum() / base["households"].sum())
    assert 2.0 < persons_per_household < 2.4
    unemployment = float(
        base["unemployed_residents"].sum()
        / (base["unemployed_residents"] + base["employed_residents"]).sum()
    )
    assert 0.04 < unemployment < 0.12
