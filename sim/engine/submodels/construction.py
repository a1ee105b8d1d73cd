"""Construction: market-led starts within the plan reserve, completions after a lag, demolition
and the exit of surplus vacant dwellings (to holiday homes).

Market-led starts per municipality and dwelling type are a base share of the stock, raised where
price indices exceed 1 (prices above building costs at base-year conditions) and lowered below it,
and limited by the plan reserve (building rights ready for construction). Municipalities decide on
releasing plan reserve between completions and starts (``Municipality.decide_plan_reserve`` in
municipalities.py); construction owns the reserve and adds what they released before starting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.population import NO_ID, Population
from sim.engine.submodels.base import Submodel
from sim.io.results import DWELLINGS, MD, M, flow, stock

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder


def build_dwellings(
    pop: Population, rng, counts: np.ndarray, rooms_by_type: np.ndarray, year: int
) -> None:
    """Add completed dwellings: ``counts[municipality, type]``, rooms drawn around the type's
    mean."""
    munis, kinds = np.nonzero(counts)
    n = counts[munis, kinds]
    muni = np.repeat(munis, n)
    kind = np.repeat(kinds, n)
    rooms = np.clip(rooms_by_type[kind] + rng.integers(-1, 2, muni.size), 1, 8)
    pop.dwellings.add(
        muni.size,
        municipality=muni,
        dwelling_type=kind,
        rooms=rooms,
        year_built=year,
        occupant=NO_ID,
    )


class Construction(Submodel):
    """Starts, completions after ``lag_years``, demolitions and the plan reserve."""

    name = "construction"
    steps = {"completions": "complete", "starts": "start"}
    results = (
        flow(
            "completions",
            MD,
            DWELLINGS,
            "Dwellings completed during the year (market-led and programmes)",
        ),
        flow("housing_starts", MD, DWELLINGS, "Dwellings started during the year"),
        flow(
            "demolitions",
            M,
            DWELLINGS,
            "Dwellings demolished or converted to holiday homes during the year",
        ),
        stock("plan_reserve", M, DWELLINGS, "Plan reserve: building rights ready for construction"),
        stock(
            "under_construction",
            MD,
            DWELLINGS,
            "Dwellings under construction at the end of the year",
        ),
    )

    def init(self, model: RegionModel) -> None:
        p = self.params
        shape = (model.n_muni, model.n_dwelling_types)
        # pipeline[k]: dwellings completing in k + 1 years.
        self.pipeline = np.zeros((p.lag_years, *shape), dtype=np.int64)
        stock, _ = model.dwelling_counts()
        # Documented assumption: construction under way at the start equals base-rate starts.
        self.pipeline[:] = np.round(stock * p.base_start_rate).astype(np.int64)
        self.rooms_by_type = np.asarray(model.params.housing.rooms_by_type, dtype=np.int64)
        muni = model.inputs.municipalities
        self.plan_reserve = muni["plan_reserve_dwellings"].to_numpy(dtype=np.float64)
        self.completions = np.zeros(shape)
        self.starts = np.zeros(shape)
        self.demolitions = np.zeros(model.n_muni)
        self.publish(model, "plan_reserve", self.plan_reserve)

    def expected_starts(self, stock: np.ndarray, price_index: np.ndarray) -> np.ndarray:
        """Market-led starts per municipality and type wanted this year, before the plan reserve."""
        p = self.params
        margin = price_index / p.building_cost_index  # prices against building costs
        pressure = np.maximum(0.0, 1.0 + p.price_elasticity * (margin - 1.0))
        return stock * p.base_start_rate * pressure

    def complete(self, model: RegionModel, year: int) -> None:
        """Dwellings started lag_years ago are completed; stock and wanted starts published.

        What the municipalities need for their plan reserve decision is published: the stock
        and households after completions, the wanted starts and the plan reserve.
        """
        rng = model.stream(self.name)
        done = self.pipeline[0].copy()
        self.pipeline[:-1] = self.pipeline[1:]
        self.pipeline[-1] = 0
        # Programme dwellings were built by the scenario step; they count as completions.
        self.completions = done + model.shared["programme_dwellings"]
        build_dwellings(model.pop, rng, done, self.rooms_by_type, year)
        stock, _ = model.dwelling_counts()
        self.publish(model, "dwelling_stock", stock)
        self.publish(model, "resident_households", model.household_counts())
        self.publish(
            model, "wanted_starts", self.expected_starts(stock, model.shared["price_index"])
        )
        self.publish(model, "plan_reserve", self.plan_reserve)

    def start(self, model: RegionModel, year: int) -> None:
        """Starts within the plan reserve (with this year's releases); demolitions."""
        rng = model.stream(self.name)
        reserve = self.plan_reserve + model.shared["plan_reserve_released"]
        wanted = rng.poisson(model.shared["wanted_starts"])
        total = wanted.sum(axis=1)
        scale = np.where(total > reserve, reserve / np.maximum(total, 1), 1.0)
        starts = np.floor(wanted * scale[:, None]).astype(np.int64)
        self.plan_reserve = reserve - starts.sum(axis=1)
        self.pipeline[-1] += starts
        self.starts = starts.astype(float)
        self._demolish(model, rng)
        self.publish(model, "plan_reserve", self.plan_reserve)

    def _demolish(self, model: RegionModel, rng) -> None:
        d = model.pop.dwellings
        stock, vacant = model.dwelling_counts()
        p = self.params
        natural = model.params.housing.natural_vacancy
        expected = stock.sum(axis=1) * p.demolition_rate
        # Vacancy far above the natural rate leaves the market: surplus houses become holiday
        # homes or are torn down (common in shrinking Swedish rural municipalities).
        surplus = np.maximum(
            vacant.sum(axis=1) - p.surplus_vacancy_factor * natural * stock.sum(axis=1), 0
        )
        expected = expected + p.surplus_exit_rate * surplus
        target = np.minimum(rng.poisson(expected), vacant.sum(axis=1))
        ids = np.flatnonzero(d.alive[: d.n] & (d.occupant[: d.n] == NO_ID))
        # The oldest vacant dwellings of each municipality go first.
        order = np.lexsort((d.year_built[ids], d.municipality[ids]))
        ids = ids[order]
        muni = d.municipality[ids]
        rank = np.arange(ids.size) - np.searchsorted(muni, muni)
        gone = ids[rank < target[muni]]
        d.alive[gone] = False
        self.demolitions = np.bincount(d.municipality[gone], minlength=model.n_muni).astype(float)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("completions", self.completions)
        rec.put("housing_starts", self.starts)
        rec.put("demolitions", self.demolitions)
        rec.put("plan_reserve", self.plan_reserve)
        rec.put("under_construction", self.pipeline.sum(axis=0))
