"""The one Jinja setup for the theme's templates, the report's and the email's alike."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

from .paths import builtin_theme_dir

__all__ = ["template_environment", "theme_search_path"]


def theme_search_path(user_dir: Path | None) -> list[Path]:
    """Where templates are looked up: the user's folder (when given) first, then the built-in theme."""
    return [path for path in (user_dir, builtin_theme_dir()) if path is not None]


def template_environment(search_path: Sequence[Path]) -> jinja2.Environment:
    """A Jinja environment over the search path: escaping on, any undefined name an error.

    Fixed texts are marked for translation ({% trans %}, _()); the environment speaks English, and
    a render in another language passes i18n.template_functions(lang) with its variables.
    """
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in search_path]),
        # Every string from PAVE is untrusted: every template is escaped as HTML, except the
        # email's plain-text body and subject (*.txt.j2), which are not HTML.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=(), disabled_extensions=("txt.j2",), default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # A {% trans %} block's message is its text with white space collapsed, as Babel extracts it.
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_null_translations()  # type: ignore[attr-defined]
    return environment
