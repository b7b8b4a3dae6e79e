"""The report's view model: every value the templates read, numbered, grouped and counted here once."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from . import vocabulary
from .brand import Brand
from .estimate import Estimate
from .imaging import EncodedImage, Marker, PhotoResult
from .models import CaptureAttempt, Damage, DamageResults, PhotoDamages
from .vocabulary import Component, Severity

STATUS_LABELS = {"accepted": "Accepted", "rejected": "Rejected", "missing": "Not captured"}
#: The PDF lists at most this many damages (about 40 pages of tables); the summary has them all.
MAX_REPORT_DAMAGES = 1000
#: Close-ups are made for the first damages only: beyond a few pages they stop helping a reader.
MAX_CLOSEUPS = 60
#: A photo's key lists this many markers; the tables list them all.
MAX_KEY_ROWS = 24
#: A part on the damage map is labelled with at most this many marker numbers.
MAP_LABEL_NUMBERS = 8
#: What the PDF says in place of a photo that could not be used; the cause goes to the warnings.
PHOTO_UNAVAILABLE = "This photo could not be retrieved."
#: A photo whose key has at most this many rows is short: it is printed beside its key and shares
#: a page with the next short one. A longer key needs the page's width below its photo.
SHORT_KEY_ROWS = 6
#: Said where PAVE did not give a value.
NOT_RECORDED = "Not recorded"


# ---- The plan: numbering, decided before any pixel is drawn -------------------------------------


@dataclass(frozen=True)
class NumberedDamage:
    number: int
    damage: Damage
    severity: Severity
    component: Component


@dataclass(frozen=True)
class PlannedPhoto:
    photo: PhotoDamages
    damages: tuple[NumberedDamage, ...]

    @property
    def markers(self) -> tuple[Marker, ...]:
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


# ---- What the templates read ---------------------------------------------------------------------


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
        digest = hashlib.sha256(image.data).hexdigest()[:24]
        return cls(f"{digest}.jpg", image.data, "image/jpeg", image.width, image.height)


@dataclass(frozen=True)
class FileAsset:
    """A file of the theme or brand (logo) that the report references."""

    path: Path
    media_type: str


@dataclass(frozen=True)
class Link:
    label: str
    text: str
    #: None when the URL is not a plain http(s) address: the text is then shown but not linked.
    href: str | None


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class SeverityBadge:
    key: str
    label: str


@dataclass(frozen=True)
class DamageRow:
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


@dataclass(frozen=True)
class PhotoPanel:
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
        return self.damages[:MAX_KEY_ROWS]

    @property
    def key_columns(self) -> int:
        """Key rows side by side: two below a full-width photo, one beside a half-page one."""
        return 1 if self.shares_page else 2

    @property
    def short(self) -> bool:
        return len(self.key_rows) <= SHORT_KEY_ROWS and not self.more_in_tables

    @property
    def more_in_tables(self) -> int:
        return max(0, len(self.damages) - MAX_KEY_ROWS)


#: Long groups are laid out as several short tables: WeasyPrint lays out short tables much faster.
TABLE_CHUNK_ROWS = 25


@dataclass(frozen=True)
class ComponentGroup:
    name: str
    side: str
    worst: SeverityBadge
    rows: tuple[DamageRow, ...]

    @property
    def chunks(self) -> tuple[tuple[DamageRow, ...], ...]:
        return tuple(self.rows[i : i + TABLE_CHUNK_ROWS] for i in range(0, len(self.rows), TABLE_CHUNK_ROWS))


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int
    #: Share of the largest count in the same list, 0–100, for the bar length.
    bar: float


@dataclass(frozen=True)
class Summary:
    total: int
    by_severity: tuple[Count, ...]
    by_group: tuple[Count, ...]
    by_repair: tuple[Count, ...]
    by_side: tuple[Count, ...]
    photos_with_damage: int
    unplaced: int


@dataclass(frozen=True)
class ChecklistRow:
    step: str
    title: str
    label: str
    status: str
    status_label: str
    note: str
    attempts: int
    first_captured: str
    last_updated: str
    thumbnail: ImageAsset | None


@dataclass(frozen=True)
class Checklist:
    rows: tuple[ChecklistRow, ...]
    accepted: int
    rejected: int
    missing: int


@dataclass(frozen=True)
class BrandView:
    name: str
    title: str
    logo: FileAsset | None
    primary_color: str
    accent_color: str
    footer: str
    contact: str


@dataclass(frozen=True)
class LegendEntry:
    key: str
    label: str
    colour: str
    text_colour: str


@dataclass(frozen=True)
class MapRegion:
    colour: str
    numbers: str


@dataclass(frozen=True)
class UnmappedComponent:
    name: str
    numbers: str


@dataclass(frozen=True)
class DamageMap:
    """The vehicle diagram: each region's worst-severity colour and its marker numbers."""

    regions: dict[str, MapRegion]
    unmapped: tuple[UnmappedComponent, ...]
    neutral: str = "#e9edf1"
    outline: str = "#8a96a3"


@dataclass(frozen=True)
class EstimateRow:
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
    currency: str
    labour_rate: str
    rows: tuple[EstimateRow, ...]
    excess_wear: str
    normal_wear: str
    normal_wear_count: int
    total: str


@dataclass(frozen=True)
class ReportView:
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
    #: ISO 8601 date for the PDF's creation and modification dates.
    document_date: str = ""
    #: Some text needs the CJK fallback font, so the theme declares it (5 MB: only when used).
    cjk_font: bool = False


def build_view(
    *,
    results: DamageResults,
    planned: Sequence[PlannedPhoto],
    photo_results: Sequence[PhotoResult],
    captures: Sequence[CaptureAttempt] | None,
    thumbnails: dict[str, PhotoResult],
    brand: Brand,
    paper: str,
    session_key: str,
    generated_at: datetime,
    checklist_note: str,
    warnings: Sequence[str],
    closeups: dict[int, EncodedImage] | None = None,
    estimate: Estimate | None = None,
    document_date: datetime | None = None,
) -> ReportView:
    """Assemble the view; photo_results are aligned with planned, thumbnails are keyed by URL."""
    panels, rows = [], []
    for index, (plan, processed) in enumerate(zip(planned, photo_results, strict=True), start=1):
        anchor = f"photo-{index}"
        title = vocabulary.photo_title(plan.photo.photo_code, plan.photo.photo_label)
        panel_rows = tuple(_damage_row(d, title, anchor, (closeups or {}).get(d.number)) for d in plan.damages)
        rows.extend(panel_rows)
        panels.append(
            PhotoPanel(
                anchor=anchor,
                title=title,
                code=str(plan.photo.photo_code) if plan.photo.photo_code is not None else "",
                image=ImageAsset.from_encoded(processed.photo) if processed.photo else None,
                problem=None if processed.photo else PHOTO_UNAVAILABLE,
                damages=panel_rows,
                unplaced=sum(1 for d in plan.damages if d.damage.position is None),
            )
        )
    vehicle, session = results.vehicle, results.session
    vehicle_title = " ".join(p for p in (vehicle.year, vehicle.make, vehicle.model, vehicle.trim) if p)
    return ReportView(
        brand=BrandView(
            name=brand.name,
            title=brand.title,
            logo=FileAsset(brand.logo, brand.logo_type) if brand.logo else None,
            primary_color=brand.primary_color,
            accent_color=brand.accent_color,
            footer=brand.footer,
            contact=brand.contact,
        ),
        paper=paper,
        session_key=session_key,
        vehicle_title=vehicle_title,
        headline=vehicle_title or _inspection_headline(results),
        running_title=" · ".join(part for part in (vehicle_title, f"VIN {vehicle.vin}" if vehicle.vin else "") if part),
        vin=vehicle.vin,
        vehicle_facts=_vehicle_facts(results, known=bool(vehicle_title)),
        inspection_facts=_inspection_facts(results),
        links=tuple(
            link
            for link in (
                _link("Condition report", session.condition_report),
                _link("Inspection page", session.landing_page),
            )
            if link
        ),
        generated_at=format_time(generated_at),
        no_damage_message="" if rows else (results.message or "No damage was found on the vehicle."),
        summary=_summary(rows, sum(1 for panel in panels if panel.damages)),
        legend=tuple(LegendEntry(s.key, s.label, s.colour, s.text_colour) for s in vocabulary.severities().values()),
        photos=_paginate(panels),
        photos_heading="Damage photos" if rows else "Vehicle photos",
        groups=_groups(rows),
        checklist=_checklist(captures, thumbnails) if captures is not None else None,
        checklist_note=checklist_note,
        warnings=tuple(warnings),
        damage_map=_damage_map(rows),
        details=tuple(row for row in rows if row.closeup),
        estimate=_estimate_view(estimate, rows) if estimate else None,
        qr_code=_qr_code(session.landing_page),
        document_date=(document_date or generated_at).isoformat(timespec="seconds"),
    )


def _paginate(panels: Sequence[PhotoPanel]) -> tuple[PhotoPanel, ...]:
    """Two short photos in a row share a page; any other photo has a page to itself."""
    laid_out: list[PhotoPanel] = []
    index = 0
    while index < len(panels):
        panel, first = panels[index], index == 0
        following = panels[index + 1] if index + 1 < len(panels) else None
        if following is not None and panel.short and following.short:
            laid_out += [replace(panel, shares_page=True, new_page=not first), replace(following, shares_page=True)]
            index += 2
        else:
            laid_out.append(replace(panel, new_page=not first))
            index += 1
    return tuple(laid_out)


def _damage_row(numbered: NumberedDamage, photo_title: str, anchor: str, closeup: EncodedImage | None) -> DamageRow:
    damage = numbered.damage
    if damage.position is None:
        note = "position not given"
    elif damage.position.clamped:
        note = "position outside the photo; marked at its edge"
    else:
        note = ""
    return DamageRow(
        number=numbered.number,
        component=numbered.component.name,
        side=vocabulary.sides().get(numbered.component.side, "Other"),
        description=damage.description or vocabulary.humanize(damage.damage_name) or "Damage",
        code=damage.damage_name,
        group=vocabulary.group_label(damage.damage_group) if damage.damage_group else "Not given",
        severity=SeverityBadge(numbered.severity.key, numbered.severity.label),
        tolerance=damage.tolerance,
        repair_method=damage.repair_method,
        photo_title=photo_title,
        photo_anchor=anchor,
        position_note=note,
        component_code=damage.component,
        region=numbered.component.region,
        closeup=ImageAsset.from_encoded(closeup) if closeup else None,
    )


def _damage_map(rows: Sequence[DamageRow]) -> DamageMap:
    colours = {key: severity.colour for key, severity in vocabulary.severities().items()}
    order = vocabulary.SEVERITY_ORDER
    by_region: dict[str, list[DamageRow]] = {}
    unmapped: dict[str, list[DamageRow]] = {}
    for row in rows:
        (by_region.setdefault(row.region, []) if row.region else unmapped.setdefault(row.component, [])).append(row)

    def numbers(members: list[DamageRow]) -> str:
        # A label lists a handful of numbers; a crowded part shows how many more there are.
        shown = [str(row.number) for row in members[:MAP_LABEL_NUMBERS]]
        if len(members) > MAP_LABEL_NUMBERS:
            shown.append(f"+{len(members) - MAP_LABEL_NUMBERS}")
        return ", ".join(shown)

    regions = {
        region: MapRegion(colours[min((m.severity.key for m in members), key=order.index)], numbers(members))
        for region, members in by_region.items()
    }
    return DamageMap(regions, tuple(UnmappedComponent(name, numbers(m)) for name, m in unmapped.items()))


def _estimate_view(estimate: Estimate, rows: Sequence[DamageRow]) -> EstimateView:
    from babel.numbers import format_currency, format_decimal

    card = estimate.card

    def money(amount: Decimal) -> str:
        return format_currency(amount, card.currency, locale=card.locale)

    by_number = {row.number: row for row in rows}
    return EstimateView(
        currency=card.currency,
        labour_rate=money(card.labour_rate),
        rows=tuple(
            EstimateRow(
                number=line.number,
                description=by_number[line.number].description,
                component=by_number[line.number].component,
                severity=by_number[line.number].severity,
                repair_method=by_number[line.number].repair_method or "—",
                hours=format_decimal(line.hours, format="#,##0.0#", locale=card.locale),
                labour=money(line.labour),
                parts=money(line.parts),
                total=money(line.total),
                chargeable=line.chargeable,
                note=line.note,
            )
            for line in estimate.lines
            if line.number in by_number
        ),
        excess_wear=money(estimate.excess_wear),
        normal_wear=money(estimate.normal_wear),
        normal_wear_count=estimate.normal_wear_lines,
        total=money(estimate.total),
    )


def _qr_code(url: str) -> ImageAsset | None:
    """A vector QR code of PAVE's inspection page, only for a plain web address."""
    link = _link("", url)
    if link is None or link.href is None:
        return None
    import segno

    code = segno.make(link.href, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", border=0, scale=4, dark="#1d232a")
    data = buffer.getvalue()
    size = code.symbol_size(scale=4, border=0)
    return ImageAsset(f"{hashlib.sha256(data).hexdigest()[:24]}.svg", data, "image/svg+xml", *size)


def _summary(rows: Sequence[DamageRow], photos: int) -> Summary:
    severity_counts = Counter(row.severity.key for row in rows)
    severities = tuple(
        (key, sev.label, severity_counts[key])
        for key, sev in vocabulary.severities().items()
        if key != "unknown" or severity_counts[key]
    )
    sides = Counter(row.side for row in rows)
    side_order = [label for label in vocabulary.sides().values() if sides[label]]
    groups = Counter(row.group for row in rows)
    repairs = Counter(row.repair_method or "Not given" for row in rows)
    return Summary(
        total=len(rows),
        by_severity=_counts(severities),
        by_group=_counts([(k, k, n) for k, n in groups.most_common()]),
        by_repair=_counts([(k, k, n) for k, n in repairs.most_common()]),
        by_side=_counts([(label, label, sides[label]) for label in side_order]),
        photos_with_damage=photos,
        unplaced=sum(1 for row in rows if row.position_note == "position not given"),
    )


def _counts(entries: Sequence[tuple[str, str, int]]) -> tuple[Count, ...]:
    largest = max((count for _, _, count in entries), default=0) or 1
    return tuple(Count(key, label, count, round(100 * count / largest, 1)) for key, label, count in entries)


def _groups(rows: Sequence[DamageRow]) -> tuple[ComponentGroup, ...]:
    by_component: dict[tuple[str, str], list[DamageRow]] = {}
    for row in rows:
        by_component.setdefault((row.side, row.component), []).append(row)
    side_rank = {label: rank for rank, label in enumerate(vocabulary.sides().values())}
    order = vocabulary.SEVERITY_ORDER
    groups = []
    for (side, name), members in sorted(
        by_component.items(), key=lambda item: (side_rank.get(item[0][0], 99), item[1][0].number)
    ):
        worst = min(members, key=lambda row: order.index(row.severity.key)).severity
        groups.append(ComponentGroup(name, side, worst, tuple(members)))
    return tuple(groups)


def _checklist(captures: Sequence[CaptureAttempt], thumbnails: dict[str, PhotoResult]) -> Checklist:
    by_code: dict[int | None, list[tuple[int, CaptureAttempt]]] = {}
    for index, attempt in enumerate(captures):
        by_code.setdefault(attempt.photo_code, []).append((index, attempt))
    steps = list(vocabulary.capture_steps())
    known = {step.code for step in steps}
    rows = [
        _checklist_row(str(step.order), step.title, step.label, by_code.get(step.code, []), thumbnails)
        for step in steps
    ]
    for code in sorted((c for c in by_code if c not in known), key=lambda c: (c is None, c or 0)):
        attempts = by_code[code]
        label = attempts[-1][1].photo_label
        rows.append(_checklist_row("–", vocabulary.photo_title(code, label), label, attempts, thumbnails))
    status = Counter(row.status for row in rows)
    return Checklist(tuple(rows), status["accepted"], status["rejected"], status["missing"])


def chosen_attempts(captures: Sequence[CaptureAttempt]) -> list[CaptureAttempt]:
    """The attempt whose photo stands for each capture step: its latest approved one, else its latest."""
    by_code: dict[int | None, list[tuple[int, CaptureAttempt]]] = {}
    for index, attempt in enumerate(captures):
        by_code.setdefault(attempt.photo_code, []).append((index, attempt))
    return [_chosen(_in_capture_order(indexed)) for indexed in by_code.values()]


def _in_capture_order(indexed: list[tuple[int, CaptureAttempt]]) -> list[CaptureAttempt]:
    far_future = datetime.max.replace(tzinfo=UTC)
    # Recaptures: order by capture time (input order breaks ties and stands in for missing times).
    return [a for _, a in sorted(indexed, key=lambda pair: (pair[1].created_at or far_future, pair[0]))]


def _chosen(attempts: list[CaptureAttempt]) -> CaptureAttempt:
    approved = [a for a in attempts if a.approved]
    return approved[-1] if approved else attempts[-1]


def _checklist_row(
    step: str,
    title: str,
    label: str,
    indexed: list[tuple[int, CaptureAttempt]],
    thumbnails: dict[str, PhotoResult],
) -> ChecklistRow:
    attempts = _in_capture_order(indexed)
    if not attempts:
        return ChecklistRow(step, title, label, "missing", STATUS_LABELS["missing"], "", 0, "", "", None)
    approved = [a for a in attempts if a.approved]
    chosen = _chosen(attempts)
    rejections = [_reason(a.approved_message) for a in attempts if a.approved is False]
    if approved:
        status = "accepted"
        note = ("Earlier: " + "; ".join(r for r in rejections if r)) if rejections else ""
    else:
        status = "rejected" if rejections else "missing"
        note = rejections[-1] if rejections else "no QA verdict given"
    created = [a.created_at for a in attempts if a.created_at]
    updated = [a.updated_at or a.created_at for a in attempts if a.updated_at or a.created_at]
    thumb = thumbnails.get(chosen.url)
    return ChecklistRow(
        step=step,
        title=title,
        label=chosen.photo_label or label,
        status=status,
        status_label=STATUS_LABELS[status],
        note=note,
        attempts=len(attempts),
        first_captured=format_time(min(created), with_date=False) if created else "",
        last_updated=format_time(max(updated), with_date=False) if updated else "",
        thumbnail=ImageAsset.from_encoded(thumb.thumbnail) if thumb and thumb.thumbnail else None,
    )


def _reason(message: str) -> str:
    reason = message.strip()
    for prefix in ("REJECTED:", "REJECTED"):
        if reason.upper().startswith(prefix):
            reason = reason[len(prefix) :].strip()
            break
    return reason


def _vehicle_facts(results: DamageResults, *, known: bool) -> tuple[Fact, ...]:
    """The vehicle's details PAVE gave; when it gave none at all, one line says they were not recorded."""
    v = results.vehicle
    odometer = ""
    if v.odom_reading:
        reading = v.odom_reading
        try:
            reading = f"{int(float(reading)):,}"
        except ValueError:
            pass
        odometer = f"{reading} {v.odom_unit}".strip()
    facts = [
        ("VIN", v.vin),
        ("Body", v.body_type),
        ("Exterior colour", v.ext_col),
        ("Interior colour", v.int_col),
        ("Odometer", odometer),
        ("Engine", v.engine_type),
        ("Fuel", v.fuel_type),
        ("Transmission", v.transmission),
        ("Drivetrain", v.drivetrain),
    ]
    given = tuple(Fact(label, value) for label, value in facts if value)
    return given or (() if known else (Fact("Vehicle details", NOT_RECORDED),))


def _inspection_headline(results: DamageResults) -> str:
    moment = results.session.inspect_ended_at or results.session.inspect_started_at
    return f"Vehicle inspection of {format_date(moment)}" if moment else "Vehicle inspection"


def _inspection_facts(results: DamageResults) -> tuple[Fact, ...]:
    session = results.session
    start, end = session.inspect_started_at, session.inspect_ended_at
    facts = [
        ("Started", format_time(start) if start else NOT_RECORDED),
        ("Finished", format_time(end) if end else NOT_RECORDED),
    ]
    if start and end and end >= start:
        facts.append(("Duration", format_duration(end - start)))
    if session.status:
        facts.append(("Status", vocabulary.humanize(session.status)))
    return tuple(Fact(label, value) for label, value in facts)


def _link(text: str, url: str) -> Link | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return Link(text, url, None)
    safe = (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(char.isspace() or char in "\"'<>\\" for char in url)
    )
    return Link(text, url, url if safe else None)


def format_time(moment: datetime, *, with_date: bool = True) -> str:
    """Times print in UTC, named as such, so a report reads the same wherever it is made."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC" if with_date else f"{utc:%H:%M:%S}"


def format_date(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%B %Y}"


def format_duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
