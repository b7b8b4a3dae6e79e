"""The session bundle on disk: PAVE's response bodies as JSON files, with the photos beside them."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import InvalidBundleError, InvalidDataError
from .files import write_atomic
from .models import (
    CaptureAttempt,
    DamageResults,
    is_valid_session_key,
    load_json,
    merge_session,
    parse_captures,
    parse_results,
    parse_session,
)

__all__ = [
    "HOTSPOTS_FILE",
    "IMAGES_DIR",
    "MANIFEST_FILE",
    "MAX_JSON_BYTES",
    "PHOTOS_FILE",
    "SESSION_FILE",
    "Bundle",
    "image_filename",
    "load_bundle",
    "save_bodies",
    "save_manifest",
    "unique_file_names",
]

HOTSPOTS_FILE = "hotspots.json"
PHOTOS_FILE = "photos.json"
SESSION_FILE = "session.json"
MANIFEST_FILE = "bundle.json"
IMAGES_DIR = "images"
#: A JSON body larger than this is not a PAVE session; refuse it before reading it into memory.
MAX_JSON_BYTES = 64 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Bundle:
    """A loaded bundle: the parsed bodies and where each photo lies on disk."""

    path: Path
    session_key: str
    results: DamageResults
    captures: list[CaptureAttempt] | None
    image_names: dict[str, str] = field(default_factory=dict)
    #: Why an optional file is missing (file name → reason), as recorded by the fetch.
    notes: dict[str, str] = field(default_factory=dict)
    #: When the fetch saved the bundle (ISO 8601), as its manifest records; None when not recorded.
    fetched_at: str | None = None

    @property
    def images_dir(self) -> Path:
        """The folder of the session's photos inside the bundle."""
        return self.path / IMAGES_DIR

    def image_path(self, url: str) -> Path | None:
        """The saved photo for a URL, or None; never a path outside the bundle's images folder."""
        name = self.image_names.get(url) or image_filename(url)
        if not name or _SAFE_NAME.search(name) or name.startswith(".") or len(name) > 128:
            return None
        # images/ itself must be a real folder of this bundle, not a link to somewhere else.
        if self.images_dir.is_symlink():
            return None
        try:
            root = self.images_dir.resolve()
            candidate = (root / name).resolve()
            if not candidate.is_relative_to(root) or not candidate.is_file():
                return None
        except (OSError, ValueError):
            return None
        return candidate


def image_filename(url: str) -> str:
    """The file name a photo is saved under: its URL's last path segment, made safe."""
    try:
        segment = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    except ValueError:
        return ""
    name = _SAFE_NAME.sub("_", segment).lstrip(".")[:128]
    return name


def load_bundle(path: str | Path) -> Bundle:
    """Read a bundle directory; every problem is an InvalidBundleError naming the file."""
    root = Path(path)
    if not root.is_dir():
        raise InvalidBundleError(f"{root}: not a directory (expected a session bundle)")
    hotspots_path = root / HOTSPOTS_FILE
    if not hotspots_path.is_file():
        raise InvalidBundleError(f"{hotspots_path}: missing (every bundle needs the damage results)")

    results = _parse(hotspots_path, parse_results)
    session_path = root / SESSION_FILE
    if session_path.is_file():
        results = merge_session(results, _parse(session_path, parse_session))
    photos_path = root / PHOTOS_FILE
    captures = _parse(photos_path, parse_captures) if photos_path.is_file() else None
    manifest = _read_manifest(root / MANIFEST_FILE)

    candidates = [manifest.get("session_key"), results.session.session_key, root.resolve().name]
    session_key = next((key for key in candidates if isinstance(key, str) and is_valid_session_key(key)), "")
    images = manifest.get("images")
    image_names = (
        {url: name for url, name in images.items() if isinstance(url, str) and isinstance(name, str)}
        if isinstance(images, dict)
        else {}
    )
    notes = manifest.get("notes")
    notes = {k: v for k, v in notes.items() if isinstance(v, str)} if isinstance(notes, dict) else {}
    fetched_at = manifest.get("fetched_at")
    fetched_at = fetched_at if isinstance(fetched_at, str) else None
    return Bundle(root, session_key, results, captures, image_names, notes, fetched_at)


def _read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise InvalidBundleError(f"{path}: larger than {MAX_JSON_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidBundleError(f"{path}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise InvalidBundleError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return load_json(text, str(path))
    except InvalidDataError as error:
        raise InvalidBundleError(error.message) from None


def _parse(path: Path, parser: Any) -> Any:
    body = _read_json(path)
    try:
        return parser(body, str(path))
    except InvalidDataError as error:
        raise InvalidBundleError(error.message) from None


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    manifest = _read_json(path)
    if not isinstance(manifest, dict):
        raise InvalidBundleError(f"{path}: expected a JSON object")
    return manifest


def unique_file_names(urls: list[str]) -> dict[str, str]:
    """A file name per URL: its basename, with a short hash when two URLs share one."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for url in dict.fromkeys(urls):
        name = image_filename(url) or "photo.jpg"
        if name in taken:
            stem, dot, suffix = name.rpartition(".")
            digest = hashlib.sha256(url.encode()).hexdigest()[:8]
            name = f"{stem}-{digest}.{suffix}" if dot else f"{name}-{digest}"
        taken.add(name)
        names[url] = name
    return names


def save_bodies(root: Path, bodies: dict[str, Any]) -> None:
    """Write PAVE's bodies (file name → JSON value) into a bundle directory."""
    root.mkdir(parents=True, exist_ok=True)
    for name, body in bodies.items():
        write_atomic(root / name, (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _fetch_time() -> datetime:
    """Now; under SOURCE_DATE_EPOCH (reproducible output) that moment, like every other time reportgen writes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)


def save_manifest(root: Path, session_key: str, image_names: dict[str, str], notes: dict[str, str]) -> None:
    """Record the requested session key, which file holds which photo, what is missing and why, and when."""
    manifest = {
        "format": 1,
        "session_key": session_key,
        "images": image_names,
        "notes": notes,
        "fetched_at": _fetch_time().isoformat(timespec="seconds"),
    }
    save_bodies(root, {MANIFEST_FILE: manifest})
