"""What the tests run the command line as: a real process, alone or against the fake PAVE."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

from .fake_pave import API_KEY, API_SECRET, USERNAME, FakePave

__all__ = ["batch_env", "run_cli", "run_pave"]

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def run_cli(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    """A real process (bytes out, so a PDF on stdout can be checked), never allowed to bypass permissions."""
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", *args],
        capture_output=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "", **env},
        preexec_fn=_without_permission_override,
    )


def _without_permission_override() -> None:
    """Root ignores a folder's permission bits through two capabilities: drop them before exec.

    Removed from the bounding set, they are not granted to the program root executes next, so a
    read-only folder truly refuses it (EACCES), with no change to the machine.
    """
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_pave(
    pave: FakePave, tmp_path: Path, *args: str, signed: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """A real process in `tmp_path` against the fake PAVE (without the secret and username unless signed)."""
    environment = {
        **os.environ,
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        **env,
    }
    if signed:
        environment.update(PAVE_API_SECRET=API_SECRET, PAVE_USERNAME=USERNAME)
    else:
        environment.pop("PAVE_API_SECRET", None)
        environment.pop("PAVE_USERNAME", None)
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


def batch_env(pave: FakePave, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a command run against the fake PAVE, its image cache in `tmp_path`."""
    return {
        **os.environ,
        "PAVE_BASE_URL": pave.api_url,
        "PAVE_API_KEY": API_KEY,
        "PAVE_API_SECRET": API_SECRET,
        "PAVE_USERNAME": USERNAME,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        **extra,
    }
