"""A running `reportgen serve` for tests and benchmarks: the process, its settings, a client, an SMTP sink."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from reportgen.paths import sample_rates

from .fake_pave import API_KEY, API_SECRET, USERNAME, FakePave

TOKEN = "token-for-the-billing-system-0001"
SECRET = "callback-secret-0001"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout} s")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's naming)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


class Service:
    """One `reportgen serve` process and what it talks to."""

    def __init__(
        self,
        tmp: Path,
        pave: FakePave,
        inbox: Inbox,
        smtp_port: int,
        *,
        env: dict[str, str] | None = None,
        **settings: Any,
    ) -> None:
        self.tmp, self.pave, self.inbox = tmp, pave, inbox
        tmp.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        workers = settings.pop("workers", 1)
        config = tmp / "reportgen.toml"
        lines = [
            "[workers]",
            f"lease = {settings.pop('lease', 3)}",
            f"time_limit = {settings.pop('time_limit', 60)}",
            f"max_jobs = {settings.pop('max_jobs', 50)}",
            f"max_memory_mb = {settings.pop('max_memory_mb', 1024)}",
            "[callbacks]",
            f"retry_delay = {settings.pop('retry_delay', 0.3)}",
            f"not_inspected_deadline = {settings.pop('deadline', 30)}",
            "[brands.default]",
            f"email_to = {json.dumps(settings.pop('email_to', ['desk@example.com']))}",
            "[rates.standard]",
            f"file = {json.dumps(str(sample_rates()))}",
        ]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # Its temporary files (WeasyPrint's font folders) in the test's folder: a service ended by
        # SIGKILL, as close() ends it, cannot remove them, and they piled up in /tmp by the thousand.
        (tmp / "tmp").mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "TMPDIR": str(tmp / "tmp"),
            "PAVE_API_KEY": API_KEY,
            "PAVE_API_SECRET": API_SECRET,
            "PAVE_USERNAME": USERNAME,
            "PAVE_BASE_URL": pave.api_url,
            "REPORTGEN_API_TOKENS": TOKEN,
            "REPORTGEN_CALLBACK_SECRET": SECRET,
            "REPORTGEN_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "REPORTGEN_MAIL_FROM": "Desk <reports@example.com>",
            **(env or {}),
        }
        self.args = [
            str(Path(sys.executable).parent / "reportgen"),
            "serve",
            "--port",
            str(self.port),
            "--config",
            str(config),
            "--data-dir",
            str(tmp / "data"),
            "--workers",
            str(workers),
        ]
        self.log = tmp / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=log, start_new_session=True)
        wait_for_port(self.port, self.process, "reportgen serve")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(90)
        return code

    def kill_tree(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def post(self, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.client.post("/v1/reports", json=body, **kwargs)

    def wait_done(self, job_id: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(f"/v1/reports/{job_id}").json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} not finished in {timeout} s: {job}; log: {self.log.read_text()[-2000:]}")

    def metric(self, name: str) -> float:
        for line in self.client.get("/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        raise AssertionError(f"no metric {name}")

    def close(self) -> None:
        self.client.close()
        if self.process is not None and self.process.poll() is None:
            self.kill_tree()
