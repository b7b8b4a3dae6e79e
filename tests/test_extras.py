"""Beyond PAVE's own report: estimate, close-ups, damage map, QR, PDF/A and byte-identical output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pikepdf

from reportgen import render_bundle

from .support.builders import SAMPLE_BRAND, SAMPLE_BUNDLE

RATES = Path(__file__).resolve().parent.parent / "samples" / "rates.toml"


def test_pdfa_embeds_pave_data_and_the_summary() -> None:
    report = render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND, pdfa=True)
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
        assert set(files) == {"hotspots.json", "photos.json", "session.json", "summary.json"}
        assert files["hotspots.json"] == (SAMPLE_BUNDLE / "hotspots.json").read_bytes()
        assert json.loads(files["summary.json"])["damage_count"] == 27
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
                str(RATES),
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


def test_html_format_has_the_same_sections_as_the_pdf() -> None:
    report = render_bundle(SAMPLE_BUNDLE, rates=RATES)
    html = report.html
    for heading in (
        "Summary",
        "Damage photos",
        "Damages by component",
        "Damage details",
        "Repair estimate",
        "Photo capture checklist",
    ):
        assert f">{heading}<" in html
    assert html.count("data:image/jpeg;base64,") >= 4 + 27
