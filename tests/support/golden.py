"""Golden files in the manner of coverage.py's goldtest: a mismatch leaves the output beside the gold copy."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

#: Set (to anything) to rewrite the golden files from the current output; then review `git diff`.
UPDATE_ENV = "REPORTGEN_UPDATE_GOLDEN"
#: A failure shows this many lines of the unified diff and counts the rest: the whole of it is one
#: `diff -u` away, and pytest's own comparison of two 1,200-line strings drowns the change.
MAX_DIFF_LINES = 40


def actual_path(gold: Path) -> Path:
    """Where the output that did not match `gold` is written: `actual/` beside it, ignored by git."""
    return gold.parent / "actual" / gold.name


def assert_matches_golden(actual: str, gold: Path, *, max_lines: int = MAX_DIFF_LINES) -> None:
    """Pass if `actual` is the text of `gold`; else write it to `actual_path(gold)` and fail with a short diff."""
    copy = actual_path(gold)
    if os.environ.get(UPDATE_ENV):
        gold.parent.mkdir(parents=True, exist_ok=True)
        gold.write_text(actual, encoding="utf-8")
        copy.unlink(missing_ok=True)
        return
    expected = gold.read_text(encoding="utf-8") if gold.exists() else None
    if actual == expected:
        # A copy an earlier failure left would now only mislead.
        copy.unlink(missing_ok=True)
        return
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(actual, encoding="utf-8")
    accept = f"If the change is intended, rerun with {UPDATE_ENV}=1 and review the diff."
    if expected is None:
        pytest.fail(f"{_shown(gold)} does not exist; the output is in {_shown(copy)}.\n{accept}", pytrace=False)
    diff = _diff_lines(expected, actual, _shown(gold), _shown(copy))
    removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
    added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
    message = [
        f"the output differs from {_shown(gold)}: {removed} lines removed, {added} added.",
        f"The output is in {_shown(copy)}. {accept}",
        *diff[:max_lines],
    ]
    if len(diff) > max_lines:
        message.append(f"... and {len(diff) - max_lines} more diff lines: diff -u {_shown(gold)} {_shown(copy)}")
    pytest.fail("\n".join(message), pytrace=False)


def _diff_lines(expected: str, actual: str, gold_name: str, copy_name: str) -> list[str]:
    """The unified diff as lines without their ends, marking a last line that has none as diff does."""
    lines: list[str] = []
    for line in difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True), gold_name, copy_name
    ):
        if line.endswith("\n"):
            lines.append(line[:-1])
        else:
            lines += [line, "\\ No newline at end of file"]
    return lines


def _shown(path: Path) -> str:
    """The path relative to the working directory when it lies below it (as pytest runs from the root)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
