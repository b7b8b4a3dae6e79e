"""PAVE clients on the fake PAVE for the tests: good credentials, recorded backoff sleeps, closed after each test."""

from __future__ import annotations

import httpx

from reportgen.pave import Credentials, PaveClient
from reportgen.retry import RetryPolicy

from .fake_pave import API_KEY, API_SECRET, USERNAME, FakePave

__all__ = ["GOOD", "OPEN", "Sleeps", "client", "close_clients"]

GOOD = Credentials(API_KEY, API_SECRET, USERNAME)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


#: The clients a test opened; an autouse fixture of its module closes them with close_clients().
OPEN: list[PaveClient] = []


def close_clients() -> None:
    while OPEN:
        OPEN.pop().close()


def client(pave: FakePave, credentials: Credentials = GOOD, **retry: object) -> tuple[PaveClient, Sleeps]:
    """A client on the fake PAVE that records its backoff sleeps; closed after the test."""
    sleeps = Sleeps()
    policy = RetryPolicy(sleep=sleeps, **retry)
    api = PaveClient(credentials, base_url=pave.api_url, retry=policy, timeout=httpx.Timeout(2.0))
    OPEN.append(api)
    return api, sleeps
