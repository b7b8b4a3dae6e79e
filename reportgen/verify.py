"""`reportgen verify`: a signed report's signature, and its inspection record against its data or a bundle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ReportgenError
from .manifest import check_against_bundle, check_attachments, manifest_bytes, manifest_digest
from .signing import SignatureCheck, check_signature, pdf_attachments

__all__ = ["Verification", "verify_pdf"]


@dataclass(frozen=True)
class Verification:
    """What `verify` found: the signature, the embedded record, and the bundle when one was given."""

    signature: SignatureCheck
    #: The embedded inspection record, when the PDF carries a readable one.
    manifest: dict[str, Any] | None
    #: The record's own SHA-256, as the report's last page prints it.
    digest: str | None
    record_problems: tuple[str, ...]
    #: None when no bundle was given.
    bundle_problems: tuple[str, ...] | None = None

    @property
    def holds(self) -> bool:
        """Signed and intact since signing, the record matching the PDF's data (and the bundle, if given)."""
        return (
            self.signature.holds and self.manifest is not None and not self.record_problems and not self.bundle_problems
        )


def verify_pdf(pdf: bytes, *, bundle: Path | None = None, trust_roots: Sequence[bytes] = ()) -> Verification:
    """Check a report's signature (offline) and its embedded record; with `bundle`, the bundle's files too."""
    if not pdf.startswith(b"%PDF-"):
        raise ReportgenError("not a PDF file (it does not start with %PDF-)")
    signature = check_signature(pdf, trust_roots)
    try:
        attachments = pdf_attachments(pdf)
    except Exception as error:  # noqa: BLE001 (a damaged file is a finding, not a crash)
        return Verification(signature, None, None, (f"the PDF's attachments cannot be read: {type(error).__name__}",))
    manifest, problems = check_attachments(attachments)
    digest = manifest_digest(manifest) if manifest is not None else None
    if manifest is not None and manifest_bytes(manifest) != attachments.get("manifest.json"):
        # The digest printed on the page is of the bytes as written; a re-encoded record is not the one printed.
        problems.append("the embedded record is not in the form reportgen wrote it")
    bundle_problems = None
    if bundle is not None and manifest is not None:
        bundle_problems = tuple(check_against_bundle(manifest, bundle))
    elif bundle is not None:
        bundle_problems = ("there is no record to check the bundle against",)
    return Verification(signature, manifest, digest, tuple(problems), bundle_problems)
