"""Cultural access and attractiveness.

The facilities are agent arrays (``pop.facilities``): the region's existing ones from the inputs,
the scenario's cultural investments and the jointly decided facilities. Cultural access of a
municipality sums the capacities (visitor places) of open facilities, weighted
by type and decaying exponentially with travel time. Attractiveness combines access, public
services, housing availability, the labour market and prices, each relative to base-year regional
levels, and the municipal tax rate relative to the region's mean this year, and feeds migration
and location choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.submodels.base import Submodel
from sim.engine.submodels.housing import effective_vacancy
from sim.io.inputs import FACILITY_TYPES
from sim.io.results import FACILITIES, PLACES, RATIO, M, stock

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

PUBLIC_SERVICES = "public_services"


def facility_weight(p, facility_type: str, type_weight: float | None = None) -> float:
    """Weight of a place of a facility type (``p``: culture parameters); user-defined types bring
    their own weight."""
    if type_weight is not None:
        return float(type_weight)
    return float(np.asarray(p.type_weight, dtype=np.float64)[FACILITY_TYPES.index(facility_type)])


def access_decay(travel: np.ndarray, n_muni: int, decay_minutes: float) -> np.ndarray:
    """Weight of a place reachable from each municipality (rows) in each (columns)."""
    return np.exp(-travel[:n_muni, :n_muni] / decay_minutes)


def relative_tax_rate(tax_rate: np.ndarray, residents: np.ndarray) -> np.ndarray:
    """Tax rate above the region's mean rate weighted by residents (percentage points): movers
    compare rates within the area they choose from, so a rise everywhere changes no one's place.

    >>> relative_tax_rate(np.array([21.0, 22.0]), np.array([3, 1])).tolist()
    [-0.25, 0.75]
    """
    weights = np.maximum(residents.astype(np.float64), 0.0)
    if weights.sum() <= 0:
        return np.zeros_like(tax_rate, dtype=np.float64)
    return tax_rate - np.average(tax_rate, weights=weights)


class Culture(Submodel):
    """Cultural access and the attractiveness index, from the facilities open."""

    name = "culture"
    steps = {"culture": "step"}
    keeps_residents = frozenset({"step"})
    results = (
        stock(
            "cultural_access",
            M,
            PLACES,
            "Type-weighted cultural places reachable, decayed by travel time",
        ),
        stock(
            "attractiveness", M, RATIO, "Attractiveness index (exp of weighted standardised terms)"
        ),
        stock("facilities_open", M, FACILITIES, "Cultural facilities open in the municipality"),
    )

    def init(self, model: RegionModel) -> None:
        self.decay = access_decay(model.travel, model.n_muni, self.params.decay_minutes)
        self.on_base_year(model)

    def on_base_year(self, model: RegionModel) -> None:
        """Base-year references: the regional means attractiveness is measured against."""
        self.access = self.cultural_access(model, model.base_year)
        self.base_access_mean = float(self.access.mean())
        census = model.census()
        services = self._services_per_resident(model, census.residents)
        self.base_services_mean = float(services.mean())
        self.base_employment_mean = float((1 - census.unemployment_rate).mean())
        vacancy = effective_vacancy(model, model.shared["queue"])
        self.base_vacancy_mean = float(vacancy.mean())
        self.attractiveness = self._attractiveness(model)
        self.publish(model, "base_attractiveness", self.attractiveness)
        self._publish(model)

    def _publish(self, model: RegionModel) -> None:
        self.publish(model, "cultural_access", self.access)
        self.publish(model, "attractiveness", self.attractiveness)

    def cultural_access(self, model: RegionModel, year: int) -> np.ndarray:
        """Type-weighted places reachable from each municipality, decayed by travel time."""
        fac = model.pop.facilities
        places = np.where(fac.is_open(year), fac.capacity[: fac.n] * fac.weight[: fac.n], 0.0)
        return self.decay[:, fac.municipality[: fac.n]] @ places

    def _services_per_resident(self, model: RegionModel, residents: np.ndarray) -> np.ndarray:
        f = model.pop.firms
        sector = model.sectors.index(PUBLIC_SERVICES)
        public = f.alive[: f.n] & (f.sector[: f.n] == sector)
        jobs = np.bincount(
            f.municipality[: f.n][public],
            weights=f.positions[: f.n][public],
            minlength=model.n_muni,
        )
        return jobs / np.maximum(residents, 1)

    def _attractiveness(self, model: RegionModel) -> np.ndarray:
        p = self.params
        census = model.census()
        residents = census.residents
        access = np.log(np.maximum(self.access, 1e-9) / self.base_access_mean)
        services = np.log(
            np.maximum(self._services_per_resident(model, residents), 1e-9)
            / self.base_services_mean
        )
        housing = effective_vacancy(model, model.shared["queue"]) - self.base_vacancy_mean
        labour = (1 - census.unemployment_rate) - self.base_employment_mean
        prices = np.log(model.shared["price_index"].mean(axis=1))
        index = (
            p.weight_access * access
            + p.weight_services * services
            + p.weight_housing * housing
            + p.weight_labour * labour
            - p.weight_prices * prices
            - p.weight_tax * relative_tax_rate(model.shared["tax_rate"], residents)
        )
        return np.exp(index)

    def step(self, model: RegionModel, year: int) -> None:
        """Cultural access of open facilities; attractiveness, with services, housing, jobs, tax.

        Attractiveness combines access, public services, housing availability, the labour market,
        prices and the tax rate relative to the region's.
        """
        self.access = self.cultural_access(model, year)
        self.attractiveness = self._attractiveness(model)
        self._publish(model)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        fac = model.pop.facilities
        rec.put("cultural_access", self.access)
        rec.put("attractiveness", self.attractiveness)
        rec.put(
            "facilities_open",
            np.bincount(fac.municipality[: fac.n][fac.is_open(model.year)], minlength=model.n_muni),
        )
