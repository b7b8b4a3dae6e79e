"""What the command line says on stderr: one-line messages, and the batch's progress display."""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .batch import BatchResult

__all__ = ["BatchProgress", "LibraryWarnings", "one_line", "say_problems"]


def one_line(text: str) -> str:
    """`text` with every run of whitespace, newlines included, as one space."""
    return " ".join(text.split())


def say_problems(warnings: list[str], notes: list[str] | None = None) -> None:
    """Each note, then each warning, as one line on stderr."""
    for note in notes or []:
        click.echo(f"reportgen: note: {one_line(note)}", err=True)
    for warning in warnings:
        click.echo(f"reportgen: warning: {one_line(warning)}", err=True)


class LibraryWarnings(logging.Handler):
    """The library's logged warnings as the command's own lines ("reportgen: warning: …"), on stderr as it is now."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"reportgen: warning: {one_line(record.getMessage())}", err=True)


class BatchProgress:
    """A live bar on a terminal (done, failed, rate, ETA); one plain line per session otherwise.

    Either way each warning of a session is one line on stderr, prefixed with its key.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.failed = 0
        self.rendered = 0
        self.live = sys.stderr.isatty()
        self._progress: Any = None

    def __enter__(self) -> BatchProgress:
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("[bold]reports"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed · {task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total, failed=0, rate="–")
            self._started = time.monotonic()
        return self

    def say(self, line: str) -> None:
        """One line on stderr, above the bar when there is one (rich keeps the bar below it)."""
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(line, err=True)

    def warn(self, message: str) -> None:
        """A warning of the run, as one line."""
        self.say(f"reportgen: warning: {one_line(message)}")

    def interrupted(self, running: list[str]) -> None:
        """Says that no new session starts after Ctrl-C, and which ones are finishing."""
        finishing = (
            (f"; finishing {len(running)} running ({', '.join(running)}), press Ctrl-C again to stop them")
            if running
            else ""
        )
        self.say(f"reportgen: interrupted: no new session starts{finishing}")

    def update(self, result: BatchResult) -> None:
        """Counts one finished session in, and says what became of it."""
        from .batch import BatchStatus

        if not result.ok:
            self.failed += 1
        if result.status is not BatchStatus.SKIPPED:
            self.rendered += 1
        if self._progress is not None:
            # Skipped sessions cost nothing: the rate counts sessions actually tried.
            rate = self.rendered / max(time.monotonic() - self._started, 1e-6)
            self._progress.update(
                self._task, advance=1, failed=self.failed, rate=f"{rate:.2f}/s" if self.rendered else "–"
            )
            if not result.ok:
                self.say(f"{result.session_key}: {result.error}")
        else:
            detail = (
                f": {result.error}"
                if result.error
                else f" ({result.seconds:.1f} s)"
                if result.status is BatchStatus.WRITTEN
                else f" ({len(result.warnings)} warning{'s' if len(result.warnings) > 1 else ''} when written)"
                if result.warnings
                else ""
            )
            click.echo(f"{result.session_key}: {result.status}{detail}", err=True)
        # Warnings of a skipped session were shown when it was written; its summary keeps them.
        if result.status is BatchStatus.WRITTEN:
            for warning in result.warnings:
                self.warn(f"{result.session_key}: {warning}")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
