"""The municipalities: Mesa agents that decide, and the submodel that runs their decisions.

Each municipality holds its tax rate and decides, in its own steps of the year: the scenario's
policies for it (a tax rate, a plan reserve release), releasing plan reserve when its housing queue
persists (before construction starts), and its tax rate after repeated deficits or surpluses
(after the accounts are made). The decisions read what the other submodels published
(``model.shared``); the municipalities publish their tax rates and releases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.engine.submodels.base import Submodel
from sim.io.results import DWELLINGS, PERCENTAGE_POINTS, M, flow

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder


class Municipality(mesa.Agent):
    """A municipality: the decision-making agent of the model."""

    def __init__(self, model: RegionModel, index: int, code: str, name: str, tax_rate: float):
        super().__init__(model)
        self.index = index
        self.code = code
        self.name = name
        self.tax_rate = tax_rate  # percent
        self.policies: list = []  # the scenario's policies for this municipality
        self.queue_years = 0
        self.deficit_years = 0
        self.surplus_years = 0
        self.released = 0.0  # plan reserve released this year, dwellings
        self.tax_change = 0.0  # percentage points decided this year

    def apply_policies(self, year: int) -> None:
        """The scenario's policies of this year: a new tax rate, a plan reserve release."""
        self.released = 0.0
        self.tax_change = 0.0
        for policy in self.policies:
            if policy.year != year:
                continue
            if policy.tax_rate_pct is not None:
                self.tax_change += policy.tax_rate_pct - self.tax_rate
                self.tax_rate = float(policy.tax_rate_pct)
            if policy.plan_reserve_release is not None:
                self.released += policy.plan_reserve_release

    def decide_plan_reserve(self, year: int) -> None:
        """Release building rights when the queue has persisted, and keep a routine reserve."""
        shared, p, i = self.model.shared, self.model.params.construction, self.index
        if shared["queue"][i] / max(shared["resident_households"][i], 1) > p.queue_trigger:
            self.queue_years += 1
        else:
            self.queue_years = 0
        release = 0.0
        if self.queue_years >= p.queue_trigger_years:
            release = np.ceil(p.release_share * shared["dwelling_stock"][i].sum())
            self.queue_years = 0
        floor = np.ceil(p.routine_release_years * shared["wanted_starts"][i].sum())
        reserve = shared["plan_reserve"][i] + self.released  # with this year's policy release
        release += max(0.0, floor - (reserve + release))
        self.released += float(release)

    def decide_budget(self, year: int) -> None:
        """Adjust the tax rate after repeated deficits or surpluses.

        After ``deficit_years`` consecutive years with a negative result (the balance requirement)
        or with a result above ``surplus_share`` of revenue, the municipality changes its tax rate
        by what would bring the result back to the target share of revenue, at most ``tax_step``
        percentage points, within ``[min_tax_rate, max_tax_rate]``.
        """
        p, shared, i = self.model.params.finance, self.model.shared, self.index
        result, revenue = shared["municipal_result"][i], shared["municipal_revenue"][i]
        if result < 0:
            self.deficit_years, self.surplus_years = self.deficit_years + 1, 0
        elif result > p.surplus_share * revenue:
            self.deficit_years, self.surplus_years = 0, self.surplus_years + 1
        else:
            self.deficit_years = self.surplus_years = 0
        if max(self.deficit_years, self.surplus_years) < p.deficit_years:
            return
        if shared["taxable_income"][i] <= 0:  # no residents left to tax
            return
        needed = (p.target_result_share * revenue - result) / shared["taxable_income"][i] * 100
        new_rate = np.clip(
            self.tax_rate + np.clip(needed, -p.tax_step, p.tax_step),
            p.min_tax_rate,
            p.max_tax_rate,
        )
        self.tax_change += float(new_rate - self.tax_rate)
        self.tax_rate = float(new_rate)
        self.deficit_years = self.surplus_years = 0


class Municipalities(Submodel):
    """The municipality agents and their three decision steps of the year."""

    name = "municipalities"
    has_params = False  # the decision rules' parameters are in construction and finance
    steps = {
        "policies": "apply_policies",
        "plan_reserve": "decide_plan_reserve",
        "budget": "decide_budget",
    }
    keeps_residents = frozenset({"decide_budget"})
    results = (
        flow("plan_reserve_released", M, DWELLINGS, "Decision: plan reserve released"),
        flow("tax_rate_change", M, PERCENTAGE_POINTS, "Decision: change of the municipal tax rate"),
    )

    def init(self, model: RegionModel) -> None:
        rates = model.inputs.municipalities["tax_rate_pct"]
        for i, (code, name, rate) in enumerate(zip(model.codes, model.names, rates, strict=True)):
            Municipality(model, i, code, name, float(rate))
        self.agents = model.agents_by_type[Municipality]
        self.by_index = sorted(self.agents, key=lambda agent: agent.index)
        for policy in self.scenario.policies:
            self.by_index[model.municipality_index(policy.municipality)].policies.append(policy)
        self._publish(model)

    def _publish(self, model: RegionModel) -> None:
        self.publish(model, "tax_rate", [m.tax_rate for m in self.by_index])
        self.publish(model, "plan_reserve_released", [m.released for m in self.by_index])

    def apply_policies(self, model: RegionModel, year: int) -> None:
        """Municipalities apply the scenario's policies of the year (tax rates, releases)."""
        self.agents.do("apply_policies", year)
        self._publish(model)

    def decide_plan_reserve(self, model: RegionModel, year: int) -> None:
        """Municipalities release plan reserve where housing queues persist."""
        self.agents.do("decide_plan_reserve", year)
        self._publish(model)

    def decide_budget(self, model: RegionModel, year: int) -> None:
        """Municipalities change their tax rates after repeated deficits or surpluses."""
        self.agents.do("decide_budget", year)
        self._publish(model)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("plan_reserve_released", [m.released for m in self.by_index])
        rec.put("tax_rate_change", [m.tax_change for m in self.by_index])
