"""The Jinja theme: escaping, strictness, the user template folder and the golden HTML of the sample."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reportgen import render_bundle
from reportgen.brand import Brand
from reportgen.errors import ConfigError, RenderError
from reportgen.paths import builtin_theme_dir, fonts_dir
from reportgen.render import render_html

from .support.builders import REPO, SAMPLE_BRAND, SAMPLE_BUNDLE, damage, hotspots, jpeg_bytes, photo
from .support.golden import assert_matches_golden

GOLDEN = Path(__file__).parent / "golden" / "sample-report.html"
THEME_EXAMPLE = REPO / "samples" / "theme-example"
SAMPLE_RATES = REPO / "samples" / "rates.toml"
FIXED_TIME = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
HOSTILE = [
    "<script>alert('x')</script>",
    "</style><h1>injected</h1>",
    "{{ 7*7 }}{% raw %}",
    '<img src="file:///etc/passwd">',
    "url(http://evil.example/x.png)",
]


def hostile_bundle(make_bundle):
    body = hotspots(
        photo(
            5,
            HOSTILE[0],
            "https://cdn.example/f.jpg",
            *[
                damage(component=text, name=text, description=text, tolerance=text, repair_method=text)
                for text in HOSTILE
            ],
        )
    )
    body["vehicle"].update(make=HOSTILE[1], model=HOSTILE[2], vin=HOSTILE[3])
    body["session"]["landing_page"] = "javascript:alert(1)"
    return make_bundle(body, images={"f.jpg": jpeg_bytes()})


def test_untrusted_strings_are_rendered_as_literal_text(make_bundle) -> None:
    report = render_bundle(hostile_bundle(make_bundle))
    html = render_html(report.view, report.theme, standalone=False)
    assert "<script>" not in html and "<h1>injected" not in html and 'src="file:///etc/passwd"' not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}{% raw %}" in html and ">49<" not in html
    assert 'href="javascript:' not in html
    # No untrusted text ends up inside any stylesheet.
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 2 and all("evil.example" not in s and "injected" not in s for s in styles)


def test_undefined_template_names_are_errors(tmp_path: Path, make_bundle) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "about.html.j2").write_text("{{ report.no_such_field }}")
    report = render_bundle(make_bundle(hotspots()), templates=tmp_path)
    with pytest.raises(RenderError, match="no_such_field"):
        render_html(report.view, report.theme, standalone=False)


def test_user_templates_override_single_files_of_the_theme(tmp_path: Path, make_bundle) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "about.html.j2").write_text("<p class='custom'>Our own words, {{ report.brand.name }}</p>")
    report = render_bundle(make_bundle(hotspots()), templates=tmp_path, brand=Brand(name="Acme Cars"))
    html = render_html(report.view, report.theme, standalone=False)
    assert "Our own words, Acme Cars" in html
    assert "Damages by component" not in html  # no damages in this bundle
    assert "Summary" in html  # the rest still comes from the built-in theme


def test_the_example_theme_overrides_one_partial_and_one_style_and_the_rest_is_built_in(make_bundle) -> None:
    bundle = make_bundle(
        hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage())), images={"f.jpg": jpeg_bytes()}
    )
    report = render_bundle(bundle, templates=THEME_EXAMPLE, brand=Brand(name="Acme Cars", contact="help@acme.example"))
    html = render_html(report.view, report.theme, standalone=False)
    # The built-in stylesheet whole and unchanged, then the theme's extra.css after it, so its rules win.
    generated, builtin, extra = re.findall(r"<style>\n(.*?)\n</style>", html, re.S)
    assert builtin == (builtin_theme_dir() / "report.css").read_text(encoding="utf-8")
    assert extra == (THEME_EXAMPLE / "extra.css").read_text(encoding="utf-8")
    assert "--brand: #1f3b57;" in generated
    # The theme's about partial in place of the built-in one; every other partial is the built-in one.
    assert "prepared by our service team" in html and "Positions are approximate" not in html
    assert '<p class="signature">Questions about this report: help@acme.example</p>' in html
    assert "Damages by component" in html and "Photo capture checklist" in html and 'class="masthead"' in html
    # Both took effect in the laid-out PDF: extra.css's capitals, the partial's words.
    text = subprocess.run(["pdftotext", "-", "-"], input=report.pdf, capture_output=True, check=True).stdout.decode()
    assert "DAMAGES BY COMPONENT" in text and "PHOTO CAPTURE CHECKLIST" in text
    assert "Damages by component" not in text
    assert "Questions about this report: help@acme.example" in text


def test_the_built_in_stylesheet_is_plain_css_and_a_theme_without_extra_css_adds_none(make_bundle) -> None:
    css = (builtin_theme_dir() / "report.css").read_text(encoding="utf-8")
    assert "{{" not in css and "{%" not in css and "{#" not in css
    # Shared table rules are written once.
    assert css.count("text-transform: uppercase;") == 1
    report = render_bundle(make_bundle(hotspots()))
    assert render_html(report.view, report.theme, standalone=False).count("<style>") == 2


def test_a_stylesheet_that_would_end_the_style_element_is_refused(tmp_path: Path, make_bundle) -> None:
    (tmp_path / "extra.css").write_text("p { color: red; } </style><script>x</script>")
    report = render_bundle(make_bundle(hotspots()), templates=tmp_path)
    with pytest.raises(RenderError, match="extra.css: holds </style>"):
        render_html(report.view, report.theme, standalone=False)


def test_a_brand_colour_given_through_the_api_cannot_reach_past_its_declaration(make_bundle) -> None:
    report = render_bundle(make_bundle(hotspots()), brand=Brand(primary_color="red; } body { display: none"))
    with pytest.raises(RenderError, match="not a CSS colour"):
        render_html(report.view, report.theme, standalone=False)
    report = render_bundle(make_bundle(hotspots()), brand=Brand(primary_color="rgb(10, 20, 30)", accent_color="teal"))
    assert "--brand: rgb(10, 20, 30);\n  --accent: teal;" in render_html(report.view, report.theme, standalone=False)


def test_a_missing_templates_folder_is_a_config_error(make_bundle) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        render_bundle(make_bundle(hotspots()), templates="/nonexistent/theme")


def test_standalone_html_inlines_every_image_and_font(make_bundle) -> None:
    bundle = make_bundle(
        hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage())), images={"f.jpg": jpeg_bytes()}
    )
    html = render_bundle(bundle, brand=SAMPLE_BRAND).html
    assert "file:" not in html and "reportgen-asset:" not in html
    assert html.count("data:image/jpeg;base64,") == 2  # the photo and the damage's close-up
    assert "data:image/svg+xml;base64," in html
    assert len(re.findall(r"url\(\"data:font/", html)) == 5


def scrub(html: str) -> str:
    html = html.replace(fonts_dir().as_uri(), "FONTS").replace(REPO.as_uri(), "REPO")
    return re.sub(r"reportgen-asset:[0-9a-f]+\.(jpg|svg)", r"reportgen-asset:IMAGE.\1", html)


def test_sample_html_matches_the_golden_file() -> None:
    """Regenerate with REPORTGEN_UPDATE_GOLDEN=1 after an intended change, and review the diff."""
    report = render_bundle(SAMPLE_BUNDLE, brand=SAMPLE_BRAND, generated_at=FIXED_TIME)
    html = scrub(render_html(report.view, report.theme, standalone=False))
    assert_matches_golden(html, GOLDEN)
    # Targeted checks, so a regenerated golden file cannot silently lose the essentials.
    assert len(re.findall(r'<div class="photo[ "]', html)) == 4
    assert html.count('<tr>\n          <td><span class="marker') == 27
    assert "Generated 1 Jun 2024, 12:00 UTC" in html and "WBAPG73589A641024" in html
    assert "Photo unavailable" not in html


def test_damage_codes_may_wrap_only_after_underscores_and_stay_escaped(make_bundle) -> None:
    code = "MULTIPLE_SCRATCHES_<b>BOLD</b>"
    bundle = make_bundle(
        hotspots(photo(5, "Left", "https://cdn.example/left.jpg", damage(name=code))), images={"left.jpg": jpeg_bytes()}
    )
    report = render_bundle(bundle)
    html = render_html(report.view, report.theme, standalone=False)
    assert '<span class="code">MULTIPLE_\u200bSCRATCHES_\u200b&lt;b&gt;BOLD&lt;/b&gt;</span>' in html
    assert "<b>BOLD" not in html


def test_a_long_damage_code_wraps_in_the_pdf_after_underscores_only(make_bundle) -> None:
    words = ["PAINT", "SCRATCHES", "THROUGH", "CLEARCOAT", "NEAR", "HANDLE", "LOWER", "EDGE"] * 2
    code = "_".join(words)
    bundle = make_bundle(
        hotspots(photo(5, "Left", "https://cdn.example/left.jpg", damage(name=code))), images={"left.jpg": jpeg_bytes()}
    )
    text = (
        subprocess.run(["pdftotext", "-", "-"], input=render_bundle(bundle).pdf, capture_output=True, check=True)
        .stdout.decode("utf-8")
        .replace("\u200b", "")
    )
    # The damage table's column is far narrower than the code: it takes several lines, each
    # a run of whole words, and every line but the last ends at an underscore.
    pieces = [line.strip() for line in text.splitlines() if line.strip() and line.strip() in code]
    table = next(i for i in range(len(pieces)) if "".join(pieces[i:]).startswith(code))
    lines = []
    while "".join(lines) != code:
        lines.append(pieces[table + len(lines)])
    assert len(lines) >= 3
    assert all(line.endswith("_") for line in lines[:-1]) and lines[-1].endswith("_EDGE")


def test_a_captured_photo_missing_from_the_bundle_is_marked_unavailable_in_the_checklist(tmp_path: Path) -> None:
    import shutil

    bundle = tmp_path / "sample"
    shutil.copytree(SAMPLE_BUNDLE, bundle)
    (bundle / "images" / "UDB-512D3TASIY_01_V1N.jpg").unlink()  # the VIN photo: checklist only
    report = render_bundle(bundle)
    html = render_html(report.view, report.theme, standalone=False)
    rows = re.findall(r"<tr>.*?</tr>", html.split('<table class="checklist">')[1], re.S)
    vin = next(row for row in rows if "<strong>VIN</strong>" in row)
    assert '<div class="no-thumb">unavailable</div>' in vin
    assert sum("no-thumb" in row for row in rows) == 1


def _sample_copy(tmp_path: Path) -> Path:
    import shutil

    bundle = tmp_path / "sample"
    shutil.copytree(SAMPLE_BUNDLE, bundle)
    return bundle


def test_a_truncated_checklist_photo_warns_and_fails_under_strict(tmp_path: Path) -> None:
    import sys

    from reportgen.errors import ImageError

    bundle = _sample_copy(tmp_path)
    vin = bundle / "images" / "UDB-512D3TASIY_01_V1N.jpg"  # the VIN photo: in the checklist only
    vin.write_bytes(vin.read_bytes()[:3000])
    report = render_bundle(bundle)
    expected = (
        "checklist photo 'VIN' unavailable: UDB-512D3TASIY_01_V1N.jpg: "
        "truncated image data (the file ends before the image does)"
    )
    assert report.warnings == [expected] and report.summary["warnings"] == [expected]
    with pytest.raises(ImageError, match="checklist photo 'VIN' unavailable"):
        render_bundle(bundle, strict=True)

    command = [sys.executable, "-m", "reportgen.cli", "render", str(bundle), "--format", "html"]
    lenient = subprocess.run([*command, "-o", str(tmp_path / "a.html")], capture_output=True, text=True, timeout=120)
    assert lenient.returncode == 0 and lenient.stderr == f"reportgen: warning: {expected}\n"
    strict = subprocess.run(
        [*command, "-o", str(tmp_path / "b.html"), "--strict"], capture_output=True, text=True, timeout=120
    )
    assert strict.returncode == 1 and "checklist photo 'VIN' unavailable" in strict.stderr
    assert not (tmp_path / "b.html").exists()


def test_a_syntax_error_in_a_partial_names_that_file_and_line(tmp_path: Path, make_bundle) -> None:
    partials = tmp_path / "theme" / "partials"
    partials.mkdir(parents=True)
    # Line 3 has a stray parenthesis.
    (partials / "about.html.j2").write_text("<div>\n<p>fine</p>\n<p>{{ report.brand.name ) }}</p>\n</div>\n")
    report = render_bundle(make_bundle(hotspots()), templates=tmp_path / "theme")
    with pytest.raises(RenderError) as caught:
        render_html(report.view, report.theme, standalone=False)
    message = str(caught.value)
    assert message.startswith(f"template {(partials / 'about.html.j2').resolve()}, line 3: "), message
    assert "report.html.j2" not in message


def test_an_undefined_name_in_a_partial_names_that_file_and_line(tmp_path: Path, make_bundle) -> None:
    partials = tmp_path / "theme" / "partials"
    partials.mkdir(parents=True)
    (partials / "about.html.j2").write_text(
        "<div class='about'>\n<p>{{ report.brand.name }}</p>\n<p>{{ report.no_such_field }}</p>\n</div>\n"
    )
    report = render_bundle(make_bundle(hotspots()), templates=tmp_path / "theme")
    with pytest.raises(RenderError) as caught:
        render_html(report.view, report.theme, standalone=True)
    message = str(caught.value)
    assert message.startswith(f"template {(partials / 'about.html.j2').resolve()}, line 3: "), message
    assert "no_such_field" in message and "report.html.j2" not in message


def test_a_partial_that_includes_a_missing_template_is_named(tmp_path: Path, make_bundle) -> None:
    partials = tmp_path / "partials"
    partials.mkdir()
    (partials / "about.html.j2").write_text('<p>ours</p>\n{% include "partials/nowhere.html.j2" %}\n')
    report = render_bundle(make_bundle(hotspots()), templates=tmp_path)
    with pytest.raises(RenderError, match=r"about\.html\.j2, line 2: includes partials/nowhere\.html\.j2"):
        render_html(report.view, report.theme, standalone=False)


@pytest.mark.parametrize(
    ("name", "contact", "signature"),
    [
        ("", "", None),
        ("", "hi@acme.example", "<p>hi@acme.example</p>"),
        ("Acme Cars", "", "<p>Acme Cars</p>"),
        ("Acme Cars", "hi@acme.example", "<p>Acme Cars · hi@acme.example</p>"),
    ],
)
def test_a_brand_without_a_name_or_contact_leaves_no_empty_box_or_stray_separator(
    make_bundle, name: str, contact: str, signature: str | None
) -> None:
    report = render_bundle(make_bundle(hotspots()), brand=Brand(name=name, contact=contact))
    html = render_html(report.view, report.theme, standalone=False)
    masthead = html[html.index('<table class="masthead">') : html.index('<table class="vehicle">')]
    about = html[html.index('<div class="about">') : html.index('<div class="record">')]
    assert "></div>" not in masthead and "<td>\n  </td>" not in masthead
    assert ('class="brand-name"' in masthead) == bool(name)
    assert ('<meta name="author"' in html) == bool(name)
    assert "<p></p>" not in about and "<p> · " not in about
    if signature:
        assert signature in about
    else:
        assert about.count("<p>") == 1


def test_without_vehicle_details_the_report_leads_with_the_inspection_not_with_what_is_missing(make_bundle) -> None:
    body = hotspots()
    body["vehicle"] = {"vin": "1HGCM82633A004352"}
    html = render_html(*(lambda r: (r.view, r.theme))(render_bundle(make_bundle(body))), standalone=False)
    assert "not given" not in html.lower()
    assert '<div class="name">Vehicle inspection of 2 January 2024</div>' in html
    assert 'data-vehicle="VIN 1HGCM82633A004352"' in html
    assert "<title>Vehicle condition report · Vehicle inspection of 2 January 2024 · TST-SESSION1</title>" in html


def test_html_format_has_the_same_sections_as_the_pdf() -> None:
    report = render_bundle(SAMPLE_BUNDLE, rates=SAMPLE_RATES)
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
