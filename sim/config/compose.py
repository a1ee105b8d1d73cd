"""Compose and resolve a run's configuration without Hydra's command line (tests, notebooks)."""

from __future__ import annotations

import functools
import re

from omegaconf import DictConfig, OmegaConf

from sim.config.domains import check_params
from sim.config.futures import check_futures, future_parts
from sim.config.params import ConfigError, RunConfig, register_configs
from sim.io.inputs import read_base_year, region_folder
from sim.paths import CONFIG_DIR

MAX_END_YEAR = 2100
MAX_SEED = 2**63 - 1  # seeds are stored as 64-bit integers in results.nc
# A scenario's name becomes part of its runs' folder names: no separators, no leading dot.
SCENARIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# A region's name is a folder under inputs/ (a path goes in region.input_dir).
REGION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """The config ``sim run`` would use, without Hydra's run folder or a progress bar.

    Examples
    --------
    >>> cfg = compose_config(["years.end=2030", "seed=3"])
    >>> cfg.seed, cfg.years.end
    (3, 2030)
    """
    from hydra import compose, initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(
            "config", overrides=["output_dir=null", "progress=false", *(overrides or [])]
        )


@functools.cache
def run_schema() -> DictConfig:
    """The typed schema of a run config, built once (50 ms a time); ``OmegaConf.merge`` copies
    it before merging onto it, so it is never changed."""
    return OmegaConf.structured(RunConfig)


def unknown_key(full_key: str) -> str:
    return f"{full_key}: unknown key; 'sim run --cfg job' lists the keys and their values"


def check_seed(seed: int) -> None:
    """Seeds are stored as 64-bit integers in results.nc."""
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(
            f"seed: {seed} is not allowed; use an integer from 0 to {MAX_SEED} (2^63 - 1)"
        )


def resolve_config(cfg: DictConfig | RunConfig | dict) -> DictConfig:
    """Merge ``cfg`` onto the typed schema (unknown keys and wrong types fail) and check values.

    ``years.start`` follows the region's inputs: null (the default) becomes their base year
    (column ``base_year`` of ``municipalities.parquet``), and any other year is refused.
    Raises :class:`ConfigError` for a bad value and :class:`~sim.io.inputs.InputError` when the
    region's inputs cannot be read.
    """
    from omegaconf.errors import ConfigKeyError, ValidationError

    # A plain copy: keys added with '+' are typed nodes without the struct flag, which a merge
    # of the typed config onto the schema would let through.
    plain = OmegaConf.to_container(cfg) if isinstance(cfg, DictConfig) else cfg
    try:
        merged = OmegaConf.merge(run_schema(), plain)
    except ConfigKeyError as err:
        raise ConfigError(unknown_key(err.full_key)) from None
    except ValidationError as err:
        raise ConfigError(f"{err.full_key}: {err.msg.splitlines()[0]}") from None
    years = merged.years
    region = str(merged.region.name)
    if not merged.region.input_dir and not REGION_NAME.fullmatch(region):
        raise ConfigError(
            f"region.name: {region[:40]!r} is not allowed; use the name of a folder under inputs/ "
            "(letters, digits, '_' or '-'), or give a folder as region.input_dir"
        )
    source = merged.region.input_dir or region
    base_year = read_base_year(source)  # InputError when the region's inputs are missing or bad
    if years.start is None:
        years.start = base_year
    elif years.start != base_year:
        raise ConfigError(
            f"years.start: {years.start} is not allowed; the inputs in {region_folder(source)} "
            f"describe the base year {base_year}, so the run must start there (use "
            f"years.start={base_year}, or leave it null: the inputs' base year)"
        )
    if not years.start < years.end <= MAX_END_YEAR:
        raise ConfigError(
            f"years.end: {years.end} is not allowed; use a year after years.start "
            f"({years.start}) and at most {MAX_END_YEAR}"
        )
    check_seed(merged.seed)
    name = str(merged.scenario.name)
    if not SCENARIO_NAME.fullmatch(name):
        shown = repr(name if len(name) <= 40 else name[:40] + "...")
        raise ConfigError(
            f"scenario.name: {shown} is not allowed; use 1-64 letters a-z or A-Z, digits, '_', "
            "'.' or '-', starting with a letter or digit (it names the run's folder)"
        )
    problems = check_futures(merged.futures, merged)
    if merged.future is None and merged.futures.n > 0 and not problems:
        problems.append(
            f"future: is null, but futures '{merged.futures.name}' is chosen; give which of its "
            f"{merged.futures.n} futures to run (future=0 to {merged.futures.n - 1}), or run them "
            "all as a sweep (sim run -m futures=...)"
        )
    if merged.future is not None and not problems:
        if not 0 <= merged.future < merged.futures.n:
            problems.append(
                f"future: {merged.future} is not allowed; futures '{merged.futures.name}' has "
                f"{merged.futures.n} (use 0 to {merged.futures.n - 1}, or set futures.n)"
                if merged.futures.n
                else f"future: {merged.future} is not allowed without sampled futures; choose a "
                "futures set (futures=lhs) or leave future null"
            )
    if not problems:  # the parameters as the run will use them, its future's values included
        if merged.future is None:
            params = OmegaConf.to_container(merged.params, resolve=True)
        else:
            from omegaconf.errors import InterpolationResolutionError

            try:
                params = future_parts(merged)["params"]
            except InterpolationResolutionError as err:
                raise ConfigError(f"{err.full_key}: {str(err.msg).splitlines()[0]}") from None
        problems = check_params(params)
    if problems:
        raise ConfigError("\n".join(problems))
    return merged
