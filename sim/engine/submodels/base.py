"""The lifecycle every submodel shares (Starsim's ``Module``, Mesa's shell).

A submodel is constructed from the run's parameters and scenario, set up once by ``init(model)``
when the synthetic population exists, told by ``on_base_year(model)`` when the base year is
reached after the warm start (to take base-year references), run by its steps in the phases of
the year it declares in ``steps`` (``sim/engine/registry.py`` orders them), and asked for this
year's results by ``record``. It declares the results it produces in ``results`` (and per-run
facts in ``static_results``), beside the code that computes them. It owns its attributes;
what others need it publishes on ``model.shared`` (``sim/engine/shared.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.config.params import Params
    from sim.config.scenario import Scenario
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder, Result


class Submodel:
    """A part of the model with its own parameters, state, random stream and results.

    Subclasses set ``name`` (also the name of their parameter section, unless ``has_params`` is
    False, and of their random stream), ``steps`` (phase of the year -> method name) and
    ``results``.
    """

    name: ClassVar[str] = ""
    has_params: ClassVar[bool] = True
    steps: ClassVar[dict[str, str]] = {}
    # The step methods that change no person and no household (what the census reads): within
    # a run of such steps, and in the record after them, one census serves every submodel.
    # tests/engine/test_model.py checks the declaration.
    keeps_residents: ClassVar[frozenset[str]] = frozenset()
    results: ClassVar[tuple[Result, ...]] = ()
    static: ClassVar[tuple[Result, ...]] = ()

    def __init__(self, params: Params, scenario: Scenario) -> None:
        self.params: Any = getattr(params, self.name) if self.has_params else None
        self.scenario = scenario

    def init(self, model: RegionModel) -> None:
        """Set up state once the synthetic population exists."""

    def on_base_year(self, model: RegionModel) -> None:
        """Take the base-year references (calibrations against the base year's state) once the
        base year is reached, after the warm start (``RegionModel.warm_start``)."""

    def record(self, model: RegionModel, rec: Recorder) -> None:
        """Write this year's results (those declared in ``results``)."""

    def static_results(self, model: RegionModel) -> dict[str, np.ndarray]:
        """Per-run results without a year (those declared in ``static``)."""
        return {}

    def publish(self, model: RegionModel, name: str, value: np.ndarray) -> None:
        """Publish a shared quantity this submodel owns."""
        model.shared.publish(self.name, name, value)
