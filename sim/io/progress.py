"""Progress lines for long commands (sweeps, calibrations, backcasts)."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """A time left as people say it.

    Examples
    --------
    >>> duration(42), duration(600), duration(9000)
    ('42 s', '10 min', '2.5 h')
    """
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
