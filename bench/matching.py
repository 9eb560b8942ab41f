"""Benchmark of the matching: the project's scoring and optimiser against a greedy pass and
an independent exact method, on a generated programme.

    .venv/bin/python bench/matching.py --smes 1000 --managers 400 --seed 1 --json

Prints one JSON object (see bench/README.md for each key). The project's run (scoring
included) is measured in a process of its own, so its time and peak memory are not
those of the greedy and exact methods run afterwards. No Django settings needed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# Run as a script from the repository root: make the project's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from scipy.optimize import linear_sum_assignment

from assessments.optimiser import assignment_totals, greedy_assignment, optimal_assignment
from assessments.scoring import (
    CandidateGraph,
    ManagerProfile,
    SmeProfile,
    Weights,
    build_candidate_graph,
)
from programme.reference import AssessmentArea, divisions, neighbouring_provinces

# The exact method builds a dense matrix over SMEs x capacity slots: only up to here.
EXACT_LIMIT = 30_000_000
WEIGHTS = Weights(sector=0.25, competence=0.35, geography=0.20, merit=0.20)
MINIMUM_FIT = 0.40

# Fixed distributions, roughly Lombardy's: where enterprises are, which sectors they are
# in, where the managers of the pool live (more of them around Milan).
SME_PROVINCES = {
    "MI": 0.33, "BS": 0.12, "BG": 0.11, "VA": 0.08, "MB": 0.08, "CO": 0.055,
    "PV": 0.045, "MN": 0.04, "CR": 0.033, "LC": 0.032, "LO": 0.02, "SO": 0.017,
}  # fmt: skip
MANAGER_PROVINCES = {
    "MI": 0.40, "BG": 0.10, "BS": 0.09, "VA": 0.08, "MB": 0.09, "CO": 0.05,
    "PV": 0.04, "MN": 0.03, "CR": 0.03, "LC": 0.03, "LO": 0.02, "SO": 0.01,
}  # fmt: skip
SME_SECTIONS = {
    "C": 0.42, "G": 0.14, "F": 0.08, "M": 0.08, "J": 0.07, "H": 0.05, "N": 0.05,
    "I": 0.03, "K": 0.02, "Q": 0.02, "S": 0.02, "E": 0.01, "A": 0.01,
}  # fmt: skip
MANAGER_SECTIONS = {
    "C": 0.50, "G": 0.12, "F": 0.05, "M": 0.09, "J": 0.09, "H": 0.05, "N": 0.04,
    "I": 0.01, "K": 0.03, "Q": 0.01, "S": 0.005, "E": 0.01, "A": 0.005,
}  # fmt: skip
AREA_POPULARITY = {
    AssessmentArea.DIGITAL_STRATEGY: 0.14,
    AssessmentArea.DIGITAL_READINESS: 0.12,
    AssessmentArea.HUMAN_CENTRIC: 0.06,
    AssessmentArea.DATA_MANAGEMENT: 0.12,
    AssessmentArea.AUTOMATION_AI: 0.11,
    AssessmentArea.GREEN_DIGITAL: 0.08,
    AssessmentArea.OPERATIONS_LEAN: 0.12,
    AssessmentArea.FINANCE_CONTROL: 0.10,
    AssessmentArea.MARKET_INTERNATIONAL: 0.10,
    AssessmentArea.ORGANISATION_PEOPLE: 0.05,
}
NEEDS_COUNT = (0.05, 0.25, 0.35, 0.25, 0.10)  # probability of 0, 1, 2, 3, 4 needs
CAPACITY = {1: 0.45, 2: 0.35, 3: 0.20}
CONFLICT_SHARE = 0.05
DECLINED_PER_SME = 0.05
UNAVAILABLE_SHARE = 0.03
ANYWHERE_SHARE = 0.08


@dataclass
class Instance:
    smes: list[SmeProfile]
    managers: list[ManagerProfile]
    forbidden_pairs: frozenset[tuple[int, int]]


def _choice(rng: np.random.Generator, weights: dict, size: int) -> list:
    keys = list(weights)
    probabilities = np.array([weights[key] for key in keys], dtype=float)
    return [
        keys[position] for position in rng.choice(len(keys), size=size, p=probabilities / probabilities.sum())
    ]


def _divisions_by_section() -> dict[str, tuple[list[str], np.ndarray]]:
    """Each section's divisions with fixed, uneven weights (a few divisions hold most firms)."""
    grouped: dict[str, list[str]] = {}
    for code, _title, section in divisions():
        grouped.setdefault(section, []).append(code)
    fixed = np.random.default_rng(0)
    result = {}
    for section, codes in grouped.items():
        codes = [codes[position] for position in fixed.permutation(len(codes))]
        weights = 1.0 / np.arange(1, len(codes) + 1)
        result[section] = (codes, weights / weights.sum())
    return result


def generate_instance(sme_count: int, manager_count: int, seed: int) -> Instance:
    """A realistic programme, the same for the same arguments."""
    rng = np.random.default_rng(seed)
    by_section = _divisions_by_section()
    areas = list(AREA_POPULARITY)
    area_weights = np.array(list(AREA_POPULARITY.values()))
    area_weights = area_weights / area_weights.sum()

    smes = []
    provinces = _choice(rng, SME_PROVINCES, sme_count)
    sections = _choice(rng, SME_SECTIONS, sme_count)
    need_counts = rng.choice(len(NEEDS_COUNT), size=sme_count, p=NEEDS_COUNT)
    for index in range(sme_count):
        codes, weights = by_section[sections[index]]
        division = None if rng.random() < 0.05 else codes[rng.choice(len(codes), p=weights)]
        needs = rng.choice(len(areas), size=need_counts[index], replace=False, p=area_weights)
        smes.append(
            SmeProfile(
                id=index + 1,
                province=provinces[index],
                ateco_section=sections[index],
                ateco_division=division,
                needs=frozenset(areas[position] for position in needs),
                vat_number=f"{index + 1:011d}",
            )
        )

    neighbours = neighbouring_provinces()
    managers = []
    homes = _choice(rng, MANAGER_PROVINCES, manager_count)
    capacities = _choice(rng, CAPACITY, manager_count)
    for index in range(manager_count):
        home = homes[index]
        if rng.random() < ANYWHERE_SHARE:
            accepted = frozenset(SME_PROVINCES)
        else:
            around = sorted(neighbours[home])
            extra = rng.choice(len(around), size=min(len(around), int(rng.integers(0, 4))), replace=False)
            accepted = frozenset([home, *(around[position] for position in extra)])
        sector_years: dict[str, float] = {}
        for section in _choice(rng, MANAGER_SECTIONS, int(rng.integers(1, 4))):
            years = int(rng.integers(2, 26))
            if rng.random() < 0.8:
                codes, weights = by_section[section]
                code = codes[rng.choice(len(codes), p=weights)]
            else:
                code = section
            sector_years[code] = max(years, sector_years.get(code, 0))
        levels = rng.integers(0, 4, size=len(areas))
        levels[rng.choice(len(areas), size=3, replace=False)] = rng.integers(4, 6, size=3)
        conflicts = frozenset()
        if rng.random() < CONFLICT_SHARE and sme_count:
            conflicts = frozenset(
                f"{int(found) + 1:011d}" for found in rng.integers(0, sme_count, size=int(rng.integers(1, 3)))
            )
        capacity = capacities[index]
        managers.append(
            ManagerProfile(
                id=index + 1,
                accepted_provinces=accepted,
                sector_years=sector_years,
                competences={area: int(level) for area, level in zip(areas, levels, strict=True)},
                merit_score=None
                if rng.random() < 0.2
                else round(float(np.clip(rng.normal(3.6, 0.6), 0, 5)), 2),
                capacity_left=capacity - 1 if rng.random() < 0.1 else capacity,
                conflict_vat_numbers=conflicts,
                home_province=home,
                available=rng.random() >= UNAVAILABLE_SHARE,
            )
        )

    # Declined or lapsed pairs: an SME and a manager from its own province, as happens.
    managers_by_home: dict[str, list[int]] = {}
    for manager in managers:
        managers_by_home.setdefault(manager.home_province, []).append(manager.id)
    forbidden = set()
    for sme_position in rng.integers(0, max(sme_count, 1), size=int(sme_count * DECLINED_PER_SME)):
        sme = smes[int(sme_position)]
        nearby = managers_by_home.get(sme.province)
        if nearby:
            forbidden.add((sme.id, nearby[int(rng.integers(0, len(nearby)))]))
    return Instance(smes=smes, managers=managers, forbidden_pairs=frozenset(forbidden))


def project_graph(instance: Instance, *, pair_limit: int | str | None = "default") -> CandidateGraph:
    """The candidate graph exactly as the matching run builds it."""
    options = {} if pair_limit == "default" else {"pair_limit": pair_limit}
    return build_candidate_graph(
        instance.smes,
        instance.managers,
        weights=WEIGHTS,
        minimum_fit=MINIMUM_FIT,
        forbidden_pairs=instance.forbidden_pairs,
        **options,
    )


def solve(graph: CandidateGraph, method=optimal_assignment) -> np.ndarray:
    return method(
        sme_count=graph.sme_count,
        sme_index=graph.sme_index,
        manager_index=graph.manager_index,
        fit=graph.fit,
        capacities=graph.capacities,
    )


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _measure_project(sme_count: int, manager_count: int, seed: int, results: multiprocessing.Queue) -> None:
    """In a fresh process: the project's scoring and optimiser, timed, with peak memory."""
    instance = generate_instance(sme_count, manager_count, seed)
    rss_before = _rss_mb()
    started = time.perf_counter()
    graph = project_graph(instance)
    scoring_seconds = time.perf_counter() - started
    assignment = solve(graph)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    matched, total_fit = assignment_totals(
        assignment=assignment, sme_index=graph.sme_index, manager_index=graph.manager_index, fit=graph.fit
    )
    results.put(
        {
            "seconds": round(seconds, 3),
            "scoring_seconds": round(scoring_seconds, 3),
            "peak_rss_mb": round(peak, 1),
            "rss_before_mb": round(rss_before, 1),
            "matched": matched,
            "total_fit": round(total_fit, 6),
            "pairs": graph.pair_count,
            "eligible_pairs": graph.eligible_pairs,
            "pruned": graph.pruned,
        }
    )


def exact_dense(graph: CandidateGraph) -> np.ndarray:
    """An independent exact method: a dense assignment over SMEs x capacity slots with
    SciPy's linear_sum_assignment; each matched SME earns a bonus larger than any total
    fit, so the count comes first. Pairs outside the graph are worth 0 (left unmatched)."""
    bonus = float(graph.sme_count + 1)
    smes = np.unique(graph.sme_index)
    managers = np.unique(graph.manager_index)
    value = np.zeros((len(smes), len(managers)))
    value[np.searchsorted(smes, graph.sme_index), np.searchsorted(managers, graph.manager_index)] = (
        bonus + graph.fit
    )
    slots_of = graph.capacities[managers]
    slots = np.repeat(value, slots_of, axis=1)
    del value
    slot_manager = np.repeat(managers, slots_of)
    rows, columns = linear_sum_assignment(slots, maximize=True)
    assignment = np.full(graph.sme_count, -1, dtype=np.int64)
    taken = slots[rows, columns] > 0
    assignment[smes[rows[taken]]] = slot_manager[columns[taken]]
    return assignment


def run(sme_count: int, manager_count: int, seed: int) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_measure_project, args=(sme_count, manager_count, seed, results))
    child.start()
    report = {"smes": sme_count, "managers": manager_count, "seed": seed, **results.get()}
    child.join()

    instance = generate_instance(sme_count, manager_count, seed)
    report["capacity_total"] = int(
        sum(manager.capacity_left for manager in instance.managers if manager.available)
    )
    exact_size = sme_count * manager_count <= EXACT_LIMIT
    # The baselines see every allowed pair where that fits in memory; above, the greedy
    # pass gets the project's pruned graph and there is no exact figure.
    graph = project_graph(instance, pair_limit=None) if exact_size else project_graph(instance)
    report["greedy_over"] = "all eligible pairs" if exact_size else "the project's candidate graph"
    started = time.perf_counter()
    greedy = solve(graph, greedy_assignment)
    report["greedy_seconds"] = round(time.perf_counter() - started, 3)
    greedy_matched, greedy_total = assignment_totals(
        assignment=greedy, sme_index=graph.sme_index, manager_index=graph.manager_index, fit=graph.fit
    )
    report["greedy_matched"] = greedy_matched
    report["greedy_total_fit"] = round(greedy_total, 6)

    if exact_size:
        started = time.perf_counter()
        exact = exact_dense(graph)
        report["exact_seconds"] = round(time.perf_counter() - started, 3)
        exact_matched, exact_total = assignment_totals(
            assignment=exact, sme_index=graph.sme_index, manager_index=graph.manager_index, fit=graph.fit
        )
        report["exact_matched"] = exact_matched
        report["exact_total_fit"] = round(exact_total, 6)
        report["fit_ratio_to_exact"] = round(report["total_fit"] / exact_total, 8) if exact_total else 1.0
    else:
        report["exact_skipped"] = f"N*M above {EXACT_LIMIT:,}: the dense matrix would not fit"
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smes", type=int, required=True)
    parser.add_argument("--managers", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default output)")
    arguments = parser.parse_args()
    report = run(arguments.smes, arguments.managers, arguments.seed)
    if arguments.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
