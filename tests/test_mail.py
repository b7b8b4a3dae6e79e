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
from click.testing import CliRunner

from reportgen import render_bundle
from reportgen.cli import main
from reportgen.errors import ConfigError
from reportgen.mail import MailContext, attachment_name, parse_smtp_url

from .support.builders import add_session, damage, hotspots, jpeg_bytes, photo
from .support.fake_pave import API_KEY, API_SECRET, USERNAME

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
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
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
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "email", str(pdf), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def parts(raw: bytes):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    return message, text, html, attachment


def test_plain_smtp_delivers_both_bodies_and_the_exact_pdf(report_pdf) -> None:
    pdf, data = report_pdf
    inbox = Inbox()
    server = start(inbox, auth_require_tls=False)
    try:
        result = send(
            pdf,
            "--to",
            "Ann Driver <ann@example.com>",
            "--cc",
            "fleet@example.com",
            "--bcc",
            "audit@example.com",
            "--smtp",
            f"smtp://office:{PASSWORD}@127.0.0.1:{server.port}",
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    [(sender, rcpts, raw)] = inbox.messages
    assert sender == "service@northwind.example"
    assert rcpts == ["ann@example.com", "fleet@example.com", "audit@example.com"]
    message, text, html, attachment = parts(raw)
    assert message["To"] == "Ann Driver <ann@example.com>" and message["Cc"] == "fleet@example.com"
    assert message["Bcc"] is None and b"audit@example.com" not in raw
    assert message["Subject"] == "Vehicle condition report for your 2021 Honda Civic"
    assert "2021 Honda Civic" in text and "2 damages" in text and "https://dashboard.example/park/TST-SESSION1" in text
    assert "<strong>2 damages</strong>" in html and 'href="https://dashboard.example/park/TST-SESSION1"' in html
    assert attachment.get_content() == data
    assert attachment.get_filename() == "2021-Honda-Civic-1HGCM82633A004352-condition-report.pdf"
    assert PASSWORD not in result.stdout + result.stderr


def test_starttls_and_smtps_with_a_trusted_certificate(report_pdf, certificate) -> None:
    pdf, data = report_pdf
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # aiosmtpd does not see that an SMTPS socket is TLS, so it must be told AUTH is safe there.
    for scheme, options in (
        ("smtp+starttls", {"tls_context": context, "require_starttls": True}),
        ("smtps", {"ssl_context": context, "auth_require_tls": False}),
    ):
        inbox = Inbox()
        server = start(inbox, **options)
        try:
            result = send(
                pdf,
                "--to",
                "ann@example.com",
                "--smtp",
                f"{scheme}://office:{PASSWORD}@127.0.0.1:{server.port}",
                cert=cert,
            )
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
    assert bad.returncode == 2 and "not an email address: 'not-an-address'" in bad.stderr


def test_smtp_urls() -> None:
    settings = parse_smtp_url("smtp+starttls://me%40corp:p%40ss@mail.example:2525")
    assert (settings.host, settings.port, settings.username, settings.password) == (
        "mail.example",
        2525,
        "me@corp",
        "p@ss",
    )
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


def test_a_second_email_compiles_nothing_and_an_edited_template_is_read_again(tmp_path: Path) -> None:
    import shutil

    from reportgen import mail
    from reportgen.paths import builtin_theme_dir

    theme = tmp_path / "theme"
    shutil.copytree(builtin_theme_dir() / "email", theme / "email")
    context = MailContext("Brand", "2019 Car", "VIN", "KEY", 1, None)
    environment = mail._environment(theme)
    compiled: list[str] = []
    compile_source = environment.compile

    def counting(source, name=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled.append(str(name))
        return compile_source(source, name, *args, **kwargs)

    environment.compile = counting
    first = mail.compose(b"%PDF-1.7", context=context, sender="a@example.com", to=["b@example.com"], templates=theme)
    made = len(compiled)
    second = mail.compose(b"%PDF-1.7", context=context, sender="a@example.com", to=["b@example.com"], templates=theme)
    assert made >= 3 and len(compiled) == made  # the second email reuses the compiled templates
    assert second.message["Subject"] == first.message["Subject"]
    subject = theme / "email" / "subject.txt.j2"
    subject.write_text("Your report, {{ mail.vehicle }}", encoding="utf-8")
    os.utime(subject, (subject.stat().st_atime, subject.stat().st_mtime + 5))
    third = mail.compose(b"%PDF-1.7", context=context, sender="a@example.com", to=["b@example.com"], templates=theme)
    assert third.message["Subject"] == "Your report, 2019 Car"


def test_report_command_emails_the_fetched_report(pave, tmp_path: Path) -> None:
    add_session(pave)
    inbox = Inbox()
    server = start(inbox, auth_require_tls=False)
    env = {
        **os.environ,
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "PAVE_API_SECRET": API_SECRET,
        "PAVE_USERNAME": USERNAME,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "REPORTGEN_SMTP_URL": f"smtp://office:{PASSWORD}@127.0.0.1:{server.port}",
        "REPORTGEN_MAIL_FROM": "service@northwind.example",
    }
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "reportgen.cli",
                "report",
                "TST-LIVE1",
                "--email-to",
                "ann@example.com, Bob <bob@example.com>",
                "--email-to",
                "cy@example.com",
                "--summary-json",
                "s.json",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    [(_, rcpts, raw)] = inbox.messages
    assert rcpts == ["ann@example.com", "bob@example.com", "cy@example.com"]
    assert "sent to ann@example.com, bob@example.com, cy@example.com" in result.stdout
    assert parts(raw)[3].get_content() == (tmp_path / "TST-LIVE1.pdf").read_bytes()
    assert json.loads((tmp_path / "s.json").read_text())["damage_count"] == 4
    for secret in (API_SECRET, PASSWORD):
        assert secret not in result.stdout + result.stderr and secret.encode() not in raw


def test_report_to_stdout_and_by_mail_keeps_stdout_the_pdf_alone(pave, tmp_path: Path) -> None:
    add_session(pave)
    inbox = Inbox()
    server = start(inbox, auth_require_tls=False)
    env = {
        **os.environ,
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "XDG_CACHE_HOME": str(tmp_path / "c"),
        "REPORTGEN_SMTP_URL": f"smtp://office:{PASSWORD}@127.0.0.1:{server.port}",
        "REPORTGEN_MAIL_FROM": "service@northwind.example",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "reportgen.cli", "report", "TST-LIVE1", "-o", "-", "--email-to", "ann@example.com"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=120,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    [(_, _, raw)] = inbox.messages
    assert result.stdout.startswith(b"%PDF-") and result.stdout.rstrip().endswith(b"%%EOF")
    assert parts(raw)[3].get_content() == result.stdout
    assert result.stderr.decode().splitlines()[-1] == "sent to ann@example.com"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["c"]  # no file named "-", no PDF


def start_open(inbox: Inbox, **options) -> Controller:
    """A server that needs no login, so recipients and senders are what is tested."""
    return start(inbox, auth_require_tls=False, **options)


def test_comma_separated_and_repeated_recipients_all_receive_the_mail(report_pdf) -> None:
    pdf, _ = report_pdf
    inbox = Inbox()
    server = start_open(inbox)
    try:
        result = send(
            pdf,
            "--to",
            "a@example.com, Bea Driver <b@example.com>",
            "--to",
            "c@example.com",
            "--cc",
            "d@example.com,e@example.com",
            "--bcc",
            "f@example.com; g@example.com",
            "--smtp",
            f"smtp://127.0.0.1:{server.port}",
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    [(_, rcpts, raw)] = inbox.messages
    everyone = [f"{c}@example.com" for c in "abcdefg"]
    assert rcpts == everyone
    message = parts(raw)[0]
    assert [a.addr_spec for a in message["To"].addresses] == everyone[:3]
    assert message["To"].addresses[1].display_name == "Bea Driver"
    assert [a.addr_spec for a in message["Cc"].addresses] == everyone[3:5]
    assert b"f@example.com" not in raw and b"g@example.com" not in raw
    assert result.stdout.strip() == f"sent to {', '.join(everyone)}"


@pytest.fixture(scope="module")
def open_server():
    inbox = Inbox()
    server = start(inbox, auth_require_tls=False)
    yield inbox, server
    server.stop()


@pytest.mark.parametrize("option", ["--to", "--cc", "--bcc"])
@pytest.mark.parametrize(
    "bad",
    [
        "not-an-address",
        "a@b@example.com",
        "ann smith@example.com",
        "ann@exa mple.com",
        "alice@example.org)<bob@example.org>",
        '"boss@example.com" <mallory@evil.example>',
        "Ann <ann@example.com>\r\nBcc: victim@example.com",
        "ann@example.com\nBcc: victim@example.com",
        "ann@",
        "@example.com",
        "ann@example",
        "Ann <ann@example.com",
    ],
)
def test_an_invalid_recipient_is_refused_by_name_and_nothing_is_sent(
    report_pdf, open_server, monkeypatch, option: str, bad: str
) -> None:
    pdf, _ = report_pdf
    inbox, server = open_server
    before = len(inbox.messages)
    monkeypatch.setenv("REPORTGEN_MAIL_FROM", "service@northwind.example")
    extra = [] if option == "--to" else ["--to", "ok@example.com"]
    result = CliRunner().invoke(
        main,
        ["email", str(pdf), *extra, option, f"good@example.com, {bad}", "--smtp", f"smtp://127.0.0.1:{server.port}"],
    )
    assert result.exit_code == 2, result.output
    assert len(inbox.messages) == before
    [error] = [line for line in result.stderr.splitlines() if "Error" in line]
    assert option in error and repr(bad) in error and "not an email address" in error


def test_an_empty_recipient_list_is_refused(report_pdf, monkeypatch) -> None:
    pdf, _ = report_pdf
    monkeypatch.setenv("REPORTGEN_MAIL_FROM", "service@northwind.example")
    for empty in ("", " , ;"):
        result = CliRunner().invoke(main, ["email", str(pdf), "--to", empty, "--dry-run"])
        assert result.exit_code == 2 and "no email address" in result.stderr
    assert not pdf.with_suffix(".eml").exists()


def test_report_refuses_an_invalid_email_to_before_fetching(pave, tmp_path: Path) -> None:
    add_session(pave)
    env = {
        **os.environ,
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "XDG_CACHE_HOME": str(tmp_path / "c"),
        "REPORTGEN_MAIL_FROM": "service@northwind.example",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen.cli",
            "report",
            "TST-LIVE1",
            "--email-to",
            "ann@example.com, bob at example.com",
            "--dry-run",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "'bob at example.com'" in result.stderr
    assert not (tmp_path / "TST-LIVE1.pdf").exists(), "the report was fetched though it could not be mailed"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_server_that_requires_a_login_says_so(report_pdf) -> None:
    pdf, _ = report_pdf
    inbox = Inbox()
    server = start(inbox, auth_required=True, auth_require_tls=False)
    try:
        result = send(pdf, "--to", "ann@example.com", "--smtp", f"smtp://127.0.0.1:{server.port}")
    finally:
        server.stop()
    assert result.returncode == 1 and inbox.messages == []
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("reportgen: error:")
    assert "requires a login" in result.stderr and "smtp://user:password@" in result.stderr


def test_a_missing_sender_is_a_usage_error_like_a_missing_server(report_pdf) -> None:
    pdf, _ = report_pdf
    env = {k: v for k, v in os.environ.items() if k not in ("REPORTGEN_MAIL_FROM", "REPORTGEN_SMTP_URL")}
    inbox = Inbox()
    server = start_open(inbox)
    try:
        for extra in (["--smtp", f"smtp://127.0.0.1:{server.port}"], ["--dry-run"], ["--from", "", "--dry-run"]):
            result = subprocess.run(
                [sys.executable, "-m", "reportgen.cli", "email", str(pdf), "--to", "ann@example.com", *extra],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 2, (extra, result.stderr)
            assert "no sender: set REPORTGEN_MAIL_FROM or pass --from" in result.stderr
    finally:
        server.stop()
    assert inbox.messages == [] and not pdf.with_suffix(".eml").exists()
    no_server = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "email", str(pdf), "--to", "ann@example.com"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert no_server.returncode == 2 and "no SMTP server" in no_server.stderr


def test_an_invalid_sender_is_a_usage_error(report_pdf) -> None:
    pdf, _ = report_pdf
    result = send(pdf, "--to", "ann@example.com", "--from", "a@example.com, b@example.com", "--dry-run")
    assert result.returncode == 2 and "--from" in result.stderr and "one address" in result.stderr
    assert not pdf.with_suffix(".eml").exists()


def test_the_default_brand_is_neutral_in_the_mail(report_pdf) -> None:
    pdf, data = report_pdf
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_MAIL_FROM"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen.cli",
            "email",
            str(pdf),
            "--to",
            "ann@example.com",
            "--from",
            "service@northwind.example",
            "--dry-run",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    raw = pdf.with_suffix(".eml").read_bytes()
    message, text, html, attachment = parts(raw)
    assert message["Subject"] == "Vehicle condition report for your 2021 Honda Civic"
    assert message["From"] == "service@northwind.example"
    assert attachment.get_filename() == "2021-Honda-Civic-1HGCM82633A004352-condition-report.pdf"
    assert text.rstrip().endswith("Kind regards") and "<p>Kind regards</p>" in html
    assert b"reportgen" not in raw.lower()


def test_from_carries_the_brand_name_encoded(report_pdf, tmp_path: Path) -> None:
    pdf, _ = report_pdf
    brand = tmp_path / "brand.toml"
    brand.write_text('name = "Nørthwind Motors"\n', encoding="utf-8")
    inbox = Inbox()
    server = start_open(inbox)
    try:
        result = send(
            pdf,
            "--to",
            "ann@example.com",
            "--from",
            "service@northwind.example",
            "--brand",
            str(brand),
            "--smtp",
            f"smtp://127.0.0.1:{server.port}",
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    [(sender, _, raw)] = inbox.messages
    assert sender == "service@northwind.example"
    assert b"From: =?utf-8?" in raw and raw.isascii()
    message, text, html, attachment = parts(raw)
    [address] = message["From"].addresses
    assert (address.display_name, address.addr_spec) == ("Nørthwind Motors", "service@northwind.example")
    assert message["Subject"] == "Nørthwind Motors: vehicle condition report for your 2021 Honda Civic"
    assert text.rstrip().endswith("Kind regards,\nNørthwind Motors")
    assert attachment.get_filename() == "Northwind-Motors-2021-Honda-Civic-1HGCM82633A004352-condition-report.pdf"


def test_a_sender_display_name_signs_the_mail_without_a_brand(report_pdf) -> None:
    pdf, _ = report_pdf
    result = send(pdf, "--to", "ann@example.com", "--dry-run")  # From: Northwind Service <service@…>
    assert result.returncode == 0, result.stderr
    message, text, html, _ = parts(pdf.with_suffix(".eml").read_bytes())
    assert message["From"].addresses[0].display_name == "Northwind Service"
    assert text.rstrip().endswith("Kind regards,\nNorthwind Service") and "Kind regards,<br>Northwind Service" in html


def test_email_of_a_rendered_pdf_reads_the_summary_beside_it(tmp_path: Path, make_bundle) -> None:
    body = hotspots(photo(5, "Front", "https://cdn.example/f.jpg", damage(), damage(x=20), damage(x=80)))
    bundle = make_bundle(body, images={"f.jpg": jpeg_bytes()})
    out = tmp_path / "out"
    out.mkdir()
    rendered = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "render", str(bundle), "--summary-json", "TST-SESSION1.json"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert json.loads((out / "TST-SESSION1.json").read_text())["damage_count"] == 3
    result = send(out / "TST-SESSION1.pdf", "--to", "ann@example.com", "--dry-run")
    assert result.returncode == 0, result.stderr
    message, text, html, attachment = parts((out / "TST-SESSION1.eml").read_bytes())
    assert message["Subject"] == "Vehicle condition report for your 2021 Honda Civic"
    assert "3 damages" in text and "2021 Honda Civic (VIN 1HGCM82633A004352)" in text
    assert attachment.get_filename() == "2021-Honda-Civic-1HGCM82633A004352-condition-report.pdf"


@pytest.mark.parametrize(
    "content, complaint",
    [
        ('{"schema": "reportgen.summary/1", "damage_count": ', "invalid JSON at line 1"),
        ("[1, 2]", "not a JSON object"),
        ('{"schema": "reportgen.batch/1"}', "not a reportgen summary"),
        ('{"damage_count": 2}', "not a reportgen summary"),
        ('{"schema": "reportgen.summary/1", "vehicle": ["Honda"]}', "vehicle"),
        ('{"schema": "reportgen.summary/1", "damage_count": "two"}', "damage_count"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_broken_summary_beside_the_pdf_is_an_error(report_pdf, content, complaint: str) -> None:
    pdf, _ = report_pdf
    summary = pdf.with_suffix(".json")
    summary.write_bytes(content if isinstance(content, bytes) else content.encode())
    inbox = Inbox()
    server = start_open(inbox)
    try:
        result = send(pdf, "--to", "ann@example.com", "--smtp", f"smtp://127.0.0.1:{server.port}")
        explicit = send(pdf, "--to", "ann@example.com", "--summary", str(summary), "--dry-run")
    finally:
        server.stop()
    for outcome in (result, explicit):
        assert outcome.returncode == 1, outcome.stderr
        assert outcome.stderr.count("\n") == 1 and outcome.stderr.startswith("reportgen: error: summary ")
        assert str(summary) in outcome.stderr and complaint in outcome.stderr
    assert inbox.messages == [] and not pdf.with_suffix(".eml").exists()


def test_without_a_summary_the_attachment_keeps_the_pdf_name(report_pdf, tmp_path: Path) -> None:
    pdf, data = report_pdf
    pdf.with_suffix(".json").unlink()
    result = send(pdf, "--to", "ann@example.com", "--dry-run")
    assert result.returncode == 0, result.stderr
    message, text, _, attachment = parts(pdf.with_suffix(".eml").read_bytes())
    assert attachment.get_filename() == "TST-SESSION1.pdf" and attachment.get_content() == data
    assert message["Subject"] == "Vehicle condition report" and "Please find attached the condition report." in text
    missing = send(pdf, "--to", "ann@example.com", "--summary", str(tmp_path / "nope.json"), "--dry-run")
    assert missing.returncode == 2 and "nope.json" in missing.stderr


def test_address_forms_that_are_accepted() -> None:
    from reportgen.mail import parse_addresses

    found = parse_addresses(
        ['"Driver, Ann" <ann@example.com>; Évelyne Roux <eve@example.com>,', "x.y+z@mail.example.co.uk"]
    )
    assert [(a.display_name, a.addr_spec) for a in found] == [
        ("Driver, Ann", "ann@example.com"),
        ("Évelyne Roux", "eve@example.com"),
        ("", "x.y+z@mail.example.co.uk"),
    ]
