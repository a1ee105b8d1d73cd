"""The study's result: its Pareto set run again on fresh futures and seeds, as a labelled Dataset.

The front found by the search is judged on the runs it was chosen on, so part of its advantage
can be luck. Every front solution, the base scenario and the hand-made reference scenarios are
therefore run again on futures and seeds the search never saw (``evaluation.reevaluation``), and
the Dataset gives both values, each re-run statistic with its 95 % confidence interval
(:func:`sim.optimise.objectives.interval`), and which solutions stay non-dominated.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr

from sim.io.provenance import code_version
from sim.optimise.objectives import interval, sign, statistic, unit
from sim.optimise.problem import LoadedProblem
from sim.optimise.search import (
    BASE,
    SearchResult,
    candidate_of,
    fresh_runs,
    front_trials,
    search_runs,
)

FRONT_FILE = "front.nc"


def oriented(problem: LoadedProblem, values: np.ndarray) -> np.ndarray:
    """Values (..., objective) turned so that smaller is better (regret is already)."""
    signs = np.array([1.0 if o.statistic == "regret" else sign(o) for o in problem.spec.objectives])
    return np.asarray(values, dtype=float) * signs


def hypervolume(points: np.ndarray, reference_point: np.ndarray) -> float:
    """Hypervolume (moocore) of oriented points dominated by the reference point."""
    import moocore

    points = np.asarray(points, dtype=float)
    inside = points[(points < reference_point).all(axis=1)] if points.size else points
    if inside.size == 0:
        return 0.0
    return float(moocore.hypervolume(inside, ref=reference_point))


def build_front(problem: LoadedProblem, result: SearchResult, say) -> xr.Dataset:
    """Run the front, the base and the references on fresh runs and label it all."""
    from sim.config.compose import compose_config

    spec, e = problem.spec, problem.spec.evaluation
    trials = front_trials(result.study)
    scenarios = [candidate_of(problem, t.params) for t in trials]
    references = {BASE: problem.base["scenario"]}
    for name in e.references:
        cfg = compose_config([f"region={spec.region}", f"scenario={name}", *spec.run_overrides])
        from omegaconf import OmegaConf

        references[name] = OmegaConf.to_container(cfg.scenario, resolve=True)
    search = search_runs(problem)
    fresh = fresh_runs(problem)
    say(
        f"front: {len(trials)} solutions; running them, the base and {len(e.references)} "
        f"reference scenario(s) on {len(fresh.runs)} fresh runs each"
    )
    ref_search = result.evaluator.values(list(references.values()), search)
    all_fresh = result.evaluator.values(scenarios + list(references.values()), fresh)
    sol_fresh, ref_fresh = all_fresh[: len(scenarios)], all_fresh[len(scenarios) :]
    base_fresh = ref_fresh[0]
    base_search = ref_search[0]
    objectives = spec.objectives
    n_obj = len(objectives)

    def stats(block: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        value = np.empty(block.shape[:2])
        low = np.empty_like(value)
        high = np.empty_like(value)
        for i in range(block.shape[0]):
            for j, o in enumerate(objectives):
                value[i, j] = statistic(o, block[i, j], base[j])
                low[i, j], high[i, j] = interval(o, block[i, j], base[j])
        return value, low, high

    value, low, high = stats(sol_fresh, base_fresh)
    rvalue, rlow, rhigh = stats(ref_fresh, base_fresh)
    rsearch = np.array(
        [
            [statistic(o, ref_search[i, j], base_search[j]) for j, o in enumerate(objectives)]
            for i in range(len(references))
        ]
    )
    search_value = np.array([t.values for t in trials]).reshape(len(trials), n_obj)
    dominated = _dominated_after(oriented(problem, value)) if len(trials) else np.zeros(0, bool)
    representative = _representatives(problem, oriented(problem, value), dominated)

    ds = xr.Dataset(
        coords={
            "solution": ("solution", np.arange(len(trials))),
            "trial": ("solution", np.array([t.number for t in trials], dtype=np.int64)),
            "objective": ("objective", np.array([o.name for o in objectives], dtype=object)),
            "reference": ("reference", np.array(list(references), dtype=object)),
            "run": ("run", np.array(fresh.label, dtype=object)),
        }
    )
    sol = ("solution", "objective")
    ref = ("reference", "objective")
    ds["search_value"] = (sol, search_value, {"long_name": "Objective on the search's runs"})
    ds["value"] = (sol, value, {"long_name": "Objective on fresh runs"})
    ds["value_ci_low"] = (sol, low, {"long_name": "95 % confidence interval, low"})
    ds["value_ci_high"] = (sol, high, {"long_name": "95 % confidence interval, high"})
    ds["run_value"] = (("solution", "objective", "run"), sol_fresh)
    ds["reference_search_value"] = (ref, rsearch)
    ds["reference_value"] = (ref, rvalue)
    ds["reference_ci_low"] = (ref, rlow)
    ds["reference_ci_high"] = (ref, rhigh)
    ds["reference_run_value"] = (("reference", "objective", "run"), ref_fresh)
    ds["dominated_after_reevaluation"] = ("solution", dominated.astype(np.int8))
    ds["representative"] = ("solution", np.array(representative, dtype=object))
    ds["scenario_name"] = ("solution", np.array([s["name"] for s in scenarios], dtype=object))
    for lang in ("en", "sv"):
        ds[f"timeline_{lang}"] = (
            "solution",
            np.array([describe(s, lang) for s in scenarios], dtype=object),
        )
        ds[f"reference_timeline_{lang}"] = (
            "reference",
            np.array([describe(s, lang) for s in references.values()], dtype=object),
        )
        title = "title_sv" if lang == "sv" else "title"
        ds[f"reference_title_{lang}"] = (
            "reference",
            np.array([str(s.get(title) or s["name"]) for s in references.values()], dtype=object),
            {"long_name": "Title of the reference scenario (the first is the base scenario)"},
        )
    from sim.optimise.levers import lever_values

    chosen = [lever_values(spec.levers, t.params) for t in trials]
    for lever in spec.levers:
        values = [c[lever.name] for c in chosen]
        if lever.kind == "shares":
            dim = f"{lever.name}_place"
            ds = ds.assign_coords(
                {dim: (dim, np.array([str(c) for c in lever.choices], dtype=object))}
            )
            data = np.array(values, dtype=float).reshape(len(trials), len(lever.choices))
            ds[f"lever_{lever.name}"] = (("solution", dim), data)
        else:
            ds[f"lever_{lever.name}"] = ("solution", _lever_array(lever, values))
        ds[f"lever_{lever.name}"].attrs.update(
            {
                "target": lever.target,
                "kind": lever.kind,
                "units": lever.unit,
                "long_name": lever.label or lever.name,
            }
        )
    points = np.concatenate([oriented(problem, value), oriented(problem, rvalue)])
    reference_point = reference_point_of(points)
    ds.attrs.update(
        {
            "title": spec.title or spec.name,
            "title_sv": spec.title_sv or spec.title or spec.name,
            "description": spec.description,
            "description_sv": spec.description_sv,
            "problem": spec.name,
            "base_scenario": spec.base_scenario,
            "region": spec.region,
            "optimiser": e.optimiser,
            "optimiser_seed": int(e.optimiser_seed),
            "candidates": int(e.candidates),
            "population": int(e.population),
            "search_runs": json.dumps(search_runs(problem).label),
            "years": f"{problem.base['years']['start']}-{problem.base['years']['end']}",
            "objectives": json.dumps(
                [
                    {
                        "name": o.name,
                        "label": o.label or o.name,
                        "label_sv": o.label_sv or o.label or o.name,
                        "direction": "minimize" if o.statistic == "regret" else o.direction,
                        "statistic": o.statistic,
                        "q": o.q,
                        "units": unit(o),
                    }
                    for o in objectives
                ],
                ensure_ascii=False,
            ),
            "levers": json.dumps(
                [
                    {
                        "name": x.name,
                        "label": x.label or x.name,
                        "label_sv": x.label_sv or x.label or x.name,
                        "target": x.target,
                    }
                    for x in spec.levers
                ],
                ensure_ascii=False,
            ),
            "hypervolume_reference_point": json.dumps(reference_point.tolist()),
            "hypervolume_reevaluated": hypervolume(oriented(problem, value), reference_point),
            "runs_in_this_process": int(result.runs),
            "seconds_in_this_process": float(result.seconds),
            "code_version": code_version(),
        }
    )
    return ds


def _lever_array(lever, values: list) -> np.ndarray:
    """Numbers as floats (a choice of null, e.g. no pause, as NaN), other choices as text."""
    numeric = all(v is None or isinstance(v, int | float) for v in [*lever.choices, *values])
    if lever.kind != "choice" or numeric:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.array([str(v) for v in values], dtype=object)


def reference_point_of(points: np.ndarray) -> np.ndarray:
    """A hypervolume reference point just worse than every point: the worst value of each
    objective plus a tenth of its range (or of its size, when all are equal)."""
    points = np.asarray(points, dtype=float)
    worst, best = points.max(axis=0), points.min(axis=0)
    span = np.where(worst > best, worst - best, np.maximum(np.abs(worst), 1.0))
    return worst + 0.1 * span


def _dominated_after(points: np.ndarray) -> np.ndarray:
    import moocore

    if points.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    return ~moocore.is_nondominated(points, keep_weakly=True)


def _representatives(
    problem: LoadedProblem, points: np.ndarray, dominated: np.ndarray
) -> list[str]:
    """``best_<objective>`` for the best solution on each objective, ``balanced`` for the one
    closest to the ideal point (objectives scaled to their range on the front)."""
    labels = [""] * points.shape[0]
    if points.shape[0] == 0:
        return labels
    for j, o in enumerate(problem.spec.objectives):
        i = int(np.argmin(points[:, j]))
        labels[i] = ",".join(x for x in (labels[i], f"best_{o.name}") if x)
    span = points.max(axis=0) - points.min(axis=0)
    scaled = (points - points.min(axis=0)) / np.where(span > 0, span, 1.0)
    distance = np.sqrt((scaled**2).sum(axis=1)) + dominated * 1e9
    i = int(np.argmin(distance))
    labels[i] = ",".join(x for x in (labels[i], "balanced") if x)
    return labels


RULES = {
    "en": {
        "even": "even stages",
        "front_loaded": "front-loaded",
        "back_loaded": "back-loaded",
        "explicit": "in stages",
    },
    "sv": {
        "even": "jämna etapper",
        "front_loaded": "tyngdpunkt tidigt",
        "back_loaded": "tyngdpunkt sent",
        "explicit": "i etapper",
    },
}


def _number(value: float, lang: str) -> str:
    """A short number in the language's format (Swedish: decimal comma)."""
    from sim.config.domains import fmt

    text = fmt(value)
    return text.replace(".", ",") if lang == "sv" else text


def describe(scenario: dict, lang: str) -> str:
    """A candidate's phasing in plain words, one clause per intervention it phases; an adaptive
    rule names its signpost (the queue, the vacancy rate) and its trigger level."""

    sv = lang == "sv"
    parts = []
    for p in scenario.get("housing_programmes", []):
        n = sum(int(v) for v in p["dwellings"].values())
        where = f"{n} {'bostäder i' if sv else 'dwellings in'} {p['municipality']}"
        if p["phasing"] == "demand_led":
            share = _number(100 * float(p["queue_threshold"]), lang)
            if sv:
                rule = (
                    f"i etapper om {p['stage_size']} när bostadskön överstiger {share} % av "
                    f"hushållen, {p['start_year']}–{p['end_year']}"
                )
            else:
                rule = (
                    f"in stages of {p['stage_size']} when the queue exceeds {share} % of "
                    f"households, {p['start_year']}-{p['end_year']}"
                )
        elif p["phasing"] == "explicit":
            stages = ", ".join(f"{s['year']}: {s['dwellings']}" for s in p["stages"])
            rule = f"{RULES[lang]['explicit']} ({stages})"
        else:
            dash = "–" if sv else "-"
            rule = f"{RULES[lang][p['phasing']]} {p['start_year']}{dash}{p['end_year']}"
        if p.get("hold_vacancy") is not None:
            level = _number(100 * float(p["hold_vacancy"]), lang)
            rule += (
                f", pausar medan vakansen i {p['municipality']} är över {level} %"
                if sv
                else f", paused while vacancy in {p['municipality']} is above {level} %"
            )
        parts.append(f"{where}, {rule}")
    for c in scenario.get("cultural_investments", []):
        opens = "öppnar" if sv else "opens"
        parts.append(
            f"{c['name']} ({c['municipality']}, {_number(float(c['investment_msek']), lang)} MSEK) "
            f"{opens} "
            f"{c['opening_year']}"
        )
    for j in scenario.get("joint_proposals", []):
        word = "styrning" if sv else "governance"
        parts.append(f"{j['name']}: {word} {j['governance']}")
    return "; ".join(parts) if parts else ("inga åtgärder" if sv else "no interventions")


def comparison_table(ds: xr.Dataset) -> list[dict]:
    """For each reference scenario: the front solution that dominates it on the fresh runs, or
    comes within the noise (every objective within the sum of the two intervals' half-widths),
    else none."""
    objectives = json.loads(ds.attrs["objectives"])
    signs = np.array([1.0 if o["direction"] == "minimize" else -1.0 for o in objectives])
    rows = []
    for r in ds["reference"].values:
        rv = ds["reference_value"].sel(reference=r).values * signs
        rhalf = (ds["reference_ci_high"] - ds["reference_ci_low"]).sel(reference=r).values / 2
        verdict, which = "not matched", None
        for s in ds["solution"].values:
            sv = ds["value"].sel(solution=s).values * signs
            half = (ds["value_ci_high"] - ds["value_ci_low"]).sel(solution=s).values / 2
            noise = np.nan_to_num(half) + np.nan_to_num(rhalf)
            if (sv <= rv).all() and (sv < rv).any():
                verdict, which = "dominated", int(s)
                break
            if (sv <= rv + noise).all() and verdict == "not matched":
                verdict, which = "within noise", int(s)
        rows.append({"reference": str(r), "verdict": verdict, "solution": which})
    return rows


def _short(value: float) -> str:
    """1234567 -> 1,234,567; 19.4321 -> 19.43; 0.01234 -> 0.0123."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def front_table(ds: xr.Dataset, lang: str = "en") -> str:
    """A plain text table of the front and the references on the fresh runs."""
    objectives = json.loads(ds.attrs["objectives"])
    header = ["", *[f"{o['label']} ({o['units']}, {o['direction'][:3]})" for o in objectives]]
    lines = [" | ".join(header)]
    for s in ds["solution"].values:
        cells = [
            f"solution {s}"
            + (f" [{ds['representative'].values[s]}]" if ds["representative"].values[s] else "")
        ]
        for j in range(len(objectives)):
            v = float(ds["value"].values[s, j])
            lo, hi = float(ds["value_ci_low"].values[s, j]), float(ds["value_ci_high"].values[s, j])
            cells.append(f"{_short(v)} [{_short(lo)}, {_short(hi)}]")
        lines.append(" | ".join(cells))
        lines.append(f"    {ds[f'timeline_{lang}'].values[s]}")
    for i, r in enumerate(ds["reference"].values):
        cells = [f"{r} (hand-made)" if r != BASE else f"{r}: {ds.attrs['base_scenario']}"]
        for j in range(len(objectives)):
            v = float(ds["reference_value"].values[i, j])
            lo, hi = (
                float(ds["reference_ci_low"].values[i, j]),
                float(ds["reference_ci_high"].values[i, j]),
            )
            cells.append(f"{_short(v)} [{_short(lo)}, {_short(hi)}]")
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def write_front(ds: xr.Dataset, folder: Path) -> Path:
    from sim.io.results import write_netcdf

    path = Path(folder) / FRONT_FILE
    write_netcdf(ds, path)
    return path


def open_front(path: Path) -> xr.Dataset:
    path = Path(path)
    if path.is_dir():
        path = path / FRONT_FILE
    with xr.open_dataset(path) as ds:
        return ds.load()
