"""The comparison as text: difference and goal-conflict tables and the phasing table (rich)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.analysis.compare import REGION
from sim.analysis.goals import winners_and_losers

ARROWS = {1: "▲", -1: "▼", 0: " "}
GOAL_MARKS = {1: "improves", -1: "worsens", 0: "·"}


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def difference_table(comparison: xr.Dataset, year: int, area: str = REGION) -> str:
    """Indicators by scenario in one year: mean paired difference to the baseline and its 95 %
    confidence interval; ▲/▼ marks differences whose interval excludes zero."""
    from rich.console import Console
    from rich.table import Table

    baseline = comparison.attrs["baseline"]
    scenarios = [s for s in comparison["scenario"].values if s != baseline]
    sel = comparison.sel(year=year, area=area)
    table = Table(
        title=f"{area} {year}: difference to '{baseline}' (mean [95 % confidence interval of the "
        f"mean] over {comparison.attrs['replicates']} paired "
        f"{comparison.attrs.get('replicate_kind', 'replicates')}; ▲▼ clear of noise)"
    )
    table.add_column("indicator")
    table.add_column(baseline, justify="right")
    for s in scenarios:
        table.add_column(str(s), justify="right")
    for ind in comparison["indicator"].values:
        row = [f"{ind} ({sel['units'].sel(indicator=ind).item()})"]
        row.append(_fmt(float(sel["mean"].sel(indicator=ind, scenario=baseline))))
        for s in scenarios:
            cell = sel.sel(indicator=ind, scenario=s)
            mark = ARROWS[int(cell["clear"])]
            row.append(
                f"{mark}{_fmt(float(cell['diff_mean']))} "
                f"[{_fmt(float(cell['diff_ci_low']))}, {_fmt(float(cell['diff_ci_high']))}]"
            )
        table.add_row(*row)
    return _render(table, Console)


def conflict_table(goal_results: xr.Dataset, comparison: xr.Dataset) -> str:
    """Goals against scenarios for the region, conflicts, and winners and losers."""
    from rich.console import Console
    from rich.table import Table

    baseline = comparison.attrs["baseline"]
    effect = goal_results["goal_effect"]
    scenarios = [s for s in effect["scenario"].values if s != baseline]
    table = Table(title="Goal conflicts (region): improves / worsens / · no clear change")
    table.add_column("scenario")
    for goal in effect["goal"].values:
        table.add_column(str(goal), justify="center")
    table.add_column("conflict", justify="center")
    for s in scenarios:
        row = [str(s)]
        for goal in effect["goal"].values:
            row.append(GOAL_MARKS[int(effect.sel(goal=goal, scenario=s, area=REGION))])
        row.append("CONFLICT" if int(goal_results["goal_conflict"].sel(scenario=s)) else "")
        table.add_row(*row)
    lines = [_render(table, Console), "Winners and losers by municipality:"]
    found = winners_and_losers(goal_results, comparison)
    for s, goal, gain, lose in found:
        lines.append(f"  {s}, {goal}: gain {', '.join(gain)}; lose {', '.join(lose)}")
    if not found:
        lines.append("  none")
    return "\n".join(lines)


def phasing_text(table) -> str:
    """The phasing comparison as a text table."""
    if table.empty:
        return "Phasing comparison: no housing programmes in this ensemble."
    from rich.console import Console
    from rich.table import Table

    out = Table(title="Phasing comparison (programme municipality; sums over the years)")
    columns = [
        ("scenario", "scenario"),
        ("completions", "completions"),
        ("queue_household_years", "queue (household-years)"),
        ("extra_queue", "vs reference"),
        ("excess_vacancy_dwelling_years", "excess vacancy (dwelling-years)"),
        ("extra_vacancy", "vs reference"),
        ("capital_cost_msek", "capital cost (MSEK)"),
    ]
    out.add_column("municipality")
    for _, label in columns:
        out.add_column(label, justify="right")
    for _, row in table.iterrows():
        cells = [row["municipality"]]
        for key, _ in columns:
            value = row[key]
            cells.append(value if isinstance(value, str) else _fmt(float(value)))
        out.add_row(*cells)
    return _render(out, Console)


def _render(table, console_cls) -> str:
    console = console_cls(width=200, record=True)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def robustness_text(robust: xr.Dataset, conditions) -> str:
    """Per scenario and goal: the share of draws meeting the goal and the mean / 90th-percentile
    regret; then the failure conditions found."""
    from rich.console import Console
    from rich.table import Table

    draws = robust.sizes["replicate"]
    table = Table(
        title=f"Robustness over {draws} sampled futures (region): share of futures meeting each "
        "goal; regret mean / 90th percentile"
    )
    table.add_column("scenario")
    goals = [str(g) for g in robust["goal"].values]
    for goal in goals:
        table.add_column(goal, justify="right")
    for s in robust["scenario"].values:
        row = [str(s)]
        for goal in goals:
            cell = robust.sel(goal=goal, scenario=s)
            share = float(cell["met_share"])
            met = "-" if not np.isfinite(share) else f"{share:.0%}"
            row.append(
                f"{met} ({_fmt(float(cell['regret_mean']))} / {_fmt(float(cell['regret_p90']))})"
            )
        table.add_row(*row)
    lines = [_render(table, Console), "Failure conditions (scenario discovery, decision tree):"]
    for _, r in conditions.iterrows():
        lines.append(
            f"  {r['scenario']} fails {r['goal']} in {r['fails_share']:.0%} of futures; where "
            f"{r['conditions']}: {r['density']:.0%} fail ({r['coverage']:.0%} of all failures, "
            f"{r['support']:.0%} of futures)"
        )
    if conditions.empty:
        lines.append("  none: every scenario meets or fails each goal across (almost) all futures")
    return "\n".join(lines)
