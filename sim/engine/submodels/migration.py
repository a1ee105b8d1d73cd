"""Migration into and out of the region.

Out-migration is a household decision by the age of its oldest adult, raised by local unemployment
above its base-year level and lowered by attractiveness. In-migration has two parts: a base flow per
municipality, raised by attractiveness and lowered by unemployment above its base-year level, and
recruitment of workers to the share of new positions filled from outside (labour.py). In-migrants
arrive as *pending* households: they become residents only if they find a dwelling in the housing
market step (housing.py); otherwise recruited workers commute in from outside and the others do not
come.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.population import ADULT, EMPLOYED, NO_ID, UNEMPLOYED, group_by, within_group
from sim.engine.submodels.base import Submodel
from sim.engine.submodels.demography import LifeTable
from sim.io.results import PERSONS, M, flow

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

AGE_BREAKS = np.array([30, 45, 65])  # age groups of the oldest adult: 18-29, 30-44, 45-64, 65+
# The group of every age a person can reach (a lookup, not a search per household).
OLDEST_GROUP_OF_AGE = np.searchsorted(AGE_BREAKS, np.arange(256), side="right")


@dataclass
class Donors:
    """Members of the households that left the region this year, grouped by household."""

    age: np.ndarray
    sex: np.ndarray
    role: np.ndarray
    activity: np.ndarray
    education: np.ndarray
    start: np.ndarray  # first member of each household
    sizes: np.ndarray

    @classmethod
    def of(cls, pop, persons: np.ndarray) -> Donors:
        per = pop.persons
        persons = persons[np.argsort(per.household[persons], kind="stable")]
        household = per.household[persons]
        if persons.size == 0:  # nobody left: no household to copy
            first = np.empty(0, dtype=np.int64)
        else:
            first = np.flatnonzero(np.concatenate([[True], household[1:] != household[:-1]]))
        sizes = np.diff(np.append(first, persons.size))
        return cls(
            per.age[persons].copy(),
            per.sex[persons].copy(),
            per.role[persons].copy(),
            per.activity[persons].copy(),
            per.education[persons].copy(),
            first,
            sizes,
        )


class Migration(Submodel):
    """Out-migration by age, unemployment and attractiveness; in-migration and recruitment."""

    name = "migration"
    steps = {"migration": "step"}
    results = (
        flow("out_migration", M, PERSONS, "Persons moving out of the region during the year"),
    )

    def init(self, model: RegionModel) -> None:
        """Calibrate the base in-flow so that each municipality follows its recent trend.

        Documented derivation: base in-migrants (persons per year) = expected out-migrants
        + trend growth rate x population - expected natural change - net moves from other
        municipalities of the region, at base-year conditions, where the trend is the
        municipality's mean yearly growth over the period its inputs state (``trend_growth_rate``
        from ``trend_first_year`` to ``trend_last_year``): the trend is total growth, so migration
        from outside the region fills what births, deaths and moves within the region leave. Net
        moves are the mean over the warm-start years (none are known at set-up). At base-year
        conditions attractiveness equals its base-year level, so it neither pushes nor pulls.
        Taken again every warm-start year and at the base year (``on_base_year``).
        """
        self.education_shares = np.asarray(model.params.labour.education_shares)
        self.publish(model, "arrived_job_seekers", np.empty(0, dtype=np.int64))
        self.moves_seen: list[np.ndarray] = []
        self._calibrate(model, np.zeros(model.n_muni))

    def on_base_year(self, model: RegionModel) -> None:
        """Base-year references: unemployment, and the in-flow calibrated to the trend."""
        self.moves_seen.append(np.asarray(model.shared["net_moves"], dtype=np.float64))
        self._calibrate(model, np.mean(self.moves_seen, axis=0))

    def _calibrate(self, model: RegionModel, net_moves: np.ndarray) -> None:
        self.base_unemployment = model.unemployment_rate()
        # Households react to last year's labour market: the end-of-year unemployment, the same
        # moment of the yearly cycle as the base year's (mid-year, after matching, it is lower).
        self.last_unemployment = self.base_unemployment
        self.out_migration = np.zeros(model.n_muni)
        households, oldest, sizes = model.resident_households()
        rate = self._out_rate(model, households, oldest, pull=np.ones(model.n_muni))
        muni = model.pop.households.municipality[households]
        expected_out = np.bincount(muni, rate * sizes, minlength=model.n_muni)
        trend = model.inputs.municipalities["trend_growth_rate"].to_numpy(dtype=np.float64)
        residents = model.resident_counts()
        life_table = LifeTable.of(model.params.demography)
        natural = life_table.expected_natural_change(model.pop, model.n_muni)
        self.base_inflow = np.maximum(expected_out + trend * residents - natural - net_moves, 0.0)

    def _pull(self, model: RegionModel) -> np.ndarray:
        """Attractiveness relative to the base year, to the power of its effect on migration."""
        shared = model.shared
        relative = shared["attractiveness"] / shared["base_attractiveness"]
        return relative**self.params.attractiveness_pull

    def _out_rate(
        self, model: RegionModel, households: np.ndarray, oldest: np.ndarray, pull: np.ndarray
    ) -> np.ndarray:
        p = self.params
        pop = model.pop
        muni = pop.households.municipality[households]
        base = np.asarray(p.out_rate_by_age)[OLDEST_GROUP_OF_AGE[oldest]]
        push = np.exp(p.unemployment_push * (self.last_unemployment - self.base_unemployment))
        # Households with an unemployed member are more likely to leave.
        with_unemployed = pop.households_with(UNEMPLOYED)
        personal = np.where(with_unemployed[households], p.unemployed_factor, 1.0)
        return base * personal * (push / pull)[muni]

    def step(self, model: RegionModel, year: int) -> None:
        """Households leave the region; in-migrants and recruited workers arrive (pending)."""
        rng = model.stream(self.name)
        pop = model.pop
        p = self.params
        households, oldest, _ = model.resident_households()
        pull = self._pull(model)
        rate = self._out_rate(model, households, oldest, pull)
        per = pop.persons
        leaving = households[rng.random(households.size) < rate]
        is_leaving = np.zeros(pop.households.n, dtype=bool)
        is_leaving[leaving] = True
        persons = pop.members(is_leaving)
        self.out_migration = np.bincount(
            pop.households.municipality[per.household[persons]], minlength=model.n_muni
        )
        donors = Donors.of(pop, persons)
        pop.remove_persons(persons)

        push = np.exp(p.unemployment_push * (self.last_unemployment - self.base_unemployment))
        # The in-flow is calibrated to the trend up to the base year; a future's level acts after.
        level = p.in_migration_level if year > model.base_year else 1.0
        arrivals = rng.poisson(self.base_inflow * level * pull / push)
        # Slots offered to recruits: a copy, taken one by one as recruits are placed.
        slots = np.array(model.shared["recruit_slots"])
        firms = model.pop.firms
        recruits = np.bincount(
            firms.municipality[: slots.size], weights=slots, minlength=model.n_muni
        ).astype(np.int64)
        firms_of = group_by(firms.municipality[: slots.size], model.n_muni)
        first_new = pop.persons.n
        for m in range(model.n_muni):
            self._arrive_like(model, rng, m, arrivals[m], donors)
            self._recruit(model, rng, m, recruits[m], slots, firms_of[m])
        new = np.arange(first_new, pop.persons.n)
        self.publish(model, "arrived_job_seekers", new[per.activity[new] == UNEMPLOYED])

    def _arrive_like(self, model: RegionModel, rng, m: int, persons: int, donors: Donors) -> None:
        """Pending in-migrant households for about ``persons`` persons, each a copy of a household
        that left the region this year (documented derivation: gross flows into and out of a region
        have similar age and household profiles, so net migration does not age or rejuvenate the
        population by construction). Workers arrive as job seekers."""
        if persons <= 0 or donors.sizes.size == 0:
            return
        k = int(persons / max(donors.sizes.mean(), 1.0) * 1.5) + 2
        picks = rng.integers(0, donors.sizes.size, size=k)
        keep = int(np.searchsorted(np.cumsum(donors.sizes[picks]), persons)) + 1
        picks = picks[:keep]
        pop = model.pop
        hh = pop.households.add(picks.size, municipality=m, dwelling=NO_ID, pending=True)
        sizes = donors.sizes[picks]
        members = np.repeat(donors.start[picks], sizes) + within_group(sizes)
        activity = donors.activity[members].copy()
        activity[activity == EMPLOYED] = UNEMPLOYED
        pop.persons.add(
            members.size,
            age=donors.age[members],
            sex=donors.sex[members],
            household=np.repeat(hh, sizes),
            role=donors.role[members],
            activity=activity,
            education=donors.education[members],
        )

    def _recruit(
        self,
        model: RegionModel,
        rng,
        m: int,
        recruits: int,
        offered: np.ndarray,
        in_m: np.ndarray,
    ) -> None:
        """Pending households of workers recruited to vacancies in ``m`` (its firms ``in_m``): a
        single adult or a couple (shares ``recruit_household_shares``); the first adult takes the
        vacancy."""
        if recruits <= 0:
            return
        p = self.params
        pop = model.pop
        shares = np.asarray(p.recruit_household_shares)
        n_adults = 1 + rng.choice(2, size=recruits, p=shares / shares.sum())
        hh = pop.households.add(
            recruits, municipality=m, dwelling=NO_ID, pending=True, recruited=True
        )
        adult_hh = np.repeat(hh, n_adults)
        first = np.concatenate([[True], adult_hh[1:] != adult_hh[:-1]])
        age = np.round(np.clip(rng.normal(p.age_in_mean, p.age_in_sd, adult_hh.size), 18, 64))
        sex = rng.integers(0, 2, adult_hh.size)
        second = np.flatnonzero(~first)
        sex[second] = 1 - sex[second - 1]
        adults = pop.persons.add(
            adult_hh.size,
            age=age.astype(np.int16),
            sex=sex.astype(np.int8),
            household=adult_hh,
            role=ADULT,
            activity=UNEMPLOYED,
            education=rng.choice(3, size=adult_hh.size, p=self.education_shares),
        )
        workers = adults[first]
        slots = np.repeat(in_m, offered[in_m])
        take = min(workers.size, slots.size)
        chosen = slots[rng.choice(slots.size, size=take, replace=False)]
        np.subtract.at(offered, chosen, 1)
        pop.employ(workers[:take], chosen.astype(np.int32), np.full(take, m, dtype=np.int16))

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("out_migration", self.out_migration)
        self.last_unemployment = model.unemployment_rate()
