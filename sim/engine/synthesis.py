"""The synthetic base population: persons, households, dwellings and firms for the base year.

Municipal totals are reproduced exactly: population, households (where dwellings suffice), dwellings
by type and jobs by sector come from ``inputs/<region>``. Distributions are documented derivations:
ages and sexes from the stable population of the mortality schedule
(sim/engine/submodels/demography.py), couples and children by age, dwellings filled by household
size, firms split from sector jobs with an exponential size distribution around each sector's
mean firm size, and jobs filled by the same matching rule as in the yearly loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.population import (
    ADULT,
    CHILD,
    CHILD_AT_HOME,
    NO_ID,
    OUTSIDE,
    RETIRED,
    STUDENT,
    UNEMPLOYED,
    Population,
    group_by,
)
from sim.engine.rng import stream
from sim.engine.submodels.demography import MAX_AGE, LifeTable
from sim.engine.submodels.labour import (
    commute_decay,
    external_positions,
    fill_from_outside,
    incommuter_rates,
    match_residents,
    update_incomes,
)
from sim.io.inputs import DWELLING_TYPES, FACILITY_TYPES, SECTORS

if TYPE_CHECKING:
    from sim.config.params import Params
    from sim.io.inputs import RegionInputs

# Age-specific weights of living in a couple, by age (documented estimate: couples are rare under
# 25 and common from 30 to 75; Swedish household statistics show the same rise and fall).
COUPLE_AGES = np.array([18, 25, 30, 75, 85])
COUPLE_WEIGHT = np.array([0.2, 0.6, 1.0, 0.7, 0.4])


def synthesize(
    inputs: RegionInputs, params: Params, seed: int, base_year: int, warm_years: int = 0
) -> Population:
    """The population of a region: persons, households, dwellings, firms (their jobs filled by
    residents and in-commuters from outside) and cultural facilities.

    Built for ``warm_years`` before the base year, from which the model's warm start
    (``RegionModel.warm_start``) runs its own dynamics up to the base year: ages from the
    structure of that year, persons and households per municipality deflated by its trend growth
    (the rate migration is calibrated to keep), dwellings by the base rate of net construction
    (starts less demolitions). Jobs are the base year's; labour demand scales them to the year.
    With ``warm_years`` 0 the inputs' totals are reproduced exactly. Draws from the run's
    ``synth`` stream only.
    """
    rng = stream(seed, "synth")
    muni = inputs.municipalities
    start_year = base_year - warm_years
    trend = muni["trend_growth_rate"].to_numpy(dtype=np.float64)
    people = (1.0 + trend) ** -warm_years
    c = params.construction
    stock = (1.0 + c.base_start_rate - c.demolition_rate) ** -warm_years
    n_persons = int(muni["population"].sum())
    pop = Population(
        persons=int(n_persons * 1.6),
        households=int(muni["households"].sum() * 1.6),
        dwellings=int(inputs.dwellings["dwellings"].sum() * 1.3),
        firms=int(inputs.jobs["jobs"].sum() / 5),
    )
    d = params.demography
    shares = LifeTable.of(d).base_age_shares(d, start_year)
    population = np.rint(muni["population"].to_numpy() * people).astype(np.int64)
    households = np.rint(muni["households"].to_numpy() * people).astype(np.int64)
    for m in range(len(muni)):
        _persons_and_households(params, pop, rng, m, int(population[m]), int(households[m]), shares)
    _dwellings(inputs, params, start_year, pop, rng, stock)
    _firms(inputs, params, pop, rng)
    add_input_facilities(inputs, params, pop)
    # Fill jobs with residents by the yearly matching rule; all but the base unemployment search.
    lp = params.labour
    travel = inputs.travel_time_matrix()
    decay = commute_decay(travel, len(inputs.codes), lp)
    vacancies = external_positions(inputs, lp)
    match_residents(pop, lp, rng, decay, vacancies, efficiency=1.0 - lp.base_unemployment)
    update_incomes(pop, lp, np.asarray(lp.education_wage_factor, dtype=np.float32))
    # In-commuters from outside fill part of what residents left open.
    n_muni = len(inputs.codes)
    no_slots = np.zeros(pop.firms.n, dtype=np.int64)
    fill_from_outside(pop, rng, incommuter_rates(travel, n_muni, lp), no_slots, n_muni)
    return pop


def weighted_sample(rng, items: np.ndarray, size: int, weights: np.ndarray) -> np.ndarray:
    """``size`` of ``items`` drawn without replacement, each draw with probability proportional
    to the weights of those not yet drawn (successive sampling), in no particular order.

    The items with the ``size`` smallest keys ``Exp(1) / weight`` are such a sample (Efraimidis
    and Spirakis 2006, "Weighted random sampling with a reservoir", Information Processing
    Letters 97:181-185): one pass and a partition, where numpy's ``choice(replace=False, p=...)``
    redraws its duplicates round after round (1.5 s of the Sweden-like synthesis). Weights must
    be positive.
    """
    if size >= items.size:
        return items.copy()
    keys = rng.standard_exponential(items.size) / weights
    return items[np.argpartition(keys, size)[:size]]


def _persons_and_households(params, pop, rng, m, population, households, shares) -> None:
    p = params
    cell = rng.choice(shares.size, size=population, p=shares.ravel())
    sex = (cell // (MAX_AGE + 1)).astype(np.int8)
    age = (cell % (MAX_AGE + 1)).astype(np.int16)
    order = np.argsort(age, kind="stable")
    sex, age = sex[order], age[order]
    n = population

    # Young adults still at home: the survivors of the leaving-home hazard since age 18.
    at_home_prob = np.where(
        age < 18, 1.0, (1.0 - p.demography.leave_home_rate) ** (age.astype(float) - 17.0)
    )
    role = np.where(rng.random(n) < at_home_prob, CHILD_AT_HOME, ADULT).astype(np.int8)

    # Activity, consistent with the transition hazards of the yearly loop.
    lp = p.labour
    u = rng.random(n)
    activity = np.full(n, UNEMPLOYED, dtype=np.int8)  # labour force; matched to jobs below
    in_school = np.where(
        age < 19,
        1.0,
        (1 - lp.upper_secondary_exit_share) * (1 - lp.student_exit_rate) ** (age - 19.0),
    )
    activity[(age >= 16) & (age < 30) & (u < in_school)] = STUDENT
    r = lp.retirement_rates
    still_working = np.select(
        [age < 61, age < 65, age == 65, age == 66, age < 70],
        [
            1.0,
            (1 - r[0]) ** (age - 60.0),
            (1 - r[0]) ** 4 * (1 - r[1]),
            (1 - r[0]) ** 4 * (1 - r[1]) * (1 - r[2]),
            (1 - r[0]) ** 4 * (1 - r[1]) * (1 - r[2]) * (1 - r[3]) ** (age - 66.0),
        ],
        default=0.0,
    )
    activity[(age >= 61) & (rng.random(n) >= still_working)] = RETIRED
    outside = (activity == UNEMPLOYED) & (rng.random(n) < lp.outside_share)
    activity[outside] = OUTSIDE
    activity[age < 16] = CHILD
    education = rng.choice(3, size=n, p=np.asarray(lp.education_shares)).astype(np.int8)
    education[age < 16] = 0
    young = (age >= 16) & (age < 25)
    education[young] = np.where(age[young] >= 19, np.minimum(education[young], 1), 0)

    # Households: couples are drawn by age among adults, the other adults live alone; their
    # number follows from the household total: adults = households + couples.
    adults = np.flatnonzero(role == ADULT)
    n_couples = int(np.clip(adults.size - households, 0, adults.size // 2))
    weight = np.interp(age[adults], COUPLE_AGES, COUPLE_WEIGHT)
    men, women = adults[sex[adults] == 0], adults[sex[adults] == 1]
    n_couples = min(n_couples, men.size, women.size)
    wm = weight[sex[adults] == 0]
    ww = weight[sex[adults] == 1]
    coupled_men = weighted_sample(rng, men, n_couples, wm)
    coupled_women = weighted_sample(rng, women, n_couples, ww)
    coupled_men = coupled_men[np.argsort(age[coupled_men] + rng.normal(0, 2, n_couples))]
    coupled_women = coupled_women[np.argsort(age[coupled_women] + rng.normal(0, 2, n_couples))]
    in_couple = np.zeros(n, dtype=bool)
    in_couple[coupled_men] = True
    in_couple[coupled_women] = True
    singles = adults[~in_couple[adults]]
    household = np.full(n, -1, dtype=np.int64)
    household[coupled_men] = np.arange(n_couples)
    household[coupled_women] = np.arange(n_couples)
    household[singles] = n_couples + np.arange(singles.size)
    n_households = n_couples + singles.size
    head_age = np.zeros(n_households)
    head_age[household[coupled_women]] = age[coupled_women]
    head_age[household[singles]] = age[singles]

    # Children join a household whose head is about 30 years older (couples three times as
    # often as single parents, as in Swedish family statistics).
    children = np.flatnonzero(role == CHILD_AT_HOME)
    target = age[children] + 30 + rng.normal(0, 4, children.size)
    pools = [np.arange(n_couples), n_couples + np.arange(singles.size)]
    use_single = rng.random(children.size) < 0.25
    for pool, chosen in ((pools[0], ~use_single), (pools[1], use_single)):
        if pool.size == 0 or not chosen.any():
            continue
        ordered = pool[np.argsort(head_age[pool], kind="stable")]
        ages_sorted = head_age[ordered]
        lo = np.searchsorted(ages_sorted, target[chosen] - 3)
        hi = np.searchsorted(ages_sorted, target[chosen] + 3)
        lo = np.minimum(lo, ordered.size - 1)
        span = np.maximum(hi - lo, 1)
        pick = np.minimum(lo + (rng.random(span.size) * span).astype(np.int64), ordered.size - 1)
        household[children[chosen]] = ordered[pick]

    hh_ids = pop.households.add(n_households, municipality=m, dwelling=NO_ID)
    pop.persons.add(
        n,
        age=age,
        sex=sex,
        household=hh_ids[household],
        role=role,
        activity=activity,
        education=education,
        firm=NO_ID,
        work_node=NO_ID,
    )


def _dwellings(inputs, params, base_year, pop, rng, factor: float = 1.0) -> None:
    """Dwellings by municipality and type (the inputs' counts times ``factor``); households move
    in, larger households into more rooms."""
    rooms_mean = np.asarray(params.housing.rooms_by_type)
    table = inputs.dwellings
    code_index = {c: i for i, c in enumerate(inputs.codes)}
    type_index = {t: i for i, t in enumerate(DWELLING_TYPES)}
    counts = np.rint(table["dwellings"].to_numpy() * factor).astype(np.int64)
    muni = np.repeat(table["code"].map(code_index).to_numpy(), counts)
    kind = np.repeat(table["dwelling_type"].map(type_index).to_numpy(), counts)
    rooms = np.clip(np.round(rng.normal(rooms_mean[kind], 1.0)), 1, 8).astype(np.int8)
    # Estimate: year built uniform over 1900-2023 (no age data in inputs); only demolition order
    # depends on it.
    built = rng.integers(1900, base_year, size=muni.size)
    d_ids = pop.dwellings.add(
        muni.size, municipality=muni, dwelling_type=kind, rooms=rooms, year_built=built
    )
    h = pop.households
    sizes = pop.household_sizes()
    n_muni = len(inputs.codes)
    households_of = group_by(np.where(h.alive[: h.n], h.municipality[: h.n], NO_ID), n_muni)
    dwellings_of = group_by(muni, n_muni)
    for m in range(n_muni):
        hh = households_of[m]
        dw = d_ids[dwellings_of[m]]
        k = min(hh.size, dw.size)
        # The k largest households (by size with noise) get dwellings; the rest queue.
        hh = hh[np.argsort(-(sizes[hh] + rng.random(hh.size)))][:k]
        dw = rng.choice(dw, size=k, replace=False)
        dw = dw[np.argsort(-(pop.dwellings.rooms[dw] + rng.normal(0, 1.0, k)))]
        h.dwelling[hh] = dw
        pop.dwellings.occupant[dw] = hh
        h.years_at_address[hh] = rng.integers(0, 20, size=k)


def _firms(inputs, params, pop, rng) -> None:
    """Split each (municipality, sector) job total into firms with exponential sizes."""
    table = inputs.jobs
    code_index = {c: i for i, c in enumerate(inputs.codes)}
    sector_index = {s: i for i, s in enumerate(SECTORS)}
    mean_size = np.asarray(params.labour.mean_firm_size)
    wages = np.asarray(params.labour.wage_by_sector)
    for code, sector, jobs in table[["code", "sector", "jobs"]].itertuples(index=False):
        jobs = int(jobs)
        if jobs == 0:
            continue
        s = sector_index[sector]
        sizes = np.maximum(np.round(rng.exponential(mean_size[s], size=jobs)), 1).astype(np.int64)
        cut = int(np.searchsorted(np.cumsum(sizes), jobs)) + 1
        sizes = sizes[:cut]
        sizes[-1] -= sizes.sum() - jobs
        pop.firms.add(
            sizes.size,
            municipality=code_index[code],
            sector=s,
            positions=sizes,
            base_positions=sizes,
            wage=wages[s],
        )


def add_input_facilities(inputs: RegionInputs, params: Params, pop: Population) -> None:
    """The region's cultural facilities, from the inputs."""
    fac = inputs.culture_facilities
    code_index = {code: i for i, code in enumerate(inputs.codes)}
    type_index = {t: i for i, t in enumerate(FACILITY_TYPES)}
    facility_type = fac["facility_type"].map(type_index).to_numpy()
    pop.facilities.add(
        len(fac),
        municipality=fac["code"].map(code_index).to_numpy(dtype=np.int64),
        weight=np.asarray(params.culture.type_weight, dtype=np.float64)[facility_type],
        capacity=fac["capacity"].to_numpy(dtype=np.float64),
        opening_year=fac["opening_year"].to_numpy(dtype=np.int64),
        operating_cost=fac["operating_cost_msek"].to_numpy(dtype=np.float64),
    )
