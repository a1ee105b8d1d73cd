"""A workshop session: change a study's scenario, run it on the study's seeds, show it beside the
others in the explorer, and save it as a scenario file that ``sim run`` finds.

The edits are those a planner argues about in a workshop: the years and sizes of the stages of a
housing programme, the year, size and place of an establishment or a cultural investment. Each
edited scenario is checked by the scenario validator of ``sim run`` before anything runs, and run
once per seed of the study's baseline (and per sampled future, for a study of futures), with the
rest of the run config (region, years, parameters) exactly as the study's baseline run had it, so
its differences to the baseline are paired as in the study. Its runs are written under
``<study>/workshop/runs/``, never among the study's own runs, and collected like a sweep.
"""

from __future__ import annotations

import copy
import re
import shutil
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import xarray as xr
import yaml

from sim.config.compose import SCENARIO_NAME
from sim.config.params import ConfigError
from sim.config.scenario import PHASING_RULES
from sim.paths import CONFIG_DIR, USER_CONFIG_DEFAULT, USER_CONFIG_ENV, user_config_dir

WORKSHOP_DIR = "workshop"

# The fields a workshop may change, per kind of intervention; a housing programme's explicit
# stages (stages.<k>.year, stages.<k>.dwellings) too.
EDITABLE: dict[str, tuple[str, ...]] = {
    "housing_programmes": (
        "municipality",
        "phasing",
        "start_year",
        "end_year",
        "dwellings.detached",
        "dwellings.rental_flat",
        "dwellings.owner_flat",
    ),
    "establishments": ("municipality", "jobs", "opening_year", "ramp_up_years"),
    "cultural_investments": (
        "municipality",
        "capacity",
        "opening_year",
        "investment_msek",
        "operating_msek",
    ),
    "joint_proposals": ("location", "capacity", "earliest_year", "investment_msek"),
}
STAGE_FIELDS = ("year", "dwellings")
PLACES = ("municipality", "location")
DECIMALS = ("investment_msek", "operating_msek")


class WorkshopError(ConfigError):
    """An edit that cannot be run: its message names the field and what is allowed."""


@dataclass
class Progress:
    state: str = "idle"  # idle, running, done, failed
    done: int = 0
    total: int = 0
    scenario: str = ""
    message: str = ""
    saved: dict[str, str] = field(default_factory=dict)


def _read_config(results: Path) -> dict:
    return yaml.safe_load((results.parent / "config.yaml").read_text(encoding="utf-8"))


def _field_kind(name: str) -> str:
    last = name.rsplit(".", 1)[-1]
    if last in PLACES:
        return "place"
    if last == "phasing":
        return "phasing"
    return "decimal" if last in DECIMALS else "whole"


def editable_fields(scenario: dict) -> list[dict]:
    """The fields of ``scenario`` a workshop may change: path, kind and current value, grouped
    by intervention (its list, index and title)."""
    out = []
    for kind, names in EDITABLE.items():
        for k, item in enumerate(scenario.get(kind) or []):
            fields = []
            for name in names:
                value = item
                for part in name.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                fields.append(
                    {
                        "path": f"{kind}.{k}.{name}",
                        "name": name,
                        "kind": _field_kind(name),
                        "value": value,
                    }
                )
            for s, stage in enumerate(item.get("stages") or []):
                for name in STAGE_FIELDS:
                    fields.append(
                        {
                            "path": f"{kind}.{k}.stages.{s}.{name}",
                            "name": f"stages.{s}.{name}",
                            "kind": "whole",
                            "value": stage.get(name),
                        }
                    )
            out.append(
                {
                    "kind": kind,
                    "index": k,
                    "name": str(item.get("name", "")),
                    "title": str(item.get("title") or item.get("name", "")),
                    "title_sv": str(
                        item.get("title_sv") or item.get("title") or item.get("name", "")
                    ),
                    "fields": fields,
                }
            )
    return out


def apply_edits(scenario: dict, edits: dict) -> dict:
    """A copy of ``scenario`` with ``edits`` ({path: value}) applied, each checked to be an
    editable field of the right kind; raises :class:`WorkshopError` naming the field."""
    out = copy.deepcopy(scenario)
    allowed = {f["path"]: f for group in editable_fields(scenario) for f in group["fields"]}
    if not isinstance(edits, dict):
        raise WorkshopError("edits: expected a mapping of field paths to values")
    for path, value in edits.items():
        if path not in allowed:
            raise WorkshopError(
                f"{path}: not a field a workshop may change; change the years, sizes and places "
                "of the scenario's interventions (" + ", ".join(sorted(allowed)[:6]) + ", ...)"
            )
        kind = allowed[path]["kind"]
        where = _readable(scenario, path)
        if kind == "whole":
            text = str(value).strip()
            if not re.fullmatch(r"-?\d+", text):
                raise WorkshopError(f"{where}: {value!r} is not a whole number")
            value = int(text)
        elif kind == "decimal":
            try:
                value = float(str(value).replace(",", ".").replace("\u00a0", "").strip())
            except ValueError:
                raise WorkshopError(f"{where}: {value!r} is not a number") from None
        elif kind == "phasing" and value not in PHASING_RULES:
            raise WorkshopError(
                f"{where}: {value!r} is not a phasing rule; use one of: " + ", ".join(PHASING_RULES)
            )
        else:
            value = str(value)
        parts = path.split(".")
        target = out
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[parts[-1]] = value
    return out


def _readable(scenario: dict, path: str) -> str:
    """``housing_programmes.0.start_year`` as ``scenario.housing_programmes[Mariestad new
    homes].start_year``, the way the validator names fields."""
    kind, index, *rest = path.split(".")
    name = scenario[kind][int(index)].get("name", index)
    return f"scenario.{kind}[{name}]." + ".".join(rest)


class Workshop:
    """The state of one ``sim explore`` session on a study."""

    def __init__(
        self,
        study_dir: str | Path,
        lang: str = "sv",
        baseline: str = "baseline",
        goals: str | None = None,
        geojson: str | Path | None = None,
        optimisation: str | Path | None = None,
        scenario_dir: str | Path | None = None,
        workers: int = 2,
    ):
        from sim.analysis.compare import open_ensemble_store
        from sim.batch.collect import find_runs
        from sim.report.explorer import check_language
        from sim.report.study import load_front

        check_language(lang)
        self.study_dir = Path(study_dir)
        self.lang, self.baseline, self.goals, self.geojson = lang, baseline, goals, geojson
        self.front = load_front(optimisation) if optimisation is not None else None
        self.scenario_dir = Path(scenario_dir).resolve() if scenario_dir else user_config_dir()
        package = Path(__file__).resolve().parents[1]
        for inside in (CONFIG_DIR, package):
            if self.scenario_dir == inside or inside in self.scenario_dir.parents:
                raise WorkshopError(
                    f"--scenario-dir: {self.scenario_dir} is inside the project's own "
                    f"{inside.name}/ folder; saved scenarios go to a folder of your own (the "
                    f"default is ./{USER_CONFIG_DEFAULT} or ${USER_CONFIG_ENV})"
                )
        self.workers = max(1, int(workers))
        self.study = open_ensemble_store(self.study_dir).load()
        runs = find_runs(self.study_dir)
        self.scenarios: dict[str, dict] = {}
        self.base_configs: list[dict] = []
        for label, _, path in runs:
            if label not in self.scenarios:
                self.scenarios[label] = _read_config(path)["scenario"]
            if label == baseline:
                self.base_configs.append(_read_config(path))
        if not self.base_configs:
            raise WorkshopError(
                f"--baseline: the study {self.study_dir} has no runs of {baseline!r}; choose one "
                "of: " + ", ".join(self.scenarios)
            )
        self.made: dict[str, dict] = {}  # scenarios run in this session, by name
        self.progress = Progress()
        self._lock = threading.Lock()
        self._html = ""
        self._folder = self.study_dir / WORKSHOP_DIR
        self._boundaries = None  # of the study's municipalities, read at the first render
        self._render(self.study)

    # ---- what the page shows ----

    @property
    def html(self) -> str:
        return self._html

    def status(self) -> dict:
        p = self.progress
        return {
            "state": p.state,
            "done": p.done,
            "total": p.total,
            "scenario": p.scenario,
            "message": p.message,
        }

    def live(self, made: dict[str, dict] | None = None) -> dict:
        made = self.made if made is None else made
        bases = self.scenarios | made
        names = [str(n) for n in self.study["municipality_name"].values]
        return {
            "scenarios": {name: editable_fields(s) for name, s in bases.items()},
            "titles": {
                name: {"title": s.get("title") or name, "title_sv": s.get("title_sv") or name}
                for name, s in bases.items()
            },
            "municipalities": names,
            "phasing_rules": list(PHASING_RULES),
            "seeds": len(self.base_configs),
            "scenario_dir": str(self.scenario_dir / "scenario"),
            "last": next(reversed(made), ""),  # the scenario run last, which may be saved
        }

    def bases(self) -> dict[str, dict]:
        """The scenarios an edit may start from: the study's and those run in this session."""
        return self.scenarios | self.made

    def _render(self, ensemble: xr.Dataset, made: dict[str, dict] | None = None) -> None:
        from sim.report.explorer import study_boundaries, study_explorer
        from sim.report.study import load_study

        study = load_study(ensemble, self.baseline, self.goals, with_robustness=False)
        live = self.live(self.made if made is None else made)
        self._boundaries = self._boundaries or study_boundaries(study, self.geojson)
        self._html = study_explorer(study, self.lang, self._boundaries, self.front, live)

    # ---- an edited scenario ----

    def scenario_from(self, request: dict) -> dict:
        """The edited scenario a request asks for ({base, name, title, title_sv, edits}),
        checked like a scenario file; raises :class:`WorkshopError`."""
        from sim.config.validate import validate_scenario
        from sim.io.inputs import load_region_once

        if not isinstance(request, dict):
            raise WorkshopError("the request must be a JSON object")
        base = str(request.get("base", ""))
        if base not in self.bases():
            raise WorkshopError(
                f"base: {base!r} is not a scenario of this study or of this workshop; choose one "
                "of: " + ", ".join(self.bases())
            )
        name = str(request.get("name", "")).strip()
        if not SCENARIO_NAME.fullmatch(name):
            raise WorkshopError(
                f"name: {name[:40]!r} is not allowed; use 1-64 letters, digits, '_', '.' or '-', "
                "starting with a letter or digit"
            )
        if name in self.scenarios or (CONFIG_DIR / "scenario" / f"{name}.yaml").exists():
            raise WorkshopError(
                f"name: {name!r} is already a scenario of the study or of the project; "
                "choose a new name"
            )
        saved = self.scenario_dir / "scenario" / f"{name}.yaml"
        if saved.exists() and name not in self.made:
            raise WorkshopError(
                f"name: {name!r} is already a saved scenario ({saved}); choose a new name"
            )
        titles = {}
        for key in ("title", "title_sv"):
            text = str(request.get(key, "")).strip()
            if not text:
                raise WorkshopError(
                    f"{key}: missing; give the new scenario a title in English "
                    "(title) and in Swedish (title_sv)"
                )
            taken = {str(other.get(key) or "") for n, other in self.bases().items() if n != name}
            if text in taken:
                raise WorkshopError(
                    f"{key}: {text[:60]!r} is the title of another scenario; give the new one "
                    "its own title"
                )
            titles[key] = text[:200]
        source = self.bases()[base]
        scenario = apply_edits(source, request.get("edits") or {})
        changes = [
            (_readable(source, path), value)
            for path, value in (request.get("edits") or {}).items()
            if str(value) != str(_get(source, path))
        ]
        listed = "; ".join(f"{w.split('.', 1)[1]} = {v}" for w, v in changes) or "no changes"
        base_title = source.get("title") or base
        base_title_sv = source.get("title_sv") or base_title
        scenario.update(
            name=name,
            **titles,
            description=f"Workshop variant of {base_title}: {listed}.",
            description_sv=f"Verkstadsvariant av {base_title_sv}: {listed}.",
        )
        cfg = self.base_configs[0]
        inputs = load_region_once(cfg["region"]["input_dir"] or cfg["region"]["name"])
        try:
            validate_scenario(
                scenario, inputs, int(cfg["years"]["start"]), int(cfg["years"]["end"])
            )
        except ValueError as err:
            raise WorkshopError(str(err)) from None
        return scenario

    def start(self, request: dict) -> None:
        """Check the edited scenario and start its runs in the background (one per seed of the
        study's baseline); :meth:`status` follows them. The runs go to a staging folder that
        replaces ``<study>/workshop/<name>/`` only when every run has finished and the explorer
        shows them; a failed run leaves the earlier version of the scenario as it was."""
        from omegaconf import OmegaConf

        from sim.batch.sweep import run_label

        with self._lock:
            if self.progress.state == "running":
                raise WorkshopError("a run is under way; wait for it to finish")
            scenario = self.scenario_from(request)
            staging = self._folder / f".{scenario['name']}.staging"
            if staging.exists():
                shutil.rmtree(staging)  # what a killed session left
            configs = []
            for base in self.base_configs:
                config = copy.deepcopy(base) | {"scenario": scenario, "progress": False}
                label = run_label(OmegaConf.create(config))
                config["output_dir"] = str(staging / "runs" / label)
                configs.append(config)
            self.progress = Progress("running", 0, len(configs), scenario["name"])
            thread = threading.Thread(
                target=self._run, args=(configs, scenario, staging), daemon=True
            )
            thread.start()

    def _run(self, configs: list[dict], scenario: dict, staging: Path) -> None:
        from joblib import Parallel, delayed

        name = scenario["name"]
        try:
            jobs = min(self.workers, len(configs))
            for _ in Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")(
                delayed(run_one)(c) for c in configs
            ):
                self.progress.done += 1
            made = {k: v for k, v in self.made.items() if k != name} | {name: scenario}
            folders = {n: self._folder / n for n in made} | {name: staging}
            self._render(self.combined(folders), made)
            final = self._folder / name
            if final.exists():
                shutil.rmtree(final)
            staging.rename(final)
            self.made = made
            self.progress.state = "done"
        except Exception as err:  # noqa: BLE001 - the page shows what went wrong
            shutil.rmtree(staging, ignore_errors=True)
            self.progress.state = "failed"
            self.progress.message = f"{type(err).__name__}: {err}".splitlines()[0][:500]

    def combined(self, folders: dict[str, Path]) -> xr.Dataset:
        """The study's ensemble with the workshop's scenarios (each collected from its own
        folder) beside its own."""
        from sim.batch.collect import open_ensemble

        extra = [open_ensemble(folder).load() for folder in folders.values()]
        return xr.concat(
            [self.study, *extra],
            dim="scenario",
            join="outer",
            data_vars="all",
            coords="different",
            compat="no_conflicts",
            combine_attrs="drop_conflicts",
        )

    # ---- saving ----

    def command(self, name: str) -> str:
        """The ``sim run`` command that repeats the first run of ``name`` in this workshop."""
        folder = None if self.scenario_dir == user_config_dir() else self.scenario_dir
        return reproduce_command(self.base_configs[0], name, folder)

    def save(self, name: str) -> Path:
        """Write the scenario ``name`` run in this session to the user's scenario folder, where
        ``sim run scenario=NAME`` finds it; returns the file's path."""
        from sim.io.atomic import write_text

        if name not in self.made:
            raise WorkshopError(
                f"name: {name!r} has not been run in this workshop; run it first"
                + (f" (run so far: {', '.join(self.made)})" if self.made else "")
            )
        path = self.scenario_dir / "scenario" / f"{name}.yaml"
        header = (
            f"# Saved by 'sim explore' on {date.today().isoformat()} from the study "
            f"{self.study_dir.resolve()}.\n# Its first run there, again: {self.command(name)}\n"
        )
        body = yaml.safe_dump(
            {"defaults": ["schema", "_self_"], **self.made[name]},
            allow_unicode=True,
            sort_keys=False,
        )
        try:
            write_text(path, header + body)
        except OSError as err:
            raise WorkshopError(
                f"--scenario-dir: cannot write {path} ({err.strerror or err}); choose a folder "
                "you may write to"
            ) from None
        self.progress.saved[name] = str(path)
        return path


def reproduce_command(run: dict, name: str, scenario_dir: Path | None = None) -> str:
    """The ``sim run`` command that runs scenario ``name`` with the config of ``run`` (a resolved
    run config): its differences to the default config as overrides (the group of sampled
    futures by its name), with ``SIM_USER_CONFIGS`` set when the scenario was saved to
    ``scenario_dir`` rather than the default folder."""
    import shlex

    from omegaconf import OmegaConf

    from sim.config.compose import compose_config

    region = run["region"]
    where = [f"region={region['name']}"] if region["name"] != "skaraborg" else []
    futures = (run.get("futures") or {}).get("name", "none")
    if futures != "none":  # the group of the sampled futures, not its every value
        where.append(f"futures={futures}")
    default = _flat(
        OmegaConf.to_container(compose_config(where), resolve=True, throw_on_missing=False)
    )
    overrides = [f"scenario={name}", *where]
    for key, value in _flat(run).items():
        if key.split(".")[0] in ("scenario", "output_dir", "progress"):
            continue
        if key == "years.start" and default.get(key) is None:
            continue  # null is the region's base year, which the run resolved
        if default.get(key, object()) != value:
            overrides.append(f"{key}={'null' if value is None else json_value(value)}")
    env = f"SIM_USER_CONFIGS={shlex.quote(str(scenario_dir))} " if scenario_dir else ""
    return env + "sim run " + " ".join(shlex.quote(o) for o in overrides)


def _flat(tree, prefix: str = "") -> dict:
    """A nested config as {dotted key: value}; lists are values."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    out = {}
    for key, value in tree.items():
        out |= (
            _flat(value, f"{prefix}{key}.")
            if isinstance(value, dict)
            else {f"{prefix}{key}": value}
        )
    return out


def json_value(value) -> str:
    """A value as Hydra's override grammar reads it (lists in brackets, strings as they are)."""
    import json

    return value if isinstance(value, str) else json.dumps(value)


def _get(scenario: dict, path: str):
    value = scenario
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value.get(part)
    return value


def run_one(config: dict) -> str:
    """Run one config in a worker (its results written to its output folder)."""
    from omegaconf import OmegaConf

    from sim.engine.run import simulate

    simulate(OmegaConf.create(config), progress=False)
    return str(config["output_dir"])
