"""A per-agent Mesa 3 reference of the engine's yearly person-level rules, timed against the engine.

Usage: .venv/bin/python benchmarks/mesa_reference.py [--years N] [--repeats R] [--threads T]
       [--seed S] [hydra overrides...]

What it answers: how much faster is the array engine (``sim/engine``) than what a competent Mesa 3
user would write for the SAME yearly rules, per person-year?

Both start from the same synthetic population: the engine model is built as a run builds it
(``build_model``: synthesis and the three warm-start years, which also compile or load every
numba kernel, so the engine's timed years are warm), and its agent arrays are converted, before
the engine steps, into Mesa agents for the reference. Then each simulates ``--years`` years of
the full Skaraborg region (about 270 000 persons) and the time of its yearly steps is measured.
This is repeated ``--repeats`` times from a fresh build (the same seed, so the same population
and the same engine results every time) and each side's best repeat is kept, as the machine is
shared. The engine runs its numba kernels on ``--threads`` threads, one by default: the reference
is single-threaded Python, so one core each is the like-for-like comparison (the engine's census
kernel is parallel and would otherwise use a second core, and stalls when that core is busy).

The reference (``MesaRegion``) follows Mesa's documented idioms:

- one ``mesa.Agent`` instance per person (``Person``) and per household (``Household``, the
  deciding unit of out-migration and of moving); dwellings and firms are plain ``__slots__``
  objects held by the model, as a Mesa user holds passive entities;
- the model is a ``mesa.Model(seed=...)``; staged activation is ``model.agents_by_type[Person]``
  / ``[Household]`` with ``AgentSet.do`` (a phase in which order does not matter),
  ``AgentSet.shuffle_do`` (job search and the housing market, where agents act one by one in a
  random order) and ``AgentSet.select``; agents leave with ``Agent.remove()``;
- every draw is ``model.random`` (stdlib ``random.Random``) per agent, or ``model.rng`` for a
  scalar binomial/Poisson per firm or municipality; per-agent logic is plain Python, with no
  numpy vectorisation over agents and no numba;
- no gratuitous slowness: households hold their member lists, firms their workers (an
  insertion-ordered dict, so a seeded run repeats; lay-offs draw from the firm's own workers),
  the model keeps per-municipality lists of vacant dwellings (swap-remove in O(1)) and, while
  matching, per-municipality lists of open positions (one entry per vacancy, so a uniform pick
  is a pick proportional to vacancies, as the engine's Fenwick tree draws); orphaned households
  are checked only where someone died; incomes are refreshed by one pass after the labour step
  and, after the arrivals, only for the new persons (the only ones whose income can have changed
  in between, so the result is the engine's full pass).

The rules are the engine's, read from its code, with its parameters (``model.params``):

- demography (``sim/engine/submodels/demography.py``): ageing, deaths by sex and age
  (``LifeTable.of(params.demography).q``), births by age-specific fertility into the mother's
  household, the oldest member heads a household left without adults, leaving home (18+, not
  students) to a new one-person household in the queue, separations (one of the two adults of a
  couple leaves), couples formed within a municipality paired by age rank (the couple keeps the
  larger dwelling);
- labour (``submodels/labour.py``, ``kernels/labour.py``): activity transitions (school entry at
  16, leaving school, retirement by age, job separation, leaving and rejoining the labour force),
  labour demand scaling the firms' base positions (sector trend, local sectors with the residents
  served), lay-offs (in-commuters first), in-commuters' separations, positions reserved for
  outside workers, job matching of unemployed residents in a random order (search success with
  ``matching_efficiency``, a destination municipality or external market by gravity weight
  vacancies x decay against ``reservation_weight``, then a firm by its vacancies), in-commuters
  from outside filling reserved and left-over vacancies, incomes from activity, wage and
  education;
- migration (``submodels/migration.py``): households leave the region with the rate by the age of
  their oldest member x the unemployed factor x the municipality's push / pull; in-migrant
  households copy this year's leaving households (pending: they must find a dwelling); recruited
  workers (one adult or a couple) take the recruitment slots; then the arrivals' job seekers
  search at once (``labour.match_arrivals``);
- housing (``submodels/housing.py``, ``kernels/housing.py``): movers (base mobility, crowding, a
  long commute, and every household without a dwelling) in a random order each sample
  ``candidates`` vacant dwellings (own municipality with ``own_municipality_share`` or always for
  arrivals, otherwise by vacancies x search decay) and take the best by utility with Gumbel noise
  if it beats staying by ``moving_cost`` (or the queue reservation); pending in-migrants who find
  nothing are removed (recruits' positions pass to in-commuters); price indices follow vacancy.

What is compared. The engine's same steps are the plan steps of exactly these rules,
``population.compact`` (the yearly reclaiming of dead rows, the engine's price for arrays;
the reference needs none) + ``demography.step`` + ``labour.step`` + ``migration.step`` +
``labour.match_arrivals`` + ``housing.step``, summed from ``model.timings``. The engine's whole
step adds the municipal aggregates the reference leaves out (scenario events, municipal
policies and decisions, construction, finance, culture, governance): they are computed per
municipality or per dwelling cohort, not per person, and a Mesa user would write them much as the
engine does. Recording (``model.record``) is timed by neither; the reference takes its yearly
census outside its timing, as the engine's record is outside its steps.

Left out of the reference, so its years drift a little from the engine's: no dwellings are built
or demolished (the stock is the base year's, while the engine completes 800-1,000 a year, so the
reference turns more in-migrants away and its queue grows faster), and attractiveness (culture's)
stays at its base-year value. The two runs draw different random numbers, so their results are
not identical; the sanity table shows they do the same amount of work (deaths, births, moves,
matches). Python's garbage collector is left at its defaults, as a Mesa user leaves it (freezing
the base population with ``gc.freeze()`` saves about 3-5 % of the reference's time).
"""

from __future__ import annotations

import argparse
import bisect
import gc
import itertools
import math
import os
import time
from dataclasses import dataclass

import mesa
import numba
import numpy as np
from mesa.agent import AgentSet

from sim.config.compose import compose_config
from sim.engine.model import COMPACT, RECORD
from sim.engine.population import (
    ADULT,
    CHILD,
    CHILD_AT_HOME,
    EMPLOYED,
    NO_ID,
    OUTSIDE,
    RETIRED,
    STUDENT,
    UNEMPLOYED,
)
from sim.engine.run import build_model
from sim.engine.submodels.demography import MAX_AGE
from sim.engine.submodels.housing import queue_counts
from sim.engine.submodels.labour import external_positions
from sim.engine.submodels.migration import AGE_BREAKS
from sim.io.results import Recorder

# The engine's plan steps of the rules the reference implements.
SAME_STEPS = (
    COMPACT,
    "demography.step",
    "labour.step",
    "migration.step",
    "labour.match_arrivals",
    "housing.step",
)
PHASES = ("demography", "labour", "migration", "match_arrivals", "housing")
STATS = (
    "residents",
    "households",
    "employed",
    "unemployed",
    "births",
    "deaths",
    "out_migrants",
    "in_migrants",
    "moves_between_municipalities",
    "unmet_in_migrant_households",
    "housing_queue",
)
AGE_BREAKS_LIST = [int(b) for b in AGE_BREAKS]


# ---------------------------------------------------------------------------------------------
# Passive entities: plain objects held by the model.
# ---------------------------------------------------------------------------------------------
class Dwelling:
    """A dwelling; ``slot`` is its index in its municipality's vacancy list (-1 if occupied)."""

    __slots__ = ("municipality", "kind", "rooms", "base_cost", "occupant", "slot")

    def __init__(self, municipality: int, kind: int, rooms: int, base_cost: float) -> None:
        self.municipality = municipality
        self.kind = kind
        self.rooms = rooms
        self.base_cost = base_cost  # rooms x cost per room of its type (kSEK/year at index 1)
        self.occupant: Household | None = None
        self.slot = -1


class Firm:
    """A workplace; ``workers`` are the region's residents holding its positions."""

    __slots__ = (
        "alive",
        "municipality",
        "sector",
        "intervention",
        "positions",
        "base_positions",
        "last_positions",
        "workers",
        "filled_external",
        "wage",
        "reserved",
        "recruit_slots",
        "offered",
    )

    def __init__(self, alive, municipality, sector, intervention, positions, base_positions, wage):
        self.alive = alive
        self.municipality = municipality
        self.sector = sector
        self.intervention = intervention
        self.positions = positions
        self.base_positions = base_positions
        self.last_positions = positions
        self.workers: dict[Person, None] = {}  # insertion-ordered, so runs are reproducible
        self.filled_external = 0
        self.wage = wage
        self.reserved = 0
        self.recruit_slots = 0
        self.offered = 0

    def vacancies(self, reserved: int = 0) -> int:
        if not self.alive:
            return 0
        return max(self.positions - len(self.workers) - self.filled_external - reserved, 0)


class JobMarket:
    """Open positions of one matching round: one entry per vacancy in each municipality's list
    (a uniform pick is a pick of a firm proportional to its vacancies) and the openings of the
    external labour markets."""

    __slots__ = ("open", "external")

    def __init__(self, firms_of: list[list[Firm]], external: list[float], reserved: bool):
        self.open = [
            [f for f in firms for _ in range(f.vacancies(f.reserved if reserved else 0))]
            for firms in firms_of
        ]
        self.external = external


# ---------------------------------------------------------------------------------------------
# Agents.
# ---------------------------------------------------------------------------------------------
class Household(mesa.Agent):
    """A household: its members, municipality and dwelling (None: in the housing queue)."""

    def __init__(self, model, municipality, dwelling=None, pending=False, recruited=False):
        super().__init__(model)
        self.municipality = municipality
        self.dwelling: Dwelling | None = dwelling
        self.members: list[Person] = []
        self.pending = pending  # an in-migrant household that has not yet found a dwelling
        self.recruited = recruited
        self.years_at_address = 0
        self.years_waiting = 0

    # -- membership --
    def lose_member(self, person: Person) -> None:
        self.members.remove(person)
        if not self.members:
            self.dissolve()

    def dissolve(self) -> None:
        """The household is gone: its dwelling becomes vacant."""
        self.vacate()
        self.remove()

    def vacate(self) -> None:
        if self.dwelling is not None:
            self.model.add_vacant(self.dwelling)
            self.dwelling.occupant = None
            self.dwelling = None

    def adults(self) -> list[Person]:
        return [p for p in self.members if p.role == ADULT]

    def promote_orphan(self) -> None:
        """A household left without adults is headed by its oldest member."""
        if self.members and not any(p.role == ADULT for p in self.members):
            oldest = self.members[0]
            for p in self.members:
                if p.age > oldest.age:
                    oldest = p
            oldest.role = ADULT

    # -- demography --
    def maybe_separate(self) -> None:
        model = self.model
        adults = self.adults()
        if len(adults) == 2 and model.random.random() < model.separation_rate:
            adults[model.random.randrange(2)].split_off()

    # -- migration --
    def consider_leaving_region(self, factor: list[float]) -> None:
        """Leave the region with the rate by the age of the oldest member, x the unemployed
        factor, x the municipality's push / pull."""
        if self.pending or not self.members:
            return
        model = self.model
        oldest = max(p.age for p in self.members)
        rate = model.out_rate_by_age[bisect.bisect_right(AGE_BREAKS_LIST, oldest)]
        if any(p.activity == UNEMPLOYED for p in self.members):
            rate *= model.unemployed_factor
        rate *= factor[self.municipality]
        if model.random.random() >= rate:
            return
        model.donors.append([(p.age, p.sex, p.role, p.activity, p.education) for p in self.members])
        model.out_migration[self.municipality] += len(self.members)
        for p in self.members:
            p.quit_job()
            p.remove()
        self.members = []
        self.dissolve()

    # -- housing --
    def housing_step(self) -> None:
        """Decide whether to move; a mover samples vacant dwellings and takes the best one if it
        beats staying by the moving cost (or, without a dwelling, the queue reservation)."""
        model = self.model
        rnd = model.random.random
        self.years_at_address += 1
        size = len(self.members)
        income = 0.0
        children = False
        top = -1.0
        work = NO_ID
        for p in self.members:
            income += p.income
            if p.role != ADULT:
                children = True
            if p.work_node >= 0 and p.income > top:
                top = p.income
                work = p.work_node
        home = self.municipality
        old = self.dwelling
        if old is not None:
            rate = model.base_mobility
            if size > old.rooms + 1:
                rate = max(rate, model.crowding_move_rate)
            if work >= 0 and model.travel[home][work] > model.commute_move_limit:
                rate = max(rate, model.commute_move_rate)
            if rnd() >= rate:
                return
        vacant = model.vacant
        n_muni = model.n_muni
        row = model.search_decay[work if work >= 0 else home]
        cumulative = list(itertools.accumulate(len(vacant[m]) * row[m] for m in range(n_muni)))
        total = cumulative[-1]
        budget = model.max_cost_share * max(income, 50.0)
        best, best_u = None, -math.inf
        for _ in range(model.candidates):
            if self.pending or rnd() < model.own_municipality_share:
                m = home
            else:
                if total <= 0.0:
                    continue
                m = min(bisect.bisect_right(cumulative, rnd() * total), n_muni - 1)
            pool = vacant[m]
            if not pool:
                continue
            d = pool[int(rnd() * len(pool))]
            if model.cost(d) > budget:
                continue
            u = model.utility(d, income, size, children, work) - math.log(-math.log(rnd() + 1e-300))
            if u > best_u:
                best, best_u = d, u
        if best is None:
            self._wait()
            return
        if old is not None:
            stay = model.utility(old, income, size, children, work)
            if best_u < stay - math.log(-math.log(rnd() + 1e-300)) + model.moving_cost:
                return
        elif best_u < model.queue_reservation:
            self._wait()
            return
        # Move: the dwelling left behind is vacant at once (vacancy chains).
        model.take_vacant(best)
        self.vacate()
        best.occupant = self
        self.dwelling = best
        new = best.municipality
        if self.pending:
            model.in_migration[new] += size
        elif new != home:
            model.moves_out[home] += size
            model.moves_in[new] += size
        self.municipality = new
        self.pending = False
        self.recruited = False
        self.years_at_address = 0
        self.years_waiting = 0

    def _wait(self) -> None:
        if self.dwelling is None and not self.pending:
            self.years_waiting += 1


class Person(mesa.Agent):
    """A person, always a member of one household."""

    def __init__(self, model, household, age, sex, role, activity, education):
        super().__init__(model)
        self.household: Household = household
        self.age = age
        self.sex = sex  # 0 male, 1 female
        self.role = role
        self.activity = activity
        self.education = education
        self.firm: Firm | None = None
        self.work_node = NO_ID
        self.income = 0.0
        household.members.append(self)

    # -- jobs --
    def quit_job(self) -> None:
        if self.firm is not None:
            del self.firm.workers[self]
            self.firm = None
        self.work_node = NO_ID

    def take_job(self, firm: Firm | None, node: int) -> None:
        if firm is not None:
            firm.workers[self] = None
        self.firm = firm
        self.work_node = node
        self.activity = EMPLOYED

    # -- demography --
    def demography_step(self) -> None:
        """Age one year; die by the life table; a surviving woman gives birth by fertility."""
        model = self.model
        rnd = model.random.random
        self.age = age = min(self.age + 1, MAX_AGE)
        household = self.household
        if rnd() < model.q[self.sex][age]:
            if not household.pending:
                model.deaths[household.municipality] += 1
            self.quit_job()
            model.lost_members.add(household)
            household.lose_member(self)
            self.remove()
            return
        if self.sex == 1:
            rate = model.fertility[age]
            if rate > 0.0 and rnd() < rate:
                sex = 0 if rnd() < model.sex_ratio_at_birth else 1
                Person(model, household, 0, sex, CHILD_AT_HOME, CHILD, 0)
                model.births[household.municipality] += 1

    def maybe_leave_home(self) -> None:
        model = self.model
        if (
            self.role == CHILD_AT_HOME
            and self.age >= 18
            and self.activity != STUDENT
            and model.random.random() < model.leave_home_rate
        ):
            self.split_off()

    def split_off(self) -> None:
        """Leave to a new one-person household in the same municipality, in the queue."""
        old = self.household
        new = Household(self.model, old.municipality)
        new.members.append(self)
        self.household = new
        self.role = ADULT
        old.lose_member(self)

    # -- labour --
    def labour_transition(self) -> None:
        """School entry and exit, retirement, job separation, leaving and rejoining the labour
        force (``kernels/labour.py: activity_transitions``)."""
        model = self.model
        rnd = model.random.random
        a = self.age
        if self.activity == CHILD and a >= 16:
            self.activity = STUDENT
        leaving = False
        if self.activity == STUDENT:
            rate = 0.0
            if a == 19:
                rate = model.upper_secondary_exit_share
            if a >= 20:
                rate = model.student_exit_rate
            if a >= 30:
                rate = 1.0
            if rate > 0.0 and rnd() < rate:
                leaving = True
                self.education = 2 if a >= 22 else 1
                self.activity = UNEMPLOYED
        if not leaving and self.activity in (EMPLOYED, UNEMPLOYED, OUTSIDE):
            rate = model.retirement_rate[a]
            if rate > 0.0 and rnd() < rate:
                self.quit_job()
                self.activity = RETIRED
        if self.activity == EMPLOYED and rnd() < model.job_separation_rate:
            self.quit_job()
            self.activity = UNEMPLOYED
        if 20 <= a <= 64:
            if self.activity in (EMPLOYED, UNEMPLOYED):
                if rnd() < model.outside_entry_rate:
                    self.quit_job()
                    self.activity = OUTSIDE
            elif self.activity == OUTSIDE and rnd() < model.outside_exit_rate:
                self.activity = UNEMPLOYED

    def search_job(self, market: JobMarket) -> None:
        """Search with the matching efficiency; choose a destination by vacancies x decay (or
        decline with the reservation weight), then a firm there by its vacancies."""
        model = self.model
        rnd = model.random.random
        if rnd() >= model.matching_efficiency:
            return
        n_muni = model.n_muni
        row = model.job_decay[self.household.municipality]
        weights = [len(market.open[d]) * row[d] for d in range(n_muni)]
        weights += [opening * row[n_muni + e] for e, opening in enumerate(market.external)]
        total = sum(weights)
        if total <= 0.0:
            return
        target = rnd() * (total + model.reservation_weight)
        if target >= total:
            return
        node = len(weights) - 1
        acc = 0.0
        for k, w in enumerate(weights):
            acc += w
            if target < acc:
                node = k
                break
        if node >= n_muni:
            e = node - n_muni
            market.external[e] = max(market.external[e] - 1.0, 0.0)
            self.take_job(None, node)
            return
        pool = market.open[node]
        if not pool:
            return
        i = int(rnd() * len(pool))
        firm = pool[i]
        pool[i] = pool[-1]
        pool.pop()
        self.take_job(firm, node)

    def update_income(self) -> None:
        model = self.model
        act = self.activity
        if act == EMPLOYED:
            wage = self.firm.wage if self.firm is not None else model.wage_external
            self.income = wage * model.education_factor[self.education]
        elif act == UNEMPLOYED:
            self.income = model.unemployed_income
        elif act == RETIRED:
            self.income = model.pension_income
        elif act == STUDENT:
            self.income = model.student_income
        elif act == OUTSIDE:
            self.income = model.outside_income
        else:
            self.income = 0.0


# ---------------------------------------------------------------------------------------------
# The model.
# ---------------------------------------------------------------------------------------------
class MesaRegion(mesa.Model):
    """The engine's person-level yearly rules, one Mesa agent per person and household.

    Built from an engine ``RegionModel`` before it steps: its persons, households, dwellings
    and firms become agents and objects, and the engine's state that the rules read (parameters,
    decay matrices, base-year references, price indices, positions) is copied.
    """

    def __init__(self, engine, seed: int) -> None:
        super().__init__(seed=seed)
        self.year = engine.year
        self.base_year = engine.base_year
        self.n_muni = n = engine.n_muni
        self.n_nodes = engine.n_nodes
        self.timings = dict.fromkeys(PHASES, 0.0)
        self._copy_parameters(engine)
        self._copy_state(engine)
        self._convert_population(engine.pop)
        self.donors: list[list[tuple]] = []
        self.new_persons: list[Person] = []
        self.arrivals: list[Household] = []
        self.lost_members: set[Household] = set()
        self.deaths = [0] * n
        self.births = [0] * n
        self.out_migration = [0] * n
        self.in_migration = [0] * n
        self.moves_in = [0] * n
        self.moves_out = [0] * n
        self.unmet = [0] * n
        self.queue = 0
        census = self.census()
        self.last_unemployment = census["unemployment_rate"]

    # -- set-up --
    def _copy_parameters(self, engine) -> None:
        params = engine.params
        demo, lab, mig, hou = params.demography, params.labour, params.migration, params.housing
        dem = engine.submodels["demography"]
        self.q = dem.q.tolist()
        self.fertility = dem.fertility.tolist()
        self.sex_ratio_at_birth = demo.sex_ratio_at_birth
        self.leave_home_rate = demo.leave_home_rate
        self.separation_rate = demo.separation_rate
        self.couple_formation_rate = demo.couple_formation_rate

        labour = engine.submodels["labour"]
        self.job_decay = labour.decay.tolist()
        self.incommuter_rate = labour.incommuter_rate.tolist()
        self.base_served = labour.base_served.tolist()
        self.local = labour.local.tolist()
        self.trend = labour.trend.tolist()
        self.local_elasticity = lab.local_elasticity
        self.education_factor = [float(x) for x in lab.education_wage_factor]
        r = list(lab.retirement_rates)
        # The retirement rate of every age (kernels/labour.py: 61-64, 65, 66, 67-69, 70+).
        self.retirement_rate = [
            r[4]
            if a >= 70
            else r[3]
            if a >= 67
            else r[2]
            if a == 66
            else r[1]
            if a == 65
            else r[0]
            if a >= 61
            else 0.0
            for a in range(MAX_AGE + 1)
        ]
        self.upper_secondary_exit_share = lab.upper_secondary_exit_share
        self.student_exit_rate = lab.student_exit_rate
        self.job_separation_rate = lab.separation_rate
        self.outside_entry_rate = lab.outside_entry_rate
        self.outside_exit_rate = lab.outside_exit_rate
        self.matching_efficiency = lab.matching_efficiency
        self.reservation_weight = lab.reservation_weight
        self.new_job_outside_share = lab.new_job_outside_share
        self.external_positions = external_positions(engine.inputs, lab).tolist()
        self.wage_external = lab.wage_external
        self.unemployed_income = lab.unemployed_income
        self.pension_income = lab.pension_income
        self.student_income = lab.student_income
        self.outside_income = lab.outside_income
        self.education_shares = list(lab.education_shares)

        self.out_rate_by_age = list(mig.out_rate_by_age)
        self.unemployed_factor = mig.unemployed_factor
        self.unemployment_push = mig.unemployment_push
        self.attractiveness_pull = mig.attractiveness_pull
        self.in_migration_level = mig.in_migration_level
        shares = list(mig.recruit_household_shares)
        self.single_recruit_share = shares[0] / sum(shares)
        self.age_in_mean = mig.age_in_mean
        self.age_in_sd = mig.age_in_sd

        housing = engine.submodels["housing"]
        self.search_decay = housing.search_decay.tolist()
        self.travel = engine.travel.tolist()
        self.cost_per_room = list(hou.cost_per_room)
        self.price_w, self.commute_w, self.attract_w, self.size_w, self.detached_bonus = (
            housing.weights.tolist()
        )
        self.base_mobility = hou.base_mobility
        self.crowding_move_rate = hou.crowding_move_rate
        self.commute_move_rate = hou.commute_move_rate
        self.commute_move_limit = hou.commute_move_limit
        self.candidates = hou.candidates
        self.own_municipality_share = hou.own_municipality_share
        self.moving_cost = hou.moving_cost
        self.max_cost_share = hou.max_cost_share
        self.queue_reservation = hou.queue_reservation
        self.natural_vacancy = hou.natural_vacancy
        self.price_adjustment = hou.price_adjustment
        self.max_price_change = hou.max_price_change

    def _copy_state(self, engine) -> None:
        migration = engine.submodels["migration"]
        self.base_inflow = migration.base_inflow.tolist()
        self.base_unemployment = migration.base_unemployment.tolist()
        self.price_index = engine.submodels["housing"].price_index.tolist()
        # Culture is left out: attractiveness stays at its value when the reference starts.
        self.attractiveness = np.asarray(engine.shared["attractiveness"]).tolist()
        self.base_attractiveness = np.asarray(engine.shared["base_attractiveness"]).tolist()

    def _convert_population(self, pop) -> None:
        n = self.n_muni
        d = pop.dwellings
        self.vacant: list[list[Dwelling]] = [[] for _ in range(n)]
        self.stock = [[0] * len(self.cost_per_room) for _ in range(n)]
        dwelling_of: dict[int, Dwelling] = {}
        for i in np.flatnonzero(d.alive[: d.n]).tolist():
            m, kind, rooms = int(d.municipality[i]), int(d.dwelling_type[i]), int(d.rooms[i])
            dwelling = Dwelling(m, kind, rooms, rooms * self.cost_per_room[kind])
            dwelling_of[i] = dwelling
            self.stock[m][kind] += 1
            if d.occupant[i] == NO_ID:
                self.add_vacant(dwelling)

        h = pop.households
        household_of: dict[int, Household] = {}
        for i in np.flatnonzero(h.alive[: h.n]).tolist():
            dw = int(h.dwelling[i])
            hh = Household(self, int(h.municipality[i]), dwelling_of.get(dw) if dw >= 0 else None)
            hh.pending = bool(h.pending[i])
            hh.recruited = bool(h.recruited[i])
            hh.years_at_address = int(h.years_at_address[i])
            hh.years_waiting = int(h.years_waiting[i])
            if hh.dwelling is not None:
                hh.dwelling.occupant = hh
            household_of[i] = hh

        f = pop.firms
        self.firms = [
            Firm(
                bool(f.alive[i]),
                int(f.municipality[i]),
                int(f.sector[i]),
                int(f.intervention[i]),
                int(f.positions[i]),
                int(f.base_positions[i]),
                float(f.wage[i]),
            )
            for i in range(f.n)
        ]
        for firm, fe in zip(self.firms, f.filled_external[: f.n].tolist(), strict=True):
            firm.filled_external = fe
        self.firms_of: list[list[Firm]] = [[] for _ in range(n)]
        for firm in self.firms:
            self.firms_of[firm.municipality].append(firm)

        p = pop.persons
        ids = np.flatnonzero(p.alive[: p.n])
        columns = zip(
            p.household[ids].tolist(),
            p.age[ids].tolist(),
            p.sex[ids].tolist(),
            p.role[ids].tolist(),
            p.activity[ids].tolist(),
            p.education[ids].tolist(),
            p.firm[ids].tolist(),
            p.work_node[ids].tolist(),
            p.income[ids].tolist(),
            strict=True,
        )
        for hid, age, sex, role, activity, education, firm, node, income in columns:
            person = Person(self, household_of[hid], age, sex, role, activity, education)
            if node >= 0:
                person.take_job(self.firms[firm] if firm >= 0 else None, node)
            person.income = income
        for hh in list(household_of.values()):
            if not hh.members:
                hh.dissolve()
        filled = f.filled[: f.n].tolist()
        assert all(len(fm.workers) == k for fm, k in zip(self.firms, filled, strict=True))

    def take_engine_state(self, engine) -> None:
        """Labour's per-firm state as the engine leaves it at the base year."""
        labour = engine.submodels["labour"]
        for firm, last, reserved, slots in zip(
            self.firms,
            labour.last_positions.tolist(),
            labour.reserved.tolist(),
            labour.recruit_slots.tolist(),
            strict=True,
        ):
            firm.last_positions, firm.reserved, firm.recruit_slots = last, reserved, slots

    # -- vacancy lists --
    def add_vacant(self, d: Dwelling) -> None:
        pool = self.vacant[d.municipality]
        d.slot = len(pool)
        pool.append(d)

    def take_vacant(self, d: Dwelling) -> None:
        pool = self.vacant[d.municipality]
        last = pool.pop()
        if last is not d:
            pool[d.slot] = last
            last.slot = d.slot
        d.slot = -1

    def cost(self, d: Dwelling) -> float:
        return d.base_cost * self.price_index[d.municipality][d.kind]

    def utility(self, d: Dwelling, income: float, size: int, children: bool, work: int) -> float:
        m = d.municipality
        u = -self.price_w * self.cost(d) / max(income, 50.0)
        if work >= 0:
            u -= self.commute_w * self.travel[work][m]
        u += self.attract_w * self.attractiveness[m]
        u -= self.size_w * abs(d.rooms - (size + 1))
        if children and d.kind == 0:
            u += self.detached_bonus
        return u

    # -- the year --
    def step(self) -> None:
        self.year += 1
        for phase in PHASES:
            start = time.perf_counter()
            getattr(self, phase)()
            self.timings[phase] += time.perf_counter() - start

    def demography(self) -> None:
        n = self.n_muni
        self.deaths, self.births = [0] * n, [0] * n
        self.lost_members = set()
        persons = self.agents_by_type[Person]
        persons.do("demography_step")
        for household in self.lost_members:
            household.promote_orphan()
        persons.do("maybe_leave_home")
        self.agents_by_type[Household].do("maybe_separate")
        self._form_couples()

    def _form_couples(self) -> None:
        rnd = self.random.random
        seekers = [([], []) for _ in range(self.n_muni)]  # (men, women) per municipality
        for household in self.agents_by_type[Household]:
            adults = household.adults()
            if len(adults) != 1:
                continue
            person = adults[0]
            if 20 <= person.age <= 69 and rnd() < self.couple_formation_rate:
                seekers[household.municipality][person.sex].append(person)
        for men, women in seekers:
            k = min(len(men), len(women))
            if k == 0:
                continue
            # Pair by age rank among a random subset of the larger side.
            men = sorted(self.random.sample(men, k), key=lambda p: p.age)
            women = sorted(self.random.sample(women, k), key=lambda p: p.age)
            for man, woman in zip(men, women, strict=True):
                hm, hw = man.household, woman.household
                rooms_m = hm.dwelling.rooms if hm.dwelling is not None else 0
                rooms_w = hw.dwelling.rooms if hw.dwelling is not None else 0
                host, guest = (hm, hw) if rooms_m >= rooms_w else (hw, hm)
                for member in guest.members:
                    member.household = host
                host.members.extend(guest.members)
                guest.members = []
                guest.dissolve()

    def _resident_counts(self) -> list[int]:
        served = [0] * self.n_muni
        for household in self.agents_by_type[Household]:
            if not household.pending:
                served[household.municipality] += len(household.members)
        return served

    def labour(self) -> None:
        persons = self.agents_by_type[Person]
        persons.do("labour_transition")
        self._demand()
        self._match()
        persons.do("update_income")

    def _demand(self) -> None:
        rng = self.rng
        t = self.year - self.base_year
        served = self._resident_counts()
        local_ratio = [
            (served[m] / max(self.base_served[m], 1.0)) ** self.local_elasticity
            for m in range(self.n_muni)
        ]
        trend_ratio = [(1.0 + tr) ** t for tr in self.trend]
        share = self.new_job_outside_share
        for firm in self.firms:
            if firm.alive and firm.intervention == NO_ID:
                s = firm.sector
                factor = local_ratio[firm.municipality] if self.local[s] else trend_ratio[s]
                firm.positions = round(firm.base_positions * factor)
            # Lay-offs where the firm holds more workers than positions: in-commuters first.
            excess = max(len(firm.workers) + firm.filled_external - firm.positions, 0)
            cut = min(excess, firm.filled_external)
            firm.filled_external -= cut
            excess -= cut
            if excess > 0:
                for person in self.random.sample(list(firm.workers), excess):
                    person.quit_job()
                    person.activity = UNEMPLOYED
            # In-commuters from outside leave at the separation rate.
            if firm.filled_external > 0:
                firm.filled_external -= int(
                    rng.binomial(firm.filled_external, self.job_separation_rate)
                )
            # A share of the year's new positions is reserved for workers from outside.
            growth = max(firm.positions - firm.last_positions, 0)
            open_now = max(firm.positions - len(firm.workers) - firm.filled_external, 0)
            k = min(growth, open_now)
            firm.reserved = int(rng.binomial(k, share)) if k > 0 else 0
            firm.last_positions = firm.positions

    def _match(self) -> None:
        rng = self.rng
        n_muni = self.n_muni
        held = [0] * (self.n_nodes - n_muni)
        for person in self.agents_by_type[Person]:
            if person.work_node >= n_muni:
                held[person.work_node - n_muni] += 1
        external = [max(pos - k, 0.0) for pos, k in zip(self.external_positions, held, strict=True)]
        market = JobMarket(self.firms_of, external, reserved=True)
        seekers = self.agents_by_type[Person].select(
            lambda p: p.activity == UNEMPLOYED and not p.household.pending
        )
        seekers.shuffle_do("search_job", market)
        # Reserved positions: in-commuters take part, the rest are offered to recruits; then
        # in-commuters fill part of the positions still vacant.
        for firm in self.firms:
            rate = self.incommuter_rate[firm.municipality]
            commuters = int(rng.binomial(firm.reserved, rate)) if firm.reserved > 0 else 0
            firm.filled_external += commuters
            firm.recruit_slots = firm.reserved - commuters
            open_now = max(
                firm.positions - len(firm.workers) - firm.filled_external - firm.recruit_slots, 0
            )
            if firm.alive and open_now > 0:
                firm.filled_external += int(rng.binomial(open_now, rate))

    def migration(self) -> None:
        n = self.n_muni
        rng = self.rng
        push = [
            math.exp(
                self.unemployment_push * (self.last_unemployment[m] - self.base_unemployment[m])
            )
            for m in range(n)
        ]
        pull = [
            (self.attractiveness[m] / self.base_attractiveness[m]) ** self.attractiveness_pull
            for m in range(n)
        ]
        self.donors = []
        self.out_migration = [0] * n
        self.agents_by_type[Household].do(
            "consider_leaving_region", [push[m] / pull[m] for m in range(n)]
        )
        level = self.in_migration_level if self.year > self.base_year else 1.0
        self.new_persons = []
        self.arrivals = []
        for firm in self.firms:
            firm.offered = firm.recruit_slots
        for m in range(n):
            self._arrive_like(m, int(rng.poisson(self.base_inflow[m] * level * pull[m] / push[m])))
            self._recruit(m)

    def _new_household(self, m: int, recruited: bool = False) -> Household:
        household = Household(self, m, pending=True, recruited=recruited)
        self.arrivals.append(household)
        return household

    def _new_person(self, household, age, sex, role, activity, education) -> Person:
        person = Person(self, household, age, sex, role, activity, education)
        self.new_persons.append(person)
        return person

    def _arrive_like(self, m: int, persons: int) -> None:
        """Pending households for about ``persons`` persons, each a copy of a household that left
        the region this year; workers arrive as job seekers."""
        donors = self.donors
        if persons <= 0 or not donors:
            return
        mean_size = sum(len(d) for d in donors) / len(donors)
        k = int(persons / max(mean_size, 1.0) * 1.5) + 2
        total = 0
        for _ in range(k):
            if total >= persons:
                break
            donor = donors[self.random.randrange(len(donors))]
            household = self._new_household(m)
            for age, sex, role, activity, education in donor:
                activity = UNEMPLOYED if activity == EMPLOYED else activity
                self._new_person(household, age, sex, role, activity, education)
            total += len(donor)

    def _recruit(self, m: int) -> None:
        """Pending households of workers recruited to the slots of ``m``: one adult or a couple;
        the first adult takes a slot."""
        firms = self.firms_of[m]
        slots = [f for f in firms for _ in range(f.offered)]
        if not slots:
            return
        rnd = self.random
        workers = []
        for _ in range(len(slots)):
            household = self._new_household(m, recruited=True)
            sex = rnd.randrange(2)
            for i in range(1 if rnd.random() < self.single_recruit_share else 2):
                age = round(min(max(rnd.gauss(self.age_in_mean, self.age_in_sd), 18.0), 64.0))
                education = rnd.choices(range(3), weights=self.education_shares)[0]
                person = self._new_person(
                    household, age, sex if i == 0 else 1 - sex, ADULT, UNEMPLOYED, education
                )
                if i == 0:
                    workers.append(person)
        for worker, firm in zip(workers, rnd.sample(slots, len(workers)), strict=True):
            firm.offered -= 1
            worker.take_job(firm, m)

    def match_arrivals(self) -> None:
        """This year's in-migrants search for jobs at once, from their destination."""
        market = JobMarket(self.firms_of, [0.0] * (self.n_nodes - self.n_muni), reserved=False)
        seekers = [p for p in self.new_persons if p.activity == UNEMPLOYED]
        AgentSet(seekers, random=self.random).shuffle_do("search_job", market)
        for person in self.new_persons:
            person.update_income()

    def housing(self) -> None:
        n = self.n_muni
        self.in_migration, self.moves_in, self.moves_out = [0] * n, [0] * n, [0] * n
        self.agents_by_type[Household].shuffle_do("housing_step")
        # In-migrants who found no dwelling: recruits' positions pass to in-commuters.
        self.unmet = [0] * n
        for household in self.arrivals:
            if not household.pending:
                continue
            self.unmet[household.municipality] += 1
            for person in household.members:
                if household.recruited and person.firm is not None:
                    person.firm.filled_external += 1
                person.quit_job()
                person.remove()
            household.members = []
            household.dissolve()
        self.arrivals = []
        # Prices follow the vacancy rate of each municipality and dwelling type.
        for m in range(n):
            vacant = [0] * len(self.cost_per_room)
            for d in self.vacant[m]:
                vacant[d.kind] += 1
            for kind, stock in enumerate(self.stock[m]):
                gap = self.price_adjustment * (self.natural_vacancy - vacant[kind] / max(stock, 1))
                change = min(max(gap, -self.max_price_change), self.max_price_change)
                self.price_index[m][kind] *= math.exp(change)

    # -- the yearly census (not timed, as the engine's record is not) --
    def census(self) -> dict:
        n = self.n_muni
        residents, employed, unemployed = [0] * n, [0] * n, [0] * n
        households = queue = 0
        for household in self.agents_by_type[Household]:
            if household.pending or not household.members:
                continue
            m = household.municipality
            households += 1
            queue += household.dwelling is None
            residents[m] += len(household.members)
            for p in household.members:
                if p.activity == EMPLOYED:
                    employed[m] += 1
                elif p.activity == UNEMPLOYED:
                    unemployed[m] += 1
        rate = [u / max(e + u, 1) for e, u in zip(employed, unemployed, strict=True)]
        return {
            "residents": sum(residents),
            "households": households,
            "employed": sum(employed),
            "unemployed": sum(unemployed),
            "housing_queue": queue,
            "unemployment_rate": rate,
        }

    def year_stats(self) -> dict:
        census = self.census()
        self.last_unemployment = census.pop("unemployment_rate")
        return {
            **census,
            "births": sum(self.births),
            "deaths": sum(self.deaths),
            "out_migrants": sum(self.out_migration),
            "in_migrants": sum(self.in_migration),
            "moves_between_municipalities": sum(self.moves_in),
            "unmet_in_migrant_households": sum(self.unmet),
        }


def engine_stats(model) -> dict:
    sub = model.submodels
    census = model.census()
    return {
        "residents": int(census.residents.sum()),
        "households": int(model.household_counts().sum()),
        "employed": int(census.employed.sum()),
        "unemployed": int(census.unemployed.sum()),
        "housing_queue": int(queue_counts(model).sum()),
        "births": int(sub["demography"].births.sum()),
        "deaths": int(sub["demography"].deaths.sum()),
        "out_migrants": int(sub["migration"].out_migration.sum()),
        "in_migrants": int(sub["housing"].in_migration.sum()),
        "moves_between_municipalities": int(sub["housing"].moves_in.sum()),
        "unmet_in_migrant_households": int(sub["housing"].unmet_in_migration.sum()),
    }


@dataclass
class Trial:
    """One repeat: both models from the same fresh population, each stepped ``years`` years."""

    engine_timings: dict[str, float]
    reference_timings: dict[str, float]
    engine_rows: list[dict]
    reference_rows: list[dict]
    first_year: int


def trial(cfg, years: int, verbose: bool) -> Trial:
    start = time.perf_counter()
    engine = build_model(cfg)
    built = time.perf_counter() - start
    start = time.perf_counter()
    ref = MesaRegion(engine, seed=int(cfg.seed))
    ref.take_engine_state(engine)
    converted = time.perf_counter() - start
    base = engine_stats(engine)
    ref_base = ref.year_stats()
    for key in ("residents", "households", "employed", "unemployed", "housing_queue"):
        assert base[key] == ref_base[key], (key, base[key], ref_base[key])
    if verbose:
        print(
            f"engine set-up (synthesis + {engine.params.warm_start.years} warm-start years, "
            f"which also compile or load every numba kernel): {built:.1f} s"
        )
        print(
            f"reference set-up (engine arrays -> {len(ref.agents_by_type[Person]):,} Person and "
            f"{len(ref.agents_by_type[Household]):,} Household agents, {len(ref.firms):,} firms, "
            f"{sum(sum(s) for s in ref.stock):,} dwellings): {converted:.1f} s"
        )
        print(
            f"same start in {engine.year} (checked equal): {base['residents']:,} residents, "
            f"{base['households']:,} households, {base['employed']:,} employed, "
            f"{base['unemployed']:,} unemployed, {base['housing_queue']:,} in the queue"
        )
    first_year = engine.year + 1

    # The engine as a run steps it (recording every year: migration reads last year's
    # unemployment from it), timed per plan step from the base year on.
    recorder = Recorder(engine.declared_results())
    engine.record(recorder)
    engine.timings = dict.fromkeys(engine.timings, 0.0)
    gc.collect()
    engine_rows = []
    for _ in range(years):
        engine.step()
        engine.record(recorder)
        engine_rows.append(engine_stats(engine))
    engine_timings = dict(engine.timings)
    del engine, recorder

    gc.collect()
    ref_rows = []
    for _ in range(years):
        ref.step()
        ref_rows.append(ref.year_stats())
    return Trial(engine_timings, dict(ref.timings), engine_rows, ref_rows, first_year)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=3, help="simulated years (default 3)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="repeats, each from a fresh population; best kept"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="numba threads of the engine (default 1: the reference runs on one core too)",
    )
    parser.add_argument("--seed", type=int, default=None, help="run seed (default: the config's)")
    parser.add_argument("overrides", nargs="*", help="hydra overrides of the config")
    args = parser.parse_args()
    overrides = ["progress=false", *args.overrides]
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    cfg = compose_config(overrides)
    os.environ["NUMBA_NUM_THREADS"] = str(args.threads)  # the engine keeps this setting
    numba.set_num_threads(args.threads)

    trials = []
    for r in range(args.repeats):
        t = trial(cfg, args.years, verbose=r == 0)
        trials.append(t)
        print(
            f"  repeat {r + 1}: reference {sum(t.reference_timings.values()):.2f} s, engine same "
            f"steps {sum(t.engine_timings[k] for k in SAME_STEPS):.3f} s",
            flush=True,
        )

    def same(t: Trial) -> float:
        return sum(t.engine_timings[label] for label in SAME_STEPS)

    def whole(t: Trial) -> float:
        return sum(s for label, s in t.engine_timings.items() if label != RECORD)

    def reference(t: Trial) -> float:
        return sum(t.reference_timings.values())

    best_ref = min(trials, key=reference)
    best_engine = min(trials, key=same)
    best_whole = min(trials, key=whole)
    # Every repeat simulates the same seeds: the person-years are the same in each.
    last = trials[-1]
    engine_py = sum(r["residents"] for r in last.engine_rows)
    ref_py = sum(r["residents"] for r in last.reference_rows)
    years = range(last.first_year, last.first_year + args.years)

    print()
    print(
        f"Skaraborg, {args.years} simulated years ({years[0]}-{years[-1]}), seed {cfg.seed}, "
        f"best of {args.repeats} repeats, engine on {numba.get_num_threads()} numba thread(s)"
    )
    print("person-years: residents at the end of each simulated year, summed")
    print("in the comparison (engine plan steps <-> reference phases):")
    print("  population.compact + demography.step + labour.step + migration.step")
    print("  + labour.match_arrivals + housing.step")
    print("  <-> demography, labour, migration, match_arrivals, housing")
    print("left out of the reference (in the engine's whole step only): scenario.step,")
    print("  municipalities.*, construction.*, finance.step, culture.step, governance.step")
    print(
        "recording is timed by neither (engine record over the years: "
        f"{best_whole.engine_timings[RECORD]:.3f} s)"
    )
    print()
    print(f"{'':30s} {'person-years':>13s} {'seconds':>9s} {'ns/person-year':>15s}")
    rows = (
        ("Mesa reference (same rules)", ref_py, reference(best_ref)),
        ("engine, same steps", engine_py, same(best_engine)),
        ("engine, whole step", engine_py, whole(best_whole)),
    )
    for name, py, seconds in rows:
        print(f"{name:30s} {py:13,d} {seconds:9.3f} {1e9 * seconds / py:15,.0f}")
    ref_ns = reference(best_ref) / ref_py
    same_ns = same(best_engine) / engine_py
    whole_ns = whole(best_whole) / engine_py
    print()
    print(f"ratio reference / engine (same steps), per person-year:  {ref_ns / same_ns:6.1f} x")
    print(f"ratio reference / engine (whole step), per person-year:  {ref_ns / whole_ns:6.1f} x")
    print()
    print("seconds per phase over the years (best repeat of each):")
    pairs = (
        ("demography", "demography.step"),
        ("labour", "labour.step"),
        ("migration", "migration.step"),
        ("match_arrivals", "labour.match_arrivals"),
        ("housing", "housing.step"),
        ("(none needed)", COMPACT),
    )
    print(f"  {'reference':16s} {'s':>8s}   {'engine':24s} {'s':>8s} {'ratio':>7s}")
    for phase, label in pairs:
        r = best_ref.reference_timings.get(phase, 0.0)
        e = best_engine.engine_timings[label]
        ratio = f"{r / e:7.1f}" if r > 0 and e > 0 else ""
        print(f"  {phase:16s} {r:8.3f}   {label:24s} {e:8.3f} {ratio}")
    print()
    print("sanity: what each simulated (region totals; stocks at the end of the year, flows in it)")
    width = max(len(s) for s in STATS)
    print(f"{'':{width}s}  " + "  ".join(f"{y:>9d}{'':11s}" for y in years))
    print(f"{'':{width}s}  " + "  ".join(f"{'engine':>9s}  {'Mesa':>9s}" for _ in years))
    for key in STATS:
        cells = "  ".join(
            f"{e[key]:9,d}  {r[key]:9,d}"
            for e, r in zip(last.engine_rows, last.reference_rows, strict=True)
        )
        print(f"{key:{width}s}  {cells}")


if __name__ == "__main__":
    main()
