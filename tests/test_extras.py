"""Beyond PAVE's own report: estimate, close-ups, damage map, QR, PDF/A and byte-identical output."""

from __future__ import annotations

from pathlib import Path

from reportgen import render_bundle

from .support.builders import SAMPLE_BUNDLE

RATES = Path(__file__).resolve().parent.parent / "samples" / "rates.toml"


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
