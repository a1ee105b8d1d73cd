"""Labour demand, job matching and commuting, and the activity of persons.

Labour demand per municipality and sector follows a sector trend for base sectors and the
population served for local sectors (the regional multiplier: more residents, more shops, schools
and care). Seekers choose among vacancies everywhere with a probability falling with travel time,
so the commuting matrix emerges from the matching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.kernels.labour import (
    activity_transitions,
    external_jobs_held,
    incomes,
    lay_off,
    match_jobs,
    workers_of,
)
from sim.engine.population import (
    NO_ID,
    UNEMPLOYED,
    Population,
)
from sim.engine.submodels.base import Submodel
from sim.io.results import MINUTES, MS, PERSONS, POSITIONS, RATIO, M, flow, stock

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.inputs import RegionInputs
    from sim.io.results import Recorder


class Labour(Submodel):
    """Activity transitions, labour demand, lay-offs, job matching and in-commuting."""

    name = "labour"
    steps = {"labour": "step", "arrivals": "match_arrivals"}
    results = (
        stock("jobs", MS, POSITIONS, "Job positions at workplaces in the municipality"),
        stock(
            "filled_jobs", MS, POSITIONS, "Filled job positions at workplaces in the municipality"
        ),
        stock(
            "jobs_held_by_incommuters_from_outside",
            M,
            POSITIONS,
            "Positions held by in-commuters living outside the region",
        ),
        flow("open_vacancies", M, POSITIONS, "Vacancies left open after matching and in-commuting"),
        flow(
            "recruitment_positions",
            M,
            POSITIONS,
            "New positions filled from outside: by in-commuters or recruits",
        ),
        stock("employed_residents", M, PERSONS, "Employed residents (anywhere)"),
        stock("unemployed_residents", M, PERSONS, "Unemployed residents seeking work"),
        stock("unemployment_rate", M, RATIO, "Unemployed share of the resident labour force"),
        stock(
            "commuting",
            ("origin", "destination"),
            PERSONS,
            "Employed residents by home and workplace",
        ),
        stock(
            "mean_commute_minutes",
            M,
            MINUTES,
            "Mean one-way travel time to work of employed residents",
        ),
    )

    def __init__(self, params, scenario) -> None:
        super().__init__(params, scenario)
        self.education_factor = np.asarray(self.params.education_wage_factor, dtype=np.float32)
        self.local = np.asarray(self.params.local_sectors, dtype=bool)
        self.trend = np.asarray(self.params.sector_trend, dtype=np.float64)
        self.retirement_rates = np.asarray(self.params.retirement_rates, dtype=np.float64)

    def init(self, model: RegionModel) -> None:
        self.decay = commute_decay(model.travel, model.n_muni, self.params)
        self.incommuter_rate = incommuter_rates(model.travel, model.n_muni, self.params)
        # Local-sector jobs are the inputs' at the inputs' population (the base year's).
        self.base_served = model.inputs.municipalities["population"].to_numpy(dtype=np.float64)
        self.open_vacancies = np.zeros(model.n_muni)
        f = model.pop.firms
        self.last_positions = f.positions[: f.n].astype(np.int64)
        self.reserved = np.zeros(f.n, dtype=np.int64)
        self.recruit_slots = np.zeros(f.n, dtype=np.int64)
        self.publish(model, "recruit_slots", self.recruit_slots)

    def step(self, model: RegionModel, year: int) -> None:
        """New entrants, retirements, separations; labour demand; matching and in-commuting."""
        rng = model.stream(self.name)
        self._transitions(model, rng)
        self._demand(model, year, rng)
        self._match(model, rng)
        update_incomes(model.pop, self.params, self.education_factor)

    def match_arrivals(self, model: RegionModel, year: int) -> None:
        """This year's in-migrants search for jobs at once, from their destination."""
        # Its own stream: how many arrive (migration) does not shift labour's other draws.
        rng = model.stream("labour.arrivals")
        pop = model.pop
        seekers = model.shared["arrived_job_seekers"]
        home = pop.households.municipality[pop.persons.household[seekers]]
        no_external = np.zeros(model.n_nodes - model.n_muni)
        match_persons(pop, self.params, rng, seekers, home, self.decay, no_external)
        update_incomes(pop, self.params, self.education_factor)

    # -- activity transitions: new entrants, retirements, separations --
    def _transitions(self, model: RegionModel, rng: np.random.Generator) -> None:
        per, p = model.pop.persons, self.params
        n = per.n
        u, v, w = rng.random(n), rng.random(n), rng.random(n)
        activity_transitions(
            per.alive[:n],
            per.age[:n],
            per.activity[:n],
            per.education[:n],
            per.firm[:n],
            per.work_node[:n],
            model.pop.firms.filled,
            u,
            v,
            w,
            p.upper_secondary_exit_share,
            p.student_exit_rate,
            self.retirement_rates,
            p.separation_rate,
            p.outside_entry_rate,
            p.outside_exit_rate,
        )

    # -- labour demand with the regional multiplier --
    def _demand(self, model: RegionModel, year: int, rng: np.random.Generator) -> None:
        f = model.pop.firms
        served = model.resident_counts().astype(np.float64)
        ratio = np.ones((model.n_muni, model.n_sectors))
        t = year - model.base_year
        ratio[:, ~self.local] = (1.0 + self.trend[~self.local]) ** t
        local_ratio = (served / np.maximum(self.base_served, 1.0)) ** self.params.local_elasticity
        ratio[:, self.local] = local_ratio[:, None]
        base = (f.alive[: f.n]) & (f.intervention[: f.n] == NO_ID)
        ids = np.flatnonzero(base)
        factor = ratio[f.municipality[ids], f.sector[ids]]
        f.positions[ids] = np.round(f.base_positions[ids] * factor).astype(np.int32)

        # Lay-offs where a firm holds more workers than positions: in-commuters go first.
        excess = f.filled[: f.n] + f.filled_external[: f.n] - f.positions[: f.n]
        excess = np.maximum(excess, 0)
        external_cut = np.minimum(excess, f.filled_external[: f.n])
        f.filled_external[: f.n] -= external_cut
        excess -= external_cut
        if excess.any():
            # Only the workers of firms with an excess can be laid off: a random order of them
            # (not of every worker) gives each such firm a uniformly drawn set of leavers.
            per = model.pop.persons
            workers = workers_of(per.alive[: per.n], per.firm[: per.n], excess > 0)
            workers = rng.permutation(workers)
            laid_off = workers[lay_off(per.firm[workers].astype(np.int64), excess.astype(np.int64))]
            model.pop.release_jobs(laid_off)
            per.activity[laid_off] = UNEMPLOYED
        # In-commuters from outside also leave their jobs at the separation rate.
        f.filled_external[: f.n] -= rng.binomial(
            f.filled_external[: f.n], self.params.separation_rate
        ).astype(np.int32)

        # A share of the year's new positions (growth, establishments) is filled from outside the
        # local labour market: reserved here for in-commuters and recruited in-migrants.
        growth = np.maximum(f.positions[: f.n] - self.last_positions, 0)
        vacant = np.maximum(f.positions[: f.n] - f.filled[: f.n] - f.filled_external[: f.n], 0)
        self.reserved = rng.binomial(np.minimum(growth, vacant), self.params.new_job_outside_share)
        self.last_positions = f.positions[: f.n].astype(np.int64)

    # -- matching, then in-commuters from outside fill part of what is left --
    def _match(self, model: RegionModel, rng: np.random.Generator) -> None:
        pop = model.pop
        openings = external_vacancies(model)
        match_residents(pop, self.params, rng, self.decay, openings, reserved=self.reserved)
        # Reserved positions: in-commuters from outside take part, the rest are offered to
        # workers who move in (sim/engine/submodels/migration.py).
        f = pop.firms
        rate = self.incommuter_rate[f.municipality[: f.n]]
        commuters = rng.binomial(self.reserved, rate).astype(np.int32)
        f.filled_external[: f.n] += commuters
        self.recruit_slots = self.reserved - commuters
        self.publish(model, "recruit_slots", self.recruit_slots)
        self.open_vacancies = fill_from_outside(
            pop, rng, self.incommuter_rate, self.recruit_slots, model.n_muni
        )

    def record(self, model: RegionModel, rec: Recorder) -> None:
        f = model.pop.firms
        alive = f.alive[: f.n]
        cell = f.municipality[: f.n].astype(np.int64) * model.n_sectors + f.sector[: f.n]
        shape = (model.n_muni, model.n_sectors)
        size = model.n_muni * model.n_sectors
        rec.put("jobs", np.bincount(cell[alive], f.positions[: f.n][alive], size).reshape(shape))
        filled = f.filled[: f.n] + f.filled_external[: f.n]
        rec.put("filled_jobs", np.bincount(cell[alive], filled[alive], size).reshape(shape))
        rec.put(
            "jobs_held_by_incommuters_from_outside",
            np.bincount(f.municipality[: f.n], f.filled_external[: f.n], model.n_muni),
        )
        census = model.census()
        rec.put("employed_residents", census.employed)
        rec.put("unemployed_residents", census.unemployed)
        rec.put("unemployment_rate", census.unemployment_rate)
        commuting = census.commuting.astype(np.float64)
        rec.put("commuting", commuting)
        minutes = (commuting * model.travel[: model.n_muni, :]).sum(axis=1)
        rec.put("mean_commute_minutes", minutes / np.maximum(commuting.sum(axis=1), 1))
        rec.put("open_vacancies", self.open_vacancies)
        rec.put(
            "recruitment_positions",
            np.bincount(f.municipality[: f.n], weights=self.reserved, minlength=model.n_muni),
        )


def commute_decay(travel: np.ndarray, n_muni: int, p) -> np.ndarray:
    """Weight of a job by the seeker's home and its node: ``exp(-commute_beta * minutes)``, times
    ``exp(own_municipality_effect)`` for a job in the home municipality (``p``: labour
    parameters). Matching in synthesis and in every year uses this one rule."""
    decay = np.exp(-p.commute_beta * travel)
    own = np.arange(n_muni)
    decay[own, own] *= np.exp(p.own_municipality_effect)
    return decay


def incommuter_rates(travel: np.ndarray, n_muni: int, p) -> np.ndarray:
    """Yearly share of open positions filled by in-commuters from outside, per municipality: it
    falls with the travel time to the nearest external labour market."""
    to_external = travel[:n_muni, n_muni:].min(axis=1)
    return p.incommuter_fill_rate * np.exp(-p.incommuter_beta * to_external)


def fill_from_outside(
    pop: Population,
    rng: np.random.Generator,
    incommuter_rate: np.ndarray,
    recruit_slots: np.ndarray,
    n_muni: int,
) -> np.ndarray:
    """In-commuters from outside fill part of the positions left vacant (recruitment slots kept
    apart); returns the positions still open per municipality."""
    f = pop.firms
    held = f.filled[: f.n] + f.filled_external[: f.n]
    vacancies = np.maximum(f.positions[: f.n] - held - recruit_slots, 0)
    rate = incommuter_rate[f.municipality[: f.n]]
    filled = rng.binomial(vacancies, np.where(f.alive[: f.n], rate, 0.0)).astype(np.int32)
    f.filled_external[: f.n] += filled
    return np.bincount(f.municipality[: f.n], weights=vacancies - filled, minlength=n_muni)


def update_incomes(pop: Population, p, education_factor: np.ndarray) -> None:
    """Set every person's income from activity, workplace and education (kSEK/year)."""
    per = pop.persons
    n = per.n
    incomes(
        per.activity[:n],
        per.education[:n],
        per.firm[:n],
        pop.firms.wage,
        p.wage_external,
        education_factor,
        p.unemployed_income,
        p.pension_income,
        p.student_income,
        p.outside_income,
        per.income[:n],
    )


def external_positions(inputs: RegionInputs, p) -> np.ndarray:
    """Positions in each external labour market open to the region's residents."""
    population = inputs.externals["population"].to_numpy(dtype=np.float64)
    return np.round(p.external_positions * population)


def external_vacancies(model: RegionModel) -> np.ndarray:
    """Open external positions: positions minus those held by the region's residents."""
    per = model.pop.persons
    held = external_jobs_held(
        per.alive[: per.n], per.work_node[: per.n], model.n_muni, model.n_nodes
    )
    return np.maximum(external_positions(model.inputs, model.params.labour) - held, 0.0)


def match_residents(
    pop: Population,
    p,
    rng: np.random.Generator,
    decay: np.ndarray,
    external_openings: np.ndarray,
    efficiency: float | None = None,
    reserved: np.ndarray | None = None,
) -> None:
    """Match the region's unemployed residents to vacancies, in a random order."""
    seekers, home = pop.residents_in(UNEMPLOYED)
    match_persons(pop, p, rng, seekers, home, decay, external_openings, efficiency, reserved)


def match_persons(
    pop: Population,
    p,
    rng: np.random.Generator,
    seekers: np.ndarray,
    home: np.ndarray,
    decay: np.ndarray,
    external_openings: np.ndarray,
    efficiency: float | None = None,
    reserved: np.ndarray | None = None,
) -> None:
    """Match ``seekers`` (living in municipalities ``home``) to vacancies, in a random order;
    ``reserved`` positions per firm are kept out of reach. ``p`` are the labour parameters."""
    f = pop.firms
    order = rng.permutation(seekers.size)
    seekers, home = seekers[order], home[order]
    vacancies = f.positions[: f.n] - f.filled[: f.n] - f.filled_external[: f.n]
    if reserved is not None:
        vacancies = vacancies - reserved
    vacancies = np.where(f.alive[: f.n], np.maximum(vacancies, 0), 0).astype(np.int64)
    firm, node = match_jobs(
        home.astype(np.int64),
        f.municipality[: f.n].astype(np.int64),
        vacancies,
        decay,
        external_openings,
        p.reservation_weight,
        p.matching_efficiency if efficiency is None else efficiency,
        rng.random((seekers.size, 3)),
        rng,
    )
    got = node >= 0
    pop.employ(seekers[got], firm[got].astype(np.int32), node[got].astype(np.int16))
