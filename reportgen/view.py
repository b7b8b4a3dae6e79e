"""Builds the report's view model: every value the templates read, numbered, grouped and counted here once."""

from __future__ import annotations

import hashlib
import io
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from . import i18n, vocabulary
from .brand import Brand
from .estimate import Estimate
from .formatting import format_date, format_duration, format_number, format_time
from .i18n import N_
from .i18n import gettext as _
from .imaging import EncodedImage, PhotoResult
from .models import CaptureAttempt, DamageResults
from .plan import NumberedDamage, PlannedPhoto, chosen_attempt, in_capture_order
from .viewmodel import (
    KEEP_WHOLE_ROWS,
    BadgeLine,
    BrandView,
    CaptureStatus,
    Checklist,
    ChecklistRow,
    ComponentGroup,
    Count,
    DamageMap,
    DamageRow,
    EstimateRow,
    EstimateView,
    Fact,
    FileAsset,
    ImageAsset,
    LegendEntry,
    Link,
    MapBadge,
    MapRegion,
    PhotoPanel,
    ReportView,
    SeverityBadge,
    Summary,
    UnmappedComponent,
    one_line,
)

__all__ = [
    "MAP_BADGE_ANCHORS",
    "MAP_LABEL_NUMBERS",
    "NOT_RECORDED",
    "PHOTO_UNAVAILABLE",
    "BadgeAnchor",
    "brand_text",
    "build_view",
    "qr_asset",
]

#: A part on the damage map is labelled with at most this many marker numbers.
MAP_LABEL_NUMBERS = 8
#: What the PDF says in place of a photo that could not be used; the cause goes to the warnings.
#: PAVE's session statuses as the report prints them (humanized), for translation.
_STATUSES = (N_("Complete"), N_("Processing"), N_("Idle"), N_("Expired"), N_("Inspected"))
PHOTO_UNAVAILABLE = N_("This photo could not be retrieved.")
#: Said where PAVE did not give a value.
NOT_RECORDED = N_("Not recorded")


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
    panels: list[PhotoPanel] = []
    rows: list[DamageRow] = []
    for index, (plan, processed) in enumerate(zip(planned, photo_results, strict=True), start=1):
        anchor = f"photo-{index}"
        title = _photo_title(plan.photo.photo_code, plan.title)
        panel_rows = tuple(_damage_row(d, title, anchor, (closeups or {}).get(d.number)) for d in plan.damages)
        rows.extend(panel_rows)
        panels.append(
            PhotoPanel(
                anchor=anchor,
                title=title,
                code=str(plan.photo.photo_code) if plan.photo.photo_code is not None else "",
                image=ImageAsset.from_encoded(processed.photo) if processed.photo else None,
                problem=None if processed.photo else _(PHOTO_UNAVAILABLE),
                damages=panel_rows,
                unplaced=sum(1 for d in plan.damages if d.damage.position is None),
            )
        )
    vehicle, session = results.vehicle, results.session
    vehicle_title = " ".join(p for p in (vehicle.year, vehicle.make, vehicle.model, vehicle.trim) if p)
    return ReportView(
        brand=BrandView(
            name=brand.name,
            title=brand_text(brand.title, N_("Vehicle condition report")),
            logo=FileAsset(brand.logo, brand.logo_type) if brand.logo else None,
            primary_color=brand.primary_color,
            accent_color=brand.accent_color,
            footer=brand_text(brand.footer, N_("Condition report generated from a PAVE inspection")),
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
                _link(_("Condition report"), session.condition_report),
                _link(_("Inspection page"), session.landing_page),
            )
            if link
        ),
        generated_at=format_time(generated_at),
        # PAVE's own message is English: another language says it in its own words.
        no_damage_message=""
        if rows
        else (results.message if i18n.current_language() == "en" and results.message else "")
        or _("No damage was found on the vehicle."),
        summary=_summary(rows, sum(1 for panel in panels if panel.damages)),
        legend=tuple(
            LegendEntry(s.key, _severity_label(s.key), s.colour, s.text_colour)
            for s in vocabulary.severities().values()
        ),
        photos=_paginate(panels),
        photos_heading=_("Damage photos") if rows else _("Vehicle photos"),
        groups=_groups(rows),
        checklist=_checklist(captures, thumbnails) if captures is not None else None,
        checklist_note=checklist_note,
        warnings=tuple(warnings),
        damage_map=_damage_map(rows),
        details=tuple(row for row in rows if row.closeup),
        estimate=_estimate_view(estimate, rows) if estimate else None,
        qr_code=_qr_code(session.landing_page),
        qr_url=_qr_url(session.landing_page),
        document_date=(document_date or generated_at).isoformat(timespec="seconds"),
        lang=i18n.current_language(),
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


def _side_labels() -> list[str]:
    """The sides' labels in the current language, in the report's order."""
    return [vocabulary.translated("sides", key, label) or label for key, label in vocabulary.sides().items()]


def brand_text(text: str, default: str) -> str:
    """A brand's title or footer: the brand's own words as written; the built-in default translated."""
    return _(default) if text == default else text


def _severity_label(key: str) -> str:
    """A severity's label in the current language."""
    return vocabulary.translated("severities", key, None) or vocabulary.severities()[key].label


def _photo_title(code: int | None, title: str) -> str:
    """A capture step's title in the current language; a photo of no known step keeps its title."""
    return (vocabulary.translated("photos", str(code), None) if code is not None else None) or title


def _damage_row(numbered: NumberedDamage, photo_title: str, anchor: str, closeup: EncodedImage | None) -> DamageRow:
    damage = numbered.damage
    if damage.position is None:
        note = _("position not given")
    elif damage.position.clamped:
        note = _("position outside the photo; marked at its edge")
    else:
        note = ""
    return DamageRow(
        number=numbered.number,
        component=vocabulary.translated("components", numbered.component.code, numbered.component.name) or "",
        side=vocabulary.translated("sides", numbered.component.side, vocabulary.sides().get(numbered.component.side))
        or _("Other"),
        description=vocabulary.translated_damage(damage.damage_name, numbered.description),
        code=damage.damage_name,
        group=(vocabulary.translated("damage_groups", damage.damage_group.upper(), None) or group_label)
        if (group_label := vocabulary.group_label(damage.damage_group) if damage.damage_group else "")
        else _("Not given"),
        severity=SeverityBadge(numbered.severity.key, _severity_label(numbered.severity.key)),
        tolerance=damage.tolerance,
        repair_method=vocabulary.translated("repair_methods", damage.repair_method, damage.repair_method) or "",
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
    labels = {key: _severity_label(key) for key in vocabulary.severities()}
    parts = [
        f"{' / '.join(dict.fromkeys(m.component for m in members))}: {', '.join(str(m.number) for m in members)}"
        f" ({labels[min((m.severity.key for m in members), key=order.index)]})"
        for members in by_region.values()
    ]
    description = (
        _(
            "Damage map of the vehicle seen from above, front at the top. Damaged parts with their damage numbers"
            " and worst severity: {parts}"
        ).format(parts="; ".join(parts))
        if parts
        else _("Damage map of the vehicle seen from above: no part is damaged")
    )
    return DamageMap(
        regions,
        tuple(UnmappedComponent(name, numbers(m)) for name, m in unmapped.items()),
        description=one_line(description),
        badges=tuple(
            badge for anchor in MAP_BADGE_ANCHORS if (badge := _map_badge(anchor, regions.get(anchor.region)))
        ),
    )


# ---- The damage map's badges (templates/partials/vehicle_map.svg.j2, in its SVG units) -----------


@dataclass(frozen=True)
class BadgeAnchor:
    """Where a part's badge sits on the diagram, and its longest row.

    The badge hangs off (x, y): centred on it (middle), ending at x (end, growing left) or
    beginning at x (start, growing right), with at most `wrap` characters a row.
    """

    region: str
    x: float
    y: float
    align: str
    wrap: int


#: Three columns that never meet: outside the car (right edge at x <= 64 on the left, growing
#: away from the car: lights, wheels, mirrors, rocker panels), over the side panels (centred on
#: x 89, up to 8 characters a row) and down the middle (centred on x 140, up to 11).
MAP_BADGE_ANCHORS = (
    BadgeAnchor("bumper-front", 140, 57, "middle", 11),
    BadgeAnchor("hood", 140, 108, "middle", 11),
    BadgeAnchor("windshield", 140, 188, "middle", 11),
    BadgeAnchor("roof", 140, 257, "middle", 11),
    BadgeAnchor("rear-window", 140, 320, "middle", 11),
    BadgeAnchor("trunk", 140, 374, "middle", 11),
    BadgeAnchor("bumper-rear", 140, 423, "middle", 11),
    BadgeAnchor("fender-front-left", 89, 128, "middle", 8),
    BadgeAnchor("fender-front-right", 191, 128, "middle", 8),
    BadgeAnchor("door-front-left", 89, 212, "middle", 8),
    BadgeAnchor("door-front-right", 191, 212, "middle", 8),
    BadgeAnchor("door-rear-left", 89, 285, "middle", 8),
    BadgeAnchor("door-rear-right", 191, 285, "middle", 8),
    BadgeAnchor("quarter-panel-left", 89, 356, "middle", 8),
    BadgeAnchor("quarter-panel-right", 191, 356, "middle", 8),
    BadgeAnchor("light-head-left", 64, 84, "end", 11),
    BadgeAnchor("light-head-right", 216, 84, "start", 11),
    BadgeAnchor("wheel-front-left", 61, 122, "end", 11),
    BadgeAnchor("wheel-front-right", 219, 122, "start", 11),
    BadgeAnchor("mirror-left", 53.5, 180, "end", 8),
    BadgeAnchor("mirror-right", 226.5, 180, "start", 8),
    BadgeAnchor("rocker-panel-left", 64, 245, "end", 11),
    BadgeAnchor("rocker-panel-right", 216, 245, "start", 11),
    BadgeAnchor("wheel-rear-left", 61, 344, "end", 11),
    BadgeAnchor("wheel-rear-right", 219, 344, "start", 11),
    BadgeAnchor("light-tail-left", 64, 398, "end", 11),
    BadgeAnchor("light-tail-right", 216, 398, "start", 11),
)
#: A badge row's line height and the badge's padding, in SVG units (the labels are Inter Bold 9).
BADGE_LINE = 10
BADGE_PADDING_X = 7
BADGE_PADDING_Y = 3
BADGE_BASELINE = 9.3


def _map_badge(anchor: BadgeAnchor, region: MapRegion | None) -> MapBadge | None:
    """The badge listing a part's marker numbers, wrapped into balanced rows and sized to fit them."""
    if region is None or not region.numbers:
        return None
    label = ", ".join(number for number in (part.strip() for part in region.numbers.split(",")) if number)
    # A label longer than a row is wrapped into two balanced rows (more only when it is very long).
    wrap = len(label) if len(label) <= anchor.wrap else min((len(label) + 1) // 2 + 1, anchor.wrap)
    lines = textwrap.wrap(label, width=wrap, expand_tabs=False, replace_whitespace=False, break_long_words=False)
    width = max((_label_width(line) for line in lines), default=0) + BADGE_PADDING_X
    height = len(lines) * BADGE_LINE + BADGE_PADDING_Y
    if anchor.align == "middle":
        centre = anchor.x
    else:
        centre = anchor.x - width / 2 if anchor.align == "end" else anchor.x + width / 2
    top = anchor.y - height / 2
    return MapBadge(
        region=anchor.region,
        x=round(centre - width / 2, 1),
        y=round(top, 1),
        width=round(width, 1),
        height=height,
        lines=tuple(
            BadgeLine(line, round(centre, 1), round(top + BADGE_BASELINE + index * BADGE_LINE, 1))
            for index, line in enumerate(lines)
        ),
    )


def _label_width(text: str) -> float:
    """An estimate from Inter Bold 9 px advance widths: digits 5.9, a one 4.4, comma 2.75, space 2.1."""
    ones, commas, spaces = text.count("1"), text.count(","), text.count(" ")
    return (len(text) - ones - commas - spaces) * 5.9 + ones * 4.4 + commas * 2.75 + spaces * 2.1


def _estimate_view(estimate: Estimate, rows: Sequence[DamageRow]) -> EstimateView:
    from babel.numbers import format_currency, format_decimal

    card = estimate.card

    # The rate card's own locale in English; in another language, the card's currency in that language.
    locale = card.locale if i18n.current_language() == "en" else i18n.current_language()

    def money(amount: Decimal) -> str:
        return format_currency(amount, card.currency, locale=locale)

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
                hours=format_decimal(line.hours, format="#,##0.0#", locale=locale),
                labour=money(line.labour),
                parts=money(line.parts),
                total=money(line.total),
                chargeable=line.chargeable,
                note="; ".join(_(part) for part in line.note.split("; ")) if line.note else "",
            )
            for line in estimate.lines
            if line.number in by_number
        ),
        excess_wear=money(estimate.excess_wear),
        normal_wear_count=estimate.normal_wear_lines,
        total=money(estimate.total),
    )


def _qr_url(url: str) -> str:
    """The address a QR code is made of: PAVE's inspection page if it is a plain web address, else ""."""
    link = _link("", url)
    return link.href if link is not None and link.href is not None else ""


def _qr_code(url: str) -> ImageAsset | None:
    """A vector QR code of PAVE's inspection page, only for a plain web address."""
    href = _qr_url(url)
    if not href:
        return None
    return qr_asset(href)


def qr_asset(text: str) -> ImageAsset:
    """A vector QR code of `text`, as an image the report embeds."""
    import segno

    code = segno.make(text, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", border=0, scale=4, dark="#1d232a")
    data = buffer.getvalue()
    width, height = code.symbol_size(scale=4, border=0)
    return ImageAsset(f"{hashlib.sha256(data).hexdigest()[:24]}.svg", data, "image/svg+xml", int(width), int(height))


def _summary(rows: Sequence[DamageRow], photos: int) -> Summary:
    severity_counts = Counter(row.severity.key for row in rows)
    severities = tuple(
        (key, _severity_label(key), severity_counts[key])
        for key in vocabulary.severities()
        if key != "unknown" or severity_counts[key]
    )
    sides = Counter(row.side for row in rows)
    side_order = [label for label in _side_labels() if sides[label]]
    groups = Counter(row.group for row in rows)
    repairs = Counter(row.repair_method or _("Not given") for row in rows)
    return Summary(
        total=len(rows),
        by_severity=_counts(severities),
        by_group=_counts([(k, k, n) for k, n in groups.most_common()]),
        by_repair=_counts([(k, k, n) for k, n in repairs.most_common()]),
        by_side=_counts([(label, label, sides[label]) for label in side_order]),
        photos_with_damage=photos,
        unplaced=sum(1 for row in rows if row.position_note == _("position not given")),
    )


def _counts(entries: Sequence[tuple[str, str, int]]) -> tuple[Count, ...]:
    largest = max((count for _, _, count in entries), default=0) or 1
    return tuple(Count(key, label, count, round(100 * count / largest, 1)) for key, label, count in entries)


def _groups(rows: Sequence[DamageRow]) -> tuple[ComponentGroup, ...]:
    by_component: dict[tuple[str, str], list[DamageRow]] = {}
    for row in rows:
        by_component.setdefault((row.side, row.component), []).append(row)
    side_rank = {label: rank for rank, label in enumerate(_side_labels())}
    order = vocabulary.SEVERITY_ORDER
    groups: list[ComponentGroup] = []
    for (side, name), members in sorted(
        by_component.items(), key=lambda item: (side_rank.get(item[0][0], 99), item[1][0].number)
    ):
        worst = min(members, key=lambda row: order.index(row.severity.key)).severity
        # A long table begins at the top of a page rather than with a few rows at the foot of one
        # (and a report laid out in parallel can be cut there: parallel.py).
        long = len(members) > KEEP_WHOLE_ROWS
        groups.append(ComponentGroup(name, side, worst, tuple(members), new_page=long and bool(groups)))
    return tuple(groups)


def _checklist(captures: Sequence[CaptureAttempt], thumbnails: dict[str, PhotoResult]) -> Checklist:
    by_code: dict[int | None, list[tuple[int, CaptureAttempt]]] = {}
    for index, attempt in enumerate(captures):
        by_code.setdefault(attempt.photo_code, []).append((index, attempt))
    steps = list(vocabulary.capture_steps())
    known = {step.code for step in steps}
    rows = [
        _checklist_row(
            str(step.order), _photo_title(step.code, step.title), step.label, by_code.get(step.code, []), thumbnails
        )
        for step in steps
    ]
    for code in sorted((c for c in by_code if c not in known), key=lambda c: (c is None, c or 0)):
        attempts = by_code[code]
        label = attempts[-1][1].photo_label
        rows.append(_checklist_row("–", vocabulary.photo_title(code, label), label, attempts, thumbnails))
    status = Counter(row.status for row in rows)
    return Checklist(
        tuple(rows), status[CaptureStatus.ACCEPTED], status[CaptureStatus.REJECTED], status[CaptureStatus.MISSING]
    )


def _checklist_row(
    step: str,
    title: str,
    label: str,
    indexed: list[tuple[int, CaptureAttempt]],
    thumbnails: dict[str, PhotoResult],
) -> ChecklistRow:
    attempts = in_capture_order(indexed)
    if not attempts:
        return ChecklistRow(step, title, label, CaptureStatus.MISSING, "", 0, "", "", None)
    approved = [a for a in attempts if a.approved]
    chosen = chosen_attempt(attempts)
    rejections = [_reason(a.approved_message) for a in attempts if a.approved is False]
    if approved:
        status = CaptureStatus.ACCEPTED
        note = _("Earlier: {reasons}").format(reasons="; ".join(r for r in rejections if r)) if rejections else ""
    else:
        status = CaptureStatus.REJECTED if rejections else CaptureStatus.MISSING
        note = rejections[-1] if rejections else _("no QA verdict given")
    created = [a.created_at for a in attempts if a.created_at]
    updated = [moment for a in attempts if (moment := a.updated_at or a.created_at)]
    thumb = thumbnails.get(chosen.url)
    return ChecklistRow(
        step=step,
        title=title,
        label=chosen.photo_label or label,
        status=status,
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
            reading = format_number(int(float(reading)))
        except ValueError:
            pass
        odometer = f"{reading} {v.odom_unit}".strip()
    facts = [
        ("VIN", v.vin),
        (_("Body"), v.body_type),
        (_("Exterior colour"), v.ext_col),
        (_("Interior colour"), v.int_col),
        (_("Odometer"), odometer),
        (_("Engine"), v.engine_type),
        (_("Fuel"), v.fuel_type),
        (_("Transmission"), v.transmission),
        (_("Drivetrain"), v.drivetrain),
    ]
    given = tuple(Fact(label, value) for label, value in facts if value)
    return given or (() if known else (Fact(_("Vehicle details"), _(NOT_RECORDED)),))


def _inspection_headline(results: DamageResults) -> str:
    moment = results.session.inspect_ended_at or results.session.inspect_started_at
    return _("Vehicle inspection of {date}").format(date=format_date(moment)) if moment else _("Vehicle inspection")


def _inspection_facts(results: DamageResults) -> tuple[Fact, ...]:
    session = results.session
    start, end = session.inspect_started_at, session.inspect_ended_at
    facts = [
        (_("Started"), format_time(start) if start else _(NOT_RECORDED)),
        (_("Finished"), format_time(end) if end else _(NOT_RECORDED)),
    ]
    if start and end and end >= start:
        facts.append((_("Duration"), format_duration(end - start)))
    if session.status:
        status = vocabulary.humanize(session.status)
        facts.append((_("Status"), _(status) if status in _STATUSES else status))
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
