"""The matching score: each part, the pairs that must never be proposed, the breakdown shown
to staff, and the pruning of large graphs. Pure code: no database."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import numpy as np
import pytest

from assessments.optimiser import assignment_totals, optimal_assignment
from assessments.scoring import (
    COMPETENCE_NEUTRAL,
    ELSEWHERE_IN_LOMBARDY,
    NEIGHBOURING_PROVINCE,
    SAME_PROVINCE,
    CandidateGraph,
    ManagerProfile,
    SmeProfile,
    Weights,
    build_candidate_graph,
    pair_breakdown,
    score_pair,
    sme_alternatives,
)
from programme.reference import AssessmentArea, Province

WEIGHTS = Weights(sector=0.25, competence=0.35, geography=0.20, merit=0.20)
STRATEGY = AssessmentArea.DIGITAL_STRATEGY.value
LEAN = AssessmentArea.OPERATIONS_LEAN.value
FINANCE = AssessmentArea.FINANCE_CONTROL.value


def make_sme(**changes: object) -> SmeProfile:
    base = SmeProfile(
        id=1,
        province="MI",
        ateco_section="C",
        ateco_division="25",
        needs=frozenset({STRATEGY, LEAN}),
        vat_number="01234567890",
    )
    return replace(base, **changes)


def make_manager(**changes: object) -> ManagerProfile:
    base = ManagerProfile(
        id=10,
        accepted_provinces=frozenset({"MI", "MB", "BS"}),
        sector_years={"25": 10},
        competences={STRATEGY: 5, LEAN: 5},
        merit_score=5.0,
        capacity_left=1,
        conflict_vat_numbers=frozenset(),
        home_province="MI",
    )
    return replace(base, **changes)


def part(breakdown, name: str) -> float:
    return next(found.value for found in breakdown.parts if found.name == name)


def score(sme: SmeProfile | None = None, manager: ManagerProfile | None = None, **options: object):
    return score_pair(
        sme or make_sme(), manager or make_manager(), weights=WEIGHTS, minimum_fit=0.0, **options
    )


def graph_of(smes: list[SmeProfile], managers: list[ManagerProfile], **options: object) -> CandidateGraph:
    options.setdefault("minimum_fit", 0.0)
    return build_candidate_graph(smes, managers, weights=WEIGHTS, **options)


def pairs_of(graph: CandidateGraph) -> set[tuple[int, int]]:
    return {
        (graph.sme_ids[sme], graph.manager_ids[manager])
        for sme, manager in zip(graph.sme_index.tolist(), graph.manager_index.tolist(), strict=True)
    }


@pytest.mark.parametrize(
    ("years", "expected"),
    [({"25": 10}, 1.0), ({"25": 30}, 1.0), ({"25": 1}, 0.55), ({"25": 5}, 0.75)],
)
def test_sector_counts_years_in_the_smes_division_fully_with_a_floor(years: dict, expected: float) -> None:
    assert part(score(manager=make_manager(sector_years=years)), "sector") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("years", "expected"),
    [({"C": 10}, 0.5), ({"28": 10}, 0.5), ({"C": 1}, 0.275), ({"G": 10}, 0.0), ({"47": 20}, 0.0), ({}, 0.0)],
)
def test_sector_counts_years_only_in_the_smes_section_partly(years: dict, expected: float) -> None:
    assert part(score(manager=make_manager(sector_years=years)), "sector") == pytest.approx(expected)


def test_sector_takes_the_division_over_a_longer_section_experience() -> None:
    manager = make_manager(sector_years={"25": 1, "C": 30})
    breakdown = score(manager=manager)
    assert part(breakdown, "sector") == pytest.approx(0.55)
    assert breakdown.parts[0].reason == "same_division"


def test_sector_counts_only_the_section_when_the_smes_division_is_unknown() -> None:
    sme = make_sme(ateco_division=None)
    assert part(score(sme, make_manager(sector_years={"25": 10})), "sector") == pytest.approx(0.5)
    assert part(score(sme, make_manager(sector_years={"J": 10})), "sector") == 0.0


def test_competence_is_how_well_the_levels_cover_the_declared_needs() -> None:
    manager = make_manager(competences={STRATEGY: 5, LEAN: 3, FINANCE: 5})
    assert part(score(manager=manager), "competence") == pytest.approx((1.0 + 0.6) / 2)
    # An area the manager did not rate counts as level 0.
    unrated = make_manager(competences={STRATEGY: 4})
    assert part(score(manager=unrated), "competence") == pytest.approx(0.4)


def test_competence_is_neutral_for_an_sme_that_declared_no_needs() -> None:
    sme = make_sme(needs=frozenset())
    strong = score(sme, make_manager(competences={area: 5 for area in AssessmentArea.values}))
    weak = score(sme, make_manager(competences={}))
    assert part(strong, "competence") == part(weak, "competence") == COMPETENCE_NEUTRAL
    assert strong.parts[1].reason == "no_needs_declared"


@pytest.mark.parametrize(
    ("sme_province", "home", "expected", "reason"),
    [
        ("MI", "MI", SAME_PROVINCE, "same_province"),
        ("MB", "MI", NEIGHBOURING_PROVINCE, "neighbouring_province"),
        ("MI", "MB", NEIGHBOURING_PROVINCE, "neighbouring_province"),
        ("BS", "MI", ELSEWHERE_IN_LOMBARDY, "elsewhere_in_lombardy"),
        ("MI", "", ELSEWHERE_IN_LOMBARDY, "elsewhere_in_lombardy"),
    ],
)
def test_geography_from_the_managers_home_to_the_sme(
    sme_province: str, home: str, expected: float, reason: str
) -> None:
    manager = make_manager(home_province=home, accepted_provinces=frozenset(Province.values))
    breakdown = score(make_sme(province=sme_province), manager)
    assert part(breakdown, "geography") == expected
    assert breakdown.parts[2].reason == reason


def test_a_province_the_manager_does_not_accept_excludes_the_pair() -> None:
    sme = make_sme(province="SO")
    manager = make_manager(accepted_provinces=frozenset({"MI"}))
    assert score(sme, manager).excluded_because == "province_not_accepted"
    assert graph_of([sme], [manager]).pair_count == 0
    nowhere = make_manager(accepted_provinces=frozenset())
    assert graph_of([make_sme()], [nowhere]).pair_count == 0


@pytest.mark.parametrize(("merit", "expected"), [(5.0, 1.0), (3.5, 0.7), (0.0, 0.0), (None, 0.0)])
def test_merit_is_the_score_over_five_and_nothing_before_a_review(
    merit: float | None, expected: float
) -> None:
    breakdown = score(manager=make_manager(merit_score=merit))
    assert part(breakdown, "merit") == pytest.approx(expected)
    assert breakdown.parts[3].reason == ("not_reviewed" if merit is None else "reviewed")


def test_the_fit_is_the_weighted_sum_of_the_parts_and_the_breakdown_adds_up() -> None:
    manager = make_manager(
        sector_years={"C": 10}, competences={STRATEGY: 4}, merit_score=3.0, home_province="MB"
    )
    breakdown = score(manager=manager)
    expected = 0.25 * 0.5 + 0.35 * 0.4 + 0.20 * 0.7 + 0.20 * 0.6
    assert breakdown.fit == pytest.approx(expected)
    assert sum(found.contribution for found in breakdown.parts) == pytest.approx(breakdown.fit)
    assert [found.weight for found in breakdown.parts] == [0.25, 0.35, 0.20, 0.20]
    stored = json.loads(json.dumps(breakdown.as_dict()))
    assert [found["name"] for found in stored["parts"]] == ["sector", "competence", "geography", "merit"]


def test_the_graph_keeps_each_pairs_breakdown() -> None:
    manager = make_manager(
        sector_years={"C": 10}, competences={STRATEGY: 4}, merit_score=3.0, home_province="MB"
    )
    graph = graph_of([make_sme()], [manager])
    from_graph = pair_breakdown(graph, sme_index=0, manager_index=0)
    assert from_graph == replace(score(manager=manager), minimum_fit=0.0)
    with pytest.raises(KeyError):
        pair_breakdown(graph, sme_index=0, manager_index=1)


def test_weights_are_programme_settings_that_must_add_up_to_one() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        Weights(sector=0.5, competence=0.5, geography=0.2, merit=0.0)
    heavy_on_geography = Weights(sector=0.0, competence=0.0, geography=1.0, merit=0.0)
    breakdown = score_pair(
        make_sme(province="MB"), make_manager(), weights=heavy_on_geography, minimum_fit=0.0
    )
    assert breakdown.fit == pytest.approx(NEIGHBOURING_PROVINCE)


def test_pairs_below_the_minimum_fit_are_left_out() -> None:
    good = make_manager(id=10)
    poor = make_manager(id=11, sector_years={}, competences={}, merit_score=None, home_province="BS")
    graph = graph_of([make_sme()], [good, poor], minimum_fit=0.5)
    assert pairs_of(graph) == {(1, 10)}
    assert float(graph.fit.min()) >= 0.5
    assert score(manager=poor).fit < 0.5


def test_forbidden_pairs_never_appear() -> None:
    sme = make_sme(id=1, vat_number="01234567890")
    other = make_sme(id=2, vat_number="09876543210")
    managers = [
        make_manager(id=10),
        # Conflict of interest: the SME's VAT number among the declared companies, typed loosely.
        make_manager(id=11, conflict_vat_numbers=frozenset({"IT 0123456 7890"})),
        make_manager(id=12),  # declined SME 1 before
        make_manager(id=13, available=False),  # suspended, left the pool, or unavailable now
        make_manager(id=14, capacity_left=0),
    ]
    graph = graph_of([sme, other], managers, forbidden_pairs={(1, 12)})
    assert pairs_of(graph) == {(1, 10), (2, 10), (2, 11), (2, 12)}
    assert graph.capacities.tolist() == [1, 1, 1, 0, 0]
    reasons = {
        manager.id: score(sme, manager, forbidden_pairs={(1, 12)}).excluded_because for manager in managers
    }
    assert reasons == {
        10: None,
        11: "conflict_of_interest",
        12: "declined_or_lapsed_before",
        13: "manager_unavailable",
        14: "no_capacity_left",
    }


def random_programme(rng: random.Random, sme_count: int, manager_count: int) -> tuple[list, list, set]:
    """Small programmes with every kind of value, for checking the vectorised scoring."""
    provinces = list(Province.values)
    areas = list(AssessmentArea.values)
    codes = ["C", "G", "J", "25", "28", "10", "47", "62"]
    sections = {"25": "C", "28": "C", "10": "C", "47": "G", "62": "J"}
    smes = []
    for index in range(sme_count):
        division = rng.choice([None, "25", "28", "10", "47", "62"])
        smes.append(
            SmeProfile(
                id=index + 1,
                province=rng.choice(provinces),
                ateco_section=sections[division] if division else rng.choice(["C", "G", "J", "F"]),
                ateco_division=division,
                needs=frozenset(rng.sample(areas, rng.randint(0, 4))),
                vat_number=f"{index + 1:011d}",
            )
        )
    managers = []
    for index in range(manager_count):
        managers.append(
            ManagerProfile(
                id=100 + index,
                accepted_provinces=frozenset(rng.sample(provinces, rng.randint(0, 6))),
                sector_years={code: rng.randint(1, 20) for code in rng.sample(codes, rng.randint(0, 3))},
                competences={area: rng.randint(0, 5) for area in rng.sample(areas, rng.randint(0, 10))},
                merit_score=rng.choice([None, round(rng.uniform(0, 5), 2)]),
                capacity_left=rng.randint(0, 3),
                conflict_vat_numbers=frozenset(
                    f"{rng.randint(1, sme_count):011d}" for _ in range(rng.randint(0, 2))
                ),
                home_province=rng.choice([*provinces, ""]),
                available=rng.random() > 0.1,
            )
        )
    forbidden = {
        (rng.randint(1, sme_count), 100 + rng.randrange(manager_count)) for _ in range(sme_count // 3)
    }
    return smes, managers, forbidden


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_vectorised_graph_agrees_with_scoring_each_pair_on_its_own(seed: int) -> None:
    smes, managers, forbidden = random_programme(random.Random(seed), 40, 25)
    graph = build_candidate_graph(
        smes, managers, weights=WEIGHTS, minimum_fit=0.45, forbidden_pairs=forbidden
    )
    assert not graph.pruned
    in_graph = pairs_of(graph)
    for sme in smes:
        for manager in managers:
            alone = score_pair(sme, manager, weights=WEIGHTS, minimum_fit=0.45, forbidden_pairs=forbidden)
            assert ((sme.id, manager.id) in in_graph) == (alone.excluded_because is None)
    for position in range(graph.pair_count):
        sme, manager = int(graph.sme_index[position]), int(graph.manager_index[position])
        alone = score_pair(smes[sme], managers[manager], weights=WEIGHTS, minimum_fit=0.45)
        assert graph.fit[position] == pytest.approx(alone.fit, abs=1e-12)
    assert graph.eligible_pairs == graph.pair_count


def test_the_graph_is_sorted_and_the_same_for_the_same_input() -> None:
    smes, managers, forbidden = random_programme(random.Random(7), 60, 30)
    first = graph_of(
        smes, managers, forbidden_pairs=forbidden, pair_limit=200, keep_per_sme=3, keep_per_manager=4
    )
    again = graph_of(
        smes,
        managers,
        forbidden_pairs=set(sorted(forbidden, reverse=True)),
        pair_limit=200,
        keep_per_sme=3,
        keep_per_manager=4,
    )
    keys = first.sme_index.astype(np.int64) * first.manager_count + first.manager_index
    assert (np.diff(keys) > 0).all()
    for name in ("sme_index", "manager_index", "fit", "sector", "competence", "geography", "merit"):
        assert np.array_equal(getattr(first, name), getattr(again, name))


def test_a_pruned_graph_keeps_each_smes_best_managers_and_each_managers_best_smes() -> None:
    smes, managers, forbidden = random_programme(random.Random(11), 80, 30)
    full = graph_of(smes, managers, forbidden_pairs=forbidden, pair_limit=None)
    pruned = graph_of(
        smes, managers, forbidden_pairs=forbidden, pair_limit=10, keep_per_sme=2, keep_per_manager=3
    )
    assert pruned.pruned and not full.pruned
    assert (pruned.keep_per_sme, pruned.keep_per_manager) == (2, 3)
    assert pruned.eligible_pairs == full.pair_count
    assert pruned.pair_count < full.pair_count
    kept = pairs_of(pruned)
    assert kept <= pairs_of(full)
    # Each SME's two best and each manager's three best, by fit and then by index, are kept.
    for index in range(len(smes)):
        mine = np.flatnonzero(full.sme_index == index)
        best = sorted(mine, key=lambda position: (-full.fit[position], full.manager_index[position]))[:2]
        for position in best:
            assert (full.sme_ids[index], full.manager_ids[full.manager_index[position]]) in kept
    for index in range(len(managers)):
        mine = np.flatnonzero(full.manager_index == index)
        best = sorted(mine, key=lambda position: (-full.fit[position], full.sme_index[position]))[:3]
        for position in best:
            assert (full.sme_ids[full.sme_index[position]], full.manager_ids[index]) in kept
    # And nothing else: the union of the two, ties broken by index, not every tie.
    assert pruned.pair_count <= 2 * len(smes) + 3 * len(managers)


def test_pruning_keeps_capacity_usable_once_it_binds() -> None:
    """Everyone's favourite can take one SME; keeping only each SME's best manager would
    then leave five SMEs without one, while the second manager has room for them all."""
    smes = [make_sme(id=index, vat_number=f"{index:011d}") for index in range(1, 7)]
    favourite = make_manager(id=10, capacity_left=1)
    second = make_manager(id=11, capacity_left=6, merit_score=4.0)

    def matched(keep_per_manager: int) -> int:
        graph = graph_of(
            smes, [favourite, second], pair_limit=1, keep_per_sme=1, keep_per_manager=keep_per_manager
        )
        assert graph.pruned
        assignment = optimal_assignment(
            sme_count=graph.sme_count,
            sme_index=graph.sme_index,
            manager_index=graph.manager_index,
            fit=graph.fit,
            capacities=graph.capacities,
        )
        return assignment_totals(
            assignment=assignment, sme_index=graph.sme_index, manager_index=graph.manager_index, fit=graph.fit
        )[0]

    assert matched(keep_per_manager=0) == 1
    assert matched(keep_per_manager=6) == 6


def test_a_small_graph_is_not_pruned() -> None:
    smes, managers, forbidden = random_programme(random.Random(5), 30, 10)
    graph = graph_of(smes, managers, forbidden_pairs=forbidden)
    assert not graph.pruned
    assert graph.keep_per_sme is None and graph.keep_per_manager is None
    assert graph.eligible_pairs == graph.pair_count


def test_alternatives_are_the_smes_next_best_managers() -> None:
    managers = [
        make_manager(id=10, merit_score=5.0),
        make_manager(id=11, merit_score=4.0),
        make_manager(id=12, merit_score=4.0),
        make_manager(id=13, merit_score=1.0),
    ]
    graph = graph_of([make_sme()], managers)
    alternatives = sme_alternatives(graph, sme_index=0, exclude_manager_index=0, limit=2)
    assert [found.manager_id for found in alternatives] == [11, 12]
    assert alternatives[0].fit == pytest.approx(alternatives[1].fit)
    assert alternatives[0].fit > score(manager=managers[3]).fit
    everyone = sme_alternatives(graph, sme_index=0, limit=10)
    assert [found.manager_id for found in everyone] == [10, 11, 12, 13]


def test_the_best_of_each_owner_breaks_ties_by_index_with_either_sort() -> None:
    from assessments.scoring import _best_of_each

    rng = np.random.default_rng(3)
    owner = rng.integers(0, 50, size=2000)
    other = rng.permutation(2000)  # each pair once, as in a graph
    fit = rng.choice(np.array([0.4, 0.5, 0.7, 0.9], dtype=np.float32), size=2000)
    compact = _best_of_each(owner, other, fit, 3)
    # Indices too large for one 64-bit key take the lexsort path: the same choice.
    wide = _best_of_each(owner << 20, other << 20, fit, 3)
    assert np.array_equal(compact, wide)
    for index in range(50):
        mine = np.flatnonzero(owner == index)
        expected = sorted(mine, key=lambda position: (-fit[position], other[position]))[:3]
        assert sorted(np.flatnonzero(compact & (owner == index)).tolist()) == sorted(expected)
