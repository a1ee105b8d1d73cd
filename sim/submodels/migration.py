"""Migration into and out of the region.

Out-migration is a household decision by the age of its oldest adult, raised by local unemployment
above its base-year level and lowered by attractiveness. In-migration has two parts: a base flow per
municipality, scaled by attractiveness, and recruitment of workers to vacancies left open beyond the
base-year level. In-migrants arrive as *pending* households: they become residents only if they find a
dwelling in the housing market step (sim/submodels/housing.py); otherwise recruited workers commute in
from outside and the others do not come.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import ADULT, CHILD, CHILD_AT_HOME, NO_ID, UNEMPLOYED
from sim.submodels.base import Submodel

if TYPE_CHECKING:
    from sim.model import RegionModel
    from sim.results import Recorder

AGE_BREAKS = np.array([30, 45, 65])  # age groups of the oldest adult: 18-29, 30-44, 45-64, 65+


class Migration(Submodel):
    """Out-migration by age, unemployment and attractiveness; in-migration and recruitment."""

    name = "migration"

    def init(self, model: RegionModel) -> None:
        """Calibrate the base in-flow so that each municipality follows its recent trend.

        Documented derivation: base in-migrants (persons per year) = expected out-migrants
        + trend growth rate x population - expected natural change, at base-year conditions, where
        the trend is the municipality's 2015-2020 mean yearly growth (inputs).
        """
        self.base_unemployment = model.unemployment_rate()
        self.base_attractiveness = model.attractiveness.copy()
        self.base_open_vacancies = model.labour.open_vacancies.copy()
        expected_out = np.bincount(
            *self._household_outflow(model), minlength=model.n_muni
        )
        trend = model.inputs.municipalities["growth_rate_2015_2020"].to_numpy(dtype=np.float64)
        residents = model.resident_counts()
        natural = model.demography.expected_natural_change(model)
        self.base_inflow = np.maximum(expected_out + trend * residents - natural, 0.0)
        self.education_shares = np.asarray(model.params.labour.education_shares)

    def _out_rate(self, model: RegionModel, households: np.ndarray, oldest: np.ndarray):
        p = self.params
        muni = model.pop.households.municipality[households]
        base = np.asarray(p.out_rate_by_age)[np.searchsorted(AGE_BREAKS, oldest, side="right")]
        push = np.exp(p.unemployment_push * (model.unemployment_rate() - self.base_unemployment))
        pull = (model.attractiveness / self.base_attractiveness) ** p.attractiveness_pull
        return base * (push / pull)[muni]

    def _household_outflow(self, model: RegionModel) -> tuple[np.ndarray, np.ndarray]:
        """(municipality, expected persons leaving) for every resident household."""
        households, oldest, sizes = model.resident_households()
        rate = self._out_rate(model, households, oldest)
        return model.pop.households.municipality[households], rate * sizes

    def step(self, model: RegionModel, year: int) -> None:
        rng = model.stream(self.name)
        pop = model.pop
        households, oldest, _ = model.resident_households()
        rate = self._out_rate(model, households, oldest)
        leaving = households[rng.random(households.size) < rate]
        per = pop.persons
        is_leaving = np.zeros(pop.households.n, dtype=bool)
        is_leaving[leaving] = True
        persons = np.flatnonzero(per.alive[: per.n] & is_leaving[per.household[: per.n]])
        model.count("out_migration", pop.households.municipality[per.household[persons]])
        pop.remove_persons(persons)

        p = self.params
        pull = (model.attractiveness / self.base_attractiveness) ** p.attractiveness_pull
        arrivals = rng.poisson(self.base_inflow * pull)
        extra_vacancies = np.maximum(model.labour.open_vacancies - self.base_open_vacancies, 0.0)
        recruits = rng.binomial(np.round(extra_vacancies).astype(np.int64), p.recruitment_share)
        for m in range(model.n_muni):
            self._arrive(model, rng, m, arrivals[m], recruits[m])
        model.labour.update_incomes(model)

    def _arrive(self, model: RegionModel, rng, m: int, persons: int, recruits: int) -> None:
        """Create pending in-migrant households in municipality ``m``."""
        p = self.params
        # Household types 0 single, 1 couple, 2 couple with children; drawn until the persons
        # target is met. Recruited workers come as singles or couples.
        types = rng.choice(3, size=max(persons, 1), p=np.asarray(p.household_size_in))
        n_children = np.where(types == 2, rng.integers(1, 3, size=types.size), 0)
        sizes = np.where(types == 0, 1, 2) + n_children
        keep = np.searchsorted(np.cumsum(sizes), persons) + 1 if persons > 0 else 0
        types, n_children = types[:keep], n_children[:keep]
        recruit_types = rng.choice(2, size=recruits, p=[0.6, 0.4])
        types = np.concatenate([recruit_types, types])
        n_children = np.concatenate([np.zeros(recruits, dtype=np.int64), n_children])
        recruited = np.arange(types.size) < recruits
        if types.size == 0:
            return
        pop = model.pop
        n_adults = np.where(types == 0, 1, 2)
        hh = pop.households.add(
            types.size, municipality=m, dwelling=NO_ID, pending=True, recruited=recruited
        )
        # Adults.
        adult_hh = np.repeat(hh, n_adults)
        first = np.concatenate([[True], adult_hh[1:] != adult_hh[:-1]])
        age = np.clip(rng.normal(p.age_in_mean, p.age_in_sd, adult_hh.size), 18, 64)
        sex = np.where(first, rng.integers(0, 2, adult_hh.size), 0)
        second = ~first
        sex[second] = 1 - sex[np.flatnonzero(second) - 1]
        adults = pop.persons.add(
            adult_hh.size,
            age=np.round(age).astype(np.int16),
            sex=sex.astype(np.int8),
            household=adult_hh,
            role=ADULT,
            activity=UNEMPLOYED,
            education=rng.choice(3, size=adult_hh.size, p=self.education_shares),
        )
        # Children.
        child_hh = np.repeat(hh, n_children)
        pop.persons.add(
            child_hh.size,
            age=rng.integers(0, 16, child_hh.size).astype(np.int16),
            sex=rng.integers(0, 2, child_hh.size).astype(np.int8),
            household=child_hh,
            role=CHILD_AT_HOME,
            activity=CHILD,
        )
        # The first adult of a recruited household takes a vacancy in m.
        workers = adults[first & recruited[np.searchsorted(hh, adult_hh)]]
        if workers.size:
            f = pop.firms
            in_m = np.flatnonzero(f.alive[: f.n] & (f.municipality[: f.n] == m))
            vac = np.maximum(f.positions[in_m] - f.filled[in_m] - f.filled_external[in_m], 0)
            slots = np.repeat(in_m, vac)
            take = min(workers.size, slots.size)
            chosen = slots[rng.choice(slots.size, size=take, replace=False)]
            pop.employ(workers[:take], chosen.astype(np.int32), np.full(take, m, dtype=np.int16))
            pop.persons.activity[workers[take:]] = UNEMPLOYED

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("out_migration", model.counters["out_migration"])
        rec.put("in_migration", model.counters["in_migration"])
        rec.put("moves_in", model.counters["moves_in"])
        rec.put("moves_out", model.counters["moves_out"])
        rec.put("unmet_in_migration", model.counters["unmet_in_migration"])
