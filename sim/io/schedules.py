"""Demographic schedules from official statistics (``inputs/demography/``, sources in its README).

- Death rates by sex and single year of age: Sweden's deaths over its mean population (SCB), pooled
  over a range of years.
- The shape of fertility by single year of age: Sweden's period age-specific rates (Human
  Fertility Database), averaged over a range of years; the model scales it to its TFR parameter.
- The age-sex structure of the base population: Västra Götaland's population by single year of
  age on 31 December 2015 (SCB).

Ages run 0..100, where 100 is the open group 100+. Sex index 0 is male, 1 female, as in the model.

Examples
--------
>>> s = load_schedules()
>>> rates = s.death_rates(2015, 2019)
>>> rates.shape, bool(rates[1, 80] < rates[0, 80])  # women die less at 80
((2, 101), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io.inputs import InputError
from sim.paths import INPUTS_DIR

SCHEDULES_DIR = INPUTS_DIR / "demography"
DEATHS_FILE = "sweden_mean_population_and_deaths_by_age_sex_1969_2020.csv"
FERTILITY_FILE = "sweden_fertility_rates_by_age_1990_2018.csv"
STRUCTURE_FILE = "vastra_gotaland_population_by_age_sex_1968_2015.csv"
OPEN_AGE = 100


@dataclass(frozen=True)
class Schedules:
    """The three tables, as read (see the module docstring)."""

    deaths: pd.DataFrame  # age, sex (0 male, 1 female), year, pop, deaths
    fertility: pd.DataFrame  # age, year, asfr
    structure: pd.DataFrame  # age, sex, year, count

    def _years(self, table: pd.DataFrame, name: str, first: int, last: int) -> pd.DataFrame:
        rows = table[(table["year"] >= first) & (table["year"] <= last)]
        have = sorted(set(rows["year"]))
        if have != list(range(first, last + 1)):
            span = f"{table['year'].min()}-{table['year'].max()}"
            raise InputError(f"{name}: years {first}-{last} are not all in the file ({span})")
        return rows

    def death_rates(self, first: int, last: int) -> np.ndarray:
        """Central death rates (deaths per person-year) by (sex, age 0..100), pooled over the
        years ``first``..``last``: the sum of deaths over the sum of mean populations."""
        rows = self._years(self.deaths, DEATHS_FILE, first, last)
        sums = rows.groupby(["sex", "age"])[["deaths", "pop"]].sum()
        rates = (sums["deaths"] / sums["pop"]).unstack("age")
        return rates.reindex(index=[0, 1], columns=range(OPEN_AGE + 1)).to_numpy(float)

    def fertility_shape(self, first: int, last: int) -> np.ndarray:
        """Shares of a woman's births by age 0..100 (summing to 1), from the mean age-specific
        rates over the years ``first``..``last``."""
        rows = self._years(self.fertility, FERTILITY_FILE, first, last)
        mean = rows.groupby("age")["asfr"].mean().reindex(range(OPEN_AGE + 1), fill_value=0.0)
        return (mean / mean.sum()).to_numpy(float)

    def age_structure(self, year: int) -> np.ndarray:
        """Population by (sex, age 0..100) on 31 December of ``year``."""
        rows = self._years(self.structure, STRUCTURE_FILE, year, year)
        table = rows.groupby(["sex", "age"])["count"].sum().unstack("age")
        return table.reindex(index=[0, 1], columns=range(OPEN_AGE + 1)).to_numpy(float)


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read as CSV ({err})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing columns {missing}; expected {columns}")
    return table[columns]


def _ages(values: pd.Series, path: Path) -> pd.Series:
    ages = pd.to_numeric(values.astype(str).str.rstrip("+"), errors="coerce")
    if ages.isna().any() or ((ages < 0) | (ages > OPEN_AGE)).any():
        bad = values[ages.isna() | (ages < 0) | (ages > OPEN_AGE)].iloc[0]
        raise InputError(f"{path}, column 'age': {bad!r} is not an age 0..{OPEN_AGE} (or 100+)")
    return ages.astype(int)


def _sexes(values: pd.Series, path: Path, codes: dict[str, int]) -> pd.Series:
    sexes = values.map(codes)
    if sexes.isna().any():
        bad = values[sexes.isna()].iloc[0]
        raise InputError(f"{path}, column 'sex': {bad!r} is not one of {sorted(codes)}")
    return sexes.astype(int)


def _non_negative(table: pd.DataFrame, columns: list[str], path: Path) -> None:
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise InputError(f"{path}, column {column!r}: values must be numbers >= 0")


@lru_cache(maxsize=4)
def load_schedules(directory: Path = SCHEDULES_DIR) -> Schedules:
    """Read and check the three tables of ``directory`` (cached: they do not change in a run)."""
    directory = Path(directory)
    path = directory / DEATHS_FILE
    deaths = _read(path, ["age", "sex", "year", "pop", "deaths"])
    _non_negative(deaths, ["pop", "deaths"], path)
    deaths = deaths.assign(
        age=_ages(deaths["age"], path), sex=_sexes(deaths["sex"], path, {"men": 0, "women": 1})
    )
    path = directory / FERTILITY_FILE
    fertility = _read(path, ["age", "year", "asfr"])
    _non_negative(fertility, ["asfr"], path)
    fertility = fertility.assign(age=_ages(fertility["age"], path))
    path = directory / STRUCTURE_FILE
    structure = _read(path, ["age", "sex", "year", "count"])
    _non_negative(structure, ["count"], path)
    structure = structure.assign(
        age=_ages(structure["age"], path),
        sex=_sexes(structure["sex"], path, {"Males": 0, "Females": 1}),
    )
    return Schedules(deaths, fertility, structure)
