"""Files: atomic writes (a reader sees the old file or the new, never half) and settings files."""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError, ReportgenError


def write_atomic(target: Path, data: bytes) -> Path:
    """Write through a temporary file in the same folder, then rename it over the target."""
    target = target.expanduser()
    directory = target.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:
        raise ReportgenError(f"cannot write {target}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ReportgenError(f"cannot write {target}: {error.strerror}") from None
        raise
    return target


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
