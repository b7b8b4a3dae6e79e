"""The HTTP API (FastAPI): reports asked for and fetched, PAVE's callbacks received, health and metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ConfigError
from ..i18n import LANGUAGES
from ..mail import parse_addresses
from ..models import is_valid_session_key
from .config import ServiceConfig
from .jobs import Job, JobRequest, JobStatus, JobStore
from .metrics import metrics_text
from .queue import JobQueue, QueueUnavailable
from .runner import pdf_key
from .storage import Storage, StorageError

__all__ = ["ComparisonRequestBody", "ReportRequestBody", "create_app"]

log = logging.getLogger("reportgen.service")
MAX_WAIT = 60.0
RETRY_AFTER = "5"
# Parameters that several routes take, declared once.
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
Wait = Annotated[float, Query(ge=0, le=MAX_WAIT, description="Seconds to wait for the job to finish")]
IfNoneMatch = Annotated[str | None, Header()]


def _store_unavailable(error: BaseException) -> bool:
    """Whether the error says the job store cannot be reached (redis-py's errors, SQLite's operational ones)."""
    return isinstance(error, sqlite3.OperationalError | ConnectionError | TimeoutError) or any(
        kind.__module__.startswith("redis.") for kind in type(error).__mro__
    )


class ApiError(Exception):
    """An answer other than success: the status and one clear message, as JSON."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class _RenderFields(BaseModel):
    """How to render, shared by reports and comparisons."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brand: str | None = Field(None, description="A brand configured in the service ([brands.NAME])")
    paper: str | None = Field(None, description="a4 or letter; default: the brand's")
    rates: str | None = Field(None, description="A rate card configured in the service ([rates.NAME])")
    pdfa: bool | None = Field(None, description="An archival PDF/A-3b carrying PAVE's data")
    lang: str | None = Field(None, description="The customer's language: en, fr, es, de or ja; default: the brand's")

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in LANGUAGES:
            raise ValueError(f"must be one of: {', '.join(LANGUAGES)}")
        return value.lower() if value else None

    @field_validator("paper")
    @classmethod
    def _paper(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in ("a4", "letter"):
            raise ValueError("must be a4 or letter")
        return value.lower() if value else None


def _session_key(value: str) -> str:
    if not is_valid_session_key(value):
        raise ValueError("not a PAVE session key (letters, digits, hyphens and underscores, 1 to 64)")
    return value


class ReportRequestBody(_RenderFields):
    """`POST /v1/reports`: the session and, optionally, how to render and whom to email."""

    session_key: str = Field(description="PAVE's session key (letters, digits, hyphens, underscores)")
    email_to: list[str] = Field(default_factory=list, max_length=20, description="Addresses to email the PDF to")

    _key = field_validator("session_key")(_session_key)

    @field_validator("email_to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        try:
            return [str(address) for address in parse_addresses(value)]
        except ConfigError as error:
            raise ValueError(str(error)) from None


class ComparisonRequestBody(_RenderFields):
    """`POST /v1/comparisons`: two inspections of one vehicle, first (check-out) and second (check-in)."""

    before_session_key: str = Field(description="The first inspection's session key (check-out, hand-over)")
    after_session_key: str = Field(description="The second inspection's session key (check-in, return)")
    tolerance: float | None = Field(
        None, gt=0, le=50, description="How far apart, in percent of the photo, two spots are the same; default 5"
    )

    _keys = field_validator("before_session_key", "after_session_key")(_session_key)


class JobView(BaseModel):
    """A job as the API shows it."""

    id: str
    #: "report" or "comparison".
    kind: str
    status: JobStatus
    #: The report's session; for a comparison, the second inspection's.
    session_key: str
    #: A comparison's first inspection; null for a report.
    before_session_key: str | None
    status_url: str
    pdf_url: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    render_seconds: float | None
    warnings: list[str]
    summary: dict[str, Any] | None
    pdf_sha256: str | None
    pdf_size: int | None
    emailed_to: list[str]
    worker: str | None
    error: dict[str, str] | None


#: Where each kind of job lives in the API.
_COLLECTIONS = {"report": "/v1/reports", "comparison": "/v1/comparisons"}


def _view(job: Job) -> dict[str, Any]:
    url = f"{_COLLECTIONS[job.request.kind]}/{job.id}"
    return JobView(
        id=job.id,
        kind=job.request.kind,
        status=job.status,
        session_key=job.request.session_key,
        before_session_key=job.request.before_session_key,
        status_url=url,
        pdf_url=f"{url}/pdf" if job.status is JobStatus.DONE else None,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts,
        render_seconds=job.render_seconds,
        warnings=list(job.warnings),
        summary=job.summary,
        pdf_sha256=job.pdf_sha256,
        pdf_size=job.pdf_size,
        emailed_to=list(job.emailed_to),
        worker=job.worker,
        error={"code": job.error_code.value, "message": job.error_message or ""} if job.error_code else None,
    ).model_dump(mode="json")


class _BodyLimit:
    """Refuse a request body over the limit with 413 before it is read into memory."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(self.limit, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(self.limit, send)


class _TooLarge(Exception):
    pass


async def _too_large(limit: int, send: Send) -> None:
    body = json.dumps({"error": {"code": "too_large", "message": f"request body over {limit} bytes"}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(config: ServiceConfig, store: JobStore, storage: Storage, queue: JobQueue) -> FastAPI:
    """The API over one job store, storage and queue (shared with the workers)."""
    app = FastAPI(
        title="reportgen",
        version="1",
        summary="PAVE inspections in, branded PDF condition reports out.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/v1/openapi.json",
    )

    def authorised(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token or not config.tokens.accepts(token.strip()):
            raise ApiError(401, "unauthorised", "a valid bearer token is required", {"WWW-Authenticate": "Bearer"})

    async def submit(request: JobRequest, idempotency_key: str | None) -> tuple[Job, bool]:
        try:
            job, created = await asyncio.to_thread(store.submit, request, idempotency_key)
            if job.status is JobStatus.QUEUED:
                # Also for an existing queued job: a queue message lost with a crash is put back (claim dedupes).
                await asyncio.to_thread(queue.enqueue, job.id)
        except QueueUnavailable as error:
            log.warning("queue unavailable: %s", error)
            raise ApiError(
                503, "unavailable", "the job queue is unavailable; try again", {"Retry-After": RETRY_AFTER}
            ) from None
        except Exception as error:  # noqa: BLE001 (a store that cannot be reached: nothing was queued)
            log.warning("job store unavailable: %s", type(error).__name__)
            raise ApiError(
                503, "unavailable", "the job store is unavailable; try again", {"Retry-After": RETRY_AFTER}
            ) from None
        return job, created

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": error.code, "message": error.message}}, status_code=error.status, headers=error.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
            text = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            if item.get("type") == "extra_forbidden":
                text = "unknown field"
            elif item.get("type") == "json_invalid":
                where, text = "", f"malformed JSON (at character {item.get('loc', ('', '?'))[-1]})"
            problems.append(f"{where}: {text}" if where else text)
        return JSONResponse({"error": {"code": "invalid_request", "message": "; ".join(problems)[:1000]}}, 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": "http_error", "message": str(error.detail)}}, error.status_code, headers=error.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # Every answer is JSON, a failure too: a job store that stopped answering (Redis down or
        # timing out, SQLite locked) is 503 and retried; anything else is a bug, logged, 500.
        if _store_unavailable(error):
            log.warning("job store unavailable: %s", type(error).__name__)
            return JSONResponse(
                {"error": {"code": "unavailable", "message": "the job store is unavailable; try again"}},
                503,
                headers={"Retry-After": RETRY_AFTER},
            )
        log.error("internal error answering %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse({"error": {"code": "error", "message": "internal error"}}, 500)

    def checked_options(body: _RenderFields) -> None:
        if body.brand is not None and body.brand not in config.brands:
            raise ApiError(400, "invalid_request", f"brand: {body.brand!r} is not configured")
        if body.rates is not None and body.rates not in config.rate_cards:
            raise ApiError(400, "invalid_request", f"rates: {body.rates!r} is not configured")

    async def answer(
        request: JobRequest, response: Response, idempotency_key: str | None, wait: float
    ) -> dict[str, Any]:
        job, _ = await submit(request, idempotency_key)
        if job.request.kind != request.kind:
            raise ApiError(409, "conflict", f"this Idempotency-Key was used for a {job.request.kind}")
        deadline = time.monotonic() + wait
        while job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and time.monotonic() < deadline:
            await asyncio.sleep(min(0.1, max(deadline - time.monotonic(), 0)))
            latest: Job | None = await asyncio.to_thread(store.get, job.id)
            job = latest or job
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            response.status_code = 200
        response.headers["Location"] = f"{_COLLECTIONS[job.request.kind]}/{job.id}"
        return _view(job)

    async def stored_pdf(job: Job, if_none_match: str | None) -> Response:
        if job.status is not JobStatus.DONE:
            raise ApiError(409, "not_ready", f"the {job.request.kind} is {job.status.value}, not done")
        etag = f'"{job.pdf_sha256}"'
        if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        try:
            pdf = await asyncio.to_thread(storage.get, pdf_key(job.id))
        except StorageError:
            raise ApiError(
                503, "unavailable", f"the {job.request.kind} storage is unavailable", {"Retry-After": RETRY_AFTER}
            ) from None
        if pdf is None:
            raise ApiError(410, "gone", f"the {job.request.kind}'s PDF is no longer stored")
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"ETag": etag, "Content-Disposition": f'attachment; filename="{_file_name(job)}"'},
        )

    @app.post("/v1/reports", status_code=202, dependencies=[Depends(authorised)])
    async def post_report(
        body: ReportRequestBody,
        response: Response,
        idempotency_key: IdempotencyKey = None,
        wait: Wait = 0,
    ) -> dict[str, Any]:
        """Ask for a report; 202 with the job (or the existing job for the same key or request)."""
        checked_options(body)
        if body.email_to and config.smtp is None:
            raise ApiError(400, "invalid_request", "email_to: this service has no SMTP server configured")
        request = JobRequest(
            body.session_key, body.brand, body.paper, body.pdfa, body.rates, tuple(body.email_to), lang=body.lang
        )
        return await answer(request, response, idempotency_key, wait)

    @app.get("/v1/reports/{job_id}", dependencies=[Depends(authorised)])
    async def get_report(job_id: str) -> dict[str, Any]:
        """The job's status, timings, warnings, summary and, once done, the PDF's hash and size."""
        return _view(await _job(job_id, "report"))

    @app.get("/v1/reports/{job_id}/pdf", dependencies=[Depends(authorised)], response_class=Response)
    async def get_pdf(job_id: str, if_none_match: IfNoneMatch = None) -> Response:
        """The PDF; ETag is its SHA-256, so a client that has it gets 304."""
        return await stored_pdf(await _job(job_id, "report"), if_none_match)

    @app.post("/v1/comparisons", status_code=202, dependencies=[Depends(authorised)])
    async def post_comparison(
        body: ComparisonRequestBody,
        response: Response,
        idempotency_key: IdempotencyKey = None,
        wait: Wait = 0,
    ) -> dict[str, Any]:
        """Ask for a comparison of two inspections (what is new since the first); 202 with the job."""
        checked_options(body)
        if body.before_session_key == body.after_session_key:
            raise ApiError(400, "invalid_request", "before_session_key and after_session_key are the same session")
        request = JobRequest(
            body.after_session_key,
            body.brand,
            body.paper,
            body.pdfa,
            body.rates,
            before_session_key=body.before_session_key,
            tolerance=body.tolerance,
            lang=body.lang,
        )
        return await answer(request, response, idempotency_key, wait)

    @app.get("/v1/comparisons/{job_id}", dependencies=[Depends(authorised)])
    async def get_comparison(job_id: str) -> dict[str, Any]:
        """The comparison job's status, warnings, summary ("reportgen.compare/1") and the PDF's hash and size."""
        return _view(await _job(job_id, "comparison"))

    @app.get("/v1/comparisons/{job_id}/pdf", dependencies=[Depends(authorised)], response_class=Response)
    async def get_comparison_pdf(job_id: str, if_none_match: IfNoneMatch = None) -> Response:
        """The comparison's PDF; ETag is its SHA-256."""
        return await stored_pdf(await _job(job_id, "comparison"), if_none_match)

    @app.post("/v1/pave/callbacks", status_code=202)
    async def pave_callback(request: Request) -> Response:
        """PAVE's callback: SESSION:COMPLETE makes a report (once per session); other events answer 204."""
        if not config.callback_secret or not config.callback_secret.matches(
            request.headers.get(config.callback_header, "")
        ):
            raise ApiError(401, "unauthorised", f"the {config.callback_header} header is missing or wrong")
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_request", "malformed JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "the body must be a JSON object")
        event = body.get("event")
        if event != "SESSION:COMPLETE":
            return Response(status_code=204)
        key = _callback_session_key(body)
        if key is None:
            raise ApiError(400, "invalid_request", "no valid session_key in the callback")
        # The body is only a hint: the job fetches the session from PAVE with our own credentials.
        job, created = await submit(JobRequest(key), f"callback:{event}:{key}")
        return JSONResponse({"id": job.id, "status": job.status.value, "created": created}, status_code=202)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """The queue, the job store and the storage answer; 503 naming what does not."""
        problems = []
        for name, check in (("queue", queue.check), ("jobs", store.check), ("storage", storage.check)):
            try:
                await asyncio.wait_for(asyncio.to_thread(check), 3)
            except Exception as error:  # noqa: BLE001 (any failure means not ready)
                problems.append(name)
                log.warning("not ready: %s: %s", name, type(error).__name__)
        if problems:
            return JSONResponse({"status": "unavailable", "failing": problems}, 503, {"Retry-After": RETRY_AFTER})
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        """Prometheus text: jobs by outcome, render seconds, queue depth, PAVE errors by kind."""
        text = await asyncio.to_thread(metrics_text, store, queue)
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    async def _job(job_id: str, kind: str) -> Job:
        if not job_id.isalnum() or len(job_id) > 64:
            raise ApiError(404, "not_found", f"no such {kind}")
        job = await asyncio.to_thread(store.get, job_id)
        if job is None or job.request.kind != kind:
            raise ApiError(404, "not_found", f"no such {kind}")
        return job

    app.add_middleware(_BodyLimit, limit=config.max_body_bytes)
    return app


def _callback_session_key(body: dict[str, Any]) -> str | None:
    session = body.get("session") if isinstance(body.get("session"), dict) else {}
    for candidate in (body.get("session_key"), session.get("session_key") if session else None):
        if isinstance(candidate, str) and is_valid_session_key(candidate.strip()):
            return candidate.strip()
    return None


def _file_name(job: Job) -> str:
    from ..mail import MailContext, attachment_name

    if job.request.before_session_key:
        return f"{job.request.before_session_key}-vs-{job.request.session_key}.pdf"

    name = attachment_name(MailContext.from_summary(job.summary, ""), f"{job.request.session_key}.pdf")
    return name.replace('"', "")
