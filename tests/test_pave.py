"""The PAVE API client against a real HTTP server on 127.0.0.1 that checks the HMAC itself."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from reportgen.errors import (
    APIError,
    AuthenticationError,
    InvalidSessionKeyError,
    NotInspectedError,
    SessionNotFoundError,
)
from reportgen.pave import Credentials, PaveClient
from reportgen.retry import RetryPolicy

from .support.builders import add_session
from .support.fake_pave import API_KEY, API_SECRET, USERNAME, Reply
from .support.pave_client import GOOD, Sleeps, client, close_clients
from .support.pave_client import OPEN as _OPEN


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    close_clients()


def test_signed_headers_follow_the_documented_hmac() -> None:
    moment = datetime(2021, 5, 30, 12, 49, 19, tzinfo=UTC)
    headers = GOOD.signed_headers(moment)
    assert headers["API-Timestamp"] == "2021-05-30T12:49:19Z" and headers["API-Key"] == API_KEY
    expected = hmac.new(
        API_SECRET.encode(), f"{USERNAME}:{API_KEY}@2021-05-30T12:49:19Z".encode(), hashlib.sha256
    ).hexdigest()
    assert headers["API-Token"] == expected and re.fullmatch(r"[0-9a-f]{64}", expected)


def test_credentials_never_show_their_secrets() -> None:
    text = repr(GOOD) + str(GOOD)
    assert API_SECRET not in text and API_KEY not in text and USERNAME not in text


def test_all_three_endpoints_answer_with_a_valid_signature(pave) -> None:
    body = add_session(pave)
    api, _ = client(pave)
    assert api.results("TST-LIVE1") == body
    assert [p["photo_code"] for p in api.photos("TST-LIVE1")] == [5, 4]
    assert api.session("TST-LIVE1")["status"] == "COMPLETE"
    signed = [headers for path, headers in pave.api_log if path.startswith("/v1/sessions/")]
    assert len(signed) == 2 and all("API-Token" in h and "API-Timestamp" in h for h in signed)
    hotspots_headers = next(h for path, h in pave.api_log if path.startswith("/v1/hotspots/"))
    assert "API-Token" not in hotspots_headers


def test_wrong_secret_and_stale_timestamps_are_refused_by_the_server(pave, monkeypatch) -> None:
    add_session(pave)
    api, _ = client(pave, Credentials(API_KEY, "wrong-secret", USERNAME))
    with pytest.raises(AuthenticationError) as caught:
        api.photos("TST-LIVE1")
    assert "wrong-secret" not in str(caught.value) and API_KEY not in str(caught.value)

    stale = datetime.now(UTC) - timedelta(minutes=10)
    original = Credentials.signed_headers
    monkeypatch.setattr(Credentials, "signed_headers", lambda self, now=None: original(self, stale))
    api, _ = client(pave)
    with pytest.raises(AuthenticationError):
        api.session("TST-LIVE1")


def test_status_codes_map_to_errors(pave) -> None:
    add_session(pave)
    api, _ = client(pave)
    with pytest.raises(SessionNotFoundError, match="UNKNOWN-1 not found"):
        api.results("UNKNOWN-1")
    pave.queued["/v1/hotspots/TST-LIVE1"] = [
        Reply(
            400,
            {"code": 400, "message": "This session is not yet inspected.", "timestamp": "2023-05-30T21:13:41.576820Z"},
        )
    ]
    with pytest.raises(NotInspectedError, match="not inspected yet"):
        api.results("TST-LIVE1")
    with pytest.raises(AuthenticationError):
        client(pave, Credentials("bad-key"))[0].results("TST-LIVE1")
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(500, {"message": "Internal oops"})]
    with pytest.raises(APIError, match="HTTP 500: Internal oops"):
        api.results("TST-LIVE1")


def test_unavailable_then_ok_is_retried_with_backoff(pave) -> None:
    add_session(pave)
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(503), Reply(502)]
    api, sleeps = client(pave)
    assert api.results("TST-LIVE1")["success"] is True
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


def test_retry_after_is_honoured(pave) -> None:
    add_session(pave)
    pave.queued["/v1/sessions/TST-LIVE1/photos"] = [Reply(429, {"message": "slow down"}, {"Retry-After": "3"})]
    api, sleeps = client(pave)
    assert len(api.photos("TST-LIVE1")) == 2
    assert sleeps == [3.0]
    # Both tries carried a valid token of their own: the server checked each.
    tries = [h for p, h in pave.api_log if p == "/v1/sessions/TST-LIVE1/photos"]
    assert len(tries) == 2


def test_retries_are_bounded_in_attempts_and_time(pave) -> None:
    add_session(pave)
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(503)] * 10
    api, sleeps = client(pave, attempts=4)
    with pytest.raises(APIError, match=r"HTTP 503.*4 attempts"):
        api.results("TST-LIVE1")
    assert len(sleeps) == 3
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(429, b"", {"Retry-After": "120"})] * 3
    api, sleeps = client(pave, budget=30)
    with pytest.raises(APIError, match="1 attempt"):
        api.results("TST-LIVE1")
    assert sleeps == []


def test_unreachable_and_silent_servers_become_api_errors(pave) -> None:
    add_session(pave)
    sleeps = Sleeps()
    api = PaveClient(GOOD, base_url="http://127.0.0.1:9", retry=RetryPolicy(attempts=2, sleep=sleeps))
    _OPEN.append(api)
    with pytest.raises(APIError, match="cannot reach PAVE"):
        api.results("TST-LIVE1")
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(200, {}, delay=1.5)] * 2
    api = PaveClient(
        GOOD, base_url=pave.api_url, timeout=httpx.Timeout(0.5), retry=RetryPolicy(attempts=2, sleep=sleeps)
    )
    _OPEN.append(api)
    with pytest.raises(APIError, match="did not answer in time"):
        api.results("TST-LIVE1")


def test_bodies_that_are_not_json(pave) -> None:
    add_session(pave)
    api, _ = client(pave)
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(200, "<html>Gateway</html>", {"Content-Type": "text/html"})]
    with pytest.raises(APIError, match="invalid JSON at line 1"):
        api.results("TST-LIVE1")
    docs_sample = '{\n"success": false,\n"data": []\n"message\u201d: \u201cNo damages found on the vehicle"\n}'
    pave.queued["/v1/hotspots/TST-LIVE1"] = [Reply(200, docs_sample)]
    assert api.results("TST-LIVE1") == {"success": False, "data": [], "message": "No damages found on the vehicle"}


def test_session_keys_are_checked_before_any_request(pave) -> None:
    api, _ = client(pave)
    for key in ("../../etc/passwd", "A B", "", "x" * 65, "KEY?x=1"):
        with pytest.raises(InvalidSessionKeyError):
            api.results(key)
    assert pave.api_log == []
