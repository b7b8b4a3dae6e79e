"""Email delivery: a text and HTML message from the theme's templates, the PDF attached, over SMTP."""

from __future__ import annotations

import json
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from . import i18n
from .errors import ConfigError, DeliveryError
from .templating import template_environment, theme_search_path

__all__ = [
    "SCHEMES",
    "SUMMARY_SCHEMA",
    "MailContext",
    "OutgoingMail",
    "SmtpSettings",
    "attachment_name",
    "compose",
    "load_summary",
    "parse_address",
    "parse_addresses",
    "parse_smtp_url",
    "send",
]

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SUMMARY_SCHEMA = "reportgen.summary/1"
# Deliberately narrower than RFC 5322: a dot-atom local part and a dotted host name, ASCII only, so
# what the user typed is exactly what the server receives (no comments, quoting or obsolete forms).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
_NAMED = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]*)>")
# A display name that holds an address or brackets could pass for a different address in a mail client.
_NAME_FORBIDDEN = re.compile(r'[@<>"\\\x00-\x1f\x7f]')
_UNQUOTED_NAME_FORBIDDEN = re.compile(r"[(),:;\[\]]")
# Letters that Unicode does not decompose into an ASCII letter and a mark.
_LATIN_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
    }
)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: from a `smtp://` or `smtps://` URL (the password never printed)."""

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
        scheme,
        parts.hostname,
        port or SCHEMES[scheme],
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def parse_addresses(values: Iterable[str]) -> list[Address]:
    """Every address in values, each of which may list several separated by commas or semicolons.

    Each one is `user@host.example` or `Display Name <user@host.example>`; anything else, or a value
    that holds no address at all, is a ConfigError naming it.
    """
    addresses: list[Address] = []
    for value in values:
        items = [item.strip() for item in _split_list(value)]
        if not any(items):
            raise ConfigError(f"no email address in {value[:80]!r}")
        addresses.extend(parse_address(item) for item in items if item)
    return addresses


def parse_address(text: str) -> Address:
    """One address, `user@host.example` or `Display Name <user@host.example>`, checked strictly."""
    problem = ConfigError(f"not an email address: {text[:80]!r}")
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise problem  # CR or LF would end the header and start another one.
    text = text.strip()
    named = _NAMED.fullmatch(text)
    name, addr = (named["name"].strip(), named["addr"].strip()) if named else ("", text)
    if not _ADDR_SPEC.fullmatch(addr) or len(addr) > 254:
        raise problem
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    elif _UNQUOTED_NAME_FORBIDDEN.search(name):
        raise problem
    if _NAME_FORBIDDEN.search(name):
        raise problem
    return Address(display_name=" ".join(name.split()), addr_spec=addr)


def _split_list(value: str) -> list[str]:
    """Split at commas and semicolons that are not inside quotes or angle brackets."""
    items: list[str] = []
    current: list[str] = []
    quoted = angled = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"' and not angled:
            quoted = not quoted
        elif char == "<" and not quoted:
            angled = True
        elif char == ">" and not quoted:
            angled = False
        elif char in ",;" and not quoted and not angled:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return items


def load_summary(path: Path) -> dict[str, Any]:
    """A report's summary JSON as the mail reads it; a ConfigError names the file when it is unusable."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"summary {path}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"summary {path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        line = getattr(error, "lineno", None)
        raise ConfigError(f"summary {path}: invalid JSON{f' at line {line}' if line else ''}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"summary {path}: not a JSON object")
    if data.get("schema") != SUMMARY_SCHEMA:
        raise ConfigError(f"summary {path}: not a reportgen summary (schema is not {SUMMARY_SCHEMA!r})")
    for key in ("vehicle", "inspection"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise ConfigError(f"summary {path}: {key} must be an object")
    if data.get("session_key") is not None and not isinstance(data["session_key"], str):
        raise ConfigError(f"summary {path}: session_key must be text")
    count = data.get("damage_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise ConfigError(f"summary {path}: damage_count must be a whole number")
    return data


@dataclass(frozen=True)
class MailContext:
    """What the message templates read; built from a report's summary when one is at hand."""

    brand_name: str
    vehicle: str
    vin: str
    session_key: str
    damage_count: int | None
    landing_page: str | None
    #: The sender's display name, which signs the message when there is no brand name.
    sender_name: str = ""
    #: The language of the message (i18n.LANGUAGES), the report's.
    lang: str = "en"

    @classmethod
    def from_summary(cls, summary: dict[str, Any] | None, brand_name: str) -> MailContext:
        """What the message says of the report, read from its summary (all empty without one)."""
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


def attachment_name(context: MailContext, fallback: str | None = None) -> str:
    """A readable file name: brand, vehicle, VIN or session key; else fallback (the PDF's own name)."""
    about = [context.vehicle, context.vin or context.session_key]
    if any(about) or not fallback:
        name = _file_name_part(" ".join(p for p in [context.brand_name, *about, "condition report"] if p))
    else:
        name = _file_name_part(Path(fallback).stem)
    return f"{name[:120] or 'condition-report'}.pdf"


def _file_name_part(text: str) -> str:
    # ASCII, so every mail client shows the same name: "Nørthwind" becomes "Northwind".
    ascii_text = unicodedata.normalize("NFKD", text.translate(_LATIN_LETTERS)).encode("ascii", "ignore")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text.decode()).strip("-")


@dataclass
class OutgoingMail:
    """A composed message and its envelope recipients (Bcc included, which no header shows)."""

    message: EmailMessage
    recipients: list[str]

    def as_bytes(self) -> bytes:
        """The message as it goes over the wire (what --dry-run saves as .eml)."""
        return self.message.as_bytes()


def compose(
    pdf: bytes,
    *,
    context: MailContext,
    sender: str,
    to: Sequence[str],
    cc: Sequence[str] | None = None,
    bcc: Sequence[str] | None = None,
    subject: str | None = None,
    templates: Path | None = None,
    filename: str | None = None,
) -> OutgoingMail:
    """A multipart message (text and HTML from templates/email/) with the PDF attached.

    Each of to, cc and bcc may list several addresses separated by commas. The sender's address
    gets the brand's name as display name unless it has one; filename (the PDF's own name) names
    the attachment when the context knows no vehicle.
    """
    if not sender:
        raise ConfigError("no sender: set REPORTGEN_MAIL_FROM or pass --from")
    senders = parse_addresses([sender])
    if len(senders) != 1:
        raise ConfigError(f"the sender must be one address, not {len(senders)}: {sender[:80]!r}")
    [given] = senders
    brand_name = " ".join(context.brand_name.split())
    sender_address = Address(display_name=given.display_name or brand_name, addr_spec=given.addr_spec)
    to_addresses, cc_addresses = parse_addresses(to), parse_addresses(cc or [])
    bcc_addresses = parse_addresses(bcc or [])
    if not to_addresses:
        raise ConfigError("no recipient: give at least one --to address")
    context = replace(context, sender_name=given.display_name)
    environment = _environment(templates)
    values = {"mail": context, **i18n.template_functions(context.lang)}
    try:
        text = environment.get_template("email/message.txt.j2").render(values)
        html = environment.get_template("email/message.html.j2").render(values)
        default_subject = environment.get_template("email/subject.txt.j2").render(values)
    except jinja2.TemplateError as error:
        raise ConfigError(f"email template: {error}") from None
    message = EmailMessage()
    message["From"] = sender_address
    message["To"] = to_addresses
    if cc_addresses:
        message["Cc"] = cc_addresses
    # Untrusted vehicle text reaches the subject: one line, bounded, so no header can be injected.
    message["Subject"] = " ".join((subject or default_subject).split())[:200]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender_address.domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(context, filename))
    envelope = [a.addr_spec for a in [*to_addresses, *cc_addresses, *bcc_addresses]]
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
    except (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused) as error:
        if not settings.username and _requires_login(error):
            raise DeliveryError(
                f"the SMTP server {where} requires a login: give the user name and password in the SMTP URL "
                f"({settings.scheme}://user:password@{where})"
            ) from None
        if isinstance(error, smtplib.SMTPSenderRefused):
            raise DeliveryError(
                f"the SMTP server {where} refused the sender {error.sender}: "
                f"{_reply(error.smtp_code, error.smtp_error)}"
            ) from None
        refused = ", ".join(sorted(error.recipients))
        raise DeliveryError(f"the SMTP server {where} refused the recipients: {refused}") from None
    except ConnectionRefusedError:
        raise DeliveryError(f"cannot connect to the SMTP server {where}: connection refused") from None
    except TimeoutError:
        raise DeliveryError(f"the SMTP server {where} did not answer in time") from None
    except ssl.SSLError as error:
        raise DeliveryError(f"TLS with the SMTP server {where} failed: {error.reason or error}") from None
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(f"the SMTP server {where} refused the login for user {settings.username!r}") from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(f"the SMTP server {where} does not support that: {error}") from None
    except smtplib.SMTPException as error:
        raise DeliveryError(f"sending through {where} failed: {type(error).__name__}") from None
    except OSError as error:
        raise DeliveryError(f"cannot connect to the SMTP server {where}: {error.strerror or error}") from None


def _requires_login(error: smtplib.SMTPSenderRefused | smtplib.SMTPRecipientsRefused) -> bool:
    """530 (RFC 4954's "authentication required"), or a 5xx reply that says so in words."""
    if isinstance(error, smtplib.SMTPSenderRefused):
        replies = [(error.smtp_code, error.smtp_error)]
    else:
        replies = list(error.recipients.values())
    return bool(replies) and all(
        code == 530 or code // 100 == 5 and b"auth" in (text if isinstance(text, bytes) else str(text).encode()).lower()
        for code, text in replies
    )


def _reply(code: int, text: bytes | str) -> str:
    """The server's reply, as one short line (it is the server's text, so bounded)."""
    words = (text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)).split()
    return f"{code} {' '.join(words)[:200]}"


@cache
def _environment(templates: Path | None) -> jinja2.Environment:
    # One per theme, kept for the process (as render.py's): a service sends many emails, and Jinja
    # reloads a template whose file changed.
    return template_environment(theme_search_path(templates))
