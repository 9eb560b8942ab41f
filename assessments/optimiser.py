"""Which manager each SME gets: an exact optimum over the candidate graph.

Pure: NumPy arrays in, NumPy arrays out, no ORM. The objective, in this order:

1. as many SMEs matched as possible (every pair in the graph is already at or above
   the minimum fit);
2. among those assignments, the highest total fit;

with each SME given at most one manager and each manager at most their capacity left.

It is solved as a min-cost flow with OR-tools (``SimpleMinCostFlow``): a source gives
each SME one unit, each SME may pass it to one of its candidate managers (capacity 1,
cost ``-round(fit * SCALE)``), and each manager passes at most its capacity left on to
the sink. ``solve_max_flow_with_min_cost`` first finds the maximum flow, that is the
largest number of SMEs that can be matched at all, and then, among flows of that value,
the one of least cost, that is the highest total of rounded fits: the objective in its
order, with no weighting between the two. (The textbook alternative, a bypass arc per
SME and a bonus ``BIG > SMEs * SCALE`` on every matched pair, gives the same optimum;
it was measured about twice as slow here, as its costs are larger by a factor of the
number of SMEs, and it needs a guard against 64-bit overflow much sooner.)

The scaling error bound: each fit is rounded to a multiple of ``1 / SCALE``, an error of
at most ``0.5 / SCALE`` per pair, so the total fit of the assignment returned is within
``matched / SCALE`` of the best total fit among assignments with the maximum number
matched (each of the two totals moves by at most ``matched * 0.5 / SCALE``); with
``SCALE = 10**6`` that is 0.1 for 100,000 matched SMEs, a relative error of about 1e-6.
The number matched is exact: it does not depend on the costs. ``SCALE`` is lowered,
and the bound widens accordingly, only if the costs times the number of nodes could
overflow the solver's 64-bit arithmetic, which takes about 10**12 nodes.

Deterministic: pairs are handed to the solver sorted by (SME index, manager index),
whatever order they came in, and the solver is deterministic, so the same graph always
gives the same assignment; where two assignments tie exactly in rounded cost, the
solver's fixed order settles it.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

SCALE = 1_000_000
UNMATCHED = -1
# OR-tools' cost-scaling algorithm multiplies costs by the number of nodes and sums
# them along paths, so costs times nodes must stay well inside a signed 64-bit integer.
_COST_CEILING = 2**62


def _checked(
    sme_count: int,
    sme_index: np.ndarray,
    manager_index: np.ndarray,
    fit: np.ndarray,
    capacities: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs with a manager who has room, sorted by (SME, manager), after checking them."""
    sme_index = np.asarray(sme_index, dtype=np.int64)
    manager_index = np.asarray(manager_index, dtype=np.int64)
    fit = np.asarray(fit, dtype=np.float64)
    capacities = np.asarray(capacities, dtype=np.int64)
    if not (len(sme_index) == len(manager_index) == len(fit)):
        raise ValueError("sme_index, manager_index and fit must have the same length")
    if len(fit):
        if sme_index.min() < 0 or sme_index.max() >= sme_count:
            raise ValueError("an SME index lies outside 0..sme_count-1")
        if manager_index.min() < 0 or manager_index.max() >= len(capacities):
            raise ValueError("a manager index has no capacity")
        if not np.isfinite(fit).all() or fit.min() < 0 or fit.max() > 1:
            raise ValueError("fits must lie in [0, 1]")
    order = np.lexsort((manager_index, sme_index))
    sme_index, manager_index, fit = sme_index[order], manager_index[order], fit[order]
    if len(fit) > 1:
        same = (sme_index[1:] == sme_index[:-1]) & (manager_index[1:] == manager_index[:-1])
        if same.any():
            raise ValueError("a pair appears twice")
    room = capacities[manager_index] > 0
    return sme_index[room], manager_index[room], fit[room], capacities


def optimal_assignment(
    *,
    sme_count: int,
    sme_index: np.ndarray,
    manager_index: np.ndarray,
    fit: np.ndarray,
    capacities: np.ndarray,
) -> np.ndarray:
    """For each SME, the index of its manager, or -1: the most SMEs matched, then the
    highest total fit (see the module's docstring for the cost scaling and its bound).

    `sme_index`, `manager_index` and `fit` list the candidate pairs (any order, each pair
    once, fits in [0, 1]); `capacities[j]` is manager j's capacity left."""
    sme_index, manager_index, fit, capacities = _checked(sme_count, sme_index, manager_index, fit, capacities)
    assignment = np.full(sme_count, UNMATCHED, dtype=np.int64)
    if len(fit) == 0:
        return assignment

    # Only SMEs and managers that appear in a pair become nodes: a small graph solves faster.
    smes, sme_node = np.unique(sme_index, return_inverse=True)
    managers, manager_node = np.unique(manager_index, return_inverse=True)
    sme_nodes, manager_nodes = len(smes), len(managers)
    source = sme_nodes + manager_nodes
    sink = source + 1

    scale = SCALE
    while scale > 1 and scale * (sink + 2) * 4 > _COST_CEILING:
        scale //= 10
    # Pairs first, so that their arc ids are 0..pairs-1; then source -> SME (one unit
    # each) and manager -> sink (the manager's capacity left).
    tails = np.concatenate([sme_node, np.full(sme_nodes, source), np.arange(manager_nodes) + sme_nodes])
    heads = np.concatenate([manager_node + sme_nodes, np.arange(sme_nodes), np.full(manager_nodes, sink)])
    arc_capacities = np.concatenate([np.ones(len(fit) + sme_nodes, np.int64), capacities[managers]])
    costs = np.concatenate(
        [-np.rint(fit * scale).astype(np.int64), np.zeros(sme_nodes + manager_nodes, np.int64)]
    )

    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), arc_capacities, costs
    )
    flow.set_node_supply(source, sme_nodes)
    flow.set_node_supply(sink, -sme_nodes)
    # A maximum flow is a largest set of matched SMEs; among maximum flows, the cheapest
    # is the one with the highest total of rounded fits: the objective, in its order.
    status = flow.solve_max_flow_with_min_cost()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow solver did not find an optimum (status {status})")

    # The pair arcs were added first, so their arc ids are 0..pairs-1.
    used = np.asarray(flow.flows(np.arange(len(fit), dtype=np.int32))) > 0
    assignment[sme_index[used]] = manager_index[used]
    return assignment


def greedy_assignment(
    *,
    sme_count: int,
    sme_index: np.ndarray,
    manager_index: np.ndarray,
    fit: np.ndarray,
    capacities: np.ndarray,
) -> np.ndarray:
    """The baseline the benchmark compares with, never used for a real run: pairs by fit,
    best first (ties by SME, then manager index); a pair is taken when its SME is still
    free and its manager has room. It can leave SMEs unmatched that the optimum matches."""
    sme_index, manager_index, fit, capacities = _checked(sme_count, sme_index, manager_index, fit, capacities)
    assignment = np.full(sme_count, UNMATCHED, dtype=np.int64)
    room = capacities.copy()
    order = np.lexsort((manager_index, sme_index, -fit))
    # A plain loop: each step depends on every step before it.
    for sme, manager in zip(sme_index[order].tolist(), manager_index[order].tolist(), strict=True):
        if assignment[sme] == UNMATCHED and room[manager] > 0:
            assignment[sme] = manager
            room[manager] -= 1
    return assignment


def assignment_totals(
    *,
    assignment: np.ndarray,
    sme_index: np.ndarray,
    manager_index: np.ndarray,
    fit: np.ndarray,
) -> tuple[int, float]:
    """How many SMEs an assignment matches and their total fit, read from the pairs.

    Raises ValueError if the assignment uses a pair that is not among them."""
    assignment = np.asarray(assignment, dtype=np.int64)
    matched = np.flatnonzero(assignment != UNMATCHED)
    if len(matched) == 0:
        return 0, 0.0
    if len(fit) == 0:
        raise ValueError("the assignment uses a pair that is not a candidate")
    manager_count = int(max(np.max(manager_index, initial=0), assignment.max())) + 1
    keys = np.asarray(sme_index, np.int64) * manager_count + np.asarray(manager_index, np.int64)
    order = np.argsort(keys)
    wanted = matched * manager_count + assignment[matched]
    found = np.searchsorted(keys[order], wanted)
    found = np.minimum(found, len(keys) - 1)
    if not (keys[order][found] == wanted).all():
        raise ValueError("the assignment uses a pair that is not a candidate")
    return len(matched), float(np.asarray(fit, np.float64)[order][found].sum())
