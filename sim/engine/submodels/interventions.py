"""Scenario events (MODEL.md step 1): establishments, housing programmes and cultural investments,
each applied in its year, with their realised schedules recorded. The scenario's policies are the
municipalities' own decisions (municipalities.py).

The scenario has been validated before the run (sim/config/validate.py), so names resolve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.submodels.base import Submodel
from sim.engine.submodels.construction import build_dwellings
from sim.engine.submodels.culture import facility_weight
from sim.io.inputs import DWELLING_TYPES
from sim.io.results import (
    DWELLINGS,
    LABEL,
    MSEK_PER_DWELLING,
    POSITIONS,
    RATIO,
    flow,
    per_run,
    stock,
)

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

E = ("establishment",)


def split_evenly(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest remainder; ties to the first)."""
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=np.int64)
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    rest = total - int(out.sum())
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:rest]] += 1
    return out


def phasing_schedule(programme, total: int) -> dict[int, int]:
    """Dwellings completed per year for the rule-based and explicit phasings (not demand-led)."""
    if programme.phasing == "explicit":
        schedule: dict[int, int] = {}
        for stage in programme.stages:
            schedule[stage.year] = schedule.get(stage.year, 0) + stage.dwellings
        return schedule
    years = np.arange(programme.start_year, programme.end_year + 1)
    n = years.size
    weights = {
        "even": np.ones(n),
        "front_loaded": np.arange(n, 0, -1, dtype=float),
        "back_loaded": np.arange(1, n + 1, dtype=float),
    }[programme.phasing]
    return {int(y): int(d) for y, d in zip(years, split_evenly(total, weights), strict=True)}


def ramp_share(establishment, year: int) -> float:
    """Share of an establishment's jobs in place in ``year``."""
    if year < establishment.opening_year:
        return 0.0
    if establishment.closure_year is not None and year >= establishment.closure_year:
        return 0.0
    t = year - establishment.opening_year
    profile = establishment.ramp_up_profile
    if profile:
        return float(profile[min(t, len(profile) - 1)])
    return min(1.0, (t + 1) / establishment.ramp_up_years)


class Interventions(Submodel):
    """Applies the scenario's dated interventions at the start of each year.

    Its name, ``scenario``, is also its random stream and the prefix of its step in the plan
    (``scenario.step``, in the phase ``events``).
    """

    name = "scenario"
    has_params = False  # the scenario itself is its configuration
    steps = {"events": "step"}
    results = (
        stock("establishment_jobs", E, POSITIONS, "Positions of the scenario's establishments"),
        stock(
            "establishment_filled_jobs",
            E,
            POSITIONS,
            "Filled positions of the scenario's establishments",
        ),
        flow(
            "programme_completions",
            ("housing_programme",),
            DWELLINGS,
            "Dwellings completed by each housing programme",
        ),
        stock(
            "cultural_investment_open",
            ("cultural_investment",),
            RATIO,
            "1 when the scenario's cultural investment is open",
            flags=("not_open", "open"),
        ),
    )
    static = (
        per_run(
            "programme_municipality",
            ("housing_programme",),
            LABEL,
            "SCB code of the programme's municipality",
        ),
        per_run(
            "programme_cost_per_dwelling",
            ("housing_programme",),
            MSEK_PER_DWELLING,
            "Construction cost per programme dwelling",
        ),
    )

    def init(self, model: RegionModel) -> None:
        s = self.scenario
        self.muni = model.municipality_index
        self.codes = list(model.codes)
        self.rooms_by_type = np.asarray(model.params.housing.rooms_by_type, dtype=np.int64)
        wages = np.asarray(model.params.labour.wage_by_sector)
        f = model.pop.firms
        self.firms = []
        for k, e in enumerate(s.establishments):
            sector = model.sectors.index(e.sector)
            firm = f.add(
                1,
                municipality=self.muni(e.municipality),
                sector=sector,
                positions=0,
                base_positions=0,
                wage=wages[sector] * e.wage_level,
                intervention=k,
            )[0]
            self.firms.append(firm)
        self.programmes = list(s.housing_programmes)
        self.mix = [
            np.array([getattr(p.dwellings, t) for t in DWELLING_TYPES], dtype=np.int64)
            for p in self.programmes
        ]
        self.schedules = [
            phasing_schedule(p, int(mix.sum())) if p.phasing != "demand_led" else {}
            for p, mix in zip(self.programmes, self.mix, strict=True)
        ]
        self.remaining = [int(mix.sum()) for mix in self.mix]
        self.held = [0 for _ in self.programmes]  # dwellings due but held by hold_vacancy
        self.started: list[dict[int, int]] = [{} for _ in self.programmes]
        for c in s.cultural_investments:
            m = self.muni(c.municipality)
            model.pop.facilities.add(
                1,
                municipality=m,
                weight=facility_weight(model.params.culture, c.facility_type, c.type_weight),
                capacity=c.capacity,
                opening_year=c.opening_year,
                operating_cost=c.operating_msek,
            )
            first = c.opening_year - c.build_years
            years = range(first, c.opening_year) if c.build_years > 0 else [c.opening_year]
            for year in years:
                outlay_year = max(year, model.base_year + 1)
                model.requests.book_outlay(outlay_year, m, c.investment_msek / len(years))
        n_est, n_prog = len(self.firms), len(self.programmes)
        self.jobs = np.zeros(n_est)
        self.completed = np.zeros(n_prog)
        self.publish(model, "programme_dwellings", np.zeros((model.n_muni, model.n_dwelling_types)))

    def step(self, model: RegionModel, year: int) -> None:
        """Establishments open, ramp up or close; programme stages complete; their outlays."""
        rng = model.stream(self.name)
        f = model.pop.firms
        for k, (firm, e) in enumerate(zip(self.firms, self.scenario.establishments, strict=True)):
            f.positions[firm] = int(round(e.jobs * ramp_share(e, year)))
            self.jobs[k] = f.positions[firm]
        counts = np.zeros((model.n_muni, model.n_dwelling_types), dtype=np.int64)
        households = model.household_counts()
        lag = model.params.construction.lag_years
        queue = model.shared["queue"]
        vacancy = None
        if any(p.hold_vacancy is not None for p in self.programmes):
            stock, vacant = model.dwelling_counts()  # at the end of the previous year
            vacancy = vacant.sum(axis=1) / np.maximum(stock.sum(axis=1), 1)
        for k, p in enumerate(self.programmes):
            m = self.muni(p.municipality)
            hold = p.hold_vacancy is not None and vacancy[m] > p.hold_vacancy
            if p.phasing == "demand_led":
                due = self.started[k].pop(year, 0)
                queue_share = queue[m] / max(households[m], 1)
                if (
                    p.start_year <= year <= p.end_year
                    and self.remaining[k] > 0
                    and queue_share > p.queue_threshold
                    and not hold
                ):
                    size = min(p.stage_size, self.remaining[k])
                    self.remaining[k] -= size
                    self.started[k][year + lag] = self.started[k].get(year + lag, 0) + size
            else:
                due = self.schedules[k].get(year, 0) + self.held[k]
                self.held[k] = due if hold else 0
                due = 0 if hold else due
            by_type = split_evenly(due, self.mix[k])
            counts[m] += by_type
            self.completed[k] = due
            if due and p.municipal_share > 0:
                outlay = due * p.cost_per_dwelling_msek * p.municipal_share
                model.requests.book_outlay(year, m, outlay)
        if counts.any():
            build_dwellings(model.pop, rng, counts, self.rooms_by_type, year)
        self.publish(model, "programme_dwellings", counts)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        f = model.pop.firms
        firms = np.asarray(self.firms, dtype=np.int64)
        rec.put("establishment_jobs", self.jobs)
        rec.put("establishment_filled_jobs", f.filled[firms] + f.filled_external[firms])
        rec.put("programme_completions", self.completed)
        open_ = [c.opening_year <= model.year for c in self.scenario.cultural_investments]
        rec.put("cultural_investment_open", np.asarray(open_, dtype=float))

    def static_results(self, model: RegionModel) -> dict[str, np.ndarray]:
        """Per-programme facts the comparison needs: where it builds, at what cost."""
        return {
            "programme_municipality": np.array(
                [self.codes[self.muni(p.municipality)] for p in self.programmes], dtype=object
            ),
            "programme_cost_per_dwelling": np.array(
                [p.cost_per_dwelling_msek for p in self.programmes], dtype=float
            ),
        }
