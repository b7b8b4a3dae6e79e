"""PAVE's HTTP API: the three endpoints, HMAC request signing, retries and status → error mapping."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from ._http import BodyTooLarge, DeadlinePassed, read_capped, user_agent
from .errors import (
    APIError,
    AuthenticationError,
    InvalidDataError,
    InvalidSessionKeyError,
    NotInspectedError,
    SessionNotFoundError,
)
from .models import is_valid_session_key, load_json
from .retry import RETRYABLE_STATUSES, GaveUp, RetryPolicy, TryAgain

__all__ = ["DEFAULT_BASE_URL", "MAX_BODY_BYTES", "Credentials", "PaveClient", "check_session_key"]

_LOG = logging.getLogger("reportgen")
DEFAULT_BASE_URL = "https://openapi.paveapi.com"
#: A PAVE JSON body is small; anything this large is not one.
MAX_BODY_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Credentials:
    """PAVE's three credentials. Only the API key is needed for damage results."""

    api_key: str
    api_secret: str | None = field(default=None, repr=False)
    username: str | None = None

    def __repr__(self) -> str:
        # Secrets must never reach logs or tracebacks through a repr.
        return f"Credentials(api_key='***', api_secret={'***' if self.api_secret else None}, username=***)"

    @property
    def can_sign(self) -> bool:
        """Whether the secret and the username are there to sign the requests that need it."""
        return bool(self.api_secret and self.username)

    def signed_headers(self, now: datetime | None = None) -> dict[str, str]:
        """API-Key, API-Timestamp and API-Token: hex HMAC-SHA256 of `username:api_key@timestamp`."""
        if not self.can_sign:
            raise ValueError("signing needs the API secret and the username")
        timestamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = f"{self.username}:{self.api_key}@{timestamp}".encode()
        token = hmac.new(str(self.api_secret).encode(), message, hashlib.sha256).hexdigest()
        return {"API-Key": self.api_key, "API-Timestamp": timestamp, "API-Token": token}


def check_session_key(key: str) -> str:
    """Refuse a key before it goes into a URL or a file name."""
    if not is_valid_session_key(key):
        raise InvalidSessionKeyError(
            f"invalid session key {key[:80]!r}: expected letters, digits and hyphens (at most 64)"
        )
    return key


class PaveClient:
    """A small client for the endpoints reportgen reads. Pass `transport` to swap the network."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not credentials.api_key:
            raise AuthenticationError("no PAVE API key given")
        self.credentials = credentials
        self.retry = retry or RetryPolicy()
        self._timeout = timeout or httpx.Timeout(30.0, connect=10.0)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=self._timeout,
            follow_redirects=False,  # a redirect could carry the credentials to another host
            headers={"User-Agent": user_agent(), "Accept": "application/json"},
        )

    def __enter__(self) -> PaveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections to PAVE."""
        self._http.close()

    def results(self, session_key: str) -> Any:
        """GET /v1/hotspots/{key}: the damage results, as PAVE's JSON body."""
        return self._get(f"/v1/hotspots/{check_session_key(session_key)}", session_key, signed=False)

    def photos(self, session_key: str) -> Any:
        """GET /v1/sessions/{key}/photos: every capture attempt and its QA verdict (signed)."""
        return self._get(f"/v1/sessions/{check_session_key(session_key)}/photos", session_key, signed=True)

    def session(self, session_key: str) -> Any:
        """GET /v1/sessions/{key}: session state and the full vehicle record (signed)."""
        return self._get(f"/v1/sessions/{check_session_key(session_key)}", session_key, signed=True)

    def _get(self, path: str, session_key: str, *, signed: bool) -> Any:
        out_of_time = f"PAVE did not answer within the time limit (GET {path})"

        def attempt(number: int) -> Any:
            # A fresh token per request: a retried request must not reuse an ageing timestamp.
            headers = self.credentials.signed_headers() if signed else {"API-Key": self.credentials.api_key}
            try:
                with self._http.stream("GET", path, headers=headers, timeout=self._request_timeout()) as response:
                    body = read_capped(response, MAX_BODY_BYTES, self.retry)
            except httpx.TimeoutException:
                raise TryAgain("PAVE did not answer in time") from None
            except httpx.TransportError as error:
                raise TryAgain(f"cannot reach PAVE ({type(error).__name__})") from None
            except BodyTooLarge:
                raise APIError(
                    f"GET {path}: response body larger than {MAX_BODY_BYTES // 2**20} MiB", session_key=session_key
                ) from None
            except DeadlinePassed:  # a body that trickles in must not outlast the deadline either
                raise APIError(out_of_time, session_key=session_key) from None
            # Path and status only: headers carry the credentials and are never logged.
            _LOG.debug("GET %s: HTTP %s, %d bytes (attempt %d)", path, response.status_code, len(body), number)
            if response.status_code in RETRYABLE_STATUSES:
                raise TryAgain(
                    f"PAVE is unavailable (HTTP {response.status_code})", response.headers.get("Retry-After")
                )
            return _interpret(response.status_code, body, path, session_key)

        try:
            return self.retry.run(attempt)
        except GaveUp as gave_up:
            if gave_up.problem is None:
                raise APIError(out_of_time, session_key=session_key) from None
            tries = f"{gave_up.attempts} attempt{'s' if gave_up.attempts > 1 else ''}"
            raise APIError(f"{gave_up.problem}; gave up after {tries}", session_key=session_key) from None

    def _request_timeout(self) -> httpx.Timeout:
        # Each request ends by the deadline: a silent PAVE cannot hold the command past it.
        cap = self.retry.capped
        return httpx.Timeout(
            connect=cap(self._timeout.connect or 10.0),
            read=cap(self._timeout.read or 30.0),
            write=cap(self._timeout.write or 30.0),
            pool=cap(self._timeout.pool or 30.0),
        )


def _interpret(status: int, body: bytes, path: str, session_key: str) -> Any:
    text = body.decode("utf-8", errors="replace")
    if status == 200:
        try:
            return load_json(text, f"GET {path}")
        except InvalidDataError as error:
            raise APIError(f"PAVE sent an unreadable body: {error.message}", session_key=session_key) from None
    message = _server_message(text)
    if status in (401, 403):
        raise AuthenticationError(
            f"PAVE refused the credentials (HTTP {status}); check the API key, secret and username",
            session_key=session_key,
        )
    if status == 404:
        raise SessionNotFoundError(f"session {session_key} not found at PAVE", session_key=session_key)
    if status == 400 and "inspect" in message.lower():
        raise NotInspectedError(f"session {session_key} is not inspected yet; try again later", session_key=session_key)
    detail = f": {message}" if message else ""
    raise APIError(f"GET {path} failed with HTTP {status}{detail}", session_key=session_key)


def _server_message(text: str) -> str:
    try:
        body = load_json(text, "error body")
    except InvalidDataError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(message).split())[:200] if message else ""
