"""Property test (issue 14): random valid scenarios keep every invariant, and every cost share of a
joint proposal sums to one.

Hypothesis generates 150 scenarios (derandomized, so CI sees the same ones every time) for the
small region (``tests/small_region.py``, all 15 municipalities at 1/20 scale) over 2024-2030. Each
scenario holds 0-3 entries of every kind the scenario schema (``sim/config/scenario.py``) knows:

- establishments: any sector, linear ramp-up or a ramp-up profile, with or without a closure (also
  after the horizon), any wage level;
- housing programmes under every phasing rule: ``even``, ``front_loaded``, ``back_loaded``,
  ``demand_led`` (stage size, queue threshold) and ``explicit`` stages adding up to the dwellings;
- cultural investments of the known facility types and of user-defined ones (with a type weight);
- joint proposals under every governance mode (``shared``, ``lead``, ``nao``) with 1 to 15
  participants (at least 2 under ``lead``: the lead alone is refused), hosted by a participant;
- policies: tax rates and plan reserve releases (one tax rate per municipality and year);
- a yearly NAO budget (> 0 whenever a proposal uses ``nao``), a reserve, and named NAO members
  (every participant of its proposals and maybe others) or the default (those participants).

Municipalities are named by name or by SCB code; every value is drawn from the validator's own
domains (``sim/config/validate.py``, sizes up to its ``LIMITS``), and years from the horizon.

For each scenario the test checks that

- ``validate_scenario`` accepts it (otherwise the strategy, or the validator, is wrong);
- the real model runs end to end (``simulate``), and after the base year and after every simulated
  year the agent arrays keep their invariants (``state_violations``), and every joint proposal's
  cost shares (those its governance mode would charge that year, and those charged at its
  decision) lie in [0, 1] and sum to one, with nothing charged to a non-participant (to a
  non-member of the NAO under ``nao``); the NAO's contributions come from its members only, never
  exceed its yearly budget, and its pool never falls below zero;
- the results keep their accounting identities (``accounting_violations``: among them, every joint
  proposal's payments by municipality add up to its cost in every year), have no NaN after the
  base year (per-run decision years are NaN exactly when a proposal was never decided), and no
  negative populations, dwellings or jobs.

Finally it checks that at least 150 scenarios ran and that together they used every intervention
kind, phasing rule and governance mode, at least 100 joint proposals (20 or more under each mode),
named NAO members and a NAO reserve, so that the strategy cannot quietly stop covering them.

Every run starts from copies of one loaded region and one synthesized population (same seed and
parameters, so the same as synthesizing again); everything after synthesis is the real ``simulate``.

At the end of the file, a regression test pins down a bug found with the property: cost shares
that did not sum to one once a participant had no residents left (which a valid scenario can
cause).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

import sim.engine.run
from sim.config.compose import compose_config
from sim.config.scenario import GOVERNANCE_MODES, PHASING_RULES
from sim.config.validate import LIMITS, TAX_RATE_RANGE, ScenarioError
from sim.engine.invariants import accounting_violations, state_violations
from sim.engine.run import simulate
from sim.engine.submodels.governance import Governance
from sim.io.inputs import DWELLING_TYPES, FACILITY_TYPES, SECTORS, load_region
from tests.engine.submodels.mock import SKARA, mock_model
from tests.helpers import NO_WARM_START, titled

START, END = 2024, 2030  # the base year, in which nothing happens, and the last simulated year
EXAMPLES = 150
MAX_PER_KIND = 3  # entries of each intervention list in one scenario
SHARE_TOLERANCE = 1e-9
INTERVENTION_KINDS = (
    "establishments",
    "housing_programmes",
    "cultural_investments",
    "joint_proposals",
    "policies",
)

SIMULATED_YEARS = st.integers(START + 1, END)
# Money may be zero (a free facility, a programme with no municipal cost), never above the limit.
MSEK = st.floats(min_value=0.0, max_value=LIMITS["msek"])
POSITIVE_FLOAT = st.floats(min_value=0.0, max_value=10.0, exclude_min=True)
OPEN_SHARE = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True)
BUILD_YEARS = st.integers(0, LIMITS["years"])


# --- The strategy --------------------------------------------------------------------------------
@st.composite
def municipality_reference(draw, inputs, index: int) -> str:
    """Municipality ``index`` as a scenario may name it: by its name or by its SCB code."""
    return draw(st.sampled_from([inputs.names[index], inputs.codes[index]]))


@st.composite
def any_municipality(draw, inputs) -> str:
    index = draw(st.integers(0, len(inputs.codes) - 1))
    return draw(municipality_reference(inputs, index))


@st.composite
def ramp_up_profiles(draw) -> list[float]:
    """Shares of the jobs reached year by year: positive, never falling, ending at 1."""
    shares = draw(st.lists(st.floats(0.0, 1.0, exclude_min=True), max_size=4))
    return [*sorted(shares), 1.0]


@st.composite
def establishments(draw, inputs, name: str) -> dict:
    opening = draw(SIMULATED_YEARS)
    establishment = {
        "name": name,
        "municipality": draw(any_municipality(inputs)),
        "sector": draw(st.sampled_from(SECTORS)),
        "jobs": draw(st.integers(1, LIMITS["jobs"])),
        "opening_year": opening,
        "ramp_up_years": draw(st.integers(1, LIMITS["years"])),
        "wage_level": draw(POSITIVE_FLOAT),
    }
    if draw(st.booleans()):
        establishment["ramp_up_profile"] = draw(ramp_up_profiles())
    if draw(st.booleans()):
        # A closure must come after the opening and may lie beyond the horizon.
        establishment["closure_year"] = draw(st.integers(opening + 1, END + 5))
    return establishment


@st.composite
def explicit_stages(draw, total: int) -> list[dict]:
    """Stages adding up to ``total`` dwellings, each of 1 up to the limit of dwellings."""
    limit = LIMITS["dwellings"]
    n_stages = draw(st.integers(math.ceil(total / limit), min(total, 5)))
    stages, remaining = [], total
    for left_after in range(n_stages - 1, -1, -1):
        # Leave every later stage at least 1 dwelling and at most the limit.
        low = max(1, remaining - limit * left_after)
        high = min(limit, remaining - left_after)
        dwellings = draw(st.integers(low, high)) if left_after else remaining
        stages.append({"year": draw(SIMULATED_YEARS), "dwellings": dwellings})
        remaining -= dwellings
    return stages


@st.composite
def housing_programmes(draw, inputs, name: str) -> dict:
    mix = {kind: draw(st.integers(0, LIMITS["dwellings"])) for kind in DWELLING_TYPES}
    if sum(mix.values()) == 0:  # a programme needs at least one dwelling
        mix[draw(st.sampled_from(DWELLING_TYPES))] = draw(st.integers(1, LIMITS["dwellings"]))
    phasing = draw(st.sampled_from(PHASING_RULES))
    programme = {
        "name": name,
        "municipality": draw(any_municipality(inputs)),
        "dwellings": mix,
        "phasing": phasing,
        "cost_per_dwelling_msek": draw(st.floats(0.0, LIMITS["msek_per_dwelling"])),
        "municipal_share": draw(st.floats(0.0, 1.0)),
    }
    if phasing == "explicit":
        programme["stages"] = draw(explicit_stages(sum(mix.values())))
        return programme
    start = draw(SIMULATED_YEARS)
    programme["start_year"] = start
    programme["end_year"] = draw(st.integers(start, END))
    if phasing == "demand_led":
        programme["stage_size"] = draw(st.integers(1, LIMITS["dwellings"]))
        programme["queue_threshold"] = draw(OPEN_SHARE)
    return programme


@st.composite
def facility_fields(draw) -> dict:
    """Type, size and costs shared by cultural investments and joint proposals."""
    fields = {
        "capacity": draw(st.integers(1, LIMITS["places"])),
        "investment_msek": draw(MSEK),
        "operating_msek": draw(MSEK),
        "build_years": draw(BUILD_YEARS),
    }
    if draw(st.booleans()):
        fields["facility_type"] = draw(st.sampled_from(FACILITY_TYPES))
        if draw(st.booleans()):  # a known type may still bring its own weight
            fields["type_weight"] = draw(POSITIVE_FLOAT)
    else:  # a user-defined type needs its weight
        fields["facility_type"] = "user_defined_venue"
        fields["type_weight"] = draw(POSITIVE_FLOAT)
    return fields


@st.composite
def cultural_investments(draw, inputs, name: str) -> dict:
    return {
        "name": name,
        "municipality": draw(any_municipality(inputs)),
        "opening_year": draw(SIMULATED_YEARS),
        **draw(facility_fields()),
    }


@st.composite
def joint_proposals(draw, inputs, name: str) -> dict:
    governance = draw(st.sampled_from(GOVERNANCE_MODES))
    # Under 'lead' the others share what the lead does not carry, so the lead cannot be alone.
    fewest = 2 if governance == "lead" else 1
    n_muni = len(inputs.codes)
    members = draw(
        st.lists(st.integers(0, n_muni - 1), min_size=fewest, max_size=n_muni, unique=True)
    )
    proposal = {
        "name": name,
        "location": draw(municipality_reference(inputs, draw(st.sampled_from(members)))),
        "participants": [draw(municipality_reference(inputs, m)) for m in members],
        "governance": governance,
        "earliest_year": draw(SIMULATED_YEARS),
        "lead_share": draw(OPEN_SHARE),  # validated under every mode, used under 'lead' only
        **draw(facility_fields()),
    }
    if governance == "lead":
        proposal["lead"] = draw(municipality_reference(inputs, draw(st.sampled_from(members))))
    return proposal


@st.composite
def policies(draw, inputs) -> list[dict]:
    """Policies with at most one tax rate per municipality and year (two would contradict)."""
    taxed: set[tuple[int, int]] = set()
    drawn = []
    for _ in range(draw(st.integers(0, MAX_PER_KIND))):
        index = draw(st.integers(0, len(inputs.codes) - 1))
        year = draw(SIMULATED_YEARS)
        policy = {"municipality": draw(municipality_reference(inputs, index)), "year": year}
        if (index, year) not in taxed and draw(st.booleans()):
            policy["tax_rate_pct"] = draw(st.floats(*TAX_RATE_RANGE))
            taxed.add((index, year))
        if "tax_rate_pct" not in policy or draw(st.booleans()):
            policy["plan_reserve_release"] = draw(st.integers(1, LIMITS["dwellings"]))
        drawn.append(policy)
    return drawn


@st.composite
def scenarios(draw, inputs) -> dict:
    """A valid scenario for ``inputs`` and the years ``START + 1 .. END``, as a plain dict."""

    def entries(kind, strategy):
        # Names are unique across the whole scenario: the kind and a number.
        count = draw(st.integers(0, MAX_PER_KIND))
        return [draw(strategy(inputs, f"{kind} {i}")) for i in range(count)]

    joint = entries("joint", joint_proposals)
    uses_nao = any(p["governance"] == "nao" for p in joint)
    budget = MSEK.filter(lambda b: b > 0) if uses_nao else MSEK  # the NAO needs money to fund
    nao = {}
    if uses_nao:
        nao["nao_reserve_msek"] = draw(st.one_of(st.just(0.0), MSEK))
        if draw(st.booleans()):  # named members: the NAO's participants and maybe others
            known = {ref: i for i, ref in enumerate(inputs.names)}
            known.update({ref: i for i, ref in enumerate(inputs.codes)})
            nao_joint = [p for p in joint if p["governance"] == "nao"]
            needed = {known[x] for p in nao_joint for x in p["participants"]}
            others = draw(st.sets(st.integers(0, len(inputs.codes) - 1)))
            members = draw(st.permutations(sorted(needed | others)))
            nao["nao_members"] = [draw(municipality_reference(inputs, m)) for m in members]
    return {
        **nao,
        "name": "property",
        "description": "A random valid scenario (tests/engine/test_scenario_properties.py).",
        "establishments": entries("establishment", establishments),
        "housing_programmes": entries("housing", housing_programmes),
        "cultural_investments": entries("culture", cultural_investments),
        "joint_proposals": joint,
        "policies": draw(policies(inputs)),
        "nao_budget_msek": draw(budget),
    }


# --- The checks ----------------------------------------------------------------------------------
def cost_share_problems(model) -> list[str]:
    """Every joint proposal's cost shares, now and at its decision: in [0, 1], summing to one,
    nothing charged to those who do not pay for it (participants, or the NAO's members under
    'nao'); the NAO's contributions come from its members, within its budget."""
    governance = model.submodels["governance"]
    problems = []
    for k, proposal in enumerate(governance.proposals):
        charged = {"this year": governance.shares(model, k)}
        if not np.isnan(governance.decision_year[k]):
            charged["at the decision"] = governance.cost_shares[k]
        elif governance.cost_shares[k].any():
            problems.append(f"{proposal.name}: undecided, yet charges {governance.cost_shares[k]}")
        for when, shares in charged.items():
            where = f"{proposal.name} ({proposal.governance}), shares {when}"
            if not ((shares >= 0) & (shares <= 1)).all():
                problems.append(f"{where} outside [0, 1]: {shares}")
            if not abs(shares.sum() - 1.0) <= SHARE_TOLERANCE:
                problems.append(f"{where} sum to {shares.sum()!r}, not 1: {shares}")
            nao = proposal.governance == "nao"
            payers = governance.nao_members if nao else governance.members[k]
            if shares[~payers].any():
                problems.append(f"{where} charge municipalities that do not pay for it: {shares}")
    if governance.nao_pool < 0:
        problems.append(f"the NAO pool is negative: {governance.nao_pool!r}")
    contributions = governance.nao_contributions
    if contributions[~governance.nao_members].any():
        problems.append(f"NAO contributions charged to non-members: {contributions}")
    # Absolute tolerance too: a budget of a few 1e-324 MSEK cannot be split exactly.
    if contributions.sum() > governance.nao_budget * (1 + SHARE_TOLERANCE) + SHARE_TOLERANCE:
        problems.append(f"NAO contributions {contributions.sum()!r} exceed the budget")
    return problems


def result_problems(ds) -> list[str]:
    """Accounting identities, NaN after the base year, negative stocks of a results Dataset."""
    problems = accounting_violations(ds)
    for name, var in ds.data_vars.items():
        if var.dtype.kind != "f":
            continue
        values = var.sel(year=slice(START + 1, None)).values if "year" in var.dims else var.values
        if name in ("joint_decision_year", "joint_opening_year", "joint_delay_years"):
            continue  # NaN means never decided, checked below
        if np.isnan(values).any():
            problems.append(f"{name} has NaN")
    never = np.isnan(ds["joint_decision_year"].values)
    for name in ("joint_opening_year", "joint_delay_years"):
        if not (np.isnan(ds[name].values) == never).all():
            problems.append(f"{name} is NaN for other proposals than those never decided")
    for name in ("population", "dwellings", "jobs"):
        if (ds[name].values < 0).any():
            problems.append(f"{name} is negative")
    return problems


def reuse_inputs_and_synthesis(monkeypatch, inputs) -> None:
    """Make every run start from copies of one loaded region and one synthesized population.

    All examples share the seed, the parameters and the base year, so the copies are exactly
    what loading and synthesis would produce again (the results are identical), and the test
    spends its time on the scenarios' years instead: this saves about a fifth of its run time.
    """
    synthesize = sim.engine.run.synthesize
    populations = {}

    def synthesize_once(region, params, seed, start_year, warm_years):
        if seed not in populations:
            populations[seed] = synthesize(region, params, seed, start_year, warm_years)
        return copy.deepcopy(populations[seed])

    monkeypatch.setattr(sim.engine.run, "load_region_once", lambda _name: copy.deepcopy(inputs))
    monkeypatch.setattr(sim.engine.run, "synthesize", synthesize_once)


def test_random_valid_scenarios_keep_the_invariants_and_cost_shares_sum_to_one(
    small_region, monkeypatch
):
    inputs = load_region(str(small_region))
    reuse_inputs_and_synthesis(monkeypatch, inputs)
    # The composed config as a plain dict, composed once: each example only swaps its scenario,
    # and simulate() merges it onto the typed schema as for any run.
    base_cfg = OmegaConf.to_container(
        # The invariants of the simulated years under random scenarios; the warm start is tested
        # in test_synthesis.py and would double these short runs (tests.helpers.NO_WARM_START).
        compose_config([f"region.input_dir={small_region}", f"years.end={END}", NO_WARM_START])
    )
    ran: list[dict] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
    )
    @given(scenario=scenarios(inputs))
    def check(scenario: dict) -> None:
        def after_each_year(model) -> None:
            problems = state_violations(model) + cost_share_problems(model)
            assert not problems, f"in {model.year}: {problems}"

        try:
            # simulate() checks the scenario with validate_scenario before it builds the model;
            # titled() gives it and its interventions the names the validator requires.
            run = simulate({**base_cfg, "scenario": titled(scenario)}, on_year=after_each_year)
        except ScenarioError as err:
            raise AssertionError(f"the validator refuses a generated scenario:\n{err}") from None
        problems = result_problems(run.results)
        assert not problems, problems
        ran.append(scenario)

    check()

    assert len(ran) >= EXAMPLES
    for kind in INTERVENTION_KINDS:
        assert any(scenario[kind] for scenario in ran), f"no scenario had {kind}"
    phasings = {p["phasing"] for s in ran for p in s["housing_programmes"]}
    modes = [p["governance"] for s in ran for p in s["joint_proposals"]]
    assert phasings == set(PHASING_RULES)
    assert set(modes) == set(GOVERNANCE_MODES)
    # At least 100 random joint proposals, a good number under every mode.
    assert len(modes) >= 100, len(modes)
    assert min(modes.count(mode) for mode in GOVERNANCE_MODES) >= 20, modes
    assert any("nao_members" in s for s in ran) and any(s.get("nao_reserve_msek") for s in ran)


# --- Found with the property: participants without residents ------------------------------------
# A valid scenario can leave a municipality without residents: a large establishment makes its
# housing queue many times its stock, attractiveness falls to about exp(-2 x queue / stock), the
# out-migration hazard (divided by attractiveness) exceeds 1 and every household leaves. Among
# the random scenarios, 22,820 jobs in Skara from 2027 with about 41,800 dwellings built in Skövde
# and Karlsborg and a 'nao' proposal emptied Skara of the small region by 2030. Governance divided
# its costs by the residents of the participants, and the shares stopped summing to one (the rest
# of a 'lead' proposal charged to nobody, NaN for a 'shared' one); now participants without
# residents share equally (governance.by_residents).
def governance_with_skara_emptied(proposal: dict):
    """Governance alone on the tiny region (mock.py), after every resident of Skara has left."""
    model = mock_model(Governance, scenario={"name": "joint", "joint_proposals": [proposal]})
    model.pop.remove_persons(np.flatnonzero(model.pop.resident_municipality() == SKARA))
    assert model.resident_counts()[SKARA] == 0
    return model


@pytest.mark.parametrize(
    "proposal",
    [
        {"participants": ["Skövde", "Skara"], "governance": "lead", "lead": "Skövde"},
        {"location": "Skara", "participants": ["Skara"], "governance": "shared"},
    ],
    ids=["lead-with-an-empty-partner", "shared-by-an-empty-municipality"],
)
def test_cost_shares_sum_to_one_when_participants_have_no_residents(proposal):
    joint = {
        "name": "joint library",
        "facility_type": "library",
        "location": "Skövde",
        "capacity": 100,
        "investment_msek": 10.0,
        "operating_msek": 1.0,
        "earliest_year": 2025,
        "lead_share": 0.4,
        **proposal,
    }
    model = governance_with_skara_emptied(joint)
    shares = model.submodels["governance"].shares(model, 0)
    assert ((shares >= 0) & (shares <= 1)).all(), shares
    assert abs(shares.sum() - 1.0) <= SHARE_TOLERANCE, shares
