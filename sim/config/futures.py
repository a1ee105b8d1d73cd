"""Sampled futures: external uncertainties no seed captures, sampled by Latin hypercube.

A futures set (``configs/futures/<name>.yaml``) declares uncertainties, each a range of values for
one field of the run's config (``params.finance.interest_rate``; ``scenario.establishments.jobs``
means that field of every establishment of the scenario) and how a sampled value acts on it:
``set`` replaces it, ``scale`` multiplies it, ``shift`` adds to it (elementwise for lists).

Future ``k`` of a set is row ``k`` of a Latin hypercube of ``n`` rows (``scipy.stats.qmc``, seeded
by the set's ``seed``), scaled to the ranges, so every run of future ``k`` sees the same values,
whatever the scenario: futures are common to the scenarios like random numbers are. Each future
also has its own random streams: the model's seed is derived from the run's ``seed`` and ``k``
(:func:`run_seed`), so the replicates of one future differ from those of another.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np
from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf

HOW = ("set", "scale", "shift")
# Fields of scenario items an uncertainty may act on, by list.
SCENARIO_ITEMS = ("establishments", "housing_programmes", "cultural_investments", "joint_proposals")
NUMERIC_FIELDS = ("int", "float", "int | None", "float | None")  # annotations of the schemas
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
REQUIRED = {
    "name": "a short identifier, e.g. interest_rate",
    "target": "the config field it acts on, e.g. params.finance.interest_rate",
    "how": "set, scale or shift",
    "low": "the lowest value sampled",
    "high": "the highest value sampled",
    "unit": "the unit of the sampled value",
    "source": "where the range comes from, or the reasoning behind it",
}


@dataclass
class Uncertainty:
    """One external uncertainty: a range for one config field, with its unit and source."""

    name: str = MISSING  # a short identifier, e.g. establishment_delay
    target: str = MISSING  # the config field, e.g. params.finance.interest_rate
    how: str = MISSING  # set | scale | shift
    low: float = MISSING
    high: float = MISSING
    integer: bool = False  # round the result (jobs, years) and, unless a factor, the value
    unit: str = MISSING
    label: str = ""  # shown in tables and reports
    label_sv: str = ""
    source: str = MISSING  # where the range comes from, or the reasoning behind it


@dataclass
class Futures:
    """A set of sampled futures; ``n`` 0 means none (the config as given)."""

    name: str = "none"
    n: int = 0
    seed: int = 0  # of the Latin hypercube
    uncertainties: list[Uncertainty] = field(default_factory=list)


def check_futures(futures: DictConfig | Futures, config: DictConfig) -> list[str]:
    """Problems of a futures set against the run config it would change (empty: none)."""
    problems = []
    if futures.n < 0:
        problems.append(f"futures.n: {futures.n} is not allowed; use 0 (no futures) or more")
    if futures.n > 0 and not futures.uncertainties:
        problems.append("futures.uncertainties: is empty; a futures set needs at least one")
    if not 0 <= futures.seed < 2**32:
        problems.append(f"futures.seed: {futures.seed} is not allowed; use 0 to 2^32 - 1")
    seen = set()
    for i, u in enumerate(futures.uncertainties):
        where = f"futures.uncertainties[{i}]"
        missing = [key for key in REQUIRED if OmegaConf.is_missing(u, key)]
        if missing:
            problems += [f"{where}.{key}: is required ({REQUIRED[key]})" for key in missing]
            continue
        if not NAME.fullmatch(str(u.name)):
            problems.append(
                f"{where}.name: {u.name!r} is not allowed; use letters, digits and '_', starting "
                "with a letter (it names a coordinate, future_<name>)"
            )
        if u.name in seen:
            problems.append(f"{where}.name: {u.name!r} is used twice; give each its own name")
        seen.add(u.name)
        if u.how not in HOW:
            problems.append(f"{where}.how: {u.how!r} is not allowed; use one of {', '.join(HOW)}")
        if not (math.isfinite(u.low) and math.isfinite(u.high)) or u.low > u.high:
            problems.append(
                f"{where}.low, high: {u.low} to {u.high} is not allowed; use finite numbers "
                "with low <= high"
            )
        if not str(u.source).strip():
            problems.append(f"{where}.source: is empty; say where the range comes from")
        problems += [f"{where}.target: {p}" for p in _target_problems(str(u.target), config)]
    return problems


def _target_problems(target: str, config: DictConfig) -> list[str]:
    parts = target.split(".")
    if parts[0] == "scenario" and len(parts) == 3 and parts[1] in SCENARIO_ITEMS:
        from sim.config import scenario as schemas

        item = {
            "establishments": schemas.Establishment,
            "housing_programmes": schemas.HousingProgramme,
            "cultural_investments": schemas.CulturalInvestment,
            "joint_proposals": schemas.JointProposal,
        }[parts[1]]
        fields = item.__dataclass_fields__
        numeric = sorted(n for n, f in fields.items() if str(f.type) in NUMERIC_FIELDS)
        if parts[2] not in numeric:
            return [
                f"{target!r} is not a number field of {parts[1]}; use one of "
                + ", ".join(f"scenario.{parts[1]}.{n}" for n in numeric)
            ]
        return []
    if parts[0] != "params":
        return [
            f"{target!r} is not allowed; use a parameter (params.<submodel>.<name>) or a field "
            f"of scenario items (scenario.<{'|'.join(SCENARIO_ITEMS)}>.<field>)"
        ]
    value = OmegaConf.select(config, target, default=None)
    numbers = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(value, ListConfig):
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    if value is None or not numbers:
        return [f"{target!r} is not a numeric parameter of the config"]
    return []


def sample(futures: DictConfig | Futures) -> np.ndarray:
    """The sampled values, one row per future and one column per uncertainty.

    Examples
    --------
    >>> f = Futures(n=4, uncertainties=[Uncertainty("a", "params.x", "set", 0.0, 1.0, unit="1",
    ...     source="made up")])
    >>> s = sample(f)
    >>> s.shape, bool(((s >= 0) & (s <= 1)).all()), bool((s == sample(f)).all())
    ((4, 1), True, True)
    >>> sorted((s[:, 0] * 4).astype(int).tolist())  # one value in each quarter: a Latin hypercube
    [0, 1, 2, 3]
    """
    ranges = tuple(
        (float(u.low), float(u.high), bool(u.integer and u.how != "scale"))
        for u in futures.uncertainties
    )
    return _sample(int(futures.n), int(futures.seed), ranges).copy()


@functools.lru_cache(maxsize=64)
def _sample(n: int, seed: int, ranges: tuple[tuple[float, float, bool], ...]) -> np.ndarray:
    """The Latin hypercube scaled to ``ranges`` (low, high, round); cached, as scipy takes most
    of a second to draw one and every run and check of a sweep asks for it."""
    from scipy.stats import qmc

    d = len(ranges)
    if n <= 0 or d == 0:
        return np.empty((0, d))
    unit = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
    low = np.array([r[0] for r in ranges], dtype=np.float64)
    high = np.array([r[1] for r in ranges], dtype=np.float64)
    values = low + unit * (high - low)
    for j, (_, _, rounded) in enumerate(ranges):
        if rounded:  # a factor stays as drawn; its result is rounded
            values[:, j] = np.round(values[:, j])
    return values


def future_values(futures: DictConfig | Futures, k: int) -> dict[str, float]:
    """The sampled value of each uncertainty in future ``k``."""
    row = sample(futures)[k]
    return {u.name: float(v) for u, v in zip(futures.uncertainties, row, strict=True)}


def apply_future(tree: dict, futures: DictConfig | Futures, k: int) -> None:
    """Change ``tree``, a plain (resolved) container of a run config holding at least its
    ``params`` and ``scenario``, in place to future ``k`` of ``futures``."""
    for u, value in zip(futures.uncertainties, sample(futures)[k], strict=True):
        parts = str(u.target).split(".")
        if parts[0] == "scenario":
            for item in tree["scenario"][parts[1]]:
                if item.get(parts[2]) is not None:
                    item[parts[2]] = _act(u, item[parts[2]], value)
            continue
        parent = tree
        for key in parts[:-1]:
            parent = parent[key]
        current = parent[parts[-1]]
        if isinstance(current, list):
            parent[parts[-1]] = [_act(u, v, value) for v in current]
        else:
            parent[parts[-1]] = _act(u, current, value)


def future_parts(config: DictConfig) -> dict:
    """The ``params`` and ``scenario`` of a run config as plain containers, in its future."""
    tree = {
        key: OmegaConf.to_container(config[key], resolve=True) for key in ("params", "scenario")
    }
    if config.get("future") is not None:
        apply_future(tree, config.futures, int(config.future))
    return tree


def _act(u: Uncertainty, current: float, value: float) -> float | int:
    result = {"set": value, "scale": current * value, "shift": current + value}[u.how]
    if u.integer or isinstance(current, int) and not isinstance(current, bool):
        return int(round(result))
    return float(result)


def run_seed(seed: int, future: int | None) -> int:
    """The seed of the model's random streams: ``seed`` itself outside futures; in future ``k``
    a 63-bit number drawn from ``SeedSequence([seed, k])``, so every future has streams of its
    own and the same (seed, future) always the same."""
    if future is None:
        return int(seed)
    words = np.random.SeedSequence([int(seed), int(future)]).generate_state(2, dtype=np.uint32)
    return int((int(words[0]) << 31) ^ int(words[1])) & (2**63 - 1)


def applied(config: DictConfig) -> DictConfig:
    """The run config as future ``config.future`` makes it (a copy, typed like ``config``), or
    ``config`` itself when the run is not one of sampled futures."""
    if config.get("future") is None:
        return config
    return OmegaConf.merge(config, future_parts(config))
