"""Job stores: one contract, kept by SQLite (a file in tmp_path) and by Redis (a real redis-server on 127.0.0.1)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import redis

from reportgen.service.jobs import ErrorCode, Job, JobRequest, JobStatus, JobStore, SqliteJobStore
from reportgen.service.queue import open_job_store
from reportgen.service.redis_jobs import RedisJobStore

from ..support.redis_server import RedisServer, redis_server, running_redis  # noqa: F401 (a fixture)

REQUEST = JobRequest("ABC-123", brand="acme", paper="a4", pdfa=True, email_to=("b@x.test", "a@x.test"))
LONG = 3600.0  # a lease no test outlives
SHORT = 0.2  # a lease a test waits out


@pytest.fixture(scope="module")
def shared_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One Redis for the module's contract tests, emptied before each."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(params=["sqlite", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], JobStore]:
    """Opens another store on the same records, as another process (or machine) would."""
    if request.param == "sqlite":
        return lambda: SqliteJobStore(tmp_path / "jobs.sqlite3")
    server: RedisServer = request.getfixturevalue("shared_redis")
    client = redis.Redis.from_url(server.url)
    try:
        client.flushall()
    finally:
        client.close()
    return lambda: RedisJobStore(server.url)


@pytest.fixture
def store(open_store: Callable[[], JobStore]) -> JobStore:
    return open_store()


def wait_past(moment: float | None) -> None:
    """Sleep until the clock is past `moment` (a lease's end), however slow the machine."""
    assert moment is not None
    while time.time() <= moment:
        time.sleep(max(0.01, moment - time.time() + 0.01))


def finish(store: JobStore, job: Job, status: JobStatus, **changes: object) -> Job:
    """Run the job to `status` as a worker would: claim it, then write its outcome."""
    running = store.claim(job.id, LONG)
    assert running is not None
    done = replace(running, **{"status": status, "finished_at": time.time(), "lease_until": None, **changes})
    store.update(done)
    return done


def in_parallel(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(0..count-1) on as many threads released at once; re-raise the first failure."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(60)
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 (handed to the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


# --- JobRequest --------------------------------------------------------------------------------------


def test_dedupe_key_is_stable_across_runs_and_address_order() -> None:
    # Stored by the stores (Redis keeps it across deploys): a change of the key's recipe splits old and new jobs.
    assert REQUEST.dedupe_key() == "f5ae498932f37dba9f80cfd2c505a3e4b78ff1faa0e2be5d18fb54908609ea18"
    assert JobRequest("ABC-123").dedupe_key() == "ddcdc46049774a08bcbe1bfb28dcc2df0daaf9d4d9697d0c4018a9f879a41b44"
    assert replace(REQUEST, email_to=("a@x.test", "b@x.test")).dedupe_key() == REQUEST.dedupe_key()
    others = [replace(REQUEST, **{name: value}) for name, value in _changes().items()]
    assert len({REQUEST.dedupe_key(), *(other.dedupe_key() for other in others)}) == len(others) + 1


def _changes() -> dict[str, object]:
    return {
        "session_key": "ABC-124",
        "brand": None,
        "paper": "letter",
        "pdfa": False,
        "rates": "rates.toml",
        "email_to": ("a@x.test",),
        "before_session_key": "ABC-100",
        "tolerance": 3.0,
    }


def test_a_comparison_request_is_its_own_job_and_survives_the_store(store: JobStore) -> None:
    comparison = JobRequest("ABC-123", before_session_key="ABC-100", tolerance=4.0)
    assert comparison.kind == "comparison" and REQUEST.kind == "report"
    job, created = store.submit(comparison)
    assert created and store.get(job.id) == job and job.request == comparison
    report, _ = store.submit(JobRequest("ABC-123"))
    assert report.id != job.id and report.request.kind == "report"


# --- submit ----------------------------------------------------------------------------------------


def test_submit_makes_a_queued_job_once_per_request(store: JobStore) -> None:
    job, created = store.submit(REQUEST)
    assert created and job.status is JobStatus.QUEUED and job.attempts == 0 and job.request == REQUEST
    assert store.get(job.id) == job
    again, created_again = store.submit(JobRequest.from_dict(asdict(REQUEST)))
    assert (again, created_again) == (job, False)
    reordered, created_reordered = store.submit(replace(REQUEST, email_to=("a@x.test", "b@x.test")))
    assert (reordered.id, created_reordered) == (job.id, False)
    other, created_other = store.submit(replace(REQUEST, paper="letter"))
    assert created_other and other.id != job.id
    assert store.get("no-such-job") is None


def test_submit_with_the_same_idempotency_key_gives_the_same_job(store: JobStore) -> None:
    job, created = store.submit(REQUEST, idempotency_key="client-key-1")
    assert created and job.idempotency_key == "client-key-1"
    # The key wins over the request: a retried POST with a changed body is still the first job.
    again, created_again = store.submit(replace(REQUEST, session_key="XYZ-9"), idempotency_key="client-key-1")
    assert (again, created_again) == (job, False)
    # The same request under another key is the same report.
    same, created_same = store.submit(REQUEST, idempotency_key="client-key-2")
    assert (same.id, created_same) == (job.id, False)
    # An empty key is a key like any other.
    empty, created_empty = store.submit(replace(REQUEST, session_key="EMPTY-1"), idempotency_key="")
    assert created_empty
    assert store.submit(replace(REQUEST, session_key="EMPTY-2"), idempotency_key="") == (empty, False)


def test_a_failed_job_is_made_again_but_its_idempotency_key_still_names_it(store: JobStore) -> None:
    first, _ = store.submit(REQUEST, idempotency_key="client-key")
    failed = finish(store, first, JobStatus.FAILED, error_code=ErrorCode.PAVE_UNAVAILABLE, error_message="503")
    assert store.submit(REQUEST, idempotency_key="client-key") == (store.get(first.id), False)
    second, created = store.submit(REQUEST)
    assert created and second.id != failed.id and second.status is JobStatus.QUEUED
    assert store.submit(REQUEST) == (second, False)
    assert store.submit(REQUEST, idempotency_key="another-key") == (second, False)
    # A done job is the report: no new one.
    finish(store, second, JobStatus.DONE, render_seconds=1.0)
    done, created_done = store.submit(replace(REQUEST, email_to=("a@x.test", "b@x.test")))
    assert (done.id, done.status, created_done) == (second.id, JobStatus.DONE, False)


@pytest.mark.parametrize("idempotency_key", [None, "client-key"])
def test_racing_submits_of_one_request_make_one_job(
    open_store: Callable[[], JobStore], idempotency_key: str | None
) -> None:
    stores = [open_store() for _ in range(5)]  # five "processes", ten threads each
    results = in_parallel(50, lambda index: stores[index % 5].submit(REQUEST, idempotency_key))
    jobs = [result for result in results if isinstance(result, tuple)]
    assert len(jobs) == 50
    assert sum(created for _, created in jobs) == 1
    assert len({job.id for job, _ in jobs}) == 1
    assert stores[0].counts()[JobStatus.QUEUED] == 1


# --- claim, renew ------------------------------------------------------------------------------------


def test_claim_takes_a_queued_job_under_a_lease_and_once_more_after_it_runs_out(store: JobStore) -> None:
    job, _ = store.submit(REQUEST)
    before = time.time()
    running = store.claim(job.id, SHORT)
    assert running is not None and running.status is JobStatus.RUNNING and running.attempts == 1
    assert running.started_at is not None and before <= running.started_at <= time.time()
    assert running.lease_until is not None and running.lease_until == pytest.approx(running.started_at + SHORT)
    assert store.get(job.id) == running

    wait_past(running.lease_until)  # the worker died: its lease ran out
    again = store.claim(job.id, LONG)
    assert again is not None and again.attempts == 2 and again.status is JobStatus.RUNNING
    assert again.started_at == running.started_at  # the first start is kept
    assert again.lease_until is not None and again.lease_until > time.time() + LONG / 2
    assert store.claim(job.id, LONG) is None  # held: the lease lives
    assert store.get(job.id) == again


def test_claim_gives_nothing_for_done_failed_or_unknown_jobs(store: JobStore) -> None:
    done, _ = store.submit(REQUEST)
    failed, _ = store.submit(replace(REQUEST, paper="letter"))
    finish(store, done, JobStatus.DONE, render_seconds=1.0)
    finish(store, failed, JobStatus.FAILED, error_code=ErrorCode.TIMEOUT)
    assert store.claim(done.id, LONG) is None
    assert store.claim(failed.id, LONG) is None
    assert store.claim("no-such-job", LONG) is None
    assert store.get(done.id).status is JobStatus.DONE
    assert store.get(failed.id).status is JobStatus.FAILED


def test_racing_claims_of_one_job_have_one_winner(open_store: Callable[[], JobStore]) -> None:
    stores = [open_store() for _ in range(4)]
    job, _ = stores[0].submit(REQUEST)
    results = in_parallel(20, lambda index: stores[index % 4].claim(job.id, LONG))
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    assert isinstance(winners[0], Job) and winners[0].attempts == 1
    assert stores[0].get(job.id) == winners[0]


def test_racing_claims_of_an_expired_job_have_one_winner(open_store: Callable[[], JobStore]) -> None:
    stores = [open_store() for _ in range(4)]
    job, _ = stores[0].submit(REQUEST)
    first = stores[0].claim(job.id, SHORT)
    assert first is not None
    wait_past(first.lease_until)
    results = in_parallel(20, lambda index: stores[index % 4].claim(job.id, LONG))
    winners = [result for result in results if result is not None]
    assert len(winners) == 1 and isinstance(winners[0], Job) and winners[0].attempts == 2


def test_renew_extends_a_running_lease_only(store: JobStore) -> None:
    job, _ = store.submit(REQUEST)
    running = store.claim(job.id, SHORT)
    assert running is not None and running.lease_until is not None
    store.renew(job.id, LONG)
    renewed = store.get(job.id)
    assert renewed is not None and renewed.lease_until is not None
    assert renewed.lease_until > running.lease_until + LONG / 2
    assert replace(renewed, lease_until=running.lease_until) == running  # nothing else changed
    wait_past(running.lease_until)  # the first lease would have run out by now
    assert store.claim(job.id, LONG) is None
    assert store.expired() == []

    queued, _ = store.submit(replace(REQUEST, paper="letter"))
    store.renew(queued.id, LONG)  # not running: nothing to extend
    assert store.get(queued.id) == queued
    store.renew("no-such-job", LONG)


# --- update, listings --------------------------------------------------------------------------------


def test_update_keeps_every_field(store: JobStore) -> None:
    job, _ = store.submit(REQUEST, idempotency_key="client-key")
    running = store.claim(job.id, LONG)
    assert running is not None
    summary = {"vehicle": {"vin": "1HGCM82633A004352", "year": 2021}, "damages": [{"part": "bumper", "grade": 2}]}
    outcome = replace(
        running,
        status=JobStatus.FAILED,
        finished_at=running.started_at + 3.25,
        lease_until=None,
        render_seconds=2.5,
        warnings=("photo 3 could not be read", "no font draws “✓”"),
        summary=summary,
        pdf_sha256="ab" * 32,
        pdf_size=123456,
        emailed_to=("a@x.test",),
        error_code=ErrorCode.DELIVERY,
        error_message="SMTP said 550: mailbox unavailable",
    )
    before = time.time()
    store.update(outcome)
    stored = store.get(job.id)
    assert stored is not None and stored.updated_at >= before
    assert stored == replace(outcome, updated_at=stored.updated_at)
    assert stored.summary == summary and stored.error_code is ErrorCode.DELIVERY
    assert stored.warnings == outcome.warnings and stored.idempotency_key == "client-key"

    # Back to queued with a retry time (a worker's retry), then done.
    retry = replace(stored, status=JobStatus.QUEUED, not_before=time.time() + LONG, error_code=None)
    store.update(retry)
    assert store.get(job.id) == replace(retry, updated_at=store.get(job.id).updated_at)
    store.update(replace(job, id="no-such-job"))  # an unknown job is not made by an update
    assert store.get("no-such-job") is None
    assert sum(store.counts().values()) == 1


def test_expired_lists_dead_workers_jobs_and_queued_jobs_now_due(store: JobStore) -> None:
    def new(paper: str) -> Job:
        return store.submit(replace(REQUEST, paper=paper))[0]

    lapsed = store.claim(new("lapsed").id, SHORT)
    held = store.claim(new("held").id, LONG)
    assert lapsed is not None and held is not None
    due, later, plain = new("due"), new("later"), new("plain")
    store.update(replace(due, not_before=time.time() - 1))
    store.update(replace(later, not_before=time.time() + LONG))
    # Finished jobs with a stale lease or retry time are not listed.
    finish(store, new("done"), JobStatus.DONE, lease_until=time.time() - 5, render_seconds=1.0)
    finish(store, new("failed"), JobStatus.FAILED, not_before=time.time() - 5)

    wait_past(lapsed.lease_until)
    assert sorted(store.expired()) == sorted([lapsed.id, due.id])
    assert sorted(store.expired(now=time.time() + 2 * LONG)) == sorted([lapsed.id, held.id, due.id, later.id])
    assert store.expired(now=0) == []
    # Claiming a listed job takes it off the list.
    assert store.claim(due.id, LONG) is not None
    assert store.expired() == [lapsed.id]
    assert plain.id not in store.expired(now=time.time() + 2 * LONG)


def test_queued_lists_queued_and_running_jobs(store: JobStore) -> None:
    assert store.queued() == []
    jobs = [store.submit(replace(REQUEST, paper=paper))[0] for paper in ("a", "b", "c", "d")]
    store.claim(jobs[1].id, LONG)
    finish(store, jobs[2], JobStatus.DONE)
    finish(store, jobs[3], JobStatus.FAILED)
    assert sorted(store.queued()) == sorted([jobs[0].id, jobs[1].id])


def test_counts_have_every_status(store: JobStore) -> None:
    assert store.counts() == {"queued": 0, "running": 0, "done": 0, "failed": 0}
    jobs = [store.submit(replace(REQUEST, paper=paper))[0] for paper in ("a", "b", "c", "d", "e", "f")]
    store.claim(jobs[0].id, LONG)
    finish(store, jobs[1], JobStatus.DONE)
    finish(store, jobs[2], JobStatus.DONE)
    finish(store, jobs[3], JobStatus.FAILED)
    assert store.counts() == {"queued": 2, "running": 1, "done": 2, "failed": 1}
    assert set(store.counts()) == {status.value for status in JobStatus}


def test_render_seconds_come_from_done_jobs(store: JobStore) -> None:
    assert store.render_seconds() == []
    jobs = [store.submit(replace(REQUEST, paper=paper))[0] for paper in ("a", "b", "c", "d", "e")]
    finish(store, jobs[0], JobStatus.DONE, render_seconds=1.5)
    finish(store, jobs[1], JobStatus.DONE, render_seconds=0.123456789)
    finish(store, jobs[2], JobStatus.DONE)  # no time recorded
    finish(store, jobs[3], JobStatus.FAILED, render_seconds=9.0)  # failed after rendering: not a report
    running = store.claim(jobs[4].id, LONG)
    store.update(replace(running, render_seconds=7.0))
    assert sorted(store.render_seconds()) == [0.123456789, 1.5]


def test_events_count_by_name_and_label(open_store: Callable[[], JobStore]) -> None:
    store, other = open_store(), open_store()
    assert store.events("pave_errors") == {}
    store.count_event("pave_errors", "503")
    other.count_event("pave_errors", "503")
    store.count_event("pave_errors", "timeout")
    store.count_event("callbacks", "sent")
    assert other.events("pave_errors") == {"503": 2, "timeout": 1}
    assert store.events("callbacks") == {"sent": 1}
    in_parallel(20, lambda index: (store if index % 2 else other).count_event("callbacks", "sent"))
    assert store.events("callbacks") == {"sent": 21}


def test_check_passes_on_a_usable_store(store: JobStore) -> None:
    store.check()


# --- Redis only ----------------------------------------------------------------------------------------


def test_redis_check_fails_fast_while_redis_is_down_and_passes_after_it_is_back(redis_server: RedisServer) -> None:  # noqa: F811
    store = RedisJobStore(redis_server.url)
    job, _ = store.submit(REQUEST)
    store.check()
    redis_server.stop()
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError, match=f"127.0.0.1:{redis_server.port}"):
        store.check()
    assert time.monotonic() - started < 5  # the connect timeout is 0.5 s; a refused port is instant
    with pytest.raises(redis.ConnectionError):
        store.get(job.id)
    redis_server.start()
    store.check()  # the pool's dead connections are replaced
    assert store.get(job.id) is None  # no persistence on this server: an empty Redis
    assert store.submit(REQUEST)[1]


def test_redis_with_appendonly_keeps_jobs_across_a_restart(tmp_path: Path) -> None:
    with running_redis(tmp_path / "redis", appendonly=True) as server:
        store = RedisJobStore(server.url)
        job, _ = store.submit(REQUEST, idempotency_key="client-key")
        running = store.claim(job.id, LONG)
        store.count_event("pave_errors", "503")
        server.restart()
        assert store.get(job.id) == running
        assert store.submit(REQUEST, idempotency_key="client-key") == (running, False)
        assert store.claim(job.id, LONG) is None
        assert store.queued() == [job.id] and store.events("pave_errors") == {"503": 1}


def test_redis_password_is_never_shown(tmp_path: Path) -> None:
    with running_redis(tmp_path / "redis", extra=("--requirepass", "right-s3cret")) as server:
        good = RedisJobStore(f"redis://:right-s3cret@127.0.0.1:{server.port}/0")
        good.check()
        assert "right-s3cret" not in repr(good)
        bad = RedisJobStore(f"redis://user:wrong-s3cret@127.0.0.1:{server.port}/0")
        with pytest.raises(redis.RedisError) as refused:
            bad.check()
        assert "wrong-s3cret" not in str(refused.value) and "wrong-s3cret" not in repr(bad)
        server.stop()
        with pytest.raises(redis.ConnectionError) as down:
            good.check()
        assert "right-s3cret" not in str(down.value)
        assert "s3cret" not in repr(good) + repr(bad)


def test_a_redis_nobody_listens_on_is_not_ready(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)  # a free port, never started
    store = open_job_store(server.url, tmp_path)
    assert isinstance(store, RedisJobStore)
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        store.check()
    assert time.monotonic() - started < 5
