"""Photo downloads: bounded concurrency, size caps, scheme and redirect rules, an on-disk cache."""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from ._http import BodyTooLarge, BodyTooSlow, DeadlinePassed, read_capped, user_agent
from .files import ensure_directory, write_atomic
from .limits import MAX_SOURCE_BYTES
from .retry import RETRYABLE_STATUSES, GaveUp, RetryPolicy, TryAgain

__all__ = [
    "ALLOWED_SCHEMES",
    "TIME_LIMIT_PROBLEM",
    "Download",
    "DownloadPolicy",
    "ImageCache",
    "download_photos",
    "image_kind",
]

_LOG = logging.getLogger("reportgen")
ALLOWED_SCHEMES = ("http", "https")
#: Why a photo was not downloaded when the command's time limit (--timeout) ran out first.
TIME_LIMIT_PROBLEM = "the time limit ran out first"


@dataclass(frozen=True)
class DownloadPolicy:
    """How photos are fetched: size cap, parallel downloads, timeouts, redirects and retries."""

    max_bytes: int = MAX_SOURCE_BYTES
    concurrency: int = 6
    connect_timeout: float = 10.0
    #: Longest silence between two pieces of a body before the download is given up.
    read_timeout: float = 20.0
    #: Longest time one photo may take, however steadily it trickles in.
    deadline: float = 60.0
    max_redirects: int = 5
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=3, budget=20.0))


@dataclass(frozen=True)
class Download:
    """What became of one photo's URL: the file written, or the problem that stopped it."""

    url: str
    #: The file written in the images folder, or None when the photo could not be had.
    file_name: str | None
    problem: str | None = None
    from_cache: bool = False


class ImageCache:
    """Photos by URL on disk, so rendering a session again downloads nothing."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def default(cls) -> ImageCache:
        """The cache in the user's cache folder."""
        from platformdirs import user_cache_dir

        return cls(Path(user_cache_dir("reportgen")) / "images")

    def _path(self, url: str) -> Path:
        return self.root / hashlib.sha256(url.encode()).hexdigest()

    def get(self, url: str) -> bytes | None:
        """The photo cached for url, or None when there is none (or what is there is not a photo)."""
        try:
            data = self._path(url).read_bytes()
        except OSError:
            return None
        return data if image_kind(data) else None

    def put(self, url: str, data: bytes) -> None:
        """Keep the photo of url; a cache that cannot be written is skipped."""
        try:
            write_atomic(self._path(url), data)
        except Exception as error:  # noqa: BLE001 (a cache that cannot be written must not fail the report)
            _LOG.debug("image cache not written: %s", error)


class _Failed(Exception):
    """A download that trying again would not mend (retryable failures raise TryAgain)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def image_kind(data: bytes) -> str | None:
    """JPEG, PNG or WebP by their first bytes; None for anything else (an HTML error page, say)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def download_photos(
    targets: dict[str, str],
    directory: Path,
    *,
    policy: DownloadPolicy | None = None,
    cache: ImageCache | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[Download]:
    """Fetch each URL of `targets` (URL → file name) into `directory`, a bounded number at once.

    The client carries no credentials: PAVE's keys are for its API host, never the image host.
    """
    policy = policy or DownloadPolicy()
    ensure_directory(directory)
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    limits = httpx.Limits(max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency)
    with httpx.Client(
        transport=transport,
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        headers={"User-Agent": user_agent(), "Accept": "image/jpeg,image/png,image/webp"},
    ) as client:

        def one(item: tuple[str, str]) -> Download:
            url, name = item
            return _download_one(client, url, directory / name, policy, cache)

        with ThreadPoolExecutor(max_workers=max(1, policy.concurrency)) as pool:
            return list(pool.map(one, targets.items()))


def _download_one(
    client: httpx.Client, url: str, target: Path, policy: DownloadPolicy, cache: ImageCache | None
) -> Download:
    cached = cache.get(url) if cache else None
    if cached is not None:
        write_atomic(target, cached)
        _LOG.debug("photo %s: %d bytes from the cache", target.name, len(cached))
        return Download(url, target.name, from_cache=True)

    def attempt(number: int) -> bytes:
        try:
            return _fetch(client, url, policy)
        except (_Failed, TryAgain) as failure:
            _LOG.debug("photo %s: %s (attempt %d)", target.name, failure.problem, number)
            raise

    try:
        data = policy.retry.run(attempt)
    except _Failed as failure:
        return Download(url, None, failure.problem)
    except GaveUp as gave_up:
        # A failure cut short by the deadline is not the host's fault: say which it was.
        expired = gave_up.problem is None or policy.retry.expired()
        return Download(url, None, TIME_LIMIT_PROBLEM if expired else gave_up.problem)
    write_atomic(target, data)
    _LOG.debug("photo %s: %d bytes downloaded", target.name, len(data))
    if cache:
        cache.put(url, data)
    return Download(url, target.name)


def _fetch(client: httpx.Client, url: str, policy: DownloadPolicy) -> bytes:
    current = url
    for _ in range(policy.max_redirects + 1):
        _check_scheme(current)
        try:
            with client.stream("GET", current, timeout=_request_timeout(policy)) as response:
                if response.is_redirect:
                    location = response.headers.get("Location")
                    if not location:
                        raise _Failed(f"HTTP {response.status_code} redirect without a location")
                    current = urljoin(current, location)
                    continue
                if response.status_code in RETRYABLE_STATUSES:
                    raise TryAgain(f"HTTP {response.status_code}", response.headers.get("Retry-After"))
                if response.status_code != 200:
                    raise _Failed(f"HTTP {response.status_code}")
                return _read_body(response, policy)
        except httpx.TimeoutException:
            raise TryAgain("the image host did not answer in time") from None
        except httpx.TransportError as error:
            raise TryAgain(f"download failed ({type(error).__name__})") from None
    raise _Failed(f"more than {policy.max_redirects} redirects")


def _request_timeout(policy: DownloadPolicy) -> httpx.Timeout:
    # Capped by the command's deadline: a host that stays silent cannot hold the command past it.
    cap = policy.retry.capped
    return httpx.Timeout(cap(policy.read_timeout), connect=cap(policy.connect_timeout))


def _check_scheme(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _Failed("malformed URL") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        raise _Failed(f"refused URL scheme {parts.scheme or 'none'!r} (only http and https)")


def _read_body(response: httpx.Response, policy: DownloadPolicy) -> bytes:
    try:
        data = read_capped(response, policy.max_bytes, policy.retry, within=policy.deadline)
    except BodyTooLarge:
        raise _Failed(f"image larger than {policy.max_bytes // 2**20} MiB") from None
    except DeadlinePassed:
        raise _Failed(TIME_LIMIT_PROBLEM) from None
    except BodyTooSlow:
        raise _Failed(f"download took longer than {policy.deadline:g} s") from None
    if not image_kind(data):
        raise _Failed("the host sent something that is not a JPEG, PNG or WebP image")
    return data
