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
from sim.engine.submodels.culture import access_decay, facility_weight
from sim.io.results import CALENDAR_YEAR, MSEK, MSEK_PER_YEAR, RATIO, YEARS, flow, per_run, stock

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

P = ("joint_proposal",)
FLAGS = ("not_decided", "decided")


def by_residents(residents: np.ndarray, payers: np.ndarray, amount: float = 1.0) -> np.ndarray:
    """``amount`` split among ``payers`` (a mask) in proportion to their residents; equally when
    none of them has residents left."""
    weights = np.where(payers, residents, 0.0)
    total = weights.sum()
    if total > 0:
        return amount * weights / total
    return amount * payers / payers.sum()


class Governance(Submodel):
    """Yearly decisions on the scenario's joint proposals."""

    name = "governance"
    steps = {"governance": "step"}
    results = (
        flow("joint_decided", P, RATIO, "1 in the year a joint proposal is decided", flags=FLAGS),
        stock("nao_pool", (), MSEK, "Unspent joint portfolio budget of the network organisation"),
    )
    static = (
        per_run(
            "joint_decision_year",
            P,
            CALENDAR_YEAR,
            "Year the joint proposal was decided (NaN: never)",
        ),
        per_run(
            "joint_opening_year",
            P,
            CALENDAR_YEAR,
            "Year the jointly decided facility opens (NaN: never)",
        ),
        per_run(
            "joint_cost_share",
            (*P, "municipality"),
            RATIO,
            "Share of the joint proposal's costs paid by each municipality",
        ),
        per_run(
            "joint_net_benefit",
            (*P, "municipality"),
            MSEK_PER_YEAR,
            "Who benefits: each municipality's net benefit of the joint proposal at its decision "
            "(or at the last evaluation when it stalled)",
        ),
        per_run(
            "joint_delay_years",
            P,
            YEARS,
            "Years from the earliest possible decision to the decision",
        ),
    )

    def __init__(self, params, scenario) -> None:
        super().__init__(params, scenario)
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
        culture = model.params.culture
        self.weight = np.array(
            [facility_weight(culture, p.facility_type, p.type_weight) for p in self.proposals]
        )
        self.decay = access_decay(model.travel, model.n_muni, culture.decay_minutes)
        self.decision_year = np.full(n, np.nan)
        self.opening_year = np.full(n, np.nan)
        self.cost_shares = np.zeros((n, m))
        self.net_benefits = np.full((n, m), np.nan)  # at the decision, or the last evaluation
        self.decided_this_year = np.zeros(n)
        self.nao_pool = 0.0
        self.nao_contributions = np.zeros(m)
        f = model.params.finance
        self.annuity = f.interest_rate + 1.0 / f.depreciation_years
        fac = model.pop.facilities
        running = float(fac.operating_cost[: fac.n][fac.is_open(model.base_year)].sum())
        reach = float((model.shared["cultural_access"] * model.resident_counts()).sum())
        # MSEK per (resident x place x year).
        self.access_value = self.params.access_value_factor * running / max(reach, 1.0)

    def shares(self, model: RegionModel, k: int) -> np.ndarray:
        """Cost shares of proposal ``k`` by its governance mode (sum to 1)."""
        p = self.proposals[k]
        residents = model.resident_counts().astype(float)
        if p.governance == "nao":
            return by_residents(residents, np.ones(model.n_muni, dtype=bool))
        members = self.members[k]
        if p.governance == "lead":
            others = members.copy()
            others[self.lead[k]] = False
            shares = by_residents(residents, others, 1 - p.lead_share)
            shares[self.lead[k]] = p.lead_share
            return shares
        return by_residents(residents, members)

    def net_benefit(self, model: RegionModel, k: int, shares: np.ndarray) -> np.ndarray:
        """Net benefit of proposal ``k`` to every municipality, MSEK per year."""
        p = self.proposals[k]
        gain = p.capacity * self.weight[k] * self.decay[:, self.location[k]]
        value = self.access_value * gain * model.resident_counts()
        cost = p.operating_msek + p.investment_msek * self.annuity
        return value - shares * cost

    def step(self, model: RegionModel, year: int) -> None:
        """Joint proposals are decided by their governance mode; the NAO collects its budget."""
        p = self.params
        self.decided_this_year[:] = 0.0
        if self.nao_budget > 0 and year > model.base_year:  # not in the warm start
            residents = model.resident_counts().astype(float)
            everyone = np.ones(model.n_muni, dtype=bool)
            self.nao_contributions = by_residents(residents, everyone, self.nao_budget)
            # Governance decides after this year's accounts: contributions are paid next year.
            for m in range(model.n_muni):
                model.requests.book_outlay(year + 1, m, self.nao_contributions[m])
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
        model.pop.facilities.add(
            1,
            municipality=self.location[k],
            weight=self.weight[k],
            capacity=prop.capacity,
            opening_year=opening,
            operating_cost=0.0,
        )
        build = range(year + 1, opening + 1)
        for y in build:
            for m in np.flatnonzero(shares > 0):
                if not funded_by_pool:
                    model.requests.book_outlay(y, m, prop.investment_msek * shares[m] / len(build))
        for m in np.flatnonzero(shares > 0):
            model.requests.book_operating(opening, m, prop.operating_msek * shares[m])

    def record(self, model: RegionModel, rec: Recorder) -> None:
        rec.put("joint_decided", self.decided_this_year)
        rec.put("nao_pool", self.nao_pool)

    def static_results(self, model: RegionModel) -> dict[str, np.ndarray]:
        """Per-proposal outcomes: decision and opening years, cost shares."""
        earliest = np.array([p.earliest_year for p in self.proposals], float)
        return {
            "joint_decision_year": self.decision_year,
            "joint_opening_year": self.opening_year,
            "joint_cost_share": self.cost_shares,
            "joint_net_benefit": self.net_benefits,
            "joint_delay_years": self.decision_year - earliest,
        }
