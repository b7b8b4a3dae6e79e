"""Check-out against check-in: two inspections of one vehicle compared, as a PDF, HTML and a summary.

`matching.compare_results` decides what became of each damage; this module loads the two inspections,
crops the same spot of both photos for every chargeable damage, prices new and worsened damages with
the rate card, and builds the comparison's view (compareview) and summary ("reportgen.compare/1").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image

from . import glyphs, i18n, vocabulary
from .bundle import Bundle, load_bundle
from .compareview import (
    Chargeable,
    ComparePhoto,
    CompareView,
    Crop,
    InspectionSide,
    OtherItem,
    PhotoKey,
    UnchangedRow,
)
from .decoding import open_photo
from .errors import DifferentVehiclesError, ImageError, ReportgenError, SameSessionError
from .estimate import Estimate, PricedDamage
from .estimate import estimate as compute_estimate
from .formatting import format_date, format_number, format_time
from .i18n import N_
from .i18n import gettext as _
from .imaging import JPEG_QUALITY, PHOTO_LONG_EDGE, THUMBNAIL_QUALITY, encode_jpeg
from .markers import draw_markers, make_closeups
from .matching import DEFAULT_TOLERANCE, Comparison, DamageClass, InspectedDamage, Match, ReviewReason, compare_results
from .models import DamageResults
from .options import RenderOptions
from .paths import fonts_dir
from .plan import Marker
from .render import Theme
from .report import MARKER_FONT, SOURCE_FILES, RenderedDocument, _source_date_epoch
from .scratch import scratch_folder
from .view import brand_text
from .viewmodel import BrandView, Fact, FileAsset, ImageAsset, LegendEntry, SeverityBadge

__all__ = [
    "SCHEMA",
    "ComparisonReport",
    "acompare_sessions",
    "compare_bundles",
    "compare_inputs",
    "compare_sessions",
]

#: Bump the number when a field is removed or changes meaning; adding a field keeps it.
SCHEMA = "reportgen.compare/1"
NOT_RECORDED = N_("Not recorded")

#: Why a person should look, in the desk's words.
REVIEW_WORDS = {
    ReviewReason.OTHER_CANDIDATE: N_("another damage of the same kind is about as close"),
    ReviewReason.NEAR_TOLERANCE: N_("the two spots are near the limit of what counts as the same place"),
    ReviewReason.SEVERITY_UNKNOWN: N_("the severity is not rated"),
    ReviewReason.NO_POSITION: N_("the inspection did not give the damage's exact spot"),
}
#: The same for a damage seen at one inspection only.
UNPAIRED_REVIEW_WORDS = {
    ReviewReason.OTHER_CANDIDATE: N_("a damage of the same kind at the other inspection is close by"),
    ReviewReason.NEAR_TOLERANCE: N_(
        "a damage of the same kind at the other inspection is just beyond the limit of what counts as the same place"
    ),
}
#: Why an entry of each class is not charged (the summary's estimate and the PDF).
NOT_CHARGED = {
    DamageClass.UNCHANGED: "already there at the first inspection",
    DamageClass.REPAIRED: "no longer seen at the second inspection",
    DamageClass.NOT_COMPARABLE: "this view was not photographed at both inspections",
}


@dataclass
class ComparisonReport(RenderedDocument):
    """A rendered comparison of two inspections. The PDF is laid out on first use of `pdf`."""

    before_key: str
    after_key: str
    view: CompareView = field(repr=False)
    theme: Theme = field(repr=False)
    #: A JSON-ready digest ("reportgen.compare/1", see README).
    summary: dict[str, Any] = field(repr=False, default_factory=dict)
    #: Problems that did not stop the comparison, such as photos that could not be read.
    warnings: list[str] = field(default_factory=list)
    comparison: Comparison | None = field(repr=False, default=None)
    #: PDF/A-3b with both inspections' PAVE bodies and the summary embedded, instead of a plain PDF.
    pdfa: bool = False
    #: PAVE's response bodies of both inspections ("before-hotspots.json" → bytes), for PDF/A.
    sources: dict[str, bytes] = field(repr=False, default_factory=dict)
    #: A tagged, accessible PDF/UA-1 (with pdfa, both at once).
    pdfua: bool = True
    summary_attachment = "comparison.json"
    #: Comparisons are not signed yet (no inspection record of their own).
    signing: None = field(default=None, repr=False)
    #: Processes that lay the PDF out (RenderOptions.jobs, resolved); 1 lays it out in this process.
    jobs: int = 1


def compare_bundles(
    before: str | Path,
    after: str | Path,
    options: RenderOptions | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ComparisonReport:
    """Compare two saved bundles: BEFORE (check-out) and AFTER (check-in) of one vehicle.

    Raises SameSessionError for one session given twice, DifferentVehiclesError when both VINs are
    known and differ, ValueError for a tolerance that is not a positive number.
    """
    if Path(before).resolve() == Path(after).resolve():
        raise SameSessionError(f"{before} is given as both inspections: compare two different sessions")
    return _compare(load_bundle(before), load_bundle(after), options or RenderOptions(), tolerance, [])


def compare_sessions(
    before_key: str,
    after_key: str,
    options: RenderOptions | None = None,
    *,
    api_key: str,
    api_secret: str | None = None,
    username: str | None = None,
    base_url: str | None = None,
    cache: bool | str | Path = True,
    timeout: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ComparisonReport:
    """Fetch two live sessions from PAVE and compare them; nothing stays on disk."""
    return compare_inputs(
        before_key,
        after_key,
        options,
        api_key=api_key,
        api_secret=api_secret,
        username=username,
        base_url=base_url,
        cache=cache,
        timeout=timeout,
        tolerance=tolerance,
    )


async def acompare_sessions(
    before_key: str,
    after_key: str,
    options: RenderOptions | None = None,
    *,
    api_key: str,
    api_secret: str | None = None,
    username: str | None = None,
    base_url: str | None = None,
    cache: bool | str | Path = True,
    timeout: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ComparisonReport:
    """compare_sessions for async services: the network, imaging and layout run in a worker thread."""
    import asyncio

    def work() -> ComparisonReport:
        report = compare_sessions(
            before_key,
            after_key,
            options,
            api_key=api_key,
            api_secret=api_secret,
            username=username,
            base_url=base_url,
            cache=cache,
            timeout=timeout,
            tolerance=tolerance,
        )
        report.pdf  # noqa: B018 (lay out now, in the thread)
        return report

    return await asyncio.to_thread(work)


def compare_inputs(
    before: str | Path,
    after: str | Path,
    options: RenderOptions | None = None,
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    username: str | None = None,
    base_url: str | None = None,
    cache: bool | str | Path = True,
    timeout: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ComparisonReport:
    """Compare two inspections, each a bundle directory (a Path) or a session key (a str) to fetch."""
    if not isinstance(before, Path) and not isinstance(after, Path) and before == after:
        raise SameSessionError(f"session {before} is given as both inspections: compare two different sessions")
    if isinstance(before, Path) and isinstance(after, Path):
        return compare_bundles(before, after, options, tolerance=tolerance)
    import time

    from .download import ImageCache
    from .fetch import fetch_bundle
    from .pave import DEFAULT_BASE_URL, Credentials
    from .timelimit import network_deadline

    if not api_key:
        from .errors import ConfigError

        raise ConfigError("no PAVE API key: a session key needs one to be fetched")
    image_cache = ImageCache.default() if cache is True else ImageCache(Path(cache)) if cache else None
    credentials = Credentials(api_key, api_secret or None, username or None)
    end = time.monotonic() + timeout if timeout is not None else None
    warnings: list[str] = []
    with scratch_folder("reportgen-compare-") as scratch:
        bundles = []
        for label, source in (("before", before), ("after", after)):
            if isinstance(source, Path):
                bundles.append(load_bundle(source))
                continue
            fetched = fetch_bundle(
                source,
                Path(scratch) / label / source,
                credentials=credentials,
                base_url=base_url or DEFAULT_BASE_URL,
                cache=image_cache,
                deadline=network_deadline(end) if end is not None else None,
            )
            warnings += [f"{label} ({source}): {warning}" for warning in fetched.warnings]
            bundles.append(load_bundle(fetched.path))
        return _compare(bundles[0], bundles[1], options or RenderOptions(), tolerance, warnings)


# ---- the comparison ---------------------------------------------------------------------------


def _captured(bundle: Bundle) -> frozenset[int]:
    """The views an inspection captured: codes in its results and codes of its accepted photos."""
    codes = {photo.photo_code for photo in bundle.results.photos if photo.photo_code is not None}
    codes |= {a.photo_code for a in bundle.captures or [] if a.approved is True and a.photo_code is not None}
    return frozenset(codes)


def _compare(
    before: Bundle, after: Bundle, options: RenderOptions, tolerance: float, warnings: list[str]
) -> ComparisonReport:
    if before.session_key and before.session_key == after.session_key:
        raise SameSessionError(
            f"session {before.session_key} is given as both inspections: compare two different sessions"
        )
    before_vin = before.results.vehicle.vin.strip().upper()
    after_vin = after.results.vehicle.vin.strip().upper()
    if before_vin and after_vin and before_vin != after_vin:
        raise DifferentVehiclesError(before_vin, after_vin, session_key=after.session_key or None)
    comparison = compare_results(
        before.results,
        after.results,
        before_captured=_captured(before),
        after_captured=_captured(after),
        tolerance=tolerance,
    )
    try:
        generated_at = options.generated_at or _source_date_epoch() or datetime.now(UTC)
        chargeable = [m for m in comparison.matches if m.klass in (DamageClass.NEW, DamageClass.WORSENED)]
        estimate = None
        if options.rates:
            assert all(m.after is not None for m in chargeable)
            estimate = compute_estimate(
                options.rates,
                [
                    PricedDamage(
                        m.after.number,
                        m.after.damage.component,
                        m.after.severity.key,
                        m.after.damage.repair_method,
                        m.after.damage.tolerance,
                    )
                    for m in chargeable
                    if m.after is not None
                ],
            )
            card = f"rate card {options.rates.source}" if options.rates.source else "rate card"
            warnings.extend(f"{card}: damage {line.number}: {line.gap}" for line in estimate.lines if line.gap)
        photos = _Photos(options.strict, warnings)
        # What the customer reads is in their language; the summary (below) keeps its English.
        with i18n.language(options.lang or "en"):
            crops = _crops(before, after, chargeable, photos)
            marked = _marked_photos(after, comparison, photos)
            view = _build_view(before, after, comparison, crops, marked, estimate, options, generated_at)
        coverage = glyphs.view_coverage(view)
        view = replace(view, cjk_font=coverage.needs_fallback or view.lang == "ja")
        if coverage.missing:
            warnings.append(coverage.warning() or "")
    except ReportgenError as error:
        error.session_key = error.session_key or after.session_key or None
        raise
    if options.brand.signing is not None:
        # Said, not silently skipped: whoever set a signing key expects every document signed.
        warnings.append("the brand's signing key is not applied: comparisons are not signed yet")
    summary = _summary(before, after, comparison, estimate, generated_at, warnings)
    sources = {
        f"{label}-{name}": (bundle.path / name).read_bytes()
        for label, bundle in (("before", before), ("after", after))
        for name in SOURCE_FILES
        if (bundle.path / name).is_file()
    }
    return ComparisonReport(
        before.session_key,
        after.session_key,
        view,
        Theme(options.templates),
        summary,
        warnings,
        comparison,
        options.pdfa,
        sources,
        pdfua=options.pdfua is not False,
        jobs=options.layout_jobs,
    )


# ---- evidence: the same spot of both photos ---------------------------------------------------


def _photo_url(results: DamageResults, damage: InspectedDamage) -> str:
    for photo in results.photos:
        if any(d is damage.damage for d in photo.damages):
            return photo.url
    return ""


def _view_url(bundle: Bundle, code: int | None) -> str:
    """A photo of the view in the inspection: from its results, else its last accepted capture."""
    for photo in bundle.results.photos:
        if photo.photo_code == code and photo.url:
            return photo.url
    accepted = [a for a in bundle.captures or [] if a.photo_code == code and a.approved is True and a.url]
    return accepted[-1].url if accepted else ""


class _Photos:
    """Photos opened once each, at the print size of a report's photo pages (so crops share a scale)."""

    def __init__(self, strict: bool, warnings: list[str]) -> None:
        self.opened: dict[Path, Image.Image | None] = {}
        self.strict = strict
        self.warnings = warnings
        self.missing: set[tuple[str, str]] = set()

    def image(self, bundle: Bundle, url: str) -> Image.Image | None:
        """The photo at `url` in the bundle, or None (with a warning, or ImageError when strict)."""
        name = bundle.session_key or bundle.path.name
        path = bundle.image_path(url) if url else None
        if path is None:
            if (name, url) not in self.missing:
                self.missing.add((name, url))
                self._problem(f"{name}: photo {url or '(no address)'}: not in the bundle")
            return None
        if path not in self.opened:
            try:
                self.opened[path] = open_photo(path, PHOTO_LONG_EDGE)
            except ImageError as error:
                self.opened[path] = None
                self._problem(f"{name}: photo {path.name}: {error.message}")
        return self.opened[path]

    def crop(self, bundle: Bundle, url: str, spot: tuple[float, float], number: int, colour: str) -> ImageAsset | None:
        """A close-up of one spot with its marker, at the scale of every other crop."""
        image = self.image(bundle, url)
        if image is None:
            return None
        marker = Marker(number, spot[0], spot[1], colour, "#ffffff")
        crop = make_closeups(image, [marker])[number]
        return ImageAsset.from_encoded(encode_jpeg(crop, THUMBNAIL_QUALITY))

    def marked(self, bundle: Bundle, url: str, markers: Sequence[Marker]) -> ImageAsset | None:
        """The whole photo with numbered markers, as a report's photo page prints it."""
        image = self.image(bundle, url)
        if image is None:
            return None
        if markers:
            image = draw_markers(image, markers, fonts_dir() / MARKER_FONT)
        return ImageAsset.from_encoded(encode_jpeg(image, JPEG_QUALITY))

    def _problem(self, message: str) -> None:
        if self.strict:
            raise ImageError(message)
        self.warnings.append(message)


def _crops(before: Bundle, after: Bundle, chargeable: Sequence[Match], photos: _Photos) -> dict[int, tuple[Crop, Crop]]:
    """For each chargeable after-number: the before crop and the after crop of the same spot."""
    crops: dict[int, tuple[Crop, Crop]] = {}
    for match in chargeable:
        now = match.after
        assert now is not None
        colour = now.severity.colour
        spot = (now.position.x, now.position.y) if now.position else None
        if spot is None:
            missing = Crop("", None, _("The inspection did not give this damage's exact spot."))
            crops[now.number] = (
                replace_caption(missing, _("First inspection")),
                replace_caption(missing, _("Second inspection")),
            )
            continue
        after_image = photos.crop(after, _photo_url(after.results, now), spot, now.number, colour)
        after_crop = Crop(
            _("Second inspection · no. {number}").format(number=now.number),
            after_image,
            "" if after_image else _("This photo could not be retrieved."),
        )
        if match.before is not None:
            then = match.before
            at = (then.position.x, then.position.y) if then.position else spot
            image = photos.crop(before, _photo_url(before.results, then), at, then.number, then.severity.colour)
            caption = _("First inspection · no. {number}").format(number=then.number)
        else:
            url = _view_url(before, match.photo_code)
            image = photos.crop(before, url, spot, now.number, "#8a96a3") if url else None
            caption = _("First inspection · same spot")
            if not url:
                crops[now.number] = (Crop(caption, None, _("Not photographed at the first inspection.")), after_crop)
                continue
        crops[now.number] = (Crop(caption, image, "" if image else _("This photo could not be retrieved.")), after_crop)
    return crops


def _marked_photos(after: Bundle, comparison: Comparison, photos: _Photos) -> tuple[ComparePhoto, ...]:
    """The second inspection's photos with damages, each marker in the colour of its damage's class."""
    classes = vocabulary.compare_classes()
    by_damage = {id(m.after.damage): (m, m.after) for m in comparison.matches if m.after is not None}
    marked: list[ComparePhoto] = []
    for photo in after.results.photos:
        entries = [by_damage[id(damage)] for damage in photo.damages if id(damage) in by_damage]
        if not entries:
            continue
        keys: list[PhotoKey] = []
        markers: list[Marker] = []
        for match, damage in sorted(entries, key=lambda entry: entry[1].number):
            style = classes[match.klass.value]
            label = vocabulary.translated("compare_classes", style.key, style.label) or style.label
            if match.before is not None:
                label += " " + _("(no. {number} at the first inspection)").format(number=match.before.number)
            keys.append(
                PhotoKey(
                    damage.number,
                    match.klass.value,
                    label,
                    _description(damage),
                    _component_name(damage),
                    placed=damage.position is not None,
                )
            )
            if damage.position is not None:
                markers.append(
                    Marker(damage.number, damage.position.x, damage.position.y, style.colour, style.text_colour)
                )
        title = _photo_name(photo.photo_code, photo.photo_label)
        marked.append(ComparePhoto(title, photos.marked(after, photo.url, markers), tuple(keys)))
    return tuple(marked)


def replace_caption(crop: Crop, caption: str) -> Crop:
    """The same crop under another caption."""
    return Crop(caption, crop.image, crop.missing)


# ---- the view ---------------------------------------------------------------------------------


def _badge(damage: InspectedDamage) -> SeverityBadge:
    label = vocabulary.translated("severities", damage.severity.key, damage.severity.label)
    return SeverityBadge(damage.severity.key, label or damage.severity.label)


def _description(damage: InspectedDamage) -> str:
    english = damage.damage.description or vocabulary.humanize(damage.damage.damage_name) or _("Damage")
    return vocabulary.translated_damage(damage.damage.damage_name, english)


def _component_name(damage: InspectedDamage) -> str:
    component = vocabulary.component(damage.damage.component)
    return vocabulary.translated("components", component.code, component.name) or component.name


def _photo_name(code: int | None, label: str) -> str:
    """A photo's title in the current language: its capture step's, else PAVE's label made readable."""
    english = vocabulary.photo_title(code, label)
    return (vocabulary.translated("photos", str(code), None) if code is not None else None) or english


def _photo_title(results: DamageResults, damage: InspectedDamage) -> str:
    for photo in results.photos:
        if any(d is damage.damage for d in photo.damages):
            return _photo_name(photo.photo_code, photo.photo_label)
    return _photo_name(damage.photo_code, "")


def _review_note(match: Match) -> str:
    if not match.reasons:
        return ""
    paired = match.before is not None and match.after is not None
    words = "; ".join(
        _(REVIEW_WORDS[reason] if paired else UNPAIRED_REVIEW_WORDS.get(reason, REVIEW_WORDS[reason]))
        for reason in match.reasons
    )
    return _("Check before charging: {reasons}.").format(reasons=words)


def _odometer(results: DamageResults) -> tuple[float, str] | None:
    try:
        return float(results.vehicle.odom_reading), results.vehicle.odom_unit.strip().lower()
    except ValueError:
        return None


def _side(label: str, bundle: Bundle) -> InspectionSide:
    session, vehicle = bundle.results.session, bundle.results.vehicle
    moment = session.inspect_ended_at or session.inspect_started_at
    facts = [
        Fact(_("Session"), bundle.session_key or _(NOT_RECORDED)),
        Fact(_("Started"), format_time(session.inspect_started_at) if session.inspect_started_at else _(NOT_RECORDED)),
        Fact(_("Finished"), format_time(session.inspect_ended_at) if session.inspect_ended_at else _(NOT_RECORDED)),
    ]
    reading = _odometer(bundle.results)
    if reading:
        facts.append(Fact(_("Odometer"), f"{format_number(round(reading[0]))} {vehicle.odom_unit}".strip()))
    when = format_date(moment) if moment else _(NOT_RECORDED)
    return InspectionSide(label, bundle.session_key, when, tuple(facts))


def _money(estimate: Estimate, amount: Decimal) -> str:
    from babel.numbers import format_currency

    # As the report's estimate: the card's locale in English, the customer's language otherwise.
    lang = i18n.current_language()
    locale = estimate.card.locale if lang == i18n.DEFAULT_LANGUAGE else lang
    return str(format_currency(amount, estimate.card.currency, locale=locale))


def _build_view(
    before: Bundle,
    after: Bundle,
    comparison: Comparison,
    crops: dict[int, tuple[Crop, Crop]],
    marked: tuple[ComparePhoto, ...],
    estimate: Estimate | None,
    options: RenderOptions,
    generated_at: datetime,
) -> CompareView:
    brand = options.brand
    lines = {line.number: line for line in estimate.lines} if estimate else {}
    chargeable: list[Chargeable] = []
    unchanged: list[UnchangedRow] = []
    repaired: list[OtherItem] = []
    not_comparable: list[OtherItem] = []
    # Chargeable items first, new before worsened, each in the order of the second inspection's numbers.
    order = {DamageClass.NEW: 0, DamageClass.WORSENED: 1}
    for match in sorted(comparison.matches, key=lambda m: (order.get(m.klass, 2), m.after.number if m.after else 0)):
        if match.klass in order:
            now = match.after
            assert now is not None
            line = lines.get(now.number)
            if match.klass is DamageClass.NEW:
                explanation = _("Not seen at the first inspection.")
                if crops[now.number][0].image is not None:
                    explanation = _("Not seen at the first inspection; its photo of the same spot is on the left.")
            else:
                assert match.before is not None
                explanation = _("Seen at the first inspection as no. {number} ({before}); it is {after} now.").format(
                    number=match.before.number,
                    before=_badge(match.before).label.lower(),
                    after=_badge(now).label.lower(),
                )
            chargeable.append(
                Chargeable(
                    number=now.number,
                    label=_("New damage") if match.klass is DamageClass.NEW else _("Worsened"),
                    klass=match.klass.value,
                    description=_description(now),
                    component=_component_name(now),
                    photo_title=_photo_title(after.results, now),
                    before_severity=_badge(match.before) if match.before else None,
                    after_severity=_badge(now),
                    tolerance=now.damage.tolerance or "—",
                    repair_method=vocabulary.translated("repair_methods", now.damage.repair_method, None)
                    or now.damage.repair_method
                    or "—",
                    price=_money(estimate, line.total) if estimate and line else "",
                    price_note="; ".join(_(part) for part in line.note.split("; ")) if line and line.note else "",
                    explanation=explanation,
                    review=match.review,
                    review_note=_review_note(match),
                    before=crops[now.number][0],
                    after=crops[now.number][1],
                )
            )
        elif match.klass is DamageClass.UNCHANGED:
            assert match.before is not None and match.after is not None
            unchanged.append(
                UnchangedRow(
                    match.after.number,
                    match.before.number,
                    _description(match.after),
                    _component_name(match.after),
                    _photo_title(after.results, match.after),
                    _badge(match.after),
                    match.review,
                )
            )
        elif match.klass is DamageClass.REPAIRED:
            assert match.before is not None
            repaired.append(
                OtherItem(
                    match.before.number,
                    _("First inspection"),
                    _description(match.before),
                    _component_name(match.before),
                    _photo_title(before.results, match.before),
                    _(
                        "Seen at the first inspection but not at the second: repaired, or no longer visible. "
                        "Nothing to charge."
                    ),
                )
            )
        else:
            damage = match.after or match.before
            assert damage is not None
            results = after.results if match.after else before.results
            if damage.photo_code is None:
                sentence = _("Its photo is not one of the standard views, so it cannot be compared. Not charged.")
            elif match.after:
                sentence = _(
                    "This view was not photographed at the first inspection, so whether the damage is new "
                    "cannot be told. Not charged."
                )
            else:
                sentence = _("This view was not photographed at the second inspection, so it was not compared.")
            not_comparable.append(
                OtherItem(
                    damage.number,
                    _("Second inspection") if match.after else _("First inspection"),
                    _description(damage),
                    _component_name(damage),
                    _photo_title(results, damage),
                    sentence,
                )
            )
    counts = comparison.counts
    odometer_note = ""
    first, second = _odometer(before.results), _odometer(after.results)
    if first and second and second[0] >= first[0] and (first[1] == second[1] or not first[1] or not second[1]):
        unit = after.results.vehicle.odom_unit or before.results.vehicle.odom_unit
        odometer_note = _("{distance} {unit} between the inspections").format(
            distance=format_number(round(second[0] - first[0])), unit=unit
        )
        odometer_note = " ".join(odometer_note.split())
    vehicle = after.results.vehicle if after.results.vehicle.vin else before.results.vehicle
    title = " ".join(p for p in (vehicle.year, vehicle.make, vehicle.model, vehicle.trim) if p)
    chargeable_total = ""
    if estimate:
        chargeable_total = _money(estimate, sum((line.total for line in estimate.lines), Decimal("0")))
    return CompareView(
        brand=BrandView(
            name=brand.name,
            title=brand_text(brand.title, N_("Vehicle condition report")),
            logo=FileAsset(brand.logo, brand.logo_type) if brand.logo else None,
            primary_color=brand.primary_color,
            accent_color=brand.accent_color,
            footer=brand_text(brand.footer, N_("Condition report generated from a PAVE inspection")),
            contact=brand.contact,
        ),
        paper=options.paper or brand.paper,
        headline=title or _("Vehicle"),
        vin=before.results.vehicle.vin or after.results.vehicle.vin,
        before=_side(_("First inspection"), before),
        after=_side(_("Second inspection"), after),
        odometer_note=odometer_note,
        counts=(
            Fact(_("New"), str(counts["new"])),
            Fact(_("Worsened"), str(counts["worsened"])),
            Fact(_("Unchanged"), str(counts["unchanged"])),
            Fact(_("Repaired"), str(counts["repaired"])),
            Fact(_("Not comparable"), str(counts["not_comparable"])),
        ),
        chargeable_total=chargeable_total,
        tolerance=f"{comparison.tolerance:g}%",
        chargeable=tuple(chargeable),
        unchanged=tuple(unchanged),
        repaired=tuple(repaired),
        not_comparable=tuple(not_comparable),
        notices=(),
        legend=tuple(
            LegendEntry(s.key, vocabulary.translated("severities", s.key, s.label) or s.label, s.colour, s.text_colour)
            for s in vocabulary.severities().values()
        ),
        generated_at=format_time(generated_at),
        document_date=generated_at.isoformat(timespec="seconds"),
        photos=marked,
        class_legend=tuple(
            LegendEntry(
                c.key, vocabulary.translated("compare_classes", c.key, c.label) or c.label, c.colour, c.text_colour
            )
            for c in vocabulary.compare_classes().values()
        ),
        lang=i18n.current_language(),
    )


# ---- the summary ------------------------------------------------------------------------------


def _damage_summary(damage: InspectedDamage | None) -> dict[str, Any] | None:
    if damage is None:
        return None
    position = damage.position
    return {
        "number": damage.number,
        "component": _component_name(damage),
        "component_code": damage.damage.component,
        "damage": _description(damage),
        "damage_code": damage.damage.damage_name,
        "severity": damage.severity.key,
        "tolerance": damage.damage.tolerance,
        "repair_method": damage.damage.repair_method,
        "photo_code": damage.photo_code,
        "position": {"x": position.x, "y": position.y} if position else None,
    }


def _inspection_summary(bundle: Bundle) -> dict[str, Any]:
    session, vehicle = bundle.results.session, bundle.results.vehicle
    return {
        "session_key": bundle.session_key,
        "vin": vehicle.vin,
        "started_at": session.inspect_started_at.isoformat() if session.inspect_started_at else None,
        "ended_at": session.inspect_ended_at.isoformat() if session.inspect_ended_at else None,
        "odometer": vehicle.odom_reading,
        "odometer_unit": vehicle.odom_unit,
    }


def _summary(
    before: Bundle,
    after: Bundle,
    comparison: Comparison,
    estimate: Estimate | None,
    generated_at: datetime,
    warnings: list[str],
) -> dict[str, Any]:
    damages = []
    for match in comparison.matches:
        damages.append(
            {
                "class": match.klass.value,
                "before": _damage_summary(match.before),
                "after": _damage_summary(match.after),
                # From the second inspection's side: the number of the damage it was matched with.
                "partner_number": match.before.number if match.before and match.after else None,
                "distance": round(match.distance, 3) if match.distance is not None else None,
                "review": match.review,
                "reasons": [reason.value for reason in match.reasons],
            }
        )
    estimate_summary = None
    if estimate is not None:
        priced = {line.number: line for line in estimate.lines}
        lines = []
        for match in comparison.matches:
            line = priced.get(match.after.number) if match.after and match.klass in _CHARGED else None
            entry = {
                "class": match.klass.value,
                "before_number": match.before.number if match.before else None,
                "after_number": match.after.number if match.after else None,
            }
            if line is not None:
                entry |= {
                    "hours": str(line.hours),
                    "labour": str(line.labour),
                    "parts": str(line.parts),
                    "total": str(line.total),
                    "chargeable": line.chargeable,
                    "note": line.note,
                }
            else:
                entry |= {
                    "hours": "0",
                    "labour": "0",
                    "parts": "0",
                    "total": "0",
                    "chargeable": False,
                    "note": NOT_CHARGED.get(match.klass, ""),
                }
            lines.append(entry)
        estimate_summary = {
            "currency": estimate.card.currency,
            "labour_rate": str(estimate.card.labour_rate),
            "lines": lines,
            "total": str(estimate.total),
        }
    return {
        "schema": SCHEMA,
        "generated_at": generated_at.isoformat(),
        "tolerance": comparison.tolerance,
        "before": _inspection_summary(before),
        "after": _inspection_summary(after),
        "counts": comparison.counts,
        "damages": damages,
        "estimate": estimate_summary,
        "warnings": list(warnings),
    }


_CHARGED = frozenset({DamageClass.NEW, DamageClass.WORSENED})
