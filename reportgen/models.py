"""PAVE's response bodies as typed models, lenient in what they accept and strict in what they give."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from .errors import InvalidDataError

__all__ = [
    "MAX_TEXT_LENGTH",
    "SESSION_KEY_PATTERN",
    "AttemptList",
    "CaptureAttempt",
    "Code",
    "Damage",
    "DamageList",
    "DamageResults",
    "Flag",
    "PhotoDamages",
    "PhotoList",
    "Position",
    "SessionDetails",
    "SessionInfo",
    "SessionObject",
    "Text",
    "Timestamp",
    "Vehicle",
    "VehicleObject",
    "is_valid_session_key",
    "load_json",
    "merge_session",
    "parse_captures",
    "parse_results",
    "parse_session",
]

M = TypeVar("M", bound=BaseModel)

#: Longer strings from the API are cut: no real field is this long, and layout must stay sane.
MAX_TEXT_LENGTH = 2000
SESSION_KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def is_valid_session_key(key: str) -> bool:
    """Letters, digits, hyphens and underscores, 1 to 64 characters: safe in URLs and file names."""
    return bool(SESSION_KEY_PATTERN.fullmatch(key))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        # All the digits: an odometer of 104321.5 must not print as 104322.
        value = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    elif isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_json_type(value)}")
    text = _CONTROL_CHARS.sub("", value).strip()
    if len(text) > MAX_TEXT_LENGTH:
        text = text[: MAX_TEXT_LENGTH - 1].rstrip() + "…"
    return text


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float: no usable coordinate or code
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%").strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _code(value: Any) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer() or abs(number) > 1_000_000:
        return None
    return int(number)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    return None


def _timestamp(value: Any) -> datetime | None:
    moment: datetime | None = None
    if isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError:
            return None
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        try:
            moment = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if moment is None:
        return None
    # PAVE sends offsets; a bare time is taken as UTC rather than as this machine's zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {_json_type(value)}")
    return value


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {_json_type(value)}")
    # A stray null in a list is sloppiness, not meaning: drop it instead of failing the report.
    return [item for item in value if item is not None]


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


Text = Annotated[str, BeforeValidator(_text)]
Code = Annotated[int | None, BeforeValidator(_code)]
Flag = Annotated[bool | None, BeforeValidator(_flag)]
Timestamp = Annotated[datetime | None, BeforeValidator(_timestamp)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Record(_Model):
    """A model read from a JSON object that sits in a list, where anything else is an error."""

    @model_validator(mode="before")
    @classmethod
    def _must_be_object(cls, data: Any) -> Any:
        return _object(data)


class Position(_Model):
    """A marker position in percent of the photo's width and height, origin top-left."""

    x: float
    y: float
    #: True when PAVE's value lay outside the photo and was moved onto its edge.
    clamped: bool = False


def _position(raw: Any) -> Position | None:
    if not isinstance(raw, dict):
        return None
    x, y = _number(raw.get("x")), _number(raw.get("y"))
    if x is None or y is None:
        return None
    inside_x, inside_y = min(max(x, 0.0), 100.0), min(max(y, 0.0), 100.0)
    return Position(x=inside_x, y=inside_y, clamped=(inside_x, inside_y) != (x, y))


class Damage(_Model):
    """One damage PAVE found on one photo."""

    damage_group: Text = ""
    component: Text = ""
    damage_name: Text = ""
    description: Text = ""
    tolerance: Text = ""
    repair_method: Text = ""
    position: Position | None = None

    @model_validator(mode="before")
    @classmethod
    def _read_coordinates(cls, data: Any) -> Any:
        data = _object(data)
        # The docs spell it "coodrs"; accept the spelling a fixed API would use too.
        raw = next(
            (data[key] for key in ("coodrs", "coords", "coordinates") if isinstance(data.get(key), dict)),
            None,
        )
        return {**data, "position": _position(raw)}


DamageList = Annotated[list[Damage], BeforeValidator(_list)]


class PhotoDamages(_Record):
    """A photo of the results body and the damages found on it."""

    photo_code: Code = None
    photo_label: Text = ""
    url: Text = ""
    damages: DamageList = Field(default_factory=list, validation_alias="inspection_data")


class SessionInfo(_Model):
    """The session's state and links, as PAVE's session object gives them."""

    session_key: Text = ""
    status: Text = ""
    language: Text = ""
    inspect_started_at: Timestamp = None
    inspect_ended_at: Timestamp = None
    condition_report: Text = ""
    landing_page: Text = ""


class Vehicle(_Model):
    """The vehicle as PAVE identified it; every field may be empty."""

    vin: Text = ""
    year: Text = ""
    make: Text = ""
    model: Text = ""
    trim: Text = ""
    body_type: Text = ""
    transmission: Text = ""
    drivetrain: Text = ""
    engine_type: Text = ""
    fuel_type: Text = ""
    ext_col: Text = ""
    int_col: Text = ""
    odom_reading: Text = ""
    odom_unit: Text = ""


SessionObject = Annotated[SessionInfo, BeforeValidator(_object)]
VehicleObject = Annotated[Vehicle, BeforeValidator(_object)]
PhotoList = Annotated[list[PhotoDamages], BeforeValidator(_list)]


class DamageResults(_Model):
    """The body of GET /v1/hotspots/{key}: damages per photo, the session and the vehicle."""

    success: Flag = None
    message: Text = ""
    photos: PhotoList = Field(default_factory=list, validation_alias="data")
    session: SessionObject = Field(default_factory=SessionInfo)
    vehicle: VehicleObject = Field(default_factory=Vehicle)

    @property
    def damage_count(self) -> int:
        """How many damages all photos hold together."""
        return sum(len(photo.damages) for photo in self.photos)


class CaptureAttempt(_Record):
    """One entry of GET /v1/sessions/{key}/photos: a capture attempt and its QA verdict."""

    photo_code: Code = None
    photo_label: Text = ""
    url: Text = ""
    approved: Flag = None
    approved_message: Text = ""
    created_at: Timestamp = None
    updated_at: Timestamp = None


AttemptList = Annotated[list[CaptureAttempt], BeforeValidator(_list)]


class _AttemptsBody(_Model):
    attempts: AttemptList


class SessionDetails(_Model):
    """The body of GET /v1/sessions/{key}: session state and the full vehicle record."""

    session: SessionObject = Field(default_factory=SessionInfo)
    vehicle: VehicleObject = Field(default_factory=Vehicle)


def parse_results(body: Any, source: str = "hotspots") -> DamageResults:
    """Validate GET /v1/hotspots/{key}'s body; `source` names it in errors."""
    return _validate(DamageResults, _object_body(body, source), source)


def parse_captures(body: Any, source: str = "photos") -> list[CaptureAttempt]:
    """Validate GET /v1/sessions/{key}/photos's body: a list, or one wrapped in `data`."""
    # Documented as a bare list; a wrapped {"data": [...]} is accepted too.
    if isinstance(body, dict):
        body = body.get("data", body.get("photos", body))
    if not isinstance(body, list):
        raise InvalidDataError(f"{source}: expected a list of photos, got {_json_type(body)}")
    return _validate(_AttemptsBody, {"attempts": body}, source).attempts


def parse_session(body: Any, source: str = "session") -> SessionDetails:
    """Validate GET /v1/sessions/{key}'s body, with or without its `data` wrapper."""
    body = _object_body(body, source)
    if isinstance(body.get("data"), dict):
        body = body["data"]
    # Accept the session's fields at the top level or under "session".
    session = body.get("session") if isinstance(body.get("session"), dict) else body
    return _validate(SessionDetails, {"session": session, "vehicle": body.get("vehicle")}, source)


def merge_session(results: DamageResults, details: SessionDetails | None) -> DamageResults:
    """Fill what the results body lacks from the session body; the results body wins on conflict."""
    if details is None:
        return results
    session = _fill(results.session, details.session)
    vehicle = _fill(results.vehicle, details.vehicle)
    return results.model_copy(update={"session": session, "vehicle": vehicle})


def _fill(primary: M, fallback: M) -> M:
    missing = {
        name: getattr(fallback, name)
        for name in type(primary).model_fields
        if getattr(primary, name) in ("", None) and getattr(fallback, name) not in ("", None)
    }
    return primary.model_copy(update=missing)


def _object_body(body: Any, source: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidDataError(f"{source}: expected a JSON object, got {_json_type(body)}")
    return body


def _validate(model: type[M], data: Any, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise InvalidDataError(f"{source}: {_location(first['loc'])}: {_message(first)}") from None
    except RecursionError:
        raise InvalidDataError(f"{source}: nested too deeply") from None


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not part.startswith(("function-", "model-")):
            path += f".{part}" if path else str(part)
    return path.replace("attempts", "", 1).lstrip(".") or "body"


def _message(error: Any) -> str:
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


_NO_DAMAGE_TEXT = re.compile(r"no\s+damages?\s+found", re.IGNORECASE)


def load_json(text: str, source: str) -> Any:
    """Parse a PAVE body; the docs' own malformed no-damage body counts as "no damage"."""
    try:
        return json.loads(text)
    except RecursionError:
        raise InvalidDataError(f"{source}: nested too deeply") from None
    except json.JSONDecodeError as error:
        # PAVE's documented no-damage sample has a missing comma and curly quotes; real
        # servers may send it as printed, and it still means what it says.
        if _NO_DAMAGE_TEXT.search(text) and re.search(r'"success"\s*:\s*false', text):
            return {"success": False, "data": [], "message": "No damages found on the vehicle"}
        raise InvalidDataError(
            f"{source}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:  # e.g. an integer beyond Python's digit limit
        raise InvalidDataError(f"{source}: invalid JSON: {error}") from None
