"""Labels and number formats of the report in Swedish and English.

Numbers are formatted by Babel with the language's locale: Swedish uses a decimal comma and a
(non-breaking) space as thousands separator. Reports show names people read, never identifiers:
indicators by their titles (``configs/indicators.yaml``, :data:`INDICATOR_LABELS`), scenarios and
their interventions by the titles an ensemble carries (:func:`scenario_titles`,
:func:`intervention_titles`), goals by their labels (:func:`sim.analysis.goals.goal_labels`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from babel.numbers import format_decimal, format_percent

from sim.config.names import indicator_names

if TYPE_CHECKING:
    import xarray as xr

LOCALES = {"sv": "sv_SE", "en": "en_GB"}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Scenario report",
        "subtitle": "Regional growth simulation of {region}: {n} scenarios, {r} replicates each",
        "generated": "Code version {version}. Differences are paired by replicate against "
        "'{baseline}'. A difference is given as its mean with, in brackets, the range in which "
        "the true mean effect lies with 95 % confidence; ▲▼ mark effects whose range excludes "
        "zero. The shaded bands of the charts are something else: how much single futures "
        "(replicates) spread, 5-95 %.",
        "key_figures": "Key figures against the baseline",
        "indicator": "Indicator",
        "scenario": "Scenario",
        "baseline_value": "Baseline",
        "over_time": "Population, jobs and housing queue over time",
        "map": "Map: {indicator}, difference to the baseline in {year}",
        "map_note": "Each municipality is coloured by its difference to the baseline (red: lower, "
        "blue: higher); grey lines are the commuting flows between municipalities in the baseline "
        "({year}), both directions together, wider for more commuters (pairs below 5% of the "
        "largest are left out). Boundaries: {source}.",
        "phasing": "Phasing of the interventions",
        "finances": "Municipal finances in {year}",
        "result_per_resident": "Municipal result per resident (SEK)",
        "debt_per_resident": "Municipal debt per resident (SEK)",
        "goals": "Goal conflicts",
        "goals_note": "Region level, in the goal's year. A scenario improves or worsens a goal "
        "only when its effect is both clear (95 % confidence over all the goals together) and at "
        "least the smallest change that matters for that goal; a clear but smaller effect is "
        "marked 'too small'. Goals marked * are not resolved: with these replicates an effect "
        "of the smallest size that matters could still go unseen.",
        "too_small": "too small",
        "robustness": "Robustness across {n} sampled futures",
        "robustness_note": "Share of the sampled futures (external uncertainties such as the "
        "establishment's size and timing, in-migration, fertility, building costs and interest "
        "rates) in which each scenario meets each goal: a threshold goal when its target is met, "
        "other goals when the scenario improves on the baseline of the same future by at least "
        "the smallest change that matters. Futures are not forecasts; each is equally likely by "
        "design.",
        "regret": "Regret: how far each scenario falls short of the best one",
        "regret_note": "In each future, the shortfall on the goal's indicator against the best "
        "scenario of that future; mean / in the worst tenth of the futures (90th percentile). "
        "0 means best.",
        "fail_conditions": "When scenarios fail",
        "fail_conditions_note": "Where a scenario fails a goal in some futures only, the "
        "conditions that gather most of its failures (a shallow decision tree on the sampled "
        "values).",
        "fails_when": "{scenario} fails '{goal}' in {share} of the futures; when {conditions} "
        "it fails in {density} of them ({coverage} of its failures).",
        "and": "and",
        "winners": "Winners and losers by municipality",
        "gain": "gain",
        "lose": "lose",
        "none": "None.",
        "summary": "Summary per scenario",
        "improves": "improves",
        "worsens": "worsens",
        "no_change": "·",
        "conflict": "conflict",
        "year": "Year",
        "region": "Region",
        "charts": "Chart files",
        "establishment": "establishment",
        "programme": "housing programme",
        "culture": "cultural investment",
        "joint": "joint proposal",
        "decided": "decided",
        "never_decided": "not decided within the horizon",
        "who_pays": "Joint proposals: who pays, who gains",
        "who_pays_note": "Means over replicates, MSEK summed over the simulated years. Paid: the "
        "municipality's part of the investment and operating costs (for the network "
        "organisation's proposals, the investment its pool paid, by the members' shares). Gained: "
        "the value of the cultural access its residents gain once the facility is open. Net "
        "position: gained minus paid.",
        "municipality": "Municipality",
        "cost_share": "Cost share",
        "paid": "Paid (MSEK)",
        "gained": "Gained (MSEK)",
        "net_position": "Net position (MSEK)",
        "decided_in": "decided in {year}",
        "no_interventions": "no interventions",
        "population": "Population",
        "jobs": "Jobs",
        "housing_queue": "Housing queue (households)",
        "summary_growth": "By {year}, the scenario changes the region's population by {pop} "
        "({band}) and its jobs by {jobs} compared with the baseline.",
        "summary_queue": "The housing queue changes by {queue} households.",
        "summary_conflict": "Goal conflict: it improves {good} but worsens {bad}.",
        "summary_good": "It improves {good} without clearly worsening any goal.",
        "summary_bad": "It worsens {bad} without clearly improving any goal.",
        "summary_none": "No goal changes clearly.",
        "summary_unclear": "The change stands within replicate noise.",
        "precision": "Replicates: {r}. Goals resolved (an effect of the smallest size that "
        "matters would be found): {resolved} of {total}. More replicates narrow the intervals: "
        "see the README (replicates).",
        "optimisation": "Phasings found by search",
        "optimisation_note": "The search tried settings of the levers (what to build, where and "
        "when) and judged each on a sample of futures and random seeds; the phasings it kept "
        "are those no other phasing beats on every objective at once. Every one of them and the "
        "hand-made scenarios were then run again, {runs} runs each, on futures and seeds that "
        "the search never saw, so that luck in the search's sample does not flatter them: all "
        "values shown here are from those fresh runs. A phasing that is worse on one objective "
        "is better on another; which balance to strike is a choice, not a result of the model.",
        "optimisation_values_note": "Value on the fresh runs with, in brackets, its 95 % "
        "confidence interval. The table lists the representative phasings (the best on each "
        "objective, and the balanced one closest to the best on all) and the hand-made "
        "scenarios; the chart shows all {n} phasings found.",
        "tradeoff": "Trade-offs between the objectives of the search",
        "tradeoff_caption": "Each circle is a phasing found by the search, each square a "
        "hand-made scenario, at its values on the fresh runs; the bars are 95 % confidence "
        "intervals. Numbered phasings are those of the table. {hollow}{pairs}",
        "tradeoff_hollow": "Hollow circles are phasings that another one beats on the fresh runs. ",
        "tradeoff_pairs": "The first three objectives, two at a time.",
        "tradeoff_pairs_more": "The first three of the {n} objectives, two at a time; the others "
        "are in the table.",
        "tradeoff_single": "The search has one objective; the phasings are in rows.",
        "found_by_search": "Found by search",
        "dominated": "Beaten on the fresh runs",
        "hand_made": "Hand-made scenario",
        "base_reference": "Base scenario of the problem",
        "solution": "Phasing {n}",
        "option": "Option",
        "kind": "Type",
        "phasing_words": "Phasing",
        "best_on": "Best on {objective}",
        "balanced": "Balanced",
        "lower_is_better": "lower is better",
        "higher_is_better": "higher is better",
    },
    "sv": {
        "title": "Scenariorapport",
        "subtitle": "Simulering av regional tillväxt i {region}: {n} scenarier, "
        "{r} replikat vardera",
        "generated": "Kodversion {version}. Skillnader är parade per replikat mot '{baseline}'. "
        "En skillnad anges som medelvärde och, inom parentes, det intervall där den sanna "
        "genomsnittliga effekten ligger med 95 % säkerhet; ▲▼ markerar effekter vars intervall "
        "inte omfattar noll. De skuggade banden i diagrammen visar något annat: hur mycket "
        "enskilda framtider (replikat) sprider sig, 5–95 %.",
        "key_figures": "Nyckeltal jämfört med basscenariot",
        "indicator": "Indikator",
        "scenario": "Scenario",
        "baseline_value": "Basscenario",
        "over_time": "Befolkning, arbetstillfällen och bostadskö över tid",
        "map": "Karta: {indicator}, skillnad mot basscenariot {year}",
        "map_note": "Varje kommun är färgad efter sin skillnad mot basscenariot (rött: lägre, "
        "blått: högre); grå linjer är pendlingsströmmarna mellan kommunerna i basscenariot "
        "({year}), båda riktningarna tillsammans, bredare för fler pendlare (par under 5 % av "
        "det största utelämnas). Kommungränser: {source}.",
        "phasing": "Etappindelning av insatserna",
        "finances": "Kommunernas ekonomi {year}",
        "result_per_resident": "Kommunens resultat per invånare (kr)",
        "debt_per_resident": "Kommunens skuld per invånare (kr)",
        "goals": "Målkonflikter",
        "goals_note": "Regionnivå, målets år. Ett scenario förbättrar eller försämrar ett mål "
        "bara när effekten är både tydlig (95 % säkerhet för alla mål tillsammans) och minst den "
        "minsta förändring som spelar roll för målet; en tydlig men mindre effekt markeras "
        "'för liten'. Mål märkta * är inte upplösta: med dessa replikat kan en effekt av den "
        "minsta storlek som spelar roll fortfarande gå obemärkt förbi.",
        "too_small": "för liten",
        "robustness": "Robusthet över {n} samplade framtider",
        "robustness_note": "Andel av de samplade framtiderna (yttre osäkerheter som "
        "etableringens storlek och tidpunkt, inflyttning, fruktsamhet, byggkostnader och "
        "räntor) där varje scenario når varje mål: ett mål med målvärde när målvärdet nås, "
        "övriga mål när scenariot förbättrar målet mot basscenariot i samma framtid med minst "
        "den minsta förändring som spelar roll. Framtiderna är inga prognoser; var och en är "
        "lika sannolik.",
        "regret": "Ånger: hur långt varje scenario når från det bästa",
        "regret_note": "I varje framtid, avståndet på målets indikator till framtidens bästa "
        "scenario; medelvärde / i den sämsta tiondelen av framtiderna (90:e percentilen). "
        "0 betyder bäst.",
        "fail_conditions": "När scenarier inte når målen",
        "fail_conditions_note": "Där ett scenario missar ett mål bara i vissa framtider: de "
        "villkor som samlar flest av missarna (ett grunt beslutsträd på de samplade värdena).",
        "fails_when": "{scenario} missar '{goal}' i {share} av framtiderna; när {conditions} "
        "missar det i {density} av dem ({coverage} av missarna).",
        "and": "och",
        "winners": "Vinnare och förlorare per kommun",
        "gain": "vinner",
        "lose": "förlorar",
        "none": "Inga.",
        "summary": "Sammanfattning per scenario",
        "improves": "förbättrar",
        "worsens": "försämrar",
        "no_change": "·",
        "conflict": "konflikt",
        "year": "År",
        "region": "Regionen",
        "charts": "Diagramfiler",
        "establishment": "etablering",
        "programme": "bostadsprogram",
        "culture": "kulturinvestering",
        "joint": "gemensamt förslag",
        "decided": "beslutat",
        "never_decided": "inte beslutat inom perioden",
        "who_pays": "Gemensamma förslag: vem betalar, vem vinner",
        "who_pays_note": "Medelvärden över replikat, mnkr summerat över de simulerade åren. "
        "Betalt: kommunens del av investerings- och driftkostnaderna (för nätverksorganisationens "
        "förslag den investering dess gemensamma budget betalade, efter medlemmarnas andelar). "
        "Vunnet: värdet av den kulturella tillgänglighet invånarna får när anläggningen öppnat. "
        "Nettoställning: vunnet minus betalt.",
        "municipality": "Kommun",
        "cost_share": "Kostnadsandel",
        "paid": "Betalt (mnkr)",
        "gained": "Vunnet (mnkr)",
        "net_position": "Nettoställning (mnkr)",
        "decided_in": "beslutat {year}",
        "no_interventions": "inga insatser",
        "population": "Befolkning",
        "jobs": "Arbetstillfällen",
        "housing_queue": "Bostadskö (hushåll)",
        "summary_growth": "År {year} förändrar scenariot regionens befolkning med {pop} "
        "({band}) och antalet arbetstillfällen med {jobs} jämfört med basscenariot.",
        "summary_queue": "Bostadskön förändras med {queue} hushåll.",
        "summary_conflict": "Målkonflikt: scenariot förbättrar {good} men försämrar {bad}.",
        "summary_good": "Scenariot förbättrar {good} utan att tydligt försämra något mål.",
        "summary_bad": "Scenariot försämrar {bad} utan att tydligt förbättra något mål.",
        "summary_none": "Inget mål förändras tydligt.",
        "summary_unclear": "Förändringen ligger inom slumpvariationen.",
        "precision": "Replikat: {r}. Upplösta mål (en effekt av den minsta storlek som spelar "
        "roll skulle upptäckas): {resolved} av {total}. Fler replikat ger smalare intervall: se "
        "README (replikat).",
        "optimisation": "Etappindelningar funna genom sökning",
        "optimisation_note": "Sökningen prövade inställningar av styrmedlen (vad som byggs, var "
        "och när) och bedömde var och en över ett urval av framtider och slumpfrön; de "
        "etappindelningar den behöll är de som ingen annan slår på alla mål samtidigt. Var och en "
        "av dem och de för hand utformade scenarierna kördes sedan på nytt, {runs} körningar "
        "vardera, i framtider och med slumpfrön som sökningen aldrig såg, så att tur i "
        "sökningens urval inte får dem att se bättre ut än de är: alla värden här kommer från "
        "de nya körningarna. En etappindelning som är sämre på ett mål är bättre på ett annat; "
        "vilken avvägning som ska göras är ett val, inte ett resultat av modellen.",
        "optimisation_values_note": "Värde i de nya körningarna och, inom parentes, dess "
        "95-procentiga konfidensintervall. Tabellen visar de representativa etappindelningarna "
        "(den bästa på varje mål och den balanserade som ligger närmast det bästa på alla) och "
        "de för hand utformade scenarierna; diagrammet visar alla {n} etappindelningar som "
        "hittades.",
        "tradeoff": "Avvägningar mellan sökningens mål",
        "tradeoff_caption": "Varje cirkel är en etappindelning som sökningen hittade, varje "
        "kvadrat ett scenario utformat för hand, vid sina värden i de nya körningarna; "
        "strecken är 95-procentiga konfidensintervall. Numrerade etappindelningar är de i "
        "tabellen. {hollow}{pairs}",
        "tradeoff_hollow": "Ofyllda cirklar är etappindelningar som en annan slår i de nya "
        "körningarna. ",
        "tradeoff_pairs": "De tre första målen, två i taget.",
        "tradeoff_pairs_more": "De tre första av de {n} målen, två i taget; övriga finns i "
        "tabellen.",
        "tradeoff_single": "Sökningen har ett mål; etappindelningarna står på var sin rad.",
        "found_by_search": "Funnen genom sökning",
        "dominated": "Slagen i de nya körningarna",
        "hand_made": "Scenario utformat för hand",
        "base_reference": "Problemets basscenario",
        "solution": "Etappindelning {n}",
        "option": "Alternativ",
        "kind": "Typ",
        "phasing_words": "Etappindelning",
        "best_on": "Bäst på {objective}",
        "balanced": "Balanserad",
        "lower_is_better": "lägre är bättre",
        "higher_is_better": "högre är bättre",
    },
}


class _IndicatorLabels(Mapping):
    """Language -> indicator name -> its title (``configs/indicators.yaml``, read when first
    used: a broken file is reported by the command that needs it, not at import)."""

    def __getitem__(self, lang: str) -> dict[str, str]:
        if lang not in LOCALES:
            raise KeyError(lang)
        return {name: n.title_in(lang) for name, n in indicator_names().items()}

    def __iter__(self) -> Iterator[str]:
        return iter(LOCALES)

    def __len__(self) -> int:
        return len(LOCALES)


INDICATOR_LABELS: Mapping[str, dict[str, str]] = _IndicatorLabels()
"""``INDICATOR_LABELS[lang][indicator]``: the indicator's title in the language."""


def _per_scenario(ensemble: xr.Dataset, key: str) -> list[str] | None:
    """A text variable of the ensemble with one value per scenario (the first replicate's), or
    None if the ensemble has no such variable (written before it existed)."""
    if key not in ensemble:
        return None
    var = ensemble[key]
    var = var.isel({d: 0 for d in var.dims if d != "scenario"})
    return ["" if v is None or v != v else str(v) for v in var.values.tolist()]


def _in_language(ensemble: xr.Dataset, key: str, lang: str) -> list[str]:
    """Per scenario, ``<key>_sv`` for Swedish, ``<key>`` otherwise, falling back to the other
    language's text and then to ''."""
    own = _per_scenario(ensemble, f"{key}_sv" if lang == "sv" else key)
    other = _per_scenario(ensemble, key if lang == "sv" else f"{key}_sv")
    n = ensemble.sizes["scenario"]
    own, other = own or [""] * n, other or [""] * n
    return [a or b for a, b in zip(own, other, strict=True)]


def scenario_titles(ensemble: xr.Dataset, lang: str) -> dict[str, str]:
    """Scenario name -> its title in ``lang`` (``scenario_title_sv`` for 'sv', ``scenario_title``
    otherwise; the other language's when one is empty), or the name itself for ensembles written
    before scenarios had titles.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset(
    ...     {"scenario_title": ("scenario", ["Concert hall in Skövde", ""]),
    ...      "scenario_title_sv": ("scenario", ["Konserthus i Skövde", ""])},
    ...     coords={"scenario": ["culture_hub", "old"]},
    ... )
    >>> scenario_titles(ds, "sv")
    {'culture_hub': 'Konserthus i Skövde', 'old': 'old'}
    """
    names = [str(s) for s in ensemble["scenario"].values]
    titles = _in_language(ensemble, "scenario_title", lang)
    return {name: title or name for name, title in zip(names, titles, strict=True)}


def scenario_descriptions(ensemble: xr.Dataset, lang: str) -> dict[str, str]:
    """Scenario name -> its description in ``lang`` ('' where the ensemble has none)."""
    names = [str(s) for s in ensemble["scenario"].values]
    texts = _in_language(ensemble, "scenario_description", lang)
    return dict(zip(names, texts, strict=True))


def intervention_titles(ensemble: xr.Dataset, dim: str, lang: str) -> dict[tuple[str, str], str]:
    """(scenario, intervention name) -> the intervention's title in ``lang``, for the
    interventions along ``dim`` (``establishment``, ``housing_programme``,
    ``cultural_investment``, ``joint_proposal``); the name where the ensemble has no title (an
    ensemble written before interventions had titles)."""
    if dim not in ensemble.dims:
        return {}
    items = [str(i) for i in ensemble[dim].values]
    out = {}
    for key in (f"{dim}_title", f"{dim}_title_sv") if lang == "sv" else (f"{dim}_title",):
        if key not in ensemble:
            continue
        var = ensemble[key]
        var = var.isel({d: 0 for d in var.dims if d not in ("scenario", dim)})
        values = var.transpose("scenario", dim).values.tolist()
        for s, row in zip(ensemble["scenario"].values, values, strict=True):
            for item, title in zip(items, row, strict=True):
                if isinstance(title, str) and title:
                    out[(str(s), item)] = title  # the language's own title wins where given
    return {
        (str(s), item): out.get((str(s), item), item)
        for s in ensemble["scenario"].values
        for item in items
    }


# Units of the optimisation objectives (sim.optimise.objectives.unit) in Swedish; others as given.
UNIT_LABELS: dict[str, dict[str, str]] = {
    "en": {},
    "sv": {
        "persons": "personer",
        "person-years": "personår",
        "positions": "arbetstillfällen",
        "position-years": "arbetstillfällesår",
        "percent": "%",
        "households": "hushåll",
        "household-years": "hushållsår",
        "households-years": "hushållsår",
        "MSEK": "mnkr",
        "MSEK-years": "mnkr-år",
        "SEK/resident": "kr/invånare",
        "SEK/resident x years": "kr/invånare x år",
        "minutes": "minuter",
        "places": "platser",
        "persons/year": "personer/år",
        "persons/year x years": "personer/år x år",
    },
}


def objective_label(objective: dict, lang: str) -> str:
    """An optimisation objective's label in the language, with its units unless the label already
    carries a parenthesis (the convention of the shipped problems: "Housing queue (household-years,
    9 futures in 10)")."""
    label = str(objective.get("label_sv" if lang == "sv" else "label") or "")
    label = label or str(objective.get("label") or objective.get("name", ""))
    units = str(objective.get("units") or "")
    if units and "(" not in label:
        label = f"{label} ({UNIT_LABELS[lang].get(units, units)})"
    return label


def number(value: float, lang: str, digits: int | None = None, signed: bool = False) -> str:
    """A number in the language's format; ``digits`` decimals (default: by magnitude)."""
    if value != value:  # NaN
        return "–"
    if digits is None:
        magnitude = abs(value)
        whole = float(value).is_integer()
        digits = 0 if magnitude >= 100 or whole else 1 if magnitude >= 10 else 2
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if signed:
        pattern = "+" + pattern + ";-" + pattern
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def percent(value: float, lang: str) -> str:
    """A share (0-1) as a percentage in the language's format."""
    return format_percent(value, locale=LOCALES[lang])
