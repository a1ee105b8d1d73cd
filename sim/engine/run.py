"""``run(cfg) -> xarray.Dataset``: one simulation, usable without Hydra (tests, notebooks).

Set-up is a straight line: validated inputs and parameters, the scenario checked against them,
the synthetic base population, then the model that receives it and sets up its submodels.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from omegaconf import DictConfig, OmegaConf

from sim.config.compose import resolve_config
from sim.config.futures import applied, future_values, run_seed
from sim.config.params import Params, RunConfig
from sim.config.scenario import INTERVENTION_DIMS
from sim.config.validate import validate_scenario
from sim.engine.memory import keep_freed_memory
from sim.engine.model import RegionModel
from sim.engine.population import AGE_GROUPS
from sim.engine.synthesis import synthesize
from sim.engine.threads import configure_threads
from sim.io.atomic import write_text
from sim.io.inputs import load_region_once
from sim.io.provenance import code_version, config_yaml, model_part, run_id_of
from sim.io.results import RESULTS_FILE, Recorder, write_netcdf


@dataclass
class Run:
    """A finished run: its model (for inspection) and its results."""

    model: RegionModel
    results: xr.Dataset


def build_model(cfg: DictConfig | RunConfig | dict) -> RegionModel:
    """The model of a config, set up in the base year and ready to step."""
    return _build(resolve_config(cfg))


def _build(cfg: DictConfig) -> RegionModel:
    """The model of a resolved config (in its sampled future, if it is one of them)."""
    configure_threads()
    keep_freed_memory()
    cfg = applied(cfg)
    inputs = load_region_once(cfg.region.input_dir or cfg.region.name)
    params: Params = OmegaConf.to_object(cfg.params)
    validate_scenario(cfg.scenario, inputs, cfg.years.start, cfg.years.end)
    warm_years = params.warm_start.years
    seed = run_seed(cfg.seed, cfg.future)
    pop = synthesize(inputs, params, seed, cfg.years.start, warm_years)
    model = RegionModel(inputs, params, pop, seed, cfg.years.start, cfg.scenario)
    model.warm_start(warm_years)
    return model


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
    model = _build(cfg)
    recorder = Recorder(model.declared_results())
    model.record(recorder)
    if on_year is not None:
        on_year(model)
    years = range(cfg.years.start + 1, cfg.years.end + 1)
    if show:
        from rich.progress import track

        years = track(years, description=f"Simulating {model.inputs.name}", transient=False)
    for _ in years:
        model.step()
        model.record(recorder)
        if on_year is not None:
            on_year(model)
    ds = recorder.to_dataset(
        coordinates(model), base_year=model.base_year, static=model.static_results()
    )
    ds.attrs.update(run_attributes(cfg, model.inputs.checksums))
    if cfg.output_dir:
        write_run(Path(cfg.output_dir), cfg, ds)
    return Run(model, ds)


def write_run(output_dir: Path, cfg: DictConfig, ds: xr.Dataset) -> None:
    """The run's files: ``config.yaml``, then ``results.nc``, each renamed into place.

    ``results.nc`` comes last and marks the run complete, so a run killed in between has no
    results and is redone; it never loses its config.
    """
    write_text(output_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    write_netcdf(ds, output_dir / RESULTS_FILE)


def run(cfg: DictConfig | RunConfig | dict) -> xr.Dataset:
    """Run one simulation and return its results Dataset.

    Examples
    --------
    >>> ds = run({"region": {"name": "skaraborg"}, "years": {"end": 2026}})  # doctest: +SKIP
    """
    return simulate(cfg).results


def coordinates(model: RegionModel) -> dict:
    """The Dataset's coordinates, with their CF attributes. SCB codes are strings."""

    muni = model.inputs.municipalities
    coords = {
        "municipality": (
            "municipality",
            np.array(model.codes, dtype=object),
            {"long_name": "Municipality (SCB municipality code)"},
        ),
        "municipality_name": (
            "municipality",
            np.array(model.names, dtype=object),
            {"long_name": "Municipality name"},
        ),
        "municipality_lat": (
            "municipality",
            muni["lat"].to_numpy(float),
            {
                "standard_name": "latitude",
                "units": "degrees_north",
                "long_name": "Latitude of the municipal seat",
            },
        ),
        "municipality_lon": (
            "municipality",
            muni["lon"].to_numpy(float),
            {
                "standard_name": "longitude",
                "units": "degrees_east",
                "long_name": "Longitude of the municipal seat",
            },
        ),
        "sector": ("sector", np.array(model.sectors, dtype=object), {"long_name": "Sector"}),
        "dwelling_type": (
            "dwelling_type",
            np.array(model.dwelling_types, dtype=object),
            {"long_name": "Type of dwelling"},
        ),
        "age_group": (
            "age_group",
            np.array(AGE_GROUPS, dtype=object),
            {"long_name": "Age group, years"},
        ),
        "origin": (
            "origin",
            np.array(model.codes, dtype=object),
            {"long_name": "Home municipality (SCB code)"},
        ),
        "destination": (
            "destination",
            np.array(model.nodes, dtype=object),
            {"long_name": "Workplace: municipality (SCB code) or external labour market"},
        ),
    }
    for dim, key in INTERVENTION_DIMS.items():
        names = np.array([item.name for item in model.scenario[key]], dtype=object)
        coords[dim] = (dim, names, {"long_name": f"Scenario {dim.replace('_', ' ')}"})
    return coords


def run_attributes(cfg: DictConfig, checksums: dict[str, str]) -> dict[str, str | int]:
    """Provenance: the resolved model config, seed, code version and input checksums."""
    container = OmegaConf.to_container(cfg, resolve=True)
    model_cfg = {k: v for k, v in container.items() if k not in ("output_dir", "progress")}
    return {
        "title": "Regional growth simulation",
        "run_id": run_id_of(model_part(container)),
        "region": cfg.region.name,
        "scenario": cfg.scenario.name,
        "scenario_title": cfg.scenario.title,
        "scenario_title_sv": cfg.scenario.title_sv,
        "scenario_description": cfg.scenario.description,
        "scenario_description_sv": cfg.scenario.description_sv,
        "intervention_titles": intervention_titles(cfg.scenario),
        "seed": int(cfg.seed),
        "code_version": code_version(),
        "config": config_yaml(model_cfg),
        "input_checksums": json.dumps(checksums, sort_keys=True),
        **future_attributes(cfg),
        "comment": "Stocks at 31 December (cell_methods year: point); flows during the year "
        "(year: sum); base-year flows are NaN",
    }


def intervention_titles(scenario: DictConfig) -> str:
    """The titles of the scenario's interventions, as JSON: for each intervention dimension of the
    results, name -> [title, title_sv] (``sim collect`` turns them into variables)."""
    titles = {
        dim: {str(item.name): [str(item.title), str(item.title_sv)] for item in scenario[key]}
        for dim, key in INTERVENTION_DIMS.items()
    }
    return json.dumps(titles, ensure_ascii=False, sort_keys=True)


def future_attributes(cfg: DictConfig) -> dict[str, str | int]:
    """A run of sampled futures: which future, its sampled values (JSON) and their set."""
    if cfg.future is None:
        return {}
    units = {u.name: str(u.unit) for u in cfg.futures.uncertainties}
    labels = {
        u.name: [str(u.label or u.name), str(u.label_sv or u.label or u.name)]
        for u in cfg.futures.uncertainties
    }
    return {
        "future": int(cfg.future),
        "futures": str(cfg.futures.name),
        "future_values": json.dumps(future_values(cfg.futures, int(cfg.future))),
        "future_units": json.dumps(units, ensure_ascii=False),
        "future_labels": json.dumps(labels, ensure_ascii=False),
    }
