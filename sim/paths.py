"""Where the project's own files are: the repository root, configs and embedded inputs."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "configs"
INPUTS_DIR = REPO_ROOT / "inputs"
