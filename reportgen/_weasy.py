"""WeasyPrint, imported here first, and every private internal of it reportgen relies on (tests/test_weasy.py)."""

# Why reach past WeasyPrint's public API at all: WeasyPrint has no public way to take a document
# that is already parsed, and reading the built-in theme's HTML with expat instead of WeasyPrint's
# HTML5 parser is some fifty times faster (0.17 s of a sample report) for the same tree and the
# same PDF bytes. TreeHTML therefore does what HTML.__init__ does after its parser: it sets the
# same five attributes, using WeasyPrint's private _find_base_url for the document's <base href>.
# Both depend on WeasyPrint's internals, which may change in any release: pyproject.toml pins
# WeasyPrint below 71, and tests/test_weasy.py fails, naming the internal, when an
# upgrade changes one of them. Nothing else in reportgen may import a private WeasyPrint name.

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
import zlib
from hashlib import md5
from multiprocessing.util import Finalize
from pathlib import Path
from tempfile import mkdtemp
from typing import Any, Protocol

import cssselect2  # type: ignore[import-untyped, unused-ignore]

from ._libraries import ld_cache_lookup
from .scratch import make_folder, release_folder

# reportgen imports WeasyPrint here first (reportgen/pdf.py takes its names from this module):
# its C libraries are then found in a fraction of the time (see _libraries.py).
with ld_cache_lookup():
    import weasyprint  # type: ignore[import-untyped, unused-ignore]  # noqa: F401

from weasyprint import HTML, Attachment, _find_base_url  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped, unused-ignore]  # noqa: E402

__all__ = [
    "HTML",
    "HTML_ATTRIBUTES",
    "Attachment",
    "ChunkHooks",
    "ForkSafeFontConfiguration",
    "FontConfiguration",
    "Glyphs",
    "TreeHTML",
    "URLFetcher",
    "URLFetcherResponse",
    "bookmark_tree",
    "install_chunk_hooks",
    "serialize_streams_once",
]

#: What HTML.__init__ sets on a document (WeasyPrint 70), and so what TreeHTML must set.
HTML_ATTRIBUTES = frozenset({"base_url", "url_fetcher", "media_type", "wrapper_element", "etree_element"})


class TreeHTML(HTML):  # type: ignore[misc]
    """A WeasyPrint document from an element tree: what HTML.__init__ sets, without its parser."""

    def __init__(self, root: ElementTree.Element, base_url: str, fetcher: URLFetcher) -> None:
        self.base_url = _find_base_url(root, base_url)
        self.url_fetcher = fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element


class ForkSafeFontConfiguration(FontConfiguration):  # type: ignore[misc]
    """WeasyPrint's font configuration, right in processes forked from the one that made it, and tidy.

    WeasyPrint writes each @font-face to a folder of its own, named by a digest of the rule, adds
    it to this process's Fontconfig, skips a rule whose file is already there, and removes the
    folder in __del__. Forked processes (layout chunks, service jobs) share the object but not
    Fontconfig, and end with os._exit, so: the folder is made here, by the process that owns the
    configuration, and removed by that process alone (when the object goes or the process exits,
    a multiprocessing worker's os._exit included; a forked process never removes it; after a
    kill -9, by the next process that makes one: reportgen/scratch.py); a face
    already added in this process, or in the one it was forked from, is not added again; a forked
    process adds each other face from a folder of its own inside that one (made by mkdtemp: no two
    processes, nor a later one given a reused pid, share it). Only the owner writes in the shared
    folder, and siblings never write the same file.
    """

    _folder: Path | None  # WeasyPrint's: where add_font_face writes the face
    # For __del__ when __init__ stops early (as WeasyPrint's own `_folder = None`).
    _shared: Path | None = None
    _owner = -1

    def __init__(self) -> None:
        super().__init__()
        self._added: set[str] = set()
        self._owner = os.getpid()
        # In reportgen's own temporary folder: one left by a killed process is removed by the next.
        self._shared = make_folder("weasyprint-")
        self._folder = self._shared
        self._forked_folder: tuple[int, Path] | None = None
        # At exit: atexit for this process; multiprocessing's own exit hooks for a process it
        # started (a batch worker), which ends with os._exit and runs no atexit handler.
        Finalize(None, _remove_folder, args=(self._shared, self._owner), exitpriority=0)

    def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> Any:
        digest = md5(str(rule_descriptors).encode(), usedforsecurity=False).hexdigest()  # as WeasyPrint names it
        if digest in self._added:
            # In this process's Fontconfig already (added here, or by the process it was forked
            # from). Handed to WeasyPrint, it would look for the file in the shared folder and,
            # not finding it there, write it: two sibling processes then wrote one file, and one
            # truncating it while the other's Fontconfig read it killed the reader (SIGBUS).
            return None
        pid = os.getpid()
        folder = self._shared
        if pid != self._owner:
            if self._forked_folder is None or self._forked_folder[0] != pid:
                self._forked_folder = (pid, Path(mkdtemp(prefix="process-", dir=self._shared)))
            folder = self._folder = self._forked_folder[1]
        try:
            result = super().add_font_face(rule_descriptors, url_fetcher)
        finally:
            self._folder = self._shared
        if folder is not None and (folder / digest).exists():  # a face that failed to load is tried again
            self._added.add(digest)
        return result

    def __del__(self) -> None:
        if self._shared is not None:
            _remove_folder(self._shared, self._owner)


def _remove_folder(folder: Path, owner: int) -> None:
    if os.getpid() == owner:
        release_folder(folder)


# Writing the PDF (pydyf, WeasyPrint's PDF writer), three costs that grow with the document:
# - pydyf serializes every object twice when the file has an identifier (its write, then an MD5
#   of all objects, PDF/A's /ID): each content stream is joined and deflated at level 9 twice,
#   ~25 % of writing a 1,000-damage report. serialize_streams_once keeps each stream's bytes.
# - Level 9 itself: deflating a 1,000-damage report's streams took 656 ms at 9 and 147 ms at
#   zlib's default (6), about 6 % of the report's CPU time, for 3 % larger streams (the PDF 2.5 %,
#   the sample's 0.5 %). pydyf deflates at DEFLATE_LEVEL in this process.
# - PDF.page_references builds a tuple of every page each time it is read, and the tagging and
#   the links read it once per element: quadratic in pages. Cached while the page count holds.

#: How hard a PDF's streams are deflated: zlib's default level (pydyf's own is 9).
DEFLATE_LEVEL = 6


def serialize_streams_once(pdf: Any) -> None:
    """Serialize each stream of a finished pydyf PDF now, and have pydyf's write reuse those bytes."""
    import pydyf  # type: ignore[import-untyped, unused-ignore]

    for item in pdf.objects:
        if isinstance(item, pydyf.Stream) and not isinstance(item, _Serialized):
            item.serialized = item.data
            item.__class__ = _serialized_class(type(item))


class _Serialized:
    """A pydyf stream whose bytes are made (serialize_streams_once)."""

    serialized: bytes

    @property
    def data(self) -> bytes:
        return self.serialized


_SERIALIZED: dict[type, type] = {}


def _serialized_class(kind: type) -> type:
    if kind not in _SERIALIZED:
        _SERIALIZED[kind] = type(f"Serialized{kind.__name__}", (_Serialized, kind), {})
    return _SERIALIZED[kind]


def _cached_page_references(pdf: Any) -> tuple[bytes, ...]:
    kids = pdf.pages["Kids"]
    key = (len(kids), kids[-3] if kids else None)
    cached = pdf.__dict__.get("_reportgen_page_references")
    if cached is None or cached[0] != key:
        cached = (key, tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_reportgen_page_references"] = cached
    references: tuple[bytes, ...] = cached[1]
    return references


def _install_page_references_cache() -> Any:
    import pydyf  # type: ignore[import-untyped, unused-ignore]

    original = pydyf.PDF.page_references
    pydyf.PDF.page_references = property(_cached_page_references)
    return original


#: pydyf's own property, which the cache must agree with (tests/test_weasy.py).
PYDYF_PAGE_REFERENCES = _install_page_references_cache()


class _DeflateAtOurLevel:
    """zlib as pydyf sees it: its Stream.data asks zlib.compressobj(level=9), given DEFLATE_LEVEL here."""

    compress = staticmethod(zlib.compress)  # its object streams: zlib's default level already

    @staticmethod
    def compressobj(level: int = DEFLATE_LEVEL) -> Any:
        return zlib.compressobj(DEFLATE_LEVEL)


def _install_deflate_level() -> None:
    import pydyf  # type: ignore[import-untyped, unused-ignore]

    pydyf.zlib = _DeflateAtOurLevel  # tests/test_weasy.py checks every stream comes out at that level


_install_deflate_level()


# Parallel layout (reportgen/parallel.py) lays a report out in chunks, one per forked process, and
# merges their PDFs. Six things of one document span the chunks, and a chunk alone gets each
# wrong; these hooks, installed only in a forked chunk process, put them right from the inside:
# - "Page X of N": WeasyPrint makes the margin boxes after the whole chunk is paginated
#   (weasyprint.layout.layout_document calls make_margin_boxes page by page); at the first call
#   the chunk reports its page count, learns its offset and the document's total, and shifts
#   the page-based counters (`page`, `pages`) of every page state before any footer is laid out.
# - `@page :first`: a chunk after the first has no first page (layout.page.PageType's index).
# - Links to another chunk: resolve_links drops a link whose anchor is not in the chunk; the
#   hook keeps it (a /Dest name the merge resolves against every chunk's anchors).
# - Fonts: before build_fonts_dictionary subsets them, the chunks pool the glyphs they use, so
#   each embeds the same subset (HarfBuzz keeps glyph ids: RETAIN_GIDS) and the merge keeps one.
# - Structure (a tagged PDF): WeasyPrint's ids of header cells are per chunk; add_tags makes
#   them unique in the document, and the merge (reportgen/_structmerge.py) joins the trees.
# - Bookmarks: Document.make_bookmark_tree hands back the chunk's raw per-page bookmarks (level
#   and all) instead of a tree, so the merge builds one outline with WeasyPrint's own algorithm.


#: A font's glyphs in a chunk: glyph id → text, glyph id → width, and characters it lacks → glyph id.
Glyphs = tuple[dict[int, str], dict[int, float], dict[int, int]]


class ChunkHooks(Protocol):
    """What a chunk process asks of, and tells, the process merging the chunks."""

    first: bool

    def numbering(self, pages: int) -> tuple[int, int]:
        """Told the chunk's page count; answers the pages before it and the document's total."""

    def glyphs(self, used: dict[str, Glyphs]) -> dict[str, Glyphs]:
        """Told each font's glyphs (texts, widths) and missing characters; answers every chunk's, pooled."""

    def bookmarks(self, pages: list[tuple[float, list[Any]]]) -> None:
        """Told each page's height and raw bookmarks (level, label, (x, y), state)."""


def install_chunk_hooks(hooks: ChunkHooks) -> None:
    """Patch WeasyPrint for one chunk of a parallel layout; only ever in a forked chunk process."""
    import pydyf  # type: ignore[import-untyped, unused-ignore]
    import weasyprint.document as document_module  # type: ignore[import-untyped, unused-ignore]
    import weasyprint.layout as layout_module  # type: ignore[import-untyped, unused-ignore]
    import weasyprint.layout.page as page_module  # type: ignore[import-untyped, unused-ignore]
    import weasyprint.pdf as pdf_module  # type: ignore[import-untyped, unused-ignore]
    import weasyprint.pdf.fonts as fonts_module  # type: ignore[import-untyped, unused-ignore]

    margin_boxes = layout_module.make_margin_boxes
    numbered: set[int] = set()
    pages_before = [0]

    def make_margin_boxes(context: Any, page: Any, state: Any) -> Any:
        if id(context) not in numbered:
            numbered.add(id(context))
            count = state[1]["pages"][0]
            offset, total = hooks.numbering(count)
            pages_before[0] = offset
            seen: set[int] = set()
            for page_data in context.page_maker[1 : count + 1]:
                counters = page_data[3][1]
                if id(counters) in seen:
                    continue
                seen.add(id(counters))
                counters["page"] = [value + offset for value in counters.get("page", [0])]
                counters["pages"] = [total]
        return margin_boxes(context, page, state)

    layout_module.make_margin_boxes = make_margin_boxes

    if not hooks.first:
        page_type = page_module.PageType
        page_module.PageType = lambda side, blank, name, index, groups: page_type(side, blank, name, index + 1, groups)

    def resolve_links(pages: Any) -> Any:
        # As WeasyPrint's, less the dropping of links to anchors that are in another chunk.
        seen: set[str] = set()
        for page in pages:
            anchors = [(name, x, y) for name, (x, y, _, _) in page.anchors.items() if name not in seen]
            seen.update(name for name, _, _ in anchors)
            yield list(page.links), anchors

    pdf_module.resolve_links = resolve_links

    build_fonts = pdf_module.build_fonts_dictionary

    def build_fonts_dictionary(pdf: Any, fonts: Any, compress: Any, subset: Any, options: Any) -> Any:
        used: dict[str, Glyphs] = {}
        for font in fonts.values():
            texts, widths, missing = used.setdefault(font.hash, ({}, {}, {}))
            texts.update(font.to_unicode)
            widths.update(font.widths)
            missing.update(font.missing)
        pooled = hooks.glyphs(used)
        for font in fonts.values():
            texts, widths, missing = pooled[font.hash]
            font.to_unicode = dict(sorted(texts.items()))
            font.widths = dict(sorted(widths.items()))
            font.missing = dict(sorted(missing.items()))
        return build_fonts(pdf, fonts, compress, subset, options)

    # A glyph no font has gets an unused glyph id; WeasyPrint numbers them in the order met, which
    # differs between chunks. Here the id follows from the character, so every chunk agrees.
    def get_unused_glyph_id(self: Any, codepoint: int) -> int:
        if codepoint not in self.missing:
            span = max(1, 2**16 - 1 - self.glyph_count)
            glyph = self.glyph_count + codepoint % span
            taken = set(self.missing.values())
            while glyph in taken and len(taken) < span:
                glyph = self.glyph_count + (glyph - self.glyph_count + 1) % span
            self.missing[codepoint] = glyph
        return int(self.missing[codepoint])

    fonts_module.Font.get_unused_glyph_id = get_unused_glyph_id
    pdf_module.build_fonts_dictionary = build_fonts_dictionary

    add_tags = pdf_module.add_tags

    def add_tags_with_unique_ids(pdf: Any, document: Any, version: Any, streams: Any) -> Any:
        # WeasyPrint names a header cell `{table's object number}-{row}-{column}` (tags.py), and
        # object numbers are per chunk: a chunk after the first prefixes its ids (and the /Headers
        # of its data cells) with the pages before it, so that no two chunks share one.
        start = len(pdf.objects)
        result = add_tags(pdf, document, version, streams)
        if pages_before[0]:
            prefix = f"p{pages_before[0]}-"
            for element in pdf.objects[start:]:
                if not isinstance(element, dict):
                    continue
                if "ID" in element:
                    element["ID"] = pydyf.String(prefix + element["ID"].string)
                headers = element.get("A", {}).get("Headers")
                if headers:
                    headers[:] = [pydyf.String(prefix + header.string) for header in headers]
        return result

    pdf_module.add_tags = add_tags_with_unique_ids

    def make_bookmark_tree(self: Any, scale: float = 1, transform_pages: bool = False) -> list[Any]:
        hooks.bookmarks([(page.height, list(page.bookmarks)) for page in self.pages])
        return []

    document_module.Document.make_bookmark_tree = make_bookmark_tree


def bookmark_tree(pages: list[tuple[float, list[Any]]], scale: float) -> list[Any]:
    """WeasyPrint's outline tree (Document.make_bookmark_tree) of pages given as (height, bookmarks)."""
    from weasyprint.anchors import make_page_bookmark_tree  # type: ignore[import-untyped, unused-ignore]
    from weasyprint.matrix import Matrix  # type: ignore[import-untyped, unused-ignore]

    root: list[Any] = []
    skipped_levels: list[int] = []
    last_by_depth = [root]
    previous_level = 0
    for number, (height, bookmarks) in enumerate(pages):
        page = _BookmarkedPage(bookmarks)
        matrix = Matrix(a=scale, d=-scale, f=height * scale)
        previous_level = make_page_bookmark_tree(page, skipped_levels, last_by_depth, previous_level, number, matrix)
    return root


class _BookmarkedPage:
    def __init__(self, bookmarks: list[Any]) -> None:
        self.bookmarks = bookmarks
