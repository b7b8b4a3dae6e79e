"""PAdES signatures with pyHanko: a signing key read once, a signed incremental update, its check."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError, ReportgenError

__all__ = [
    "PASSWORD_ENV",
    "SignatureCheck",
    "SigningKey",
    "check_signature",
    "load_signing_key",
    "load_trust_roots",
    "pdf_attachments",
    "sign_pdf",
]

#: Where the command line, a brand file's key and the service read the signing key's password.
PASSWORD_ENV = "REPORTGEN_SIGN_PASSWORD"
_FIELD = "Signature1"
_LOG = logging.getLogger("reportgen")


@dataclass(frozen=True)
class SigningKey:
    """A signing identity read once from a PKCS#12 file: the key and certificates, never shown.

    Plain bytes (DER), so that options holding it can be sent to batch and service worker
    processes; nothing of the key or its password appears in a repr, a log line or an error.
    """

    private_key: bytes = field(repr=False)
    certificate: bytes = field(repr=False)
    chain: tuple[bytes, ...] = field(repr=False, default=())
    #: The certificate's subject, for messages ("Northwind Motors, Oakland").
    signer: str = ""
    #: An RFC 3161 timestamp authority: with it a signature is PAdES B-T, without it B-B.
    timestamp_url: str | None = None


def load_signing_key(path: str | Path, password: str | None, *, timestamp_url: str | None = None) -> SigningKey:
    """Read and decrypt a PKCS#12 (.p12, .pfx) file; every problem is one ConfigError naming the file."""
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12

    file = Path(path)
    data = _read(file, "signing key")
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except (ValueError, TypeError):
        # The library cannot tell a wrong password from a damaged file; neither message carries it.
        raise ConfigError(f"signing key {file}: wrong password, or not a PKCS#12 file") from None
    if key is None or certificate is None:
        raise ConfigError(f"signing key {file}: holds no private key with its certificate")
    if timestamp_url is not None and not timestamp_url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"timestamp authority {timestamp_url[:80]!r}: expected an http(s) address")
    return SigningKey(
        private_key=key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()),
        certificate=certificate.public_bytes(Encoding.DER),
        chain=tuple(other.public_bytes(Encoding.DER) for other in others),
        signer=certificate.subject.rfc4514_string(),
        timestamp_url=timestamp_url or None,
    )


def load_trust_roots(paths: Sequence[str | Path]) -> list[bytes]:
    """Certificates (PEM, several to a file, or DER) a signer must chain to, as DER; ConfigError naming a bad file."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    roots: list[bytes] = []
    for path in paths:
        file = Path(path)
        data = _read(file, "trusted certificate")
        try:
            if b"-----BEGIN CERTIFICATE-----" in data:
                roots += [cert.public_bytes(Encoding.DER) for cert in x509.load_pem_x509_certificates(data)]
            else:
                roots.append(x509.load_der_x509_certificate(data).public_bytes(Encoding.DER))
        except ValueError:
            raise ConfigError(f"trusted certificate {file}: not a PEM or DER certificate") from None
    return roots


def _read(file: Path, what: str) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise ConfigError(f"{what} {file}: cannot be read ({error.strerror})") from None


def sign_pdf(pdf: bytes, key: SigningKey) -> bytes:
    """The PDF with a PAdES signature (B-B; B-T with a timestamp authority) added as an incremental update.

    The original bytes stay as they are, ahead of the update: PDF/A identification, attachments
    and everything else of the document is unchanged, and the signature covers all of it.
    """
    from asn1crypto import keys, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers import constants
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class PdfASigner(signers.PdfSigner):
        """Registers PAdES's extension only, keeping the document at PDF 1.7 (PDF/A-3's base).

        pyHanko also registers ISO 32002 for an ECDSA key, which raises the catalog's /Version
        to 2.0: a PDF/A-3 file would then claim to be a PDF 2.0 one.
        """

        def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
            pdf_out.ensure_output_version(version=(1, 7))
            if pdf_out.output_version < (2, 0):
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    signer = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(key.certificate),
        signing_key=keys.PrivateKeyInfo.load(key.private_key),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [x509.Certificate.load(der) for der in key.chain]
        ),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    timestamper = HTTPTimeStamper(key.timestamp_url, timeout=20) if key.timestamp_url else None
    output = io.BytesIO()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        with _quiet_pyhanko():
            PdfASigner(metadata, signer, timestamper=timestamper).sign_pdf(writer, output=output)
    except Exception as error:  # noqa: BLE001 (pyHanko and the TSA client raise many types; all mean "not signed")
        where = f" (timestamp authority {key.timestamp_url})" if key.timestamp_url else ""
        raise ReportgenError(f"signing failed{where}: {type(error).__name__}: {str(error)[:200]}") from None
    return output.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF's signature says: who signed, when, whether the document is as signed."""

    signed: bool
    signer: str = ""
    #: The signer's own clock, as written into the signature.
    signed_at: datetime | None = None
    #: The timestamp authority's time (PAdES B-T), when the signature carries a valid token.
    timestamped_at: datetime | None = None
    #: The signature is mathematically valid and the signed bytes are unchanged.
    intact: bool = False
    #: Nothing was added to the file after the signature.
    whole_file: bool = False
    #: The signer's certificate chains to one of the given trust roots (None: none given).
    trusted: bool | None = None
    problems: tuple[str, ...] = ()

    @property
    def holds(self) -> bool:
        """Signed, intact, covering the whole file, and trusted where trust roots were given."""
        return self.signed and self.intact and self.whole_file and self.trusted is not False and not self.problems


def check_signature(pdf: bytes, trust_roots: Sequence[bytes] = ()) -> SignatureCheck:
    """Validate the last signature of a PDF, offline; trust_roots (DER certificates) are optional."""
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 (a damaged file is a finding, not a crash)
        return SignatureCheck(False, problems=(f"the PDF cannot be read: {type(error).__name__}: {str(error)[:120]}",))
    if not signatures:
        return SignatureCheck(False, problems=("the PDF is not signed",))
    embedded = signatures[-1]
    roots = [x509.Certificate.load(der) for der in trust_roots]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        with _quiet_pyhanko():
            status = validate_pdf_signature(embedded, signer_validation_context=context, ts_validation_context=context)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as error:
        signer = _subject(getattr(embedded, "signer_cert", None))
        return SignatureCheck(True, signer, problems=(f"the signature cannot be checked: {str(error)[:160]}",))
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    problems = []
    if not status.intact:
        problems.append("the signed content was changed after signing")
    elif not status.valid:
        problems.append("the signature does not match the signer's certificate")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not whole:
        problems.append("content was added to the file after it was signed")
    timestamp = status.timestamp_validity
    stamped = timestamp.timestamp if timestamp is not None and timestamp.intact and timestamp.valid else None
    if timestamp is not None and stamped is None:
        problems.append("the signature's timestamp is not valid")
    trusted = bool(status.trusted) if roots else None
    if trusted is False:
        problems.append("the signer's certificate does not chain to a trusted root")
    return SignatureCheck(
        signed=True,
        signer=_subject(status.signing_cert),
        signed_at=status.signer_reported_dt,
        timestamped_at=stamped,
        intact=bool(status.intact and status.valid),
        whole_file=whole,
        trusted=trusted,
        problems=tuple(problems),
    )


def pdf_attachments(pdf: bytes) -> dict[str, bytes]:
    """The embedded files of a PDF (name → bytes), as its catalog's name tree lists them."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    found: dict[str, bytes] = {}
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return found
    _walk_names(names, found, depth=0)
    return found


def _walk_names(node: Any, found: dict[str, bytes], depth: int) -> None:
    if depth > 16:  # a name tree is shallow; a deeper one is hostile
        return
    pairs = node.get("/Names", [])
    for index in range(0, len(pairs) - 1, 2):
        try:
            spec = pairs[index + 1]
            found[str(pairs[index])] = spec["/EF"]["/F"].data
        except (KeyError, TypeError, AttributeError):
            continue
    for kid in node.get("/Kids", []):
        _walk_names(kid, found, depth + 1)


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """Keep pyHanko's log (an untrusted chain comes with a traceback) off the terminal: --debug shows one line."""

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            _LOG.debug("pyhanko: %s", record.getMessage())

    logger = logging.getLogger("pyhanko")
    handler, propagate = Forward(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _subject(certificate: Any) -> str:
    try:
        return str(certificate.subject.human_friendly)
    except AttributeError:
        return ""
