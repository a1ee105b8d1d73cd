"""Typed schemas of the Hydra configuration.

Values and their documentation (unit, source) live in ``configs/``; these dataclasses give every key
its type, so that a misspelt or unknown key, or a value of the wrong type, fails when the config is
composed. ``register_configs()`` stores them in Hydra's ConfigStore.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from sim.config.futures import Futures
from sim.config.scenario import Scenario


class ConfigError(ValueError):
    """A configuration value that is not allowed; the message names the field's config path."""


@dataclass
class DemographyParams:
    schedules: str = MISSING  # "data" (inputs/demography) or "parametric"
    mortality_years: list[int] = MISSING
    fertility_years: list[int] = MISSING
    age_structure_year: int = MISSING
    life_expectancy_female: float = MISSING
    life_expectancy_male: float = MISSING
    makeham_a: float = MISSING
    gompertz_c: float = MISSING
    total_fertility_rate: float = MISSING
    mean_age_at_birth: float = MISSING
    fertility_sd_age: float = MISSING
    sex_ratio_at_birth: float = MISSING
    leave_home_rate: float = MISSING
    couple_formation_rate: float = MISSING
    separation_rate: float = MISSING
    stable_growth_rate: float = MISSING


@dataclass
class LabourParams:
    sector_trend: list[float] = MISSING
    local_sectors: list[int] = MISSING
    local_elasticity: float = MISSING
    separation_rate: float = MISSING
    base_unemployment: float = MISSING
    reservation_weight: float = MISSING
    matching_efficiency: float = MISSING
    commute_beta: float = MISSING
    own_municipality_effect: float = MISSING
    external_positions: float = MISSING
    new_job_outside_share: float = MISSING
    incommuter_fill_rate: float = MISSING
    incommuter_beta: float = MISSING
    retirement_rates: list[float] = MISSING
    student_exit_rate: float = MISSING
    upper_secondary_exit_share: float = MISSING
    outside_share: float = MISSING
    outside_exit_rate: float = MISSING
    outside_entry_rate: float = MISSING
    education_shares: list[float] = MISSING
    mean_firm_size: list[float] = MISSING
    wage_by_sector: list[float] = MISSING
    wage_external: float = MISSING
    education_wage_factor: list[float] = MISSING
    pension_income: float = MISSING
    unemployed_income: float = MISSING
    student_income: float = MISSING
    outside_income: float = MISSING


@dataclass
class MigrationParams:
    out_rate_by_age: list[float] = MISSING
    unemployment_push: float = MISSING
    unemployed_factor: float = MISSING
    attractiveness_pull: float = MISSING
    in_migration_level: float = MISSING
    recruit_household_shares: list[float] = MISSING
    age_in_mean: float = MISSING
    age_in_sd: float = MISSING


@dataclass
class HousingParams:
    base_mobility: float = MISSING
    crowding_move_rate: float = MISSING
    commute_move_rate: float = MISSING
    commute_move_limit: float = MISSING
    candidates: int = MISSING
    own_municipality_share: float = MISSING
    search_beta: float = MISSING
    price_weight: float = MISSING
    commute_weight: float = MISSING
    attractiveness_weight: float = MISSING
    size_weight: float = MISSING
    detached_family_bonus: float = MISSING
    moving_cost: float = MISSING
    max_cost_share: float = MISSING
    queue_reservation: float = MISSING
    cost_per_room: list[float] = MISSING
    natural_vacancy: float = MISSING
    price_adjustment: float = MISSING
    max_price_change: float = MISSING
    rooms_by_type: list[int] = MISSING


@dataclass
class ConstructionParams:
    lag_years: int = MISSING
    base_start_rate: float = MISSING
    price_elasticity: float = MISSING
    building_cost_index: float = MISSING
    demolition_rate: float = MISSING
    surplus_vacancy_factor: float = MISSING
    surplus_exit_rate: float = MISSING
    queue_trigger: float = MISSING
    queue_trigger_years: int = MISSING
    release_share: float = MISSING
    routine_release_years: int = MISSING


@dataclass
class FinanceParams:
    service_cost_by_age: list[float] = MISSING
    general_grant: float = MISSING
    equalisation_reference: float = MISSING
    national_tax_capacity: float = MISSING
    equalisation_tax_rate: float = MISSING
    interest_rate: float = MISSING
    depreciation_years: float = MISSING
    routine_investment: float = MISSING
    investment_to_depreciation: float = MISSING
    initial_debt: float = MISSING
    target_result_share: float = MISSING
    tax_step: float = MISSING
    surplus_share: float = MISSING
    min_tax_rate: float = MISSING
    deficit_years: int = MISSING
    max_tax_rate: float = MISSING


@dataclass
class CultureParams:
    decay_minutes: float = MISSING
    type_weight: list[float] = MISSING
    weight_access: float = MISSING
    weight_services: float = MISSING
    weight_housing: float = MISSING
    weight_labour: float = MISSING
    weight_prices: float = MISSING
    weight_tax: float = MISSING


@dataclass
class GovernanceParams:
    access_value_factor: float = MISSING
    negotiation_years_shared: int = MISSING
    negotiation_years_lead: int = MISSING
    commitment_result_share: float = MISSING


@dataclass
class WarmStartParams:
    years: int = MISSING


@dataclass
class Params:
    demography: DemographyParams = field(default_factory=DemographyParams)
    labour: LabourParams = field(default_factory=LabourParams)
    migration: MigrationParams = field(default_factory=MigrationParams)
    housing: HousingParams = field(default_factory=HousingParams)
    construction: ConstructionParams = field(default_factory=ConstructionParams)
    finance: FinanceParams = field(default_factory=FinanceParams)
    culture: CultureParams = field(default_factory=CultureParams)
    governance: GovernanceParams = field(default_factory=GovernanceParams)
    warm_start: WarmStartParams = field(default_factory=WarmStartParams)


@dataclass
class RegionConfig:
    name: str = MISSING  # a folder under inputs/, or a path to one
    input_dir: str | None = None  # overrides the folder; None means inputs/<name>


@dataclass
class Years:
    # The base year: the synthetic population's year, recorded before any step. None: the base
    # year of the region's inputs (their column base_year); any other year is refused.
    start: int | None = None
    end: int = 2050  # last simulated year (inclusive)


@dataclass
class RunConfig:
    region: RegionConfig = field(default_factory=RegionConfig)
    params: Params = field(default_factory=Params)
    scenario: Scenario = field(default_factory=Scenario)
    seed: int = 0
    years: Years = field(default_factory=Years)
    progress: bool = True
    output_dir: str | None = None  # where results.nc goes; None: do not write
    futures: Futures = field(default_factory=Futures)  # sampled futures (sim.config.futures)
    future: int | None = None  # which of them this run is; None: the config as given


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore
    from omegaconf import OmegaConf

    from sim.paths import CONFIG_DIR, user_config_dir

    # The user's config folder on Hydra's search path (configs/config.yaml), when it exists;
    # otherwise the project's own folder again, so that Hydra warns of no missing folder.
    OmegaConf.register_new_resolver(
        "sim_user_configs",
        lambda: str(user_config_dir() if user_config_dir().is_dir() else CONFIG_DIR),
        replace=True,
    )
    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)
    cs.store(group="params", name="schema", node=Params)
    cs.store(group="region", name="schema", node=RegionConfig)
    cs.store(group="scenario", name="schema", node=Scenario)
    cs.store(group="futures", name="schema", node=Futures)
