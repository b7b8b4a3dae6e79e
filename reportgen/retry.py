"""Retries shared by the API client and the photo downloader: the loop, backoff, jitter, Retry-After."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

__all__ = ["RETRYABLE_STATUSES", "GaveUp", "RetryPolicy", "TryAgain", "parse_retry_after"]

_T = TypeVar("_T")

#: Statuses that mean "try again shortly" rather than "this will never work".
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class TryAgain(Exception):
    """An attempt failed in a way the next one may not: a timeout, a dropped connection, HTTP 503."""

    def __init__(self, problem: str, retry_after: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        #: The server's Retry-After header, if it sent one.
        self.retry_after = retry_after


class GaveUp(Exception):
    """No attempt succeeded before the attempts, the budget or the deadline ran out."""

    def __init__(self, problem: str | None, attempts: int) -> None:
        super().__init__(problem or "the deadline passed before an attempt could start")
        #: The last attempt's problem; None when the deadline passed before the next attempt could start.
        self.problem = problem
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    """At most `attempts` tries within `budget` seconds, waiting longer after each failure."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    #: A moment on `clock` (not a duration) after which nothing new starts: a command's --timeout,
    #: shared by every request of that command.
    deadline: float | None = None

    def run(self, attempt: Callable[[int], _T]) -> _T:
        """attempt(number) until it returns, retrying it while it raises TryAgain; other errors pass through.

        Raises GaveUp when no attempt succeeded within the attempts, the budget and the deadline.
        """
        started = self.clock()
        number = 0
        while True:
            if self.expired():
                raise GaveUp(None, number)
            number += 1
            try:
                return attempt(number)
            except TryAgain as failure:
                wait = self.delay(number, failure.retry_after)
                if number >= self.attempts or self.gives_up(started, wait):
                    raise GaveUp(failure.problem, number) from None
            self.sleep(wait)

    def time_left(self) -> float | None:
        """Seconds until the deadline (negative once past), or None without one."""
        return None if self.deadline is None else self.deadline - self.clock()

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        left = self.time_left()
        return left is not None and left <= 0

    def capped(self, seconds: float) -> float:
        """`seconds`, or less so as to end at the deadline (never below a token 0.01 s)."""
        left = self.time_left()
        return seconds if left is None else max(0.01, min(seconds, left))

    def gives_up(self, started: float, wait: float) -> bool:
        """Whether waiting `wait` more seconds for another try would pass the budget or the deadline."""
        now = self.clock()
        if now - started + wait > self.budget:
            return True
        return self.deadline is not None and now + wait >= self.deadline

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before try number attempt + 1 (attempt counts from 1)."""
        server_wish = parse_retry_after(retry_after)
        if server_wish is not None:
            return min(server_wish, self.budget)
        # Full jitter: clients that failed together do not retry together.
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds, from either of its forms (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
