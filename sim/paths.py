"""Where the project's own files are: the repository root, configs and embedded inputs."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "configs"
INPUTS_DIR = REPO_ROOT / "inputs"

# A user's own config folder (scenarios saved by 'sim explore', or written by hand):
# <folder>/scenario/NAME.yaml. configs/config.yaml puts it on Hydra's search path, so that
# 'sim run scenario=NAME' finds them. It is 'user_configs' in the working directory unless the
# environment variable names another folder; it is never inside the installed package.
USER_CONFIG_ENV = "SIM_USER_CONFIGS"
USER_CONFIG_DEFAULT = "user_configs"


def user_config_dir() -> Path:
    """The user's config folder (see :data:`USER_CONFIG_ENV`), resolved against the working
    directory as Hydra resolves it."""
    import os

    return Path(os.environ.get(USER_CONFIG_ENV) or USER_CONFIG_DEFAULT).resolve()


# Files the package makes once and keeps between runs (the explorer's Vega bundle): the folder the
# environment variable names, else the platform's cache folder for the user.
CACHE_ENV = "SIM_CACHE_DIR"


def cache_dir() -> Path:
    """The user's cache folder for ``sim`` (see :data:`CACHE_ENV`)."""
    import os

    named = os.environ.get(CACHE_ENV)
    if named:
        return Path(named).resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("sim-regional"))
