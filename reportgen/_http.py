"""HTTP shared by the PAVE client and the photo downloader: the user agent and capped, timed body reads."""

from __future__ import annotations

import time
from functools import cache

import httpx

from .retry import RetryPolicy

__all__ = ["BodyTooLarge", "BodyTooSlow", "DeadlinePassed", "read_capped", "user_agent"]


@cache
def user_agent() -> str:
    """Names this version of reportgen to PAVE and to image hosts, so either can tell its clients apart."""
    # Looked up on first use: importing importlib.metadata and reading the package's metadata
    # costs ~17 ms that a render without network should not pay at start-up.
    from importlib.metadata import PackageNotFoundError, version

    try:
        package_version = version("reportgen")
    except PackageNotFoundError:  # a source tree that was never installed
        package_version = "0+unknown"
    return f"reportgen/{package_version} (+PAVE condition reports)"


class BodyTooLarge(Exception):
    """The body is larger than the cap, by its Content-Length or as it streamed in."""


class DeadlinePassed(Exception):
    """The command's deadline passed while the body was streaming in."""


class BodyTooSlow(Exception):
    """The body was still streaming in when its own time ran out."""


def read_capped(response: httpx.Response, max_bytes: int, retry: RetryPolicy, *, within: float | None = None) -> bytes:
    """The response's body, stopped past max_bytes, past the policy's deadline or after `within` seconds.

    Streamed, so that an endless, enormous or trickling body can neither fill the memory nor hold the command.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge
    give_up_at = None if within is None else time.monotonic() + within
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        if retry.expired():
            raise DeadlinePassed
        if give_up_at is not None and time.monotonic() > give_up_at:
            raise BodyTooSlow
        chunks.append(chunk)
    return b"".join(chunks)
