"""One registry of submodels from which set-up, the plan and recording follow; the plan shows
every step of the year, the municipalities' decisions included, and times each."""

from __future__ import annotations

import importlib
import inspect

import pytest

from sim.config.compose import compose_config
from sim.engine.registry import PHASES, SUBMODELS, build_plan
from sim.engine.run import build_model
from sim.engine.submodels.base import Submodel
from sim.paths import REPO_ROOT


@pytest.fixture(scope="module")
def model():
    return build_model(compose_config(["years.end=2026"]))


def test_every_submodel_class_is_in_the_registry_once():
    defined = set()
    for path in (REPO_ROOT / "sim" / "engine" / "submodels").glob("*.py"):
        module = importlib.import_module(f"sim.engine.submodels.{path.stem}")
        defined |= {
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Submodel) and cls is not Submodel
        }
    assert defined == set(SUBMODELS)
    names = [cls.name for cls in SUBMODELS]
    assert len(names) == len(set(names))


def test_model_is_built_and_recorded_in_registry_order(model):
    assert list(model.submodels) == [cls.name for cls in SUBMODELS]


def test_every_declared_step_is_in_the_plan_in_phase_order(model):
    planned = [(step.phase, step.label) for step in model.plan]
    declared = {
        (phase, f"{cls.name}.{method}") for cls in SUBMODELS for phase, method in cls.steps.items()
    }
    assert set(planned) == declared
    order = [phase for phase, _ in PHASES]
    assert [order.index(phase) for phase, _ in planned] == sorted(
        order.index(phase) for phase, _ in planned
    )


def test_describe_plan_shows_every_step_including_the_decisions(model):
    text = model.describe_plan()
    lines = text.splitlines()
    assert len(lines) == len(model.plan) + 2  # and the compaction and the recording
    for label in (
        "scenario.step",
        "municipalities.apply_policies",
        "labour.match_arrivals",
        "construction.complete",
        "municipalities.decide_plan_reserve",
        "construction.start",
        "finance.step",
        "municipalities.decide_budget",
        "governance.step",
    ):
        assert label in text
    labels = [line.split()[2] for line in lines]
    assert (
        labels.index("construction.complete")
        < labels.index("municipalities.decide_plan_reserve")
        < labels.index("construction.start")
    )
    assert labels.index("finance.step") < labels.index("municipalities.decide_budget")
    assert labels.index("migration.step") < labels.index("labour.match_arrivals")


def test_every_step_is_timed(model):
    model.step()
    steps = {step.label for step in model.plan}
    assert set(model.timings) == steps | {"population.compact", "record"}
    assert all(model.timings[label] > 0 for label in steps | {"population.compact"})
    assert "municipalities.decide_plan_reserve" in model.timing_table()


def test_a_step_in_an_unknown_phase_is_refused():
    class Rogue(Submodel):
        name = "rogue"
        steps = {"halftime": "step"}

    with pytest.raises(ValueError, match="unknown phases"):
        build_plan([Rogue.__new__(Rogue)])


def test_results_are_declared_once_with_units_and_long_names():
    names = [r.name for cls in SUBMODELS for r in (*cls.results, *cls.static)]
    assert len(names) == len(set(names))
    for cls in SUBMODELS:
        for result in (*cls.results, *cls.static):
            assert result.long_name, result.name
            assert result.units.udunits or result.name == "programme_municipality", result.name
