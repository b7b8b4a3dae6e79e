"""Every private WeasyPrint internal reportgen relies on, in one place, checked by tests/test_weasy.py."""

# Why reach past WeasyPrint's public API at all: WeasyPrint has no public way to take a document
# that is already parsed, and reading the built-in theme's HTML with expat instead of WeasyPrint's
# HTML5 parser is some fifty times faster (0.17 s of a sample report) for the same tree and the
# same PDF bytes. TreeHTML therefore does what HTML.__init__ does after its parser: it sets the
# same five attributes, using WeasyPrint's private _find_base_url for the document's <base href>.
# Both depend on WeasyPrint's internals, which may change in any release: pyproject.toml pins
# WeasyPrint below 71, and tests/test_weasy.py fails, naming the internal, when an
# upgrade changes one of them. Nothing else in reportgen may import a private WeasyPrint name.

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import cssselect2  # type: ignore[import-untyped, unused-ignore]
from weasyprint import HTML, _find_base_url  # type: ignore[import-untyped, unused-ignore]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped, unused-ignore]

__all__ = ["HTML_ATTRIBUTES", "TreeHTML"]

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
