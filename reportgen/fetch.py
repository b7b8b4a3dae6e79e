"""A live PAVE session saved as a bundle: the API's bodies and the photos, fetched safely."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from .bundle import (
    HOTSPOTS_FILE,
    IMAGES_DIR,
    MANIFEST_FILE,
    PHOTOS_FILE,
    SESSION_FILE,
    save_bodies,
    save_manifest,
    unique_file_names,
)
from .download import DownloadPolicy, ImageCache, download_photos
from .errors import APIError, AuthenticationError, InvalidDataError, ReportgenError, SessionNotFoundError
from .files import ensure_directory
from .models import parse_captures, parse_results, parse_session
from .pave import DEFAULT_BASE_URL, Credentials, PaveClient, check_session_key
from .plan import chosen_attempts
from .retry import RetryPolicy

__all__ = ["BUNDLE_FILES", "NO_SIGNING_NOTE", "FetchResult", "fetch_bundle"]

#: Every file a fetch writes at the top of a bundle (besides the images folder).
BUNDLE_FILES = (HOTSPOTS_FILE, PHOTOS_FILE, SESSION_FILE, MANIFEST_FILE)
NO_SIGNING_NOTE = (
    "The capture checklist is unavailable: reportgen was not given PAVE's API secret and username, "
    "which PAVE's photo list requires."
)


@dataclass
class FetchResult:
    """A written bundle: where it is, and what went wrong or is worth knowing on the way."""

    path: Path
    session_key: str
    warnings: list[str] = field(default_factory=list)
    #: Information that is not a problem (PAVE keeps no session record for this session, say).
    notes: list[str] = field(default_factory=list)


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
    deadline: float | None = None,
) -> FetchResult:
    """Fetch a session into `directory`, swapping the bundle in only once everything is saved.

    `directory` may be missing, empty, or hold an earlier bundle of the same session (which is
    replaced); any other folder is refused with a ReportgenError before anything is fetched.
    timeout bounds the whole fetch in seconds (deadline, a time.monotonic() moment, does the same
    for a caller with its own clock running): once it is reached no request or photo download
    starts, running ones are cut, API retries stop, and photos not downloaded become placeholders
    with a warning. The API's damage results are required: without them in time, APIError.
    """
    check_session_key(session_key)
    if deadline is None and timeout is not None:
        deadline = time.monotonic() + timeout
    shown = Path(directory)
    # The real folder: a symlink to a folder is followed, and "." has a parent to stage beside.
    target = Path(os.path.realpath(shown))
    into_empty = _check_destination(target, shown, session_key)
    if not into_empty and target == Path(os.path.realpath(os.curdir)):
        # Swapping out the current folder would leave the user's shell in a deleted one.
        raise ReportgenError(
            f"refusing to replace the bundle in the current directory {shown}: run the command from its parent folder"
        )
    try:
        if into_empty:
            # Staged inside the empty folder, so it keeps its own mode and works for "." too.
            staging = _make_directory(target / f".reportgen-{session_key}", ".partial")
        else:
            ensure_directory(target.parent, shown=shown)
            staging = _make_directory(target.parent / f".{target.name}", ".partial")
    except OSError as error:
        raise ReportgenError(f"cannot write {shown}: {error.strerror}") from None
    try:
        warnings, notes = _fetch_into(
            staging, session_key, credentials, base_url, cache, policy, api_transport, image_transport, deadline
        )
        if into_empty:
            _move_into(staging, target)
        else:
            warnings += _install(staging, target, session_key)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise ReportgenError(f"cannot write {shown}: {error.strerror}") from None
        raise
    return FetchResult(shown, session_key, warnings, notes)


def _fetch_into(
    root: Path,
    session_key: str,
    credentials: Credentials,
    base_url: str,
    cache: ImageCache | None,
    policy: DownloadPolicy | None,
    api_transport: httpx.BaseTransport | None,
    image_transport: httpx.BaseTransport | None,
    deadline: float | None,
) -> tuple[list[str], list[str]]:
    warnings: list[str] = []
    information: list[str] = []
    notes: dict[str, str] = {}
    bodies = {}
    # One deadline for every request of the fetch, API and photos alike.
    with PaveClient(
        credentials, base_url=base_url, transport=api_transport, retry=RetryPolicy(deadline=deadline)
    ) as client:
        bodies[HOTSPOTS_FILE] = client.results(session_key)
        if credentials.can_sign:
            bodies[PHOTOS_FILE] = client.photos(session_key)
            try:
                bodies[SESSION_FILE] = client.session(session_key)
            except AuthenticationError:
                raise
            except SessionNotFoundError:
                # Not a failure: PAVE keeps no such record for some sessions (found as the damage
                # results were), and the damage results carry the vehicle's main details.
                information.append(
                    f"PAVE has no session record for {session_key}: the vehicle details "
                    "come from the damage results alone"
                )
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
    urls += [attempt.url for attempt in chosen_attempts(captures) if attempt.url]
    names = unique_file_names(urls)
    policy = policy or DownloadPolicy()
    if deadline is not None:
        policy = replace(policy, retry=replace(policy.retry, deadline=deadline))
    for item in download_photos(names, root / IMAGES_DIR, policy=policy, cache=cache, transport=image_transport):
        if item.problem:
            warnings.append(f"photo {names[item.url]} not downloaded: {item.problem}")
    save_manifest(root, session_key, names, notes)
    return warnings, information


def _check_destination(target: Path, shown: Path, session_key: str) -> bool:
    """Whether `target` is an empty folder to fill; raises unless it is missing or our own bundle."""
    try:
        entries = sorted(entry.name for entry in os.scandir(target))
    except FileNotFoundError:
        return False
    except OSError as error:
        raise ReportgenError(f"cannot write {shown}: {error.strerror}") from None
    if not entries:
        return True
    if _is_our_bundle(target, session_key):
        return False
    raise ReportgenError(
        f"refusing to write the bundle to {shown}: the folder is not empty and does not hold "
        f"a bundle of {session_key} (choose an empty or new folder)"
    )


def _is_our_bundle(folder: Path, session_key: str) -> bool:
    """A bundle reportgen wrote for this session: its manifest, and only files a fetch writes."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        names = {entry.name: entry for entry in os.scandir(folder)}
        images = list(os.scandir(folder / IMAGES_DIR)) if IMAGES_DIR in names else []
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("format") != 1 or manifest.get("session_key") != session_key:
        return False
    if not set(names) <= set(BUNDLE_FILES) | {IMAGES_DIR}:
        return False
    if any(not names[name].is_file(follow_symlinks=False) for name in set(names) - {IMAGES_DIR}):
        return False
    if IMAGES_DIR in names and not names[IMAGES_DIR].is_dir(follow_symlinks=False):
        return False
    return all(entry.is_file(follow_symlinks=False) for entry in images)


def _make_directory(stem: Path, suffix: str) -> Path:
    # os.mkdir with 0o777, not mkdtemp's 0o700: the bundle gets the user's umask like any folder.
    for _ in range(100):
        candidate = stem.with_name(f"{stem.name}.{secrets.token_hex(4)}{suffix}")
        try:
            candidate.mkdir(0o777)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free name beside {stem}")  # pragma: no cover


def _move_into(staging: Path, target: Path) -> None:
    # The manifest goes last: a folder with bundle.json in it holds a whole bundle.
    names = sorted(os.listdir(staging), key=lambda name: name == MANIFEST_FILE)
    moved: list[str] = []
    try:
        for name in names:
            if os.path.lexists(target / name):
                raise ReportgenError(f"refusing to write the bundle to {target}: {name} appeared there meanwhile")
            os.rename(staging / name, target / name)
            moved.append(name)
    except BaseException:
        for name in moved:  # put back what this fetch moved, so the folder is as it was
            os.rename(target / name, staging / name)
        raise
    staging.rmdir()


def _install(staging: Path, target: Path, session_key: str) -> list[str]:
    if not os.path.lexists(target):
        staging.rename(target)
        return []
    old = _make_directory(target.parent / f".{target.name}", ".old")
    old.rmdir()
    target.rename(old)
    staging.rename(target)
    # Deleted only once seen to be our bundle still: someone may have changed it meanwhile.
    if _is_our_bundle(old, session_key):
        shutil.rmtree(old, ignore_errors=True)
        return []
    return [f"the previous contents of {target} were kept in {old}"]
