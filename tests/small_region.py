"""A small copy of the Skaraborg inputs for fast command-line tests.

Every count (residents, households, plan reserves, dwellings, jobs, facility capacities) is the
real Skaraborg figure scaled by ``scale`` and rounded, at least 1; codes, names, travel times, tax
rates and facility costs are kept. The numbers are therefore derived, not data: the region exists
to make runs fast (about 13,500 residents at the default scale), never to be read as Skaraborg.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from sim.paths import INPUTS_DIR

SCALED = {
    "municipalities.parquet": ["population", "households", "plan_reserve_dwellings"],
    "dwellings.parquet": ["dwellings"],
    "jobs.parquet": ["jobs"],
    "culture_facilities.parquet": ["capacity"],
}


def make_small_region(dest: Path, scale: float = 0.05, source: str = "skaraborg") -> Path:
    """Write a scaled copy of ``inputs/<source>`` to ``dest`` (a folder usable as
    ``region.input_dir``) and return it."""
    src = INPUTS_DIR / source
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for path in src.glob("*.parquet"):
        table = pd.read_parquet(path)
        for column in SCALED.get(path.name, []):
            table[column] = np.maximum(np.round(table[column] * scale), 1).astype(
                table[column].dtype
            )
        table.to_parquet(dest / path.name, index=False)
    shutil.copy(src / "README.md", dest / "README.md")
    return dest
