"""State with an owner: no step of the year changes the state of a submodel other than its own,
no submodel reaches into another, and shared quantities are published by their owner only."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import mesa
import numpy as np
import pytest

from sim.config.compose import compose_config
from sim.engine.registry import SUBMODELS
from sim.engine.run import build_model
from sim.engine.shared import SHARED, OwnershipError, Shared
from sim.engine.submodels.base import Submodel
from sim.paths import REPO_ROOT
from tests.regression.digests import case_config

SUBMODEL_DIR = REPO_ROOT / "sim" / "engine" / "submodels"


def _feed(sha, value, seen: set[int]) -> None:
    """Feed a value's content into a hash; objects that are not state (the model, parameters,
    the scenario config, Mesa's agent sets) are skipped."""
    if isinstance(value, np.ndarray):
        sha.update(f"{value.dtype}{value.shape}".encode())
        sha.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (int, float, str, bool, np.generic, type(None))):
        sha.update(repr(value).encode())
    elif isinstance(value, (list, tuple)):
        for item in value:
            _feed(sha, item, seen)
    elif isinstance(value, dict):
        for key in sorted(value, key=repr):
            sha.update(repr(key).encode())
            _feed(sha, value[key], seen)
    elif isinstance(value, mesa.Agent):
        if id(value) not in seen:
            seen.add(id(value))
            for key, item in sorted(vars(value).items()):
                if key not in ("model", "policies"):
                    sha.update(key.encode())
                    _feed(sha, item, seen)


def state_digest(submodel: Submodel) -> str:
    """A digest of everything a submodel owns: its attributes and its agents' attributes."""
    sha = hashlib.sha256()
    for key, value in sorted(vars(submodel).items()):
        if key in ("params", "scenario", "agents"):
            continue
        sha.update(key.encode())
        _feed(sha, value, set())
    return sha.hexdigest()


def steps_that_touch_others(model, years: int) -> list[str]:
    """Run ``years`` years; after every step, name any submodel other than the step's owner whose
    state changed."""
    found = []
    for _ in range(years):
        model.year += 1
        model.pop.compact()
        for step, run_step in zip(model.plan, model._run, strict=True):
            before = {name: state_digest(sub) for name, sub in model.submodels.items()}
            run_step(model, model.year)
            for name, sub in model.submodels.items():
                if name != step.submodel and state_digest(sub) != before[name]:
                    found.append(f"{model.year} {step.label} changed {name}")
    return found


def test_no_step_changes_another_submodels_state():
    # The stress test scenario exercises every submodel and every intervention path: policies,
    # demand-led and front-loaded programmes, all three governance modes, closing establishments.
    model = build_model(case_config("stress"))
    assert steps_that_touch_others(model, years=7) == []


def test_the_check_finds_a_step_that_changes_another_submodel():
    model = build_model(compose_config())
    labour = model.submodels["labour"]

    def rogue(model, year):  # a migration step that takes recruitment slots from labour
        labour.recruit_slots = labour.recruit_slots - 1

    model._run[[s.label for s in model.plan].index("migration.step")] = rogue
    assert any("migration.step changed labour" in f for f in steps_that_touch_others(model, 1))


def _reaches_into_other_submodels(path: Path) -> list[str]:
    """Attribute accesses in a submodel module that reach another submodel: ``.submodels``
    anywhere (the model's registry of submodels), or ``model.<submodel name>``.

    The model has no attribute per submodel, so ``model.labour`` fails when run; the registry is
    the only way to another submodel, and any use of it counts, aliases included
    (``seen = model.submodels``)."""
    names = {cls.name for cls in SUBMODELS}
    problems = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Attribute):
            continue
        base = node.value
        on_model = (isinstance(base, ast.Name) and base.id == "model") or (
            isinstance(base, ast.Attribute) and base.attr == "model"
        )
        if node.attr == "submodels" or (on_model and node.attr in names):
            problems.append(f"{path.name}:{node.lineno} .{node.attr}")
    return problems


def test_no_submodel_module_reaches_into_another_submodel():
    problems = []
    for path in sorted(SUBMODEL_DIR.glob("*.py")):
        problems += _reaches_into_other_submodels(path)
    assert problems == []


def test_the_code_check_finds_a_reach_into_another_submodel(tmp_path):
    path = tmp_path / "rogue.py"
    path.write_text(
        "def step(model):\n"
        "    seen = model.construction\n"
        "    registry = model.submodels\n"
        "    return seen.stock, registry['housing'].queue\n"
    )
    found = _reaches_into_other_submodels(path)
    assert found == ["rogue.py:2 .construction", "rogue.py:3 .submodels"]


def test_shared_quantities_have_registered_owners():
    owners = {cls.name for cls in SUBMODELS}
    assert {q.owner for q in SHARED.values()} <= owners


def test_only_the_owner_publishes_and_readers_cannot_write():
    board = Shared()
    board.publish("housing", "queue", np.array([1.0, 2.0]))
    with pytest.raises(OwnershipError, match="published by housing, not by culture"):
        board.publish("culture", "queue", np.zeros(2))
    with pytest.raises(OwnershipError, match="not a shared quantity"):
        board.publish("housing", "no_such_quantity", np.zeros(2))
    with pytest.raises(ValueError, match="read-only"):
        board["queue"][0] = 5.0
    with pytest.raises(KeyError, match="not been published yet"):
        board["price_index"]


def test_published_values_are_snapshots():
    board = Shared()
    queue = np.array([1.0, 2.0])
    board.publish("housing", "queue", queue)
    queue[0] = 9.0
    assert board["queue"].tolist() == [1.0, 2.0]
