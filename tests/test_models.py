"""Parsing PAVE's bodies: lenient about shape and spelling, strict and specific about real errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from reportgen.errors import InvalidDataError
from reportgen.models import (
    MAX_TEXT_LENGTH,
    DamageResults,
    SessionDetails,
    is_valid_session_key,
    load_json,
    merge_session,
    parse_captures,
    parse_results,
    parse_session,
)

# PAVE's documented "No Damage Found" body, exactly as printed: a missing comma and curly quotes.
DOCS_NO_DAMAGE_TEXT = '{\n"success": false,\n"data": []\n"message\u201d: \u201cNo damages found on the vehicle"\n}'


def damage_body(**fields: Any) -> dict[str, Any]:
    body = {
        "damage_group": "BODY",
        "component": "DOOR_REAR_LEFT",
        "damage_name": "SCRAPED_MEDIUM",
        "description": "Scraped",
        "tolerance": "5 to 6 inches",
        "repair_method": "Refinish",
    }
    body.update(fields)
    return body


def results_with(*damages: dict[str, Any], **top: Any) -> dict[str, Any]:
    photo = {
        "photo_code": 4,
        "photo_label": "Left",
        "url": "https://cdn.example/S/left.jpg",
        "inspection_data": list(damages),
    }
    return {"success": True, "message": "", "data": [photo], **top}


def only_damage(body: dict[str, Any]):
    results = parse_results(body)
    assert results.damage_count == 1
    return results.photos[0].damages[0]


def position_of(coordinates: Any, key: str = "coodrs"):
    return only_damage(results_with(damage_body(**{key: coordinates}))).position


# --- coordinates -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["coodrs", "coords"])
def test_coordinates_are_read_under_the_documented_and_the_corrected_spelling(key: str) -> None:
    position = position_of({"x": 17.43, "y": 27.37}, key)
    assert (position.x, position.y, position.clamped) == (17.43, 27.37, False)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (12, 80, (12.0, 80.0)),
        ("12.5", "80", (12.5, 80.0)),
        (" 12.5 ", "0.25", (12.5, 0.25)),
        ("12.5%", "80%", (12.5, 80.0)),
        (0, 100, (0.0, 100.0)),
    ],
)
def test_percent_coordinates_as_numbers_and_numeric_text(x: Any, y: Any, expected: tuple) -> None:
    position = position_of({"x": x, "y": y})
    assert (position.x, position.y) == expected
    assert position.clamped is False


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (-5, 50, (0.0, 50.0)),
        (150, 101, (100.0, 100.0)),
        ("120%", "-0.5", (100.0, 0.0)),
        (50, 1e6, (50.0, 100.0)),
    ],
)
def test_out_of_range_positions_are_moved_onto_the_photo_and_flagged(x: Any, y: Any, expected: tuple) -> None:
    position = position_of({"x": x, "y": y})
    assert (position.x, position.y) == expected
    assert position.clamped is True
    assert 0 <= position.x <= 100 and 0 <= position.y <= 100


@pytest.mark.parametrize(
    "coordinates",
    [
        None,
        {},
        {"x": None, "y": None},
        {"x": 10},
        {"x": None, "y": 10},
        {"x": "left", "y": 10},
        {"x": 10, "y": ""},
        {"x": float("nan"), "y": 10},
        {"x": 10, "y": float("inf")},
        {"x": "-inf", "y": 10},
        {"x": "NaN", "y": 10},
        {"x": True, "y": 10},
        {"x": [10], "y": {"v": 10}},
        [17.4, 27.3],
        "17.4,27.3",
    ],
)
def test_unusable_coordinates_give_no_position(coordinates: Any) -> None:
    assert position_of(coordinates) is None


def test_missing_coordinates_give_no_position() -> None:
    assert only_damage(results_with(damage_body())).position is None


def test_non_finite_numbers_from_json_text_give_no_position() -> None:
    # Python's json module accepts NaN and Infinity literals, and overflows 1e999 to inf.
    body = load_json('{"data": [{"inspection_data": [{"coodrs": {"x": NaN, "y": 1e999}}]}]}', "t")
    assert parse_results(body).photos[0].damages[0].position is None


def test_huge_integer_coordinates_and_codes_are_unusable_not_a_crash() -> None:
    huge = 10**400  # valid JSON, well under Python's 4300-digit parsing limit
    body = results_with(damage_body(coodrs={"x": huge, "y": 5}))
    body["data"][0]["photo_code"] = huge
    photo = parse_results(body).photos[0]
    assert photo.photo_code is None
    assert photo.damages[0].position is None


# --- whole bodies --------------------------------------------------------------------------------


def test_no_damage_body_parses_to_no_damages() -> None:
    results = parse_results({"success": False, "data": [], "message": "No damages found on the vehicle"})
    assert results.success is False
    assert results.photos == [] and results.damage_count == 0
    assert "No damages" in results.message


def test_docs_malformed_no_damage_sample_counts_as_no_damage() -> None:
    results = parse_results(load_json(DOCS_NO_DAMAGE_TEXT, "hotspots"))
    assert results.success is False
    assert results.damage_count == 0 and results.photos == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{\n  "success": true,\n  "data": [\n}', 4),
        ("{\n\n  'success': false\n}", 3),
        ("", 1),
        ('{"success": true, "data": [] "message": "No damages found"}', 1),
        ('{\n"success": false,\n"data": [\n{"photo_code": 4,\n', 5),
    ],
)
def test_other_invalid_json_names_source_line_and_column(text: str, line: int) -> None:
    with pytest.raises(InvalidDataError) as caught:
        load_json(text, "hotspots.json")
    message = str(caught.value)
    assert message.startswith("hotspots.json")
    assert f"line {line}" in message and "column" in message


def test_integer_beyond_python_digit_limit_is_invalid_data() -> None:
    with pytest.raises(InvalidDataError, match="hotspots.json"):
        load_json('{"success": true, "data": [], "x": ' + "9" * 5000 + "}", "hotspots.json")


def test_unknown_photo_codes_and_labels_are_kept() -> None:
    body = results_with(damage_body())
    body["data"].append({"photo_code": 42, "photo_label": "Engine_Bay", "url": "u", "inspection_data": [damage_body()]})
    photos = parse_results(body).photos
    assert [(p.photo_code, p.photo_label) for p in photos] == [(4, "Left"), (42, "Engine_Bay")]


@pytest.mark.parametrize(
    ("raw", "code"), [("7", 7), (7.0, 7), (7.5, None), ("seven", None), (True, None), (None, None)]
)
def test_photo_codes_are_integers_or_none(raw: Any, code: int | None) -> None:
    body = {"data": [{"photo_code": raw, "inspection_data": []}]}
    assert parse_results(body).photos[0].photo_code == code


def test_unknown_extra_fields_are_ignored() -> None:
    body = results_with(
        damage_body(confidence=0.93, bbox=[1, 2, 3, 4], coodrs={"x": 1, "y": 2, "z": 3}),
        version="2.0",
        meta={"trace": ["a", {"b": None}]},
    )
    body["data"][0]["thumbnail"] = {"url": "https://cdn.example/t.jpg"}
    body["vehicle"] = {"vin": "V1", "colour_code": 475}
    results = parse_results(body)
    assert results.damage_count == 1
    assert results.vehicle.vin == "V1"
    assert results.photos[0].damages[0].position.x == 1


@pytest.mark.parametrize("vehicle", [None, {}, {"vin": "WBAPG73589A641024"}])
def test_missing_vehicle_fields_are_empty_text(vehicle: Any) -> None:
    body = {"success": True, "data": []}
    if vehicle is not None:
        body["vehicle"] = vehicle
    results = parse_results(body)
    for name in ("year", "make", "model", "trim", "odom_reading"):
        assert getattr(results.vehicle, name) == ""
    assert results.session.session_key == ""


def test_empty_object_is_an_empty_result() -> None:
    results = parse_results({})
    assert results.photos == [] and results.damage_count == 0
    assert results.vehicle.vin == "" and results.session.inspect_started_at is None


def test_stray_nulls_in_lists_are_dropped() -> None:
    body = {"data": [None, {"photo_code": 4, "inspection_data": [None, damage_body(), None]}]}
    results = parse_results(body)
    assert len(results.photos) == 1 and results.damage_count == 1


# --- wrong types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (
            {"data": [{"inspection_data": [{"description": {"text": "Scraped"}}]}]},
            "data[0].inspection_data[0].description",
        ),
        (
            {"data": [{}, {"inspection_data": [damage_body(), damage_body(component=["DOOR"])]}]},
            "data[1].inspection_data[1].component",
        ),
        ({"data": [{"inspection_data": ["a scratch"]}]}, "data[0].inspection_data[0]"),
        ({"data": [{"inspection_data": {"0": damage_body()}}]}, "data[0].inspection_data"),
        ({"data": [{"photo_label": ["Left"]}]}, "data[0].photo_label"),
        ({"data": ["photo"]}, "data[0]"),
        ({"data": "none"}, "data"),
        ({"session": "UDB-1"}, "session"),
        ({"vehicle": {"vin": {"value": "X"}}}, "vehicle.vin"),
    ],
)
def test_wrong_types_name_the_source_and_location(body: dict[str, Any], location: str) -> None:
    with pytest.raises(InvalidDataError) as caught:
        parse_results(body, source="results.json")
    message = str(caught.value)
    assert message.startswith("results.json")
    assert f" {location}:" in message
    assert "pydantic" not in message


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_results_body_must_be_an_object(body: Any) -> None:
    with pytest.raises(InvalidDataError, match="^hotspots"):
        parse_results(body)


@pytest.mark.parametrize(
    ("body", "location"),
    [([{"photo_code": 1}, {"approved_message": {"a": 1}}], "[1].approved_message"), (["x"], "[0]")],
)
def test_wrong_types_in_photos_name_the_entry(body: Any, location: str) -> None:
    with pytest.raises(InvalidDataError) as caught:
        parse_captures(body, source="photos.json")
    message = str(caught.value)
    assert message.startswith("photos.json") and location in message
    assert "attempts" not in message


@pytest.mark.parametrize("body", ["photos", 7, {"photos": "none"}, {"unexpected": []}])
def test_photos_body_must_be_a_list(body: Any) -> None:
    with pytest.raises(InvalidDataError, match="^photos.json"):
        parse_captures(body, source="photos.json")


# --- text fields ---------------------------------------------------------------------------------


def test_numbers_and_bools_in_text_fields_are_coerced() -> None:
    results = parse_results(
        {
            "vehicle": {"year": 2009, "odom_reading": 87412.0, "vin": 123},
            "data": [{"inspection_data": [damage_body(tolerance=2, description=1.5)]}],
        }
    )
    assert results.vehicle.year == "2009"
    assert results.vehicle.odom_reading == "87412"
    assert results.vehicle.vin == "123"
    found = results.photos[0].damages[0]
    assert (found.tolerance, found.description) == ("2", "1.5")

    yes = parse_captures([{"approved_message": True}])[0].approved_message
    no = parse_captures([{"approved_message": False}])[0].approved_message
    assert isinstance(yes, str) and isinstance(no, str) and yes and no and yes != no


@pytest.mark.parametrize(("raw", "text"), [(1234567.0, "1234567"), (104321.5, "104321.5")])
def test_numbers_in_text_fields_keep_all_their_digits(raw: float, text: str) -> None:
    assert parse_session({"vehicle": {"odom_reading": raw}}).vehicle.odom_reading == text


def test_control_characters_are_stripped() -> None:
    found = only_damage(
        results_with(damage_body(description="\x00Scr\x1batch\x7f\x85\ud800", tolerance="\u200b1 inch\x08"))
    )
    assert found.description == "Scratch"
    assert "\x08" not in found.tolerance and "1 inch" in found.tolerance


def test_enormous_strings_are_truncated() -> None:
    found = only_damage(results_with(damage_body(description="Scraped " * 100_000)))
    assert 0 < len(found.description) <= MAX_TEXT_LENGTH
    assert found.description.startswith("Scraped Scraped")


def test_text_of_exactly_the_limit_is_kept_whole() -> None:
    text = "x" * MAX_TEXT_LENGTH
    assert only_damage(results_with(damage_body(description=text))).description == text


# --- deep nesting --------------------------------------------------------------------------------


def test_deeply_nested_json_text_is_invalid_data_not_recursion_error() -> None:
    depth = 200_000
    with pytest.raises(InvalidDataError, match="^deep.json"):
        load_json("[" * depth + "]" * depth, "deep.json")
    with pytest.raises(InvalidDataError):
        load_json('{"data": ' + '{"a": ' * depth + "1" + "}" * depth + "}", "deep.json")


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"x": value}
    return value


def test_deeply_nested_values_inside_a_body_do_not_crash() -> None:
    deep = nested(20_000)
    deep_list: Any = []
    for _ in range(20_000):
        deep_list = [deep_list]
    body = results_with(damage_body(coodrs=deep, extra=deep), meta=deep)
    assert parse_results(body).photos[0].damages[0].position is None
    for bad in ({"data": deep_list}, results_with(damage_body(description=deep_list)), {"vehicle": {"vin": deep}}):
        with pytest.raises(InvalidDataError):
            parse_results(bad)


# --- photos (capture attempts) ---------------------------------------------------------------------


def attempt(code: int, approved: bool, message: str, minute: int) -> dict[str, Any]:
    return {
        "photo_code": code,
        "photo_label": "Interior",
        "url": f"https://cdn.example/{code}-{minute}.jpg",
        "approved": approved,
        "approved_message": message,
        "created_at": f"2021-05-27T07:{minute:02d}:16+00:00",
    }


def test_repeated_photo_codes_keep_every_attempt_in_order() -> None:
    body = [
        attempt(2, False, "REJECTED: Wrong View", 36),
        attempt(1, True, "ACCEPTED", 37),
        attempt(2, True, "ACCEPTED", 38),
        attempt(2, False, "REJECTED: Blurry", 39),
    ]
    attempts = parse_captures(body)
    assert [(a.photo_code, a.approved, a.approved_message) for a in attempts] == [
        (2, False, "REJECTED: Wrong View"),
        (1, True, "ACCEPTED"),
        (2, True, "ACCEPTED"),
        (2, False, "REJECTED: Blurry"),
    ]
    assert [a.url for a in attempts] == [entry["url"] for entry in body]


@pytest.mark.parametrize("key", ["data", "photos"])
def test_wrapped_photos_body_is_accepted(key: str) -> None:
    body = [attempt(1, True, "ACCEPTED", 36), attempt(2, False, "REJECTED: Wrong View", 37)]
    assert parse_captures({key: body}) == parse_captures(body)
    assert len(parse_captures({key: body})) == 2


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("FALSE", False),
        (1, True),
        (0, False),
        ("maybe", None),
        (None, None),
        (2, None),
    ],
)
def test_approved_flags(raw: Any, flag: bool | None) -> None:
    assert parse_captures([{"approved": raw}])[0].approved is flag


# --- session ---------------------------------------------------------------------------------------

SESSION_FIELDS = {
    "session_key": "UDB-CJDQF4DJYM",
    "status": "COMPLETE",
    "language": "en",
    "inspect_started_at": "2023-05-30T21:10:32+00:00",
}
VEHICLE = {"vin": "WBAPG73589A641024", "year": 2009, "make": "BMW", "trim": "328i"}


@pytest.mark.parametrize(
    "body",
    [
        {**SESSION_FIELDS, "vehicle": VEHICLE},
        {"session": SESSION_FIELDS, "vehicle": VEHICLE},
        {"data": {"session": SESSION_FIELDS, "vehicle": VEHICLE}},
        {"data": {**SESSION_FIELDS, "vehicle": VEHICLE}},
    ],
    ids=["flat", "nested", "wrapped-nested", "wrapped-flat"],
)
def test_parse_session_accepts_flat_and_nested_shapes(body: dict[str, Any]) -> None:
    details = parse_session(body)
    assert details.session.session_key == "UDB-CJDQF4DJYM"
    assert details.session.status == "COMPLETE"
    assert details.session.inspect_started_at == datetime(2023, 5, 30, 21, 10, 32, tzinfo=UTC)
    assert (details.vehicle.vin, details.vehicle.year, details.vehicle.trim) == ("WBAPG73589A641024", "2009", "328i")


def test_parse_session_rejects_non_objects_naming_the_source() -> None:
    with pytest.raises(InvalidDataError, match="^session.json"):
        parse_session([SESSION_FIELDS], source="session.json")
    with pytest.raises(InvalidDataError, match=r"^session.json: .*status"):
        parse_session({"session": {"status": ["COMPLETE"]}}, source="session.json")


def test_merge_session_fills_gaps_and_results_win() -> None:
    results = parse_results(
        {
            "data": [],
            "session": {"session_key": "FROM-RESULTS", "inspect_ended_at": "2023-05-30T21:19:07+00:00"},
            "vehicle": {"vin": "RESULTSVIN", "year": 2009, "make": "", "model": "3 SERIES"},
        }
    )
    details = parse_session(
        {
            "session_key": "FROM-DETAILS",
            "status": "COMPLETE",
            "inspect_ended_at": "2020-01-01T00:00:00Z",
            "vehicle": {"vin": "DETAILSVIN", "make": "BMW", "trim": "328i", "model": "M3"},
        }
    )
    merged = merge_session(results, details)
    assert merged.session.session_key == "FROM-RESULTS"
    assert merged.session.status == "COMPLETE"
    assert merged.session.inspect_ended_at == datetime(2023, 5, 30, 21, 19, 7, tzinfo=UTC)
    assert (merged.vehicle.vin, merged.vehicle.model) == ("RESULTSVIN", "3 SERIES")
    assert (merged.vehicle.make, merged.vehicle.trim, merged.vehicle.year) == ("BMW", "328i", "2009")
    # The inputs are left as they were.
    assert results.vehicle.make == "" and results.session.status == ""


def test_merge_session_without_details_changes_nothing() -> None:
    results = parse_results(results_with(damage_body(), vehicle={"vin": "V"}))
    assert merge_session(results, None) == results
    assert merge_session(results, SessionDetails()) == results


def test_models_are_immutable() -> None:
    results = parse_results({"data": []})
    assert isinstance(results, DamageResults)
    with pytest.raises(ValidationError):
        results.message = "changed"  # type: ignore[misc]


# --- session keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["UDB-CJDQF4DJYM", "UCB-C3NPR4AGQZ", "a", "A_b-9", "k" * 64])
def test_valid_session_keys(key: str) -> None:
    assert is_valid_session_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "",
        " ",
        "UDB CJDQF4DJYM",
        " UDB-1",
        "UDB-1\n",
        "k" * 65,
        "-UDB",
        "UDB/1",
        "UDB.1",
        "UDB%2F1",
        "UDB\x00",
        "ÜDB-1",
        "UDB-١",
    ],
)
def test_invalid_session_keys(key: str) -> None:
    assert not is_valid_session_key(key)


# --- timestamps ------------------------------------------------------------------------------------

MOMENT = datetime(2023, 5, 30, 21, 10, 32, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "2023-05-30T21:10:32Z",
        "2023-05-30T21:10:32z",
        "2023-05-30T21:10:32+00:00",
        "2023-05-30T23:10:32+02:00",
        "2023-05-30T16:10:32-05:00",
        "2023-05-30T21:10:32",
    ],
)
def test_timestamps_are_aware_and_naive_ones_are_utc(raw: str) -> None:
    moment = parse_captures([{"created_at": raw}])[0].created_at
    assert moment is not None and moment.tzinfo is not None
    assert moment.utcoffset() is not None
    assert moment == MOMENT


def test_offsets_are_kept_not_discarded() -> None:
    moment = parse_captures([{"created_at": "2023-05-30T23:10:32+02:00"}])[0].created_at
    assert moment.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        "",
        "   ",
        "2023-13-45T99:00:00Z",
        "yesterday",
        True,
        [],
        {"at": "2023-05-30T21:10:32Z"},
        float("nan"),
        None,
    ],
)
def test_garbage_timestamps_become_none(raw: Any) -> None:
    attempt_ = parse_captures([{"created_at": raw, "updated_at": raw}])[0]
    assert attempt_.created_at is None and attempt_.updated_at is None


def test_session_timestamps_in_results() -> None:
    results = parse_results(
        {"session": {"inspect_started_at": "2023-05-30T21:10:32+00:00", "inspect_ended_at": "not a time"}}
    )
    assert results.session.inspect_started_at == MOMENT
    assert results.session.inspect_ended_at is None
