"""Many sessions at once: a pool of long-lived worker processes over generate_report, resumable."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ConfigError, NotInspectedError, ReportgenError, SessionNotFoundError
from .files import ensure_directory, write_atomic
from .models import is_valid_session_key

SCHEMA = "reportgen.batch/1"
SUMMARY_FILE = "batch-summary.json"


@dataclass
class BatchResult:
    session_key: str
    #: "written", "skipped" (its PDF already existed) or "failed".
    status: str
    output: str | None = None
    error: str | None = None
    #: The kind of failure: "not_found", "not_inspected", "invalid_key" or "error".
    error_kind: str | None = None
    seconds: float = 0.0
    damage_count: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def read_keys(path: str | Path) -> list[str]:
    """One session key per line; blank lines and # comments are skipped, repeats read once."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"keys file {path}: cannot be read ({error})") from None
    keys = [line.split("#", 1)[0].strip() for line in lines]
    return list(dict.fromkeys(key for key in keys if key))


def run_batch(
    keys: Iterable[str],
    directory: str | Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    options: dict[str, Any] | None = None,
    on_result: Callable[[BatchResult], None] | None = None,
) -> list[BatchResult]:
    """Write <directory>/<key>.pdf for every key and <directory>/batch-summary.json.

    `options` are generate_report's keyword arguments. One failing key never stops the others.
    On KeyboardInterrupt, queued keys are dropped, reports already being written are finished
    (each is written atomically), the summary is saved and the interrupt is raised again.
    """
    out = Path(directory)
    ensure_directory(out)
    started = datetime.now(timezone.utc)
    results: list[BatchResult] = []

    def record(result: BatchResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    pending: list[str] = []
    for key in keys:
        if not is_valid_session_key(key):
            record(BatchResult(key, "failed", error="invalid session key", error_kind="invalid_key"))
        elif (out / f"{key}.pdf").exists() and not force:
            record(BatchResult(key, "skipped", output=str(out / f"{key}.pdf")))
        else:
            pending.append(key)

    workers = max(1, min(jobs or os.cpu_count() or 1, len(pending) or 1))
    # forkserver, not fork: the parent may run threads (a progress display) that fork would copy
    # mid-state. The server imports WeasyPrint and the network layer once, before it forks, so
    # no worker pays for them (about 1 s each).
    context = multiprocessing.get_context("forkserver" if hasattr(os, "fork") else "spawn")
    if hasattr(os, "fork"):
        context.set_forkserver_preload(["reportgen.pdf", "reportgen.report", "reportgen.fetch"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_up)
    futures: dict[Future[BatchResult], str] = {}
    try:
        futures = {pool.submit(_one, key, str(out), options or {}): key for key in pending}
        for future in as_completed(futures):
            try:
                record(future.result())
            except Exception as error:  # a worker that died (killed, out of memory) fails its key only
                record(BatchResult(futures[future], "failed", error=f"worker failed: {error}", error_kind="error"))
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        _save_summary(out, started, workers, results, interrupted=True)
        raise
    pool.shutdown(wait=True)
    _save_summary(out, started, workers, results, interrupted=False)
    return results


def _warm_up() -> None:
    # Workers ignore Ctrl-C: the parent decides, so no worker dies halfway through a write.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Pay for WeasyPrint's import and font setup once per worker, not once per report.
    from . import pdf

    pdf._font_config()


def _one(key: str, directory: str, options: dict[str, Any]) -> BatchResult:
    from .report import generate_report

    started = time.perf_counter()
    target = Path(directory) / f"{key}.pdf"
    try:
        report = generate_report(key, **options)
        report.write(target)
    except ReportgenError as error:
        kind = ("not_found" if isinstance(error, SessionNotFoundError)
                else "not_inspected" if isinstance(error, NotInspectedError) else "error")
        return BatchResult(key, "failed", error=error.message, error_kind=kind,
                           seconds=round(time.perf_counter() - started, 3))
    except Exception as error:  # anything unexpected fails this key, not the batch
        return BatchResult(key, "failed", error=f"{type(error).__name__}: {error}", error_kind="error",
                           seconds=round(time.perf_counter() - started, 3))
    return BatchResult(key, "written", output=str(target), seconds=round(time.perf_counter() - started, 3),
                       damage_count=report.summary.get("damage_count"))


def _save_summary(out: Path, started: datetime, jobs: int, results: list[BatchResult], *, interrupted: bool) -> None:
    counts = {status: sum(1 for r in results if r.status == status) for status in ("written", "skipped", "failed")}
    summary = {
        "schema": SCHEMA,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(timezone.utc).isoformat(),
        "jobs": jobs,
        "interrupted": interrupted,
        "counts": counts,
        "sessions": [asdict(result) for result in results],
    }
    write_atomic(out / SUMMARY_FILE, (json.dumps(summary, indent=2) + "\n").encode("utf-8"))
