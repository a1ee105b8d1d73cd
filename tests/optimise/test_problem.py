"""Problems are checked before anything runs: each bad field is named with what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.optimise.problem import load_problem
from sim.optimise.spec import PROBLEMS_DIR, ProblemError

SHIPPED = PROBLEMS_DIR / "skaraborg_housing.yaml"


def write_problem(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "problem.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_problem_loads_with_its_base_scenario():
    problem = load_problem("skaraborg_housing")
    assert problem.spec.base_scenario == "housing_even"
    assert problem.base["scenario"]["name"] == "housing_even"
    assert problem.base["years"] == {"start": 2024, "end": 2040}
    assert problem.runs_per_candidate == 5


def test_overrides_change_the_problem_and_unknown_keys_are_refused():
    problem = load_problem("skaraborg_housing", ["evaluation.candidates=40"])
    assert problem.spec.evaluation.candidates == 40
    with pytest.raises(ProblemError, match="evaluation.candidatez: unknown key"):
        load_problem("skaraborg_housing", ["evaluation.candidatez=40"])


def _lever(i, **fields):
    def change(data):
        data["levers"][i].update(fields)

    return change


BAD = [
    (
        _lever(0, target="housing_programmes[No such programme].phasing"),
        r"levers\[0\].target: .*no housing_programmes item named 'No such programme'",
    ),
    (
        _lever(0, target="housing_programmes[Mariestad new homes].colour"),
        r"levers\[0\].target: .*'colour' is not a field",
    ),
    (_lever(0, target="nonsense"), r"levers\[0\].target: 'nonsense' is not a lever target"),
    (_lever(0, choices=["even", "sideways"]), r"levers\[0\].choices: 'sideways' is not allowed"),
    (_lever(1, low=2031, high=2028), r"levers\[1\].high: 2028.0 is below low 2031.0"),
    (_lever(1, low=2020), r"levers\[1\].low: 2020.0 is not allowed"),
    (_lever(1, kind="slider"), r"levers\[1\].kind: 'slider' is not allowed"),
    (_lever(0, kind="int", low=1, high=2), r"levers\[0\].kind: int does not fit"),
    (_lever(6, choices=["Mariestad", "Atlantis"]), r"levers\[6\].choices \(Atlantis\): .*Atlantis"),
    (_lever(6, step=1.5), r"levers\[6\].step: 1.5 is not allowed"),
    (
        lambda d: d["constraints"][0].update(quantity="happiness"),
        r"constraints\[0\].quantity: 'happiness'",
    ),
    (
        lambda d: d["objectives"][0].update(measure="joy"),
        r"objectives\[0\].measure: 'joy' is not allowed",
    ),
    (lambda d: d["objectives"][0].update(direction="up"), r"objectives\[0\].direction: 'up'"),
    (lambda d: d["objectives"][0].update(q=1.5), r"objectives\[0\].q: 1.5 is not allowed"),
    (
        lambda d: d["objectives"][1].pop("msek_per_dwelling"),
        r"objectives\[1\].msek_per_dwelling: is required",
    ),
    (lambda d: d["evaluation"].update(optimiser="genius"), r"evaluation.optimiser: 'genius'"),
    (
        lambda d: d["evaluation"]["reevaluation"].update(seeds=[0]),
        r"reevaluation.seeds: share seeds",
    ),
    (lambda d: d["launcher"].update(name="cloud"), r"launcher.name: 'cloud' is not allowed"),
    (lambda d: d.update(base_scenario="no_such_scenario"), r"no_such_scenario"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_a_bad_problem_is_refused_naming_the_field(tmp_path, change, message):
    with pytest.raises(ProblemError, match=message):
        load_problem(write_problem(tmp_path, change))


def test_a_lever_needing_another_lever_to_be_valid_is_accepted(tmp_path):
    # An end year of 2028 is before the base's start year 2026 only if start stays; start is a
    # lever too, so the value is allowed (candidates where end < start are infeasible).
    path = write_problem(tmp_path, _lever(2, low=2025))
    assert load_problem(path).spec.levers[2].low == 2025
