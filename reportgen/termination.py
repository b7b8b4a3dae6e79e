"""SIGTERM as a second kind of Ctrl-C: the work stops where it is, cleans up after itself, and says so."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["Terminated", "sigterm_raises", "stops_the_process"]


class Terminated(KeyboardInterrupt):
    """SIGTERM stopped the work (`kill`, `timeout`, a supervisor stopping a service).

    A KeyboardInterrupt, so everything that cleans up after Ctrl-C (a temporary file removed,
    the layout processes killed, a batch's summary saved) does so after SIGTERM too.
    """


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def stops_the_process(handler: Any) -> bool:
    """Whether SIGTERM with this handler ends the process at once (the default) or raises Terminated."""
    return handler in (signal.SIG_DFL, None) or handler is _raise_terminated


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated in this (main) thread, as SIGINT raises KeyboardInterrupt.

    Only where SIGTERM would otherwise end the process at once: a program with a handler of its
    own keeps it, and so does a thread other than the main one (it cannot set handlers). A
    process forked inside the block (a layout process, a photo process) starts with the default
    again: it ends at once, and the process that forked it cleans up.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _default_in_child() -> None:
    if signal.getsignal(signal.SIGTERM) is _raise_terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


os.register_at_fork(after_in_child=_default_in_child)
