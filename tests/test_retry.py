"""The retry loop shared by the PAVE client and the photo downloader, on a clock the test moves; Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from reportgen.retry import GaveUp, RetryPolicy, TryAgain, parse_retry_after


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def policy(time: FakeTime, **settings: object) -> RetryPolicy:
    return RetryPolicy(sleep=time.sleep, clock=time.clock, **settings)  # type: ignore[arg-type]


def failing(time: FakeTime, times: int, *, retry_after: str | None = None) -> tuple[list[int], Callable[[int], str]]:
    numbers: list[int] = []

    def attempt(number: int) -> str:
        numbers.append(number)
        time.now += 0.1  # a request takes time
        if number <= times:
            raise TryAgain(f"HTTP 503 ({number})", retry_after)
        return "body"

    return numbers, attempt


def test_attempts_are_repeated_while_they_ask_to_try_again() -> None:
    time = FakeTime()
    numbers, attempt = failing(time, 2)
    assert policy(time).run(attempt) == "body"
    assert numbers == [1, 2, 3]
    assert len(time.sleeps) == 2 and 0.25 <= time.sleeps[0] <= 0.5 and 0.5 <= time.sleeps[1] <= 1.0


def test_other_errors_pass_through_at_once() -> None:
    time = FakeTime()
    numbers: list[int] = []

    def attempt(number: int) -> str:
        numbers.append(number)
        raise ValueError("not retryable")

    with pytest.raises(ValueError, match="not retryable"):
        policy(time).run(attempt)
    assert numbers == [1] and time.sleeps == []


def test_giving_up_after_the_last_attempt_names_its_problem() -> None:
    time = FakeTime()
    numbers, attempt = failing(time, 10)
    with pytest.raises(GaveUp) as gave_up:
        policy(time, attempts=3).run(attempt)
    assert (gave_up.value.problem, gave_up.value.attempts) == ("HTTP 503 (3)", 3)
    assert numbers == [1, 2, 3] and len(time.sleeps) == 2


def test_a_wait_beyond_the_budget_gives_up_without_waiting() -> None:
    time = FakeTime()
    numbers, attempt = failing(time, 10, retry_after="120")
    with pytest.raises(GaveUp) as gave_up:
        policy(time, budget=30).run(attempt)
    assert gave_up.value.attempts == 1 and time.sleeps == []


def test_retry_after_sets_the_wait() -> None:
    time = FakeTime()
    _, attempt = failing(time, 1, retry_after="3")
    assert policy(time).run(attempt) == "body"
    assert time.sleeps == [3.0]


def test_a_wait_that_would_pass_the_deadline_gives_up_with_the_problem() -> None:
    time = FakeTime()
    numbers, attempt = failing(time, 10, retry_after="5")
    with pytest.raises(GaveUp) as gave_up:
        policy(time, deadline=time.now + 4).run(attempt)
    assert (gave_up.value.problem, gave_up.value.attempts) == ("HTTP 503 (1)", 1)
    assert numbers == [1] and time.sleeps == []


def test_no_attempt_starts_after_the_deadline() -> None:
    time = FakeTime()
    numbers, attempt = failing(time, 0)
    with pytest.raises(GaveUp) as gave_up:
        policy(time, deadline=time.now).run(attempt)
    assert (gave_up.value.problem, gave_up.value.attempts) == (None, 0)
    assert numbers == []


@pytest.mark.parametrize("value, expected", [("7", 7.0), ("", None), ("soon", None), (None, None)])
def test_retry_after_forms(value, expected) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_as_http_date() -> None:
    soon = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= parse_retry_after(soon.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 31
