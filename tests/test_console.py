"""What the command line says on stderr: the batch's progress bar on a terminal, with each warning above it."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from .support.builders import add_session
from .support.cli import batch_env


def test_warnings_show_above_the_progress_bar_on_a_terminal(pave, tmp_path: Path) -> None:
    add_session(pave, "BROKEN-1")
    del pave.images["BROKEN-1_04_left.jpg"]
    (tmp_path / "keys.txt").write_text("BROKEN-1\n")
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen.cli", "batch", "keys.txt", "-d", "out"],
        cwd=tmp_path,
        env=batch_env(pave, tmp_path, COLUMNS="200"),
        stdout=subprocess.DEVNULL,
        stderr=secondary,
    )
    os.close(secondary)
    screen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        screen += chunk
    os.close(primary)
    assert process.wait(timeout=120) == 0
    text = screen.decode("utf-8", "replace")
    assert "reports" in text and "1/1" in text  # the live bar was there
    summary = json.loads((tmp_path / "out" / "batch-summary.json").read_text())
    warnings = summary["sessions"][0]["warnings"]
    assert warnings
    flat = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", text)
    for warning in warnings:
        assert f"reportgen: warning: BROKEN-1: {' '.join(warning.split())}" in " ".join(flat.split())
