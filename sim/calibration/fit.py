"""Fit a spec's free parameters to its targets with Optuna.

Each trial sets the free parameters, runs the model once per seed of the spec and compares the
mean over seeds of every target's indicator with the target value:

    loss = mean over targets of ((achieved - value) / scale)^2

The first trial is the start, the parameters' current values (enqueued), so the best trial is
never worse than the start. Trials run one after the other (``n_jobs=1``) with a seeded TPE
sampler, and each run is deterministic given its config and seed, so the same spec gives the same
parameters.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from omegaconf import DictConfig, OmegaConf

from sim.calibration.indicators import INDICATORS
from sim.calibration.spec import MAX_TRIALS, CalibrationSpec, FreeParameter, Target, base_config
from sim.config.params import ConfigError
from sim.engine.run import run
from sim.io.progress import duration
from sim.io.provenance import code_version

SIGNIFICANT_DIGITS = 4  # the precision of a calibrated value; finer is below replicate noise


@dataclass(frozen=True)
class TargetFit:
    """A target and the mean over seeds its indicator reached at the start and at the best."""

    target: Target
    start: float
    best: float

    @property
    def error_in_scales(self) -> float:
        return (self.best - self.target.value) / self.target.scale


@dataclass(frozen=True)
class CalibrationResult:
    spec: CalibrationSpec
    trials: int
    start_values: dict[str, float]  # parameter path -> its value in the config
    best_values: dict[str, float]  # parameter path -> its value in the best trial, as run
    start_loss: float
    best_loss: float
    best_trial: int  # counted from 1, the start
    fits: tuple[TargetFit, ...]
    area_names: dict[str, str]  # SCB code -> municipality name, for the report
    first_year: int
    last_year: int
    code_version: str


def round_significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits (0.061234 -> 0.06123)."""
    return float(f"{value:.{digits - 1}e}")


def loss(targets: tuple[Target, ...], achieved: list[float]) -> float:
    """Mean over targets of ((achieved - value) / scale)^2; inf when an indicator is undefined."""
    terms = [((a - t.value) / t.scale) ** 2 for t, a in zip(targets, achieved, strict=True)]
    total = sum(terms) / len(terms)
    return total if math.isfinite(total) else math.inf


class Evaluator:
    """Runs the model for a set of parameter values, once per seed, and returns the mean of each
    target's indicator over the seeds. Values already run are not run again (the enqueued start,
    or two suggestions that round to the same values)."""

    def __init__(self, spec: CalibrationSpec, base: DictConfig):
        self.spec = spec
        self.base = base
        self.area_names: dict[str, str] = {}
        self._done: dict[tuple[float, ...], list[float]] = {}

    def __call__(self, values: dict[str, float]) -> list[float]:
        key = tuple(values[p.path] for p in self.spec.parameters)
        if key not in self._done:
            self._done[key] = self._run(values)
        return self._done[key]

    def _run(self, values: dict[str, float]) -> list[float]:
        sums = [0.0] * len(self.spec.targets)
        for seed in self.spec.seeds:
            cfg = copy.deepcopy(self.base)
            for path, value in values.items():
                OmegaConf.update(cfg, f"params.{path}", value)
            cfg.seed = seed
            ds = run(cfg)
            self.area_names = dict(
                zip(ds["municipality"].values, ds["municipality_name"].values, strict=True)
            )
            for i, target in enumerate(self.spec.targets):
                compute = INDICATORS[target.indicator].compute
                sums[i] += compute(ds, target.municipality, target.year)
        return [total / len(self.spec.seeds) for total in sums]


def calibrate(
    spec: CalibrationSpec,
    trials: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Fit ``spec``'s free parameters in ``trials`` trials (default: the spec's).

    ``progress``, when given, receives one line before the start and one per trial.

    Examples
    --------
    >>> from sim.calibration.spec import load_spec
    >>> result = calibrate(load_spec("smoke"), trials=3, progress=print)  # doctest: +SKIP
    """
    import optuna

    trials = spec.trials if trials is None else trials
    if not 1 <= trials <= MAX_TRIALS:
        raise ConfigError(
            f"trials (--trials): {trials} is not allowed; use an integer from 1 to {MAX_TRIALS:,}"
        )
    say = progress or (lambda line: None)
    base = base_config(spec)  # every check before the first run
    version = code_version()  # of the code that runs, whatever changes in the tree meanwhile
    start = {p.path: float(OmegaConf.select(base.params, p.path)) for p in spec.parameters}
    evaluate = Evaluator(spec, base)
    runs = trials * len(spec.seeds)
    say(
        f"calibrate {spec.name}: {trials} trials x {len(spec.seeds)} seed(s) = {runs} runs of "
        f"{base.years.start}-{base.years.end}; trial 1 is the start (the current values)"
    )

    began = time.perf_counter()
    start_achieved = evaluate(start)
    seconds_per_trial = time.perf_counter() - began
    for i, (target, achieved) in enumerate(zip(spec.targets, start_achieved, strict=True)):
        if not math.isfinite(achieved):
            raise ConfigError(
                f"{spec.file.name}: targets[{i}]: {target.indicator} of {target.area} in "
                f"{target.year} is undefined at the start values ({achieved}); choose an area "
                "and year where it is defined"
            )
    start_loss = loss(spec.targets, start_achieved)
    if trials > 1:
        say(
            f"about {seconds_per_trial:.1f} s a trial: about "
            f"{duration(seconds_per_trial * (trials - 1))} for the other {trials - 1} trials"
        )

    def objective(trial: optuna.Trial) -> float:
        values = {p.path: _value_to_run(trial, p, start[p.path]) for p in spec.parameters}
        achieved = evaluate(values)
        trial.set_user_attr("values", values)
        trial.set_user_attr("achieved", achieved)
        return loss(spec.targets, achieved)

    def report_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        say(
            f"trial {trial.number + 1}/{trials}: loss {trial.value:.4g}, best "
            f"{study.best_value:.4g} (trial {study.best_trial.number + 1})"
        )

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # our own line per trial instead
    try:
        study = optuna.create_study(
            direction="minimize", sampler=optuna.samplers.TPESampler(seed=spec.sampler_seed)
        )
        study.enqueue_trial(start)
        study.optimize(objective, n_trials=trials, n_jobs=1, callbacks=[report_trial])
    finally:
        optuna.logging.set_verbosity(verbosity)

    best = study.best_trial  # the first of equal losses, so the start wins a tie
    fits = tuple(
        TargetFit(target, start_value, best_value)
        for target, start_value, best_value in zip(
            spec.targets, start_achieved, best.user_attrs["achieved"], strict=True
        )
    )
    return CalibrationResult(
        spec=spec,
        trials=trials,
        start_values=start,
        best_values=dict(best.user_attrs["values"]),
        start_loss=start_loss,
        best_loss=float(best.value),
        best_trial=best.number + 1,
        fits=fits,
        area_names=evaluate.area_names,
        first_year=int(base.years.start),
        last_year=int(base.years.end),
        code_version=version,
    )


def _value_to_run(trial, parameter: FreeParameter, start: float) -> float:
    """The trial's value of ``parameter``, rounded to the precision written in the parameter
    file, so the best trial's runs are those of the file. The start is run as it is."""
    suggested = trial.suggest_float(
        parameter.path, parameter.low, parameter.high, log=parameter.log
    )
    if suggested == start:
        return start
    return min(max(round_significant(suggested), parameter.low), parameter.high)
