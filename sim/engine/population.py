"""Agents as arrays: persons, households, dwellings, firms and cultural facilities.

Each agent kind is a struct of 1-D numpy arrays indexed by an integer id, with capacity grown
geometrically (as in Starsim's ``Arr``). Within a year ids are stable: a household that dissolves
or a dwelling that is demolished keeps its row with ``alive`` set to False, so references held by
other arrays stay valid. At the start of every year (``Population.compact``) the rows of dead
persons, dissolved households and demolished dwellings are dropped and the references to the
survivors (persons' households, households' dwellings, dwellings' occupants) renumbered, so every
yearly pass is over the living only. Firms keep their rows for good: the labour market's own
arrays are indexed by firm."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.kernels.population import (
    census,
    household_members,
    household_summary,
    households_with_activity,
    keep_where,
    keep_where_renumbered,
    members_of,
    rehouse,
    resident_counts,
    resident_municipality,
    residents_in_activity,
    with_living_members,
)

# Activity codes of persons.
CHILD, STUDENT, EMPLOYED, UNEMPLOYED, RETIRED, OUTSIDE = range(6)
ACTIVITIES = ("child", "student", "employed", "unemployed", "retired", "outside_labour_force")

# Household roles of persons.
ADULT, CHILD_AT_HOME = 0, 1

# Education levels.
EDUCATION_LEVELS = ("compulsory", "upper_secondary", "tertiary")

NO_ID = -1

# Age groups of residents (lower bounds): 0-5, 6-15, 16-19, 20-44, 45-64, 65-79, 80+, the groups
# of Swedish municipal service costs (preschool, compulsory school, upper secondary, working ages,
# elderly care); the ``age_group`` dimension of the results.
AGE_GROUP_BREAKS = np.array([6, 16, 20, 45, 65, 80])
AGE_GROUPS = ("0-5", "6-15", "16-19", "20-44", "45-64", "65-79", "80+")
# The age group of every age a person can reach (ages stop at demography's MAX_AGE, 105).
GROUP_OF_AGE = np.searchsorted(AGE_GROUP_BREAKS, np.arange(256), side="right").astype(np.int64)


@dataclass(frozen=True)
class Census:
    """Municipal tallies of the residents, from one pass over persons (``Population.census``)."""

    by_age_group: np.ndarray  # (municipality, age group): residents
    employed: np.ndarray  # (municipality,): employed residents
    unemployed: np.ndarray  # (municipality,): unemployed residents
    taxable_income: np.ndarray  # (municipality,): residents' income, kSEK/year
    commuting: np.ndarray  # (municipality, node): employed residents by home and workplace

    @property
    def residents(self) -> np.ndarray:
        return self.by_age_group.sum(axis=1)

    @property
    def unemployment_rate(self) -> np.ndarray:
        """Unemployed share of the resident labour force."""
        return self.unemployed / np.maximum(self.employed + self.unemployed, 1)


def add_counts(counts: np.ndarray, ids: np.ndarray, sign: int) -> None:
    """Add ``sign`` to ``counts[i]`` once for every ``i`` in ``ids``, in place. Few ids (a
    municipality's recruits among all the region's firms) are added one by one, many by one
    count over the whole array: either way the cost follows the larger of the two, not the
    number of calls times the array."""
    if ids.size * 8 < counts.size:
        np.add.at(counts, ids, sign)
    else:
        counts += (sign * np.bincount(ids, minlength=counts.size)).astype(counts.dtype)


def group_by(key: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """The positions of each value ``0..n_groups-1`` of ``key``, ascending (what
    ``np.flatnonzero(key == g)`` gives for every ``g``, in one sort instead of ``n_groups``
    passes); negative keys belong to no group.

    >>> [g.tolist() for g in group_by(np.array([1, 0, 1, -1, 0]), 3)]
    [[1, 4], [0, 2], []]
    """
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(n_groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def within_group(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ..., size - 1 for each of the consecutive groups of ``sizes``.

    >>> within_group(np.array([2, 0, 3])).tolist()
    [0, 1, 0, 1, 2]
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def _renumbering(alive: np.ndarray) -> np.ndarray | None:
    """New id of every row once the dead rows are dropped (NO_ID for the dead); None when no
    row is dead (the ids do not change)."""
    n_alive = int(np.count_nonzero(alive))
    if n_alive == alive.size:
        return None
    new_id = np.full(alive.size, NO_ID, dtype=np.int32)
    new_id[alive] = np.arange(n_alive, dtype=np.int32)
    return new_id


class AgentArrays:
    """A struct of arrays with geometric capacity growth.

    Subclasses declare ``FIELDS``: a mapping of attribute name to ``(dtype, fill value)``. The
    attribute ``x.age`` is the full-capacity array; only ``x.age[: x.n]`` is in use, and the
    rows beyond ``x.n`` hold no defined values (``add`` sets every field of the rows it adds,
    with the fill value where none is given): capacity is not written until it is used, so it
    costs neither time nor resident memory.

    Examples
    --------
    >>> p = Persons(capacity=4)
    >>> ids = p.add(3, age=np.array([1, 2, 3]))
    >>> p.n, p.age[:3].tolist()
    (3, [1, 2, 3])
    """

    FIELDS: dict[str, tuple[type, object]] = {}

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._capacity = max(int(capacity), 16)
        for name, (dtype, _) in self.FIELDS.items():
            setattr(self, name, np.empty(self._capacity, dtype=dtype))

    def __len__(self) -> int:
        return self.n

    def _grow(self, needed: int) -> None:
        new_capacity = self._capacity
        while new_capacity < needed:
            new_capacity *= 2
        if new_capacity == self._capacity:
            return
        for name, (dtype, _) in self.FIELDS.items():
            old = getattr(self, name)
            new = np.empty(new_capacity, dtype=dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self._capacity = new_capacity

    def add(self, count: int, **values: np.ndarray | float | int) -> np.ndarray:
        """Append ``count`` agents, set the given attributes, and return their ids."""
        unknown = set(values) - set(self.FIELDS)
        if unknown:
            raise KeyError(f"{type(self).__name__} has no attributes {sorted(unknown)}")
        start = self.n
        self._grow(start + count)
        self.n = start + count
        for name, (_, fill) in self.FIELDS.items():
            getattr(self, name)[start : self.n] = values.get(name, fill)
        if "alive" in self.FIELDS:
            self.alive[start : self.n] = True
        return np.arange(start, self.n, dtype=np.int64)

    def drop_dead(self, renumbered: dict[str, np.ndarray | None] | None = None) -> None:
        """Keep only the living rows (in their order) and renumber them 0..n_alive-1.

        ``renumbered`` maps a column of references to another table's new ids (see
        :func:`_renumbering`; None when that table's ids did not change): its references are
        renumbered in the same pass."""
        renumbered = {k: v for k, v in (renumbered or {}).items() if v is not None}
        n = self.n
        n_alive = int(np.count_nonzero(self.alive[:n]))
        keep = self.alive[:n] if n_alive == n else self.alive[:n].copy()  # the column moves
        for name in self.FIELDS:
            if name in renumbered:
                keep_where_renumbered(getattr(self, name), keep, renumbered[name])
            elif n_alive < n:
                keep_where(getattr(self, name), keep)
        self.n = n_alive

    def active(self) -> np.ndarray:
        """Ids of the agents that are alive."""
        return np.flatnonzero(self.alive[: self.n])

    def column(self, name: str) -> np.ndarray:
        """The in-use part of an attribute array (a view)."""
        return getattr(self, name)[: self.n]


class Persons(AgentArrays):
    FIELDS = {
        "alive": (np.bool_, False),
        "age": (np.int16, 0),
        "sex": (np.int8, 0),  # 0 male, 1 female
        "household": (np.int32, NO_ID),
        "role": (np.int8, ADULT),
        "activity": (np.int8, CHILD),
        "education": (np.int8, 0),
        "firm": (np.int32, NO_ID),  # a firm in the region, or NO_ID
        "work_node": (np.int16, NO_ID),  # municipality or external market index of the workplace
        "income": (np.float32, 0.0),  # kSEK per year
    }


class Households(AgentArrays):
    FIELDS = {
        "alive": (np.bool_, False),
        "municipality": (np.int16, NO_ID),
        "dwelling": (np.int32, NO_ID),  # NO_ID: in the queue (parental home, temporary)
        "pending": (np.bool_, False),  # an in-migrant household that has not yet found a dwelling
        "recruited": (np.bool_, False),  # pending in-migrant who came for a job
        "years_at_address": (np.int16, 0),
        "years_waiting": (np.int16, 0),
    }


class Dwellings(AgentArrays):
    FIELDS = {
        "alive": (np.bool_, False),
        "municipality": (np.int16, NO_ID),
        "dwelling_type": (np.int8, 0),
        "rooms": (np.int8, 1),
        "year_built": (np.int16, 0),
        "occupant": (np.int32, NO_ID),
    }


class Firms(AgentArrays):
    FIELDS = {
        "alive": (np.bool_, False),
        "municipality": (np.int16, NO_ID),
        "sector": (np.int8, 0),
        "positions": (np.int32, 0),
        "base_positions": (np.int32, 0),  # positions in the base year, scaled by labour demand
        "filled": (np.int32, 0),  # positions held by residents of the region
        "filled_external": (np.int32, 0),  # positions held by in-commuters from outside
        "wage": (np.float32, 0.0),  # kSEK per year
        "intervention": (np.int32, NO_ID),  # scenario establishment that created it, if any
    }


class Facilities(AgentArrays):
    """Cultural facilities: the region's existing ones, the scenario's and the jointly decided."""

    FIELDS = {
        "alive": (np.bool_, False),
        "municipality": (np.int64, NO_ID),
        "weight": (np.float64, 1.0),  # weight of one place of this facility type
        "capacity": (np.float64, 0.0),  # visitor places
        "opening_year": (np.int64, 0),
        "operating_cost": (np.float64, 0.0),  # MSEK/year charged to the host municipality
    }

    def is_open(self, year: int) -> np.ndarray:
        return self.alive[: self.n] & (self.opening_year[: self.n] <= year)

    def operating_costs(self, year: int, n_muni: int) -> np.ndarray:
        """Yearly operating costs of the open facilities per host municipality, MSEK."""
        cost = np.where(self.is_open(year), self.operating_cost[: self.n], 0.0)
        return np.bincount(self.municipality[: self.n], weights=cost, minlength=n_muni)


class Population:
    """All agent arrays of one run."""

    def __init__(
        self, persons: int, households: int, dwellings: int, firms: int, facilities: int = 64
    ) -> None:
        self.persons = Persons(persons)
        self.households = Households(households)
        self.dwellings = Dwellings(dwellings)
        self.firms = Firms(firms)
        self.facilities = Facilities(facilities)

    def compact(self) -> None:
        """Drop the rows of dead persons, dissolved households and demolished dwellings; the
        survivors keep their order and the references between them are renumbered."""
        p, h, d = self.persons, self.households, self.dwellings
        household_id = _renumbering(h.alive[: h.n])
        dwelling_id = _renumbering(d.alive[: d.n])
        p.drop_dead({"household": household_id})
        h.drop_dead({"dwelling": dwelling_id})
        d.drop_dead({"occupant": household_id})

    def resident_municipality(self) -> np.ndarray:
        """Municipality index of every person (NO_ID for the dead, gone or not yet arrived)."""
        p, h = self.persons, self.households
        return resident_municipality(
            p.alive[: p.n], p.household[: p.n], h.municipality[: h.n], h.pending[: h.n]
        )

    def resident_municipality_of(self, person_ids: np.ndarray) -> np.ndarray:
        """What ``resident_municipality()[person_ids]`` gives, reading only those persons."""
        p, h = self.persons, self.households
        return resident_municipality(
            p.alive[person_ids], p.household[person_ids], h.municipality[: h.n], h.pending[: h.n]
        )

    def residents_in(self, activity: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the residents in ``activity``, in person order, and their municipalities."""
        p, h = self.persons, self.households
        return residents_in_activity(
            p.alive[: p.n],
            p.household[: p.n],
            h.municipality[: h.n],
            h.pending[: h.n],
            p.activity[: p.n],
            activity,
        )

    def households_with(self, activity: int) -> np.ndarray:
        """True for every household with a living member in ``activity``."""
        p = self.persons
        return households_with_activity(
            p.alive[: p.n], p.household[: p.n], p.activity[: p.n], activity, self.households.n
        )

    def census(self, n_muni: int, n_nodes: int) -> Census:
        """The municipal tallies of the residents now (one pass over persons)."""
        p, h = self.persons, self.households
        n = p.n
        return Census(
            *census(
                p.alive[:n],
                p.household[:n],
                h.municipality[: h.n],
                h.pending[: h.n],
                p.age[:n],
                GROUP_OF_AGE,
                p.activity[:n],
                p.income[:n],
                p.work_node[:n],
                EMPLOYED,
                UNEMPLOYED,
                n_muni,
                n_nodes,
            )
        )

    def resident_counts(self, n_muni: int) -> np.ndarray:
        """Residents per municipality (what ``census(...).residents`` counts, in one light pass)."""
        p, h = self.persons, self.households
        return resident_counts(
            p.alive[: p.n], p.household[: p.n], h.municipality[: h.n], h.pending[: h.n], n_muni
        )

    def members(self, chosen: np.ndarray) -> np.ndarray:
        """Ids of the living members of the households flagged in ``chosen``, in person order."""
        p = self.persons
        return members_of(p.alive[: p.n], p.household[: p.n], chosen)

    def household_sizes(self) -> np.ndarray:
        """Number of living members of every household."""
        p = self.persons
        return household_members(p.alive[: p.n], p.household[: p.n], self.households.n)

    def household_summary(self) -> tuple[np.ndarray, ...]:
        """Per household: members, income (kSEK/year), has children at home, age of the oldest
        member, workplace node of the top earner (see ``sim.engine.kernels.population``)."""
        p = self.persons
        n = p.n
        return household_summary(
            p.alive[:n],
            p.household[:n],
            p.role[:n],
            p.age[:n],
            p.income[:n],
            p.work_node[:n],
            self.households.n,
        )

    # ---- changes that keep the arrays consistent (the requests of the submodels) ----

    def release_jobs(self, person_ids: np.ndarray) -> None:
        """End the jobs of these persons: their firms' filled positions fall."""
        p, f = self.persons, self.firms
        firm = p.firm[person_ids]
        add_counts(f.filled[: f.n], firm[firm >= 0], -1)
        p.firm[person_ids] = NO_ID
        p.work_node[person_ids] = NO_ID

    def employ(self, person_ids: np.ndarray, firm_ids: np.ndarray, nodes: np.ndarray) -> None:
        """Give these persons jobs (firm NO_ID with an external node: a job outside the region)."""
        p = self.persons
        f = self.firms
        add_counts(f.filled[: f.n], firm_ids[firm_ids >= 0], 1)
        p.firm[person_ids] = firm_ids
        p.work_node[person_ids] = nodes
        p.activity[person_ids] = EMPLOYED

    def vacate(self, household_ids: np.ndarray) -> None:
        """These households leave their dwellings (which become vacant)."""
        h, d = self.households, self.dwellings
        dwelling = h.dwelling[household_ids]
        housed = dwelling >= 0
        d.occupant[dwelling[housed]] = NO_ID
        h.dwelling[household_ids] = NO_ID

    def remove_persons(self, person_ids: np.ndarray) -> None:
        """Persons die or leave the region; households left empty dissolve."""
        if person_ids.size == 0:
            return
        self.release_jobs(person_ids)
        self.persons.alive[person_ids] = False
        self.dissolve_empty(self.persons.household[person_ids])

    def dissolve_empty(self, candidates: np.ndarray) -> None:
        """Dissolve those of the candidate households that have no living member (a candidate
        may be named more than once: dissolving is the same however often it is asked)."""
        asked = np.zeros(self.households.n, dtype=bool)
        asked[candidates] = True
        p = self.persons
        occupied = with_living_members(p.alive[: p.n], p.household[: p.n], asked)
        empty = candidates[~occupied[candidates]]
        self.vacate(empty)
        self.households.alive[empty] = False

    def split_off(self, person_ids: np.ndarray) -> np.ndarray:
        """Each person leaves to a new one-person household in the same municipality, without a
        dwelling (in the housing queue). Returns the new household ids."""
        if person_ids.size == 0:
            return np.empty(0, dtype=np.int64)
        p, h = self.persons, self.households
        old = p.household[person_ids]
        new = h.add(person_ids.size, municipality=h.municipality[old], dwelling=NO_ID)
        p.household[person_ids] = new
        p.role[person_ids] = ADULT
        self.dissolve_empty(old)
        return new

    def merge_households(self, guests: np.ndarray, hosts: np.ndarray) -> None:
        """Members of each guest household join the matching host household; guests dissolve."""
        if guests.size == 0:
            return
        h, p = self.households, self.persons
        remap = np.arange(h.n, dtype=np.int32)
        remap[guests] = hosts
        rehouse(p.alive[: p.n], p.household[: p.n], remap)
        self.vacate(guests)
        h.alive[guests] = False
