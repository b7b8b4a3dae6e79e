"""The Jinja theme (a user folder first, then the built-in one) turning a view into HTML."""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jinja2
import markupsafe

from . import i18n
from .compareview import CompareView
from .errors import ConfigError, RenderError
from .paths import fonts_dir
from .templating import template_environment, theme_search_path
from .viewmodel import FileAsset, ImageAsset, ReportView

__all__ = [
    "ASSET_SCHEME",
    "CJK_FONT",
    "COMPARE_STYLESHEET",
    "COMPARE_TEMPLATE",
    "EXTRA_STYLESHEET",
    "FONTS",
    "REPORT_TEMPLATE",
    "STYLESHEET",
    "Theme",
    "render_html",
]

#: Photos and thumbnails reach WeasyPrint from memory under this scheme, never through the disk.
ASSET_SCHEME = "reportgen-asset"
REPORT_TEMPLATE = "report.html.j2"
#: The comparison of two inspections (compare.py), in the same theme and stylesheet.
COMPARE_TEMPLATE = "compare.html.j2"


#: The built-in print stylesheet, plain CSS; a theme folder's own report.css replaces it whole.
STYLESHEET = "report.css"
#: A theme folder's additions, loaded after the built-in stylesheet so that its rules win.
EXTRA_STYLESHEET = "extra.css"
#: The comparison's own rules, read after report.css only for a comparison (a single report is unchanged).
COMPARE_STYLESHEET = "compare.css"
#: The fonts shipped in fonts/: family, weight, file. The CJK subset is declared only when used.
FONTS = (
    ("Inter", 400, "Inter-Regular.otf"),
    ("Inter", 600, "Inter-SemiBold.otf"),
    ("Inter", 700, "Inter-Bold.otf"),
    ("Noto Sans", 400, "NotoSans-Regular.ttf"),
    ("Noto Sans", 700, "NotoSans-Bold.ttf"),
)
CJK_FONT = ("Noto Sans CJK Subset", None, "NotoSansCJK-Subset-Regular.otf")
#: A value that can only be a colour: no character of it can end a declaration or a rule.
_CSS_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}|[A-Za-z]+|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\)")


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
        self.search_path = theme_search_path(self.user_dir)


@cache
def _environment(search_path: tuple[Path, ...], standalone: bool) -> jinja2.Environment:
    # One environment per theme and mode, kept for the process: its compiled templates are reused.
    environment = template_environment(search_path)
    environment.filters["src"] = _inline_src if standalone else _asset_src
    environment.filters["breakable"] = _breakable
    return environment


def render_html(view: ReportView | CompareView, theme: Theme, *, standalone: bool) -> str:
    """The report (or comparison) as HTML; standalone inlines images and fonts so the file works on its own."""
    environment = _environment(tuple(theme.search_path), standalone)
    styles = _stylesheets(view, theme, standalone=standalone)
    template = COMPARE_TEMPLATE if isinstance(view, CompareView) else REPORT_TEMPLATE
    try:
        # The view's alternative texts are worded when the template reads them: in its language too.
        with i18n.language(view.lang):
            return environment.get_template(template).render(
                report=view, stylesheets=styles, **i18n.template_functions(view.lang)
            )
    except jinja2.TemplateError as error:
        raise RenderError(f"template {_where(error, theme)}: {_what(error)}") from None


def _stylesheets(view: ReportView | CompareView, theme: Theme, *, standalone: bool) -> tuple[markupsafe.Markup, ...]:
    """The report's CSS in cascade order: the generated fonts, colours and paper, report.css, extra.css.

    Only the first is made for each report; the theme's own files are plain CSS, used as they are.
    """
    sheets = [_generated_css(view, standalone), _theme_file(theme, STYLESHEET)]
    if isinstance(view, CompareView):
        sheets.append(_theme_file(theme, COMPARE_STYLESHEET))
    if view.lang != i18n.DEFAULT_LANGUAGE:
        sheets.append(_page_footer_css(view.lang))
    if theme.user_dir is not None and (theme.user_dir / EXTRA_STYLESHEET).is_file():
        sheets.append(_theme_file(theme, EXTRA_STYLESHEET, theme.user_dir))
    return tuple(markupsafe.Markup(css) for css in sheets)


def _theme_file(theme: Theme, name: str, folder: Path | None = None) -> str:
    """A theme file as it is, from `folder` or the first folder of the search path that has it."""
    for root in [folder] if folder else theme.search_path:
        path = root / name
        if path.is_file():
            try:
                css = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise RenderError(f"stylesheet {path}: cannot be read ({error})") from None
            if "</style" in css.lower():
                raise RenderError(f"stylesheet {path}: holds </style>, which would end the stylesheet early")
            return css
    raise RenderError(f"stylesheet {name}: in neither the templates folder nor the built-in theme")


def _generated_css(view: ReportView | CompareView, standalone: bool) -> str:
    """What report.css cannot know: fonts' addresses, colours of the brand, severities and classes, paper."""
    font_url = _inline_font if standalone else _font_url
    fonts = [*FONTS, CJK_FONT] if view.cjk_font else list(FONTS)
    lines = ["/* Made by reportgen for this report: fonts, the brand's and severities' colours, paper. */"]
    for family, weight, file in fonts:
        lines += ["@font-face {", f'  font-family: "{family}";']
        lines += [f"  font-weight: {weight};"] if weight else []
        lines += [f'  src: url("{font_url(file)}");', "}"]
    colours = {"brand": view.brand.primary_color, "accent": view.brand.accent_color}
    for entry in view.legend:
        colours[f"sev-{entry.key}"] = entry.colour
        colours[f"sev-{entry.key}-text"] = entry.text_colour
    for entry in view.class_legend if isinstance(view, CompareView) else ():
        colours[f"class-{entry.key}"] = entry.colour
        colours[f"class-{entry.key}-text"] = entry.text_colour
    lines.append(":root {")
    lines += [f"  --{name}: {_css_colour(value)};" for name, value in colours.items()]
    lines += ["}", "@page {", f"  size: {view.page_size};", "}"]
    return "\n".join(lines)


def _page_footer_css(lang: str) -> str:
    """report.css's page footer ("Session … · Page 1 of 12") in another language, after report.css so it wins."""
    with i18n.language(lang):
        words = i18n.gettext("Session {session}  ·  Page {page} of {pages}")
    values = {"session": "string(session)", "page": "counter(page)", "pages": "counter(pages)"}
    parts = re.split(r"\{(session|page|pages)\}", words)
    content = " ".join(
        values[part] if index % 2 else '"' + part.replace("\\", "").replace('"', "") + '"'
        for index, part in enumerate(parts)
        if index % 2 or part
    )
    return f"@page {{\n  @bottom-right {{\n    content: {content};\n  }}\n}}"


def _css_colour(value: str) -> str:
    if not _CSS_COLOUR.fullmatch(value):
        raise RenderError(f"colour {value[:40]!r}: not a CSS colour")
    return value


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
