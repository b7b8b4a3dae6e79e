"""The Jinja theme (a user folder first, then the built-in one) turning a view into HTML."""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jinja2
import markupsafe

from .errors import ConfigError, RenderError
from .paths import builtin_theme_dir, fonts_dir
from .viewmodel import FileAsset, ImageAsset, ReportView

#: Photos and thumbnails reach WeasyPrint from memory under this scheme, never through the disk.
ASSET_SCHEME = "reportgen-asset"
REPORT_TEMPLATE = "report.html.j2"


@dataclass
class Theme:
    """Where templates come from: a user folder (optional) in front of the built-in theme."""

    user_dir: Path | None = None
    search_path: list[Path] = field(init=False)

    def __post_init__(self) -> None:
        if self.user_dir is not None:
            if not self.user_dir.is_dir():
                raise ConfigError(f"templates folder {self.user_dir}: not a directory")
            self.user_dir = self.user_dir.resolve()
        self.search_path = [p for p in (self.user_dir, builtin_theme_dir()) if p is not None]


@cache
def _environment(search_path: tuple[Path, ...], standalone: bool) -> jinja2.Environment:
    # One environment per theme and mode, kept for the process: its compiled templates are reused.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in search_path]),
        # Every string from PAVE is untrusted: escape everything, and fail on any typo'd name.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["src"] = _inline_src if standalone else _asset_src
    environment.filters["breakable"] = _breakable
    environment.globals["font_url"] = _inline_font if standalone else _font_url
    return environment


def render_html(view: ReportView, theme: Theme, *, standalone: bool) -> str:
    """The report as HTML; standalone inlines images and fonts so the file works on its own."""
    environment = _environment(tuple(theme.search_path), standalone)
    try:
        return environment.get_template(REPORT_TEMPLATE).render(report=view)
    except jinja2.TemplateError as error:
        raise RenderError(f"template {_where(error, theme)}: {_what(error)}") from None


def _where(error: jinja2.TemplateError, theme: Theme) -> str:
    """The file and line at fault: the partial itself, not the report template that includes it."""
    filename, line = None, None
    if isinstance(error, jinja2.TemplateSyntaxError):
        filename, line = error.filename or error.name, error.lineno
    else:
        # Jinja rewrites the traceback so that template frames carry the template's file and line.
        traceback = error.__traceback__
        while traceback is not None:
            code = traceback.tb_frame.f_code.co_filename
            if any(Path(code).is_relative_to(root) for root in theme.search_path):
                filename, line = code, traceback.tb_lineno
            traceback = traceback.tb_next
    if filename is None:
        return REPORT_TEMPLATE
    path, builtin = Path(filename), theme.search_path[-1]
    # A user's own file is named as they can open it; a built-in one by its name in the theme.
    if path.is_relative_to(builtin) and not (theme.user_dir and path.is_relative_to(theme.user_dir)):
        shown = path.relative_to(builtin).as_posix()
    else:
        shown = str(path)
    return f"{shown}, line {line}" if line else shown


def _what(error: jinja2.TemplateError) -> str:
    if isinstance(error, jinja2.TemplateNotFound):
        return f"includes {error.name}, which is in neither the templates folder nor the built-in theme"
    return error.message or type(error).__name__


def _breakable(text: str) -> markupsafe.Markup:
    """Escaped text that may wrap after underscores, so a long code breaks between its words.

    A zero-width space, not <wbr>: WeasyPrint makes each <wbr> an element with a generated
    zero-width space of its own, a tenth of a sample report's layout work for the same result.
    """
    return markupsafe.Markup(str(markupsafe.escape(text)).replace("_", "_\u200b"))


def _asset_src(asset: ImageAsset | FileAsset) -> str:
    if isinstance(asset, ImageAsset):
        return f"{ASSET_SCHEME}:{asset.name}"
    return asset.path.as_uri()


def _inline_src(asset: ImageAsset | FileAsset) -> str:
    if isinstance(asset, ImageAsset):
        return _data_uri(asset.media_type, asset.data)
    return _data_uri(asset.media_type, asset.path.read_bytes())


def _font_url(name: str) -> str:
    return (fonts_dir() / name).as_uri()


def _inline_font(name: str) -> str:
    path = fonts_dir() / name
    return _data_uri(mimetypes.guess_type(path.name)[0] or "font/otf", path.read_bytes())


def _data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
