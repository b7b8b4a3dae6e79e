"""Hostile input and faults: nothing crashes, nothing leaks, nothing is lost (corpus in tests/hostile/)."""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reportgen import ReportgenError, render_bundle
from reportgen.bundle import unique_file_names

from .support.builders import SAMPLE_BUNDLE, add_session, damage, hotspots, jpeg_bytes, photo
from .support.fake_pave import API_KEY, API_SECRET, USERNAME, slow
from .support.hostile import CORPUS, hostile_body

WRONG_TYPES = json.loads((CORPUS / "wrong-types.json").read_text())


def pdf_text(data: bytes) -> str:
    """The PDF's text as poppler reads it, white space folded (table cells wrap long strings)."""
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return " ".join(text.decode("utf-8").split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_hostile_strings_in_every_field_render_as_literal_text(make_bundle, pave) -> None:
    canary = Path("/etc/passwd").read_text()[:40]
    report = render_bundle(make_bundle(hostile_body(), images={"f.jpg": jpeg_bytes()}))
    html = report.html
    assert "<script>" not in html and "<svg onload" not in html and "<h1 style" not in html
    assert canary not in html
    text = pdf_text(report.pdf)
    assert "<script>alert('x')</script>" in squeezed(text) and "{{7*7}}" in squeezed(text)
    # Latin with accents, Greek and Cyrillic are drawn with the shipped fonts, so they read back.
    for visible in ("Škoda Octavia", "Ελληνικά γράμματα", "Кириллица Жигули"):
        assert visible in text
    assert canary not in text and canary.encode() not in report.pdf
    assert pave.api_log == [] and pave.image_log == []
    # The traversal-shaped URL never named a file outside the bundle.
    photo_warnings = [warning for warning in report.warnings if warning.startswith("photo ")]
    assert len(photo_warnings) == 1 and photo_warnings[0].endswith("unavailable: photo not in the bundle")
    # Emoji and Arabic have no font in the report: the operator is told, once.
    [glyph_warning] = [warning for warning in report.warnings if "fonts cannot draw" in warning]
    assert "U+1F697" in glyph_warning and "U+0627" in glyph_warning


@pytest.mark.parametrize("index", range(len(WRONG_TYPES)))
def test_wrong_types_give_a_report_or_a_clear_error(index: int, make_bundle) -> None:
    bundle = make_bundle(WRONG_TYPES[index])
    try:
        report = render_bundle(bundle)
    except ReportgenError as error:
        assert "hotspots.json" in str(error) and "\n" not in str(error)
    else:
        assert report.html and report.summary["damage_count"] >= 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "data",
                    "inspection_data",
                    "coodrs",
                    "coords",
                    "x",
                    "y",
                    "photo_code",
                    "url",
                    "component",
                    "damage_name",
                    "session",
                    "vehicle",
                    "approved",
                    "created_at",
                    "success",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(results=json_values, captures=json_values)
def test_any_json_gives_a_report_or_a_reportgen_error(make_bundle, results, captures) -> None:
    bundle = make_bundle(json.dumps(results), photos=json.dumps(captures))
    try:
        report = render_bundle(bundle)
        assert report.html
    except ReportgenError:
        pass


def test_ten_thousand_damages_state_the_limit_and_stay_bounded(make_bundle, tmp_path: Path) -> None:
    photos = [
        photo(
            code,
            f"P{code}",
            f"https://cdn.example/p{code}.jpg",
            *[damage(x=(i * 37) % 100, y=(i * 11) % 100, description=f"Damage {code}-{i}") for i in range(1000)],
        )
        for code in range(1, 11)
    ]
    bundle = make_bundle(hotspots(*photos), images={f"p{c}.jpg": jpeg_bytes(640, 480) for c in range(1, 11)})
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "render", str(bundle), "-o", str(tmp_path / "big.pdf")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "this session has 10,000 damages; the report lists the first 1,000" in result.stderr
    text = pdf_text((tmp_path / "big.pdf").read_bytes())
    assert "this session has 10,000 damages; the report lists the first 1,000" in text.lower()
    peak_mib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    assert peak_mib < 1500, f"peak memory {peak_mib:.0f} MiB"


def test_urls_sharing_a_basename_get_distinct_files() -> None:
    names = unique_file_names(
        [
            "https://a.example/x/photo.jpg",
            "https://b.example/y/photo.jpg",
            "https://c.example/../../etc/passwd",
            "https://d.example/",
        ]
    )
    assert len(set(names.values())) == 4
    assert all("/" not in name and not name.startswith(".") for name in names.values())


def test_secrets_never_appear_even_with_debug(pave, tmp_path: Path) -> None:
    add_session(pave)
    env = {
        **os.environ,
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "PAVE_API_SECRET": API_SECRET,
        "PAVE_USERNAME": USERNAME,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen.cli",
            "--debug",
            "report",
            "TST-LIVE1",
            "--keep-bundle",
            "kept",
            "--summary-json",
            "s.json",
            "--pdfa",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "debug" in result.stderr  # --debug did log
    for secret in (API_KEY, API_SECRET):
        assert secret not in result.stdout and secret not in result.stderr
        for file in tmp_path.rglob("*"):
            if file.is_file():
                assert secret.encode() not in file.read_bytes(), file


def test_killing_a_render_never_leaves_a_truncated_pdf(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF-1.7 previous report\n%%EOF\n")
    previous = target.read_bytes()
    for delay in (0.8, 1.6, 2.4, 3.2):
        process = subprocess.Popen(
            [sys.executable, "-m", "reportgen.cli", "render", str(SAMPLE_BUNDLE), "-o", str(target)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        data = target.read_bytes()
        assert data == previous or (data.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(data)).pages) > 3)
        previous = data


def test_a_hanging_photo_host_is_cut_off_by_the_timeout(pave, tmp_path: Path) -> None:
    add_session(pave)
    pave.images["TST-LIVE1_05_front.jpg"] = slow(jpeg_bytes(), 60)
    env = {
        **os.environ,
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "PAVE_API_SECRET": API_SECRET,
        "PAVE_USERNAME": USERNAME,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    started = time.monotonic()
    # --timeout bounds the whole command (issue 12 item 8): 18 s leaves 6 s to render on a busy machine
    # (12 s left 4, which a machine running three test suites at once did not always keep).
    result = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "report", "TST-LIVE1", "--timeout", "18"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "photo TST-LIVE1_05_front.jpg not downloaded" in result.stderr
    assert elapsed < 18 + 3, f"took {elapsed:.1f} s"  # the whole limit, plus the interpreter's start and exit
    assert "Photo unavailable" in pdf_text((tmp_path / "TST-LIVE1.pdf").read_bytes())
