"""What a region is made of: its name, municipalities, base year and population trend period.

Given on the command line (``sim region build NAME --municipalities 0580,0583 --base-year
2024``) or in a YAML file (``--spec FILE``) with the same keys::

    name: la_linkoping
    municipalities: ["0580", "0583", "0586", "0513", "0561"]
    base_year: 2024
    trend: [2019, 2024]      # optional: the years of the mean growth rate (default base-5..base)
    externals: 5             # optional: how many external labour markets to keep

The fetch stage stores it as ``region.yaml`` beside the responses, so that the build reads
everything it needs from that folder.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from sim.config.compose import REGION_NAME
from sim.io.inputs import BASE_YEAR_RANGE, InputError

MUNICIPALITY_CODE = re.compile(r"\d{4}")
FIRST_OFFICIAL_YEAR = 1968  # SCB's population tables by municipality start in 1968 (TAB638)
LAST_OFFICIAL_YEAR = 2025  # the latest year of the tables this builder knows
TREND_YEARS = 5
MAX_EXTERNALS = 10

# Codes that SCB replaced (Ändringar i kommunindelningen efter 1974, SCB): asking for the old
# code gets a message with the new one. In 1997-98 every code of Skåne (12xx) and Västra
# Götaland (14xx, 15xx, 16xx) was renumbered as the counties merged; those are not listed.
REPLACED_CODES = {"1917": ("0331", "Heby moved to Uppsala län in 2007 and became 0331")}


@dataclass(frozen=True)
class RegionSpec:
    """A region to fetch and build (see the module docstring)."""

    name: str
    municipalities: tuple[str, ...]
    base_year: int
    trend: tuple[int, int]
    externals: int = 5

    def to_yaml(self) -> str:
        data = asdict(self)
        data["municipalities"] = list(self.municipalities)
        data["trend"] = list(self.trend)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def make_spec(
    name: str,
    municipalities: str | list | tuple,
    base_year: int | str = 2024,
    trend: list | tuple | str | None = None,
    externals: int | str = 5,
    where: str = "",
) -> RegionSpec:
    """A checked :class:`RegionSpec`; :class:`InputError` names the field and what is allowed."""
    at = f"{where}: " if where else ""
    problems = []
    if not isinstance(name, str) or not REGION_NAME.fullmatch(name):
        problems.append(
            f"{at}name: {str(name)[:40]!r} is not allowed; use 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit (it becomes the folder inputs/<name>)"
        )
    if isinstance(municipalities, str):
        codes = municipalities.split(",")
    elif isinstance(municipalities, list | tuple):
        codes = municipalities
    else:  # e.g. YAML read 0580 as the number 580
        codes = [str(municipalities)] if municipalities is not None else []
    codes = [str(c).strip() for c in codes]
    if not codes or codes == [""]:
        problems.append(f"{at}municipalities: none given; list SCB's 4-digit municipality codes")
    for code in codes:
        if code in REPLACED_CODES:
            new, why = REPLACED_CODES[code]
            problems.append(f"{at}municipalities: {code} is an old code ({why}); use {new}")
        elif not MUNICIPALITY_CODE.fullmatch(code) or code.startswith("00"):
            problems.append(
                f"{at}municipalities: {code[:20]!r} is not a municipality code; use SCB's "
                "4-digit codes such as 0580 (Linköping) or 1496 (Skövde)"
            )
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        problems.append(f"{at}municipalities: {', '.join(duplicates)} given more than once")
    year = _integer(base_year)
    first_base = max(BASE_YEAR_RANGE[0], FIRST_OFFICIAL_YEAR + TREND_YEARS)
    if year is None or not first_base <= year <= LAST_OFFICIAL_YEAR:
        problems.append(
            f"{at}base_year: {base_year!r} is not allowed; use a year from {first_base} to "
            f"{LAST_OFFICIAL_YEAR} (SCB's population by municipality starts in "
            f"{FIRST_OFFICIAL_YEAR})"
        )
        year = LAST_OFFICIAL_YEAR
    if trend is None:
        span = (year - TREND_YEARS, year)
    else:
        if isinstance(trend, str):
            parts = trend.split(",")
        else:
            parts = list(trend) if isinstance(trend, list | tuple) else [trend]
        span = tuple(_integer(p) for p in parts)
        if len(span) != 2 or None in span or not FIRST_OFFICIAL_YEAR <= span[0] < span[1] <= year:
            problems.append(
                f"{at}trend: {trend!r} is not allowed; give two years FIRST,LAST with "
                f"{FIRST_OFFICIAL_YEAR} <= FIRST < LAST <= the base year ({year})"
            )
            span = (year - TREND_YEARS, year)
    n_ext = _integer(externals)
    if n_ext is None or not 0 <= n_ext <= MAX_EXTERNALS:
        problems.append(
            f"{at}externals: {externals!r} is not allowed; use 0 to {MAX_EXTERNALS} external "
            "labour markets"
        )
        n_ext = 5
    if problems:
        raise InputError(problems)
    return RegionSpec(name, tuple(codes), year, (int(span[0]), int(span[1])), n_ext)


def read_spec(path: Path) -> RegionSpec:
    """A spec from a YAML file (see the module docstring)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such region spec file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0]
        raise InputError(f"{path}: not a UTF-8 YAML file ({first})") from None
    allowed = {"name", "municipalities", "base_year", "trend", "externals"}
    if not isinstance(data, dict):
        raise InputError(f"{path}: must be a mapping with keys {', '.join(sorted(allowed))}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError(
            f"{path}: {unknown[0]}: unknown key; allowed are {', '.join(sorted(allowed))}"
        )
    return make_spec(
        data.get("name", ""),
        data.get("municipalities") or "",
        data.get("base_year", 2024),
        data.get("trend"),
        data.get("externals", 5),
        where=str(path),
    )


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None
