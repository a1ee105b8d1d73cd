"""Seeded-regression digests: a fingerprint per data variable of a run's ``results.nc``.

The fingerprints of the baseline, the ``combined`` scenario and the test scenario
``stress_scenario.yaml`` (every intervention path; seed 0, 2024-2050) are stored in
``digests.json`` beside this file; ``tests/test_regression.py`` recomputes them and fails on any
difference, naming the variables that changed. A change that alters results on purpose updates
them in its own commit, saying why::

    .venv/bin/python -m tests.regression.digests --update

An optimisation meant to leave results bit-identical (not only within the tolerance) is checked
with ``--exact FILE``: the first call writes a sha256 of every variable's bytes to ``FILE`` (run
it on the code before the change), later calls compare with it::

    .venv/bin/python -m tests.regression.digests --exact /tmp/before.json   # before the change
    .venv/bin/python -m tests.regression.digests --exact /tmp/before.json   # after: "identical"

A fingerprint holds a variable's dimensions and shape, a sha256 of where it is NaN (or of its text,
for labels), and three sums of its finite values: plain, and weighted by two fixed sequences that
tell values apart by position. Two results match when the sums agree to ``RELATIVE_TOLERANCE`` of
the sum of absolute values: exact for counts, and deaf only to last-bit differences in floats, which
new numpy or libm releases bring to ``exp`` and ``log`` without any change to the model (one count
more or less anywhere, or a float changed by 1e-9 of the variable's scale, is caught).
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
    from tests.helpers import titled

    cfg = compose_config([*CASES[case], *(overrides or [])])
    if case == "stress":  # a test scenario: made-up titles (titles change no result)
        stress = titled(OmegaConf.to_container(OmegaConf.load(STRESS_SCENARIO)))
        cfg.scenario = OmegaConf.merge(cfg.scenario, stress)
    return cfg


RELATIVE_TOLERANCE = 1e-10
GOLDEN, SQRT2 = 0.6180339887498949, 1.4142135623730951


def position_weights(n: int) -> list[np.ndarray]:
    """Weights in [0, 1) by position, the same on every machine (one rounded product each)."""
    i = np.arange(n, dtype=np.float64)
    return [np.ones(n), np.modf(i * GOLDEN)[0], np.modf(i * SQRT2)[0]]


def variable_digest(var: xr.DataArray) -> dict:
    """Fingerprint of a variable: dims and shape, a sha256 of its NaN positions (of its text for
    labels), the sum of its absolute values and three position-weighted sums."""
    shape = {"dims": list(var.dims), "shape": list(var.shape)}
    if var.dtype.kind in "OUS":
        text = json.dumps([str(v) for v in var.values.ravel()]).encode()
        return {**shape, "sha256": hashlib.sha256(text).hexdigest()}
    values = np.ascontiguousarray(var.values, dtype=np.float64).ravel()
    missing = np.isnan(values)
    finite = np.where(missing, 0.0, values)
    return {
        **shape,
        "nan_sha256": hashlib.sha256(np.packbits(missing).tobytes()).hexdigest(),
        "abs_sum": float(np.abs(finite).sum()),
        "sums": [float(w @ finite) for w in position_weights(finite.size)],
    }


def same(current: dict, stored: dict) -> bool:
    """Whether two fingerprints match: equal shapes, NaNs and text, sums within the tolerance."""
    exact = [key for key in stored if key not in ("abs_sum", "sums")]
    if set(current) != set(stored) or any(current[k] != stored[k] for k in exact):
        return False
    if "sums" not in stored:
        return True
    scale = max(stored["abs_sum"], current["abs_sum"], 1e-300)
    sums = zip(current["sums"], stored["sums"], strict=True)
    pairs = [(current["abs_sum"], stored["abs_sum"]), *sums]
    return all(abs(a - b) <= RELATIVE_TOLERANCE * scale for a, b in pairs)


def dataset_digests(ds: xr.Dataset) -> dict[str, dict]:
    """Fingerprint of every data variable, by name."""
    return {name: variable_digest(ds[name]) for name in sorted(ds.data_vars)}


def case_digests(case: str) -> dict[str, dict]:
    """Run a case, write its ``results.nc``, read it back and fingerprint its data variables."""
    from sim.engine.run import simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(case_config(case, [f"output_dir={tmp}"]))
        with xr.open_dataset(Path(tmp) / "results.nc") as ds:
            return dataset_digests(ds.load())


def exact_digests(case: str) -> dict[str, str]:
    """A sha256 of the bytes of every data variable of a case's ``results.nc`` (of its text, for
    labels), by name: equal only when the results are bit-identical."""
    from sim.engine.run import simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(case_config(case, [f"output_dir={tmp}"]))
        with xr.open_dataset(Path(tmp) / "results.nc") as ds:
            found = {}
            for name in sorted(ds.data_vars):
                values = ds[name].values
                data = values.astype(str) if values.dtype.kind == "O" else values
                found[name] = hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()
            return found


def exact_check(path: Path) -> int:
    """Write the exact digests of every case to ``path``, or compare with those it holds."""
    current = {case: exact_digests(case) for case in CASES}
    if not path.exists():
        path.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path}")
        return 0
    before = json.loads(path.read_text())
    changed = [
        f"{case}.{name}"
        for case in CASES
        for name in sorted(set(current[case]) | set(before.get(case, {})))
        if current[case].get(name) != before.get(case, {}).get(name)
    ]
    print("identical" if not changed else "not identical: " + ", ".join(changed))
    return 1 if changed else 0


def changed_variables(current: dict[str, dict], stored: dict[str, dict]) -> list[str]:
    """Names of the variables whose fingerprints differ, or that are in only one of the two."""
    names = sorted(set(current) | set(stored))
    return [n for n in names if not (n in current and n in stored and same(current[n], stored[n]))]


def stored_digests() -> dict[str, dict[str, dict]]:
    return json.loads(DIGEST_FILE.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite digests.json")
    parser.add_argument(
        "--exact",
        type=Path,
        metavar="FILE",
        help="write every variable's sha256 to FILE, or compare with FILE if it exists",
    )
    args = parser.parse_args(argv)
    if args.exact is not None:
        return exact_check(args.exact)
    current = {case: case_digests(case) for case in CASES}
    if args.update:
        DIGEST_FILE.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"wrote {DIGEST_FILE}")
        return 0
    stored = stored_digests()
    changed = [
        f"{case}.{name}"
        for case in CASES
        for name in changed_variables(current[case], stored.get(case, {}))
    ]
    print("unchanged" if not changed else "changed: " + ", ".join(changed))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
