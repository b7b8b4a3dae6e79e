"""Brand files: checked strictly, since their values end up in the report's CSS and HTML."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from reportgen import brand as brand_module
from reportgen.brand import PAPER_SIZES, Brand, check_logo, check_paper, load_brand
from reportgen.errors import ConfigError

SAMPLE_BRAND = Path(__file__).resolve().parent.parent / "samples" / "brand" / "northwind.toml"
HEX6 = re.compile(r"#[0-9a-f]{6}")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>\n'


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string takes JSON's escapes
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_brand(folder: Path, text: str | None = None, *, file_name: str = "brand.toml", **values: Any) -> Path:
    """A brand file in folder, from raw TOML text or from key = value pairs."""
    file = folder / file_name
    file.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = "".join(f"{key} = {toml_value(value)}\n" for key, value in values.items())
    file.write_text(text, encoding="utf-8")
    return file


# --- defaults and the sample -----------------------------------------------------------------------


def test_default_brand_is_usable_and_neutral() -> None:
    default = Brand()
    # No dealer name, and nothing of the tool that made the report: the customer sees neither.
    assert default.name == "" and default.title == "Vehicle condition report" and default.footer.strip()
    assert not any("reportgen" in str(value).lower() for value in vars(default).values())
    assert default.logo is None and default.logo_type == ""
    assert default.paper in PAPER_SIZES
    assert HEX6.fullmatch(default.primary_color) and HEX6.fullmatch(default.accent_color)


def test_empty_brand_file_gives_the_default(tmp_path: Path) -> None:
    assert load_brand(write_brand(tmp_path, "# nothing set\n")) == Brand()


def test_sample_brand_loads_with_logo_relative_to_the_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the logo must not be looked up relative to the working directory
    loaded = load_brand(SAMPLE_BRAND)
    assert loaded.name == "Northwind Motors"
    assert loaded.logo == (SAMPLE_BRAND.parent / "northwind-logo.svg").resolve()
    assert loaded.logo.is_absolute() and loaded.logo.is_file()
    assert loaded.logo_type == "image/svg+xml"
    assert HEX6.fullmatch(loaded.primary_color) and HEX6.fullmatch(loaded.accent_color)
    assert loaded.paper in PAPER_SIZES


def test_relative_brand_path_resolves_logo_next_to_the_file(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "brands" / "acme"
    (folder / "assets").mkdir(parents=True)
    (folder / "assets" / "logo.png").write_bytes(png_bytes())
    write_brand(folder, logo="assets/logo.png")
    monkeypatch.chdir(tmp_path)
    loaded = load_brand(Path("brands/acme/brand.toml"))
    assert loaded.logo == (folder / "assets" / "logo.png").resolve()
    assert loaded.logo_type == "image/png"


def test_text_fields_are_kept_trimmed(tmp_path: Path) -> None:
    loaded = load_brand(
        write_brand(tmp_path, name="  Acme Cars  ", title="Inspection", footer="Acme · Oslo", contact="hi@acme.example")
    )
    assert (loaded.name, loaded.title, loaded.footer, loaded.contact) == (
        "Acme Cars",
        "Inspection",
        "Acme · Oslo",
        "hi@acme.example",
    )


# --- file-level errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['name = "unterminated\n', "name = \n", "[colours\n", 'name = "a"\nname = "b"\n'])
def test_invalid_toml(tmp_path: Path, text: str) -> None:
    file = write_brand(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(str(file))):
        load_brand(file)


def test_missing_brand_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.toml"):
        load_brand(tmp_path / "nope.toml")


def test_non_utf8_brand_file(tmp_path: Path) -> None:
    file = tmp_path / "brand.toml"
    file.write_bytes('name = "Citro\u00ebn"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="brand.toml"):
        load_brand(file)


@pytest.mark.parametrize(
    "text", ['colour = "#ffffff"\n', 'primary_colour = "#ffffff"\n', "[theme]\nx = 1\n", 'Name = "Acme"\n']
)
def test_unknown_key(tmp_path: Path, text: str) -> None:
    key = re.match(r"\[?(\w+)", text).group(1)
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_brand(write_brand(tmp_path, text))


# --- colours ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["primary_color", "accent_color"])
@pytest.mark.parametrize(
    "colour",
    ["red", "#12345", "#fff;}body{", "#ggg", "#1234567", "fff", "#", "", "rgb(1,2,3)", "#fff #000", "#fff\n}", 123],
)
def test_bad_colours_are_refused(tmp_path: Path, key: str, colour: Any) -> None:
    with pytest.raises(ConfigError, match=key):
        load_brand(write_brand(tmp_path, **{key: colour}))


@pytest.mark.parametrize(
    ("colour", "expected"), [("#abc", "#aabbcc"), ("#F0A", "#ff00aa"), ("#0E3A53", "#0e3a53"), (" #123456 ", "#123456")]
)
def test_good_colours_are_six_digit_lowercase_hex(tmp_path: Path, colour: str, expected: str) -> None:
    loaded = load_brand(write_brand(tmp_path, primary_color=colour, accent_color=colour))
    assert loaded.primary_color == expected and loaded.accent_color == expected


# --- paper -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("paper", "expected"), [("a4", "a4"), ("A4", "a4"), (" Letter ", "letter")])
def test_paper_sizes(tmp_path: Path, paper: str, expected: str) -> None:
    assert load_brand(write_brand(tmp_path, paper=paper)).paper == expected
    assert check_paper(paper) == expected


@pytest.mark.parametrize("paper", ["a5", "legal", "", "a4;", 4, True])
def test_bad_paper(tmp_path: Path, paper: Any) -> None:
    with pytest.raises(ConfigError, match="paper"):
        load_brand(write_brand(tmp_path, paper=paper))
    with pytest.raises(ConfigError):
        check_paper(paper)


# --- logo ------------------------------------------------------------------------------------------


def test_png_and_svg_logos_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(png_bytes())
    (tmp_path / "logo.svg").write_bytes(b'<?xml version="1.0"?>\n' + SVG)
    (tmp_path / "upper.SVG").write_bytes(SVG.upper())
    assert load_brand(write_brand(tmp_path, logo="logo.png")).logo_type == "image/png"
    assert load_brand(write_brand(tmp_path, logo="logo.svg")).logo_type == "image/svg+xml"
    assert load_brand(write_brand(tmp_path, logo="upper.SVG")).logo_type == "image/svg+xml"


def test_missing_logo(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing-logo.png"):
        load_brand(write_brand(tmp_path, logo="missing-logo.png"))


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("logo.jpg", jpeg_bytes()),
        ("logo.png", jpeg_bytes()),
        ("logo.png", b"not an image at all"),
        ("logo.png", b""),
        ("logo.gif", b"GIF89a\x01\x00\x01\x00"),
        ("logo.svg", png_bytes()),
        ("logo.svg", b"<html><body>not svg</body></html>"),
    ],
)
def test_logo_that_is_neither_png_nor_svg(tmp_path: Path, file_name: str, content: bytes) -> None:
    (tmp_path / file_name).write_bytes(content)
    with pytest.raises(ConfigError, match=re.escape(file_name)):
        load_brand(write_brand(tmp_path, logo=file_name))


@pytest.mark.parametrize("file_name", ["logo.png", "logo.xml", "logo", "logo.svg.txt"])
def test_svg_logo_needs_an_svg_name(tmp_path: Path, file_name: str) -> None:
    (tmp_path / file_name).write_bytes(SVG)
    with pytest.raises(ConfigError, match="logo"):
        load_brand(write_brand(tmp_path, logo=file_name))


@pytest.mark.parametrize("logo", ["", "   ", 5, True])
def test_logo_must_be_a_path(tmp_path: Path, logo: Any) -> None:
    with pytest.raises(ConfigError, match="logo"):
        load_brand(write_brand(tmp_path, logo=logo))


def test_logo_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="logo"):
        load_brand(write_brand(tmp_path, '[logo]\npath = "logo.png"\n'))


def test_logo_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").mkdir()
    with pytest.raises(ConfigError, match="logo"):
        load_brand(write_brand(tmp_path, logo="logo.svg"))


def test_oversize_logo(tmp_path: Path, monkeypatch) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes() + b"\x00" * 2000)
    monkeypatch.setattr(brand_module, "MAX_LOGO_BYTES", 1000)
    with pytest.raises(ConfigError, match="logo.png"):
        check_logo(logo)
    with pytest.raises(ConfigError, match="logo.png"):
        load_brand(write_brand(tmp_path, logo="logo.png"))


# --- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["name", "title", "footer", "contact"])
def test_oversize_text_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_brand(write_brand(tmp_path, **{key: "Northwind " * 1000}))


@pytest.mark.parametrize("key", ["name", "title", "footer", "contact"])
@pytest.mark.parametrize("value", [42, True, 1.5])
def test_text_must_be_text(tmp_path: Path, key: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=key):
        load_brand(write_brand(tmp_path, **{key: value}))


def test_text_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="footer"):
        load_brand(write_brand(tmp_path, 'footer = ["a", "b"]\n'))


def test_ordinary_lengths_are_accepted(tmp_path: Path) -> None:
    footer = "Northwind Motors · 1200 Harbor Boulevard, Oakland, CA 94607 · Open Mon–Sat 8–18"
    assert load_brand(write_brand(tmp_path, name="N" * 60, footer=footer)).footer == footer
