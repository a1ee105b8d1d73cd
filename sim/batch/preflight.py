"""Check a ``sim run`` command line before anything runs or is written.

Hydra composes each run's config only when the run starts, and creates the sweep folder (with
``multirun.yaml``) before the first; a bad override in the tenth member of a sweep would be found
after nine runs were written. :func:`check_run_command` composes every member of the sweep the way
Hydra's basic sweeper will (the experiment's ``hydra.sweeper.params`` first, then the command
line, a later value of a key replacing an earlier one), resolves it against the typed schema and
validates its scenario against its region's inputs. All problems are reported together, each with
the members it concerns, and Hydra's own errors (a YAML syntax error, an unbalanced override, an
unknown config group or key) become one line naming the file, override or key.
"""

from __future__ import annotations

import argparse
import copy
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

from sim.config.compose import check_seed, resolve_config, unknown_key
from sim.config.domains import check_params
from sim.config.futures import apply_future
from sim.config.params import ConfigError, register_configs
from sim.config.validate import validate_scenario
from sim.io.atomic import unwritable
from sim.io.inputs import InputError, load_region_once
from sim.paths import CONFIG_DIR, user_config_dir

# Flags with which Hydra prints information instead of running: nothing to check.
INFO_FLAGS = ("help", "hydra_help", "cfg", "info", "shell_completion", "experimental_rerun")
MAX_PROBLEMS_SHOWN = 10
OUTPUT_FOLDERS = ("output_dir", "hydra.run.dir", "hydra.sweep.dir")
# A sweep's runs are listed in memory and each gets a folder; beyond this, split the study (a
# study of 30 scenarios x 1,000 replicates still fits).
MAX_SWEEP_RUNS = 100_000


def prepare_run_command(args: list[str]) -> tuple[list[str], int]:
    """``args`` with every future of a futures set swept (:func:`with_futures`) and its number of
    runs, checked (:func:`check_run_command`); each config is composed once for both."""
    parsed = _parse_command(args)
    if parsed is None:
        return args, 0
    with _hydra(parsed) as compose:
        args = _with_futures(args, parsed, compose)
        return args, _check(_parse_command(args), compose)


def check_run_command(args: list[str]) -> int:
    """Raise :class:`ConfigError` unless every run of ``sim run <args>`` is valid; returns the
    number of runs. Nothing is written."""
    parsed = _parse_command(args)
    if parsed is None:
        return 0
    with _hydra(parsed) as compose:
        return _check(parsed, compose)


def _parse_command(args: list[str]) -> argparse.Namespace | None:
    """Hydra's reading of a ``sim run`` command line; None for one that prints information."""
    from hydra._internal.utils import get_args_parser

    parsed, unknown = get_args_parser().parse_known_args(args)
    if unknown:
        raise ConfigError(f"sim run: unknown option {unknown[0]!r}; 'sim run --help' lists them")
    if any(getattr(parsed, flag, None) for flag in INFO_FLAGS):
        return None
    return parsed


def _check(parsed: argparse.Namespace, compose) -> int:
    overrides = _parse_overrides(parsed.overrides)
    plain = [o.input_line for o in overrides if not o.is_sweep_override()]
    for line in plain:
        key, _, value = line.lstrip("+").partition("=")
        if key in OUTPUT_FOLDERS and value not in ("", "null"):
            problem = unwritable(value, folder=True)
            if problem:
                raise ConfigError(f"{key}: {problem}")
    base = _compose(compose, plain, with_hydra=True)
    mode = OmegaConf.select(base, "hydra.mode")
    multirun = parsed.multirun or (mode is not None and mode.name == "MULTIRUN")
    if not multirun:
        if len(plain) < len(overrides):
            raise ConfigError(
                "sim run: a sweep override (a,b or range()) needs 'sim run -m' (multirun)"
            )
        jobs = [plain]
    else:
        jobs = _sweep_jobs(base, parsed.overrides)
    problems: dict[str, list[str]] = {}
    checked: dict[tuple[str, ...], list[str]] = {}
    futures_n: dict[tuple[str, ...], int] = {}
    for job in jobs:
        # Replicates differ only in their seed, futures in their future: compose and
        # validate each variant once (with all of its futures).
        variant = tuple(o for o in job if not o.startswith(("seed=", "future=")))
        if variant not in checked:
            checked[variant] = _check_job(compose, job, futures_n, variant)
        found = (
            checked[variant]
            or _seed_problem(job)
            or _future_problem(job, futures_n.get(variant, 0))
        )
        shown = " ".join(o for o in job if not o.lstrip("+~").startswith("hydra"))
        for problem in found:
            problems.setdefault(problem, []).append(shown or "the default config")
    if problems:
        raise ConfigError(_describe(problems, multirun))
    return len(jobs)


def with_futures(args: list[str]) -> list[str]:
    """``args`` with ``future=range(0,n)`` added when the sweep chooses a futures set of ``n``
    futures and does not say which futures to run itself, so that every future is run."""
    from hydra._internal.utils import get_args_parser

    parsed, unknown = get_args_parser().parse_known_args(args)
    if unknown or any(getattr(parsed, flag, None) for flag in INFO_FLAGS):
        return args  # check_run_command reports it, or there is nothing to run
    with _hydra(parsed) as compose:
        return _with_futures(args, parsed, compose)


def _with_futures(args: list[str], parsed: argparse.Namespace, compose) -> list[str]:
    overrides = _parse_overrides(parsed.overrides)
    if any(o.get_key_element() == "future" for o in overrides):
        return args
    plain = [o.input_line for o in overrides if not o.is_sweep_override()]
    base = _compose(compose, plain, with_hydra=True)
    n = OmegaConf.select(base, "futures.n", default=0)
    mode = OmegaConf.select(base, "hydra.mode")
    multirun = parsed.multirun or (mode is not None and mode.name == "MULTIRUN")
    params = OmegaConf.select(base, "hydra.sweeper.params") or {}
    if not multirun or not isinstance(n, int) or n <= 0 or "future" in params:
        return args
    return [*args, f"future=range(0,{n})"]


def _parse_overrides(lines: list[str]):
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    parser = OverridesParser.create()
    for line in lines:
        try:
            parser.parse_overrides([line])
        except OverrideParseException as err:
            detail = str(err).splitlines()[0].strip()
            raise ConfigError(
                f"override {line!r} is malformed: {detail}. Write key=value; quote values with "
                "spaces, commas or brackets, e.g. key='a b'"
            ) from None
    return parser.parse_overrides(lines)


@contextmanager
def _hydra(parsed: argparse.Namespace) -> Iterator:
    from hydra import compose, initialize_config_dir

    register_configs()
    config_dir = CONFIG_DIR
    if parsed.config_path:
        config_dir = Path(parsed.config_path).resolve()
        if not config_dir.is_dir():
            raise ConfigError(f"--config-path: {parsed.config_path} is not a folder")
    extra, folders = [], [config_dir]
    if parsed.config_dir:
        if not Path(parsed.config_dir).is_dir():
            raise ConfigError(f"--config-dir: {parsed.config_dir} is not a folder")
        folders.append(Path(parsed.config_dir).resolve())
        # Replaces the search path of configs/config.yaml: keep the user's folder on it.
        user = user_config_dir()
        searched = [folders[-1], *([user] if user.is_dir() else [])]
        extra = ["hydra.searchpath=[" + ",".join(f"file://{f}" for f in searched) + "]"]
    name = parsed.config_name or "config"

    # Each command line is composed once (about 0.2-0.5 s a time); callers only read the
    # configs. Without its hydra node a config is what Hydra's compose would give without it.
    composed: dict[tuple[tuple[str, ...], bool], DictConfig] = {}

    def compose_with(overrides: list[str], with_hydra: bool) -> DictConfig:
        key = (tuple(overrides), with_hydra)
        if key in composed:
            return composed[key]
        if not with_hydra and (key[0], True) in composed:
            cfg = copy.deepcopy(composed[key[0], True])
            with open_dict(cfg):
                del cfg["hydra"]
        else:
            try:
                cfg = compose(name, overrides=[*extra, *overrides], return_hydra_config=with_hydra)
            except UnicodeDecodeError:
                raise ConfigError(
                    f"a config file is not UTF-8 text: {_not_utf8(folders)}"
                ) from None
        composed[key] = cfg
        return cfg

    compose_with.folders = folders
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        yield compose_with


def _compose(compose, overrides: list[str], with_hydra: bool = False) -> DictConfig:
    import yaml
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        return compose(overrides, with_hydra)
    except yaml.YAMLError as err:
        raise ConfigError(f"a config file is not valid YAML: {_yaml_problem(err)}") from None
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(_hydra_problem(err, compose.folders)) from None


def _not_utf8(folders: list[Path]) -> str:
    """The config files in ``folders`` that are not UTF-8."""
    bad = []
    for folder in folders:
        for path in sorted(folder.rglob("*.yaml")):
            try:
                path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as err:
                bad.append(f"{path} (byte {err.start})")
    return ", ".join(bad) or "unknown file"


def _yaml_problem(err) -> str:
    mark = getattr(err, "problem_mark", None)
    where = f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{where}: {problem}" if where else problem


def _hydra_problem(err: Exception, folders: list[Path]) -> str:
    import yaml
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

    cause = err.__cause__ or err.__context__
    if isinstance(cause, yaml.YAMLError):
        return f"a config file is not valid YAML: {_yaml_problem(cause)}"
    for problem in (err, cause):
        key = getattr(problem, "full_key", None)
        if isinstance(problem, ConfigKeyError | ConfigAttributeError) and key:
            return unknown_key(key)
        if isinstance(problem, OmegaConfBaseException) and key:
            return f"{key}: {str(problem.msg).splitlines()[0]}"
    where = re.match(r"In '([^']+)': (\w+)", str(err))
    if where and isinstance(cause, OmegaConfBaseException):
        # A config file whose value does not fit the schema (a mapping where a list belongs).
        detail = str(getattr(cause, "msg", cause)).splitlines()[0]
        key = getattr(cause, "full_key", "") or _misfit_key(where.group(1), folders)
        return f"config {where.group(1)}: {detail}" + (f" (at {key})" if key else "")
    text = str(err).split("\nConfig search path:")[0]
    head, _, rest = text.partition("\n")
    missing = re.search(r"Could not find '(.+)/([^/']+)'", head)
    if missing:
        group, name = missing.groups()
        head = f"{group.replace('/', '.')}={name}: there is no config {group}/{name}.yaml"
    options = [line.strip() for line in rest.splitlines() if line.startswith("\t")]
    if "Available options" in rest and options:
        shown = [o for o in options if o != "schema"]
        return f"{head.strip()}; available: {', '.join(shown)}"
    details = [line.strip() for line in rest.splitlines() if line.strip().startswith("full_key")]
    return head.strip() + (f" ({details[0]})" if details else "")


def _misfit_key(name: str, folders: list[Path]) -> str:
    """The key of config file ``name`` (``scenario/bad``) that does not fit its schema."""
    from omegaconf.errors import OmegaConfBaseException

    from sim.config.params import RunConfig

    group = name.split("/")[0]
    schema = OmegaConf.structured(RunConfig).get(group)
    for folder in folders:
        path = folder / f"{name}.yaml"
        if schema is None or not path.is_file():
            continue
        try:
            loaded = OmegaConf.load(path)
        except Exception:  # noqa: BLE001 - only a hint: the message stands without it
            return ""
        if not isinstance(loaded, DictConfig):
            return f"{group} (the file holds a list, not a mapping)"
        for key in loaded:  # OmegaConf names only the top node: try each key alone
            if key == "defaults":  # Hydra's own list of what the file extends
                continue
            try:
                OmegaConf.merge(schema, {key: loaded[key]})
            except OmegaConfBaseException:
                return f"{group}.{key}"
            except Exception:  # noqa: BLE001
                return ""
    return ""


def _sweep_jobs(base: DictConfig, arguments: list[str]) -> list[list[str]]:
    """The overrides of every member of the sweep, as Hydra's basic sweeper will form them."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.errors import HydraException

    params = OmegaConf.select(base, "hydra.sweeper.params") or {}
    lines = [f"{key}={value}" for key, value in params.items()] + list(arguments)
    overrides = _parse_overrides(lines)
    sizes = {o.get_key_element(): _sweep_size(o) for o in overrides}  # later lines win, as in Hydra
    total = math.prod(sizes.values())
    if total > MAX_SWEEP_RUNS:
        raise ConfigError(
            f"sweep: {total:,} runs is more than the {MAX_SWEEP_RUNS:,} a sweep may have "
            f"({' x '.join(f'{k}: {n:,}' for k, n in sizes.items() if n > 1)}); split it into "
            "several sweeps"
        )
    try:
        (batch,) = BasicSweeper.split_arguments(overrides, None)
    except HydraException as err:
        raise ConfigError(f"sweep: {err}") from None
    return batch


def _sweep_size(override) -> int:
    """How many values a sweep override takes, without listing a range."""
    from hydra.core.override_parser.types import RangeSweep

    if not override.is_sweep_override():
        return 1
    value = override.value()
    if isinstance(value, RangeSweep) and value.step:
        return max(0, math.ceil((value.stop - value.start) / value.step))
    return len(list(override.sweep_string_iterator()))


def _check_job(compose, job: list[str], futures_n: dict, variant: tuple) -> list[str]:
    try:
        cfg = resolve_config(_compose(compose, job))
        futures_n[variant] = int(cfg.futures.n)
        region = load_region_once(cfg.region.input_dir or cfg.region.name)
        validate_scenario(cfg.scenario, region, cfg.years.start, cfg.years.end)
        # Each future's parameters and scenario (a delay may pass the horizon); a scenario is
        # checked again only where the future changes it.
        # The config as given (the job's own future is not applied: each future is, below).
        base = {k: OmegaConf.to_container(cfg[k], resolve=True) for k in ("params", "scenario")}
        checked_scenarios = {repr(base["scenario"])}
        for k in range(cfg.futures.n):
            parts = copy.deepcopy(base)
            apply_future(parts, cfg.futures, k)
            where = f"future {k} of futures '{cfg.futures.name}'"
            problems = check_params(parts["params"])
            if problems:
                raise ConfigError(f"{where}: {problems[0]}")
            if repr(parts["scenario"]) in checked_scenarios:
                continue
            checked_scenarios.add(repr(parts["scenario"]))
            try:
                validate_scenario(parts["scenario"], region, cfg.years.start, cfg.years.end)
            except ConfigError as err:
                raise ConfigError(f"{where}: {err}") from None
    except (ConfigError, InputError) as err:
        return str(err).splitlines()
    return []


def _future_problem(job: list[str], n: int) -> list[str]:
    """Each member of a sweep over futures runs one of the set's ``n`` futures."""
    for override in job:
        if override.startswith("future="):
            value = override.removeprefix("future=")
            if value == "null":
                return []
            if not value.isdigit() or int(value) >= n:
                return [
                    f"future: {value!r} is not allowed; use a future from 0 to {n - 1} of the "
                    f"chosen set (futures.n={n})"
                    if n
                    else f"future: {value!r} is not allowed without sampled futures"
                ]
    return []


def _seed_problem(job: list[str]) -> list[str]:
    for override in job:
        if override.startswith("seed="):
            value = override.removeprefix("seed=")
            if not value.lstrip("-").isdigit():
                return [f"seed: {value!r} is not an integer; use an integer from 0 to 2^63 - 1"]
            try:
                check_seed(int(value))
            except ConfigError as err:
                return [str(err)]
    return []


def _describe(problems: dict[str, list[str]], multirun: bool) -> str:
    if not multirun:
        return "\n".join(problems)
    members = {job for jobs in problems.values() for job in jobs}
    lines = [f"{len(members)} run(s) of the sweep are invalid; nothing was run:"]
    for problem, jobs in list(problems.items())[:MAX_PROBLEMS_SHOWN]:
        shown = "; ".join(jobs[:3]) + (f"; and {len(jobs) - 3} more" if len(jobs) > 3 else "")
        lines.append(f"{problem}\n    in: {shown}")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems")
    return "\n".join(lines)
