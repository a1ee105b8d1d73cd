"""Read a page of Kolada's API v3 (``/data/kpi/{kpis}/municipality/{codes}/year/{years}``).

A page is ``{"count": n, "values": [{"kpi", "municipality", "period", "values": [{"gender",
"status", "value", "count"}]}], "next_page": url}``; the paging key is ``next_page`` or
``next_url`` (the sources disagree, docs/official_statistics_research.md), so both are read.
Only the total of both genders (``gender`` ``T``) is kept; ``value`` may be null.
"""

from __future__ import annotations

import json

from sim.region.client import SourceError


def read_page(raw: bytes, where: str) -> tuple[list[tuple], str | None]:
    """(rows of (municipality, kpi, year, value or None, status), the next page's URL)."""
    try:
        page = json.loads(raw)
        rows = []
        for item in page["values"]:
            for cell in item["values"]:
                if cell.get("gender", "T") != "T":
                    continue
                value = cell.get("value")
                rows.append(
                    (
                        str(item["municipality"]),
                        str(item["kpi"]),
                        int(item["period"]),
                        None if value is None else float(value),
                        str(cell.get("status") or ""),
                    )
                )
        next_url = page.get("next_page") or page.get("next_url") or None
        if next_url is not None and not isinstance(next_url, str):
            raise TypeError(f"the next page is {next_url!r}, not a URL")
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise SourceError(
            f"{where}: the response is not a page of Kolada's key figures "
            f"({type(err).__name__}: {err})"
        ) from None
    return rows, next_url
