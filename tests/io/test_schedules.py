"""The demographic schedules from official statistics: read, checked against the totals their
sources state, and refused with a message naming the file when malformed."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from sim.io.inputs import InputError
from sim.io.schedules import DEATHS_FILE, SCHEDULES_DIR, load_schedules


def test_tables_match_the_totals_their_sources_state():
    s = load_schedules()
    structure = s.age_structure(2015)
    assert structure.sum() == 1_648_682  # SOURCES.md: Västra Götaland, 31 Dec 2015
    shares = [structure[:, :20].sum(), structure[:, 20:65].sum(), structure[:, 65:].sum()]
    np.testing.assert_allclose(np.array(shares) / structure.sum(), [0.227, 0.581, 0.193], atol=6e-4)
    deaths_2020 = s.deaths[s.deaths["year"] == 2020]["deaths"].sum()
    assert deaths_2020 == 98_124  # SOURCES.md: Sweden, 2020
    tfr_2018 = s.fertility[s.fertility["year"] == 2018]["asfr"].sum()
    assert tfr_2018 == pytest.approx(1.756, abs=0.001)


def test_death_rates_and_fertility_shape():
    s = load_schedules()
    rates = s.death_rates(2015, 2019)
    assert rates.shape == (2, 101)
    assert (rates[:, 30:] > 0).all()
    assert (np.diff(rates[:, 40:100], axis=1) > 0).mean() > 0.9  # rising with age after 40
    assert (rates[1, 40:100] < rates[0, 40:100]).all()  # women die less at every adult age
    shape = s.fertility_shape(2014, 2018)
    assert shape.sum() == pytest.approx(1.0)
    assert 29 < (np.arange(101) * shape).sum() < 32  # Sweden's mean age at birth, about 30.5
    assert shape[:12].sum() == 0 and shape[56:].sum() == 0


def test_years_outside_a_file_are_refused():
    with pytest.raises(InputError, match="years 2019-2022 are not all in the file"):
        load_schedules().fertility_shape(2019, 2022)


def test_a_malformed_file_is_named_with_its_column(tmp_path):
    for path in SCHEDULES_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    text = (tmp_path / DEATHS_FILE).read_text().replace(",women,", ",female,", 1)
    (tmp_path / DEATHS_FILE).write_text(text)
    with pytest.raises(InputError, match=f"{DEATHS_FILE}, column 'sex': 'female'"):
        load_schedules(tmp_path)
