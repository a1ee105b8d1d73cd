"""Evaluating candidates: one task per (scenario, future, seed), run where the launcher says.

A task is a plain run config plus the objectives; its result, each objective's value in that
run, is stored in the study's ``evaluations/`` folder under a key that hashes the run's model
config, the code version, the region's input checksums and the objectives. The worker writes it
(renamed into place), so a finished run is never lost when the study is killed, and a task whose
result exists is never run again: resuming, or meeting the same candidate twice.

Launchers (``launcher.name``): ``serial`` (in this process), ``joblib`` (loky workers that stay up
for the whole study, so each loads the numba cache once), ``submitit_local`` and
``submitit_slurm`` (``launcher.n_jobs`` jobs, each running its share of the tasks;
``launcher.slurm`` passes submitit's parameters such as ``slurm_partition`` and
``timeout_min``) and ``ray``
(``launcher.ray_address``; install with ``pip install '.[ray]'``). Every run is deterministic, so
a task gives the same values whichever launcher ran it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from omegaconf import OmegaConf

from sim.io.atomic import write_text
from sim.io.provenance import model_config
from sim.optimise.spec import Launcher, Objective, ProblemError

EVALUATIONS = "evaluations"


def task_key(config: dict, objectives: list[Objective], checksums: dict, version: str) -> str:
    model = model_config(OmegaConf.create(config))
    text = json.dumps(
        {
            "model": model,
            "objectives": [asdict(o) for o in objectives],
            "inputs": checksums,
            "code": version,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def make_task(
    config: dict, objectives: list[Objective], checksums: dict, version: str, cache: Path
) -> dict:
    return {
        "key": task_key(config, objectives, checksums, version),
        "config": config,
        "objectives": [asdict(o) for o in objectives],
        "cache": str(cache),
    }


def cached(task: dict) -> dict | None:
    path = Path(task["cache"]) / f"{task['key']}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def run_task(task: dict) -> dict:
    """Run one task (in a worker), store its result and return it."""
    from sim.engine.run import simulate
    from sim.optimise.objectives import run_value

    began = time.perf_counter()
    result = simulate(OmegaConf.create(task["config"]), progress=False)
    natural = float(result.model.params.housing.natural_vacancy)
    objectives = [Objective(**o) for o in task["objectives"]]
    values = {o.name: run_value(o, result.results, natural) for o in objectives}
    out = {"key": task["key"], "values": values, "seconds": time.perf_counter() - began}
    write_text(Path(task["cache"]) / f"{task['key']}.json", json.dumps(out))
    return out


def run_tasks(tasks: list[dict]) -> list[dict]:
    """A batch job's share of the tasks, one after the other (submitit)."""
    return [cached(t) or run_task(t) for t in tasks]


def evaluate(
    tasks: list[dict], launcher: Launcher, folder: Path, on_result: Callable[[dict], None]
) -> None:
    """Run ``tasks`` (none of them cached) and pass each result to ``on_result`` as it comes."""
    if not tasks:
        return
    name = launcher.name
    if name == "serial":
        for task in tasks:
            on_result(run_task(task))
    elif name == "joblib":
        _joblib(tasks, launcher, on_result)
    elif name in ("submitit_local", "submitit_slurm"):
        _submitit(tasks, launcher, folder, on_result)
    elif name == "ray":
        _ray(tasks, launcher, on_result)
    else:  # the problem's check refuses other names
        raise ProblemError(f"launcher.name: {name!r} is not a launcher")


def _joblib(tasks, launcher, on_result) -> None:
    from concurrent.futures import as_completed

    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=launcher.n_jobs, timeout=600)
    futures = [executor.submit(run_task, task) for task in tasks]
    for future in as_completed(futures):
        on_result(future.result())


def _chunks(tasks: list[dict], n: int) -> Iterable[list[dict]]:
    n = max(1, min(n, len(tasks)))
    return [tasks[i::n] for i in range(n)]


def _submitit(tasks, launcher, folder, on_result) -> None:
    import submitit

    cluster = "local" if launcher.name == "submitit_local" else "slurm"
    executor = submitit.AutoExecutor(folder=str(folder / "submitit" / "%j"), cluster=cluster)
    params = {"timeout_min": 60, **dict(launcher.slurm)}
    if cluster == "local":
        params = {k: v for k, v in params.items() if not k.startswith("slurm_")}
    try:
        executor.update_parameters(**params)
    except (TypeError, ValueError) as err:
        raise ProblemError(f"launcher.slurm: {err}") from None
    jobs = executor.map_array(run_tasks, _chunks(tasks, launcher.n_jobs))
    for job in submitit.helpers.as_completed(jobs):
        for result in job.result():
            on_result(result)


def _ray(tasks, launcher, on_result) -> None:
    try:
        import ray
    except ImportError:
        raise ProblemError(
            "launcher.name: ray is not installed; install it with pip install '.[ray]'"
        ) from None
    ray.init(address=launcher.ray_address, ignore_reinit_error=True, log_to_driver=False)
    remote = ray.remote(run_task)
    pending = [remote.remote(task) for task in tasks]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        on_result(ray.get(done[0]))
