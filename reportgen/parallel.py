"""A report laid out in parallel: cut at its forced page breaks, one forked process a chunk, one PDF."""

# How (issue 16): the report's tree is cut only where the document already starts a page (a
# chapter, a photo that starts a page), so every chunk paginates exactly as it does inside the
# whole. The chunks are balanced by a cost model (the elements and images of each piece), each
# is laid out in a process forked from this one (warm: WeasyPrint imported, fonts set up), and
# the PDFs are merged with pikepdf. What spans chunks is put right by hooks inside the chunk
# processes (reportgen/_weasy.py): page numbers and the total, `@page :first`, links to anchors
# in another chunk, one font subset for the whole document, and one outline. A tagged (PDF/UA)
# document's structure trees are joined by the merge (reportgen/_structmerge.py).

from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import time
import warnings
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from ._structmerge import merge_structure
from ._weasy import Glyphs, bookmark_tree, install_chunk_hooks
from .errors import RenderError
from .forked import die_with

__all__ = ["lay_out_in_parallel", "plan_chunks"]

#: PDF points per CSS pixel: what WeasyPrint scales by at zoom 1.
_SCALE = 0.75
#: The cost model, in elements (measured per section on the sample and a 1,000-damage report):
#: text costs an element per _TEXT characters, a photo (an image with its size given) one per
#: _PIXELS pixels, and any other image (a close-up, a thumbnail, a QR code) _IMAGE_COST. What
#: sits in a damage table costs _DAMAGE_TABLE times as much: those took 0.39-0.55 ms an element
#: laid out alone, the photo pages 0.25-0.32 (unweighted, the first chunk of a 1,000-damage
#: report was done ~0.9 s before the second).
_TEXT = 25
_PIXELS = 8000
_IMAGE_COST = 4
_DAMAGE_TABLE = 1.5
#: What each chunk pays whatever it holds (style cascade set-up, the fonts, the PDF), in elements.
_CHUNK_COST = 400


@dataclass
class _Piece:
    """A top-level element of the body, or a child of a chapter that is cut inside."""

    element: ElementTree.Element
    container: ElementTree.Element | None
    starts_page: bool
    cost: int = 0


@dataclass
class _Chunk:
    pieces: list[_Piece] = field(default_factory=list)


def _classes(element: ElementTree.Element) -> set[str]:
    return set(element.get("class", "").split())


def _cost(element: ElementTree.Element) -> int:
    """What laying the element out costs, in elements (see _TEXT and the rest)."""
    return round(_weighed(element, 1.0))


def _weighed(element: ElementTree.Element, weight: float) -> float:
    if element.tag == "table" and "damages" in _classes(element):
        weight = _DAMAGE_TABLE
    own = 1 + (len(element.text or "") + len(element.tail or "")) / _TEXT
    if element.tag == "img":
        width, height = element.get("width", ""), element.get("height", "")
        own += int(width) * int(height) / _PIXELS if width.isdigit() and height.isdigit() else _IMAGE_COST
    return own * weight + sum(_weighed(child, weight) for child in element)


def _pieces(body: ElementTree.Element) -> list[_Piece]:
    """The body as pieces in order; a piece that starts a page may begin a chunk.

    In the built-in theme a chapter (`section.chapter`) starts a page, and so does a photo
    that starts one (`.photo.new-page`) inside the photos chapter.
    """
    pieces: list[_Piece] = []
    for element in body:
        if "running" in _classes(element):
            continue
        chapter = element.tag == "section" and "chapter" in _classes(element)
        inner = [child for child in element if "new-page" in _classes(child)] if chapter else []
        if not inner:
            pieces.append(_Piece(element, None, chapter and bool(pieces), _cost(element)))
            continue
        for number, child in enumerate(element):
            starts = (number == 0 and bool(pieces)) or "new-page" in _classes(child)
            pieces.append(_Piece(child, element, starts, _cost(child)))
    return pieces


def plan_chunks(root: ElementTree.Element, jobs: int) -> list[list[ElementTree.Element]]:
    """The report cut into at most `jobs` chunks of about equal cost; each chunk is a list of pieces."""
    chunks = _plan(root, jobs)
    return [[piece.element for piece in chunk.pieces] for chunk in chunks]


def _plan(root: ElementTree.Element, jobs: int) -> list[_Chunk]:
    body = root.find("body")
    if body is None:
        return []
    pieces = _pieces(body)
    # Runs of pieces that must stay together: a new run begins only where a page starts.
    runs: list[list[_Piece]] = []
    for piece in pieces:
        if piece.starts_page or not runs:
            runs.append([])
        runs[-1].append(piece)
    costs = [sum(piece.cost for piece in run) for run in runs]
    jobs = min(jobs, len(runs))
    if jobs < 2:
        return [_Chunk(pieces)]
    bounds = _balanced(costs, jobs)
    return [_Chunk([piece for run in runs[start:end] for piece in run]) for start, end in bounds]


def _balanced(costs: list[int], parts: int) -> list[tuple[int, int]]:
    """Contiguous ranges of costs in `parts` parts with the smallest largest part (each plus _CHUNK_COST)."""
    count = len(costs)
    prefix = [0]
    for cost in costs:
        prefix.append(prefix[-1] + cost)
    inf = float("inf")
    # best[k][i]: the smallest largest part cutting costs[:i] into k parts; cut[k][i]: where the last begins.
    best = [[inf] * (count + 1) for _ in range(parts + 1)]
    cut = [[0] * (count + 1) for _ in range(parts + 1)]
    best[0][0] = 0
    for k in range(1, parts + 1):
        for i in range(k, count + 1):
            for j in range(k - 1, i):
                value = max(best[k - 1][j], prefix[i] - prefix[j] + _CHUNK_COST)
                if value < best[k][i]:
                    best[k][i], cut[k][i] = value, j
    bounds, end = [], count
    for k in range(parts, 0, -1):
        start = cut[k][end]
        bounds.append((start, end))
        end = start
    return bounds[::-1]


def _chunk_tree(root: ElementTree.Element, chunk: _Chunk) -> ElementTree.Element:
    """The document with only the chunk's pieces in its body (and the running strings first)."""
    html = ElementTree.Element(root.tag, root.attrib)
    html.text = root.text
    body = root.find("body")
    assert body is not None
    for child in root:
        if child is not body:
            html.append(child)
    new_body = ElementTree.SubElement(html, body.tag, body.attrib)
    new_body.text = body.text
    new_body.extend(element for element in body if "running" in _classes(element))
    copies: dict[int, ElementTree.Element] = {}
    for number, piece in enumerate(chunk.pieces):
        # A chunk after the first starts with the page break that begins it in the whole document;
        # here it would follow the running strings (an empty block) and leave a blank page.
        unbroken = number == 0 and piece.starts_page
        element = _unbroken(piece.element) if unbroken else piece.element
        if piece.container is None:
            new_body.append(element)
            continue
        copy = copies.get(id(piece.container))
        if copy is None:
            # Where a chunk starts inside a chapter, the chapter's copy begins the chunk.
            attrib = _unbroken(piece.container).attrib if number == 0 else piece.container.attrib
            copy = copies[id(piece.container)] = ElementTree.SubElement(new_body, piece.container.tag, attrib)
            copy.text = piece.container.text
        copy.append(element)
    return html


def _unbroken(element: ElementTree.Element) -> ElementTree.Element:
    """A shallow copy of the element that does not break the page before itself."""
    copy = ElementTree.Element(element.tag, element.attrib)
    copy.text, copy.tail = element.text, element.tail
    copy.extend(element)
    style = element.get("style", "").strip().rstrip(";")
    copy.set("style", f"{style}; break-before: auto" if style else "break-before: auto")
    return copy


# ---- Processes -----------------------------------------------------------------------------------


def _send(fd: int, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(struct.pack("!Q", len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _receive(fd: int) -> Any:
    (size,) = struct.unpack("!Q", _read(fd, 8))
    return pickle.loads(_read(fd, size))  # noqa: S301 (our own forked child, over our own pipe)


class _Hooks:
    """The chunk process's side of the conversation (reportgen._weasy.ChunkHooks)."""

    def __init__(self, first: bool, up: int, down: int) -> None:
        self.first = first
        self.up, self.down = up, down
        self.pages: list[tuple[float, list[Any]]] = []

    def numbering(self, pages: int) -> tuple[int, int]:
        _send(self.up, ("pages", pages))
        answer: tuple[int, int] = _receive(self.down)
        return answer

    def glyphs(self, used: dict[str, Glyphs]) -> dict[str, Glyphs]:
        _send(self.up, ("glyphs", used))
        answer: dict[str, Glyphs] = _receive(self.down)
        return answer

    def bookmarks(self, pages: list[tuple[float, list[Any]]]) -> None:
        self.pages = pages


@dataclass
class _Child:
    pid: int
    up: int  # the parent reads from it
    down: int  # the parent writes to it


def lay_out_in_parallel(
    root: ElementTree.Element,
    jobs: int,
    render: Callable[[ElementTree.Element, bool], bytes],
) -> bytes | None:
    """The PDF of the document `root`, laid out in up to `jobs` forked processes; None if it cannot be cut.

    `render(tree, first)` makes a chunk's PDF in the chunk's process (first: the chunk holding the
    document's start, which alone carries attachments). The result is the document a single
    render makes: the same pages, numbered in one sequence, with every link and bookmark.
    """
    if not hasattr(os, "fork"):
        return None
    chunks = _plan(root, jobs)
    if len(chunks) < 2:
        return None
    children: list[_Child] = []
    finished = False
    try:
        for index, chunk in enumerate(chunks):
            children.append(_fork(root, chunk, index == 0, render))
        counts = [_expect(child, "pages")[0] for child in children]
        total, offset = sum(counts), 0
        for child, count in zip(children, counts, strict=True):
            _send(child.down, (offset, total))
            offset += count
        used = [_expect(child, "glyphs")[0] for child in children]
        pooled: dict[str, Glyphs] = {}
        for fonts in used:
            for name, glyphs in fonts.items():
                into = pooled.setdefault(name, ({}, {}, {}))
                for pool, part in zip(into, glyphs, strict=True):
                    for key, value in part.items():
                        pool.setdefault(key, value)  # type: ignore[attr-defined]
        for child in children:
            _send(child.down, pooled)
        results = [_expect(child, "done") for child in children]
        finished = True
    finally:
        _end(children, finished)
    return merge([pdf for pdf, _ in results], [pages for _, pages in results])


def _fork(
    root: ElementTree.Element,
    chunk: _Chunk,
    first: bool,
    render: Callable[[ElementTree.Element, bool], bytes],
) -> _Child:
    up_read, up_write = os.pipe()
    down_read, down_write = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the chunk's process: it never returns
        code = 1
        try:
            die_with(parent)  # a killed command (kill -9, the OOM killer) leaves no layout running
            os.close(up_read)
            os.close(down_write)
            hooks = _Hooks(first, up_write, down_read)
            install_chunk_hooks(hooks)
            pdf = render(_chunk_tree(root, chunk), first)
            _send(up_write, ("done", pdf, hooks.pages))
            code = 0
        except BaseException as error:  # noqa: BLE001 (anything that stops a chunk is reported to the parent)
            try:
                _send(up_write, ("error", str(error) or type(error).__name__))
            except BaseException:  # noqa: BLE001, S110 (the parent then sees the pipe close)
                pass
        finally:
            os._exit(code)
    os.close(up_write)
    os.close(down_read)
    return _Child(pid, up_read, down_write)


def _expect(child: _Child, kind: str) -> tuple[Any, ...]:
    try:
        message = _receive(child.up)
    except (EOFError, OSError, pickle.UnpicklingError) as error:
        raise RenderError(
            f"PDF rendering failed: a layout process ended unexpectedly ({_how_it_ended(child.pid, error)})"
        ) from None
    if message[0] == "error":
        raise RenderError(
            message[1] if message[1].startswith("PDF rendering failed") else f"PDF rendering failed: {message[1]}"
        )
    if message[0] != kind:
        raise RenderError(f"PDF rendering failed: a layout process said {message[0]!r} for {kind!r}")
    return tuple(message[1:])


def _how_it_ended(pid: int, error: BaseException) -> str:
    """What became of a chunk process that stopped answering: its exit, or what reading from it raised."""
    for _ in range(50):  # its pipe closes as it exits: it is gone, or all but
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            if os.WIFSIGNALED(status):
                return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
            return f"exit code {os.waitstatus_to_exitcode(status)}"
        time.sleep(0.02)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _end(children: list[_Child], finished: bool) -> None:
    """Close the pipes and reap every chunk process.

    Those that reported their PDF are exiting on their own; after a failure or an interruption
    the others are killed first.
    """
    for child in children:
        for fd in (child.up, child.down):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            if not finished and not os.waitpid(child.pid, os.WNOHANG)[0]:
                os.kill(child.pid, signal.SIGKILL)
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass


# ---- Merge ---------------------------------------------------------------------------------------


def merge(parts: list[bytes], bookmarks: list[list[tuple[float, list[Any]]]]) -> bytes:
    """One PDF of the chunks' PDFs, in order: pages, one set of fonts, named destinations, outline, structure tree.

    The first chunk's PDF gives the document its catalog (metadata, PDF/A output intent,
    attachments); the others give their pages.
    """
    documents = [pikepdf.open(io.BytesIO(part)) for part in parts]
    base = documents[0]
    destinations: dict[str, tuple[int, Any, Any]] = {}
    offset = 0
    for document in documents:
        index_of = {page.obj.objgen: number for number, page in enumerate(document.pages)}
        names = document.Root.get("/Names")
        dests = names.get("/Dests") if names is not None else None
        if dests is not None:
            flat = list(dests.Names)
            for name, target in zip(flat[::2], flat[1::2], strict=True):
                page = index_of.get(target[0].objgen)
                if page is not None:
                    destinations.setdefault(str(name), (offset + page, target[2], target[3]))
        offset += len(document.pages)
    for document in documents[1:]:
        # Named destinations are rebuilt below, from every chunk's; pikepdf's warning is about those.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            base.pages.extend(document.pages)
    _share_fonts(base)
    _resolve_links(base, destinations)
    merge_structure(base, documents[1:])
    _write_outline(base, bookmark_tree([page for pages in bookmarks for page in pages], _SCALE))
    output = io.BytesIO()
    base.save(
        output,
        deterministic_id=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return output.getvalue()


def _share_fonts(pdf: pikepdf.Pdf) -> None:
    """Every chunk embeds the same subsets (the glyphs are pooled): keep the first of each."""
    canonical: dict[str, Any] = {}
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        if fonts is None or fonts.objgen in seen:
            continue
        seen.add(fonts.objgen)
        for key in list(fonts.keys()):
            if key in canonical:
                fonts[key] = canonical[key]
            else:
                canonical[key] = fonts[key]


def _resolve_links(pdf: pikepdf.Pdf, destinations: dict[str, tuple[int, Any, Any]]) -> None:
    """One name tree of every chunk's anchors; a link to an anchor that is nowhere is dropped (as WeasyPrint does)."""
    pages = list(pdf.pages)
    for page in pages:
        annotations = page.obj.get("/Annots")
        if annotations is None:
            continue
        kept = [
            annotation
            for annotation in annotations
            if not isinstance(annotation.get("/Dest"), pikepdf.String) or str(annotation.Dest) in destinations
        ]
        if len(kept) != len(annotations):
            page.obj.Annots = pikepdf.Array(kept)
    names = pdf.Root.get("/Names")
    if not destinations:
        if names is not None and "/Dests" in names:
            del names["/Dests"]
        return
    array = pikepdf.Array()
    for name in sorted(destinations):
        number, x, y = destinations[name]
        array.append(pikepdf.String(name))
        array.append(pikepdf.Array([pages[number].obj, pikepdf.Name.XYZ, x, y, 0]))
    if names is None:
        names = pdf.Root.Names = pikepdf.Dictionary()
    names.Dests = pikepdf.Dictionary(Names=array)


def _write_outline(pdf: pikepdf.Pdf, tree: list[Any]) -> None:
    """The outline as WeasyPrint writes it (weasyprint.pdf.anchors.add_outlines)."""
    if "/Outlines" in pdf.Root:
        del pdf.Root["/Outlines"]
    if not tree:
        return
    pages = list(pdf.pages)
    root = pdf.make_indirect(pikepdf.Dictionary())
    entries, count = _outline_level(pdf, pages, tree, root)
    root.Count = count
    root.First, root.Last = entries[0], entries[-1]
    pdf.Root.Outlines = root


def _outline_level(pdf: pikepdf.Pdf, pages: list[Any], tree: list[Any], parent: Any) -> tuple[list[Any], int]:
    count = len(tree)
    entries: list[Any] = []
    for title, (number, x, y), children, state in tree:
        entry = pdf.make_indirect(
            pikepdf.Dictionary(
                Title=pikepdf.String(title),
                Dest=pikepdf.Array([pages[number].obj, pikepdf.Name.XYZ, x, y, 0]),
                Parent=parent,
            )
        )
        below, below_count = _outline_level(pdf, pages, children, entry)
        entry.Count = -below_count if state == "closed" else below_count
        if state != "closed":
            count += below_count
        if entries:
            entry.Prev = entries[-1]
            entries[-1].Next = entry
        if below:
            entry.First, entry.Last = below[0], below[-1]
        entries.append(entry)
    return entries, count
