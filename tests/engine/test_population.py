"""Agent arrays: geometric growth keeps values; the consistency operations keep invariants."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.population import NO_ID, Persons, Population, add_counts


def test_add_grows_and_keeps_values():
    persons = Persons(capacity=16)
    first = persons.add(10, age=np.arange(10))
    second = persons.add(100, age=7)
    assert first.tolist() == list(range(10))
    assert second[0] == 10 and persons.n == 110
    assert persons.age[:10].tolist() == list(range(10))
    assert (persons.age[10:110] == 7).all()
    assert persons.alive[:110].all()
    with pytest.raises(KeyError):
        persons.add(1, height=2)


def small_population() -> Population:
    pop = Population(8, 8, 8, 8)
    pop.households.add(2, municipality=0)
    pop.dwellings.add(2, municipality=0, rooms=3)
    pop.households.dwelling[:2] = [0, 1]
    pop.dwellings.occupant[:2] = [0, 1]
    pop.persons.add(3, household=np.array([0, 0, 1]), age=np.array([40, 10, 30]))
    pop.firms.add(1, municipality=0, positions=2)
    return pop


def test_remove_last_member_dissolves_household_and_frees_dwelling():
    pop = small_population()
    pop.employ(np.array([2]), np.array([0], dtype=np.int32), np.array([0], dtype=np.int16))
    assert pop.firms.filled[0] == 1
    pop.remove_persons(np.array([2]))
    assert not pop.households.alive[1]
    assert pop.dwellings.occupant[1] == NO_ID
    assert pop.firms.filled[0] == 0
    assert pop.households.alive[0]


def test_removing_every_member_of_a_household_at_once_dissolves_it_once():
    # Household 0's two members leave together (their household is named twice); household 1
    # keeps its member and its dwelling.
    pop = small_population()
    pop.employ(np.array([0, 1]), np.array([0, 0], dtype=np.int32), np.array([0, 0], dtype=np.int16))
    pop.remove_persons(np.array([0, 1]))
    assert not pop.households.alive[0] and pop.households.dwelling[0] == NO_ID
    assert pop.dwellings.occupant.tolist()[:2] == [NO_ID, 1]
    assert pop.households.alive[1] and pop.households.dwelling[1] == 1
    assert pop.firms.filled[0] == 0


def test_split_off_and_merge():
    pop = small_population()
    new = pop.split_off(np.array([1]))
    assert pop.persons.household[1] == new[0]
    assert pop.households.dwelling[new[0]] == NO_ID
    pop.merge_households(new, np.array([1]))
    assert pop.persons.household[1] == 1
    assert not pop.households.alive[new[0]]
    assert pop.household_sizes()[1] == 2


def test_compact_keeps_survivors_in_order():
    pop = small_population()
    pop.persons.alive[1] = False
    pop.compact()
    assert pop.persons.n == 2
    assert pop.persons.age[:2].tolist() == [40, 30]
    assert pop.persons.household[:2].tolist() == [0, 1]
    assert pop.persons.alive[:2].all()


def test_compact_reclaims_households_and_dwellings_and_renumbers_references():
    pop = small_population()
    # Household 0 dissolves (its members leave) and a new one (2) moves into dwelling 0; a
    # vacant dwelling (2) is built and the empty dwelling 1's household 1 keeps living there.
    pop.remove_persons(np.array([0, 1]))
    new_household = pop.households.add(1, municipality=0)
    pop.persons.add(1, household=new_household, age=25)
    pop.households.dwelling[new_household] = 0
    pop.dwellings.occupant[0] = new_household[0]
    pop.dwellings.add(2, municipality=0, rooms=2)
    pop.dwellings.alive[2] = False  # demolished
    pop.compact()
    h, d, p = pop.households, pop.dwellings, pop.persons
    assert (h.n, d.n, p.n) == (2, 3, 2)
    assert h.alive[:2].all() and d.alive[:3].all() and p.alive[:2].all()
    assert p.household[:2].tolist() == [0, 1]  # household 1 is now 0, household 2 is now 1
    assert h.dwelling[:2].tolist() == [1, 0]
    assert d.occupant[:3].tolist() == [1, 0, NO_ID]
    assert pop.household_sizes().tolist() == [1, 1]


def test_rows_added_after_compaction_get_fill_values():
    pop = small_population()
    pop.persons.firm[:3] = 0
    pop.persons.alive[2] = False
    pop.compact()
    new = pop.persons.add(1, age=5)
    assert pop.persons.firm[new[0]] == NO_ID
    assert pop.persons.household[new[0]] == NO_ID


def _fill_unused_rows(pop: Population, garbage: bool) -> None:
    """Write zeros, or values no agent could have, into every row beyond ``n`` of every table."""
    for table in (pop.persons, pop.households, pop.dwellings, pop.firms, pop.facilities):
        for name in table.FIELDS:
            column = getattr(table, name)[table.n :]
            if column.dtype.kind == "b":
                column[:] = garbage  # "alive" rows that were never added
            elif column.dtype.kind == "f":
                column[:] = np.nan if garbage else 0.0
            else:
                column[:] = np.iinfo(column.dtype).max if garbage else 0


def test_no_result_depends_on_the_rows_beyond_n():
    from sim.engine.run import build_model
    from tests.regression.digests import case_config

    # Capacity is np.empty: whatever its rows hold, the run is the same.
    models = []
    for garbage in (False, True):
        model = build_model(case_config("stress"))
        model.pop.persons._grow(2 * model.pop.persons._capacity)  # room the run will not use up
        _fill_unused_rows(model.pop, garbage)
        for _ in range(3):
            model.step()
        models.append(model)
    clean, dirty = (m.pop for m in models)
    for table in ("persons", "households", "dwellings", "firms"):
        a, b = getattr(clean, table), getattr(dirty, table)
        assert a.n == b.n
        for name in a.FIELDS:
            np.testing.assert_array_equal(a.column(name), b.column(name), err_msg=name)


def test_resident_municipality_of_some_persons_is_that_of_all():
    pop = small_population()
    pop.households.add(1, municipality=1, pending=True)
    pop.persons.add(2, household=np.array([2, 2]), age=np.array([30, 2]))
    pop.persons.alive[1] = False
    ids = np.array([4, 0, 1, 3, 2])
    expected = pop.resident_municipality()[ids]
    assert expected.tolist() == [-1, 0, -1, -1, 0]
    np.testing.assert_array_equal(pop.resident_municipality_of(ids), expected)


@pytest.mark.parametrize("n_ids", [0, 3, 40, 5_000])
@pytest.mark.parametrize("sign", [1, -1])
def test_add_counts_adds_once_per_id_whether_few_or_many(n_ids, sign):
    # Made-up counts over 1,000 firms and ids with repeats: few ids go one by one, many by one
    # count over the array; both give the tally.
    rng = np.random.default_rng(n_ids)
    counts = rng.integers(0, 50, 1_000).astype(np.int32)
    ids = rng.integers(0, 1_000, n_ids)
    expected = counts.astype(np.int64) + sign * np.bincount(ids, minlength=1_000)
    add_counts(counts, ids, sign)
    assert counts.dtype == np.int32
    np.testing.assert_array_equal(counts, expected)
