"""Levers: how a candidate's values change the base scenario.

A lever's ``target`` is a field of one item of the base scenario, named by the item's name,
``housing_programmes[Mariestad new homes].start_year``, a field of one of its explicit stages,
``housing_programmes[Mariestad new homes].stages[0].year``, or a field of the scenario itself,
``nao_budget_msek``. Kinds:

- ``int`` / ``float``: a number from ``low`` to ``high`` (by ``step``);
- ``choice``: one of ``choices`` (a phasing rule, a municipality, a governance mode, a year...);
- ``shares``: splits an item over ``choices`` in shares that are multiples of ``step`` (default
  0.25). On ``<list>[item].municipality`` the item becomes one per place with a share (a housing
  programme's dwellings of each type, a cultural investment's capacity, investment and operating
  cost, split by largest remainder for counts); on ``housing_programmes[item].stages`` the
  programme's dwellings are split over its explicit stages. Shares come from whole weights 0 to
  ``1 / step`` per place, divided by their sum; all weights 0 is an equal split.

Scalar levers act first, then splits, so names always refer to the base scenario's items.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

import numpy as np

from sim.config.scenario import CulturalInvestment, HousingProgramme, HousingStage, Scenario
from sim.config.validate import validate_scenario
from sim.engine.submodels.interventions import split_evenly
from sim.optimise.spec import Lever, Problem

LISTS = {
    "establishments": None,
    "housing_programmes": HousingProgramme,
    "cultural_investments": CulturalInvestment,
    "joint_proposals": None,
}
TARGET = re.compile(
    r"(?P<list>[a-z_]+)\[(?P<item>[^\]]+)\]\.(?P<field>[a-z_]+)(\[(?P<stage>\d+)\]\.(?P<sub>[a-z_]+))?"
)
NUMERIC = ("int", "float", "int | None", "float | None")
DEFAULT_SHARE_STEP = 0.25
SPLIT_NAME = "{item} ({place})"


def _schema(list_name: str):
    from sim.config import scenario as schemas

    return {
        "establishments": schemas.Establishment,
        "housing_programmes": schemas.HousingProgramme,
        "cultural_investments": schemas.CulturalInvestment,
        "joint_proposals": schemas.JointProposal,
    }[list_name]


def parse_target(target: str) -> dict[str, Any]:
    """The parts of a lever target, or a ``ValueError`` saying what is allowed."""
    m = TARGET.fullmatch(target)
    if m is None:
        if re.fullmatch(r"[a-z_]+", target) and target in Scenario.__dataclass_fields__:
            return {"list": None, "field": target}
        raise ValueError(
            f"{target!r} is not a lever target; use <list>[<item name>].<field> with a list of "
            f"{', '.join(LISTS)}, <list>[<item name>].stages[<i>].<field>, or a field of the "
            "scenario (e.g. nao_budget_msek)"
        )
    parts = m.groupdict()
    if parts["list"] not in LISTS:
        raise ValueError(
            f"{target!r}: {parts['list']!r} is not a list; use one of {', '.join(LISTS)}"
        )
    fields = _schema(parts["list"]).__dataclass_fields__
    if parts["field"] not in fields:
        raise ValueError(
            f"{target!r}: {parts['field']!r} is not a field of {parts['list']}; use one of "
            + ", ".join(fields)
        )
    if parts["stage"] is not None:
        if parts["field"] != "stages" or parts["sub"] not in HousingStage.__dataclass_fields__:
            raise ValueError(f"{target!r}: use stages[<i>].year or stages[<i>].dwellings")
    return parts


def _field_type(parts: dict) -> str:
    if parts["list"] is None:
        return str(Scenario.__dataclass_fields__[parts["field"]].type)
    if parts.get("stage") is not None:
        return str(HousingStage.__dataclass_fields__[parts["sub"]].type)
    return str(_schema(parts["list"]).__dataclass_fields__[parts["field"]].type)


def _kind_problem(lever: Lever, parts: dict) -> str | None:
    kind, ftype = lever.kind, _field_type(parts)
    if kind in ("int", "float") and ftype not in NUMERIC:
        return f"kind: {kind} does not fit {lever.target!r}, which is not a number; use choice"
    if kind == "shares":
        ok = (parts["list"] in ("housing_programmes", "cultural_investments")) and (
            parts["field"] == "municipality"
            or (parts["field"] == "stages" and parts["list"] == "housing_programmes")
        )
        if not ok or parts.get("stage") is not None:
            return (
                f"kind: shares does not fit {lever.target!r}; split housing_programmes[..] or "
                "cultural_investments[..] over .municipality, or a programme over its .stages"
            )
    return None


def _item(scenario: dict, parts: dict) -> dict:
    for item in scenario[parts["list"]]:
        if item["name"] == parts["item"]:
            return item
    raise KeyError(parts["item"])


# ---- the search space ----


def distributions(levers: list[Lever]) -> dict:
    """Optuna distributions of the levers' parameters, in a fixed order (shares: one whole
    weight per place, ``<lever>.<place>``)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out = {}
    for lever in levers:
        if lever.kind == "int":
            out[lever.name] = IntDistribution(
                int(lever.low), int(lever.high), step=int(lever.step or 1)
            )
        elif lever.kind == "float":
            out[lever.name] = FloatDistribution(lever.low, lever.high, step=lever.step)
        elif lever.kind == "choice":
            out[lever.name] = CategoricalDistribution(list(lever.choices))
        else:
            top = round(1 / (lever.step or DEFAULT_SHARE_STEP))
            for place in lever.choices:
                out[f"{lever.name}.{place}"] = IntDistribution(0, top)
    return out


def lever_values(levers: list[Lever], params: dict) -> dict[str, Any]:
    """Each lever's value from a trial's parameters: a number or choice, or for shares a list of
    shares over its places (adding up to 1)."""
    values: dict[str, Any] = {}
    for lever in levers:
        if lever.kind != "shares":
            values[lever.name] = params[lever.name]
            continue
        weights = np.array([params[f"{lever.name}.{p}"] for p in lever.choices], dtype=float)
        if weights.sum() == 0:
            weights[:] = 1.0
        values[lever.name] = [float(w) for w in weights / weights.sum()]
    return values


# ---- a candidate scenario ----


def candidate_scenario(base: dict, levers: list[Lever], values: dict[str, Any], name: str) -> dict:
    """The base scenario (a plain container) changed by the levers' ``values``; its name is
    ``name-<hash of its contents>``, so the same scenario always has the same run ids, and its
    titles are the base scenario's with "– variant <hash>" (the items a split makes are titled
    by the item's title and their place)."""
    scenario = copy.deepcopy(base)
    for lever in levers:
        if lever.kind != "shares":
            _set(scenario, parse_target(lever.target), lever, values[lever.name])
    for lever in levers:
        if lever.kind == "shares":
            _split(scenario, parse_target(lever.target), lever, values[lever.name])
    scenario["name"] = "base"
    digest = hashlib.sha256(json.dumps(scenario, sort_keys=True, default=str).encode()).hexdigest()
    scenario["name"] = f"{name}-{digest[:10]}"
    scenario.update(variant_names(base, name, digest[:10]))
    return scenario


def variant_names(base: dict, problem: str, digest: str) -> dict[str, str]:
    """The title and description, in English and Swedish, of a variant of ``base`` that the
    search of ``problem`` tried (``digest``: the hash in its name)."""
    title = str(base.get("title") or base.get("name", ""))
    title_sv = str(base.get("title_sv") or title)
    return {
        "title": f"{title} – variant {digest}",
        "title_sv": f"{title_sv} – variant {digest}",
        "description": f"A variant of '{title}' with the levers of problem {problem} changed.",
        "description_sv": f"En variant av ”{title_sv}” med problemets ({problem}) styrmedel "
        "ändrade.",
    }


def _split_names(item: dict, place: str) -> dict[str, str]:
    """The name, titles and descriptions of the part of ``item`` that a split puts in ``place``."""
    title = str(item.get("title") or item["name"])
    title_sv = str(item.get("title_sv") or title)
    return {
        "name": SPLIT_NAME.format(item=item["name"], place=place),
        "title": f"{title} ({place})",
        "title_sv": f"{title_sv} ({place})",
        "description": f"The part of '{title}' placed in {place}.",
        "description_sv": f"Den del av ”{title_sv}” som placeras i {place}.",
    }


def _set(scenario: dict, parts: dict, lever: Lever, value: Any) -> None:
    if lever.kind == "int":
        value = int(value)
    elif lever.kind == "float":
        value = float(value)
    if parts["list"] is None:
        scenario[parts["field"]] = value
        return
    item = _item(scenario, parts)
    if parts.get("stage") is not None:
        item["stages"][int(parts["stage"])][parts["sub"]] = value
    else:
        item[parts["field"]] = value


def _split(scenario: dict, parts: dict, lever: Lever, shares: list[float]) -> None:
    item = _item(scenario, parts)
    weights = np.asarray(shares, dtype=float)
    if parts["field"] == "stages":
        total = sum(int(stage["dwellings"]) for stage in item["stages"])
        counts = split_evenly(total, weights)
        item["stages"] = [
            {**stage, "dwellings": int(n)}
            for stage, n in zip(item["stages"], counts, strict=True)
            if n > 0
        ]
        return
    places = list(lever.choices)
    items = scenario[parts["list"]]
    position = items.index(item)
    copies = []
    if parts["list"] == "housing_programmes":
        by_type = {k: split_evenly(int(v), weights) for k, v in item["dwellings"].items()}
        for j, place in enumerate(places):
            dwellings = {k: int(v[j]) for k, v in by_type.items()}
            if sum(dwellings.values()) > 0:
                copies.append(
                    {
                        **item,
                        **_split_names(item, str(place)),
                        "municipality": str(place),
                        "dwellings": dwellings,
                    }
                )
    else:
        capacity = split_evenly(int(item["capacity"]), weights)
        for j, place in enumerate(places):
            if weights[j] > 0:
                copies.append(
                    {
                        **item,
                        **_split_names(item, str(place)),
                        "municipality": str(place),
                        "capacity": int(max(capacity[j], 1)),
                        "investment_msek": float(item["investment_msek"]) * float(weights[j]),
                        "operating_msek": float(item["operating_msek"]) * float(weights[j]),
                    }
                )
    scenario[parts["list"]] = items[:position] + copies + items[position + 1 :]


# ---- constraints ----


def quantities(scenario: dict) -> dict[str, float]:
    """The quantities constraints bound (``sim.optimise.problem.QUANTITIES``)."""
    programmes = scenario.get("housing_programmes", [])
    dwellings = [sum(int(v) for v in p["dwellings"].values()) for p in programmes]
    years = [
        int(p["stages"][0]["year"])
        if p["phasing"] == "explicit" and p["stages"]
        else p["start_year"]
        for p in programmes
    ]
    years += [c["opening_year"] for c in scenario.get("cultural_investments", [])]
    years += [j["earliest_year"] for j in scenario.get("joint_proposals", [])]
    years = [int(y) for y in years if y is not None]
    return {
        "total_dwellings": float(sum(dwellings)),
        "housing_cost_msek": float(
            sum(n * p["cost_per_dwelling_msek"] for n, p in zip(dwellings, programmes, strict=True))
        ),
        "municipal_housing_cost_msek": float(
            sum(
                n * p["cost_per_dwelling_msek"] * p["municipal_share"]
                for n, p in zip(dwellings, programmes, strict=True)
            )
        ),
        "cultural_investment_msek": float(
            sum(c["investment_msek"] for c in scenario.get("cultural_investments", []))
            + sum(j["investment_msek"] for j in scenario.get("joint_proposals", []))
        ),
        "first_year": float(min(years)) if years else float("nan"),
    }


def violations(spec: Problem, scenario: dict, inputs, start: int, end: int) -> dict[str, float]:
    """Each constraint's violation (> 0: violated, by how much), and ``valid_scenario`` (1 when
    the scenario validator refuses the candidate, e.g. an end year before its start)."""
    q = quantities(scenario)
    out = {}
    for c in spec.constraints:
        value = q[c.quantity]
        excess = 0.0
        if c.max is not None:
            excess = max(excess, value - c.max)
        if c.min is not None:
            excess = max(excess, c.min - value)
        out[f"{c.quantity}"] = float(excess) if np.isfinite(value) else 0.0
    try:
        validate_scenario(scenario, inputs, start, end)
        out["valid_scenario"] = 0.0
    except ValueError:
        out["valid_scenario"] = 1.0
    return out


def refusal(scenario: dict, inputs, start: int, end: int) -> str | None:
    """The scenario validator's message for a candidate, or None when it is valid."""
    try:
        validate_scenario(scenario, inputs, start, end)
    except ValueError as err:
        return str(err)
    return None


# ---- checks of the levers against the base scenario ----


def check_levers(spec: Problem, base: dict, inputs) -> list[str]:
    """Problems of the levers against the base scenario: each target must exist and fit its
    kind, and every end of its domain (each choice, each place) must give a valid scenario."""
    problems = []
    start, end = int(base["years"]["start"]), int(base["years"]["end"])
    scenario = base["scenario"]
    for i, lever in enumerate(spec.levers):
        where = f"levers[{i}]"
        try:
            parts = parse_target(str(lever.target))
        except ValueError as err:
            problems.append(f"{where}.target: {err}")
            continue
        if parts["list"] is not None:
            try:
                item = _item(scenario, parts)
            except KeyError:
                names = [x["name"] for x in scenario[parts["list"]]]
                problems.append(
                    f"{where}.target: the base scenario {spec.base_scenario!r} has no "
                    f"{parts['list']} item named {parts['item']!r}"
                    + (f"; it has {', '.join(map(repr, names))}" if names else "")
                )
                continue
            if parts.get("stage") is not None and int(parts["stage"]) >= len(item["stages"]):
                problems.append(
                    f"{where}.target: {parts['item']!r} has {len(item['stages'])} stages; "
                    f"stage {parts['stage']} does not exist"
                )
                continue
            if parts["field"] == "stages" and lever.kind == "shares" and not item["stages"]:
                problems.append(
                    f"{where}.target: {parts['item']!r} has no explicit stages to split"
                )
                continue
        kind = _kind_problem(lever, parts)
        if kind:
            problems.append(f"{where}.{kind}")
            continue
        problems += _domain_problems(spec, lever, where, scenario, inputs, start, end)
    return problems


def _domain_problems(spec, lever, where, scenario, inputs, start, end) -> list[str]:
    """Each end of the lever's domain applied alone to the base scenario must be valid."""
    if lever.kind in ("int", "float"):
        trials = [("low", lever.low), ("high", lever.high)]
    elif lever.kind == "choice":
        trials = [("choices", c) for c in lever.choices]
    else:
        trials = []
        for j, place in enumerate(lever.choices):
            one_hot = [1.0 if k == j else 0.0 for k in range(len(lever.choices))]
            trials.append((f"choices ({place})", one_hot))
    problems = []
    others = [x for x in spec.levers if x is not lever]
    for key, value in trials:
        try:
            changed = candidate_scenario(scenario, [lever], {lever.name: value}, "check")
        except (KeyError, IndexError, TypeError, ValueError) as err:
            problems.append(f"{where}.{key}: {value!r} cannot be applied ({err})")
            continue
        message = refusal(changed, inputs, start, end)
        if message is None:
            continue
        # A value may need another lever to be valid (an end year needs its start year);
        # only a problem that the value causes by itself is reported.
        base_message = refusal(scenario, inputs, start, end)
        new = [line for line in message.splitlines() if line not in (base_message or "")]
        relevant = [line for line in new if not _depends_on_others(line, others)]
        if relevant:
            problems.append(f"{where}.{key}: {value!r} is not allowed: {relevant[0]}")
    return problems


def _depends_on_others(line: str, others: list[Lever]) -> bool:
    fields = {
        parse_target(str(x.target)).get("field") for x in others if TARGET.fullmatch(str(x.target))
    }
    return any(f and f in line for f in fields)
