"""Email delivery to a real SMTP server (aiosmtpd) on 127.0.0.1: plain, STARTTLS and SMTPS."""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from reportgen import render_bundle
from reportgen.mail import MailContext, attachment_name, parse_smtp_url
from reportgen.errors import ConfigError

from .conftest import add_session, damage, hotspots, jpeg_bytes, photo
from .fake_pave import API_KEY, API_SECRET, USERNAME

PASSWORD = "s3cret-smtp-pw"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def login(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"office" and auth_data.password == PASSWORD.encode()
    # handled=False: let aiosmtpd answer 535 itself (its default, True, sends no reply at all).
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def start(inbox: Inbox, **options) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=login, **options)
    controller.start()
    return controller


@pytest.fixture
def report_pdf(tmp_path: Path, make_bundle) -> tuple[Path, bytes]:
    body = hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage(), damage(x=20)))
    report = render_bundle(make_bundle(body, images={"f.jpg": jpeg_bytes()}))
    path = report.write(tmp_path / "TST-SESSION1.pdf")
    report.write_summary(tmp_path / "TST-SESSION1.json")
    return path, path.read_bytes()


def send(pdf: Path, *args: str, cert: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REPORTGEN_MAIL_FROM": "Northwind Service <service@northwind.example>"}
    if cert:
        env["SSL_CERT_FILE"] = str(cert)
    return subprocess.run([sys.executable, "-m", "reportgen.cli", "email", str(pdf), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def parts(raw: bytes):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    return message, text, html, attachment


def test_plain_smtp_delivers_both_bodies_and_the_exact_pdf(report_pdf) -> None:
    pdf, data = report_pdf
    inbox = Inbox()
    server = start(inbox, auth_require_tls=False)
    try:
        result = send(pdf, "--to", "Ann Driver <ann@example.com>", "--cc", "fleet@example.com",
                      "--bcc", "audit@example.com", "--smtp", f"smtp://office:{PASSWORD}@127.0.0.1:{server.port}")
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    [(sender, rcpts, raw)] = inbox.messages
    assert sender == "service@northwind.example"
    assert rcpts == ["ann@example.com", "fleet@example.com", "audit@example.com"]
    message, text, html, attachment = parts(raw)
    assert message["To"] == "Ann Driver <ann@example.com>" and message["Cc"] == "fleet@example.com"
    assert message["Bcc"] is None and b"audit@example.com" not in raw
    assert message["Subject"] == "reportgen: vehicle condition report for your 2021 Honda Civic"
    assert "2021 Honda Civic" in text and "2 damages" in text and "https://dashboard.example/park/TST-SESSION1" in text
    assert "<strong>2 damages</strong>" in html and 'href="https://dashboard.example/park/TST-SESSION1"' in html
    assert attachment.get_content() == data
    assert attachment.get_filename() == "reportgen-2021-Honda-Civic-1HGCM82633A004352-condition-report.pdf"
    assert PASSWORD not in result.stdout + result.stderr


def test_starttls_and_smtps_with_a_trusted_certificate(report_pdf, certificate) -> None:
    pdf, data = report_pdf
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # aiosmtpd does not see that an SMTPS socket is TLS, so it must be told AUTH is safe there.
    for scheme, options in (("smtp+starttls", {"tls_context": context, "require_starttls": True}),
                            ("smtps", {"ssl_context": context, "auth_require_tls": False})):
        inbox = Inbox()
        server = start(inbox, **options)
        try:
            result = send(pdf, "--to", "ann@example.com", "--smtp",
                          f"{scheme}://office:{PASSWORD}@127.0.0.1:{server.port}", cert=cert)
        finally:
            server.stop()
        assert result.returncode == 0, (scheme, result.stderr)
        assert parts(inbox.messages[0][2])[3].get_content() == data


def test_untrusted_certificate_is_a_clear_tls_error(report_pdf, certificate) -> None:
    pdf, _ = report_pdf
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = start(Inbox(), ssl_context=context)
    try:
        result = send(pdf, "--to", "ann@example.com", "--smtp", f"smtps://office:{PASSWORD}@127.0.0.1:{server.port}")
    finally:
        server.stop()
    assert result.returncode == 1 and "TLS with the SMTP server" in result.stderr
    assert result.stderr.count("\n") == 1 and PASSWORD not in result.stderr


def test_refused_login_and_refused_connection(report_pdf) -> None:
    pdf, _ = report_pdf
    server = start(Inbox(), auth_require_tls=False)
    try:
        result = send(pdf, "--to", "ann@example.com", "--smtp", f"smtp://office:wrong-pw@127.0.0.1:{server.port}")
    finally:
        server.stop()
    assert result.returncode == 1 and "refused the login for user 'office'" in result.stderr
    assert "wrong-pw" not in result.stderr
    closed = send(pdf, "--to", "ann@example.com", "--smtp", f"smtp://office:{PASSWORD}@127.0.0.1:{free_port()}")
    assert closed.returncode == 1 and "connection refused" in closed.stderr and PASSWORD not in closed.stderr


def test_dry_run_writes_an_eml_file(report_pdf) -> None:
    pdf, data = report_pdf
    result = send(pdf, "--to", "ann@example.com", "--dry-run")
    assert result.returncode == 0, result.stderr
    message, text, html, attachment = parts(pdf.with_suffix(".eml").read_bytes())
    assert attachment.get_content() == data and "2021 Honda Civic" in text


def test_usage_errors_for_mail(report_pdf) -> None:
    pdf, _ = report_pdf
    assert send(pdf, "--to", "ann@example.com").returncode == 2  # no SMTP server given
    bad = send(pdf, "--to", "not-an-address", "--dry-run")
    assert bad.returncode == 1 and "not an email address" in bad.stderr


def test_smtp_urls() -> None:
    settings = parse_smtp_url("smtp+starttls://me%40corp:p%40ss@mail.example:2525")
    assert (settings.host, settings.port, settings.username, settings.password) == ("mail.example", 2525, "me@corp", "p@ss")
    assert parse_smtp_url("smtps://mail.example").port == 465
    assert "p@ss" not in repr(settings)
    for bad in ("http://mail.example", "smtp://", "smtp://host:notaport"):
        with pytest.raises(ConfigError):
            parse_smtp_url(bad)


def test_hostile_vehicle_text_cannot_inject_headers() -> None:
    context = MailContext("Brand", "Evil\r\nBcc: victim@example.com Car", "VIN", "KEY", 1, None)
    from reportgen.mail import compose

    mail = compose(b"%PDF-1.7", context=context, sender="a@example.com", to=["b@example.com"])
    assert mail.message["Bcc"] is None and "\n" not in mail.message["Subject"]
    assert mail.recipients == ["b@example.com"]
    assert "/" not in attachment_name(context) and "\r" not in attachment_name(context)


def test_report_command_emails_the_fetched_report(pave, tmp_path: Path) -> None:
    add_session(pave)
    inbox = Inbox()
    server = start(inbox, auth_require_tls=False)
    env = {**os.environ, "PAVE_BASE_URL": pave.api_url, "PAVE_API_KEY": API_KEY, "PAVE_API_SECRET": API_SECRET,
           "PAVE_USERNAME": USERNAME, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "REPORTGEN_SMTP_URL": f"smtp://office:{PASSWORD}@127.0.0.1:{server.port}",
           "REPORTGEN_MAIL_FROM": "service@northwind.example"}
    try:
        result = subprocess.run([sys.executable, "-m", "reportgen.cli", "report", "TST-LIVE1", "--email-to",
                                 "ann@example.com", "--summary-json", "s.json"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    [(_, rcpts, raw)] = inbox.messages
    assert rcpts == ["ann@example.com"]
    assert parts(raw)[3].get_content() == (tmp_path / "TST-LIVE1.pdf").read_bytes()
    assert json.loads((tmp_path / "s.json").read_text())["damage_count"] == 4
    for secret in (API_SECRET, PASSWORD):
        assert secret not in result.stdout + result.stderr and secret.encode() not in raw
