"""The PDF: what a reader finds in it, and what WeasyPrint may and may not load while making it."""

from __future__ import annotations

import gc
import hashlib
import http.server
import io
import json
import os
import random
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

from reportgen import render_bundle
from reportgen._weasy import TreeHTML
from reportgen.paths import builtin_theme_dir, fonts_dir
from reportgen.pdf import LockedURLFetcher, ResourceRefused, parse_html, write_pdf
from reportgen.render import render_html
from reportgen.view import ImageAsset

from .support.builders import SAMPLE_BRAND, SAMPLE_BUNDLE, damage, hotspots, jpeg_bytes, photo
from .support.hostile import hostile_body

SAMPLE_RATES = SAMPLE_BUNDLE.parent / "rates.toml"
CHAPTERS = [
    "Summary",
    "Damage photos",
    "Damages by component",
    "Damage details",
    "Repair estimate",
    "Photo capture checklist",
]

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
    server.server_close()


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
    damages = [
        damage("DOOR_FRONT_LEFT", x=10 + i % 8 * 10, y=10 + i // 8 * 9, description=f"Scratch {i + 1}")
        for i in range(70)
    ]
    bundle = make_bundle(
        hotspots(photo(5, "Left", "https://cdn.example/left.jpg", *damages)), images={"left.jpg": jpeg_bytes(800, 600)}
    )
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(render_bundle(bundle).pdf)).pages]
    table_pages = [text for text in pages if "TOLERANCE" in text]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Front left door" in text
    # 70 rows are three tables of at most 25: the later ones (and their repeated headers) say they continue.
    assert " ".join(pages).count("Front left door, continued") >= 2


def test_a_component_too_long_to_keep_whole_starts_a_page(make_bundle) -> None:
    hood = [damage("HOOD_FRONT_UNIQUE", x=10 + i * 10, y=20) for i in range(2)]
    door = [damage("DOOR_FRONT_LEFT", x=10 + i % 8 * 10, y=10 + i // 8 * 9) for i in range(20)]
    bundle = make_bundle(
        hotspots(
            photo(5, "Front", "https://cdn.example/f.jpg", *hood), photo(6, "Left", "https://cdn.example/l.jpg", *door)
        ),
        images={"f.jpg": jpeg_bytes(800, 600), "l.jpg": jpeg_bytes(800, 600)},
    )
    report = render_bundle(bundle)
    groups = dict(dict(outline_of(report.pdf))["Damages by component"])
    assert [group.name for group in report.view.groups] == ["Hood", "Front left door"]
    # The hood's two rows leave most of the chapter's first page empty; the door's 20 begin the next.
    assert groups["Front left door"] == groups["Hood"] + 1
    # Its table is on two pages at most, not one row at the foot of the hood's page and the rest after.
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(report.pdf)).pages]
    assert "Front left door" not in pages[groups["Hood"]]


def outline_of(pdf: bytes) -> list[tuple[str, list[tuple[str, int]]]]:
    """The outline as (chapter, [(entry, page number)]): top-level bookmarks and their children."""
    reader = PdfReader(io.BytesIO(pdf))
    chapters: list[tuple[str, list[tuple[str, int]]]] = []
    for item in reader.outline:
        if isinstance(item, list):
            assert chapters and all(not isinstance(child, list) for child in item), "outline nested too deep"
            chapters[-1][1].extend((child.title, reader.get_destination_page_number(child)) for child in item)
        else:
            chapters.append((item.title, []))
    return chapters


def test_outline_has_a_bookmark_per_chapter_and_beneath_them_one_per_photo_and_component() -> None:
    report = render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND, rates=SAMPLE_RATES)
    outline = dict(outline_of(report.pdf))
    assert list(outline) == CHAPTERS
    assert [title for title, _ in outline["Damage photos"]] == [panel.title for panel in report.view.photos]
    assert [title for title, _ in outline["Damages by component"]] == [group.name for group in report.view.groups]
    assert len(report.view.groups) == 14
    assert all(not outline[chapter] for chapter in CHAPTERS if chapter not in ("Damage photos", "Damages by component"))


@pytest.mark.parametrize("enabled_before", [True, False])
def test_no_cycle_collection_runs_during_layout_and_the_collector_is_left_as_found(
    make_bundle, enabled_before: bool
) -> None:
    bundle = make_bundle(
        hotspots(photo(1, "Front", "https://cdn.example/a.jpg", damage())), images={"a.jpg": jpeg_bytes()}
    )
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
    monkeypatch.setattr(
        "reportgen.pdf.parse_html",
        lambda html, base_url, fetcher, xml=True: parse_html(html, base_url, fetcher, xml=False),
    )
    html = render_html(report.view, report.theme, standalone=False)
    return write_pdf(html, report.view, report.theme, pdfua=report.pdfua)


def test_the_theme_is_read_as_xml_and_lays_out_byte_for_byte_as_with_the_html5_parser(monkeypatch) -> None:
    report = render_bundle(
        SAMPLE_BUNDLE,
        brand=SAMPLE_BRAND,
        rates=SAMPLE_BUNDLE.parent / "rates.toml",
        generated_at=datetime(2024, 1, 1, tzinfo=UTC),
        jobs=1,  # the parsers are compared in one process; test_parallel.py compares the processes
    )
    html = render_html(report.view, report.theme, standalone=False)
    assert isinstance(parse_html(html, builtin_theme_dir().as_uri() + "/", None), TreeHTML)
    assert report.pdf == _pdf_through_weasyprints_own_parser(report, monkeypatch)


def test_hostile_strings_lay_out_as_with_the_html5_parser(make_bundle, monkeypatch) -> None:
    report = render_bundle(
        make_bundle(hostile_body(), images={"f.jpg": jpeg_bytes()}),
        generated_at=datetime(2024, 1, 1, tzinfo=UTC),
        jobs=1,  # the parsers are compared in one process; test_parallel.py compares the processes
    )
    assert report.pdf == _pdf_through_weasyprints_own_parser(report, monkeypatch)


def test_user_templates_take_the_html5_parser_even_when_they_are_xml(make_bundle, tmp_path: Path, monkeypatch) -> None:
    templates = tmp_path / "theme"
    (templates / "partials").mkdir(parents=True)
    # Well-formed XML that leans on the HTML5 parser's repairs: the <tbody> it implies.
    (templates / "partials" / "about.html.j2").write_text(
        '<table class="signed"><tr><td>Checked by Northwind</td></tr></table>\n'
    )
    bundle = make_bundle(
        hotspots(photo(1, "Front", "https://cdn.example/a.jpg", damage())), images={"a.jpg": jpeg_bytes()}
    )
    report = render_bundle(bundle, templates=templates)
    html = render_html(report.view, report.theme, standalone=False)
    assert isinstance(parse_html(html, builtin_theme_dir().as_uri() + "/", None), TreeHTML)

    def refuse(*args: object) -> None:
        raise AssertionError("a user's template was read as XML")

    monkeypatch.setattr(TreeHTML, "__init__", refuse)
    text = " ".join(PdfReader(io.BytesIO(report.pdf)).pages[-1].extract_text().split())
    assert "Checked by Northwind" in text


def test_html_that_is_not_xml_takes_the_html5_parser() -> None:
    html = "<!DOCTYPE html><html><body><p>Checked&nbsp;by<br>Northwind</p></body></html>"
    document = parse_html(html, builtin_theme_dir().as_uri() + "/", None)
    assert not isinstance(document, TreeHTML)
    assert document.etree_element.find(".//br") is not None


#: Words of the people who make reports, not of the customer who reads one.
DEVELOPER_WORDS = (
    "bundle",
    "reportgen",
    ".json",
    ".jpg",
    "images/",
    "truncated",
    "corrupt",
    "not processed",
    "image file",
    "not a JPEG",
    "decoder",
    "error",
    "Traceback",
    "API secret",
    "username",
    "was not given",
    "photo list",
    "TST-SESSION1_",
    "cdn.example",
    "etc/passwd",
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
    bundle = make_bundle(
        body,
        photos=captures if with_photo_list else None,
        images={
            "front.jpg": good,
            "left.jpg": truncated,
            "right.jpg": b"<html>Access denied</html>",
            "vin.jpg": truncated,
        },
    )
    if not with_photo_list:
        # What `fetch` without PAVE's secret wrote into bundles before the PDF spoke the customer's language.
        note = (
            "The capture checklist is unavailable: reportgen was not given PAVE's API secret and username, "
            "which PAVE's photo list requires."
        )
        (bundle / "bundle.json").write_text(
            json.dumps({"format": 1, "session_key": "TST-SESSION1", "images": {}, "notes": {"photos.json": note}})
        )
    return bundle


@pytest.mark.parametrize("with_photo_list", [True, False])
def test_the_pdf_of_a_broken_session_speaks_to_the_customer(make_bundle, with_photo_list: bool) -> None:
    import subprocess

    report = render_bundle(_broken_bundle(make_bundle, with_photo_list=with_photo_list), brand=SAMPLE_BRAND)
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=report.pdf, capture_output=True, check=True)
        .stdout.decode("utf-8")
        .split()
    )
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


def attachment_list(pdf: pikepdf.Pdf) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The file specs of the catalog's /AF and of the /EmbeddedFiles name tree, as object ids."""
    names = pdf.Root.Names.EmbeddedFiles.Names
    return [spec.objgen for spec in pdf.Root.AF], [names[i].objgen for i in range(1, len(names), 2)]


def test_pdfa_lists_each_attachment_once_as_an_associated_file(make_bundle) -> None:
    bundle = make_bundle(
        hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage())),
        photos=[],
        session={"session_key": "TST-SESSION1"},
        images={"f.jpg": jpeg_bytes()},
    )
    with pikepdf.open(io.BytesIO(render_bundle(bundle, pdfa=True).pdf)) as pdf:
        associated, embedded = attachment_list(pdf)
        assert len(associated) == len(set(associated)) == 5, associated
        assert associated == embedded
        assert sorted(pdf.attachments) == [
            "hotspots.json",
            "manifest.json",
            "photos.json",
            "session.json",
            "summary.json",
        ]
        for spec in pdf.Root.AF:
            assert spec.AFRelationship == "/Source" and str(spec.Desc)
        with pdf.open_metadata() as meta:
            assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "B"


def _metadata_text(pdf: bytes) -> str:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        info = " ".join(f"{key} {value}" for key, value in document.docinfo.items())
        xmp = str(document.open_metadata())
        descriptions = " ".join(str(spec.get("/Desc", "")) for spec in document.Root.get("/AF", []))
    return f"{info} {xmp} {descriptions}"


@pytest.mark.parametrize("pdfa", [False, True])
def test_without_a_brand_neither_the_pdf_nor_its_metadata_names_reportgen(pdfa: bool) -> None:
    report = render_bundle(SAMPLE_BUNDLE, pdfa=pdfa)
    text = subprocess.run(["pdftotext", "-", "-"], input=report.pdf, capture_output=True, check=True).stdout.decode()
    outline = " ".join(f"{chapter} {' '.join(t for t, _ in entries)}" for chapter, entries in outline_of(report.pdf))
    assert "Vehicle condition report" in text and "Page 1 of" in text
    for place, words in (("text", text), ("metadata", _metadata_text(report.pdf)), ("outline", outline)):
        assert "reportgen" not in words.lower(), place
    with pikepdf.open(io.BytesIO(report.pdf)) as document:
        assert "/Author" not in document.docinfo and "/Creator" not in document.docinfo
        assert str(document.docinfo["/Producer"]).startswith("WeasyPrint")


def photo_pages(pdf: bytes) -> list[list[str]]:
    """The photos of each page of the photo chapter, from the outline."""
    pages: dict[int, list[str]] = {}
    chapter = next(entries for title, entries in outline_of(pdf) if title.endswith("photos"))
    for title, page in chapter:
        pages.setdefault(page, []).append(title)
    return [pages[page] for page in sorted(pages)]


def test_photos_with_a_short_key_share_a_page_two_by_two_and_a_long_key_has_a_page_to_itself(make_bundle) -> None:
    # Thirteen photos, one per capture step, two damages each; the fourth (Left side) has ten.
    codes = [1, 2, 3, 4, 10, 5, 11, 7, 12, 8, 13, 9, 6]
    photos, images = [], {}
    for index, code in enumerate(codes):
        count = 10 if code == 4 else 2
        photos.append(
            photo(
                code,
                f"P{code}",
                f"https://cdn.example/p{code}.jpg",
                *[damage(x=10 + 8 * i, y=20 + 5 * i) for i in range(count)],
            )
        )
        images[f"p{code}.jpg"] = jpeg_bytes(800, 600, (30 + 15 * index, 90, 120))
    report = render_bundle(make_bundle(hotspots(*photos), images=images))
    pages = photo_pages(report.pdf)
    assert pages == [
        ["VIN", "Interior"],
        ["Instrument cluster"],
        ["Left side"],
        ["Front left", "Front"],
        ["Front right", "Right side"],
        ["Rear right", "Rear"],
        ["Rear left", "Windshield"],
        ["Tires"],
    ]
    # The pages really follow one another: no page of the chapter is left blank in between.
    numbers = sorted({page for _, entries in outline_of(report.pdf) if _.endswith("photos") for _, page in entries})
    assert numbers == list(range(numbers[0], numbers[0] + 8))


def grainy_photo(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photo-like JPEG (smooth colour with grain) that compresses like a camera's, as in bench/run.py."""
    rng = random.Random(seed)
    small = Image.new("RGB", (64, 48))
    small.putdata([(rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200)) for _ in range(64 * 48)])
    grain = Image.effect_noise(size, 18).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(small.resize(size, Image.Resampling.BICUBIC), grain, 0.12).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_photo_page_embeds_at_most_90_kb_so_100_photos_stay_under_10_mb(make_bundle) -> None:
    # The 1,000-damage benchmark has 100 such photos with ten markers each; everything else in
    # its PDF (tables, close-ups, fonts) takes about 1.2 MB (measured by `make bench`).
    damages = [damage(x=8 + 9 * i, y=15 + 7 * i) for i in range(10)]
    photos = [photo(code, f"P{code}", f"https://cdn.example/p{code}.jpg", *damages) for code in (4, 5, 7)]
    images = {f"p{code}.jpg": grainy_photo(code) for code in (4, 5, 7)}
    report = render_bundle(make_bundle(hotspots(*photos), images=images))
    pdf = report.pdf
    for panel in report.view.photos:
        assert panel.image is not None and panel.image.data in pdf
        assert len(panel.image.data) <= 90_000, len(panel.image.data)


def test_a_report_without_damage_shows_the_accepted_captures_and_leads_with_the_inspection(make_bundle) -> None:
    captures = [
        {
            "photo_code": code,
            "photo_label": label,
            "url": f"https://cdn.example/{label}.jpg",
            "approved": approved,
            "approved_message": "ACCEPTED" if approved else "REJECTED: Too dark",
            "created_at": "2024-01-02T10:01:00Z",
        }
        for code, label, approved in ((5, "Front", True), (4, "Left", False), (8, "Rear", True), (1, "VIN", True))
    ]
    body = {
        "success": False,
        "data": [],
        "message": "No damages found on the vehicle",
        "session": hotspots()["session"],
    }
    images = {
        f"{label}.jpg": jpeg_bytes(800, 600, (40 * i, 80, 120))
        for i, label in enumerate(("Front", "Left", "Rear", "VIN"))
    }
    report = render_bundle(make_bundle(body, photos=captures, images=images))
    assert report.warnings == []
    assert photo_pages(report.pdf) == [["VIN", "Front"], ["Rear"]]
    pdf = report.pdf
    for panel in report.view.photos:
        assert panel.image is not None and panel.image.data in pdf
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode().split()
    )
    assert "Vehicle photos" in text and "No damages found on the vehicle" in text
    assert "not given" not in text.lower()
    assert text.index("Vehicle inspection of 2 January 2024") < text.index("Vehicle details Not recorded")
    assert "Session TST-SESSION1" in text


def test_warm_up_sets_weasyprint_up_before_the_first_report() -> None:
    script = """
import sys
from reportgen import pdf
assert pdf._font_config.cache_info().currsize == 0
pdf.warm_up()
pdf.warm_up()
info = pdf._font_config.cache_info()
assert "weasyprint" in sys.modules and (info.misses, info.hits) == (1, 1), info
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_pdfa_embeds_pave_data_and_the_summary() -> None:
    report = render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND, pdfa=True)
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
        assert set(files) == {"hotspots.json", "manifest.json", "photos.json", "session.json", "summary.json"}
        assert files["hotspots.json"] == (SAMPLE_BUNDLE / "hotspots.json").read_bytes()
        summary = json.loads(files["summary.json"])
        assert summary["damage_count"] == 27
        # The record rides along, and the summary names it by the SHA-256 of those very bytes.
        assert json.loads(files["manifest.json"]) == summary["manifest"]
        assert summary["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()
        with pdf.open_metadata() as meta:
            assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "B"
        assert "/OutputIntents" in pdf.Root


def test_same_bundle_and_options_give_identical_bytes(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    outputs = []
    for name in ("a.pdf", "b.pdf"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "reportgen.cli",
                "render",
                str(SAMPLE_BUNDLE),
                "-o",
                str(tmp_path / name),
                "--brand",
                str(SAMPLE_BRAND),
                "--rates",
                str(SAMPLE_RATES),
                "--pdfa",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    with pikepdf.open(io.BytesIO(outputs[0])) as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20231114")


def test_the_same_report_is_the_same_bytes_wherever_reportgen_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import reportgen.pdf
    import reportgen.render

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    here = render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND).pdf
    elsewhere = shutil.copytree(fonts_dir(), tmp_path / "another" / "install" / "fonts")
    for module in (reportgen.render, reportgen.pdf):
        monkeypatch.setattr(module, "fonts_dir", lambda: elsewhere)
    there = render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND).pdf
    assert str(elsewhere) not in there.decode("latin-1")
    assert here == there
