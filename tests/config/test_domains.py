"""Every parameter has a domain; values outside it are refused before anything runs, with one
message per problem naming the key and what is allowed."""

from __future__ import annotations

import math
import re

import pytest
from omegaconf import OmegaConf

from sim.config.compose import compose_config, resolve_config
from sim.config.domains import (
    DOMAINS,
    N_AGE_GROUPS,
    N_EDUCATION_LEVELS,
    check_params,
    parameter_keys,
)
from sim.config.params import ConfigError, Params
from sim.engine.population import AGE_GROUPS, EDUCATION_LEVELS


def test_every_parameter_has_a_domain_and_no_domain_is_orphaned():
    assert sorted(parameter_keys(Params())) == sorted(DOMAINS)


def test_dimension_counts_agree_with_the_engine():
    assert N_AGE_GROUPS == len(AGE_GROUPS)
    assert N_EDUCATION_LEVELS == len(EDUCATION_LEVELS)


def test_the_shipped_parameters_are_in_their_domains():
    params = OmegaConf.to_container(compose_config().params, resolve=True)
    assert check_params(params) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("labour.separation_rate", 2.0, "2 is not allowed; use a number in [0, 1]"),
        ("housing.base_mobility", -0.1, "-0.1 is not allowed; use a number in [0, 1]"),
        ("labour.outside_share", 1.5, "1.5 is not allowed; use a number in [0, 1]"),
        ("culture.weight_access", math.nan, "nan is not allowed; use a number (finite)"),
        ("finance.general_grant", math.inf, "inf is not allowed; use a number >= 0"),
        ("demography.total_fertility_rate", -1.0, "-1 is not allowed; use a number in [0, 8]"),
        ("housing.candidates", 10**9, "is not allowed; use an integer in [1, 200]"),
        ("construction.lag_years", 0, "0 is not allowed; use an integer in [1, 10]"),
        ("demography.schedules", "census", "'census' is not allowed; use one of data, parametric"),
    ],
)
def test_a_value_outside_its_domain_is_refused(key, value, message):
    cfg = compose_config([f"params.{key}={value!r}" if isinstance(value, str) else "seed=0"])
    section, name = key.split(".")
    cfg.params[section][name] = value
    with pytest.raises(ConfigError, match=f"^params\\.{re.escape(key)}: .*{re.escape(message)}"):
        resolve_config(cfg)


def test_lists_have_one_value_per_item_of_their_dimension():
    cfg = compose_config()
    cfg.params.labour.sector_trend = [0.0, 0.0]
    cfg.params.labour.retirement_rates = [0.05, 0.4, 1.5, 0.8, 1.0]
    cfg.params.labour.education_shares = [0.2, 0.2, 0.2]
    with pytest.raises(ConfigError) as err:
        resolve_config(cfg)
    lines = str(err.value).splitlines()
    assert lines[0].startswith("params.labour.sector_trend: 2 values is not allowed; use 7 values")
    assert "params.labour.retirement_rates[2]: 1.5 is not allowed" in lines[1]
    assert "params.labour.education_shares: the values sum to 0.6" in lines[2]


def test_a_minimum_above_its_maximum_is_refused():
    cfg = compose_config(["params.finance.min_tax_rate=25.0"])
    with pytest.raises(
        ConfigError, match="params.finance.min_tax_rate: 25 is not allowed; it must "
    ):
        resolve_config(cfg)


def test_the_command_line_refuses_a_bad_parameter_in_one_line(tmp_path):
    from tests.helpers import sim_cli

    out = tmp_path / "run"
    result = sim_cli("run", "params.labour.separation_rate=2.0", f"hydra.run.dir={out}")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: params.labour.separation_rate: 2 is not allowed; use a number in [0, 1]"
    )
    assert not out.exists()
