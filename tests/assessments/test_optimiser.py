"""The optimiser: exact against brute force, deterministic, and better than a greedy pass.
Pure code: no database."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from assessments.optimiser import (
    SCALE,
    UNMATCHED,
    assignment_totals,
    greedy_assignment,
    optimal_assignment,
)

# Few examples, no deadline (the first call loads OR-tools), derandomised in CI so a
# failure there is reproducible and never a matter of luck.
EXAMPLES = settings(deadline=None, max_examples=200, derandomize=bool(os.environ.get("CI")))


def solve(method, sme_count: int, pairs: dict[tuple[int, int], float], capacities: list[int]) -> np.ndarray:
    keys = list(pairs)
    return method(
        sme_count=sme_count,
        sme_index=np.array([sme for sme, _manager in keys], dtype=np.int64),
        manager_index=np.array([manager for _sme, manager in keys], dtype=np.int64),
        fit=np.array([pairs[key] for key in keys], dtype=np.float64),
        capacities=np.array(capacities, dtype=np.int64),
    )


def brute_force(
    sme_count: int, pairs: dict[tuple[int, int], float], capacities: list[int]
) -> tuple[int, float]:
    """The best (matched, total fit) over every feasible assignment, by enumeration: each
    SME in turn gets no manager or any candidate manager who still has room."""
    room = list(capacities)
    options = [[manager for (sme, manager) in pairs if sme == index] for index in range(sme_count)]
    best = (0, 0.0)

    def visit(index: int, matched: int, total: float) -> None:
        nonlocal best
        if index == sme_count:
            if matched > best[0] or (matched == best[0] and total > best[1]):
                best = (matched, total)
            return
        visit(index + 1, matched, total)
        for manager in options[index]:
            if room[manager] > 0:
                room[manager] -= 1
                visit(index + 1, matched + 1, total + pairs[(index, manager)])
                room[manager] += 1

    visit(0, 0, 0.0)
    return best


def check_feasible(
    assignment: np.ndarray, pairs: dict[tuple[int, int], float], capacities: list[int]
) -> None:
    for sme, manager in enumerate(assignment.tolist()):
        if manager != UNMATCHED:
            assert (sme, manager) in pairs
    used = np.bincount(assignment[assignment != UNMATCHED], minlength=len(capacities))
    assert (used <= np.array(capacities)).all()


def totals(assignment: np.ndarray, pairs: dict[tuple[int, int], float]) -> tuple[int, float]:
    chosen = [(sme, manager) for sme, manager in enumerate(assignment.tolist()) if manager != UNMATCHED]
    return len(chosen), sum(pairs[pair] for pair in chosen)


@st.composite
def instances(draw: st.DrawFn) -> tuple[int, dict[tuple[int, int], float], list[int]]:
    sme_count = draw(st.integers(0, 6))
    manager_count = draw(st.integers(1, 4))
    capacities = draw(st.lists(st.integers(0, 3), min_size=manager_count, max_size=manager_count))
    # Coarse fits make ties common; free floats make near-ties.
    fits = st.one_of(st.sampled_from([0.4, 0.5, 0.6, 0.75, 0.9, 1.0]), st.floats(0.0, 1.0, allow_nan=False))
    pairs = {}
    for sme in range(sme_count):
        for manager in range(manager_count):
            if draw(st.booleans()):
                pairs[(sme, manager)] = draw(fits)
    return sme_count, pairs, capacities


@EXAMPLES
@given(instances())
def test_the_optimiser_matches_brute_force(
    instance: tuple[int, dict[tuple[int, int], float], list[int]],
) -> None:
    sme_count, pairs, capacities = instance
    assignment = solve(optimal_assignment, sme_count, pairs, capacities)
    check_feasible(assignment, pairs, capacities)
    matched, total = totals(assignment, pairs)
    best_matched, best_total = brute_force(sme_count, pairs, capacities)
    assert matched == best_matched
    # The rounding of fits to 1/SCALE costs at most matched/SCALE (see the module's docstring).
    assert total == pytest.approx(best_total, abs=matched / SCALE + 1e-9)


def random_pairs(seed: int, sme_count: int, manager_count: int, density: float) -> tuple[dict, list[int]]:
    rng = np.random.default_rng(seed)
    mask = rng.random((sme_count, manager_count)) < density
    fits = np.round(rng.uniform(0.4, 1.0, size=mask.shape), 2)  # rounded: many exact ties
    pairs = {
        (int(sme), int(manager)): float(fits[sme, manager])
        for sme, manager in zip(*np.nonzero(mask), strict=True)
    }
    capacities = rng.choice([1, 2, 3], size=manager_count, p=[0.45, 0.35, 0.20]).tolist()
    return pairs, capacities


def dense_optimum(
    sme_count: int, pairs: dict[tuple[int, int], float], capacities: list[int]
) -> tuple[int, float]:
    """An independent exact method: SciPy's assignment over SMEs x capacity slots, with a
    bonus per matched SME larger than any total fit."""
    bonus = sme_count + 1.0
    slot_manager = np.repeat(np.arange(len(capacities)), capacities)
    value = np.zeros((sme_count, len(slot_manager)))
    for (sme, manager), fit in pairs.items():
        value[sme, slot_manager == manager] = bonus + fit
    rows, columns = linear_sum_assignment(value, maximize=True)
    taken = value[rows, columns] > 0
    return int(taken.sum()), float((value[rows, columns][taken] - bonus).sum())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_optimiser_matches_an_independent_exact_method_on_larger_instances(seed: int) -> None:
    pairs, capacities = random_pairs(seed, 120, 40, 0.15)
    assignment = solve(optimal_assignment, 120, pairs, capacities)
    check_feasible(assignment, pairs, capacities)
    matched, total = totals(assignment, pairs)
    best_matched, best_total = dense_optimum(120, pairs, capacities)
    assert matched == best_matched
    assert total == pytest.approx(best_total, abs=matched / SCALE + 1e-9)


def test_the_same_input_gives_the_same_assignment_in_any_order() -> None:
    pairs, capacities = random_pairs(4, 300, 90, 0.1)
    first = solve(optimal_assignment, 300, pairs, capacities)
    assert np.array_equal(first, solve(optimal_assignment, 300, pairs, capacities))
    shuffled = dict(sorted(pairs.items(), key=lambda item: hash((item[0][1], item[0][0])) % 9973))
    assert list(shuffled) != list(pairs)
    assert np.array_equal(first, solve(optimal_assignment, 300, shuffled, capacities))


def test_greedy_leaves_an_sme_unmatched_that_the_optimum_matches() -> None:
    """The first SME takes the only manager the second could have: best pair first is not best."""
    pairs = {(0, 0): 0.9, (0, 1): 0.8, (1, 0): 0.85}
    greedy = solve(greedy_assignment, 2, pairs, [1, 1])
    optimal = solve(optimal_assignment, 2, pairs, [1, 1])
    assert greedy.tolist() == [0, UNMATCHED]
    assert optimal.tolist() == [1, 0]
    assert totals(optimal, pairs) == (2, pytest.approx(1.65))


def test_greedy_is_never_better_than_the_optimum() -> None:
    for seed in range(5):
        pairs, capacities = random_pairs(seed, 150, 50, 0.08)
        greedy = totals(solve(greedy_assignment, 150, pairs, capacities), pairs)
        optimal = totals(solve(optimal_assignment, 150, pairs, capacities), pairs)
        assert (optimal[0], optimal[1] + 1e-6) >= greedy


def test_more_smes_matched_beats_a_higher_total_fit() -> None:
    # One SME with a perfect fit, or two SMEs at the minimum: two matched come first.
    pairs = {(0, 0): 1.0, (0, 1): 0.4, (1, 1): 0.4, (2, 0): 0.4}
    assignment = solve(optimal_assignment, 3, pairs, [1, 1])
    assert totals(assignment, pairs)[0] == 2


def test_capacity_is_respected_and_a_full_manager_gets_nobody() -> None:
    pairs = {(sme, 0): 0.9 for sme in range(5)} | {(sme, 1): 0.5 for sme in range(5)}
    assignment = solve(optimal_assignment, 5, pairs, [2, 0])
    assert sorted(assignment.tolist()) == [UNMATCHED, UNMATCHED, UNMATCHED, 0, 0]


def test_an_empty_graph_matches_nobody() -> None:
    assert solve(optimal_assignment, 3, {}, [1]).tolist() == [UNMATCHED] * 3
    assert solve(greedy_assignment, 0, {}, []).tolist() == []


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        optimal_assignment(
            sme_count=1,
            sme_index=np.array([0, 0]),
            manager_index=np.array([0, 0]),
            fit=np.array([0.5, 0.6]),
            capacities=np.array([1]),
        )
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        solve(optimal_assignment, 1, {(0, 0): 1.5}, [1])
    with pytest.raises(ValueError, match="SME index"):
        solve(optimal_assignment, 1, {(1, 0): 0.5}, [1])


def test_assignment_totals_reads_the_matched_pairs() -> None:
    sme_index, manager_index, fit = np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([0.5, 0.7, 0.6])
    assert assignment_totals(
        assignment=np.array([0, 1]), sme_index=sme_index, manager_index=manager_index, fit=fit
    ) == (2, pytest.approx(1.1))
    with pytest.raises(ValueError, match="not a candidate"):
        assignment_totals(
            assignment=np.array([1, 1]), sme_index=sme_index, manager_index=manager_index, fit=fit
        )
