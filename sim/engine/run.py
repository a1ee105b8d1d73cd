"""``run(cfg) -> xarray.Dataset``: one simulation, usable without Hydra (tests, notebooks)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from omegaconf import DictConfig, OmegaConf

from sim.config.compose import resolve_config
from sim.config.params import Params, RunConfig
from sim.config.validate import validate_scenario
from sim.engine.model import RegionModel
from sim.engine.submodels.finance import AGE_GROUPS
from sim.io.inputs import load_region
from sim.io.provenance import code_version, run_id
from sim.io.results import Recorder, write_netcdf


@dataclass
class Run:
    """A finished run: its model (for inspection) and its results."""

    model: RegionModel
    results: xr.Dataset


def simulate(
    cfg: DictConfig | RunConfig | dict,
    progress: bool | None = None,
    on_year: Callable[[RegionModel], None] | None = None,
) -> Run:
    """Run one simulation and return the model and its Dataset (written if ``output_dir``).

    ``on_year(model)``, when given, is called on the base year and after every simulated year
    (tests use it to check invariants on the agent arrays).
    """
    cfg = resolve_config(cfg)
    show = cfg.progress if progress is None else progress
    inputs = load_region(cfg.region.input_dir or cfg.region.name)
    params: Params = OmegaConf.to_object(cfg.params)
    validate_scenario(cfg.scenario, inputs, cfg.years.start, cfg.years.end)
    model = RegionModel(
        inputs, params, seed=cfg.seed, base_year=cfg.years.start, scenario=cfg.scenario
    )
    recorder = Recorder()
    record(model, recorder)
    if on_year is not None:
        on_year(model)
    years = range(cfg.years.start + 1, cfg.years.end + 1)
    if show:
        from rich.progress import track

        years = track(years, description=f"Simulating {inputs.name}", transient=False)
    for _ in years:
        model.step()
        record(model, recorder)
        if on_year is not None:
            on_year(model)
    ds = recorder.to_dataset(
        coordinates(model),
        base_year=model.base_year,
        static={**model.governance.static_results(), **model.interventions.static_results()},
    )
    ds.attrs.update(run_attributes(cfg, inputs.checksums))
    if cfg.output_dir:
        out = Path(cfg.output_dir)
        write_netcdf(ds, out / "results.nc")
    return Run(model, ds)


def run(cfg: DictConfig | RunConfig | dict) -> xr.Dataset:
    """Run one simulation and return its results Dataset.

    Examples
    --------
    >>> ds = run({"region": {"name": "skaraborg"}, "years": {"end": 2026}})  # doctest: +SKIP
    """
    return simulate(cfg).results


def record(model: RegionModel, rec: Recorder) -> None:
    """Write the current year's indicators of every submodel."""
    rec.begin(model.year)
    rec.put("population", model.residents_by_age_group())
    rec.put("households", model.household_counts())
    for submodel in (
        model.demography,
        model.labour,
        model.migration,
        model.housing,
        model.construction,
        model.finance,
        model.culture,
        model.interventions,
        model.governance,
    ):
        submodel.record(model, rec)
    rec.put("plan_reserve_released", [m.released for m in model.municipalities])
    rec.put("tax_rate_change", [m.tax_change for m in model.municipalities])


def coordinates(model: RegionModel) -> dict:
    return {
        "municipality": ("municipality", np.array(model.codes, dtype=object)),
        "municipality_name": ("municipality", np.array(model.names, dtype=object)),
        "municipality_lat": ("municipality", model.inputs.municipalities["lat"].to_numpy(float)),
        "municipality_lon": ("municipality", model.inputs.municipalities["lon"].to_numpy(float)),
        "sector": np.array(model.sectors, dtype=object),
        "dwelling_type": np.array(model.dwelling_types, dtype=object),
        "age_group": np.array(AGE_GROUPS, dtype=object),
        "origin": np.array(model.codes, dtype=object),
        "destination": np.array(model.nodes, dtype=object),
        **{
            dim: np.array([item.name for item in model.scenario[key]], dtype=object)
            for dim, key in (
                ("establishment", "establishments"),
                ("housing_programme", "housing_programmes"),
                ("cultural_investment", "cultural_investments"),
                ("joint_proposal", "joint_proposals"),
            )
        },
    }


def run_attributes(cfg: DictConfig, checksums: dict[str, str]) -> dict[str, str | int]:
    """Provenance: the resolved model config, seed, code version and input checksums."""
    model_cfg = OmegaConf.to_container(cfg, resolve=True)
    model_cfg.pop("output_dir", None)
    model_cfg.pop("progress", None)
    return {
        "title": "Regional growth simulation",
        "run_id": run_id(cfg),
        "region": cfg.region.name,
        "scenario": cfg.scenario.name,
        "scenario_description": cfg.scenario.description,
        "scenario_description_sv": cfg.scenario.description_sv,
        "seed": int(cfg.seed),
        "code_version": code_version(),
        "config": OmegaConf.to_yaml(OmegaConf.create(model_cfg)),
        "input_checksums": json.dumps(checksums, sort_keys=True),
        "conventions": "Stocks at 31 December; flows during the year; base-year flows are NaN",
    }
