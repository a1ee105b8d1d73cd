"""A tiny hand-built region and population for testing one submodel alone (Starsim's
``init_mock``).

The region is two real municipalities of Skaraborg, Skövde and Skara, with their real codes,
names, seats, tax rates, travel times, external labour markets and cultural facilities. Everything
about the people, dwellings and firms is MADE UP for the tests: seven persons in four households,
five dwellings and three firms, small enough to follow each one by hand:

========  ======  ==========================================  ================================
house-    muni-   members                                     dwelling
hold      cipal-
          ity
========  ======  ==========================================  ================================
h0        Skövde  p0 man 45 employed at f0 (Skövde),          d0 detached, 5 rooms
                  p1 woman 43 unemployed, p2 girl 12,
                  p6 young man 19 student at home
h1        Skövde  p3 man 24 unemployed                        none: in the housing queue
h2        Skara   p4 woman 82 retired                         d2 rental flat, 2 rooms
h3        Skara   p5 woman 33 employed at f1 (Skövde)         d3 owner flat, 3 rooms
========  ======  ==========================================  ================================

Vacant: d1 (Skövde, rental flat, 2 rooms) and d4 (Skara, detached, 4 rooms). Firms: f0 Skövde
manufacturing (3 positions, 1 filled), f1 Skövde public services (2, 1 filled), f2 Skara retail
and hospitality (1, none filled).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from omegaconf import OmegaConf

from sim.config.compose import compose_config
from sim.config.scenario import Scenario
from sim.engine.model import RegionModel
from sim.engine.population import (
    ADULT,
    CHILD,
    CHILD_AT_HOME,
    EMPLOYED,
    NO_ID,
    RETIRED,
    STUDENT,
    UNEMPLOYED,
    Population,
)
from sim.engine.shared import SHARED
from sim.engine.submodels.labour import update_incomes
from sim.engine.synthesis import add_input_facilities
from sim.io.inputs import DWELLING_TYPES, SECTORS, RegionInputs, load_region

BASE_YEAR = 2024
CODES = ("1496", "1495")  # Skövde (index 0), Skara (index 1)
SKOVDE, SKARA = 0, 1


def tiny_inputs() -> RegionInputs:
    """Skövde and Skara with their real facts; the totals (population, households, dwellings,
    jobs, plan reserve) are those of the made-up tiny population."""
    real = load_region("skaraborg")
    muni = real.municipalities.set_index("code").loc[list(CODES)].reset_index()
    muni["population"] = [5, 2]  # made up: the tiny population
    muni["households"] = [2, 2]  # made up
    muni["plan_reserve_dwellings"] = [10, 4]  # made up
    nodes = set(CODES) | set(real.externals["name"])
    travel = real.travel_times
    travel = travel[travel["origin"].isin(CODES) & travel["destination"].isin(nodes)]
    dwellings = real.dwellings[real.dwellings["code"].isin(CODES)].copy()
    made_up = {("1496", "detached"): 1, ("1496", "rental_flat"): 1, ("1495", "rental_flat"): 1}
    made_up |= {("1495", "owner_flat"): 1, ("1495", "detached"): 1}
    dwellings["dwellings"] = [
        made_up.get((c, t), 0)
        for c, t in zip(dwellings["code"], dwellings["dwelling_type"], strict=True)
    ]
    jobs = real.jobs[real.jobs["code"].isin(CODES)].copy()
    made_up_jobs = {("1496", "manufacturing"): 3, ("1496", "public_services"): 2}
    made_up_jobs |= {("1495", "retail_hospitality"): 1}
    jobs["jobs"] = [
        made_up_jobs.get((c, s), 0) for c, s in zip(jobs["code"], jobs["sector"], strict=True)
    ]
    facilities = real.culture_facilities[real.culture_facilities["code"].isin(CODES)]
    return dataclasses.replace(
        real,
        name="tiny",
        municipalities=muni,
        travel_times=travel.reset_index(drop=True),
        dwellings=dwellings.reset_index(drop=True),
        jobs=jobs.reset_index(drop=True),
        culture_facilities=facilities.reset_index(drop=True),
        checksums={},
    )


def tiny_population(inputs: RegionInputs, params) -> Population:
    """The made-up population of the module docstring, with incomes from the labour rules."""
    pop = Population(persons=16, households=16, dwellings=16, firms=16, facilities=16)
    detached, rental, owner = (DWELLING_TYPES.index(t) for t in DWELLING_TYPES)
    pop.dwellings.add(
        5,
        municipality=np.array([SKOVDE, SKOVDE, SKARA, SKARA, SKARA]),
        dwelling_type=np.array([detached, rental, rental, owner, detached]),
        rooms=np.array([5, 2, 2, 3, 4]),
        year_built=np.array([1970, 1990, 1965, 2005, 1950]),
        occupant=np.array([0, NO_ID, 2, 3, NO_ID]),
    )
    pop.households.add(
        4,
        municipality=np.array([SKOVDE, SKOVDE, SKARA, SKARA]),
        dwelling=np.array([0, NO_ID, 2, 3]),
        years_at_address=np.array([10, 0, 30, 4]),
    )
    sector = {s: i for i, s in enumerate(SECTORS)}
    wages = np.asarray(params.labour.wage_by_sector)
    firm_sectors = np.array(
        [sector["manufacturing"], sector["public_services"], sector["retail_hospitality"]]
    )
    pop.firms.add(
        3,
        municipality=np.array([SKOVDE, SKOVDE, SKARA]),
        sector=firm_sectors,
        positions=np.array([3, 2, 1]),
        base_positions=np.array([3, 2, 1]),
        filled=np.array([1, 1, 0]),
        wage=wages[firm_sectors],
    )
    pop.persons.add(
        7,
        age=np.array([45, 43, 12, 24, 82, 33, 19]),
        sex=np.array([0, 1, 1, 0, 1, 1, 0]),
        household=np.array([0, 0, 0, 1, 2, 3, 0]),
        role=np.array([ADULT, ADULT, CHILD_AT_HOME, ADULT, ADULT, ADULT, CHILD_AT_HOME]),
        activity=np.array([EMPLOYED, UNEMPLOYED, CHILD, UNEMPLOYED, RETIRED, EMPLOYED, STUDENT]),
        education=np.array([2, 1, 0, 1, 1, 2, 1]),
        firm=np.array([0, NO_ID, NO_ID, NO_ID, NO_ID, 1, NO_ID]),
        work_node=np.array([SKOVDE, NO_ID, NO_ID, NO_ID, NO_ID, SKOVDE, NO_ID]),
    )
    add_input_facilities(inputs, params, pop)
    education_factor = np.asarray(params.labour.education_wage_factor, dtype=np.float32)
    update_incomes(pop, params.labour, education_factor)
    return pop


def default_stand_ins(inputs: RegionInputs, pop: Population) -> dict[str, np.ndarray]:
    """Neutral values of every shared quantity, for the owners a test leaves out."""
    n, t = len(inputs.codes), len(DWELLING_TYPES)
    h, d = pop.households, pop.dwellings
    stock = np.zeros((n, t))
    np.add.at(stock, (d.municipality[: d.n], d.dwelling_type[: d.n]), 1)
    queue = np.bincount(h.municipality[: h.n][h.dwelling[: h.n] == NO_ID], minlength=n)
    return {
        "tax_rate": inputs.municipalities["tax_rate_pct"].to_numpy(float),
        "plan_reserve_released": np.zeros(n),
        "recruit_slots": np.zeros(pop.firms.n, dtype=np.int64),
        "arrived_job_seekers": np.empty(0, dtype=np.int64),
        "queue": queue.astype(float),
        "price_index": np.ones((n, t)),
        "programme_dwellings": np.zeros((n, t)),
        "dwelling_stock": stock,
        "resident_households": np.bincount(h.municipality[: h.n], minlength=n),
        "wanted_starts": np.zeros((n, t)),
        "plan_reserve": inputs.municipalities["plan_reserve_dwellings"].to_numpy(float),
        "taxable_income": np.ones(n),
        "municipal_revenue": np.ones(n),
        "municipal_result": np.zeros(n),
        "cultural_access": np.ones(n),
        "attractiveness": np.ones(n),
        "base_attractiveness": np.ones(n),
    }


def mock_model(
    *submodels,
    overrides: list[str] | None = None,
    stand_ins: dict[str, np.ndarray] | None = None,
    scenario: dict | None = None,
    seed: int = 0,
) -> RegionModel:
    """A model of the tiny region with only ``submodels`` set up.

    ``overrides`` are config overrides (``params.housing.base_mobility=1.0``); ``scenario`` is a
    scenario as a dict (its municipalities must be Skövde or Skara); ``stand_ins`` replace the
    neutral values of shared quantities whose owners are not in the model.
    """
    cfg = compose_config(list(overrides or []))
    if scenario is not None:
        cfg.scenario = OmegaConf.merge(OmegaConf.structured(Scenario), scenario)
    params = OmegaConf.to_object(cfg.params)
    inputs = tiny_inputs()
    pop = tiny_population(inputs, params)
    owners = {cls.name for cls in submodels}
    published = {
        name: value
        for name, value in {**default_stand_ins(inputs, pop), **(stand_ins or {})}.items()
        if SHARED[name].owner not in owners
    }
    return RegionModel(
        inputs,
        params,
        pop,
        seed,
        BASE_YEAR,
        cfg.scenario,
        submodels=tuple(submodels),
        stand_ins=published,
    )


def step(model: RegionModel, *labels: str) -> None:
    """Advance the year and run the named steps of the plan (all of them when none is named)."""
    model.year += 1
    model.pop.compact()
    for plan_step, run_step in zip(model.plan, model._run, strict=True):
        if not labels or plan_step.label in labels:
            run_step(model, model.year)
