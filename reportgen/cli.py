"""The reportgen command line: thin click commands over the library, and its exit codes."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_CODES_HELP = "Exit codes: 0 success, 1 error (one line on stderr), 2 usage error."


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
            from .errors import ReportgenError

            if isinstance(error, ReportgenError):
                click.echo(f"reportgen: error: {_one_line(str(error))}", err=True)
            else:
                click.echo(
                    f"reportgen: internal error: {type(error).__name__}: {_one_line(str(error))} "
                    "(run with --debug for details)",
                    err=True,
                )
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
    templates: Path | None, paper: str | None, strict: bool,
) -> None:
    from .report import render_bundle

    report = render_bundle(bundle, brand=brand, templates=templates, paper=paper, strict=strict)
    for warning in report.warnings:
        click.echo(f"reportgen: warning: {_one_line(warning)}", err=True)
    target = output or Path(f"{report.session_key or 'report'}.{output_format}")
    written = report.write(target, output_format)
    click.echo(f"wrote {written}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
