"""Municipal finance: tax revenue, state grants with income equalisation, costs, result and debt.

All money in million SEK (MSEK) per year at constant 2024 prices (no wage or price indexation);
per-resident parameters are in kSEK. The money identity
holds by construction: ``debt(t+1) = debt(t) - result(t) + borrowing(t)``, where borrowing is the
part of investment outlays not covered by depreciation (depreciation is the self-financed part).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.submodels.base import Submodel
from sim.io.results import MSEK, MSEK_PER_YEAR, PERCENT, M, flow, stock

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.engine.population import Census
    from sim.io.results import Recorder


class Finance(Submodel):
    """Revenue, costs, result, investment, borrowing and debt of every municipality.

    Finance keeps the ledgers of scenario money: one-off outlays by year and recurring operating
    costs by start year, booked by other submodels as ``model.requests`` and taken at each step.
    """

    name = "finance"
    steps = {"finance": "step"}
    keeps_residents = frozenset({"step"})
    results = (
        flow("municipal_revenue", M, MSEK_PER_YEAR, "Municipal revenue: tax and state grants"),
        flow("municipal_tax_revenue", M, MSEK_PER_YEAR, "Municipal income tax revenue"),
        flow("municipal_grants", M, MSEK_PER_YEAR, "State grants and income equalisation"),
        flow("municipal_costs", M, MSEK_PER_YEAR, "Municipal costs, incl. capital costs"),
        flow("municipal_service_costs", M, MSEK_PER_YEAR, "Age-related service costs"),
        flow("municipal_result", M, MSEK_PER_YEAR, "Municipal result: revenue minus costs"),
        flow("municipal_investment", M, MSEK_PER_YEAR, "Municipal investment outlays"),
        flow(
            "municipal_borrowing",
            M,
            MSEK_PER_YEAR,
            "Investment outlays financed by borrowing (net of depreciation)",
        ),
        stock("municipal_debt", M, MSEK, "Municipal debt at the end of the year"),
        stock("tax_rate", M, PERCENT, "Municipal income tax rate"),
    )

    def init(self, model: RegionModel) -> None:
        p = self.params
        n = model.n_muni
        self.planned_investment: dict[int, np.ndarray] = {}
        self.recurring_operating: list[tuple[int, int, float]] = []
        self._take_requests(model)
        residents = model.resident_counts().astype(float)
        self.debt = p.initial_debt * residents / 1000.0
        # Documented assumption: routine investment runs at ``investment_to_depreciation`` times
        # the base-year depreciation, so the capital stock is that share of its steady state.
        self.capital = (
            p.routine_investment * residents * p.depreciation_years / p.investment_to_depreciation
        ) / 1000.0
        self.other_cost_per_resident = np.zeros(n)
        accounts = self._accounts(model)
        # Calibration (documented): other costs per resident are set so that each municipality's
        # base-year result is the target share of revenue.
        gap = accounts["revenue"] * (1 - p.target_result_share) - accounts["costs"]
        self.other_cost_per_resident = gap / np.maximum(residents, 1) * 1000.0
        self.accounts = self._accounts(model)
        self.accounts["investment"] = p.routine_investment * residents / 1000.0
        self.accounts["borrowing"] = self.accounts["investment"] - self.accounts["depreciation"]
        self._publish(model)

    def _take_requests(self, model: RegionModel) -> None:
        """Enter the money booked since the last step into the ledgers, in booking order."""
        outlays, operating = model.requests.take()
        for year, municipality, msek in outlays:
            ledger = self.planned_investment.setdefault(year, np.zeros(model.n_muni))
            ledger[municipality] += msek
        self.recurring_operating.extend(operating)

    def scenario_operating(self, year: int, n_muni: int) -> np.ndarray:
        """Recurring scenario operating costs due in ``year`` per municipality (MSEK)."""
        out = np.zeros(n_muni)
        for start, municipality, msek in self.recurring_operating:
            if start <= year:
                out[municipality] += msek
        return out

    def _publish(self, model: RegionModel) -> None:
        for name, key in (
            ("taxable_income", "taxable_income"),
            ("municipal_revenue", "revenue"),
            ("municipal_result", "result"),
        ):
            self.publish(model, name, self.accounts[key])

    def _accounts(self, model: RegionModel, census: Census | None = None) -> dict[str, np.ndarray]:
        p = self.params
        census = model.census() if census is None else census
        residents = census.residents.astype(float)
        taxable = census.taxable_income
        tax_rate = model.shared["tax_rate"] / 100.0
        tax = tax_rate * taxable / 1000.0
        capacity = taxable / np.maximum(residents, 1)
        equalisation = (
            np.maximum(p.equalisation_reference * p.national_tax_capacity - capacity, 0.0)
            * p.equalisation_tax_rate
            * residents
            / 1000.0
        )
        grants = p.general_grant * residents / 1000.0 + equalisation
        by_age = census.by_age_group
        services = by_age @ np.asarray(p.service_cost_by_age) / 1000.0
        facilities = model.pop.facilities.operating_costs(
            model.year, model.n_muni
        ) + self.scenario_operating(model.year, model.n_muni)
        depreciation = self.capital / p.depreciation_years
        interest = p.interest_rate * self.debt
        other = self.other_cost_per_resident * residents / 1000.0
        costs = services + facilities + depreciation + interest + other
        revenue = tax + grants
        return {
            "taxable_income": taxable / 1000.0,
            "tax_revenue": tax,
            "grants": grants,
            "revenue": revenue,
            "service_costs": services,
            "facility_costs": facilities,
            "capital_costs": depreciation + interest,
            "other_costs": other,
            "costs": costs,
            "result": revenue - costs,
            "depreciation": depreciation,
        }

    def step(self, model: RegionModel, year: int) -> None:
        """Revenue and costs, the result, investment outlays, borrowing and debt."""
        p = self.params
        self._take_requests(model)
        census = model.census()
        accounts = self._accounts(model, census)
        residents = census.residents.astype(float)
        scenario = self.planned_investment.pop(year, np.zeros(model.n_muni))
        investment = p.routine_investment * residents / 1000.0 + scenario
        borrowing = investment - accounts["depreciation"]
        self.debt = self.debt - accounts["result"] + borrowing
        self.capital = self.capital + investment - accounts["depreciation"]
        accounts["investment"] = investment
        accounts["borrowing"] = borrowing
        self.accounts = accounts
        self._publish(model)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        a = self.accounts
        for key in ("revenue", "tax_revenue", "grants", "costs", "service_costs", "result"):
            rec.put(f"municipal_{key}", a[key])
        rec.put("municipal_investment", a["investment"])
        rec.put("municipal_borrowing", a["borrowing"])
        rec.put("municipal_debt", self.debt)
        rec.put("tax_rate", model.shared["tax_rate"])
