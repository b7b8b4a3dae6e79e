"""The service's benchmarks: throughput by worker count and queue, callback-to-email time, accept latency."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

from reportgen import RenderOptions, generate_report, warm_up

# Shared with the tests (see bench/run.py for why this import works from the repository root).
from tests.support.builders import add_session
from tests.support.fake_pave import API_KEY, API_SECRET, USERNAME, FakePave
from tests.support.redis_server import running_redis
from tests.support.service import SECRET, TOKEN, Inbox, Service, free_port

REPO = Path(__file__).resolve().parent.parent


def warm_render_seconds(pave: FakePave, runs: int) -> float:
    """The baseline: one report rendered in this (warm) process through the library, as a job does."""
    warm_up()
    add_session(pave, "TST-BASE")
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        report = generate_report(
            "TST-BASE",
            RenderOptions(),
            api_key=API_KEY,
            api_secret=API_SECRET,
            username=USERNAME,
            base_url=pave.api_url,
            cache=False,
        )
        report.pdf  # noqa: B018 (the PDF is made on first access: a job makes it, so the baseline does too)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def throughput(
    work: Path, pave: FakePave, inbox: Inbox, smtp: int, workers: int, jobs: int, env: dict[str, str]
) -> float:
    """Reports per second through `serve`, from the first POST to the last job done."""
    keys = [f"TST-TP{workers}{len(env)}N{i}" for i in range(jobs)]
    for key in keys:
        add_session(pave, key)
    service = Service(work, pave, inbox, smtp, workers=workers, email_to=[], env=env)
    service.start()
    try:
        service.wait_done(service.post({"session_key": "TST-BASE"}).json()["id"])  # workers warm
        started = time.perf_counter()
        ids = [service.post({"session_key": key}).json()["id"] for key in keys]
        for job_id in ids:
            job = service.wait_done(job_id, timeout=600)
            assert job["status"] == "done", (job, service.log.read_text()[-3000:])
        return jobs / (time.perf_counter() - started)
    finally:
        service.stop()
        service.close()


def callback_to_email(work: Path, pave: FakePave, inbox: Inbox, smtp: int, runs: int) -> tuple[float, float]:
    """Seconds from a SESSION:COMPLETE callback to the email in the SMTP sink, and to its answer (medians)."""
    service = Service(work, pave, inbox, smtp, workers=1, email_to=["desk@example.com"])
    service.start()
    try:
        service.wait_done(service.post({"session_key": "TST-BASE"}, params={"wait": 60}).json()["id"])
        times, answers = [], []
        for run in range(runs):
            key = f"TST-CB{run}"
            add_session(pave, key)
            before = len(inbox.messages)
            started = time.perf_counter()
            answer = httpx.post(
                f"{service.url}/v1/pave/callbacks",
                json={"event": "SESSION:COMPLETE", "session_key": key},
                headers={"X-Callback-Secret": SECRET},
            )
            assert answer.status_code == 202
            answers.append(time.perf_counter() - started)
            while len(inbox.messages) == before:
                time.sleep(0.01)
            times.append(time.perf_counter() - started)
        return statistics.median(times), statistics.median(answers)
    finally:
        service.stop()
        service.close()


def accept_latency(work: Path, pave: FakePave, inbox: Inbox, smtp: int, clients: int) -> dict[str, float]:
    """p50 and p99 of POST /v1/reports with `clients` at once, beside GET /healthz under the same load."""
    service = Service(work, pave, inbox, smtp, workers=1, email_to=[])
    service.start()

    async def burst(path: str, body: bool) -> list[float]:
        limits = httpx.Limits(max_connections=clients)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=service.url, headers=headers, limits=limits, timeout=60) as client:

            async def one(i: int) -> float:
                started = time.perf_counter()
                if body:
                    answer = await client.post(path, json={"session_key": f"TST-LAT{i}-{time.time_ns()}"})
                else:
                    answer = await client.get(path)
                assert answer.status_code < 500, answer.text
                return time.perf_counter() - started

            return list(await asyncio.gather(*[one(i) for i in range(clients)]))

    try:
        health = sorted(asyncio.run(burst("/healthz", False)))
        posts = sorted(asyncio.run(burst("/v1/reports", True)))
        pick = lambda values, q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
        return {
            "post_p50": pick(posts, 0.5),
            "post_p99": pick(posts, 0.99),
            "healthz_p50": pick(health, 0.5),
            "healthz_p99": pick(health, 0.99),
        }
    finally:
        service.stop()
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts (for CI)")
    options = parser.parse_args()
    jobs, runs, clients = (2, 1, 20) if options.smoke else (12, 5, 200)
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-service-"))
    pave = FakePave()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    results: dict[str, object] = {}
    rows: list[tuple[str, str]] = []
    try:
        base = warm_render_seconds(pave, runs)
        results["baseline warm render s"] = base
        rows.append(("S0 baseline: one warm render in-process", f"{base:.2f} s = {1 / base:.2f} reports/s"))
        for workers in (1, 2):
            rate = throughput(work / f"sqlite{workers}", pave, inbox, smtp.port, workers, jobs, {})
            results[f"sqlite {workers} workers reports/s"] = rate
            rows.append(
                (f"S1 embedded queue, {workers} worker(s)", f"{rate:.2f} reports/s = x{rate * base:.2f} baseline")
            )
        if shutil.which("redis-server"):
            with running_redis(work / "redis") as redis:
                for workers in (1, 2):
                    env = {"REPORTGEN_QUEUE_URL": redis.url}
                    rate = throughput(work / f"redis{workers}", pave, inbox, smtp.port, workers, jobs, env)
                    results[f"redis {workers} workers reports/s"] = rate
                    rows.append(
                        (f"S2 Redis queue, {workers} worker(s)", f"{rate:.2f} reports/s = x{rate * base:.2f} baseline")
                    )
        else:
            rows.append(("S2 Redis queue", "skipped: no redis-server"))
        latency, answered = callback_to_email(work / "callback", pave, inbox, smtp.port, runs)
        results["callback to email s"] = latency
        results["callback answered s"] = answered
        verdict = "met" if latency <= base + 1.0 else "NOT met"
        rows.append(("S3 callback → email", f"{latency:.2f} s = baseline + {latency - base:.2f} s ({verdict}: ≤ +1 s)"))
        rows.append(
            ("S3b callback answered", f"{answered * 1000:.0f} ms ({'met' if answered <= 0.1 else 'NOT met'}: ≤ 100 ms)")
        )
        accept = accept_latency(work / "accept", pave, inbox, smtp.port, clients)
        results[f"accept latency {clients} clients"] = accept
        rows.append(
            (
                f"S4 POST /v1/reports, {clients} at once",
                f"p50 {accept['post_p50'] * 1000:.0f} ms, p99 {accept['post_p99'] * 1000:.0f} ms "
                f"(GET /healthz alike: p50 {accept['healthz_p50'] * 1000:.0f} ms, "
                f"p99 {accept['healthz_p99'] * 1000:.0f} ms)",
            )
        )
    finally:
        smtp.stop()
        pave.close()
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(name) for name, _ in rows)
    kind = "smoke" if options.smoke else "full"
    print(f"reportgen service benchmarks ({kind}; Python {platform.python_version()}, {os.cpu_count()} cores)")
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    if not options.smoke:
        (REPO / "bench" / "service-results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
