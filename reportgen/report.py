"""The public entry points: a session bundle in, a Report (PDF, HTML) out, written atomically."""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from . import imaging, view, vocabulary
from .brand import Brand, check_paper, load_brand
from .bundle import PHOTOS_FILE, Bundle, load_bundle
from .download import ImageCache
from .errors import ImageError, ReportgenError
from .fetch import fetch_bundle
from .files import write_atomic
from .pave import DEFAULT_BASE_URL, Credentials
from .paths import fonts_dir
from .render import Theme, render_html
from .summary import build_summary

_LOG = logging.getLogger("reportgen")
MARKER_FONT = "Inter-Bold.otf"


@dataclass
class Report:
    """A rendered condition report. The PDF is laid out on first use of `pdf`."""

    session_key: str
    view: view.ReportView = field(repr=False)
    theme: Theme = field(repr=False)
    #: A JSON-ready digest for billing systems; its shape is versioned (see README).
    summary: dict[str, Any] = field(repr=False, default_factory=dict)
    #: Problems that did not stop the report, such as photos replaced by placeholders.
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def html(self) -> str:
        """One self-contained HTML file: images and fonts inline."""
        return render_html(self.view, self.theme, standalone=True)

    @cached_property
    def pdf(self) -> bytes:
        from .pdf import write_pdf  # WeasyPrint costs ~1 s to import: only when a PDF is wanted.

        return write_pdf(render_html(self.view, self.theme, standalone=False), self.view, self.theme)

    def write(self, path: str | Path, format: str = "pdf") -> Path:
        """Write the PDF (or HTML) atomically: the target holds the old file or the new, never half."""
        data = self.pdf if format == "pdf" else self.html.encode("utf-8")
        return write_atomic(Path(path), data)

    def write_summary(self, path: str | Path) -> Path:
        """Write `summary` as JSON, atomically."""
        text = json.dumps(self.summary, indent=2, ensure_ascii=False) + "\n"
        return write_atomic(Path(path), text.encode("utf-8"))


def generate_report(
    session_key: str,
    *,
    api_key: str,
    api_secret: str | None = None,
    username: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    brand: Brand | str | Path | None = None,
    templates: str | Path | None = None,
    paper: str | None = None,
    strict: bool = False,
    cache: bool | str | Path = True,
    keep_bundle: str | Path | None = None,
    generated_at: datetime | None = None,
) -> Report:
    """Fetch a live session from PAVE and render it; nothing stays on disk unless keep_bundle.

    Without api_secret and username, PAVE's photo list cannot be fetched and the report says the
    capture checklist is unavailable. cache=True uses the per-user image cache, a path uses that
    folder, False downloads every photo again.
    """
    image_cache = (
        ImageCache.default() if cache is True else ImageCache(Path(cache)) if cache else None
    )
    credentials = Credentials(api_key, api_secret or None, username or None)
    with tempfile.TemporaryDirectory(prefix="reportgen-") as scratch:
        fetched = fetch_bundle(
            session_key, Path(keep_bundle) if keep_bundle else Path(scratch) / session_key,
            credentials=credentials, base_url=base_url, cache=image_cache,
        )
        report = render_bundle(fetched.path, brand=brand, templates=templates, paper=paper,
                               strict=strict, generated_at=generated_at)
    report.warnings[:0] = fetched.warnings
    report.summary["warnings"] = list(report.warnings)
    return report


async def agenerate_report(session_key: str, **options: Any) -> Report:
    """generate_report for async services: the network, imaging and layout run in a worker thread."""

    def work() -> Report:
        report = generate_report(session_key, **options)
        report.pdf  # noqa: B018 (lay out now, in the thread, not later on the event loop)
        return report

    return await asyncio.to_thread(work)


def render_bundle(
    path: str | Path,
    *,
    brand: Brand | str | Path | None = None,
    templates: str | Path | None = None,
    paper: str | None = None,
    strict: bool = False,
    generated_at: datetime | None = None,
) -> Report:
    """Turn a saved session bundle into a Report.

    A photo that is missing or unreadable becomes a visible placeholder and a warning; with
    strict=True it raises ImageError instead.
    """
    bundle = load_bundle(path)
    try:
        return _build(bundle, brand, templates, paper, strict, generated_at)
    except ReportgenError as error:
        error.session_key = error.session_key or bundle.session_key or None
        raise


def _build(
    bundle: Bundle,
    brand: Brand | str | Path | None,
    templates: str | Path | None,
    paper: str | None,
    strict: bool,
    generated_at: datetime | None,
) -> Report:
    brand = brand if isinstance(brand, Brand) else load_brand(brand) if brand else Brand()
    theme = Theme(Path(templates) if templates else None)
    generated_at = generated_at or datetime.now(timezone.utc)
    planned = view.plan_photos(bundle.results)
    chosen = view.chosen_attempts(bundle.captures or [])
    thumbnail_urls = [attempt.url for attempt in chosen if attempt.url]

    jobs = [
        imaging.PhotoJob(_source(bundle, plan.photo.url), plan.markers, photo=True,
                         thumbnail=plan.photo.url in thumbnail_urls)
        for plan in planned
    ]
    covered = {plan.photo.url for plan in planned}
    thumbnail_only = [url for url in dict.fromkeys(thumbnail_urls) if url not in covered]
    jobs += [imaging.PhotoJob(_source(bundle, url), photo=False, thumbnail=True) for url in thumbnail_only]
    results = imaging.process_photos(jobs, fonts_dir() / MARKER_FONT)

    warnings = []
    for plan, result in zip(planned, results, strict=False):
        if result.problem:
            title = vocabulary.photo_title(plan.photo.photo_code, plan.photo.photo_label)
            message = f"photo {title!r} unavailable: {result.problem}"
            if strict:
                raise ImageError(message, session_key=bundle.session_key or None)
            warnings.append(message)
    thumbnails: dict[str, imaging.PhotoResult] = {}
    for job_url, result in zip([p.photo.url for p in planned] + thumbnail_only, results, strict=True):
        if result.thumbnail:
            thumbnails.setdefault(job_url, result)
        elif job_url in thumbnail_urls:
            _LOG.debug("no thumbnail for %s: %s", job_url, result.problem)

    report_view = view.build_view(
        results=bundle.results,
        planned=planned,
        photo_results=results[: len(planned)],
        captures=bundle.captures,
        thumbnails=thumbnails,
        brand=brand,
        paper=check_paper(paper) if paper else brand.paper,
        session_key=bundle.session_key,
        generated_at=generated_at,
        checklist_note="" if bundle.captures is not None
        else bundle.notes.get(PHOTOS_FILE, "The photo list (photos.json) is not part of this session's "
                              "data, so the capture checklist is not included."),
        warnings=warnings,
    )
    summary = build_summary(bundle.results, planned, report_view, generated_at)
    return Report(bundle.session_key, report_view, theme, summary, warnings)


def _source(bundle: Bundle, url: str) -> Path | None:
    return bundle.image_path(url) if url else None
