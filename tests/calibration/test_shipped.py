"""The shipped calibrations: the default run uses one, and each file carries its fit report."""

from __future__ import annotations

import pytest
import yaml

from sim.calibration.spec import load_spec
from sim.config.compose import compose_config
from sim.paths import CONFIG_DIR

SHIPPED = ("skaraborg", "skaraborg_2015")


def test_the_default_run_uses_the_skaraborg_calibration():
    text = (CONFIG_DIR / "calibrated" / "skaraborg.yaml").read_text(encoding="utf-8")
    params = compose_config().params
    for section, leaves in yaml.safe_load(text).items():
        for key, value in leaves.items():
            assert params[section][key] == value, (section, key)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_file_carries_the_report_of_its_spec(name):
    text = (CONFIG_DIR / "calibrated" / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# @package params\n")
    assert f"# Calibrated by sim calibrate {name}." in text
    spec = load_spec(name)
    report = [line for line in text.splitlines() if line.startswith("# |")]
    for target in spec.targets:
        rows = [r for r in report if f"| {target.indicator} |" in r and f"| {target.year} |" in r]
        assert any((target.municipality or "region") in r for r in rows), target
    values = yaml.safe_load(text)
    for parameter in spec.parameters:
        assert any(f"| {parameter.path} |" in r for r in report), parameter.path
        section, key = parameter.path.split(".", 1)
        assert parameter.low <= values[section][key] <= parameter.high


def test_the_backcast_calibration_uses_no_schedule_year_after_2015():
    text = (CONFIG_DIR / "calibrated" / "skaraborg_2015.yaml").read_text(encoding="utf-8")
    demography = yaml.safe_load(text)["demography"]
    assert max(demography["mortality_years"]) <= 2015
    assert max(demography["fertility_years"]) <= 2015
