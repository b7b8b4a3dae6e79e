"""reportgen: PAVE vehicle inspections as branded PDF condition reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    """The public names, each imported from its module on first use (issue 16).

    `import reportgen.cli` runs this package first; importing every module here made each
    command pay for the comparison, the batch pool, pydantic's models and the rest before it
    had parsed its arguments. A name is imported where it is first asked for, then kept.
    """
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'reportgen' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


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

#: Where each public name lives.
_HOME = {
    "APIError": ".errors",
    "AuthenticationError": ".errors",
    "BatchErrorKind": ".batch",
    "BatchResult": ".batch",
    "BatchStatus": ".batch",
    "Brand": ".brand",
    "ComparisonReport": ".compare",
    "ConfigError": ".errors",
    "DeliveryError": ".errors",
    "DifferentVehiclesError": ".errors",
    "ImageError": ".errors",
    "InvalidBundleError": ".errors",
    "InvalidDataError": ".errors",
    "InvalidSessionKeyError": ".errors",
    "NotInspectedError": ".errors",
    "RateCard": ".estimate",
    "RenderError": ".errors",
    "RenderOptions": ".options",
    "Report": ".report",
    "ReportgenError": ".errors",
    "SameSessionError": ".errors",
    "SessionNotFoundError": ".errors",
    "TimeLimitExceeded": ".timelimit",
    "acompare_sessions": ".compare",
    "agenerate_report": ".report",
    "compare_bundles": ".compare",
    "compare_sessions": ".compare",
    "generate_report": ".report",
    "load_brand": ".brand",
    "load_rate_card": ".estimate",
    "read_keys": ".batch",
    "render_bundle": ".report",
    "run_batch": ".batch",
    "time_limit": ".timelimit",
    "warm_up": ".report",
}
