"""Each calibration indicator on a small hand-made results Dataset."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sim.calibration.indicators import INDICATORS

NAN = np.nan


@pytest.fixture
def ds() -> xr.Dataset:
    """Two municipalities and one external labour market, 2024-2026. Every number is made up,
    chosen so that the expected values are easy to work out by hand."""
    years, codes, ages = [2024, 2025, 2026], ["0001", "0002"], ["0-19", "20+"]
    population = [  # (year, municipality, age group): totals 100 + 200, 110 + 190, 121 + 200
        [[60, 40], [150, 50]],
        [[70, 40], [140, 50]],
        [[71, 50], [150, 50]],
    ]
    # (year, origin, destination): residents of each municipality by workplace; destinations are
    # the municipalities, then the external market. Row sums are the employed residents.
    commuting = [
        [[30, 5, 5], [20, 50, 10]],
        [[30, 10, 5], [20, 60, 10]],
        [[30, 10, 10], [20, 60, 20]],
    ]
    return xr.Dataset(
        {
            "population": (("year", "municipality", "age_group"), np.array(population, float)),
            "births": (("year", "municipality"), [[NAN, NAN], [2.0, 4.0], [3.0, 1.0]]),
            "deaths": (("year", "municipality"), [[NAN, NAN], [1.0, 3.0], [0.0, 2.0]]),
            "employed_residents": (("year", "municipality"), [[40.0, 80.0], [45, 90], [50, 100]]),
            "unemployed_residents": (("year", "municipality"), [[5.0, 10.0], [5, 30], [5, 10]]),
            "commuting": (("year", "origin", "destination"), np.array(commuting, float)),
            "jobs_held_by_incommuters_from_outside": (
                ("year", "municipality"),
                [[3.0, 6.0], [4, 7], [5, 8]],
            ),
        },
        coords={
            "year": years,
            "municipality": codes,
            "age_group": ages,
            "origin": codes,
            "destination": [*codes, "Outside"],
        },
    )


def value(ds: xr.Dataset, indicator: str, municipality: str | None, year: int) -> float:
    return INDICATORS[indicator].compute(ds, municipality, year)


def test_population(ds):
    assert value(ds, "population", "0001", 2025) == 110
    assert value(ds, "population", None, 2026) == 321


def test_population_growth_is_the_mean_yearly_rate_since_the_first_year(ds):
    assert value(ds, "population_growth", "0001", 2025) == pytest.approx(0.10)
    assert value(ds, "population_growth", "0001", 2026) == pytest.approx(0.10)  # 121 = 100 x 1.1^2
    assert value(ds, "population_growth", None, 2026) == pytest.approx((321 / 300) ** 0.5 - 1)


def test_unemployment_rate_is_a_ratio_of_sums_for_the_region(ds):
    assert value(ds, "unemployment_rate", "0001", 2025) == pytest.approx(5 / 50)
    assert value(ds, "unemployment_rate", "0002", 2025) == pytest.approx(30 / 120)
    assert value(ds, "unemployment_rate", None, 2025) == pytest.approx(35 / 170)


def test_own_municipality_share_is_the_diagonal_over_employed_residents(ds):
    assert value(ds, "own_municipality_share", "0001", 2025) == pytest.approx(30 / 45)
    assert value(ds, "own_municipality_share", "0002", 2025) == pytest.approx(60 / 90)
    assert value(ds, "own_municipality_share", None, 2024) == pytest.approx((30 + 50) / 120)


def test_net_commuting_counts_in_commuters_from_outside(ds):
    # 0001 in 2025: 30 residents + 20 from 0002 + 4 from outside work there; 45 residents work.
    assert value(ds, "net_commuting", "0001", 2025) == pytest.approx(30 + 20 + 4 - 45)
    assert value(ds, "net_commuting", "0002", 2025) == pytest.approx(10 + 60 + 7 - 90)
    assert INDICATORS["net_commuting"].municipality_only
    with pytest.raises(ValueError, match="not the region"):
        value(ds, "net_commuting", None, 2025)


def test_births_and_deaths_per_1000_of_the_mean_population_of_the_year(ds):
    assert value(ds, "births_per_1000", "0001", 2025) == pytest.approx(1000 * 2 / 105)
    assert value(ds, "births_per_1000", None, 2025) == pytest.approx(1000 * 6 / 300)
    assert value(ds, "deaths_per_1000", "0002", 2026) == pytest.approx(1000 * 2 / 195)
    assert INDICATORS["births_per_1000"].after_first_year  # flows are NaN in the base year
    assert INDICATORS["deaths_per_1000"].after_first_year
    assert INDICATORS["population_growth"].after_first_year
    assert not INDICATORS["population"].after_first_year


def test_every_indicator_works_on_a_real_run(small_region):
    from sim.config.compose import compose_config
    from sim.engine.run import run

    ds = run(compose_config([f"region.input_dir={small_region}", "years.end=2025"]))
    for name, indicator in INDICATORS.items():
        for area in ("1496", None):
            if area is None and indicator.municipality_only:
                continue
            assert np.isfinite(indicator.compute(ds, area, 2025)), (name, area)


def test_a_rate_without_a_denominator_is_undefined_not_an_error(ds):
    ds = ds.copy(deep=True)
    ds["employed_residents"].loc[{"year": 2025, "municipality": "0001"}] = 0.0
    ds["unemployed_residents"].loc[{"year": 2025, "municipality": "0001"}] = 0.0
    assert np.isnan(value(ds, "unemployment_rate", "0001", 2025))
    assert np.isnan(value(ds, "own_municipality_share", "0001", 2025))
