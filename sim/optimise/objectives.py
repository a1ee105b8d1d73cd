"""Objectives: one number per run, then a robust statistic over a candidate's runs.

A run's value of an objective is its measure (an indicator of :mod:`sim.analysis.compare`, or
the capital tied up in excess vacancy) for the region or the worst-off municipality, in the
objective's ``year`` (``final``), or summed or averaged over the simulated years (the base year
is the same for every candidate and is left out).

Every candidate runs in the same futures with the same seeds (common random numbers), so runs are
paired across candidates. Over a candidate's runs an objective is:

- ``mean``: the mean;
- ``quantile``: the value that ``q`` of the runs do no worse than (the ``q`` quantile for a
  measure to minimise, the ``1 - q`` quantile for one to maximise);
- ``regret``: the ``q`` quantile, over the paired runs, of how much worse than the base scenario
  the candidate does in the same future and seed (negative: better in that share of futures).
  Regret is always minimised. It is regret against a fixed reference, not against the best of
  all candidates, so a candidate's value does not change as the search goes on.

Measures are oriented so that smaller is better before any statistic is taken (``sign``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.analysis.compare import INDICATORS
from sim.optimise.spec import EXCESS_VACANCY, Objective

INDICATOR = {i.name: i for i in INDICATORS}


def unit(o: Objective) -> str:
    if o.unit:
        return o.unit
    base = "MSEK" if o.measure == EXCESS_VACANCY else INDICATOR[o.measure].units
    if o.aggregate != "sum" and o.measure != EXCESS_VACANCY:
        return base
    if "/" in base:
        return f"{base} x years"
    # households -> household-years, MSEK -> MSEK-years
    return f"{base[:-1] if base.endswith('s') and base.islower() else base}-years"


def sign(o: Objective) -> float:
    """+1 when smaller is better, -1 when larger is better."""
    return 1.0 if o.direction == "minimize" else -1.0


def optuna_direction(o: Objective) -> str:
    return "minimize" if o.statistic == "regret" else o.direction


def run_value(o: Objective, ds: xr.Dataset, natural_vacancy: float) -> float:
    """The objective's value in one run's results Dataset."""
    years = ds["year"].values[1:]
    if o.measure == EXCESS_VACANCY:
        d = ds.sel(year=years)
        stock = d["dwellings"].sum("dwelling_type")
        vacant = d["vacant_dwellings"].sum("dwelling_type")
        excess = np.maximum(vacant - natural_vacancy * stock, 0).sum("municipality")
        series = excess * float(o.msek_per_dwelling)
    else:
        ind = INDICATOR[o.measure]
        num = ind.numerator(ds)
        den = ind.denominator(ds) if ind.denominator is not None else None
        if o.area == "region":
            value = num.sum("municipality")
            if den is not None:
                value = value / den.sum("municipality")
        else:
            per = num / den if den is not None else num
            value = (
                per.max("municipality") if o.direction == "minimize" else per.min("municipality")
            )
        series = ind.scale * value
        series = series.sel(year=years)
    if o.aggregate == "sum":
        return float(series.sum("year"))
    if o.aggregate == "mean":
        return float(series.mean("year"))
    year = int(o.year) if o.year is not None else int(years[-1])
    return float(series.sel(year=year))


def statistic(o: Objective, values: np.ndarray, reference: np.ndarray | None = None) -> float:
    """The objective over a candidate's runs (``values``, in the order of the shared futures and
    seeds); ``reference`` holds the base scenario's values in the same runs, for regret."""
    values = np.asarray(values, dtype=float)
    if o.statistic == "mean":
        return float(values.mean())
    if o.statistic == "quantile":
        q = o.q if o.direction == "minimize" else 1 - o.q
        return float(np.quantile(values, q))
    regret = sign(o) * (values - np.asarray(reference, dtype=float))
    return float(np.quantile(regret, o.q))


def interval(
    o: Objective, values: np.ndarray, reference: np.ndarray | None, confidence: float = 0.95
) -> tuple[float, float]:
    """A confidence interval of the statistic over the runs: Student's t for a mean, a
    bootstrap (scipy.stats.bootstrap, percentile, seeded) for quantiles and regret."""
    from scipy import stats

    values = np.asarray(values, dtype=float)
    n = values.size
    if n < 2:
        return (float("nan"), float("nan"))
    if o.statistic == "mean":
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
        m = float(values.mean())
        return (m - float(half), m + float(half))
    data = (values,) if o.statistic == "quantile" else (values, np.asarray(reference, float))

    def stat(*arrays, axis=-1):
        if o.statistic == "quantile":
            q = o.q if o.direction == "minimize" else 1 - o.q
            return np.quantile(arrays[0], q, axis=axis)
        return np.quantile(sign(o) * (arrays[0] - arrays[1]), o.q, axis=axis)

    res = stats.bootstrap(
        data,
        stat,
        paired=len(data) == 2,
        confidence_level=confidence,
        n_resamples=999,
        method="percentile",
        rng=np.random.default_rng(0),
    )
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))
