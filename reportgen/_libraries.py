"""WeasyPrint's C libraries found through the dynamic linker's cache alone while it is imported."""

# Why (issue 16): on Linux, WeasyPrint tries several names for each of its seven libraries, the
# Windows and macOS ones first ("libgobject-2.0-0", "gobject-2.0-0", ...), and cffi hands each
# name that does not open to ctypes.util.find_library, which runs `ldconfig -p`, then gcc, then
# ld, as subprocesses: ~18 ms for each name that is not there, ~0.3 s of a ~0.75 s import.
# During the import, find_library answers from the ld.so cache only (its own first step, the
# same answer for every library that is in the cache); the gcc and ld steps only ever find a
# library the dynamic linker also opens by the soname WeasyPrint tries next (libpango-1.0.so.0).
# Another thread calling find_library meanwhile gets the same answer for any library in the cache.

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["ld_cache_lookup"]


@contextmanager
def ld_cache_lookup() -> Iterator[None]:
    """ctypes.util.find_library answers from the ld.so cache alone, on Linux, inside this block."""
    from_cache: Callable[[str], str | None] | None = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or from_cache is None:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = from_cache  # type: ignore[assignment]
    try:
        yield
    finally:
        ctypes.util.find_library = original
