"""Typed schemas of scenarios and their interventions (Hydra ConfigStore dataclasses).

Municipalities are named by their name (``Skövde``) or SCB code (``1496``). Money is in million
SEK (MSEK) at 2024 prices, years are calendar years, counts are persons, jobs or dwellings.

Names people read: a scenario and each of its interventions (establishments, housing programmes,
cultural investments, joint proposals) have a ``name``, the identifier that configs, levers, run
folders and result coordinates use, and a ``title`` and a one-sentence ``description`` in English
and Swedish (``title_sv``, ``description_sv``), which reports show instead of the name. All four
are required (:func:`sim.config.validate.validate_scenario`). Policies have no name and are not
shown in reports, so they have no title.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

PHASING_RULES = ("even", "front_loaded", "back_loaded", "demand_led", "explicit")
GOVERNANCE_MODES = ("shared", "lead", "nao")
INTERVENTION_DIMS = {
    "establishment": "establishments",
    "housing_programme": "housing_programmes",
    "cultural_investment": "cultural_investments",
    "joint_proposal": "joint_proposals",
}
"""The results' dimension of each list of named interventions (each item has a name and titles)."""


@dataclass
class Establishment:
    """A new establishment: firm positions that the labour market must fill.

    Jobs ramp up linearly over ``ramp_up_years`` from ``opening_year`` (or follow
    ``ramp_up_profile``: the share of ``jobs`` reached in each year from the opening, ending at 1),
    and all positions close in ``closure_year`` if given.
    """

    name: str = MISSING
    title: str = ""  # shown in reports instead of the name (English)
    title_sv: str = ""
    description: str = ""  # one sentence (English)
    description_sv: str = ""
    municipality: str = MISSING
    sector: str = MISSING  # one of sim.io.inputs.SECTORS
    jobs: int = MISSING  # positions at full size
    opening_year: int = MISSING
    ramp_up_years: int = 1
    ramp_up_profile: list[float] | None = None  # shares of jobs by year from opening, up to 1.0
    wage_level: float = 1.0  # pay relative to the sector's mean pay
    closure_year: int | None = None


@dataclass
class HousingStage:
    """One explicit stage of a housing programme: dwellings completed in ``year``."""

    year: int = MISSING
    dwellings: int = MISSING


@dataclass
class DwellingMix:
    """Dwellings of a programme by type."""

    detached: int = 0
    rental_flat: int = 0
    owner_flat: int = 0


@dataclass
class HousingProgramme:
    """Dwellings built by a programme, phased by explicit stages or a named rule.

    Rules spread ``dwellings`` over ``start_year..end_year``: ``even`` (equal stages),
    ``front_loaded`` (falling stages), ``back_loaded`` (rising stages), ``demand_led`` (a stage of
    ``stage_size`` dwellings completes in a year only when the municipality's housing queue exceeds
    ``queue_threshold`` of its households, until all are built), or ``explicit`` (``stages``, which
    must add up to the programme's dwellings).

    ``hold_vacancy``, when given, is a second signpost for any phasing: while the municipality's
    vacancy rate (vacant share of its dwellings at the end of the previous year) is above it, the
    programme holds: dwellings due to complete wait for the first year it is not (a demand-led
    programme starts no stage).
    """

    name: str = MISSING
    title: str = ""  # shown in reports instead of the name (English)
    title_sv: str = ""
    description: str = ""  # one sentence (English)
    description_sv: str = ""
    municipality: str = MISSING
    dwellings: DwellingMix = field(default_factory=DwellingMix)
    phasing: str = "even"  # one of PHASING_RULES
    start_year: int | None = None
    end_year: int | None = None
    stages: list[HousingStage] = field(default_factory=list)
    stage_size: int = 100  # demand-led stage, dwellings
    queue_threshold: float = 0.01  # demand-led trigger, share of households in the queue
    hold_vacancy: float | None = None  # hold while vacancy is above this share of dwellings
    cost_per_dwelling_msek: float = 3.0  # construction cost, MSEK per dwelling
    municipal_share: float = 0.0  # share of the construction cost paid by the municipality


@dataclass
class CulturalInvestment:
    """A cultural facility built and run by one municipality."""

    name: str = MISSING
    title: str = ""  # shown in reports instead of the name (English)
    title_sv: str = ""
    description: str = ""  # one sentence (English)
    description_sv: str = ""
    facility_type: str = MISSING  # a sim.io.inputs.FACILITY_TYPES entry, or user-defined
    municipality: str = MISSING
    capacity: int = MISSING  # visitor places
    investment_msek: float = MISSING
    operating_msek: float = MISSING  # yearly operating cost
    opening_year: int = MISSING
    build_years: int = 2  # investment outlays spread over the years before opening
    type_weight: float | None = None  # required for a user-defined facility type


@dataclass
class JointProposal:
    """A facility paid for by several municipalities, decided under a governance mode.

    ``shared``: every participant must gain (consensus), shares by population. ``lead``: the lead
    municipality decides and carries ``lead_share`` of the cost, the rest by population. ``nao``: a
    network administrative organisation funds proposals from a joint portfolio budget paid by its
    members (``Scenario.nao_members``) by population share, ranking them by regional benefit per
    cost; the participants of a ``nao`` proposal must be members.
    """

    name: str = MISSING
    title: str = ""  # shown in reports instead of the name (English)
    title_sv: str = ""
    description: str = ""  # one sentence (English)
    description_sv: str = ""
    facility_type: str = MISSING
    location: str = MISSING  # host municipality
    participants: list[str] = MISSING
    governance: str = MISSING  # one of GOVERNANCE_MODES
    capacity: int = MISSING
    investment_msek: float = MISSING
    operating_msek: float = MISSING
    earliest_year: int = MISSING  # first year a decision can be taken
    build_years: int = 2  # from decision to opening
    lead: str | None = None  # required for governance 'lead'
    lead_share: float = 0.5  # share of costs carried by the lead
    type_weight: float | None = None


@dataclass
class Policy:
    """A municipality's policy change in a year: a new tax rate and/or a plan reserve release."""

    municipality: str = MISSING
    year: int = MISSING
    tax_rate_pct: float | None = None
    plan_reserve_release: int | None = None  # dwellings of building rights released


@dataclass
class Scenario:
    """A scenario: a name, its title and description in English and Swedish, and its
    interventions."""

    name: str = "baseline"  # identifier: run folders, ensemble coordinates, sim run scenario=NAME
    title: str = ""  # shown in reports instead of the name (English), at most about 40 characters
    title_sv: str = ""  # the same in Swedish
    description: str = ""  # one sentence (English)
    description_sv: str = ""  # the same in Swedish
    establishments: list[Establishment] = field(default_factory=list)
    housing_programmes: list[HousingProgramme] = field(default_factory=list)
    cultural_investments: list[CulturalInvestment] = field(default_factory=list)
    joint_proposals: list[JointProposal] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    nao_budget_msek: float = 0.0  # most the NAO collects in a year, all members together
    # Members of the NAO, who pay its budget by population share; empty: the participants of the
    # scenario's 'nao' proposals.
    nao_members: list[str] = field(default_factory=list)
    # MSEK the NAO keeps beyond the investments of its pending proposals (a buffer it collects
    # and does not spend); it collects only what these need.
    nao_reserve_msek: float = 0.0
