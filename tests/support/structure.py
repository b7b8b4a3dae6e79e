"""A tagged PDF's structure tree: its element types in reading order, and what is wrong with it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pikepdf

__all__ = ["elements", "structure_problems", "structure_types"]


def elements(document: pikepdf.Pdf) -> Iterator[tuple[Any, Any]]:
    """Every structure element in reading order (depth first), with the node whose /K holds it."""
    stack: list[tuple[Any, Any]] = [(None, document.Root.StructTreeRoot)]
    while stack:
        parent, node = stack.pop()
        if parent is not None:
            yield parent, node
        stack += [(node, kid) for kid in reversed(_kids(node)) if _is_element(kid)]


def structure_types(pdf: bytes) -> list[str]:
    """The /S of every structure element, in reading order."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [str(element.S) for _, element in elements(document)]


def structure_problems(pdf: bytes) -> list[str]:
    """Each way the structure tree is not one correct tree over the document's pages and links (none: [])."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root.StructTreeRoot
        pages = {page.obj.objgen: number for number, page in enumerate(document.pages)}
        annotations = {
            annotation.objgen: number
            for number, page in enumerate(document.pages)
            for annotation in page.obj.get("/Annots", ())
        }
        top = _kids(root)
        if len(top) != 1 or top[0].get("/S") != "/Document":
            problems.append(f"the root's /K is {[str(kid.get('/S')) for kid in top]}, not one /Document")
        marked: dict[tuple[int, int], Any] = {}  # (page, MCID) → its element
        objects: dict[tuple[int, int], Any] = {}  # annotation → its element
        ids: dict[bytes, int] = {}
        headers: set[bytes] = set()
        reached: set[tuple[int, int]] = set()
        for parent, element in elements(document):
            reached.add(element.objgen)
            if element.get("/P") is None or element.P.objgen != parent.objgen:
                problems.append(f"{element.S} {element.objgen}: /P is not the element that holds it")
            page = pages.get(element.Pg.objgen) if "/Pg" in element else None
            for kid in _kids(element):
                if isinstance(kid, int):
                    if page is None:
                        problems.append(f"{element.S} {element.objgen}: a marked content without a page")
                    elif (page, kid) in marked:
                        problems.append(f"page {page}, MCID {kid}: in two elements")
                    else:
                        marked[page, kid] = element
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    number = annotations.get(kid.Obj.objgen)
                    if number is None or number != pages.get(kid.Pg.objgen):
                        problems.append(f"{element.S} {element.objgen}: an annotation that is not on its page")
                    objects[kid.Obj.objgen] = element
            if "/ID" in element:
                name = bytes(element.ID)
                ids[name] = ids.get(name, 0) + 1
            headers.update(bytes(header) for header in element.get("/A", {}).get("/Headers", ()))
        problems += [f"element id {name!r} is given {count} times" for name, count in ids.items() if count > 1]
        problems += [f"a data cell names header {name!r}, which no element has" for name in headers - set(ids)]
        problems += _parent_tree_problems(document, root, pages, marked, objects, reached)
    return problems


def _parent_tree_problems(
    document: pikepdf.Pdf,
    root: Any,
    pages: dict[tuple[int, int], int],
    marked: dict[tuple[int, int], Any],
    objects: dict[tuple[int, int], Any],
    reached: set[tuple[int, int]],
) -> list[str]:
    problems: list[str] = []
    tree = _number_tree(root.ParentTree)
    keys: list[int] = []
    mapped: set[tuple[int, int]] = set()
    for number, page in enumerate(document.pages):
        key = page.obj.get("/StructParents")
        if key is None:
            problems.append(f"page {number} has no /StructParents")
            continue
        keys.append(int(key))
        entry = tree.get(int(key))
        if not isinstance(entry, pikepdf.Array):
            problems.append(f"page {number}: /StructParents {key} is not an array in the ParentTree")
            continue
        for mcid, element in enumerate(entry):
            if not isinstance(element, pikepdf.Dictionary):
                continue  # an MCID the page does not use
            mapped.add((number, mcid))
            if pages.get(element.Pg.objgen) != number:
                problems.append(f"page {number}, MCID {mcid}: its element's /Pg is another page")
            if element.objgen not in reached:
                # The margin boxes (the footer): WeasyPrint tags their text in elements it leaves
                # out of the tree (weasyprint/pdf/tags.py), as an artifact would be in PDF 2.0.
                marked.setdefault((number, mcid), element)
            holder = marked.get((number, mcid))
            if holder is None or holder.objgen != element.objgen or mcid not in _kids(element):
                problems.append(f"page {number}, MCID {mcid}: the ParentTree names an element that does not hold it")
    problems += [f"page {page}, MCID {mcid}: not in the ParentTree" for page, mcid in set(marked) - mapped]
    for number, page in enumerate(document.pages):
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" not in annotation:
                continue
            key = int(annotation.StructParent)
            keys.append(key)
            element = tree.get(key)
            expected = objects.get(annotation.objgen)
            if element is None or expected is None or element.objgen != expected.objgen:
                problems.append(f"page {number}: an annotation's /StructParent {key} is not the element holding it")
    problems += [f"/StructParents or /StructParent {key} is used twice" for key in set(keys) if keys.count(key) > 1]
    if "/ParentTreeNextKey" in root and keys and int(root.ParentTreeNextKey) <= max(keys):
        problems.append(f"/ParentTreeNextKey {root.ParentTreeNextKey} is not above every key ({max(keys)})")
    return problems


def _is_element(kid: Any) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/Type", pikepdf.Name.StructElem) == "/StructElem"


def _kids(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _number_tree(node: Any) -> dict[int, Any]:
    found: dict[int, Any] = {}
    nums = list(node.get("/Nums", ()))
    found.update(zip((int(key) for key in nums[::2]), nums[1::2], strict=True))
    for kid in node.get("/Kids", ()):
        found.update(_number_tree(kid))
    return found
