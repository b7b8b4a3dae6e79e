"""A live PAVE session saved as a bundle: the API's bodies and the photos, fetched safely."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from . import view
from .bundle import (
    HOTSPOTS_FILE,
    IMAGES_DIR,
    PHOTOS_FILE,
    SESSION_FILE,
    save_bodies,
    save_manifest,
    unique_file_names,
)
from .download import DownloadPolicy, ImageCache, download_photos
from .errors import APIError, AuthenticationError, InvalidDataError
from .models import parse_captures, parse_results, parse_session
from .pave import DEFAULT_BASE_URL, Credentials, PaveClient, check_session_key
from .retry import RetryPolicy

NO_SIGNING_NOTE = (
    "The capture checklist is unavailable: reportgen was not given PAVE's API secret and username, "
    "which PAVE's photo list requires."
)


@dataclass
class FetchResult:
    path: Path
    session_key: str
    warnings: list[str] = field(default_factory=list)


def fetch_bundle(
    session_key: str,
    directory: str | Path,
    *,
    credentials: Credentials,
    base_url: str = DEFAULT_BASE_URL,
    cache: ImageCache | None = None,
    policy: DownloadPolicy | None = None,
    api_transport: httpx.BaseTransport | None = None,
    image_transport: httpx.BaseTransport | None = None,
    timeout: float | None = None,
) -> FetchResult:
    """Fetch a session into `directory`, replacing what was there only once everything is saved.

    timeout bounds the whole fetch in seconds: API retries stop and photo downloads are cut
    short (those photos become placeholders) when it runs out.
    """
    check_session_key(session_key)
    clock = _Deadline(timeout)
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        warnings = _fetch_into(staging, session_key, credentials, base_url, cache, policy,
                               api_transport, image_transport, clock)
        _replace_directory(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return FetchResult(target, session_key, warnings)


def _fetch_into(
    root: Path,
    session_key: str,
    credentials: Credentials,
    base_url: str,
    cache: ImageCache | None,
    policy: DownloadPolicy | None,
    api_transport: httpx.BaseTransport | None,
    image_transport: httpx.BaseTransport | None,
    clock: _Deadline,
) -> list[str]:
    warnings: list[str] = []
    notes: dict[str, str] = {}
    bodies = {}
    retry = RetryPolicy()
    if clock.limited:
        retry = replace(retry, budget=min(retry.budget, clock.remaining()))
    with PaveClient(credentials, base_url=base_url, transport=api_transport, retry=retry,
                    timeout=clock.http_timeout(30.0, 10.0)) as client:
        bodies[HOTSPOTS_FILE] = client.results(session_key)
        if credentials.can_sign:
            bodies[PHOTOS_FILE] = client.photos(session_key)
            try:
                bodies[SESSION_FILE] = client.session(session_key)
            except AuthenticationError:
                raise
            except APIError as error:
                # The session record only adds vehicle details; the report stands without it.
                warnings.append(f"vehicle details unavailable: {error.message}")
        else:
            warnings.append("no API secret and username given: the capture checklist is not fetched")
            notes[PHOTOS_FILE] = NO_SIGNING_NOTE
    try:
        results = parse_results(bodies[HOTSPOTS_FILE], "PAVE's damage results")
        captures = parse_captures(bodies[PHOTOS_FILE], "PAVE's photo list") if PHOTOS_FILE in bodies else []
        if SESSION_FILE in bodies:
            parse_session(bodies[SESSION_FILE], "PAVE's session record")
    except InvalidDataError as error:
        raise APIError(error.message, session_key=session_key) from None
    save_bodies(root, bodies)

    urls = [photo.url for photo in results.photos if photo.url]
    urls += [attempt.url for attempt in view.chosen_attempts(captures) if attempt.url]
    names = unique_file_names(urls)
    policy = policy or DownloadPolicy()
    if clock.limited:
        left = max(0.1, clock.remaining())
        policy = replace(policy, deadline=min(policy.deadline, left), read_timeout=min(policy.read_timeout, left),
                         connect_timeout=min(policy.connect_timeout, left),
                         retry=replace(policy.retry, budget=min(policy.retry.budget, left)))
    for item in download_photos(names, root / IMAGES_DIR, policy=policy, cache=cache, transport=image_transport):
        if item.problem:
            warnings.append(f"photo {names[item.url]} not downloaded: {item.problem}")
    save_manifest(root, session_key, names, notes)
    return warnings


def _replace_directory(new: Path, target: Path) -> None:
    if not target.exists():
        new.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    old.rmdir()
    target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


class _Deadline:
    """The time left of an optional overall limit."""

    def __init__(self, seconds: float | None) -> None:
        self.limited = seconds is not None
        self._end = time.monotonic() + (seconds or 0.0)

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def http_timeout(self, read: float, connect: float) -> httpx.Timeout:
        if not self.limited:
            return httpx.Timeout(read, connect=connect)
        left = max(0.1, self.remaining())
        return httpx.Timeout(min(read, left), connect=min(connect, left))
