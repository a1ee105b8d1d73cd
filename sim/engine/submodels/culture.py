"""Cultural access and attractiveness.

Cultural access of a municipality sums the capacities (visitor places) of open facilities, weighted
by type and decaying exponentially with travel time. Attractiveness combines access, public
services, housing availability, the labour market and prices, each relative to base-year regional
levels, and feeds migration and location choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.submodels.base import Submodel
from sim.io.inputs import FACILITY_TYPES

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

PUBLIC_SERVICES = "public_services"


class Culture(Submodel):
    """Facilities, cultural access and the attractiveness index."""

    name = "culture"

    def init(self, model: RegionModel) -> None:
        fac = model.inputs.culture_facilities
        code_index = {code: i for i, code in enumerate(model.codes)}
        self.facility_muni = fac["code"].map(code_index).to_numpy(dtype=np.int64)
        facility_type = (
            fac["facility_type"].map({t: i for i, t in enumerate(FACILITY_TYPES)}).to_numpy()
        )
        self.capacity = fac["capacity"].to_numpy(dtype=np.float64)
        self.opening_year = fac["opening_year"].to_numpy(dtype=np.int64)
        self.operating_cost = fac["operating_cost_msek"].to_numpy(dtype=np.float64)
        self.type_weight = np.asarray(self.params.type_weight, dtype=np.float64)
        self.weight = self.type_weight[facility_type]
        self.decay = np.exp(
            -model.travel[: model.n_muni, : model.n_muni] / self.params.decay_minutes
        )
        self.access = self.cultural_access(model.base_year)
        self.base_access_mean = float(self.access.mean())
        services = self._services_per_resident(model)
        self.base_services_mean = float(services.mean())
        self.base_employment_mean = float((1 - model.unemployment_rate()).mean())
        self.base_vacancy_mean = float(model.housing.effective_vacancy(model).mean())
        self.attractiveness = self._attractiveness(model)

    def weight_of(self, facility_type: str, type_weight: float | None = None) -> float:
        """Weight of a place of a facility type; user-defined types bring their own weight."""
        if type_weight is not None:
            return float(type_weight)
        return float(self.type_weight[FACILITY_TYPES.index(facility_type)])

    def add_facility(
        self, muni: int, weight: float, capacity: float, opening: int, cost: float
    ) -> int:
        """Register a new facility (from a scenario); ``cost`` is the yearly operating cost charged
        to the host municipality (MSEK). Returns the facility's index."""
        self.facility_muni = np.append(self.facility_muni, muni)
        self.weight = np.append(self.weight, weight)
        self.capacity = np.append(self.capacity, capacity)
        self.opening_year = np.append(self.opening_year, opening)
        self.operating_cost = np.append(self.operating_cost, cost)
        return self.capacity.size - 1

    def is_open(self, year: int) -> np.ndarray:
        return self.opening_year <= year

    def cultural_access(self, year: int) -> np.ndarray:
        """Type-weighted places reachable from each municipality, decayed by travel time."""
        places = np.where(self.is_open(year), self.capacity * self.weight, 0.0)
        return self.decay[:, self.facility_muni] @ places

    def operating_costs(self, model: RegionModel) -> np.ndarray:
        """Yearly operating costs of the open facilities per host municipality, MSEK."""
        cost = np.where(self.is_open(model.year), self.operating_cost, 0.0)
        return np.bincount(self.facility_muni, weights=cost, minlength=model.n_muni)

    def _services_per_resident(self, model: RegionModel) -> np.ndarray:
        f = model.pop.firms
        sector = model.sectors.index(PUBLIC_SERVICES)
        public = f.alive[: f.n] & (f.sector[: f.n] == sector)
        jobs = np.bincount(
            f.municipality[: f.n][public],
            weights=f.positions[: f.n][public],
            minlength=model.n_muni,
        )
        return jobs / np.maximum(model.resident_counts(), 1)

    def _attractiveness(self, model: RegionModel) -> np.ndarray:
        p = self.params
        access = np.log(np.maximum(self.access, 1e-9) / self.base_access_mean)
        services = np.log(
            np.maximum(self._services_per_resident(model), 1e-9) / self.base_services_mean
        )
        housing = model.housing.effective_vacancy(model) - self.base_vacancy_mean
        labour = (1 - model.unemployment_rate()) - self.base_employment_mean
        prices = np.log(model.housing.price_index.mean(axis=1))
        index = (
            p.weight_access * access
            + p.weight_services * services
            + p.weight_housing * housing
            + p.weight_labour * labour
            - p.weight_prices * prices
        )
        return np.exp(index)

    def step(self, model: RegionModel, year: int) -> None:
        self.access = self.cultural_access(year)
        self.attractiveness = self._attractiveness(model)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("cultural_access", self.access)
        rec.put("attractiveness", self.attractiveness)
        rec.put(
            "facilities_open",
            np.bincount(self.facility_muni[self.is_open(model.year)], minlength=model.n_muni),
        )
