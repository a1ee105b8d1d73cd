"""The report's charts (matplotlib, Agg backend): each returns a Figure."""

from __future__ import annotations

import json
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from adjustText import adjust_text  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from shapely.geometry.polygon import orient  # noqa: E402

from sim.analysis.compare import REGION  # noqa: E402
from sim.analysis.goals import goal_labels  # noqa: E402
from sim.io.boundaries import flow_lines  # noqa: E402
from sim.report.i18n import (  # noqa: E402
    INDICATOR_LABELS,
    LABELS,
    intervention_titles,
    number,
    objective_label,
    scenario_titles,
)

COLORS = plt.get_cmap("tab20").colors


def _formatter(lang: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _: number(value, lang))


def _titled(scenarios, titles: Mapping[str, str] | None) -> list[str]:
    """The scenarios' titles (name -> title; the name where none is given), as matplotlib shows
    text as it is."""
    titles = titles or {}
    return [_plain(titles.get(str(s), str(s))) for s in scenarios]


def timeseries(
    comparison: xr.Dataset, lang: str, titles: Mapping[str, str] | None = None
) -> plt.Figure:
    """Population, jobs and housing queue of the region per scenario, with 5-95 % bands; the
    legend names scenarios by their ``titles``."""
    t = LABELS[lang]
    legend_rows = -(-comparison.sizes["scenario"] // 3)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2 + 0.18 * legend_rows), constrained_layout=True)
    for ax, ind in zip(axes, ("population", "jobs", "housing_queue"), strict=True):
        sel = comparison.sel(indicator=ind, area=REGION)
        labels = _titled(sel["scenario"].values, titles)
        for k, scenario in enumerate(sel["scenario"].values):
            s = sel.sel(scenario=scenario)
            color = COLORS[k % len(COLORS)]
            ax.fill_between(s["year"], s["p05"], s["p95"], color=color, alpha=0.2, linewidth=0)
            ax.plot(s["year"], s["mean"], color=color, label=labels[k], linewidth=1.6)
        ax.set_title(INDICATOR_LABELS[lang][ind])
        ax.set_xlabel(t["year"])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(_formatter(lang))
        ax.grid(alpha=0.3)
    # Below the panels: titles are longer than identifiers and would cover the first panel.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    return fig


MAP_BORDER = "#555"
MAP_NO_DATA = "#dddddd"
LABEL_ITERATIONS = 400  # adjustText's steps to move the map's names apart
MAP_FLOW_SHARE = 0.05  # pairs commuting less than this share of the largest pair are not drawn


def _geometry_path(geometry: dict) -> MplPath:
    """One compound path of a GeoJSON (Multi)Polygon, exteriors anticlockwise and holes clockwise
    so that the non-zero fill rule leaves the holes empty."""
    rings = []
    whole = shape(geometry)
    for polygon in getattr(whole, "geoms", [whole]):
        polygon = orient(polygon, sign=1.0)
        for ring in (polygon.exterior, *polygon.interiors):
            rings.append(MplPath(np.asarray(ring.coords), closed=True))
    return MplPath.make_compound_path(*rings)


def _label_municipalities(ax, points: np.ndarray, names, codes, fontsize: float) -> None:
    """Municipality names at their label points, moved apart by adjustText where they collide;
    each is the SVG group ``label-<code>``."""
    texts = [
        ax.text(
            x,
            y,
            str(name),
            fontsize=fontsize,
            ha="center",
            va="center",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.6, "lw": 0},
            gid=f"label-{code}",
        )
        for (x, y), name, code in zip(points, names, codes, strict=True)
    ]
    adjust_text(
        texts,
        x=points[:, 0],
        y=points[:, 1],
        ax=ax,
        arrowprops={"arrowstyle": "-", "color": "#333", "lw": 0.4},
        # A number of iterations, not adjustText's default time limit of a second: the same
        # inputs then place the names the same on any machine and under any load.
        iter_lim=LABEL_ITERATIONS,
    )


def difference_map(
    comparison: xr.Dataset,
    ensemble: xr.Dataset,
    indicator: str,
    year: int,
    lang: str,
    boundaries: dict,
) -> plt.Figure:
    """Small multiples, one map per scenario: each municipality coloured by the indicator's
    difference to the baseline, over the baseline's commuting flows as lines between the
    municipalities' label points (width by flow, both directions together; pairs below
    :data:`MAP_FLOW_SHARE` of the largest are left out).

    ``boundaries`` is a FeatureCollection from :func:`sim.io.boundaries.municipal_boundaries`
    holding every municipality of the comparison. In the figure's SVG each panel is the group
    ``map-panel-<k>`` (k = 1, 2, ... in scenario order) and each municipality in it the group
    ``muni-<code>-<k>``; the names are written in the first panel, each as ``label-<code>``."""
    titles = scenario_titles(ensemble, lang)
    baseline = comparison.attrs["baseline"]
    scenarios = [s for s in comparison["scenario"].values if s != baseline]
    munis = [str(a) for a in comparison["area"].values if a != REGION]
    by_code = {f["properties"]["code"]: f for f in boundaries["features"]}
    missing = [c for c in munis if c not in by_code]
    if missing:
        raise ValueError(f"boundaries lack municipalities {', '.join(missing)}")
    shapes = {"type": "FeatureCollection", "features": [by_code[c] for c in munis]}
    paths = [_geometry_path(f["geometry"]) for f in shapes["features"]]
    points = np.array(
        [[f["properties"]["label_lon"], f["properties"]["label_lat"]] for f in shapes["features"]]
    )
    names = ensemble["municipality_name"].sel(municipality=munis).values
    diff = comparison["diff_mean"].sel(indicator=indicator, year=year, area=munis)
    limit = float(np.nanmax(np.abs(diff.values), initial=0.0)) or 1.0
    norm = Normalize(vmin=-limit, vmax=limit)
    cmap = plt.get_cmap("RdBu")
    flows = ensemble["commuting"].sel(scenario=baseline, year=year).mean("replicate")
    flows = flows.sel(origin=munis, destination=munis).values
    lines = flow_lines(shapes, flows, share=MAP_FLOW_SHARE)["features"]
    top = max((line["properties"]["flow"] for line in lines), default=1.0)
    extent = np.vstack([p.vertices for p in paths])
    (west, south), (east, north) = extent.min(axis=0), extent.max(axis=0)
    pad = 0.03 * max(east - west, north - south)
    ncols = min(3, max(len(scenarios), 1))
    nrows = int(np.ceil(max(len(scenarios), 1) / ncols))
    side = {1: 6.4, 2: 4.8}.get(ncols, 3.9)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(side * ncols + 1.0, side * nrows * 0.9 + 0.4),
        squeeze=False,
        constrained_layout=True,
    )
    for k, (ax, scenario) in enumerate(zip(axes.ravel(), scenarios, strict=False), start=1):
        ax.set_gid(f"map-panel-{k}")
        values = diff.sel(scenario=scenario).values
        for code, path, value in zip(munis, paths, values, strict=True):
            color = cmap(norm(value)) if np.isfinite(value) else MAP_NO_DATA
            patch = PathPatch(path, facecolor=color, edgecolor=MAP_BORDER, linewidth=0.4, zorder=1)
            patch.set_gid(f"muni-{code}-{k}")
            ax.add_patch(patch)
        for line in lines:
            (x0, y0), (x1, y1) = line["geometry"]["coordinates"]
            ax.plot(
                [x0, x1],
                [y0, y1],
                color="#333",
                linewidth=4 * line["properties"]["flow"] / top,
                alpha=0.45,
                solid_capstyle="round",
                zorder=2,
            )
        ax.scatter(points[:, 0], points[:, 1], s=5, color="#222", zorder=3, linewidths=0)
        ax.set_title(_plain(titles[str(scenario)]), fontsize=9, wrap=True)
        ax.set_axis_off()
        ax.set_xlim(west - pad, east + pad)
        ax.set_ylim(south - pad, north + pad)
        ax.set_aspect(1 / np.cos(np.deg2rad((south + north) / 2)))
    for ax in axes.ravel()[len(scenarios) :]:
        ax.axis("off")
    if scenarios:
        _label_municipalities(axes[0, 0], points, names, munis, fontsize=7 if ncols < 3 else 5.5)
    bar = fig.colorbar(
        ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.7, format=_formatter(lang)
    )
    bar.set_label(INDICATOR_LABELS[lang][indicator])
    return fig


def phasing_timeline(ensemble: xr.Dataset, lang: str) -> plt.Figure:
    """What each scenario builds or opens when: one row per intervention, named by the scenario's
    and the intervention's titles."""
    t = LABELS[lang]
    years = ensemble["year"].values[1:]
    first = ensemble.isel(replicate=0)
    scenario_names = scenario_titles(ensemble, lang)
    item_names = {
        dim: intervention_titles(ensemble, dim, lang)
        for dim in ("establishment", "housing_programme", "cultural_investment", "joint_proposal")
    }

    def label(scenario, dim: str, name, kind: str) -> str:
        title = item_names[dim].get((str(scenario), str(name)), str(name))
        return _plain(f"{scenario_names[str(scenario)]}: {title} ({t[kind]})")

    rows = []  # (label, [(start, width)], color)
    for k, scenario in enumerate(ensemble["scenario"].values):
        ds = first.sel(scenario=scenario)
        color = COLORS[k % len(COLORS)]
        for name in ensemble["establishment"].values:
            jobs = ds["establishment_jobs"].sel(establishment=name, year=years).values
            active = years[np.nan_to_num(jobs) > 0]
            if active.size:
                rows.append(
                    (
                        label(scenario, "establishment", name, "establishment"),
                        [(active[0], active[-1] - active[0] + 1)],
                        color,
                    )
                )
        for name in ensemble["housing_programme"].values:
            done = ds["programme_completions"].sel(housing_programme=name, year=years).values
            built = years[np.nan_to_num(done) > 0]
            if built.size:
                rows.append(
                    (
                        label(scenario, "housing_programme", name, "programme"),
                        [(y, 0.9) for y in built],
                        color,
                    )
                )
        for name in ensemble["cultural_investment"].values:
            is_open = ds["cultural_investment_open"].sel(cultural_investment=name, year=years)
            opened = years[np.nan_to_num(is_open.values) > 0]
            if opened.size:
                rows.append(
                    (
                        label(scenario, "cultural_investment", name, "culture"),
                        [(opened[0], years[-1] - opened[0] + 1)],
                        color,
                    )
                )
        for name in ensemble["joint_proposal"].values:
            decided = ensemble["joint_decision_year"].sel(scenario=scenario, joint_proposal=name)
            opening = ensemble["joint_opening_year"].sel(scenario=scenario, joint_proposal=name)
            d, o = float(decided.mean()), float(opening.mean())
            if np.isfinite(d):
                rows.append(
                    (
                        label(scenario, "joint_proposal", name, "joint"),
                        [(d, max(o - d, 0.3)), (o, years[-1] - o + 1)],
                        color,
                    )
                )
    fig, ax = plt.subplots(figsize=(12, 0.35 * max(len(rows), 2) + 1.2), constrained_layout=True)
    for i, (_, spans, color) in enumerate(rows):
        ax.broken_barh(spans, (i - 0.35, 0.7), facecolors=color)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(years[0] - 0.5, years[-1] + 1)
    ax.set_xlabel(t["year"])
    ax.grid(axis="x", alpha=0.3)
    if not rows:
        ax.text(0.5, 0.5, t["no_interventions"], transform=ax.transAxes, ha="center")
    return fig


def _heatmap(ax, values: np.ndarray, rows, cols, lang: str, cmap: str, center: bool) -> None:
    finite = values[np.isfinite(values)]
    limit = float(np.abs(finite).max()) if finite.size else 1.0
    kwargs = {"vmin": -limit, "vmax": limit} if center else {}
    image = ax.imshow(values, cmap=cmap, aspect="auto", **kwargs)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.set_xticks(range(len(cols)), cols, fontsize=7, rotation=45, ha="right")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, number(values[i, j], lang, 0), ha="center", va="center", fontsize=5)
    plt.colorbar(image, ax=ax, shrink=0.8, format=_formatter(lang))


def finances(
    comparison: xr.Dataset,
    ensemble: xr.Dataset,
    year: int,
    lang: str,
    titles: Mapping[str, str] | None = None,
) -> plt.Figure:
    """Municipal result and debt per resident, municipality by scenario (by its ``titles``), in
    one year."""
    t = LABELS[lang]
    munis = [a for a in comparison["area"].values if a != REGION]
    names = [str(n) for n in ensemble["municipality_name"].sel(municipality=munis).values]
    scenarios = _titled(comparison["scenario"].values, titles)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), constrained_layout=True)
    for ax, ind, title in zip(
        axes,
        ("municipal_result_per_resident", "municipal_debt_per_resident"),
        ("result_per_resident", "debt_per_resident"),
        strict=True,
    ):
        values = comparison["mean"].sel(indicator=ind, year=year, area=munis)
        _heatmap(
            ax,
            values.transpose("area", "scenario").values,
            names,
            scenarios,
            lang,
            "RdYlGn" if ind.startswith("municipal_result") else "RdYlGn_r",
            center=False,
        )
        ax.set_title(t[title])
    return fig


def goal_matrix(
    goal_results: xr.Dataset, baseline: str, lang: str, titles: Mapping[str, str] | None = None
) -> plt.Figure:
    """Goals (by their labels) against scenarios (by their ``titles``) at the region level:
    improves (green), worsens (red)."""
    t = LABELS[lang]
    effect = goal_results["goal_effect"].sel(area=REGION)
    scenarios = [s for s in effect["scenario"].values if s != baseline]
    values = effect.sel(scenario=scenarios).transpose("scenario", "goal").values.astype(float)
    fig, ax = plt.subplots(
        figsize=(1.2 * values.shape[1] + 3, 0.45 * len(scenarios) + 1.5), constrained_layout=True
    )
    ax.imshow(values, cmap="RdYlGn", vmin=-1.5, vmax=1.5, aspect="auto")
    marks = {1: t["improves"], -1: t["worsens"], 0: t["no_change"]}
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, marks[int(values[i, j])], ha="center", va="center", fontsize=7)
    ax.set_yticks(range(len(scenarios)), _titled(scenarios, titles), fontsize=8)
    labels = goal_labels(goal_results, lang)
    ax.set_xticks(
        range(values.shape[1]),
        [labels[str(g)] for g in effect["goal"].values],
        fontsize=8,
        rotation=30,
        ha="right",
    )
    return fig


def robustness_matrix(
    robust: xr.Dataset,
    goal_names: dict[str, str],
    lang: str,
    titles: Mapping[str, str] | None = None,
) -> plt.Figure:
    """Share of sampled futures in which each scenario (by its ``titles``) meets each goal (by
    ``goal_names``), region level."""
    share = robust["met_share"].transpose("scenario", "goal")
    scenarios = [str(s) for s in share["scenario"].values]
    values = 100.0 * share.values.astype(float)
    fig, ax = plt.subplots(
        figsize=(1.2 * values.shape[1] + 3, 0.45 * len(scenarios) + 1.5), constrained_layout=True
    )
    image = ax.imshow(values, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            text = "–" if not np.isfinite(values[i, j]) else f"{number(values[i, j], lang, 0)} %"
            ax.text(j, i, text, ha="center", va="center", fontsize=7)
    ax.set_yticks(range(len(scenarios)), _titled(scenarios, titles), fontsize=8)
    goals = [str(g) for g in share["goal"].values]
    ax.set_xticks(
        range(len(goals)),
        [goal_names.get(g, g) for g in goals],
        fontsize=8,
        rotation=30,
        ha="right",
    )
    plt.colorbar(image, ax=ax, shrink=0.8, format=_formatter(lang))
    return fig


def _plain(text: str) -> str:
    """Text that matplotlib shows as it is (no mathtext between dollar signs)."""
    return str(text).replace("$", r"\$")


def _bars(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Error bar lengths (2, n) from a value and its interval; none where the interval is
    unknown."""
    below = np.nan_to_num(np.clip(value - low, 0, None))
    above = np.nan_to_num(np.clip(high - value, 0, None))
    return np.vstack([below, above])


def tradeoff(front: xr.Dataset, lang: str, reference_names: list[str] | None = None) -> plt.Figure:
    """The front of an optimisation study on its fresh runs: the solutions found by the search
    (circles; hollow when another solution beats them on the fresh runs) and the hand-made
    reference scenarios (squares), with 95 % confidence intervals as bars.

    Two objectives give one panel; three or more give the lower triangle of a grid of the first
    three, two at a time (the legend in the empty corner); one objective gives a row per
    solution. The representative solutions are numbered, the references named by
    ``reference_names`` (their titles; default: their names in the front), references at the same
    point sharing one label."""
    t = LABELS[lang]
    objectives = json.loads(front.attrs["objectives"])
    axis_labels = [
        f"{objective_label(o, lang)}\n"
        f"({t['lower_is_better' if o.get('direction') != 'maximize' else 'higher_is_better']})"
        for o in objectives
    ]

    def table(name: str, dim: str) -> np.ndarray:
        return front[name].transpose(dim, "objective").values.astype(float)

    value, low, high = (table(n, "solution") for n in ("value", "value_ci_low", "value_ci_high"))
    ref, ref_low, ref_high = (
        table(n, "reference") for n in ("reference_value", "reference_ci_low", "reference_ci_high")
    )
    if "dominated_after_reevaluation" in front:
        dominated = front["dominated_after_reevaluation"].values.astype(bool)
    else:
        dominated = np.zeros(value.shape[0], dtype=bool)
    numbered = [
        (k, t["solution"].format(n=int(s)))
        for k, (s, r) in enumerate(
            zip(front["solution"].values, front["representative"].values, strict=True)
        )
        if str(r).strip()
    ]
    references = [_plain(r) for r in (reference_names or front["reference"].values)]
    solution_style = {"fmt": "o", "color": COLORS[0], "ecolor": COLORS[1], "capsize": 2}
    reference_style = {"fmt": "s", "color": COLORS[6], "ecolor": COLORS[7], "capsize": 2}

    if len(objectives) == 1:
        rows = [t["solution"].format(n=int(s)) for s in front["solution"].values] + references
        fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(rows), 3) + 1.5), constrained_layout=True)
        y = np.arange(len(rows))
        n = value.shape[0]
        for keep, label, face in (
            (~dominated, "found_by_search", None),
            (dominated, "dominated", "white"),
        ):
            if keep.any():
                ax.errorbar(
                    value[keep, 0],
                    y[:n][keep],
                    xerr=_bars(value[keep, 0], low[keep, 0], high[keep, 0]),
                    label=t[label],
                    mfc=face,
                    **solution_style,
                )
        if ref.shape[0]:
            ax.errorbar(
                ref[:, 0],
                y[n:],
                xerr=_bars(ref[:, 0], ref_low[:, 0], ref_high[:, 0]),
                label=t["hand_made"],
                **reference_style,
            )
        ax.set_yticks(y, [_plain(r) for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(_plain(axis_labels[0]))
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7)
        return fig

    def panel(ax, i: int, j: int) -> None:
        """Objective ``i`` across, ``j`` up."""
        for keep, label, face in (
            (~dominated, "found_by_search", None),
            (dominated, "dominated", "white"),
        ):
            if keep.any():
                ax.errorbar(
                    value[keep, i],
                    value[keep, j],
                    xerr=_bars(value[keep, i], low[keep, i], high[keep, i]),
                    yerr=_bars(value[keep, j], low[keep, j], high[keep, j]),
                    label=t[label],
                    mfc=face,
                    **solution_style,
                )
        if ref.shape[0]:
            ax.errorbar(
                ref[:, i],
                ref[:, j],
                xerr=_bars(ref[:, i], ref_low[:, i], ref_high[:, i]),
                yerr=_bars(ref[:, j], ref_low[:, j], ref_high[:, j]),
                label=t["hand_made"],
                **reference_style,
            )
        for k, label in numbered:
            x, y = value[k, i], value[k, j]
            if np.isfinite(x) and np.isfinite(y):
                ax.annotate(
                    label,
                    (x, y),
                    xytext=(4, 4),
                    textcoords="offset points",
                    fontsize=7,
                    color=COLORS[0],
                )
        places: dict[tuple[float, float], list[str]] = {}
        for k, name in enumerate(references):
            x, y = ref[k, i], ref[k, j]
            if np.isfinite(x) and np.isfinite(y):
                places.setdefault((float(x), float(y)), []).append(name)
        for (x, y), names in places.items():
            ax.annotate(
                " = ".join(names),
                (x, y),
                xytext=(4, -10),
                textcoords="offset points",
                fontsize=7,
                color=COLORS[6],
            )
        ax.set_xlabel(_plain(axis_labels[i]), fontsize=8)
        ax.set_ylabel(_plain(axis_labels[j]), fontsize=8)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.yaxis.set_major_formatter(_formatter(lang))
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)

    if len(objectives) == 2:
        fig, ax = plt.subplots(figsize=(8, 6), constrained_layout=True)
        panel(ax, 0, 1)
        ax.legend(fontsize=7)
        return fig
    fig, axes = plt.subplots(2, 2, figsize=(11, 9), constrained_layout=True)
    panel(axes[0, 0], 0, 1)
    panel(axes[1, 0], 0, 2)
    panel(axes[1, 1], 1, 2)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    axes[0, 1].axis("off")
    axes[0, 1].legend(handles, labels, loc="center", fontsize=9)
    return fig
