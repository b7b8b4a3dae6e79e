"""Times, dates and durations as the report prints them: in UTC, named as such, in the customer's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .i18n import current_language

__all__ = ["format_date", "format_duration", "format_number", "format_time"]


def format_time(moment: datetime, *, with_date: bool = True) -> str:
    """Times print in UTC, named as such, so a report reads the same wherever it is made."""
    utc = moment.astimezone(UTC)
    lang = current_language()
    if lang != "en":
        from babel.dates import format_date as babel_date
        from babel.dates import format_time as babel_time

        clock = babel_time(utc, "HH:mm" if with_date else "HH:mm:ss", locale=lang)
        return f"{babel_date(utc, 'medium', locale=lang)} {clock} UTC" if with_date else clock
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC" if with_date else f"{utc:%H:%M:%S}"


def format_date(moment: datetime) -> str:
    """A day in words, such as 1 June 2024."""
    utc = moment.astimezone(UTC)
    lang = current_language()
    if lang != "en":
        from babel.dates import format_date as babel_date

        return str(babel_date(utc, "long", locale=lang))
    return f"{utc.day} {utc:%B %Y}"


def format_number(number: int) -> str:
    """A whole number with the language's grouping: 87,412 in English, 87 412 in French, 87.412 in German."""
    lang = current_language()
    if lang == "en":
        return f"{number:,}"
    from babel.numbers import format_decimal

    return str(format_decimal(number, locale=lang))


def format_duration(span: timedelta) -> str:
    """A span in hours and minutes, or minutes and seconds when shorter than an hour."""
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
