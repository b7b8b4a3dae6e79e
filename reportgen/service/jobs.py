"""Job records: what was asked, where it stands, and a lease that lets a killed worker's job run again, once."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "ErrorCode",
    "Job",
    "JobRequest",
    "JobStatus",
    "JobStore",
    "SqliteJobStore",
    "claim_of",
]


class JobStatus(StrEnum):
    """Where a job stands; the values are the API's `status` strings."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ErrorCode(StrEnum):
    """Why a job failed: the command line's exit-code vocabulary, as the API's `error.code`."""

    NOT_FOUND = "not_found"
    NOT_INSPECTED = "not_inspected"
    INVALID_KEY = "invalid_key"
    AUTH = "auth"
    PAVE_UNAVAILABLE = "pave_unavailable"
    TIMEOUT = "timeout"
    DELIVERY = "delivery"
    CONFIG = "config"
    #: A comparison of two inspections of vehicles with different VINs.
    DIFFERENT_VEHICLES = "different_vehicles"
    ERROR = "error"


@dataclass(frozen=True)
class JobRequest:
    """What a client or a callback asked for; two equal requests are one report."""

    #: The session of the report; for a comparison, the second inspection's (check-in).
    session_key: str
    brand: str | None = None
    paper: str | None = None
    pdfa: bool | None = None
    rates: str | None = None
    email_to: tuple[str, ...] = ()
    #: Set for a comparison: the first inspection's session (check-out), compared with session_key.
    before_session_key: str | None = None
    #: A comparison's matching tolerance in percent of the photo; None for the default.
    tolerance: float | None = None
    #: The customer's language (i18n.LANGUAGES); None for the brand's.
    lang: str | None = None

    @property
    def kind(self) -> str:
        """Which kind of job this asks for: "comparison" or "report"."""
        return "comparison" if self.before_session_key else "report"

    def dedupe_key(self) -> str:
        """The same session and options give the same key, whatever the order of the addresses."""
        canonical = {**asdict(self), "email_to": sorted(self.email_to)}
        # Fields added after the first release count only when set, so a stored report's key stays the same.
        for name in _ADDED_FIELDS:
            if canonical[name] is None:
                del canonical[name]
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobRequest:
        """The request as stored."""
        return cls(**{**data, "email_to": tuple(data.get("email_to", ()))})


@dataclass(frozen=True)
class Job:
    """A job as the store keeps it; timestamps are Unix seconds."""

    id: str
    request: JobRequest
    status: JobStatus
    created_at: float
    updated_at: float
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    lease_until: float | None = None
    not_before: float | None = None
    render_seconds: float | None = None
    warnings: tuple[str, ...] = ()
    summary: dict[str, Any] | None = None
    pdf_sha256: str | None = None
    pdf_size: int | None = None
    emailed_to: tuple[str, ...] = ()
    error_code: ErrorCode | None = None
    error_message: str | None = None
    #: The render process that ran the job last (in a child it forked), as "host:pid", for an operator reading logs.
    worker: str | None = None
    idempotency_key: str | None = field(default=None, repr=False)

    def to_record(self) -> dict[str, Any]:
        """The job as JSON-ready data."""
        record = asdict(self)
        record["request"] = asdict(self.request)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Job:
        """A job from what to_record gave."""
        return cls(
            **{
                **record,
                "request": JobRequest.from_dict(record["request"]),
                "status": JobStatus(record["status"]),
                "error_code": ErrorCode(record["error_code"]) if record.get("error_code") else None,
                "warnings": tuple(record.get("warnings", ())),
                "emailed_to": tuple(record.get("emailed_to", ())),
            }
        )


_ADDED_FIELDS = ("before_session_key", "tolerance", "lang")


def claim_of(job: Job, lease: float, now: float) -> Job | None:
    """The rule both stores apply: a queued job, or a running one whose lease ran out, starts (again) under a lease."""
    if job.status is JobStatus.RUNNING and (job.lease_until or 0) > now:
        return None
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return None
    return replace(
        job,
        status=JobStatus.RUNNING,
        attempts=job.attempts + 1,
        started_at=job.started_at or now,
        updated_at=now,
        lease_until=now + lease,
        not_before=None,
    )


class JobStore(Protocol):
    """The job records every API process and worker shares (SQLite on one machine, Redis across machines)."""

    def submit(self, request: JobRequest, idempotency_key: str | None = None) -> tuple[Job, bool]:
        """The job for this request: an existing one (same idempotency key, or same request not failed), or a new one.

        Returns the job and whether it was made now; atomic, so racing duplicates make one job.
        """

    def get(self, job_id: str) -> Job | None:
        """The job, or None."""

    def claim(self, job_id: str, lease: float) -> Job | None:
        """Start the job if it is queued, or running under an expired lease; else None (done, failed, or held)."""

    def renew(self, job_id: str, lease: float) -> None:
        """Extend a running job's lease."""

    def update(self, job: Job) -> None:
        """Write the job's new state (the worker that holds its lease is the only writer)."""

    def expired(self, now: float | None = None) -> list[str]:
        """Running jobs whose lease has run out (their worker died) and queued jobs due again."""

    def queued(self) -> list[str]:
        """Every job queued or running: a restarted service enqueues them again (claim makes a duplicate harmless)."""

    def counts(self) -> dict[str, int]:
        """Jobs by status."""

    def render_seconds(self) -> list[float]:
        """Render times of the finished jobs, for the metrics histogram."""

    def count_event(self, name: str, label: str) -> None:
        """Add one to a named counter (e.g. PAVE errors by status), shared by every process."""

    def events(self, name: str) -> dict[str, int]:
        """A named counter's values by label."""

    def check(self) -> None:
        """Raise an exception unless the store can be used now (the readiness probe)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    dedupe_key TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    status TEXT NOT NULL,
    lease_until REAL,
    not_before REAL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_dedupe ON jobs (dedupe_key, status);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE TABLE IF NOT EXISTS events (name TEXT, label TEXT, count INTEGER NOT NULL, PRIMARY KEY (name, label));
"""


class SqliteJobStore:
    """Job records in a SQLite file (WAL), shared by the API and the workers of one machine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per operation: safe across threads and forked worker processes.
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            yield connection
        finally:
            connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")  # one writer at a time: check-then-write is atomic
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def submit(self, request: JobRequest, idempotency_key: str | None = None) -> tuple[Job, bool]:
        """See JobStore.submit."""
        dedupe = request.dedupe_key()
        with self._transaction() as db:
            row = None
            if idempotency_key is not None:
                row = db.execute("SELECT record FROM jobs WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT record FROM jobs WHERE dedupe_key = ? AND status != ? ORDER BY rowid DESC LIMIT 1",
                    (dedupe, JobStatus.FAILED.value),
                ).fetchone()
            if row is not None:
                return Job.from_record(json.loads(row[0])), False
            now = time.time()
            job = Job(uuid.uuid4().hex, request, JobStatus.QUEUED, now, now, idempotency_key=idempotency_key)
            db.execute(
                "INSERT INTO jobs (id, dedupe_key, idempotency_key, status, lease_until, not_before, record)"
                " VALUES (?, ?, ?, ?, NULL, NULL, ?)",
                (job.id, dedupe, idempotency_key, job.status.value, json.dumps(job.to_record())),
            )
            return job, True

    def get(self, job_id: str) -> Job | None:
        """See JobStore.get."""
        with self._connect() as db:
            row = db.execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job.from_record(json.loads(row[0])) if row else None

    def claim(self, job_id: str, lease: float) -> Job | None:
        """See JobStore.claim."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            job = Job.from_record(json.loads(row[0]))
            claimed = claim_of(job, lease, now)
            if claimed is None:
                return None
            job = claimed
            self._write(db, job)
            return job

    def renew(self, job_id: str, lease: float) -> None:
        """See JobStore.renew."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None:
                job = Job.from_record(json.loads(row[0]))
                if job.status is JobStatus.RUNNING:
                    self._write(db, replace(job, lease_until=now + lease))

    def update(self, job: Job) -> None:
        """See JobStore.update."""
        with self._transaction() as db:
            self._write(db, replace(job, updated_at=time.time()))

    def expired(self, now: float | None = None) -> list[str]:
        """See JobStore.expired."""
        now = time.time() if now is None else now
        with self._connect() as db:
            rows = db.execute(
                "SELECT id FROM jobs WHERE (status = ? AND lease_until < ?) OR (status = ? AND not_before < ?)",
                (JobStatus.RUNNING.value, now, JobStatus.QUEUED.value, now),
            ).fetchall()
        return [row[0] for row in rows]

    def queued(self) -> list[str]:
        """See JobStore.queued."""
        with self._connect() as db:
            rows = db.execute("SELECT id FROM jobs WHERE status IN (?, ?)", ("queued", "running")).fetchall()
        return [row[0] for row in rows]

    def counts(self) -> dict[str, int]:
        """See JobStore.counts."""
        with self._connect() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {status.value: 0 for status in JobStatus} | {row[0]: row[1] for row in rows}

    def render_seconds(self) -> list[float]:
        """See JobStore.render_seconds."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT json_extract(record, '$.render_seconds') FROM jobs WHERE status = ?", (JobStatus.DONE.value,)
            ).fetchall()
        return [float(row[0]) for row in rows if row[0] is not None]

    def count_event(self, name: str, label: str) -> None:
        """See JobStore.count_event."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO events (name, label, count) VALUES (?, ?, 1)"
                " ON CONFLICT (name, label) DO UPDATE SET count = count + 1",
                (name, label),
            )

    def events(self, name: str) -> dict[str, int]:
        """See JobStore.events."""
        with self._connect() as db:
            rows = db.execute("SELECT label, count FROM events WHERE name = ?", (name,)).fetchall()
        return {row[0]: row[1] for row in rows}

    def check(self) -> None:
        """See JobStore.check."""
        with self._connect() as db:
            db.execute("SELECT 1 FROM jobs LIMIT 1").fetchall()

    @staticmethod
    def _write(db: sqlite3.Connection, job: Job) -> None:
        db.execute(
            "UPDATE jobs SET status = ?, lease_until = ?, not_before = ?, record = ? WHERE id = ?",
            (job.status.value, job.lease_until, job.not_before, json.dumps(job.to_record()), job.id),
        )
