"""Checks of the model's invariants (MODEL.md) on the agent arrays and on a results Dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from sim.engine.population import EMPLOYED, NO_ID

if TYPE_CHECKING:
    from sim.engine.model import RegionModel


def state_violations(model: RegionModel) -> list[str]:
    """Invariants of the agent arrays; an empty list when all hold.

    Every living person belongs to exactly one living household; every household lives in at
    most one dwelling and every dwelling holds at most one household (occupancy is mutual); no firm
    holds more workers than positions; an employed person holds exactly one position and the
    others none.
    """
    pop = model.pop
    per, h, d, f = pop.persons, pop.households, pop.dwellings, pop.firms
    problems: list[str] = []
    alive = per.alive[: per.n]
    hh = per.household[: per.n][alive]
    if (hh < 0).any() or not h.alive[hh].all():
        problems.append("a living person has no living household")
    sizes = pop.household_sizes()
    if (h.alive[: h.n] & (sizes == 0)).any():
        problems.append("a living household has no members")

    housed = np.flatnonzero(h.alive[: h.n] & (h.dwelling[: h.n] >= 0))
    dwelling = h.dwelling[housed]
    if np.unique(dwelling).size != dwelling.size:
        problems.append("a dwelling holds more than one household")
    if (d.occupant[dwelling] != housed).any():
        problems.append("a household's dwelling does not record it as occupant")
    if not d.alive[dwelling].all():
        problems.append("a household lives in a demolished dwelling")
    occupied = np.flatnonzero(d.occupant[: d.n] >= 0)
    if (h.dwelling[d.occupant[occupied]] != occupied).any():
        problems.append("a dwelling's occupant does not live in it")

    held = f.filled[: f.n] + f.filled_external[: f.n]
    if (held > f.positions[: f.n]).any():
        problems.append("a firm has more filled positions than positions")
    if (f.filled[: f.n] < 0).any() or (f.filled_external[: f.n] < 0).any():
        problems.append("a firm has a negative number of workers")
    firm = per.firm[: per.n][alive]
    counts = np.bincount(firm[firm >= 0], minlength=f.n)
    if (counts != f.filled[: f.n]).any():
        problems.append("firms' filled positions differ from the persons holding them")
    employed = per.activity[: per.n][alive] == EMPLOYED
    node = per.work_node[: per.n][alive]
    if (employed & (node == NO_ID)).any():
        problems.append("an employed person has no workplace")
    if (~employed & ((node != NO_ID) | (firm != NO_ID))).any():
        problems.append("a person who is not employed holds a position")
    in_region = employed & (node >= 0) & (node < model.n_muni)
    if (in_region & (firm < 0)).any():
        problems.append("a person employed in the region holds no firm position")
    return problems


def accounting_violations(ds: xr.Dataset, atol: float = 1e-6) -> list[str]:
    """Accounting identities of a results Dataset, every year after the base year, in every
    municipality: population balance, dwelling balance and the money identity; and for every
    joint proposal, cost shares that sum to one once decided and payments by municipality that
    add up to its cost in every year."""
    problems: list[str] = []
    pop = ds["population"].sum("age_group")
    change = pop.diff("year")
    flows = (
        ds["births"]
        - ds["deaths"]
        + ds["in_migration"]
        - ds["out_migration"]
        + ds["moves_in"]
        - ds["moves_out"]
    ).isel(year=slice(1, None))
    bad = np.abs(change.values - flows.values) > atol
    for y, m in zip(*np.nonzero(bad), strict=True):
        problems.append(
            f"population balance fails in {int(change.year[y])}, "
            f"municipality {ds.municipality.values[m]}: change {float(change[y, m])}, "
            f"flows {float(flows[y, m])}"
        )
    stock = ds["dwellings"].sum("dwelling_type")
    built = (ds["completions"].sum("dwelling_type") - ds["demolitions"]).isel(year=slice(1, None))
    bad = np.abs(stock.diff("year").values - built.values) > atol
    for y, m in zip(*np.nonzero(bad), strict=True):
        problems.append(
            f"dwelling balance fails in {int(built.year[y])}, "
            f"municipality {ds.municipality.values[m]}"
        )
    debt = ds["municipal_debt"]
    expected = (debt.shift(year=1) - ds["municipal_result"] + ds["municipal_borrowing"]).isel(
        year=slice(1, None)
    )
    scale = np.maximum(np.abs(debt.isel(year=slice(1, None)).values), 1.0)
    bad = np.abs(debt.isel(year=slice(1, None)).values - expected.values) > 1e-9 * scale
    for y, m in zip(*np.nonzero(bad), strict=True):
        problems.append(
            f"money identity fails in {int(expected.year[y])}, "
            f"municipality {ds.municipality.values[m]}"
        )
    problems += joint_cost_violations(ds)
    return problems


def joint_cost_violations(ds: xr.Dataset) -> list[str]:
    """Every decided joint proposal's cost shares sum to one, and in every year its payments by
    municipality add up to its cost."""
    if ds.sizes.get("joint_proposal", 0) == 0:
        return []
    problems: list[str] = []
    names = ds.joint_proposal.values
    decided = ~np.isnan(ds["joint_decision_year"].values)
    share_sums = ds["joint_cost_share"].sum("municipality").values
    for k in np.flatnonzero(decided & (np.abs(share_sums - 1.0) > 1e-9)):
        problems.append(f"cost shares of {names[k]} sum to {share_sums[k]!r}, not 1")
    paid = ds["joint_payment"].sum("municipality").isel(year=slice(1, None))
    cost = ds["joint_cost"].isel(year=slice(1, None))
    scale = np.maximum(np.abs(cost.values), 1.0)
    bad = np.abs(paid.values - cost.values) > 1e-9 * scale
    for y, k in zip(*np.nonzero(bad), strict=True):
        problems.append(
            f"payments for {names[k]} in {int(cost.year[y])} add up to {float(paid[y, k])!r}, "
            f"not its cost {float(cost[y, k])!r}"
        )
    return problems
