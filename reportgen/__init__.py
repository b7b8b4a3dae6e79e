"""reportgen: PAVE vehicle inspections as branded PDF condition reports."""

from __future__ import annotations

from .batch import BatchErrorKind, BatchResult, BatchStatus, read_keys, run_batch
from .brand import Brand, load_brand
from .compare import ComparisonReport, acompare_sessions, compare_bundles, compare_sessions
from .errors import (
    APIError,
    AuthenticationError,
    ConfigError,
    DeliveryError,
    DifferentVehiclesError,
    ImageError,
    InvalidBundleError,
    InvalidDataError,
    InvalidSessionKeyError,
    NotInspectedError,
    RenderError,
    ReportgenError,
    SameSessionError,
    SessionNotFoundError,
)
from .estimate import RateCard, load_rate_card
from .options import RenderOptions
from .report import Report, agenerate_report, generate_report, render_bundle, warm_up
from .timelimit import TimeLimitExceeded, time_limit

__all__ = [
    "APIError",
    "AuthenticationError",
    "BatchErrorKind",
    "BatchResult",
    "BatchStatus",
    "Brand",
    "ComparisonReport",
    "ConfigError",
    "DeliveryError",
    "DifferentVehiclesError",
    "ImageError",
    "InvalidBundleError",
    "InvalidDataError",
    "InvalidSessionKeyError",
    "NotInspectedError",
    "RateCard",
    "RenderError",
    "RenderOptions",
    "Report",
    "ReportgenError",
    "SameSessionError",
    "SessionNotFoundError",
    "TimeLimitExceeded",
    "acompare_sessions",
    "agenerate_report",
    "compare_bundles",
    "compare_sessions",
    "generate_report",
    "load_brand",
    "load_rate_card",
    "read_keys",
    "render_bundle",
    "run_batch",
    "time_limit",
    "warm_up",
]
