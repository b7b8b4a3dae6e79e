"""The WeasyPrint internals reportgen/_weasy.py relies on: an upgrade that changes one fails here, by name."""

from __future__ import annotations

import ast
import inspect
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
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


def test_only_reportgen_weasy_imports_weasyprint_so_its_quick_library_lookup_always_comes_first() -> None:
    found = []
    for path in sorted(Path(reportgen.__file__).parent.rglob("*.py")):
        if path.name == "_weasy.py" and path.parent.name == "reportgen":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "weasyprint":
                found.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "weasyprint" for alias in node.names):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, f"WeasyPrint imported outside reportgen/_weasy.py (take its names from there): {found}"


# What a fresh interpreter reports after an import: the programs it ran, the shared libraries it
# mapped, and whether ctypes.util.find_library is ctypes' own again.
_IMPORT_PROBE = """
import sys, ctypes.util, json
ran = []
sys.addaudithook(lambda event, args: ran.append(str(args[0])) if event == "subprocess.Popen" else None)
original = ctypes.util.find_library
import {module}
maps = open("/proc/self/maps").read().split()
print(json.dumps({{
    "ran": sorted(set(ran)),
    "libraries": sorted({{p for p in maps if p.startswith("/") and ".so" in p}}),
    "restored": ctypes.util.find_library is original,
}}))
"""


def _import_in_fresh_interpreter(module: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE.format(module=module)], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ld.so cache lookup is for Linux")
def test_weasyprint_imported_through_reportgen_maps_the_same_libraries_without_running_gcc_or_ld() -> None:
    plain = _import_in_fresh_interpreter("weasyprint")
    ours = _import_in_fresh_interpreter("reportgen._weasy")
    # WeasyPrint's own lookup runs gcc and ld, where there are, for each library name that is not there (~0.3 s).
    if shutil.which("gcc") or shutil.which("ld"):
        assert {"gcc", "ld"} & {Path(program).name for program in plain["ran"]}, plain["ran"]
    assert {Path(program).name for program in ours["ran"]} <= {"ldconfig"}, ours["ran"]
    native = [library for library in plain["libraries"] if "python3" not in library]
    assert native and set(native) <= set(ours["libraries"]), set(native) - set(ours["libraries"])
    assert ours["restored"], "ctypes.util.find_library was left replaced after the import"


def test_streams_serialized_once_write_the_same_bytes_deflated_once_at_zlibs_default_level() -> None:
    import io
    import zlib

    import pikepdf

    from reportgen._weasy import DEFLATE_LEVEL, serialize_streams_once

    html = (
        "<html lang='en'><body>"
        + "".join(f"<p>Damage {n}: scratch, front bumper</p>" for n in range(400))
        + "</body></html>"
    )
    document = weasyprint.HTML(string=html).render()
    plain = document.write_pdf(pdf_identifier=True, pdf_tags=True)
    deflated: list[int] = []
    original = zlib.compressobj

    def counting(*args: Any, **kwargs: Any) -> Any:
        deflated.append(1)
        return original(*args, **kwargs)

    zlib.compressobj = counting
    try:
        once = document.write_pdf(
            pdf_identifier=True, pdf_tags=True, finisher=lambda _, pdf: serialize_streams_once(pdf)
        )
        made_in_finisher = len(deflated)
        twice = document.write_pdf(pdf_identifier=True, pdf_tags=True)
    finally:
        zlib.compressobj = original
    assert once == plain
    # pydyf deflates each stream as it writes it and again for the identifier's digest.
    assert made_in_finisher < len(deflated) - made_in_finisher, (made_in_finisher, len(deflated))
    assert twice == plain

    # Every stream, the object and cross-reference streams too, deflated at zlib's default level
    # (pydyf's own is 9: 4.5 times the time for 3 % less).
    with pikepdf.open(io.BytesIO(once)) as pdf:
        streams = [
            (item.read_bytes(), item.read_raw_bytes())
            for item in pdf.objects
            if isinstance(item, pikepdf.Stream) and item.get("/Filter") == pikepdf.Name.FlateDecode
        ]
    assert len(streams) > 10
    assert all(raw == zlib.compress(data, DEFLATE_LEVEL) for data, raw in streams)
    assert DEFLATE_LEVEL == 6
    assert not any(raw == zlib.compress(data, 9) for data, raw in streams if len(data) > 1000)


def test_page_references_are_those_of_the_pages_the_pdf_has_as_pages_are_added() -> None:
    import pydyf

    from reportgen._weasy import PYDYF_PAGE_REFERENCES

    pdf = pydyf.PDF()
    seen = []
    for _ in range(4):
        page = pydyf.Dictionary({"Type": "/Page"})
        pdf.add_page(page)
        seen.append(pdf.page_references)
        assert seen[-1] == PYDYF_PAGE_REFERENCES.fget(pdf), "the cache disagrees with pydyf's own page_references"
    assert [len(references) for references in seen] == [1, 2, 3, 4]
    assert pdf.page_references is pdf.page_references  # made once while the pages stay
