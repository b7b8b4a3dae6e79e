"""The task queue (Huey): jobs go in as ids; recycled warm workers take them out and run each in a forked child."""

from __future__ import annotations

import importlib
import logging
import os
import resource
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer, Worker, WorkerRecycle

from ..errors import ConfigError
from ..forked import ChildEnded, ChildTimedOut, call_forked, freeze
from .config import ServiceConfig
from .jobs import JobStatus, JobStore, SqliteJobStore
from .runner import Services, run_job, timed_out, worker_name

__all__ = ["TIME_LIMIT_MARGIN", "JobQueue", "QueueUnavailable", "open_job_store", "run_forked", "run_workers"]

log = logging.getLogger("reportgen.service")
_TASK = "reportgen.run_job"
#: How often each consumer looks for jobs whose worker died or whose retry time has come, in seconds.
REAP_INTERVAL = 1.0
#: What a job imports on its way (the network layer, comparisons, email), imported once by each worker.
_JOB_MODULES = ("reportgen.fetch", "reportgen.compare", "reportgen.estimate", "reportgen.mail")
#: Seconds past the job time limit after which a job's process is killed (the limit itself is a
#: signal inside the job, which code stuck outside Python does not see).
TIME_LIMIT_MARGIN = 5.0

# Set in the consumer before it forks its workers, which inherit it (and the warmed-up WeasyPrint).
_services: Services | None = None


class QueueUnavailable(Exception):
    """The queue's store could not be reached (the API answers 503 with Retry-After)."""


class JobQueue:
    """The queue of one configuration: Huey on SQLite (one machine) or on Redis (many), the same task."""

    def __init__(self, config: ServiceConfig) -> None:
        self.url = config.queue_url
        self.huey = _make_huey(config.queue_url)
        self._task = self.huey.task(name=_TASK)(_run_task)

    def enqueue(self, job_id: str) -> None:
        """Put the job's id on the queue; QueueUnavailable if the store is down."""
        try:
            self._task(job_id)
        except Exception as error:  # noqa: BLE001 (Redis and SQLite raise their own kinds; all mean "not queued")
            raise QueueUnavailable(_reason(error)) from None

    def depth(self) -> int:
        """Messages waiting in the queue."""
        try:
            return int(self.huey.pending_count())
        except Exception as error:  # noqa: BLE001
            raise QueueUnavailable(_reason(error)) from None

    def check(self) -> None:
        """Raise QueueUnavailable unless the queue's store answers now."""
        self.depth()


class _Worker(Worker):  # type: ignore[misc]
    """A Huey worker process that also leaves once it holds more memory than the ceiling, and warms up after a job."""

    max_rss_bytes = 0
    rendered = False

    def loop(self, now: Any = None) -> None:
        count = self.task_count
        super().loop(now)  # WorkerRecycle after its last job
        if self.max_rss_bytes and _rss_bytes() > self.max_rss_bytes:
            self._logger.info("worker holds more than the memory ceiling; replaced")
            raise WorkerRecycle()
        if self.task_count > count and not self.rendered and not self.stop_flag.is_set() and _services is not None:
            # Rendered once, the worker forks its next jobs warm (templates, images, WeasyPrint's
            # caches: ~15 % of a job). After its first job, not before, so that a job waiting
            # when the workers start does not wait for it too.
            self.rendered = True
            _warm_up_render(_services.config)


class _Consumer(Consumer):  # type: ignore[misc]
    """Huey's consumer, plus a reaper: jobs whose worker died, or whose retry time has come, go back on the queue."""

    worker_class = _Worker

    def __init__(self, queue: JobQueue, store: JobStore, lease: float, **options: Any) -> None:
        super().__init__(queue.huey, **options)
        self.queue, self.store, self.lease = queue, store, lease
        self._reaped_at = 0.0
        self._sent: dict[str, float] = {}

    def loop(self, health_check_ts: Any = None) -> Any:
        now = time.monotonic()
        if now - self._reaped_at >= REAP_INTERVAL:
            self._reaped_at = now
            self.reap(now)
        return super().loop(health_check_ts)

    def reap(self, now: float) -> None:
        try:
            due = self.store.expired()
        except Exception:  # noqa: BLE001 (the store may be down for a moment; the next round tries again)
            log.warning("could not look for expired jobs")
            return
        for job_id in due:
            # Once per lease: until a worker claims it, the job keeps showing up as due.
            if now - self._sent.get(job_id, -1e9) < self.lease:
                continue
            try:
                self.queue.enqueue(job_id)
            except QueueUnavailable:
                return
            self._sent[job_id] = now
            log.info("job %s queued again (worker gone or retry due)", job_id)
        self._sent = {k: v for k, v in self._sent.items() if now - v < self.lease}


def run_workers(config: ServiceConfig, *, requeue: bool = False) -> None:
    """Run `config.workers` render processes on the queue until SIGTERM (graceful) or SIGINT; blocks.

    Each process runs up to `max_jobs_per_worker` jobs, each in a child it forks (run_forked),
    or until it holds more than `max_memory_mb`, then is replaced. WeasyPrint is imported and
    its fonts set up here, once, before the processes fork, so no job pays for it. requeue=True
    (one machine, `serve`) puts every unfinished job back on the queue first: after a restart
    nothing waits for a lease to run out.
    """
    global _services
    from ..report import warm_up
    from .storage import open_storage

    store = open_job_store(config.queue_url, config.data_dir)
    storage = open_storage(config.storage_url)
    queue = JobQueue(config)
    _services = Services(config, store, storage)
    warm_up()
    if requeue:
        for job_id in store.queued():
            queue.enqueue(job_id)
    _Worker.max_rss_bytes = config.max_memory_mb * 2**20
    consumer = _Consumer(
        queue,
        store,
        config.job_lease,
        workers=max(config.workers, 1),
        worker_type="process",
        periodic=False,
        initial_delay=0.05,
        max_delay=0.1,  # an idle worker polls SQLite ten times a second: a new job waits at most 0.1 s
        max_tasks=config.max_jobs_per_worker,
        check_worker_health=True,
        health_check_interval=1,
        graceful_signal="TERM",
        shutdown_timeout=config.job_time_limit + 10,
    )
    consumer.run()


def open_job_store(queue_url: str, data_dir: Path) -> JobStore:
    """The job records beside the queue: a SQLite file for an embedded queue, the same Redis for a Redis one."""
    if urlsplit(queue_url).scheme in ("redis", "rediss"):
        from .redis_jobs import RedisJobStore

        return RedisJobStore(queue_url)
    return SqliteJobStore(data_dir / "jobs.sqlite3")


def _warm_up_render(config: ServiceConfig) -> None:
    from ..report import warm_up_render

    for name in _JOB_MODULES:  # each job's child would import them again
        importlib.import_module(name)
    try:
        options = config.brand(None).options
    except ConfigError:  # each job names the problem
        options = None
    warm_up_render(options)
    freeze()


def _run_task(job_id: str) -> None:
    if _services is None:
        raise RuntimeError("the job ran outside a reportgen worker")
    run_forked(job_id, _services)


def run_forked(job_id: str, services: Services) -> None:
    """run_job in a child forked from this warm worker, which stays as it was for the next job.

    What a job leaves in memory ends with its child. A child still running TIME_LIMIT_MARGIN
    seconds after the job time limit (stuck where the limit's signal cannot reach it) is killed
    and its job failed with `timeout`; a child that dies otherwise leaves its job to its lease,
    as a dead worker does (it runs again).
    """
    worker, limit = os.getpid(), services.config.job_time_limit
    try:
        call_forked(partial(_in_child, job_id, services, worker), limit=limit + TIME_LIMIT_MARGIN)
    except ChildTimedOut:
        job = services.store.get(job_id)
        if job is not None and job.status is JobStatus.RUNNING:
            services.store.update(replace(timed_out(job, limit), worker=worker_name(worker)))
        log.warning("job %s: killed, still running %g s after the time limit", job_id, TIME_LIMIT_MARGIN)
    except ChildEnded as ended:
        log.warning(
            "job %s: its process ended (exit code %s); it runs again once its lease runs out", job_id, ended.exitcode
        )


def _in_child(job_id: str, services: Services, worker: int) -> None:
    run_job(job_id, services, worker=worker)


def _make_huey(url: str) -> Huey:
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        import redis

        # Short timeouts: with Redis down the API answers 503 at once instead of hanging.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=0.5, socket_timeout=5)
        return RedisHuey("reportgen", connection_pool=pool, results=False, utc=True)
    if parts.scheme == "sqlite":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ConfigError(f"queue URL {url}: no file (sqlite:///path/to/queue.sqlite3)")
        return SqliteHuey("reportgen", filename=path, results=False, utc=True, timeout=30)
    raise ConfigError(f"queue URL: scheme {parts.scheme!r} not supported (sqlite or redis)")


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
        return int(peak if sys.platform == "darwin" else peak * 1024)


def _reason(error: Exception) -> str:
    # Redis's messages name host and port, never the URL's password.
    return f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
