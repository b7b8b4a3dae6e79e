"""The public entry points: a session bundle in, a Report (PDF, HTML) out, written atomically."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import glyphs, i18n, imaging, view, vocabulary
from .brand import Brand
from .bundle import HOTSPOTS_FILE, PHOTOS_FILE, SESSION_FILE, Bundle, load_bundle
from .errors import ConfigError, ImageError, ReportgenError
from .estimate import PricedDamage, RateCard
from .estimate import estimate as compute_estimate
from .files import json_bytes, write_atomic
from .manifest import MANIFEST_ATTACHMENT, build_manifest, manifest_bytes, manifest_digest
from .options import RenderOptions
from .paths import fonts_dir
from .plan import MAX_CLOSEUPS, MAX_REPORT_DAMAGES, chosen_attempts, condition_photos, limit_plan, plan_photos
from .render import Theme, render_html
from .scratch import scratch_folder
from .signing import SigningKey, sign_pdf
from .summary import build_summary
from .viewmodel import ReportView

if TYPE_CHECKING:
    from .compareview import CompareView

__all__ = [
    "RenderedDocument",
    "Report",
    "agenerate_report",
    "generate_report",
    "preload_pdf_engine",
    "render_bundle",
    "warm_up",
    "warm_up_render",
]

_LOG = logging.getLogger("reportgen")
MARKER_FONT = "Inter-Bold.otf"
#: PAVE's bodies that a PDF/A report carries as attachments.
SOURCE_FILES = (HOTSPOTS_FILE, PHOTOS_FILE, SESSION_FILE)
#: What the PDF says when the session's photo list is not available, whatever the reason.
CHECKLIST_UNAVAILABLE = "The photo capture checklist is unavailable for this report."


class RenderedDocument:
    """What a report and a comparison share: HTML and PDF made from the view on first use, written atomically."""

    view: ReportView | CompareView
    theme: Theme
    summary: dict[str, Any]
    pdfa: bool
    #: PAVE's response bodies (attachment name → bytes) that a PDF/A carries beside the summary.
    sources: dict[str, bytes]
    #: The key the PDF is signed with (PAdES, an incremental update after layout); None: unsigned.
    signing: SigningKey | None
    #: A tagged, accessible PDF/UA-1 (with pdfa, both at once).
    pdfua: bool
    #: Processes that lay the PDF out; 1 lays it out in this process.
    jobs: int
    #: The summary's name as a PDF/A attachment.
    summary_attachment = "summary.json"

    @cached_property
    def html(self) -> str:
        """One self-contained HTML file: images and fonts inline."""
        return render_html(self.view, self.theme, standalone=True)

    @cached_property
    def pdf(self) -> bytes:
        """The PDF (PDF/A-3b with `pdfa`, tagged PDF/UA-1 with `pdfua`, signed with `signing`), made once."""
        from .pdf import write_pdf  # WeasyPrint costs ~1 s to import: only when a PDF is wanted.

        started = time.perf_counter()
        html = render_html(self.view, self.theme, standalone=False)
        attachments = None
        if self.pdfa:
            attachments = {**self.sources, self.summary_attachment: json_bytes(self.summary)}
            if self.summary.get("manifest"):
                attachments[MANIFEST_ATTACHMENT] = manifest_bytes(self.summary["manifest"])
            # The PDF's name tree of embedded files must list its keys in order.
            attachments = dict(sorted(attachments.items()))
        pdf = write_pdf(
            html, self.view, self.theme, pdfa=self.pdfa, attachments=attachments, pdfua=self.pdfua, jobs=self.jobs
        )
        _LOG.debug("PDF of %d bytes laid out in %.2f s", len(pdf), time.perf_counter() - started)
        if self.signing:
            pdf = sign_pdf(pdf, self.signing)
        return pdf

    def write(self, path: str | Path, format: str = "pdf") -> Path:
        """Write the PDF (or HTML) atomically: the target holds the old file or the new, never half."""
        data = self.pdf if format == "pdf" else self.html.encode("utf-8")
        return write_atomic(Path(path), data)

    def write_summary(self, path: str | Path) -> Path:
        """Write `summary` as JSON, atomically."""
        return write_atomic(Path(path), json_bytes(self.summary))


@dataclass
class Report(RenderedDocument):
    """A rendered condition report. The PDF is laid out on first use of `pdf`."""

    session_key: str
    view: ReportView = field(repr=False)
    theme: Theme = field(repr=False)
    #: A JSON-ready digest for billing systems; its shape is versioned (see README).
    summary: dict[str, Any] = field(repr=False, default_factory=dict)
    #: Problems that did not stop the report, such as photos replaced by placeholders.
    warnings: list[str] = field(default_factory=list)
    #: PDF/A-3b with PAVE's bodies and the summary embedded, instead of a plain PDF.
    pdfa: bool = False
    #: PAVE's response bodies as read from the bundle (file name → bytes), for PDF/A.
    sources: dict[str, bytes] = field(repr=False, default_factory=dict)
    #: Information that is not a problem, such as PAVE keeping no session record for the session.
    notes: list[str] = field(default_factory=list)
    #: The key the PDF is signed with (PAdES, an incremental update after layout); None: unsigned.
    signing: SigningKey | None = field(default=None, repr=False)
    #: A tagged, accessible PDF/UA-1 (with pdfa, both at once).
    pdfua: bool = True
    #: Processes that lay the PDF out (RenderOptions.jobs, resolved); 1 lays it out in this process.
    jobs: int = 1


def generate_report(
    session_key: str,
    options: RenderOptions | None = None,
    *,
    api_key: str,
    api_secret: str | None = None,
    username: str | None = None,
    base_url: str | None = None,
    cache: bool | str | Path = True,
    keep_bundle: str | Path | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
) -> Report:
    """Fetch a live session from PAVE and render it with `options`; nothing stays on disk unless keep_bundle.

    Without api_secret and username, PAVE's photo list cannot be fetched and the report says the
    capture checklist is unavailable. cache=True uses the per-user image cache, a path uses that
    folder, False downloads every photo again. base_url defaults to PAVE's production API.
    `options` arrive loaded and checked (RenderOptions.load), so a mistake in a brand file or rate
    card is found before any network work.

    timeout (seconds from now), or deadline (a time.monotonic() moment), is when the whole report
    should be done: the fetch stops once two thirds of the time are spent (leaving at most 20 s
    for rendering, see timelimit.network_deadline); photos not downloaded by then become
    placeholders with a warning. Rendering itself is not interrupted here: wrap the call in
    timelimit.time_limit (as the command line does) to enforce the rest.
    """
    # The network layer (httpx) loads only here, so rendering a saved bundle never pays for it.
    from .download import ImageCache
    from .fetch import fetch_bundle
    from .pave import DEFAULT_BASE_URL, Credentials
    from .timelimit import network_deadline

    image_cache = ImageCache.default() if cache is True else ImageCache(Path(cache)) if cache else None
    credentials = Credentials(api_key, api_secret or None, username or None)
    end = deadline if deadline is not None else time.monotonic() + timeout if timeout is not None else None
    with scratch_folder("reportgen-") as scratch:
        fetched = fetch_bundle(
            session_key,
            Path(keep_bundle) if keep_bundle else Path(scratch) / session_key,
            credentials=credentials,
            base_url=base_url or DEFAULT_BASE_URL,
            cache=image_cache,
            deadline=network_deadline(end) if end is not None else None,
        )
        report = render_bundle(fetched.path, options)
    report.warnings[:0] = fetched.warnings
    report.notes[:0] = fetched.notes
    report.summary["warnings"] = list(report.warnings)
    return report


async def agenerate_report(
    session_key: str,
    options: RenderOptions | None = None,
    *,
    api_key: str,
    api_secret: str | None = None,
    username: str | None = None,
    base_url: str | None = None,
    cache: bool | str | Path = True,
    keep_bundle: str | Path | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
) -> Report:
    """generate_report for async services: the network, imaging and layout run in a worker thread."""
    import asyncio

    def work() -> Report:
        report = generate_report(
            session_key,
            options,
            api_key=api_key,
            api_secret=api_secret,
            username=username,
            base_url=base_url,
            cache=cache,
            keep_bundle=keep_bundle,
            timeout=timeout,
            deadline=deadline,
        )
        report.pdf  # noqa: B018 (lay out now, in the thread, not later on the event loop)
        return report

    return await asyncio.to_thread(work)


@dataclass(frozen=True)
class _Options:
    """RenderOptions resolved for one bundle: the theme found, the clock read."""

    brand: Brand
    theme: Theme
    paper: str | None
    strict: bool
    generated_at: datetime
    document_date: datetime | None
    rates: RateCard | None
    pdfa: bool
    jobs: int
    pdfua: bool = True
    lang: str = "en"


def render_bundle(
    path: str | Path,
    options: RenderOptions | None = None,
    *,
    brand: Brand | str | Path | None = None,
    templates: str | Path | None = None,
    paper: str | None = None,
    strict: bool = False,
    rates: RateCard | str | Path | None = None,
    pdfa: bool = False,
    generated_at: datetime | None = None,
    pdfua: bool | None = None,
    lang: str | None = None,
    jobs: int | None = None,
) -> Report:
    """Turn a saved session bundle into a Report, rendered with `options` (see RenderOptions).

    The keywords are a convenience for one-off calls: they make the options with
    RenderOptions.load() (reading a brand file or rate card given as a path), and cannot be
    combined with `options`. A photo that is missing or unreadable becomes a visible placeholder
    and a warning; with strict it raises ImageError instead.
    """
    keywords = (brand, templates, paper, rates, generated_at, pdfua, lang, jobs) != (None,) * 8 or strict or pdfa
    if options is not None and keywords:
        raise TypeError("render_bundle() takes options or option keywords, not both")
    bundle = load_bundle(path)
    try:
        if options is None:
            options = RenderOptions.load(
                brand=brand,
                templates=templates,
                paper=paper,
                strict=strict,
                rates=rates,
                pdfa=pdfa,
                generated_at=generated_at,
                pdfua=pdfua,
                lang=lang,
                jobs=jobs,
            )
        fixed = options.generated_at or _source_date_epoch()
        resolved = _Options(
            brand=options.brand,
            theme=Theme(options.templates),
            paper=options.paper,
            strict=options.strict,
            generated_at=fixed or datetime.now(UTC),
            # The PDF's own dates never depend on the clock: the inspection's end stands in.
            document_date=_source_date_epoch() or bundle.results.session.inspect_ended_at or fixed,
            rates=options.rates,
            # A signed report is evidence: it carries its inspection record, so it is PDF/A.
            pdfa=options.pdfa or options.brand.signing is not None,
            pdfua=options.pdfua is not False,
            lang=options.lang or "en",
            jobs=options.layout_jobs,
        )
        # Every text the view words (view.py, vocabulary) is in the customer's language.
        with i18n.language(resolved.lang):
            return _build(bundle, resolved)
    except ReportgenError as error:
        error.session_key = error.session_key or bundle.session_key or None
        raise


def _source_date_epoch() -> datetime | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise ConfigError(f"SOURCE_DATE_EPOCH must be a Unix time in seconds, not {value[:40]!r}") from None


def _build(bundle: Bundle, options: _Options) -> Report:
    all_planned = plan_photos(bundle.results)
    planned = limit_plan(all_planned)
    total = sum(len(p.damages) for p in all_planned)
    # warnings carry the technical detail (stderr, the summary); notices are what the PDF says.
    warnings: list[str] = []
    notices: list[str] = []
    if total > MAX_REPORT_DAMAGES:
        warnings.append(
            f"this session has {total:,} damages; the report lists the first "
            f"{MAX_REPORT_DAMAGES:,} (the summary has all of them)"
        )
        notices.append(f"This session has {total:,} damages; the report lists the first {MAX_REPORT_DAMAGES:,}.")
    chosen = chosen_attempts(bundle.captures or [])
    thumbnail_urls = [attempt.url for attempt in chosen if attempt.url]
    if not all_planned:
        # No damage: the report still shows the vehicle as captured, the proof of its condition.
        planned = condition_photos(bundle.results, bundle.captures)

    jobs = [
        imaging.PhotoJob(
            _source(bundle, plan.photo.url),
            plan.markers,
            photo=True,
            thumbnail=plan.photo.url in thumbnail_urls,
            closeups=frozenset(d.number for d in plan.damages if d.number <= MAX_CLOSEUPS),
        )
        for plan in planned
    ]
    covered = {plan.photo.url for plan in planned}
    thumbnail_only = [url for url in dict.fromkeys(thumbnail_urls) if url not in covered]
    jobs += [imaging.PhotoJob(_source(bundle, url), photo=False, thumbnail=True) for url in thumbnail_only]
    started = time.perf_counter()
    results = imaging.process_photos(jobs, fonts_dir() / MARKER_FONT)
    _LOG.debug("%d photos processed in %.2f s", len(jobs), time.perf_counter() - started)

    closeups: dict[int, imaging.EncodedImage] = {}
    unavailable = 0
    for plan, job, result in zip(planned, jobs, results, strict=False):
        closeups.update(result.closeups)
        if result.problem:
            title = plan.title
            _problem(warnings, f"photo {title!r} unavailable", job, result.problem, options, bundle)
            unavailable += 1
    titles = {a.url: vocabulary.photo_title(a.photo_code, a.photo_label) for a in chosen if a.url}
    for url, job, result in zip(thumbnail_only, jobs[len(planned) :], results[len(planned) :], strict=True):
        if result.problem:
            _problem(warnings, f"checklist photo {titles[url]!r} unavailable", job, result.problem, options, bundle)
    if unavailable:
        notices.append(
            f"{unavailable} photo{'s' if unavailable != 1 else ''} could not be retrieved "
            f"and {'are' if unavailable != 1 else 'is'} shown as unavailable."
        )
    thumbnails: dict[str, imaging.PhotoResult] = {}
    for job_url, result in zip([p.photo.url for p in planned] + thumbnail_only, results, strict=True):
        if result.thumbnail:
            thumbnails.setdefault(job_url, result)

    estimate = None
    if options.rates:
        estimate = compute_estimate(
            options.rates,
            [
                PricedDamage(d.number, d.damage.component, d.severity.key, d.damage.repair_method, d.damage.tolerance)
                for plan in all_planned
                for d in plan.damages
            ],
        )
        # The customer reads "standard labour time"; whoever keeps the rate card learns what it lacks.
        card = f"rate card {options.rates.source}" if options.rates.source else "rate card"
        warnings.extend(f"{card}: damage {line.number}: {line.gap}" for line in estimate.lines if line.gap)
    if bundle.captures is None:
        # Why there is no checklist is for whoever makes the report; the customer reads one sentence.
        _LOG.debug("no capture checklist: %s", bundle.notes.get(PHOTOS_FILE, f"{PHOTOS_FILE} is not in the bundle"))
    report_view = view.build_view(
        results=bundle.results,
        planned=planned,
        photo_results=results[: len(planned)],
        captures=bundle.captures,
        thumbnails=thumbnails,
        brand=options.brand,
        paper=options.paper or options.brand.paper,
        session_key=bundle.session_key,
        generated_at=options.generated_at,
        checklist_note="" if bundle.captures is not None else CHECKLIST_UNAVAILABLE,
        warnings=notices,
        closeups=closeups,
        estimate=estimate,
        document_date=options.document_date,
    )
    coverage = glyphs.view_coverage(report_view)
    manifest = build_manifest(bundle, options.generated_at)
    digest = manifest_digest(manifest)
    # The template's own Japanese is not in the view: a Japanese report always declares the CJK font.
    report_view = replace(
        report_view,
        cjk_font=coverage.needs_fallback or report_view.lang == "ja",
        record_digest=digest,
        record_qr=view.qr_asset(digest),
    )
    summary = build_summary(bundle.results, all_planned, report_view, options.generated_at, estimate, manifest)
    glyph_warning = coverage.warning()
    if glyph_warning:
        # For the operator (stderr, summary), not the customer's PDF: the view is already built.
        warnings.append(glyph_warning)
    summary["warnings"] = list(warnings)
    sources = {name: (bundle.path / name).read_bytes() for name in SOURCE_FILES if (bundle.path / name).is_file()}
    report = Report(
        bundle.session_key,
        report_view,
        options.theme,
        summary,
        warnings,
        options.pdfa,
        sources,
        pdfua=options.pdfua,
        jobs=options.jobs,
    )
    report.signing = options.brand.signing
    return report


def _problem(
    warnings: list[str], what: str, job: imaging.PhotoJob, problem: str, options: _Options, bundle: Bundle
) -> None:
    """Record why a photo could not be used, naming its file; under strict it stops the report."""
    message = f"{what}: {job.source.name}: {problem}" if job.source else f"{what}: {problem}"
    if options.strict:
        raise ImageError(message, session_key=bundle.session_key or None)
    warnings.append(message)


def preload_pdf_engine() -> None:
    """Start importing WeasyPrint in a background thread, for a new process about to make a PDF.

    Its import is Python work (~0.6 s); fetching and photo processing mostly wait on the network
    or run in Pillow outside the GIL, so on two cores they overlap. A failed import here is
    retried, and reported, by `Report.pdf`.
    """
    if "reportgen.pdf" not in sys.modules:
        threading.Thread(target=_import_quietly, args=("reportgen.pdf",), daemon=True).start()


def warm_up() -> None:
    """Pay now for what a process's first PDF costs: importing WeasyPrint and setting up the fonts.

    For a long-lived worker (a batch worker, a service) before its first report, so that report
    is as fast as the rest. Safe to call more than once: the font setup is kept for the process.
    """
    from . import pdf

    pdf.warm_up()


def warm_up_render(options: RenderOptions | None = None) -> None:
    """warm_up, then render the bundled sample once with `options` and drop it, for a process that forks renderers.

    What a process's first report fills in (templates, image codecs, WeasyPrint's caches) is
    then there for every child it forks, which would otherwise each pay it (~15 % of a sample's
    CPU time, measured). A warm-up that fails is no error: the children pay for it instead.
    """
    import json
    import shutil

    from .paths import sample_bundle

    warm_up()
    try:
        with scratch_folder("reportgen-") as scratch:
            # The sample cut to its first damaged photo: a fraction of its cost, the same warmth.
            bundle = shutil.copytree(sample_bundle(), Path(scratch) / "warm-up")
            hotspots = json.loads((bundle / HOTSPOTS_FILE).read_bytes())
            hotspots["data"] = hotspots["data"][:1]
            (bundle / HOTSPOTS_FILE).write_text(json.dumps(hotspots), encoding="utf-8")
            photos = json.loads((bundle / PHOTOS_FILE).read_bytes())
            kept = hotspots["data"][0]["url"]
            (bundle / PHOTOS_FILE).write_text(json.dumps([p for p in photos if p["url"] == kept]), encoding="utf-8")
            render_bundle(bundle, replace(options or RenderOptions(), strict=False, jobs=1)).pdf  # noqa: B018
    except Exception:  # noqa: BLE001 (an odd brand or theme fails the real reports, with a message)
        _LOG.debug("warm-up render failed", exc_info=True)


def _import_quietly(name: str) -> None:
    try:
        importlib.import_module(name)
    except Exception:  # noqa: BLE001 (the foreground import raises it again, with context)
        pass


def _source(bundle: Bundle, url: str) -> Path | None:
    return bundle.image_path(url) if url else None
