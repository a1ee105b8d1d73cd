"""Every run of a ``sim run`` command line is checked before anything runs or is written."""

from __future__ import annotations

import hydra
import pytest

from sim.batch.preflight import check_run_command, prepare_run_command, with_futures
from sim.config.params import ConfigError


def test_a_sweep_counts_its_runs_as_hydra_will():
    assert check_run_command(["-m", "scenario=baseline,establishment", "seed=range(0,3)"]) == 6
    # The experiment's sweep, with the command line replacing its seeds.
    assert check_run_command(["+experiment=skaraborg_study", "seed=0,1"]) == 22


@pytest.mark.parametrize(
    ("args", "composed"),
    [
        (["years.end=2030"], 1),  # the run's config, without its hydra node, is the same one
        (["-m", "scenario=baseline,establishment", "seed=0,1"], 3),  # + one per scenario
        (["-m", "futures=lhs", "futures.n=3"], 2),  # + the futures' variant
    ],
)
def test_preparing_a_command_composes_each_config_once(monkeypatch, args, composed):
    calls = []
    compose = hydra.compose
    monkeypatch.setattr(hydra, "compose", lambda *a, **k: calls.append(a) or compose(*a, **k))
    prepared = prepare_run_command(args)
    assert len(calls) == composed
    monkeypatch.setattr(hydra, "compose", compose)
    assert prepared == (with_futures(args), check_run_command(with_futures(args)))


def test_one_invalid_member_refuses_the_whole_sweep_and_names_it():
    with pytest.raises(ConfigError) as refused:
        check_run_command(["-m", "scenario=baseline,no_such", "seed=0,1"])
    text = str(refused.value)
    assert text.startswith("2 run(s) of the sweep are invalid; nothing was run")
    assert "scenario=no_such: there is no config scenario/no_such.yaml" in text
    assert "in: scenario=no_such seed=0; scenario=no_such seed=1" in text


def test_a_bad_parameter_in_one_member_is_found_before_the_first_run():
    with pytest.raises(ConfigError, match=r"params.housing.natural_vacancy: 1.5 is not allowed"):
        check_run_command(["-m", "params.housing.natural_vacancy=0.02,1.5"])


def test_seeds_of_replicates_are_each_checked():
    with pytest.raises(ConfigError) as refused:
        check_run_command(["-m", "seed=0,-1,abc"])
    assert "seed: -1 is not allowed" in str(refused.value)
    assert "seed: 'abc' is not an integer" in str(refused.value)


def test_a_sweep_override_needs_multirun():
    with pytest.raises(ConfigError, match="needs 'sim run -m'"):
        check_run_command(["scenario=baseline,establishment"])


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path):
    scenario = tmp_path / "scenario"
    scenario.mkdir()
    (scenario / "broken.yaml").write_text('name: broken\ndescription: "unclosed\n')
    with pytest.raises(ConfigError) as refused:
        check_run_command(["--config-dir", str(tmp_path), "scenario=broken"])
    assert f"{scenario / 'broken.yaml'}, line" in str(refused.value)


@pytest.mark.parametrize(
    "argument, message",
    [
        ("years.end=(2030", "override 'years.end=(2030' is malformed"),
        ("foo=1", "foo: unknown key"),
        ("+params.labour.commute_bet=0.1", "params.labour.commute_bet: unknown key"),
        ("seed=1.5", "seed: Value '1.5'"),
        ("region=nowhere", "region=nowhere: there is no config region/nowhere.yaml"),
        ("--no-such-flag", "unknown option '--no-such-flag'"),
    ],
)
def test_command_line_mistakes_get_one_line_naming_them(argument, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        check_run_command([argument])


def test_an_output_folder_under_a_file_is_refused_before_running(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="output_dir: .*file is a file"):
        check_run_command([f"output_dir={tmp_path / 'file' / 'run'}"])


def test_a_sweep_too_large_to_list_is_refused_without_listing_it():
    with pytest.raises(ConfigError, match=r"sweep: 2,000,000,000 runs is more than the 100,000"):
        check_run_command(["-m", "seed=range(0,1000000000)", "scenario=baseline,establishment"])
