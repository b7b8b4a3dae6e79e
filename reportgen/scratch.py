"""Temporary folders that a killed process leaves behind are removed by the next process that makes one."""

# Why: a process ended by kill -9 or the OOM killer runs no clean-up, and each one left its font
# folder (~3 MB, WeasyPrint's copies of the report's fonts) in /tmp for good; a service whose
# workers were killed now and then, or a test run that kills its services, piled up hundreds.
# A folder made here sits in this user's own <tmp>/reportgen-<uid> and holds a lock file that
# stays locked (flock) while its maker, or any process forked from it, is alive: the kernel drops
# the lock when the last of them ends, however it ends. So a folder there whose lock can be taken
# is one nobody uses any more, and only such folders are removed. Whether a pid is alive would
# not do: pids are reused, and containers sharing /tmp each count their own.

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from shutil import rmtree

try:
    import fcntl
except ImportError:  # pragma: no cover (not POSIX: plain temporary folders)
    fcntl = None  # type: ignore[assignment]

__all__ = ["make_folder", "release_folder", "scratch_folder"]

_LOG = logging.getLogger(__name__)
_LOCK = ".in-use"
#: Lock files of this process's folders, open (and locked) until the folder is released.
_held: dict[Path, int] = {}


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new private folder (make_folder) for the block, removed with what it holds at its end."""
    folder = make_folder(prefix)
    try:
        yield folder
    finally:
        release_folder(folder)


def make_folder(prefix: str) -> Path:
    """A new private folder, in use until release_folder() or until this process and its forks have ended.

    Folders of earlier processes that have all ended are removed first. Where this user's folder
    can't be trusted (another owner, open to others, a symlink) or there are no file locks, a
    plain temporary folder, which a killed process leaves behind as before.
    """
    for _ in range(10):
        parent = _own_parent()
        if parent is None:
            return Path(tempfile.mkdtemp(prefix=prefix))
        _remove_abandoned(parent)
        try:
            folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        except FileNotFoundError:  # the last folder in it was just released, and the parent removed
            continue
        _lock(folder)
        return folder
    return Path(tempfile.mkdtemp(prefix=prefix))  # pragma: no cover (removed under it ten times)


def _lock(folder: Path) -> None:
    """Mark the folder in use for as long as this process or a fork of it lives (flock on its lock file).

    Locked before the lock file gets its name, so a folder whose lock file is there is never free
    by mistake. Where the file system has no locks, the folder stays unmarked: never swept, and
    removed when released, as a plain temporary folder.
    """
    fresh = folder / f"{_LOCK}.new"
    try:
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError:
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.rename(fresh, folder / _LOCK)
    except OSError:  # ENOLCK, EOPNOTSUPP: a file system without flock
        os.close(descriptor)
        fresh.unlink(missing_ok=True)
        return
    _held[folder] = descriptor


def release_folder(folder: Path) -> None:
    """Remove a folder make_folder() made (the caller's own, not a forked process's copy of it)."""
    rmtree(folder, ignore_errors=True)
    descriptor = _held.pop(folder, None)
    if descriptor is not None:
        os.close(descriptor)
        try:
            folder.parent.rmdir()  # the last one out leaves no empty folder in /tmp
        except OSError:
            pass


def _own_parent() -> Path | None:
    """<tmp>/reportgen-<uid>, made if missing; None if it is not this user's alone."""
    if fcntl is None or not hasattr(os, "getuid"):  # pragma: no cover (not POSIX)
        return None
    parent = Path(tempfile.gettempdir()) / f"reportgen-{os.getuid()}"
    for _ in range(10):
        try:
            parent.mkdir(mode=0o700, exist_ok=True)
            info = parent.lstat()  # a symlink planted in a shared /tmp is not followed
            break
        except FileNotFoundError:  # removed between the two, as its last folder was released
            continue
        except OSError:
            return None
    else:  # pragma: no cover
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        _LOG.warning("%s is not this user's alone: temporary folders left by killed processes stay", parent)
        return None
    return parent


def _remove_abandoned(parent: Path) -> None:
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        folder = Path(entry.path)
        if folder in _held or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            # No lock file (yet): being made right now, or not ours; left alone.
            descriptor = os.open(folder / _LOCK, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: in use
            os.close(descriptor)
            continue
        try:
            rmtree(folder, ignore_errors=True)
            _LOG.debug("removed %s, left by a process that has ended", folder)
        finally:
            os.close(descriptor)
