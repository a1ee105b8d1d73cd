"""``sim report``: turn an ensemble (and its comparison) into one self-contained HTML file.

Charts are PNG images embedded as data URIs, except the map, which is inline SVG (each
municipality a group ``muni-<code>-<panel>``, see :func:`sim.report.charts.difference_map`);
styles are inlined and there is no script, so the file opens offline and prints well; a PNG copy
of every chart is written beside it.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sim.analysis.compare import REGION, CompareError
from sim.analysis.goals import (
    goal_labels,
    winners_and_losers,
)
from sim.analysis.robustness import failure_conditions
from sim.io.atomic import not_replaceable, publish_folder, write_bytes
from sim.io.boundaries import SOURCE, municipal_boundaries, read_geojson
from sim.report import charts
from sim.report.explorer import explorer_path, study_explorer
from sim.report.i18n import (
    INDICATOR_LABELS,
    LABELS,
    intervention_titles,
    number,
    objective_label,
    percent,
    scenario_descriptions,
    scenario_titles,
)
from sim.report.study import load_front, load_study, reference_titles

# +1 when more is better, -1 when less is better: colours the key figures green or red.
BETTER = {
    "population": 1,
    "jobs": 1,
    "unemployment_rate": -1,
    "housing_queue": -1,
    "municipal_result_per_resident": 1,
    "cultural_access": 1,
}
KEY_INDICATORS = (
    "population",
    "jobs",
    "unemployment_rate",
    "housing_queue",
    "municipal_result_per_resident",
    "cultural_access",
)


def _cell(comparison: xr.Dataset, ind: str, scenario: str, year: int, lang: str) -> dict:
    c = comparison.sel(indicator=ind, scenario=scenario, year=year, area=REGION)
    clear = int(c["clear"])
    mark = {1: "▲", -1: "▼", 0: ""}[clear]
    text = (
        f"{mark}{number(float(c['diff_mean']), lang, signed=True)} "
        f"({number(float(c['diff_ci_low']), lang)} – {number(float(c['diff_ci_high']), lang)})"
    )
    return {"text": text, "cls": {1: "up", -1: "down", 0: ""}[clear * BETTER[ind]]}


def key_figures(
    comparison: xr.Dataset, years: list[int], lang: str, titles: Mapping[str, str] | None = None
) -> list[dict]:
    """The key indicators of each scenario against the baseline, one table per year; scenarios
    by their ``titles`` (name -> title; the name where none is given)."""
    t = LABELS[lang]
    titles = titles or {}
    baseline = comparison.attrs["baseline"]
    scenarios = [str(s) for s in comparison["scenario"].values if s != baseline]
    blocks = []
    for year in years:
        base = comparison.sel(scenario=baseline, year=year, area=REGION)
        blocks.append(
            {
                "caption": f"{t['region']} {year}",
                "header": [INDICATOR_LABELS[lang][i] for i in KEY_INDICATORS],
                "baseline": [
                    number(float(base["mean"].sel(indicator=i)), lang) for i in KEY_INDICATORS
                ],
                "rows": [
                    {
                        "scenario": titles.get(s, s),
                        "cells": [_cell(comparison, i, s, year, lang) for i in KEY_INDICATORS],
                    }
                    for s in scenarios
                ],
            }
        )
    return blocks


def joint_tables(ensemble: xr.Dataset, lang: str) -> list[dict]:
    """Who pays and who gains from each scenario's joint proposals: per municipality that pays or
    gains, the cost share, the payments and the value gained over the horizon, and the net
    position, as means over replicates."""
    if ensemble.sizes.get("joint_proposal", 0) == 0 or "joint_net_position" not in ensemble:
        return []
    t = LABELS[lang]
    names = [str(n) for n in ensemble["municipality_name"].values]
    titles = scenario_titles(ensemble, lang)
    proposals = intervention_titles(ensemble, "joint_proposal", lang)
    blocks = []
    for scenario in ensemble["scenario"].values:
        for proposal in ensemble["joint_proposal"].values:
            ds = ensemble.sel(scenario=scenario, joint_proposal=proposal)
            if not np.isfinite(ds["joint_net_benefit"].values).any():
                continue  # not a proposal of this scenario
            decided = ds["joint_decision_year"].values
            if np.isfinite(decided).any():
                low, high = int(np.nanmin(decided)), int(np.nanmax(decided))
                when = t["decided_in"].format(year=low if low == high else f"{low}–{high}")
            else:
                when = t["never_decided"]
            share = ds["joint_cost_share"].mean("replicate").values
            paid = ds["joint_payment"].sum("year").mean("replicate").values
            gained = ds["joint_benefit"].sum("year").mean("replicate").values
            net = ds["joint_net_position"].mean("replicate").values
            rows = [
                [
                    names[m],
                    percent(float(share[m]), lang),
                    number(float(paid[m]), lang, digits=1),
                    number(float(gained[m]), lang, digits=1),
                    number(float(net[m]), lang, digits=1, signed=True),
                ]
                for m in np.argsort(-net, kind="stable")
                if share[m] > 0 or abs(gained[m]) >= 0.05
            ]
            title = proposals[(str(scenario), str(proposal))]
            blocks.append({"caption": f"{titles[str(scenario)]}: {title}, {when}", "rows": rows})
    return blocks


def robustness_tables(
    robust: xr.Dataset,
    features,
    goal_results: xr.Dataset,
    lang: str,
    titles: Mapping[str, str] | None = None,
) -> dict:
    """Regret by scenario and goal (mean and 90th percentile over the futures), and the
    conditions under which scenarios fail goals (scenario discovery), in words; scenarios by
    their ``titles``."""
    t = LABELS[lang]
    titles = titles or {}
    names = goal_labels(goal_results, lang)
    goals = [str(g) for g in robust["goal"].values]
    units = dict(zip(goals, [str(u) for u in robust["goal_units"].values], strict=True))
    regret_rows = []
    for s in robust["scenario"].values:
        cells = []
        for g in goals:
            cell = robust.sel(goal=g, scenario=s)
            cells.append(
                f"{number(float(cell['regret_mean']), lang)} / "
                f"{number(float(cell['regret_p90']), lang)}"
            )
        regret_rows.append({"scenario": titles.get(str(s), str(s)), "cells": cells})
    conditions = []
    for _, r in failure_conditions(robust, features).iterrows():
        conditions.append(
            t["fails_when"].format(
                scenario=titles.get(r["scenario"], r["scenario"]),
                goal=names.get(r["goal"], r["goal"]),
                share=percent(r["fails_share"], lang),
                conditions=_conditions_text(r["conditions"], lang),
                density=percent(r["density"], lang),
                coverage=percent(r["coverage"], lang),
            )
        )
    return {
        "goals": [f"{names.get(g, g)} ({units[g]})" for g in goals],
        "regret": regret_rows,
        "conditions": conditions,
    }


def _conditions_text(rule: str, lang: str) -> str:
    """``interest_rate > 0.031 and ...`` with the language's decimal mark and its words."""
    parts = []
    for condition in rule.split(" and "):
        name, op, value = condition.split(" ")
        parts.append(f"{name} {op} {number(float(value), lang, digits=3)}")
    return f" {LABELS[lang]['and']} ".join(parts)


def goal_tables(
    goal_results: xr.Dataset,
    comparison: xr.Dataset,
    lang: str,
    titles: Mapping[str, str] | None = None,
) -> dict:
    """The goal matrix as a table (scenarios by their ``titles``, goals by their labels), the
    winners and losers, and how many goals the study resolved."""
    t = LABELS[lang]
    titles = titles or {}
    baseline = comparison.attrs["baseline"]
    effect = goal_results["goal_effect"]
    scenarios = [str(s) for s in effect["scenario"].values if s != baseline]
    rows = []
    for s in scenarios:
        cells = []
        for goal in effect["goal"].values:
            value = int(effect.sel(goal=goal, scenario=s, area=REGION))
            label = {1: "improves", -1: "worsens", 0: "no_change"}[value]
            small = goal_results["goal_clear_but_small"].sel(goal=goal, scenario=s, area=REGION)
            if int(small):
                label = "too_small"
            cells.append({"text": t[label], "cls": label})
        conflict = int(goal_results["goal_conflict"].sel(scenario=s))
        rows.append(
            {
                "scenario": titles.get(s, s),
                "cells": cells,
                "conflict": t["conflict"] if conflict else "",
            }
        )
    winners = [
        f"{titles.get(s, s)}, {goal_labels(goal_results, lang)[goal]}: {t['gain']} "
        f"{', '.join(gain)}; "
        f"{t['lose']} {', '.join(lose)}"
        for s, goal, gain, lose in winners_and_losers(goal_results, comparison)
    ]
    labels = goal_labels(goal_results, lang)
    resolved = goal_results["goal_resolved"].sel(scenario=scenarios).min("scenario")
    return {
        "names": [
            labels[str(g)] + ("" if int(resolved.sel(goal=g)) else "*")
            for g in effect["goal"].values
        ],
        "rows": rows,
        "winners": winners,
        "precision": t["precision"].format(
            r=comparison.attrs["replicates"],
            resolved=int(resolved.sum()),
            total=int(resolved.size),
        ),
    }


def summaries(
    comparison: xr.Dataset,
    goal_results: xr.Dataset | None,
    descriptions: dict[str, str],
    year: int,
    lang: str,
    titles: Mapping[str, str] | None = None,
) -> list[dict]:
    """A plain-language paragraph per scenario, generated from the numbers, under the scenario's
    title (``titles``: name -> title; the name where none is given)."""
    t = LABELS[lang]
    titles = titles or {}
    baseline = comparison.attrs["baseline"]
    out = []
    for s in comparison["scenario"].values:
        if s == baseline:
            continue
        c = comparison.sel(scenario=s, year=year, area=REGION)
        pop, jobs = c.sel(indicator="population"), c.sel(indicator="jobs")
        queue = c.sel(indicator="housing_queue")
        band = f"{number(float(pop['diff_ci_low']), lang, signed=True)} – " + number(
            float(pop["diff_ci_high"]), lang, signed=True
        )
        parts = [
            t["summary_growth"].format(
                year=year,
                pop=number(float(pop["diff_mean"]), lang, digits=0, signed=True),
                band=band,
                jobs=number(float(jobs["diff_mean"]), lang, digits=0, signed=True),
            ),
            t["summary_queue"].format(
                queue=number(float(queue["diff_mean"]), lang, digits=0, signed=True)
            ),
        ]
        if int(pop["clear"]) == 0:
            parts.append(t["summary_unclear"])
        if goal_results is not None:
            effect = goal_results["goal_effect"].sel(scenario=s, area=REGION)
            labels = goal_labels(goal_results, lang)
            good = [labels[str(g)] for g in effect["goal"].values[effect.values == 1]]
            bad = [labels[str(g)] for g in effect["goal"].values[effect.values == -1]]
            if good and bad:
                parts.append(t["summary_conflict"].format(good=", ".join(good), bad=", ".join(bad)))
            elif good:
                parts.append(t["summary_good"].format(good=", ".join(good)))
            elif bad:
                parts.append(t["summary_bad"].format(bad=", ".join(bad)))
            else:
                parts.append(t["summary_none"])
        out.append(
            {
                "scenario": titles.get(str(s), str(s)),
                "description": descriptions.get(str(s), ""),
                "text": " ".join(parts),
            }
        )
    return out


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    charts.plt.close(fig)
    return buffer.getvalue()


def _is_unpublished_chart_folder(folder: Path) -> bool:
    """Charts written by an earlier version of the report, before outputs were published."""
    files = list(folder.iterdir())
    return bool(files) and all(f.is_file() and f.suffix == ".png" for f in files)


# The only elements and links the map's SVG may hold: what matplotlib writes for patches, lines,
# text and the colour bar's image. Anything else means the SVG is not matplotlib's own.
SVG_ELEMENTS = frozenset("svg defs style g path clipPath rect image text tspan use".split())
SVG_LINKS = ("#", "data:image/png;base64,")
SVG_METADATA = ("Date", "Creator", "Format", "Type")  # left out: the SVG has no <metadata>


def _inline_svg(fig) -> Markup:
    """The figure as an ``<svg>`` element to place in the HTML: text stays text (escaped by
    matplotlib), ids are stable, and the markup is checked by :func:`_checked_svg`."""
    buffer = io.StringIO()
    style = {"svg.fonttype": "none", "svg.hashsalt": "report-map", "svg.id": "map-svg"}
    with charts.matplotlib.rc_context(style):
        fig.savefig(buffer, format="svg", metadata=dict.fromkeys(SVG_METADATA))
    text = buffer.getvalue()
    return _checked_svg(text[text.index("<svg") :])


def _checked_svg(text: str) -> Markup:
    """``text``, an SVG document without its XML prologue, as markup for the HTML, once it is
    found to be well-formed XML of :data:`SVG_ELEMENTS` only, without an event handler or a link
    that leaves the file; a ValueError otherwise."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as err:
        raise ValueError(f"the map's SVG is not well-formed: {err}") from None
    for element in root.iter():
        tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else "?"
        if tag not in SVG_ELEMENTS:
            raise ValueError(f"the map's SVG has an unexpected element <{tag}>")
        for name, value in element.attrib.items():
            name = name.rpartition("}")[2]
            if name.lower().startswith("on") or (
                name == "href" and not value.startswith(SVG_LINKS)
            ):
                raise ValueError(f"the map's SVG has an unexpected attribute {name}={value!r}")
    return Markup(text)


def representative_label(text: str, objectives: list[dict], lang: str) -> str:
    """``best_queue,balanced`` in words: "Best on <objective>; Balanced"."""
    t = LABELS[lang]
    by_name = {str(o["name"]): o for o in objectives}
    words = []
    for label in (x.strip() for x in str(text).split(",")):
        if label == "balanced":
            words.append(t["balanced"])
        elif label.startswith("best_") and label[5:] in by_name:
            words.append(t["best_on"].format(objective=objective_label(by_name[label[5:]], lang)))
        elif label:
            words.append(label)
    return "; ".join(words)


def _value_cells(value, low, high, lang: str) -> list[str]:
    return [
        f"{number(float(v), lang)} ({number(float(lo), lang)} – {number(float(hi), lang)})"
        for v, lo, hi in zip(value, low, high, strict=True)
    ]


def optimisation_section(front: xr.Dataset, lang: str) -> dict:
    """The texts and the table of the section on the phasings found by search: one row per
    representative solution and per reference scenario (by its title, where the front has
    them), each objective's value on the fresh runs with its 95 % confidence interval."""
    t = LABELS[lang]
    objectives = json.loads(front.attrs["objectives"])
    sv = lang == "sv"
    attrs = front.attrs
    title = (attrs.get("title_sv") if sv else "") or attrs.get("title") or attrs.get("problem")
    description = (attrs.get("description_sv") if sv else "") or attrs.get("description", "")
    rows = []
    solutions = front.transpose("solution", "objective", ...)
    for k, s in enumerate(solutions["solution"].values):
        kind = str(solutions["representative"].values[k]).strip()
        if not kind:
            continue
        rows.append(
            {
                "name": t["solution"].format(n=int(s)),
                "kind": representative_label(kind, objectives, lang),
                "phasing": str(solutions[f"timeline_{lang}"].values[k]),
                "cells": _value_cells(
                    *(solutions[v].values[k] for v in ("value", "value_ci_low", "value_ci_high")),
                    lang,
                ),
            }
        )
    references = front.transpose("reference", "objective", ...)
    named = reference_titles(front, lang)
    for k in range(references.sizes["reference"]):
        rows.append(
            {
                "name": named[k],
                "kind": t["base_reference"] if k == 0 else t["hand_made"],
                "phasing": str(references[f"reference_timeline_{lang}"].values[k]),
                "cells": _value_cells(
                    *(
                        references[v].values[k]
                        for v in ("reference_value", "reference_ci_low", "reference_ci_high")
                    ),
                    lang,
                ),
            }
        )
    header = [
        f"{objective_label(o, lang)}, "
        f"{t['lower_is_better' if o.get('direction') != 'maximize' else 'higher_is_better']}"
        for o in objectives
    ]
    return {
        "title": str(title or ""),
        "description": str(description or ""),
        "note": t["optimisation_note"].format(runs=front.sizes["run"]),
        "values_note": t["optimisation_values_note"].format(n=front.sizes["solution"]),
        "header": header,
        "rows": rows,
    }


def tradeoff_caption(front: xr.Dataset, lang: str) -> str:
    t = LABELS[lang]
    n = front.sizes["objective"]
    pairs = (
        t["tradeoff_single"]
        if n == 1
        else ""
        if n == 2
        else t["tradeoff_pairs"]
        if n == 3
        else t["tradeoff_pairs_more"].format(n=n)
    )
    dominated = front.get("dominated_after_reevaluation")
    hollow = t["tradeoff_hollow"] if dominated is not None and bool(dominated.any()) else ""
    return t["tradeoff_caption"].format(hollow=hollow, pairs=pairs).strip()


def build_report(
    ensemble_path: str | Path,
    out: str | Path,
    lang: str = "sv",
    baseline: str = "baseline",
    goals: str | None = None,
    indicator: str = "population",
    geojson: str | Path | None = None,
    optimisation: str | Path | None = None,
    with_explorer: bool = True,
) -> Path:
    """Write the HTML report and its chart files, and the planners' explorer beside it
    (:func:`sim.report.explorer.explorer_path`) unless ``with_explorer`` is false; returns the
    report's path.

    ``optimisation``: an optimisation study's folder or its ``front.nc``; the report then has a
    section on the phasings the search found, run again on fresh futures and seeds."""
    if lang not in LABELS:
        raise CompareError(f"--lang: {lang!r} is not supported; use one of: {', '.join(LABELS)}")
    if indicator not in INDICATOR_LABELS[lang]:
        raise CompareError(
            f"--indicator: {indicator!r} is not an indicator; use one of: "
            + ", ".join(INDICATOR_LABELS[lang])
        )
    if geojson is not None:
        geojson = Path(geojson)
        read_geojson(geojson)  # a broken file fails before the ensemble is read
    front = load_front(optimisation) if optimisation is not None else None
    out = Path(out)
    chart_dir = out.with_name(out.stem + "_charts")
    problem = not_replaceable(chart_dir, _is_unpublished_chart_folder)
    if problem:
        raise CompareError(f"--out: its chart folder {problem}")
    t = LABELS[lang]
    study = load_study(ensemble_path, baseline, goals)
    ensemble, comparison, features = study.ensemble, study.comparison, study.features
    region, goal_results, robust = study.region, study.goal_results, study.robust
    years = [int(y) for y in comparison["year"].values]
    last, middle = years[-1], years[len(years) // 2]
    codes = [str(a) for a in comparison["area"].values if a != REGION]
    boundaries = municipal_boundaries(codes, geojson)
    titles = scenario_titles(ensemble, lang)
    descriptions = scenario_descriptions(ensemble, lang)

    figures = [
        ("timeseries", t["over_time"], "", charts.timeseries(comparison, lang, titles)),
        (
            "map",
            t["map"].format(indicator=INDICATOR_LABELS[lang][indicator], year=last),
            t["map_note"].format(year=last, source=SOURCE if geojson is None else geojson.name),
            charts.difference_map(comparison, ensemble, indicator, last, lang, boundaries),
        ),
        ("phasing", t["phasing"], "", charts.phasing_timeline(ensemble, lang)),
        (
            "finances",
            t["finances"].format(year=last),
            "",
            charts.finances(comparison, ensemble, last, lang, titles),
        ),
    ]
    if goal_results is not None:
        figures.append(
            ("goals", t["goals"], "", charts.goal_matrix(goal_results, baseline, lang, titles))
        )
    if robust is not None:
        names = goal_labels(goal_results, lang)
        figures.append(
            (
                "robustness",
                t["robustness"].format(n=robust.sizes["replicate"]),
                t["robustness_note"],
                charts.robustness_matrix(robust, names, lang, titles),
            )
        )
    if front is not None:
        figures.append(
            (
                "tradeoff",
                t["tradeoff"],
                tradeoff_caption(front, lang),
                charts.tradeoff(front, lang, reference_titles(front, lang)),
            )
        )
    chart_items, pngs = [], {}
    for name, title, caption, fig in figures:
        svg = _inline_svg(fig) if name == "map" else None
        data = _png(fig)
        path = chart_dir / f"{name}_{lang}.png"
        pngs[path.name] = data
        chart_items.append(
            {
                "name": name,
                "title": title,
                "caption": caption,
                "file": f"{chart_dir.name}/{path.name}",
                "data": base64.b64encode(data).decode("ascii") if svg is None else None,
                "svg": svg,
            }
        )
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    html = env.get_template("template.html.j2").render(
        lang=lang,
        t=t,
        region=region,
        subtitle=t["subtitle"].format(
            region=region.capitalize(),
            n=comparison.sizes["scenario"],
            r=comparison.attrs["replicates"],
        ),
        generated=t["generated"].format(
            version=comparison.attrs.get("code_version", ""),
            baseline=titles.get(baseline, baseline),
        ),
        summaries=summaries(comparison, goal_results, descriptions, last, lang, titles),
        key_figures=key_figures(comparison, [middle, last], lang, titles),
        charts=[c for c in chart_items if c["name"] != "tradeoff"],
        chart_files=[c["file"] for c in chart_items],
        optimisation=optimisation_section(front, lang)
        | {"chart": next(c for c in chart_items if c["name"] == "tradeoff")}
        if front is not None
        else None,
        goals=goal_tables(goal_results, comparison, lang, titles)
        if goal_results is not None
        else None,
        joint=joint_tables(ensemble, lang),
        robustness=robustness_tables(robust, features, goal_results, lang, titles)
        if robust is not None
        else None,
    )
    # Everything is made before anything is written: a failure leaves the earlier report,
    # charts and explorer as they were.
    explorer = study_explorer(study, lang, boundaries, front) if with_explorer else None
    # The HTML carries its charts; the PNG folder is published first so that the report never
    # names charts that are not there.
    publish_folder(
        chart_dir,
        lambda folder: [(folder / n).write_bytes(d) for n, d in pngs.items()],
        _is_unpublished_chart_folder,
    )
    write_bytes(out, html.encode("utf-8"))
    if explorer is not None:
        write_bytes(explorer_path(out), explorer.encode("utf-8"))
    return out
