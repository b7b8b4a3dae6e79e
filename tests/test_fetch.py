"""`reportgen fetch` and `reportgen report` end to end against the fake PAVE, as a user runs them."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from .support.builders import add_session, jpeg_bytes
from .support.cli import run_pave as run
from .support.fake_pave import API_KEY, API_SECRET, Reply


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
        "bundle.json",
        "hotspots.json",
        "images",
        "photos.json",
        "session.json",
    ]
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
    pave.queued["/v1/hotspots/TST-LIVE1"] = [
        Reply(200, '{"success": false, "data": []\n"message\u201d: \u201cNo damages found on the vehicle"}')
    ]
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


def margin(startup: float) -> float:
    """What a command may take beyond its --timeout and its start-up: unwinding the step under way
    when the limit strikes and the interpreter's exit with WeasyPrint loaded. Measured on the
    shared two-core machine: 1.0 s at a load of 2 (start-up 0.4 s), 2.5 s at a load of 8 (start-up
    0.9 s); both grow with load as start-up does, hence a multiple of the start-up just measured."""
    return max(1.5, 4 * startup)


def startup_time(tmp_path: Path) -> float:
    """Wall time of the same interpreter starting, importing the command line and WeasyPrint, and
    exiting, measured now (so under the machine's current load): --timeout counts from the command's
    start, not this. WeasyPrint is imported explicitly: `reportgen --version` no longer loads it (the
    package imports its names lazily), and margin() was measured with a start-up that did."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import reportgen.cli, weasyprint"], check=True, cwd=tmp_path)
    return time.monotonic() - started


def slow_session(pave, key: str, *, fast: int, slow_photos: int, stall: float) -> None:
    """A session whose first `fast` photos answer at once and the rest only after `stall` seconds."""
    from .support.builders import damage, hotspots, photo
    from .support.fake_pave import Session, slow

    names = [f"{key}_{i:02d}.jpg" for i in range(fast + slow_photos)]
    body = hotspots(
        *[
            photo(i + 1, f"Photo {i}", f"{pave.image_url}/cdn/{name}", damage(description=f"Scratch {i}"))
            for i, name in enumerate(names)
        ]
    )
    body["session"]["session_key"] = key
    pave.sessions[key] = Session(body, [], {"session_key": key, "status": "COMPLETE"})
    for i, name in enumerate(names):
        data = jpeg_bytes(800, 600, (40 + i, 60, 90))
        pave.images[name] = data if i < fast else slow(data, stall)


def test_timeout_bounds_the_whole_report_and_no_download_starts_after_it(pave, tmp_path: Path) -> None:
    # Seven photos stall for 60 s (bounded, so the fake frees its threads); six download at once,
    # so once the fast one is done one stays queued until the fetch's deadline: it must never be
    # requested. 30 s leaves 10 s to lay out eight pages: 1.5 s idle, but 5 s were once not enough
    # while the suite ran on both cores beside two other builds.
    slow_session(pave, "TST-SLOW", fast=1, slow_photos=7, stall=60)
    limit = 30.0
    startup = startup_time(tmp_path)
    started = time.monotonic()
    result = run(pave, tmp_path, "report", "TST-SLOW", "--timeout", f"{limit:g}", "--no-cache")
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert wall < limit + startup + margin(startup), (
        f"took {wall:.1f} s with --timeout {limit:g} ({startup:.1f} s to start)"
    )
    network_end = started + startup + limit * 2 / 3
    late = [path for path, _, when in pave.image_log if when > network_end]
    assert late == [], f"downloads started after the fetch's deadline: {late}"
    assert len(pave.image_log) == 7, "queued photos were still requested"
    assert result.stderr.count("not downloaded: the time limit ran out first") == 7
    assert pdf_text(tmp_path / "TST-SLOW.pdf").count("Photo unavailable") == 7


def test_a_report_that_cannot_be_rendered_in_time_fails_and_leaves_nothing(pave, tmp_path: Path) -> None:
    # 1,000 damages take about 7 s to lay out on an idle machine, far beyond the 4 s limit; the
    # photos are not on the image host (404), so the fetch is quick and the time runs out in the
    # layout itself, not in photo processing.
    from .support.builders import damage, hotspots, photo
    from .support.fake_pave import Session

    body = hotspots(
        *[
            photo(
                p + 1,
                f"Photo {p}",
                f"{pave.image_url}/cdn/gone{p}.jpg",
                *[damage(description=f"Scratch {p}-{d}", x=d % 100, y=d * 7 % 100) for d in range(100)],
            )
            for p in range(10)
        ]
    )
    body["session"]["session_key"] = "TST-BIG"
    pave.sessions["TST-BIG"] = Session(body, [], {"session_key": "TST-BIG", "status": "COMPLETE"})
    startup = startup_time(tmp_path)
    started = time.monotonic()
    result = run(pave, tmp_path, "report", "TST-BIG", "--timeout", "4", "--no-cache", "--keep-bundle", "kept")
    wall = time.monotonic() - started
    assert result.returncode == 1
    assert result.stderr.endswith("reportgen: error: timed out after 4 s\n"), result.stderr
    assert "Traceback" not in result.stderr
    assert wall < 4 + startup + margin(startup), f"took {wall:.1f} s with --timeout 4 ({startup:.1f} s to start)"
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "cache" not in p.parts)
    assert not any(name.endswith((".pdf", ".part", ".partial")) for name in left), left


def test_fetch_timeout_bounds_the_api_as_well(pave, tmp_path: Path) -> None:
    add_session(pave)
    record = pave.sessions["TST-LIVE1"].session
    # The session record answers only after 20 s: the fetch's deadline must cut it.
    pave.queued["/v1/sessions/TST-LIVE1"] = [Reply(200, record, delay=20)]
    startup = startup_time(tmp_path)
    started = time.monotonic()
    result = run(pave, tmp_path, "fetch", "TST-LIVE1", "--timeout", "2")
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "vehicle details unavailable" in result.stderr and "time limit" in result.stderr
    assert wall < 2 + startup + margin(startup), f"took {wall:.1f} s with --timeout 2 ({startup:.1f} s to start)"


def test_a_missing_session_record_is_information_not_a_warning(pave, tmp_path: Path) -> None:
    add_session(pave)
    pave.sessions["TST-LIVE1"].session = None  # PAVE answers 404 for the record, as some accounts do
    result = run(pave, tmp_path, "report", "TST-LIVE1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "reportgen: note: PAVE has no session record for TST-LIVE1: the vehicle details "
        "come from the damage results alone\n"
    )
    assert "not found" not in result.stderr and "warning" not in result.stderr


def test_a_failing_session_record_is_still_a_warning(pave, tmp_path: Path) -> None:
    add_session(pave)
    pave.queued["/v1/sessions/TST-LIVE1"] = [Reply(500, {"message": "boom"})]
    result = run(pave, tmp_path, "fetch", "TST-LIVE1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "reportgen: warning: vehicle details unavailable: GET /v1/sessions/TST-LIVE1 failed with HTTP 500: boom\n"
    )


# ---- the bundle folder: a fetch replaces only its own session's bundle --------------------------


def test_fetch_refuses_a_folder_of_other_files_and_touches_nothing(pave, tmp_path: Path) -> None:
    add_session(pave)
    documents = tmp_path / "documents"
    documents.mkdir(mode=0o755)
    (documents / "thesis.docx").write_bytes(b"years of work")
    os.chmod(documents, 0o755)
    result = run(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "documents")
    assert result.returncode == 1
    assert result.stderr.startswith("reportgen: error: refusing to write the bundle to documents")
    assert result.stderr.count("\n") == 1
    assert [p.name for p in documents.iterdir()] == ["thesis.docx"]
    assert (documents / "thesis.docx").read_bytes() == b"years of work"
    assert stat.S_IMODE(documents.stat().st_mode) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents"], "a staging folder was left"
    assert pave.api_log == [], "it fetched before refusing"


def test_report_keep_bundle_refuses_another_sessions_bundle(pave, tmp_path: Path) -> None:
    add_session(pave)
    add_session(pave, "TST-OTHER")
    assert run(pave, tmp_path, "fetch", "TST-OTHER", "-d", "kept").returncode == 0
    before = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "kept").rglob("*"))
    result = run(pave, tmp_path, "report", "TST-LIVE1", "--keep-bundle", "kept")
    assert result.returncode == 1 and "refusing to write the bundle to kept" in result.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "kept").rglob("*")) == before
    assert json.loads((tmp_path / "kept" / "bundle.json").read_text())["session_key"] == "TST-OTHER"
    assert not (tmp_path / "TST-LIVE1.pdf").exists()


def test_a_bundle_with_a_users_extra_file_is_not_ours_to_replace(pave, tmp_path: Path) -> None:
    add_session(pave)
    assert run(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "b").returncode == 0
    (tmp_path / "b" / "notes.txt").write_text("mine")
    result = run(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "b")
    assert result.returncode == 1 and (tmp_path / "b" / "notes.txt").read_text() == "mine"


def test_fetch_into_the_current_folder_when_it_is_not_empty(pave, tmp_path: Path) -> None:
    add_session(pave)
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("x")
    result = run(pave, work, "fetch", "TST-LIVE1", "-d", ".", XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert result.returncode == 1 and "refusing to write the bundle to ." in result.stderr
    assert "internal error" not in result.stderr
    assert [p.name for p in work.iterdir()] == ["keep.txt"]


def test_fetch_into_an_empty_folder_keeps_its_mode_and_the_current_folder_works(pave, tmp_path: Path) -> None:
    add_session(pave)
    empty = tmp_path / "empty"
    empty.mkdir()
    os.chmod(empty, 0o750)
    result = run(pave, empty, "fetch", "TST-LIVE1", "-d", ".", XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in empty.iterdir()) == [
        "bundle.json",
        "hotspots.json",
        "images",
        "photos.json",
        "session.json",
    ]
    assert stat.S_IMODE(empty.stat().st_mode) == 0o750


def test_a_new_bundle_folder_has_normal_permissions(pave, tmp_path: Path) -> None:
    add_session(pave)
    result = run(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "fresh")
    assert result.returncode == 0, result.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((tmp_path / "fresh" / "hotspots.json").stat().st_mode) == 0o666 & ~umask


def test_the_same_sessions_bundle_is_replaced_and_nothing_is_left_beside_it(pave, tmp_path: Path) -> None:
    add_session(pave)
    assert run(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "b").returncode == 0
    (tmp_path / "b" / "images" / "TST-LIVE1_05_front.jpg").write_bytes(b"stale")
    result = run(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "b", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b" / "images" / "TST-LIVE1_05_front.jpg").read_bytes() != b"stale"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "cache"]
