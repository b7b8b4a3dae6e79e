"""One structure tree (PDF/UA) of the chunks' tagged PDFs, for the merge of a parallel layout."""

# WeasyPrint tags a document (weasyprint/pdf/tags.py) as a /StructTreeRoot whose /K is one
# /Document element; the elements of each page are that element's kids, page after page (a
# chapter over three pages is three /Sect already). Page n's /StructParents is n and the
# ParentTree (a flat number tree) maps it to the elements of the page's marked contents, by
# MCID; the link annotations follow, with keys from the page count on. MCIDs are per page, so
# they stay; what the merge renumbers is the ParentTree's keys. The element ids WeasyPrint gives
# header cells are unique across chunks already (reportgen/_weasy.py's chunk hooks). PDF 2.0's
# namespace (pdf/ua-2) is on the /Document element alone, so the first chunk's serves all.

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pikepdf

__all__ = ["merge_structure"]


def merge_structure(pdf: pikepdf.Pdf, others: list[pikepdf.Pdf]) -> None:
    """Join the structure trees of the other chunks' PDFs to that of `pdf`, the first chunk's, which has every page.

    The chunks' top-level elements become kids of the first chunk's /Document element, in
    order; every page and link annotation gets a key unique in the document, and one ParentTree
    maps each key to its elements. A link the merge dropped (its anchor is nowhere) leaves the
    structure too. An untagged document is left as it is.
    """
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    container = _container(root)
    pages = list(pdf.pages)
    kept = {annotation.objgen for page in pages for annotation in page.obj.get("/Annots", ())}
    page_entries: list[Any] = []
    annotation_entries: list[tuple[Any, Any]] = []
    counts = [len(pages) - sum(len(other.pages) for other in others)] + [len(other.pages) for other in others]
    offset = 0
    for number, (document, count) in enumerate(zip([pdf, *others], counts, strict=True)):
        # Every chunk is laid out with the same options: if the first is tagged, all are.
        source = document.Root.StructTreeRoot
        tree = source if number == 0 else pdf.copy_foreign(source)
        if number:
            _adopt(container, _container(tree))
            _merge_maps(root, tree)
        parents = _number_tree(tree.get("/ParentTree"))
        entries, annotations = _entries(pages[offset : offset + count], parents, kept)
        page_entries += entries
        annotation_entries += annotations
        offset += count
    nums: list[Any] = []  # made into one pikepdf.Array at the end: extending one is far slower
    for key, (page, elements) in enumerate(zip(pages, page_entries, strict=True)):
        page.obj.StructParents = key
        nums += [key, elements]
    for key, (annotation, element) in enumerate(annotation_entries, len(pages)):
        annotation.StructParent = key
        nums += [key, element]
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = len(pages) + len(annotation_entries)


def _entries(pages: list[Any], parents: dict[int, Any], kept: set[tuple[int, int]]) -> tuple[list[Any], list[Any]]:
    """A chunk's ParentTree entries: its pages' (in order), its annotations' (as WeasyPrint numbered them).

    An annotation the merge dropped from its page is taken out of its element too.
    """
    entries: list[Any] = []
    found: list[tuple[int, Any]] = []
    for page in pages:
        number = page.obj.get("/StructParents")
        entries.append(parents.get(int(number), pikepdf.Array()) if number is not None else pikepdf.Array())
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" in annotation:
                found.append((int(annotation.StructParent), annotation))
    annotations: list[Any] = []
    for key, annotation in sorted(found, key=lambda entry: entry[0]):
        if key in parents:
            annotations.append((annotation, parents[key]))
        else:
            del annotation.StructParent
    seen = {key for key, _ in found}
    for key, value in parents.items():
        if key not in seen and isinstance(value, pikepdf.Dictionary):
            _drop_objects(value, kept)
    return entries, annotations


def _container(root: Any) -> Any:
    """The element the top-level elements hang from: the one /Document element, else the root itself."""
    kids = _kids(root)
    if len(kids) == 1 and isinstance(kids[0], pikepdf.Dictionary) and kids[0].get("/S") == "/Document":
        return kids[0]
    return root


def _kids(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _adopt(container: Any, other: Any) -> None:
    """Append the kids of another chunk's container (copied into this PDF) to the container.

    Every chunk starts with the block of the running strings (`.running`: no height, no content),
    which the document has once, at its start: a later chunk's empty elements before its first
    content are left out.
    """
    kids = _kids(other)
    while kids and isinstance(kids[0], pikepdf.Dictionary) and not _kids(kids[0]):
        kids.pop(0)
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = container
    container.K = pikepdf.Array([*_kids(container), *kids])


def _merge_maps(root: Any, other: Any) -> None:
    """The role and class maps of both, and one /IDTree of every element id (the first chunk's win)."""
    for key in ("/RoleMap", "/ClassMap"):
        if key in other:
            if key not in root:
                root[key] = pikepdf.Dictionary()
            for name, value in other[key].items():
                if name not in root[key]:
                    root[key][name] = value
    if "/IDTree" in other:
        ids = _name_tree(root.get("/IDTree"))
        for name, value in _name_tree(other.IDTree).items():
            ids.setdefault(name, value)
        names = [entry for name in sorted(ids) for entry in (pikepdf.String(name), ids[name])]
        root.IDTree = pikepdf.Dictionary(Names=pikepdf.Array(names))


def _number_tree(node: Any) -> dict[int, Any]:
    """A number tree's entries."""
    return _tree(node, "/Nums", int)


def _name_tree(node: Any) -> dict[bytes, Any]:
    """A name tree's entries."""
    return _tree(node, "/Names", bytes)


def _tree(node: Any, entries: str, key: Callable[[Any], Any]) -> dict[Any, Any]:
    """The entries of a number tree (/Nums) or name tree (/Names): its own, and its /Kids' in turn."""
    found: dict[Any, Any] = {}
    if node is None:
        return found
    flat = list(node.get(entries, ()))
    found.update(zip((key(name) for name in flat[::2]), flat[1::2], strict=True))
    for kid in node.get("/Kids", ()):
        found.update(_tree(kid, entries, key))
    return found


def _drop_objects(element: Any, kept: set[tuple[int, int]]) -> None:
    """Take out of the element's kids the references to annotations no page has any more."""
    kids = _kids(element)
    left = [
        kid
        for kid in kids
        if not (isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR" and kid.Obj.objgen not in kept)
    ]
    if len(left) != len(kids):
        element.K = pikepdf.Array(left)
