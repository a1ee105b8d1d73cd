"""The search finds a known answer, resumes after a kill as if never stopped, and gives the
same values whichever launcher ran the runs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from sim.optimise.problem import load_problem
from sim.optimise.search import Evaluator, candidate_of, search, search_runs
from tests.helpers import NO_WARM_START, SIM

KNOWN = Path(__file__).with_name("known_timing.yaml")
ANSWER = {"start_year": 2027, "end_year": 2030}  # the establishment's ramp-up years
BUDGET = 48  # candidates: 6 generations of 8 (the space has 80 pairs, 52 of them valid)


def known_problem(region: Path, *overrides: str):
    return load_problem(KNOWN, [f"run_overrides=[region.input_dir={region}]", *overrides])


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("known") / "evaluations"


def study_folder(root: Path, name: str, cache: Path) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    cache.mkdir(parents=True, exist_ok=True)
    os.symlink(cache, folder / "evaluations")  # runs shared: the same task is never run twice
    return folder


@pytest.mark.slow
def test_enumeration_confirms_the_known_answer(small_region, shared_cache, tmp_path):
    problem = known_problem(small_region)
    folder = study_folder(tmp_path, "grid", shared_cache)
    pairs = [(s, e) for s in range(2025, 2033) for e in range(s, 2035)]
    scenarios = [candidate_of(problem, {"start_year": s, "end_year": e}) for s, e in pairs]
    values = Evaluator(problem, folder).values(scenarios, search_runs(problem))
    mean = values[:, 0, :].mean(axis=1)
    order = np.argsort(mean)
    assert pairs[order[0]] == (2027, 2030)
    assert mean[order[1]] > 1.5 * mean[order[0]]  # clearly the best, not by noise


@pytest.mark.slow
@pytest.mark.parametrize("optimiser_seed", range(5))
def test_the_search_finds_the_known_answer_within_its_budget(
    small_region, shared_cache, tmp_path, optimiser_seed
):
    problem = known_problem(
        small_region,
        "evaluation.optimiser=tpe",
        f"evaluation.candidates={BUDGET}",
        f"evaluation.optimiser_seed={optimiser_seed}",
    )
    folder = study_folder(tmp_path, f"seed{optimiser_seed}", shared_cache)
    result = search(problem, folder, lambda line: None)
    trials = result.study.trials
    assert len(trials) == BUDGET
    best = min((t for t in trials if t.user_attrs["feasible"]), key=lambda t: t.values[0])
    assert best.params == ANSWER


def _trials(folder: Path):
    import optuna

    study = optuna.load_study(study_name="known_timing", storage=f"sqlite:///{folder / 'study.db'}")
    return [(t.number, t.params, t.values, t.state.name) for t in study.trials]


def _command(region: Path, out: Path, launcher: str = "serial") -> list[str]:
    return [
        *SIM,
        "optimise",
        str(KNOWN),
        f"run_overrides=[region.input_dir={region},{NO_WARM_START}]",
        "evaluation.candidates=8",
        "evaluation.population=4",
        "evaluation.seeds=[0]",
        f"launcher.name={launcher}",
        "--out",
        str(out),
    ]


@pytest.mark.slow
def test_a_killed_study_resumes_with_no_run_lost_or_repeated_and_workers_change_nothing(
    small_region, tmp_path
):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    done = subprocess.run(_command(small_region, whole), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    runs_whole = len(list((whole / "evaluations").glob("*.json")))

    proc = subprocess.Popen(_command(small_region, killed), stdout=subprocess.DEVNULL)
    deadline = time.time() + 300
    # Kill it in its second generation: the base run and 4 candidates, and some more.
    while len(list((killed / "evaluations").glob("*.json"))) < 7 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    runs_before = len(list((killed / "evaluations").glob("*.json")))
    assert 7 <= runs_before < runs_whole

    resumed = subprocess.run(_command(small_region, killed), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming" in resumed.stdout
    assert _trials(killed) == _trials(whole)  # the same candidates, values, in the same order
    assert len(list((killed / "evaluations").glob("*.json"))) == runs_whole
    ran = int(resumed.stdout.split("Runs in this process: ")[1].split()[0])
    assert runs_before + ran == runs_whole  # nothing run twice

    import xarray as xr

    with xr.open_dataset(whole / "front.nc") as a, xr.open_dataset(killed / "front.nc") as b:
        np.testing.assert_array_equal(a["value"].values, b["value"].values)

    # Two workers finish runs in any order; generations asked and told whole keep the study.
    parallel = tmp_path / "parallel"
    done = subprocess.run(
        _command(small_region, parallel, "joblib"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert _trials(parallel) == _trials(whole)


def test_every_launcher_gives_the_same_values(small_region, tmp_path):
    overrides = [
        f"run_overrides=[region.input_dir={small_region},{NO_WARM_START}]",
        "evaluation.end_year=2036",
        "evaluation.n_futures=2",
    ]
    scenario = None
    found = {}
    for launcher in ("serial", "joblib", "submitit_local"):
        problem = load_problem("skaraborg_housing", [*overrides, f"launcher.name={launcher}"])
        if scenario is None:
            scenario = candidate_of(
                problem,
                {
                    "phasing": "demand_led",
                    "start_year": 2026,
                    "end_year": 2034,
                    "stage_size": 50,
                    "queue_threshold": 0.001,
                    "hold_vacancy": 0.05,
                    "place.Mariestad": 2,
                    "place.Skövde": 1,
                    "place.Töreboda": 1,
                },
            )
        evaluator = Evaluator(problem, tmp_path / launcher)
        found[launcher] = evaluator.values(
            [problem.base["scenario"], scenario], search_runs(problem)
        )
        assert evaluator.runs_done == 4
    np.testing.assert_array_equal(found["serial"], found["joblib"])
    np.testing.assert_array_equal(found["serial"], found["submitit_local"])
    assert not np.array_equal(found["serial"][0], found["serial"][1])  # the candidate matters
