"""Seeded-regression digests: one sha256 per data variable of a run's ``results.nc``.

The digests of the baseline, the ``combined`` scenario and the test scenario
``stress_scenario.yaml`` (every intervention path; seed 0, 2024-2050) are stored in
``digests.json`` beside this file; ``tests/test_regression.py`` recomputes them and fails on any
difference, naming the variables that changed. A change that alters results on purpose updates
them in its own commit, saying why::

    .venv/bin/python -m tests.regression.digests --update
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

DIGEST_FILE = Path(__file__).with_name("digests.json")
STRESS_SCENARIO = Path(__file__).with_name("stress_scenario.yaml")
CASES: dict[str, list[str]] = {
    "baseline": ["scenario=baseline", "seed=0"],
    "combined": ["scenario=combined", "seed=0"],
    "stress": ["scenario=baseline", "seed=0"],  # with STRESS_SCENARIO laid over it
}


def case_config(case: str, overrides: list[str] | None = None):
    """The run config of a regression case."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose_config

    cfg = compose_config([*CASES[case], *(overrides or [])])
    if case == "stress":
        cfg.scenario = OmegaConf.merge(cfg.scenario, OmegaConf.load(STRESS_SCENARIO))
    return cfg


def variable_digest(var: xr.DataArray) -> str:
    """sha256 of a variable's dimensions and values (numbers as float64 with NaNs made
    canonical, labels as text)."""
    sha = hashlib.sha256()
    sha.update(json.dumps([list(var.dims), list(var.shape)]).encode())
    if var.dtype.kind in "OUS":
        sha.update(json.dumps([str(v) for v in var.values.ravel()]).encode())
        return sha.hexdigest()
    values = np.ascontiguousarray(var.values, dtype=np.float64)
    values = np.where(np.isnan(values), np.nan, values)
    sha.update(values.tobytes())
    return sha.hexdigest()


def dataset_digests(ds: xr.Dataset) -> dict[str, str]:
    """Digest of every data variable, by name."""
    return {name: variable_digest(ds[name]) for name in sorted(ds.data_vars)}


def case_digests(case: str) -> dict[str, str]:
    """Run a case, write its ``results.nc``, read it back and digest its data variables."""
    from sim.engine.run import simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(case_config(case, [f"output_dir={tmp}"]))
        with xr.open_dataset(Path(tmp) / "results.nc") as ds:
            return dataset_digests(ds.load())


def stored_digests() -> dict[str, dict[str, str]]:
    return json.loads(DIGEST_FILE.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite digests.json")
    args = parser.parse_args(argv)
    current = {case: case_digests(case) for case in CASES}
    if args.update:
        DIGEST_FILE.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"wrote {DIGEST_FILE}")
        return 0
    stored = stored_digests()
    changed = [
        f"{case}.{name}"
        for case in CASES
        for name in sorted(set(current[case]) | set(stored.get(case, {})))
        if current[case].get(name) != stored.get(case, {}).get(name)
    ]
    print("unchanged" if not changed else "changed: " + ", ".join(changed))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
