"""The reportgen command line: thin click commands over the library, and its exit codes."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_NOT_INSPECTED = 0, 1, 2, 3, 75
EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 error (one line on stderr), 2 usage error, "
    "3 session not found, 75 session not inspected yet (try later)."
)


class _Commands(click.Group):
    """Turns every failure into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("reportgen: interrupted", err=True)
            ctx.exit(130)
        except Exception as error:
            if ctx.find_root().params.get("debug"):
                raise
            from .errors import (
                InvalidSessionKeyError,
                NotInspectedError,
                ReportgenError,
                SessionNotFoundError,
            )

            if isinstance(error, InvalidSessionKeyError):
                raise click.UsageError(str(error), ctx) from None
            if isinstance(error, ReportgenError):
                click.echo(f"reportgen: error: {_one_line(str(error))}", err=True)
            else:
                click.echo(
                    f"reportgen: internal error: {type(error).__name__}: {_one_line(str(error))} "
                    "(run with --debug for details)",
                    err=True,
                )
            if isinstance(error, SessionNotFoundError):
                ctx.exit(EXIT_NOT_FOUND)
            if isinstance(error, NotInspectedError):
                ctx.exit(EXIT_NOT_INSPECTED)
            ctx.exit(EXIT_ERROR)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.group(cls=_Commands, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug messages.")
@click.version_option(package_name="reportgen")
def main(debug: bool) -> None:
    """Turn PAVE vehicle inspections into branded PDF condition reports."""
    # Library warnings (Pillow's decompression-bomb notice, say) are handled by reportgen itself:
    # route them to logging, where only --debug shows them.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(logging.NullHandler())
    if debug:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("reportgen: debug: %(message)s"))
        for name in ("reportgen", "py.warnings"):
            logging.getLogger(name).addHandler(handler)
            logging.getLogger(name).setLevel(logging.DEBUG)


def _render_options(command: Any) -> Any:
    options = [
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                     help="Output file (default: <session key>.pdf in the current directory)."),
        click.option("--format", "output_format", type=click.Choice(["pdf", "html"]), default="pdf",
                     show_default=True, help="PDF, or one self-contained HTML file."),
        click.option("--brand", type=click.Path(dir_okay=False, path_type=Path),
                     help="Brand file (TOML): name, logo, colours, footer, paper."),
        click.option("--templates", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder of templates that override the built-in theme's."),
        click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False),
                     help="Paper size (default: the brand's, else A4)."),
        click.option("--strict", is_flag=True,
                     help="Fail instead of using a placeholder when a photo is unusable."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("bundle", type=click.Path(path_type=Path))
@_render_options
def render(bundle: Path, **options: Any) -> None:
    """Render a saved session BUNDLE directory into a condition report."""
    _render(bundle, **options)


@main.command(epilog=EXIT_CODES_HELP)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("demo.pdf"),
              show_default=True, help="Output PDF.")
def demo(output: Path) -> None:
    """Render the bundled sample session (a 2009 BMW with 27 damages) with the sample brand."""
    from .paths import sample_brand, sample_bundle

    _render(sample_bundle(), output=output, output_format="pdf", brand=sample_brand(),
            templates=None, paper=None, strict=True)


def _render(
    bundle: Path, *, output: Path | None, output_format: str, brand: Path | None,
    templates: Path | None, paper: str | None, strict: bool, default_name: str | None = None,
) -> None:
    from .report import render_bundle

    report = render_bundle(bundle, brand=brand, templates=templates, paper=paper, strict=strict)
    _warn(report.warnings)
    name = default_name or report.session_key or "report"
    written = report.write(output or Path(f"{name}.{output_format}"), output_format)
    click.echo(f"wrote {written}")


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        click.echo(f"reportgen: warning: {_one_line(warning)}", err=True)


def _session_key(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from .models import is_valid_session_key

    if not is_valid_session_key(value):
        raise click.BadParameter("expected letters, digits and hyphens (at most 64 characters)")
    return value


def _api_options(command: Any) -> Any:
    options = [
        click.option("--api-key", envvar="PAVE_API_KEY", help="PAVE API key [env: PAVE_API_KEY]."),
        click.option("--api-secret", envvar="PAVE_API_SECRET",
                     help="PAVE API secret, for the photo list and session record [env: PAVE_API_SECRET]."),
        click.option("--username", envvar="PAVE_USERNAME",
                     help="PAVE account username, used with the secret [env: PAVE_USERNAME]."),
        click.option("--base-url", envvar="PAVE_BASE_URL", default="https://openapi.paveapi.com",
                     show_default=True, help="PAVE API address [env: PAVE_BASE_URL]."),
        click.option("--no-cache", is_flag=True, help="Download every photo again instead of using the cache."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _fetch(ctx: click.Context, session_key: str, directory: Path, api_key: str | None,
           api_secret: str | None, username: str | None, base_url: str, no_cache: bool) -> Path:
    if not api_key:
        raise click.UsageError("no PAVE API key: set PAVE_API_KEY or pass --api-key", ctx)
    from .download import ImageCache
    from .fetch import fetch_bundle
    from .pave import Credentials

    result = fetch_bundle(
        session_key, directory,
        credentials=Credentials(api_key, api_secret or None, username or None),
        base_url=base_url, cache=None if no_cache else ImageCache.default(),
    )
    _warn(result.warnings)
    return result.path


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("session_key", callback=_session_key)
@click.option("-d", "--directory", type=click.Path(file_okay=False, path_type=Path),
              help="Bundle directory to write (default: ./<SESSION_KEY>/).")
@_api_options
@click.pass_context
def fetch(ctx: click.Context, session_key: str, directory: Path | None, **api: Any) -> None:
    """Save a PAVE session (results, photo list, session record, photos) as a bundle directory."""
    path = _fetch(ctx, session_key, directory or Path(session_key), **api)
    click.echo(f"wrote {path}")


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("session_key", callback=_session_key)
@_render_options
@click.option("--keep-bundle", type=click.Path(file_okay=False, path_type=Path),
              help="Also keep the fetched bundle in this directory.")
@_api_options
@click.pass_context
def report(ctx: click.Context, session_key: str, keep_bundle: Path | None, output: Path | None,
           output_format: str, brand: Path | None, templates: Path | None, paper: str | None,
           strict: bool, **api: Any) -> None:
    """Fetch a PAVE session and render its condition report in one go."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="reportgen-") as scratch:
        bundle = _fetch(ctx, session_key, keep_bundle or Path(scratch) / session_key, **api)
        _render(bundle, output=output, output_format=output_format, brand=brand, templates=templates,
                paper=paper, strict=strict, default_name=session_key)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
