"""``sim report``: turn an ensemble (and its comparison) into one self-contained HTML file.

Charts are PNG images embedded as data URIs, styles are inlined and there is no script, so the file
opens offline and prints well; a PNG copy of every chart is written beside it.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import xarray as xr
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sim.analysis.compare import REGION, CompareError, compare, open_ensemble_store
from sim.analysis.goals import (
    GOALS_DIR,
    GoalSet,
    evaluate_goals,
    goal_labels,
    load_goals,
    winners_and_losers,
)
from sim.analysis.robustness import as_draws, failure_conditions, has_futures, robustness
from sim.analysis.study import COMPARISON_DIR
from sim.io.atomic import not_replaceable, publish_folder, write_bytes
from sim.report import charts
from sim.report.i18n import INDICATOR_LABELS, LABELS, number, objective_label, percent

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


def key_figures(comparison: xr.Dataset, years: list[int], lang: str) -> list[dict]:
    t = LABELS[lang]
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
                        "scenario": s,
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
            blocks.append({"caption": f"{scenario}: {proposal}, {when}", "rows": rows})
    return blocks


def robustness_tables(robust: xr.Dataset, features, goal_results: xr.Dataset, lang: str) -> dict:
    """Regret by scenario and goal (mean and 90th percentile over the futures), and the
    conditions under which scenarios fail goals (scenario discovery), in words."""
    t = LABELS[lang]
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
        regret_rows.append({"scenario": str(s), "cells": cells})
    conditions = []
    for _, r in failure_conditions(robust, features).iterrows():
        conditions.append(
            t["fails_when"].format(
                scenario=r["scenario"],
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


def goal_tables(goal_results: xr.Dataset, comparison: xr.Dataset, lang: str) -> dict:
    t = LABELS[lang]
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
        rows.append({"scenario": s, "cells": cells, "conflict": t["conflict"] if conflict else ""})
    winners = [
        f"{s}, {goal_labels(goal_results, lang)[goal]}: {t['gain']} {', '.join(gain)}; "
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
) -> list[dict]:
    """A plain-language paragraph per scenario, generated from the numbers."""
    t = LABELS[lang]
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
                scenario=s,
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
                "scenario": str(s),
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


def load_geojson(path: Path) -> dict:
    """A GeoJSON FeatureCollection of (Multi)Polygons, checked; the error names what is wrong."""
    import json

    if not path.is_file():
        raise CompareError(f"--geojson: {path} is not a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CompareError(f"--geojson: {path} is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise CompareError(
            f"--geojson: {path} is not JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CompareError(f"--geojson: {path} is not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise CompareError(f"--geojson: {path}: 'features' must be a list")
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            raise CompareError(
                f"--geojson: {path}: feature {i} has geometry type {kind!r}; boundaries must be "
                "Polygon or MultiPolygon"
            )
        polygons = geometry.get("coordinates")
        polygons = [polygons] if kind == "Polygon" else polygons
        if not _rings_are_valid(polygons):
            raise CompareError(
                f"--geojson: {path}: feature {i} has coordinates that are not rings of "
                "[longitude, latitude] pairs in degrees (reproject to WGS 84, EPSG:4326)"
            )
    return data


def _rings_are_valid(polygons) -> bool:
    import math

    if not isinstance(polygons, list) or not polygons:
        return False
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon or not isinstance(polygon[0], list):
            return False
        for point in polygon[0]:
            if not (
                isinstance(point, list)
                and len(point) >= 2
                and all(isinstance(v, int | float) and math.isfinite(v) for v in point[:2])
                and -180 <= point[0] <= 180
                and -90 <= point[1] <= 90
            ):
                return False
        if len(polygon[0]) < 3:
            return False
    return True


# What the report reads from an optimisation study's front.nc (sim.optimise.front.build_front).
FRONT_VARIABLES = (
    "value",
    "value_ci_low",
    "value_ci_high",
    "representative",
    "timeline_en",
    "timeline_sv",
    "reference_value",
    "reference_ci_low",
    "reference_ci_high",
    "reference_timeline_en",
    "reference_timeline_sv",
)
FRONT_DIMS = ("solution", "objective", "reference", "run")
FRONT_EXPECTED = (
    "expected the folder of an optimisation study holding front.nc (written by 'sim optimise') "
    "or that front.nc file"
)


def load_front(path: str | Path) -> xr.Dataset:
    """The front of an optimisation study (its folder or its ``front.nc``), checked; the error
    names ``--optimisation`` and what is wrong."""
    from sim.optimise.front import FRONT_FILE, open_front

    path = Path(path)
    if not path.exists():
        raise CompareError(f"--optimisation: {path} does not exist; {FRONT_EXPECTED}")
    if path.is_dir() and not (path / FRONT_FILE).is_file():
        raise CompareError(f"--optimisation: {path} holds no {FRONT_FILE}; {FRONT_EXPECTED}")
    file = path / FRONT_FILE if path.is_dir() else path
    try:
        front = open_front(file)
    except (OSError, ValueError, RuntimeError, TypeError):
        raise CompareError(
            f"--optimisation: {file} is not a readable netCDF file; {FRONT_EXPECTED}"
        ) from None
    missing = [d for d in FRONT_DIMS if d not in front.dims]
    missing += [v for v in FRONT_VARIABLES if v not in front.variables]
    missing += [a for a in ("objectives",) if a not in front.attrs]
    if missing:
        raise CompareError(
            f"--optimisation: {file} is not the front of an optimisation study: it lacks "
            f"{', '.join(missing)}; {FRONT_EXPECTED}"
        )
    try:
        names = [str(o["name"]) for o in json.loads(front.attrs["objectives"])]
    except (TypeError, ValueError, KeyError):
        names = None
    if names != [str(o) for o in front["objective"].values]:
        raise CompareError(
            f"--optimisation: {file}: its 'objectives' attribute is not a JSON list of the "
            f"objectives (each with a name, as in the 'objective' coordinate); {FRONT_EXPECTED}"
        )
    return front


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
    representative solution and per reference scenario, each objective's value on the fresh runs
    with its 95 % confidence interval."""
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
    base = str(attrs.get("base_scenario", ""))
    for k, r in enumerate(references["reference"].values):
        rows.append(
            {
                "name": str(r),
                "kind": t["base_reference"].format(name=base) if k == 0 else t["hand_made"],
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


def _resolve_ensemble(path: Path) -> Path:
    """An ensemble store from a sweep folder, a zarr store, or the comparison of a sweep."""
    if path.suffix == ".nc":
        path = path.parent
    if path.name == COMPARISON_DIR:
        path = path.parent
    return path


def build_report(
    ensemble_path: str | Path,
    out: str | Path,
    lang: str = "sv",
    baseline: str = "baseline",
    goals: str | None = None,
    indicator: str = "population",
    geojson: str | Path | None = None,
    optimisation: str | Path | None = None,
) -> Path:
    """Write the HTML report and its chart files; returns the report's path.

    ``optimisation``: an optimisation study's folder or its ``front.nc``; the report then has a
    section on the phasings the search found, run again on fresh futures and seeds."""
    if lang not in LABELS:
        raise CompareError(f"--lang: {lang!r} is not supported; use one of: {', '.join(LABELS)}")
    if indicator not in INDICATOR_LABELS[lang]:
        raise CompareError(
            f"--indicator: {indicator!r} is not an indicator; use one of: "
            + ", ".join(INDICATOR_LABELS[lang])
        )
    shapes = load_geojson(Path(geojson)) if geojson is not None else None
    front = load_front(optimisation) if optimisation is not None else None
    out = Path(out)
    chart_dir = out.with_name(out.stem + "_charts")
    problem = not_replaceable(chart_dir, _is_unpublished_chart_folder)
    if problem:
        raise CompareError(f"--out: its chart folder {problem}")
    t = LABELS[lang]
    ensemble = open_ensemble_store(_resolve_ensemble(Path(ensemble_path)))
    features = None
    if has_futures(ensemble):  # effects over the draws (futures x seeds), paired by draw
        ensemble, features = as_draws(ensemble)
    comparison = compare(ensemble, baseline)
    region = str(ensemble.attrs.get("region", ""))
    goals = goals or (region if (GOALS_DIR / f"{region}.yaml").is_file() else None)
    goal_results, robust = None, None
    years = [int(y) for y in comparison["year"].values]
    if goals:
        goal_set = load_goals(goals)
        inside = [g for g in goal_set.goals if g.year in years]
        if inside:
            judged = GoalSet(region=goal_set.region, goals=inside)
            goal_results = evaluate_goals(comparison, judged)
            if features is not None:
                robust = robustness(ensemble, judged, baseline)
    last, middle = years[-1], years[len(years) // 2]
    descriptions = {}
    for key in ("scenario_description", f"scenario_description_{lang}"):
        if key not in ensemble:
            continue
        text = ensemble[key]
        if "replicate" in text.dims:
            text = text.isel(replicate=0)
        for s, d in zip(ensemble["scenario"].values, text.values, strict=True):
            if str(d):  # the language's own description wins where it is given
                descriptions[str(s)] = str(d)

    figures = [
        ("timeseries", t["over_time"], "", charts.timeseries(comparison, lang)),
        (
            "map",
            t["map"].format(indicator=INDICATOR_LABELS[lang][indicator], year=last),
            t["map_note"].format(year=last),
            charts.difference_map(comparison, ensemble, indicator, last, lang, shapes),
        ),
        ("phasing", t["phasing"], "", charts.phasing_timeline(ensemble, lang)),
        (
            "finances",
            t["finances"].format(year=last),
            "",
            charts.finances(comparison, ensemble, last, lang),
        ),
    ]
    if goal_results is not None:
        figures.append(("goals", t["goals"], "", charts.goal_matrix(goal_results, baseline, lang)))
    if robust is not None:
        names = goal_labels(goal_results, lang)
        figures.append(
            (
                "robustness",
                t["robustness"].format(n=robust.sizes["replicate"]),
                t["robustness_note"],
                charts.robustness_matrix(robust, names, lang),
            )
        )
    if front is not None:
        figures.append(
            ("tradeoff", t["tradeoff"], tradeoff_caption(front, lang), charts.tradeoff(front, lang))
        )
    chart_items, pngs = [], {}
    for name, title, caption, fig in figures:
        data = _png(fig)
        path = chart_dir / f"{name}_{lang}.png"
        pngs[path.name] = data
        chart_items.append(
            {
                "name": name,
                "title": title,
                "caption": caption,
                "file": f"{chart_dir.name}/{path.name}",
                "data": base64.b64encode(data).decode("ascii"),
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
            version=comparison.attrs.get("code_version", ""), baseline=baseline
        ),
        summaries=summaries(comparison, goal_results, descriptions, last, lang),
        key_figures=key_figures(comparison, [middle, last], lang),
        charts=[c for c in chart_items if c["name"] != "tradeoff"],
        chart_files=[c["file"] for c in chart_items],
        optimisation=optimisation_section(front, lang)
        | {"chart": next(c for c in chart_items if c["name"] == "tradeoff")}
        if front is not None
        else None,
        goals=goal_tables(goal_results, comparison, lang) if goal_results is not None else None,
        joint=joint_tables(ensemble, lang),
        robustness=robustness_tables(robust, features, goal_results, lang)
        if robust is not None
        else None,
    )
    # The HTML carries its charts; the PNG folder is published first so that the report never
    # names charts that are not there.
    publish_folder(
        chart_dir,
        lambda folder: [(folder / n).write_bytes(d) for n, d in pngs.items()],
        _is_unpublished_chart_folder,
    )
    write_bytes(out, html.encode("utf-8"))
    return out
