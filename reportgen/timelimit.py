"""A command's overall time limit: how it is shared between fetching and rendering, and enforced."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["MAX_RENDER_RESERVE", "RENDER_SHARE", "TimeLimitExceeded", "network_deadline", "time_limit"]

#: Part of a time limit kept for rendering (photos, layout) once the network work has stopped.
RENDER_SHARE = 1 / 3
#: The most kept for rendering: a long limit is mostly there for slow networks.
MAX_RENDER_RESERVE = 20.0


class TimeLimitExceeded(BaseException):
    """The time limit ran out.

    A BaseException, like KeyboardInterrupt, so no `except Exception` on the way (a photo that
    fails becomes a placeholder, say) can swallow it.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


def network_deadline(end: float, now: float | None = None) -> float:
    """When a report that must be done by `end` (a time.monotonic() moment) stops fetching.

    A third of the time left (at most 20 s) is kept for processing photos and laying out.
    """
    now = time.monotonic() if now is None else now
    return end - min(max(0.0, end - now) * RENDER_SHARE, MAX_RENDER_RESERVE)


@contextmanager
def time_limit(seconds: float | None, started: float | None = None) -> Iterator[None]:
    """Raise TimeLimitExceeded in this (main) thread once `seconds` from `started` have passed.

    Uses SIGALRM, so it only works in the main thread of a process and on POSIX; elsewhere it
    bounds nothing (the network work is still bounded by its own deadline).
    """
    usable = (
        seconds is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    assert seconds is not None
    left = seconds - (time.monotonic() - started) if started is not None else seconds

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded(seconds)

    if left <= 0:
        raise TimeLimitExceeded(seconds)
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, left)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
