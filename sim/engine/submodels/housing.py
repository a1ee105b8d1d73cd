"""The housing market: who moves, where to, the queue, and prices.

Households move on life events (no dwelling: young adults who left home, separated partners,
arriving in-migrants) and on mismatch (crowding, a long commute), plus a base mobility. Each mover
compares a sample of vacant dwellings by a utility of cost against income, commute, attractiveness,
size and type (sim/engine/kernels/housing.py). Households without a dwelling after the market
form the queue. Price indices move with the gap between the natural and the actual vacancy rate
of each dwelling type; the queue acts through construction (municipalities release plan reserve) and
attractiveness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.kernels.housing import choose_dwellings, who_moves
from sim.engine.population import NO_ID
from sim.engine.submodels.base import Submodel
from sim.io.results import DWELLINGS, HOUSEHOLDS, MD, PERSONS, RATIO, M, flow, stock

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder


def queue_counts(model: RegionModel) -> np.ndarray:
    """Resident households without a dwelling, per municipality."""
    h = model.pop.households
    waiting = h.alive[: h.n] & (h.dwelling[: h.n] == NO_ID) & ~h.pending[: h.n]
    return np.bincount(h.municipality[: h.n][waiting], minlength=model.n_muni).astype(float)


def effective_vacancy(model: RegionModel, queue: np.ndarray) -> np.ndarray:
    """(vacant dwellings - queue) / stock per municipality."""
    stock, vacant = model.dwelling_counts()
    return (vacant.sum(axis=1) - queue) / np.maximum(stock.sum(axis=1), 1)


class Housing(Submodel):
    """Household moves among vacant dwellings, the housing queue and price indices."""

    name = "housing"
    steps = {"housing": "step"}
    results = (
        flow("in_migration", M, PERSONS, "Persons moving into the region during the year"),
        flow("moves_in", M, PERSONS, "Persons moving in from another municipality of the region"),
        flow("moves_out", M, PERSONS, "Persons moving out to another municipality of the region"),
        flow(
            "unmet_in_migration",
            M,
            HOUSEHOLDS,
            "In-migrant households that found no dwelling and did not move in",
        ),
        stock("dwellings", MD, DWELLINGS, "Dwelling stock at the end of the year"),
        stock("vacant_dwellings", MD, DWELLINGS, "Vacant dwellings at the end of the year"),
        stock(
            "housing_queue",
            M,
            HOUSEHOLDS,
            "Households without a dwelling of their own (housing queue)",
        ),
        stock("price_index", MD, RATIO, "Housing price index (base year = 1)"),
    )

    def init(self, model: RegionModel) -> None:
        p = self.params
        self.search_decay = np.exp(-p.search_beta * model.travel[:, : model.n_muni])
        self.weights = np.array(
            [
                p.price_weight,
                p.commute_weight,
                p.attractiveness_weight,
                p.size_weight,
                p.detached_family_bonus,
            ]
        )
        self.cost_per_room = np.asarray(p.cost_per_room, dtype=np.float64)
        self.price_index = np.ones((model.n_muni, model.n_dwelling_types))
        self.queue = queue_counts(model)
        for name in ("in_migration", "moves_in", "moves_out", "unmet_in_migration"):
            setattr(self, name, np.zeros(model.n_muni))
        self._publish(model)

    def _publish(self, model: RegionModel) -> None:
        self.publish(model, "queue", self.queue)
        self.publish(model, "net_moves", self.moves_in - self.moves_out)
        self.publish(model, "price_index", self.price_index)

    def dwelling_cost(self, model: RegionModel) -> np.ndarray:
        """Yearly housing cost of every dwelling, kSEK: rooms x cost per room x price index."""
        d = model.pop.dwellings
        n = d.n
        muni = np.maximum(d.municipality[:n], 0)
        kind = d.dwelling_type[:n]
        return d.rooms[:n] * self.cost_per_room[kind] * self.price_index[muni, kind]

    def step(self, model: RegionModel, year: int) -> None:
        """Movers choose among vacant dwellings; the unhoused queue; prices follow vacancy."""
        rng = model.stream(self.name)
        pop = model.pop
        h, d = pop.households, pop.dwellings
        p = self.params
        nh = h.n

        sizes, income, children, _, main_work = pop.household_summary()

        movers = who_moves(
            h.alive[:nh],
            h.dwelling[:nh],
            h.municipality[:nh],
            sizes,
            main_work,
            d.rooms,
            model.travel,
            rng.random(nh),
            p.base_mobility,
            p.crowding_move_rate,
            p.commute_move_limit,
            p.commute_move_rate,
        )
        movers = rng.permutation(movers)

        vacant = d.alive[: d.n] & (d.occupant[: d.n] == NO_ID)
        k = p.candidates
        chosen = choose_dwellings(
            h.dwelling[movers],
            h.municipality[movers],
            h.pending[movers],
            main_work[movers],
            income[movers],
            sizes[movers],
            children[movers],
            d.municipality[: d.n],
            d.dwelling_type[: d.n],
            d.rooms[: d.n],
            self.dwelling_cost(model),
            vacant,
            model.shared["attractiveness"],
            model.travel,
            self.search_decay,
            self.weights,
            p.own_municipality_share,
            p.moving_cost,
            p.max_cost_share,
            p.queue_reservation,
            np.empty((0, k + 1, 4)),  # each mover's draws are taken from rng in turn
            rng,
        )
        moved = chosen >= 0
        hm, new = movers[moved], chosen[moved]
        old_muni = h.municipality[hm].copy()
        new_muni = d.municipality[new]
        pending = h.pending[hm]
        pop.vacate(hm)
        h.dwelling[hm] = new
        d.occupant[new] = hm
        h.municipality[hm] = new_muni
        h.years_at_address[:nh] += 1
        h.years_at_address[hm] = 0
        h.years_waiting[hm] = 0

        # Accounting: arrivals are in-migration, changes of municipality are moves.
        members = sizes[hm]
        arrived = pending
        relocated = ~pending & (old_muni != new_muni)
        n = model.n_muni
        self.in_migration = np.bincount(np.repeat(new_muni[arrived], members[arrived]), minlength=n)
        self.moves_out = np.bincount(
            np.repeat(old_muni[relocated], members[relocated]), minlength=n
        )
        self.moves_in = np.bincount(np.repeat(new_muni[relocated], members[relocated]), minlength=n)
        h.pending[hm] = False
        h.recruited[hm] = False

        self.unmet_in_migration = self._turn_away(model)
        waiting = h.alive[: h.n] & (h.dwelling[: h.n] == NO_ID)
        h.years_waiting[: h.n][waiting] += 1
        self.queue = queue_counts(model) + self.unmet_in_migration
        self._update_prices(model)
        self._publish(model)

    def _turn_away(self, model: RegionModel) -> np.ndarray:
        """In-migrants who found no dwelling: recruited workers commute in from outside instead,
        the others do not come. Both count as unmet housing demand (returned per municipality)."""
        pop = model.pop
        h, per = pop.households, pop.persons
        failed = np.flatnonzero(h.alive[: h.n] & h.pending[: h.n])
        unmet = np.bincount(h.municipality[failed], minlength=model.n_muni).astype(float)
        if failed.size == 0:
            return unmet
        is_failed = np.zeros(h.n, dtype=bool)
        is_failed[failed] = True
        persons = pop.members(is_failed)
        recruited = h.recruited[per.household[persons]]
        workers = persons[(per.firm[persons] >= 0) & recruited]
        np.add.at(pop.firms.filled_external, per.firm[workers], 1)
        pop.remove_persons(persons)
        h.pending[failed] = False
        h.recruited[failed] = False
        return unmet

    def _update_prices(self, model: RegionModel) -> None:
        p = self.params
        stock, vacant = model.dwelling_counts()
        vacancy = vacant / np.maximum(stock, 1)
        change = np.clip(
            p.price_adjustment * (p.natural_vacancy - vacancy),
            -p.max_price_change,
            p.max_price_change,
        )
        self.price_index *= np.exp(change)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        for name in ("in_migration", "moves_in", "moves_out", "unmet_in_migration"):
            rec.put(name, getattr(self, name))
        stock, vacant = model.dwelling_counts()
        rec.put("dwellings", stock)
        rec.put("vacant_dwellings", vacant)
        rec.put("housing_queue", self.queue)
        rec.put("price_index", self.price_index)
