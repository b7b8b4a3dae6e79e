"""`reportgen batch` against the fake PAVE: a mix of sessions, the summary file, resume and --force."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reportgen.batch import read_keys

from .conftest import add_session
from .fake_pave import API_KEY, API_SECRET, USERNAME, Reply


def run_batch(pave, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAVE_BASE_URL": pave.api_url, "PAVE_API_KEY": API_KEY, "PAVE_API_SECRET": API_SECRET,
           "PAVE_USERNAME": USERNAME, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "reportgen.cli", "batch", "keys.txt", "-d", "out", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


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
    assert sorted(p.name for p in out.iterdir()) == ["GOOD-1.pdf", "GOOD-2.pdf", "GOOD-3.pdf", "batch-summary.json"]
    summary = json.loads((out / "batch-summary.json").read_text())
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

    # Resume: what exists is skipped, the rest is tried again.
    add_session(pave, "LATE-1")
    again = run_batch(pave, tmp_path)
    summary = json.loads((out / "batch-summary.json").read_text())
    assert summary["counts"] == {"written": 1, "skipped": 3, "failed": 2}
    assert (out / "LATE-1.pdf").exists() and again.returncode == 1

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


def test_ctrl_c_stops_cleanly_and_keeps_finished_reports(pave, tmp_path: Path) -> None:
    import signal
    import time

    from .fake_pave import Reply

    keys = [f"SLOW-{i}" for i in range(6)]
    for key in keys:
        add_session(pave, key)
        # Slow answers keep later sessions queued when the interrupt comes.
        pave.queued[f"/v1/hotspots/{key}"] = [Reply(200, pave.sessions[key].hotspots, delay=1.5)]
    (tmp_path / "keys.txt").write_text("\n".join(keys))
    env = {**os.environ, "PAVE_BASE_URL": pave.api_url, "PAVE_API_KEY": API_KEY, "PAVE_API_SECRET": API_SECRET,
           "PAVE_USERNAME": USERNAME, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "batch", "keys.txt", "-d", "out", "--jobs", "2"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "batch interrupted" in stderr and "Traceback" not in stderr
    out = tmp_path / "out"
    summary = json.loads((out / "batch-summary.json").read_text())
    assert summary["interrupted"] is True and summary["counts"]["written"] < len(keys)
    for pdf in out.glob("*.pdf"):
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF")
    assert not list(out.glob(".*.part"))
