"""A fake PAVE on 127.0.0.1: the documented API (HMAC checked) and a separate image host."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

API_KEY, API_SECRET, USERNAME = "key-7d1f", "secret-c0ffee-4b1d", "acme-fleet"
#: PAVE's tokens expire about five minutes after their timestamp.
TOKEN_LIFETIME = 300


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


#: An image-host behaviour: returns a Reply, or writes the response itself and returns None.
ImageBehaviour = Callable[[http.server.BaseHTTPRequestHandler], Reply | None]


@dataclass
class Session:
    hotspots: Any
    photos: Any = None
    session: Any = None


class FakePave:
    """Two origins: `api_url` speaks PAVE's contract, `image_url` serves the photos."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.images: dict[str, ImageBehaviour | bytes] = {}
        #: Replies to send before the normal one, per request path (for 503-then-200 and the like).
        self.queued: dict[str, list[Reply]] = {}
        self.api_log: list[tuple[str, dict[str, str]]] = []
        self.image_log: list[tuple[str, dict[str, str], float]] = []
        self.image_concurrency = 0
        self.max_image_concurrency = 0
        self._lock = threading.Lock()
        self._api = _serve(self._api_request)
        self._images = _serve(self._image_request)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._api.server_address[1]}"

    @property
    def image_url(self) -> str:
        return f"http://127.0.0.1:{self._images.server_address[1]}"

    def close(self) -> None:
        for server in (self._api, self._images):
            server.shutdown()
            server.server_close()

    def image_headers_seen(self) -> set[str]:
        return {name.lower() for _, headers, _ in self.image_log for name in headers}

    # ---- the API origin ----------------------------------------------------------------------

    def _api_request(self, handler: http.server.BaseHTTPRequestHandler) -> Reply:
        path = handler.path.split("?")[0]
        headers = dict(handler.headers.items())
        with self._lock:
            self.api_log.append((path, headers))
            queued = self.queued.get(path)
            if queued:
                return queued.pop(0)
        parts = path.strip("/").split("/")
        if handler.headers.get("API-Key") != API_KEY:
            return Reply(401, {"message": "Unauthorized"})
        if len(parts) == 3 and parts[:2] == ["v1", "hotspots"]:
            session = self.sessions.get(parts[2])
            if session is None:
                return Reply(404, {"message": f"Session {parts[2]} cannot be found."})
            if isinstance(session.hotspots, Reply):
                return session.hotspots
            return Reply(200, session.hotspots)
        if parts[:2] == ["v1", "sessions"] and len(parts) in (3, 4):
            if not self._signature_ok(handler):
                return Reply(401, {"message": "Invalid API-Token"})
            session = self.sessions.get(parts[2])
            if session is None:
                return Reply(404, {"message": f"Session {parts[2]} cannot be found."})
            body = session.photos if len(parts) == 4 and parts[3] == "photos" else session.session
            if len(parts) == 4 and parts[3] != "photos" or body is None:
                return Reply(404, {"message": "Not found"})
            return Reply(200, body)
        return Reply(404, {"message": "Not found"})

    @staticmethod
    def _signature_ok(handler: http.server.BaseHTTPRequestHandler) -> bool:
        stamp, token = handler.headers.get("API-Timestamp", ""), handler.headers.get("API-Token", "")
        try:
            moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return False
        if abs((datetime.now(UTC) - moment).total_seconds()) > TOKEN_LIFETIME:
            return False
        expected = hmac.new(API_SECRET.encode(), f"{USERNAME}:{API_KEY}@{stamp}".encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, token)

    # ---- the image origin --------------------------------------------------------------------

    def _image_request(self, handler: http.server.BaseHTTPRequestHandler) -> Reply | None:
        name = handler.path.split("?")[0].rsplit("/", 1)[-1]
        with self._lock:
            self.image_log.append((handler.path, dict(handler.headers.items()), time.monotonic()))
            self.image_concurrency += 1
            self.max_image_concurrency = max(self.max_image_concurrency, self.image_concurrency)
        try:
            behaviour = self.images.get(name)
            if behaviour is None:
                return Reply(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"})
            if isinstance(behaviour, bytes):
                return Reply(200, behaviour, {"Content-Type": "image/jpeg"})
            return behaviour(handler)
        finally:
            with self._lock:
                self.image_concurrency -= 1


def _serve(route: Callable[[http.server.BaseHTTPRequestHandler], Reply | None]) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            try:
                reply = route(self)
                if reply is not None:
                    send(self, reply)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            # A client that hung up (a download cut at its deadline) is normal here, not news.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def send(handler: http.server.BaseHTTPRequestHandler, reply: Reply) -> None:
    if reply.delay:
        time.sleep(reply.delay)
    body = reply.body
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    handler.send_response(reply.status)
    headers = {"Content-Type": "application/json", **reply.headers}
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


# ---- image-host behaviours for the scenarios ---------------------------------------------------


def slow(data: bytes, seconds: float) -> ImageBehaviour:
    def behaviour(handler: http.server.BaseHTTPRequestHandler) -> Reply:
        time.sleep(seconds)  # inside the request, so the host counts it as in flight
        return Reply(200, data, {"Content-Type": "image/jpeg"})

    return behaviour


def redirect(location: str) -> ImageBehaviour:
    return lambda handler: Reply(302, b"", {"Location": location})


def endless(handler: http.server.BaseHTTPRequestHandler) -> None:
    """A body that never ends (bounded here only so a broken client cannot hang the test run)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"\xff\xd8\xff" + b"\0" * 65533
    for _ in range(20_000):  # 1.3 GB at most
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    handler.wfile.write(b"0\r\n\r\n")


def declared_huge(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", str(10 * 2**30))
    handler.end_headers()
    handler.wfile.write(b"\xff\xd8\xff" + b"\0" * 1000)


def reset_mid_body(handler: http.server.BaseHTTPRequestHandler) -> None:
    """Promise a whole JPEG, send a third of it, then drop the connection."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", "30000")
    handler.end_headers()
    handler.wfile.write(b"\xff\xd8\xff" + b"\0" * 9997)
    handler.wfile.flush()
    handler.connection.shutdown(2)  # socket.SHUT_RDWR
    handler.close_connection = True
