"""Japanese, Chinese and Korean text prints in the embedded fallback font; uncovered characters are said."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from reportgen import glyphs, render_bundle
from reportgen.paths import fonts_dir

from .support.builders import damage, hotspots, jpeg_bytes, photo

CJK = "日本語の車 · 中国汽车 · 臺灣汽車 · 한국 자동차 · カタカナ"
UNCOVERED = "ሀ🚗"


def _pdf_fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _bundle(make_bundle, model: str, description: str = "Scratch") -> Path:
    body = hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage(description=description)))
    body["vehicle"]["model"] = model
    return make_bundle(body, images={"f.jpg": jpeg_bytes()})


@pytest.mark.parametrize("file", ["Inter-Regular.otf", "Inter-SemiBold.otf", "Inter-Bold.otf"])
def test_inter_draws_every_character_the_fast_path_skips(file: str) -> None:
    with TTFont(fonts_dir() / file, lazy=True) as font:
        covered = font.getBestCmap()
    assert not [hex(code) for code in glyphs.LATIN if code not in covered]


def test_the_fallback_font_covers_the_everyday_characters_of_all_three_languages() -> None:
    assert glyphs.coverage(CJK) == glyphs.Coverage(needs_fallback=True, missing=())
    # Frequent characters from each national standard, and the widest kana and Hangul blocks.
    assert glyphs.coverage("東京都渋谷区 北京市朝阳区 台北市 서울특별시 ぁゟ゠ヿ ㄱㆎ ！～").missing == ()


def test_latin_greek_and_cyrillic_text_needs_no_fallback() -> None:
    assert glyphs.coverage("Škoda Octavia — Ελληνικά, Кириллица, ŉ ẞ").missing == ()
    assert not glyphs.coverage("Škoda Octavia — Ελληνικά, Кириллица").needs_fallback


def test_missing_characters_are_listed_once_in_order_and_invisible_ones_ignored() -> None:
    text = "Octavia ሀ Combi\u200b 🚗 ሀ\t\n\x07 é"
    assert glyphs.coverage(text).missing == ("ሀ", "🚗")
    assert glyphs.coverage(text).warning().count("U+") == 2
    assert glyphs.coverage("Octavia").warning() is None


def test_japanese_chinese_and_korean_vehicle_text_is_drawn_in_the_embedded_fallback(
    make_bundle, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    report = render_bundle(_bundle(make_bundle, f"Octavia Combi — {CJK}", description="右前ドアの傷 문 긁힘"))
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        output = report.write(tmp_path / "cjk.pdf")
    # WeasyPrint's own word on glyphs it had to draw as boxes (spaces between CJK words included).
    assert not [r.message for r in caplog.records if ".notdef" in r.getMessage()]
    assert any(name.startswith("Noto-Sans-CJK-Subset") for name in _pdf_fonts(report.pdf))
    text = _pdf_text(output)
    for word in ("日本語の車", "中国汽车", "臺灣汽車", "한국", "右前ドアの傷", "긁힘"):
        assert word in text
    assert not any("fonts cannot draw" in warning for warning in report.warnings)


def test_a_latin_report_neither_embeds_nor_inlines_the_fallback(make_bundle) -> None:
    report = render_bundle(_bundle(make_bundle, "Octavia Combi — Škoda"))
    assert not any("CJK" in name for name in _pdf_fonts(report.pdf))
    assert "NotoSansCJK" not in report.html
    cjk = render_bundle(_bundle(make_bundle, "Octavia Combi — 日本"))
    assert len(cjk.html) > len(report.html) + (fonts_dir() / glyphs.FALLBACK_FONT).stat().st_size


def test_characters_no_font_covers_are_warned_once_on_stderr_and_in_the_summary(make_bundle, tmp_path) -> None:
    bundle = _bundle(make_bundle, f"Model {UNCOVERED}", description=f"Scratch {UNCOVERED} ሀ")
    output = tmp_path / "out.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "render", str(bundle), "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "fonts cannot draw" in line]
    assert len(lines) == 1, result.stderr
    assert "'ሀ' (U+1200)" in lines[0] and "(U+1F697)" in lines[0]
    # Technical detail for the operator, not the customer.
    assert "fonts cannot draw" not in _pdf_text(output)
    report = render_bundle(bundle)
    assert [w for w in report.summary["warnings"] if "fonts cannot draw" in w] == [lines[0].split("warning: ", 1)[1]]
    json.dumps(report.summary)


_FORKED_RENDERS = """
import io, os, sys
from pypdf import PdfReader
from reportgen import RenderOptions, render_bundle
render_bundle(sys.argv[1], RenderOptions(jobs=1)).pdf  # this process's fonts: Latin only
for _ in range(2):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        pdf = render_bundle(sys.argv[2], RenderOptions(jobs=1)).pdf
        fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for p in PdfReader(io.BytesIO(pdf)).pages
                 for f in p["/Resources"]["/Font"].values()}
        os.write(write, " ".join(sorted(fonts)).encode())
        os._exit(0)
    os.close(write)
    print(os.read(read, 10000).decode())
    os.waitpid(pid, 0)
"""


def test_processes_forked_one_after_another_each_draw_cjk_in_the_fallback(make_bundle, tmp_path: Path) -> None:
    # A service job and a layout chunk are processes forked from a warm one; the first to meet the
    # fallback font writes its file where the second would find it, but only the first's
    # Fontconfig knew it: the second drew boxes.
    latin = _bundle(make_bundle, "Octavia Combi")
    cjk = _bundle(make_bundle, f"Octavia Combi — {CJK}")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", _FORKED_RENDERS, str(latin), str(cjk)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    first, second = result.stdout.splitlines()
    assert "Noto-Sans-CJK-Subset" in first.split()
    assert "Noto-Sans-CJK-Subset" in second.split()
    # The font files the children wrote (they end with os._exit) went when the parent ended.
    assert not list(temporary.iterdir())
