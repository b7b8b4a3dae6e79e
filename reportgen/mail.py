"""Email delivery: a text and HTML message from the theme's templates, the PDF attached, over SMTP."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from .errors import ConfigError, DeliveryError
from .paths import builtin_theme_dir

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"SmtpSettings({self.scheme}://{self.host}:{self.port}, user={self.username!r})"


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtp://user:pass@host:port, smtp+starttls://… or smtps://…; errors never echo the password."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError("SMTP URL is malformed (expected smtp://user:password@host:port)") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ConfigError(f"SMTP URL scheme must be one of {', '.join(SCHEMES)}, not {scheme or 'none'!r}")
    if not parts.hostname:
        raise ConfigError("SMTP URL has no host")
    return SmtpSettings(
        scheme, parts.hostname, port or SCHEMES[scheme],
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def check_address(address: str) -> str:
    name, email = parseaddr(address)
    if not email or not _ADDRESS.fullmatch(email) or "\n" in address or "\r" in address:
        raise ConfigError(f"not an email address: {address[:80]!r}")
    return formataddr((name, email)) if name else email


@dataclass(frozen=True)
class MailContext:
    """What the message templates read; built from a report's summary when one is at hand."""

    brand_name: str
    vehicle: str
    vin: str
    session_key: str
    damage_count: int | None
    landing_page: str | None

    @classmethod
    def from_summary(cls, summary: dict[str, Any] | None, brand_name: str) -> MailContext:
        summary = summary or {}
        vehicle = summary.get("vehicle") or {}
        inspection = summary.get("inspection") or {}
        title = " ".join(str(vehicle.get(k) or "") for k in ("year", "make", "model")).split()
        landing = str(inspection.get("landing_page") or "")
        return cls(
            brand_name=brand_name,
            vehicle=" ".join(title),
            vin=str(vehicle.get("vin") or ""),
            session_key=str(summary.get("session_key") or ""),
            damage_count=summary.get("damage_count") if isinstance(summary.get("damage_count"), int) else None,
            landing_page=landing if urlsplit(landing).scheme in ("http", "https") else None,
        )


def attachment_name(context: MailContext) -> str:
    """A readable file name: brand, vehicle, VIN or session key."""
    parts = [context.brand_name, context.vehicle, context.vin or context.session_key, "condition report"]
    name = re.sub(r"[^A-Za-z0-9]+", "-", " ".join(p for p in parts if p)).strip("-")
    return f"{name[:120] or 'condition-report'}.pdf"


@dataclass
class OutgoingMail:
    """A composed message and its envelope recipients (Bcc included, which no header shows)."""

    message: EmailMessage
    recipients: list[str]

    def as_bytes(self) -> bytes:
        return self.message.as_bytes()


def compose(
    pdf: bytes,
    *,
    context: MailContext,
    sender: str,
    to: list[str],
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    subject: str | None = None,
    templates: Path | None = None,
) -> OutgoingMail:
    """A multipart message (text and HTML from templates/email/) with the PDF attached."""
    if not to:
        raise ConfigError("no recipient: give at least one --to address")
    if not sender:
        raise ConfigError("no sender: set REPORTGEN_MAIL_FROM or pass --from")
    environment = _environment(templates)
    values = {"mail": context}
    try:
        text = environment.get_template("email/message.txt.j2").render(values)
        html = environment.get_template("email/message.html.j2").render(values)
        default_subject = environment.get_template("email/subject.txt.j2").render(values)
    except jinja2.TemplateError as error:
        raise ConfigError(f"email template: {error}") from None
    message = EmailMessage()
    message["From"] = check_address(sender)
    message["To"] = ", ".join(check_address(a) for a in to)
    if cc:
        message["Cc"] = ", ".join(check_address(a) for a in cc)
    # Untrusted vehicle text reaches the subject: one line, bounded, so no header can be injected.
    message["Subject"] = " ".join((subject or default_subject).split())[:200]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="reportgen.invalid")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(context))
    envelope = [parseaddr(check_address(a))[1] for a in [*to, *(cc or []), *(bcc or [])]]
    return OutgoingMail(message, list(dict.fromkeys(envelope)))


def send(mail: OutgoingMail, settings: SmtpSettings, *, timeout: float = 30.0) -> None:
    """Deliver over SMTP; every failure is one DeliveryError line that never holds the password."""
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context()
    try:
        if settings.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            if settings.scheme == "smtp+starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(mail.message, to_addrs=mail.recipients)
    except ConnectionRefusedError:
        raise DeliveryError(f"cannot connect to the SMTP server {where}: connection refused") from None
    except (socket.timeout, TimeoutError):
        raise DeliveryError(f"the SMTP server {where} did not answer in time") from None
    except ssl.SSLError as error:
        raise DeliveryError(f"TLS with the SMTP server {where} failed: {error.reason or error}") from None
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(f"the SMTP server {where} refused the login for user {settings.username!r}") from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(f"the SMTP server {where} does not support that: {error}") from None
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(sorted(error.recipients))
        raise DeliveryError(f"the SMTP server {where} refused the recipients: {refused}") from None
    except smtplib.SMTPException as error:
        raise DeliveryError(f"sending through {where} failed: {type(error).__name__}") from None
    except OSError as error:
        raise DeliveryError(f"cannot connect to the SMTP server {where}: {error.strerror or error}") from None


def _environment(templates: Path | None) -> jinja2.Environment:
    search = [str(p) for p in (templates, builtin_theme_dir()) if p is not None]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        # HTML bodies are escaped; the plain-text body and subject are not HTML.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
