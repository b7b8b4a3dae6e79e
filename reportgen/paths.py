"""Where the theme, fonts and samples live: inside the package from a wheel, else in the repository."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE_DIR / name
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / name


def builtin_theme_dir() -> Path:
    return _data_dir("templates")


def fonts_dir() -> Path:
    return _data_dir("fonts")


def sample_bundle() -> Path:
    return _data_dir("samples") / "sample-session"


def sample_brand() -> Path:
    return _data_dir("samples") / "brand" / "northwind.toml"


def sample_rates() -> Path:
    return _data_dir("samples") / "rates.toml"
