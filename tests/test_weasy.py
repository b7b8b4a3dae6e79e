"""The WeasyPrint internals reportgen/_weasy.py relies on: an upgrade that changes one fails here, by name."""

from __future__ import annotations

import ast
import inspect
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import weasyprint
from weasyprint.urls import URLFetcher

import reportgen

BASE = "file:///theme/"
XHTML = (
    '<html lang="en"><head><base href="assets/"/><title>Report</title></head>'
    "<body><h1>Condition report</h1><p>Checked by <b>Northwind</b></p></body></html>"
)


def test_find_base_url_is_still_there_with_the_signature_and_meaning_reportgen_uses() -> None:
    find = getattr(weasyprint, "_find_base_url", None)
    assert callable(find), (
        "weasyprint._find_base_url is gone: reportgen/_weasy.py's TreeHTML needs another way to resolve <base href>"
    )
    parameters = list(inspect.signature(find).parameters)
    assert parameters == ["html_document", "fallback_base_url"], (
        f"weasyprint._find_base_url now takes {parameters}: update the call in reportgen/_weasy.py's TreeHTML"
    )
    assert find(ElementTree.fromstring(XHTML), BASE) == BASE + "assets/", (
        "weasyprint._find_base_url no longer resolves <base href> against the fallback URL"
    )
    assert find(ElementTree.fromstring("<html><body/></html>"), BASE) == BASE, (
        "weasyprint._find_base_url no longer falls back to the URL it is given"
    )


def test_html_init_sets_the_attributes_tree_html_recreates() -> None:
    # Imported here, not above: without its internals the adapter cannot be imported, and the
    # test of _find_base_url above should still run to say why.
    from reportgen._weasy import HTML_ATTRIBUTES, TreeHTML

    own = weasyprint.HTML(string=XHTML, base_url=BASE)
    assert set(vars(own)) == HTML_ATTRIBUTES, (
        f"WeasyPrint's HTML.__init__ now sets {sorted(vars(own))}, and reportgen/_weasy.py's TreeHTML sets "
        f"{sorted(HTML_ATTRIBUTES)}: make TreeHTML set what HTML.__init__ sets"
    )
    tree = TreeHTML(ElementTree.fromstring(XHTML), BASE, own.url_fetcher)
    assert set(vars(tree)) == HTML_ATTRIBUTES


def test_tree_html_is_the_document_weasyprints_own_parser_makes() -> None:
    from reportgen._weasy import TreeHTML

    fetcher = URLFetcher()
    own = weasyprint.HTML(string=XHTML, base_url=BASE, url_fetcher=fetcher)
    tree = TreeHTML(ElementTree.fromstring(XHTML), BASE, fetcher)
    for name in ("base_url", "url_fetcher", "media_type"):
        assert getattr(tree, name) == getattr(own, name), f"HTML.{name} differs from what TreeHTML sets"
    assert type(tree.wrapper_element) is type(own.wrapper_element), "HTML.wrapper_element is of another type now"
    assert [element.tag for element in tree.etree_element.iter()] == [
        element.tag for element in own.etree_element.iter()
    ]
    assert tree.write_pdf(pdf_identifier=b"same") == own.write_pdf(pdf_identifier=b"same"), (
        "a TreeHTML document no longer lays out as WeasyPrint's own HTML does"
    )


def test_no_other_module_of_reportgen_uses_a_private_weasyprint_name() -> None:
    found = []
    for path in sorted(Path(reportgen.__file__).parent.glob("*.py")):
        if path.name == "_weasy.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "weasyprint":
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                found += [f"{path.name}: {name}" for name in names if "._" in name]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "weasyprint":
                found += [f"{path.name}: weasyprint.{node.attr}"] if node.attr.startswith("_") else []
    assert not found, f"private WeasyPrint names outside reportgen/_weasy.py: {found}"
