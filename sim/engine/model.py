"""RegionModel: the Mesa shell around the array-based submodels.

The yearly loop is data: ``RegionModel.plan`` is an ordered list of named steps (MODEL.md steps 2-9
and 11), printable with ``print(model.describe_plan())`` and timed per step in ``model.timings``.
Municipalities are Mesa agents that make their own decisions (plan reserve release, tax rate).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import mesa
import numpy as np
from omegaconf import OmegaConf

from sim.config.params import Params
from sim.config.scenario import Scenario
from sim.engine.population import EMPLOYED, NO_ID, UNEMPLOYED, Population
from sim.engine.rng import stream
from sim.engine.submodels.construction import Construction
from sim.engine.submodels.culture import Culture
from sim.engine.submodels.demography import Demography
from sim.engine.submodels.finance import Finance, residents_by_age_group
from sim.engine.submodels.governance import Governance
from sim.engine.submodels.housing import Housing
from sim.engine.submodels.interventions import Interventions
from sim.engine.submodels.labour import Labour
from sim.engine.submodels.migration import Migration
from sim.engine.synthesis import synthesize
from sim.io.inputs import DWELLING_TYPES, SECTORS, RegionInputs

# Mesa logs every model step at DEBUG level; Hydra's stdout logging would print each of them.
logging.getLogger("MESA").setLevel(logging.WARNING)

COUNTERS = (
    "births",
    "deaths",
    "in_migration",
    "out_migration",
    "moves_in",
    "moves_out",
    "unmet_in_migration",
)


class Municipality(mesa.Agent):
    """A municipality: the decision-making agent of the model.

    Holds its tax rate and decides, each year, on releasing plan reserve when its housing queue
    persists and on its tax rate after repeated deficits (the balance requirement) or surpluses.
    """

    def __init__(self, model: RegionModel, index: int, code: str, name: str, tax_rate: float):
        super().__init__(model)
        self.index = index
        self.code = code
        self.name = name
        self.tax_rate = tax_rate  # percent
        self.queue_years = 0
        self.deficit_years = 0
        self.surplus_years = 0
        self.released = 0.0  # plan reserve released this year, dwellings
        self.tax_change = 0.0  # percentage points decided this year

    def decide_plan_reserve(self, year: int) -> None:
        """Release building rights when the queue has persisted, and keep a routine reserve."""
        model, p, i = self.model, self.model.params.construction, self.index
        seen = model.construction
        if model.housing.queue[i] / max(seen.households[i], 1) > p.queue_trigger:
            self.queue_years += 1
        else:
            self.queue_years = 0
        release = 0.0
        if self.queue_years >= p.queue_trigger_years:
            release = np.ceil(p.release_share * seen.stock[i].sum())
            self.queue_years = 0
        wanted = seen.wanted[i].sum()
        floor = np.ceil(p.routine_release_years * wanted)
        release += max(0.0, floor - (model.plan_reserve[i] + release))
        model.plan_reserve[i] += release
        self.released += float(release)

    def decide_budget(self, year: int) -> None:
        """Adjust the tax rate after repeated deficits or surpluses.

        After ``deficit_years`` consecutive years with a negative result (the balance requirement)
        or with a result above ``surplus_share`` of revenue, the municipality changes its tax rate
        by what would bring the result back to the target share of revenue, at most ``tax_step``
        percentage points, within ``[min_tax_rate, max_tax_rate]``.
        """
        p = self.model.params.finance
        accounts = self.model.finance.accounts
        i = self.index
        result, revenue = accounts["result"][i], accounts["revenue"][i]
        if result < 0:
            self.deficit_years, self.surplus_years = self.deficit_years + 1, 0
        elif result > p.surplus_share * revenue:
            self.deficit_years, self.surplus_years = 0, self.surplus_years + 1
        else:
            self.deficit_years = self.surplus_years = 0
        if max(self.deficit_years, self.surplus_years) < p.deficit_years:
            return
        needed = (p.target_result_share * revenue - result) / accounts["taxable_income"][i] * 100
        new_rate = np.clip(
            self.tax_rate + np.clip(needed, -p.tax_step, p.tax_step),
            p.min_tax_rate,
            p.max_tax_rate,
        )
        self.tax_change += float(new_rate - self.tax_rate)
        self.tax_rate = float(new_rate)
        self.deficit_years = self.surplus_years = 0


class RegionModel(mesa.Model):
    """The regional growth model of one run.

    Parameters
    ----------
    inputs : RegionInputs
        The region's validated input tables.
    params : Params
        Model parameters (``configs/params``).
    seed : int
        The run seed; every submodel draws from its own named stream of it.
    base_year : int
        The year of the synthetic population; the first simulated year is ``base_year + 1``.
    """

    def __init__(
        self,
        inputs: RegionInputs,
        params: Params,
        seed: int,
        base_year: int,
        scenario: Scenario | None = None,
    ) -> None:
        super().__init__(seed=seed)
        scenario = scenario if scenario is not None else OmegaConf.structured(Scenario)
        self.scenario = scenario
        self.inputs = inputs
        self.params = params
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
        self.counters = {name: np.zeros(self.n_muni) for name in COUNTERS}
        # Ledgers of scenario money: one-off outlays by year, recurring operating costs by start.
        self.planned_investment: dict[int, np.ndarray] = {}
        self.recurring_operating: list[tuple[int, int, float]] = []

        self.demography = Demography(params.demography)
        self.labour = Labour(params.labour)
        self.migration = Migration(params.migration)
        self.housing = Housing(params.housing)
        self.construction = Construction(params.construction)
        self.finance = Finance(params.finance)
        self.culture = Culture(params.culture)
        self.interventions = Interventions(scenario)
        self.governance = Governance(params.governance, scenario)

        self.pop: Population = synthesize(self)
        muni = inputs.municipalities
        self.plan_reserve = muni["plan_reserve_dwellings"].to_numpy(dtype=np.float64)
        for i, (code, name, rate) in enumerate(
            zip(self.codes, self.names, muni["tax_rate_pct"], strict=True)
        ):
            Municipality(self, i, code, name, float(rate))
        self.municipalities = self.agents_by_type[Municipality]
        self.municipality_agents = sorted(self.municipalities, key=lambda agent: agent.index)

        # Interventions add their firms and facilities before labour and finance keep per-firm
        # and per-facility state; culture and housing come first because interventions use them.
        for submodel in (
            self.housing,
            self.culture,
            self.interventions,
            self.labour,
            self.finance,
            self.construction,
            self.migration,
            self.demography,
            self.governance,
        ):
            submodel.init(self)

        self.plan: list[tuple[str, Callable[[int], None]]] = [
            ("scenario", lambda year: self.interventions.step(self, year)),
            ("demography", lambda year: self.demography.step(self, year)),
            ("labour", lambda year: self.labour.step(self, year)),
            ("migration", lambda year: self.migration.step(self, year)),
            ("housing", lambda year: self.housing.step(self, year)),
            ("construction", lambda year: self.construction.step(self, year)),
            ("finance", lambda year: self.finance.step(self, year)),
            ("culture", lambda year: self.culture.step(self, year)),
            ("governance", lambda year: self.governance.step(self, year)),
        ]
        self.timings = {name: 0.0 for name, _ in self.plan}

    # ---- the loop ----
    def describe_plan(self) -> str:
        """The yearly step order, one step per line."""
        return "\n".join(f"{i + 1}. {name}" for i, (name, _) in enumerate(self.plan))

    def step(self) -> None:
        """Simulate one year."""
        self.year += 1
        self.pop.compact_persons()
        for name in self.counters:
            self.counters[name][:] = 0.0
        for m in self.municipalities:
            m.released = 0.0
            m.tax_change = 0.0
        for name, run_step in self.plan:
            start = time.perf_counter()
            run_step(self.year)
            self.timings[name] += time.perf_counter() - start

    def municipality_index(self, name_or_code: str) -> int:
        """Index of a municipality given by name or SCB code (validated scenarios only)."""
        return self._municipality_of[name_or_code]

    def plan_outlay(self, year: int, municipality: int, msek: float) -> None:
        """Book a one-off investment outlay of a municipality in a year (MSEK)."""
        ledger = self.planned_investment.setdefault(int(year), np.zeros(self.n_muni))
        ledger[municipality] += msek

    def plan_operating(self, start_year: int, municipality: int, msek: float) -> None:
        """Book a yearly operating cost of a municipality from ``start_year`` on (MSEK/year)."""
        self.recurring_operating.append((int(start_year), int(municipality), float(msek)))

    def scenario_operating(self, year: int) -> np.ndarray:
        """Recurring scenario operating costs due in ``year`` per municipality (MSEK)."""
        out = np.zeros(self.n_muni)
        for start, municipality, msek in self.recurring_operating:
            if start <= year:
                out[municipality] += msek
        return out

    def stream(self, name: str) -> np.random.Generator:
        """The named random stream of this run (created on first use)."""
        if name not in self._streams:
            self._streams[name] = stream(self.seed, name)
        return self._streams[name]

    def count(self, counter: str, municipality: np.ndarray) -> None:
        """Add events (one per entry, by municipality index) to a yearly counter."""
        self.counters[counter] += np.bincount(municipality, minlength=self.n_muni)

    # ---- derived municipal quantities, computed from the agent arrays ----
    @property
    def attractiveness(self) -> np.ndarray:
        return self.culture.attractiveness

    def tax_rates(self) -> np.ndarray:
        return np.array([m.tax_rate for m in self.municipalities])

    def resident_counts(self) -> np.ndarray:
        muni = self.pop.resident_municipality()
        return np.bincount(muni[muni >= 0], minlength=self.n_muni)

    def household_counts(self) -> np.ndarray:
        h = self.pop.households
        ok = h.alive[: h.n] & ~h.pending[: h.n]
        return np.bincount(h.municipality[: h.n][ok], minlength=self.n_muni)

    def unemployment_rate(self) -> np.ndarray:
        muni = self.pop.resident_municipality()
        act = self.pop.persons.activity[: self.pop.persons.n]
        ok = muni >= 0
        employed = np.bincount(muni[ok & (act == EMPLOYED)], minlength=self.n_muni)
        unemployed = np.bincount(muni[ok & (act == UNEMPLOYED)], minlength=self.n_muni)
        return unemployed / np.maximum(employed + unemployed, 1)

    def dwelling_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(stock, vacant) per municipality and dwelling type."""
        d = self.pop.dwellings
        alive = d.alive[: d.n]
        cell = (
            d.municipality[: d.n].astype(np.int64) * self.n_dwelling_types + d.dwelling_type[: d.n]
        )
        size = self.n_muni * self.n_dwelling_types
        shape = (self.n_muni, self.n_dwelling_types)
        stock = np.bincount(cell[alive], minlength=size).reshape(shape)
        vacant = np.bincount(cell[alive & (d.occupant[: d.n] == NO_ID)], minlength=size)
        return stock, vacant.reshape(shape)

    def resident_households(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, age of the oldest member, members) of the resident households."""
        h = self.pop.households
        sizes, _, _, oldest, _ = self.pop.household_summary()
        ids = np.flatnonzero(h.alive[: h.n] & ~h.pending[: h.n] & (sizes > 0))
        return ids, oldest[ids], sizes[ids]

    def residents_by_age_group(self) -> np.ndarray:
        return residents_by_age_group(self)
