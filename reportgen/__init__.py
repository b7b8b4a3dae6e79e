"""reportgen: PAVE vehicle inspections as branded PDF condition reports."""

from .brand import Brand, load_brand
from .errors import (
    ConfigError,
    ImageError,
    InvalidBundleError,
    InvalidDataError,
    RenderError,
    ReportgenError,
)
from .report import Report, render_bundle

__all__ = [
    "Brand",
    "ConfigError",
    "ImageError",
    "InvalidBundleError",
    "InvalidDataError",
    "RenderError",
    "Report",
    "ReportgenError",
    "load_brand",
    "render_bundle",
]
