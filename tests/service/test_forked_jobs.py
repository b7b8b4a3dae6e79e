"""Each job in a child forked from its warm worker: a job killed or stuck costs the job, never the worker."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen.service.config import load_config
from reportgen.service.jobs import ErrorCode, JobRequest, JobStatus, SqliteJobStore
from reportgen.service.queue import TIME_LIMIT_MARGIN, run_forked
from reportgen.service.runner import Services
from reportgen.service.storage import open_storage

from ..support.builders import add_session
from ..support.fake_pave import API_KEY, API_SECRET, USERNAME, FakePave, slow
from ..support.processes import children
from ..support.service import Inbox, Service

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="/proc")


def grandchildren(pid: int) -> list[int]:
    return [grandchild for child in children(pid) for grandchild in children(child)]


def test_a_jobs_process_killed_mid_render_costs_the_job_once_and_never_its_warm_worker(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int]
) -> None:
    service = Service(tmp_path, pave, inbox[0], inbox[1], workers=1)
    for key in ("TST-FIRST", "TST-KILLED"):
        add_session(pave, key)
    front = "TST-KILLED_05_front.jpg"
    pave.images[front] = slow(pave.images[front], 4.0)  # type: ignore[arg-type]
    service.start()
    try:
        first = service.post({"session_key": "TST-FIRST"}, params={"wait": 60}).json()
        assert first["status"] == "done", first
        job = service.post({"session_key": "TST-KILLED"}).json()
        deadline = time.monotonic() + 30
        while service.client.get(f"/v1/reports/{job['id']}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert service.process is not None
        # serve → consumer → its worker (and Huey's scheduler) → the job's own process
        deadline = time.monotonic() + 30
        while not (running := {pid: children(pid) for pid in grandchildren(service.process.pid) if children(pid)}):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        [(worker, [job_process])] = running.items()
        os.kill(job_process, signal.SIGKILL)
        done = service.wait_done(job["id"])
        # Run again once its lease ran out, by the same worker, which was never replaced.
        assert done["status"] == "done" and done["attempts"] == 2, done
        host = socket.gethostname()
        assert first["worker"] == done["worker"] == f"{host}:{worker}"
        assert worker in grandchildren(service.process.pid)
        time.sleep(1.0)
        assert len(inbox[0].messages) == 2  # one email a job: the killed run had not sent its own
    finally:
        service.close()


@pytest.fixture
def silent_s3() -> Iterator[str]:
    """An address that takes connections and never answers: an S3 store that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_job_stuck_where_its_time_limit_cannot_reach_is_killed_and_fails_with_timeout(
    tmp_path: Path, pave: FakePave, silent_s3: str, s3_credentials: None
) -> None:
    add_session(pave, "TST-STUCK")
    file = tmp_path / "reportgen.toml"
    file.write_text(
        f'storage_url = "s3://reports/cr?endpoint={silent_s3}&region=us-east-1"\n[workers]\ntime_limit = 6\n'
    )
    environ = {
        "PAVE_API_KEY": API_KEY,
        "PAVE_API_SECRET": API_SECRET,
        "PAVE_USERNAME": USERNAME,
        "PAVE_BASE_URL": pave.api_url,
    }
    config = load_config(file, environ, data_dir=tmp_path / "data")
    store = SqliteJobStore(tmp_path / "jobs.sqlite3")
    job, _ = store.submit(JobRequest("TST-STUCK"))
    before = children(os.getpid())
    # The job's process inherits SIGALRM blocked: like code stuck outside Python, it never sees the
    # time limit's signal, and the storage it writes to never answers.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    started = time.monotonic()
    try:
        run_forked(job.id, Services(config, store, open_storage(config.storage_url)))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    took = time.monotonic() - started
    assert 6 + TIME_LIMIT_MARGIN <= took < 6 + TIME_LIMIT_MARGIN + 5
    failed = store.get(job.id)
    assert failed is not None and failed.status is JobStatus.FAILED and failed.error_code is ErrorCode.TIMEOUT
    assert failed.error_message == "the report took longer than 6 s"
    assert failed.worker == f"{socket.gethostname()}:{os.getpid()}"
    assert children(os.getpid()) == before  # killed and reaped
