"""The customer's language: gettext catalogs shipped in reportgen/locale, chosen per report."""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "check_language",
    "current_language",
    "gettext",
    "language",
    "ngettext",
    "template_functions",
    "translation",
]

#: The languages a report, a comparison and an email can be written in (English is the source).
LANGUAGES = ("en", "fr", "es", "de", "ja")
DEFAULT_LANGUAGE = "en"
#: The catalogs: LOCALE_DIR/<language>/LC_MESSAGES/reportgen.mo (compiled from the .po beside it).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "reportgen"

_CURRENT: ContextVar[str] = ContextVar("reportgen_language", default=DEFAULT_LANGUAGE)


def check_language(value: Any, context: str = "lang") -> str:
    """A language code of LANGUAGES in lower case; anything else is a ConfigError naming `context`."""
    if not isinstance(value, str) or value.strip().lower() not in LANGUAGES:
        raise ConfigError(f"{context} must be one of: {', '.join(LANGUAGES)}")
    return value.strip().lower()


@cache
def translation(lang: str) -> _gettext.NullTranslations:
    """The catalog of a language; English (the source text) and a missing catalog translate nothing."""
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Within the block, gettext() and ngettext() (and the templates) speak `lang`; per thread and task."""
    token = _CURRENT.set(check_language(lang))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_language() -> str:
    """The language set by the innermost `language()` block, else English."""
    return _CURRENT.get()


def N_(message: str) -> str:  # noqa: N802 (the name Babel's extractor looks for)
    """Marks a message for extraction where it is defined; gettext() translates it where it is used."""
    return message


def gettext(message: str) -> str:
    """`message` in the current language (itself when the catalog has no translation)."""
    return translation(_CURRENT.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language."""
    return translation(_CURRENT.get()).ngettext(singular, plural, count)


def template_functions(lang: str) -> dict[str, Any]:
    """What Jinja's i18n extension calls in a template, for `lang`: gettext, ngettext and _."""
    catalog = translation(check_language(lang))
    return {"gettext": catalog.gettext, "ngettext": catalog.ngettext, "_": catalog.gettext}
