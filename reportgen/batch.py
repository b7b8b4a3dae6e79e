"""Many sessions at once: long-lived worker processes over generate_report, resumable and interruptible."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import FrameType
from typing import Any

from .cores import usable_cores
from .errors import ConfigError, NotInspectedError, ReportgenError, SessionNotFoundError
from .files import ensure_directory, json_bytes, write_atomic
from .models import is_valid_session_key
from .options import RenderOptions
from .termination import Terminated, stops_the_process

__all__ = [
    "SCHEMA",
    "SUMMARY_FILE",
    "BatchErrorKind",
    "BatchResult",
    "BatchStatus",
    "read_keys",
    "run_batch",
]

#: Fields are only ever added within this version; a removal or change of meaning bumps it.
SCHEMA = "reportgen.batch/1"
SUMMARY_FILE = "batch-summary.json"
#: How often the parent looks at Ctrl-C while it waits for workers, in seconds.
_POLL = 0.2


class BatchStatus(StrEnum):
    """What became of a session in a batch; the values are batch-summary.json's strings."""

    #: Rendered and written by this run.
    WRITTEN = "written"
    #: Its PDF and summary JSON were already there.
    SKIPPED = "skipped"
    FAILED = "failed"


class BatchErrorKind(StrEnum):
    """Why a session failed; the values are batch-summary.json's `error_kind` strings."""

    NOT_FOUND = "not_found"
    NOT_INSPECTED = "not_inspected"
    INVALID_KEY = "invalid_key"
    ERROR = "error"


@dataclass
class BatchResult:
    """One session's outcome, as batch-summary.json records it."""

    session_key: str
    status: BatchStatus
    output: str | None = None
    error: str | None = None
    error_kind: BatchErrorKind | None = None
    seconds: float = 0.0
    damage_count: int | None = None
    #: Problems that did not stop the report, such as photos replaced by placeholders.
    warnings: list[str] = field(default_factory=list)
    #: The report's summary JSON beside the PDF (what `report --summary-json` writes).
    summary: str | None = None

    @property
    def ok(self) -> bool:
        """Written or skipped: the folder holds its report."""
        return self.status is not BatchStatus.FAILED


def read_keys(path: str | Path) -> list[str]:
    """One session key per line; blank lines and # comments are skipped, repeats read once."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"keys file {path}: cannot be read ({error})") from None
    keys = [line.split("#", 1)[0].strip() for line in lines]
    return list(dict.fromkeys(key for key in keys if key))


@dataclass(frozen=True)
class _Job:
    """What every worker needs for generate_report: the same for each session of a batch."""

    options: RenderOptions
    api_key: str
    api_secret: str | None
    username: str | None
    base_url: str | None
    cache: bool | str | Path
    timeout: float | None


def run_batch(
    keys: Iterable[str],
    directory: str | Path,
    options: RenderOptions | None = None,
    *,
    api_key: str,
    api_secret: str | None = None,
    username: str | None = None,
    base_url: str | None = None,
    cache: bool | str | Path = True,
    timeout: float | None = None,
    jobs: int | None = None,
    force: bool = False,
    on_result: Callable[[BatchResult], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    on_interrupt: Callable[[list[str]], None] | None = None,
) -> list[BatchResult]:
    """Write <directory>/<key>.pdf and <key>.json for every key, and <directory>/batch-summary.json.

    Each session is generate_report(key, options, api_key=…, …) with these arguments; `timeout`
    is per session. One failing key never stops the others.
    Workers only render; this process writes every file, so what is on disk is exactly what the
    summary lists. Keys whose PDF and summary JSON exist are skipped (unless `force`) and keep
    their previous record. Results come back in keys order.

    Ctrl-C (SIGINT, when called from the main thread) once: no new session starts, the running
    ones finish and are recorded (on_interrupt gets their keys); twice: the running ones are
    stopped too and nothing of theirs is written. Then the summary is saved and
    KeyboardInterrupt raised. SIGTERM (where it would end the process) is Ctrl-C twice at once,
    and Terminated (a KeyboardInterrupt) is raised. on_warning gets problems with the folder
    that did not stop the run.
    """
    out = Path(directory)
    ensure_directory(out)
    started = datetime.now(UTC)
    keys = list(dict.fromkeys(keys))
    interrupt = _Interrupt()
    results: dict[str, BatchResult] = {}
    # From here to the saved summary, Ctrl-C only sets a flag: what is written gets recorded.
    with interrupt.installed():
        previous = _load_previous(out, on_warning or (lambda message: None))
        size = max(1, min(jobs or usable_cores(), len(keys) or 1))
        # The batch's processes work on reports side by side; each lays out its report alone.
        job = _Job(replace(options or RenderOptions(), jobs=1), api_key, api_secret, username, base_url, cache, timeout)
        try:
            size = _run(keys, out, jobs, force, job, previous, results, interrupt, on_result, on_interrupt)
        finally:  # even if something unforeseen stops the run, the reports written so far are listed
            _save_summary(out, started, size, keys, results, previous, interrupted=interrupt.count > 0)
    if interrupt.terminated:
        raise Terminated
    if interrupt.count:
        raise KeyboardInterrupt
    return [results[key] for key in keys if key in results]


def _run(
    keys: list[str],
    out: Path,
    jobs: int | None,
    force: bool,
    job: _Job,
    previous: dict[str, dict[str, Any]],
    results: dict[str, BatchResult],
    interrupt: _Interrupt,
    on_result: Callable[[BatchResult], None] | None,
    on_interrupt: Callable[[list[str]], None] | None,
) -> int:
    """Skip what is done, render the rest; returns the number of workers."""

    def record(result: BatchResult) -> None:
        results[result.session_key] = result
        if on_result:
            on_result(result)

    pending: deque[str] = deque()
    for key in keys:
        if not is_valid_session_key(key):
            record(
                BatchResult(key, BatchStatus.FAILED, error="invalid session key", error_kind=BatchErrorKind.INVALID_KEY)
            )
        elif not force and _finished(out, key):
            record(_skipped(out, key, previous.get(key)))
        else:
            pending.append(key)

    size = max(1, min(jobs or usable_cores(), len(pending) or 1))
    _run_pool(pending, size, out, job, record, interrupt, on_interrupt)
    return size


class _Interrupt:
    """Counts SIGINTs instead of raising KeyboardInterrupt wherever the parent happens to be.

    SIGTERM counts as two: a supervisor that sends it kills what is still running soon after,
    so the running sessions are stopped at once and the summary saved.
    """

    def __init__(self) -> None:
        self.count = 0
        self.terminated = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGTERM:
            self.terminated = True
            self.count = max(self.count + 1, 2)
        else:
            self.count += 1

    def installed(self) -> _Installed:
        return _Installed(self)


class _Installed:
    def __init__(self, handler: _Interrupt) -> None:
        self.handler = handler
        self.previous: dict[int, Any] = {}
        # Only the main thread may set signal handlers (and only it ever sees KeyboardInterrupt);
        # a process started with Ctrl-C ignored (a background job of a script) keeps ignoring it,
        # and a program's own SIGTERM handler stays in place.
        main = threading.current_thread() is threading.main_thread()
        self.signals = [
            number
            for number, taken in (
                (signal.SIGINT, signal.getsignal(signal.SIGINT) is not signal.SIG_IGN),
                (signal.SIGTERM, stops_the_process(signal.getsignal(signal.SIGTERM))),
            )
            if main and taken
        ]

    def __enter__(self) -> None:
        for number in self.signals:
            self.previous[number] = signal.signal(number, self.handler)

    def __exit__(self, *exc: object) -> None:
        for number, previous in self.previous.items():
            fallback = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            signal.signal(number, previous if previous is not None else fallback)


class _Worker:
    """One long-lived process that renders one session at a time and sends the bytes back."""

    def __init__(self, context: Any, job: _Job) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, job), daemon=True)
        self.process.start()
        child.close()
        self.key: str | None = None

    def give(self, key: str) -> None:
        self.key = key
        try:
            self.connection.send(key)
        except OSError:  # it died: the pool sees its process end and fails this key
            pass

    def stop(self, *, now: bool) -> None:
        if now:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except OSError:
                pass
        self.process.join(timeout=None if now else 10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _run_pool(
    pending: deque[str],
    size: int,
    out: Path,
    job: _Job,
    record: Callable[[BatchResult], None],
    interrupt: _Interrupt,
    on_interrupt: Callable[[list[str]], None] | None,
) -> None:
    if not pending:
        return
    # forkserver, not fork: the parent may run threads (a progress display) that fork would copy
    # mid-state. The server imports WeasyPrint and the network layer once, before it forks, so
    # no worker pays for them (about 1 s each).
    context = multiprocessing.get_context("forkserver" if hasattr(os, "fork") else "spawn")
    if hasattr(os, "fork"):
        context.set_forkserver_preload(["reportgen.pdf", "reportgen.report", "reportgen.fetch"])
    workers: list[_Worker] = []
    told = False
    try:
        while True:
            # A session is handed out only to a worker that is free to start it at once, so
            # after Ctrl-C nothing is left queued anywhere that could still start.
            if not interrupt.count:
                for worker in workers:
                    if worker.key is None and pending:
                        worker.give(pending.popleft())
                while pending and len(workers) < size:
                    workers.append(_Worker(context, job))
                    workers[-1].give(pending.popleft())
            busy = [worker for worker in workers if worker.key is not None]
            if interrupt.count and not told:
                told = True
                if on_interrupt:
                    on_interrupt([worker.key for worker in busy if worker.key])
            if not busy:
                return
            if interrupt.count > 1:
                for worker in busy:  # stopped: nothing of theirs was written, none is recorded
                    worker.stop(now=True)
                    workers.remove(worker)
                return
            ready = wait(
                [worker.connection for worker in busy] + [worker.process.sentinel for worker in busy], timeout=_POLL
            )
            finished = []
            for worker in busy:
                if worker.connection not in ready and worker.process.sentinel not in ready:
                    continue
                key, outcome = worker.key, _receive(worker)
                worker.key = None
                if outcome is None:  # the worker died (killed, out of memory): its key fails, not the batch
                    workers.remove(worker)
                    worker.stop(now=True)
                    if not interrupt.count:
                        record(
                            BatchResult(
                                key or "",
                                BatchStatus.FAILED,
                                error_kind=BatchErrorKind.ERROR,
                                error=f"worker process ended (exit code {worker.process.exitcode})",
                            )
                        )
                    continue
                finished.append(outcome)
                if pending and not interrupt.count:  # its next session, before we spend time writing
                    worker.give(pending.popleft())
            for outcome in finished:
                record(_adopt(out, *outcome))
    finally:
        for worker in workers:
            worker.stop(now=worker.key is not None)


def _receive(worker: _Worker) -> tuple[BatchResult, bytes | None, bytes | None] | None:
    try:
        if worker.connection.poll():
            return worker.connection.recv()  # type: ignore[no-any-return]
    except (EOFError, OSError):
        pass
    return None


def _adopt(out: Path, result: BatchResult, pdf: bytes | None, summary: bytes | None) -> BatchResult:
    """Write a worker's report into the folder: the PDF, then its summary JSON."""
    if result.status is not BatchStatus.WRITTEN or pdf is None or summary is None:
        return result
    target, beside = out / f"{result.session_key}.pdf", out / f"{result.session_key}.json"
    try:
        # An older summary must not sit beside a newer PDF if we stop between the two writes;
        # a PDF without its summary is simply rendered again by the next run.
        beside.unlink(missing_ok=True)
        write_atomic(target, pdf)
        write_atomic(beside, summary)
    except (ReportgenError, OSError) as error:
        message = error.message if isinstance(error, ReportgenError) else f"cannot write {target}: {error.strerror}"
        return BatchResult(
            result.session_key,
            BatchStatus.FAILED,
            error=message,
            error_kind=BatchErrorKind.ERROR,
            seconds=result.seconds,
        )
    result.output, result.summary = str(target), str(beside)
    return result


def _serve(connection: Connection, job: _Job) -> None:
    # Workers ignore Ctrl-C (a terminal sends it to the whole group): the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .report import warm_up

    warm_up()  # pay for WeasyPrint's import and font setup once per worker, not once per report
    while True:
        try:
            key = connection.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if key is None:
            return
        outcome = _one(key, job)
        try:
            connection.send(outcome)
        except OSError:  # the parent is gone; nothing of this session was written
            return


def _one(key: str, job: _Job) -> tuple[BatchResult, bytes | None, bytes | None]:
    from .report import generate_report

    started = time.perf_counter()
    try:
        report = generate_report(
            key,
            job.options,
            api_key=job.api_key,
            api_secret=job.api_secret,
            username=job.username,
            base_url=job.base_url,
            cache=job.cache,
            timeout=job.timeout,
        )
        pdf = report.pdf
    except ReportgenError as error:
        kind = (
            BatchErrorKind.NOT_FOUND
            if isinstance(error, SessionNotFoundError)
            else BatchErrorKind.NOT_INSPECTED
            if isinstance(error, NotInspectedError)
            else BatchErrorKind.ERROR
        )
        return (
            BatchResult(
                key,
                BatchStatus.FAILED,
                error=error.message,
                error_kind=kind,
                seconds=round(time.perf_counter() - started, 3),
            ),
            None,
            None,
        )
    except Exception as error:  # noqa: BLE001 (anything unexpected fails this key, not the batch)
        return (
            BatchResult(
                key,
                BatchStatus.FAILED,
                error=f"{type(error).__name__}: {error}",
                error_kind=BatchErrorKind.ERROR,
                seconds=round(time.perf_counter() - started, 3),
            ),
            None,
            None,
        )
    # The same bytes as Report.write_summary, that is `report --summary-json`.
    summary = json_bytes(report.summary)
    result = BatchResult(
        key,
        BatchStatus.WRITTEN,
        seconds=round(time.perf_counter() - started, 3),
        damage_count=report.summary.get("damage_count"),
        warnings=list(report.warnings),
    )
    return result, pdf, summary


# ---- what is already in the folder -------------------------------------------------------------


def _report_summary(path: Path, key: str) -> dict[str, Any] | None:
    """A report's summary JSON written by reportgen for this key, else None."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or not str(data.get("schema", "")).startswith("reportgen.summary/")
        or data.get("session_key") not in (key, "")
    ):
        return None
    return data


def _finished(out: Path, key: str) -> bool:
    """Both the PDF and a readable summary JSON beside it: the session needs no new render."""
    return (out / f"{key}.pdf").is_file() and _report_summary(out / f"{key}.json", key) is not None


def _skipped(out: Path, key: str, previous: dict[str, Any] | None) -> BatchResult:
    before = previous or {}
    summary = _report_summary(out / f"{key}.json", key) or {}
    warnings = summary.get("warnings", before.get("warnings"))
    seconds = before.get("seconds")
    return BatchResult(
        key,
        BatchStatus.SKIPPED,
        output=str(out / f"{key}.pdf"),
        summary=str(out / f"{key}.json"),
        seconds=seconds if isinstance(seconds, (int, float)) else 0.0,
        damage_count=summary.get("damage_count", before.get("damage_count")),
        warnings=[str(w) for w in warnings] if isinstance(warnings, list) else [],
    )


def _load_previous(out: Path, warn: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """The previous run's records by key. A file that is not a batch summary is kept aside, not lost."""
    path = out / SUMMARY_FILE
    try:
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ValueError(f"schema is not {SCHEMA}")
        sessions = data.get("sessions")
        if not isinstance(sessions, list) or not all(
            isinstance(s, dict) and isinstance(s.get("session_key"), str) and s.get("status") in tuple(BatchStatus)
            for s in sessions
        ):
            raise ValueError("its sessions list is not readable")
        return {session["session_key"]: session for session in sessions}
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ReportgenError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        kept = path.with_name(f"{SUMMARY_FILE}.{datetime.now().strftime('%Y%m%dT%H%M%S')}.bad")
        try:
            os.replace(path, kept)
        except OSError as failure:
            raise ReportgenError(f"{path} is not a batch summary and cannot be set aside: {failure.strerror}") from None
        warn(
            f"{path} is not a batch summary ({' '.join(str(error).split())[:120]}); "
            f"kept it as {kept.name} and started a new one"
        )
        return {}


def _still_true(out: Path, record: dict[str, Any]) -> dict[str, Any] | None:
    """A previous record of a session this run did not process, if the folder still agrees with it."""
    key = record["session_key"]
    if record["status"] == BatchStatus.FAILED:
        return None if (out / f"{key}.pdf").exists() else record
    return {**record, "status": BatchStatus.SKIPPED} if _finished(out, key) else None


def _save_summary(
    out: Path,
    started: datetime,
    jobs: int,
    keys: list[str],
    results: dict[str, BatchResult],
    previous: dict[str, dict[str, Any]],
    *,
    interrupted: bool,
) -> None:
    sessions: list[dict[str, Any]] = []
    # Keys-file order; records of earlier runs for keys not processed now (an interrupted run,
    # another keys file) stay as long as the folder still agrees with them.
    for key in keys + [key for key in previous if key not in keys]:
        if key in results:
            result = results[key]
            before = previous.get(key, {}) if result.status is BatchStatus.SKIPPED else {}
            sessions.append({**before, **asdict(result)})
        elif key in previous and (kept := _still_true(out, previous[key])) is not None:
            sessions.append(kept)
    summary = {
        "schema": SCHEMA,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "jobs": jobs,
        "interrupted": interrupted,
        "counts": {status.value: sum(1 for s in sessions if s["status"] == status) for status in BatchStatus},
        "with_warnings": sum(1 for s in sessions if s.get("warnings")),
        "sessions": sessions,
    }
    write_atomic(out / SUMMARY_FILE, json_bytes(summary))
