"""Two inspections of one vehicle compared: which damages are new, worsened, unchanged or repaired.

Pure and deterministic: damage results in, a `Comparison` out; no files, no photos, no clock.

The rules, as a desk agent would explain a charge:

- Damages are compared within one photo view (photo code). A view that one inspection did not
  capture (absent from its results and from its accepted photos) cannot be compared: its damages
  of the other inspection are `not_comparable`, never charged. A photo without a code is no view.
- A before-damage and an after-damage can be the same damage only on the same component and in the
  same damage family (`vocabulary.damage_family`: scratches and scrapes are one family), and, when
  both have a position, no farther apart than the tolerance (percent of the photo, see
  `DEFAULT_TOLERANCE`).
- Within each (view, component, family) group the pairs are an optimal one-to-one assignment: as many
  pairs as possible, and of those the least total distance (ties go to pairs of equal severity). Not
  greedy nearest: two damages a few points apart must not both claim the same earlier damage. (Only a
  crowd past `MAX_EXACT_WORK`, which real inspections do not have, is paired nearest first.)
- A damage without a position is paired, after the assignment, with a damage of its group left on the
  other side (as many such pairs as can be made; the same severity first, then one without a
  position), so that what PAVE could not place is not charged as new; such pairs are flagged for
  review, and so is whatever stays unpaired in a group where a position was missing.
- Paired and more severe after → worsened; paired, same or less severe → unchanged; an unpaired
  after-damage → new; an unpaired before-damage → repaired (no longer seen).
- `review` marks what a person should look at before charging: another candidate about as close as the
  partner, a distance near the tolerance, a severity that is not rated, a position missing.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum

from . import vocabulary
from .models import Damage, DamageResults, Position
from .vocabulary import Severity

__all__ = [
    "AMBIGUITY_RATIO",
    "DEFAULT_TOLERANCE",
    "MAX_EXACT_WORK",
    "REVIEW_FRACTION",
    "Comparison",
    "DamageClass",
    "InspectedDamage",
    "Match",
    "ReviewReason",
    "compare_results",
    "distance",
    "number_damages",
]

#: How far apart (Euclidean, in percent of the photo's width and height) a before- and an
#: after-damage may be and still be the same damage. Re-framing between two captures of the same step
#: moves a spot by a point or two (the issue's own jitter); 5 absorbs 2.5 times that. It stays below
#: the spacing of distinct damages of one kind on one part: in the sample session, 12 of the 13 such
#: pairs are 6.2 to 32.8 points apart; the one closer pair (two seam-line dents 3.5 apart) is what the
#: one-to-one assignment keeps apart. No real before/after pair was available to fit it on.
DEFAULT_TOLERANCE = 5.0
#: A pair at least this fraction of the tolerance apart is flagged for review (near the limit); so is an
#: unpaired damage with a candidate beyond the tolerance but within tolerance / REVIEW_FRACTION.
REVIEW_FRACTION = 0.8
#: A second candidate within tolerance is "about as close" when it is no farther than the partner or
#: less than this many times the partner's distance away: ambiguous, flagged. So a partner at distance
#: 0 is ambiguous only with another candidate at distance 0 (two damages of one kind on one spot); a
#: candidate twice as far or more is clearly second.
AMBIGUITY_RATIO = 2.0

#: The exact assignment of a group of damages within tolerance of each other costs rows² × columns
#: steps; beyond this many (a crowd of about a hundred damages of one kind on one spot, which only
#: hostile or broken data has) the pairs are taken nearest first, so a comparison always ends in
#: about a second, and each such pair is flagged for review as having other candidates.
MAX_EXACT_WORK = 1_000_000

_RANK = {"minor": 1, "medium": 2, "major": 3}
# Distances are compared as integers in units of 1e-9 percent, so the assignment is exact.
_SCALE = 1_000_000_000


class DamageClass(StrEnum):
    """What became of a damage between the two inspections."""

    NEW = "new"
    WORSENED = "worsened"
    UNCHANGED = "unchanged"
    REPAIRED = "repaired"
    NOT_COMPARABLE = "not_comparable"


class ReviewReason(StrEnum):
    """Why a person should look at a comparison's entry before charging it."""

    #: Another damage of the same kind, within tolerance, is about as close as the partner (or, for an
    #: unpaired damage, was within tolerance but paired with another).
    OTHER_CANDIDATE = "other_candidate"
    #: The pair's distance is near the tolerance, or an unpaired damage has a candidate just beyond it.
    NEAR_TOLERANCE = "near_tolerance"
    #: A severity is not rated, so worse or not cannot be told.
    SEVERITY_UNKNOWN = "severity_unknown"
    #: A damage of the group has no position: paired (or not) by count alone.
    NO_POSITION = "no_position"


@dataclass(frozen=True)
class InspectedDamage:
    """A damage of one inspection with its number there, its view, its severity and its family."""

    #: The damage's number in its own inspection, as that inspection's report numbers it.
    number: int
    photo_code: int | None
    damage: Damage
    severity: Severity
    #: `vocabulary.damage_family` of its damage name.
    family: str

    @property
    def component(self) -> str:
        """The component code, trimmed and upper-case."""
        return vocabulary.component(self.damage.component).code

    @property
    def position(self) -> Position | None:
        """Where the damage is on its photo, if PAVE said."""
        return self.damage.position


@dataclass(frozen=True)
class Match:
    """One entry of a comparison: a damage of either inspection or a pair, with its class."""

    klass: DamageClass
    #: The before-damage (None for new and for not comparable after-damages).
    before: InspectedDamage | None
    #: The after-damage (None for repaired and for not comparable before-damages).
    after: InspectedDamage | None
    #: Between a pair's positions in percent of the photo; None when unpaired or a position is missing.
    distance: float | None
    #: Why to review, in `ReviewReason` order; empty when nothing calls for a look.
    reasons: tuple[ReviewReason, ...] = ()

    @property
    def review(self) -> bool:
        """Whether a person should look before charging."""
        return bool(self.reasons)

    @property
    def photo_code(self) -> int | None:
        """The view the entry belongs to."""
        damage = self.after or self.before
        assert damage is not None
        return damage.photo_code


@dataclass(frozen=True)
class Comparison:
    """The comparison of a BEFORE and an AFTER inspection: one entry per damage or pair."""

    matches: tuple[Match, ...]
    tolerance: float

    @property
    def counts(self) -> dict[str, int]:
        """Entries per class, with exactly the keys new, worsened, unchanged, repaired, not_comparable."""
        counts = dict.fromkeys((klass.value for klass in DamageClass), 0)
        for match in self.matches:
            counts[match.klass.value] += 1
        return counts


def distance(first: Position, second: Position) -> float:
    """Euclidean distance between two positions, in percent of the photo (its width and height)."""
    return math.hypot(first.x - second.x, first.y - second.y)


def number_damages(results: DamageResults) -> list[InspectedDamage]:
    """The inspection's damages, numbered as its own report numbers them (`plan.plan_photos`).

    Photos in capture order, then left to right within a photo, damages without a position last.
    """
    photos = sorted(
        (photo for photo in results.photos if photo.damages),
        key=lambda photo: vocabulary.photo_order(photo.photo_code),
    )
    numbered: list[InspectedDamage] = []
    for photo in photos:
        ordered = sorted(
            photo.damages,
            key=lambda d: (0, d.position.x, d.position.y) if d.position else (1, 0.0, 0.0),
        )
        for damage in ordered:
            numbered.append(
                InspectedDamage(
                    len(numbered) + 1,
                    photo.photo_code,
                    damage,
                    vocabulary.severity_of(damage.damage_name),
                    vocabulary.damage_family(damage.damage_name),
                )
            )
    return numbered


def compare_results(
    before: DamageResults,
    after: DamageResults,
    *,
    before_captured: Set[int] = frozenset(),
    after_captured: Set[int] = frozenset(),
    tolerance: float = DEFAULT_TOLERANCE,
) -> Comparison:
    """Compare BEFORE's damages with AFTER's, view by view (see the module's rules).

    `before_captured` and `after_captured` are the photo codes each inspection captured beyond those in
    its results (its accepted photos); a code in the results counts as captured anyway. Entries are in
    capture order of their view, then by after-number, then by before-number.
    """
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance must be a positive number of percent, got {tolerance!r}")
    old, new = number_damages(before), number_damages(after)
    seen_before = set(before_captured) | {photo.photo_code for photo in before.photos if photo.photo_code is not None}
    seen_after = set(after_captured) | {photo.photo_code for photo in after.photos if photo.photo_code is not None}

    matches: list[Match] = []
    groups: dict[tuple[int, str, str], tuple[list[InspectedDamage], list[InspectedDamage]]] = {}
    for side, damages, other_side_saw in ((0, old, seen_after), (1, new, seen_before)):
        for damage in damages:
            if damage.photo_code is None or damage.photo_code not in other_side_saw:
                one, other = (None, damage) if side else (damage, None)
                matches.append(Match(DamageClass.NOT_COMPARABLE, one, other, None))
                continue
            key = (damage.photo_code, damage.component, damage.family)
            groups.setdefault(key, ([], []))[side].append(damage)
    for key in sorted(groups):
        matches.extend(_match_group(*groups[key], tolerance))
    return Comparison(tuple(sorted(matches, key=_entry_order)), tolerance)


def _entry_order(match: Match) -> tuple[int, int, int, int]:
    code = match.photo_code
    after = match.after.number if match.after else sys.maxsize
    before = match.before.number if match.before else sys.maxsize
    return (vocabulary.photo_order(code), code if code is not None else -1, after, before)


def _match_group(old: list[InspectedDamage], new: list[InspectedDamage], tolerance: float) -> list[Match]:
    """The entries of one (view, component, family) group."""
    old_placed = [d for d in old if d.position is not None]
    new_placed = [d for d in new if d.position is not None]
    pairs = _assign(old_placed, new_placed, tolerance)
    paired_old = {id(b) for b, _, _ in pairs}
    paired_new = {id(a) for _, a, _ in pairs}
    left_old = [d for d in old if id(d) not in paired_old]
    left_new = [d for d in new if id(d) not in paired_new]

    entries: list[Match] = []
    for b, a, exact in pairs:
        entry = _pair(b, a, old_placed, new_placed, tolerance)
        if not exact and ReviewReason.OTHER_CANDIDATE not in entry.reasons:
            entry = dataclasses.replace(entry, reasons=_ordered({*entry.reasons, ReviewReason.OTHER_CANDIDATE}))
        entries.append(entry)
    unplaced_old = any(d.position is None for d in left_old)
    unplaced_new = any(d.position is None for d in left_new)
    for b, a in _pair_unplaced(left_old, left_new):
        entries.append(_pair(b, a, old_placed, new_placed, tolerance))
        left_old.remove(b)
        left_new.remove(a)
    for damage in left_old:
        reasons = _unpaired_reasons(damage, new_placed, tolerance, damage.position is None or unplaced_new)
        entries.append(Match(DamageClass.REPAIRED, damage, None, None, reasons))
    for damage in left_new:
        reasons = _unpaired_reasons(damage, old_placed, tolerance, damage.position is None or unplaced_old)
        entries.append(Match(DamageClass.NEW, None, damage, None, reasons))
    return entries


def _pair_unplaced(
    old: Sequence[InspectedDamage], new: Sequence[InspectedDamage]
) -> list[tuple[InspectedDamage, InspectedDamage]]:
    """Pairs by count for what the assignment left, where a side has no position to tell them apart.

    As many pairs as can be made where at least one of the two has no position (two with positions
    were beyond the tolerance of each other); of those, the most of the same severity, then the most
    without a position on both sides. The same pairs, by count, whichever inspection comes first.
    """
    costs = {
        (i, j): 2 * (b.severity.key != a.severity.key) + ((b.position is None) != (a.position is None))
        for i, b in enumerate(old)
        for j, a in enumerate(new)
        if b.position is None or a.position is None
    }
    pairs, _ = _solve(len(old), len(new), costs)
    return [(old[i], new[j]) for i, j in pairs]


def _pair(
    b: InspectedDamage,
    a: InspectedDamage,
    old_placed: Sequence[InspectedDamage],
    new_placed: Sequence[InspectedDamage],
    tolerance: float,
) -> Match:
    reasons: set[ReviewReason] = set()
    gap: float | None = None
    if b.position is None or a.position is None:
        reasons.add(ReviewReason.NO_POSITION)
    else:
        gap = distance(b.position, a.position)
        if gap >= REVIEW_FRACTION * tolerance:
            reasons.add(ReviewReason.NEAR_TOLERANCE)
        if _rival(a.position, b, old_placed, gap, tolerance) or _rival(b.position, a, new_placed, gap, tolerance):
            reasons.add(ReviewReason.OTHER_CANDIDATE)
    before_rank, after_rank = _RANK.get(b.severity.key), _RANK.get(a.severity.key)
    if before_rank is None or after_rank is None:
        reasons.add(ReviewReason.SEVERITY_UNKNOWN)
        klass = DamageClass.UNCHANGED
    else:
        klass = DamageClass.WORSENED if after_rank > before_rank else DamageClass.UNCHANGED
    return Match(klass, b, a, gap, _ordered(reasons))


def _rival(
    spot: Position, partner: InspectedDamage, candidates: Iterable[InspectedDamage], gap: float, tolerance: float
) -> bool:
    """Whether a candidate other than the partner lies within tolerance of `spot` and about as close."""
    for candidate in candidates:
        if candidate is partner or candidate.position is None:
            continue
        other = distance(spot, candidate.position)
        if other <= tolerance and (other <= gap or other < AMBIGUITY_RATIO * gap):
            return True
    return False


def _unpaired_reasons(
    damage: InspectedDamage, candidates: Sequence[InspectedDamage], tolerance: float, unplaced: bool
) -> tuple[ReviewReason, ...]:
    reasons: set[ReviewReason] = set()
    if unplaced:
        reasons.add(ReviewReason.NO_POSITION)
    if damage.position is not None:
        for candidate in candidates:
            assert candidate.position is not None
            gap = distance(damage.position, candidate.position)
            if gap <= tolerance:
                reasons.add(ReviewReason.OTHER_CANDIDATE)
            elif gap * REVIEW_FRACTION <= tolerance:
                reasons.add(ReviewReason.NEAR_TOLERANCE)
    if damage.severity.key not in _RANK:
        reasons.add(ReviewReason.SEVERITY_UNKNOWN)
    return _ordered(reasons)


def _ordered(reasons: Set[ReviewReason]) -> tuple[ReviewReason, ...]:
    return tuple(reason for reason in ReviewReason if reason in reasons)


def _assign(
    old: Sequence[InspectedDamage], new: Sequence[InspectedDamage], tolerance: float
) -> list[tuple[InspectedDamage, InspectedDamage, bool]]:
    """The optimal one-to-one pairs of positioned damages: most pairs, then least total distance.

    Ties in distance go to pairs of equal severity, so a session compared with itself pairs each
    damage with an identical one. Solved per connected part of the "within tolerance" graph, each by
    the Hungarian algorithm (exact), unless the part is past MAX_EXACT_WORK. Each pair says whether
    it is exact.
    """
    gaps: dict[tuple[int, int], float] = {}
    for i, b in enumerate(old):
        for j, a in enumerate(new):
            assert b.position is not None and a.position is not None
            gap = distance(b.position, a.position)
            if gap <= tolerance:
                gaps[i, j] = gap
    pairs: list[tuple[InspectedDamage, InspectedDamage, bool]] = []
    for rows, cols in _components(len(old), len(new), gaps):
        costs = {
            (r, c): round(gaps[i, j] * _SCALE) * (len(rows) + 1) + (old[i].severity.key != new[j].severity.key)
            for r, i in enumerate(rows)
            for c, j in enumerate(cols)
            if (i, j) in gaps
        }
        solved, exact = _solve(len(rows), len(cols), costs)
        pairs += [(old[rows[r]], new[cols[c]], exact) for r, c in solved]
    return pairs


def _solve(rows: int, cols: int, costs: Mapping[tuple[int, int], int]) -> tuple[list[tuple[int, int]], bool]:
    """The exact assignment (most pairs, then least cost) within MAX_EXACT_WORK, else nearest first."""
    if not costs:
        return [], True
    small, large = sorted((rows, cols))
    if small * small * large <= MAX_EXACT_WORK:
        return _hungarian(rows, cols, costs), True
    return _nearest_first(rows, cols, costs), False


def _nearest_first(rows: int, cols: int, costs: Mapping[tuple[int, int], int]) -> list[tuple[int, int]]:
    """One-to-one pairs taken in order of cost: for crowds too large for the exact assignment."""
    taken_rows: set[int] = set()
    taken_cols: set[int] = set()
    pairs = []
    for (row, col), _ in sorted(costs.items(), key=lambda edge: (edge[1], edge[0])):
        if row not in taken_rows and col not in taken_cols:
            taken_rows.add(row)
            taken_cols.add(col)
            pairs.append((row, col))
    return sorted(pairs)


def _components(rows: int, cols: int, edges: Mapping[tuple[int, int], float]) -> list[tuple[list[int], list[int]]]:
    """The connected parts of a bipartite graph that have an edge, each as (rows, columns) in order."""
    parent = list(range(rows + cols))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in edges:
        first, second = root(i), root(rows + j)
        if first != second:
            parent[max(first, second)] = min(first, second)
    parts: dict[int, tuple[set[int], set[int]]] = {}
    for i, j in edges:
        part = parts.setdefault(root(i), (set(), set()))
        part[0].add(i)
        part[1].add(j)
    return [(sorted(r), sorted(c)) for _, (r, c) in sorted(parts.items())]


def _hungarian(rows: int, cols: int, costs: Mapping[tuple[int, int], int]) -> list[tuple[int, int]]:
    """A minimum-cost matching of most pairs in a bipartite graph with integer costs on its edges.

    Pairs as many rows with columns as the edges allow and, among such matchings, one of least total
    cost (exact: integers). Returns (row, column) pairs sorted by row.
    """
    if rows > cols:
        flipped = _hungarian(cols, rows, {(j, i): cost for (i, j), cost in costs.items()})
        return sorted((i, j) for j, i in flipped)
    if not rows:
        return []
    # A missing edge costs more than any set of real ones, so the fewest missing edges come first.
    missing = (max(costs.values(), default=0) + 1) * rows + 1
    infinity = missing * (rows + 1) * 4
    # The classic O(rows² · cols) algorithm with potentials, 1-based, column 0 a sentinel.
    u, v = [0] * (rows + 1), [0] * (cols + 1)
    owner, way = [0] * (cols + 1), [0] * (cols + 1)
    for row in range(1, rows + 1):
        owner[0], free = row, 0
        least, used = [infinity] * (cols + 1), [False] * (cols + 1)
        while True:
            used[free] = True
            current, delta, nearest = owner[free], infinity, 0
            for col in range(1, cols + 1):
                if used[col]:
                    continue
                reduced = costs.get((current - 1, col - 1), missing) - u[current] - v[col]
                if reduced < least[col]:
                    least[col], way[col] = reduced, free
                if least[col] < delta:
                    delta, nearest = least[col], col
            for col in range(cols + 1):
                if used[col]:
                    u[owner[col]] += delta
                    v[col] -= delta
                else:
                    least[col] -= delta
            free = nearest
            if owner[free] == 0:
                break
        while free:
            previous = way[free]
            owner[free] = owner[previous]
            free = previous
    return sorted(
        (owner[col] - 1, col - 1) for col in range(1, cols + 1) if owner[col] and (owner[col] - 1, col - 1) in costs
    )
