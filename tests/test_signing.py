"""Signed reports (PAdES B-B/B-T, an incremental update that keeps PDF/A-3) and `reportgen verify`."""

from __future__ import annotations

import dataclasses
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from reportgen import RenderOptions, render_bundle
from reportgen.brand import load_brand
from reportgen.errors import ConfigError
from reportgen.signing import check_signature, load_signing_key, sign_pdf

from .support.builders import SAMPLE_BUNDLE, add_session
from .support.cli import run_cli, run_pave
from .support.pki import PASSWORD, Pki, make_pki
from .support.tsa import timestamp_server

EPOCH = "1700000000"
ATTACHMENTS = ["hotspots.json", "manifest.json", "photos.json", "session.json", "summary.json"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, int]:
    """The sample, rendered and signed by the command line with a timestamp, and the same unsigned PDF/A."""
    folder = tmp_path_factory.mktemp("signed")
    with timestamp_server(pki) as tsa:
        result = run_cli(
            "render",
            str(SAMPLE_BUNDLE),
            "-o",
            str(folder / "signed.pdf"),
            "--sign",
            str(pki.p12),
            "--tsa",
            tsa.url,
            cwd=folder,
            REPORTGEN_SIGN_PASSWORD=PASSWORD,
            SOURCE_DATE_EPOCH=EPOCH,
        )
        assert result.returncode == 0, result.stderr
        requests = tsa.requests
    unsigned = run_cli("render", str(SAMPLE_BUNDLE), "--pdfa", "-o", "-", cwd=folder, SOURCE_DATE_EPOCH=EPOCH).stdout
    return folder / "signed.pdf", unsigned, requests


def test_the_signature_is_an_incremental_update_that_keeps_pdfa_3_and_its_attachments(signed) -> None:
    path, unsigned, _ = signed
    data = path.read_bytes()
    # Every byte of the unsigned PDF/A is still there, first: the signature only appends.
    assert len(data) > len(unsigned) and data.startswith(unsigned)
    with pikepdf.open(io.BytesIO(unsigned)) as before, pikepdf.open(io.BytesIO(data)) as after:
        assert before.check_pdf_syntax() == [] and after.check_pdf_syntax() == []
        with after.open_metadata() as meta:
            assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "B"
        assert sorted(after.attachments) == ATTACHMENTS
        for name, spec in before.attachments.items():
            assert after.attachments[name].get_file().read_bytes() == spec.get_file().read_bytes()
        assert len(after.Root.AF) == len(ATTACHMENTS)
        assert "/OutputIntents" in after.Root
        # PDF/A-3 is PDF 1.7: the signature must not raise the catalog's version (an ECDSA key would, by default).
        assert str(after.Root.get("/Version", "/1.7")) in ("/1.7", "/1.4", "/1.5", "/1.6")
        assert after.trailer.ID[0] == before.trailer.ID[0]
        (field,) = after.Root.AcroForm.Fields
        assert field.FT == "/Sig" and field.V.SubFilter == "/ETSI.CAdES.detached"
        # An invisible widget: printable (PDF/A), of zero size, so it needs no appearance stream.
        assert int(field.F) & 4 and [float(v) for v in field.Rect] == [0, 0, 0, 0]


def test_verify_says_who_signed_when_that_it_is_intact_and_that_the_record_matches(signed, pki: Pki) -> None:
    path, _, requests = signed
    assert requests >= 1  # the timestamp came from the local authority
    result = run_cli("verify", str(path), "--trust", str(pki.root_pem), "--bundle", str(SAMPLE_BUNDLE))
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert "signed by: Organization: Northwind Motors Test, Common Name: Northwind Motors Signing" in out
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    for key in ("signed at", "timestamp"):
        moment = datetime.strptime(lines[key].split(" UTC")[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert abs((datetime.now(UTC) - moment).total_seconds()) < 600
    assert lines["timestamp"].endswith("(timestamp authority)")
    assert lines["intact since signing"] == "yes"
    assert lines["certificate"] == "chains to a trusted root"
    digest = json.loads(_attachment(path.read_bytes(), "summary.json"))["manifest_sha256"]
    assert lines["record"].startswith(f"{digest} for session UDB-CJDQF4DJYM (3 PAVE responses, 13 photos")
    assert lines["record"].endswith("matches the data in the PDF")
    assert "matches the record" in out and out.splitlines()[-1] == "verified"


def test_without_a_trust_root_verify_says_the_chain_was_not_checked_and_still_holds(signed) -> None:
    result = run_cli("verify", str(signed[0]))
    assert result.returncode == 0, result.stderr
    assert b"certificate: not checked against a trusted root (give --trust CA.pem)" in result.stdout


def test_another_trust_root_fails(signed, tmp_path: Path) -> None:
    other = make_pki(tmp_path / "other")
    result = run_cli("verify", str(signed[0]), "--trust", str(other.root_pem))
    assert result.returncode == 1
    assert b"certificate: NOT trusted" in result.stdout
    assert result.stderr == b"reportgen: error: the signer's certificate does not chain to a trusted root\n"


@pytest.mark.parametrize("where", [0.25, 0.5, 0.75])
def test_one_tampered_byte_is_detected(signed, tmp_path: Path, where: float) -> None:
    data = bytearray(signed[0].read_bytes())
    # A byte of the signed range (inside the original document, not the signature's own hex).
    index = int(len(signed[1]) * where)
    data[index] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = run_cli("verify", str(tampered))
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert stderr.startswith("reportgen: error: ") and "Traceback" not in stderr
    assert "the signed content was changed after signing" in stderr or "cannot" in stderr
    assert b"verified" not in result.stdout


def test_content_added_after_signing_is_detected(signed, tmp_path: Path) -> None:
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(signed[0].read_bytes() + b"\n1 0 obj\n(x)\nendobj\n")
    result = run_cli("verify", str(appended))
    assert result.returncode == 1
    assert b"reportgen: error: content was added to the file after it was signed\n" in result.stderr
    assert b"intact since signing: NO" in result.stdout


def test_a_bundle_whose_photo_was_edited_after_the_report_fails_naming_the_photo(signed, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLE_BUNDLE, bundle)
    photo = bundle / "images" / "UDB-512D3TASIY_04_TVL.jpg"
    data = bytearray(photo.read_bytes())
    data[-100] ^= 0x01
    photo.write_bytes(bytes(data))
    result = run_cli("verify", str(signed[0]), "--bundle", str(bundle))
    assert result.returncode == 1
    assert f"bundle {bundle}: DOES NOT match".encode() in result.stdout
    assert result.stderr == (
        b"reportgen: error: photo UDB-512D3TASIY_04_TVL.jpg: differs from the record "
        b"(edited or replaced since it was downloaded)\n"
    )


def test_a_file_that_is_not_a_pdf_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_text("hello")
    result = run_cli("verify", str(tmp_path / "x.pdf"))
    assert result.returncode == 2 and f"{tmp_path / 'x.pdf'} is not a PDF file".encode() in result.stderr


def test_an_unsigned_report_does_not_verify(tmp_path: Path) -> None:
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(render_bundle(SAMPLE_BUNDLE, pdfa=True).pdf)
    result = run_cli("verify", str(pdf))
    assert result.returncode == 1
    assert b"signed by: nobody" in result.stdout and b"matches the data in the PDF" in result.stdout
    assert result.stderr == b"reportgen: error: the PDF is not signed\n"


def test_every_reason_verify_fails_for_is_said_in_one_line(tmp_path: Path) -> None:
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(render_bundle(SAMPLE_BUNDLE).pdf)
    result = run_cli("verify", str(pdf))
    assert result.returncode == 1
    assert result.stderr == (
        b"reportgen: error: the PDF is not signed; "
        b"the PDF carries no inspection record (render it with --pdfa or --sign)\n"
    )


def test_a_wrong_password_is_one_line_that_never_shows_it(pki: Pki, tmp_path: Path) -> None:
    secret = "hunter2-not-the-password"
    result = run_cli("render", str(SAMPLE_BUNDLE), "--sign", str(pki.p12), cwd=tmp_path, REPORTGEN_SIGN_PASSWORD=secret)
    assert result.returncode == 1
    assert result.stderr == f"reportgen: error: signing key {pki.p12}: wrong password, or not a PKCS#12 file\n".encode()
    assert secret.encode() not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_password_is_never_an_argument_and_a_missing_one_is_a_usage_error(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORTGEN_SIGN_PASSWORD", raising=False)
    result = run_cli("render", str(SAMPLE_BUNDLE), "--sign", str(pki.p12), "--password", PASSWORD, cwd=tmp_path)
    assert result.returncode == 2 and b"No such option '--password'" in result.stderr
    # stdin is not a terminal here, so there is nobody to prompt.
    result = run_cli("render", str(SAMPLE_BUNDLE), "--sign", str(pki.p12), cwd=tmp_path)
    assert result.returncode == 2
    assert b"--sign needs the key's password: set REPORTGEN_SIGN_PASSWORD or run on a terminal" in result.stderr


@pytest.mark.parametrize("args", [["-o", "r.html"], ["--format", "html"]])
def test_signing_html_is_a_usage_error(pki: Pki, tmp_path: Path, args: list[str]) -> None:
    result = run_cli(
        "render", str(SAMPLE_BUNDLE), "--sign", str(pki.p12), *args, cwd=tmp_path, REPORTGEN_SIGN_PASSWORD=PASSWORD
    )
    assert result.returncode == 2
    assert b"--sign signs a PDF: it cannot be combined with HTML output" in result.stderr


def test_tsa_without_a_key_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("render", str(SAMPLE_BUNDLE), "--tsa", "http://127.0.0.1:9/tsa", cwd=tmp_path)
    assert result.returncode == 2 and b"--tsa timestamps a signature" in result.stderr


def test_a_timestamp_authority_must_be_a_web_address(pki: Pki, tmp_path: Path) -> None:
    result = run_cli(
        "render", str(SAMPLE_BUNDLE), "--sign", str(pki.p12), "--tsa", "ftp://tsa.example/", cwd=tmp_path,
        REPORTGEN_SIGN_PASSWORD=PASSWORD,
    )  # fmt: skip
    assert result.returncode == 2 and b"--tsa 'ftp://tsa.example/': expected an http(s) address" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_baseline_b_signature_has_no_timestamp_and_an_unreachable_tsa_fails_cleanly(pki: Pki, tmp_path: Path) -> None:
    key = load_signing_key(pki.p12, PASSWORD)
    pdf = render_bundle(SAMPLE_BUNDLE, pdfa=True).pdf
    check = check_signature(sign_pdf(pdf, key), [pki.root_der])
    assert check.holds and check.timestamped_at is None and check.signed_at is not None
    path = tmp_path / "b.pdf"
    path.write_bytes(sign_pdf(pdf, key))
    result = run_cli("verify", str(path))
    assert result.returncode == 0 and b"\ntimestamp: none (PAdES B-B; --tsa adds one)\n" in result.stdout
    with pytest.raises(Exception, match=r"^signing failed \(timestamp authority http://127.0.0.1:9/tsa\): "):
        sign_pdf(pdf, dataclasses.replace(key, timestamp_url="http://127.0.0.1:9/tsa"))


def test_a_brand_signs_every_report_with_a_key_read_once_and_never_shown(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(pki.p12, tmp_path / "northwind.p12")
    brand_file = tmp_path / "brand.toml"
    brand_file.write_text('name = "Northwind Motors"\nsigning_key = "northwind.p12"\n')
    monkeypatch.delenv("REPORTGEN_SIGN_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="signing_key needs its password in REPORTGEN_SIGN_PASSWORD$"):
        load_brand(brand_file)
    monkeypatch.setenv("REPORTGEN_SIGN_PASSWORD", "wrong")
    with pytest.raises(ConfigError, match="wrong password, or not a PKCS#12 file$"):
        load_brand(brand_file)
    monkeypatch.setenv("REPORTGEN_SIGN_PASSWORD", PASSWORD)
    brand = load_brand(brand_file)
    assert brand.signing is not None
    (tmp_path / "northwind.p12").unlink()  # read once: the options no longer need the file
    shown = repr(brand) + repr(brand.signing) + repr(RenderOptions(brand=brand))
    assert PASSWORD not in shown and brand.signing.private_key.hex()[:32] not in shown
    assert "private_key" not in shown
    report = render_bundle(SAMPLE_BUNDLE, RenderOptions(brand=brand))
    assert report.pdfa
    check = check_signature(report.pdf, [pki.root_der])
    assert check.holds and "Northwind Motors Signing" in check.signer


def test_batch_signs_each_report_in_its_workers(pave, pki: Pki, tmp_path: Path) -> None:
    add_session(pave)
    keys = tmp_path / "keys.txt"
    keys.write_text("TST-LIVE1\n")
    result = run_pave(
        pave, tmp_path, "batch", str(keys), "-d", "out", "--jobs", "1", "--sign", str(pki.p12),
        REPORTGEN_SIGN_PASSWORD=PASSWORD,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    verified = run_cli("verify", str(tmp_path / "out" / "TST-LIVE1.pdf"), "--trust", str(pki.root_pem))
    assert verified.returncode == 0, verified.stderr
    assert b"for session TST-LIVE1 (3 PAVE responses, 2 photos" in verified.stdout


def _attachment(pdf: bytes, name: str) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return bytes(document.attachments[name].get_file().read_bytes())


def test_on_a_terminal_the_password_is_asked_for_without_echo(pki: Pki, tmp_path: Path) -> None:
    master, slave = os.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_SIGN_PASSWORD"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen.cli", "render", str(SAMPLE_BUNDLE), "--sign", str(pki.p12), "-o", "s.pdf"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=tmp_path,
        env=env,
        preexec_fn=controlling_terminal,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while b"Password for" not in seen:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            process.kill()
            pytest.fail(f"no password prompt within 60 s: {seen!r}")
        try:
            seen += os.read(master, 1024)
        except OSError:  # the process ended (and closed the terminal) without asking
            pytest.fail(f"no password prompt: {seen!r}, {process.wait()}")
    os.write(master, PASSWORD.encode() + b"\n")
    stdout, _ = process.communicate(timeout=120)
    while True:
        try:
            chunk = os.read(master, 1024)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert process.returncode == 0, seen
    assert PASSWORD.encode() not in seen + stdout  # not echoed, not printed
    assert check_signature((tmp_path / "s.pdf").read_bytes(), [pki.root_der]).holds


def test_the_service_signs_with_the_key_its_brand_file_names_and_never_shows_it(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.service.config import load_config

    shutil.copy(pki.p12, tmp_path / "northwind.p12")
    (tmp_path / "brand.toml").write_text('name = "Northwind Motors"\nsigning_key = "northwind.p12"\n')
    (tmp_path / "reportgen.toml").write_text('default_brand = "northwind"\n[brands.northwind]\nfile = "brand.toml"\n')
    monkeypatch.setenv("REPORTGEN_SIGN_PASSWORD", PASSWORD)
    config = load_config(tmp_path / "reportgen.toml", {}, data_dir=tmp_path / "data")
    options = config.brand("northwind").options
    assert options.brand.signing is not None
    shown = repr(config) + "\n".join(config.describe())
    assert PASSWORD not in shown and options.brand.signing.private_key.hex()[:32] not in shown
    report = render_bundle(SAMPLE_BUNDLE, options)
    assert check_signature(report.pdf, [pki.root_der]).holds


def test_a_brand_that_signs_gets_a_warning_for_a_comparison_it_does_not_sign(pki: Pki, tmp_path: Path) -> None:
    from reportgen import compare_bundles

    key = load_signing_key(pki.p12, PASSWORD)
    after = tmp_path / "after"
    shutil.copytree(SAMPLE_BUNDLE, after)
    body = json.loads((after / "hotspots.json").read_text(encoding="utf-8"))
    body["session"]["session_key"] = "UDB-CHECKIN9"
    (after / "hotspots.json").write_text(json.dumps(body), encoding="utf-8")
    (after / "session.json").unlink(missing_ok=True)
    options = RenderOptions()
    signing = dataclasses.replace(options, brand=dataclasses.replace(options.brand, signing=key))
    report = compare_bundles(SAMPLE_BUNDLE, after, signing)
    assert any("comparisons are not signed" in warning for warning in report.warnings)
    assert b"/ByteRange" not in report.pdf
    assert not any("signed" in warning for warning in compare_bundles(SAMPLE_BUNDLE, after).warnings)
