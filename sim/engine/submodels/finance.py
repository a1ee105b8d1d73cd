"""Municipal finance: tax revenue, state grants with income equalisation, costs, result and debt.

All money in million SEK (MSEK) per year at constant 2024 prices (no wage or price indexation);
per-resident parameters are in kSEK. The money identity
holds by construction: ``debt(t+1) = debt(t) - result(t) + borrowing(t)``, where borrowing is the
part of investment outlays not covered by depreciation (the self-financed part).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.submodels.base import Submodel

if TYPE_CHECKING:
    from sim.engine.model import RegionModel
    from sim.io.results import Recorder

# Age groups of the per-resident service costs (lower bounds): 0-5, 6-15, 16-19, 20-44, 45-64,
# 65-79, 80+. The same groups are the age_group dimension of the results.
AGE_GROUP_BREAKS = np.array([6, 16, 20, 45, 65, 80])
AGE_GROUPS = ("0-5", "6-15", "16-19", "20-44", "45-64", "65-79", "80+")


def residents_by_age_group(model: RegionModel) -> np.ndarray:
    """Residents per municipality and age group."""
    per = model.pop.persons
    muni = model.pop.resident_municipality()
    ok = muni >= 0
    group = np.searchsorted(AGE_GROUP_BREAKS, per.age[: per.n][ok], side="right")
    n_groups = len(AGE_GROUPS)
    return np.bincount(
        muni[ok].astype(np.int64) * n_groups + group, minlength=model.n_muni * n_groups
    ).reshape(model.n_muni, n_groups)


class Finance(Submodel):
    """Revenue, costs, result, investment, borrowing and debt of every municipality."""

    name = "finance"

    def init(self, model: RegionModel) -> None:
        p = self.params
        n = model.n_muni
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

    def _accounts(self, model: RegionModel) -> dict[str, np.ndarray]:
        p = self.params
        per = model.pop.persons
        muni = model.pop.resident_municipality()
        ok = muni >= 0
        residents = np.bincount(muni[ok], minlength=model.n_muni).astype(float)
        taxable = np.bincount(muni[ok], weights=per.income[: per.n][ok], minlength=model.n_muni)
        tax_rate = model.tax_rates() / 100.0
        tax = tax_rate * taxable / 1000.0
        capacity = taxable / np.maximum(residents, 1)
        equalisation = (
            np.maximum(p.equalisation_reference * p.national_tax_capacity - capacity, 0.0)
            * p.equalisation_tax_rate
            * residents
            / 1000.0
        )
        grants = p.general_grant * residents / 1000.0 + equalisation
        services = residents_by_age_group(model) @ np.asarray(p.service_cost_by_age) / 1000.0
        facilities = model.culture.operating_costs(model) + model.scenario_operating(model.year)
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
        p = self.params
        accounts = self._accounts(model)
        residents = model.resident_counts().astype(float)
        scenario = model.planned_investment.pop(year, np.zeros(model.n_muni))
        investment = p.routine_investment * residents / 1000.0 + scenario
        borrowing = investment - accounts["depreciation"]
        self.debt = self.debt - accounts["result"] + borrowing
        self.capital = self.capital + investment - accounts["depreciation"]
        accounts["investment"] = investment
        accounts["borrowing"] = borrowing
        self.accounts = accounts
        model.municipalities.do("decide_budget", year)

    def record(self, model: RegionModel, rec: Recorder) -> None:
        a = self.accounts
        for key in ("revenue", "tax_revenue", "grants", "costs", "service_costs", "result"):
            rec.put(f"municipal_{key}", a[key])
        rec.put("municipal_investment", a["investment"])
        rec.put("municipal_borrowing", a["borrowing"])
        rec.put("municipal_debt", self.debt)
        rec.put("tax_rate", model.tax_rates())
