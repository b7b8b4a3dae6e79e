"""HTML to PDF with WeasyPrint, behind a URL fetcher that loads nothing outside the report."""

from __future__ import annotations

import gc
import logging
import mimetypes
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from PIL import ImageFile

from ._weasy import (
    HTML,
    Attachment,
    FontConfiguration,
    ForkSafeFontConfiguration,
    TreeHTML,
    URLFetcher,
    URLFetcherResponse,
    serialize_streams_once,
)
from .compareview import CompareView
from .errors import RenderError
from .paths import fonts_dir
from .render import ASSET_SCHEME, Theme
from .viewmodel import ImageAsset, ReportView

__all__ = ["LockedURLFetcher", "ResourceRefused", "parse_html", "warm_up", "write_pdf"]

_LOG = logging.getLogger("reportgen")
# Importing WeasyPrint (weasyprint/images.py) sets LOAD_TRUNCATED_IMAGES = True process-wide, so
# Pillow stops raising for truncated files and broken data streams. reportgen's own truncation
# check reads the file's structure and does not rely on this flag (it was racy: photo threads
# decode while WeasyPrint is imported in the background); restoring Pillow's default here keeps
# its decoder errors loud for the rest of the process. WeasyPrint only gets images encoded whole.
ImageFile.LOAD_TRUNCATED_IMAGES = False
_FONT_CONFIG_LOCK = threading.Lock()
_ATTACHMENT_DESCRIPTIONS = {
    "hotspots.json": "PAVE damage results (GET /v1/hotspots/{key})",
    "photos.json": "PAVE captured photos and QA status (GET /v1/sessions/{key}/photos)",
    "session.json": "PAVE session and vehicle record (GET /v1/sessions/{key})",
    "summary.json": "Summary of this report: vehicle, damages and counts (JSON)",
    "comparison.json": "Summary of this comparison: both inspections, each damage's class, the estimate (JSON)",
    **{
        f"{side}-{name}": f"{inspection}: {description}"
        for side, inspection in (("before", "First inspection"), ("after", "Second inspection"))
        for name, description in (
            ("hotspots.json", "PAVE damage results"),
            ("photos.json", "PAVE captured photos and QA status"),
            ("session.json", "PAVE session and vehicle record"),
        )
    },
    "manifest.json": "Inspection record: SHA-256 of each photo as downloaded and of PAVE's responses (JSON)",
}


def write_pdf(
    html: str,
    view: ReportView | CompareView,
    theme: Theme,
    *,
    pdfa: bool = False,
    attachments: dict[str, bytes] | None = None,
    pdfua: bool = False,
    jobs: int = 1,
) -> bytes:
    """Lay out the HTML with WeasyPrint; only theme files, fonts, the logo and our images load.

    pdfa=True makes a PDF/A-3b whose attachments (name → bytes) are embedded as associated files.
    pdfua=True tags the PDF (PDF/UA-1): a structure tree, the language, alternative texts; with
    pdfa, the one file is both PDF/A-3b and PDF/UA-1.
    jobs > 1 lays the built-in theme's document out in that many processes at most (parallel.py),
    for the same document; a user's templates, or a document with one chunk, take one process.
    """
    assets = _collect_assets(view)
    roots = [*theme.search_path, fonts_dir()]
    files = [view.brand.logo.path] if view.brand.logo else []
    fetcher = LockedURLFetcher(roots=roots, files=files, assets=assets)
    # Stable dates, and an identifier that is a hash of the PDF's own objects (pydyf's, as PDF/A uses):
    # the same document gives the same bytes wherever reportgen is installed. A hash of the HTML
    # would not, as the HTML names the font files by their place on this machine.
    moment = datetime.fromisoformat(view.document_date) if view.document_date else None
    options: dict[str, Any] = {"pdf_identifier": True}
    if pdfa:
        options["pdf_variant"] = "pdf/a-3b"
        options["attachments"] = [
            Attachment(
                string=data,
                name=name,
                url_fetcher=fetcher,
                relationship="Source",
                description=_ATTACHMENT_DESCRIPTIONS.get(name, name),
                created=moment,
                modified=moment,
            )
            for name, data in (attachments or {}).items()
        ]
    if pdfua:
        # WeasyPrint has one variant at a time: PDF/A-3b with tags on identifies as PDF/A only,
        # so the finisher adds PDF/UA's identification to the XMP (_identify_pdfua).
        options["pdf_tags"] = True
        options.setdefault("pdf_variant", "pdf/ua-1")
    base_url = theme.search_path[-1].as_uri() + "/"
    finisher = _finisher(pdfa=pdfa, pdfua=pdfua)
    with _captured_weasyprint_log() as messages, _FONT_CONFIG_LOCK, _collector_paused():
        try:
            pdf: bytes | None = None
            # The merge of chunks keeps pages, links, outline, fonts and, tagged, one structure
            # tree (the finisher tags each chunk's tables; a table is never cut between chunks).
            if jobs > 1 and theme.user_dir is None:
                pdf = _write_in_parallel(html, base_url, fetcher, options, jobs, finisher)
            if pdf is None:
                # A user's templates may lean on the HTML5 parser's repairs (implied <tbody>, a <p>
                # closed by a <div>), which expat would not make: only the built-in theme takes it.
                document = parse_html(html, base_url, fetcher, xml=theme.user_dir is None)
                pdf = document.write_pdf(font_config=_font_config(), finisher=finisher, **options)
        except RenderError:
            raise
        except Exception as error:  # noqa: BLE001 (WeasyPrint raises many types; all mean "could not render")
            raise RenderError(f"PDF rendering failed: {type(error).__name__}: {error}") from None
    if pdf is None:
        raise RenderError("PDF rendering produced no output")
    for message in messages:
        _LOG.debug("weasyprint: %s", message)
    return pdf


def _finisher(*, pdfa: bool, pdfua: bool) -> Callable[[Any, Any], None]:
    """What write_pdf does to WeasyPrint's PDF objects before they are written."""

    def finish(document: Any, pdf: Any) -> None:
        _one_entry_per_attachment(document, pdf)
        if pdfua:
            _tables_for_screen_readers(pdf)
        if pdfa and pdfua:
            _identify_pdfua(pdf)
        serialize_streams_once(pdf)  # last: the streams are final now

    return finish


#: PDF/UA-1's identification (ISO 14289-1, 5) and, as PDF/A-3 wants for any schema outside its
#: predefined list, the extension schema that declares it (ISO 19005-3, 6.6.2.3.2).
_PDFUA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""


def _identify_pdfua(pdf: Any) -> None:
    """Add PDF/UA-1's identification to the XMP of a PDF/A, which WeasyPrint identifies as PDF/A only."""
    stream = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    xmp = b"".join(stream.stream)
    if b"pdfuaid:part" not in xmp:
        stream.stream = [xmp.replace(b"</rdf:RDF>", _PDFUA_XMP + b"</rdf:RDF>", 1)]


def _tables_for_screen_readers(pdf: Any) -> None:
    """Tag layout tables as plain divisions and give every header cell its scope.

    WeasyPrint tags every HTML table as a /Table. The theme lays out its masthead, vehicle box and
    photo grids with tables that have no header cell: a screen reader would read them as data
    tables with no headers, so they become /Div. In a data table WeasyPrint links each data cell
    to its headers (/Headers, from the HTML `scope`), but gives a header cell no /Scope: a header
    cell in a row with data cells is a row header, any other a column header.
    """
    for element in list(pdf.objects):
        if isinstance(element, dict) and element.get("Type") == "/StructElem" and element.get("S") == "/Table":
            parts = list(_table_parts(pdf, element))
            cells = [part for part in parts if part["S"] in ("/TH", "/TD")]
            if not any(cell["S"] == "/TH" for cell in cells):
                for part in [element, *parts]:
                    part["S"] = "/Div"
                    part.pop("A", None)
                continue
            for row in (part for part in parts if part["S"] == "/TR"):
                kids = [pdf.objects[number] for number in _kids(row)]
                has_data = any(kid.get("S") == "/TD" for kid in kids)
                for kid in kids:
                    if kid.get("S") == "/TH":
                        kid["A"]["Scope"] = "/Row" if has_data else "/Column"


def _table_parts(pdf: Any, element: Any) -> Iterator[Any]:
    """The row groups, rows and cells of a table's structure element, not those of a table inside it."""
    for number in _kids(element):
        kid = pdf.objects[number]
        if kid.get("S") in ("/THead", "/TBody", "/TFoot", "/TR", "/TH", "/TD"):
            yield kid
            if kid["S"] not in ("/TH", "/TD"):
                yield from _table_parts(pdf, kid)


def _kids(element: Any) -> list[int]:
    """The object numbers of a structure element's child elements (not its marked-content ids)."""
    return [int(kid.split()[0]) for kid in element.get("K", ()) if isinstance(kid, bytes)]


def _write_in_parallel(
    html: str,
    base_url: str,
    fetcher: URLFetcher,
    options: dict[str, Any],
    jobs: int,
    finisher: Callable[[Any, Any], None],
) -> bytes | None:
    """The PDF laid out in up to `jobs` forked processes, or None when the document is not cut."""
    from .parallel import lay_out_in_parallel  # pikepdf loads only for a parallel layout

    try:
        root = ElementTree.fromstring(html)
    except (ElementTree.ParseError, ValueError):
        return None
    font_config = _font_config()  # set up here, once, for every chunk process to inherit
    # The merge gives the document its identifier: a chunk's would cost a second serialization.
    options = {**options, "pdf_identifier": False}
    rest = {name: value for name, value in options.items() if name != "attachments"}

    def render(tree: ElementTree.Element, first: bool) -> bytes:
        document = TreeHTML(tree, base_url, fetcher)
        pdf: bytes = document.write_pdf(font_config=font_config, finisher=finisher, **(options if first else rest))
        return pdf

    return lay_out_in_parallel(root, jobs, render)


def _one_entry_per_attachment(document: Any, pdf: Any) -> None:
    """List each associated file once in the catalog's /AF.

    WeasyPrint's PDF/A-3 step adds every file spec to /AF twice (once from the /EmbeddedFiles
    name tree, once from its scan of the file specs), so viewers list each attachment twice.
    """
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


def parse_html(html: str, base_url: str, fetcher: URLFetcher, *, xml: bool = True) -> HTML:
    """The document WeasyPrint lays out; with xml=True, well-formed XML is read by expat.

    For the built-in theme's HTML expat builds the same tree as WeasyPrint's HTML5 parser, some
    fifty times faster (0.17 s of a sample report). Anything that is not XML (a hostile string
    with a control character, say) takes the HTML5 parser.
    """
    if xml:
        try:
            return TreeHTML(ElementTree.fromstring(html), base_url, fetcher)
        except (ElementTree.ParseError, ValueError):
            pass
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher)


def warm_up() -> None:
    """Set WeasyPrint up now (its import and the fonts), so that the first report does not wait for it.

    For a process about to make many reports, such as a batch worker; each call after the first is free.
    """
    _font_config()


@cache
def _font_config() -> FontConfiguration:
    # One per process: @font-face files are registered once and reused by every report (and by
    # the processes forked from this one, which add what they meet first themselves).
    return ForkSafeFontConfiguration()


class ResourceRefused(Exception):
    """A resource outside the theme, fonts, logo and report images was asked for."""


class LockedURLFetcher(URLFetcher):  # type: ignore[misc]
    """Serves data: URIs, the report's own images and files under the allowed folders; nothing else."""

    def __init__(self, *, roots: Sequence[Path], files: Sequence[Path], assets: dict[str, ImageAsset]) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=5)
        self._roots = [root.resolve() for root in roots]
        self._files = {file.resolve() for file in files}
        self._assets = assets

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The resource at url if it is part of the report; ResourceRefused for anything else."""
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == ASSET_SCHEME:
            asset = self._assets.get(url.split(":", 1)[1])
            if asset is None:
                raise ResourceRefused(f"refused: unknown report image {url[:80]!r}")
            return URLFetcherResponse(url, asset.data, {"Content-Type": asset.media_type})
        if scheme == "file":
            path = self._allowed_file(url)
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
        raise ResourceRefused(f"refused: {url[:80]!r} is not part of the report")

    def _allowed_file(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"refused: {url[:80]!r} names a remote host")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        inside = path in self._files or any(path.is_relative_to(root) for root in self._roots)
        if not inside or not path.is_file():
            raise ResourceRefused(f"refused: {url[:80]!r} is outside the theme")
        return path


def _collect_assets(view: ReportView | CompareView) -> dict[str, ImageAsset]:
    if isinstance(view, CompareView):
        return {image.name: image for image in view.images}
    assets = {panel.image.name: panel.image for panel in view.photos if panel.image}
    assets.update((row.closeup.name, row.closeup) for row in view.details if row.closeup)
    if view.qr_code:
        assets[view.qr_code.name] = view.qr_code
    if view.record_qr:
        assets[view.record_qr.name] = view.record_qr
    if view.checklist:
        assets.update((row.thumbnail.name, row.thumbnail) for row in view.checklist.rows if row.thumbnail)
    return assets


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold Python's cycle collector off while WeasyPrint works, then let it run as before.

    A layout allocates hundreds of thousands of boxes that stay alive until the PDF is written,
    so every collection during it scans them all and frees nothing: a tenth of a sample render.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _captured_weasyprint_log() -> Iterator[list[str]]:
    """Keep WeasyPrint's own warnings out of the user's terminal; hand them back for debugging."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
