"""Times left, as the progress lines of sweeps, calibrations and backcasts print them."""

from __future__ import annotations

import pytest

from sim.io.progress import duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (42.4, "42 s"), (89, "89 s"), (90, "2 min"), (600, "10 min"), (9000, "2.5 h")],
)
def test_duration_reads_as_people_say_it(seconds, text):
    assert duration(seconds) == text
