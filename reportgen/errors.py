"""The exceptions reportgen raises on purpose, all under one root.

    ReportgenError
     ├── InvalidDataError     a PAVE response body has a shape reportgen cannot read
     ├── InvalidBundleError   a bundle directory or one of its files cannot be used
     ├── ConfigError          a brand file, template folder or option cannot be used
     ├── ImageError           a photo could not be used and the caller asked for strictness
     └── RenderError          the templates or WeasyPrint failed to produce the report
"""

from __future__ import annotations


class ReportgenError(Exception):
    """Root of every error reportgen raises; carries the session key when known."""

    def __init__(self, message: str, *, session_key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.session_key = session_key

    def __str__(self) -> str:
        return self.message


class InvalidDataError(ReportgenError):
    """A PAVE response body has a shape reportgen cannot read, even leniently."""


class InvalidBundleError(ReportgenError):
    """A session bundle is missing a required file or holds data of the wrong shape."""


class ConfigError(ReportgenError):
    """A brand file, a template folder or another option cannot be used."""


class ImageError(ReportgenError):
    """A photo could not be read or processed (raised only in strict mode)."""


class RenderError(ReportgenError):
    """The templates or WeasyPrint failed while producing the report."""
