"""`reportgen batch` against the fake PAVE: a mix of sessions, the summary file, resume, --force, Ctrl-C, warnings."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen.batch import read_keys

from .support.builders import add_session
from .support.cli import batch_env
from .support.fake_pave import Reply, slow


def run_batch(pave, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "batch", "keys.txt", "-d", "out", *args],
        cwd=tmp_path,
        env=batch_env(pave, tmp_path, **(env or {})),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_keys_file_allows_comments_blanks_and_repeats(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("# fleet A\nAAA-1\n\n  BBB-2  # van\nAAA-1\n")
    assert read_keys(keys) == ["AAA-1", "BBB-2"]


def test_a_mixed_batch_writes_what_it_can_and_reports_the_rest(pave, tmp_path: Path) -> None:
    for key in ("GOOD-1", "GOOD-2", "GOOD-3", "LATE-1"):
        add_session(pave, key)
    pave.queued["/v1/hotspots/LATE-1"] = [Reply(400, {"message": "This session is not yet inspected."})]
    (tmp_path / "keys.txt").write_text("GOOD-1\nLATE-1\n# a comment\nGONE-404\nGOOD-2\n../../etc/passwd\nGOOD-3\n")

    result = run_batch(pave, tmp_path, "--jobs", "2")
    assert result.returncode == 1
    assert "batch: 3 written, 0 skipped, 3 failed" in result.stdout
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "GOOD-1.json",
        "GOOD-1.pdf",
        "GOOD-2.json",
        "GOOD-2.pdf",
        "GOOD-3.json",
        "GOOD-3.pdf",
        "batch-summary.json",
    ]
    summary = json.loads((out / "batch-summary.json").read_text())
    keys_order = ["GOOD-1", "LATE-1", "GONE-404", "GOOD-2", "../../etc/passwd", "GOOD-3"]
    assert [s["session_key"] for s in summary["sessions"]] == keys_order
    assert summary["schema"] == "reportgen.batch/1" and summary["jobs"] == 2 and not summary["interrupted"]
    assert summary["counts"] == {"written": 3, "skipped": 0, "failed": 3}
    by_key = {s["session_key"]: s for s in summary["sessions"]}
    assert by_key["LATE-1"]["error_kind"] == "not_inspected"
    assert by_key["GONE-404"]["error_kind"] == "not_found"
    assert by_key["../../etc/passwd"]["error_kind"] == "invalid_key"
    assert by_key["GOOD-2"]["status"] == "written" and by_key["GOOD-2"]["damage_count"] == 4
    assert all(by_key[k]["seconds"] > 0 for k in ("GOOD-1", "GOOD-2", "GOOD-3"))
    # Not a terminal: one plain line per session on stderr.
    assert "GOOD-1: written" in result.stderr and "GONE-404: failed" in result.stderr

    first = by_key

    # Resume: what exists is skipped and keeps its record, the rest is tried again.
    add_session(pave, "LATE-1")
    again = run_batch(pave, tmp_path)
    summary = json.loads((out / "batch-summary.json").read_text())
    assert summary["counts"] == {"written": 1, "skipped": 3, "failed": 2}
    assert (out / "LATE-1.pdf").exists() and again.returncode == 1
    assert [s["session_key"] for s in summary["sessions"]] == keys_order
    by_key = {s["session_key"]: s for s in summary["sessions"]}
    for key in ("GOOD-1", "GOOD-2", "GOOD-3"):
        assert by_key[key] == {**first[key], "status": "skipped"}
    assert by_key["LATE-1"]["status"] == "written" and by_key["LATE-1"]["damage_count"] == 4

    # "Skipped" means the PDF and its summary JSON are both there: a PDF alone is rendered again.
    (out / "GOOD-3.json").unlink()
    third = run_batch(pave, tmp_path)
    by_key = {s["session_key"]: s for s in json.loads((out / "batch-summary.json").read_text())["sessions"]}
    assert by_key["GOOD-3"]["status"] == "written" and (out / "GOOD-3.json").is_file()
    assert by_key["GOOD-1"]["status"] == "skipped" and by_key["GOOD-1"]["damage_count"] == 4
    assert third.returncode == 1

    before = (out / "GOOD-1.pdf").stat().st_mtime_ns
    forced = run_batch(pave, tmp_path, "--force")
    assert json.loads((out / "batch-summary.json").read_text())["counts"]["written"] == 4
    assert (out / "GOOD-1.pdf").stat().st_mtime_ns != before and forced.returncode == 1


def test_all_good_exits_zero(pave, tmp_path: Path) -> None:
    add_session(pave, "ONLY-1")
    (tmp_path / "keys.txt").write_text("ONLY-1\n")
    result = run_batch(pave, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "batch: 1 written, 0 skipped, 0 failed" in result.stdout


def slow_sessions(pave, tmp_path: Path, count: int, seconds: float = 1.0) -> list[str]:
    """Sessions whose photos take `seconds` each to download, so several are in flight at any time."""
    keys = [f"SLOW-{i}" for i in range(count)]
    for key in keys:
        add_session(pave, key)
        for name in (f"{key}_05_front.jpg", f"{key}_04_left.jpg"):
            pave.images[name] = slow(pave.images[name], seconds)
    (tmp_path / "keys.txt").write_text("\n".join(keys) + "\n")
    return keys


# A process started in the background by a shell (`make test &`, a CI runner) inherits SIGINT ignored,
# and Python then installs no KeyboardInterrupt handler: Ctrl-C would do nothing, as POSIX wants for
# background jobs. A terminal gives its foreground job the default: so does this launcher.
AS_FROM_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'reportgen'; runpy.run_module('reportgen.cli', run_name='__main__')"
)


def start_batch(pave, tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], Path]:
    """`reportgen batch` in its own process group (as a terminal runs it), stderr to a file we can watch."""
    log = tmp_path / "stderr.txt"
    with log.open("w") as stream:  # the child has its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-c", AS_FROM_A_TERMINAL, "batch", "keys.txt", "-d", "out", "--jobs", "2", *args],
            cwd=tmp_path,
            env=batch_env(pave, tmp_path),
            stdout=subprocess.PIPE,
            stderr=stream,
            text=True,
            start_new_session=True,
        )
    return process, log


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def group_gone(group: int) -> bool:
    """No live process left in the group (zombies waiting for an init that reaps slowly don't count)."""
    if not Path("/proc/self/stat").exists():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        return False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue
        if int(pgrp) == group and state not in ("Z", "X"):
            return False
    return True


def requested_keys(pave) -> set[str]:
    return {path.rsplit("/", 1)[-1] for path, _ in list(pave.api_log) if path.startswith("/v1/hotspots/")}


def folder(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir()}


def assert_summary_matches_folder(out: Path, *, killed: bool = False) -> dict:
    summary = json.loads((out / "batch-summary.json").read_text())
    listed = {s["session_key"] for s in summary["sessions"] if s["status"] in ("written", "skipped")}
    assert {p.stem for p in out.glob("*.pdf")} == listed
    assert {p.stem for p in out.glob("*.json") if p.name != "batch-summary.json"} == listed
    for pdf in out.glob("*.pdf"):
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF")
    if not killed:  # kill -9 mid-write may leave a hidden temporary file, never a partial report
        assert not list(out.glob(".*.part"))
    return summary


@pytest.mark.parametrize("target", ["process group", "parent only"])
def test_ctrl_c_starts_nothing_new_and_the_summary_matches_the_folder(pave, tmp_path: Path, target: str) -> None:
    keys = slow_sessions(pave, tmp_path, 8)
    process, log = start_batch(pave, tmp_path)
    out = tmp_path / "out"
    # Mid-run: a session finished and the next one handed out, so one is surely running.
    wait_for(lambda: any(out.glob("*.pdf")) and len(requested_keys(pave)) > 2)
    if target == "process group":  # what a terminal's Ctrl-C does: every process of the job gets it
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    stderr = log.read_text()
    assert process.returncode == 130, stderr
    assert "batch interrupted" in stderr and "Traceback" not in stderr
    at_exit = folder(out)
    summary = assert_summary_matches_folder(out)
    assert summary["interrupted"] is True

    # The sessions written are those finished before Ctrl-C and those running when it came; no other
    # session was even asked of PAVE.
    before, _, after = stderr.partition("reportgen: interrupted:")
    finished_before = set(re.findall(r"^(SLOW-\d+): written", before, re.MULTILINE))
    running = set(re.findall(r"SLOW-\d+", after.splitlines()[0]))
    written = {s["session_key"] for s in summary["sessions"] if s["status"] == "written"}
    assert finished_before and running, stderr
    assert written == finished_before | running
    assert requested_keys(pave) == written and len(written) < len(keys)

    # Nothing is left running that could still write.
    wait_for(lambda: group_gone(process.pid), 15)
    time.sleep(2.5)  # longer than a session's photos take
    assert folder(out) == at_exit


def test_ctrl_c_twice_stops_the_running_sessions_and_leaves_nothing_of_them(pave, tmp_path: Path) -> None:
    slow_sessions(pave, tmp_path, 8, seconds=3.0)
    process, log = start_batch(pave, tmp_path)
    out = tmp_path / "out"
    wait_for(lambda: any(out.glob("*.pdf")) and len(requested_keys(pave)) > 2)
    os.killpg(process.pid, signal.SIGINT)
    wait_for(lambda: "reportgen: interrupted:" in log.read_text())
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=120)
    stderr = log.read_text()
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    at_exit = folder(out)
    summary = assert_summary_matches_folder(out)
    # A running session either finished before the second Ctrl-C (and is listed) or was stopped.
    running = set(re.findall(r"SLOW-\d+", stderr.partition("reportgen: interrupted:")[2].splitlines()[0]))
    written = {s["session_key"] for s in summary["sessions"]}
    assert written == set(re.findall(r"^(SLOW-\d+): written", stderr, re.MULTILINE))
    assert running - written  # the session handed out last cannot have fetched its photos yet
    wait_for(lambda: group_gone(process.pid), 15)
    time.sleep(1)
    assert folder(out) == at_exit


@pytest.mark.parametrize("target", ["parent only", "process group"])
def test_sigterm_stops_the_running_sessions_saves_the_summary_and_says_terminated(
    pave, tmp_path: Path, target: str
) -> None:
    # `kill PID` reaches the batch alone; `timeout` and a supervisor's stop reach its workers too.
    slow_sessions(pave, tmp_path, 8, seconds=3.0)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("the user's own file")
    process, log = start_batch(pave, tmp_path)
    out = tmp_path / "out"
    wait_for(lambda: any(out.glob("*.pdf")) and len(requested_keys(pave)) > 2)
    if target == "process group":
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    stderr = log.read_text()
    assert process.returncode == 143 and "Traceback" not in stderr, stderr
    assert stderr.splitlines()[-1].startswith("reportgen: batch terminated; reports finished so far were kept")
    at_exit = folder(out)
    summary = assert_summary_matches_folder(out)
    assert summary["interrupted"] is True
    # The sessions running were stopped: only those finished before SIGTERM are written.
    written = {s["session_key"] for s in summary["sessions"]}
    assert written == set(re.findall(r"^(SLOW-\d+): written", stderr, re.MULTILINE))
    assert written and requested_keys(pave) - written
    assert (out / "notes.txt").read_text() == "the user's own file"
    wait_for(lambda: group_gone(process.pid), 15)
    time.sleep(1)
    assert folder(out) == at_exit


def test_a_killed_batch_leaves_no_partial_report_and_a_rerun_completes_it(pave, tmp_path: Path) -> None:
    keys = slow_sessions(pave, tmp_path, 6)
    process, log = start_batch(pave, tmp_path)
    out = tmp_path / "out"
    wait_for(lambda: any(out.glob("*.pdf")))
    process.kill()  # kill -9 of the parent only: its workers are orphaned mid-session
    process.communicate(timeout=30)
    at_kill = {p.name for p in out.glob("*.pdf")}
    wait_for(lambda: group_gone(process.pid), 30)  # the workers notice and end
    assert {p.name for p in out.glob("*.pdf")} == at_kill  # only the parent ever writes a report
    for pdf in out.glob("*.pdf"):
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF")

    again = run_batch(pave, tmp_path)
    assert again.returncode == 0, again.stderr
    summary = assert_summary_matches_folder(out, killed=True)
    assert [s["session_key"] for s in summary["sessions"]] == keys
    assert all(s["damage_count"] == 4 for s in summary["sessions"])
    assert summary["counts"]["written"] + summary["counts"]["skipped"] == len(keys)


def test_warnings_reach_stderr_and_the_summary_and_each_report_has_its_summary_json(pave, tmp_path: Path) -> None:
    add_session(pave, "BROKEN-1")
    add_session(pave, "CLEAN-1")
    del pave.images["BROKEN-1_04_left.jpg"]  # a 404: the photo becomes a placeholder
    # The first key is the slowest, so completion order differs from the keys file's.
    pave.queued["/v1/hotspots/BROKEN-1"] = [Reply(200, pave.sessions["BROKEN-1"].hotspots, delay=2)]
    (tmp_path / "keys.txt").write_text("BROKEN-1\nCLEAN-1\n")
    result = run_batch(pave, tmp_path, "--jobs", "2", env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    summary = json.loads((out / "batch-summary.json").read_text())
    assert [s["session_key"] for s in summary["sessions"]] == ["BROKEN-1", "CLEAN-1"]
    broken, clean = summary["sessions"]
    assert broken["status"] == "written" and broken["warnings"] and clean["warnings"] == []
    assert summary["with_warnings"] == 1
    assert "batch: 2 written, 0 skipped, 0 failed, 1 with warnings" in result.stdout
    for warning in broken["warnings"]:
        assert f"reportgen: warning: BROKEN-1: {' '.join(warning.split())}\n" in result.stderr
    assert "CLEAN-1: " not in result.stderr.replace("CLEAN-1: written", "")

    # Beside each PDF, the same summary JSON as `report --summary-json`.
    assert broken["summary"] == str(Path("out") / "BROKEN-1.json")
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen.cli",
            "report",
            "BROKEN-1",
            "-o",
            "single.pdf",
            "--summary-json",
            "single.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=batch_env(pave, tmp_path, SOURCE_DATE_EPOCH="1700000000"),
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    assert (out / "BROKEN-1.json").read_bytes() == (tmp_path / "single.json").read_bytes()
    assert json.loads((out / "BROKEN-1.json").read_text())["warnings"] == broken["warnings"]

    # A rerun keeps the warnings of the skipped session.
    again = run_batch(pave, tmp_path)
    rerun = json.loads((out / "batch-summary.json").read_text())["sessions"]
    assert rerun[0] == {**broken, "status": "skipped"}
    assert "1 with warnings" in again.stdout and "BROKEN-1: skipped" in again.stderr


def test_a_corrupt_summary_is_kept_aside_with_a_warning(pave, tmp_path: Path) -> None:
    add_session(pave, "ONLY-1")
    (tmp_path / "keys.txt").write_text("ONLY-1\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "batch-summary.json").write_bytes(b'{"schema": "reportgen.batch/1", "sessions": [tru')
    result = run_batch(pave, tmp_path)
    assert result.returncode == 0, result.stderr
    kept = list(out.glob("batch-summary.json.*.bad"))
    assert len(kept) == 1 and kept[0].read_bytes() == b'{"schema": "reportgen.batch/1", "sessions": [tru'
    lines = [line for line in result.stderr.splitlines() if "batch-summary.json" in line]
    assert len(lines) == 1 and lines[0].startswith("reportgen: warning: ") and kept[0].name in lines[0]
    assert json.loads((out / "batch-summary.json").read_text())["counts"]["written"] == 1


def test_an_output_folder_that_cannot_be_made_is_one_line(pave, tmp_path: Path) -> None:
    (tmp_path / "keys.txt").write_text("ONLY-1\n")
    (tmp_path / "blocker").write_text("a file, not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "batch", "keys.txt", "-d", "blocker/out"],
        cwd=tmp_path,
        env=batch_env(pave, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("reportgen: error: cannot write blocker/out") and result.stderr.count("\n") == 1
