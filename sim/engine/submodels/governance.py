"""Governance of joint investments (MODEL.md step 10).

A joint proposal names participants, a location, costs and a governance mode (Provan & Kenis 2008,
the three modes of network governance in shared/context/004):

- ``shared`` (consensus): shares by population; it proceeds only when every participant's net
  benefit is positive, every participant's budget allows a new commitment and the negotiation has
  lasted ``negotiation_years_shared``, so it can stall;
- ``lead`` (a lead municipality): the lead carries ``lead_share`` of the costs, the others share the
  rest by population; it proceeds when the lead's net benefit is positive and its budget allows,
  after ``negotiation_years_lead``;
- ``nao`` (a network administrative organisation): a joint portfolio budget paid by the NAO's
  members by population share funds proposals ranked by regional benefit per cost as soon as
  the pool covers their investment and the stated reserve. The NAO collects at most
  ``nao_budget_msek`` a year and only what its pending proposals and its reserve still need; the
  members' own budgets do not hold its decisions up, since the money is already collected.

A participant's net benefit (MSEK/year) is the value of one place of access per resident x the gain
in its cultural access x its residents, minus its share of the annualised cost (operating cost plus
investment x (interest rate + 1 / depreciation years)). The value of a place is calibrated at the
start (documented derivation): the region's existing facilities are worth what they cost to run,
times ``access_value_factor``.

A municipality's budget allows a new commitment when its latest result (this year's accounts) is
at least ``commitment_result_share`` of its revenue: under the balance requirement a municipality
in deficit must restore its result first (Kommunallagen 11 kap.), so it defers new joint costs. A
decision held up only by a payer's budget is recorded as deferred.

Who gains and who pays, every year and per proposal and municipality: the payments (investment
outlays over the build years, then operating costs, by the cost shares fixed at the decision; for
``nao`` proposals the pool pays the investment on its members' behalf, attributed by their shares),
the value of the access gained once the facility is open, and over the horizon the net position,
their difference summed. Every decided proposal's payments add up to its cost in every year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.submodels.base import Submodel
from sim.engine.submodels.culture import access_decay, facility_weight
from sim.io.results import CALENDAR_YEAR, MSEK, MSEK_PER_YEAR, RATIO, YEARS, M, flow, per_run, stock

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

P = ("joint_proposal",)
FLAGS = ("not_decided", "decided")
DEFERRED = ("not_deferred", "deferred_by_budget")
POOL_TOLERANCE = 1e-9


def by_residents(residents: np.ndarray, payers: np.ndarray, amount: float = 1.0) -> np.ndarray:
    """``amount`` split among ``payers`` (a mask) in proportion to their residents; equally when
    none of them has residents left."""
    weights = np.where(payers, residents, 0.0)
    total = weights.sum()
    if total > 0:
        return amount * weights / total
    return amount * payers / payers.sum()


class Governance(Submodel):
    """Yearly decisions on the scenario's joint proposals; who pays and who gains."""

    name = "governance"
    steps = {"governance": "step"}
    keeps_residents = frozenset({"step"})
    results = (
        flow("joint_decided", P, RATIO, "1 in the year a joint proposal is decided", flags=FLAGS),
        flow(
            "joint_deferred",
            P,
            RATIO,
            "1 in a year a joint proposal's decision was deferred because a payer's budget was in "
            "deficit",
            flags=DEFERRED,
        ),
        flow(
            "joint_cost",
            P,
            MSEK_PER_YEAR,
            "Cost of a decided joint proposal in the year: investment outlays, operating costs",
        ),
        flow(
            "joint_payment",
            (*P, "municipality"),
            MSEK_PER_YEAR,
            "Who pays: each municipality's part of the joint proposal's cost in the year",
        ),
        flow(
            "joint_benefit",
            (*P, "municipality"),
            MSEK_PER_YEAR,
            "Who gains: value of the cultural access the open joint facility gives each "
            "municipality's residents",
        ),
        flow(
            "nao_contribution",
            M,
            MSEK_PER_YEAR,
            "Contribution to the network organisation's budget, decided in the year (paid in the "
            "next year's accounts)",
        ),
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
            "The benefit measure of the governance rule: each municipality's net benefit of the "
            "joint proposal at its decision (or at the last evaluation when it stalled)",
        ),
        per_run(
            "joint_net_position",
            (*P, "municipality"),
            MSEK,
            "Net position over the horizon: value of the access gained minus payments, summed over "
            "the simulated years",
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
        self.nao_reserve = float(scenario.nao_reserve_msek)

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
        self.is_nao = np.array([p.governance == "nao" for p in self.proposals], dtype=bool)
        self.nao_members = np.zeros(m, dtype=bool)
        listed = list(self.scenario.nao_members)
        if listed:
            self.nao_members[[lookup(x) for x in listed]] = True
        else:  # the participants of the NAO's proposals
            self.nao_members = self.members[self.is_nao].any(axis=0)
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
        self.deferred_this_year = np.zeros(n)
        self.nao_pool = 0.0
        self.nao_contributions = np.zeros(m)
        self.net_position = np.zeros((n, m))
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
            return by_residents(residents, self.nao_members)
        members = self.members[k]
        if p.governance == "lead":
            others = members.copy()
            others[self.lead[k]] = False
            shares = by_residents(residents, others, 1 - p.lead_share)
            shares[self.lead[k]] = p.lead_share
            return shares
        return by_residents(residents, members)

    def access_gain_value(self, model: RegionModel, k: int) -> np.ndarray:
        """Yearly value of proposal ``k``'s cultural access to every municipality's residents."""
        p = self.proposals[k]
        gain = p.capacity * self.weight[k] * self.decay[:, self.location[k]]
        return self.access_value * gain * model.resident_counts()

    def net_benefit(self, model: RegionModel, k: int, shares: np.ndarray) -> np.ndarray:
        """Net benefit of proposal ``k`` to every municipality, MSEK per year."""
        return self.access_gain_value(model, k) - shares * self._annual_cost(k)

    def can_commit(self, model: RegionModel, payers: np.ndarray) -> bool:
        """Whether every payer's latest result allows a new commitment (the balance requirement)."""
        floor = self.params.commitment_result_share * model.shared["municipal_revenue"]
        return bool((model.shared["municipal_result"][payers] >= floor[payers]).all())

    def step(self, model: RegionModel, year: int) -> None:
        """Joint proposals are decided by their governance mode; the NAO collects what it needs."""
        p = self.params
        self.decided_this_year[:] = 0.0
        self.deferred_this_year[:] = 0.0
        self.nao_contributions = np.zeros(model.n_muni)
        if year > model.base_year:  # not in the warm start
            self._collect(model, year)
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
                wanted = waited >= p.negotiation_years_shared and (
                    (benefit[self.members[k]] > 0).all()
                )
                payers = self.members[k]
            elif prop.governance == "lead":
                wanted = waited >= p.negotiation_years_lead and benefit[self.lead[k]] > 0
                payers = self.lead[k : k + 1]
            else:
                if benefit.sum() > 0:
                    value = benefit.sum() + self._annual_cost(k)
                    nao.append((value / max(prop.investment_msek, 1e-9), k, shares))
                continue
            if wanted and self.can_commit(model, payers):
                self._decide(model, k, year, shares)
            elif wanted:
                self.deferred_this_year[k] = 1.0
        # The NAO funds the best proposals per cost that the pool can pay for, keeping its reserve.
        for _, k, shares in sorted(nao, key=lambda item: (-item[0], item[1])):
            investment = self.proposals[k].investment_msek
            # A relative tolerance: contributions summed over years need not add up exactly.
            if investment <= self.nao_pool - self.nao_reserve + POOL_TOLERANCE * investment:
                self.nao_pool = max(self.nao_pool - investment, 0.0)
                self._decide(model, k, year, shares, funded_by_pool=True)

    def _collect(self, model: RegionModel, year: int) -> None:
        """The NAO's members pay, by population share, what its pending proposals and its reserve
        still need, at most the yearly budget; paid in next year's accounts (governance decides
        after this year's)."""
        pending = self.is_nao & np.isnan(self.decision_year)
        need = sum(self.proposals[k].investment_msek for k in np.flatnonzero(pending))
        collect = min(self.nao_budget, max(need + self.nao_reserve - self.nao_pool, 0.0))
        if collect <= 0 or not self.nao_members.any():
            return
        residents = model.resident_counts().astype(float)
        self.nao_contributions = by_residents(residents, self.nao_members, collect)
        for m in np.flatnonzero(self.nao_members):
            model.requests.book_outlay(year + 1, m, self.nao_contributions[m])
        self.nao_pool += collect

    def _annual_cost(self, k: int) -> float:
        prop = self.proposals[k]
        return prop.operating_msek + prop.investment_msek * self.annuity

    def cost_in(self, k: int, year: int) -> float:
        """Cost of proposal ``k`` in ``year`` (MSEK): the investment spread over the build years
        after the decision, the operating cost from the opening on; 0 before the decision."""
        decided, opening = self.decision_year[k], self.opening_year[k]
        if np.isnan(decided) or year <= decided:
            return 0.0
        prop = self.proposals[k]
        cost = prop.investment_msek / (opening - decided) if year <= opening else 0.0
        return cost + (prop.operating_msek if year >= opening else 0.0)

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
        payers = np.flatnonzero(shares > 0)
        if not funded_by_pool:  # the pool pays the investment from its members' contributions
            build_years = opening - year
            for y in range(year + 1, opening + 1):
                for m in payers:
                    model.requests.book_outlay(y, m, prop.investment_msek * shares[m] / build_years)
        for m in payers:
            model.requests.book_operating(opening, m, prop.operating_msek * shares[m])

    def record(self, model: RegionModel, rec: Recorder) -> None:
        year = model.year
        n, m = self.cost_shares.shape
        paid = np.zeros((n, m))
        cost = np.zeros(n)
        benefit = np.zeros((n, m))
        for k in range(n):
            cost[k] = self.cost_in(k, year)
            paid[k] = cost[k] * self.cost_shares[k]
            if year >= self.opening_year[k]:
                benefit[k] = self.access_gain_value(model, k)
        if year > model.base_year:
            self.net_position += benefit - paid
        rec.put("joint_decided", self.decided_this_year)
        rec.put("joint_deferred", self.deferred_this_year)
        rec.put("joint_cost", cost)
        rec.put("joint_payment", paid)
        rec.put("joint_benefit", benefit)
        rec.put("nao_contribution", self.nao_contributions)
        rec.put("nao_pool", self.nao_pool)

    def static_results(self, model: RegionModel) -> dict[str, np.ndarray]:
        """Per-proposal outcomes: decision and opening years, cost shares, net positions."""
        earliest = np.array([p.earliest_year for p in self.proposals], float)
        return {
            "joint_decision_year": self.decision_year,
            "joint_opening_year": self.opening_year,
            "joint_cost_share": self.cost_shares,
            "joint_net_benefit": self.net_benefits,
            "joint_net_position": self.net_position,
            "joint_delay_years": self.decision_year - earliest,
        }
