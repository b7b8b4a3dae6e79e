"""The exceptions reportgen raises on purpose, all under one root.

ReportgenError
 ├── InvalidDataError         a PAVE response body has a shape reportgen cannot read
 ├── InvalidBundleError       a bundle directory or one of its files cannot be used
 ├── ConfigError              a brand file, template folder, credential or option cannot be used
 │    ├── InvalidSessionKeyError   a session key that is not letters, digits and hyphens
 │    └── SameSessionError         a comparison given the same session as before and after
 ├── DifferentVehiclesError   two inspections to compare are of vehicles with different VINs
 ├── ImageError               a photo could not be used and the caller asked for strictness
 ├── RenderError              the templates or WeasyPrint failed to produce the report
 ├── DeliveryError            an email could not be sent
 └── APIError                 PAVE's API failed or could not be reached
      ├── AuthenticationError     PAVE refused the API key, secret or username (401/403)
      ├── SessionNotFoundError    PAVE does not know the session (404)
      └── NotInspectedError       the session exists but is not inspected yet (400)

Outside the tree on purpose: timelimit.TimeLimitExceeded, raised by timelimit.time_limit, is a
BaseException like KeyboardInterrupt, so that no `except Exception` on the way can swallow it.
"""

from __future__ import annotations

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigError",
    "DeliveryError",
    "DifferentVehiclesError",
    "ImageError",
    "InvalidBundleError",
    "InvalidDataError",
    "InvalidSessionKeyError",
    "NotInspectedError",
    "RenderError",
    "ReportgenError",
    "SameSessionError",
    "SessionNotFoundError",
]


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
    """A brand file, a template folder, a credential or another option cannot be used."""


class InvalidSessionKeyError(ConfigError):
    """A session key that could not be sent to PAVE or used in a file name safely."""


class SameSessionError(ConfigError):
    """A comparison was asked of one session with itself: a usage mistake, not a comparison."""


class DifferentVehiclesError(ReportgenError):
    """The two inspections of a comparison are of different vehicles (both VINs known, not equal)."""

    def __init__(self, before_vin: str, after_vin: str, *, session_key: str | None = None) -> None:
        super().__init__(
            f"the inspections are of different vehicles: before VIN {before_vin}, after VIN {after_vin}",
            session_key=session_key,
        )
        self.before_vin = before_vin
        self.after_vin = after_vin


class ImageError(ReportgenError):
    """A photo could not be read or processed (raised only in strict mode)."""


class RenderError(ReportgenError):
    """The templates or WeasyPrint failed while producing the report."""


class DeliveryError(ReportgenError):
    """An email could not be delivered (connection, TLS, login or recipients refused)."""


class APIError(ReportgenError):
    """PAVE's API answered with an error, an unreadable body, or not at all."""


class AuthenticationError(APIError):
    """PAVE refused the credentials (HTTP 401 or 403)."""


class SessionNotFoundError(APIError):
    """PAVE does not know the session (HTTP 404)."""


class NotInspectedError(APIError):
    """The session exists but PAVE has not finished inspecting it (HTTP 400); try again later."""
