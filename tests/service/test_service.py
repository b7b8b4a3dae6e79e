"""`reportgen serve` as an operator runs it: a real uvicorn, real worker processes, a fake PAVE and an SMTP sink."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..support.builders import add_session
from ..support.fake_pave import API_KEY, API_SECRET, FakePave, Reply, slow
from ..support.service import SECRET, TOKEN, Inbox, Service


@pytest.fixture
def service(tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int]) -> Iterator[Service]:
    running = Service(tmp_path, pave, inbox[0], inbox[1])
    running.start()
    yield running
    running.close()


def worker_pids(service: Service) -> list[int]:
    """The render processes: grandchildren of `serve` (serve → consumer → workers)."""
    assert service.process is not None

    def children(pid: int) -> list[int]:
        found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        return [int(p) for p in found.split()]

    return [grandchild for child in children(service.process.pid) for grandchild in children(child)]


def test_a_report_is_made_stored_and_emailed(service: Service) -> None:
    add_session(service.pave, "TST-SVC1")
    answer = service.post({"session_key": "TST-SVC1", "email_to": ["owner@example.com"]})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] in ("queued", "running") and answer.headers["Location"] == job["status_url"]
    done = service.wait_done(job["id"])
    assert done["status"] == "done", done
    assert done["summary"]["schema"] == "reportgen.summary/1" and done["summary"]["damage_count"] == 4
    pdf = service.client.get(done["pdf_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["ETag"] == f'"{hashlib.sha256(pdf.content).hexdigest()}"' == f'"{done["pdf_sha256"]}"'
    assert len(pdf.content) == done["pdf_size"]
    assert (
        pdf.headers["Content-Disposition"].startswith('attachment; filename="')
        and ".pdf" in pdf.headers["Content-Disposition"]
    )
    assert service.client.get(done["pdf_url"], headers={"If-None-Match": pdf.headers["ETag"]}).status_code == 304
    [(sender, recipients, raw)] = service.inbox.messages
    assert sender == "reports@example.com" and sorted(recipients) == ["desk@example.com", "owner@example.com"]
    assert done["emailed_to"] == ["desk@example.com", "owner@example.com"]
    assert service.metric('reportgen_jobs{status="done"}') == 1
    assert service.metric("reportgen_render_seconds_count") == 1
    # The same request is the same job, not a second report.
    again = service.post({"session_key": "TST-SVC1", "email_to": ["owner@example.com"]})
    assert again.status_code == 200 and again.json()["id"] == job["id"]
    assert len(service.inbox.messages) == 1
    logged = service.log.read_text(encoding="utf-8")
    assert f"job {job['id']}: done" in logged
    assert not any(secret in logged for secret in (API_SECRET, TOKEN, SECRET))


def test_a_comparison_is_made_and_stored_on_the_pattern_of_reports(service: Service) -> None:
    add_session(service.pave, "TST-OUT1", damages=1)
    add_session(service.pave, "TST-IN1", damages=3)
    body = {"before_session_key": "TST-OUT1", "after_session_key": "TST-IN1", "rates": "standard"}
    answer = service.client.post("/v1/comparisons", json=body, params={"wait": 60})
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["status"] == "done", done
    assert done["kind"] == "comparison" and answer.headers["Location"] == done["status_url"]
    assert done["status_url"] == f"/v1/comparisons/{done['id']}" and done["pdf_url"] == done["status_url"] + "/pdf"
    assert (done["before_session_key"], done["session_key"]) == ("TST-OUT1", "TST-IN1")
    summary = done["summary"]
    assert summary["schema"] == "reportgen.compare/1"
    # The second and third front scrapes are 10 and 20 points from the first: new; the rest are the same.
    assert summary["counts"] == {"new": 2, "worsened": 0, "unchanged": 2, "repaired": 0, "not_comparable": 0}
    assert float(summary["estimate"]["total"]) > 0
    pdf = service.client.get(done["pdf_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["ETag"] == f'"{done["pdf_sha256"]}"'
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="TST-OUT1-vs-TST-IN1.pdf"'
    assert service.client.get(done["status_url"]).json()["summary"] == summary
    # The brand mails every report to the desk, but a comparison is not a report's email.
    assert done["emailed_to"] == [] and service.inbox.messages == []
    # A comparison is not a report, and a report is not a comparison.
    assert service.client.get(f"/v1/reports/{done['id']}").status_code == 404
    assert service.client.get(f"/v1/reports/{done['id']}/pdf").status_code == 404
    add_session(service.pave, "TST-IN2")
    report = service.post({"session_key": "TST-IN2"}, params={"wait": 60}).json()
    assert service.client.get(f"/v1/comparisons/{report['id']}").status_code == 404
    # The same request is the same comparison; an idempotency key of a report is not a comparison's.
    assert service.client.post("/v1/comparisons", json=body).json()["id"] == done["id"]
    service.post({"session_key": "TST-IN2", "paper": "letter"}, headers={"Idempotency-Key": "bill-9"})
    clash = service.client.post("/v1/comparisons", json=body, headers={"Idempotency-Key": "bill-9"})
    assert clash.status_code == 409 and "report" in clash.json()["error"]["message"]


def test_a_comparison_of_two_vehicles_fails_naming_both_vins(service: Service) -> None:
    add_session(service.pave, "TST-OUT2")
    other = add_session(service.pave, "TST-IN3")
    other["vehicle"]["vin"] = "WBAPH5C55BA123456"
    body = {"before_session_key": "TST-OUT2", "after_session_key": "TST-IN3"}
    failed = service.client.post("/v1/comparisons", json=body, params={"wait": 60}).json()
    assert failed["status"] == "failed" and failed["error"]["code"] == "different_vehicles", failed
    assert "1HGCM82633A004352" in failed["error"]["message"] and "WBAPH5C55BA123456" in failed["error"]["message"]
    assert failed["pdf_url"] is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"before_session_key": "TST-A", "after_session_key": "TST-A"}, "same session"),
        ({"before_session_key": "TST A", "after_session_key": "TST-B"}, "before_session_key: not a PAVE session key"),
        ({"after_session_key": "TST-B"}, "before_session_key: Field required"),
        ({"before_session_key": "TST-A", "after_session_key": "TST-B", "tolerance": 0}, "tolerance"),
        ({"before_session_key": "TST-A", "after_session_key": "TST-B", "email_to": ["a@b.test"]}, "unknown field"),
        ({"before_session_key": "TST-A", "after_session_key": "TST-B", "brand": "nope"}, "not configured"),
    ],
)
def test_bad_comparison_requests_are_400_and_queue_nothing(service: Service, body: dict[str, Any], words: str) -> None:
    answer = service.client.post("/v1/comparisons", json=body)
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["error"]["message"]
    assert service.metric('reportgen_jobs{status="queued"}') == 0


def test_wait_answers_with_the_finished_job_and_idempotency_keys_name_one_job(service: Service) -> None:
    add_session(service.pave, "TST-SVC2")
    first = service.post({"session_key": "TST-SVC2"}, params={"wait": 60}, headers={"Idempotency-Key": "bill-77"})
    assert first.status_code == 200 and first.json()["status"] == "done", first.text
    other_options = service.post({"session_key": "TST-SVC2", "paper": "letter"}, headers={"Idempotency-Key": "bill-77"})
    assert other_options.json()["id"] == first.json()["id"]
    assert service.post({"session_key": "TST-SVC2"}, params={"wait": 61}).status_code == 400


def test_pave_errors_fail_the_job_with_the_cli_vocabulary(service: Service) -> None:
    job = service.post({"session_key": "TST-NOWHERE"}).json()
    failed = service.wait_done(job["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "not_found"
    assert "TST-NOWHERE" in failed["error"]["message"]
    assert service.client.get(f"/v1/reports/{job['id']}/pdf").status_code == 409
    assert service.metric('reportgen_pave_errors_total{kind="not_found"}') == 1


@pytest.mark.parametrize(
    ("request_kwargs", "status", "says"),
    [
        ({"json": {"session_key": "TST-X"}, "headers": {"Authorization": ""}}, 401, "bearer token"),
        ({"json": {"session_key": "TST-X"}, "headers": {"Authorization": "Bearer wrong-token-123456"}}, 401, "bearer"),
        (
            {"content": b'{"session_key": ', "headers": {"Content-Type": "application/json"}},
            400,
            "malformed JSON (at character 16)",
        ),
        ({"json": {"session_key": "../../etc/passwd"}}, 400, "session_key"),
        ({"json": {"session_key": "TST-X", "colour": "red"}}, 400, "colour: unknown field"),
        ({"json": {"session_key": "TST-X", "brand": "nowhere"}}, 400, "brand"),
        ({"json": {"session_key": "TST-X", "email_to": ["not an address"]}}, 400, "email_to"),
        ({"json": {"session_key": "TST-X", "paper": "a3"}}, 400, "a4 or letter"),
        ({"content": b"x" * (10 * 2**20), "headers": {"Content-Type": "application/json"}}, 413, "over"),
    ],
)
def test_bad_requests_get_the_right_status_and_queue_nothing(
    service: Service, request_kwargs: dict[str, Any], status: int, says: str
) -> None:
    answer = service.client.post("/v1/reports", **request_kwargs)
    assert answer.status_code == status, answer.text
    assert says.lower() in answer.json()["error"]["message"].lower()
    assert API_KEY not in answer.text and TOKEN not in answer.text
    assert sum(service.metric(f'reportgen_jobs{{status="{s}"}}') for s in ("queued", "running", "done", "failed")) == 0


def test_callbacks_check_the_secret_and_duplicates_make_one_report_and_one_email(service: Service) -> None:
    add_session(service.pave, "TST-CB1")
    body = {"event": "SESSION:COMPLETE", "session": {"session_key": "TST-CB1"}, "vehicle": {}}
    url = f"{service.url}/v1/pave/callbacks"
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers={"X-Callback-Secret": "wrong"}).status_code == 401
    other = {"event": "SESSION:STAGE_CHANGE", "session_key": "TST-CB1"}
    assert httpx.post(url, json=other, headers={"X-Callback-Secret": SECRET}).status_code == 204

    async def flood() -> list[httpx.Response]:
        async with httpx.AsyncClient(headers={"X-Callback-Secret": SECRET}, timeout=30) as client:
            return await asyncio.gather(*[client.post(url, json=body) for _ in range(50)])

    answers = asyncio.run(flood())
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1 and sum(a.json()["created"] for a in answers) == 1
    # Answered before the work is done: the report is made in the queue, not inside the request.
    assert answers[0].json()["status"] in ("queued", "running")
    done = service.wait_done(answers[0].json()["id"])
    assert done["status"] == "done"
    time.sleep(1.5)  # any duplicate would have been delivered by now
    assert len(service.inbox.messages) == 1


def test_a_session_not_inspected_yet_is_tried_again_until_it_is(service: Service) -> None:
    add_session(service.pave, "TST-LATE")
    not_yet = Reply(400, {"code": 400, "message": "This session is not yet inspected."})
    service.pave.queued["/v1/hotspots/TST-LATE"] = [not_yet, not_yet]
    job = service.post({"session_key": "TST-LATE"}).json()
    done = service.wait_done(job["id"])
    assert done["status"] == "done" and done["attempts"] == 3, done


def test_a_worker_killed_mid_render_has_its_job_completed_once(service: Service) -> None:
    add_session(service.pave, "TST-KILL")
    # A slow photo keeps the job in the worker long enough to kill it there.
    front = "TST-KILL_05_front.jpg"
    service.pave.images[front] = slow(service.pave.images[front], 4.0)  # type: ignore[arg-type]
    job = service.post({"session_key": "TST-KILL"}).json()
    deadline = time.monotonic() + 30
    while service.client.get(f"/v1/reports/{job['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for pid in worker_pids(service):
        os.kill(pid, signal.SIGKILL)
    done = service.wait_done(job["id"])
    assert done["status"] == "done" and done["attempts"] == 2, done
    time.sleep(1.0)
    assert len(service.inbox.messages) == 1


def test_health_readiness_and_the_openapi_document(service: Service) -> None:
    assert httpx.get(f"{service.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{service.url}/readyz").json() == {"status": "ready"}
    document = httpx.get(f"{service.url}/v1/openapi.json").json()
    assert {"/v1/reports", "/v1/reports/{job_id}", "/v1/reports/{job_id}/pdf", "/v1/pave/callbacks"} <= set(
        document["paths"]
    )


def test_200_concurrent_posts_get_no_server_error(service: Service) -> None:
    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=service.url, headers=headers, timeout=60, limits=limits) as client:
            return await asyncio.gather(
                *[client.post("/v1/reports", json={"session_key": f"TST-MANY{i}"}) for i in range(200)]
            )

    answers = asyncio.run(burst())
    assert sorted({a.status_code for a in answers}) == [202]
    assert len({a.json()["id"] for a in answers}) == 200


def test_a_restart_with_queued_jobs_completes_every_one(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int]
) -> None:
    first = Service(tmp_path, pave, inbox[0], inbox[1], workers=1)
    keys = [f"TST-RESTART{i}" for i in range(4)]
    for key in keys:
        add_session(pave, key)
        name = f"{key}_05_front.jpg"
        pave.images[name] = slow(pave.images[name], 1.5)  # type: ignore[arg-type]
    first.start()
    try:
        ids = [first.post({"session_key": key}).json()["id"] for key in keys]
        deadline = time.monotonic() + 30
        while first.client.get(f"/v1/reports/{ids[0]}").json()["status"] == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.kill_tree()  # the hardest stop: nothing gets to tidy up
    finally:
        first.close()
    second = Service(tmp_path, pave, inbox[0], inbox[1], workers=2)
    second.start()
    try:
        finished = [second.wait_done(job_id) for job_id in ids]
        assert [job["status"] for job in finished] == ["done"] * 4, finished
        time.sleep(1.0)
        assert len(inbox[0].messages) == 4
        assert second.stop() == 0
    finally:
        second.close()


def test_a_session_never_inspected_fails_once_the_deadline_passes(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int]
) -> None:
    add_session(pave, "TST-NEVER")
    not_yet = Reply(400, {"code": 400, "message": "This session is not yet inspected."})
    pave.queued["/v1/hotspots/TST-NEVER"] = [not_yet] * 100
    # A deadline that a first attempt slowed by a busy machine (forking the job, asking PAVE) does
    # not use up: with 1.5 s, one that took 1.3 s was not tried again.
    service = Service(tmp_path, pave, inbox[0], inbox[1], retry_delay=0.2, deadline=4.0)
    service.start()
    try:
        job = service.post({"session_key": "TST-NEVER"}).json()
        failed = service.wait_done(job["id"])
        assert failed["status"] == "failed" and failed["error"]["code"] == "not_inspected"
        assert failed["attempts"] >= 2 and failed["finished_at"] - failed["created_at"] >= 3.5
        assert inbox[0].messages == []
    finally:
        service.close()


@pytest.mark.parametrize("limit", [{"max_jobs": 1}, {"max_memory_mb": 64}])
def test_render_processes_are_replaced_after_a_job_count_or_a_memory_ceiling(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int], limit: dict[str, int]
) -> None:
    service = Service(tmp_path, pave, inbox[0], inbox[1], email_to=[], **limit)
    service.start()
    try:
        workers = []
        for i in range(3):
            add_session(pave, f"TST-RECYCLE{i}")
            done = service.post({"session_key": f"TST-RECYCLE{i}"}, params={"wait": 60}).json()
            assert done["status"] == "done"
            workers.append(done["worker"])
        assert len(set(workers)) == 3, workers  # each job in a fresh process
    finally:
        service.close()


def test_reports_can_be_stored_in_an_s3_compatible_store(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int], s3_endpoint: str, s3_credentials: None
) -> None:
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="service-reports")
    env = {
        "REPORTGEN_STORAGE_URL": f"s3://service-reports/cr?endpoint={s3_endpoint}&region=us-east-1",
        "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
    }
    add_session(pave, "TST-S3")
    service = Service(tmp_path, pave, inbox[0], inbox[1], email_to=[], env=env)
    service.start()
    try:
        done = service.post({"session_key": "TST-S3"}, params={"wait": 60}).json()
        assert done["status"] == "done", done
        stored = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").get_object(
            Bucket="service-reports", Key=f"cr/{done['id']}/report.pdf"
        )
        assert stored["Body"].read() == service.client.get(done["pdf_url"]).content
        assert not (tmp_path / "data" / "reports").exists()
    finally:
        service.close()


def test_the_job_time_limit_bounds_a_job_whose_photo_host_hangs(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int]
) -> None:
    add_session(pave, "TST-HANG")
    front = "TST-HANG_05_front.jpg"
    pave.images[front] = slow(pave.images[front], 60.0)  # type: ignore[arg-type]
    # Fetching stops at two thirds of the limit; the last third (5 s) is the layout's, room enough on a
    # loaded machine (with a 4 s limit the job's 1.3 s for layout timed out under CI's load).
    service = Service(tmp_path, pave, inbox[0], inbox[1], email_to=[], time_limit=15)
    service.start()
    try:
        done = service.post({"session_key": "TST-HANG"}, params={"wait": 60}).json()
        # Done within the limit, not after the photo's 60 s, the hanging photo a placeholder and said so.
        assert done["status"] == "done" and done["finished_at"] - done["started_at"] < 15, done
        assert any(front in warning for warning in done["warnings"]), done["warnings"]
    finally:
        service.close()


def test_a_service_stopped_with_sigterm_leaves_no_temporary_font_folder(
    tmp_path: Path, pave: FakePave, inbox: tuple[Inbox, int]
) -> None:
    add_session(pave, "TST-TIDY")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    service = Service(tmp_path / "svc", pave, inbox[0], inbox[1], email_to=[], env={"TMPDIR": str(temporary)})
    service.start()
    try:
        done = service.post({"session_key": "TST-TIDY"}, params={"wait": 60}).json()
        assert done["status"] == "done", done
        assert service.stop() == 0
    finally:
        service.close()
    assert not [path.name for path in temporary.iterdir() if path.name.startswith("weasyprint-")]
