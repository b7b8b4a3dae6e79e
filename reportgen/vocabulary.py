"""PAVE's codes turned into words: severities, sides, damage groups, capture steps, components."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from .i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language

__all__ = [
    "SEVERITY_ORDER",
    "CaptureStep",
    "CompareClass",
    "Component",
    "Family",
    "Severity",
    "capture_steps",
    "compare_classes",
    "component",
    "component_codes",
    "damage_family",
    "damage_stem",
    "families",
    "group_label",
    "humanize",
    "photo_order",
    "photo_title",
    "rated_severities",
    "repair_methods",
    "severities",
    "translated",
    "translated_damage",
    "translations",
    "severity_of",
    "sides",
]

SEVERITY_ORDER = ("major", "medium", "minor", "unknown")
_SEVERITY_WORDS = {"MINOR", "MEDIUM", "MAJOR"}
_SIDE_TOKENS = {"LEFT": "left", "RIGHT": "right"}
_POSITION_TOKENS = {"FRONT": "front", "REAR": "rear", "BACK": "rear"}
_POSITION_WORDS = {"FRONT", "REAR", "BACK", "UPPER", "LOWER", "CENTER", "CENTRE", "INNER", "OUTER"}
_TOP_PARTS = {"ROOF", "SUNROOF", "MOONROOF"}
_INTERIOR_PARTS = {"SEAT", "DASHBOARD", "INTERIOR", "CARPET", "HEADLINER", "CONSOLE"}


@dataclass(frozen=True)
class Severity:
    """A damage severity with its words and marker colours."""

    key: str
    label: str
    colour: str
    text_colour: str


@dataclass(frozen=True)
class CompareClass:
    """What became of a damage between two inspections, with its words and marker colours."""

    key: str
    label: str
    colour: str
    text_colour: str


@dataclass(frozen=True)
class Component:
    """A car part PAVE names by code, with its side of the vehicle and map region."""

    code: str
    name: str
    side: str
    region: str | None


@dataclass(frozen=True)
class Family:
    """A family of damage kinds that a comparison of two inspections may take for the same damage."""

    key: str
    label: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class CaptureStep:
    """One step of PAVE's capture checklist, in the app's order."""

    order: int
    code: int
    label: str
    title: str


@cache
def _data() -> dict[str, Any]:
    text = resources.files("reportgen").joinpath("data/vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def severities() -> dict[str, Severity]:
    """The rated severities by key (minor, medium, major) and the unrated one."""
    return {
        key: Severity(key, entry["label"], entry["colour"], entry["text_colour"])
        for key, entry in _data()["severities"].items()
    }


@cache
def compare_classes() -> dict[str, CompareClass]:
    """The classes a comparison marks on the second inspection's photos, by key (new, worsened, …)."""
    return {
        key: CompareClass(key, entry["label"], entry["colour"], entry["text_colour"])
        for key, entry in _data()["compare_classes"].items()
    }


def rated_severities() -> tuple[str, ...]:
    """The severity keys PAVE rates damages with (minor, medium, major), without "unknown"."""
    return tuple(key for key in severities() if key != "unknown")


def repair_methods() -> tuple[str, ...]:
    """PAVE's repair methods as the API spells them."""
    return tuple(_data()["repair_methods"])


@cache
def component_codes() -> frozenset[str]:
    """The component codes this vocabulary names (PAVE may send others)."""
    return frozenset(_data()["components"])


def severity_of(damage_name: str) -> Severity:
    """The severity word inside a damage name such as DENTED_MEDIUM_THROUGH_PAINT."""
    tokens = set(re.split(r"[^A-Z]+", damage_name.upper()))
    for key in ("major", "medium", "minor"):
        if key.upper() in tokens:
            return severities()[key]
    return severities()["unknown"]


@cache
def translations(lang: str) -> dict[str, dict[str, str]]:
    """A language's names of the vocabulary (data/vocabulary-LANG.toml), by table and key; {} for English."""
    if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES:
        return {}
    file = resources.files("reportgen").joinpath(f"data/vocabulary-{lang}.toml")
    return tomllib.loads(file.read_text("utf-8")) if file.is_file() else {}


def translated(table: str, key: str, english: str | None) -> str | None:
    """The current language's name for `key` of `table` (sides, severities, components, …), else `english`."""
    return translations(current_language()).get(table, {}).get(key) or english


def translated_damage(damage_name: str, english: str) -> str:
    """A damage code in the current language, from reportgen's vocabulary, else PAVE's English text.

    Looked up as the code without its severity word (DENTED_MEDIUM_THROUGH_PAINT → DENTED_THROUGH_PAINT),
    then as its stem (DENTED): a translation never depends on PAVE's English description.
    """
    names = translations(current_language()).get("damages", {})
    if not names:
        return english
    words = [word for word in re.split(r"[^A-Z0-9]+", damage_name.upper()) if word]
    without = "_".join(word for word in words if word not in _SEVERITY_WORDS)
    return names.get(without) or names.get(damage_stem(damage_name)) or english


def damage_stem(damage_name: str) -> str:
    """The kind of damage without its severity: MULTIPLE_SCRATCHES_MINOR_THROUGH_PAINT → MULTIPLE_SCRATCHES.

    The words before the first severity word, joined by underscores and upper-cased; a name without a
    severity word is its own stem.
    """
    words = [word for word in re.split(r"[^A-Z0-9]+", damage_name.upper()) if word]
    for index, word in enumerate(words):
        if word in _SEVERITY_WORDS:
            return "_".join(words[:index])
    return "_".join(words)


@cache
def families() -> dict[str, Family]:
    """The damage families by key, as the vocabulary data file lists them."""
    return {
        key: Family(key, entry["label"], tuple(stem.upper() for stem in entry["stems"]))
        for key, entry in _data()["families"].items()
    }


@cache
def _family_of_stem() -> dict[str, str]:
    return {stem: family.key for family in families().values() for stem in family.stems}


@lru_cache(maxsize=4096)  # bounded: names come from the API, and a service runs for long
def damage_family(damage_name: str) -> str:
    """The family key of a damage name ("scratch" for SCRAPED_MAJOR); an unlisted kind is its own stem.

    A family lists stems; a name whose stem is listed belongs there, else to the family with the
    longest listed stem its stem starts with, word by word (DENTED_LARGE → dent). Otherwise the
    family is the stem itself, upper-case (never equal to a family key, which is lower-case).
    """
    stem = damage_stem(damage_name)
    words = stem.split("_")
    listed = _family_of_stem()
    for length in range(len(words), 0, -1):
        family = listed.get("_".join(words[:length]))
        if family is not None:
            return family
    return stem


def sides() -> dict[str, str]:
    """Side key → label, in the order the report lists sides."""
    return dict(_data()["sides"])


def group_label(group: str) -> str:
    """The damage group's name in words ("Body"), or the code made readable."""
    label: str = _data()["damage_groups"].get(group.upper(), humanize(group) or "Other")
    return label


@cache
def capture_steps() -> tuple[CaptureStep, ...]:
    """The capture checklist in the order PAVE's app asks for the photos."""
    return tuple(
        CaptureStep(order, step["code"], step["label"], step["title"])
        for order, step in enumerate(_data()["capture_steps"], start=1)
    )


def photo_title(code: int | None, label: str) -> str:
    """A reader's name for a photo: the capture step's title, else the API's label made readable."""
    for step in capture_steps():
        if step.code == code:
            return step.title
    return humanize(label) or (f"Photo {code}" if code is not None else "Photo")


def photo_order(code: int | None) -> int:
    """Where a photo sorts: PAVE's capture order first, unknown codes after."""
    for step in capture_steps():
        if step.code == code:
            return step.order
    return 1000 + (code if code is not None and code >= 0 else 999)


@cache
def component(code: str) -> Component:
    """Name, side and diagram region of a component code, with a readable fallback for new codes."""
    key = code.strip().upper()
    known = _data()["components"].get(key)
    if known:
        return Component(key, known["name"], known["side"], known.get("region"))
    return _guess_component(key)


def _guess_component(code: str) -> Component:
    # PAVE's codes read PART[_POSITION][_SIDE]: reorder into "Position side part" as a person says it.
    tokens = [token for token in re.split(r"[^A-Z0-9]+", code) if token]
    if not tokens:
        return Component(code, "Unknown component", "other", None)
    side_words = [token for token in tokens if token in _SIDE_TOKENS]
    position_words = [token for token in tokens if token in _POSITION_WORDS]
    part_words = [
        token for token in tokens if token not in _SIDE_TOKENS and token not in _POSITION_WORDS and token != "UNIQUE"
    ]
    words = position_words + side_words + (part_words or ["part"])
    name = " ".join(word.lower() for word in words)
    return Component(code, name[:1].upper() + name[1:], _guess_side(tokens), None)


def _guess_side(tokens: list[str]) -> str:
    for token in tokens:
        if token in _SIDE_TOKENS:
            return _SIDE_TOKENS[token]
    if any(token in _TOP_PARTS for token in tokens):
        return "top"
    if any(token in _INTERIOR_PARTS for token in tokens):
        return "interior"
    for token in tokens:
        if token in _POSITION_TOKENS:
            return _POSITION_TOKENS[token]
    return "other"


def humanize(text: str) -> str:
    """FRONT_LEFT or front-left → "Front left"."""
    words = [word for word in re.split(r"[\s_\-]+", text.strip()) if word]
    sentence = " ".join(words).lower()
    return sentence[:1].upper() + sentence[1:]
