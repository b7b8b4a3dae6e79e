"""Times, dates and durations as the report prints them: in UTC, named as such."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["format_date", "format_duration", "format_time"]


def format_time(moment: datetime, *, with_date: bool = True) -> str:
    """Times print in UTC, named as such, so a report reads the same wherever it is made."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC" if with_date else f"{utc:%H:%M:%S}"


def format_date(moment: datetime) -> str:
    """A day in words, such as 1 June 2024."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%B %Y}"


def format_duration(span: timedelta) -> str:
    """A span in hours and minutes, or minutes and seconds when shorter than an hour."""
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
