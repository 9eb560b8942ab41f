"""The merit score from the rubric: a pure rule, tested without a database."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from managers.merit import CRITERIA_KEYS, combined_score, weighted_score
from programme.models import default_merit_weights

WEIGHTS = default_merit_weights()


def scores(**given_scores: int) -> dict[str, int]:
    return {key: given_scores.get(key, 0) for key in CRITERIA_KEYS}


def test_the_weighted_score_is_the_weighted_mean_of_the_criteria():
    # 5*0.30 + 4*0.25 + 3*0.20 + 2*0.15 + 1*0.10 = 1.5 + 1.0 + 0.6 + 0.3 + 0.1 = 3.5
    result = weighted_score(
        scores(experience=5, competence_relevance=4, digital_skills=3, interview=2, references=1), WEIGHTS
    )
    assert result == Decimal("3.50")


def test_all_fives_give_five_and_all_zeros_give_zero():
    assert weighted_score(dict.fromkeys(CRITERIA_KEYS, 5), WEIGHTS) == Decimal("5.00")
    assert weighted_score(dict.fromkeys(CRITERIA_KEYS, 0), WEIGHTS) == Decimal("0.00")


def test_weights_are_read_as_decimals_so_the_score_does_not_drift():
    # 4 * (0.1 + 0.2 + ...) in floats would give 3.9999...; the rule rounds half up on exact decimals.
    result = weighted_score(dict.fromkeys(CRITERIA_KEYS, 4), {key: 0.2 for key in CRITERIA_KEYS})
    assert result == Decimal("4.00")


def test_only_the_criterion_with_weight_counts():
    weights = {key: 0 for key in CRITERIA_KEYS} | {"interview": 1}
    assert weighted_score(scores(interview=2, experience=5), weights) == Decimal("2.00")


@pytest.mark.parametrize(
    ("given_scores", "weights"),
    [
        ({key: 3 for key in CRITERIA_KEYS[:-1]}, WEIGHTS),
        (dict.fromkeys(CRITERIA_KEYS, 6), WEIGHTS),
        (dict.fromkeys(CRITERIA_KEYS, -1), WEIGHTS),
        (dict.fromkeys(CRITERIA_KEYS, 2.5), WEIGHTS),
        (dict.fromkeys(CRITERIA_KEYS, 3), dict.fromkeys(CRITERIA_KEYS, 0)),
        (dict.fromkeys(CRITERIA_KEYS, 3), {**WEIGHTS, "interview": -0.1}),
    ],
    ids=["missing", "above five", "negative", "not whole", "zero weights", "negative weight"],
)
def test_a_bad_rubric_is_refused(given_scores, weights):
    with pytest.raises(ValueError):
        weighted_score(given_scores, weights)


def test_the_merit_score_is_the_mean_of_the_reviews():
    assert combined_score([Decimal("3.50"), Decimal("4.00"), Decimal("4.25")]) == Decimal("3.92")
    assert combined_score([Decimal("2.00")]) == Decimal("2.00")
    assert combined_score([]) is None


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.fixed_dictionaries({key: st.integers(0, 5) for key in CRITERIA_KEYS}),
    st.fixed_dictionaries({key: st.decimals("0", "1", places=2) for key in CRITERIA_KEYS}).filter(
        lambda weights: sum(weights.values()) > 0
    ),
)
def test_the_score_always_lies_between_the_lowest_and_highest_criterion(given_scores, weights):
    result = weighted_score(given_scores, weights)
    weighted_keys = [key for key in CRITERIA_KEYS if weights[key] > 0]
    assert min(given_scores[key] for key in weighted_keys) - Decimal("0.01") <= result
    assert result <= max(given_scores[key] for key in weighted_keys) + Decimal("0.01")
