"""`serve` and `worker` on a real Redis: a second machine's worker, Redis going away and coming back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..support.builders import add_session
from ..support.fake_pave import FakePave
from ..support.redis_server import RedisServer, running_redis
from ..support.service import Inbox, Service


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    # Append-only, so a Redis restarted in a test keeps what it held (as a production Redis is set up).
    with running_redis(tmp_path / "redis", appendonly=True) as server:
        yield server


def test_an_api_without_workers_and_a_worker_elsewhere_share_the_redis_queue(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int], redis: RedisServer
) -> None:
    add_session(pave, "TST-REDIS1")
    api = Service(tmp_path / "api", pave, inbox[0], inbox[1], workers=0, env={"REPORTGEN_QUEUE_URL": redis.url})
    (tmp_path / "other-machine").mkdir()
    api.start()
    worker = None
    try:
        job = api.post({"session_key": "TST-REDIS1"}).json()
        time.sleep(1.0)
        assert api.client.get(job["status_url"]).json()["status"] == "queued"  # no worker yet
        assert api.metric("reportgen_queue_depth") == 1
        # "Another machine": the same configuration, its own data folder, the same Redis and storage.
        command = [str(Path(sys.executable).parent / "reportgen"), "worker", "--workers", "1"]
        command += ["--config", str(tmp_path / "api" / "reportgen.toml"), "--data-dir", str(tmp_path / "other-machine")]
        with (tmp_path / "worker.log").open("wb") as log:
            worker = subprocess.Popen(
                command,
                env={**api.env, "REPORTGEN_STORAGE_URL": f"file://{tmp_path / 'api' / 'data' / 'reports'}"},
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        done = api.wait_done(job["id"])
        assert done["status"] == "done", (tmp_path / "worker.log").read_text()
        assert api.client.get(done["pdf_url"]).content.startswith(b"%PDF")
        assert len(inbox[0].messages) == 1
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()  # reaped here, not by a later test's garbage collection
        api.close()


def test_redis_down_means_not_ready_and_503_then_nothing_is_lost(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int], redis: RedisServer
) -> None:
    add_session(pave, "TST-REDIS2")
    add_session(pave, "TST-REDIS3")
    service = Service(tmp_path, pave, inbox[0], inbox[1], workers=1, env={"REPORTGEN_QUEUE_URL": redis.url})
    service.start()
    try:
        first = service.post({"session_key": "TST-REDIS2"}, params={"wait": 60}).json()
        assert first["status"] == "done"
        redis.stop()
        ready = httpx.get(f"{service.url}/readyz", timeout=30)
        assert ready.status_code == 503 and "queue" in ready.json()["failing"] and ready.headers["Retry-After"]
        refused = service.post({"session_key": "TST-REDIS3"})
        assert refused.status_code == 503 and refused.headers["Retry-After"], refused.text
        assert "redis" not in refused.text.lower() or "127.0.0.1" not in refused.text
        # Reading a job needs the store too: 503 in JSON, not a bare 500.
        status = service.client.get(first["status_url"])
        assert status.status_code == 503 and status.headers["Retry-After"], status.text
        assert status.json()["error"]["code"] == "unavailable"
        redis.start()
        deadline = time.monotonic() + 30
        while httpx.get(f"{service.url}/readyz", timeout=30).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # What was done before is still there; what was refused can be asked again and is made.
        assert service.client.get(first["status_url"]).json()["status"] == "done"
        again = service.post({"session_key": "TST-REDIS3"}, params={"wait": 60})
        assert again.status_code == 200 and again.json()["status"] == "done", again.text
        assert service.stop() == 0
    finally:
        service.close()
