"""The fetch stage: ask SCB and Kolada for a region's tables and keep their answers as received.

For every table of :mod:`sim.region.catalogue` that covers the years the region needs, the
fetch reads the table's metadata, checks the municipality codes, years and contents codes
against it, builds the selection, splits it so that no query asks for more than the service's
``maxDataCells`` (read from SCB's ``/config``), and stores each answer in the region's
:class:`~sim.region.store.RawStore` with its manifest entry. A table the service does not have
(HTTP 404), or that lacks the base year, is recorded as missing when the build can do without
it, and is an error naming the table otherwise. A request answered before is not sent again
unless ``refresh``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from sim.region import catalogue as cat
from sim.region.client import KOLADA_CALLS_PER_SECOND, Clock, Request, Service, SourceError
from sim.region.jsonstat import decode, load
from sim.region.kolada import read_page
from sim.region.spec import REPLACED_CODES, RegionSpec
from sim.region.store import Missing, RawStore, request_key

DEFAULT_MAX_CELLS = 150_000  # SCB's /config, 2026 (used only if /config does not say)
DEFAULT_CALLS, DEFAULT_WINDOW = 30, 10.0  # likewise: 30 calls per 10 seconds
TOTAL_CODES = re.compile(r"(?i)^(tot|totsa|tot\w*|sc)$")
TOTAL_LABELS = re.compile(r"(?i)^(totalt|total|samtliga|summa|alla|män och kvinnor)\b")
KOLADA_PER_PAGE = 5000  # Kolada's largest page


@dataclass
class FetchReport:
    """What a fetch did: responses sent and reused, and the tables not found."""

    sent: int = 0
    reused: int = 0
    missing: tuple[str, ...] = ()


def fetch_region(
    spec: RegionSpec,
    store: RawStore,
    transport: httpx.BaseTransport | None = None,
    clock: Clock | None = None,
    refresh: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> FetchReport:
    """Fetch every table the region needs into ``store`` (see the module docstring)."""
    from sim.io.atomic import write_text

    clock = clock or Clock()
    store.folder.mkdir(parents=True, exist_ok=True)
    report = FetchReport()
    scb = Service("SCB", cat.SCB_BASE_URL, DEFAULT_CALLS, DEFAULT_WINDOW, clock, transport)
    kolada = Service("Kolada", cat.KOLADA_BASE_URL, KOLADA_CALLS_PER_SECOND, 1.0, clock, transport)
    store.missing = []  # this fetch finds out again what is missing
    try:
        session = _Session(spec, store, clock, refresh, report, progress)
        max_cells = session.scb_config(scb)
        for table in cat.SCB_TABLES:
            years = _years_of(table, spec)
            if years:
                session.scb_table(scb, table, years, max_cells)
        for key, uncovered in _uncovered_years(spec).items():
            tables = "/".join(t.table for t in cat.SCB_TABLES if t.key == key)
            reason = f"no table has year {', '.join(map(str, uncovered))} ({tables})"
            if any(t.required for t in cat.SCB_TABLES if t.key == key):
                raise SourceError(f"SCB {tables} ({key}): {reason}; choose another base year")
            store.mark_missing(Missing("SCB", tables, key, reason))
        session.kolada(kolada)
    finally:
        scb.close()
        kolada.close()
    # Last: the store holds exactly what this fetch asked for, and the spec the build reads is
    # the one whose every table was fetched.
    store.keep_only(session.used)
    write_text(store.folder / "region.yaml", spec.to_yaml())
    report.missing = tuple(f"{m.service} {m.table} ({m.key})" for m in store.missing)
    return report


def _wanted_years(how: str, spec: RegionSpec) -> list[int]:
    if how == cat.TREND:
        return list(range(spec.trend[0], spec.base_year + 1))
    return [spec.base_year]


def _years_of(table: cat.ScbTable, spec: RegionSpec) -> list[int]:
    if table.years == cat.LATEST:
        year = min(spec.base_year, table.last_year)
        return [year] if year >= table.first_year else []
    return [y for y in _wanted_years(table.years, spec) if table.first_year <= y <= table.last_year]


def _uncovered_years(spec: RegionSpec) -> dict[str, list[int]]:
    """Per key, the years it needs that no table of the catalogue covers."""
    out: dict[str, list[int]] = {}
    for key in dict.fromkeys(t.key for t in cat.SCB_TABLES):
        tables = [t for t in cat.SCB_TABLES if t.key == key]
        covered = {y for t in tables for y in _years_of(t, spec)}
        if tables[0].years == cat.LATEST:
            uncovered = [] if covered else [spec.base_year]
        else:
            uncovered = [y for y in _wanted_years(tables[0].years, spec) if y not in covered]
        if uncovered:
            out[key] = uncovered
    return out


class _Session:
    def __init__(self, spec, store, clock, refresh, report, progress) -> None:
        self.spec, self.store, self.clock = spec, store, clock
        self.refresh, self.report, self.progress = refresh, report, progress
        self.used: set[str] = set()  # the requests of this fetch (request_key)

    # --- one request, through the cache ---------------------------------------------------------
    def get(
        self, service: Service, request: Request, key: str, licence, attribution, check=None
    ) -> bytes:
        self.used.add(request_key(request.method, request.url, request.body))
        if not self.refresh:
            entry = self.store.cached(request.method, request.url, request.body)
            if entry is not None:
                self.report.reused += 1
                return self.store.content(entry)
        response = service.send(request, check)
        self.report.sent += 1
        self.progress(f"{service.name} {request.table}: {len(response.content):,} bytes")
        self.store.add(
            {
                "service": service.name,
                "table": request.table,
                "key": key,
                "method": request.method,
                "url": request.url,
                "body": request.body,
                "fetched_at": self.clock.utc().isoformat(timespec="seconds"),
                "licence": licence,
                "attribution": attribution,
                "api_version": _top_level(response.content, "apiVersion"),
                "updated": _top_level(response.content, "updated"),
            },
            response.content,
        )
        return response.content

    # --- SCB ------------------------------------------------------------------------------------
    def scb_config(self, scb: Service) -> int:
        """Apply SCB's own limits from ``/config``; returns its largest query in cells."""
        request = Request("config", "the API's limits", (), "GET", f"{scb.base_url}/config")
        raw = self.get(scb, request, "config", cat.SCB_LICENCE, cat.SCB_ATTRIBUTION, check=_limits)
        calls, window, cells = _limits(raw)
        scb.set_limit(calls, window)
        return cells

    def scb_table(self, scb: Service, table: cat.ScbTable, years: list[int], max_cells: int):
        """Fetch one table's selection; a table that is missing and not required is recorded
        as missing (the build falls back)."""
        codes = list(self.spec.municipalities)
        url = f"{scb.base_url}/tables/{table.table}/metadata?" + urlencode({"lang": cat.LANGUAGE})
        request = Request(table.table, table.what, codes, "GET", url)
        try:
            where = f"SCB {table.table} ({table.what}), metadata"
            raw = self.get(
                scb,
                request,
                f"{table.key}:metadata",
                cat.SCB_LICENCE,
                "",
                check=lambda raw: load(raw, where),
            )
            meta = load(raw, where)
        except SourceError as err:
            if err.status == 404 and not table.required:
                self.store.mark_missing(Missing("SCB", table.table, table.key, "no such table"))
                return
            raise
        try:
            selection, problem = _selection(table, meta, codes, years)
        except (AttributeError, TypeError, KeyError, ValueError) as err:
            raise SourceError(
                f"SCB {table.table} ({table.what}): its metadata is not in the expected form "
                f"({type(err).__name__}: {err})"
            ) from None
        if problem:
            if table.required:
                raise SourceError(f"SCB {table.table} ({table.what}): {problem}")
            self.store.mark_missing(Missing("SCB", table.table, table.key, problem))
            return
        data_url = f"{scb.base_url}/tables/{table.table}/data?" + urlencode(
            {"lang": cat.LANGUAGE, "outputFormat": "json-stat2"}
        )
        for part in split_selection(selection, max_cells):
            regions = next(v["valueCodes"] for v in part if v["variableCode"] == "Region")
            shown = codes if not table.whole_country else ()
            body = {"selection": part}
            request = Request(
                table.table, table.what, [c for c in regions if c in shown], "POST", data_url, body
            )
            self.get(
                scb,
                request,
                table.key,
                cat.SCB_LICENCE,
                cat.SCB_ATTRIBUTION,
                check=lambda raw: decode(raw, f"SCB {table.table} ({table.what})"),
            )
        self.store.found(table.key)

    # --- Kolada ---------------------------------------------------------------------------------
    def kolada(self, kolada: Service) -> None:
        years = range(self.spec.base_year - cat.KOLADA_YEARS_BEFORE_BASE, self.spec.base_year + 1)
        kpis = ",".join(k.kpi for k in cat.KOLADA_KPIS)
        codes = list(self.spec.municipalities)
        url = (
            f"{kolada.base_url}/data/kpi/{kpis}/municipality/{','.join(codes)}/year/"
            f"{','.join(map(str, years))}?" + urlencode({"per_page": KOLADA_PER_PAGE})
        )
        what = "kommunens nyckeltal: " + ", ".join(k.kpi for k in cat.KOLADA_KPIS)
        pages = 0
        while url:
            request = Request(kpis, what, codes, "GET", url)
            raw = self.get(
                kolada,
                request,
                cat.KOLADA_KEY,
                cat.KOLADA_LICENCE,
                cat.KOLADA_ATTRIBUTION,
                check=lambda raw: read_page(raw, f"Kolada {kpis}"),
            )
            url = read_page(raw, f"Kolada {kpis}")[1]
            pages += 1
            if pages > 100:
                raise SourceError(f"Kolada {kpis}: more than 100 pages; the paging loops")


def _selection(table: cat.ScbTable, meta: dict, codes: list[str], years: list[int]):
    """The PxWeb v2 selection of ``table`` for the region, or the reason it cannot be made."""
    dims = meta["dimension"]
    regions = dims.get("Region", {}).get("category", {}).get("index", {})
    if not regions:
        return None, "the table has no variable Region"
    if table.whole_country:
        wanted = sorted(c for c in regions if re.fullmatch(r"\d{4}", c) and c != "0000")
    else:
        unknown = [c for c in codes if c not in regions]
        if unknown:
            hints = [f"{c} ({REPLACED_CODES[c][1]})" if c in REPLACED_CODES else c for c in unknown]
            raise SourceError(
                f"SCB {table.table} ({table.what}): municipality {', '.join(hints)} is not in "
                "the table; check the code against SCB's list of municipalities (a code may "
                "have changed with a new municipal division)"
            )
        wanted = codes
    have_years = set(dims.get("Tid", {}).get("category", {}).get("index", {}))
    absent = [str(y) for y in years if str(y) not in have_years]
    if absent:
        return None, f"year {', '.join(absent)} is not in the table (it has {_span(have_years)})"
    contents = dims.get("ContentsCode", {}).get("category", {}).get("index", {})
    lacking = [c for c in table.contents if c not in contents]
    if lacking:
        return None, (
            f"contents code {', '.join(lacking)} is not in the table (it has "
            f"{', '.join(sorted(contents))}); the table has changed"
        )
    codelists = [
        c.get("id")
        for c in (dims["Region"].get("extension") or {}).get("codelists") or []
        if isinstance(c, dict)
    ]
    region = {"variableCode": "Region", "valueCodes": wanted}
    if codelists:  # the table's own list of municipalities, never its counties or groups
        municipal = [c for c in codelists if "kommun" in str(c).lower() and c.startswith("vs_")]
        if table.codelist in codelists:
            region["codelist"] = table.codelist
        elif municipal:
            region["codelist"] = municipal[0]
        else:
            return None, f"no code list of municipalities among {', '.join(map(str, codelists))}"
    selection = [
        region,
        {"variableCode": "ContentsCode", "valueCodes": list(table.contents)},
        {"variableCode": "Tid", "valueCodes": [str(y) for y in years]},
    ]
    for name in meta["id"]:
        if name in ("Region", "ContentsCode", "Tid"):
            continue
        category = dims[name].get("category", {})
        index = category.get("index", {})
        eliminable = bool((dims[name].get("extension") or {}).get("elimination", False))
        how = table.variables.get(name)
        names = category.get("label") or {}
        totals = [c for c in index if _is_total(c, str(names.get(c, "")))]
        if how is None and eliminable:
            continue
        if how is None and not totals and table.additive:  # all of them: the build sums them
            chosen = sorted(index, key=index.get)
        elif how is None or how == cat.TOTAL:
            if not totals:
                return None, f"variable {name} has no total category"
            chosen = totals[:1]
        elif how == cat.ALL:
            chosen = sorted((c for c in index if c not in totals), key=index.get)
        else:
            chosen = list(how)
            bad = [c for c in chosen if c not in index]
            if bad:
                return None, f"variable {name} has no category {', '.join(bad)}"
        selection.append({"variableCode": name, "valueCodes": chosen})
    for name in table.variables:
        if name not in meta["id"]:
            return None, f"the table has no variable {name} (it has {', '.join(meta['id'])})"
    return selection, None


def split_selection(selection: list[dict], max_cells: int) -> list[list[dict]]:
    """Split a selection into parts of at most ``max_cells`` cells, halving the variable with
    the most codes (Region and Tid first) until every part fits; the parts cover the selection
    exactly once, in a fixed order."""
    cells = math.prod(len(v["valueCodes"]) for v in selection)
    if cells <= max_cells:
        return [selection]
    order = sorted(
        range(len(selection)),
        key=lambda i: (
            selection[i]["variableCode"] not in ("Region", "Tid"),
            -len(selection[i]["valueCodes"]),
        ),
    )
    at = next((i for i in order if len(selection[i]["valueCodes"]) > 1), None)
    if at is None:
        raise SourceError(f"a single cell exceeds the service's limit of {max_cells} cells")
    codes = selection[at]["valueCodes"]
    halves = codes[: len(codes) // 2], codes[len(codes) // 2 :]
    parts = []
    for half in halves:
        part = [dict(v) for v in selection]
        part[at] = {**selection[at], "valueCodes": list(half)}
        parts.extend(split_selection(part, max_cells))
    return parts


def _limits(raw: bytes) -> tuple[int, float, int]:
    """Calls per window, the window in seconds, and cells per query, from SCB's ``/config``."""
    try:
        config = json.loads(raw)
        calls = int(config.get("maxCallsPerTimeWindow", DEFAULT_CALLS))
        window = float(config.get("timeWindow", DEFAULT_WINDOW))
        cells = int(config.get("maxDataCells", DEFAULT_MAX_CELLS))
    except (ValueError, TypeError, AttributeError) as err:
        raise SourceError(f"SCB /config: not the API's configuration ({err})") from None
    if calls < 1 or window <= 0 or cells < 1:
        raise SourceError(f"SCB /config: limits {calls} calls/{window} s, {cells} cells")
    return calls, window, cells


def _is_total(code: str, label: str) -> bool:
    return bool(TOTAL_CODES.match(code) or TOTAL_LABELS.match(label.strip()))


def _span(years: set[str]) -> str:
    numeric = sorted(int(y) for y in years if y.isdigit())
    return f"{numeric[0]}-{numeric[-1]}" if numeric else "no years"


def _top_level(raw: bytes, name: str) -> str:
    """A top-level text field of a JSON answer (``apiVersion``, ``updated``), or ''."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    return str(data.get(name, "")) if isinstance(data, dict) else ""
