"""One call in a child forked from a warm process: whatever the call leaves in memory ends with the child."""

# How (issue 16): a worker pays once for WeasyPrint (imports, fonts), freezes what it holds
# (gc.freeze, so the children's collections leave those pages shared), and forks one child per
# job. Forking a ~150 MB process costs ~10 ms here (copy-on-write); a job then costs what it
# costs in a long-lived worker, but the worker's heap never grows or fragments across jobs.

from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

__all__ = ["ChildEnded", "ChildTimedOut", "call_forked", "die_with", "freeze"]

T = TypeVar("T")

#: Seconds a child stopped with SIGINT (KeyboardInterrupt) gets to tidy up before SIGKILL.
INTERRUPT_GRACE = 5.0
#: Linux's prctl(PR_SET_PDEATHSIG): the signal a process gets when its parent ends.
_PR_SET_PDEATHSIG = 1


class ChildEnded(Exception):
    """The child ended without an answer: killed, out of memory, crashed."""

    def __init__(self, exitcode: int) -> None:
        super().__init__(f"the job's process ended (exit code {exitcode})")
        #: As multiprocessing's: the exit status, or minus the signal that ended it.
        self.exitcode = exitcode


class ChildTimedOut(Exception):
    """The child was still running after the time allowed and was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the job's process was killed after {seconds:g} s")
        self.seconds = seconds


def freeze() -> None:
    """Move every object this process holds now out of the collector's reach, before forking children.

    Call once in a warm parent: a child's collections then do not touch (and copy) the parent's pages.
    """
    gc.collect()
    gc.freeze()


def call_forked(function: Callable[[], T], *, limit: float | None = None) -> T:
    """function() run in a child forked from this process; what it returns (pickled) comes back.

    Call it from the main thread of a process that runs no other thread. An exception in the
    child is raised here (the child's traceback as a note). The child ends with the call, and
    is killed if this process ends first (Linux). ChildEnded if the child dies without an answer;
    ChildTimedOut (the child killed) if `limit` seconds pass first. KeyboardInterrupt while
    waiting gives the child SIGINT and INTERRUPT_GRACE seconds to stop, then it is raised here.
    """
    read, write = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:  # no memory or process left for a child
        os.close(read)
        os.close(write)
        raise
    if pid == 0:  # the child: never returns
        os.close(read)
        _child(function, write, parent)
    os.close(write)
    try:
        data = _collect(read, pid, limit)
    except BaseException as error:
        # KeyboardInterrupt (a graceful stop) lets the job tidy up as it would in this process;
        # anything else, the time limit included, ends it now.
        _stop(pid, signal.SIGINT if isinstance(error, KeyboardInterrupt) else signal.SIGKILL)
        raise
    finally:
        os.close(read)
    exitcode = _reap(pid)
    try:
        ok, value = pickle.loads(data)  # noqa: S301 (our own forked child, over our own pipe)
    except Exception:  # noqa: BLE001 (nothing or half an answer: the child died on the way)
        raise ChildEnded(exitcode) from None
    if ok:
        return value  # type: ignore[no-any-return]
    raised, told = value
    if isinstance(raised, BaseException):
        raised.add_note(told)
        raise raised
    raise ChildEnded(exitcode)


def _child(function: Callable[[], object], write: int, parent: int) -> None:
    code = 0
    try:
        die_with(parent)
        try:
            answer = pickle.dumps((True, function()))
        except BaseException as error:  # noqa: BLE001 (sent to the parent, which raises it)
            told = "in the job's process:\n" + "".join(traceback.format_exception(error))
            try:
                answer = pickle.dumps((False, (error, told)))
                pickle.loads(answer)  # noqa: S301 (an exception that cannot be rebuilt is sent as text)
            except Exception:  # noqa: BLE001
                answer = pickle.dumps((False, (RuntimeError(f"{type(error).__name__}: {error}"), told)))
        _write_all(write, answer)
    except BaseException:  # noqa: BLE001 (the parent sees no answer: ChildEnded)
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 (a closed stream: nothing to flush)
                pass
        os._exit(code)


def die_with(parent: int) -> None:
    """SIGKILL this child when its parent ends, so a killed worker leaves no job running unowned."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before prctl took effect
        os._exit(1)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _collect(read: int, pid: int, limit: float | None) -> bytes:
    """Everything the child writes until it closes the pipe (it ends), or ChildTimedOut."""
    end = time.monotonic() + limit if limit is not None else None
    chunks: list[bytes] = []
    # A selector, not select(): a long-running service's descriptors pass 1024, which select() refuses.
    with selectors.DefaultSelector() as selector:
        selector.register(read, selectors.EVENT_READ)
        while True:
            wait = None if end is None else max(0.0, end - time.monotonic())
            if not selector.select(wait):
                assert limit is not None
                raise ChildTimedOut(limit)
            chunk = os.read(read, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _stop(pid: int, first: signal.Signals) -> None:
    """Stop the child (`first`, then SIGKILL after the grace) and reap it."""
    try:
        os.kill(pid, first)
    except ProcessLookupError:
        pass
    end = time.monotonic() + (INTERRUPT_GRACE if first is not signal.SIGKILL else 0)
    while time.monotonic() < end:
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
        except ChildProcessError:
            return
        except KeyboardInterrupt:  # a second Ctrl-C: no more grace
            break
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)


def _reap(pid: int) -> int:
    """Wait for the child to end; its exit code as multiprocessing gives it."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return 0
        except InterruptedError:  # pragma: no cover (PEP 475 retries; kept for clarity)
            continue
        return os.waitstatus_to_exitcode(status)
