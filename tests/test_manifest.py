"""The inspection record: hashes of photos as downloaded and of PAVE's bodies, in the summary, PDF/A and on paper."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pikepdf
import pytest

from reportgen import render_bundle
from reportgen.bundle import load_bundle
from reportgen.files import json_bytes
from reportgen.manifest import (
    MANIFEST_ATTACHMENT,
    SCHEMA,
    build_manifest,
    check_against_bundle,
    check_attachments,
    manifest_digest,
)
from reportgen.view import qr_asset

from .support.builders import SAMPLE_BUNDLE, add_session, damage, hotspots, jpeg_bytes, photo
from .support.cli import run_pave

MOMENT = datetime(2024, 1, 3, 9, 0, tzinfo=UTC)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_record_hashes_each_photo_as_pave_served_it_before_any_resizing(pave, tmp_path: Path) -> None:
    add_session(pave)
    result = run_pave(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "bundle")
    assert result.returncode == 0, result.stderr
    bundle = load_bundle(tmp_path / "bundle")
    manifest = build_manifest(bundle, MOMENT)
    served = {f"{pave.image_url}/cdn/TST-LIVE1/{name}": data for name, data in pave.images.items()}
    assert {entry["url"]: entry["sha256"] for entry in manifest["photos"]} == {
        url: sha256(data) for url, data in served.items()
    }
    assert {entry["url"]: entry["bytes"] for entry in manifest["photos"]} == {
        url: len(data) for url, data in served.items()
    }
    # PAVE's three bodies, as the bundle keeps them (and a PDF/A embeds them).
    assert [entry["name"] for entry in manifest["pave_responses"]] == ["hotspots.json", "photos.json", "session.json"]
    for entry in manifest["pave_responses"]:
        assert entry["sha256"] == sha256((tmp_path / "bundle" / entry["name"]).read_bytes())
    assert manifest["schema"] == SCHEMA and manifest["session_key"] == "TST-LIVE1"
    assert manifest["generated_at"] == MOMENT.isoformat()
    # The fetch time comes from the bundle's own manifest, written by the fetch.
    fetched = datetime.fromisoformat(manifest["fetched_at"])
    assert abs((datetime.now(UTC) - fetched).total_seconds()) < 120
    assert manifest["inspection"] == {
        "started_at": "2024-01-02T10:00:00+00:00",
        "ended_at": "2024-01-02T10:07:30+00:00",
    }
    assert manifest["reportgen_version"] == version("reportgen")


def test_a_photo_the_bundle_lacks_is_listed_without_a_hash(make_bundle) -> None:
    bundle = make_bundle(
        hotspots(
            photo(5, "Front", "https://cdn.example/f.jpg", damage()),
            photo(4, "Left", "https://cdn.example/gone.jpg", damage()),
        ),
        images={"f.jpg": jpeg_bytes()},
    )
    manifest = build_manifest(load_bundle(bundle), MOMENT)
    assert [(e["url"].rsplit("/", 1)[1], e["sha256"] is None) for e in manifest["photos"]] == [
        ("f.jpg", False),
        ("gone.jpg", True),
    ]


def test_the_summary_carries_the_record_and_its_digest_and_the_last_page_prints_it(tmp_path: Path) -> None:
    report = render_bundle(SAMPLE_BUNDLE, generated_at=MOMENT)
    manifest = report.summary["manifest"]
    digest = report.summary["manifest_sha256"]
    assert digest == sha256(json_bytes(manifest)) == manifest_digest(manifest) == report.view.record_digest
    # Every photo of the sample (the 13 capture steps; damage photos are among them), each hashed.
    assert len(manifest["photos"]) == 13 and all(entry["sha256"] for entry in manifest["photos"])
    assert {entry["sha256"] for entry in manifest["photos"]} == {
        sha256(file.read_bytes()) for file in (SAMPLE_BUNDLE / "images").iterdir()
    }
    # The QR code on the last page is the digest itself.
    assert report.view.record_qr is not None and report.view.record_qr.data == qr_asset(digest).data
    pdf = tmp_path / "r.pdf"
    report.write(pdf)
    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    printed = " ".join(digest[i : i + 8] for i in range(0, 64, 8))
    assert printed in " ".join(last.split())
    assert "Inspection record" in last
    # Customer wording: no file names, no developer vocabulary.
    for word in (".json", ".jpg", "manifest", "reportgen", "sha256:"):
        assert word not in last


def test_the_record_is_the_same_for_the_same_bundle_and_changes_with_one_photo_byte(make_bundle, tmp_path) -> None:
    body = hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage()))
    image = jpeg_bytes()
    first = build_manifest(load_bundle(make_bundle(body, images={"f.jpg": image})), MOMENT)
    again = build_manifest(load_bundle(make_bundle(body, images={"f.jpg": image})), MOMENT)
    assert manifest_digest(first) == manifest_digest(again)
    edited = bytearray(image)
    edited[len(edited) // 2] ^= 0x01
    changed = build_manifest(load_bundle(make_bundle(body, images={"f.jpg": bytes(edited)})), MOMENT)
    assert manifest_digest(changed) != manifest_digest(first)


def test_a_bundle_is_checked_against_the_record_photo_by_photo(make_bundle) -> None:
    body = hotspots(
        photo(5, "Front", "https://cdn.example/f.jpg", damage()),
        photo(4, "Left", "https://cdn.example/l.jpg", damage()),
    )
    root = make_bundle(body, images={"f.jpg": jpeg_bytes(), "l.jpg": jpeg_bytes(colour=(1, 2, 3))})
    manifest = build_manifest(load_bundle(root), MOMENT)
    assert check_against_bundle(manifest, root) == []
    # An edited photo (re-saved: same picture, other bytes) is named; so is a missing one.
    (root / "images" / "f.jpg").write_bytes(jpeg_bytes(optimize=True))
    (root / "images" / "l.jpg").unlink()
    problems = check_against_bundle(manifest, root)
    assert len(problems) == 2
    assert "photo f.jpg: differs from the record" in problems[0]
    assert problems[1] == "photo https://cdn.example/l.jpg: missing from the bundle"
    (root / "hotspots.json").write_text(json.dumps({**body, "extra": 1}))
    assert any("hotspots.json: differs from the record" in p for p in check_against_bundle(manifest, root))


def pdfa_attachments(pdf: bytes) -> dict[str, bytes]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return {name: spec.get_file().read_bytes() for name, spec in document.attachments.items()}


@pytest.fixture(scope="module")
def sample_pdfa() -> bytes:
    return render_bundle(SAMPLE_BUNDLE, pdfa=True, generated_at=MOMENT).pdf


def test_a_pdfa_report_carries_a_record_that_matches_its_pave_data(sample_pdfa: bytes) -> None:
    attachments = pdfa_attachments(sample_pdfa)
    manifest, problems = check_attachments(attachments)
    assert problems == [] and manifest is not None
    assert attachments[MANIFEST_ATTACHMENT] == json_bytes(manifest)
    assert manifest["pave_responses"][0]["sha256"] == sha256((SAMPLE_BUNDLE / "hotspots.json").read_bytes())


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda a: a.update({"hotspots.json": a["hotspots.json"] + b" "}),
            "PAVE's hotspots.json differs from the record (SHA-256 ",
        ),
        (lambda a: a.pop("session.json"), "PAVE's session.json is listed in the record but not attached"),
        (
            lambda a: a.update(
                {"summary.json": a["summary.json"].replace(b'"manifest_sha256": "', b'"manifest_sha256": "0')}
            ),
            "the summary names another inspection record",
        ),
        (
            lambda a: a.pop(MANIFEST_ATTACHMENT),
            "the PDF carries no inspection record (render it with --pdfa or --sign)",
        ),
        (lambda a: a.update({MANIFEST_ATTACHMENT: b"{}"}), "the embedded inspection record is not a reportgen record"),
    ],
)
def test_a_record_that_disagrees_with_the_pdf_says_how(sample_pdfa: bytes, change, problem: str) -> None:
    attachments = pdfa_attachments(sample_pdfa)
    change(attachments)
    assert [p for p in check_attachments(attachments)[1] if p.startswith(problem)]


def test_under_source_date_epoch_the_fetch_time_is_that_moment(pave, tmp_path: Path) -> None:
    add_session(pave)
    result = run_pave(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "bundle", SOURCE_DATE_EPOCH="1700000000")
    assert result.returncode == 0, result.stderr
    manifest = build_manifest(load_bundle(tmp_path / "bundle"), MOMENT)
    assert manifest["fetched_at"] == "2023-11-14T22:13:20+00:00"
