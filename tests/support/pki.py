"""A throwaway certificate authority for signing tests: a root, a signer in a PKCS#12 file, a TSA."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Pki:
    """Files of one throwaway authority: root certificate (PEM, DER), signer's .p12, TSA key and certificate."""

    root_pem: Path
    root_der: bytes
    p12: Path
    tsa_certificate: x509.Certificate
    #: RSA: pyHanko's DummyTimeStamper, which the test TSA uses, signs with PKCS#1 v1.5.
    tsa_key: rsa.RSAPrivateKey
    root_certificate: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Northwind Motors Test"),
        ]
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer or _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path, password: str = PASSWORD) -> Pki:
    """A root CA, a signing certificate it issued (in a password-protected .p12) and a TSA certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Test Root CA", root_key, None, root_key, ca=True)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = _certificate("Northwind Motors Signing", signer_key, root.subject, root_key)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _certificate(
        "Test Timestamp Authority", tsa_key, root.subject, root_key, usage=ExtendedKeyUsageOID.TIME_STAMPING
    )
    p12 = folder / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer", signer_key, signer, [root], serialization.BestAvailableEncryption(password.encode())
        )
    )
    root_pem = folder / "root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return Pki(root_pem, root.public_bytes(serialization.Encoding.DER), p12, tsa, tsa_key, root)
