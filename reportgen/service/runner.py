"""One job, start to finish: fetch and render through the library, store the PDF and summary, email, record."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..cores import usable_cores
from ..errors import (
    APIError,
    AuthenticationError,
    ConfigError,
    DeliveryError,
    DifferentVehiclesError,
    InvalidSessionKeyError,
    NotInspectedError,
    ReportgenError,
    SessionNotFoundError,
)
from ..files import json_bytes
from ..timelimit import TimeLimitExceeded, time_limit
from .config import ServiceConfig
from .jobs import ErrorCode, Job, JobStatus, JobStore
from .storage import Storage

if TYPE_CHECKING:
    from ..compare import ComparisonReport
    from ..report import Report

__all__ = ["Outcome", "Services", "pdf_key", "run_job", "summary_key", "timed_out", "worker_name"]

log = logging.getLogger("reportgen.service")


@dataclass(frozen=True)
class Services:
    """What a job needs, made once per process: the configuration, the job store and the storage."""

    config: ServiceConfig
    store: JobStore
    storage: Storage


@dataclass(frozen=True)
class Outcome:
    """What run_job did: nothing (the job was done or held elsewhere), finished, failed, or later."""

    job: Job | None
    #: Seconds from now to run it again (PAVE said "not inspected" before the deadline); None otherwise.
    retry_in: float | None = None


def pdf_key(job_id: str) -> str:
    """Where a job's PDF is stored."""
    return f"{job_id}/report.pdf"


def summary_key(job_id: str) -> str:
    """Where a job's summary is stored."""
    return f"{job_id}/summary.json"


def run_job(job_id: str, services: Services, *, worker: int | None = None) -> Outcome:
    """Claim the job and carry it out; safe to call again for the same job (a duplicate delivery does nothing).

    A job killed halfway is claimed again once its lease runs out; the PDF and summary are
    written under the job's id, so the second run replaces the first run's files, never adds to
    them, and the email is sent only if the first run did not record it as sent. `worker` is the
    process id the job records as its worker (default: this process; a worker that forks each
    job names itself).
    """
    config, store = services.config, services.store
    job = store.claim(job_id, config.job_lease)
    if job is None:
        return Outcome(None)
    started = time.monotonic()
    job = replace(job, worker=worker_name(worker))
    with _renewing(store, job.id, config.job_lease):
        try:
            with time_limit(config.job_time_limit):
                job = _render_and_deliver(job, services, started)
        except NotInspectedError as error:
            store.count_event("pave_errors", ErrorCode.NOT_INSPECTED.value)
            waited = time.time() - job.created_at
            if waited + config.not_inspected_retry_delay <= config.not_inspected_deadline:
                delay = min(config.not_inspected_retry_delay * 2 ** (job.attempts - 1), 300.0)
                delay = min(delay, max(config.not_inspected_deadline - waited, 0.1))
                later = replace(job, status=JobStatus.QUEUED, lease_until=None, not_before=time.time() + delay)
                store.update(later)
                log.info(
                    "job %s: session %s not inspected yet; again in %.0f s", job.id, job.request.session_key, delay
                )
                return Outcome(later, retry_in=delay)
            job = _failed(job, ErrorCode.NOT_INSPECTED, str(error))
        except TimeLimitExceeded as error:
            job = timed_out(job, error.seconds)
        except ReportgenError as error:
            if isinstance(error, APIError):
                store.count_event("pave_errors", _code(error).value)
            job = _failed(job, _code(error), str(error))
        except Exception as error:  # noqa: BLE001 (a bug must fail the job, not the worker)
            log.exception("job %s: internal error", job.id)
            job = _failed(job, ErrorCode.ERROR, f"internal error: {type(error).__name__}")
        store.update(job)
    log.info("job %s: %s", job.id, job.status)
    return Outcome(job)


def _render_and_deliver(job: Job, services: Services, started: float) -> Job:
    from ..report import generate_report

    config = services.config
    if config.credentials is None:
        raise ConfigError("PAVE credentials are not configured (PAVE_API_KEY)")
    profile = config.brand(job.request.brand)
    options = profile.options
    if options.jobs is None:
        # The workers share the cores: each job lays its PDF out on its share of them.
        options = replace(options, jobs=max(1, usable_cores() // max(1, config.workers)))
    if job.request.paper:
        options = replace(options, paper=job.request.paper)
    if job.request.pdfa is not None:
        options = replace(options, pdfa=job.request.pdfa)
    if job.request.lang:
        options = replace(options, lang=job.request.lang)
    if job.request.rates:
        from ..estimate import load_rate_card

        if job.request.rates not in config.rate_cards:
            raise ConfigError(f"unknown rate card {job.request.rates!r}")
        options = replace(options, rates=load_rate_card(config.rate_cards[job.request.rates]))
    credentials = config.credentials
    fetching: dict[str, Any] = {
        "api_key": credentials.api_key,
        "api_secret": credentials.api_secret,
        "username": credentials.username,
        "base_url": config.pave_base_url,
        "cache": config.data_dir / "photo-cache",
        "timeout": config.job_time_limit,
    }
    report: Report | ComparisonReport
    if job.request.before_session_key:
        from ..compare import compare_sessions
        from ..matching import DEFAULT_TOLERANCE

        tolerance = job.request.tolerance if job.request.tolerance is not None else DEFAULT_TOLERANCE
        report = compare_sessions(
            job.request.before_session_key, job.request.session_key, options, tolerance=tolerance, **fetching
        )
    else:
        report = generate_report(job.request.session_key, options, **fetching)
    pdf = report.pdf
    summary = report.summary
    rendered = time.monotonic() - started
    services.storage.put(pdf_key(job.id), pdf, "application/pdf")
    services.storage.put(summary_key(job.id), json_bytes(summary), "application/json")
    job = replace(
        job,
        warnings=tuple(report.warnings),
        summary=summary,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf_size=len(pdf),
        render_seconds=round(rendered, 3),
    )
    recipients = tuple(dict.fromkeys([*profile.email_to, *job.request.email_to]))
    if job.request.before_session_key:
        # The email's wording is a single report's: a comparison is fetched from the API, not mailed.
        recipients = ()
    if recipients and not job.emailed_to:
        _email(job, pdf, summary, recipients, services, profile.options.brand.name, options.lang or "en")
        job = replace(job, emailed_to=recipients)
        # Recorded at once: a worker killed after this point re-renders but does not send twice.
        services.store.update(job)
    return replace(job, status=JobStatus.DONE, finished_at=time.time(), lease_until=None)


def _email(
    job: Job,
    pdf: bytes,
    summary: dict[str, Any],
    recipients: tuple[str, ...],
    services: Services,
    brand: str,
    lang: str = "en",
) -> None:
    from ..mail import MailContext, compose, send

    config = services.config
    if config.smtp is None or not config.mail_from:
        raise DeliveryError("email was asked for but no SMTP server is configured (REPORTGEN_SMTP_URL)")
    context = replace(MailContext.from_summary(summary, brand), lang=lang)
    mail = compose(pdf, context=context, sender=config.mail_from, to=list(recipients))
    send(mail, config.smtp)


def worker_name(pid: int | None = None) -> str:
    """A job's `worker`: "host:pid" of the worker process (this one by default)."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def timed_out(job: Job, seconds: float) -> Job:
    """The job failed because it ran past the job time limit of `seconds`."""
    return _failed(job, ErrorCode.TIMEOUT, f"the report took longer than {seconds:g} s")


def _failed(job: Job, code: ErrorCode, message: str) -> Job:
    return replace(
        job,
        status=JobStatus.FAILED,
        finished_at=time.time(),
        lease_until=None,
        error_code=code,
        error_message=message[:500],
    )


def _code(error: ReportgenError) -> ErrorCode:
    for kind, code in (
        (SessionNotFoundError, ErrorCode.NOT_FOUND),
        (AuthenticationError, ErrorCode.AUTH),
        (InvalidSessionKeyError, ErrorCode.INVALID_KEY),
        (APIError, ErrorCode.PAVE_UNAVAILABLE),
        (DeliveryError, ErrorCode.DELIVERY),
        (DifferentVehiclesError, ErrorCode.DIFFERENT_VEHICLES),
        (ConfigError, ErrorCode.CONFIG),
    ):
        if isinstance(error, kind):
            return code
    return ErrorCode.ERROR


@contextmanager
def _renewing(store: JobStore, job_id: str, lease: float) -> Iterator[None]:
    """Keep the job's lease alive while this worker is alive; a killed worker stops renewing it."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease / 3):
            try:
                store.renew(job_id, lease)
            except Exception:  # noqa: BLE001 (a store hiccup must not kill the render; the next beat tries again)
                log.warning("job %s: lease renewal failed", job_id)

    beat = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()
