"""Where regions live, and the config that lets ``sim run region=<name>`` find a built one.

A region built by ``sim region build NAME`` is the folder ``<root>/NAME`` (``root`` is
``inputs/`` of the working directory unless ``--out`` names another), beside the fetch stage's
``<root>/NAME.fetched``. The build writes ``<user configs>/region/NAME.yaml`` (the folder of
:func:`sim.paths.user_config_dir`, on Hydra's search path), whose ``input_dir`` is the region's
folder; ``sim region list`` shows the shipped regions and these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.io.atomic import write_text
from sim.io.inputs import InputError, load_region_once
from sim.paths import CONFIG_DIR, INPUTS_DIR, user_config_dir

DEFAULT_ROOT = "inputs"
FETCHED_SUFFIX = ".fetched"


def region_folder(name: str, root: Path | None = None) -> Path:
    return (Path(root) if root else Path(DEFAULT_ROOT)).resolve() / name


def fetched_folder(name: str, root: Path | None = None) -> Path:
    folder = region_folder(name, root)
    return folder.with_name(folder.name + FETCHED_SUFFIX)


def write_region_config(name: str, folder: Path, config_dir: Path | None = None) -> Path:
    """``<user configs>/region/NAME.yaml`` pointing at ``folder`` (written atomically)."""
    path = (config_dir or user_config_dir()) / "region" / f"{name}.yaml"
    text = (
        f"# Built by 'sim region build {name}' (see {folder}/README.md); run it with\n"
        f"# sim run region={name}\n"
        "defaults:\n  - schema\n  - _self_\n\n"
        + yaml.safe_dump({"name": name, "input_dir": str(folder)}, sort_keys=False)
    )
    return write_text(path, text)


@dataclass(frozen=True)
class RegionEntry:
    name: str
    config: Path
    folder: Path
    municipalities: int | None
    base_year: int | None
    problem: str | None


def list_regions(config_dir: Path | None = None) -> list[RegionEntry]:
    """The shipped regions (configs/region) and the user's (built ones), each checked."""
    out = []
    for folder in (CONFIG_DIR / "region", (config_dir or user_config_dir()) / "region"):
        for path in sorted(folder.glob("*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                name = str(data.get("name", path.stem))
                inputs = Path(data["input_dir"]) if data.get("input_dir") else INPUTS_DIR / name
            except (yaml.YAMLError, UnicodeDecodeError, AttributeError, TypeError) as err:
                problem = f"{path} is not a region config ({type(err).__name__})"
                out.append(RegionEntry(path.stem, path, path, None, None, problem))
                continue
            try:
                region = load_region_once(inputs)
                entry = RegionEntry(name, path, inputs, len(region.codes), region.base_year, None)
            except InputError as err:
                entry = RegionEntry(name, path, inputs, None, None, str(err).splitlines()[0])
            out.append(entry)
    return out
