"""`serve` and `worker`: the API server (uvicorn) and the render workers, started and stopped together."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable

from ..files import ensure_directory
from .config import ServiceConfig

__all__ = ["serve", "work"]

log = logging.getLogger("reportgen.service")


def serve(
    config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8080, ready: Callable[[], None] | None = None
) -> None:
    """Run the HTTP API and, unless config.workers is 0, the render workers beside it, until SIGINT or SIGTERM.

    The workers run in a child process (Huey's consumer, which forks the render processes); a
    watchdog starts it again if it dies. On one machine jobs left unfinished by the previous run
    are put back on the queue at start.
    """
    import uvicorn

    from .app import create_app
    from .queue import JobQueue, open_job_store
    from .storage import open_storage

    ensure_directory(config.data_dir)
    store = open_job_store(config.queue_url, config.data_dir)
    storage = open_storage(config.storage_url)
    queue = JobQueue(config)
    consumer = _Supervised(config) if config.workers > 0 else None
    if consumer:
        consumer.start()
    app = create_app(config, store, storage, queue)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    )
    if ready is not None:
        original = server.startup

        async def startup(sockets: object = None) -> None:
            await original(sockets)  # type: ignore[arg-type]
            ready()

        server.startup = startup  # type: ignore[method-assign]
    # uvicorn stops gracefully on SIGTERM, then raises the signal again for whatever handler was
    # there before: ours ignores it, so the workers are stopped below and the command exits 0.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run()
    finally:
        if consumer:
            consumer.stop()
        signal.signal(signal.SIGTERM, previous)


def work(config: ServiceConfig) -> None:
    """Run only the render workers (another machine sharing the queue and storage), until SIGTERM or SIGINT."""
    from .queue import run_workers

    ensure_directory(config.data_dir)
    run_workers(config, requeue=False)


class _Supervised:
    """The worker tree in a child process, started again if it dies while the server runs."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.process: multiprocessing.process.BaseProcess | None = None
        self._stopping = threading.Event()
        self._watch = threading.Thread(target=self._watchdog, name="worker-watchdog", daemon=True)

    def start(self) -> None:
        self._spawn(requeue=True)
        self._watch.start()

    def _spawn(self, *, requeue: bool) -> None:
        context = multiprocessing.get_context("fork")
        self.process = context.Process(target=_consume, args=(self.config, requeue), name="reportgen-workers")
        self.process.start()

    def _watchdog(self) -> None:
        while not self._stopping.wait(1.0):
            if self.process is not None and not self.process.is_alive():
                log.warning("the worker process ended (exit %s); starting it again", self.process.exitcode)
                self._spawn(requeue=True)

    def stop(self) -> None:
        self._stopping.set()
        self._watch.join(5)
        process = self.process
        if process is None or not process.is_alive():
            return
        # Huey's graceful signal: running jobs finish (up to the job time limit), queued ones stay queued.
        os.kill(process.pid or 0, signal.SIGTERM)
        process.join(self.config.job_time_limit + 15)
        if process.is_alive():
            process.kill()
            process.join(5)


def _consume(config: ServiceConfig, requeue: bool) -> None:
    # The server's SIGINT (Ctrl-C in a terminal reaches the whole group) is the server's to handle:
    # it stops the workers with SIGTERM, gracefully.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .queue import run_workers

    parent = os.getppid()

    def orphaned() -> None:
        # `serve` killed with -9 cannot stop us: leave gracefully rather than render on, unowned.
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=orphaned, name="parent-watch", daemon=True).start()

    run_workers(config, requeue=requeue)
