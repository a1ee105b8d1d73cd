"""What submodels share: quantities each published by one owner, and requests for money.

Submodels never read or write each other's attributes. A quantity one submodel computes for others
is *published* on the model's :class:`Shared` board by its owner, the only submodel allowed to
publish it (:data:`SHARED`), and read by the others as a read-only snapshot: what was published
stays what they read until the owner publishes again. Bookings of money that one submodel asks of
another (the scenario's investment outlays, the jointly decided facilities' investment and
operating costs, the network organisation's contributions) are :class:`Requests`, resolved by
municipal finance at its step. (The operating costs of a host municipality's own facilities are
on the facility, ``pop.facilities.operating_cost``.)

Examples
--------
>>> board = Shared()
>>> board.publish("housing", "queue", np.array([3.0, 0.0]))
>>> board["queue"].tolist()
[3.0, 0.0]
>>> board.publish("culture", "queue", np.zeros(2))
Traceback (most recent call last):
...
sim.engine.shared.OwnershipError: 'queue' is published by housing, not by culture
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SharedQuantity:
    """A published quantity: its owner (a submodel name), shape, units and meaning."""

    owner: str
    dims: str
    units: str
    doc: str


SHARED: dict[str, SharedQuantity] = {
    "tax_rate": SharedQuantity(
        "municipalities", "municipality", "percent", "Municipal income tax rate"
    ),
    "plan_reserve_released": SharedQuantity(
        "municipalities",
        "municipality",
        "dwellings",
        "Plan reserve released this year (scenario policies and the municipalities' own rule)",
    ),
    "recruit_slots": SharedQuantity(
        "labour",
        "firm",
        "positions",
        "New positions of this year offered to workers who move into the region",
    ),
    "arrived_job_seekers": SharedQuantity(
        "migration",
        "person id",
        "persons",
        "Unemployed members of this year's in-migrant households, who search for a job (person "
        "ids, valid until the persons are compacted at the start of the next year)",
    ),
    "queue": SharedQuantity(
        "housing",
        "municipality",
        "households",
        "Housing queue: resident households without a dwelling, plus in-migrant households "
        "turned away this year",
    ),
    "net_moves": SharedQuantity(
        "housing",
        "municipality",
        "persons",
        "Persons who moved in from other municipalities of the region this year, minus those who "
        "moved out to them",
    ),
    "price_index": SharedQuantity(
        "housing",
        "municipality x dwelling_type",
        "1",
        "Housing price index (base year = 1)",
    ),
    "programme_dwellings": SharedQuantity(
        "scenario",
        "municipality x dwelling_type",
        "dwellings",
        "Dwellings completed this year by the scenario's housing programmes",
    ),
    "dwelling_stock": SharedQuantity(
        "construction",
        "municipality x dwelling_type",
        "dwellings",
        "Dwelling stock after this year's completions",
    ),
    "resident_households": SharedQuantity(
        "construction",
        "municipality",
        "households",
        "Resident households when this year's completions are in",
    ),
    "wanted_starts": SharedQuantity(
        "construction",
        "municipality x dwelling_type",
        "dwellings",
        "Market-led starts wanted this year, before the plan reserve limits them",
    ),
    "plan_reserve": SharedQuantity(
        "construction",
        "municipality",
        "dwellings",
        "Plan reserve: building rights ready for construction (before this year's release when "
        "the municipalities decide, after this year's starts at the end of the year)",
    ),
    "taxable_income": SharedQuantity(
        "finance", "municipality", "MSEK/year", "Residents' taxable income"
    ),
    "municipal_revenue": SharedQuantity(
        "finance", "municipality", "MSEK/year", "Municipal revenue: tax and state grants"
    ),
    "municipal_result": SharedQuantity(
        "finance", "municipality", "MSEK/year", "Municipal result: revenue minus costs"
    ),
    "cultural_access": SharedQuantity(
        "culture",
        "municipality",
        "places",
        "Type-weighted cultural places reachable, decayed by travel time",
    ),
    "attractiveness": SharedQuantity(
        "culture", "municipality", "1", "Attractiveness index (feeds migration and housing choice)"
    ),
    "base_attractiveness": SharedQuantity(
        "culture", "municipality", "1", "Attractiveness index in the base year"
    ),
}


class OwnershipError(RuntimeError):
    """A submodel published a quantity that another submodel owns, or an undeclared one."""


class Shared:
    """The board of published quantities of one run (see the module docstring)."""

    def __init__(self, quantities: dict[str, SharedQuantity] = SHARED) -> None:
        self.quantities = quantities
        self._values: dict[str, np.ndarray] = {}

    def publish(self, owner: str, name: str, value: np.ndarray) -> None:
        """Publish ``value`` (copied, read-only) as ``name``; only its owner may."""
        declared = self.quantities.get(name)
        if declared is None:
            raise OwnershipError(f"{name!r} is not a shared quantity; declare it in SHARED")
        if declared.owner != owner:
            raise OwnershipError(f"{name!r} is published by {declared.owner}, not by {owner}")
        snapshot = np.array(value, copy=True)
        snapshot.flags.writeable = False
        self._values[name] = snapshot

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._values[name]
        except KeyError:
            owner = self.quantities[name].owner if name in self.quantities else "nobody"
            raise KeyError(f"{name!r} has not been published yet (its owner: {owner})") from None


class Requests:
    """Money that submodels book for municipal finance, which takes it at its step.

    Bookings are kept in the order they were made, so that sums are the same whatever the number
    of submodels booking (floating-point addition is not associative).
    """

    def __init__(self) -> None:
        self._outlays: list[tuple[int, int, float]] = []
        self._operating: list[tuple[int, int, float]] = []

    def book_outlay(self, year: int, municipality: int, msek: float) -> None:
        """A one-off investment outlay of ``municipality`` in ``year`` (MSEK)."""
        self._outlays.append((int(year), int(municipality), float(msek)))

    def book_operating(self, start_year: int, municipality: int, msek: float) -> None:
        """A yearly operating cost of ``municipality`` from ``start_year`` on (MSEK/year)."""
        self._operating.append((int(start_year), int(municipality), float(msek)))

    def take(self) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
        """(outlays, operating costs) booked since the last call, in booking order."""
        taken = (self._outlays, self._operating)
        self._outlays, self._operating = [], []
        return taken
