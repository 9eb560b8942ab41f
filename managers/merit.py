"""The merit score, from the review rubric and the programme's weights.

Plain values in, plain values out: no ORM here, so the rule is tested on its own.
A review's weighted score is the weighted mean of its five criteria (0-5); a manager's
merit score is the plain mean of their reviews' weighted scores, so every reviewer
counts the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

CRITERIA_KEYS: tuple[str, ...] = (
    "experience",
    "competence_relevance",
    "digital_skills",
    "interview",
    "references",
)
LOWEST_SCORE = 0
HIGHEST_SCORE = 5
TWO_PLACES = Decimal("0.01")


def weighted_score(scores: Mapping[str, int], weights: Mapping[str, float | Decimal | str]) -> Decimal:
    """The review's score: each criterion's 0-5 score times its weight, over the sum of
    the weights (so weights that do not add up to exactly 1 still give a 0-5 score).

    Raises ValueError for a missing criterion, a score outside 0-5, a negative weight
    or weights that are all zero."""
    total_weight = Decimal(0)
    total = Decimal(0)
    for key in CRITERIA_KEYS:
        if key not in scores:
            raise ValueError(f"missing score for {key}")
        score = scores[key]
        if not isinstance(score, int) or not LOWEST_SCORE <= score <= HIGHEST_SCORE:
            raise ValueError(f"score of {key} must be an integer from 0 to 5, not {score!r}")
        weight = Decimal(str(weights.get(key, 0)))
        if weight < 0:
            raise ValueError(f"weight of {key} is negative")
        total_weight += weight
        total += weight * score
    if total_weight == 0:
        raise ValueError("the weights are all zero")
    return (total / total_weight).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def combined_score(review_scores: Iterable[Decimal]) -> Decimal | None:
    """The manager's merit score: the mean of the reviews' weighted scores, None without reviews."""
    values = list(review_scores)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
