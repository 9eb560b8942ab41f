"""How well a manager fits an SME: the score of every allowed pair, as a sparse candidate graph.

Pure: plain dataclasses in, NumPy arrays and plain data out, no ORM, so the matching
run, the benchmark and the tests all score with this one module.

The fit of a pair is a weighted mean of four parts, each in [0, 1]:

sector
    The manager's years in the SME's ATECO division count fully, and years only in
    its section (the section itself, or another division of it) count partly:
    ``credit(years) = min(1, YEARS_FLOOR + (1 - YEARS_FLOOR) * years / YEARS_FOR_FULL_CREDIT)``,
    so one year is already worth 0.55 and ten years or more are worth 1; the part is
    ``credit(division years)`` when the manager has any, else
    ``SECTION_SHARE * credit(section years)``, else 0. Since ``SECTION_SHARE`` is below
    ``credit(1)``, a value above ``SECTION_SHARE`` always means "same division". When the
    SME's division is unknown, only its section can count, and only partly.
competence
    How well the manager's levels (0-5) cover the areas the SME asked help in: the
    mean over the SME's needs of ``level / 5`` (an area the manager did not rate counts
    as level 0). An SME that declared no needs gets ``COMPETENCE_NEUTRAL`` with every
    manager, so the part then ranks nobody above anybody.
geography
    From the manager's home province to the SME's: ``SAME_PROVINCE`` (1.0),
    ``NEIGHBOURING_PROVINCE`` (0.7), ``ELSEWHERE_IN_LOMBARDY`` (0.4; also when the manager
    gave no home province). A province the manager does not accept excludes the pair
    outright; an empty set of accepted provinces accepts none.
merit
    The manager's merit score over 5; a manager not yet reviewed gets 0.

Pairs that never appear in the graph: a manager not available (suspended, left the
pool, or in a period of unavailability: the caller says so with ``available=False``),
a manager with no capacity left, a conflict of interest (the SME's VAT number among
the manager's declared companies), a pair in ``forbidden_pairs`` (the manager declined
this SME before or let it lapse), a province the manager does not accept, and a fit
below the minimum.

A whole programme is scored without Python loops over pairs: SMEs are grouped by
province, and each province's SMEs are scored in blocks against only the managers who
accept that province, with sectors, areas and provinces encoded as integer arrays.
Above ``pair_limit`` eligible pairs the graph is pruned to the union of each SME's best
``keep_per_sme`` managers and each manager's best ``keep_per_manager`` SMEs (keeping the
SMEs' best alone would leave capacity unused once it binds), ties broken by index, and
says so. Deterministic: the same input gives the same graph.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from programme.reference import AssessmentArea, Province, divisions, neighbouring_provinces, sections

YEARS_FLOOR = 0.5
YEARS_FOR_FULL_CREDIT = 10.0
SECTION_SHARE = 0.5
COMPETENCE_NEUTRAL = 0.5
HIGHEST_LEVEL = 5
HIGHEST_MERIT = 5.0
SAME_PROVINCE = 1.0
NEIGHBOURING_PROVINCE = 0.7
ELSEWHERE_IN_LOMBARDY = 0.4

# "A sector value above SECTION_SHARE means same division" holds only while one year
# in the division is worth more than the best section-only credit.
assert SECTION_SHARE < YEARS_FLOOR + (1 - YEARS_FLOOR) / YEARS_FOR_FULL_CREDIT

# Up to this many allowed pairs the optimiser solves over all of them (a few seconds).
DEFAULT_PAIR_LIMIT = 2_000_000
# Measured with bench/matching.py: when SMEs outnumber the capacity, the optimum reaches
# well down each manager's list (the SMEs a manager likes best, the others like too), so
# the managers' lists are long; the SMEs' lists matter when capacity is plentiful, and
# give staff the alternatives. At 10,000 x 3,000 these find the exact optimum.
DEFAULT_KEEP_PER_SME = 6
DEFAULT_KEEP_PER_MANAGER = 80

PART_NAMES: tuple[str, ...] = ("sector", "competence", "geography", "merit")
AREAS: tuple[str, ...] = tuple(AssessmentArea.values)
PROVINCES: tuple[str, ...] = tuple(Province.values)

# Blocks are scored as dense float32 matrices of about this many cells (32 MB): large
# enough that merging each manager's best over the blocks costs little, small enough that
# a block's few temporaries stay within a few hundred megabytes whatever the programme.
_BLOCK_CELLS = 8_000_000
# Blocks are scored in float32 and the kept pairs rescored in float64; this margin keeps
# a pair that float32 rounding puts a hair under the minimum for the exact check.
_FLOAT32_MARGIN = 1e-5
_UNKNOWN_PROVINCE = len(PROVINCES)
_SECTION_CODE = re.compile(r"^[A-Z]$")
_DIVISION_CODE = re.compile(r"^[0-9]{2}$")


@dataclass(frozen=True)
class SmeProfile:
    """An enrolled SME not yet matched, as the scoring sees it."""

    id: int
    province: str
    ateco_section: str
    ateco_division: str | None
    needs: frozenset[str]
    vat_number: str


@dataclass(frozen=True)
class ManagerProfile:
    """A manager of the pool, as the scoring sees it.

    ``sector_years`` maps ATECO section letters and/or division codes to years;
    ``competences`` maps assessment areas to levels 0-5; ``merit_score`` is 0-5 or None
    when not yet reviewed; ``available`` is False for a suspended manager, one who left
    the pool, or one in a period of unavailability."""

    id: int
    accepted_provinces: frozenset[str]
    sector_years: Mapping[str, float]
    competences: Mapping[str, int]
    merit_score: float | None
    capacity_left: int
    conflict_vat_numbers: frozenset[str]
    home_province: str = ""
    available: bool = True


@dataclass(frozen=True)
class Weights:
    """The programme's weights of the four parts; they must add up to 1."""

    sector: float
    competence: float
    geography: float
    merit: float

    def __post_init__(self) -> None:
        # Programme settings arrive as Decimals; the arithmetic below wants floats.
        for name in PART_NAMES:
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"the weight of {name} must be between 0 and 1, not {value}")
            object.__setattr__(self, name, value)
        total = self.sector + self.competence + self.geography + self.merit
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the weights must add up to 1, not {total:.4f}")

    def of(self, part: str) -> float:
        return float(getattr(self, part))


@dataclass(frozen=True)
class PartScore:
    """One part of a pair's fit: its value, its weight, what it adds, and why in one word."""

    name: str
    value: float
    weight: float
    contribution: float
    reason: str


@dataclass(frozen=True)
class ScoreBreakdown:
    """A pair's fit and its parts, as plain data for the proposal page and for storage.

    ``excluded_because`` is None for an allowed pair, else one of: ``manager_unavailable``,
    ``no_capacity_left``, ``conflict_of_interest``, ``declined_or_lapsed_before``,
    ``province_not_accepted``, ``below_minimum_fit``."""

    fit: float
    minimum_fit: float
    parts: tuple[PartScore, ...]
    excluded_because: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for a JSONField on the proposal."""
        return {
            "fit": self.fit,
            "minimum_fit": self.minimum_fit,
            "excluded_because": self.excluded_because,
            "parts": [
                {
                    "name": part.name,
                    "value": part.value,
                    "weight": part.weight,
                    "contribution": part.contribution,
                    "reason": part.reason,
                }
                for part in self.parts
            ],
        }


@dataclass(frozen=True)
class Alternative:
    """Another manager an SME could have, with the pair's fit."""

    manager_index: int
    manager_id: int
    fit: float


@dataclass(frozen=True, eq=False)
class CandidateGraph:
    """The allowed pairs at or above the minimum fit, sorted by (SME index, manager index).

    Indices refer to the order of the SMEs and managers given to
    :func:`build_candidate_graph`; ``sme_ids`` and ``manager_ids`` translate them back.
    ``capacities`` holds each manager's capacity left (0 for a manager who may take no
    SME now), ready for the optimiser. ``eligible_pairs`` counts the allowed pairs before
    any pruning (when pruned, counted on the float32 scores, so it may be off by a pair
    lying within 1e-5 of the minimum); ``pruned`` says whether the graph keeps fewer."""

    sme_ids: tuple[int, ...]
    manager_ids: tuple[int, ...]
    capacities: np.ndarray
    sme_index: np.ndarray
    manager_index: np.ndarray
    fit: np.ndarray
    sector: np.ndarray
    competence: np.ndarray
    geography: np.ndarray
    merit: np.ndarray
    weights: Weights
    minimum_fit: float
    eligible_pairs: int
    pruned: bool
    keep_per_sme: int | None
    keep_per_manager: int | None
    sme_need_counts: np.ndarray = field(repr=False)
    manager_reviewed: np.ndarray = field(repr=False)

    @property
    def sme_count(self) -> int:
        return len(self.sme_ids)

    @property
    def manager_count(self) -> int:
        return len(self.manager_ids)

    @property
    def pair_count(self) -> int:
        return len(self.fit)

    def position(self, sme_index: int, manager_index: int) -> int | None:
        """Where a pair sits in the arrays, or None when it is not in the graph."""
        low = int(np.searchsorted(self.sme_index, sme_index, side="left"))
        high = int(np.searchsorted(self.sme_index, sme_index, side="right"))
        found = low + int(np.searchsorted(self.manager_index[low:high], manager_index))
        if found < high and self.manager_index[found] == manager_index:
            return found
        return None


@dataclass(frozen=True, eq=False)
class _Encoded:
    """A programme turned into integer and float arrays, indexed like the inputs."""

    sme_province: np.ndarray  # int64 (n,), _UNKNOWN_PROVINCE outside Lombardy
    sme_section: np.ndarray  # int64 (n,)
    sme_division: np.ndarray  # int64 (n,), the last column of the credit tables when unknown
    sme_needs: np.ndarray  # bool (n, areas)
    sme_need_counts: np.ndarray  # int64 (n,)
    manager_home: np.ndarray  # int64 (m,)
    manager_accepts: np.ndarray  # bool (m, provinces + 1)
    division_credit: np.ndarray  # float64 (m, divisions + 1)
    section_credit: np.ndarray  # float64 (m, sections + 1)
    levels: np.ndarray  # float64 (m, areas), 0-5
    merit: np.ndarray  # float64 (m,), the merit part
    manager_reviewed: np.ndarray  # bool (m,)
    capacities: np.ndarray  # int64 (m,), 0 when the manager may take no SME now
    geography_table: np.ndarray  # float64 (provinces + 1, provinces + 1), [SME province, home]


@cache
def _division_sections() -> dict[str, str]:
    return {code: section for code, _title, section in divisions()}


@cache
def _geography_table() -> np.ndarray:
    size = len(PROVINCES) + 1
    table = np.full((size, size), ELSEWHERE_IN_LOMBARDY)
    neighbours = neighbouring_provinces()
    for sme_position, sme_province in enumerate(PROVINCES):
        for home_position, home_province in enumerate(PROVINCES):
            if sme_province == home_province:
                table[sme_position, home_position] = SAME_PROVINCE
            elif home_province in neighbours[sme_province]:
                table[sme_position, home_position] = NEIGHBOURING_PROVINCE
    table.setflags(write=False)
    return table


def years_credit(years: np.ndarray | float) -> np.ndarray:
    """What years of experience are worth, 0 for none (see the module's docstring)."""
    years = np.asarray(years, dtype=np.float64)
    credit = np.minimum(1.0, YEARS_FLOOR + (1.0 - YEARS_FLOOR) * years / YEARS_FOR_FULL_CREDIT)
    return np.where(years > 0, credit, 0.0)


def normalise_vat_number(vat_number: str) -> str:
    """Compare VAT numbers without spaces and without the IT prefix that some people type."""
    compact = "".join(vat_number.split()).upper()
    return compact.removeprefix("IT")


def _encode(smes: Sequence[SmeProfile], managers: Sequence[ManagerProfile]) -> _Encoded:
    province_position = {code: position for position, code in enumerate(PROVINCES)}
    area_position = {area: position for position, area in enumerate(AREAS)}
    division_sections = _division_sections()

    # Sections and divisions known to ISTAT, then any other code the data uses, so an
    # odd code still matches itself rather than failing the run.
    section_codes = [letter for letter, _title in sections()]
    division_codes = list(division_sections)
    for sme in smes:
        if sme.ateco_section not in section_codes:
            section_codes.append(sme.ateco_section)
        if sme.ateco_division and sme.ateco_division not in division_sections:
            division_codes.append(sme.ateco_division)
            division_sections = {**division_sections, sme.ateco_division: sme.ateco_section}
    section_position = {code: position for position, code in enumerate(section_codes)}
    division_position = {code: position for position, code in enumerate(division_codes)}

    n, m = len(smes), len(managers)
    sme_province = np.fromiter(
        (province_position.get(sme.province, _UNKNOWN_PROVINCE) for sme in smes), np.int64, n
    )
    sme_section = np.fromiter((section_position[sme.ateco_section] for sme in smes), np.int64, n)
    sme_division = np.fromiter(
        (division_position.get(sme.ateco_division or "", len(division_codes)) for sme in smes), np.int64, n
    )
    sme_needs = np.zeros((n, len(AREAS)), dtype=bool)
    for row, sme in enumerate(smes):
        for area in sme.needs:
            if area not in area_position:
                raise ValueError(f"SME {sme.id}: unknown assessment area {area!r}")
            sme_needs[row, area_position[area]] = True

    manager_home = np.fromiter(
        (province_position.get(manager.home_province, _UNKNOWN_PROVINCE) for manager in managers), np.int64, m
    )
    manager_accepts = np.zeros((m, len(PROVINCES) + 1), dtype=bool)
    division_years = np.zeros((m, len(division_codes) + 1))
    section_years = np.zeros((m, len(section_codes) + 1))
    levels = np.zeros((m, len(AREAS)))
    for row, manager in enumerate(managers):
        for province in manager.accepted_provinces:
            if province in province_position:
                manager_accepts[row, province_position[province]] = True
        for code, years in manager.sector_years.items():
            if _DIVISION_CODE.match(code):
                if code not in division_position:
                    continue  # a division no SME of this run belongs to: it cannot count
                division_years[row, division_position[code]] = max(
                    division_years[row, division_position[code]], float(years)
                )
                section = division_sections.get(code)
            elif _SECTION_CODE.match(code):
                section = code
            else:
                raise ValueError(f"manager {manager.id}: {code!r} is neither an ATECO section nor a division")
            # Years in a division are also years in its section.
            if section in section_position:
                column = section_position[section]
                section_years[row, column] = max(section_years[row, column], float(years))
        for area, level in manager.competences.items():
            if area not in area_position:
                raise ValueError(f"manager {manager.id}: unknown assessment area {area!r}")
            if not 0 <= level <= HIGHEST_LEVEL:
                raise ValueError(f"manager {manager.id}: level {level} outside 0-{HIGHEST_LEVEL}")
            levels[row, area_position[area]] = level

    merit_scores = [manager.merit_score for manager in managers]
    merit = np.array([0.0 if score is None else float(score) for score in merit_scores]).reshape(m)
    if ((merit < 0) | (merit > HIGHEST_MERIT)).any():
        raise ValueError("merit scores must lie between 0 and 5")
    capacities = np.array(
        [max(0, int(manager.capacity_left)) if manager.available else 0 for manager in managers],
        dtype=np.int64,
    ).reshape(m)
    return _Encoded(
        sme_province=sme_province,
        sme_section=sme_section,
        sme_division=sme_division,
        sme_needs=sme_needs,
        sme_need_counts=sme_needs.sum(axis=1).astype(np.int64),
        manager_home=manager_home,
        manager_accepts=manager_accepts,
        division_credit=years_credit(division_years),
        section_credit=SECTION_SHARE * years_credit(section_years),
        levels=levels,
        merit=merit / HIGHEST_MERIT,
        manager_reviewed=np.array([score is not None for score in merit_scores], dtype=bool).reshape(m),
        capacities=capacities,
        geography_table=_geography_table(),
    )


def _pair_parts(
    encoded: _Encoded, sme: np.ndarray, manager: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four parts, in float64, for the pairs (sme[k], manager[k])."""
    sector = np.maximum(
        encoded.division_credit[manager, encoded.sme_division[sme]],
        encoded.section_credit[manager, encoded.sme_section[sme]],
    )
    # One area at a time keeps the temporaries at one value per pair, not ten.
    covered = np.zeros(len(sme))
    for area in range(len(AREAS)):
        covered += np.where(encoded.sme_needs[sme, area], encoded.levels[manager, area], 0.0)
    counts = encoded.sme_need_counts[sme]
    competence = np.where(counts > 0, covered / (HIGHEST_LEVEL * np.maximum(counts, 1)), COMPETENCE_NEUTRAL)
    geography = encoded.geography_table[encoded.sme_province[sme], encoded.manager_home[manager]]
    merit = encoded.merit[manager]
    return sector, competence, geography, merit


def _combine(weights: Weights, sector: Any, competence: Any, geography: Any, merit: Any) -> np.ndarray:
    fit = weights.sector * sector + weights.competence * competence
    fit = fit + weights.geography * geography + weights.merit * merit
    # Weights add up to 1 only within rounding; a fit must still read as at most 1.
    return np.clip(fit, 0.0, 1.0)


def _excluded_pairs(
    smes: Sequence[SmeProfile],
    managers: Sequence[ManagerProfile],
    forbidden_pairs: Collection[tuple[int, int]],
) -> tuple[np.ndarray, np.ndarray]:
    """Conflicts of interest and pairs declined or lapsed before, as index arrays.

    Both lists are short (a few VAT numbers per manager, a few declines per run), so a
    loop over them, not over pairs, is the right tool."""
    smes_by_vat: dict[str, list[int]] = {}
    for row, sme in enumerate(smes):
        smes_by_vat.setdefault(normalise_vat_number(sme.vat_number), []).append(row)
    sme_rows = {sme.id: row for row, sme in enumerate(smes)}
    manager_rows = {manager.id: row for row, manager in enumerate(managers)}
    excluded_smes: list[int] = []
    excluded_managers: list[int] = []
    for manager_row, manager in enumerate(managers):
        for vat_number in manager.conflict_vat_numbers:
            for sme_row in smes_by_vat.get(normalise_vat_number(vat_number), ()):
                excluded_smes.append(sme_row)
                excluded_managers.append(manager_row)
    for sme_id, manager_id in forbidden_pairs:
        if sme_id in sme_rows and manager_id in manager_rows:
            excluded_smes.append(sme_rows[sme_id])
            excluded_managers.append(manager_rows[manager_id])
    return np.array(excluded_smes, dtype=np.int64), np.array(excluded_managers, dtype=np.int64)


def _kth_largest_per_row(values: np.ndarray, keep: int) -> np.ndarray:
    """Each row's keep-th largest value, or -inf for a row with no more than `keep` values."""
    columns = values.shape[1]
    if columns <= keep:
        return np.full(values.shape[0], -np.inf, dtype=values.dtype)
    # np.partition on values is several times faster than argpartition, and the cut
    # alone is enough: the pairs are then found with one comparison.
    return np.partition(values, columns - keep, axis=1)[:, columns - keep]


def _largest_per_column(values: np.ndarray, keep: int) -> np.ndarray:
    """Each column's `keep` largest values (in no order), padded with -inf."""
    rows = values.shape[0]
    if rows <= keep:
        padding = np.full((keep - rows, values.shape[1]), -np.inf, dtype=values.dtype)
        return np.concatenate([values, padding])
    return np.partition(values, rows - keep, axis=0)[rows - keep :]


def _manager_cut(manager_best: np.ndarray) -> np.ndarray:
    """Each manager's keep-th best fit so far (+inf when no SME is kept per manager)."""
    if manager_best.shape[0] == 0:
        return np.full(manager_best.shape[1], np.inf, dtype=np.float32)
    return manager_best.min(axis=0)


def _best_of_each(owner: np.ndarray, other: np.ndarray, fit: np.ndarray, keep: int) -> np.ndarray:
    """Which pairs are among their owner's `keep` best: by fit, then by the other side's
    index, so that ties are broken the same way every time. `fit` is float32, >= 0."""
    chosen = np.zeros(len(owner), dtype=bool)
    if keep == 0 or len(owner) == 0:
        return chosen
    owner_bits = int(owner.max()).bit_length()
    other_bits = int(other.max()).bit_length()
    if owner_bits + other_bits <= 32:
        # One int64 key (owner, fit descending, other) sorts several times faster than
        # lexsort; a non-negative float32's bits, read as an integer, keep its order.
        descending = np.int64(0x7FFFFFFF) - fit.astype(np.float32).view(np.int32).astype(np.int64)
        key = (owner.astype(np.int64) << (31 + other_bits)) | (descending << other_bits) | other
        order = np.argsort(key)
    else:
        order = np.lexsort((other, -fit, owner))
    ranked = owner[order]
    starts = np.flatnonzero(np.concatenate([[True], ranked[1:] != ranked[:-1]]))
    first_of_owner = np.repeat(starts, np.diff(np.append(starts, len(ranked))))
    chosen[order] = np.arange(len(ranked)) - first_of_owner < keep
    return chosen


@dataclass(frozen=True, eq=False)
class _Group:
    """The SMEs of one province and the managers who take SMEs there."""

    province: int
    smes: np.ndarray
    managers: np.ndarray


def _province_groups(encoded: _Encoded) -> list[_Group]:
    """Pairs outside a manager's accepted provinces are never scored: that is most of them."""
    active = encoded.capacities > 0
    order = np.argsort(encoded.sme_province, kind="stable")
    boundaries = np.searchsorted(encoded.sme_province[order], np.arange(len(PROVINCES) + 1))
    groups = []
    for province in range(len(PROVINCES)):
        smes = order[boundaries[province] : boundaries[province + 1]]
        managers = np.flatnonzero(active & encoded.manager_accepts[:, province])
        if len(smes) and len(managers):
            groups.append(_Group(province=province, smes=smes, managers=managers))
    return groups


def _scored_blocks(
    encoded: _Encoded,
    weights: Weights,
    groups: list[_Group],
    excluded_smes: np.ndarray,
    excluded_managers: np.ndarray,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Blocks of (SME indices, manager indices, float32 fits), excluded pairs at -1.

    Inside one province, geography and merit depend on the manager alone, the sector
    part on the SME's (division, section) and the competence part on the set of needs,
    of which a group has at most a few hundred distinct ones. So each group gets two
    small tables, one row per distinct sector and per distinct set of needs, and a
    block's fits are two row look-ups and one addition. The tables' matrix product
    multiplies 0/1 needs by integer levels, exact in float32 in any order of addition,
    so the fits do not depend on how BLAS splits the work."""
    section_width = encoded.section_credit.shape[1]
    sector_key = encoded.sme_division * section_width + encoded.sme_section
    needs_key = encoded.sme_needs.astype(np.int64) @ (1 << np.arange(len(AREAS), dtype=np.int64))
    manager_position = np.full(len(encoded.capacities), -1, dtype=np.int64)
    sme_position = np.full(len(encoded.sme_province), -1, dtype=np.int64)
    for group in groups:
        managers = group.managers
        constant = (
            weights.geography * encoded.geography_table[group.province, encoded.manager_home[managers]]
            + weights.merit * encoded.merit[managers]
        )
        sectors, sector_row = np.unique(sector_key[group.smes], return_inverse=True)
        sector_table = np.maximum(
            encoded.division_credit[managers][:, sectors // section_width],
            encoded.section_credit[managers][:, sectors % section_width],
        ).T
        sector_table = (weights.sector * sector_table + constant[None, :]).astype(np.float32)
        needs, needs_row = np.unique(needs_key[group.smes], return_inverse=True)
        needed = ((needs[:, None] >> np.arange(len(AREAS))) & 1).astype(np.float32)
        counts = needed.sum(axis=1)
        covered = needed @ encoded.levels[managers].T.astype(np.float32)
        competence_table = np.where(
            counts[:, None] > 0,
            covered * (weights.competence / (HIGHEST_LEVEL * np.maximum(counts, 1)))[:, None],
            weights.competence * COMPETENCE_NEUTRAL,
        ).astype(np.float32)

        manager_position[managers] = np.arange(len(managers))
        in_group = manager_position[excluded_managers] >= 0
        block_rows = max(1, _BLOCK_CELLS // len(managers))
        for start in range(0, len(group.smes), block_rows):
            block = group.smes[start : start + block_rows]
            fit = sector_table[sector_row[start : start + block_rows]]
            fit += competence_table[needs_row[start : start + block_rows]]
            if in_group.any():
                sme_position[block] = np.arange(len(block))
                hit = in_group & (sme_position[excluded_smes] >= 0)
                fit[sme_position[excluded_smes[hit]], manager_position[excluded_managers[hit]]] = -1.0
                sme_position[block] = -1
            yield block, managers, fit
        manager_position[managers] = -1


def build_candidate_graph(
    smes: Sequence[SmeProfile],
    managers: Sequence[ManagerProfile],
    *,
    weights: Weights,
    minimum_fit: float,
    forbidden_pairs: Collection[tuple[int, int]] = frozenset(),
    pair_limit: int | None = DEFAULT_PAIR_LIMIT,
    keep_per_sme: int = DEFAULT_KEEP_PER_SME,
    keep_per_manager: int = DEFAULT_KEEP_PER_MANAGER,
) -> CandidateGraph:
    """Score every allowed (SME, manager) pair and keep those at or above `minimum_fit`.

    `forbidden_pairs` holds (SME id, manager id) pairs that must not be proposed again
    (declined or lapsed before). With up to `pair_limit` eligible pairs the graph keeps
    them all; above it (and never when `pair_limit` is None) it keeps, for each SME, its
    `keep_per_sme` best managers and, for each manager, its `keep_per_manager` best SMEs,
    and sets ``pruned``. Deterministic: the same input gives the same graph."""
    minimum_fit = float(minimum_fit)
    if not 0.0 <= minimum_fit <= 1.0:
        raise ValueError(f"the minimum fit must be between 0 and 1, not {minimum_fit}")
    if keep_per_sme < 1 or keep_per_manager < 0:
        raise ValueError("keep at least one manager per SME, and no negative number per manager")
    if len({sme.id for sme in smes}) != len(smes) or len({manager.id for manager in managers}) != len(
        managers
    ):
        raise ValueError("SME and manager ids must be unique")

    encoded = _encode(smes, managers)
    n, m = len(smes), len(managers)
    excluded_smes, excluded_managers = _excluded_pairs(smes, managers, forbidden_pairs)
    threshold = np.float32(minimum_fit - _FLOAT32_MARGIN)
    groups = _province_groups(encoded)
    cells = sum(len(group.smes) * len(group.managers) for group in groups)

    def blocks() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return _scored_blocks(encoded, weights, groups, excluded_smes, excluded_managers)

    # The graph is pruned only when more than pair_limit pairs are allowed. Counting them
    # stops as soon as the limit is passed, after a few blocks in a large programme; and
    # when even every pair in an accepted province is few enough, there is nothing to count.
    pruned = False
    if pair_limit is not None and cells > pair_limit:
        counted = 0
        for _block, _managers, fit in blocks():
            counted += int(np.count_nonzero(fit >= threshold))
            if counted > pair_limit:
                pruned = True
                break

    eligible = 0
    found_smes: list[np.ndarray] = []
    found_managers: list[np.ndarray] = []
    found_fits: list[np.ndarray] = []
    # Each SME's cut: the fit of its keep_per_sme-th best manager (an SME is scored in one
    # block, so this is final). Each manager's best fits so far, over the blocks seen.
    # Every pair at or above a cut is collected, ties included; the exact number is chosen
    # at the end, ties broken by index.
    sme_cut = np.full(n, -np.inf, dtype=np.float32)
    manager_best = np.full((keep_per_manager, m), -np.inf, dtype=np.float32)
    for block, group_managers, fit in blocks():
        allowed = fit >= threshold
        if pruned:
            eligible += int(np.count_nonzero(allowed))
            sme_cut[block] = _kth_largest_per_row(fit, keep_per_sme)
            wanted = fit >= sme_cut[block, None]
            if keep_per_manager:
                merged = np.concatenate(
                    [manager_best[:, group_managers], _largest_per_column(fit, keep_per_manager)]
                )
                manager_best[:, group_managers] = _largest_per_column(merged, keep_per_manager)
                wanted |= fit >= _manager_cut(manager_best[:, group_managers])[None, :]
            allowed &= wanted
            del wanted
        rows, columns = np.nonzero(allowed)
        del allowed
        found_smes.append(block[rows])
        found_managers.append(group_managers[columns])
        if pruned:
            found_fits.append(fit[rows, columns])
        del fit

    if pruned:
        sme = np.concatenate(found_smes)
        manager = np.concatenate(found_managers)
        fit32 = np.concatenate(found_fits)
        keep = _best_of_each(sme, manager, fit32, keep_per_sme)
        keep |= _best_of_each(manager, sme, fit32, keep_per_manager)
        found_smes, found_managers = [sme[keep]], [manager[keep]]
        del sme, manager, fit32, keep
    keys = np.sort(
        np.concatenate([np.empty(0, np.int64), *found_smes]) * max(m, 1)
        + np.concatenate([np.empty(0, np.int64), *found_managers])
    )
    del found_smes, found_managers, found_fits
    sme_index, manager_index = keys // max(m, 1), keys % max(m, 1)

    sector, competence, geography, merit = _pair_parts(encoded, sme_index, manager_index)
    fit64 = _combine(weights, sector, competence, geography, merit)
    keep = fit64 >= minimum_fit
    if not pruned:
        # Counted on the float64 fits: exact.
        eligible = int(np.count_nonzero(keep))
    return CandidateGraph(
        sme_ids=tuple(sme.id for sme in smes),
        manager_ids=tuple(manager.id for manager in managers),
        capacities=encoded.capacities,
        sme_index=sme_index[keep].astype(np.int32),
        manager_index=manager_index[keep].astype(np.int32),
        fit=fit64[keep],
        sector=sector[keep],
        competence=competence[keep],
        geography=geography[keep],
        merit=merit[keep],
        weights=weights,
        minimum_fit=minimum_fit,
        eligible_pairs=eligible,
        pruned=pruned,
        keep_per_sme=keep_per_sme if pruned else None,
        keep_per_manager=keep_per_manager if pruned else None,
        sme_need_counts=encoded.sme_need_counts,
        manager_reviewed=encoded.manager_reviewed,
    )


def _reasons(sector: float, competence_needs: int, geography: float, reviewed: bool) -> dict[str, str]:
    if sector > SECTION_SHARE:
        sector_reason = "same_division"
    elif sector > 0:
        sector_reason = "same_section"
    else:
        sector_reason = "no_experience"
    if geography >= SAME_PROVINCE:
        geography_reason = "same_province"
    elif geography >= NEIGHBOURING_PROVINCE:
        geography_reason = "neighbouring_province"
    else:
        geography_reason = "elsewhere_in_lombardy"
    return {
        "sector": sector_reason,
        "competence": "needs_covered" if competence_needs else "no_needs_declared",
        "geography": geography_reason,
        "merit": "reviewed" if reviewed else "not_reviewed",
    }


def _breakdown(
    weights: Weights,
    minimum_fit: float,
    values: dict[str, float],
    fit: float,
    reasons: dict[str, str],
    excluded_because: str | None = None,
) -> ScoreBreakdown:
    parts = tuple(
        PartScore(
            name=name,
            value=values[name],
            weight=weights.of(name),
            contribution=weights.of(name) * values[name],
            reason=reasons[name],
        )
        for name in PART_NAMES
    )
    return ScoreBreakdown(fit=fit, minimum_fit=minimum_fit, parts=parts, excluded_because=excluded_because)


def pair_breakdown(graph: CandidateGraph, *, sme_index: int, manager_index: int) -> ScoreBreakdown:
    """The fit of a pair in the graph and each part's value, weight and contribution.

    Raises KeyError when the pair is not in the graph (see :func:`score_pair` for any pair)."""
    position = graph.position(sme_index, manager_index)
    if position is None:
        raise KeyError((sme_index, manager_index))
    values = {name: float(getattr(graph, name)[position]) for name in PART_NAMES}
    reasons = _reasons(
        values["sector"],
        int(graph.sme_need_counts[sme_index]),
        values["geography"],
        bool(graph.manager_reviewed[manager_index]),
    )
    return _breakdown(graph.weights, graph.minimum_fit, values, float(graph.fit[position]), reasons)


def score_pair(
    sme: SmeProfile,
    manager: ManagerProfile,
    *,
    weights: Weights,
    minimum_fit: float,
    forbidden_pairs: Collection[tuple[int, int]] = frozenset(),
) -> ScoreBreakdown:
    """Any one pair's breakdown, with the first reason it may not be proposed, if any.

    For staff adjusting a proposal by hand: it scores with the same code as the graph,
    so a pair in the graph gets the same fit here."""
    encoded = _encode([sme], [manager])
    only = np.zeros(1, dtype=np.int64)
    sector, competence, geography, merit = _pair_parts(encoded, only, only)
    fit = float(_combine(weights, sector, competence, geography, merit)[0])
    values = {
        "sector": float(sector[0]),
        "competence": float(competence[0]),
        "geography": float(geography[0]),
        "merit": float(merit[0]),
    }
    conflicts = {normalise_vat_number(vat_number) for vat_number in manager.conflict_vat_numbers}
    excluded_because = None
    if not manager.available:
        excluded_because = "manager_unavailable"
    elif manager.capacity_left <= 0:
        excluded_because = "no_capacity_left"
    elif normalise_vat_number(sme.vat_number) in conflicts:
        excluded_because = "conflict_of_interest"
    elif (sme.id, manager.id) in forbidden_pairs:
        excluded_because = "declined_or_lapsed_before"
    elif sme.province not in manager.accepted_provinces:
        excluded_because = "province_not_accepted"
    elif fit < float(minimum_fit):
        excluded_because = "below_minimum_fit"
    reasons = _reasons(
        values["sector"],
        int(encoded.sme_need_counts[0]),
        values["geography"],
        manager.merit_score is not None,
    )
    return _breakdown(weights, float(minimum_fit), values, fit, reasons, excluded_because)


def sme_alternatives(
    graph: CandidateGraph, *, sme_index: int, exclude_manager_index: int | None = None, limit: int = 3
) -> tuple[Alternative, ...]:
    """The SME's best managers in the graph, best first (ties by manager index), leaving
    out `exclude_manager_index` (the one proposed). A pruned graph still holds each SME's
    best `keep_per_sme` managers, so up to that many alternatives are exact."""
    low = int(np.searchsorted(graph.sme_index, sme_index, side="left"))
    high = int(np.searchsorted(graph.sme_index, sme_index, side="right"))
    managers = graph.manager_index[low:high]
    fits = graph.fit[low:high]
    order = np.lexsort((managers, -fits))
    found: list[Alternative] = []
    for position in order:
        manager = int(managers[position])
        if manager == exclude_manager_index:
            continue
        found.append(
            Alternative(
                manager_index=manager, manager_id=graph.manager_ids[manager], fit=float(fits[position])
            )
        )
        if len(found) == limit:
            break
    return tuple(found)
