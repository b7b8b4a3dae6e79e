"""`reportgen fetch` and `reportgen report` end to end against the fake PAVE, as a user runs them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from .conftest import add_session, jpeg_bytes
from .fake_pave import API_KEY, API_SECRET, USERNAME, Reply


def run(pave, tmp_path: Path, *args: str, signed: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ, "PAVE_BASE_URL": pave.api_url, "PAVE_API_KEY": API_KEY,
        "XDG_CACHE_HOME": str(tmp_path / "cache"), **env,
    }
    if signed:
        environment.update(PAVE_API_SECRET=API_SECRET, PAVE_USERNAME=USERNAME)
    else:
        environment.pop("PAVE_API_SECRET", None)
        environment.pop("PAVE_USERNAME", None)
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=180)


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages).split())


def test_report_fetches_and_renders_in_one_command(pave, tmp_path: Path) -> None:
    add_session(pave)
    result = run(pave, tmp_path, "report", "TST-LIVE1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = pdf_text(tmp_path / "TST-LIVE1.pdf")
    assert "Front scrape 2" in text and "Door dent" in text and "12,345 km" in text
    assert "Photo unavailable" not in text
    # Nothing but the PDF (and the image cache) is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["TST-LIVE1.pdf", "cache"]
    # The image host never saw PAVE's credentials.
    seen = pave.image_headers_seen()
    assert not {"api-key", "api-token", "api-timestamp", "authorization"} & seen
    assert all(API_KEY not in str(headers) for _, headers, _ in pave.image_log)


def test_fetch_writes_the_bundle_and_render_reads_it(pave, tmp_path: Path) -> None:
    add_session(pave)
    result = run(pave, tmp_path, "fetch", "TST-LIVE1")
    assert result.returncode == 0, result.stderr
    bundle = tmp_path / "TST-LIVE1"
    assert sorted(p.name for p in bundle.iterdir()) == [
        "bundle.json", "hotspots.json", "images", "photos.json", "session.json"]
    assert sorted(p.name for p in (bundle / "images").iterdir()) == ["TST-LIVE1_04_left.jpg", "TST-LIVE1_05_front.jpg"]
    manifest = json.loads((bundle / "bundle.json").read_text())
    assert manifest["session_key"] == "TST-LIVE1" and len(manifest["images"]) == 2
    for file in bundle.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert API_SECRET.encode() not in data and API_KEY.encode() not in data
    rendered = run(pave, tmp_path, "render", str(bundle))
    assert rendered.returncode == 0 and (tmp_path / "TST-LIVE1.pdf").exists()


def test_second_report_downloads_no_photo(pave, tmp_path: Path) -> None:
    add_session(pave)
    assert run(pave, tmp_path, "report", "TST-LIVE1", "-o", "one.pdf").returncode == 0
    downloads = len(pave.image_log)
    assert run(pave, tmp_path, "report", "TST-LIVE1", "-o", "two.pdf").returncode == 0
    assert len(pave.image_log) == downloads
    assert run(pave, tmp_path, "report", "TST-LIVE1", "-o", "three.pdf", "--no-cache").returncode == 0
    assert len(pave.image_log) == 2 * downloads


def test_without_secret_the_checklist_is_skipped_with_a_warning(pave, tmp_path: Path) -> None:
    add_session(pave)
    result = run(pave, tmp_path, "report", "TST-LIVE1", "--keep-bundle", "kept", signed=False)
    assert result.returncode == 0, result.stderr
    assert "warning: no API secret and username given" in result.stderr
    assert not any(path.startswith("/v1/sessions/") for path, _ in pave.api_log)
    assert "capture checklist is unavailable" in pdf_text(tmp_path / "TST-LIVE1.pdf")
    assert (tmp_path / "kept" / "hotspots.json").exists() and not (tmp_path / "kept" / "photos.json").exists()


def test_outcomes_and_exit_codes(pave, tmp_path: Path) -> None:
    add_session(pave)
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(400, {"code": 400, "message": "This session is not yet inspected."})]
    result = run(pave, tmp_path, "report", "TST-LIVE1")
    assert result.returncode == 75 and "not inspected yet" in result.stderr and result.stderr.count("\n") == 1

    result = run(pave, tmp_path, "report", "NOPE-404")
    assert result.returncode == 3 and "not found" in result.stderr

    result = run(pave, tmp_path, "report", "TST-LIVE1", PAVE_API_KEY="wrong-key")
    assert result.returncode == 1 and "refused the credentials" in result.stderr and "wrong-key" not in result.stderr

    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(503), Reply(429, b"", {"Retry-After": "1"})]
    result = run(pave, tmp_path, "report", "TST-LIVE1", "-o", "retried.pdf")
    assert result.returncode == 0, result.stderr

    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(200, "not json at all")]
    result = run(pave, tmp_path, "report", "TST-LIVE1")
    assert result.returncode == 1 and "invalid JSON" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.partial"))


def test_no_damage_gives_a_report_that_says_so(pave, tmp_path: Path) -> None:
    add_session(pave)
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(200, '{"success": false, "data": []\n"message\u201d: \u201cNo damages found on the vehicle"}')]
    result = run(pave, tmp_path, "report", "TST-LIVE1")
    assert result.returncode == 0, result.stderr
    assert "No damages found on the vehicle" in pdf_text(tmp_path / "TST-LIVE1.pdf")


def test_usage_errors(pave, tmp_path: Path) -> None:
    result = run(pave, tmp_path, "report", "TST-LIVE1", PAVE_API_KEY="")
    assert result.returncode == 2 and "PAVE_API_KEY" in result.stderr
    result = run(pave, tmp_path, "report", "../../etc/passwd")
    assert result.returncode == 2 and pave.api_log == []


def test_failed_photos_become_placeholders_or_fail_under_strict(pave, tmp_path: Path) -> None:
    add_session(pave)
    pave.images["TST-LIVE1_04_left.jpg"] = jpeg_bytes(800, 600)[:2000]  # truncated
    pave.images["TST-LIVE1_05_front.jpg"] = b"<html>oops</html>"
    result = run(pave, tmp_path, "report", "TST-LIVE1")
    assert result.returncode == 0, result.stderr
    assert "photo TST-LIVE1_05_front.jpg not downloaded" in result.stderr
    assert "photo 'Left side' unavailable: TST-LIVE1_04_left.jpg: truncated image data" in result.stderr
    assert pdf_text(tmp_path / "TST-LIVE1.pdf").count("Photo unavailable") == 2
    strict = run(pave, tmp_path, "report", "TST-LIVE1", "--strict", "-o", "strict.pdf")
    assert strict.returncode == 1 and not (tmp_path / "strict.pdf").exists()
