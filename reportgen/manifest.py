"""The inspection record: SHA-256 of every photo as downloaded and of PAVE's bodies, checkable later."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from .bundle import HOTSPOTS_FILE, PHOTOS_FILE, SESSION_FILE, Bundle, load_bundle
from .errors import InvalidBundleError
from .files import json_bytes
from .plan import chosen_attempts

__all__ = [
    "MANIFEST_ATTACHMENT",
    "SCHEMA",
    "build_manifest",
    "check_against_bundle",
    "check_attachments",
    "manifest_bytes",
    "manifest_digest",
]

#: Bump the number when a field is removed or changes meaning; adding a field keeps it.
SCHEMA = "reportgen.manifest/1"
#: The record's name among a PDF/A report's attachments.
MANIFEST_ATTACHMENT = "manifest.json"
#: PAVE's response bodies the record lists, in this order.
_RESPONSES = (HOTSPOTS_FILE, PHOTOS_FILE, SESSION_FILE)


def build_manifest(bundle: Bundle, generated_at: datetime) -> dict[str, Any]:
    """The record of what PAVE returned for the bundle's session, as the bundle holds it.

    Photos are hashed as saved by the fetch, which writes each download's bytes untouched (before
    reportgen resizes anything); a photo the bundle lacks is listed with a null `sha256`.
    """
    session = bundle.results.session
    responses = []
    for name in _RESPONSES:
        path = bundle.path / name
        if path.is_file():
            data = path.read_bytes()
            responses.append({"name": name, "sha256": _sha256(data), "bytes": len(data)})
    urls = [photo.url for photo in bundle.results.photos if photo.url]
    urls += [attempt.url for attempt in chosen_attempts(bundle.captures or []) if attempt.url]
    photos = []
    for url in dict.fromkeys(urls):
        photo = bundle.image_path(url)
        content = photo.read_bytes() if photo else None
        photos.append(
            {
                "url": url,
                "sha256": _sha256(content) if content is not None else None,
                "bytes": len(content) if content is not None else None,
            }
        )
    return {
        "schema": SCHEMA,
        "session_key": bundle.session_key,
        "reportgen_version": _version(),
        "generated_at": generated_at.isoformat(),
        "fetched_at": bundle.fetched_at,
        "inspection": {
            "started_at": session.inspect_started_at.isoformat() if session.inspect_started_at else None,
            "ended_at": session.inspect_ended_at.isoformat() if session.inspect_ended_at else None,
        },
        "pave_responses": responses,
        "photos": photos,
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The record as a file (and a PDF/A attachment): the bytes its digest is taken of."""
    return json_bytes(manifest)


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The record's own SHA-256 (hex), printed on the report's last page."""
    return _sha256(manifest_bytes(manifest))


def check_attachments(attachments: dict[str, bytes]) -> tuple[dict[str, Any] | None, list[str]]:
    """The record embedded in a report, and every way it disagrees with the report's other attachments.

    Checks that the record is there and readable, that each PAVE body it lists is attached with
    that SHA-256, and that the summary names the record by its digest and the same session.
    """
    data = attachments.get(MANIFEST_ATTACHMENT)
    if data is None:
        return None, ["the PDF carries no inspection record (render it with --pdfa or --sign)"]
    manifest = _record(data)
    if manifest is None:
        return None, ["the embedded inspection record is not a reportgen record"]
    problems = []
    for entry in manifest["pave_responses"]:
        name = entry.get("name")
        body = attachments.get(name) if isinstance(name, str) else None
        if body is None:
            problems.append(f"PAVE's {name} is listed in the record but not attached")
        elif _sha256(body) != entry.get("sha256"):
            problems.append(f"PAVE's {name} differs from the record (SHA-256 {_sha256(body)[:16]}…)")
    listed = {entry.get("name") for entry in manifest["pave_responses"]}
    problems += [
        f"PAVE's {name} is attached but not in the record"
        for name in _RESPONSES
        if name in attachments and name not in listed
    ]
    summary = _json(attachments.get("summary.json"))
    if not isinstance(summary, dict):
        problems.append("the PDF carries no readable summary")
    else:
        if summary.get("manifest_sha256") != _sha256(data):
            problems.append("the summary names another inspection record")
        if summary.get("session_key") != manifest.get("session_key"):
            problems.append("the summary and the record name different sessions")
    return manifest, problems


def check_against_bundle(manifest: dict[str, Any], directory: Path) -> list[str]:
    """Every way a bundle folder differs from the record: PAVE's bodies and each photo as downloaded."""
    problems = []
    for entry in manifest["pave_responses"]:
        path = directory / str(entry.get("name"))
        if not path.is_file():
            problems.append(f"{path}: missing from the bundle")
        elif _sha256(path.read_bytes()) != entry.get("sha256"):
            problems.append(f"{path}: differs from the record")
    try:
        bundle = load_bundle(directory)
    except InvalidBundleError as error:
        return [*problems, error.message]
    if bundle.session_key != manifest.get("session_key"):
        problems.append(
            f"{directory}: a bundle of {bundle.session_key or 'another session'}, not {manifest.get('session_key')}"
        )
    for entry in manifest["photos"]:
        url, expected = str(entry.get("url")), entry.get("sha256")
        photo = bundle.image_path(url)
        if expected is None:
            continue  # not downloaded when the report was made: nothing to compare
        if photo is None:
            problems.append(f"photo {url}: missing from the bundle")
        elif _sha256(photo.read_bytes()) != expected:
            problems.append(f"photo {photo.name}: differs from the record (edited or replaced since it was downloaded)")
    return problems


def _record(data: bytes) -> dict[str, Any] | None:
    manifest = _json(data)
    if (
        not isinstance(manifest, dict)
        or manifest.get("schema") != SCHEMA
        or not isinstance(manifest.get("pave_responses"), list)
        or not isinstance(manifest.get("photos"), list)
        or not all(isinstance(entry, dict) for entry in [*manifest["pave_responses"], *manifest["photos"]])
    ):
        return None
    return manifest


def _json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reportgen")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
