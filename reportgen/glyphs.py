"""Characters of a report's text that none of the theme's embedded fonts can draw."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from .paths import fonts_dir

__all__ = ["FALLBACK_FONT", "FONT_FILES", "LATIN", "MAX_NAMED", "Coverage", "coverage", "view_coverage"]

#: Japanese, Chinese and Korean; declared in the report only when its text needs it.
FALLBACK_FONT = "NotoSansCJK-Subset-Regular.otf"
#: The theme's font stack, in the order report.css falls back through it.
FONT_FILES = ("Inter-Regular.otf", "NotoSans-Regular.ttf", FALLBACK_FONT)
#: How many missing characters a warning names; the rest are counted.
MAX_NAMED = 8
#: Basic Latin, Latin-1 and Latin Extended-A, which Inter draws (a test checks it): most sessions'
#: text is only these, and then no font file is read at all.
LATIN = frozenset(range(0x20, 0x7F)) | (frozenset(range(0xA0, 0x180)) - {0x149})


@dataclass(frozen=True)
class Coverage:
    """How a text fares with the theme's fonts."""

    #: The CJK fallback font draws some of it, so the report must declare that font.
    needs_fallback: bool
    #: Its distinct characters, in order of appearance, that no theme font covers.
    missing: tuple[str, ...]

    def warning(self) -> str | None:
        """One line naming the characters that would print as empty boxes, or None."""
        if not self.missing:
            return None
        named = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in self.missing[:MAX_NAMED])
        more = f" and {len(self.missing) - MAX_NAMED} more" if len(self.missing) > MAX_NAMED else ""
        count = f"{len(self.missing)} character{'s' if len(self.missing) != 1 else ''}"
        return (
            f"the report's fonts cannot draw {count} of the session's text: {named}{more}; "
            "they may print as empty boxes"
        )


def coverage(text: str) -> Coverage:
    """Which of the theme's fonts `text` needs, and what none of them covers."""
    # Controls and invisible formatting (zero-width spaces, joiners) are never drawn.
    pending = [
        c
        for c in dict.fromkeys(text)
        if ord(c) not in LATIN and not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf")
    ]
    needs_fallback = False
    # Fonts load lazily: Latin text never reads the 5 MB CJK font's character map.
    for file in FONT_FILES:
        if not pending:
            break
        covered = _covered(file)
        left = [c for c in pending if ord(c) not in covered]
        needs_fallback = needs_fallback or (file == FALLBACK_FONT and len(left) < len(pending))
        pending = left
    return Coverage(needs_fallback, tuple(pending))


def view_coverage(value: Any) -> Coverage:
    """coverage() of every string in a view model (dataclasses, tuples, lists, dicts)."""
    return coverage("".join(_strings(value)))


@cache
def _covered(file: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency; only needed for non-Latin text

    with TTFont(fonts_dir() / file, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
