"""Seeded regression: the baseline's and the combined scenario's results are bit-identical to the
stored digests (update them on purpose with ``python -m tests.regression.digests --update``)."""

from __future__ import annotations

import pytest

from tests.regression.digests import CASES, case_digests, stored_digests


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_match_stored_digests(case):
    stored = stored_digests()[case]
    current = case_digests(case)
    assert sorted(current) == sorted(stored), "the set of result variables changed"
    changed = [name for name in sorted(stored) if current[name] != stored[name]]
    assert changed == [], f"{case}: results changed in {changed}"
