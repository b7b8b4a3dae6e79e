"""Where the theme, fonts and samples live: inside the package from a wheel, else in the repository."""

from __future__ import annotations

from pathlib import Path

__all__ = ["builtin_theme_dir", "fonts_dir", "sample_brand", "sample_bundle", "sample_rates"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE_DIR / name
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / name


def builtin_theme_dir() -> Path:
    """The built-in theme (report template, partials, stylesheet, email)."""
    return _data_dir("templates")


def fonts_dir() -> Path:
    """The shipped fonts (Inter and the CJK fallback subset)."""
    return _data_dir("fonts")


def sample_bundle() -> Path:
    """The bundled sample session that `reportgen demo` renders."""
    return _data_dir("samples") / "sample-session"


def sample_brand() -> Path:
    """The sample brand file (Northwind Motors)."""
    return _data_dir("samples") / "brand" / "northwind.toml"


def sample_rates() -> Path:
    """The sample rate card."""
    return _data_dir("samples") / "rates.toml"
