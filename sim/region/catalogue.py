"""Which official tables a region is built from, and what is asked of each.

Every :class:`ScbTable` names a table of SCB's statistical database (PxWeb API v2), the years it
covers, its contents code and how each of its variables is asked for: ``ALL`` its categories
(without totals), its ``TOTAL`` category, or given codes; a variable not named is left out when
the table allows it (``elimination``) and otherwise asked for its total. The codes are checked
against the table's metadata when fetching, so a table that changed gives a clear message
rather than wrong numbers. Tables whose ids or codes are not confirmed against a live response
are marked ``confirmed=False``; docs/official_statistics_research.md holds the evidence for each.

Two tables with the same ``key`` cover different years (SCB started new tables with noise
from 2025, the Cell Key Method); the build joins them. A table that is not ``required`` may be
missing: the build then uses the estimation rule of :mod:`sim.region.estimates` and the region
README says so.

Licences: SCB's open data are CC0 (no conditions; the README names SCB anyway). Kolada's terms
ask that the source be given as "Källa: Kolada" (RKA, Rådet för främjande av kommunala analyser).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCB_BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
KOLADA_BASE_URL = "https://api.kolada.se/v3"
SCB_LICENCE = "CC0 1.0 (SCB open data)"
SCB_ATTRIBUTION = "Källa: SCB, Statistikdatabasen (statistikdatabasen.scb.se)"
KOLADA_LICENCE = "Kolada terms of use: free use, including commercial, the source named"
KOLADA_ATTRIBUTION = "Källa: Kolada (RKA, Rådet för främjande av kommunala analyser)"
LANGUAGE = "sv"
MUNICIPALITY_CODELIST = "vs_RegionKommun07"
CKM_MUNICIPALITY_CODELIST = "vs_CKM03Kommun"  # the tables with noise, from 2025

ALL = "all"
TOTAL = "total"

# Which years a table is asked for: the base year, the trend period's years, or both ends of
# the trend period and every year between them.
BASE = "base"
TREND = "trend"
LATEST = "latest"  # the latest year of the table up to the base year (a table that ended)


@dataclass(frozen=True)
class ScbTable:
    """One SCB table (see the module docstring)."""

    key: str
    table: str
    what: str
    first_year: int
    last_year: int
    contents: tuple[str, ...]
    variables: dict[str, object] = field(default_factory=dict)
    years: str = BASE
    required: bool = False
    whole_country: bool = False  # every municipality of Sweden, not only the region's
    confirmed: bool = True
    # False for a ratio (persons per household): a variable that is neither named nor left out
    # must then have a total, since summing over its categories would be wrong.
    additive: bool = True
    # The Region code list asked for; when the table's metadata offers others but not this, the
    # fetch takes its list of municipalities ('vs_...Kommun...').
    codelist: str = MUNICIPALITY_CODELIST


@dataclass(frozen=True)
class KoladaKpi:
    """One Kolada key figure, asked for the region's municipalities over the trend years."""

    kpi: str
    what: str
    unit: str


SCB_TABLES: tuple[ScbTable, ...] = (
    ScbTable(
        "population_by_age",
        "TAB638",
        "Folkmängd efter region, civilstånd, ålder och kön (31 december)",
        1968,
        2024,
        ("BE0101N1",),
        {"Alder": ALL, "Kon": ALL},
        required=True,
    ),
    ScbTable(
        "population_by_age",
        "TAB5557",
        "Folkmängd efter region, civilstånd, ålder och kön, med CKM-osäkerhet (31 december)",
        2025,
        2025,
        ("000007ME",),
        {"Alder": ALL, "Kon": ALL},
        required=True,
        codelist=CKM_MUNICIPALITY_CODELIST,
    ),
    ScbTable(
        "population_total",
        "TAB638",
        "Folkmängd efter region och år (31 december)",
        1968,
        2024,
        ("BE0101N1",),
        {"Alder": TOTAL, "Kon": ALL},
        years=TREND,
        required=True,
    ),
    ScbTable(
        "population_total",
        "TAB5557",
        "Folkmängd efter region och år, med CKM-osäkerhet (31 december)",
        2025,
        2025,
        ("000007ME",),
        {"Alder": TOTAL, "Kon": TOTAL},
        years=TREND,
        required=True,
        codelist=CKM_MUNICIPALITY_CODELIST,
    ),
    ScbTable(
        "sweden_population",
        "TAB638",
        "Folkmängd i Sveriges alla kommuner (för externa arbetsmarknader)",
        1968,
        2024,
        ("BE0101N1",),
        {"Alder": TOTAL, "Kon": ALL},
        whole_country=True,
    ),
    ScbTable(
        "sweden_population",
        "TAB5557",
        "Folkmängd i Sveriges alla kommuner, med CKM-osäkerhet",
        2025,
        2025,
        ("000007ME",),
        {"Alder": TOTAL, "Kon": TOTAL},
        whole_country=True,
        codelist=CKM_MUNICIPALITY_CODELIST,
    ),
    ScbTable(
        "births",
        "TAB1264",
        "Levande födda efter region och år",
        1968,
        2024,
        ("BE0101E2",),
        {"AlderModer": TOTAL, "Kon": ALL},
        years=TREND,
    ),
    ScbTable(
        "deaths",
        "TAB960",
        "Döda efter region och år",
        1968,
        2024,
        ("BE0101D9",),
        {"Alder": TOTAL, "Kon": ALL},
        years=TREND,
        confirmed=False,
    ),
    ScbTable(
        "migration",
        "TAB1212",
        "Inrikes in- och utflyttningar, invandringar och utvandringar efter region och år",
        1997,
        2024,
        ("BE0101AX", "BE0101AY", "BE0101A2", "BE0101A3"),
        {"Alder": TOTAL, "Kon": ALL},
        years=TREND,
        confirmed=False,
    ),
    ScbTable(
        "dwellings",
        "TAB824",
        "Antal lägenheter efter region, hustyp och upplåtelseform (31 december)",
        1990,
        2025,
        ("BO0104AH",),
        {"Hustyp": ALL, "Upplatelseform": ALL},
    ),
    ScbTable(
        "employment_by_workplace",
        "TAB3204",
        "Sysselsatta 15-74 år efter arbetsställets region och näringsgren (SNI 2007), årligt "
        "register",
        2020,
        2024,
        ("000002XH",),
        {"SNI2007": ALL},
        confirmed=False,
    ),
    ScbTable(
        "commuting",
        "TAB5839",
        "Förvärvsarbetande pendlare 16-74 år över kommungräns (RAMS), inpendlare, utpendlare, "
        "bor och arbetar i kommunen",
        2019,
        2021,
        ("00000547", "00000548", "00000546"),
        {"Kon": TOTAL},
        years=LATEST,
    ),
    ScbTable(
        "persons_per_household",
        "TAB4374",
        "Antal personer per hushåll (31 december)",
        2011,
        2025,
        ("000000M5",),
        additive=False,
    ),
    ScbTable(
        "tax_rate",
        "TAB2017",
        "Kommunalskatt: skattesats till kommun, procent",
        2000,
        2026,
        ("OE0101D2",),
    ),
)

KOLADA_KPIS: tuple[KoladaKpi, ...] = (
    KoladaKpi("N00901", "Skattesats till kommun", "percent"),
    KoladaKpi("N03011", "Nettokostnad, kommunen", "SEK per resident"),
    KoladaKpi("N03007", "Årets resultat, kommunen", "SEK per resident"),
    KoladaKpi("N03046", "Långfristiga skulder, kommunen", "SEK per resident"),
)
KOLADA_KEY = "municipal_accounts"
KOLADA_YEARS_BEFORE_BASE = 4  # key figures for the base year and the four years before it
