"""Processes as /proc shows them: a process's children (zombies included) and the CPU time they used."""

from __future__ import annotations

from pathlib import Path

__all__ = ["children", "cpu_ticks", "forked", "running"]


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children(pid: int) -> set[int]:
    """The process's children, zombies included."""
    found = set()
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields is not None and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def cpu_ticks(pids: set[int]) -> int:
    """User and system time the processes have used, in clock ticks."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total


def running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a killed orphan may wait a while to be reaped)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def forked(pids: set[int], settle: float = 0.1) -> set[int]:
    """Those of the processes that are forks of their parent's program, not a program it starts.

    A program started with subprocess (ldconfig while WeasyPrint loads) is a fork too until it
    execs, for an instant; after `settle` seconds it has another name, or has ended.
    """
    import time

    time.sleep(settle)
    kept = set()
    for pid in pids:
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if name.startswith("python"):
            kept.add(pid)
    return kept
