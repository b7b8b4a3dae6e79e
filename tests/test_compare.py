"""Two inspections compared: the library, the summary, the PDF's order and wording, and the command."""

from __future__ import annotations

import asyncio
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from reportgen import (
    DifferentVehiclesError,
    ImageError,
    RenderOptions,
    SameSessionError,
    acompare_sessions,
    compare_bundles,
    compare_sessions,
    vocabulary,
)
from reportgen.cli import main
from reportgen.paths import sample_rates
from tests.support.builders import add_session, damage, hotspots, jpeg_bytes, photo
from tests.support.cli import run_cli, run_pave
from tests.support.fake_pave import API_KEY, FakePave

VIN = "1HGCM82633A004352"
OTHER_VIN = "WBAPH5C55BA123456"


def _url(key: str, name: str) -> str:
    return f"https://cdn.example/{key}/{name}.jpg"


def _bundle(
    make_bundle: Any,
    key: str,
    photos: list[dict[str, Any]],
    *,
    accepted: tuple[int, ...] = (),
    vin: str = VIN,
    odometer: int | None = None,
    day: str = "2024-01-02",
) -> Path:
    body = hotspots(*photos)
    body["session"]["session_key"] = key
    body["session"]["inspect_started_at"] = f"{day}T10:00:00+00:00"
    body["session"]["inspect_ended_at"] = f"{day}T10:07:00+00:00"
    body["vehicle"]["vin"] = vin
    if odometer is not None:
        body["vehicle"]["odom_reading"] = odometer
        body["vehicle"]["odom_unit"] = "km"
    captures = [
        {"photo_code": code, "photo_label": "View", "url": _url(key, f"view{code}"), "approved": True}
        for code in accepted
    ]
    images = {p["url"].rsplit("/", 1)[1]: jpeg_bytes(800, 600) for p in photos}
    images |= {f"view{code}.jpg": jpeg_bytes(800, 600, (120, 90, 60)) for code in accepted}
    return make_bundle(body, photos=captures, images=images, name=key)


@pytest.fixture
def pair(make_bundle: Any) -> tuple[Path, Path]:
    """One damage of each class: new, worsened, two unchanged, repaired, not comparable."""
    before = _bundle(
        make_bundle,
        "TST-BEFORE",
        [
            photo(
                5,
                "Front",
                _url("TST-BEFORE", "front"),
                damage("BUMPER_FRONT", "SCRATCH_MINOR", 30, 40, description="Front scratch"),
                damage("BUMPER_FRONT", "DENTED_MINOR", 60, 60, description="Bumper dent"),
                damage("BUMPER_FRONT", "SCRATCH_MEDIUM", 80, 20, description="Old scratch"),
            ),
            photo(4, "Left", _url("TST-BEFORE", "left"), damage("DOOR_FRONT_LEFT", description="Door scratch")),
        ],
        odometer=10000,
    )
    after = _bundle(
        make_bundle,
        "TST-AFTER",
        [
            photo(
                5,
                "Front",
                _url("TST-AFTER", "front"),
                # Jittered by a point: the same scratch.
                damage("BUMPER_FRONT", "SCRATCH_MINOR", 31, 41, description="Front scratch"),
                damage("BUMPER_FRONT", "DENTED_MAJOR", 61, 59, description="Bumper dent"),
            ),
            photo(
                4,
                "Left",
                _url("TST-AFTER", "left"),
                damage("DOOR_FRONT_LEFT", description="Door scratch"),
                damage("DOOR_REAR_LEFT", "DENTED_MEDIUM", 20, 70, description="Rear door dent"),
            ),
            photo(7, "Right", _url("TST-AFTER", "right"), damage("DOOR_FRONT_RIGHT", "SCRATCH_MAJOR", 40, 40)),
        ],
        odometer=11234,
        day="2024-01-09",
    )
    return before, after


def _by_class(summary: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in summary["damages"]:
        found.setdefault(entry["class"], []).append(entry)
    return found


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_every_class_end_to_end_in_the_summary(pair: tuple[Path, Path]) -> None:
    report = compare_bundles(*pair)
    summary = report.summary
    assert summary["schema"] == "reportgen.compare/1"
    assert summary["counts"] == {"new": 1, "worsened": 1, "unchanged": 2, "repaired": 1, "not_comparable": 1}
    assert summary["before"]["session_key"] == "TST-BEFORE"
    assert summary["after"]["session_key"] == "TST-AFTER"
    assert summary["before"]["vin"] == summary["after"]["vin"] == VIN
    assert summary["after"]["started_at"].startswith("2024-01-09")
    classes = _by_class(summary)
    (new,) = classes["new"]
    assert new["before"] is None and new["after"]["component_code"] == "DOOR_REAR_LEFT"
    assert new["partner_number"] is None
    (worse,) = classes["worsened"]
    assert worse["before"]["severity"] == "minor" and worse["after"]["severity"] == "major"
    assert worse["partner_number"] == worse["before"]["number"]
    assert worse["distance"] == pytest.approx(2**0.5, abs=1e-3)
    assert {e["after"]["damage"] for e in classes["unchanged"]} == {"Front scratch", "Door scratch"}
    (gone,) = classes["repaired"]
    assert gone["after"] is None and gone["before"]["damage"] == "Old scratch"
    (unknown,) = classes["not_comparable"]
    assert unknown["after"]["photo_code"] == 7 and unknown["before"] is None
    for entry in summary["damages"]:
        assert set(entry) == {"class", "before", "after", "partner_number", "distance", "review", "reasons"}
    assert summary["estimate"] is None
    assert json.loads(json.dumps(summary)) == summary


def _pixels_near(image: Image.Image, colour: str, within: float = 40.0) -> int:
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(1 for pixel in image.convert("RGB").get_flattened_data() if math.dist(pixel, target) < within)


def test_second_inspection_photos_mark_each_damage_in_the_colour_of_its_class(pair: tuple[Path, Path]) -> None:
    report = compare_bundles(*pair)
    after_class = {e["after"]["number"]: e["class"] for e in report.summary["damages"] if e["after"]}
    photos = {photo.title: photo for photo in report.view.photos}
    assert set(photos) == {"Front", "Left side", "Right side"}
    assert {key.number: key.klass for photo in photos.values() for key in photo.keys} == after_class
    (worsened,) = [key for key in photos["Front"].keys if key.klass == "worsened"]
    assert worsened.label.startswith("Worsened (no. ") and "first inspection" in worsened.label
    classes = vocabulary.compare_classes()
    severities = vocabulary.severities()
    front = photos["Front"].image
    assert front is not None
    image = Image.open(io.BytesIO(front.data))
    # Worsened and unchanged are drawn in their class colours, not in their severities' (major, minor).
    assert _pixels_near(image, classes["worsened"].colour) > 20
    assert _pixels_near(image, classes["unchanged"].colour) > 20
    assert _pixels_near(image, severities["major"].colour) == 0
    assert _pixels_near(image, severities["minor"].colour) == 0
    text = _pdf_text(report.pdf)
    assert "Second inspection photos" in text
    assert text.index("Chargeable damages") < text.index("Second inspection photos") < text.index("Not charged")
    for style in classes.values():
        assert style.label in text


def test_a_comparison_laid_out_in_two_processes_is_the_single_process_document(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reportgen.parallel
    from tests.support.pdfcompare import links, outline, page_texts

    merged: list[int] = []
    real = reportgen.parallel.merge
    monkeypatch.setattr(
        reportgen.parallel, "merge", lambda parts, marks: merged.append(len(parts)) or real(parts, marks)
    )
    moment = datetime(2024, 5, 1, tzinfo=UTC)
    single, parallel = (
        compare_bundles(*pair, RenderOptions(generated_at=moment, jobs=jobs, pdfua=False)).pdf for jobs in (1, 2)
    )
    assert merged == [2]
    texts = page_texts(parallel)
    assert texts == page_texts(single) and len(texts) > 2
    assert all(f"Page {number} of {len(texts)}" in text for number, text in enumerate(texts, 1))
    assert outline(parallel) == outline(single) and links(parallel) == links(single)


def test_an_unreadable_after_photo_is_a_placeholder_and_a_warning(pair: tuple[Path, Path]) -> None:
    before, after = pair
    (after / "images").joinpath("left.jpg").write_bytes(b"not a photo")
    report = compare_bundles(before, after)
    left = next(photo for photo in report.view.photos if photo.title == "Left side")
    assert left.image is None and len(left.keys) == 2
    assert sum("left.jpg" in warning for warning in report.warnings) == 1
    text = _pdf_text(report.pdf)
    assert "Photo unavailable" in text and "left.jpg" not in text
    with pytest.raises(ImageError):
        compare_bundles(before, after, RenderOptions(strict=True))


def test_pdfa_carries_both_inspections_bodies_and_the_summary(pair: tuple[Path, Path]) -> None:
    before, after = pair
    report = compare_bundles(before, after, RenderOptions(pdfa=True))
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
        assert files["before-hotspots.json"] == (before / "hotspots.json").read_bytes()
        assert files["after-hotspots.json"] == (after / "hotspots.json").read_bytes()
        assert files["before-photos.json"] == (before / "photos.json").read_bytes()
        assert json.loads(files["comparison.json"]) == report.summary
        assert len(pdf.Root.AF) == len(files)
        for spec in pdf.Root.AF:
            assert spec.AFRelationship == "/Source" and str(spec.Desc) != str(spec.F)
        with pdf.open_metadata() as meta:
            assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "B"
    assert not compare_bundles(before, after).pdf.count(b"/EmbeddedFiles")


def test_japanese_text_is_drawn_with_the_cjk_font(make_bundle: Any) -> None:
    before = _bundle(make_bundle, "TST-JB", [photo(5, "Front", _url("TST-JB", "front"))])
    scratch = damage("BUMPER_FRONT", "SCRATCH_MINOR", 30, 40, description="フロントバンパーの擦り傷")
    after = _bundle(make_bundle, "TST-JA", [photo(5, "Front", _url("TST-JA", "front"), scratch)])
    report = compare_bundles(before, after)
    assert report.view.cjk_font
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        fonts = {
            str(font.BaseFont)
            for page in pdf.pages
            for font in (page.Resources.get("/Font") or {}).values()
            if "/BaseFont" in font
        }
    assert any("Noto-Sans-CJK" in name for name in fonts), fonts
    assert not any("cannot draw" in warning for warning in report.warnings)


def test_a_view_captured_only_in_the_photo_list_is_compared(make_bundle: Any) -> None:
    right = photo(7, "Right", _url("TST-AFTER2", "right"), damage("DOOR_FRONT_RIGHT", "SCRATCH_MAJOR", 40, 40))
    before = _bundle(make_bundle, "TST-BEFORE2", [], accepted=(7,))
    after = _bundle(make_bundle, "TST-AFTER2", [right])
    report = compare_bundles(before, after)
    assert report.summary["counts"]["new"] == 1
    assert report.summary["counts"]["not_comparable"] == 0
    # The before crop is the same spot of the accepted photo of that view.
    (item,) = report.view.chargeable
    assert item.before.image is not None and item.after.image is not None
    assert item.before.image.width == item.after.image.width


def test_estimate_prices_only_new_and_worsened(pair: tuple[Path, Path]) -> None:
    report = compare_bundles(*pair, RenderOptions.load(rates=sample_rates()))
    lines = report.summary["estimate"]["lines"]
    assert len(lines) == len(report.summary["damages"])
    for line in lines:
        if line["class"] in ("new", "worsened"):
            assert line["chargeable"] is True and float(line["total"]) > 0
        else:
            assert line["chargeable"] is False and line["total"] == "0" and line["note"]
    charged = sum(float(line["total"]) for line in lines if line["class"] in ("new", "worsened"))
    assert float(report.summary["estimate"]["total"]) == pytest.approx(charged)
    assert report.view.chargeable_total


def test_pdf_shows_chargeable_items_first_with_the_review_badge(make_bundle: Any) -> None:
    before = _bundle(
        make_bundle,
        "TST-B3",
        [
            photo(
                5,
                "Front",
                _url("TST-B3", "front"),
                damage("BUMPER_FRONT", "SCRATCH_MINOR", 20, 20, description="Kept scratch"),
                damage("BUMPER_FRONT", "DENTED_MINOR", 60, 60, description="Bumper dent"),
            )
        ],
    )
    after = _bundle(
        make_bundle,
        "TST-A3",
        [
            photo(
                5,
                "Front",
                _url("TST-A3", "front"),
                damage("BUMPER_FRONT", "SCRATCH_MINOR", 20, 20, description="Kept scratch"),
                # 5.5 points from the dent: beyond the 5% tolerance, but near it: new, to review.
                damage("BUMPER_FRONT", "DENTED_MEDIUM", 65.5, 60, description="Fresh dent"),
            )
        ],
    )
    report = compare_bundles(before, after)
    (new,) = [e for e in report.summary["damages"] if e["class"] == "new"]
    assert new["review"] is True and "near_tolerance" in new["reasons"]
    text = _pdf_text(report.pdf)
    assert text.index("Chargeable damages") < text.index("Fresh dent") < text.index("Not charged")
    assert text.index("Fresh dent") < text.index("Kept scratch", text.index("Not charged"))
    assert "Review" in text
    assert "Check before charging" in text
    # Customer wording: no file names, no developer terms.
    for word in (".jpg", "near_tolerance", "not_comparable", "photo_code"):
        assert word not in text


def test_one_compare_of_sessions_no_damage_before(make_bundle: Any) -> None:
    before = _bundle(make_bundle, "TST-B4", [photo(5, "Front", _url("TST-B4", "front"))])
    after = _bundle(make_bundle, "TST-A4", [photo(5, "Front", _url("TST-A4", "front"), damage("BUMPER_FRONT"))])
    report = compare_bundles(before, after)
    assert report.summary["counts"] == {"new": 1, "worsened": 0, "unchanged": 0, "repaired": 0, "not_comparable": 0}
    assert report.html.count("review-badge") >= 1  # the cover explains the badge
    assert "No new or worsened damage" not in report.html


def test_different_vins_are_refused(make_bundle: Any, tmp_path: Path) -> None:
    before = _bundle(make_bundle, "TST-B5", [], vin=VIN)
    after = _bundle(make_bundle, "TST-A5", [], vin=OTHER_VIN)
    with pytest.raises(DifferentVehiclesError) as caught:
        compare_bundles(before, after)
    assert VIN in str(caught.value) and OTHER_VIN in str(caught.value)
    result = run_cli("compare", str(before), str(after), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and VIN in lines[0] and OTHER_VIN in lines[0]
    assert not list(tmp_path.glob("*.pdf"))


def test_the_same_session_twice_is_a_usage_error(make_bundle: Any, tmp_path: Path) -> None:
    bundle = _bundle(make_bundle, "TST-B6", [])
    with pytest.raises(SameSessionError):
        compare_bundles(bundle, bundle)
    copy = make_bundle((bundle / "hotspots.json").read_text(), name="elsewhere")
    with pytest.raises(SameSessionError):
        compare_bundles(bundle, copy)
    for args in ((str(bundle), str(bundle)), (str(bundle), str(copy)), ("TST-SAME", "TST-SAME")):
        result = run_cli("compare", *args, cwd=tmp_path, PAVE_API_KEY="k")
        assert result.returncode == 2, result.stderr
        assert b"both inspections" in result.stderr


def test_cli_writes_before_vs_after_pdf_and_summary(pair: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("compare", str(pair[0]), str(pair[1]), "--summary-json", "s.json", "--tolerance", "5", cwd=out)
    assert result.returncode == 0, result.stderr
    assert (out / "TST-BEFORE-vs-TST-AFTER.pdf").read_bytes().startswith(b"%PDF-")
    assert json.loads((out / "s.json").read_text())["counts"]["new"] == 1
    html = run_cli("compare", str(pair[0]), str(pair[1]), "--format", "html", "-o", "-", cwd=out)
    assert html.returncode == 0 and html.stdout.startswith(b"<!DOCTYPE html>")


def test_sessions_from_pave(pave: FakePave, tmp_path: Path) -> None:
    add_session(pave, "TST-LIVE1", damages=2)
    add_session(pave, "TST-LIVE2", damages=3)
    report = compare_sessions(
        "TST-LIVE1", "TST-LIVE2", api_key=API_KEY, base_url=pave.api_url, cache=tmp_path / "cache"
    )
    # The third front scrape is 10 points from the others: new; the rest are the same damages.
    assert report.summary["counts"] == {"new": 1, "worsened": 0, "unchanged": 3, "repaired": 0, "not_comparable": 0}
    assert report.summary["before"]["session_key"] == "TST-LIVE1"
    again = asyncio.run(
        acompare_sessions("TST-LIVE1", "TST-LIVE2", api_key=API_KEY, base_url=pave.api_url, cache=False)
    )
    assert again.summary["counts"] == report.summary["counts"]
    result = run_pave(pave, tmp_path, "compare", "TST-LIVE1", "TST-LIVE2")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "TST-LIVE1-vs-TST-LIVE2.pdf").read_bytes().startswith(b"%PDF-")
    assert run_pave(pave, tmp_path, "compare", "TST-LIVE1", "TST-NOPE").returncode == 3


@pytest.mark.parametrize("name", ["brand", "templates", "paper", "strict", "rates", "output", "output_format"])
def test_compare_shares_the_render_options(name: str) -> None:
    def described(command: str) -> tuple[object, ...]:
        (param,) = [p for p in main.commands[command].params if p.name == name]
        assert isinstance(param, click.Option)
        return (param.opts, param.help, repr(param.type), param.is_flag, param.default)

    assert described("compare") == described("render")


def test_a_session_key_without_an_api_key_is_a_usage_error(pair: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(main, ["compare", str(pair[0]), "TST-LIVE9"], env={"PAVE_API_KEY": ""})
    assert result.exit_code == 2
    assert "no PAVE API key" in result.stderr


def test_swapping_before_and_after_swaps_new_and_repaired(pair: tuple[Path, Path]) -> None:
    forward = compare_bundles(*pair).summary["counts"]
    backward = compare_bundles(pair[1], pair[0]).summary["counts"]
    assert (backward["new"], backward["repaired"]) == (forward["repaired"], forward["new"])
    assert backward["unchanged"] + backward["worsened"] == forward["unchanged"] + forward["worsened"]


def test_an_inspection_against_a_copy_of_itself_is_all_unchanged(pair: tuple[Path, Path], make_bundle: Any) -> None:
    body = json.loads((pair[1] / "hotspots.json").read_text())
    body["session"]["session_key"] = "TST-COPY"
    images = {path.name: path.read_bytes() for path in (pair[1] / "images").iterdir()}
    copy = make_bundle(body, images=images, name="TST-COPY")
    counts = compare_bundles(pair[1], copy).summary["counts"]
    assert counts == {"new": 0, "worsened": 0, "unchanged": 5, "repaired": 0, "not_comparable": 0}
    assert "No new or worsened damage" in compare_bundles(pair[1], copy).html


def test_hostile_strings_on_both_sides_give_a_comparison_and_nothing_else(make_bundle: Any) -> None:
    from tests.support.hostile import hostile_body

    first, second = hostile_body(), hostile_body()
    second["session"]["session_key"] = "TST-HOSTILE-AFTER"
    before = make_bundle(first, images={"f.jpg": jpeg_bytes()}, name="hostile-before")
    after = make_bundle(second, images={"f.jpg": jpeg_bytes()}, name="hostile-after")
    report = compare_bundles(before, after)
    counts = report.summary["counts"]
    assert sum(counts.values()) >= sum(len(p["inspection_data"]) for p in second["data"])
    assert counts["new"] == counts["worsened"] == 0  # the same damages on both sides
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf)).pages)
    assert str(before) not in text and str(after) not in text and "Traceback" not in text
    assert "<script" not in report.html.lower()
