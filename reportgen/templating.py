"""The one Jinja setup for the theme's templates, the report's and the email's alike."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path

import jinja2

from .files import write_atomic
from .paths import builtin_theme_dir

__all__ = ["CompiledTemplates", "template_environment", "theme_search_path"]

_LOG = logging.getLogger("reportgen")


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
        bytecode_cache=CompiledTemplates.default(),
    )
    # A {% trans %} block's message is its text with white space collapsed, as Babel extracts it.
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_null_translations()  # type: ignore[attr-defined]
    return environment


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once and kept on disk: a new process would spend ~0.2 s compiling the theme.

    Jinja names each entry by the template's name and file and checks it against a digest of
    the template's source, so an edited template is compiled again. The folder must be the
    user's own and writable by no one else (what is in it is run as code); an entry that cannot
    be read or written costs a compilation, never a report.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def default(cls) -> CompiledTemplates | None:
        """The user's cache folder's templates/, or None when it cannot be made or is not private."""
        from platformdirs import user_cache_dir

        directory = Path(user_cache_dir("reportgen")) / "templates"
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            status = directory.stat()
        except OSError as error:
            _LOG.debug("no compiled templates kept: %s", error)
            return None
        if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid() or status.st_mode & 0o022:
            _LOG.debug("no compiled templates kept: %s is not a folder of this user's alone", directory)
            return None
        return cls(directory)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill the bucket from its file, if there is one Jinja accepts."""
        try:
            data = (self.directory / f"{bucket.key}.cache").read_bytes()
        except OSError:
            return
        try:
            bucket.bytecode_from_string(data)  # resets the bucket on another Jinja, Python or source
        except Exception:  # noqa: BLE001 (a damaged entry is compiled again)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep the bucket's code; a cache that cannot be written is skipped."""
        try:
            write_atomic(self.directory / f"{bucket.key}.cache", bucket.bytecode_to_string())
        except Exception as error:  # noqa: BLE001 (a cache that cannot be written must not fail the report)
            _LOG.debug("compiled template not kept: %s", error)
