"""The damage plan: which photos a report shows and how its damages are numbered, before any pixel is drawn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from . import vocabulary
from .models import CaptureAttempt, Damage, DamageResults, PhotoDamages
from .vocabulary import Component, Severity

__all__ = [
    "MAX_CLOSEUPS",
    "MAX_REPORT_DAMAGES",
    "Marker",
    "NumberedDamage",
    "PlannedPhoto",
    "chosen_attempt",
    "chosen_attempts",
    "condition_photos",
    "in_capture_order",
    "limit_plan",
    "plan_photos",
]

#: The PDF lists at most this many damages (about 40 pages of tables); the summary has them all.
MAX_REPORT_DAMAGES = 1000
#: Close-ups are made for the first damages only: beyond a few pages they stop helping a reader.
MAX_CLOSEUPS = 60


@dataclass(frozen=True)
class Marker:
    """A numbered damage marker at a position in percent of the photo's width and height."""

    number: int
    x: float
    y: float
    colour: str
    text_colour: str


@dataclass(frozen=True)
class NumberedDamage:
    """A damage with its number in the report, its severity and its component."""

    number: int
    damage: Damage
    severity: Severity
    component: Component

    @property
    def description(self) -> str:
        """What the damage is called wherever it is shown: PAVE's description, else its code made readable."""
        return self.damage.description or vocabulary.humanize(self.damage.damage_name) or "Damage"


@dataclass(frozen=True)
class PlannedPhoto:
    """A photo of the report with the numbered damages it carries (none for a condition photo)."""

    photo: PhotoDamages
    damages: tuple[NumberedDamage, ...]

    @property
    def title(self) -> str:
        """The photo's name for a reader, the same in the PDF, the summary and the warnings."""
        return vocabulary.photo_title(self.photo.photo_code, self.photo.photo_label)

    @property
    def markers(self) -> tuple[Marker, ...]:
        """The markers drawn on the photo: its damages that have a position."""
        return tuple(
            Marker(d.number, d.damage.position.x, d.damage.position.y, d.severity.colour, d.severity.text_colour)
            for d in self.damages
            if d.damage.position is not None
        )


def limit_plan(planned: Sequence[PlannedPhoto], limit: int = MAX_REPORT_DAMAGES) -> list[PlannedPhoto]:
    """The plan cut to the damages numbered up to `limit`; photos left without any are dropped."""
    cut = [PlannedPhoto(p.photo, tuple(d for d in p.damages if d.number <= limit)) for p in planned]
    return [p for p in cut if p.damages]


def plan_photos(results: DamageResults) -> list[PlannedPhoto]:
    """Order photos as PAVE captures them and number damages through the whole report.

    Within a photo, numbers run left to right so a reader scanning the photo meets them in order;
    damages without a position come last.
    """
    photos = sorted(
        (photo for photo in results.photos if photo.damages),
        key=lambda photo: vocabulary.photo_order(photo.photo_code),
    )
    planned, number = [], 0
    for photo in photos:
        ordered = sorted(
            photo.damages,
            key=lambda d: (0, d.position.x, d.position.y) if d.position else (1, 0.0, 0.0),
        )
        numbered = []
        for damage in ordered:
            number += 1
            numbered.append(
                NumberedDamage(
                    number,
                    damage,
                    vocabulary.severity_of(damage.damage_name),
                    vocabulary.component(damage.component),
                )
            )
        planned.append(PlannedPhoto(photo, tuple(numbered)))
    return planned


def condition_photos(results: DamageResults, captures: Sequence[CaptureAttempt] | None) -> list[PlannedPhoto]:
    """The photos a report without damages shows, as proof of the vehicle's condition.

    The accepted capture attempts of PAVE's photo list, else the photos of the damage results, in
    capture order; each is a planned photo without damages.
    """
    accepted = [
        PhotoDamages(photo_code=a.photo_code, photo_label=a.photo_label, url=a.url)
        for a in chosen_attempts(captures or [])
        if a.approved and a.url
    ]
    unique: dict[str, PhotoDamages] = {}
    for photo in accepted or [photo for photo in results.photos if photo.url]:
        unique.setdefault(photo.url, photo)
    ordered = sorted(unique.values(), key=lambda photo: vocabulary.photo_order(photo.photo_code))
    return [PlannedPhoto(photo, ()) for photo in ordered]


def chosen_attempts(captures: Sequence[CaptureAttempt]) -> list[CaptureAttempt]:
    """The attempt whose photo stands for each capture step: its latest approved one, else its latest."""
    by_code: dict[int | None, list[tuple[int, CaptureAttempt]]] = {}
    for index, attempt in enumerate(captures):
        by_code.setdefault(attempt.photo_code, []).append((index, attempt))
    return [chosen_attempt(in_capture_order(indexed)) for indexed in by_code.values()]


def in_capture_order(indexed: list[tuple[int, CaptureAttempt]]) -> list[CaptureAttempt]:
    """One step's attempts (each with its index in PAVE's list) from the first capture to the last."""
    far_future = datetime.max.replace(tzinfo=UTC)
    # Recaptures: order by capture time (input order breaks ties and stands in for missing times).
    return [a for _, a in sorted(indexed, key=lambda pair: (pair[1].created_at or far_future, pair[0]))]


def chosen_attempt(attempts: list[CaptureAttempt]) -> CaptureAttempt:
    """Of one step's attempts in capture order, the latest approved one, else the latest."""
    approved = [a for a in attempts if a.approved]
    return approved[-1] if approved else attempts[-1]
