"""The report's view model: frozen values the templates read, with every count and measure worked out."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .i18n import gettext as _
from .i18n import ngettext
from .imaging import EncodedImage

__all__ = [
    "DETAIL_COLUMNS",
    "KEEP_WHOLE_ROWS",
    "MAX_KEY_ROWS",
    "SHORT_KEY_ROWS",
    "TABLE_CHUNK_ROWS",
    "BadgeLine",
    "BrandView",
    "CaptureStatus",
    "Checklist",
    "ChecklistRow",
    "ComponentGroup",
    "Count",
    "DamageMap",
    "DamageRow",
    "EstimateRow",
    "EstimateView",
    "Fact",
    "FileAsset",
    "GridRow",
    "ImageAsset",
    "LegendEntry",
    "Link",
    "MapBadge",
    "MapRegion",
    "PhotoPanel",
    "ReportView",
    "SeverityBadge",
    "Summary",
    "UnmappedComponent",
    "one_line",
    "photo_alt",
]

#: A photo's key lists this many markers; the tables list them all.
MAX_KEY_ROWS = 24
#: A photo whose key has at most this many rows is short: it is printed beside its key and shares
#: a page with the next short one. A longer key needs the page's width below its photo.
SHORT_KEY_ROWS = 6
#: Long groups are laid out as several short tables: WeasyPrint lays out short tables much faster.
TABLE_CHUNK_ROWS = 25
#: A component's group of at most this many rows is kept on one page; a longer one may break.
KEEP_WHOLE_ROWS = 12
#: Close-ups are printed this many to a row.
DETAIL_COLUMNS = 3


def one_line(text: str) -> str:
    """Text with every run of white space (tabs and line breaks too) as one space, as an alternative text is read."""
    return " ".join(text.split())


def photo_alt(title: str, damages: Sequence[str]) -> str:
    """A photo's text alternative: "Front photo, 2 damages marked: 4 Scraped, Front bumper (Major); …"."""
    if not damages:
        return one_line(_("{title} photo, no damage marked").format(title=title))
    marked = ngettext(
        "{title} photo, {count} damage marked: {damages}",
        "{title} photo, {count} damages marked: {damages}",
        len(damages),
    )
    return one_line(marked.format(title=title, count=len(damages), damages="; ".join(damages)))


@dataclass(frozen=True)
class ImageAsset:
    """Image bytes the report embeds; `name` is unique per content, so caches can share it."""

    name: str
    data: bytes
    media_type: str
    width: int
    height: int

    @classmethod
    def from_encoded(cls, image: EncodedImage) -> ImageAsset:
        """A JPEG made by imaging, named by its content."""
        digest = hashlib.sha256(image.data).hexdigest()[:24]
        return cls(f"{digest}.jpg", image.data, "image/jpeg", image.width, image.height)


@dataclass(frozen=True)
class FileAsset:
    """A file of the theme or brand (logo) that the report references."""

    path: Path
    media_type: str


@dataclass(frozen=True)
class Link:
    """A labelled address on the first page."""

    label: str
    text: str
    #: None when the URL is not a plain http(s) address: the text is then shown but not linked.
    href: str | None


@dataclass(frozen=True)
class Fact:
    """One labelled value of the vehicle or the inspection."""

    label: str
    value: str


@dataclass(frozen=True)
class SeverityBadge:
    """A severity as a badge shows it: the key picks its colours."""

    key: str
    label: str


@dataclass(frozen=True)
class DamageRow:
    """One numbered damage as the tables, keys, close-ups and estimate show it."""

    number: int
    component: str
    side: str
    description: str
    code: str
    group: str
    severity: SeverityBadge
    tolerance: str
    repair_method: str
    photo_title: str
    photo_anchor: str
    #: Says why the damage has no marker, or that its marker was moved onto the photo's edge.
    position_note: str
    component_code: str = ""
    region: str | None = None
    closeup: ImageAsset | None = None

    @property
    def spoken(self) -> str:
        """The damage in one phrase for a screen reader: "4 Scraped, Front bumper (Major)"."""
        return f"{self.number} {self.description}, {self.component} ({self.severity.label})"

    @property
    def closeup_alt(self) -> str:
        """The close-up's text alternative: which damage it shows, and on which photo."""
        return one_line(
            _("Close-up of damage {damage}, from the {photo} photo").format(damage=self.spoken, photo=self.photo_title)
        )


@dataclass(frozen=True)
class GridRow:
    """A row of a grid of damages: its cells, then as many empty cells as the row lacks."""

    cells: tuple[DamageRow, ...]
    blank_cells: int


def _grid(rows: tuple[DamageRow, ...], columns: int) -> tuple[GridRow, ...]:
    return tuple(
        GridRow(rows[i : i + columns], columns - len(rows[i : i + columns])) for i in range(0, len(rows), columns)
    )


@dataclass(frozen=True)
class PhotoPanel:
    """A photo with its markers and, below or beside it, the key to them."""

    anchor: str
    title: str
    code: str
    image: ImageAsset | None
    #: What the reader is told in place of a photo that could not be used; None when it is shown.
    problem: str | None
    damages: tuple[DamageRow, ...]
    unplaced: int
    #: Printed at half height beside its key, sharing its page with another short photo.
    shares_page: bool = False
    #: Starts a page; the first photo follows the chapter's heading instead.
    new_page: bool = False

    @property
    def key_rows(self) -> tuple[DamageRow, ...]:
        """The damages the key lists: the first MAX_KEY_ROWS."""
        return self.damages[:MAX_KEY_ROWS]

    @property
    def key_columns(self) -> int:
        """Key rows side by side: two below a full-width photo, one beside a half-page one."""
        return 1 if self.shares_page else 2

    @property
    def key_table(self) -> tuple[GridRow, ...]:
        """The key's rows laid out key_columns to a table row."""
        return _grid(self.key_rows, self.key_columns)

    @property
    def short(self) -> bool:
        """A key short enough to print beside the photo."""
        return len(self.key_rows) <= SHORT_KEY_ROWS and not self.more_in_tables

    @property
    def more_in_tables(self) -> int:
        """The photo's damages that only the tables list."""
        return max(0, len(self.damages) - MAX_KEY_ROWS)

    @property
    def alt_text(self) -> str:
        """The photo's text alternative: its view and every damage marked on it, from the data."""
        return photo_alt(self.title, [row.spoken for row in self.damages])


@dataclass(frozen=True)
class ComponentGroup:
    """The damages of one component, as a table of its own."""

    name: str
    side: str
    worst: SeverityBadge
    rows: tuple[DamageRow, ...]
    #: Starts a page: a group too long to keep whole, after the chapter's first (which follows the heading).
    new_page: bool = False

    @property
    def chunks(self) -> tuple[tuple[DamageRow, ...], ...]:
        """The rows cut into tables of TABLE_CHUNK_ROWS."""
        return tuple(self.rows[i : i + TABLE_CHUNK_ROWS] for i in range(0, len(self.rows), TABLE_CHUNK_ROWS))

    @property
    def keep(self) -> bool:
        """Short enough to keep on one page."""
        return len(self.rows) <= KEEP_WHOLE_ROWS


@dataclass(frozen=True)
class Count:
    """One line of a breakdown."""

    key: str
    label: str
    count: int
    #: Share of the largest count in the same list, 0–100, for the bar length.
    bar: float


@dataclass(frozen=True)
class Summary:
    """The first page's totals and breakdowns."""

    total: int
    by_severity: tuple[Count, ...]
    by_group: tuple[Count, ...]
    by_repair: tuple[Count, ...]
    by_side: tuple[Count, ...]
    photos_with_damage: int
    unplaced: int

    @property
    def total_label(self) -> str:
        """The total with thousands separated."""
        return f"{self.total:,}"


class CaptureStatus(StrEnum):
    """What QA made of a capture step; the value is also the CSS class of its badge."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MISSING = "missing"

    @property
    def label(self) -> str:
        """The word the checklist prints."""
        return {"accepted": _("Accepted"), "rejected": _("Rejected"), "missing": _("Not captured")}[self.value]


@dataclass(frozen=True)
class ChecklistRow:
    """One capture step of the checklist."""

    step: str
    title: str
    label: str
    status: CaptureStatus
    note: str
    attempts: int
    first_captured: str
    last_updated: str
    thumbnail: ImageAsset | None

    @property
    def status_label(self) -> str:
        """The step's status in words."""
        return self.status.label

    @property
    def recaptures(self) -> int:
        """Attempts after the first."""
        return max(0, self.attempts - 1)

    @property
    def reviewed_later(self) -> bool:
        """QA's last word came at another time than the first capture, so both are shown."""
        return bool(self.last_updated) and self.last_updated != self.first_captured


@dataclass(frozen=True)
class Checklist:
    """The capture checklist and its counts by status."""

    rows: tuple[ChecklistRow, ...]
    accepted: int
    rejected: int
    missing: int


@dataclass(frozen=True)
class BrandView:
    """The brand as the report shows it."""

    name: str
    title: str
    logo: FileAsset | None
    primary_color: str
    accent_color: str
    footer: str
    contact: str


@dataclass(frozen=True)
class LegendEntry:
    """A severity with the colours of its markers."""

    key: str
    label: str
    colour: str
    text_colour: str


@dataclass(frozen=True)
class MapRegion:
    """A part of the vehicle diagram: its worst severity's colour and its marker numbers."""

    colour: str
    numbers: str


@dataclass(frozen=True)
class UnmappedComponent:
    """A damaged component the diagram has no part for."""

    name: str
    numbers: str


@dataclass(frozen=True)
class BadgeLine:
    """One line of a badge's label, centred on x with its baseline at y."""

    text: str
    x: float
    y: float


@dataclass(frozen=True)
class MapBadge:
    """The white label that lists a part's marker numbers on the vehicle diagram (SVG units)."""

    region: str
    x: float
    y: float
    width: float
    height: int
    lines: tuple[BadgeLine, ...]


@dataclass(frozen=True)
class DamageMap:
    """The vehicle diagram: each region's worst-severity colour and its marker numbers."""

    regions: dict[str, MapRegion]
    unmapped: tuple[UnmappedComponent, ...]
    badges: tuple[MapBadge, ...] = ()
    #: The map's text alternative: each part with its damages' numbers and its worst severity.
    description: str = ""
    neutral: str = "#e9edf1"
    outline: str = "#8a96a3"


@dataclass(frozen=True)
class EstimateRow:
    """One damage's line of the repair estimate, its amounts formatted in the card's currency."""

    number: int
    description: str
    component: str
    severity: SeverityBadge
    repair_method: str
    hours: str
    labour: str
    parts: str
    total: str
    chargeable: bool
    note: str


@dataclass(frozen=True)
class EstimateView:
    """The repair estimate with its totals."""

    currency: str
    labour_rate: str
    rows: tuple[EstimateRow, ...]
    excess_wear: str
    normal_wear_count: int
    total: str


@dataclass(frozen=True)
class ReportView:
    """Everything the report's templates read."""

    brand: BrandView
    paper: str
    session_key: str
    #: Year, make, model and trim; empty when PAVE gave none of them.
    vehicle_title: str
    #: What the first page leads with: the vehicle, else the inspection and its date.
    headline: str
    #: The vehicle and VIN in the running header of later pages; empty when neither is known.
    running_title: str
    vin: str
    vehicle_facts: tuple[Fact, ...]
    inspection_facts: tuple[Fact, ...]
    links: tuple[Link, ...]
    generated_at: str
    no_damage_message: str
    summary: Summary
    legend: tuple[LegendEntry, ...]
    photos: tuple[PhotoPanel, ...]
    #: "Damage photos", or "Vehicle photos" when the photos show a vehicle without damage.
    photos_heading: str
    groups: tuple[ComponentGroup, ...]
    checklist: Checklist | None
    checklist_note: str
    #: Notices for the reader of the PDF, in the customer's words (Report.warnings has the detail).
    warnings: tuple[str, ...]
    damage_map: DamageMap
    details: tuple[DamageRow, ...] = ()
    estimate: EstimateView | None = None
    qr_code: ImageAsset | None = None
    #: The address the QR code holds: its text alternative.
    qr_url: str = ""
    #: ISO 8601 date for the PDF's creation and modification dates.
    document_date: str = ""
    #: Some text needs the CJK fallback font, so the theme declares it (5 MB: only when used).
    cjk_font: bool = False
    #: SHA-256 (hex) of the inspection record (manifest.py), printed on the last page; its QR code.
    record_digest: str = ""
    record_qr: ImageAsset | None = None

    @property
    def record_digest_groups(self) -> tuple[str, ...]:
        """The record's digest in groups of eight characters, for a person to compare."""
        return tuple(self.record_digest[i : i + 8] for i in range(0, len(self.record_digest), 8))

    #: The customer's language (i18n.LANGUAGES): the report's fixed texts, dates and numbers.
    lang: str = "en"

    @property
    def page_size(self) -> str:
        """The paper as CSS names it."""
        return "letter" if self.paper == "letter" else "A4"

    @property
    def facts_below_vin(self) -> tuple[Fact, ...]:
        """The vehicle's facts but its VIN, which the first page prints on a line of its own."""
        return tuple(fact for fact in self.vehicle_facts if fact.label != "VIN")

    @property
    def map_legend(self) -> tuple[LegendEntry, ...]:
        """The severities the damage map's legend names: all but the unrated one."""
        return tuple(entry for entry in self.legend if entry.key != "unknown")

    @property
    def notices(self) -> tuple[str, ...]:
        """The warnings as the PDF prints them, each starting with a capital."""
        return tuple(warning[:1].upper() + warning[1:] for warning in self.warnings)

    @property
    def detail_rows(self) -> tuple[GridRow, ...]:
        """The close-ups, DETAIL_COLUMNS to a row."""
        return _grid(self.details, DETAIL_COLUMNS)

    @property
    def every_damage_has_a_closeup(self) -> bool:
        """Whether the close-ups cover every damage, or only the first ones."""
        return len(self.details) == self.summary.total
