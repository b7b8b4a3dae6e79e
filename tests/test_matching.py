"""Matching two inspections' damages: classes, one-to-one optimal pairs, review flags, and properties."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen import plan
from reportgen.matching import (
    DEFAULT_TOLERANCE,
    Comparison,
    DamageClass,
    Match,
    ReviewReason,
    compare_results,
    distance,
    number_damages,
)
from reportgen.models import DamageResults, parse_results

from .support.builders import SAMPLE_BUNDLE, damage, hotspots, photo

NEW, WORSENED, UNCHANGED, REPAIRED, NOT_COMPARABLE = (
    DamageClass.NEW,
    DamageClass.WORSENED,
    DamageClass.UNCHANGED,
    DamageClass.REPAIRED,
    DamageClass.NOT_COMPARABLE,
)
OTHER, NEAR, UNRATED, UNPLACED = (
    ReviewReason.OTHER_CANDIDATE,
    ReviewReason.NEAR_TOLERANCE,
    ReviewReason.SEVERITY_UNKNOWN,
    ReviewReason.NO_POSITION,
)
VIEWS = {4: "Left", 5: "Front", 7: "Right", 8: "Rear"}


def results(*photos: dict[str, Any]) -> DamageResults:
    return parse_results(hotspots(*photos))


def front(*damages: dict[str, Any]) -> dict[str, Any]:
    return photo(5, "Front", "https://cdn.example/front.jpg", *damages)


def compare(before: DamageResults, after: DamageResults, **options: Any) -> Comparison:
    return compare_results(before, after, **options)


def summary(comparison: Comparison) -> list[tuple[str, int | None, int | None]]:
    """(class, before-number, after-number) per entry, in the comparison's order."""
    return [
        (m.klass.value, m.before.number if m.before else None, m.after.number if m.after else None)
        for m in comparison.matches
    ]


def no_position(component: str = "DOOR_FRONT_LEFT", name: str = "SCRATCH_MINOR") -> dict[str, Any]:
    body = damage(component, name)
    del body["coodrs"]
    return body


# Classes


def test_positions_jittered_by_a_point_or_two_are_unchanged() -> None:
    body = json.loads((SAMPLE_BUNDLE / "hotspots.json").read_text(encoding="utf-8"))
    before = parse_results(body)
    # Every damage moved by 1 to 2 points, in directions that change from damage to damage.
    jitter = itertools.cycle([(1.5, -1.0), (-1.0, 1.0), (2.0, 0.5), (-1.5, -1.5), (1.0, 2.0)])
    for item in body["data"]:
        for found in item["inspection_data"]:
            dx, dy = next(jitter)
            found["coodrs"] = {"x": found["coodrs"]["x"] + dx, "y": found["coodrs"]["y"] + dy}
    after = parse_results(body)
    comparison = compare(before, after)
    assert comparison.counts == {"new": 0, "worsened": 0, "unchanged": 27, "repaired": 0, "not_comparable": 0}
    for match in comparison.matches:
        assert match.before is not None and match.after is not None and match.distance is not None
        assert match.before.damage.damage_name == match.after.damage.damage_name
        assert 1.4 < match.distance < 2.3  # sqrt(2) to sqrt(5): the jitter, no other partner
        assert NEAR not in match.reasons and UNRATED not in match.reasons


def test_greedy_nearest_would_leave_a_damage_unpaired_the_assignment_pairs_both() -> None:
    # Before: scratches at 50 and 54; after, the car framed 4 points further left: 46 and 50.5.
    # Greedy nearest takes 50.5 ↔ 50 (0.5 apart) and leaves 46 without a candidate: a wrongful "new".
    before = results(front(damage(x=50, y=50), damage(x=54, y=50)))
    after = results(front(damage(x=50.5, y=50), damage(x=46, y=50)))
    comparison = compare(before, after)
    assert comparison.counts["unchanged"] == 2 and comparison.counts["new"] == 0
    pairs = {(m.before.position.x, m.after.position.x) for m in comparison.matches if m.before and m.after}  # type: ignore[union-attr]
    assert pairs == {(50.0, 46.0), (54.0, 50.5)}


def test_greedy_nearest_would_cross_pairs_the_assignment_takes_the_least_total_distance() -> None:
    # Greedy in after-order: 52 takes 53 (1 apart), then 54.5 takes 50 (4.5 apart) and the minor scratch
    # at 50 reads as "worsened" into a major one. Optimal: 52 ↔ 50 and 54.5 ↔ 53, 3.5 in total.
    before = results(front(damage(name="SCRATCH_MINOR", x=50, y=50), damage(name="SCRATCH_MAJOR", x=53, y=50)))
    after = results(front(damage(name="SCRATCH_MINOR", x=52, y=50), damage(name="SCRATCH_MAJOR", x=54.5, y=50)))
    comparison = compare(before, after)
    assert summary(comparison) == [("unchanged", 1, 1), ("unchanged", 2, 2)]
    assert [m.distance for m in comparison.matches] == [2.0, 1.5]
    # 52 is nearer 53 than its partner 50: ambiguous enough to look at.
    assert comparison.matches[0].reasons == (OTHER,)


def test_the_same_component_with_a_different_family_is_new_and_repaired() -> None:
    before = results(front(damage("DOOR_FRONT_LEFT", "SCRATCH_MINOR", 50, 50)))
    after = results(front(damage("DOOR_FRONT_LEFT", "DENTED_MINOR", 50, 50)))
    assert summary(compare(before, after)) == [("new", None, 1), ("repaired", 1, None)]


def test_a_different_component_on_the_same_spot_is_new_and_repaired() -> None:
    before = results(front(damage("DOOR_FRONT_LEFT", "SCRATCH_MINOR", 50, 50)))
    after = results(front(damage("FENDER_FRONT_LEFT", "SCRATCH_MINOR", 50, 50)))
    assert summary(compare(before, after)) == [("new", None, 1), ("repaired", 1, None)]


def test_a_scratch_and_a_scrape_are_one_family() -> None:
    before = results(front(damage(name="SCRATCH_MINOR_NOT_THROUGH_PAINT", x=50, y=50)))
    after = results(front(damage(name="MULTIPLE_SCRATCHES_MINOR", x=51, y=50)))
    assert summary(compare(before, after)) == [("unchanged", 1, 1)]


@pytest.mark.parametrize(
    ("old", "new", "klass"),
    [
        ("SCRATCH_MINOR", "SCRAPED_MEDIUM", WORSENED),
        ("DENT_MEDIUM", "DENTED_MAJOR_THROUGH_PAINT", WORSENED),
        ("SCRATCH_MAJOR", "SCRATCH_MINOR", UNCHANGED),
        ("SCRATCH_MEDIUM", "SCRATCH_MEDIUM", UNCHANGED),
    ],
)
def test_severity_up_is_worsened_and_down_or_same_is_unchanged(old: str, new: str, klass: DamageClass) -> None:
    before = results(front(damage(name=old, x=30, y=40)))
    after = results(front(damage(name=new, x=31, y=41)))
    (match,) = compare(before, after).matches
    assert match.klass is klass and match.reasons == ()
    assert match.distance == pytest.approx(math.sqrt(2))


def test_a_view_missing_at_before_makes_its_after_damages_not_comparable() -> None:
    before = results(front(damage(x=50, y=50)))
    after = results(
        front(damage(x=50, y=50)),
        photo(4, "Left", "https://cdn.example/left.jpg", damage("DOOR_REAR_LEFT", "DENT_MAJOR", 40, 40)),
    )
    comparison = compare(before, after)
    assert summary(comparison) == [("not_comparable", None, 1), ("unchanged", 1, 2)]
    assert comparison.matches[0].reasons == ()  # never charged, nothing to review
    # Captured at BEFORE (an accepted photo) without damage there: the dent is new.
    captured = compare(before, after, before_captured={4})
    assert summary(captured) == [("new", None, 1), ("unchanged", 1, 2)]


def test_a_view_missing_at_after_makes_its_before_damages_not_comparable_rather_than_repaired() -> None:
    before = results(front(damage(x=50, y=50)), photo(7, "Right", "u", damage("DOOR_FRONT_RIGHT", x=40, y=40)))
    after = results(front(damage(x=50, y=50)))
    assert summary(compare(before, after)) == [("unchanged", 1, 1), ("not_comparable", 2, None)]
    assert summary(compare(before, after, after_captured={7})) == [("unchanged", 1, 1), ("repaired", 2, None)]


def test_a_photo_without_a_code_is_not_comparable() -> None:
    uncoded = {"photo_label": "Extra", "url": "u", "inspection_data": [damage(x=50, y=50)]}
    comparison = compare(results(uncoded), results(uncoded))
    assert comparison.counts["not_comparable"] == 2 and len(comparison.matches) == 2


def test_no_damage_before_makes_every_after_damage_new() -> None:
    before = parse_results({"success": False, "data": [], "message": "No damages found on the vehicle"})
    after = results(front(damage(x=10, y=10), damage("HOOD_FRONT_UNIQUE", "DENT_MINOR", 50, 20)))
    comparison = compare(before, after, before_captured={5})
    assert summary(comparison) == [("new", None, 1), ("new", None, 2)]
    assert all(match.reasons == () for match in comparison.matches)


def test_no_damage_after_makes_every_before_damage_repaired() -> None:
    before = results(front(damage(x=10, y=10), damage("HOOD_FRONT_UNIQUE", "DENT_MINOR", 50, 20)))
    after = results(front())  # the front photo is in the results, without damage
    assert summary(compare(before, after)) == [("repaired", 1, None), ("repaired", 2, None)]


def test_counts_have_exactly_the_five_keys() -> None:
    counts = compare(results(), results()).counts
    assert counts == {"new": 0, "worsened": 0, "unchanged": 0, "repaired": 0, "not_comparable": 0}
    assert list(counts) == ["new", "worsened", "unchanged", "repaired", "not_comparable"]


def test_entries_run_in_capture_order_then_by_after_and_before_number() -> None:
    before = results(
        photo(8, "Rear", "r", damage("BUMPER_REAR_UNIQUE", x=60, y=60)),
        photo(4, "Left", "l", damage("DOOR_REAR_LEFT", x=20, y=20), damage("DOOR_REAR_LEFT", "DENT_MINOR", 70, 20)),
    )
    after = results(
        photo(4, "Left", "l", damage("DOOR_REAR_LEFT", x=21, y=20), damage("FENDER_FRONT_LEFT", x=5, y=5)),
        photo(8, "Rear", "r", damage("BUMPER_REAR_UNIQUE", x=60, y=61)),
    )
    assert summary(compare(before, after)) == [
        ("new", None, 1),  # Left (capture step 4) first: after #1 is the fender at x=5
        ("unchanged", 1, 2),
        ("repaired", 2, None),
        ("unchanged", 3, 3),  # Rear (capture step 10)
    ]


def test_numbers_are_those_of_each_inspections_own_report() -> None:
    sample = parse_results(json.loads((SAMPLE_BUNDLE / "hotspots.json").read_text(encoding="utf-8")))
    planned = [(d.number, d.damage) for p in plan.plan_photos(sample) for d in p.damages]
    assert [(d.number, d.damage) for d in number_damages(sample)] == planned


# Review flags


def test_a_pair_near_the_tolerance_is_flagged() -> None:
    before = results(front(damage(x=50, y=50)))
    (match,) = compare(before, results(front(damage(x=54.5, y=50)))).matches
    assert match.klass is UNCHANGED and match.reasons == (NEAR,)
    (match,) = compare(before, results(front(damage(x=53.9, y=50)))).matches
    assert match.reasons == ()  # 3.9 < 0.8 × 5


def test_a_candidate_just_beyond_the_tolerance_flags_the_new_and_the_repaired() -> None:
    before = results(front(damage(x=50, y=50)))
    comparison = compare(before, results(front(damage(x=55.5, y=50))))
    assert summary(comparison) == [("new", None, 1), ("repaired", 1, None)]
    assert [m.reasons for m in comparison.matches] == [(NEAR,), (NEAR,)]
    far = compare(before, results(front(damage(x=57, y=50))))  # 7 > 5 / 0.8
    assert [m.reasons for m in far.matches] == [(), ()]


def test_a_second_candidate_about_as_close_is_flagged() -> None:
    # One after-scratch between two before-scratches 1 and 1.5 points away: either could be it.
    before = results(front(damage(x=49, y=50), damage(x=51.5, y=50)))
    comparison = compare(before, results(front(damage(x=50, y=50))))
    assert summary(comparison) == [("unchanged", 1, 1), ("repaired", 2, None)]
    assert [m.reasons for m in comparison.matches] == [(OTHER,), (OTHER,)]
    # Twice as far or more is not a rival.
    clear = compare(results(front(damage(x=49, y=50), damage(x=52, y=50))), results(front(damage(x=50, y=50))))
    assert [m.reasons for m in clear.matches] == [(), (OTHER,)]  # the leftover had a candidate, taken


def test_an_unrated_severity_is_flagged_and_never_worsened() -> None:
    before = results(front(damage("LIGHT_HEAD_FRONT_LEFT", "FOGGY", 50, 50)))
    after = results(front(damage("LIGHT_HEAD_FRONT_LEFT", "FOGGY_MAJOR", 50, 50)))
    (match,) = compare(before, after).matches
    assert match.klass is UNCHANGED and match.reasons == (UNRATED,) and match.review
    comparison = compare(results(front()), before)
    assert [(m.klass, m.reasons) for m in comparison.matches] == [(NEW, (UNRATED,))]


def test_damages_without_a_position_pair_by_count_and_are_flagged() -> None:
    before = results(front(damage(x=20, y=20)))
    (match,) = compare(before, results(front(no_position()))).matches
    assert match.klass is UNCHANGED and match.distance is None and match.reasons == (UNPLACED,)
    # Two candidates: what PAVE could not place pairs with one of them (the lowest number), not a new
    # charge; everything in the group is flagged.
    two = results(front(damage(x=20, y=20), damage(x=80, y=20)))
    comparison = compare(two, results(front(no_position())))
    assert summary(comparison) == [("unchanged", 1, 1), ("repaired", 2, None)]
    assert all(m.reasons == (UNPLACED,) for m in comparison.matches)
    # The same severity is taken first.
    mixed = results(front(damage(x=20, y=20), damage(x=80, y=20, name="SCRATCH_MAJOR")))
    assert summary(compare(mixed, results(front(no_position(name="SCRATCH_MAJOR"))))) == [
        ("unchanged", 2, 1),
        ("repaired", 1, None),
    ]
    # Two unplaced on each side: two pairs, none new, none repaired.
    unplaced = results(front(no_position(), no_position()))
    both = compare(unplaced, unplaced)
    assert summary(both) == [("unchanged", 1, 1), ("unchanged", 2, 2)]
    assert all(m.reasons == (UNPLACED,) for m in both.matches)
    # One unplaced before, three placed after: one pair; the other two are new, flagged (which one was
    # there before cannot be told).
    three = results(front(damage(x=20, y=20), damage(x=50, y=20), damage(x=80, y=20)))
    comparison = compare(results(front(no_position())), three)
    assert [m.klass for m in comparison.matches].count(NEW) == 2
    assert [m.klass for m in comparison.matches].count(UNCHANGED) == 1
    assert all(UNPLACED in m.reasons for m in comparison.matches)
    # A positioned pair is made first; what is left, one on each side, pairs.
    after = results(front(damage(x=21, y=20), no_position()))
    assert summary(compare(two, after)) == [("unchanged", 1, 1), ("unchanged", 2, 2)]
    # Another family on the same component is no candidate.
    assert summary(compare(before, results(front(no_position(name="DENT_MINOR"))))) == [
        ("new", None, 1),
        ("repaired", 1, None),
    ]


def test_pairs_by_count_are_as_many_whichever_inspection_comes_first() -> None:
    # Found by the swap property: pairing the unplaced damages one by one made 1 pair one way, 2 the other.
    before = results(front(damage(x=40, y=40), damage(x=40, y=40), no_position(name="SCRAPED_MAJOR")))
    after = results(front(no_position(), damage(x=40, y=46)))
    forward, backward = compare(before, after).counts, compare(after, before).counts
    assert (forward["new"], forward["repaired"]) == (backward["repaired"], backward["new"]) == (0, 1)


def test_a_review_property_and_reasons_agree() -> None:
    match = Match(UNCHANGED, None, None, None, ())
    assert not match.review
    assert Match(UNCHANGED, None, None, None, (NEAR,)).review


# Tolerance


def test_the_tolerance_is_an_option() -> None:
    before, after = results(front(damage(x=50, y=50))), results(front(damage(x=57, y=50)))
    assert compare(before, after).counts["unchanged"] == 0
    wide = compare(before, after, tolerance=8)
    assert wide.counts["unchanged"] == 1 and wide.tolerance == 8
    assert compare(before, after).tolerance == DEFAULT_TOLERANCE


@pytest.mark.parametrize("tolerance", [0, -1, math.nan, math.inf])
def test_a_tolerance_that_is_no_positive_number_is_refused(tolerance: float) -> None:
    with pytest.raises(ValueError, match="tolerance"):
        compare(results(), results(), tolerance=tolerance)


def test_a_crowd_of_damages_on_one_spot_is_matched_quickly() -> None:
    crowd = results(front(*[damage(x=50 + (i % 7) * 0.1, y=50, name="SCRATCH_MINOR") for i in range(150)]))
    comparison = compare(crowd, crowd)
    assert comparison.counts["unchanged"] == 150


def test_a_hostile_crowd_past_the_exact_assignment_is_paired_one_to_one_and_flagged() -> None:
    # 500 x 500 damages of one kind within tolerance of each other: the exact assignment would take
    # 500³ steps (minutes); nearest first takes the pairs at once, one to one, each flagged.
    before = results(front(*[damage(x=40 + (i % 50) * 0.1, y=50 + (i // 50) * 0.1) for i in range(500)]))
    after = results(front(*[damage(x=40.05 + (i % 50) * 0.1, y=50 + (i // 50) * 0.1) for i in range(520)]))
    comparison = compare(before, after)
    assert comparison.counts["unchanged"] == 500 and comparison.counts["new"] == 20
    paired = [m for m in comparison.matches if m.before and m.after]
    assert len({m.before.number for m in paired if m.before}) == len({m.after.number for m in paired if m.after}) == 500
    assert all(OTHER in m.reasons for m in paired)
    assert max(m.distance or 0 for m in paired) < 0.1


# Properties

NAMES = ["SCRATCH_MINOR", "SCRAPED_MAJOR", "SCRATCH_MEDIUM_THROUGH_PAINT", "DENT_MINOR", "DENTED_MAJOR", "FOGGY"]
COMPONENTS = ["DOOR_FRONT_LEFT", "BUMPER_FRONT_UNIQUE"]
# A coarse grid: damages of one kind often lie within tolerance of each other, and sometimes coincide.
COORDINATES = st.integers(0, 12).map(lambda step: 40 + step * 1.5)


@st.composite
def damage_bodies(draw: st.DrawFn, *, positioned: bool) -> dict[str, Any]:
    body = damage(draw(st.sampled_from(COMPONENTS)), draw(st.sampled_from(NAMES)), draw(COORDINATES), draw(COORDINATES))
    if not positioned and draw(st.booleans()):
        del body["coodrs"]
    return body


@st.composite
def sessions(draw: st.DrawFn, *, positioned: bool = True) -> DamageResults:
    codes = draw(st.lists(st.sampled_from(sorted(VIEWS)), min_size=1, max_size=3, unique=True))
    return results(
        *[
            photo(code, VIEWS[code], f"u{code}", *draw(st.lists(damage_bodies(positioned=positioned), max_size=5)))
            for code in codes
        ]
    )


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(sessions())
def test_a_session_compared_with_itself_is_unchanged_throughout(session: DamageResults) -> None:
    # Exactly: every damage (all have positions) is paired at distance 0 with one of the same component,
    # family, position and severity; flagged "other candidate" exactly when another damage of its view,
    # component and family lies on the same spot, "severity unknown" exactly when it is not rated.
    comparison = compare(session, session)
    assert comparison.counts["unchanged"] == session.damage_count == len(comparison.matches)
    for match in comparison.matches:
        b, a = match.before, match.after
        assert b is not None and a is not None and match.klass is UNCHANGED and match.distance == 0
        assert (b.photo_code, b.component, b.family, b.position, b.severity) == (
            a.photo_code,
            a.component,
            a.family,
            a.position,
            a.severity,
        )
        twins = [
            d
            for d in number_damages(session)
            if d.number != a.number
            and (d.photo_code, d.component, d.family, d.position)
            == (
                a.photo_code,
                a.component,
                a.family,
                a.position,
            )
        ]
        expected = {OTHER} if twins else set()
        if a.severity.key == "unknown":
            expected.add(UNRATED)
        assert set(match.reasons) == expected


@PROPERTY
@given(sessions(positioned=False), sessions(positioned=False))
def test_swapping_before_and_after_swaps_new_and_repaired(before: DamageResults, after: DamageResults) -> None:
    everything = {4, 5, 7, 8}
    forward = compare(before, after, before_captured=everything, after_captured=everything).counts
    backward = compare(after, before, before_captured=everything, after_captured=everything).counts
    assert (forward["new"], forward["repaired"]) == (backward["repaired"], backward["new"])
    assert forward["worsened"] + forward["unchanged"] == backward["worsened"] + backward["unchanged"]
    assert forward["not_comparable"] == backward["not_comparable"] == 0


@PROPERTY
@given(sessions(positioned=False), sessions(positioned=False))
def test_the_same_input_gives_the_same_output(before: DamageResults, after: DamageResults) -> None:
    first = compare(before, after, before_captured={4, 5}, after_captured={5, 7})
    second = compare(
        before.model_copy(deep=True), after.model_copy(deep=True), before_captured={5, 4}, after_captured={7, 5}
    )
    assert first == second
    assert summary(first) == summary(second) and [m.reasons for m in first.matches] == [
        m.reasons for m in second.matches
    ]


def best_matching(old: list[tuple[float, float]], new: list[tuple[float, float]]) -> tuple[int, float]:
    """By brute force: the most pairs within tolerance, and of those the least total distance."""
    best = (0, 0.0)
    for size in range(1, min(len(old), len(new)) + 1):
        for chosen in itertools.combinations(range(len(old)), size):
            for partners in itertools.permutations(range(len(new)), size):
                gaps = [math.dist(old[i], new[j]) for i, j in zip(chosen, partners, strict=True)]
                if all(gap <= DEFAULT_TOLERANCE for gap in gaps) and (
                    size > best[0] or (size == best[0] and sum(gaps) < best[1])
                ):
                    best = (size, sum(gaps))
    return best


POINTS = st.lists(st.tuples(st.floats(40, 52), st.floats(40, 46)), max_size=5)


@PROPERTY
@given(POINTS, POINTS)
def test_the_pairs_are_an_optimal_one_to_one_assignment(
    old: list[tuple[float, float]], new: list[tuple[float, float]]
) -> None:
    before = results(front(*[damage(x=x, y=y) for x, y in old]))
    after = results(front(*[damage(x=x, y=y) for x, y in new]))
    comparison = compare(before, after)
    pairs = [m for m in comparison.matches if m.before and m.after]
    assert (
        len({m.before.number for m in pairs if m.before})
        == len({m.after.number for m in pairs if m.after})
        == len(pairs)
    )
    size, total = best_matching(old, new)
    assert len(pairs) == size
    assert sum(m.distance or 0.0 for m in pairs) == pytest.approx(total, abs=1e-6)
    for m in pairs:
        assert m.before is not None and m.after is not None and m.before.position and m.after.position
        assert m.distance == distance(m.before.position, m.after.position) <= DEFAULT_TOLERANCE
