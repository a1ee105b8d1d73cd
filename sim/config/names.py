"""Names people read: the titles and descriptions of scenarios, interventions, goals and indicators.

Identifiers (``culture_hub``, ``housing_queue``) name things in configs, command lines and result
coordinates; reports show titles instead, in the report's language. Each thing has a title and a
one-sentence description in English and Swedish:

- scenarios and their interventions in the scenario files (``title``, ``title_sv``,
  ``description``, ``description_sv``; :mod:`sim.config.scenario`), checked by
  :func:`sim.config.validate.validate_scenario`;
- goals in ``configs/goals/<region>.yaml`` (``label`` is the goal's title, then ``label_sv``,
  ``description``, ``description_sv``), checked by :func:`sim.analysis.goals.load_goals`;
- indicators in ``configs/indicators.yaml`` (with their units), loaded and checked here: one entry
  for every indicator of :data:`sim.analysis.compare.INDICATORS` (a test checks that the two
  lists agree).

Examples
--------
>>> names = indicator_names()
>>> names["housing_queue"].title_in("sv")
'Bostadskö (hushåll)'
>>> missing_names({"title": "Concert hall", "title_sv": " "})
['title_sv', 'description', 'description_sv']
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sim.config.params import ConfigError
from sim.paths import CONFIG_DIR

NAME_FIELDS = ("title", "title_sv", "description", "description_sv")
"""The names every scenario, intervention and indicator has, in English and Swedish."""

INDICATORS_FILE = CONFIG_DIR / "indicators.yaml"
INDICATOR_NAMES_WHY = (
    "every indicator needs a title and a description in English and Swedish (title, title_sv, "
    "description, description_sv) and its units"
)


def missing_names(entry: Mapping[str, Any], keys: Sequence[str] = NAME_FIELDS) -> list[str]:
    """The keys of ``keys`` that ``entry`` lacks, leaves blank or leaves as OmegaConf's
    missing value ``???``."""
    out = []
    for key in keys:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip() or value == "???":
            out.append(key)
    return out


def name_problems(
    entry: Mapping[str, Any], path: str, why: str, keys: Sequence[str] = NAME_FIELDS
) -> list[str]:
    """One message per missing name: ``<path>.<key>: missing; <why>``."""
    return [f"{path}.{key}: missing; {why}" for key in missing_names(entry, keys)]


@dataclass(frozen=True)
class IndicatorName:
    """An indicator's title (as tables and charts show it, with its unit where the reader needs
    one) and one-sentence description in English and Swedish, and the units of its values."""

    title: str
    title_sv: str
    description: str
    description_sv: str
    units: str  # as computed: the units of sim.analysis.compare.INDICATORS

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (Swedish for 'sv', English otherwise)."""
        return self.title_sv if lang == "sv" else self.title

    def description_in(self, lang: str) -> str:
        return self.description_sv if lang == "sv" else self.description


def load_indicator_names(path: str | Path = INDICATORS_FILE) -> dict[str, IndicatorName]:
    """The indicators' names from ``path``, by indicator, in the file's order.

    Raises
    ------
    ConfigError
        If the file cannot be read, or for each entry that lacks a name or its units or has an
        unknown key, one line per problem naming the field, e.g.
        ``indicators.yaml: indicators.jobs.title_sv: missing; every indicator needs ...``.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read ({err.strerror or err})") from None
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: is not UTF-8 YAML ({str(err).splitlines()[0]})") from None
    entries = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(
            f"{path.name}: indicators: missing; give a mapping of each indicator's name to its "
            "title, title_sv, description, description_sv and units"
        )
    keys = tuple(f.name for f in fields(IndicatorName))
    problems, out = [], {}
    for name, entry in entries.items():
        where = f"{path.name}: indicators.{name}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: is not a mapping; {INDICATOR_NAMES_WHY}")
            continue
        problems += [
            f"{where}.{key}: unknown key; use {', '.join(keys)}" for key in entry if key not in keys
        ]
        lacking = name_problems(entry, where, INDICATOR_NAMES_WHY, keys)
        problems += lacking
        if not lacking:
            out[str(name)] = IndicatorName(**{key: str(entry[key]).strip() for key in keys})
    if problems:
        raise ConfigError("\n".join(problems))
    return out


@functools.cache
def indicator_names() -> dict[str, IndicatorName]:
    """The shipped indicators' names (``configs/indicators.yaml``), read once."""
    return load_indicator_names(INDICATORS_FILE)
