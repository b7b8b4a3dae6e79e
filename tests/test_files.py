"""Never lose a user's data: atomic writes through links, never over devices, and places that cannot be written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.errors import ReportgenError
from reportgen.files import write_atomic

from .support.builders import add_session, small_bundle
from .support.cli import run_cli as run
from .support.cli import run_pave
from .support.fake_pave import API_KEY, API_SECRET, USERNAME

NOBODY = 65534


# ---- what -o may replace ------------------------------------------------------------------------


def test_write_atomic_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.pdf"
    real.write_bytes(b"old")
    os.chmod(real, 0o600)
    link = tmp_path / "link.pdf"
    link.symlink_to("real.pdf")
    write_atomic(link, b"new")
    assert link.is_symlink() and os.readlink(link) == "real.pdf"
    assert real.read_bytes() == b"new" and stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.pdf", "real.pdf"]


def test_write_atomic_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "sub" / "made.pdf")
    write_atomic(link, b"new")
    assert link.is_symlink() and (tmp_path / "sub" / "made.pdf").read_bytes() == b"new"


def test_write_atomic_keeps_the_owner_of_a_file_it_replaces(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root may give a file to another user")
    target = tmp_path / "theirs.pdf"
    target.write_bytes(b"old")
    os.chown(target, NOBODY, NOBODY)
    write_atomic(target, b"new")
    assert (target.stat().st_uid, target.stat().st_gid) == (NOBODY, NOBODY)


@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_write_atomic_refuses_special_files_and_leaves_them(tmp_path: Path, kind: str) -> None:
    target = tmp_path / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        if os.geteuid() != 0:
            pytest.skip("mknod of a device needs root")
        os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the null device's numbers
    else:
        import socket

        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
        server.close()
    before = target.lstat()
    with pytest.raises(ReportgenError, match=f"cannot write {target}: it is a"):
        write_atomic(target, b"data")
    after = target.lstat()
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_render_refuses_a_device_and_a_fifo_as_output(tmp_path: Path) -> None:
    bundle = small_bundle(tmp_path)
    fifo = tmp_path / "fifo.pdf"
    os.mkfifo(fifo)
    result = run("render", str(bundle), "-o", str(fifo))
    assert result.returncode == 1 and stat.S_ISFIFO(fifo.lstat().st_mode)
    assert (
        result.stderr.decode()
        == f"reportgen: error: cannot write {fifo}: it is a FIFO (named pipe), not a regular file\n"
    )
    if os.geteuid() == 0:
        device = tmp_path / "device.pdf"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # the "full" device's numbers
        result = run("render", str(bundle), "-o", str(device))
        assert result.returncode == 1 and b"it is a device" in result.stderr
        assert stat.S_ISCHR(device.lstat().st_mode) and device.lstat().st_rdev == os.makedev(1, 7)


def test_render_writes_through_a_symlink(tmp_path: Path) -> None:
    bundle = small_bundle(tmp_path)
    (tmp_path / "reports").mkdir()
    link = tmp_path / "latest.pdf"
    link.symlink_to("reports/real.pdf")
    result = run("render", str(bundle), "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and (tmp_path / "reports" / "real.pdf").read_bytes().startswith(b"%PDF-")


# ---- a write killed mid-way ---------------------------------------------------------------------

# Writes over a file of the user's, and stops for good once the data is being made durable.
_KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from reportgen import files

def stuck(descriptor):
    print("writing", flush=True)
    time.sleep(120)

files.os.fsync = stuck
files.write_atomic(Path(sys.argv[1]), b"new" * 100_000)
"""


def test_a_write_killed_mid_way_leaves_the_old_file_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    try:
        assert writer.stdout.readline() == "writing\n"
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no temporary file was left
    assert target.read_bytes() == b"old"


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed until complete", "without O_TMPFILE"])
def test_write_atomic_makes_a_new_file_with_the_users_umask_and_leaves_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    mask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.pdf", b"data")
        write_atomic(tmp_path / "new.pdf", b"again")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.pdf").read_bytes() == b"again"
    assert stat.S_IMODE((tmp_path / "new.pdf").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.pdf"]


# ---- places that cannot be written --------------------------------------------------------------


@pytest.fixture
def read_only(tmp_path: Path) -> Path:
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    return folder


def pave_env(pave, tmp_path: Path) -> dict[str, str]:
    return {
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "PAVE_API_SECRET": API_SECRET,
        "PAVE_USERNAME": USERNAME,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def test_fetch_and_render_into_a_read_only_folder_say_permission_denied(pave, tmp_path: Path, read_only: Path) -> None:
    add_session(pave)
    target = read_only / "b"
    result = run("fetch", "TST-LIVE1", "-d", str(target), **pave_env(pave, tmp_path))
    assert result.returncode == 1
    assert result.stderr.decode() == f"reportgen: error: cannot write {target}: Permission denied\n"
    pdf = read_only / "x.pdf"
    result = run("render", str(small_bundle(tmp_path)), "-o", str(pdf))
    assert result.returncode == 1
    assert result.stderr.decode() == f"reportgen: error: cannot write {pdf}: Permission denied\n"
    summary = read_only / "s.json"
    result = run(
        "report", "TST-LIVE1", "-o", str(tmp_path / "r.pdf"), "--summary-json", str(summary), **pave_env(pave, tmp_path)
    )
    assert result.returncode == 1
    assert result.stderr.decode().endswith(f"reportgen: error: cannot write {summary}: Permission denied\n")
    assert os.listdir(read_only) == []


def test_batch_into_a_read_only_folder_says_permission_denied(pave, tmp_path: Path, read_only: Path) -> None:
    add_session(pave)
    keys = tmp_path / "keys.txt"
    keys.write_text("TST-LIVE1\n")
    target = read_only / "new"
    result = run("batch", str(keys), "-d", str(target), **pave_env(pave, tmp_path))
    assert result.returncode == 1
    assert result.stderr.decode() == f"reportgen: error: cannot write {target}: Permission denied\n"


def test_an_output_under_a_regular_file_is_one_line(pave, tmp_path: Path) -> None:
    """Without root tricks: a path below a plain file cannot be a folder (ENOTDIR / EEXIST)."""
    add_session(pave)
    (tmp_path / "file").write_text("x")
    result = run_pave(pave, tmp_path, "fetch", "TST-LIVE1", "-d", "file/b")
    assert result.returncode == 1 and result.stderr.startswith("reportgen: error: cannot write file/b: ")
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
    keys = tmp_path / "keys.txt"
    keys.write_text("TST-LIVE1\n")
    result = run_pave(pave, tmp_path, "batch", "keys.txt", "-d", "file/new")
    assert result.returncode == 1 and result.stderr.startswith("reportgen: error: cannot write file/new: ")
    assert result.stderr.count("\n") == 1
    assert (tmp_path / "file").read_text() == "x"
