"""Sampled futures: the Latin hypercube, how a future changes a config, its checks and seeds.
Ranges in the hand-made sets below are made up."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config.compose import compose_config, resolve_config
from sim.config.futures import Futures, Uncertainty, applied, run_seed, sample
from sim.config.params import ConfigError


def made_up(**overrides) -> dict:
    base = {
        "name": "x",
        "target": "params.finance.interest_rate",
        "how": "set",
        "low": 0.01,
        "high": 0.04,
        "unit": "1/year",
        "source": "made up for the test",
    }
    return {**base, **overrides}


def resolved(futures: dict, *overrides: str):
    cfg = compose_config(["params.warm_start.years=0", *overrides])
    cfg.futures = OmegaConf.merge(OmegaConf.structured(Futures), futures)
    return resolve_config(cfg)


def test_the_sample_is_a_latin_hypercube_within_the_ranges_and_reproducible():
    f = Futures(
        n=20,
        seed=3,
        uncertainties=[
            Uncertainty("a", "params.x", "set", 0.0, 2.0, unit="1", source="made up"),
            Uncertainty("b", "params.y", "shift", -0.49, 3.49, integer=True, unit="y", source="m"),
            Uncertainty("c", "params.z", "scale", 0.5, 1.5, integer=True, unit="1", source="m"),
        ],
    )
    s = sample(f)
    assert s.shape == (20, 3)
    assert np.array_equal(s, sample(f))
    strata = np.floor(s[:, 0] / 2.0 * 20).astype(int)
    assert sorted(strata.tolist()) == list(range(20))  # one future in each twentieth
    assert set(s[:, 1].tolist()) <= {0.0, 1.0, 2.0, 3.0}  # a shift of whole years
    assert not np.allclose(s[:, 2], np.round(s[:, 2]))  # a factor is not rounded
    assert (s[:, 2] >= 0.5).all() and (s[:, 2] <= 1.5).all()
    assert not np.array_equal(s, sample(Futures(n=20, seed=4, uncertainties=f.uncertainties)))


def test_a_future_sets_scales_and_shifts_params_and_every_scenario_item():
    futures = {
        "n": 4,
        "uncertainties": [
            made_up(name="rate"),
            made_up(
                name="trend",
                target="params.labour.sector_trend",
                how="shift",
                low=0.001,
                high=0.002,
            ),
            made_up(
                name="jobs",
                target="scenario.establishments.jobs",
                how="scale",
                low=0.5,
                high=0.6,
                integer=True,
                unit="1",
            ),
            made_up(
                name="delay",
                target="scenario.establishments.opening_year",
                how="shift",
                low=0.6,
                high=1.4,
                integer=True,
                unit="year",
            ),
        ],
    }
    cfg = resolved(futures, "scenario=establishment", "future=2")
    base = resolved({"n": 0}, "scenario=establishment")
    future = applied(cfg)
    assert 0.01 <= future.params.finance.interest_rate <= 0.04
    shift = np.subtract(future.params.labour.sector_trend, base.params.labour.sector_trend)
    assert np.allclose(shift, shift[0]) and 0.001 <= shift[0] <= 0.002
    item, before = future.scenario.establishments[0], base.scenario.establishments[0]
    assert before.jobs * 0.5 <= item.jobs <= before.jobs * 0.6 and isinstance(item.jobs, int)
    assert item.opening_year == before.opening_year + 1
    assert cfg.scenario.establishments[0].jobs == before.jobs  # the config itself is unchanged
    assert applied(base) is base  # not a run of futures


def test_bad_futures_are_refused_with_the_field_named():
    bad = {
        "n": 3,
        "uncertainties": [
            made_up(how="multiply"),
            made_up(name="x", low=2.0, high=1.0, source=" "),
            made_up(name="y", target="params.finance.no_such_rate"),
            made_up(name="z", target="scenario.establishments.sector"),
            made_up(name="w", target="seed"),
        ],
    }
    with pytest.raises(ConfigError) as err:
        resolved(bad, "future=0")
    text = str(err.value)
    assert "futures.uncertainties[0].how: 'multiply' is not allowed; use one of set, scale" in text
    assert "futures.uncertainties[1].name: 'x' is used twice" in text
    assert "futures.uncertainties[1].low, high: 2.0 to 1.0 is not allowed" in text
    assert "futures.uncertainties[1].source: is empty" in text
    assert "futures.uncertainties[2].target: 'params.finance.no_such_rate' is not a numeric" in text
    assert (
        "futures.uncertainties[3].target: 'scenario.establishments.sector' is not a number " in text
    )
    assert "futures.uncertainties[4].target: 'seed' is not allowed" in text


def test_which_future_is_checked_and_sampled_values_must_fit_the_domains():
    good = {"n": 3, "uncertainties": [made_up()]}
    with pytest.raises(ConfigError, match=r"future: 3 is not allowed; futures 'none' has 3"):
        resolved(good, "future=3")
    with pytest.raises(ConfigError, match=r"future: is null, but futures 'none' is chosen"):
        resolved(good)
    with pytest.raises(ConfigError, match=r"future: 0 is not allowed without sampled futures"):
        resolved({"n": 0}, "future=0")
    too_high = {"n": 3, "uncertainties": [made_up(low=0.6, high=0.9)]}
    with pytest.raises(ConfigError, match=r"finance.interest_rate: 0\.\d+ is not allowed"):
        resolved(too_high, "future=1")


def test_each_future_has_streams_of_its_own():
    seeds = {run_seed(0, k) for k in range(50)} | {run_seed(1, k) for k in range(50)}
    assert len(seeds) == 100 and all(0 <= s < 2**63 for s in seeds)
    assert run_seed(0, 7) == run_seed(0, 7)
    assert run_seed(5, None) == 5  # outside futures the seed is the run's own


def test_the_shipped_futures_have_sources_and_compose_for_every_future():
    cfg = compose_config(["futures=lhs", "future=0", "scenario=combined"])
    resolve_config(cfg)
    assert cfg.futures.n >= 30 and len(cfg.futures.uncertainties) >= 6
    assert all(len(u.source) > 40 and u.label and u.label_sv for u in cfg.futures.uncertainties)
    targets = {u.target for u in cfg.futures.uncertainties}
    assert {"scenario.establishments.jobs", "scenario.establishments.opening_year"} <= targets


def test_a_missing_field_or_a_bad_name_is_named_not_a_crash():
    incomplete = {
        "n": 2,
        "uncertainties": [
            {
                "name": "x",
                "target": "params.finance.interest_rate",
                "how": "set",
                "low": 0.01,
                "high": 0.02,
            }
        ],
    }
    with pytest.raises(ConfigError) as err:
        resolved(incomplete, "future=0")
    assert "futures.uncertainties[0].unit: is required" in str(err.value)
    assert "futures.uncertainties[0].source: is required" in str(err.value)
    with pytest.raises(ConfigError, match=r"uncertainties\[0\].name: 'interest rate' is not"):
        resolved({"n": 2, "uncertainties": [made_up(name="interest rate")]}, "future=0")


def test_the_preflight_refuses_futures_outside_the_set():
    from sim.batch.preflight import check_run_command

    with pytest.raises(ConfigError) as err:
        check_run_command(
            ["-m", "futures=lhs", "futures.n=3", "future=range(0,5)", "params.warm_start.years=0"]
        )
    assert "future: '3' is not allowed; use a future from 0 to 2" in str(err.value)
    assert "future: '4' is not allowed" in str(err.value)
