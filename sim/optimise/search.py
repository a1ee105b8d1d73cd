"""The search: Optuna's multi-objective samplers through ask-and-tell, a generation at a time.

Each generation of ``evaluation.population`` candidates is asked whole, evaluated (every
candidate in the same futures with the same seeds, in parallel through the launcher) and told
whole, so the front does not depend on how many workers ran or in which order runs finished.
Trial ``i`` is asked from a sampler seeded by ``(optimiser_seed, i)``: what it proposes depends
only on the study's finished generations, so a study resumed after a kill asks exactly what the
uninterrupted study would have asked.

The study lives in an Optuna storage (SQLite in the study folder by default, or a journal file for
a shared file system), its runs' results in ``evaluations/`` (:mod:`sim.optimise.evaluate`).
Resuming: trials asked but not told are the current generation; their finished runs are read
back, the rest run, then the study goes on. Candidates that break a constraint, or that the
scenario validator refuses, are not run: Optuna's constrained domination ranks them below every
feasible one.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sim.io.progress import duration
from sim.io.provenance import code_version
from sim.optimise.evaluate import EVALUATIONS, cached, evaluate, make_task
from sim.optimise.levers import candidate_scenario, distributions, lever_values, violations
from sim.optimise.objectives import optuna_direction, statistic
from sim.optimise.problem import LoadedProblem
from sim.optimise.spec import ProblemError

STUDY_DB = "study.db"
JOURNAL = "study.journal"
BASE = "base"


@dataclass
class RunSet:
    """The shared runs of every candidate: futures (a set, or none) and seeds."""

    futures: dict | None  # the futures set container, or None
    runs: list[tuple[int | None, int]]  # (future, seed)

    @property
    def label(self) -> list[str]:
        return [f"future{k}-seed{s}" if k is not None else f"seed{s}" for k, s in self.runs]


def search_runs(problem: LoadedProblem) -> RunSet:
    e = problem.spec.evaluation
    futures = problem.base["futures"] if e.futures != "none" else None
    ks = list(range(e.n_futures)) if futures else [None]
    return RunSet(futures, [(k, s) for k in ks for s in e.seeds])


def fresh_runs(problem: LoadedProblem) -> RunSet:
    """Futures and seeds the search never saw: a new Latin hypercube (another seed) of the same
    uncertainties, and other seeds."""
    e = problem.spec.evaluation
    r = e.reevaluation
    futures = None
    if e.futures != "none" and r.n_futures > 0:
        futures = {**copy.deepcopy(problem.base["futures"]), "seed": r.futures_seed}
        futures["n"] = r.n_futures
    ks = list(range(r.n_futures)) if futures else [None]
    return RunSet(futures, [(k, s) for k in ks for s in r.seeds])


class Evaluator:
    """Runs scenarios on a run set through the launcher, reading back finished runs."""

    def __init__(self, problem: LoadedProblem, folder: Path):
        self.problem = problem
        self.folder = folder
        self.cache = folder / EVALUATIONS
        self.cache.mkdir(parents=True, exist_ok=True)
        self.version = code_version()
        self.checksums = problem.inputs.checksums
        self.runs_done = 0
        self.seconds: list[float] = []

    def values(
        self, scenarios: list[dict], runset: RunSet, on_result: Callable[[], None] | None = None
    ) -> np.ndarray:
        """Objective values, shape (scenario, objective, run)."""
        objectives = self.problem.spec.objectives
        tasks = []
        for scenario in scenarios:
            for k, seed in runset.runs:
                config = copy.deepcopy(self.problem.base)
                config["scenario"] = scenario
                config["seed"] = int(seed)
                config["future"] = k
                if runset.futures is not None:
                    config["futures"] = runset.futures
                tasks.append(
                    make_task(config, objectives, self.checksums, self.version, self.cache)
                )
        unique = {task["key"]: task for task in tasks}  # a candidate met twice runs once
        results = {key: found for key, t in unique.items() if (found := cached(t)) is not None}
        todo = [task for key, task in unique.items() if key not in results]

        def store(result: dict) -> None:
            results[result["key"]] = result
            self.runs_done += 1
            self.seconds.append(float(result["seconds"]))
            if on_result is not None:
                on_result()

        evaluate(todo, self.problem.spec.launcher, self.folder, store)
        out = np.empty((len(scenarios), len(objectives), len(runset.runs)))
        for i, task in enumerate(tasks):
            values = results[task["key"]]["values"]
            s, r = divmod(i, len(runset.runs))
            out[s, :, r] = [values[o.name] for o in objectives]
        return out


def fingerprint(problem: LoadedProblem) -> str:
    """What a stored study must share with the problem to be resumed: everything but the
    candidate budget, the launcher and the storage."""
    spec = asdict(problem.spec)
    for key in ("launcher", "storage", "title", "title_sv", "description", "description_sv"):
        spec.pop(key)
    spec["evaluation"].pop("candidates")
    for o in spec["objectives"]:
        o.pop("label")
        o.pop("label_sv")
    for lever in spec["levers"]:
        lever.pop("label")
        lever.pop("label_sv")
    text = json.dumps({"spec": spec, "base": problem.base}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def storage_url(problem: LoadedProblem, folder: Path):
    import optuna

    url = problem.spec.storage
    if url is None:
        return f"sqlite:///{(folder / STUDY_DB).resolve()}"
    if url == "journal":
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(str(folder / JOURNAL)))
    return url


def make_sampler(problem: LoadedProblem, number: int):
    """The sampler that asks trial ``number``: seeded by the optimiser seed and the number."""
    import optuna

    e = problem.spec.evaluation
    words = np.random.SeedSequence([int(e.optimiser_seed), int(number)]).generate_state(1)
    seed = int(words[0])
    if e.optimiser == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if e.optimiser == "tpe":  # multi-objective TPE (MOTPE): strong on small budgets
        return optuna.samplers.TPESampler(
            seed=seed, multivariate=True, n_startup_trials=e.population
        )
    if e.optimiser == "nsga3":
        return optuna.samplers.NSGAIIISampler(population_size=e.population, seed=seed)
    return optuna.samplers.NSGAIISampler(population_size=e.population, seed=seed)


@dataclass
class SearchResult:
    study: object  # optuna.Study
    base_values: np.ndarray  # (objective, run) of the base scenario on the search runs
    evaluator: Evaluator
    seconds: float
    runs: int  # runs this process ran


def open_study(problem: LoadedProblem, folder: Path):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    directions = [optuna_direction(o) for o in problem.spec.objectives]
    study = optuna.create_study(
        study_name=problem.spec.name,
        storage=storage_url(problem, folder),
        directions=directions,
        load_if_exists=True,
    )
    mark = fingerprint(problem)
    version = code_version()
    found = study.user_attrs.get("fingerprint")
    if found is None and not study.trials:
        study.set_user_attr("fingerprint", mark)
        study.set_user_attr("code_version", version)
    elif found != mark:
        raise ProblemError(
            f"--out: the study in {folder} was made for another problem (its levers, objectives, "
            "evaluation or base scenario differ); choose another --out folder or remove that one"
        )
    elif study.user_attrs.get("code_version") != version:
        raise ProblemError(
            f"--out: the study in {folder} was run by code version "
            f"{study.user_attrs.get('code_version')}, this is {version}; its values would not "
            "be comparable: choose another --out folder or remove that one"
        )
    return study


def candidate_of(problem: LoadedProblem, params: dict) -> dict:
    values = lever_values(problem.spec.levers, params)
    return candidate_scenario(
        problem.base["scenario"], problem.spec.levers, values, problem.spec.name
    )


def search(problem: LoadedProblem, folder: Path, say: Callable[[str], None]) -> SearchResult:
    """Run (or resume) the study of ``problem`` in ``folder`` until its candidate budget is
    told; ``say`` receives the plan, the time estimate and a progress line per run."""
    import optuna
    from optuna.trial import TrialState

    spec, e = problem.spec, problem.spec.evaluation
    folder.mkdir(parents=True, exist_ok=True)
    study = open_study(problem, folder)
    evaluator = Evaluator(problem, folder)
    runset = search_runs(problem)
    n_runs = len(runset.runs)
    start, end = int(problem.base["years"]["start"]), int(problem.base["years"]["end"])
    total = e.candidates
    told = sum(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))
    say(
        f"optimise {spec.name}: {total} candidates x {max(e.n_futures, 1)} futures x "
        f"{len(e.seeds)} seed(s) = {total * n_runs} runs of {start}-{end}, plus "
        f"{n_runs * (1 + len(e.references))} of the base and reference scenarios, then the front "
        f"on {len(fresh_runs(problem).runs)} fresh runs each; {e.optimiser}, generations of "
        f"{e.population}, launcher {spec.launcher.name}"
        + (f" ({spec.launcher.n_jobs} workers)" if spec.launcher.name != "serial" else "")
        + (f"; resuming: {told} candidates already told" if told else "")
    )
    began = time.perf_counter()
    base_values = evaluator.values([problem.base["scenario"]], runset)[0]
    if evaluator.seconds:
        per_run = float(np.mean(evaluator.seconds))
        workers = 1 if spec.launcher.name == "serial" else spec.launcher.n_jobs
        left = (total - told) * n_runs * per_run / workers
        say(f"a run takes about {per_run:.1f} s: about {duration(left)} for the candidates")
    dists = distributions(spec.levers)

    def progress(done_in_batch: list[int], batch_runs: int) -> Callable[[], None]:
        def line() -> None:
            done_in_batch[0] += 1
            elapsed = time.perf_counter() - began
            done_runs = evaluator.runs_done
            remaining = (total - told_now[0]) * n_runs - done_in_batch[0]
            rate = done_runs / elapsed if elapsed > 0 else 0
            left = duration(remaining / rate) if rate > 0 else "unknown"
            say(
                f"optimise: {told_now[0]}/{total} candidates told, generation runs "
                f"{done_in_batch[0]}/{batch_runs}, front {front_size[0]}, about {left} left"
            )

        return line

    told_now = [told]
    front_size = [len(_front_trials(study))]
    while True:
        trials = study.get_trials(deepcopy=False)
        pending = [t for t in trials if t.state == TrialState.RUNNING]
        if not pending and len(trials) >= total:
            break
        first = pending[0].number if pending else len(trials)
        gen_start = first // e.population * e.population
        batch_end = min(gen_start + e.population, max(total, len(trials)))
        batch = [optuna.trial.Trial(study, t._trial_id) for t in pending]
        while len(study.trials) < batch_end:
            study.sampler = make_sampler(problem, len(study.trials))
            batch.append(study.ask(dists))
        scenarios, feasible = [], []
        for trial in batch:
            scenario = candidate_of(problem, trial.params)
            broken = violations(spec, scenario, problem.inputs, start, end)
            attrs = study._storage.get_trial_system_attrs(trial._trial_id)
            for key, value in broken.items():
                if f"constraints:{key}" not in attrs:
                    trial.set_constraint(key, value)
            trial.set_user_attr("scenario", scenario["name"])
            scenarios.append(scenario)
            feasible.append(all(v <= 0 for v in broken.values()))
        run_these = [s for s, ok in zip(scenarios, feasible, strict=True) if ok]
        values = evaluator.values(run_these, runset, progress([0], len(run_these) * n_runs))
        it = iter(values)
        for trial, ok in zip(batch, feasible, strict=True):
            v = next(it) if ok else base_values
            stats = [statistic(o, v[j], base_values[j]) for j, o in enumerate(spec.objectives)]
            if not all(math.isfinite(x) for x in stats):
                stats = [
                    statistic(o, base_values[j], base_values[j])
                    for j, o in enumerate(spec.objectives)
                ]
                trial.set_constraint("finite_values", 1.0)
            trial.set_user_attr("feasible", bool(ok))
            study.tell(trial, stats)
        told_now[0] = sum(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))
        front_size[0] = len(_front_trials(study))
        say(
            f"optimise: generation {gen_start // e.population + 1} told: {told_now[0]}/{total} "
            f"candidates, {sum(feasible)} of {len(batch)} feasible, front {front_size[0]}"
        )
    return SearchResult(
        study, base_values, evaluator, time.perf_counter() - began, evaluator.runs_done
    )


def _front_trials(study) -> list:
    """The feasible, non-dominated told trials, one per distinct scenario, by trial number."""
    from optuna.trial import TrialState

    trials = [
        t
        for t in study.get_trials(deepcopy=False, states=[TrialState.COMPLETE])
        if t.user_attrs.get("feasible") and all(v <= 0 for v in t.constraints.values())
    ]
    seen, unique = set(), []
    for t in trials:
        if t.user_attrs.get("scenario") not in seen:
            seen.add(t.user_attrs.get("scenario"))
            unique.append(t)
    if not unique:
        return []
    import moocore

    signs = np.array([1.0 if d.name == "MINIMIZE" else -1.0 for d in study.directions])
    points = np.array([t.values for t in unique]) * signs
    keep = moocore.is_nondominated(points, keep_weakly=False)
    return [t for t, k in zip(unique, keep, strict=True) if k]


front_trials = _front_trials
