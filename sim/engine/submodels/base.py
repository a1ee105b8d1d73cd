"""The lifecycle every submodel shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder


class Submodel:
    """A named step of the yearly loop with its own parameters and random stream.

    Subclasses set ``name`` and implement ``step``; ``init`` and ``record`` are optional.
    """

    name: str = ""

    def __init__(self, params: Any) -> None:
        self.params = params

    def init(self, model: RegionModel) -> None:
        """Prepare state once the synthetic population exists."""

    def step(self, model: RegionModel, year: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def record(self, model: RegionModel, rec: Recorder) -> None:
        """Write this year's indicators."""
