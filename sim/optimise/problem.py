"""An optimisation problem: levers on a base scenario, constraints, objectives and a budget.

A problem lives in ``configs/optimisation/<name>.yaml`` (or any YAML path) and is checked here
against the schema, the base scenario and the region before anything runs: a bad lever, domain,
constraint or objective is refused with its config path (``levers[2].high``) and nothing is
written. Command-line ``key=value`` overrides (``evaluation.candidates=40``) are merged first.

Levers name a field of one item of the base scenario by the item's name,
``housing_programmes[Mariestad new homes].start_year``, or a field of the scenario itself
(``nao_budget_msek``); see :mod:`sim.optimise.levers` for the kinds and what each does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config.futures import NAME
from sim.optimise.levers import check_levers
from sim.optimise.spec import (
    AGGREGATES,
    AREAS,
    DIRECTIONS,
    EXCESS_VACANCY,
    LAUNCHERS,
    LEVER_KINDS,
    MAX_RUNS,
    MEASURES,
    OPTIMISERS,
    PROBLEMS_DIR,
    QUANTITIES,
    STATISTICS,
    Lever,
    Objective,
    Problem,
    ProblemError,
)


@dataclass
class LoadedProblem:
    """A checked problem with the base run config it varies (a plain container)."""

    spec: Problem
    file: Path
    base: dict  # the resolved run config of the base scenario (no future, seed 0)
    inputs: Any  # the region's RegionInputs

    @property
    def runs_per_candidate(self) -> int:
        e = self.spec.evaluation
        return max(e.n_futures, 1) * len(e.seeds)


TARGET = re.compile(r"(?P<list>[a-z_]+)\[(?P<item>[^\]]+)\]\.(?P<field>[a-z_]+)")


def problem_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ProblemError(f"problem: {path} is not a file")
        return path
    path = PROBLEMS_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROBLEMS_DIR.glob("*.yaml"))) or "none"
        raise ProblemError(
            f"problem: {name_or_path!r} is not a problem in {PROBLEMS_DIR} (shipped: {known}) "
            "nor a .yaml file"
        )
    return path


def load_problem(name_or_path: str | Path, overrides: list[str] | None = None) -> LoadedProblem:
    """The problem of ``configs/optimisation/<name>.yaml`` or a YAML path, with ``overrides``
    (``key=value``) merged, checked against the schema, the base scenario and the region."""
    from omegaconf.errors import OmegaConfBaseException

    path = problem_path(name_or_path)
    try:
        loaded = OmegaConf.load(path)
        merged = OmegaConf.merge(OmegaConf.structured(Problem), loaded)
        for item in overrides or []:
            if "=" not in item:
                raise ProblemError(f"{item!r}: is not an override; use key=value")
            key = item.split("=", 1)[0]
            if OmegaConf.select(merged, key, default="<absent>") == "<absent>":
                raise ProblemError(f"{key}: unknown key of the problem {path.name}")
            merged = OmegaConf.merge(merged, OmegaConf.from_dotlist([item]))
    except ProblemError:
        raise
    except OmegaConfBaseException as err:
        key = getattr(err, "full_key", "") or ""
        raise ProblemError(f"{path.name}: {key}: {str(err.msg).splitlines()[0]}") from None
    missing = [k for k in ("name", "base_scenario") if OmegaConf.is_missing(merged, k)]
    if missing:
        raise ProblemError("\n".join(f"{path.name}: {k}: is required" for k in missing))
    spec: Problem = OmegaConf.to_object(merged)
    problems = _check_spec(spec)
    if problems:
        raise ProblemError("\n".join(f"{path.name}: {p}" for p in problems))
    base, inputs = _base_config(spec, path)
    problems = check_levers(spec, base, inputs)
    if problems:
        raise ProblemError("\n".join(f"{path.name}: {p}" for p in problems))
    return LoadedProblem(spec, path, base, inputs)


def _check_spec(spec: Problem) -> list[str]:
    p: list[str] = []
    if not NAME.fullmatch(spec.name):
        p.append(f"name: {spec.name!r} is not allowed; use letters, digits and '_'")
    if not spec.levers:
        p.append("levers: is empty; declare at least one decision variable")
    if not spec.objectives:
        p.append("objectives: is empty; declare at least one")
    names = [lever.name for lever in spec.levers]
    for i, lever in enumerate(spec.levers):
        p += [f"levers[{i}].{m}" for m in _lever_problems(lever)]
        if names.count(lever.name) > 1:
            p.append(f"levers[{i}].name: {lever.name!r} is used twice; give each its own")
    for i, c in enumerate(spec.constraints):
        where = f"constraints[{i}]"
        if c.quantity not in QUANTITIES:
            p.append(f"{where}.quantity: {c.quantity!r} is not allowed; use one of {QUANTITIES}")
        if c.max is None and c.min is None:
            p.append(f"{where}: give max, min or both")
        if c.max is not None and c.min is not None and c.min > c.max:
            p.append(f"{where}.min: {c.min} is above max {c.max}")
    names = [o.name for o in spec.objectives]
    for i, o in enumerate(spec.objectives):
        p += [f"objectives[{i}].{m}" for m in _objective_problems(o)]
        if names.count(o.name) > 1:
            p.append(f"objectives[{i}].name: {o.name!r} is used twice; give each its own")
    e = spec.evaluation
    if e.optimiser not in OPTIMISERS:
        p.append(f"evaluation.optimiser: {e.optimiser!r} is not allowed; use one of {OPTIMISERS}")
    if not 1 <= e.candidates <= MAX_RUNS:
        p.append(f"evaluation.candidates: {e.candidates} is not allowed; use 1 to {MAX_RUNS:,}")
    if not 2 <= e.population <= 10_000:
        p.append(f"evaluation.population: {e.population} is not allowed; use 2 to 10,000")
    for key, seeds in (("seeds", e.seeds), ("reevaluation.seeds", e.reevaluation.seeds)):
        if not seeds or any(not 0 <= s < 2**63 for s in seeds) or len(set(seeds)) < len(seeds):
            p.append(f"evaluation.{key}: {list(seeds)} is not allowed; give distinct seeds >= 0")
    if set(e.seeds) & set(e.reevaluation.seeds):
        p.append(
            "evaluation.reevaluation.seeds: share seeds with evaluation.seeds; the front is "
            "re-run on seeds the search never saw"
        )
    for key, n in (
        ("n_futures", e.n_futures),
        ("reevaluation.n_futures", e.reevaluation.n_futures),
    ):
        if not 0 <= n <= 10_000:
            p.append(f"evaluation.{key}: {n} is not allowed; use 0 (no futures) to 10,000")
    if e.futures == "none" and (e.n_futures or e.reevaluation.n_futures):
        p.append("evaluation.n_futures: futures 'none' has no futures; set n_futures: 0")
    runs = e.candidates * max(e.n_futures, 1) * len(e.seeds)
    if runs > MAX_RUNS:
        p.append(f"evaluation: {runs:,} runs is too many; at most {MAX_RUNS:,}")
    if spec.launcher.name not in LAUNCHERS:
        p.append(f"launcher.name: {spec.launcher.name!r} is not allowed; use one of {LAUNCHERS}")
    if spec.launcher.n_jobs < 1:
        p.append(f"launcher.n_jobs: {spec.launcher.n_jobs} is not allowed; use 1 or more")
    return p


def _lever_problems(lever: Lever) -> list[str]:
    p = []
    if not NAME.fullmatch(str(lever.name)):
        p.append(f"name: {lever.name!r} is not allowed; use letters, digits and '_'")
    if lever.kind not in LEVER_KINDS:
        return p + [f"kind: {lever.kind!r} is not allowed; use one of {', '.join(LEVER_KINDS)}"]
    if lever.kind in ("int", "float"):
        for key in ("low", "high"):
            value = getattr(lever, key)
            if value is None or not math.isfinite(value):
                p.append(f"{key}: is required for a {lever.kind} lever (a finite number)")
        if not p and lever.low > lever.high:
            p.append(f"high: {lever.high} is below low {lever.low}")
        if lever.kind == "int" and not p:
            if lever.low != int(lever.low) or lever.high != int(lever.high):
                p.append(f"low, high: {lever.low}, {lever.high} are not whole numbers")
            if lever.step is not None and (lever.step < 1 or lever.step != int(lever.step)):
                p.append(f"step: {lever.step} is not allowed; use a whole number >= 1")
        if lever.kind == "float" and lever.step is not None and not lever.step > 0:
            p.append(f"step: {lever.step} is not allowed; use a number > 0, or leave it null")
    if lever.kind in ("choice", "shares"):
        if len(lever.choices) < (1 if lever.kind == "choice" else 2):
            p.append(
                f"choices: a {lever.kind} lever needs at least {1 if lever.kind == 'choice' else 2}"
            )
        if len({str(c) for c in lever.choices}) < len(lever.choices):
            p.append("choices: a value is listed twice")
    if lever.kind == "shares" and lever.step is not None and not 0 < lever.step <= 1:
        p.append(f"step: {lever.step} is not allowed; use a share in (0, 1], e.g. 0.25")
    return p


def _not_one_of(key: str, value, allowed: tuple[str, ...]) -> list[str]:
    if value in allowed:
        return []
    return [f"{key}: {value!r} is not allowed; use one of {', '.join(allowed)}"]


def _objective_problems(o: Objective) -> list[str]:
    p = []
    if not NAME.fullmatch(str(o.name)):
        p.append(f"name: {o.name!r} is not allowed; use letters, digits and '_'")
    p += _not_one_of("measure", o.measure, MEASURES)
    p += _not_one_of("direction", o.direction, DIRECTIONS)
    p += _not_one_of("aggregate", o.aggregate, AGGREGATES)
    p += _not_one_of("area", o.area, AREAS)
    p += _not_one_of("statistic", o.statistic, STATISTICS)
    if not 0 < o.q < 1:
        p.append(f"q: {o.q} is not allowed; use a share between 0 and 1, e.g. 0.9")
    if o.measure == EXCESS_VACANCY:
        if o.msek_per_dwelling is None or not o.msek_per_dwelling > 0:
            p.append("msek_per_dwelling: is required for this measure (MSEK per dwelling, > 0)")
        if not o.source.strip():
            p.append("source: say where msek_per_dwelling comes from")
        if o.area != "region":
            p.append("area: this measure is summed over the region; use region")
    return p


def _base_config(spec: Problem, path: Path) -> tuple[dict, Any]:
    """The base scenario's run config, resolved, as a plain container."""
    from sim.config.compose import compose_config, resolve_config
    from sim.io.inputs import load_region_once

    e = spec.evaluation
    overrides = [
        f"region={spec.region}",
        f"scenario={spec.base_scenario}",
        f"years.end={e.end_year}",
        *(["futures=none"] if e.futures == "none" else [f"futures={e.futures}"]),
        *([f"futures.n={e.n_futures}", "future=0"] if e.futures != "none" else []),
        *spec.run_overrides,
    ]
    from hydra.errors import HydraException

    try:
        cfg = resolve_config(compose_config(overrides))
    except HydraException as err:
        raise ProblemError(f"{path.name}: {str(err).splitlines()[0]}") from None
    base = OmegaConf.to_container(cfg, resolve=True)
    base["future"] = None
    base["progress"] = False
    base["output_dir"] = None
    inputs = load_region_once(cfg.region.input_dir or cfg.region.name)
    return base, inputs


def as_config(container: dict) -> DictConfig:
    return OmegaConf.create(container)
