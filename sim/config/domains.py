"""The domain of every model parameter: what values are allowed, checked before anything runs.

Units and sources are documented beside each value in ``configs/params/default.yaml``; the
domains are declared here, one line per parameter, and ``check_params`` refuses a value outside
its domain with one message per problem naming the key and what is allowed. Every parameter of the
schema must have a domain (a test checks it), so a new parameter cannot skip this.

Limits on sizes (candidates, lags, years) keep runs from exhausting memory or time.

Examples
--------
>>> RATE.problem(1.5)
'1.5 is not allowed; use a number in [0, 1]'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from sim.io.inputs import DWELLING_TYPES, FACILITY_TYPES, SECTORS

INF = math.inf
# Lengths of the lists indexed by a model dimension. Age groups and education levels are defined by
# the engine (sim/engine/population.py); a test checks that these counts agree with it.
N_AGE_GROUPS = 7
N_EDUCATION_LEVELS = 3
N_OUT_AGE_GROUPS = 4  # out-migration ages of the oldest adult: 18-29, 30-44, 45-64, 65+
N_RETIREMENT_AGES = 5  # retirement hazards at 61-64, 65, 66, 67-69, 70+


@dataclass(frozen=True)
class Number:
    """A finite number in an interval (open or closed at each end), optionally an integer."""

    low: float = -INF
    high: float = INF
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def bounds(self) -> str:
        """The interval in words: ``> 0``, ``>= 0``, ``<= 1`` or ``in [0, 1)``."""
        if self.high == INF:
            return f"{'>' if self.low_open else '>='} {fmt(self.low)}"
        if self.low == -INF:
            return f"{'<' if self.high_open else '<='} {fmt(self.high)}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"in {left}{fmt(self.low)}, {fmt(self.high)}{right}"

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.low == -INF and self.high == INF:
            return f"{kind} (finite)"
        return f"{kind} {self.bounds()}"

    def problem(self, value: Any) -> str | None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and (not self.integer or float(value).is_integer())
        if ok:
            below = value <= self.low if self.low_open else value < self.low
            above = value >= self.high if self.high_open else value > self.high
            ok = not (below or above)
        return None if ok else f"{fmt(value)} is not allowed; use {self.describe()}"


@dataclass(frozen=True)
class Values:
    """A list of ``length`` values (one per ``per``), each in ``each``; optionally summing to 1."""

    each: Number
    length: int
    per: str
    sums_to_one: bool = False

    def problems(self, key: str, value: Any) -> list[str]:
        values = list(value) if isinstance(value, (list, tuple)) else None
        if values is None or len(values) != self.length:
            got = f"{len(values)} values" if values is not None else fmt(value)
            return [f"{key}: {got} is not allowed; use {self.length} values, one per {self.per}"]
        found = []
        for i, item in enumerate(values):
            problem = self.each.problem(item)
            if problem:
                found.append(f"{key}[{i}]: {problem}")
        if not found and self.sums_to_one and abs(sum(values) - 1.0) > 1e-6:
            found.append(f"{key}: the values sum to {fmt(sum(values))}; they must sum to 1")
        return found


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def problem(self, value: Any) -> str | None:
        if value in self.options:
            return None
        return f"{value!r} is not allowed; use one of {', '.join(self.options)}"


SHARE = Number(0, 1)
RATE = Number(0, 1)  # a yearly probability or hazard
POSITIVE = Number(0, INF, low_open=True)
NON_NEGATIVE = Number(0)
REAL = Number()
YEAR = Number(1900, 2100, integer=True)


def years(low: int, high: int) -> Number:
    return Number(low, high, integer=True)


def per_sector(each: Number) -> Values:
    return Values(each, len(SECTORS), f"sector ({', '.join(SECTORS)})")


def per_dwelling_type(each: Number) -> Values:
    return Values(each, len(DWELLING_TYPES), f"dwelling type ({', '.join(DWELLING_TYPES)})")


DOMAINS: dict[str, Number | Values | Choice] = {
    "demography.schedules": Choice(("data", "parametric")),
    "demography.mortality_years": Values(YEAR, 2, "first and last year"),
    "demography.fertility_years": Values(YEAR, 2, "first and last year"),
    "demography.age_structure_year": YEAR,
    "demography.life_expectancy_female": Number(40, 100),
    "demography.life_expectancy_male": Number(40, 100),
    "demography.makeham_a": Number(0, 0.1),
    "demography.gompertz_c": Number(0, 1, low_open=True),
    "demography.total_fertility_rate": Number(0, 8),
    "demography.mean_age_at_birth": Number(20, 40),
    "demography.fertility_sd_age": Number(1, 15),
    "demography.sex_ratio_at_birth": Number(0.4, 0.6),
    "demography.leave_home_rate": RATE,
    "demography.couple_formation_rate": RATE,
    "demography.separation_rate": RATE,
    "demography.stable_growth_rate": Number(-0.05, 0.05),
    "labour.sector_trend": per_sector(Number(-0.5, 0.5)),
    "labour.local_sectors": per_sector(Number(0, 1, integer=True)),
    "labour.local_elasticity": Number(0, 5),
    "labour.separation_rate": RATE,
    "labour.base_unemployment": Number(0, 1, high_open=True),
    "labour.reservation_weight": NON_NEGATIVE,
    "labour.matching_efficiency": RATE,
    "labour.commute_beta": NON_NEGATIVE,
    "labour.own_municipality_effect": NON_NEGATIVE,
    "labour.external_positions": SHARE,
    "labour.new_job_outside_share": SHARE,
    "labour.incommuter_fill_rate": RATE,
    "labour.incommuter_beta": NON_NEGATIVE,
    "labour.retirement_rates": Values(
        RATE, N_RETIREMENT_AGES, "age band (61-64, 65, 66, 67-69, 70+)"
    ),
    "labour.student_exit_rate": RATE,
    "labour.upper_secondary_exit_share": SHARE,
    "labour.outside_share": SHARE,
    "labour.outside_exit_rate": RATE,
    "labour.outside_entry_rate": RATE,
    "labour.education_shares": Values(SHARE, N_EDUCATION_LEVELS, "education level", True),
    "labour.mean_firm_size": per_sector(Number(1, 10_000)),
    "labour.wage_by_sector": per_sector(NON_NEGATIVE),
    "labour.wage_external": NON_NEGATIVE,
    "labour.education_wage_factor": Values(POSITIVE, N_EDUCATION_LEVELS, "education level"),
    "labour.pension_income": NON_NEGATIVE,
    "labour.unemployed_income": NON_NEGATIVE,
    "labour.student_income": NON_NEGATIVE,
    "labour.outside_income": NON_NEGATIVE,
    "migration.out_rate_by_age": Values(RATE, N_OUT_AGE_GROUPS, "age group of the oldest adult"),
    "migration.unemployment_push": Number(0, 100),
    "migration.unemployed_factor": Number(0, 100),
    "migration.attractiveness_pull": Number(0, 10),
    "migration.in_migration_level": Number(0, 5),
    "migration.recruit_household_shares": Values(SHARE, 2, "household (single, couple)", True),
    "migration.age_in_mean": Number(18, 64),
    "migration.age_in_sd": Number(0, 50),
    "warm_start.years": years(0, 10),
    "housing.base_mobility": RATE,
    "housing.crowding_move_rate": RATE,
    "housing.commute_move_rate": RATE,
    "housing.commute_move_limit": NON_NEGATIVE,
    "housing.candidates": years(1, 200),
    "housing.own_municipality_share": SHARE,
    "housing.search_beta": NON_NEGATIVE,
    "housing.price_weight": REAL,
    "housing.commute_weight": REAL,
    "housing.attractiveness_weight": REAL,
    "housing.size_weight": REAL,
    "housing.detached_family_bonus": REAL,
    "housing.moving_cost": REAL,
    "housing.max_cost_share": Number(0, 1, low_open=True),
    "housing.queue_reservation": REAL,
    "housing.cost_per_room": per_dwelling_type(NON_NEGATIVE),
    "housing.natural_vacancy": SHARE,
    "housing.price_adjustment": NON_NEGATIVE,
    "housing.max_price_change": Number(0, 1),
    "housing.rooms_by_type": per_dwelling_type(Number(1, 8, integer=True)),
    "construction.lag_years": years(1, 10),
    "construction.base_start_rate": RATE,
    "construction.price_elasticity": Number(0, 100),
    "construction.building_cost_index": Number(0.1, 10),
    "construction.demolition_rate": RATE,
    "construction.surplus_vacancy_factor": NON_NEGATIVE,
    "construction.surplus_exit_rate": RATE,
    "construction.queue_trigger": SHARE,
    "construction.queue_trigger_years": years(1, 50),
    "construction.release_share": SHARE,
    "construction.routine_release_years": years(0, 50),
    "finance.service_cost_by_age": Values(NON_NEGATIVE, N_AGE_GROUPS, "age group"),
    "finance.general_grant": NON_NEGATIVE,
    "finance.equalisation_reference": NON_NEGATIVE,
    "finance.national_tax_capacity": NON_NEGATIVE,
    "finance.equalisation_tax_rate": SHARE,
    "finance.interest_rate": Number(-0.05, 0.5),
    "finance.depreciation_years": Number(1, 200),
    "finance.routine_investment": NON_NEGATIVE,
    "finance.investment_to_depreciation": POSITIVE,
    "finance.initial_debt": NON_NEGATIVE,
    "finance.target_result_share": Number(-1, 1),
    "finance.tax_step": NON_NEGATIVE,
    "finance.surplus_share": Number(0, 1),
    "finance.min_tax_rate": Number(0, 100),
    "finance.deficit_years": years(1, 50),
    "finance.max_tax_rate": Number(0, 100),
    "culture.decay_minutes": POSITIVE,
    "culture.type_weight": Values(
        NON_NEGATIVE, len(FACILITY_TYPES), f"facility type ({', '.join(FACILITY_TYPES)})"
    ),
    "culture.weight_access": REAL,
    "culture.weight_services": REAL,
    "culture.weight_housing": REAL,
    "culture.weight_labour": REAL,
    "culture.weight_prices": REAL,
    "culture.weight_tax": NON_NEGATIVE,
    "governance.access_value_factor": NON_NEGATIVE,
    "governance.negotiation_years_shared": years(0, 50),
    "governance.negotiation_years_lead": years(0, 50),
    "governance.commitment_result_share": Number(-1, 1),
}

# (lower, upper): the first may not exceed the second.
ORDERED = (
    ("finance.min_tax_rate", "finance.max_tax_rate"),
    ("demography.mortality_years[0]", "demography.mortality_years[1]"),
    ("demography.fertility_years[0]", "demography.fertility_years[1]"),
)


def parameter_keys(params: Any, prefix: str = "") -> list[str]:
    """Every parameter of a params dataclass instance (``Params()``), as ``section.key``."""
    keys = []
    for f in fields(params):
        value = getattr(params, f.name)
        if is_dataclass(value):
            keys += parameter_keys(value, f"{prefix}{f.name}.")
        else:
            keys.append(f"{prefix}{f.name}")
    return keys


def _get(params: Any, key: str) -> Any:
    value = params
    name, _, index = key.partition("[")
    for part in name.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value[int(index.rstrip("]"))] if index else value


def check_params(params: Any) -> list[str]:
    """Problems of a params object (a ``Params`` dataclass or a mapping with its sections), one
    message per problem, each starting with ``params.<section>.<key>``; empty when all is well."""
    problems = []
    for key, domain in DOMAINS.items():
        value = _get(params, key)
        if isinstance(domain, Values):
            problems += domain.problems(f"params.{key}", value)
        else:
            problem = domain.problem(value)
            if problem:
                problems.append(f"params.{key}: {problem}")
    if not problems:
        for low_key, high_key in ORDERED:
            low, high = _get(params, low_key), _get(params, high_key)
            if low > high:
                problems.append(
                    f"params.{low_key}: {fmt(low)} is not allowed; it must not exceed "
                    f"params.{high_key} ({fmt(high)})"
                )
    return problems


def fmt(value: Any) -> str:
    """A value as the user would write it (``0.0`` -> ``0``, ``0.25`` -> ``0.25``, text quoted)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)
