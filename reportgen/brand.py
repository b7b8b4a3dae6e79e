"""Brand files (TOML): the company name, logo, colours, footer and paper size a report carries."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import read_toml
from .i18n import DEFAULT_LANGUAGE, check_language
from .signing import PASSWORD_ENV, SigningKey, load_signing_key

__all__ = ["MAX_LOGO_BYTES", "PAPER_SIZES", "Brand", "check_logo", "check_paper", "load_brand"]

PAPER_SIZES = ("a4", "letter")
MAX_LOGO_BYTES = 5 * 1024 * 1024
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_TEXT_FIELDS = {"name": 120, "title": 120, "footer": 240, "contact": 240}
_KNOWN_KEYS = set(_TEXT_FIELDS) | {"logo", "primary_color", "accent_color", "paper", "signing_key", "timestamp_url"}
_KNOWN_KEYS |= {"pdfua", "lang"}


@dataclass(frozen=True)
class Brand:
    """How a report is branded. The default is deliberately neutral."""

    name: str = ""
    title: str = "Vehicle condition report"
    logo: Path | None = None
    primary_color: str = "#1f3b57"
    accent_color: str = "#2b7bb9"
    footer: str = "Condition report generated from a PAVE inspection"
    contact: str = ""
    paper: str = "a4"
    #: The key every report of this brand is signed with (PDF/A + PAdES), read once; never shown.
    signing: SigningKey | None = field(default=None, repr=False)
    #: A tagged, accessible PDF/UA-1 unless the brand file says `pdfua = false` (--pdfua/--no-pdfua win).
    pdfua: bool = True
    #: The reports' language unless --lang (or a service request's lang) says otherwise.
    lang: str = DEFAULT_LANGUAGE

    @property
    def logo_type(self) -> str:
        """The logo's media type ("image/svg+xml" or "image/png"); "" without a logo."""
        if self.logo is None:
            return ""
        return "image/svg+xml" if self.logo.suffix.lower() == ".svg" else "image/png"


def load_brand(path: str | Path) -> Brand:
    """Read and check a brand file; the logo path is relative to the brand file."""
    file = Path(path)
    data = read_toml(file, "brand file")
    return _brand_from(data, file)


def _brand_from(data: dict[str, Any], file: Path) -> Brand:
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"brand file {file}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    values: dict[str, Any] = {}
    for key, limit in _TEXT_FIELDS.items():
        if key in data:
            value = data[key]
            if not isinstance(value, str) or len(value) > limit:
                raise ConfigError(f"brand file {file}: {key} must be text of at most {limit} characters")
            values[key] = value.strip()
    for key in ("primary_color", "accent_color"):
        if key in data:
            value = data[key]
            if not isinstance(value, str) or not _COLOUR.fullmatch(value.strip()):
                raise ConfigError(f"brand file {file}: {key} must be a hex colour such as #1f3b57")
            values[key] = _long_hex(value.strip())
    if "paper" in data:
        values["paper"] = check_paper(data["paper"], f"brand file {file}: paper")
    if "lang" in data:
        values["lang"] = check_language(data["lang"], f"brand file {file}: lang")
    if "pdfua" in data:
        if not isinstance(data["pdfua"], bool):
            raise ConfigError(f"brand file {file}: pdfua must be true or false")
        values["pdfua"] = data["pdfua"]
    if "logo" in data:
        if not isinstance(data["logo"], str) or not data["logo"].strip():
            raise ConfigError(f"brand file {file}: logo must be a file path")
        values["logo"] = check_logo((file.parent / data["logo"].strip()).resolve())
    if "timestamp_url" in data and "signing_key" not in data:
        raise ConfigError(f"brand file {file}: timestamp_url needs a signing_key")
    if "signing_key" in data:
        values["signing"] = _signing_key(data, file)
    return Brand(**values)


def _signing_key(data: dict[str, Any], file: Path) -> SigningKey:
    """The brand's PKCS#12 key (relative to the brand file), its password from the environment only."""
    key, url = data["signing_key"], data.get("timestamp_url")
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(f"brand file {file}: signing_key must be a file path")
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"brand file {file}: timestamp_url must be an http(s) address")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        raise ConfigError(f"brand file {file}: signing_key needs its password in {PASSWORD_ENV}")
    return load_signing_key((file.parent / key.strip()).resolve(), password, timestamp_url=url)


def check_paper(value: Any, context: str = "paper") -> str:
    """A paper size in lower case; anything but a4 or letter is a ConfigError naming `context`."""
    if not isinstance(value, str) or value.strip().lower() not in PAPER_SIZES:
        raise ConfigError(f"{context} must be one of: {', '.join(PAPER_SIZES)}")
    return value.strip().lower()


def check_logo(path: Path) -> Path:
    """A logo must be a PNG or an SVG file of sane size."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise ConfigError(f"logo {path}: cannot be read ({error.strerror})") from None
    if size > MAX_LOGO_BYTES:
        raise ConfigError(f"logo {path}: larger than {MAX_LOGO_BYTES // 2**20} MiB")
    is_svg_name = path.suffix.lower() == ".svg"
    if is_svg_name and b"<svg" in head.lower() or not is_svg_name and head.startswith(b"\x89PNG\r\n\x1a\n"):
        return path
    raise ConfigError(f"logo {path}: must be a PNG file or an SVG file with a .svg name")


def _long_hex(colour: str) -> str:
    value = colour.lstrip("#").lower()
    if len(value) == 3:
        value = "".join(char * 2 for char in value)
    return "#" + value
