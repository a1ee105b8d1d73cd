"""Provenance of a run: the code version and a stable run id from the resolved config."""

from __future__ import annotations

import hashlib
import json
import subprocess

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
    container = OmegaConf.to_container(cfg, resolve=True)
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
    text = json.dumps(model_config(cfg), sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
