"""Files: safe atomic writes (through links, never over devices) and settings files."""

from __future__ import annotations

import json
import os
import secrets
import stat
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError, ReportgenError

__all__ = ["ensure_directory", "json_bytes", "read_toml", "write_atomic"]


def write_atomic(target: Path, data: bytes) -> Path:
    """Write `data` to `target` so a reader sees the old file or the new, never half.

    A symlink is followed to its final target, which is replaced (the link stays a link); a
    regular file keeps its mode (and, when we may, its owner); a missing file is created with the
    usual umask. Anything else (a device, a FIFO, a socket, a folder) is refused untouched.
    Returns `target` as given.
    """
    target = target.expanduser()
    final = Path(os.path.realpath(target))
    try:
        existing = final.lstat()
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise ReportgenError(f"cannot write {target}: {error.strerror}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise ReportgenError(f"cannot write {target}: it is {_kind(existing.st_mode)}, not a regular file")
    ensure_directory(final.parent, shown=target)
    unnamed = _create_unnamed(final.parent)
    temporary, handle = (None, unnamed) if unnamed is not None else _create_beside(final, target)
    try:
        with os.fdopen(handle, "wb") as stream:
            if existing is not None:
                _keep_owner_and_mode(stream.fileno(), existing)
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            if temporary is None:
                # Named only now, for the rename: a kill while the data was written left nothing.
                temporary = _name_beside(stream.fileno(), final, target)
        os.replace(temporary, final)
    except BaseException as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ReportgenError(f"cannot write {target}: {error.strerror}") from None
        raise
    return target


def ensure_directory(directory: Path, *, shown: Path | None = None) -> Path:
    """Create `directory` (and its parents) if missing; an OSError becomes one ReportgenError line."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        # mkdir's "File exists" hides the point: something that is not a folder is in the way.
        raise ReportgenError(f"cannot write {shown or directory}: {directory} is not a directory") from None
    except OSError as error:
        raise ReportgenError(f"cannot write {shown or directory}: {error.strerror}") from None
    return directory


def _create_unnamed(folder: Path) -> int | None:
    """A new file in `folder` that has no name yet (Linux's O_TMPFILE), or None where that is not supported.

    A process killed while it writes one (kill -9, the OOM killer, a power cut) leaves no file
    behind at all; the kernel frees it. 0o666, as _create_beside, for the user's umask.
    """
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        handle = os.open(folder, flag | os.O_WRONLY | os.O_CLOEXEC, 0o666)
    except OSError:  # a file system without it (EOPNOTSUPP, EISDIR on old kernels): named from the start
        return None
    if not os.path.exists(f"/proc/self/fd/{handle}"):  # no /proc (a bare chroot): it could not be named
        os.close(handle)
        return None
    return handle


def _name_beside(handle: int, final: Path, shown: Path) -> Path:
    """Give the unnamed file `handle` a free temporary name beside `final` (through /proc: no privilege needed)."""
    # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N names the open file; os.link calls linkat only
    # when given a folder descriptor (else link(), which does not follow /proc's link).
    folder = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for _ in range(100):
            name = _temporary_name(final)
            try:
                os.link(f"/proc/self/fd/{handle}", name, dst_dir_fd=folder, follow_symlinks=True)
                return final.with_name(name)
            except FileExistsError:
                continue
    finally:
        os.close(folder)
    raise ReportgenError(f"cannot write {shown}: no free temporary name")  # pragma: no cover


def _create_beside(final: Path, shown: Path) -> tuple[Path, int]:
    # os.open with 0o666, not mkstemp's 0o600: a new file gets the user's umask, like any other.
    for _ in range(100):
        temporary = final.with_name(_temporary_name(final))
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise ReportgenError(f"cannot write {shown}: {error.strerror}") from None
    raise ReportgenError(f"cannot write {shown}: no free temporary name")  # pragma: no cover


def _temporary_name(final: Path) -> str:
    """A hidden name beside `final` for the file that will replace it (one of 4 billion)."""
    return f".{final.name}.{secrets.token_hex(4)}.part"


def _keep_owner_and_mode(handle: int, existing: os.stat_result) -> None:
    try:
        os.fchown(handle, existing.st_uid, existing.st_gid)
    except OSError:
        pass  # only root (or the owner, for the group) may: the new file is then ours, as any new file
    os.fchmod(handle, existing.st_mode & 0o777)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink that loops"
    return "something else"


def json_bytes(data: Any) -> bytes:
    """JSON as reportgen writes it to a file or a store: indented, UTF-8 unescaped, ending in a newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_toml(file: Path, what: str) -> dict[str, Any]:
    """A settings file as a dict; every problem is a ConfigError naming `what` and the file."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{what} {file}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what} {file}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{what} {file}: invalid TOML ({error})") from None
