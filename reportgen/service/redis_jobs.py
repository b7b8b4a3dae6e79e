"""Job records in Redis, shared by the API processes and workers of many machines."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from urllib.parse import urlsplit

import redis

from .jobs import Job, JobRequest, JobStatus, claim_of

__all__ = ["RedisJobStore"]

_PREFIX = "reportgen:"

# Keys, all under _PREFIX:
#   job:<id>             the job's record, JSON (Job.to_record)
#   status:<status>      set of the ids of the jobs in that status
#   lease                sorted set: running job id -> lease_until
#   not_before           sorted set: queued job id -> not_before
#   render_seconds       hash: done job id -> render seconds
#   idempotency          hash: idempotency key -> job id
#   dedupe               hash: JobRequest.dedupe_key() -> id of the latest job of that request not failed
#   events:<name>        hash: label -> count
# The scripts below run atomically on the server: no other client's command runs in between.

# KEYS: idempotency, dedupe, status:failed, status:queued
# ARGV: has idempotency key ("1"/"0"), idempotency key, dedupe key, new id, new record, job key prefix
_SUBMIT = """
local has_key = ARGV[1] == '1'
if has_key then
  local id = redis.call('HGET', KEYS[1], ARGV[2])
  if id then
    local record = redis.call('GET', ARGV[6] .. id)
    if record then return {0, record} end
  end
end
local id = redis.call('HGET', KEYS[2], ARGV[3])
if id and redis.call('SISMEMBER', KEYS[3], id) == 0 then
  local record = redis.call('GET', ARGV[6] .. id)
  if record then return {0, record} end
end
redis.call('SET', ARGV[6] .. ARGV[4], ARGV[5])
redis.call('SADD', KEYS[4], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
if has_key then redis.call('HSET', KEYS[1], ARGV[2], ARGV[4]) end
return {1, ARGV[5]}
"""

# KEYS: job:<id>, status:queued, status:running, status:done, status:failed, the job's new status set,
#       lease, not_before, render_seconds, dedupe
# ARGV: id, new record, lease_until or "", not_before or "", render seconds or "", dedupe key,
#       failed ("1"/"0"), compare ("1"/"0"), expected record
# Writes nothing and returns 0 when the job is missing, or (compare) its record is no longer the expected one.
_WRITE = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if ARGV[8] == '1' and current ~= ARGV[9] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
for i = 2, 5 do redis.call('SREM', KEYS[i], ARGV[1]) end
redis.call('SADD', KEYS[6], ARGV[1])
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[7], ARGV[3], ARGV[1]) else redis.call('ZREM', KEYS[7], ARGV[1]) end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[8], ARGV[4], ARGV[1]) else redis.call('ZREM', KEYS[8], ARGV[1]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[9], ARGV[1], ARGV[5]) else redis.call('HDEL', KEYS[9], ARGV[1]) end
local latest = redis.call('HGET', KEYS[10], ARGV[6])
if ARGV[7] == '1' then
  if latest == ARGV[1] then redis.call('HDEL', KEYS[10], ARGV[6]) end
elseif not latest then
  redis.call('HSET', KEYS[10], ARGV[6], ARGV[1])
end
return 1
"""


def _number(value: float | None) -> str:
    # repr gives the shortest text that parses back to the same double, as Redis parses scores.
    return "" if value is None else repr(float(value))


def _where(url: str) -> str:
    """The URL without its credentials' secret: scheme, user, host, port and database."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


class RedisJobStore:
    """Job records in Redis (keys under `reportgen:`), for a service whose queue is Redis too.

    Submit is a server-side script and claim, renew and update compare-and-set the job's record
    in one, so racing processes on any machine make one job and give a job to one worker.
    """

    def __init__(self, url: str) -> None:
        self._where = _where(url)
        # No retries on the connections (redis-py's default for a pool of its own): a dead Redis
        # fails an operation, and the readiness probe, within the connect timeout.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=0.5, socket_timeout=2, decode_responses=True)
        self._redis = redis.Redis(connection_pool=pool)
        self._submit = self._redis.register_script(_SUBMIT)
        self._write_script = self._redis.register_script(_WRITE)

    def __repr__(self) -> str:
        return f"RedisJobStore({self._where})"

    def submit(self, request: JobRequest, idempotency_key: str | None = None) -> tuple[Job, bool]:
        """See JobStore.submit."""
        now = time.time()
        job = Job(uuid.uuid4().hex, request, JobStatus.QUEUED, now, now, idempotency_key=idempotency_key)
        created, record = self._submit(
            keys=[
                _PREFIX + "idempotency",
                _PREFIX + "dedupe",
                _status_key(JobStatus.FAILED),
                _status_key(JobStatus.QUEUED),
            ],
            args=[
                "0" if idempotency_key is None else "1",
                idempotency_key or "",
                request.dedupe_key(),
                job.id,
                json.dumps(job.to_record()),
                _PREFIX + "job:",
            ],
        )
        return Job.from_record(json.loads(record)), bool(created)

    def get(self, job_id: str) -> Job | None:
        """See JobStore.get."""
        record = self._record(job_id)
        return Job.from_record(json.loads(record)) if record is not None else None

    def claim(self, job_id: str, lease: float) -> Job | None:
        """See JobStore.claim."""
        while True:
            record = self._record(job_id)
            if record is None:
                return None
            now = time.time()
            job = Job.from_record(json.loads(record))
            claimed = claim_of(job, lease, now)
            if claimed is None:
                return None
            job = claimed
            if self._write(job, expected=record):
                return job
            # Another process wrote the job since it was read: look again.

    def renew(self, job_id: str, lease: float) -> None:
        """See JobStore.renew."""
        while True:
            record = self._record(job_id)
            if record is None:
                return
            job = Job.from_record(json.loads(record))
            if job.status is not JobStatus.RUNNING:
                return
            if self._write(replace(job, lease_until=time.time() + lease), expected=record):
                return

    def update(self, job: Job) -> None:
        """See JobStore.update."""
        self._write(replace(job, updated_at=time.time()))

    def expired(self, now: float | None = None) -> list[str]:
        """See JobStore.expired."""
        below = "(" + _number(time.time() if now is None else now)
        pipe = self._redis.pipeline(transaction=True)
        pipe.zrangebyscore(_PREFIX + "lease", "-inf", below)
        pipe.zrangebyscore(_PREFIX + "not_before", "-inf", below)
        running, queued = pipe.execute()
        return [str(job_id) for job_id in [*running, *queued]]

    def queued(self) -> list[str]:
        """See JobStore.queued."""
        ids = self._redis.sunion([_status_key(JobStatus.QUEUED), _status_key(JobStatus.RUNNING)])
        return [str(job_id) for job_id in ids]

    def counts(self) -> dict[str, int]:
        """See JobStore.counts."""
        pipe = self._redis.pipeline(transaction=True)
        for status in JobStatus:
            pipe.scard(_status_key(status))
        return {status.value: int(count) for status, count in zip(JobStatus, pipe.execute(), strict=True)}

    def render_seconds(self) -> list[float]:
        """See JobStore.render_seconds."""
        return [float(seconds) for seconds in self._redis.hvals(_PREFIX + "render_seconds")]

    def count_event(self, name: str, label: str) -> None:
        """See JobStore.count_event."""
        self._redis.hincrby(_PREFIX + "events:" + name, label, 1)

    def events(self, name: str) -> dict[str, int]:
        """See JobStore.events."""
        return {str(label): int(count) for label, count in self._redis.hgetall(_PREFIX + "events:" + name).items()}

    def check(self) -> None:
        """Redis answers PING (within the connect timeout when it is down)."""
        try:
            self._redis.ping()
        except redis.RedisError as error:
            raise redis.ConnectionError(f"job store {self._where}: {error}") from None

    def _record(self, job_id: str) -> str | None:
        record = self._redis.get(_job_key(job_id))
        return record.decode("utf-8") if isinstance(record, bytes) else record

    def _write(self, job: Job, expected: str | None = None) -> bool:
        """Store the job and its indexes at once; with `expected`, only if its record is still that."""
        result = self._write_script(
            keys=[
                _job_key(job.id),
                *(_status_key(status) for status in JobStatus),
                _status_key(job.status),
                _PREFIX + "lease",
                _PREFIX + "not_before",
                _PREFIX + "render_seconds",
                _PREFIX + "dedupe",
            ],
            args=[
                job.id,
                json.dumps(job.to_record()),
                _number(job.lease_until) if job.status is JobStatus.RUNNING else "",
                _number(job.not_before) if job.status is JobStatus.QUEUED else "",
                _number(job.render_seconds) if job.status is JobStatus.DONE else "",
                job.request.dedupe_key(),
                "1" if job.status is JobStatus.FAILED else "0",
                "0" if expected is None else "1",
                expected or "",
            ],
        )
        return bool(result)


def _job_key(job_id: str) -> str:
    return f"{_PREFIX}job:{job_id}"


def _status_key(status: JobStatus) -> str:
    return f"{_PREFIX}status:{status.value}"
