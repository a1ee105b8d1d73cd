"""``sim collect``: combine a sweep's runs into one ensemble dataset (zarr), lazily.

Runs are opened with dask-backed ``xarray.open_mfdataset``. An ensemble of at most
:data:`IN_MEMORY_BYTES` is read whole and written from memory, each run's file read once; a
larger one is written chunk by chunk, so it never has to fit in memory. Both write one chunk per
run. The ensemble has dimensions ``scenario`` and ``replicate``
(the seed) in front of each run's own dimensions; an ensemble of sampled futures also has
``future``, with the sampled values as its coordinates (``future_<uncertainty>``).
"""

from __future__ import annotations

import json
from pathlib import Path

import netCDF4
import numpy as np
import xarray as xr
import yaml

from sim.batch.sweep import FAILED_FILE
from sim.config.params import ConfigError
from sim.config.scenario import INTERVENTION_DIMS
from sim.io.atomic import not_replaceable, publish_folder

ENSEMBLE_NAME = "ensemble.zarr"
# Bytes of ensemble data read into memory before writing, instead of chunk by chunk: a hundredth
# of the 24 GB of a project machine (the default study's 55 Skaraborg runs hold 17 MB).
IN_MEMORY_BYTES = 256 * 2**20
# What collect reads from each run's results.nc besides its variables.
RUN_ATTRIBUTES = ("scenario", "seed", "config", "code_version", "input_checksums", "region")


class CollectError(ConfigError):
    """The runs of a sweep cannot be combined; the message says why and which runs."""


def _flatten(tree, prefix: str = "") -> dict[str, object]:
    if isinstance(tree, dict):
        out: dict[str, object] = {}
        for key, value in tree.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    if isinstance(tree, list):
        out = {}
        for i, value in enumerate(tree):
            out.update(_flatten(value, f"{prefix}{i}."))
        return out
    return {prefix[:-1]: tree}


def scenario_labels(configs: list[str], names: list[str]) -> list[str]:
    """Ensemble labels of runs: the scenario name, or for variants of one scenario swept over a
    parameter, the name with the values that tell them apart, e.g.
    ``housing_demand[queue_threshold=0.005]``."""
    flat = []
    for text in configs:
        config = yaml.safe_load(text) or {}
        config.pop("seed", None)
        config.pop("future", None)  # futures of one scenario are one scenario
        flat.append(_flatten(config))
    labels = list(names)
    for name in set(names):
        members = [i for i, n in enumerate(names) if n == name]
        keys = sorted({k for i in members for k in flat[i]})
        differing = [k for k in keys if len({repr(flat[i].get(k)) for i in members}) > 1]
        if not differing:
            continue
        for i in members:
            parts = [f"{k.split('.')[-1]}={flat[i].get(k)}" for k in differing]
            labels[i] = f"{name}[{','.join(parts)}]"
    return labels


def _shared_params(runs: list[tuple[str, int, Path]]) -> str | None:
    """The model parameters (YAML) when every run used the same ones, else None."""
    texts = set()
    for _, _, path in runs:
        with netCDF4.Dataset(path) as nc:
            params = (yaml.safe_load(str(nc.config)) or {}).get("params")
        texts.add(yaml.safe_dump(params, sort_keys=True))
    return texts.pop() if len(texts) == 1 else None


def find_runs(sweep_dir: Path) -> list[tuple[str, int, Path]]:
    """(scenario label, seed, results path) of every complete run, sorted by label then seed;
    a run of sampled futures has the seed ``(future, seed)``."""
    runs_dir = Path(sweep_dir) / "runs"
    if not runs_dir.is_dir():
        raise CollectError(
            f"{sweep_dir}: no 'runs' folder; is this a sweep folder of 'sim run -m'?"
        )
    names, seeds, configs, paths = [], [], [], []
    for path in sorted(runs_dir.glob("*/results.nc")):
        problem = ""
        try:
            with netCDF4.Dataset(path) as nc:
                missing = [key for key in RUN_ATTRIBUTES if key not in nc.ncattrs()]
                missing += [] if "year" in nc.variables else ["the variable 'year'"]
                if missing:
                    problem = f"it has no {', '.join(missing)}"
                else:
                    seed = int(nc.seed)
                    if "future" in nc.ncattrs():
                        seed = (int(nc.future), seed)
                    found = (str(nc.scenario), seed, str(nc.config))
                    if not isinstance(_yaml_or_none(found[2]), dict):
                        problem = "its 'config' attribute is not a YAML mapping"
        except (OSError, ValueError) as err:
            problem = f"it is not readable netCDF: {getattr(err, 'strerror', None) or err}"
        if problem:
            raise CollectError(
                f"{path}: not the complete results of a run ({problem}); delete the folder "
                f"{path.parent.name} and run the sweep again to redo it"
            )
        names.append(found[0])
        seeds.append(found[1])
        configs.append(found[2])
        paths.append(path)
    if not paths:
        raise CollectError(f"{sweep_dir}: no complete runs (runs/*/results.nc) to collect")
    labels = scenario_labels(configs, names)
    found = list(zip(labels, seeds, paths, strict=True))
    kinds = {isinstance(seed, tuple) for seed in seeds}
    if len(kinds) > 1:
        ordinary = next(p for p, r in zip(paths, seeds, strict=True) if not isinstance(r, tuple))
        future = next(p for p, r in zip(paths, seeds, strict=True) if isinstance(r, tuple))
        raise CollectError(
            f"runs of sampled futures ({future.parent.name}) and ordinary runs "
            f"({ordinary.parent.name}) are in one sweep folder; collect each study on its own"
        )
    return sorted(found, key=lambda item: (item[0], item[1]))


def _yaml_or_none(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def check_consistency(runs: list[tuple[str, int, Path]]) -> None:
    """Refuse runs of mixed code versions, inputs, regions or horizons, duplicates and gaps."""
    keys = {
        "code_version": "code versions",
        "input_checksums": "inputs",
        "region": "regions",
    }
    seen: dict[str, dict[str, list[str]]] = {key: {} for key in keys}
    horizons: dict[tuple, list[str]] = {}
    pairs: dict[tuple[str, int], Path] = {}
    # Runs of one scenario have the same variables; a variable has one type in every run.
    variables: dict[str, tuple[dict[str, str], Path]] = {}
    types: dict[str, tuple[str, Path]] = {}
    for scenario, seed, path in runs:
        with netCDF4.Dataset(path) as nc:
            for key in keys:
                seen[key].setdefault(str(getattr(nc, key)), []).append(path.parent.name)
            years = nc.variables["year"][:]
            horizons.setdefault((int(years[0]), int(years[-1])), []).append(path.parent.name)
            found = {name: str(var.dtype) for name, var in nc.variables.items()}
            # An empty list of items (no establishments in the baseline) has no type of its own.
            typed = {name for name, var in nc.variables.items() if var.size > 0}
        same_scenario, first = variables.setdefault(scenario, (found, path))
        redo = f"delete the folder {path.parent.name} and run the sweep again to redo it"
        for name in sorted(set(found) ^ set(same_scenario)):
            raise CollectError(
                f"{path}: the variable {name!r} is in only one of the runs {first.parent.name} "
                f"and {path.parent.name} of scenario {scenario!r}; {redo}"
            )
        for name in sorted(typed):
            kind = found[name]
            known, where = types.setdefault(name, (kind, path))
            if known != kind:
                raise CollectError(
                    f"{path}: the variable {name!r} is of type {kind}, but {known} in {where}; "
                    f"{redo}"
                )
        if (scenario, seed) in pairs:
            raise CollectError(
                f"runs {pairs[(scenario, seed)].parent.name} and {path.parent.name} are both "
                f"scenario {scenario!r} with {_run_key(seed)}; collect one study per sweep "
                "folder, and "
                "give each variant of a scenario its own name (scenario.name=...)"
            )
        pairs[(scenario, seed)] = path
    for key, values in seen.items():
        if len(values) > 1:
            detail = "; ".join(
                f"{_short(value)}: {', '.join(names[:3])}{' ...' if len(names) > 3 else ''}"
                for value, names in values.items()
            )
            raise CollectError(
                f"runs have mixed {keys[key]} ({detail}); rerun them "
                "with one code version and one set of inputs"
            )
    if len(horizons) > 1:
        detail = "; ".join(f"{a}-{b}: {', '.join(n[:3])}" for (a, b), n in horizons.items())
        raise CollectError(f"runs have different horizons ({detail})")
    scenarios = sorted({s for s, _ in pairs})
    seeds = sorted({r for _, r in pairs})
    if isinstance(seeds[0], tuple):  # futures x seeds: every combination
        futures = sorted({f for f, _ in seeds})
        replicates = sorted({r for _, r in seeds})
        seeds = [(f, r) for f in futures for r in replicates]
    missing = [f"{s} {_run_key(r)}" for s in scenarios for r in seeds if (s, r) not in pairs]
    if missing:
        raise CollectError(
            "the sweep is incomplete; missing runs: "
            + ", ".join(missing[:10])
            + (" ..." if len(missing) > 10 else "")
            + "; rerun the sweep to complete it"
        )


def _run_key(seed: int | tuple[int, int]) -> str:
    return f"future {seed[0]} seed {seed[1]}" if isinstance(seed, tuple) else f"seed {seed}"


def _short(value: str) -> str:
    try:
        return json.dumps(json.loads(value))[:40] + "..."
    except ValueError:
        return value[:40]


def open_ensemble(sweep_dir: Path) -> xr.Dataset:
    """The sweep's runs as one lazy Dataset with ``scenario`` and ``replicate`` dimensions, and
    ``future`` (with the sampled values as coordinates) for runs of sampled futures."""
    runs = find_runs(sweep_dir)
    check_consistency(runs)
    scenarios = sorted({s for s, _, _ in runs})
    keys = sorted({r for _, r, _ in runs})
    by_pair = {(s, r): p for s, r, p in runs}
    with_futures = isinstance(keys[0], tuple)
    if with_futures:
        futures = sorted({f for f, _ in keys})
        seeds = sorted({r for _, r in keys})
        paths = [[[str(by_pair[(s, (f, r))]) for r in seeds] for f in futures] for s in scenarios]
        dims = ["scenario", "future", "replicate"]
    else:
        paths = [[str(by_pair[(s, r)]) for r in keys] for s in scenarios]
        dims = ["scenario", "replicate"]

    label_of = {str(Path(p).resolve()): s for s, _, p in runs}

    def tag(ds: xr.Dataset) -> xr.Dataset:
        run_id = ds.attrs["run_id"]
        label = label_of[str(Path(ds.encoding["source"]).resolve())]
        # Labels (SCB codes of programmes, ...) are small: read them now, as dask cannot chunk
        # text when it combines the runs.
        for name, var in ds.data_vars.items():
            if var.dtype.kind in "OUS":
                ds[name] = var.load()
        ids = {"scenario": [label], "replicate": [int(ds.attrs["seed"])]}
        if with_futures:
            ids = {"scenario": [label], "future": [int(ds.attrs["future"])], **ids}
        ds = ds.expand_dims(ids)
        ds["run_id"] = (dims, np.array(run_id, dtype=object).reshape((1,) * len(dims)))
        for key in ("scenario_description", "scenario_description_sv"):
            ds[key] = (("scenario",), np.array([ds.attrs.get(key, "")], dtype=object))
        for key, text in scenario_titles(ds.attrs, label).items():
            ds[key] = (("scenario",), np.array([text], dtype=object))
        for key, (dim, titles) in intervention_titles(ds).items():
            ds[key] = (("scenario", dim), np.array([titles], dtype=object).reshape(1, -1))
        return ds

    ds = xr.open_mfdataset(
        paths,
        combine="nested",
        concat_dim=dims,
        preprocess=tag,
        join="outer",
        combine_attrs="drop_conflicts",
        data_vars="all",
        coords="different",
        compat="no_conflicts",
        engine="netcdf4",
    )
    for key in (
        "seed",
        "run_id",
        "config",
        "scenario",
        "scenario_title",
        "scenario_title_sv",
        "scenario_description",
        "scenario_description_sv",
        "intervention_titles",
        "future",
        "future_values",
        "future_units",
        "future_labels",
    ):
        ds.attrs.pop(key, None)
    shared = _shared_params(runs)
    if shared is not None:
        ds.attrs["params"] = shared  # the phasing comparison reads rates from it
    ds["replicate"].attrs.update(long_name="Replicate (the run's seed)")
    ds["scenario"].attrs.update(long_name="Scenario")
    if with_futures:
        ds = ds.assign_coords(future_coordinates(runs, futures))
        ds["future"].attrs.update(long_name=f"Sampled future of the set '{ds.attrs['futures']}'")
    return ds


def scenario_titles(attrs: dict, label: str) -> dict[str, str]:
    """``scenario_title`` and ``scenario_title_sv`` of a run labelled ``label`` in the ensemble: its
    scenario's titles, with the values that tell variants apart when the label has them
    (``housing_demand[queue_threshold=0.005]``: "<title> [queue_threshold=0.005]"); empty for runs
    written before scenarios had titles (reports then show the label)."""
    name = str(attrs.get("scenario", label))
    variant = label[len(name) :] if label.startswith(name + "[") else ""
    out = {}
    for key in ("scenario_title", "scenario_title_sv"):
        title = str(attrs.get(key, "") or "")
        out[key] = f"{title} {variant}" if title and variant else title
    return out


def intervention_titles(ds: xr.Dataset) -> dict[str, tuple[str, list[str]]]:
    """Variables of a run's intervention titles: ``<dim>_title`` and ``<dim>_title_sv`` for each
    intervention dimension (``establishment``, ...), with the title of each of its items in the
    order of the dimension; empty titles for runs written before interventions had titles."""
    try:
        titles = json.loads(ds.attrs.get("intervention_titles", "{}"))
    except ValueError:
        titles = {}
    out = {}
    for dim in INTERVENTION_DIMS:
        if dim not in ds.dims:
            continue
        names = [str(n) for n in ds[dim].values]
        by_name = titles.get(dim, {})
        for k, suffix in enumerate(("", "_sv")):
            out[f"{dim}_title{suffix}"] = (dim, [by_name.get(n, ["", ""])[k] for n in names])
    return out


def future_coordinates(runs: list[tuple[str, object, Path]], futures: list[int]) -> dict:
    """The sampled value of every uncertainty in every future, as coordinates along ``future``
    (``future_<name>``), with units and labels; refuses runs whose values for one future differ."""
    values: dict[int, tuple[str, Path]] = {}
    units, labels = {}, {}
    for _, (future, _), path in runs:
        with netCDF4.Dataset(path) as nc:
            found = str(nc.future_values)
            units, labels = json.loads(nc.future_units), json.loads(nc.future_labels)
        known, where = values.setdefault(future, (found, path))
        if known != found:
            raise CollectError(
                f"{path}: future {future} has other sampled values than in {where.parent.name}; "
                "collect runs of one futures set (the same futures.n and futures.seed)"
            )
    table = {f: json.loads(values[f][0]) for f in futures}
    coords = {}
    for name in table[futures[0]]:
        label, label_sv = labels.get(name, [name, name])
        coords[f"future_{name}"] = xr.DataArray(
            np.array([table[f][name] for f in futures], dtype=np.float64),
            dims="future",
            coords={"future": futures},
            attrs={"units": units.get(name, "1"), "long_name": label, "long_name_sv": label_sv},
        )
    return coords


def is_unpublished_ensemble(folder: Path) -> bool:
    """An ensemble written by an earlier version of collect, before outputs were published."""
    attrs = folder / ".zattrs"
    return (
        (folder / ".zgroup").is_file()
        and attrs.is_file()
        and "code_version" in attrs.read_text(encoding="utf-8", errors="replace")
    )


def _open_files_allowed(wanted: int) -> int:
    """``wanted`` open files, within the process's limit (keeping a quarter of it free)."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(128, wanted)  # xarray's default
    return wanted if soft == resource.RLIM_INFINITY else max(16, min(wanted, soft * 3 // 4))


def collect(sweep_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the ensemble of ``sweep_dir`` as zarr, published atomically
    (:func:`sim.io.atomic.publish_folder`: ``ensemble.zarr`` links to its current version)."""
    sweep_dir = Path(sweep_dir)
    out = Path(out) if out is not None else sweep_dir / ENSEMBLE_NAME
    problem = not_replaceable(out, is_unpublished_ensemble)
    if problem:
        raise CollectError(f"--out: {problem}")
    failed = sorted(p.parent.name for p in (sweep_dir / "runs").glob(f"*/{FAILED_FILE}"))
    # Every run's file stays open while the ensemble is written: with fewer open files allowed
    # than runs, xarray reopens them chunk after chunk (minutes for 330 runs).
    runs = len(list((sweep_dir / "runs").glob("*/results.nc")))
    with xr.set_options(file_cache_maxsize=_open_files_allowed(runs + 16)):
        ds = open_ensemble(sweep_dir)
        if failed:
            print(f"warning: {len(failed)} failed runs not collected: {', '.join(failed[:5])}")
        for name in ds.variables:
            ds[name].encoding.clear()
        for name, var in ds.data_vars.items():  # small text; "" where a run has no such item
            if var.dtype.kind in "OUS":
                ds[name] = var.load().fillna("").astype(str)
        one_run = {"scenario": 1, "replicate": 1, **({"future": 1} if "future" in ds.dims else {})}
        chunked = ds.chunk(one_run)
        encoding = {}
        if ds.nbytes <= IN_MEMORY_BYTES:  # the same chunks on disk, written from memory
            encoding = {
                name: {"chunks": [max(sizes[0], 1) for sizes in var.chunks]}  # 1: empty dims
                for name, var in chunked.variables.items()
                if var.chunks is not None
            }
            ds = ds.load()
        else:
            ds = chunked
        try:
            publish_folder(
                out,
                lambda to: ds.to_zarr(
                    to, mode="w", zarr_format=2, consolidated=True, encoding=encoding
                ),
                is_unpublished_ensemble,
            )
        finally:
            ds.close()
    return out
