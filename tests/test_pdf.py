"""The PDF: what a reader finds in it, and what WeasyPrint may and may not load while making it."""

from __future__ import annotations

import gc
import http.server
import io
import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen import render_bundle
from reportgen.paths import builtin_theme_dir, fonts_dir
from reportgen.pdf import LockedURLFetcher, ResourceRefused, _ParsedHTML, parse_html, write_pdf
from reportgen.render import render_html
from reportgen.view import ImageAsset

from .conftest import SAMPLE_BRAND, SAMPLE_BUNDLE, damage, hotspots, jpeg_bytes, photo

CANARY = "CANARY-5e1f0c"


@pytest.fixture(scope="module")
def sample_report():
    return render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND)


@pytest.fixture(scope="module")
def sample_text(sample_report) -> list[str]:
    reader = PdfReader(io.BytesIO(sample_report.pdf))
    return [page.extract_text() for page in reader.pages]


def test_pdf_holds_every_damage_with_its_number_tolerance_and_repair(sample_text) -> None:
    text = " ".join(" ".join(sample_text).split())
    results = json.loads((SAMPLE_BUNDLE / "hotspots.json").read_text())
    damages = [d for p in results["data"] for d in p["inspection_data"]]
    assert len(damages) == 27
    for item in damages:
        assert item["description"] in text
        assert item["tolerance"] in text
        assert item["repair_method"] in text
    for number in range(1, 28):
        assert f" {number} " in f" {text} "
    assert "WBAPG73589A641024" in text and "UDB-CJDQF4DJYM" in text


def test_every_page_has_the_footer_and_page_x_of_y(sample_text) -> None:
    total = len(sample_text)
    assert total >= 5
    for index, page in enumerate(sample_text, start=1):
        flat = " ".join(page.split())
        assert f"Page {index} of {total}" in flat
        assert "Session UDB-CJDQF4DJYM" in flat
        assert "Northwind Motors · 1200 Harbor Boulevard" in flat


def test_photos_are_embedded_byte_for_byte(sample_report) -> None:
    pdf = sample_report.pdf
    images = [panel.image for panel in sample_report.view.photos]
    assert len(images) == 4 and all(images)
    for image in images:
        assert image.data in pdf, "WeasyPrint re-encoded a photo that was already print-ready"


def test_links_to_pave_are_clickable(sample_report) -> None:
    reader = PdfReader(io.BytesIO(sample_report.pdf))
    uris = {
        annotation.get_object()["/A"].get("/URI")
        for annotation in reader.pages[0].get("/Annots", [])
        if "/A" in annotation.get_object()
    }
    assert "https://reports.paveapi.com/api/report/UDB-CJDQF4DJYM" in uris
    assert "https://dashboard.paveapi.com/park/UDB-CJDQF4DJYM/?l=en" in uris


@pytest.mark.parametrize("paper, size", [("a4", (595, 842)), ("letter", (612, 792))])
def test_paper_size(make_bundle, paper: str, size: tuple[int, int]) -> None:
    reader = PdfReader(io.BytesIO(render_bundle(make_bundle(hotspots()), paper=paper).pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def test_the_report_text_uses_only_the_shipped_fonts(sample_report) -> None:
    reader = PdfReader(io.BytesIO(sample_report.pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(name.startswith(("Inter", "NotoSans")) for name in fonts), fonts


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(f'body::after {{ content: "{CANARY}" }}'.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_templates_cannot_pull_in_local_files_or_the_network(tmp_path, make_bundle, local_server) -> None:
    canary_css = tmp_path / "outside" / "canary.css"
    canary_css.parent.mkdir()
    canary_css.write_text(f'body::before {{ content: "{CANARY}" }}')
    canary_png = tmp_path / "outside" / "canary.jpg"
    canary_png.write_bytes(jpeg_bytes(33, 17))
    theme = tmp_path / "theme" / "partials"
    theme.mkdir(parents=True)
    (theme / "symlinked.css").symlink_to(canary_css)
    (theme / "about.html.j2").write_text(
        f'<link rel="stylesheet" href="{canary_css.as_uri()}">'
        f'<link rel="stylesheet" href="{local_server}/x.css">'
        '<link rel="stylesheet" href="partials/symlinked.css">'
        f'<style>@import url("{canary_css.as_uri()}");</style>'
        f'<img src="{canary_png.as_uri()}"><img src="{local_server}/i.jpg"><img src="ftp://127.0.0.1/x.jpg">'
    )
    report = render_bundle(make_bundle(hotspots()), templates=tmp_path / "theme")
    pdf = report.pdf
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert CANARY not in text and CANARY.encode() not in pdf
    assert _Recorder.hits == [], "WeasyPrint reached the network"
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            assert image.image.size != (33, 17)


def test_fetcher_serves_only_theme_fonts_logo_data_and_report_images(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\nlogo")
    asset = ImageAsset("abc.jpg", b"\xff\xd8jpeg", "image/jpeg", 1, 1)
    fetcher = LockedURLFetcher(roots=[builtin_theme_dir(), fonts_dir()], files=[logo], assets={"abc.jpg": asset})

    assert fetcher.fetch((fonts_dir() / "Inter-Regular.otf").as_uri()).read()[:4] == b"OTTO"
    assert b"@page" in fetcher.fetch((builtin_theme_dir() / "report.css").as_uri()).read()
    assert fetcher.fetch(logo.as_uri()).read().endswith(b"logo")
    assert fetcher.fetch("reportgen-asset:abc.jpg").read() == b"\xff\xd8jpeg"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    refused = [
        "file:///etc/passwd",
        (builtin_theme_dir() / ".." / ".." / "pyproject.toml").as_uri(),
        "file://otherhost/etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.png",
        "ftp://127.0.0.1/x",
        "reportgen-asset:unknown.jpg",
        (tmp_path / "other.png").as_uri(),
    ]
    for url in refused:
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)


def test_every_page_of_a_long_damage_table_names_its_component(make_bundle) -> None:
    # 70 damages on one door: its table runs over several pages.
    damages = [damage("DOOR_FRONT_LEFT", x=10 + i % 8 * 10, y=10 + i // 8 * 9, description=f"Scratch {i + 1}")
               for i in range(70)]
    bundle = make_bundle(hotspots(photo(5, "Left", "https://cdn.example/left.jpg", *damages)),
                         images={"left.jpg": jpeg_bytes(800, 600)})
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(render_bundle(bundle).pdf)).pages]
    table_pages = [text for text in pages if "TOLERANCE" in text]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Front left door" in text
    # 70 rows are three tables of at most 25: the later ones (and their repeated headers) say they continue.
    assert " ".join(pages).count("Front left door, continued") >= 2


def test_outline_lists_the_chapters_each_photo_and_each_component(sample_report) -> None:
    reader = PdfReader(io.BytesIO(sample_report.pdf))

    def titles(items, depth=0):
        for item in items:
            yield from titles(item, depth + 1) if isinstance(item, list) else [(depth, item.title)]

    outline = list(titles(reader.outline))
    assert (1, "Damage photos") in outline and (1, "Damages by component") in outline
    assert {(2, name) for name in ("Left side", "Front", "Right side", "Rear")} <= set(outline)
    components = {group.name for group in sample_report.view.groups}
    assert len(components) == 14
    assert {(2, name) for name in components} <= set(outline)


@pytest.mark.parametrize("enabled_before", [True, False])
def test_no_cycle_collection_runs_during_layout_and_the_collector_is_left_as_found(
    make_bundle, enabled_before: bool
) -> None:
    bundle = make_bundle(hotspots(photo(1, "Front", "https://cdn.example/a.jpg", damage())),
                         images={"a.jpg": jpeg_bytes()})
    report = render_bundle(bundle)
    html = render_html(report.view, report.theme, standalone=False)
    collections: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    (gc.enable if enabled_before else gc.disable)()
    gc.callbacks.append(count)
    try:
        assert write_pdf(html, report.view, report.theme).startswith(b"%PDF")
        assert gc.isenabled() is enabled_before
    finally:
        gc.callbacks.remove(count)
        gc.enable()
    # A one-page layout allocates far more than the collector's 700-object trigger, so without
    # the pause it collects many times; with it, once at most, after WeasyPrint is done.
    assert len(collections) <= 1, collections


def _pdf_through_weasyprints_own_parser(report, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The same report laid out from WeasyPrint's HTML5 parse of the same HTML."""
    monkeypatch.setattr("reportgen.pdf.parse_html",
                        lambda html, base_url, fetcher, xml=True: parse_html(html, base_url, fetcher, xml=False))
    return write_pdf(render_html(report.view, report.theme, standalone=False), report.view, report.theme)


def test_the_theme_is_read_as_xml_and_lays_out_byte_for_byte_as_with_the_html5_parser(monkeypatch) -> None:
    report = render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND, rates=SAMPLE_BUNDLE.parent / "rates.toml",
                           generated_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    html = render_html(report.view, report.theme, standalone=False)
    assert isinstance(parse_html(html, builtin_theme_dir().as_uri() + "/", None), _ParsedHTML)
    assert report.pdf == _pdf_through_weasyprints_own_parser(report, monkeypatch)


def test_hostile_strings_lay_out_as_with_the_html5_parser(make_bundle, monkeypatch) -> None:
    from .test_hostile import hostile_body

    report = render_bundle(make_bundle(hostile_body(), images={"f.jpg": jpeg_bytes()}),
                           generated_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    assert report.pdf == _pdf_through_weasyprints_own_parser(report, monkeypatch)


def test_user_templates_take_the_html5_parser_even_when_they_are_xml(make_bundle, tmp_path: Path,
                                                                     monkeypatch) -> None:
    templates = tmp_path / "theme"
    (templates / "partials").mkdir(parents=True)
    # Well-formed XML that leans on the HTML5 parser's repairs: the <tbody> it implies.
    (templates / "partials" / "about.html.j2").write_text(
        '<table class="signed"><tr><td>Checked by Northwind</td></tr></table>\n')
    bundle = make_bundle(hotspots(photo(1, "Front", "https://cdn.example/a.jpg", damage())),
                         images={"a.jpg": jpeg_bytes()})
    report = render_bundle(bundle, templates=templates)
    html = render_html(report.view, report.theme, standalone=False)
    assert isinstance(parse_html(html, builtin_theme_dir().as_uri() + "/", None), _ParsedHTML)

    def refuse(*args: object) -> None:
        raise AssertionError("a user's template was read as XML")

    monkeypatch.setattr(_ParsedHTML, "__init__", refuse)
    text = " ".join(PdfReader(io.BytesIO(report.pdf)).pages[-1].extract_text().split())
    assert "Checked by Northwind" in text


def test_html_that_is_not_xml_takes_the_html5_parser() -> None:
    html = "<!DOCTYPE html><html><body><p>Checked&nbsp;by<br>Northwind</p></body></html>"
    document = parse_html(html, builtin_theme_dir().as_uri() + "/", None)
    assert not isinstance(document, _ParsedHTML)
    assert document.etree_element.find(".//br") is not None


#: Words of the people who make reports, not of the customer who reads one.
DEVELOPER_WORDS = (
    "bundle", "reportgen", ".json", ".jpg", "images/", "truncated", "corrupt", "not processed", "image file",
    "not a JPEG", "decoder", "error", "Traceback", "API secret", "username", "was not given", "photo list",
    "TST-SESSION1_", "cdn.example", "etc/passwd",
)


def _broken_bundle(make_bundle, *, with_photo_list: bool):
    good, truncated = jpeg_bytes(800, 600, (40, 60, 90)), jpeg_bytes(800, 600, (90, 60, 40))[:2000]
    body = hotspots(
        photo(5, "Front", "https://cdn.example/front.jpg", damage(description="Front scuff")),
        photo(4, "Left", "https://cdn.example/left.jpg", damage(description="Door dent")),
        photo(8, "Rear", "https://cdn.example/rear.jpg", damage(description="Bumper crack")),
        photo(10, "Right", "https://cdn.example/right.jpg", damage(description="Wing scratch")),
        photo(7, "Back", "https://cdn.example/../../etc/passwd", damage(description="Tailgate chip")),
    )
    captures = [
        {"photo_code": 1, "photo_label": "VIN", "url": "https://cdn.example/vin.jpg", "approved": True},
        {"photo_code": 5, "photo_label": "Front", "url": "https://cdn.example/front.jpg", "approved": True},
    ]
    bundle = make_bundle(body, photos=captures if with_photo_list else None, images={
        "front.jpg": good, "left.jpg": truncated, "right.jpg": b"<html>Access denied</html>", "vin.jpg": truncated})
    if not with_photo_list:
        # What `fetch` without PAVE's secret wrote into bundles before the PDF spoke the customer's language.
        note = ("The capture checklist is unavailable: reportgen was not given PAVE's API secret and username, "
                "which PAVE's photo list requires.")
        (bundle / "bundle.json").write_text(json.dumps(
            {"format": 1, "session_key": "TST-SESSION1", "images": {}, "notes": {"photos.json": note}}))
    return bundle


@pytest.mark.parametrize("with_photo_list", [True, False])
def test_the_pdf_of_a_broken_session_speaks_to_the_customer(make_bundle, with_photo_list: bool) -> None:
    import subprocess

    report = render_bundle(_broken_bundle(make_bundle, with_photo_list=with_photo_list), brand=SAMPLE_BRAND)
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=report.pdf, capture_output=True,
                                   check=True).stdout.decode("utf-8").split())
    for word in DEVELOPER_WORDS:
        assert word.lower() not in text.lower(), f"{word!r} in the PDF: {text}"
    assert text.count("This photo could not be retrieved.") == 4
    assert "4 photos could not be retrieved and are shown as unavailable." in text
    if not with_photo_list:
        assert "The photo capture checklist is unavailable for this report." in text
    # The detail is kept for whoever makes the report: the warnings name each file and its fault.
    details = "\n".join(report.warnings)
    assert "left.jpg: truncated image data" in details and "right.jpg: not a JPEG, PNG or WebP" in details
    assert details.count("photo not in the bundle") == 2
    assert ("checklist photo 'VIN' unavailable: vin.jpg: truncated" in details) == with_photo_list
    assert report.summary["warnings"] == report.warnings
