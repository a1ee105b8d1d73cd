"""The calibrated parameter file: its format, and the ``calibrated`` config group through which a
run uses it (``configs/calibrated/NAME.yaml``, ``sim run calibrated=NAME``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from sim.calibration.fit import CalibrationResult, TargetFit
from sim.calibration.report import parameter_units, params_overlay, report_lines
from sim.calibration.spec import CalibrationSpec, FreeParameter, Target
from sim.config.compose import compose_config, resolve_config
from sim.config.params import ConfigError


def made_up_result(source: str = "made up") -> CalibrationResult:
    """A result as :func:`sim.calibration.fit.calibrate` returns it; every number is made up."""
    spec = CalibrationSpec(
        name="made_up",
        file=Path("made_up.yaml"),
        description="A made-up calibration",
        overrides=("years.end=2026",),
        seeds=(0, 1),
        trials=5,
        sampler_seed=3,
        parameters=(
            FreeParameter("labour.separation_rate", 0.02, 0.12),
            FreeParameter("labour.commute_beta", 0.05, 0.2, log=True),
            FreeParameter("housing.base_mobility", 0.01, 0.2),
        ),
        targets=(
            Target("unemployment_rate", None, 2026, 0.065, 0.01, source),
            Target("net_commuting", "1496", 2025, 5000.0, 500.0, "made up"),
        ),
    )
    return CalibrationResult(
        spec=spec,
        trials=5,
        start_values={
            "labour.separation_rate": 0.06,
            "labour.commute_beta": 0.1,
            "housing.base_mobility": 0.08,
        },
        best_values={
            "labour.separation_rate": 0.07123,
            "labour.commute_beta": 0.09,
            "housing.base_mobility": 0.1001,
        },
        start_loss=4.5,
        best_loss=0.25,
        best_trial=4,
        fits=(TargetFit(spec.targets[0], 0.08, 0.066), TargetFit(spec.targets[1], 4000, 4800)),
        area_names={"1496": "Skövde"},
        first_year=2024,
        last_year=2026,
        code_version="0.1.0+gmadeup",
    )


def test_the_overlay_is_a_params_package_with_nested_leaves_and_their_units():
    text = params_overlay(made_up_result())
    assert text.startswith("# @package params\n")
    data = yaml.safe_load(text)
    assert data == {
        "labour": {"separation_rate": 0.07123, "commute_beta": 0.09},
        "housing": {"base_mobility": 0.1001},
    }
    assert (
        "  separation_rate: 0.07123  # [1/year] Calibrated by sim calibrate made_up: "
        "bounds [0.02, 0.12]\n" in text
    )
    assert "  commute_beta: 0.09  # [1/minute] Calibrated by sim calibrate made_up: bounds" in text
    assert "# - loss: best 0.25 (trial 4), start 4.5;" in text
    assert "# | unemployment_rate | region | 2026 | 0.0650 | 0.0800 | 0.0660 | +0.10 |" in text
    assert "# | net_commuting | 1496 Skövde | 2025 | 5,000 | 4,000 | 4,800 | -0.40 |" in text
    assert "# | labour.commute_beta | 0.1 | 0.09 | 0.05 | 0.2 | log |" in text


def test_parameters_the_spec_fixes_in_its_overrides_go_into_the_file():
    from dataclasses import replace

    result = made_up_result()
    overrides = ("years.end=2026", "params.demography.mortality_years=[2011,2015]")
    result = replace(result, spec=replace(result.spec, overrides=overrides))
    data = yaml.safe_load(params_overlay(result))
    assert data["demography"] == {"mortality_years": [2011, 2015]}
    assert data["labour"]["separation_rate"] == 0.07123


def test_no_text_of_the_spec_can_become_yaml():
    text = params_overlay(made_up_result(source="a source\nlabour: {separation_rate: 0.9}"))
    assert yaml.safe_load(text)["labour"]["separation_rate"] == 0.07123
    assert all(line.startswith(("#", "labour:", "housing:", "  ")) for line in text.splitlines())


def test_report_lines_are_date_free():
    text = "\n".join(report_lines(made_up_result()))
    assert "code version: 0.1.0+gmadeup" in text
    assert "seeds: 0, 1" in text and "TPE sampler seed 3" in text
    assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d", text)  # no date or time


def test_every_parameter_unit_is_read_from_the_defaults():
    units = parameter_units()
    assert units["labour.separation_rate"] == "1/year"
    assert units["demography.total_fertility_rate"] == "births/woman"
    assert set(OmegaConf.to_container(compose_config().params)) == {
        path.split(".")[0] for path in units
    }


@pytest.fixture
def config_dir(tmp_path):
    """A config folder with a calibrated/ group holding the made-up overlay (as ``made_up``) and
    a misspelt one (``misspelt``)."""
    group = tmp_path / "configs" / "calibrated"
    group.mkdir(parents=True)
    (group / "made_up.yaml").write_text(params_overlay(made_up_result()), encoding="utf-8")
    (group / "misspelt.yaml").write_text(
        "# @package params\nlabour:\n  separation_rat: 0.07\n", encoding="utf-8"
    )
    return tmp_path / "configs"


def test_without_a_calibrated_file_the_defaults_hold():
    cfg = compose_config(["~calibrated"])
    assert cfg.params.labour.separation_rate == 0.06  # configs/params/default.yaml
    assert cfg.params.labour.own_municipality_effect == 0.75
    assert "calibrated" not in cfg


def test_a_calibrated_files_values_replace_the_defaults(config_dir):
    defaults = compose_config(["~calibrated"]).params
    cfg = resolve_config(
        compose_config([f"hydra.searchpath=[file://{config_dir}]", "calibrated=made_up"])
    )
    assert cfg.params.labour.separation_rate == 0.07123
    assert cfg.params.housing.base_mobility == 0.1001
    assert cfg.params.labour.matching_efficiency == defaults.labour.matching_efficiency
    assert "calibrated" not in cfg  # the file is placed in params, not under its group's name
    # A command-line override still wins over the calibrated file.
    cfg = compose_config(
        [
            f"hydra.searchpath=[file://{config_dir}]",
            "calibrated=made_up",
            "params.labour.separation_rate=0.05",
        ]
    )
    assert cfg.params.labour.separation_rate == 0.05


def test_an_unknown_key_in_a_calibrated_file_is_refused(config_dir):
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException, match="params.labour.separation_rat"):
        compose_config([f"hydra.searchpath=[file://{config_dir}]", "calibrated=misspelt"])
    with pytest.raises(ConfigError, match="params.labour.separation_rat: unknown key"):
        resolve_config({"params": {"labour": {"separation_rat": 0.07}}})


def test_sim_run_uses_a_calibrated_file(config_dir, tmp_path, small_region, capsys, monkeypatch):
    import xarray as xr

    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    common = [f"--config-dir={config_dir}", "years.end=2025", f"region.input_dir={small_region}"]
    out = tmp_path / "run"
    assert main(["run", *common, "calibrated=made_up", f"hydra.run.dir={out}"]) == 0
    config = yaml.safe_load((out / "config.yaml").read_text(encoding="utf-8"))
    assert config["params"]["labour"]["separation_rate"] == 0.07123
    with xr.open_dataset(out / "results.nc") as ds:
        assert "separation_rate: 0.07123" in ds.attrs["config"]
    capsys.readouterr()

    refused = tmp_path / "refused"
    assert main(["run", *common, "calibrated=misspelt", f"hydra.run.dir={refused}"]) == 2
    err = capsys.readouterr().err
    assert "error: params.labour.separation_rat: unknown key" in err
    assert main(["run", *common, "calibrated=nothing", f"hydra.run.dir={refused}"]) == 2
    err = capsys.readouterr().err
    assert "calibrated=nothing: there is no config calibrated/nothing.yaml" in err
    assert "available: made_up, misspelt" in err
    assert not refused.exists()
