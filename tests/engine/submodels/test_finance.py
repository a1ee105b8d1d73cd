"""Finance alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import numpy as np

from sim.engine.submodels.finance import Finance
from sim.io.results import Recorder
from tests.engine.submodels.mock import BASE_YEAR, SKARA, SKOVDE, mock_model, step


def test_taxable_income_is_the_residents_incomes():
    model = mock_model(Finance)
    p = model.params.labour
    manufacturing, public = p.wage_by_sector[1], p.wage_by_sector[6]
    tertiary = p.education_wage_factor[2]
    # Skövde: p0 (tertiary, manufacturing), p1 and p3 unemployed, p2 child, p6 student.
    skovde = manufacturing * tertiary + 2 * p.unemployed_income + p.student_income
    # Skara: p4 retired, p5 (tertiary) works in public services in Skövde but lives in Skara.
    skara = p.pension_income + public * tertiary
    expected = np.array([skovde, skara]) / 1000.0  # kSEK to MSEK
    np.testing.assert_allclose(model.shared["taxable_income"], expected)
    # Calibration: the base-year result is the target share of revenue.
    result, revenue = model.shared["municipal_result"], model.shared["municipal_revenue"]
    np.testing.assert_allclose(result, model.params.finance.target_result_share * revenue)


def test_debt_follows_the_money_identity():
    model = mock_model(Finance)
    finance = model.submodels["finance"]
    model.requests.book_outlay(2026, SKOVDE, 5.0)  # made up: a scenario outlay in 2026
    model.requests.book_operating(2025, SKARA, 1.0)  # made up: a yearly operating cost
    rec = Recorder(Finance.results)
    for _ in range(3):
        debt, capital = finance.debt.copy(), finance.capital.copy()
        step(model, "finance.step")
        a = finance.accounts
        np.testing.assert_allclose(finance.debt, debt - a["result"] + a["borrowing"])
        np.testing.assert_allclose(a["borrowing"], a["investment"] - a["depreciation"])
        np.testing.assert_allclose(finance.capital, capital + a["borrowing"])
        np.testing.assert_allclose(a["result"], a["revenue"] - a["costs"])
        running = model.pop.facilities.operating_costs(model.year, model.n_muni)
        np.testing.assert_allclose(a["facility_costs"], running + [0.0, 1.0])
        rec.begin(model.year)
        finance.record(model, rec)
    ds = rec.to_dataset({}, base_year=BASE_YEAR)
    assert ds["municipal_debt"].values[-1].tolist() == finance.debt.tolist()


def test_a_booked_outlay_is_investment_of_its_year_only():
    model = mock_model(Finance)
    finance = model.submodels["finance"]
    model.requests.book_outlay(2026, SKARA, 50.0)  # made up: 50 MSEK in Skara in 2026
    routine = model.params.finance.routine_investment * np.array([5, 2]) / 1000.0  # residents
    investment = []
    for _ in range(3):  # 2025, 2026, 2027
        step(model, "finance.step")
        investment.append(finance.accounts["investment"].tolist())
    np.testing.assert_allclose(investment, [routine, routine + [0.0, 50.0], routine])


def test_a_higher_tax_rate_raises_tax_revenue_and_the_result():
    rates = np.array([21.61, 21.9])  # the real rates of Skövde and Skara
    low = mock_model(Finance, stand_ins={"tax_rate": rates})
    high = mock_model(Finance, stand_ins={"tax_rate": rates})
    # The municipalities (absent) raise their rates by 1 pp (made up) after the base year.
    high.shared.publish("municipalities", "tax_rate", rates + 1.0)
    for model in (low, high):
        step(model, "finance.step")
    a, b = low.submodels["finance"].accounts, high.submodels["finance"].accounts
    taxable = low.shared["taxable_income"]
    np.testing.assert_allclose(a["tax_revenue"], rates / 100 * taxable)
    np.testing.assert_allclose(b["tax_revenue"] - a["tax_revenue"], 0.01 * taxable)
    # Grants and costs do not depend on this year's rate: the result gains the whole difference.
    np.testing.assert_allclose(b["grants"], a["grants"])
    np.testing.assert_allclose(b["costs"], a["costs"])
    np.testing.assert_allclose(b["result"] - a["result"], 0.01 * taxable)
