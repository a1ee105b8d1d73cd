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


def net_commuting(ds, year):
    """Persons working in each municipality minus its employed residents."""
    flows = ds["commuting"].sel(year=year)
    codes = ds["municipality"].values
    working = flows.sel(destination=codes).sum("origin").values
    working = working + ds["jobs_held_by_incommuters_from_outside"].sel(year=year).values
    return working - flows.sum("destination").sel(origin=codes).values


def own_municipality_share(ds, year):
    flows = ds["commuting"].sel(year=year)
    codes = ds["municipality"].values
    own = np.array([float(flows.sel(origin=c, destination=c)) for c in codes])
    return own / flows.sum("destination").sel(origin=codes).values


def test_commuting_has_the_structure_of_swedish_statistics(baseline):
    # Structure, not tuned numbers: the regional centres import workers and keep more of their
    # residents at home than the small municipalities do (SCB commuting statistics).
    codes = list(baseline["municipality"].values)
    population = baseline["population"].sum("age_group").sel(year=2024).values
    small = population < 15_000
    skovde, lidkoping = codes.index("1496"), codes.index("1494")
    for year in (2024, 2030):
        net = net_commuting(baseline, year)
        assert net[skovde] > 3_000 and net[lidkoping] > 0, net
        assert net[codes.index("1493")] < 0  # Mariestad: SCB day population 2018
        assert net[codes.index("1499")] < 0  # Falköping: SCB commuting matrix 2006
        share = own_municipality_share(baseline, year)
        assert (share[small] < share[skovde]).all(), share
        assert 0.75 < share[skovde] < 0.95
        flows = baseline["commuting"].sel(year=year)
        region_share = float(np.trace(flows.sel(destination=codes).values) / flows.sum().values)
        assert 0.6 < region_share < 0.85


def test_unemployment_starts_near_skaraborgs(baseline):
    # Arbetsförmedlingen: about 6-7 % in Skaraborg in 2024; issue 10 accepts 5-8 % in 2024-2025.
    rate = baseline["unemployed_residents"].sum("municipality") / (
        baseline["unemployed_residents"] + baseline["employed_residents"]
    ).sum("municipality")
    assert (0.05 < rate.sel(year=[2024, 2025])).all() and (rate.sel(year=[2024, 2025]) < 0.08).all()
