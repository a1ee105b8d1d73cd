"""A calibration spec: the free parameters, the targets and how to run the model for them.

A spec is one YAML file, ``configs/calibrate/NAME.yaml`` (or any path)::

    description: Labour market of Skaraborg, 2024       # one line
    overrides: ["years.end=2026"]                       # Hydra overrides for every run
    seeds: [0, 1, 2]                                    # replicates; targets compare their mean
    trials: 40                                          # Optuna trials (sim calibrate --trials)
    sampler_seed: 0                                     # seed of Optuna's TPE sampler
    parameters:                                         # free parameters: float leaves of params
      - {path: labour.separation_rate, low: 0.02, high: 0.12, log: false}
    targets:
      - indicator: unemployment_rate                    # sim.calibration.indicators.INDICATORS
        municipality: null                              # null: the region; else an SCB code
        year: 2024
        value: 0.065
        scale: 0.01                                     # an acceptable error
        source: "Arbetsförmedlingen: Skaraborg about 6-7 % in 2024"

:func:`load_spec` checks the file on its own (types, ranges, known indicators and parameters);
:func:`base_config` then composes the runs' config and checks the spec against it (start values
within the bounds, target years within the runs' years, municipalities of the region), so every
mistake is found before the first run. Each problem is one line naming its field.
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.calibration.indicators import INDICATORS
from sim.config.compose import MAX_SEED, compose_config, resolve_config
from sim.config.domains import DOMAINS
from sim.config.params import ConfigError, Params
from sim.io.inputs import load_region
from sim.paths import CONFIG_DIR

SPEC_DIR = CONFIG_DIR / "calibrate"
# The name becomes an output folder and a config option (calibrated=NAME): no separators.
SPEC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MAX_TRIALS = 10_000
MAX_SAMPLER_SEED = 2**32 - 1  # Optuna's TPESampler seeds numpy's RandomState
# The keys of a spec, of a parameter and of a target, in the order a spec is written; the optional
# ones have defaults: no overrides, a linear scale, the whole region.
SPEC_KEYS = ("description", "overrides", "seeds", "trials", "sampler_seed", "parameters", "targets")
PARAMETER_KEYS = ("path", "low", "high", "log")
TARGET_KEYS = ("indicator", "municipality", "year", "value", "scale", "source")
OPTIONAL_KEYS = ("overrides", "log", "municipality")


@dataclass(frozen=True)
class FreeParameter:
    """A float leaf of ``params`` (``labour.separation_rate``) and the bounds it is fitted in."""

    path: str
    low: float
    high: float
    log: bool = False


@dataclass(frozen=True)
class Target:
    """A value an indicator should take in an area and year, with the scale of an acceptable
    error and where the value comes from."""

    indicator: str
    municipality: str | None  # an SCB code; None for the whole region
    year: int
    value: float
    scale: float
    source: str

    @property
    def area(self) -> str:
        return self.municipality if self.municipality is not None else "region"


@dataclass(frozen=True)
class CalibrationSpec:
    name: str
    file: Path
    description: str
    overrides: tuple[str, ...]
    seeds: tuple[int, ...]
    trials: int
    sampler_seed: int
    parameters: tuple[FreeParameter, ...]
    targets: tuple[Target, ...]


def spec_file(name_or_path: str | Path) -> Path:
    """``configs/calibrate/<name>.yaml``, or the path itself when it names a ``.yaml`` file."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")):
        path = Path(text)
        if not path.is_file():
            raise ConfigError(f"sim calibrate: {path} is not a file")
    else:
        path = SPEC_DIR / f"{text}.yaml"
        if not SPEC_NAME.fullmatch(text) or not path.is_file():
            shipped = ", ".join(sorted(p.stem for p in SPEC_DIR.glob("*.yaml"))) or "none"
            raise ConfigError(
                f"sim calibrate: {text[:64]!r} is not a calibration spec; give a name of "
                f"configs/calibrate/ (shipped: {shipped}) or the path of a .yaml file"
            )
    if not SPEC_NAME.fullmatch(path.stem):
        raise ConfigError(
            f"sim calibrate: {path.name}: the file's name becomes the calibration's name; use 1-64 "
            "letters, digits, '_' or '-', starting with a letter or digit"
        )
    return path


def load_spec(name_or_path: str | Path) -> CalibrationSpec:
    """Read and check a calibration spec; raises :class:`ConfigError` listing every problem."""
    import yaml

    path = spec_file(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{path}: not valid YAML: {where}{problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a calibration spec is a mapping of {', '.join(SPEC_KEYS)}")
    problems: list[str] = []
    spec = _checked_spec(path, data, problems)
    if problems:
        raise ConfigError("\n".join(f"{path.name}: {problem}" for problem in problems))
    return spec


def _checked_spec(path: Path, data: dict, problems: list[str]) -> CalibrationSpec:
    """The spec of ``data``; every problem found is appended to ``problems``."""
    _check_keys("", data, SPEC_KEYS, problems)
    description = data.get("description")
    if "description" in data and not (
        isinstance(description, str) and description.strip() and "\n" not in description.strip()
    ):
        problems.append("description: use one line of text")
    overrides = data.get("overrides", [])
    if not isinstance(overrides, list):
        problems.append("overrides: use a list of Hydra overrides, e.g. ['years.end=2026']")
        overrides = []
    for i, override in enumerate(overrides):
        if not isinstance(override, str):
            problems.append(f"overrides[{i}]: {override!r} is not an override; use key=value text")
        elif override.lstrip("+~").split("=")[0] == "seed":
            problems.append(
                f"overrides[{i}]: {override!r} is not allowed; the runs' seeds are 'seeds'"
            )
    seeds = data.get("seeds", [])
    if "seeds" in data:
        if not isinstance(seeds, list) or not seeds:
            problems.append("seeds: use a non-empty list of integers, e.g. [0, 1, 2]")
            seeds = []
        for i, seed in enumerate(seeds):
            if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
                problems.append(
                    f"seeds[{i}]: {seed!r} is not allowed; use an integer from 0 to 2^63 - 1"
                )
        if len(set(map(repr, seeds))) != len(seeds):
            problems.append("seeds: a seed is repeated; replicates need distinct seeds")
    trials = data.get("trials")
    if "trials" in data and not (_is_int(trials) and 1 <= trials <= MAX_TRIALS):
        problems.append(
            f"trials: {trials!r} is not allowed; use an integer from 1 to {MAX_TRIALS:,}"
        )
    sampler_seed = data.get("sampler_seed")
    if "sampler_seed" in data and not (
        _is_int(sampler_seed) and 0 <= sampler_seed <= MAX_SAMPLER_SEED
    ):
        problems.append(
            f"sampler_seed: {sampler_seed!r} is not allowed; use an integer from 0 to 2^32 - 1"
        )
    parameters = _checked_list(data, "parameters", _checked_parameter, problems)
    paths = [p.path for p in parameters]
    for path_ in sorted({p for p in paths if paths.count(p) > 1}):
        problems.append(f"parameters: {path_} is given more than once")
    targets = _checked_list(data, "targets", _checked_target, problems)
    return CalibrationSpec(
        name=path.stem,
        file=path,
        description=str(description or "").strip(),
        overrides=tuple(o for o in overrides if isinstance(o, str)),
        seeds=tuple(seeds),
        trials=trials if _is_int(trials) else 0,
        sampler_seed=sampler_seed if _is_int(sampler_seed) else 0,
        parameters=tuple(parameters),
        targets=tuple(targets),
    )


def _checked_list(data: dict, key: str, check, problems: list[str]) -> list:
    items = data.get(key)
    if key not in data:
        return []
    if not isinstance(items, list) or not items:
        problems.append(f"{key}: use a non-empty list of mappings")
        return []
    checked = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: use a mapping")
            continue
        found = len(problems)
        value = check(where, item, problems)
        if len(problems) == found:
            checked.append(value)
    return checked


def _checked_parameter(where: str, item: dict, problems: list[str]) -> FreeParameter:
    _check_keys(where, item, PARAMETER_KEYS, problems)
    path = item.get("path")
    if "path" in item and path not in FLOAT_LEAVES:
        close = [leaf for leaf in FLOAT_LEAVES if str(path).split(".")[-1] == leaf.split(".")[-1]]
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        problems.append(
            f"{where}.path: {path!r} is not a parameter that can be fitted; use a float key under "
            f"params, written section.key (e.g. labour.separation_rate){hint}"
        )
    low, high = item.get("low"), item.get("high")
    for key, value in (("low", low), ("high", high)):
        if key in item and not _is_number(value):
            problems.append(f"{where}.{key}: {value!r} is not allowed; use a finite number")
    log = item.get("log", False)
    if not isinstance(log, bool):
        problems.append(f"{where}.log: {log!r} is not allowed; use true or false")
    if _is_number(low) and _is_number(high):
        if not low < high:
            problems.append(f"{where}: low ({low}) must be below high ({high})")
        elif log is True and low <= 0:
            problems.append(f"{where}.low: {low} is not allowed on a log scale; use a number > 0")
        domain = DOMAINS.get(path) if path in FLOAT_LEAVES else None
        for key, value in (("low", low), ("high", high)):
            problem = domain.problem(float(value)) if domain is not None else None
            if problem:
                problems.append(f"{where}.{key}: {problem} (the domain of params.{path})")
    return FreeParameter(str(path), _float(low), _float(high), log is True)


def _checked_target(where: str, item: dict, problems: list[str]) -> Target:
    _check_keys(where, item, TARGET_KEYS, problems)
    indicator = item.get("indicator")
    if "indicator" in item and indicator not in INDICATORS:
        problems.append(
            f"{where}.indicator: {indicator!r} is not an indicator; use one of: "
            + ", ".join(INDICATORS)
        )
    municipality = item.get("municipality")
    if municipality is not None and not isinstance(municipality, str):
        problems.append(
            f"{where}.municipality: {municipality!r} is not allowed; use an SCB code as quoted "
            "text (e.g. '1496'), or null for the whole region"
        )
    if municipality is None and indicator in INDICATORS and INDICATORS[indicator].municipality_only:
        problems.append(f"{where}.municipality: {indicator} needs a municipality (an SCB code)")
    year = item.get("year")
    if "year" in item and not _is_int(year):
        problems.append(f"{where}.year: {year!r} is not allowed; use a year, e.g. 2024")
    value = item.get("value")
    if "value" in item and not _is_number(value):
        problems.append(f"{where}.value: {value!r} is not allowed; use a finite number")
    scale = item.get("scale")
    if "scale" in item and not (_is_number(scale) and scale > 0):
        problems.append(
            f"{where}.scale: {scale!r} is not allowed; use a number > 0, the size of an "
            "acceptable error in the indicator's units"
        )
    source = item.get("source")
    if "source" in item and not (isinstance(source, str) and source.strip()):
        problems.append(f"{where}.source: say where the value comes from (text)")
    source = " ".join(str(source).split())  # one line: it goes into the report's comments
    return Target(str(indicator), municipality, year, _float(value), _float(scale), source)


def base_config(spec: CalibrationSpec) -> DictConfig:
    """The resolved config of the spec's runs (seed aside), after checking the spec against it:
    each parameter's start value lies within its bounds, each target's year within the runs'
    years and each municipality in the region. Loads the region's inputs; runs nothing."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    where = f"{spec.file.name}: overrides"
    try:
        cfg = resolve_config(compose_config(list(spec.overrides)))
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from None
    except (HydraException, OmegaConfBaseException) as err:
        detail = str(err).split("\nConfig search path:")[0].strip().splitlines()[0]
        raise ConfigError(f"{where}: {detail}") from None
    problems = []
    for i, parameter in enumerate(spec.parameters):
        start = float(OmegaConf.select(cfg.params, parameter.path))
        if not parameter.low <= start <= parameter.high:
            problems.append(
                f"parameters[{i}]: the start value of {parameter.path}, {start:g} (from the "
                f"config), is outside [{parameter.low:g}, {parameter.high:g}]; widen the bounds "
                "so the fit starts from the current value"
            )
    inputs = load_region(cfg.region.input_dir or cfg.region.name)
    first, last = cfg.years.start, cfg.years.end
    for i, target in enumerate(spec.targets):
        earliest = first + 1 if INDICATORS[target.indicator].after_first_year else first
        if not earliest <= target.year <= last:
            why = f" (it needs the year before, and the runs start in {first})" * (earliest > first)
            problems.append(
                f"targets[{i}].year: {target.year} is not allowed for {target.indicator}{why}; "
                f"use a year from {earliest} to {last} (the runs' last year is years.end, set "
                "in overrides)"
            )
        if target.municipality is not None and target.municipality not in inputs.codes:
            named = dict(zip(inputs.names, inputs.codes, strict=True)).get(target.municipality)
            hint = f"; {target.municipality}'s code is {named!r}" if named else ""
            problems.append(
                f"targets[{i}].municipality: {target.municipality!r} is not an SCB code of region "
                f"{inputs.name}{hint}"
            )
    if problems:
        raise ConfigError("\n".join(f"{spec.file.name}: {problem}" for problem in problems))
    return cfg


def _float_leaves(schema: type, prefix: str = "") -> tuple[str, ...]:
    """The dotted paths of the float fields of a dataclass schema, nested sections included."""
    hints = typing.get_type_hints(schema)
    leaves: list[str] = []
    for field in fields(schema):
        kind = hints[field.name]
        if is_dataclass(kind):
            leaves += _float_leaves(kind, f"{prefix}{field.name}.")
        elif kind is float:
            leaves.append(f"{prefix}{field.name}")
    return tuple(leaves)


FLOAT_LEAVES = _float_leaves(Params)


def _check_keys(where: str, data: dict, keys: tuple[str, ...], problems: list[str]) -> None:
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in keys:
            problems.append(f"{prefix}{key}: unknown key; allowed: {', '.join(keys)}")
    for key in keys:
        if key not in data and key not in OPTIONAL_KEYS:
            problems.append(f"{prefix}{key}: required")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _float(value: Any) -> float:
    return float(value) if _is_number(value) else math.nan
