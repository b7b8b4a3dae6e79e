"""The command line: outputs, one-line errors and the documented exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reportgen.cli import EXIT_CODES_HELP, ExitCode, main

from .support.builders import (
    SAMPLE_BRAND,
    add_session,
    damage,
    hotspots,
    jpeg_bytes,
    many_damages_bundle,
    photo,
    small_bundle,
)
from .support.cli import run_cli
from .support.fake_pave import API_KEY
from .support.processes import children, cpu_ticks, forked, running


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A real process, so exit codes and stderr are exactly what a user sees."""
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": ""},
    )


def good_bundle(make_bundle) -> Path:
    body = hotspots(photo(5, "Front", "https://cdn.example/front.jpg", damage(description="Deep scratch")))
    return make_bundle(body, images={"front.jpg": jpeg_bytes()}, name="TST-SESSION1")


def test_render_writes_the_session_key_pdf_in_the_current_directory(tmp_path: Path, make_bundle) -> None:
    bundle = good_bundle(make_bundle)
    out = tmp_path / "out"
    out.mkdir()
    result = run("render", str(bundle), cwd=out)
    assert result.returncode == 0, result.stderr
    assert (out / "TST-SESSION1.pdf").read_bytes().startswith(b"%PDF-")
    assert result.stderr == ""
    assert [p.name for p in out.iterdir()] == ["TST-SESSION1.pdf"], "a temporary file was left behind"


def test_missing_bundle_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = run("render", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("reportgen: error:") and "not a directory" in result.stderr


def test_invalid_json_names_the_file(make_bundle) -> None:
    result = run("render", str(make_bundle('{"data": [}')))
    assert result.returncode == 1 and "hotspots.json: invalid JSON at line 1" in result.stderr
    assert result.stderr.count("\n") == 1


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("--debug", "render", str(tmp_path / "nope"))
    assert result.returncode == 1 and "Traceback" in result.stderr and "InvalidBundleError" in result.stderr


@pytest.mark.parametrize("args", [["render"], ["render", "x", "--paper", "a3"], ["render", "x", "--bogus"], ["nosuch"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2


def test_missing_photo_warns_and_still_renders_but_strict_fails(tmp_path: Path, make_bundle) -> None:
    bundle = make_bundle(hotspots(photo(5, "Front", "https://cdn.example/gone.jpg", damage())))
    lenient = run("render", str(bundle), "-o", str(tmp_path / "a.pdf"))
    assert lenient.returncode == 0 and (tmp_path / "a.pdf").exists()
    assert lenient.stderr.strip() == "reportgen: warning: photo 'Front' unavailable: photo not in the bundle"
    strict = run("render", str(bundle), "-o", str(tmp_path / "b.pdf"), "--strict")
    assert strict.returncode == 1 and "photo 'Front' unavailable" in strict.stderr
    assert not (tmp_path / "b.pdf").exists()


def test_a_failed_render_keeps_the_previous_file(tmp_path: Path, make_bundle) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF-previous")
    result = run("render", str(make_bundle("[]")), "-o", str(target))
    assert result.returncode == 1 and target.read_bytes() == b"%PDF-previous"


def test_html_format_writes_one_self_contained_file(tmp_path: Path, make_bundle) -> None:
    result = CliRunner().invoke(
        main,
        [
            "render",
            str(good_bundle(make_bundle)),
            "--format",
            "html",
            "-o",
            str(tmp_path / "r.html"),
            "--brand",
            str(SAMPLE_BRAND),
        ],
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r.html").read_text()
    assert "Deep scratch" in html and "data:image/jpeg;base64," in html and "file:" not in html


def test_bad_brand_file_is_an_error_not_a_crash(tmp_path: Path, make_bundle) -> None:
    brand = tmp_path / "brand.toml"
    brand.write_text('primary_color = "red"\n')
    result = run("render", str(good_bundle(make_bundle)), "--brand", str(brand), "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 1 and "primary_color must be a hex colour" in result.stderr


def test_help_does_not_import_weasyprint() -> None:
    code = (
        "import sys; from reportgen.cli import main; sys.argv=['reportgen','--help']\n"
        "try:\n main()\nexcept SystemExit: pass\nprint('weasyprint' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("False")


def test_demo_renders_the_sample(tmp_path: Path) -> None:
    result = run("demo", "-o", str(tmp_path / "demo.pdf"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and (tmp_path / "demo.pdf").stat().st_size > 100_000


def test_the_output_suffix_chooses_the_format(tmp_path: Path, make_bundle) -> None:
    bundle = good_bundle(make_bundle)
    result = CliRunner().invoke(main, ["render", str(bundle), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "Deep scratch" in html


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "x.pdf", "--format", "html"], "-o x.pdf names a PDF file but --format is html"),
        (["-o", "x.html", "--format", "pdf"], "-o x.html names a HTML file but --format is pdf"),
        (["--format", "html", "--pdfa"], "--pdfa makes an archival PDF"),
        (["-o", "x.htm", "--pdfa"], "--pdfa makes an archival PDF"),
    ],
)
def test_contradicting_format_options_are_usage_errors(
    tmp_path: Path, make_bundle, args: list[str], message: str
) -> None:
    result = run("render", str(good_bundle(make_bundle)), *args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and list(tmp_path.glob("x.*")) == []


def test_exit_130_is_documented() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "| 130 | interrupted" in readme
    assert "130 interrupted" in CliRunner().invoke(main, ["--help"]).output


@pytest.mark.parametrize("command", ["render", "demo"])
def test_dash_writes_the_document_to_stdout(tmp_path: Path, command: str) -> None:
    args = ["render", str(small_bundle(tmp_path))] if command == "render" else ["demo"]
    result = run_cli(*args, "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"%PDF-") and result.stdout.rstrip().endswith(b"%%EOF")
    assert not (tmp_path / "-").exists() and b"wrote" not in result.stdout


# ---- the commands share their options -------------------------------------------------------------

RENDER_OPTIONS = ("brand", "templates", "paper", "strict", "rates", "pdfa")


def described(command: str, name: str) -> tuple[object, ...]:
    (param,) = [p for p in main.commands[command].params if p.name == name]
    assert isinstance(param, click.Option)
    return (param.opts, param.help, repr(param.type), param.is_flag, param.default)


@pytest.mark.parametrize("name", RENDER_OPTIONS)
def test_render_report_and_batch_share_one_declaration_of_each_render_option(name: str) -> None:
    assert described("render", name) == described("report", name) == described("batch", name)


@pytest.mark.parametrize("command", ["fetch", "report", "batch"])
def test_a_missing_api_key_is_one_usage_line_for_every_command_that_needs_it(tmp_path: Path, command: str) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("TST-1\n")
    argument = str(keys) if command == "batch" else "TST-1"
    result = CliRunner().invoke(main, [command, argument], env={"PAVE_API_KEY": ""})
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: no PAVE API key: set PAVE_API_KEY or pass --api-key"]
    assert "[required]" in CliRunner().invoke(main, [command, "--help"]).output


def test_every_exit_code_is_in_the_help_and_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for code in ExitCode:
        assert f"| {code.value} |" in readme and f" {code.value} " in EXIT_CODES_HELP + " ", code


def test_report_reads_the_brand_file_before_downloading_anything(pave, tmp_path: Path) -> None:
    add_session(pave, "TST-LIVE1")
    (tmp_path / "brand.toml").write_text('primary_color = "red"\n')
    result = CliRunner().invoke(
        main,
        ["report", "TST-LIVE1", "--brand", str(tmp_path / "brand.toml"), "-o", str(tmp_path / "r.pdf")],
        env={"PAVE_API_KEY": API_KEY, "PAVE_BASE_URL": pave.api_url, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert result.exit_code == 1 and "primary_color must be a hex colour" in result.stderr
    assert pave.api_log == [] and pave.image_log == [] and not (tmp_path / "r.pdf").exists()


def test_batch_checks_the_templates_folder_once_before_rendering(pave, tmp_path: Path) -> None:
    for key in ("TST-1", "TST-2"):
        add_session(pave, key)
    (tmp_path / "keys.txt").write_text("TST-1\nTST-2\n")
    result = CliRunner().invoke(
        main,
        ["batch", str(tmp_path / "keys.txt"), "-d", str(tmp_path / "out"), "--templates", str(tmp_path / "nope")],
        env={"PAVE_API_KEY": API_KEY, "PAVE_BASE_URL": pave.api_url, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert result.exit_code == 1
    assert result.stderr == f"reportgen: error: templates folder {tmp_path / 'nope'}: not a directory\n"
    assert pave.api_log == [] and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "collects"),
    [
        (["--debug", "render", "bundle"], False),
        (["report", "TST-1"], False),
        (["compare", "A", "B"], False),
        (["batch", "keys.txt"], True),
        (["serve"], True),
        (["--help"], True),
    ],
)
def test_a_process_that_makes_one_document_runs_without_the_cycle_collector(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], collects: bool
) -> None:
    import gc

    import reportgen.cli

    seen: list[bool] = []
    monkeypatch.setattr(reportgen.cli, "main", lambda: seen.append(gc.isenabled()))
    monkeypatch.setattr(sys, "argv", ["reportgen", *argv])
    assert gc.isenabled()
    try:
        reportgen.cli.run()
    finally:
        gc.enable()
    # A long-lived command (or main() called in another program) keeps collecting as before.
    assert seen == [collects]


# A terminal's foreground job gets SIGINT's default handler; a background shell (CI) would ignore it.
AS_FROM_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'reportgen'; runpy.run_module('reportgen.cli', run_name='__main__')"
)


@contextmanager
def rendering_1000_damages(tmp_path: Path, launcher: str) -> Iterator[tuple[subprocess.Popen[bytes], Path, Path]]:
    """`render --jobs 2` of 1,000 damages in its own process group, as a terminal runs a job; killed if left running."""
    bundle = many_damages_bundle(tmp_path, 1000, 20)
    out = tmp_path / "out.pdf"
    log = tmp_path / "stderr.txt"
    with log.open("w") as stream:
        cli = subprocess.Popen(
            [sys.executable, "-c", launcher, "--debug", "render", str(bundle), "-o", str(out), "--jobs", "2"],
            stderr=stream,
            start_new_session=True,
        )
    try:
        yield cli, log, out
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()


def test_ctrl_c_while_the_photos_are_processed_says_interrupted_and_leaves_no_process_or_file(tmp_path: Path) -> None:
    with rendering_1000_damages(tmp_path, AS_FROM_A_TERMINAL) as (cli, log, out):
        deadline = time.monotonic() + 60
        while "forked processes" not in log.read_text() and cli.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = forked(children(cli.pid))
        # Ctrl-C once the photo processes are at work (they have used CPU time).
        while cli.poll() is None and time.monotonic() < deadline and cpu_ticks(workers) < 5:
            time.sleep(0.01)
        os.killpg(cli.pid, signal.SIGINT)  # what Ctrl-C does: every process of the job gets it
        cli.wait(timeout=60)
    stderr = log.read_text()
    assert cli.returncode == ExitCode.INTERRUPTED, stderr
    assert stderr.splitlines()[-1].startswith("reportgen: interrupted") and "Traceback" not in stderr, stderr
    assert len(workers) == 2 and not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


AS_THE_PROGRAM = "import sys; sys.argv[0] = 'reportgen'; from reportgen.cli import run; run()"


@pytest.mark.parametrize("stage", ["photos", "layout"])
def test_sigterm_says_terminated_and_leaves_no_process_or_file(tmp_path: Path, stage: str) -> None:
    # `kill PID`, `timeout`, a supervisor: SIGTERM reaches the command alone, not its processes.
    with rendering_1000_damages(tmp_path, AS_THE_PROGRAM) as (cli, log, out):
        deadline = time.monotonic() + 60
        awaited = "forked processes" if stage == "photos" else "photos processed"
        while awaited not in log.read_text() and cli.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        before = children(cli.pid) if stage == "layout" else set()
        workers: set[int] = set()
        # SIGTERM once the photo processes, or the layout processes, have used CPU time.
        while cli.poll() is None and time.monotonic() < deadline and (len(workers) < 2 or cpu_ticks(workers) < 5):
            time.sleep(0.01)
            workers = children(cli.pid) - before
        workers = forked(workers)  # not ldconfig, which WeasyPrint's import may be starting
        cli.send_signal(signal.SIGTERM)
        cli.wait(timeout=60)
    stderr = log.read_text()
    assert cli.returncode == ExitCode.TERMINATED == 143, stderr
    assert stderr.splitlines()[-1] == "reportgen: terminated" and "Traceback" not in stderr, stderr
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in workers)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_program_s_own_sigterm_handler_is_kept_and_a_forked_child_dies_of_sigterm() -> None:
    from reportgen.termination import Terminated, sigterm_raises

    def mine(signum: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with sigterm_raises():
            assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with pytest.raises(Terminated), sigterm_raises():
        pid = os.fork()
        if pid == 0:  # as a layout process: it ends at once, as it always did
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_warning_of_the_library_is_one_line_of_the_command(tmp_path: Path, make_bundle) -> None:
    # Here: reportgen's temporary folder is a symlink someone planted, so it is not used.
    temporary = tmp_path / "tmp"
    (temporary / "elsewhere").mkdir(parents=True)
    (temporary / f"reportgen-{os.getuid()}").symlink_to(temporary / "elsewhere")
    bundle = good_bundle(make_bundle)
    result = run_cli("render", str(bundle), "-o", str(tmp_path / "out.pdf"), TMPDIR=str(temporary))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.decode().splitlines()
    assert lines == [
        f"reportgen: warning: {temporary}/reportgen-{os.getuid()} is not this user's alone: "
        "temporary folders left by killed processes stay"
    ]


def test_commands_run_in_one_process_say_a_library_warning_once(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    for _ in range(3):
        CliRunner().invoke(main, ["render", "no-such-bundle"])
    logging.getLogger("reportgen.anything").warning("two\n  lines")
    assert capsys.readouterr().err == "reportgen: warning: two lines\n"


def test_ctrl_c_while_the_command_line_loads_says_interrupted_without_a_traceback(tmp_path: Path) -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    entry = pyproject["project"]["scripts"]["reportgen"]
    module, _, function = entry.partition(":")
    # Ctrl-C arrives while Python imports click, as the program loads its command line.
    interrupted_while_loading = (
        "import importlib.abc, sys\n"
        "class CtrlC(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'click':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        f"from {module} import {function}\n"
        f"{function}()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", interrupted_while_loading, "render", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (ExitCode.INTERRUPTED, "reportgen: interrupted\n")
