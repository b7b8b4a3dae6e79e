"""reportgen: PAVE vehicle inspections as branded PDF condition reports."""

from .brand import Brand, load_brand
from .errors import (
    APIError,
    AuthenticationError,
    ConfigError,
    ImageError,
    InvalidBundleError,
    InvalidDataError,
    InvalidSessionKeyError,
    NotInspectedError,
    RenderError,
    ReportgenError,
    SessionNotFoundError,
)
from .report import Report, agenerate_report, generate_report, render_bundle

__all__ = [
    "APIError",
    "AuthenticationError",
    "Brand",
    "ConfigError",
    "ImageError",
    "InvalidBundleError",
    "InvalidDataError",
    "InvalidSessionKeyError",
    "NotInspectedError",
    "RenderError",
    "Report",
    "ReportgenError",
    "SessionNotFoundError",
    "agenerate_report",
    "generate_report",
    "load_brand",
    "render_bundle",
]
