"""The `reportgen` program's entry point: Ctrl-C while Python still loads the command line ends quietly too."""

from __future__ import annotations

import sys

__all__ = ["run"]


def run() -> None:
    """Load the command line and run it.

    Loading it takes a few tenths of a second (click, the library's modules); Ctrl-C then would
    end in Python's traceback. It gets the command line's one line and exit code instead.
    """
    try:
        from .cli import run as run_command_line
    except KeyboardInterrupt:
        sys.stderr.write("reportgen: interrupted\n")
        raise SystemExit(130) from None  # ExitCode.INTERRUPTED, which is in the module not loaded
    run_command_line()
