"""Compare scenarios: ensemble statistics, paired differences to the baseline, goals and conflicts.

Reads only ensemble Datasets (``sim collect``). For every indicator, per municipality and for the
region: the mean over replicates and a 5-95 % band, and each scenario's difference to the baseline
computed pairwise by replicate (the same seed in both runs, so common random numbers cancel).

Two different things are reported about a difference, and kept apart:

- how sure we are of the *effect*: the mean paired difference with its 95 % confidence interval,
  a Student t-interval of the mean (``diff_ci_low``, ``diff_ci_high``; the quantile of
  ``scipy.stats.t``, by ``scipy.special.stdtrit``). The t-interval fits because the paired
  differences of a run's indicators are sums over many households, close to normal, and
  replicates are few: a bootstrap needs more than the 3-10 replicates of a study to be reliable.
  An effect is *clear* when its interval excludes zero;
- how much a single future may differ (``diff_p05``, ``diff_p95``): the 5-95 % spread of the paired
  differences over replicates, a prediction band. It does not shrink with more replicates.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from scipy import special

from sim.config.params import ConfigError
from sim.io.atomic import MANIFEST, IncompleteOutput, check_published

ENSEMBLE_DIMS = ("scenario", "replicate", "year")

REGION = "region"
QUANTILES = (0.05, 0.95)
CONFIDENCE = 0.95  # of the confidence interval of a mean difference


@dataclass(frozen=True)
class Indicator:
    """An indicator: a numerator (and a denominator for ratios) summed to the region.

    ``numerator`` and ``denominator`` map an ensemble Dataset to arrays with a ``municipality``
    dimension; the value is ``scale * numerator / denominator``, per municipality and summed first
    for the region, so regional rates are weighted correctly.
    """

    name: str
    units: str
    long_name: str
    numerator: Callable[[xr.Dataset], xr.DataArray]
    denominator: Callable[[xr.Dataset], xr.DataArray] | None = None
    scale: float = 1.0


def _sum(name: str, *dims: str) -> Callable[[xr.Dataset], xr.DataArray]:
    return lambda ds: ds[name].sum(dims) if dims else ds[name]


def _working_age(ds: xr.Dataset) -> xr.DataArray:
    return ds["population"].sel(age_group=["20-44", "45-64"]).sum("age_group")


INDICATORS: tuple[Indicator, ...] = (
    Indicator("population", "persons", "Residents", _sum("population", "age_group")),
    Indicator("jobs", "positions", "Job positions", _sum("jobs", "sector")),
    Indicator(
        "employment_rate",
        "percent",
        "Employed residents per resident aged 20-64",
        _sum("employed_residents"),
        _working_age,
        100.0,
    ),
    Indicator(
        "unemployment_rate",
        "percent",
        "Unemployed share of the resident labour force",
        _sum("unemployed_residents"),
        lambda ds: ds["unemployed_residents"] + ds["employed_residents"],
        100.0,
    ),
    Indicator("housing_queue", "households", "Housing queue", _sum("housing_queue")),
    Indicator(
        "vacancy_rate",
        "percent",
        "Vacant share of dwellings",
        _sum("vacant_dwellings", "dwelling_type"),
        _sum("dwellings", "dwelling_type"),
        100.0,
    ),
    Indicator(
        "price_index",
        "1",
        "Housing price index (stock-weighted)",
        lambda ds: (ds["price_index"] * ds["dwellings"]).sum("dwelling_type"),
        _sum("dwellings", "dwelling_type"),
    ),
    Indicator(
        "municipal_result_per_resident",
        "SEK/resident",
        "Municipal result per resident",
        _sum("municipal_result"),
        _sum("population", "age_group"),
        1e6,
    ),
    Indicator(
        "municipal_debt_per_resident",
        "SEK/resident",
        "Municipal debt per resident",
        _sum("municipal_debt"),
        _sum("population", "age_group"),
        1e6,
    ),
    Indicator(
        "cultural_access",
        "places",
        "Cultural access (resident-weighted)",
        lambda ds: ds["cultural_access"] * ds["population"].sum("age_group"),
        _sum("population", "age_group"),
    ),
    Indicator(
        "mean_commute_minutes",
        "minutes",
        "Mean travel time to work (worker-weighted)",
        lambda ds: ds["mean_commute_minutes"] * ds["employed_residents"],
        _sum("employed_residents"),
    ),
    Indicator("in_migration", "persons/year", "In-migration to the region", _sum("in_migration")),
)
INDICATOR_NAMES = tuple(i.name for i in INDICATORS)


class CompareError(ConfigError):
    """An ensemble that cannot be compared; the message says why."""


def indicator_values(ensemble: xr.Dataset) -> xr.DataArray:
    """All indicators with dims (indicator, scenario, replicate, year, area); area is every
    municipality plus ``region``."""
    out = []
    for ind in INDICATORS:
        num = ind.numerator(ensemble)
        den = ind.denominator(ensemble) if ind.denominator is not None else None
        if den is None:
            local, regional = num, num.sum("municipality", skipna=False)
        else:
            local = ind.scale * num / den.where(den != 0)
            regional = ind.scale * num.sum("municipality") / den.sum("municipality")
        local = local.drop_vars(
            ["municipality_name", "municipality_lat", "municipality_lon"], errors="ignore"
        )
        regional = regional.expand_dims(municipality=[REGION])
        out.append(xr.concat([local, regional], dim="municipality", coords="minimal"))
    values = xr.concat(out, dim=xr.DataArray(list(INDICATOR_NAMES), dims="indicator"))
    values = values.rename(municipality="area").transpose(
        "indicator", "scenario", "replicate", "year", "area"
    )
    return values.assign_coords(
        units=("indicator", [i.units for i in INDICATORS]),
        long_name=("indicator", [i.long_name for i in INDICATORS]),
    )


def replicate_quantiles(values: xr.DataArray, q: list[float]) -> xr.DataArray:
    """Quantiles over replicates, skipping missing replicates (NaN where all are missing).

    numpy's ``nanquantile`` walks the array one slice at a time; where NaN only fill whole
    slices (the flows of the base year), the plain quantile gives the same numbers in one pass
    (a second for the default study instead of one)."""
    missing = values.isnull()
    whole_slices = bool((missing.any("replicate") == missing.all("replicate")).all())
    return values.quantile(q, dim="replicate", skipna=not whole_slices)


def compare(ensemble: xr.Dataset, baseline: str = "baseline") -> xr.Dataset:
    """Ensemble means and bands, and paired differences to ``baseline`` with their bands.

    Returns a Dataset with dims (indicator, scenario, year, area) and variables ``mean``, ``p05``,
    ``p95`` (over replicates), ``diff_mean``, ``diff_se``, ``diff_n``, ``diff_ci_low`` and
    ``diff_ci_high`` (the mean paired difference and its t-interval), ``diff_p05`` and
    ``diff_p95`` (the spread of the paired differences) and ``clear`` (+1: the interval lies
    above zero, -1: below zero, 0: not clear of replicate noise).
    """
    scenarios = [str(s) for s in ensemble["scenario"].values]
    if baseline not in scenarios:
        raise CompareError(
            f"--baseline: {baseline!r} is not a scenario of this ensemble; "
            f"choose one of: {', '.join(scenarios)}"
        )
    values = indicator_values(ensemble).load()
    diff = values - values.sel(scenario=baseline)
    q = list(QUANTILES)
    with warnings.catch_warnings():  # flows are NaN in the base year: all-NaN slices are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        band = replicate_quantiles(values, q)
        diff_band = replicate_quantiles(diff, q)
    out = xr.Dataset(
        {
            "mean": values.mean("replicate"),
            "p05": band.sel(quantile=q[0], drop=True),
            "p95": band.sel(quantile=q[1], drop=True),
            **paired_effect(diff).data_vars,
            "diff_p05": diff_band.sel(quantile=q[0], drop=True),
            "diff_p95": diff_band.sel(quantile=q[1], drop=True),
        }
    )
    out["mean"].attrs["long_name"] = "Mean over replicates"
    out["p05"].attrs["long_name"] = "5 % quantile over replicates"
    out["p95"].attrs["long_name"] = "95 % quantile over replicates"
    out["diff_mean"].attrs["long_name"] = f"Mean paired difference to {baseline}"
    out["diff_se"].attrs["long_name"] = "Standard error of the mean paired difference"
    out["diff_n"].attrs["long_name"] = "Replicates in the paired difference"
    level = f"{CONFIDENCE:.0%}"
    out["diff_ci_low"].attrs["long_name"] = f"Lower end of the {level} t-interval of the mean"
    out["diff_ci_high"].attrs["long_name"] = f"Upper end of the {level} t-interval of the mean"
    out["diff_p05"].attrs["long_name"] = "5 % quantile of the paired difference (spread)"
    out["diff_p95"].attrs["long_name"] = "95 % quantile of the paired difference (spread)"
    out["clear"].attrs["long_name"] = (
        f"Mean difference clear of replicate noise (its {level} interval excludes 0): "
        "+1 up, -1 down, 0 not"
    )
    out.attrs.update(
        baseline=baseline,
        replicates=int(values.sizes["replicate"]),
        # "replicates" (seeds of one future), or "draws" (sampled futures x seeds)
        replicate_kind=str(ensemble.attrs.get("replicate_kind", "replicates")),
        region=str(ensemble.attrs.get("region", "")),
        code_version=str(ensemble.attrs.get("code_version", "")),
    )
    names = ensemble.get("municipality_name")
    if names is not None:
        labels = [str(n) for n in names.values] + ["Region"]
        out = out.assign_coords(area_name=("area", labels))
    return out


def paired_effect(diff: xr.DataArray, confidence: float = CONFIDENCE) -> xr.Dataset:
    """The mean of paired differences over ``replicate`` with its t-interval: ``diff_mean``,
    ``diff_se``, ``diff_n`` (replicates that are not NaN), ``diff_ci_low``, ``diff_ci_high`` and
    ``clear`` (+1 / -1 when the interval lies above / below zero, else 0)."""
    with warnings.catch_warnings():  # flows are NaN in the base year: all-NaN slices are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = diff.mean("replicate")
        n = diff.count("replicate")
        se = diff.std("replicate", ddof=1) / np.sqrt(n)
    half = se * t_quantile(confidence, n)
    return xr.Dataset(
        {
            "diff_mean": mean,
            "diff_se": se,
            "diff_n": n.astype(np.int32),
            "diff_ci_low": mean - half,
            "diff_ci_high": mean + half,
            "clear": clear_sign(mean, half).astype(np.int8),
        }
    )


def t_quantile(confidence: float, n: xr.DataArray | np.ndarray) -> xr.DataArray | np.ndarray:
    """The two-sided Student t factor of a ``confidence`` interval of a mean of ``n`` values
    (NaN below two values)."""
    dof = np.where(np.asarray(n) >= 2, np.asarray(n) - 1, np.nan)
    # scipy.stats.t.ppf computes exactly this; scipy.special alone imports in a third of the time.
    factor = special.stdtrit(dof, 0.5 + confidence / 2)
    if isinstance(n, xr.DataArray):
        return xr.DataArray(factor, dims=n.dims, coords=n.coords)
    return factor


def clear_sign(mean: xr.DataArray, half_width: xr.DataArray) -> xr.DataArray:
    """+1 when the interval ``mean -+ half_width`` lies above zero, -1 below, 0 otherwise (also
    when it is undefined: fewer than two replicates)."""
    return xr.where(mean - half_width > 0, 1, 0) - xr.where(mean + half_width < 0, 1, 0)


def open_ensemble_store(path: str | Path) -> xr.Dataset:
    """An ensemble zarr store, or the ``ensemble.zarr`` of a sweep folder."""
    path = Path(path)
    if (path / "ensemble.zarr").exists():
        path = path / "ensemble.zarr"
    if not path.exists():
        raise CompareError(f"ensemble: {path} does not exist; run 'sim collect <sweep dir>' first")
    if not path.is_dir():
        raise CompareError(
            f"ensemble: {path} is not a folder; give ensemble.zarr or the sweep folder holding it"
        )
    if not any((path / name).exists() for name in (MANIFEST, ".zgroup", "zarr.json")):
        raise CompareError(
            f"ensemble: {path} is neither a sweep folder holding ensemble.zarr nor a zarr "
            "ensemble; run 'sim collect <sweep dir>' first"
        )
    try:
        check_published(path)
    except IncompleteOutput as err:
        raise CompareError(f"ensemble: {err}; run 'sim collect <sweep dir>' again") from None
    try:
        ds = xr.open_zarr(path)
    except Exception as err:  # noqa: BLE001 - any failure to open means: not an ensemble
        raise CompareError(f"ensemble: {path} is not a zarr ensemble ({err})") from None
    lacking = [f"dimension {d!r}" for d in ENSEMBLE_DIMS if d not in ds.dims]
    lacking += [] if "population" in ds else ["variable 'population'"]
    if lacking:
        ds.close()
        raise CompareError(
            f"ensemble: {path} is a zarr store but not an ensemble of 'sim collect' "
            f"(no {', '.join(lacking)})"
        )
    return ds


def to_long_table(comparison: xr.Dataset):
    """The comparison as a long pandas table (one row per indicator, scenario, year and area)."""
    columns = ["mean", "p05", "p95", "diff_mean", "diff_ci_low", "diff_ci_high"]
    columns += ["diff_p05", "diff_p95", "clear"]
    table = comparison[columns].to_dataframe().reset_index()
    keep = ["indicator", "scenario", "year", "area", *columns]
    if "area_name" in table:
        keep.insert(4, "area_name")
    if "units" in table:
        keep.insert(1, "units")
    return table[keep]
