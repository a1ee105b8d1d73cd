"""Calibration end to end on the small region with tiny budgets: ``sim calibrate`` writes the
parameter file and its report, the same spec gives the same file, and the start is never beaten
by a worse trial."""

from __future__ import annotations

import contextlib
import io
import re
import shutil

import pytest

from sim.calibration.fit import calibrate, loss, round_significant
from sim.calibration.indicators import INDICATORS
from sim.calibration.report import REPORT_FILE
from sim.calibration.spec import Target, load_spec
from tests.calibration.helpers import spec_data, write_spec


def test_round_significant():
    assert round_significant(0.0612345) == 0.06123
    assert round_significant(123456.0) == 123500.0
    assert round_significant(0.06) == 0.06


def test_loss_is_the_mean_squared_error_in_scales():
    targets = (
        Target("population", None, 2025, 100.0, 10.0, "made up"),
        Target("unemployment_rate", None, 2025, 0.06, 0.01, "made up"),
    )
    assert loss(targets, [120.0, 0.06]) == pytest.approx((2.0**2 + 0.0) / 2)
    assert loss(targets, [float("nan"), 0.06]) == float("inf")


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, small_region):
    """``sim calibrate SPEC --out FILE`` once: (spec file, parameter file, stdout)."""
    from sim.cli import main

    folder = tmp_path_factory.mktemp("calibrate")
    spec = write_spec(folder / "specs", spec_data(small_region))
    out = folder / "first" / "params.yaml"
    stdout = io.StringIO()  # capsys is for one test; this run serves the module
    with contextlib.redirect_stdout(stdout):
        code = main(["calibrate", str(spec), "--out", str(out)])
    assert code == 0
    return spec, out, stdout.getvalue()


def test_sim_calibrate_prints_progress_and_the_report(calibrated):
    _, _, stdout = calibrated
    assert "calibrate test_spec: 3 trials x 1 seed(s) = 3 runs of 2024-2025" in stdout
    assert re.search(r"about \d+\.\d s a trial: about \d+ s for the other 2 trials", stdout)
    for trial in (1, 2, 3):
        assert re.search(rf"trial {trial}/3: loss [\d.e+-]+, best [\d.e+-]+ \(trial \d\)", stdout)
    for column in ("achieved (start)", "achieved (best)", "error in scales"):
        assert column in stdout
    assert "own_municipality_share" in stdout and "1496 Skövde" in stdout


def test_the_parameter_file_carries_the_report_and_the_calibrated_leaf(calibrated):
    spec_path, out, _ = calibrated
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# @package params"
    comments = [line.removeprefix("# ").removeprefix("#") for line in lines if line[0] == "#"]
    # After the package line and how to use the file: the report, as in report.md.
    assert comments[5:] == (out.parent / REPORT_FILE).read_text(encoding="utf-8").splitlines()[2:]
    assert "- seeds: 0 (each target compares the mean over seeds)" in text
    assert "- trials: 3 (trial 1 is the start, the current values), TPE sampler seed 0" in text
    assert re.search(r"- loss: best [\d.e+-]+ \(trial \d\), start [\d.e+-]+;", text)
    assert "- code version: " in text
    header = (
        "| target | area | year | value | achieved (start) | achieved (best) | error in scales |"
    )
    assert header in text
    spec = load_spec(spec_path)
    for i, target in enumerate(spec.targets, start=1):
        area = "region" if target.municipality is None else f"{target.municipality} Skövde"
        fmt = INDICATORS[target.indicator].number_format
        value = re.escape(fmt.format(target.value))
        row = rf"\| {target.indicator} \| {area} \| {target.year} \| {value} \| "
        row += r"[\d.]+ \| [\d.]+ \| [+-]\d+\.\d\d \|"
        assert re.search(row, text), row
        assert f"{i}. {target.indicator}, {area}, {target.year}: made up for the test" in text
    # The leaf, nested under its section, with its unit and bounds.
    leaf = re.search(
        r"^labour:\n  separation_rate: ([\d.e-]+)  # \[1/year\] Calibrated by sim calibrate "
        r"test_spec: bounds \[0.02, 0.12\]$",
        text,
        re.MULTILINE,
    )
    assert leaf, text
    value = float(leaf.group(1))
    assert 0.02 <= value <= 0.12 and value == round_significant(value)


def test_the_parameter_file_is_used_by_a_run(calibrated, tmp_path, small_region):
    """Copied into a config folder's calibrated/ group, its values reach the run's config."""
    from sim.config.compose import compose_config, resolve_config

    _, out, _ = calibrated
    (tmp_path / "calibrated").mkdir()
    shutil.copy(out, tmp_path / "calibrated" / "smoke_fit.yaml")
    value = float(re.search(r"separation_rate: ([\d.e-]+)", out.read_text()).group(1))
    cfg = resolve_config(
        compose_config([f"hydra.searchpath=[file://{tmp_path}]", "calibrated=smoke_fit"])
    )
    assert cfg.params.labour.separation_rate == value
    # The other values are params/default.yaml's (the file replaces the default calibration).
    default = compose_config(["~calibrated"]).params.labour.commute_beta
    assert cfg.params.labour.commute_beta == default


def test_the_same_spec_gives_the_same_parameter_file(calibrated, tmp_path):
    from sim.cli import main

    spec, first, _ = calibrated
    second = tmp_path / "second" / "params.yaml"
    assert main(["calibrate", str(spec), "--out", str(second)]) == 0
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert (second.parent / REPORT_FILE).read_text() == (first.parent / REPORT_FILE).read_text()


def test_the_start_is_the_first_trial_and_is_never_beaten_by_a_worse_one(tmp_path, small_region):
    """A target met exactly at the start (the mean over two seeds of the current values): the
    start loss is 0, and so is the best."""
    from sim.config.compose import compose_config
    from sim.engine.run import run

    overrides = [f"region.input_dir={small_region}", "years.end=2025"]
    rates = [
        INDICATORS["unemployment_rate"].compute(
            run(compose_config([*overrides, f"seed={seed}"])), None, 2025
        )
        for seed in (0, 1)
    ]
    target = {
        "indicator": "unemployment_rate",
        "municipality": None,
        "year": 2025,
        "value": sum(rates) / 2,
        "scale": 0.01,
        "source": "the model's own value at the start",
    }
    data = spec_data(small_region, seeds=[0, 1], targets=[target])
    lines = []
    result = calibrate(load_spec(write_spec(tmp_path, data)), trials=2, progress=lines.append)
    assert result.start_loss == pytest.approx(0.0, abs=1e-20)
    assert result.best_loss <= result.start_loss
    assert result.best_trial == 1
    assert result.best_values == result.start_values == {"labour.separation_rate": 0.06}
    assert result.fits[0].start == pytest.approx(sum(rates) / 2)
    assert lines[0].startswith("calibrate test_spec: 2 trials x 2 seed(s) = 4 runs")
    assert lines[-1].startswith("trial 2/2: loss ") and lines[-1].endswith("best 0 (trial 1)")


def test_a_target_undefined_at_the_start_is_refused(tmp_path, small_region, monkeypatch):
    from sim.calibration.indicators import Indicator
    from sim.config.params import ConfigError

    undefined = Indicator(lambda ds, municipality, year: float("nan"), "made up", "{:.2f}")
    monkeypatch.setitem(INDICATORS, "unemployment_rate", undefined)
    spec = load_spec(write_spec(tmp_path, spec_data(small_region)))
    with pytest.raises(ConfigError, match=r"targets\[0\]: unemployment_rate of region in 2025 is"):
        calibrate(spec, trials=2)
