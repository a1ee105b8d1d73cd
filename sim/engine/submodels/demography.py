"""Demography: ageing, deaths, births, leaving home, couples forming and separating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.kernels.demography import (
    age_and_die,
    expected_births_and_deaths,
    fertile_women,
    promote_orphans,
)
from sim.engine.kernels.population import (
    adults_by_household,
    leaving_home_candidates,
    single_adults,
)
from sim.engine.population import (
    CHILD,
    CHILD_AT_HOME,
    NO_ID,
    STUDENT,
    Population,
    group_by,
)
from sim.engine.submodels.base import Submodel
from sim.io.results import HOUSEHOLDS, PERSONS, M, flow, stock
from sim.io.schedules import load_schedules

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

MAX_AGE = 105
FERTILE_AGES = (15, 49)


def gompertz_makeham_q(b: float, a: float, c: float) -> np.ndarray:
    """Yearly death probability by single year of age 0..MAX_AGE for hazard a + b*exp(c*x)."""
    x = np.arange(MAX_AGE + 1, dtype=np.float64)
    cumulative_hazard = a + b * np.exp(c * x) * (np.exp(c) - 1.0) / c
    q = 1.0 - np.exp(-cumulative_hazard)
    q[-1] = 1.0
    return q


def survivorship(q: np.ndarray) -> np.ndarray:
    """l(x): the share of a birth cohort alive at exact age x."""
    return np.concatenate([[1.0], np.cumprod(1.0 - q)[:-1]])


def life_expectancy(q: np.ndarray) -> float:
    """Period life expectancy at birth, with deaths at mid-year."""
    lx = survivorship(q)
    return float(np.sum(lx - 0.5 * lx * q))


def fit_mortality(life_expectancy_target: float, a: float, c: float) -> np.ndarray:
    """Death probabilities of a Gompertz-Makeham schedule whose life expectancy is the target.

    The Gompertz level ``b`` is found by bisection on log(b); documented derivation of the default
    mortality schedule (SCB gives life expectancies, not age-specific rates, in shared/data).
    """
    lo, hi = np.log(1e-8), np.log(1e-1)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if life_expectancy(gompertz_makeham_q(np.exp(mid), a, c)) > life_expectancy_target:
            lo = mid
        else:
            hi = mid
    return gompertz_makeham_q(np.exp(0.5 * (lo + hi)), a, c)


def fertility_schedule(tfr: float, mean_age: float, sd_age: float) -> np.ndarray:
    """Births per woman and year by age 0..MAX_AGE: a gamma shape on ages 15-49 summing to TFR."""
    ages = np.arange(MAX_AGE + 1, dtype=np.float64)
    shift = FERTILE_AGES[0]
    mean, var = mean_age - shift + 0.5, sd_age**2
    shape, scale = mean**2 / var, var / mean
    x = np.clip(ages - shift + 0.5, 1e-9, None)
    density = x ** (shape - 1.0) * np.exp(-x / scale)
    density[(ages < FERTILE_AGES[0]) | (ages > FERTILE_AGES[1])] = 0.0
    return tfr * density / density.sum()


@dataclass(frozen=True)
class LifeTable:
    """Death probabilities and fertility by sex and single year of age, from the parameters.

    A pure function of ``params.demography`` (and, with ``schedules: data``, of the official
    schedules in ``inputs/demography``): demography, the synthesis of the base population and
    migration's calibration each build it from the same parameters.

    With ``schedules: data``, the yearly death probability is ``1 - exp(-m)`` for Sweden's central
    death rate ``m`` by sex and age pooled over ``mortality_years`` (constant hazard within the
    year); ages above the open group 100+ keep its rate, and nobody passes ``MAX_AGE``. Fertility
    is Sweden's age shape over ``fertility_years`` scaled to ``total_fertility_rate``. With
    ``schedules: parametric``: a Gompertz-Makeham table fitted to the life expectancies and a gamma
    fertility schedule (the documented fallback).
    """

    q: np.ndarray  # (sex, age): yearly death probability
    fertility: np.ndarray  # (age,): births per woman and year

    @classmethod
    def of(cls, p) -> LifeTable:
        if p.schedules == "data":
            schedules = load_schedules()
            rates = schedules.death_rates(*p.mortality_years)
            q = np.empty((2, MAX_AGE + 1))
            q[:, : rates.shape[1]] = 1.0 - np.exp(-rates)
            q[:, rates.shape[1] :] = q[:, rates.shape[1] - 1 : rates.shape[1]]
            q[:, -1] = 1.0
            shape = np.zeros(MAX_AGE + 1)
            data_shape = schedules.fertility_shape(*p.fertility_years)
            shape[: data_shape.size] = data_shape
            return cls(q, p.total_fertility_rate * shape)
        q = np.stack(
            [
                fit_mortality(p.life_expectancy_male, p.makeham_a, p.gompertz_c),
                fit_mortality(p.life_expectancy_female, p.makeham_a, p.gompertz_c),
            ]
        )
        return cls(
            q, fertility_schedule(p.total_fertility_rate, p.mean_age_at_birth, p.fertility_sd_age)
        )

    def base_age_shares(self, p, base_year: int) -> np.ndarray:
        """Shares by (sex, age) of the base population on 31 December of ``base_year`` (``p``:
        demography parameters).

        With ``schedules: data``, Västra Götaland's structure in ``base_year`` (the open group
        100+ at age 100) up to ``age_structure_year``, the latest year used; a later base year
        gets that year's structure projected forward by :meth:`project`. Otherwise the stable
        population of this life table.
        """
        if p.schedules != "data":
            return self.stable_age_distribution(p.stable_growth_rate, p.sex_ratio_at_birth)
        year = min(base_year, p.age_structure_year)
        counts = load_schedules().age_structure(year)
        shares = np.zeros((2, MAX_AGE + 1))
        shares[:, : counts.shape[1]] = counts
        shares = self.project(shares, base_year - year, p.sex_ratio_at_birth)
        return shares / shares.sum()

    def project(self, counts: np.ndarray, years: int, sex_ratio_at_birth: float) -> np.ndarray:
        """Persons by (sex, age) after ``years`` years of this table's deaths and births, without
        migration (a closed cohort-component projection, in the order of the yearly loop: ageing,
        deaths at the new age, births to the surviving women at their new age).

        Documented derivation of the base age structure: Skaraborg has no Göteborg drawing young
        adults in, so it is older than the county whose structure the data give; ageing the
        county's structure without migration moves it the same way.
        """
        counts = np.asarray(counts, dtype=np.float64).copy()
        for _ in range(years):
            aged = np.zeros_like(counts)
            aged[:, 1:] = counts[:, :-1]
            aged[:, -1] += counts[:, -1]
            aged *= 1.0 - self.q
            births = float(aged[1] @ self.fertility)
            aged[0, 0] = sex_ratio_at_birth * births
            aged[1, 0] = (1.0 - sex_ratio_at_birth) * births
            counts = aged
        return counts

    def stable_age_distribution(self, growth_rate: float, sex_ratio_at_birth: float) -> np.ndarray:
        """Shares by (sex, age) of the stable population of this life table.

        The initial age structure (documented derivation): a population with these death rates and
        births growing at ``growth_rate`` a year has shares ``exp(-r x) l(x)`` per sex.
        """
        r = growth_rate
        ages = np.arange(MAX_AGE + 1)
        male = sex_ratio_at_birth * survivorship(self.q[0]) * np.exp(-r * ages)
        female = (1 - sex_ratio_at_birth) * survivorship(self.q[1]) * np.exp(-r * ages)
        shares = np.stack([male, female])
        return shares / shares.sum()

    def expected_natural_change(self, pop: Population, n_muni: int) -> np.ndarray:
        """Expected births minus deaths per municipality in one year at the current structure."""
        p, h = pop.persons, pop.households
        births, deaths = expected_births_and_deaths(
            p.alive[: p.n],
            p.household[: p.n],
            h.municipality[: h.n],
            h.pending[: h.n],
            p.sex[: p.n],
            p.age[: p.n],
            self.q,
            self.fertility,
            MAX_AGE,
            n_muni,
        )
        return births - deaths


class Demography(Submodel):
    """Ageing, deaths and births by age and sex, and household formation and dissolution."""

    name = "demography"
    steps = {"demography": "step"}
    results = (
        stock(
            "population",
            ("municipality", "age_group"),
            PERSONS,
            "Residents by age group at the end of the year",
        ),
        stock("households", M, HOUSEHOLDS, "Resident households at the end of the year"),
        flow("births", M, PERSONS, "Live births during the year"),
        flow("deaths", M, PERSONS, "Deaths during the year"),
    )

    def __init__(self, params, scenario) -> None:
        super().__init__(params, scenario)
        table = LifeTable.of(self.params)
        self.q, self.fertility = table.q, table.fertility

    def init(self, model: RegionModel) -> None:
        self.births = np.zeros(model.n_muni)
        self.deaths = np.zeros(model.n_muni)

    def step(self, model: RegionModel, year: int) -> None:
        """Ageing, deaths, births, leaving home, separations and new couples."""
        rng = model.stream(self.name)
        pop = model.pop
        p = pop.persons
        n = p.n
        # Ageing and deaths at the new age: one draw per living person.
        u = rng.random(int(np.count_nonzero(p.alive[:n])))
        dead = age_and_die(p.alive[:n], p.sex[:n], p.age[:n], self.q, MAX_AGE, u)
        muni = pop.resident_municipality_of(dead)
        self.deaths = np.bincount(muni[muni >= 0], minlength=model.n_muni)
        pop.remove_persons(dead)

        # Births to surviving women of fertile age.
        ids = fertile_women(p.alive[: p.n], p.sex[: p.n], p.age[: p.n], self.fertility)
        rate = self.fertility[p.age[ids]]
        mothers = ids[rng.random(ids.size) < rate]
        n_born = mothers.size
        households = p.household[mothers]
        sex = (rng.random(n_born) >= self.params.sex_ratio_at_birth).astype(np.int8)
        p.add(
            n_born,
            age=0,
            sex=sex,
            household=households,
            role=CHILD_AT_HOME,
            activity=CHILD,
            education=0,
            firm=NO_ID,
            work_node=NO_ID,
            income=0.0,
        )
        self.births = np.bincount(pop.households.municipality[households], minlength=model.n_muni)

        # Households that lost their adults are headed by their oldest member.
        p.role[: p.n] = promote_orphans(
            p.household[: p.n], p.role[: p.n], p.age[: p.n], p.alive[: p.n], pop.households.n
        )

        self._leave_home(model, rng)
        self._separate(model, rng)
        self._form_couples(model, rng)

    def _leave_home(self, model: RegionModel, rng: np.random.Generator) -> None:
        p = model.pop.persons
        # Students stay at home (or leave the region, see migration) until they finish.
        at_home = leaving_home_candidates(
            p.alive[: p.n],
            p.role[: p.n],
            p.age[: p.n],
            p.activity[: p.n],
            CHILD_AT_HOME,
            STUDENT,
            18,
        )
        leavers = at_home[rng.random(at_home.size) < self.params.leave_home_rate]
        model.pop.split_off(leavers)

    def _separate(self, model: RegionModel, rng: np.random.Generator) -> None:
        p, h = model.pop.persons, model.pop.households
        adults, n_adults = adults_by_household(
            p.alive[: p.n], p.role[: p.n], p.household[: p.n], h.n
        )
        couples = np.flatnonzero((n_adults == 2) & h.alive[: h.n])
        separating = couples[rng.random(couples.size) < self.params.separation_rate]
        if separating.size == 0:
            return
        # One of the two adults, drawn at random, leaves.
        in_separating = np.zeros(h.n, dtype=bool)
        in_separating[separating] = True
        candidates = adults[in_separating[p.household[adults]]]
        order = np.lexsort((rng.random(candidates.size), p.household[candidates]))
        candidates = candidates[order]
        first = np.ones(candidates.size, dtype=bool)
        first[1:] = p.household[candidates[1:]] != p.household[candidates[:-1]]
        model.pop.split_off(candidates[first])

    def _form_couples(self, model: RegionModel, rng: np.random.Generator) -> None:
        pop = model.pop
        p, h = pop.persons, pop.households
        adults, n_adults = adults_by_household(
            p.alive[: p.n], p.role[: p.n], p.household[: p.n], h.n
        )
        seekers = single_adults(adults, p.household[: p.n], p.age[: p.n], n_adults, 20, 69)
        seekers = seekers[rng.random(seekers.size) < self.params.couple_formation_rate]
        muni = h.municipality[p.household[seekers]]
        sex = p.sex[seekers]
        men_of = group_by(np.where(sex == 0, muni, NO_ID), model.n_muni)
        women_of = group_by(np.where(sex == 1, muni, NO_ID), model.n_muni)
        hosts, guests = [], []
        for m in range(model.n_muni):
            men, women = seekers[men_of[m]], seekers[women_of[m]]
            k = min(men.size, women.size)
            if k == 0:
                continue
            # Pair by age rank among a random subset of the larger side.
            men = np.sort(rng.permutation(men)[:k])
            women = np.sort(rng.permutation(women)[:k])
            men = men[np.argsort(p.age[men], kind="stable")]
            women = women[np.argsort(p.age[women], kind="stable")]
            hm, hw = p.household[men], p.household[women]
            # The couple lives in the household with the larger dwelling (no dwelling: 0 rooms).
            rooms_m = np.where(h.dwelling[hm] >= 0, pop.dwellings.rooms[h.dwelling[hm]], 0)
            rooms_w = np.where(h.dwelling[hw] >= 0, pop.dwellings.rooms[h.dwelling[hw]], 0)
            keep_m = rooms_m >= rooms_w
            hosts.append(np.where(keep_m, hm, hw))
            guests.append(np.where(keep_m, hw, hm))
        if hosts:
            pop.merge_households(np.concatenate(guests), np.concatenate(hosts))

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("population", model.census().by_age_group)
        rec.put("households", model.household_counts())
        rec.put("births", self.births)
        rec.put("deaths", self.deaths)
