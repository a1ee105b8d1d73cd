"""Interventions alone, on the tiny hand-built population (tests/engine/submodels/mock.py)."""

from __future__ import annotations

import numpy as np

from sim.engine.population import NO_ID
from sim.engine.submodels.interventions import Interventions
from tests.engine.submodels.mock import SKARA, SKOVDE, mock_model, step

DETACHED, RENTAL, OWNER = 0, 1, 2  # sim.io.inputs.DWELLING_TYPES
# Made up: 2 houses and 1 rental flat in Skara in even stages 2025-2026, half paid by Skara.
SKARA_HOMES = {
    "name": "Skara homes",
    "municipality": "Skara",
    "dwellings": {"detached": 2, "rental_flat": 1},
    "phasing": "even",
    "start_year": 2025,
    "end_year": 2026,
    "cost_per_dwelling_msek": 3.0,
    "municipal_share": 0.5,
}


def test_an_establishment_ramps_up_its_positions_and_closes():
    # Made up: 8 manufacturing jobs in Skövde from 2026 over 4 years, closing in 2031.
    plant = {
        "name": "plant",
        "municipality": "Skövde",
        "sector": "manufacturing",
        "jobs": 8,
        "opening_year": 2026,
        "ramp_up_years": 4,
        "wage_level": 1.5,
        "closure_year": 2031,
    }
    model = mock_model(Interventions, scenario={"name": "plant", "establishments": [plant]})
    f = model.pop.firms
    firm = model.submodels["scenario"].firms[0]
    assert firm == 3 and f.municipality[firm] == SKOVDE and f.intervention[firm] == 0
    assert f.wage[firm] == np.float32(1.5 * model.params.labour.wage_by_sector[1])
    positions = []
    for _ in range(7):  # 2025-2031
        step(model, "scenario.step")
        positions.append(int(f.positions[firm]))
    assert positions == [0, 2, 4, 6, 8, 8, 0]
    assert f.positions[:3].tolist() == [3, 2, 1]  # the other firms are untouched


def test_a_housing_programme_builds_its_stages_and_books_the_municipal_share():
    programme = SKARA_HOMES
    scenario = {"name": "homes", "housing_programmes": [programme]}
    model = mock_model(Interventions, scenario=scenario)
    d = model.pop.dwellings
    published, outlays = [], []
    for _ in range(3):  # 2025, 2026, 2027
        step(model, "scenario.step")
        published.append(model.shared["programme_dwellings"].copy())
        outlays.append(model.requests.take()[0])
    # Stages of 2 and 1 dwellings (3 in 2 even stages, the larger first), each split by the mix.
    assert [p.sum() for p in published] == [2, 1, 0]
    assert (sum(published)[SKOVDE] == 0).all()
    assert sum(published)[SKARA].tolist() == [2, 1, 0]
    new = np.arange(5, d.n)
    assert new.size == 3 and (d.municipality[new] == SKARA).all()
    assert (d.occupant[new] == NO_ID).all()
    assert d.year_built[new].tolist() == [2025, 2025, 2026]
    assert outlays == [[(2025, SKARA, 2 * 3.0 * 0.5)], [(2026, SKARA, 1 * 3.0 * 0.5)], []]


def test_a_demand_led_programme_starts_a_stage_where_households_queue():
    # Made up: stages of 2 houses, up to 4, in 2025-2030, where over 1 % of households queue.
    programmes = [
        {
            "name": name,
            "municipality": name,
            "dwellings": {"detached": 4},
            "phasing": "demand_led",
            "start_year": 2025,
            "end_year": 2030,
            "stage_size": 2,
        }
        for name in ("Skövde", "Skara")
    ]
    model = mock_model(Interventions, scenario={"name": "demand", "housing_programmes": programmes})
    assert model.shared["queue"].tolist() == [1.0, 0.0]  # h1 queues in Skövde (stand-in)
    completed = []
    for _ in range(5):  # 2025-2029
        step(model, "scenario.step")
        completed.append(model.submodels["scenario"].completed.tolist())
    # Started in 2025 and 2026, each completing construction.lag_years (2) later; then all 4 are
    # started. Skara, without a queue, builds nothing.
    assert model.params.construction.lag_years == 2
    assert completed == [[0, 0], [0, 0], [2, 0], [2, 0], [0, 0]]


def test_a_programme_holds_while_vacancy_is_above_its_level():
    # The mock's Skara has 3 dwellings, 1 vacant (33 %); the first stage makes it 3 of 5 (60 %).
    programme = SKARA_HOMES

    def completions(hold):
        scenario = {"name": "homes", "housing_programmes": [{**programme, "hold_vacancy": hold}]}
        model = mock_model(Interventions, scenario=scenario)
        done = []
        for _ in range(3):  # 2025-2027
            step(model, "scenario.step")
            done.append(int(model.submodels["scenario"].completed[0]))
        return done, model

    assert completions(None)[0] == [2, 1, 0]
    assert completions(0.7)[0] == [2, 1, 0]  # never above 70 %
    held, model = completions(0.4)  # 33 % lets the first stage through; 60 % holds the second
    assert held == [2, 0, 0] and model.submodels["scenario"].held == [1]
    assert completions(0.3)[0] == [0, 0, 0]  # 33 % already holds the first


def test_a_demand_led_programme_starts_no_stage_while_vacancy_is_above_its_level():
    # Made up: Skövde queues (1 household) but half its 2 dwellings stand empty.
    programme = {
        "name": "Skövde",
        "municipality": "Skövde",
        "dwellings": {"detached": 4},
        "phasing": "demand_led",
        "start_year": 2025,
        "end_year": 2030,
        "stage_size": 2,
        "hold_vacancy": 0.4,
    }
    model = mock_model(Interventions, scenario={"name": "d", "housing_programmes": [programme]})
    for _ in range(4):
        step(model, "scenario.step")
        assert model.submodels["scenario"].completed.tolist() == [0]
    assert model.submodels["scenario"].remaining == [4]


def test_a_cultural_investment_adds_its_facility_and_books_its_outlays_at_init():
    # Made up: a concert hall in Skara opening 2028 built over 2 years, and a museum in Skövde
    # opening 2026 built over 3 years (2023-2025: outlays before the run fall in its first year).
    hall = {
        "name": "hall",
        "facility_type": "concert_hall",
        "municipality": "Skara",
        "capacity": 500,
        "investment_msek": 100.0,
        "operating_msek": 6.0,
        "opening_year": 2028,
    }
    museum = {
        **hall,
        "name": "museum",
        "facility_type": "museum",
        "municipality": "Skövde",
        "investment_msek": 30.0,
        "opening_year": 2026,
        "build_years": 3,
    }
    scenario = {"name": "culture", "cultural_investments": [hall, museum]}
    model = mock_model(Interventions, scenario=scenario)
    fac = model.pop.facilities
    n_existing = len(model.inputs.culture_facilities)
    assert fac.n == n_existing + 2
    new = np.arange(n_existing, fac.n)
    assert fac.municipality[new].tolist() == [SKARA, SKOVDE]
    weights = model.params.culture.type_weight  # concert hall 1.5, museum 1.0
    assert fac.weight[new].tolist() == [weights[2], weights[3]]
    assert fac.opening_year[new].tolist() == [2028, 2026]
    assert fac.operating_cost[new].tolist() == [6.0, 6.0]  # charged to the host
    outlays, operating = model.requests.take()
    assert outlays == [(2026, SKARA, 50.0), (2027, SKARA, 50.0)] + 3 * [(2025, SKOVDE, 10.0)]
    assert operating == []
