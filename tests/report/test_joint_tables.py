"""The report's table of who pays and who gains from joint proposals, on a hand-made ensemble."""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.report.build import joint_tables


def ensemble() -> xr.Dataset:
    """Two scenarios, two replicates, one proposal, three municipalities, years 2024-2026; only
    'joint' has the proposal (made up)."""
    dims = ("scenario", "replicate", "joint_proposal", "municipality")
    nan = np.nan
    share = np.array([[[[0.6, 0.4, 0.0]]] * 2, [[[nan, nan, nan]]] * 2])
    benefit_at_decision = np.array([[[[2.0, 1.0, 0.5]]] * 2, [[[nan, nan, nan]]] * 2])
    decided = np.array([[[2025.0], [2026.0]], [[nan], [nan]]])
    # Payments and gains per year: replicate 0 pays 10 MSEK in 2025 and 2026, replicate 1 in
    # 2026 only; the third municipality gains without paying.
    paid = np.zeros((2, 2, 3, 1, 3))
    paid[0, 0, 1:, 0] = [6.0, 4.0, 0.0]
    paid[0, 1, 2, 0] = [6.0, 4.0, 0.0]
    gained = np.zeros((2, 2, 3, 1, 3))
    gained[0, :, 2, 0] = [3.0, 1.0, 0.5]
    yearly = ("scenario", "replicate", "year", "joint_proposal", "municipality")
    net = gained.sum(2) - paid.sum(2)
    net[1] = 0.0
    return xr.Dataset(
        {
            "municipality_name": ("municipality", ["Skövde", "Skara", "Hjo"]),
            "joint_cost_share": (dims, share),
            "joint_net_benefit": (dims, benefit_at_decision),
            "joint_decision_year": (dims[:3], decided),
            "joint_payment": (yearly, paid),
            "joint_benefit": (yearly, gained),
            "joint_net_position": (dims, net),
        },
        coords={
            "scenario": ["joint", "baseline"],
            "replicate": [0, 1],
            "year": [2024, 2025, 2026],
            "joint_proposal": ["culture centre"],
            "municipality": ["1496", "1495", "1497"],
        },
    )


def test_who_pays_and_who_gains_per_municipality_as_means_over_replicates():
    [block] = joint_tables(ensemble(), "en")  # the baseline has no proposal: no table
    assert block["caption"] == "joint: culture centre, decided in 2025–2026"
    # Sorted by net position: Hjo gains 0.5 paying nothing; Skara pays (8 + 4) / 2 = 6 on average
    # over the replicates and gains 1; Skövde pays (12 + 6) / 2 = 9 and gains 3.
    assert block["rows"] == [
        ["Hjo", "0%", "0.0", "0.5", "+0.5"],
        ["Skara", "40%", "6.0", "1.0", "-5.0"],
        ["Skövde", "60%", "9.0", "3.0", "-6.0"],
    ]


def test_swedish_numbers_and_no_table_without_joint_proposals():
    [block] = joint_tables(ensemble(), "sv")
    assert block["caption"] == "joint: culture centre, beslutat 2025–2026"
    assert block["rows"][1][2] == "6,0"
    empty = ensemble().isel(joint_proposal=slice(0, 0))
    assert joint_tables(empty, "sv") == []
