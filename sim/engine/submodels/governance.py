"""Governance of joint investments (MODEL.md step 10).

A joint proposal names participants, a location, costs and a governance mode (Provan & Kenis 2008,
the three modes of network governance in shared/context/004):

- ``shared`` (consensus): shares by population; it proceeds only when every participant's net
  benefit is positive and the negotiation has lasted ``negotiation_years_shared``, so it can stall;
- ``lead`` (a lead municipality): the lead carries ``lead_share`` of the costs, the others share the
  rest by population; it proceeds when the lead's net benefit is positive, after
  ``negotiation_years_lead``;
- ``nao`` (a network administrative organisation): a joint portfolio budget, paid every year by all
  the region's municipalities by population share, funds proposals ranked by regional benefit per
  cost as soon as the budget accumulated covers their investment.

A participant's net benefit (MSEK/year) is the value of one place of access per resident x the gain
in its cultural access x its residents, minus its share of the annualised cost (operating cost plus
investment x (interest rate + 1 / depreciation years)). The value of a place is calibrated at the
start (documented derivation): the region's existing facilities are worth what they cost to run,
times ``access_value_factor``. Decisions, delays and cost shares are recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.submodels.base import Submodel

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder


class Governance(Submodel):
    """Yearly decisions on the scenario's joint proposals."""

    name = "governance"

    def __init__(self, params, scenario) -> None:
        super().__init__(params)
        self.proposals = list(scenario.joint_proposals)
        self.nao_budget = float(scenario.nao_budget_msek)

    def init(self, model: RegionModel) -> None:
        lookup = model.municipality_index
        n, m = len(self.proposals), model.n_muni
        self.location = np.array([lookup(p.location) for p in self.proposals], dtype=np.int64)
        self.members = np.zeros((n, m), dtype=bool)
        for k, p in enumerate(self.proposals):
            self.members[k, [lookup(x) for x in p.participants]] = True
        self.lead = np.array(
            [lookup(p.lead) if p.lead is not None else -1 for p in self.proposals], dtype=np.int64
        )
        self.weight = np.array(
            [model.culture.weight_of(p.facility_type, p.type_weight) for p in self.proposals]
        )
        self.decision_year = np.full(n, np.nan)
        self.opening_year = np.full(n, np.nan)
        self.cost_shares = np.zeros((n, m))
        self.net_benefits = np.full((n, m), np.nan)  # at the decision, or the last evaluation
        self.decided_this_year = np.zeros(n)
        self.nao_pool = 0.0
        self.nao_contributions = np.zeros(m)
        f = model.params.finance
        self.annuity = f.interest_rate + 1.0 / f.depreciation_years
        culture = model.culture
        running = float(culture.operating_cost[culture.is_open(model.base_year)].sum())
        reach = float((culture.access * model.resident_counts()).sum())
        # MSEK per (resident x place x year).
        self.access_value = self.params.access_value_factor * running / max(reach, 1.0)

    def shares(self, model: RegionModel, k: int) -> np.ndarray:
        """Cost shares of proposal ``k`` by its governance mode (sum to 1)."""
        p = self.proposals[k]
        residents = model.resident_counts().astype(float)
        if p.governance == "nao":
            return residents / residents.sum()
        members = self.members[k]
        weights = np.where(members, residents, 0.0)
        if p.governance == "lead":
            lead = self.lead[k]
            others = weights.copy()
            others[lead] = 0.0
            shares = (1 - p.lead_share) * others / max(others.sum(), 1.0)
            shares[lead] = p.lead_share
            return shares
        return weights / weights.sum()

    def net_benefit(self, model: RegionModel, k: int, shares: np.ndarray) -> np.ndarray:
        """Net benefit of proposal ``k`` to every municipality, MSEK per year."""
        p = self.proposals[k]
        gain = p.capacity * self.weight[k] * model.culture.decay[:, self.location[k]]
        value = self.access_value * gain * model.resident_counts()
        cost = p.operating_msek + p.investment_msek * self.annuity
        return value - shares * cost

    def step(self, model: RegionModel, year: int) -> None:
        p = self.params
        self.decided_this_year[:] = 0.0
        if self.nao_budget > 0:
            residents = model.resident_counts().astype(float)
            self.nao_contributions = self.nao_budget * residents / residents.sum()
            # Governance decides after this year's accounts: contributions are paid next year.
            for m in range(model.n_muni):
                model.plan_outlay(year + 1, m, self.nao_contributions[m])
            self.nao_pool += self.nao_budget
        pending = [
            k
            for k, prop in enumerate(self.proposals)
            if np.isnan(self.decision_year[k]) and year >= prop.earliest_year
        ]
        nao = []
        for k in pending:
            prop = self.proposals[k]
            shares = self.shares(model, k)
            benefit = self.net_benefit(model, k, shares)
            self.net_benefits[k] = benefit
            waited = year - prop.earliest_year
            if prop.governance == "shared":
                if waited >= p.negotiation_years_shared and (benefit[self.members[k]] > 0).all():
                    self._decide(model, k, year, shares)
            elif prop.governance == "lead":
                if waited >= p.negotiation_years_lead and benefit[self.lead[k]] > 0:
                    self._decide(model, k, year, shares)
            elif benefit.sum() > 0:
                value = benefit.sum() + self._annual_cost(k)
                nao.append((value / max(prop.investment_msek, 1e-9), k, shares))
        # The NAO funds the best proposals per cost that the pool can pay for.
        for _, k, shares in sorted(nao, key=lambda item: (-item[0], item[1])):
            if self.proposals[k].investment_msek <= self.nao_pool:
                self.nao_pool -= self.proposals[k].investment_msek
                self._decide(model, k, year, shares, funded_by_pool=True)

    def _annual_cost(self, k: int) -> float:
        prop = self.proposals[k]
        return prop.operating_msek + prop.investment_msek * self.annuity

    def _decide(
        self, model: RegionModel, k: int, year: int, shares: np.ndarray, funded_by_pool=False
    ):
        prop = self.proposals[k]
        opening = year + max(prop.build_years, 1)  # after this year's accounts and access
        self.decision_year[k] = year
        self.opening_year[k] = opening
        self.cost_shares[k] = shares
        self.decided_this_year[k] = 1.0
        # The facility's operating cost is shared below, so none is charged to the host here.
        model.culture.add_facility(self.location[k], self.weight[k], prop.capacity, opening, 0.0)
        build = range(year + 1, opening + 1)
        for y in build:
            for m in np.flatnonzero(shares > 0):
                if not funded_by_pool:
                    model.plan_outlay(y, m, prop.investment_msek * shares[m] / len(build))
        for m in np.flatnonzero(shares > 0):
            model.plan_operating(opening, m, prop.operating_msek * shares[m])

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("joint_decided", self.decided_this_year)
        rec.put("nao_pool", self.nao_pool)

    def static_results(self) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        """Per-proposal outcomes: decision and opening years, cost shares."""
        return {
            "joint_decision_year": (("joint_proposal",), self.decision_year),
            "joint_opening_year": (("joint_proposal",), self.opening_year),
            "joint_cost_share": (("joint_proposal", "municipality"), self.cost_shares),
            "joint_net_benefit": (("joint_proposal", "municipality"), self.net_benefits),
            "joint_delay_years": (
                ("joint_proposal",),
                self.decision_year - np.array([p.earliest_year for p in self.proposals], float),
            ),
        }
