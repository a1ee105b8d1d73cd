"""The submodels, in dependency order, and the phases of the year that order their steps.

``SUBMODELS`` is the one list of submodels: the model constructs them, sets them up (``init``)
and records their results in this order. Each submodel's ``init`` may read what the ones before
it published, and the agent arrays as they left them: the scenario adds its establishments'
firms before labour sizes its per-firm arrays, so the scenario comes first.

The yearly plan is derived from it: for each phase of the year (``PHASES``, the order of
../shared/MODEL.md "One year, in order"), the steps the submodels declare for that phase, in
registry order. Adding a submodel touches ``SUBMODELS`` (and ``PHASES`` if it needs a new point
in the year); what it publishes is declared in ``sim/engine/shared.py`` and the coordinates of
any new result dimension in ``sim/engine/run.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.submodels.base import Submodel
from sim.engine.submodels.construction import Construction
from sim.engine.submodels.culture import Culture
from sim.engine.submodels.demography import Demography
from sim.engine.submodels.finance import Finance
from sim.engine.submodels.governance import Governance
from sim.engine.submodels.housing import Housing
from sim.engine.submodels.interventions import Interventions
from sim.engine.submodels.labour import Labour
from sim.engine.submodels.migration import Migration
from sim.engine.submodels.municipalities import Municipalities

SUBMODELS: tuple[type[Submodel], ...] = (
    Interventions,
    Municipalities,
    Demography,
    Labour,
    Migration,
    Housing,
    Construction,
    Finance,
    Culture,
    Governance,
)

# (phase, what happens; MODEL.md step)
PHASES: tuple[tuple[str, str], ...] = (
    ("events", "scenario events: establishments, programme stages, investments (1)"),
    ("policies", "scenario policies: tax rates, plan reserve releases (1)"),
    ("demography", "ageing, deaths, births, households forming and dissolving (2)"),
    ("labour", "labour demand, separations, retirements, job matching, commuting (3-4)"),
    ("migration", "out-migration, in-migrants and recruits arrive (5)"),
    ("arrivals", "in-migrants search for jobs (5)"),
    ("housing", "moves, the housing queue, prices (6)"),
    ("completions", "dwellings completed (7)"),
    ("plan_reserve", "municipalities decide on plan reserve (7)"),
    ("starts", "construction starts, demolitions (7)"),
    ("finance", "municipal accounts, investment, debt (8)"),
    ("budget", "municipalities decide on tax rates (8)"),
    ("culture", "cultural access and attractiveness (9)"),
    ("governance", "decisions on joint investments (10)"),
)


@dataclass(frozen=True)
class PlanStep:
    """One step of the year: a submodel's method run in a phase."""

    phase: str
    submodel: str
    method: str

    @property
    def label(self) -> str:
        return f"{self.submodel}.{self.method}"


def build_plan(submodels: list[Submodel] | tuple[Submodel, ...]) -> list[PlanStep]:
    """The yearly plan of these submodels: their steps by phase, in registry order."""
    known = {phase for phase, _ in PHASES}
    for sub in submodels:
        unknown = set(sub.steps) - known
        if unknown:
            raise ValueError(f"{sub.name} declares steps in unknown phases {sorted(unknown)}")
    return [
        PlanStep(phase, sub.name, sub.steps[phase])
        for phase, _ in PHASES
        for sub in submodels
        if phase in sub.steps
    ]
