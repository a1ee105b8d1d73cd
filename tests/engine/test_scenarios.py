"""Each intervention's effect appears in the right place and direction against the baseline run
with the same seed (common random numbers), and the phasing rules produce their schedules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config.compose import compose_config
from sim.config.scenario import HousingProgramme
from sim.engine.run import simulate
from sim.engine.submodels.interventions import phasing_schedule, ramp_share, split_evenly

END = 2035
MARIESTAD, SKOVDE = "1493", "1496"


@pytest.fixture(scope="module")
def runs():
    names = [
        "baseline",
        "establishment",
        "housing_even",
        "culture_hub",
        "joint_shared",
        "joint_lead",
        "joint_nao",
    ]
    return {
        n: simulate(compose_config([f"scenario={n}", f"years.end={END}"])).results for n in names
    }


def total(ds, name, **sel):
    var = ds[name].sel(**sel)
    return var.sum([d for d in var.dims if d != "year"])


def test_establishment_raises_jobs_where_it_opens(runs):
    base, est = runs["baseline"], runs["establishment"]
    positions = est["establishment_jobs"].isel(establishment=0)
    assert positions.sel(year=[2026, 2027, 2028, 2029, 2030]).values.tolist() == [
        0,
        500,
        1000,
        1500,
        2000,
    ]
    assert (est["establishment_filled_jobs"] <= est["establishment_jobs"]).all()
    extra = total(est, "jobs", municipality=MARIESTAD) - total(base, "jobs", municipality=MARIESTAD)
    assert (extra.sel(year=slice(2030, END)) > 1900).all()
    assert float(extra.sel(year=2026)) == 0
    # The regional multiplier adds local jobs beyond the 2,000 positions.
    regional = total(est, "jobs") - total(base, "jobs")
    assert float(regional.sel(year=2032)) > 2000


def test_establishment_draws_in_migrants_and_commuters(runs):
    base, est = runs["baseline"], runs["establishment"]
    years = slice(2027, 2032)
    extra_in = (
        total(est, "in_migration").sel(year=years).sum()
        - total(base, "in_migration").sel(year=years).sum()
    )
    assert float(extra_in) > 500

    def incommuters(ds):
        flows = ds["commuting"].sel(destination=MARIESTAD).drop_sel(origin=MARIESTAD)
        return flows.sum("origin")

    extra_commuters = incommuters(est) - incommuters(base)
    assert (extra_commuters.sel(year=slice(2029, END)) > 200).all()


def test_housing_programme_adds_dwellings_in_stage_years_and_lowers_the_queue(runs):
    est, housing = runs["establishment"], runs["housing_even"]
    completions = housing["programme_completions"].isel(housing_programme=0)
    assert completions.sel(year=slice(2026, 2033)).values.tolist() == [100] * 8
    assert float(completions.sel(year=slice(2034, END)).sum()) == 0
    stock = total(housing, "dwellings", municipality=MARIESTAD)
    stock_est = total(est, "dwellings", municipality=MARIESTAD)
    assert float((stock - stock_est).sel(year=2033)) > 500
    queue = housing["housing_queue"].sel(municipality=MARIESTAD, year=slice(2026, END)).sum()
    queue_est = est["housing_queue"].sel(municipality=MARIESTAD, year=slice(2026, END)).sum()
    assert float(queue) < float(queue_est)


def test_cultural_investment_raises_access_most_where_it_is(runs):
    base, hub = runs["baseline"], runs["culture_hub"]
    gain = hub["cultural_access"] - base["cultural_access"]
    assert np.allclose(gain.sel(year=2029), 0)
    after = gain.sel(year=2031).to_series()
    assert after.idxmax() == SKOVDE
    assert (after > 0).all()
    from sim.io.inputs import load_region

    minutes = load_region("skaraborg").travel_time_matrix()[:15, :15]
    skovde = list(hub.municipality.values).index(SKOVDE)
    order = np.argsort(minutes[skovde])
    assert (np.diff(after.values[order]) <= 1e-9).all()  # falls with travel time from Skövde
    assert float(hub["cultural_investment_open"].sel(year=2030).item()) == 1.0


def test_governance_modes_differ_in_decision_years_or_cost_shares(runs):
    outcomes = {}
    for mode in ("shared", "lead", "nao"):
        ds = runs[f"joint_{mode}"]
        outcomes[mode] = (
            float(ds["joint_decision_year"].item()),
            ds["joint_cost_share"].isel(joint_proposal=0).to_series(),
        )
        shares = outcomes[mode][1]
        assert shares.sum() == pytest.approx(1.0)
    assert outcomes["lead"][1][SKOVDE] == pytest.approx(0.5)
    non_participants = ["1444", "1445", "1446", "1447", "1470", "1471", "1473", "1494"]
    for mode in ("shared", "nao"):  # the NAO's members default to the participants
        assert (outcomes[mode][1][non_participants] == 0).all(), mode
        assert (outcomes[mode][1].drop(non_participants) > 0).all(), mode
    assert outcomes["lead"][0] < outcomes["shared"][0]  # a lead decides faster than consensus
    shared = runs["joint_shared"]
    benefit = shared["joint_net_benefit"].isel(joint_proposal=0).to_series()
    assert (benefit[["1496", "1495", "1499"]] > 0).all()  # consensus: every participant gains
    assert float(shared["joint_delay_years"].item()) >= 2  # the negotiation takes two years
    access = runs["joint_lead"]["cultural_access"] - runs["baseline"]["cultural_access"]
    opening = int(outcomes["lead"][0]) + 2
    assert float(access.sel(year=opening - 1, municipality=SKOVDE)) == pytest.approx(0)
    assert float(access.sel(year=opening, municipality=SKOVDE)) > 0


def test_policy_sets_tax_rate_and_releases_plan_reserve():
    policy = {
        "name": "tax",
        "policies": [
            {"municipality": "Lidköping", "year": 2027, "tax_rate_pct": 22.5},
            {"municipality": "Skara", "year": 2026, "plan_reserve_release": 500},
        ],
    }
    cfg = OmegaConf.merge(compose_config(["years.end=2027"]), {"scenario": policy})
    ds = simulate(cfg).results
    assert float(ds["tax_rate"].sel(municipality="1494", year=2027)) == pytest.approx(22.5)
    released = ds["plan_reserve_released"].sel(municipality="1495", year=2026)
    assert float(released) >= 500


def test_phasing_rules():
    def programme(phasing, **kw):
        base = {"name": "p", "municipality": "Skara", "phasing": phasing}
        return OmegaConf.merge(OmegaConf.structured(HousingProgramme), {**base, **kw})

    even = phasing_schedule(programme("even", start_year=2026, end_year=2029), 10)
    assert even == {2026: 3, 2027: 3, 2028: 2, 2029: 2}
    front = phasing_schedule(programme("front_loaded", start_year=2026, end_year=2028), 60)
    back = phasing_schedule(programme("back_loaded", start_year=2026, end_year=2028), 60)
    assert list(front.values()) == [30, 20, 10] and list(back.values()) == [10, 20, 30]
    stages = [{"year": 2027, "dwellings": 5}, {"year": 2030, "dwellings": 7}]
    assert phasing_schedule(programme("explicit", stages=stages), 12) == {2027: 5, 2030: 7}
    assert split_evenly(7, np.array([1, 1, 0])).tolist() == [4, 3, 0]


def test_ramp_up():
    e = OmegaConf.create(
        {"opening_year": 2027, "ramp_up_years": 4, "ramp_up_profile": None, "closure_year": 2040}
    )
    assert [ramp_share(e, y) for y in (2026, 2027, 2030, 2039, 2040)] == [0, 0.25, 1, 1, 0]
    e.ramp_up_profile = [0.1, 0.6, 1.0]
    assert [ramp_share(e, y) for y in (2027, 2028, 2029, 2035)] == [0.1, 0.6, 1.0, 1.0]


def test_scenario_runs_keep_the_accounting_identities(runs):
    from sim.engine.invariants import accounting_violations

    for name in ("housing_even", "joint_nao", "culture_hub"):
        assert accounting_violations(runs[name]) == [], name


def test_the_nao_is_paid_by_its_members_what_its_proposal_needs(runs):
    base, nao = runs["baseline"], runs["joint_nao"]
    members = nao.municipality.isin(["1496", "1495", "1499", "1472", "1497", "1498", "1493"])
    extra = nao["municipal_investment"] - base["municipal_investment"]
    # 60 MSEK a year from 2026 (the contribution decided in 2025 is paid the following year).
    assert float(extra.sel(year=2026).sum()) == pytest.approx(60.0, rel=0.05)
    assert float(extra.sel(year=2025).sum()) == pytest.approx(0.0, abs=1.0)
    # Contributions by the seven participants only, 200 MSEK in all, for the 200 MSEK centre.
    contributions = nao["nao_contribution"]
    assert float(contributions.where(~members).sum()) == 0.0
    assert float(contributions.sum()) == pytest.approx(200.0)
    assert float(nao["nao_pool"].sel(year=END)) == pytest.approx(0.0, abs=1e-9)
    run = simulate(compose_config(["scenario=joint_nao", "years.end=2030"]))
    ledger = run.model.submodels["finance"].planned_investment
    assert all(year > 2030 for year in ledger)  # nothing left unpaid


def test_governance_modes_differ_wherever_their_shares_and_decision_years_differ(runs):
    """The three shipped joint scenarios propose the same centre under different governance; with
    common seeds, whatever differs in who pays and when the centre is decided shows in taxes and
    migration, not only in the accounts."""
    modes = {mode: runs[f"joint_{mode}"] for mode in ("shared", "lead", "nao")}
    for (a, x), (b, y) in itertools.combinations(modes.items(), 2):
        decisions_differ = not np.array_equal(
            x["joint_decision_year"], y["joint_decision_year"], equal_nan=True
        )
        shares_differ = not np.allclose(x["joint_cost_share"], y["joint_cost_share"])
        assert decisions_differ or shares_differ, (a, b)
        assert (x["municipal_result"] != y["municipal_result"]).any(), (a, b)
        population = x["population"].sum("age_group") - y["population"].sum("age_group")
        assert (population != 0).any(), (a, b)
        if decisions_differ:
            first = int(min(x["joint_opening_year"].min(), y["joint_opening_year"].min()))
            access = x["cultural_access"] - y["cultural_access"]
            assert (np.abs(access.sel(year=first)) > 0).any(), (a, b)


def test_establishment_recruits_part_of_its_new_jobs_from_outside(runs):
    base, est = runs["baseline"], runs["establishment"]
    extra = (est["recruitment_positions"] - base["recruitment_positions"]).sel(
        municipality=MARIESTAD, year=slice(2027, 2030)
    )
    # About 30 % of the 500 new positions a year are filled from outside the region.
    assert (extra > 80).all() and (extra < 250).all(), extra.values
