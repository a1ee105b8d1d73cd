"""Check a scenario against a region and a horizon before anything is simulated.

OmegaConf has already checked the scenario's keys and value types against
:mod:`sim.config.scenario`; :func:`validate_scenario` checks the values: that municipalities,
sectors and facility types exist, that counts and amounts lie in their ranges, that every
intervention falls in a simulated year and that phasing and governance settings are complete and
consistent, and that the scenario and each intervention have the names people read (a title and a
description in English and Swedish, :data:`sim.config.names.NAME_FIELDS`). All problems are
collected and raised together as one :class:`ScenarioError`, one per line, each starting with the
config path of the field (an intervention's names by its name), for example::

    scenario.establishments[0].municipality: 'Skovde' is not a municipality of region skaraborg;
    did you mean 'Skövde'?
    scenario.cultural_investments[Skövde concert hall].title_sv: missing; every scenario and
    intervention needs a title and a description in English and Swedish (title, title_sv,
    description, description_sv)

The names are required of every scenario, whether a file (shipped, or a user's) or built in code:
whatever runs may end up in a report. Tests that build scenarios inline fill made-up names with
``tests.helpers.titled``.

Years: ``start_year`` is the base year (the synthetic population's year, in which nothing
happens), so interventions must lie in ``start_year + 1 .. end_year``.

Examples
--------
>>> from omegaconf import OmegaConf
>>> from sim.io.inputs import load_region
>>> from sim.config.scenario import Scenario
>>> region = load_region("skaraborg")
>>> names = {"title": "x", "title_sv": "x", "description": "x.", "description_sv": "x."}
>>> scenario = OmegaConf.merge(
...     OmegaConf.structured(Scenario),
...     {**names, "establishments": [{**names, "name": "x", "municipality": "Skovde",
...                                   "sector": "manufacturing", "jobs": 100,
...                                   "opening_year": 2026}]},
... )
>>> try:
...     validate_scenario(scenario, region, 2024, 2030)
... except ScenarioError as err:
...     print(err)
scenario.establishments[0].municipality: 'Skovde' is not a municipality of region skaraborg; \
did you mean 'Skövde'?
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.domains import Number
from sim.config.domains import fmt as _fmt
from sim.config.names import name_problems
from sim.config.params import ConfigError
from sim.config.scenario import GOVERNANCE_MODES, PHASING_RULES, Scenario
from sim.io.inputs import DWELLING_TYPES, FACILITY_TYPES, SECTORS, RegionInputs

TAX_RATE_RANGE = (10.0, 35.0)
# Upper limits of scenario sizes, checked before anything runs so that a mistyped value cannot
# exhaust memory or time. Each is far above the region's scale: Skaraborg has about 115,000 jobs,
# 125,000 dwellings and cultural facilities of at most a few thousand places.
LIMITS = {
    "jobs": 100_000,  # positions of one establishment
    "dwellings": 100_000,  # of one dwelling type in a programme, a stage or a release
    "places": 100_000,  # capacity of one facility
    "msek": 100_000,  # one investment, a yearly operating cost or a yearly joint budget
    "msek_per_dwelling": 1_000,
    "years": 50,  # ramp-up and build years
}
"""Allowed municipal tax rates of a policy, percent (inclusive)."""

INTERVENTION_LISTS = (
    "establishments",
    "housing_programmes",
    "cultural_investments",
    "joint_proposals",
)
"""The scenario lists whose entries carry a ``name`` (unique across the whole scenario) and the
names people read (``title``, ``title_sv``, ``description``, ``description_sv``)."""
NAMES_WHY = (
    "every scenario and intervention needs a title and a description in English and Swedish "
    "(title, title_sv, description, description_sv)"
)

_MISSING = "???"


class ScenarioError(ConfigError):
    """A scenario that does not fit its region or horizon.

    Parameters
    ----------
    problems : sequence of str or str
        One message per problem; each starts with the config path of the field.

    Attributes
    ----------
    problems : list of str
        The individual problem messages; the error's message is them joined by newlines.
    """

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# --- Municipalities ------------------------------------------------------------------------------
def _fold(text: str) -> str:
    """``text`` without accents and case, for forgiving comparisons ('SKÖVDE' -> 'skovde')."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _suggestions(value: str, choices: Sequence[str]) -> list[str]:
    """Entries of ``choices`` close to ``value``, exactly and after folding accents and case."""
    folded = {}
    for choice in choices:
        folded.setdefault(_fold(choice), choice)
    if _fold(value) in folded:
        return [folded[_fold(value)]]
    found = difflib.get_close_matches(value, choices, n=3)
    found += [folded[f] for f in difflib.get_close_matches(_fold(value), list(folded), n=3)]
    return list(dict.fromkeys(found))[:3]


def _did_you_mean(suggestions: Sequence[str]) -> str:
    return "did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?"


def municipality_index(value: str, inputs: RegionInputs, path: str) -> int:
    """Index of a municipality given by name or SCB code, in the order of ``inputs.codes``.

    Parameters
    ----------
    value : str
        A municipality name exactly as in the region's inputs (``"Skövde"``) or its 4-digit SCB
        code (``"1496"``).
    inputs : RegionInputs
        The region whose municipalities are allowed.
    path : str
        Config path of the field, used to start the error message.

    Returns
    -------
    int
        Position of the municipality in ``inputs.codes`` (and ``inputs.names``).

    Raises
    ------
    ScenarioError
        If ``value`` is neither; the message suggests close names (ignoring accents and case) or
        lists the valid names.

    Examples
    --------
    >>> from sim.io.inputs import load_region
    >>> region = load_region("skaraborg")
    >>> municipality_index("Skövde", region, "x") == municipality_index("1496", region, "x")
    True
    """
    text = str(value)
    names, codes = list(inputs.names), list(inputs.codes)
    if text in names:
        return names.index(text)
    if text in codes:
        return codes.index(text)
    message = f"{path}: {text!r} is not a municipality of region {inputs.name}; "
    suggestions = _suggestions(text, names)
    if suggestions:
        message += _did_you_mean(suggestions)
    elif text.strip().isdigit():
        message += f"use one of the SCB codes {', '.join(codes)}"
    else:
        message += f"use one of {', '.join(names)} (or its 4-digit SCB code)"
    raise ScenarioError(message)


# --- The checker ---------------------------------------------------------------------------------
class _Checker:
    """Collects the problems of one scenario; each ``check_*`` method adds to ``problems``."""

    def __init__(self, inputs: RegionInputs, start_year: int, end_year: int, prefix: str) -> None:
        self.inputs = inputs
        self.first_year = start_year + 1
        self.base_year = start_year
        self.end_year = end_year
        self.prefix = prefix
        self.problems: list[str] = []
        self.names: dict[str, str] = {}  # intervention name -> config path of its first use

    # -- generic field checks: each adds a problem when the value is not allowed ------------------
    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def required(self, entry: Mapping[str, Any], key: str, path: str) -> Any:
        """The value of a mandatory field, or None (with a problem) if it is missing."""
        value = entry.get(key, _MISSING)
        if value is None or (isinstance(value, str) and value == _MISSING):
            self.add(f"{path}.{key}", "is required but missing")
            return None
        return value

    def optional(self, entry: Mapping[str, Any], key: str) -> Any:
        value = entry.get(key)
        return None if isinstance(value, str) and value == _MISSING else value

    def number(
        self,
        value: Any,
        path: str,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        high_open: bool = False,
        what: str | None = None,
    ) -> bool:
        """Whether ``value`` is a finite number in the range; otherwise add a problem.

        ``what`` names the value in the message (default: the last part of ``path``).
        """
        if value is None:
            return False
        what = what or path.rsplit(".", 1)[-1]
        if isinstance(value, float) and not math.isfinite(value):
            self.add(path, f"{value} is not allowed; {what} must be a finite number")
            return False
        ok = True
        if low is not None:
            ok = value > low if low_open else value >= low
        if ok and high is not None:
            ok = value < high if high_open else value <= high
        if ok:
            return True
        interval = Number(
            -math.inf if low is None else low,
            math.inf if high is None else high,
            low_open,
            high_open,
        )
        self.add(path, f"{_fmt(value)} is not allowed; {what} must be {interval.bounds()}")
        return False

    def at_most(self, value: Any, path: str, limit: float, unit: str) -> None:
        """Add a problem if ``value`` (a number) exceeds an upper limit (see ``LIMITS``)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > limit:
            self.add(
                path,
                f"{_fmt(value)} is not allowed; use at most {_fmt(limit)} {unit} (a limit that "
                "keeps a run within memory and time)",
            )

    def year(self, value: Any, path: str) -> bool:
        """Whether ``value`` is a simulated year; otherwise add a problem."""
        if value is None:
            return False
        if self.first_year <= value <= self.end_year:
            return True
        note = (
            f" ({self.base_year} is the base year, in which nothing happens)"
            if value == self.base_year
            else ""
        )
        self.add(
            path,
            f"{value} is not a simulated year{note}; use a year from {self.first_year} to "
            f"{self.end_year} (years.end)",
        )
        return False

    def municipality(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        try:
            return municipality_index(value, self.inputs, path)
        except ScenarioError as err:
            self.problems.extend(err.problems)
            return None

    def choice(self, value: Any, allowed: Sequence[str], path: str, what: str) -> bool:
        if value is None:
            return False
        if value in allowed:
            return True
        message = f"{value!r} is not a known {what}; "
        suggestions = _suggestions(str(value), allowed)
        if suggestions:
            message += _did_you_mean(suggestions) + " Use one of "
        else:
            message += "use one of "
        message += ", ".join(allowed)
        self.add(path, message)
        return False

    def facility_type(self, entry: Mapping[str, Any], path: str) -> None:
        kind = self.required(entry, "facility_type", path)
        weight = self.optional(entry, "type_weight")
        if weight is not None:
            self.number(weight, f"{path}.type_weight", low=0, low_open=True)
        if kind is None:
            return
        if not str(kind).strip():
            self.add(f"{path}.facility_type", "is empty; name a facility type")
        elif kind not in FACILITY_TYPES and weight is None:
            message = f"{kind!r} is not a known facility type; "
            suggestions = _suggestions(str(kind), FACILITY_TYPES)
            message += (_did_you_mean(suggestions) + " Use") if suggestions else "use"
            message += (
                f" one of {', '.join(FACILITY_TYPES)}; a user-defined type needs type_weight (> 0)"
            )
            self.add(f"{path}.facility_type", message)

    # -- interventions ----------------------------------------------------------------------------
    def check_establishment(self, e: Mapping[str, Any], path: str) -> None:
        self.municipality(self.required(e, "municipality", path), f"{path}.municipality")
        sector = self.required(e, "sector", path)
        self.choice(sector, SECTORS, f"{path}.sector", "sector")
        self.number(self.required(e, "jobs", path), f"{path}.jobs", low=0, low_open=True)
        self.at_most(e.get("jobs"), f"{path}.jobs", LIMITS["jobs"], "jobs")
        opening = self.required(e, "opening_year", path)
        self.year(opening, f"{path}.opening_year")
        self.number(e.get("ramp_up_years"), f"{path}.ramp_up_years", low=1)
        self.at_most(e.get("ramp_up_years"), f"{path}.ramp_up_years", LIMITS["years"], "years")
        profile = self.optional(e, "ramp_up_profile")
        if profile is not None:
            self.ramp_up_profile(list(profile), f"{path}.ramp_up_profile")
        self.number(e.get("wage_level"), f"{path}.wage_level", low=0, low_open=True)
        closure = self.optional(e, "closure_year")
        if closure is not None and opening is not None and closure <= opening:
            self.add(
                f"{path}.closure_year",
                f"{closure} is not after opening_year ({opening}); close in a later year or "
                "remove closure_year",
            )

    def ramp_up_profile(self, profile: list[float], path: str) -> None:
        if not profile:
            self.add(path, "is empty; give the share of jobs reached in each year, ending at 1.0")
            return
        for i, share in enumerate(profile):
            self.number(share, f"{path}[{i}]", low=0, high=1, low_open=True, what="a share")
        if any(b < a for a, b in zip(profile, profile[1:], strict=False)):
            self.add(path, f"{_fmt_list(profile)} decreases; shares must not decrease")
        if not math.isclose(profile[-1], 1.0, abs_tol=1e-9):
            self.add(path, f"{_fmt_list(profile)} ends at {_fmt(profile[-1])}; it must end at 1.0")

    def check_housing(self, h: Mapping[str, Any], path: str) -> None:
        self.municipality(self.required(h, "municipality", path), f"{path}.municipality")
        mix = h.get("dwellings") or {}
        counts = {t: mix.get(t, 0) for t in DWELLING_TYPES}
        counts_ok = True
        for kind, count in counts.items():
            counts_ok &= self.number(count, f"{path}.dwellings.{kind}", low=0)
            self.at_most(count, f"{path}.dwellings.{kind}", LIMITS["dwellings"], "dwellings")
        total = sum(counts.values()) if counts_ok else None
        if total is not None and total <= 0:
            self.add(
                f"{path}.dwellings",
                f"the programme has no dwellings; give at least one of {', '.join(DWELLING_TYPES)}"
                " > 0",
            )
        self.number(h.get("cost_per_dwelling_msek"), f"{path}.cost_per_dwelling_msek", low=0)
        self.at_most(
            h.get("cost_per_dwelling_msek"),
            f"{path}.cost_per_dwelling_msek",
            LIMITS["msek_per_dwelling"],
            "MSEK per dwelling",
        )
        self.number(h.get("municipal_share"), f"{path}.municipal_share", low=0, high=1)
        phasing = h.get("phasing")
        if not self.choice(phasing, PHASING_RULES, f"{path}.phasing", "phasing rule"):
            return
        stages = list(h.get("stages") or [])
        start, end = self.optional(h, "start_year"), self.optional(h, "end_year")
        if h.get("hold_vacancy") is not None:
            self.number(
                h.get("hold_vacancy"),
                f"{path}.hold_vacancy",
                low=0,
                high=1,
                low_open=True,
                high_open=True,
                what="a share of dwellings",
            )
        if phasing == "explicit":
            self.explicit_stages(stages, total, f"{path}.stages")
            for key, value in (("start_year", start), ("end_year", end)):
                if value is not None:
                    self.add(
                        f"{path}.{key}",
                        "is not used with phasing 'explicit' (the stages give the years); "
                        "remove it",
                    )
            return
        if stages:
            self.add(
                f"{path}.stages",
                f"are only used with phasing 'explicit', not {phasing!r}; remove them or set "
                "phasing: explicit",
            )
        for key, value in (("start_year", start), ("end_year", end)):
            if value is None:
                self.add(
                    f"{path}.{key}",
                    f"is required for phasing {phasing!r}; give a year from {self.first_year} to "
                    f"{self.end_year}",
                )
        start_ok = self.year(start, f"{path}.start_year")
        end_ok = self.year(end, f"{path}.end_year")
        if start_ok and end_ok and start > end:
            self.add(
                f"{path}.end_year",
                f"{end} is before start_year ({start}); end_year must be >= start_year",
            )
        if phasing == "demand_led":
            self.number(h.get("stage_size"), f"{path}.stage_size", low=0, low_open=True)
            self.at_most(
                h.get("stage_size"), f"{path}.stage_size", LIMITS["dwellings"], "dwellings"
            )
            self.number(
                h.get("queue_threshold"),
                f"{path}.queue_threshold",
                low=0,
                high=1,
                low_open=True,
                high_open=True,
                what="a share of households",
            )

    def explicit_stages(self, stages: list[Any], total: int | None, path: str) -> None:
        if not stages:
            self.add(
                path,
                "is empty; phasing 'explicit' needs stages (each a year and its dwellings)",
            )
            return
        stage_sum, sum_ok = 0, True
        for i, stage in enumerate(stages):
            where = f"{path}[{i}]"
            year = self.required(stage, "year", where)
            self.year(year, f"{where}.year")
            dwellings = self.required(stage, "dwellings", where)
            self.at_most(dwellings, f"{where}.dwellings", LIMITS["dwellings"], "dwellings")
            if self.number(dwellings, f"{where}.dwellings", low=0, low_open=True):
                stage_sum += dwellings
            else:
                sum_ok = False
        if sum_ok and total is not None and total > 0 and stage_sum != total:
            self.add(
                path,
                f"stages add up to {stage_sum} dwellings but the programme has {total}; "
                "they must be equal",
            )

    def check_facility(self, x: Mapping[str, Any], path: str, year_key: str) -> None:
        """The fields a cultural investment and a joint proposal share."""
        self.facility_type(x, path)
        self.number(self.required(x, "capacity", path), f"{path}.capacity", low=0, low_open=True)
        self.at_most(x.get("capacity"), f"{path}.capacity", LIMITS["places"], "places")
        for key in ("investment_msek", "operating_msek"):
            self.number(self.required(x, key, path), f"{path}.{key}", low=0)
            self.at_most(x.get(key), f"{path}.{key}", LIMITS["msek"], "MSEK")
        self.year(self.required(x, year_key, path), f"{path}.{year_key}")
        self.number(x.get("build_years"), f"{path}.build_years", low=0)
        self.at_most(x.get("build_years"), f"{path}.build_years", LIMITS["years"], "years")

    def municipality_list(self, values: Sequence[Any], path: str) -> dict[int, int]:
        """The known municipalities of a list, by index, with their first position; a problem
        for each unknown or repeated one."""
        found: dict[int, int] = {}
        for i, value in enumerate(values):
            where = f"{path}[{i}]"
            index = self.municipality(value, where)
            if index is None:
                continue
            if index in found:
                self.add(
                    where,
                    f"{value!r} ({self.inputs.names[index]}) is listed twice (also "
                    f"{path.rsplit('.', 1)[-1]}[{found[index]}]); list each municipality once",
                )
            else:
                found[index] = i
        return found

    def check_nao(self, scenario: Mapping[str, Any]) -> None:
        """The network organisation: a budget when a proposal uses it, members who include every
        participant of its proposals, a reserve of at least 0."""
        budget = scenario.get("nao_budget_msek")
        budget_ok = self.number(budget, f"{self.prefix}.nao_budget_msek", low=0)
        self.at_most(budget, f"{self.prefix}.nao_budget_msek", LIMITS["msek"], "MSEK a year")
        reserve = scenario.get("nao_reserve_msek")
        self.number(reserve, f"{self.prefix}.nao_reserve_msek", low=0)
        self.at_most(reserve, f"{self.prefix}.nao_reserve_msek", LIMITS["msek"], "MSEK")
        nao = {
            i: j
            for i, j in enumerate(scenario.get("joint_proposals") or [])
            if isinstance(j, Mapping) and j.get("governance") == "nao"
        }
        paths = [f"{self.prefix}.joint_proposals[{i}]" for i in nao]
        if nao and budget_ok and budget <= 0:
            self.add(
                f"{self.prefix}.nao_budget_msek",
                f"{_fmt(budget)} is not allowed; {' and '.join(paths)} "
                f"{'uses' if len(paths) == 1 else 'use'} governance 'nao', which needs a yearly "
                "joint budget > 0 (MSEK)",
            )
        listed = scenario.get("nao_members") or []
        if not listed:
            return
        if not nao:
            self.add(
                f"{self.prefix}.nao_members",
                "names members of a network organisation, but no joint proposal uses governance "
                "'nao'; remove nao_members or set a proposal's governance to nao",
            )
            return
        members = self.municipality_list(listed, f"{self.prefix}.nao_members")
        if len(members) < len(listed):
            return  # unknown or repeated members are reported above
        for i, j in nao.items():
            for k, value in enumerate(j.get("participants") or []):
                try:
                    index = municipality_index(value, self.inputs, "")
                except ScenarioError:
                    continue  # reported with the proposal
                if index not in members:
                    self.add(
                        f"{self.prefix}.joint_proposals[{i}].participants[{k}]",
                        f"{self.inputs.names[index]} is not among nao_members; the network "
                        "organisation funds its members' proposals: add it to nao_members",
                    )

    def check_cultural(self, c: Mapping[str, Any], path: str) -> None:
        self.municipality(self.required(c, "municipality", path), f"{path}.municipality")
        self.check_facility(c, path, "opening_year")

    def check_joint(self, j: Mapping[str, Any], path: str) -> None:
        location = self.municipality(self.required(j, "location", path), f"{path}.location")
        participants = self.required(j, "participants", path)
        members: dict[int, int] = {}  # municipality index -> first position in participants
        if participants is not None:
            if not participants:
                self.add(
                    f"{path}.participants",
                    "is empty; list the participating municipalities (the location among them)",
                )
            members = self.municipality_list(participants, f"{path}.participants")
            all_known = participants and _count_unknown(participants, self.inputs) == 0
            if location is not None and all_known and location not in members:
                self.add(
                    f"{path}.location",
                    f"{self.inputs.names[location]} is not among the participants; the host "
                    "municipality must participate",
                )
        governance = self.required(j, "governance", path)
        self.choice(governance, GOVERNANCE_MODES, f"{path}.governance", "governance mode")
        lead = self.optional(j, "lead")
        if governance == "lead":
            if lead is None:
                self.add(
                    f"{path}.lead",
                    "is required for governance 'lead'; name the lead municipality (a participant)",
                )
            else:
                index = self.municipality(lead, f"{path}.lead")
                if index is not None and participants and index not in members:
                    self.add(
                        f"{path}.lead",
                        f"{self.inputs.names[index]} is not among the participants; the lead "
                        "must be a participant",
                    )
                elif index is not None and set(members) == {index}:
                    self.add(
                        f"{path}.participants",
                        f"lists only the lead ({self.inputs.names[index]}); governance 'lead' "
                        "needs other participants to share the rest of the costs (1 - lead_share)",
                    )
        elif lead is not None and governance in GOVERNANCE_MODES:
            self.add(
                f"{path}.lead",
                f"is only used with governance 'lead', not {governance!r}; remove it or set "
                "governance: lead",
            )
        self.number(
            j.get("lead_share"),
            f"{path}.lead_share",
            low=0,
            high=1,
            low_open=True,
            high_open=True,
            what="a share of costs",
        )
        self.check_facility(j, path, "earliest_year")

    def check_policy(self, p: Mapping[str, Any], path: str) -> None:
        self.municipality(self.required(p, "municipality", path), f"{path}.municipality")
        self.year(self.required(p, "year", path), f"{path}.year")
        tax = self.optional(p, "tax_rate_pct")
        release = self.optional(p, "plan_reserve_release")
        if tax is None and release is None:
            self.add(path, "changes nothing; give tax_rate_pct and/or plan_reserve_release")
        low, high = TAX_RATE_RANGE
        self.number(tax, f"{path}.tax_rate_pct", low=low, high=high, what="a tax rate (percent)")
        self.number(release, f"{path}.plan_reserve_release", low=0, low_open=True)
        self.at_most(release, f"{path}.plan_reserve_release", LIMITS["dwellings"], "dwellings")

    def check_policy_conflicts(self, policies: list[Any], path: str) -> None:
        """Two tax rates for the same municipality and year contradict each other."""
        seen: dict[tuple[int, int], int] = {}
        for i, p in enumerate(policies):
            if not isinstance(p, Mapping) or self.optional(p, "tax_rate_pct") is None:
                continue
            try:
                muni = municipality_index(p.get("municipality"), self.inputs, "")
            except ScenarioError:
                continue
            key = (muni, p.get("year"))
            if key in seen:
                self.add(
                    f"{path}[{i}].tax_rate_pct",
                    f"a second tax rate for {self.inputs.names[muni]} in {p.get('year')} (also "
                    f"{path}[{seen[key]}]); set one tax rate per municipality and year",
                )
            else:
                seen[key] = i

    def check_name(self, entry: Mapping[str, Any], path: str) -> None:
        """An intervention's name is non-empty and not used by an earlier intervention."""
        name = self.required(entry, "name", path)
        if name is None:
            return
        if not str(name).strip():
            self.add(f"{path}.name", "is empty; give the intervention a name")
        elif name in self.names:
            self.add(
                f"{path}.name",
                f"{name!r} is already used by {self.names[name]}; intervention names must be "
                "unique",
            )
        else:
            self.names[name] = path

    def check_titles(self, entry: Mapping[str, Any], path: str) -> None:
        """The names people read: a title and a description in English and Swedish."""
        self.problems.extend(name_problems(entry, path, NAMES_WHY))

    def check(self, scenario: Mapping[str, Any]) -> None:
        self.check_titles(scenario, self.prefix)
        checks = {
            "establishments": self.check_establishment,
            "housing_programmes": self.check_housing,
            "cultural_investments": self.check_cultural,
            "joint_proposals": self.check_joint,
            "policies": self.check_policy,
        }
        for list_name, check in checks.items():
            entries = scenario.get(list_name) or []
            for i, entry in enumerate(entries):
                path = f"{self.prefix}.{list_name}[{i}]"
                if not isinstance(entry, Mapping):
                    self.add(path, "is empty; give the fields of the intervention")
                    continue
                if list_name in INTERVENTION_LISTS:
                    self.check_name(entry, path)
                    name = self.optional(entry, "name")
                    named = isinstance(name, str) and name.strip()
                    where = f"{self.prefix}.{list_name}[{name}]" if named else path
                    self.check_titles(entry, where)
                check(entry, path)
        self.check_policy_conflicts(list(scenario.get("policies") or []), f"{self.prefix}.policies")
        self.check_nao(scenario)


def _count_unknown(values: Sequence[Any], inputs: RegionInputs) -> int:
    known = set(inputs.names) | set(inputs.codes)
    return sum(1 for v in values if str(v) not in known)


def _fmt_list(values: Sequence[Any]) -> str:
    return "[" + ", ".join(_fmt(v) for v in values) + "]"


def validate_scenario(
    scenario: DictConfig | Mapping[str, Any],
    inputs: RegionInputs,
    start_year: int,
    end_year: int,
    prefix: str = "scenario",
) -> None:
    """Check every intervention of a scenario against the region and the simulated years.

    Parameters
    ----------
    scenario : DictConfig or mapping
        The scenario config (``cfg.scenario``), typed by :class:`sim.config.scenario.Scenario`. A
        plain mapping is merged onto that schema first.
    inputs : RegionInputs
        The region: its municipalities (names and SCB codes) are the allowed places.
    start_year : int
        The base year (``years.start``); nothing happens in it.
    end_year : int
        The last simulated year (``years.end``); interventions lie in ``start_year + 1 ..
        end_year`` (a closure may lie beyond it).
    prefix : str, default "scenario"
        Config path of the scenario, starting every message.

    Raises
    ------
    ScenarioError
        Listing every problem found, one per line, each starting with the field's config path.
    """
    try:
        if not isinstance(scenario, DictConfig):
            scenario = OmegaConf.merge(OmegaConf.structured(Scenario), scenario)
        plain = OmegaConf.to_container(scenario, resolve=True, throw_on_missing=False)
    except OmegaConfBaseException as err:
        raise ScenarioError(f"{prefix}: {err}") from None
    checker = _Checker(inputs, start_year, end_year, prefix)
    checker.check(plain)
    if checker.problems:
        raise ScenarioError(checker.problems)
