"""PAVE's codes in words: severities, component names and sides, capture steps, photo titles."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from reportgen import vocabulary
from reportgen.vocabulary import (
    SEVERITY_ORDER,
    capture_steps,
    component,
    group_label,
    photo_order,
    photo_title,
    severities,
    severity_of,
    sides,
)

SAMPLE_HOTSPOTS = Path(__file__).resolve().parent.parent / "samples" / "sample-session" / "hotspots.json"
HEX6 = re.compile(r"#[0-9a-fA-F]{6}")

# PAVE's capture steps as its documentation lists them: (photo_code, photo_label).
DOCUMENTED_STEPS = [
    (1, "VIN"),
    (2, "Interior"),
    (3, "Cluster"),
    (4, "Left"),
    (10, "Front_Left"),
    (5, "Front"),
    (11, "Front_Right"),
    (7, "Right"),
    (12, "Rear_Right"),
    (8, "Rear"),
    (13, "Rear_Left"),
    (9, "Windshield"),
    (6, "Tires"),
]


def data_file() -> dict:
    text = resources.files("reportgen").joinpath("data/vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


def sample_components() -> list[str]:
    body = json.loads(SAMPLE_HOTSPOTS.read_text("utf-8"))
    return sorted({d["component"] for photo in body["data"] for d in photo["inspection_data"]})


# --- severity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("CURB_RASH_MINOR", "minor"),
        ("DENTED_MEDIUM_THROUGH_PAINT", "medium"),
        ("SCRAPED_MAJOR", "major"),
        ("DENT_MINOR_SEAM_LINE", "minor"),
        ("MULTIPLE_SCRATCHES_MINOR_NOT_THROUGH_PAINT", "minor"),
        ("MULTIPLE_SCRATCHES_MEDIUM_NOT_THROUGH_PAINT", "medium"),
        ("MISALIGNED_MAJOR", "major"),
        ("scraped_major", "major"),
        ("FOGGY", "unknown"),
        ("MINORITY_DENT", "unknown"),
        ("", "unknown"),
    ],
)
def test_severity_from_damage_name(name: str, key: str) -> None:
    assert severity_of(name).key == key


def test_severity_order_covers_every_severity_and_labels_differ() -> None:
    assert set(SEVERITY_ORDER) == set(severities())
    labels = [severities()[key].label for key in SEVERITY_ORDER]
    assert all(labels) and len(set(labels)) == len(labels)


def test_every_severity_colour_in_the_data_file_is_six_digit_hex() -> None:
    entries = data_file()["severities"]
    assert entries
    for key, entry in entries.items():
        assert HEX6.fullmatch(entry["colour"]), key
        assert HEX6.fullmatch(entry["text_colour"]), key
    for severity in severities().values():
        assert HEX6.fullmatch(severity.colour) and HEX6.fullmatch(severity.text_colour)


def test_severity_colours_are_distinct() -> None:
    colours = [severity.colour.lower() for severity in severities().values()]
    assert len(set(colours)) == len(colours)


# --- components ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "side"),
    [
        ("DOOR_REAR_LEFT", "Rear left door", "left"),
        ("BUMPER_FRONT_UNIQUE", "Front bumper", "front"),
        ("door_rear_left", "Rear left door", "left"),
        (" BUMPER_FRONT_UNIQUE ", "Front bumper", "front"),
    ],
)
def test_known_component_names(code: str, name: str, side: str) -> None:
    found = component(code)
    assert (found.name, found.side) == (name, side)
    assert found.code == code.strip().upper()


@pytest.mark.parametrize("code", sample_components())
def test_every_sample_component_gets_a_real_name(code: str) -> None:
    found = component(code)
    assert found.name and found.name != code
    assert "_" not in found.name and "UNIQUE" not in found.name.upper()
    # Not merely the code with its underscores replaced: a name as a person says it.
    assert found.name.lower() != code.replace("_", " ").lower()
    assert found.side in sides()


def test_every_component_in_the_data_file_has_a_known_side() -> None:
    for code, entry in data_file()["components"].items():
        assert entry["name"].strip(), code
        assert entry["side"] in sides(), code


@pytest.mark.parametrize(
    ("code", "name", "side"),
    [
        ("SPOILER_REAR_UNIQUE", "Rear spoiler", "rear"),
        ("MIRROR_GLASS_LEFT", None, "left"),
        ("SKIRT_SIDE_RIGHT", None, "right"),
        ("VALANCE_FRONT_UNIQUE", "Front valance", "front"),
        ("ROOF_RACK_UNIQUE", None, "top"),
        ("", "Unknown component", None),
        ("   ", "Unknown component", None),
    ],
)
def test_never_seen_components_get_a_readable_fallback(code: str, name: str | None, side: str | None) -> None:
    found = component(code)
    if name is not None:
        assert found.name == name
    if side is not None:
        assert found.side == side
    assert found.side in sides()
    assert found.name and "_" not in found.name and "UNIQUE" not in found.name.upper()
    assert found.name[0].isupper()


def test_fallback_name_keeps_every_part_word() -> None:
    found = component("MIRROR_GLASS_LEFT")
    assert set(found.name.lower().split()) == {"mirror", "glass", "left"}


# --- capture steps and photos ----------------------------------------------------------------------


def test_capture_steps_are_the_documented_thirteen_in_pave_order() -> None:
    steps = capture_steps()
    assert [(step.code, step.label) for step in steps] == DOCUMENTED_STEPS
    assert [step.order for step in steps] == list(range(1, 14))
    assert all(step.title.strip() and "_" not in step.title for step in steps)


def test_photo_order_follows_capture_order_and_unknown_codes_come_last() -> None:
    codes = [code for code, _ in DOCUMENTED_STEPS]
    orders = [photo_order(code) for code in codes]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    last_known = max(orders)
    for unknown in (0, 14, 99, -3, None):
        assert photo_order(unknown) > last_known
    assert photo_order(14) < photo_order(99)


def test_photo_title_of_known_codes_ignores_the_label() -> None:
    for step in capture_steps():
        assert photo_title(step.code, "whatever the API says") == step.title
        assert photo_title(step.code, step.label) == step.title


@pytest.mark.parametrize(
    ("code", "label", "check"),
    [
        (42, "Engine_Bay", lambda title: title == "Engine bay"),
        (42, "UNDER-CARRIAGE", lambda title: title == "Under carriage"),
        (42, "", lambda title: "42" in title),
        (None, "", lambda title: bool(title.strip())),
        (None, "Odometer", lambda title: title == "Odometer"),
    ],
)
def test_photo_title_of_unknown_codes(code, label, check) -> None:
    title = photo_title(code, label)
    assert isinstance(title, str) and "_" not in title
    assert check(title), title


@pytest.mark.parametrize(
    ("group", "label"),
    [("BODY", "Body"), ("body", "Body"), ("GLASS", "Glass"), ("UNDER_BODY", "Under body"), ("", "Other")],
)
def test_group_labels(group: str, label: str) -> None:
    assert group_label(group) == label


def test_sides_list_the_report_sides_once() -> None:
    keys = list(sides())
    assert {"front", "left", "right", "rear"} <= set(keys)
    assert "other" in keys and len(keys) == len(set(keys))
    # Asking twice gives an independent copy.
    sides()["front"] = "changed"
    assert vocabulary.sides()["front"] != "changed"


@pytest.mark.parametrize(
    ("name", "stem", "family"),
    [
        ("SCRAPED_MAJOR", "SCRAPED", "scratch"),
        ("SCRATCH_MINOR_NOT_THROUGH_PAINT", "SCRATCH", "scratch"),
        ("MULTIPLE_SCRATCHES_MINOR_THROUGH_PAINT", "MULTIPLE_SCRATCHES", "scratch"),
        ("SCUFFED_MINOR", "SCUFFED", "scratch"),
        ("DENT_MINOR_SEAM_LINE", "DENT", "dent"),
        ("DENTED_MEDIUM_THROUGH_PAINT", "DENTED", "dent"),
        ("MULTIPLE_DENTS_MINOR_NOT_THROUGH_PAINT", "MULTIPLE_DENTS", "dent"),
        ("CRACKED_MAJOR", "CRACKED", "crack"),
        ("CRACK_MAJOR", "CRACK", "crack"),
        ("FOGGY_MAJOR", "FOGGY", "light"),
        ("MISALIGNED_MAJOR", "MISALIGNED", "misalignment"),
        ("CURB_RASH_MINOR", "CURB_RASH", "curb_rash"),
        ("OXIDIZED_MINOR", "OXIDIZED", "rust"),
        ("MISSING", "MISSING", "missing"),
        ("dented-large minor", "DENTED_LARGE", "dent"),  # longest listed stem it starts with, word by word
        ("WOBBLY_MEDIUM", "WOBBLY", "WOBBLY"),  # unlisted: its own family
        ("DENTEDX_MINOR", "DENTEDX", "DENTEDX"),  # a listed stem's letters are not enough, its words are
        ("", "", ""),
    ],
)
def test_damage_stem_and_family(name: str, stem: str, family: str) -> None:
    assert vocabulary.damage_stem(name) == stem
    assert vocabulary.damage_family(name) == family


def test_families_are_disjoint_and_keyed_in_lower_case() -> None:
    stems = [stem for family in vocabulary.families().values() for stem in family.stems]
    assert len(stems) == len(set(stems)), "a stem in two families"
    for key, family in vocabulary.families().items():
        assert key == family.key == key.lower() and family.label and family.stems
        # An unlisted stem is upper-case, so it never equals a family key.
        assert all(stem == stem.upper() and vocabulary.damage_family(stem) == key for stem in family.stems)


def test_every_damage_name_of_the_sample_has_a_listed_family() -> None:
    body = json.loads(SAMPLE_HOTSPOTS.read_text(encoding="utf-8"))
    names = {damage["damage_name"] for photo in body["data"] for damage in photo["inspection_data"]}
    assert {name: vocabulary.damage_family(name) in vocabulary.families() for name in names} == dict.fromkeys(
        names, True
    )
