"""A real redis-server (Debian's binary) on a free 127.0.0.1 port, never 6379, that a test may stop and restart."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["RedisServer", "redis_server", "running_redis"]

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port != 6379:  # the port of a system Redis: never ours
            return port


def _ping(port: int, timeout: float = 0.5) -> bool:
    """Whether a Redis on the port answers PING (a raw RESP exchange: no client library in the way).

    A Redis that wants a password answers -NOAUTH: it is up all the same.
    """
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


class _PortTaken(RuntimeError):
    pass


class RedisServer:
    """One redis-server process on 127.0.0.1:`port`, with its working folder `folder`."""

    def __init__(
        self, folder: Path, *, appendonly: bool = False, port: int | None = None, extra: tuple[str, ...] = ()
    ) -> None:
        self.folder = folder
        self.appendonly = appendonly
        self.extra = extra  # more options, e.g. ("--requirepass", "…")
        self.port = port or _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.started = port is not None  # a port given is kept: no other is tried
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        """Start it (again, on the same port and folder) and wait until it answers PING.

        The first start takes another free port if another process took this one in the meantime.
        """
        attempts = 1 if self.started else 5
        for attempt in range(attempts):
            try:
                self._start(timeout)
            except _PortTaken:
                if attempt + 1 == attempts:
                    raise
                self.port = _free_port()
            else:
                self.started = True
                return

    def _start(self, timeout: float) -> None:
        if self.process is not None:
            raise RuntimeError("redis-server is already running")
        log = self.folder / "redis.log"
        log.unlink(missing_ok=True)
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        command += ["--save", "", "--appendonly", "yes" if self.appendonly else "no"]
        if self.appendonly:
            command += ["--appendfsync", "always"]
        command += ["--daemonize", "no", "--logfile", str(log), *self.extra]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not _ping(self.port):
            if self.process.poll() is not None:
                self.process = None
                text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
                if "Address already in use" in text:
                    raise _PortTaken(self.port)
                raise RuntimeError(f"redis-server on port {self.port} exited:\n{text[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer PING on 127.0.0.1:{self.port} within {timeout} s")
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop it (SIGTERM, then SIGKILL if it takes longer than `timeout`) and wait until the port is free."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def restart(self) -> None:
        """Stop and start it on the same port: what a client sees of a Redis restart."""
        self.stop()
        self.start()


@contextmanager
def running_redis(folder: Path, *, appendonly: bool = False, extra: tuple[str, ...] = ()) -> Iterator[RedisServer]:
    """A RedisServer started for the block and stopped after it, whatever happens."""
    server = RedisServer(folder, appendonly=appendonly, extra=extra)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis of the test's own (no persistence), which the test may stop and restart."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server
