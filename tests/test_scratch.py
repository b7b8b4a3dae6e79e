"""Temporary folders: one left by a killed process goes with the next one made; one in use stays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import scratch
from reportgen.scratch import make_folder, release_folder, scratch_folder

from .support.builders import SAMPLE_BUNDLE, add_session, jpeg_bytes
from .support.cli import batch_env
from .support.fake_pave import slow

# A process that makes a folder, says where, forks a child that sleeps if asked, then sleeps.
_HOLDER = """
import os, sys, time
from reportgen.scratch import make_folder
folder = make_folder("holder-")
(folder / "data").write_bytes(b"x" * 1000)
if sys.argv[1] == "fork" and os.fork() == 0:
    time.sleep(120)
    os._exit(0)
print(folder, flush=True)
time.sleep(120)
"""


@pytest.fixture
def temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TMPDIR for this test and the processes it starts."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    for held in [held for held in scratch._held if held.is_relative_to(folder)]:
        release_folder(held)


def _holder(*args: str) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, *args], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def _kill(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait()
    assert process.stdout is not None
    process.stdout.close()


def test_a_folder_left_by_a_killed_process_goes_with_the_next_folder_made(temporary: Path) -> None:
    process, left = _holder("alone")
    try:
        assert left.parent == temporary / f"reportgen-{os.getuid()}"
        assert (left / "data").exists()
    finally:
        _kill(process)
    assert (left / "data").exists()  # kill -9 ran no clean-up
    mine = make_folder("next-")
    assert not left.exists()
    assert mine.is_dir() and mine.parent == left.parent
    release_folder(mine)
    assert not mine.exists()
    assert not left.parent.exists()  # emptied, so removed


def test_a_folder_in_use_by_its_maker_or_a_process_forked_from_it_stays(temporary: Path) -> None:
    alive, used = _holder("alone")
    parent, orphaned = _holder("fork")
    try:
        _kill(parent)  # its forked child still runs, and may still use the folder
        release_folder(make_folder("next-"))
        assert (used / "data").exists()
        assert (orphaned / "data").exists()
    finally:
        _kill(alive)
        os.killpg(parent.pid, signal.SIGKILL)  # the child, in the parent's session
    for _ in range(100):  # the child's exit drops its copy of the lock
        release_folder(make_folder("next-"))
        if not orphaned.exists():
            break
        time.sleep(0.05)
    assert not used.exists() and not orphaned.exists()


def test_what_is_not_a_folder_made_here_is_left_alone(temporary: Path) -> None:
    parent = make_folder("first-").parent
    unlocked = parent / "no-lock-file"  # being made this moment, or not reportgen's
    unlocked.mkdir()
    (parent / "a-file").write_text("theirs")
    elsewhere = temporary / "theirs"
    elsewhere.mkdir()
    (elsewhere / ".in-use").write_text("")
    (parent / "a-link").symlink_to(elsewhere)
    release_folder(make_folder("next-"))
    assert unlocked.is_dir()
    assert (parent / "a-file").read_text() == "theirs"
    assert (parent / "a-link").is_symlink() and (elsewhere / ".in-use").exists()


@pytest.mark.parametrize("kind", ["open to others", "a symlink"])
def test_a_parent_folder_that_is_not_this_users_alone_is_not_used(temporary: Path, kind: str) -> None:
    parent = temporary / f"reportgen-{os.getuid()}"
    if kind == "open to others":
        parent.mkdir()
        parent.chmod(0o777)
        target = parent
    else:
        target = temporary / "planted"
        target.mkdir()
        parent.symlink_to(target)
    abandoned = target / "abandoned"
    abandoned.mkdir()
    (abandoned / ".in-use").write_text("")  # unlocked: it would go, were the parent trusted
    with scratch_folder("plain-") as folder:
        assert folder.parent == temporary  # a plain temporary folder instead
        assert folder.is_dir()
    assert not folder.exists()
    assert (abandoned / ".in-use").exists()


def test_on_a_file_system_without_locks_a_folder_is_still_made_and_removed(
    temporary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def no_locks(descriptor: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(scratch.fcntl, "flock", no_locks)
    with scratch_folder("unlocked-") as folder:
        (folder / "data").write_bytes(b"x")
        assert sorted(p.name for p in folder.iterdir()) == ["data"]  # no lock file: never swept
        release_folder(make_folder("other-"))  # another folder made and released meanwhile
        assert (folder / "data").exists()
    assert not folder.exists()


def test_each_folder_made_holds_one_descriptor_until_released(temporary: Path) -> None:
    before = len(os.listdir("/proc/self/fd"))
    folders = [make_folder("many-") for _ in range(20)]
    assert len(os.listdir("/proc/self/fd")) == before + 20
    for folder in folders:
        release_folder(folder)
    assert len(os.listdir("/proc/self/fd")) == before
    assert not any(folder.exists() for folder in folders)


def test_a_report_killed_mid_download_leaves_its_photos_only_until_the_next_command(pave, temporary: Path) -> None:
    """What a `reportgen report` ended by kill -9 left (its downloads, its fonts) goes with the next command."""
    add_session(pave)
    pave.images["TST-LIVE1_05_front.jpg"] = slow(jpeg_bytes(), 60)
    env = batch_env(pave, temporary.parent)
    ours = temporary / f"reportgen-{os.getuid()}"

    def downloaded() -> list[Path]:  # the session's photos, staged while the hanging one is awaited
        return [path for path in ours.glob("reportgen-*/**/*.jpg") if path.is_file()]

    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen.cli", "report", "TST-LIVE1", "-o", str(temporary.parent / "out.pdf")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not downloaded():
            time.sleep(0.05)
        assert downloaded(), "nothing of the session was downloaded"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
    assert process.returncode == -signal.SIGKILL, stderr
    assert downloaded()  # kill -9: no clean-up ran
    result = subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "render", str(SAMPLE_BUNDLE), "-o", str(temporary.parent / "s.pdf")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert not ours.exists()  # the killed run's folders, and this run's own, and so their parent
    assert not (temporary.parent / "out.pdf").exists()
