"""RegionModel: the Mesa shell around the array-based submodels.

Set-up runs in a straight line: the region's inputs, the synthetic base population
(``sim/engine/synthesis.py``), then this model, which receives the population, constructs the
submodels of the registry (``sim/engine/registry.py``) and sets each up with ``init`` in registry
order. The yearly loop is data: ``RegionModel.plan`` is the ordered list of named steps derived
from the registry, the municipalities' decisions included, printable with
``print(model.describe_plan())`` and timed per step in ``model.timings``.

Submodels talk to each other only through ``model.shared`` (quantities each published by one
owner) and ``model.requests`` (money booked for municipal finance); ``model.pop`` holds the agent
arrays they all act on.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable

import mesa
import numpy as np
from omegaconf import OmegaConf

from sim.config.params import Params
from sim.config.scenario import Scenario
from sim.engine.kernels.population import (
    dwelling_counts,
    resident_household_counts,
    sizes_and_oldest,
)
from sim.engine.population import Census, Population
from sim.engine.registry import PHASES, SUBMODELS, PlanStep, build_plan
from sim.engine.rng import stream
from sim.engine.shared import Requests, Shared
from sim.engine.submodels.base import Submodel
from sim.io.inputs import DWELLING_TYPES, SECTORS, RegionInputs
from sim.io.results import Recorder, Result

# Mesa logs every model step at DEBUG level; Hydra's stdout logging would print each of them.
logging.getLogger("MESA").setLevel(logging.WARNING)

COMPACT = "population.compact"
RECORD = "record"


class RegionModel(mesa.Model):
    """The regional growth model of one run.

    Parameters
    ----------
    inputs : RegionInputs
        The region's validated input tables.
    params : Params
        Model parameters (``configs/params``).
    pop : Population
        The synthetic base-year population (``sim.engine.synthesis.synthesize``).
    seed : int
        The run seed; every submodel draws from its own named stream of it.
    base_year : int
        The year of the synthetic population; the first simulated year is ``base_year + 1``.
    scenario : Scenario, optional
        The validated scenario (the baseline when omitted).
    submodels : sequence of Submodel classes, optional
        The registry to build (``SUBMODELS``); a unit test may set up a few submodels alone.
    stand_ins : dict of str to array, optional
        Shared quantities whose owners are not among ``submodels``, published in their owners'
        names before set-up (a unit test's stand-ins for the missing submodels, like Starsim's
        ``init_mock``).

    Examples
    --------
    >>> from sim.config.compose import compose_config
    >>> from sim.engine.run import build_model
    >>> model = build_model(compose_config())  # doctest: +SKIP
    >>> print(model.describe_plan())  # doctest: +SKIP
    """

    def __init__(
        self,
        inputs: RegionInputs,
        params: Params,
        pop: Population,
        seed: int,
        base_year: int,
        scenario: Scenario | None = None,
        submodels: tuple[type[Submodel], ...] = SUBMODELS,
        stand_ins: dict[str, np.ndarray] | None = None,
    ) -> None:
        super().__init__(seed=seed)
        scenario = scenario if scenario is not None else OmegaConf.structured(Scenario)
        self.scenario = scenario
        self.inputs = inputs
        self.params = params
        self.pop = pop
        self.seed = int(seed)
        self.base_year = int(base_year)
        self.year = int(base_year)
        self.codes = list(inputs.codes)
        self.names = list(inputs.names)
        self.sectors = list(SECTORS)
        self.dwelling_types = list(DWELLING_TYPES)
        self.n_muni = len(self.codes)
        self.n_sectors = len(SECTORS)
        self.n_dwelling_types = len(DWELLING_TYPES)
        self._municipality_of = {name: i for i, name in enumerate(self.names)}
        self._municipality_of.update({code: i for i, code in enumerate(self.codes)})
        self.nodes = list(inputs.node_names())
        self.n_nodes = len(self.nodes)
        self.travel = inputs.travel_time_matrix()
        self._streams: dict[str, np.random.Generator] = {}
        self._recorded_census: Census | None = None
        self._shared_census: Census | None = None
        self._census_shared = False
        self.shared = Shared()
        self.requests = Requests()
        owners = {cls.name for cls in submodels}
        for name, value in (stand_ins or {}).items():
            owner = self.shared.quantities[name].owner
            if owner in owners:
                raise ValueError(f"{name!r} is published by {owner}, which is in the model")
            self.shared.publish(owner, name, value)

        self.submodels: dict[str, Submodel] = {}
        for cls in submodels:
            self.submodels[cls.name] = cls(params, scenario)
        for submodel in self.submodels.values():
            submodel.init(self)

        self.plan: list[PlanStep] = build_plan(list(self.submodels.values()))
        self._run: list[Callable[[RegionModel, int], None]] = [
            getattr(self.submodels[step.submodel], step.method) for step in self.plan
        ]
        self._keeps = [
            step.method in self.submodels[step.submodel].keeps_residents for step in self.plan
        ]
        labels = [COMPACT, *(step.label for step in self.plan), RECORD]
        self.timings = dict.fromkeys(labels, 0.0)

    # ---- the loop ----
    def describe_plan(self) -> str:
        """The yearly plan, one step per line: phase of the year, submodel step, what it does."""
        phases = dict(PHASES)
        width = max(len(step.label) for step in self.plan)
        phase_width = max(len(step.phase) for step in self.plan)
        lines = []
        for i, (step, run_step) in enumerate(zip(self.plan, self._run, strict=True)):
            doc = (inspect.getdoc(run_step) or phases[step.phase]).splitlines()[0]
            lines.append(f"{i + 1:2d}. {step.phase:<{phase_width}}  {step.label:<{width}}  {doc}")
        first = f"{'start':<{phase_width}}  {COMPACT:<{width}}"
        dropped = "Drop the rows of dead persons, dissolved households and demolished dwellings."
        lines.insert(0, f" 0. {first}  {dropped}")
        record = f"{'record':<{phase_width}}  {RECORD:<{width}}"
        lines.append(f"{len(self.plan) + 1:2d}. {record}  Every submodel records its results.")
        return "\n".join(lines)

    def warm_start(self, years: int) -> None:
        """Run the yearly plan ``years`` times, as the years before the base year, then let every
        submodel take its base-year references (``on_base_year``).

        The synthetic population is built for ``years`` years before the base year (synthesis),
        so the state reached is the base year's: households waiting for dwellings, vacancies and
        job seekers as the model's own dynamics leave them, not as synthesis placed them.
        Interventions lie after the base year, so none acts here. With ``years`` 0 the
        references are those taken at set-up.
        """
        self.year = self.base_year - years
        for _ in range(years):
            self.step()
            # References are re-taken every year, so migration keeps each municipality on its
            # trend while the markets settle, rather than react to the settling itself. The
            # hooks change no person and no household: they share the census of the year's end.
            self._census_shared = True
            try:
                for submodel in self.submodels.values():
                    submodel.on_base_year(self)
            finally:
                self._census_shared = False
                self._shared_census = None

    def step(self) -> None:
        """Simulate one year: every step of the plan, in order, each timed."""
        self.year += 1
        self._shared_census = None
        start = time.perf_counter()
        self.pop.compact()
        self.timings[COMPACT] += time.perf_counter() - start
        for step, run_step, keeps in zip(self.plan, self._run, self._keeps, strict=True):
            if not keeps:
                self._shared_census = None
            self._census_shared = keeps
            start = time.perf_counter()
            run_step(self, self.year)
            self.timings[step.label] += time.perf_counter() - start
            if not keeps:
                self._shared_census = None
        self._census_shared = False

    def record(self, rec: Recorder) -> None:
        """Every submodel records this year's results, in registry order (timed)."""
        start = time.perf_counter()
        rec.begin(self.year)
        self._recorded_census = self._shared_census or self.pop.census(self.n_muni, self.n_nodes)
        self._shared_census = None
        try:
            for submodel in self.submodels.values():
                submodel.record(self, rec)
        finally:
            self._recorded_census = None
        self.timings[RECORD] += time.perf_counter() - start

    def declared_results(self) -> list[Result]:
        """The results every submodel declares, yearly and per run, in registry order."""
        return [r for sub in self.submodels.values() for r in (*sub.results, *sub.static)]

    def static_results(self) -> dict[str, np.ndarray]:
        """The per-run results of every submodel."""
        out: dict[str, np.ndarray] = {}
        for sub in self.submodels.values():
            out.update(sub.static_results(self))
        return out

    def timing_table(self) -> str:
        """Seconds spent in each step of the plan so far, and their share."""
        total = sum(self.timings.values()) or 1.0
        width = max(len(label) for label in self.timings)
        return "\n".join(
            f"{label:<{width}}  {seconds:8.3f} s  {100 * seconds / total:5.1f} %"
            for label, seconds in self.timings.items()
        )

    def municipality_index(self, name_or_code: str) -> int:
        """Index of a municipality given by name or SCB code (validated scenarios only)."""
        return self._municipality_of[name_or_code]

    def stream(self, name: str) -> np.random.Generator:
        """The named random stream of this run (created on first use)."""
        if name not in self._streams:
            self._streams[name] = stream(self.seed, name)
        return self._streams[name]

    # ---- municipal tallies, computed from the agent arrays ----
    def census(self) -> Census:
        """The municipal tallies of the residents now. Taken once for every submodel while
        recording, and within a run of steps that keep the residents (``keeps_residents``),
        whose census also serves the record that follows them."""
        if self._recorded_census is not None:
            return self._recorded_census
        if not self._census_shared:
            return self.pop.census(self.n_muni, self.n_nodes)
        if self._shared_census is None:
            self._shared_census = self.pop.census(self.n_muni, self.n_nodes)
        return self._shared_census

    def resident_counts(self) -> np.ndarray:
        """Residents per municipality: from the census when one is taken or kept now, else
        counted alone (a fifth of a census's cost)."""
        if self._recorded_census is None and not self._census_shared:
            return self.pop.resident_counts(self.n_muni)
        return self.census().residents

    def household_counts(self) -> np.ndarray:
        """Resident households (living, not pending in-migrants) per municipality."""
        h = self.pop.households
        return resident_household_counts(
            h.alive[: h.n], h.pending[: h.n], h.municipality[: h.n], self.n_muni
        )

    def unemployment_rate(self) -> np.ndarray:
        return self.census().unemployment_rate

    def dwelling_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(stock, vacant) per municipality and dwelling type."""
        d = self.pop.dwellings
        n = d.n
        return dwelling_counts(
            d.alive[:n],
            d.municipality[:n],
            d.dwelling_type[:n],
            d.occupant[:n],
            self.n_muni,
            self.n_dwelling_types,
        )

    def resident_households(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, age of the oldest member, members) of the resident households."""
        h, p = self.pop.households, self.pop.persons
        sizes, oldest = sizes_and_oldest(p.alive[: p.n], p.household[: p.n], p.age[: p.n], h.n)
        ids = np.flatnonzero(h.alive[: h.n] & ~h.pending[: h.n] & (sizes > 0))
        return ids, oldest[ids], sizes[ids]
