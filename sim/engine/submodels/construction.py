"""Construction: market-led starts within the plan reserve, completions after a lag, demolition
and the exit of surplus vacant dwellings (to holiday homes).

Market-led starts per municipality and dwelling type are a base share of the stock, raised where
price indices exceed 1 (prices above building costs at base-year conditions) and lowered below it,
and limited by the plan reserve (building rights ready for construction). Municipalities decide on
releasing plan reserve (``Municipality.decide_plan_reserve`` in sim/engine/model.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.population import NO_ID
from sim.engine.submodels.base import Submodel

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder


class Construction(Submodel):
    """Starts, completions after ``lag_years``, demolitions and plan-reserve use."""

    name = "construction"

    def init(self, model: RegionModel) -> None:
        p = self.params
        shape = (model.n_muni, model.n_dwelling_types)
        # pipeline[k]: dwellings completing in k + 1 years.
        self.pipeline = np.zeros((p.lag_years, *shape), dtype=np.int64)
        stock, _ = model.dwelling_counts()
        # Documented assumption: construction under way at the start equals base-rate starts.
        self.pipeline[:] = np.round(stock * p.base_start_rate).astype(np.int64)
        self.stock = stock
        self.rooms_by_type = np.asarray(model.params.housing.rooms_by_type, dtype=np.int64)
        self.completions = np.zeros(shape)
        self.programme_built = np.zeros(shape)  # completed by scenario programmes this year
        self.starts = np.zeros(shape)
        self.demolitions = np.zeros(model.n_muni)

    def expected_starts(self, model: RegionModel) -> np.ndarray:
        """Market-led starts per municipality and type wanted this year, before the plan reserve."""
        p = self.params
        stock = self.stock
        pressure = np.maximum(0.0, 1.0 + p.price_elasticity * (model.housing.price_index - 1.0))
        return stock * p.base_start_rate * pressure

    def step(self, model: RegionModel, year: int) -> None:
        rng = model.stream(self.name)
        # Completions.
        done = self.pipeline[0].copy()
        self.pipeline[:-1] = self.pipeline[1:]
        self.pipeline[-1] = 0
        self.completions = done + self.programme_built
        self.programme_built = np.zeros_like(self.programme_built)
        self.build(model, rng, done, year)

        # Municipalities decide on plan reserve before this year's starts, seeing this year's
        # stock, households and wanted starts.
        self.stock, _ = model.dwelling_counts()
        self.households = model.household_counts()
        self.wanted = self.expected_starts(model)
        model.municipalities.do("decide_plan_reserve", year)
        # Starts, within the plan reserve.
        wanted = rng.poisson(self.wanted)
        total = wanted.sum(axis=1)
        reserve = model.plan_reserve
        scale = np.where(total > reserve, reserve / np.maximum(total, 1), 1.0)
        starts = np.floor(wanted * scale[:, None]).astype(np.int64)
        model.plan_reserve = reserve - starts.sum(axis=1)
        self.pipeline[-1] += starts
        self.starts = starts.astype(float)

        self._demolish(model, rng)

    def complete_programme(self, model: RegionModel, rng, counts: np.ndarray, year: int) -> None:
        """Add dwellings completed by a scenario's housing programme (counted in completions)."""
        self.programme_built += counts
        self.build(model, rng, counts, year)

    def build(self, model: RegionModel, rng, counts: np.ndarray, year: int) -> None:
        """Add completed dwellings: ``counts[municipality, type]``, rooms drawn around the type's
        mean."""
        munis, kinds = np.nonzero(counts)
        n = counts[munis, kinds]
        muni = np.repeat(munis, n)
        kind = np.repeat(kinds, n)
        rooms = np.clip(self.rooms_by_type[kind] + rng.integers(-1, 2, muni.size), 1, 8)
        model.pop.dwellings.add(
            muni.size,
            municipality=muni,
            dwelling_type=kind,
            rooms=rooms,
            year_built=year,
            occupant=NO_ID,
        )

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
        rec.put("plan_reserve", model.plan_reserve)
        rec.put("under_construction", self.pipeline.sum(axis=0))
