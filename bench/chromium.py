"""Headless Chromium as a baseline: a cold print from its command line, a warm one over the DevTools protocol."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

# Without the last four, Chromium reaches for Google's hosts at every start. --no-sandbox: as root it
# refuses to start otherwise (and a sandbox would only make the baseline slower).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Seconds a print, or any answer, may take before Chromium is taken for stuck.
TIMEOUT = 120.0


def _high(fd: int) -> int:
    """The same open file at a descriptor number of 10 or above (the original is closed)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


def executable() -> str | None:
    """Chromium's command (Debian's `chromium`, or `chromium-browser` elsewhere), or None if it is absent."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def cold_print(chromium: str, html: Path, pdf: Path, profile: Path) -> None:
    """One fresh Chromium process prints the HTML file to `pdf` and exits."""
    subprocess.run(
        [
            chromium,
            *FLAGS,
            # Only here: over the DevTools protocol this flag makes every Page.printToPDF fail (Chromium 156).
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )


class DevTools:
    """One Chromium started once and kept running, printing pages over the DevTools protocol (CDP).

    The protocol runs on a pair of pipes (--remote-debugging-pipe: Chromium reads fd 3 and writes fd 4,
    one JSON message per NUL-terminated frame), as Puppeteer and Playwright drive it: no client library,
    and no debugging port that any other process on the machine could connect to.
    """

    def __init__(self, chromium: str, profile: Path, log: Path) -> None:
        chromium_reads, commands = (_high(fd) for fd in os.pipe())
        answers, chromium_writes = (_high(fd) for fd in os.pipe())
        # bash moves Chromium's ends to fds 3 and 4 and closes them where they were (all at 10 or
        # above, so no move overwrites another); everything else of this process stays out.
        script = f'exec "$0" "$@" 3<&{chromium_reads} 4>&{chromium_writes} {chromium_reads}<&- {chromium_writes}>&-'
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                ["bash", "-c", script, chromium, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}"],
                pass_fds=(chromium_reads, chromium_writes),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        os.close(chromium_reads)
        os.close(chromium_writes)
        self._commands, self._answers = commands, answers
        self._buffer = b""
        self._last_id = 0
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self.call("Page.enable", session=self._session)
        except BaseException:
            self.close()
            raise

    def print_pdf(self, html: Path) -> bytes:
        """Load the HTML file in the open tab, wait for its load event, print it as Chromium's own
        --print-to-pdf does (backgrounds, the page size of the CSS, no header or footer) and return the PDF."""
        self._send("Page.navigate", {"url": html.as_uri()}, self._session)
        self._event("Page.loadEventFired")
        printed = self.call(
            "Page.printToPDF",
            {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False},
            session=self._session,
        )
        return base64.b64decode(printed["data"])

    def blank(self) -> None:
        """Show an empty page, so that the next print_pdf loads its file from nothing."""
        self._send("Page.navigate", {"url": "about:blank"}, self._session)
        self._event("Page.loadEventFired")

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result (events that arrive meanwhile are dropped)."""
        number = self._send(method, params, session)
        while True:
            message = self._read()
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"Chromium: {method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    def close(self) -> None:
        """Ask Chromium to quit; kill it if it does not within ten seconds."""
        try:
            self._send("Browser.close")
        except OSError:
            pass
        os.close(self._commands)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        os.close(self._answers)

    def __enter__(self) -> DevTools:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> int:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._commands, data) :]
        return self._last_id

    def _event(self, method: str) -> None:
        while True:
            message = self._read()
            if message.get("method") == method and message.get("sessionId") == self._session:
                return

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._answers], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise RuntimeError(f"Chromium said nothing over the DevTools pipe for {TIMEOUT:g} s")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed the DevTools pipe (exit code {self.process.poll()})")
            self._buffer += chunk
        frame, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(frame)
        if message.get("method") in ("Inspector.detached", "Target.targetCrashed"):
            # A crashed tab never sends the event or answer being waited for.
            raise RuntimeError(f"Chromium's tab is gone: {message}")
        return message
