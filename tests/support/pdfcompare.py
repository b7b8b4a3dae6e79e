"""What a reader sees of a PDF, page by page, to compare two renders of one document."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pikepdf

__all__ = ["fonts", "links", "outline", "page_texts"]


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text as pdftotext extracts it (layout kept)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(pdf)
        count = len(pikepdf.open(io.BytesIO(pdf)).pages)
        return [
            subprocess.run(
                ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for n in range(1, count + 1)
        ]


def _destinations(document: pikepdf.Pdf) -> dict[str, tuple[int, float, float]]:
    index = {page.obj.objgen: n for n, page in enumerate(document.pages)}
    found: dict[str, tuple[int, float, float]] = {}
    names = document.Root.get("/Names")
    if names is not None and "/Dests" in names:
        tree = pikepdf.NameTree(names.Dests)
        for name, target in tree.items():
            found[name] = (index[target[0].objgen], round(float(target[2]), 2), round(float(target[3]), 2))
    return found


def links(pdf: bytes) -> list[list[tuple[Any, ...]]]:
    """Each page's links: rectangle and where it leads (page, x, y) or its URI; a dangling one says so."""
    document = pikepdf.open(io.BytesIO(pdf))
    destinations = _destinations(document)
    pages = []
    for page in document.pages:
        found = []
        for annotation in page.obj.get("/Annots", []):
            rect = tuple(round(float(v), 2) for v in annotation.Rect)
            if "/Dest" in annotation:
                target: Any = destinations.get(str(annotation.Dest), "dangling")
            else:
                target = str(annotation.A.URI)
            found.append((rect, target))
        pages.append(found)
    return pages


def outline(pdf: bytes) -> list[tuple[int, str, int, float, float]]:
    """The outline in order: depth, title, page, x, y."""
    document = pikepdf.open(io.BytesIO(pdf))
    index = {page.obj.objgen: n for n, page in enumerate(document.pages)}
    found = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            page, x, y = item.destination[0], item.destination[2], item.destination[3]
            found.append((depth, item.title, index[page.objgen], round(float(x), 2), round(float(y), 2)))
            walk(item.children, depth + 1)

    with document.open_outline() as tree:
        walk(tree.root, 0)
    return found


def fonts(pdf: bytes) -> list[str]:
    """The embedded font programs' base names, one entry per embedded copy."""
    document = pikepdf.open(io.BytesIO(pdf))
    names = []
    for obj in document.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
            names.append(str(obj.FontName))
    return sorted(names)
