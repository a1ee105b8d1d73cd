"""Provenance of a run: the code version and a stable run id from the resolved config."""

from __future__ import annotations

import hashlib
import json
import subprocess

import yaml
from omegaconf import DictConfig, OmegaConf

import sim
from sim.paths import REPO_ROOT

RUN_KEYS = ("region", "params", "scenario", "years", "seed")


def code_version() -> str:
    """The package version plus the git commit (and ``.dirty`` for uncommitted changes)."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return sim.__version__
    return f"{sim.__version__}+g{sha}" if sha else sim.__version__


def model_config(cfg: DictConfig) -> dict:
    """The part of a config that determines a run's results."""
    return model_part(OmegaConf.to_container(cfg, resolve=True))


def model_part(container: dict) -> dict:
    """The part of a resolved config, as plain containers, that determines a run's results."""
    keys = RUN_KEYS
    if container.get("future") is not None:  # a sampled future: its set and which one
        keys = (*RUN_KEYS, "futures", "future")
    return {key: container[key] for key in keys if key in container}


def run_id(cfg: DictConfig) -> str:
    """A stable id of the run: a hash of its resolved model config (not of the order it ran in).

    Examples
    --------
    >>> from sim.config.compose import compose_config
    >>> run_id(compose_config(["seed=1"])) == run_id(compose_config(["seed=1"]))
    True
    """
    return run_id_of(model_config(cfg))


def run_id_of(model: dict) -> str:
    """:func:`run_id` of a config's :func:`model_part`."""
    text = json.dumps(model, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def config_yaml(container: dict) -> str:
    """The YAML text ``OmegaConf.to_yaml`` writes of a plain config, without building a
    DictConfig of it first (that took most of the 60 ms a run spent on its provenance)."""
    from omegaconf._utils import get_omega_conf_dumper

    return yaml.dump(
        container,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        Dumper=get_omega_conf_dumper(),
    )
