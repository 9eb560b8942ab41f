"""Reference data shipped with the portal: Lombardy's provinces, the ten areas of
the assessment model, and the ATECO classification read from ISTAT's data as
packaged by `ateco` (titles in Italian, as ISTAT publishes them).

Plain values only: no ORM here, so every app can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ateco
from ateco._load import load_nodes
from django.db import models
from django.utils.translation import gettext_lazy as _

ATECO_EDITION = "2025"


class Province(models.TextChoices):
    """Lombardy's twelve provinces (the metropolitan city of Milan included), by car-plate code."""

    BERGAMO = "BG", "Bergamo"
    BRESCIA = "BS", "Brescia"
    COMO = "CO", "Como"
    CREMONA = "CR", "Cremona"
    LECCO = "LC", "Lecco"
    LODI = "LO", "Lodi"
    MANTOVA = "MN", "Mantova"
    MILANO = "MI", "Milano"
    MONZA_BRIANZA = "MB", "Monza e Brianza"
    PAVIA = "PV", "Pavia"
    SONDRIO = "SO", "Sondrio"
    VARESE = "VA", "Varese"


# Which provinces share a border, inside Lombardy. Kept one-sided and made
# symmetric below, so a pair cannot be written in one direction only.
_BORDERS: dict[str, tuple[str, ...]] = {
    "BG": ("BS", "CR", "LC", "MI", "MB", "SO"),
    "BS": ("CR", "MN", "SO"),
    "CO": ("LC", "MB", "MI", "VA", "SO"),
    "CR": ("LO", "MI", "MN"),
    "LC": ("MB", "SO"),
    "LO": ("MI", "PV"),
    "MI": ("MB", "PV", "VA"),
}


@cache
def neighbouring_provinces() -> dict[str, frozenset[str]]:
    """Each province's neighbours in Lombardy, symmetric."""
    neighbours: dict[str, set[str]] = {code: set() for code in Province.values}
    for province, others in _BORDERS.items():
        for other in others:
            neighbours[province].add(other)
            neighbours[other].add(province)
    return {code: frozenset(found) for code, found in neighbours.items()}


def are_neighbours(first: str, second: str) -> bool:
    return second in neighbouring_provinces().get(first, frozenset())


class AssessmentArea(models.TextChoices):
    """The ten areas of the assessment model: the six dimensions of the EU Digital
    Maturity Assessment, then four of the programme's own. SMEs ask help in these
    areas and managers declare their competences in them."""

    DIGITAL_STRATEGY = "digital_strategy", _("Digital business strategy")
    DIGITAL_READINESS = "digital_readiness", _("Digital readiness")
    HUMAN_CENTRIC = "human_centric", _("Human-centric digitalisation")
    DATA_MANAGEMENT = "data_management", _("Data management and connectedness")
    AUTOMATION_AI = "automation_ai", _("Automation and artificial intelligence")
    GREEN_DIGITAL = "green_digital", _("Green digitalisation")
    OPERATIONS_LEAN = "operations_lean", _("Operations and lean production")
    FINANCE_CONTROL = "finance_control", _("Finance and control")
    MARKET_INTERNATIONAL = "market_international", _("Market and internationalisation")
    ORGANISATION_PEOPLE = "organisation_people", _("Organisation and people")


EU_DIMENSIONS: tuple[str, ...] = (
    AssessmentArea.DIGITAL_STRATEGY,
    AssessmentArea.DIGITAL_READINESS,
    AssessmentArea.HUMAN_CENTRIC,
    AssessmentArea.DATA_MANAGEMENT,
    AssessmentArea.AUTOMATION_AI,
    AssessmentArea.GREEN_DIGITAL,
)


@dataclass(frozen=True)
class Activity:
    code: str
    level: str
    title: str
    section: str
    division: str | None


@cache
def _nodes() -> dict[str, dict]:
    return load_nodes(ATECO_EDITION)


def activity(code: str) -> Activity | None:
    """The ATECO activity for a code (dotted or compact), or None if ISTAT has no such code."""
    try:
        canonical = ateco.canonicalize(code.strip())
    except (ValueError, TypeError, AttributeError):
        return None
    node = _nodes().get(canonical)
    if node is None:
        return None
    chain = [node]
    while chain[-1]["parent"]:
        chain.append(_nodes()[chain[-1]["parent"]])
    division = next((item["code"] for item in chain if item["level"] == "division"), None)
    return Activity(
        code=node["code"],
        level=node["level"],
        title=node["title"],
        section=chain[-1]["code"],
        division=division,
    )


@cache
def sections() -> list[tuple[str, str]]:
    """ATECO sections as (letter, title), in ISTAT's order."""
    return [
        (code, node["title"].capitalize()) for code, node in _nodes().items() if node["level"] == "section"
    ]


@cache
def divisions() -> list[tuple[str, str, str]]:
    """ATECO divisions as (code, title, section letter), in ISTAT's order."""
    return [
        (code, node["title"], node["parent"])
        for code, node in _nodes().items()
        if node["level"] == "division"
    ]


def sector_choices() -> list[tuple[str, str]]:
    """Sections and their divisions, for choosing the sectors a programme admits."""
    choices: list[tuple[str, str]] = []
    by_section: dict[str, list[tuple[str, str]]] = {}
    for code, title, section in divisions():
        by_section.setdefault(section, []).append((code, f"{code} - {title}"))
    for letter, title in sections():
        choices.append((letter, f"{letter} - {title}"))
        choices.extend(by_section.get(letter, []))
    return choices


def is_admitted_sector(code: str, admitted: list[str] | tuple[str, ...]) -> bool:
    """Whether an activity code falls in an admitted section or division. An empty list admits every sector."""
    if not admitted:
        return activity(code) is not None
    found = activity(code)
    if found is None:
        return False
    return found.section in admitted or (found.division is not None and found.division in admitted)
