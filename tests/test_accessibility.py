"""The tagged PDF (PDF/UA-1): checked by `pdfua` and qpdf, with text alternatives built from the data."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pdfua import validate

from reportgen import ConfigError, RenderOptions, compare_bundles, render_bundle
from reportgen.brand import load_brand
from reportgen.report import Report

from .support.builders import SAMPLE_BRAND, SAMPLE_BUNDLE, hotspots, jpeg_bytes
from .support.hostile import hostile_body
from .test_compare import pair  # noqa: F401 (the comparison's fixture)

SAMPLE_RATES = SAMPLE_BUNDLE.parent / "rates.toml"


@pytest.fixture(scope="module")
def sample_report() -> Report:
    return render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND, rates=SAMPLE_RATES)


def _check(pdf: bytes, tmp_path: Path) -> None:
    """No finding of `pdfua`, and qpdf finds no syntax or stream error."""
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    report = validate(str(path))
    assert [(f.rule_id, f.location.describe(), f.message) for f in report.findings] == []
    assert shutil.which("qpdf"), "qpdf is a Debian package of the Makefile's DEBIAN_PACKAGES"
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors found" in checked.stdout


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The structure elements in reading order (depth first)."""
    found: list[pikepdf.Dictionary] = []

    def walk(node: Any) -> None:
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                found.append(kid)
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return found


def _figure_alts(pdf_bytes: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return [str(e.get("/Alt", "")) for e in _elements(pdf) if e.S == "/Figure"]


def test_the_sample_passes_pdfua_and_qpdf(sample_report: Report, tmp_path: Path) -> None:
    _check(sample_report.pdf, tmp_path)


def test_the_sample_declares_its_language_shows_its_title_and_orders_its_headings(sample_report: Report) -> None:
    with pikepdf.open(io.BytesIO(sample_report.pdf)) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert str(pdf.docinfo.Title).startswith("Vehicle condition report")
        levels = [int(str(e.S)[2]) for e in _elements(pdf) if re.fullmatch(r"/H[1-6]", str(e.S))]
        roles = {str(e.S) for e in _elements(pdf)}
    assert levels[0] == 1 and levels.count(1) == 1
    # Each heading is at most one level deeper than the one before it.
    assert all(after <= before + 1 for before, after in zip(levels, levels[1:], strict=False)), levels
    assert {"/Table", "/TH", "/TD", "/Figure", "/Link"} <= roles


def test_every_header_cell_has_a_scope_and_layout_tables_are_not_tables(sample_report: Report) -> None:
    with pikepdf.open(io.BytesIO(sample_report.pdf)) as pdf:
        elements = _elements(pdf)
        headers = [e for e in elements if e.S == "/TH"]
        tables = [e for e in elements if e.S == "/Table"]
        scopes = {str(e.A.Scope) for e in headers}
        data_cells = [e for e in elements if e.S == "/TD"]
        with_headers = [e for e in data_cells if len(e.A.get("/Headers", [])) > 0]
    assert headers and all("/Scope" in e.A for e in headers)
    assert scopes == {"/Row", "/Column"}
    # Every table left as a table has header cells: the masthead, photo keys and grids became /Div.
    assert all(any(kid.get("/S") in ("/TH",) for kid in _cells(table)) for table in tables)
    assert len(with_headers) / len(data_cells) > 0.9


def _cells(table: Any) -> list[Any]:
    cells = []
    for kid in table.K if isinstance(table.K, pikepdf.Array) else [table.K]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") in ("/THead", "/TBody", "/TFoot", "/TR"):
            cells += _cells(kid)
        elif isinstance(kid, pikepdf.Dictionary):
            cells.append(kid)
    return cells


def test_every_photo_closeup_map_and_the_qr_code_has_its_text_alternative(sample_report: Report) -> None:
    """Fails when a photo, close-up, the map or the QR code loses its alternative, or it stops naming the damages."""
    alts = _figure_alts(sample_report.pdf)
    view = sample_report.view
    assert alts and all(alt.strip() for alt in alts)
    for panel in view.photos:
        assert panel.image
        assert panel.alt_text in alts, panel.title
        for row in panel.damages:
            assert f"{row.number} {row.description}, {row.component} ({row.severity.label})" in panel.alt_text
    front = next(panel for panel in view.photos if panel.title == "Front")
    assert front.alt_text.startswith(f"Front photo, {len(front.damages)} damages marked: 4 Scraped, Front bumper (")
    for row in view.details:
        assert row.closeup_alt in alts
        assert row.closeup_alt.startswith(f"Close-up of damage {row.number} {row.description}")
    assert view.damage_map.description in alts
    assert "Front bumper: 4, 5, 7, 9, 10, 23, 24 (Major)" in view.damage_map.description
    assert view.qr_url and view.qr_url in alts
    # The inspection record's QR code holds its fingerprint, and says it.
    assert view.record_digest and sum(view.record_digest in alt for alt in alts) == 1
    # The logo and each checklist thumbnail too: no figure of the sample goes without one.
    assert len(alts) == len(view.photos) + len(view.details) + 2 + 1 + 1 + sum(
        1 for row in view.checklist.rows if row.thumbnail
    )


def test_a_report_without_damage_passes_pdfua(make_bundle: Any, tmp_path: Path) -> None:
    body = {"success": False, "data": [], "message": "No damages found", "session": hotspots()["session"]}
    report = render_bundle(make_bundle(body))
    assert report.view.no_damage_message
    _check(report.pdf, tmp_path)


def test_the_hostile_report_passes_pdfua(make_bundle: Any, tmp_path: Path) -> None:
    report = render_bundle(make_bundle(hostile_body(), images={"f.jpg": jpeg_bytes()}))
    _check(report.pdf, tmp_path)
    assert all(alt.strip() for alt in _figure_alts(report.pdf))


def test_the_comparison_passes_pdfua_with_alternatives_for_its_photos_and_crops(
    pair: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    report = compare_bundles(*pair)
    _check(report.pdf, tmp_path)
    alts = _figure_alts(report.pdf)
    for photo in report.view.photos:
        assert photo.alt_text in alts
    for item in report.view.chargeable:
        for crop in (item.before, item.after):
            if crop.image:
                assert item.crop_alt(crop) in alts
                assert f"damage {item.number}, {item.description}" in item.crop_alt(crop)


def test_pdfa_with_pdfua_identifies_as_both_and_passes(tmp_path: Path) -> None:
    report = render_bundle(SAMPLE_BUNDLE, pdfa=True)
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert meta["pdfuaid:part"] == "1"
        xmp = bytes(pdf.Root.Metadata.read_bytes())
        assert b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp
        assert "/StructTreeRoot" in pdf.Root and len(pdf.attachments) == 5
    _check(report.pdf, tmp_path)


def test_tagging_is_the_default_and_can_be_turned_off(tmp_path: Path) -> None:
    assert RenderOptions().pdfua is True
    plain = render_bundle(SAMPLE_BUNDLE, pdfua=False)
    with pikepdf.open(io.BytesIO(plain.pdf)) as pdf:
        assert "/StructTreeRoot" not in pdf.Root and "/MarkInfo" not in pdf.Root
        assert "pdfuaid:part" not in pdf.open_metadata()
    brand = tmp_path / "brand.toml"
    brand.write_text("name = 'Plain'\npdfua = false\n")
    assert RenderOptions.load(brand=brand).pdfua is False
    assert RenderOptions.load(brand=brand, pdfua=True).pdfua is True
    assert RenderOptions(brand=load_brand(brand)).pdfua is False
    brand.write_text("pdfua = 'yes'\n")
    with pytest.raises(ConfigError, match="pdfua must be true or false"):
        load_brand(brand)


def test_the_command_line_and_the_service_brands_choose_tagging(tmp_path: Path) -> None:
    from reportgen.service.config import load_config

    from .support.cli import run_cli

    out = tmp_path / "plain.pdf"
    result = run_cli("render", str(SAMPLE_BUNDLE), "-o", str(out), "--no-pdfua")
    assert result.returncode == 0, result.stderr
    with pikepdf.open(out) as pdf:
        assert "/StructTreeRoot" not in pdf.Root
    config = tmp_path / "reportgen.toml"
    config.write_text('data_dir = "data"\n[brands.plain]\npdfua = false\n[brands.tagged]\n')
    brands = load_config(config, environ={}).brands
    assert brands["plain"].options.pdfua is False and brands["tagged"].options.pdfua is True
    config.write_text('data_dir = "data"\n[brands.plain]\npdfua = "no"\n')
    with pytest.raises(ConfigError, match=r"brands\.plain\.pdfua must be true or false"):
        load_config(config, environ={})
