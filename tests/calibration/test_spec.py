"""Calibration specs: a valid spec loads; every bad field is refused naming its path, before any
run, and through ``sim calibrate`` with exit code 2 and nothing written."""

from __future__ import annotations

import copy

import pytest

from sim.calibration.spec import FreeParameter, Target, base_config, load_spec
from sim.config.params import ConfigError
from tests.calibration.helpers import spec_data, write_spec

DELETE = object()


def changed(data: dict, where: tuple, value) -> dict:
    """A copy of ``data`` with the field at ``where`` (keys and list indices) set or deleted."""
    data = copy.deepcopy(data)
    node = data
    for key in where[:-1]:
        node = node[key]
    if value is DELETE:
        del node[where[-1]]
    else:
        node[where[-1]] = value
    return data


def test_a_valid_spec_loads(tmp_path, small_region):
    spec = load_spec(write_spec(tmp_path, spec_data(small_region)))
    assert spec.name == "test_spec"
    assert spec.seeds == (0,) and spec.trials == 3 and spec.sampler_seed == 0
    assert spec.parameters == (FreeParameter("labour.separation_rate", 0.02, 0.12, False),)
    assert spec.targets[1] == Target(
        "own_municipality_share", "1496", 2025, 0.8, 0.05, "made up for the test"
    )
    cfg = base_config(spec)
    assert cfg.years.end == 2025 and cfg.region.input_dir == str(small_region)


# Problems found in the file itself: (where, value, expected message).
FILE_PROBLEMS = [
    (("description",), DELETE, "description: required"),
    (("description",), "two\nlines", "description: use one line of text"),
    (("colour",), "blue", "colour: unknown key; allowed: description, overrides, seeds"),
    (("overrides",), "years.end=2025", "overrides: use a list of Hydra overrides"),
    (("overrides", 1), "seed=4", "overrides[1]: 'seed=4' is not allowed; the runs' seeds"),
    (("seeds",), [], "seeds: use a non-empty list of integers"),
    (("seeds",), [0, -1], "seeds[1]: -1 is not allowed; use an integer from 0 to 2^63 - 1"),
    (("seeds",), [True], "seeds[0]: True is not allowed"),
    (("seeds",), [1, 1], "seeds: a seed is repeated"),
    (("trials",), 0, "trials: 0 is not allowed; use an integer from 1 to 10,000"),
    (("trials",), 2.5, "trials: 2.5 is not allowed"),
    (("sampler_seed",), 2**32, "sampler_seed: 4294967296 is not allowed"),
    (("parameters",), [], "parameters: use a non-empty list of mappings"),
    (("parameters", 0), "labour.separation_rate", "parameters[0]: use a mapping"),
    (
        ("parameters", 0, "path"),
        "separation_rate",
        "parameters[0].path: 'separation_rate' is not a parameter that can be fitted; use a "
        "float key under params, written section.key (e.g. labour.separation_rate); did you "
        "mean demography.separation_rate or labour.separation_rate?",
    ),
    (("parameters", 0, "path"), "labour.sector_trend", "parameters[0].path: 'labour.sector_"),
    (("parameters", 0, "path"), "construction.lag_years", "parameters[0].path: 'construction"),
    (("parameters", 0, "low"), "small", "parameters[0].low: 'small' is not allowed; use a finite"),
    (("parameters", 0, "high"), DELETE, "parameters[0].high: required"),
    (("parameters", 0, "high"), 0.01, "parameters[0]: low (0.02) must be below high (0.01)"),
    (("parameters", 0, "log"), "yes", "parameters[0].log: 'yes' is not allowed; use true or"),
    (
        ("parameters", 0, "step"),
        0.01,
        "parameters[0].step: unknown key; allowed: path, low, high, log",
    ),
    (
        ("parameters", 0, "high"),
        1.5,
        "parameters[0].high: 1.5 is not allowed; use a number in [0, 1] (the domain of "
        "params.labour.separation_rate)",
    ),
    (("targets",), None, "targets: use a non-empty list of mappings"),
    (("targets", 0, "indicator"), "jobs", "targets[0].indicator: 'jobs' is not an indicator; use"),
    (("targets", 1, "municipality"), 1496, "targets[1].municipality: 1496 is not allowed; use an"),
    (("targets", 0, "indicator"), "net_commuting", "targets[0].municipality: net_commuting needs"),
    (("targets", 0, "year"), "2025", "targets[0].year: '2025' is not allowed; use a year"),
    (("targets", 0, "value"), float("nan"), "targets[0].value: nan is not allowed"),
    (("targets", 0, "scale"), 0, "targets[0].scale: 0 is not allowed; use a number > 0"),
    (("targets", 0, "source"), " ", "targets[0].source: say where the value comes from"),
    (("targets", 0, "source"), DELETE, "targets[0].source: required"),
]


@pytest.mark.parametrize(("where", "value", "expected"), FILE_PROBLEMS)
def test_a_bad_field_is_refused_naming_its_path(tmp_path, small_region, where, value, expected):
    path = write_spec(tmp_path, changed(spec_data(small_region), where, value))
    with pytest.raises(ConfigError) as err:
        load_spec(path)
    assert f"test_spec.yaml: {expected}" in str(err.value)


def test_a_log_scale_needs_positive_bounds(tmp_path, small_region):
    data = spec_data(small_region)
    data["parameters"][0].update(path="housing.detached_family_bonus", low=0.0, high=1.0, log=True)
    with pytest.raises(ConfigError, match=r"parameters\[0\].low: 0.0 is not allowed on a log"):
        load_spec(write_spec(tmp_path, data))


def test_every_problem_is_reported_at_once(tmp_path, small_region):
    data = changed(spec_data(small_region), ("trials",), -1)
    data = changed(data, ("targets", 0, "scale"), -0.1)
    with pytest.raises(ConfigError) as err:
        load_spec(write_spec(tmp_path, data))
    assert str(err.value).count("\n") == 1
    assert "trials: -1" in str(err.value) and "targets[0].scale: -0.1" in str(err.value)


# Problems found against the runs' config and region, still before any run.
CONFIG_PROBLEMS = [
    (
        ("targets", 0, "year"),
        2030,
        "targets[0].year: 2030 is not allowed for unemployment_rate; use a year from 2024 to 2025",
    ),
    (
        ("targets", 0),
        {"indicator": "births_per_1000", "year": 2024, "value": 11, "scale": 1, "source": "x"},
        "targets[0].year: 2024 is not allowed for births_per_1000 (it needs the year before",
    ),
    (
        ("targets", 1, "municipality"),
        "Skövde",
        "targets[1].municipality: 'Skövde' is not an SCB code of region small; Skövde's code is "
        "'1496'",
    ),
    (
        ("parameters", 0, "low"),
        0.07,
        "parameters[0]: the start value of labour.separation_rate, 0.06 (from the config), is "
        "outside [0.07, 0.12]",
    ),
    (("overrides", 1), "years.end=2200", "overrides: years.end: 2200 is not allowed"),
    (("overrides", 1), "region=nowhere", "overrides: In 'config': Could not find 'region/nowhere'"),
]


@pytest.mark.parametrize(("where", "value", "expected"), CONFIG_PROBLEMS)
def test_a_spec_that_does_not_fit_its_runs_is_refused(
    tmp_path, small_region, where, value, expected
):
    spec = load_spec(write_spec(tmp_path, changed(spec_data(small_region), where, value)))
    with pytest.raises(ConfigError) as err:
        base_config(spec)
    assert f"test_spec.yaml: {expected}" in str(err.value)


def test_a_name_that_is_not_a_spec_is_refused():
    with pytest.raises(ConfigError, match="'no_such_spec' is not a calibration spec"):
        load_spec("no_such_spec")


def test_sim_calibrate_refuses_a_bad_spec_with_exit_2_and_writes_nothing(
    tmp_path, small_region, capsys, monkeypatch
):
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    data = changed(spec_data(small_region), ("targets", 0, "scale"), "wide")
    path = write_spec(tmp_path / "specs", data)
    code = main(["calibrate", str(path), "--out", str(tmp_path / "out" / "params.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: test_spec.yaml: targets[0].scale: 'wide' is not allowed" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["specs"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--trials", "0"], "trials (--trials): 0 is not allowed"),
        (["--out", "{tmp}/params.txt"], "--out: {tmp}/params.txt is not allowed; use a .yaml"),
        (["--out", "{tmp}/specs/test_spec.yaml/x.yaml"], "--out: {tmp}/specs/test_spec.yaml is a"),
    ],
)
def test_sim_calibrate_refuses_bad_arguments(
    tmp_path, small_region, capsys, monkeypatch, args, expected
):
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    path = write_spec(tmp_path / "specs", spec_data(small_region))
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = main(["calibrate", str(path), *args])
    assert code == 2
    assert expected.replace("{tmp}", str(tmp_path)) in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["specs"]
