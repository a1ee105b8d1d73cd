"""The schema of an optimisation problem (``configs/optimisation/<name>.yaml``): levers,
constraints, objectives, the evaluation budget and the launcher, with the values each may take.
Checked by :func:`sim.optimise.problem.load_problem`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from sim.analysis.compare import INDICATOR_NAMES
from sim.config.params import ConfigError
from sim.paths import CONFIG_DIR

PROBLEMS_DIR = CONFIG_DIR / "optimisation"
LEVER_KINDS = ("int", "float", "choice", "shares")
OPTIMISERS = ("nsga2", "nsga3", "tpe", "random")
LAUNCHERS = ("serial", "joblib", "submitit_local", "submitit_slurm", "ray")
DIRECTIONS = ("minimize", "maximize")
STATISTICS = ("mean", "quantile", "regret")
AREAS = ("region", "worst")
AGGREGATES = ("final", "sum", "mean")
# Measures beyond the comparison's indicators (sim.analysis.compare.INDICATORS).
EXCESS_VACANCY = "excess_vacancy_capital_msek"
MEASURES = (*INDICATOR_NAMES, EXCESS_VACANCY)
# Quantities of a candidate scenario that constraints bound (sim.optimise.levers.quantities).
QUANTITIES = (
    "total_dwellings",
    "housing_cost_msek",
    "municipal_housing_cost_msek",
    "cultural_investment_msek",
    "first_year",
)
MAX_RUNS = 1_000_000


@dataclass
class Lever:
    """A decision variable: one field of the base scenario and the values it may take."""

    name: str = MISSING  # a short identifier
    target: str = MISSING  # e.g. housing_programmes[Mariestad new homes].start_year
    kind: str = MISSING  # one of LEVER_KINDS
    low: float | None = None  # int, float
    high: float | None = None
    step: float | None = None  # int (default 1), float (default continuous), shares (resolution)
    choices: list[Any] = field(default_factory=list)  # choice: the values; shares: the places
    unit: str = ""
    label: str = ""
    label_sv: str = ""


@dataclass
class Constraint:
    """A bound on a quantity of every candidate scenario; candidates outside are not run."""

    quantity: str = MISSING  # one of QUANTITIES
    max: float | None = None
    min: float | None = None
    reason: str = ""


@dataclass
class Objective:
    """A goal measured in every run of a candidate and summarised over futures and seeds."""

    name: str = MISSING
    measure: str = MISSING  # one of MEASURES
    direction: str = MISSING  # minimize | maximize
    aggregate: str = "final"  # final (in `year`), sum or mean over the simulated years
    year: int | None = None  # for 'final': default the last simulated year
    area: str = "region"  # region, or the worst-off municipality
    statistic: str = "mean"  # mean | quantile | regret (against the base scenario)
    q: float = 0.9  # the share of futures the quantile or regret covers
    msek_per_dwelling: float | None = None  # excess_vacancy_capital_msek: capital per dwelling
    source: str = ""  # where msek_per_dwelling comes from
    unit: str = ""  # shown in tables (default: derived from the measure)
    label: str = ""
    label_sv: str = ""


@dataclass
class Reevaluation:
    """Futures and seeds the search never saw, on which the front is run again."""

    futures_seed: int = 1  # seed of a fresh Latin hypercube of the same uncertainties
    n_futures: int = 6
    seeds: list[int] = field(default_factory=lambda: [1000])


@dataclass
class Evaluation:
    """The evaluation budget: candidates x futures x seeds runs to ``end_year``."""

    end_year: int = 2040
    futures: str = "lhs"  # configs/futures/<name>, or none
    n_futures: int = 6
    seeds: list[int] = field(default_factory=lambda: [0])
    candidates: int = 100
    population: int = 20  # candidates per generation, asked and told whole
    optimiser: str = "nsga2"
    optimiser_seed: int = 0
    references: list[str] = field(default_factory=list)  # hand-made scenarios run alongside
    reevaluation: Reevaluation = field(default_factory=Reevaluation)


@dataclass
class Launcher:
    """Where runs are evaluated. ``slurm`` holds submitit's parameters (``slurm_partition``,
    ``timeout_min``, ``mem_gb``, ...); ``ray_address`` a Ray cluster (null: a local one)."""

    name: str = "joblib"
    n_jobs: int = 2
    slurm: dict[str, Any] = field(default_factory=dict)
    ray_address: str | None = None


@dataclass
class Problem:
    name: str = MISSING
    title: str = ""
    title_sv: str = ""
    description: str = ""
    description_sv: str = ""
    region: str = "skaraborg"
    base_scenario: str = MISSING
    run_overrides: list[str] = field(default_factory=list)  # more Hydra overrides of every run
    levers: list[Lever] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    evaluation: Evaluation = field(default_factory=Evaluation)
    launcher: Launcher = field(default_factory=Launcher)
    # Optuna storage URL: null for sqlite in the study folder; 'journal' for a journal file
    # there (a shared file system of a cluster); or any URL Optuna takes.
    storage: str | None = None


class ProblemError(ConfigError):
    """A problem file that cannot be used; the message names the field."""
