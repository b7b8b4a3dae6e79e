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

from .support.builders import SAMPLE_BRAND, SAMPLE_BUNDLE, damage, hotspots, photo

RATES = Path(__file__).resolve().parent.parent / "samples" / "rates.toml"


def test_damage_map_shades_regions_by_worst_severity() -> None:
    report = render_bundle(SAMPLE_BUNDLE)
    regions = report.view.damage_map.regions
    assert regions["bumper-front"].colour == "#d62828"  # it has a major scrape
    assert regions["hood"].colour == "#f5b700"  # only minor dents
    assert regions["door-rear-left"].numbers == "2, 3"
    assert report.view.damage_map.unmapped == ()
    html = report.html
    assert 'id="bumper-front"' in html and 'fill="#d62828"' in html


def test_crowded_parts_show_a_few_numbers_and_how_many_more(make_bundle) -> None:
    body = hotspots(photo(5, "Front", "u", *[damage("HOOD_FRONT_UNIQUE", x=i) for i in range(30)]))
    assert render_bundle(make_bundle(body)).view.damage_map.regions["hood"].numbers == "1, 2, 3, 4, 5, 6, 7, 8, +22"


def test_unknown_components_are_listed_under_the_map(make_bundle) -> None:
    body = hotspots(photo(5, "Front", "u", damage("SPOILER_REAR_UNIQUE", "CRACK_MAJOR")))
    report = render_bundle(make_bundle(body))
    assert [(u.name, u.numbers) for u in report.view.damage_map.unmapped] == [("Rear spoiler", "1")]
    assert "Rear spoiler" in report.html


def test_qr_code_links_to_the_inspection_page_only_when_safe(make_bundle) -> None:
    report = render_bundle(make_bundle(hotspots()))
    assert report.view.qr_code is not None and report.view.qr_code.media_type == "image/svg+xml"
    body = hotspots()
    body["session"]["landing_page"] = "javascript:alert(1)"
    assert render_bundle(make_bundle(body)).view.qr_code is None


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
