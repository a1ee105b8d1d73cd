"""Seeded regression: the results of the baseline, the combined scenario and the stress scenario
match the stored fingerprints (tests/regression/digests.py: counts exactly, floats to 1e-10 of their
scale; update them on purpose with ``python -m tests.regression.digests --update``)."""

from __future__ import annotations

import pytest

from tests.regression.digests import CASES, case_digests, changed_variables, stored_digests


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_match_stored_digests(case):
    stored = stored_digests()[case]
    current = case_digests(case)
    assert sorted(current) == sorted(stored), "the set of result variables changed"
    changed = changed_variables(current, stored)
    assert changed == [], f"{case}: results changed in {changed}"


# --- The fingerprint itself (made-up values) ---------------------------------------------------
def fingerprint(values) -> dict:
    import numpy as np
    import xarray as xr

    from tests.regression.digests import variable_digest

    return variable_digest(xr.DataArray(np.asarray(values, dtype=np.float64), dims=["x"]))


def test_fingerprints_ignore_last_bit_noise_but_catch_any_real_change():
    import numpy as np

    from tests.regression.digests import same

    values = np.array([12.0, 0.25, np.nan, 3.0e6, 7.0])
    stored = fingerprint(values)
    assert same(fingerprint(np.nextafter(values, np.inf)), stored)  # last-bit noise
    one_more = values.copy()
    one_more[3] += 1  # one count more in a variable summing to millions
    swapped = values[[1, 0, 2, 3, 4]]  # the same values in other places
    nan_moved = values[[2, 1, 0, 3, 4]]
    for changed in (one_more, swapped, nan_moved, values[:4]):
        assert not same(fingerprint(changed), stored), changed


def test_the_exact_check_writes_then_tells_identical_from_changed(tmp_path, monkeypatch, capsys):
    from tests.regression import digests

    hashes = {"population": "aa", "label": "bb"}  # made-up digests, as exact_digests gives
    monkeypatch.setattr(digests, "exact_digests", lambda case: dict(hashes))
    path = tmp_path / "before.json"
    assert digests.main(["--exact", str(path)]) == 0 and path.exists()
    assert digests.main(["--exact", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "identical"
    hashes["population"] = "ab"
    assert digests.main(["--exact", str(path)]) == 1
    assert "baseline.population" in capsys.readouterr().out
