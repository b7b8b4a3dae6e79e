"""The reportgen command line: thin click commands over the library, and its exit codes."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_NOT_INSPECTED = 0, 1, 2, 3, 75
EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 error (one line on stderr), 2 usage error, "
    "3 session not found, 75 session not inspected yet (try later), 130 interrupted."
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
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help="Output file, or - for stdout (default: <session key>.pdf in the current directory).",
        ),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(["pdf", "html"]),
            help="PDF, or one self-contained HTML file (default: from the -o suffix, else PDF).",
        ),
        click.option(
            "--brand",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Brand file (TOML): name, logo, colours, footer, paper.",
        ),
        click.option(
            "--templates",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder of templates that override the built-in theme's.",
        ),
        click.option(
            "--paper",
            type=click.Choice(["a4", "letter"], case_sensitive=False),
            help="Paper size (default: the brand's, else A4).",
        ),
        click.option("--strict", is_flag=True, help="Fail instead of using a placeholder when a photo is unusable."),
        click.option(
            "--rates", type=click.Path(dir_okay=False, path_type=Path), help="Rate card (TOML): adds a repair estimate."
        ),
        click.option("--pdfa", is_flag=True, help="Archival PDF/A-3b with PAVE's data and the summary embedded."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("bundle", type=click.Path(path_type=Path))
@_render_options
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report's summary (versioned JSON, see README) to this file.",
)
def render(bundle: Path, summary_json: Path | None, **options: Any) -> None:
    """Render a saved session BUNDLE directory into a condition report."""
    _render(bundle, summary_json=summary_json, **options)


@main.command(epilog=EXIT_CODES_HELP)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("demo.pdf"),
    show_default=True,
    help="Output PDF (or .html), or - for stdout.",
)
def demo(output: Path) -> None:
    """Render the bundled sample session (a 2009 BMW with 27 damages) with the sample brand."""
    from .paths import sample_brand, sample_bundle, sample_rates

    _render(
        sample_bundle(),
        output=output,
        output_format=None,
        brand=sample_brand(),
        templates=None,
        paper=None,
        strict=True,
        rates=sample_rates(),
        pdfa=False,
    )


def _render(
    bundle: Path,
    *,
    output: Path | None,
    output_format: str | None,
    brand: Path | None,
    templates: Path | None,
    paper: str | None,
    strict: bool,
    rates: Path | None,
    pdfa: bool,
    default_name: str | None = None,
    summary_json: Path | None = None,
) -> None:
    from .report import preload_pdf_engine, render_bundle

    output_format = _output_format(output, output_format, pdfa)
    if output_format == "pdf":
        preload_pdf_engine()
    report = render_bundle(bundle, brand=brand, templates=templates, paper=paper, strict=strict, rates=rates, pdfa=pdfa)
    _warn(report.warnings)
    name = default_name or report.session_key or "report"
    _write_output(report, output or Path(f"{name}.{output_format}"), output_format)
    if summary_json:
        report.write_summary(summary_json)


#: Output suffixes that say which format is meant.
_SUFFIX_FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


def _output_format(output: Path | None, output_format: str | None, pdfa: bool) -> str:
    """--format, else the -o suffix, else PDF; a contradiction is a usage error, not a guess."""
    implied = _SUFFIX_FORMATS.get(output.suffix.lower()) if output and str(output) != "-" else None
    if output_format and implied and output_format != implied:
        raise click.UsageError(f"-o {output} names a {implied.upper()} file but --format is {output_format}")
    chosen = output_format or implied or "pdf"
    if pdfa and chosen != "pdf":
        raise click.UsageError("--pdfa makes an archival PDF: it cannot be combined with HTML output")
    return chosen


def _write_output(report: Any, output: Path, output_format: str) -> Path | None:
    """Write the report to `output`, or to stdout for "-" (then stdout holds only the document)."""
    if str(output) == "-":
        data = report.pdf if output_format == "pdf" else report.html.encode("utf-8")
        stream = click.get_binary_stream("stdout")
        stream.write(data)
        stream.flush()
        return None
    written = report.write(output, output_format)
    click.echo(f"wrote {written}")
    return written


def _warn(warnings: list[str], notes: list[str] | None = None) -> None:
    for note in notes or []:
        click.echo(f"reportgen: note: {_one_line(note)}", err=True)
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
        click.option(
            "--api-secret",
            envvar="PAVE_API_SECRET",
            help="PAVE API secret, for the photo list and session record [env: PAVE_API_SECRET].",
        ),
        click.option(
            "--username",
            envvar="PAVE_USERNAME",
            help="PAVE account username, used with the secret [env: PAVE_USERNAME].",
        ),
        click.option(
            "--base-url",
            envvar="PAVE_BASE_URL",
            default="https://openapi.paveapi.com",
            show_default=True,
            help="PAVE API address [env: PAVE_BASE_URL].",
        ),
        click.option("--no-cache", is_flag=True, help="Download every photo again instead of using the cache."),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            help="Seconds the command (in a batch: each "
            "session) may take; photos not downloaded in time become placeholders (see README).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _addresses(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Checked while parsing, so a bad address stops the command before anything is fetched or sent."""
    from .errors import ConfigError
    from .mail import parse_addresses

    try:
        parse_addresses(values)
    except ConfigError as error:
        raise click.BadParameter(str(error), ctx, param) from None
    return values


def _sender(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .errors import ConfigError
    from .mail import parse_addresses

    if not value:
        return None
    try:
        found = parse_addresses([value])
    except ConfigError as error:
        raise click.BadParameter(str(error), ctx, param) from None
    if len(found) != 1:
        raise click.BadParameter(f"give one address, not {len(found)}", ctx, param)
    return value


def _check_mail(ctx: click.Context, smtp_url: str | None, sender: str | None, dry_run: bool) -> None:
    # A dry run writes the very message a real run would send, From: included: only the server is optional.
    if not dry_run and not smtp_url:
        raise click.UsageError("no SMTP server: set REPORTGEN_SMTP_URL or pass --smtp", ctx)
    if not sender:
        raise click.UsageError("no sender: set REPORTGEN_MAIL_FROM or pass --from", ctx)


def _mail_options(command: Any) -> Any:
    options = [
        click.option(
            "--smtp",
            "smtp_url",
            envvar="REPORTGEN_SMTP_URL",
            help="smtp://user:pass@host:port, smtp+starttls://… or smtps://… [env: REPORTGEN_SMTP_URL].",
        ),
        click.option(
            "--from",
            "sender",
            envvar="REPORTGEN_MAIL_FROM",
            callback=_sender,
            help="Sender address, 'Name <addr>' or 'addr' (the brand's name is used as the display "
            "name when none is given) [env: REPORTGEN_MAIL_FROM].",
        ),
        click.option(
            "--cc",
            multiple=True,
            callback=_addresses,
            help="Copy to this address (repeatable, or several separated by commas).",
        ),
        click.option(
            "--bcc",
            multiple=True,
            callback=_addresses,
            help="Blind copy to this address (repeatable, or several separated by commas).",
        ),
        click.option("--subject", help="Subject (default from templates/email/subject.txt.j2)."),
        click.option("--dry-run", is_flag=True, help="Write the message as an .eml file instead of sending it."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _deliver(
    ctx: click.Context,
    pdf: bytes,
    summary: dict[str, Any] | None,
    *,
    pdf_path: Path,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    bcc: tuple[str, ...],
    subject: str | None,
    smtp_url: str | None,
    sender: str | None,
    dry_run: bool,
    brand: Path | None,
    templates: Path | None,
    stdout_is_document: bool = False,
) -> None:
    from .brand import load_brand
    from .files import write_atomic
    from .mail import MailContext, compose, parse_smtp_url, send

    _check_mail(ctx, smtp_url, sender, dry_run)
    settings = parse_smtp_url(smtp_url) if smtp_url and not dry_run else None
    # Without a brand file the mail names no company (the sender's own name signs it, if any).
    brand_name = load_brand(brand).name if brand else ""
    mail = compose(
        pdf,
        context=MailContext.from_summary(summary, brand_name),
        sender=sender or "",
        to=to,
        cc=cc,
        bcc=bcc,
        subject=subject,
        templates=templates,
        filename=pdf_path.name,
    )
    if settings is None:
        written = write_atomic(pdf_path.with_suffix(".eml"), mail.as_bytes())
        click.echo(f"wrote {written} (not sent)", err=stdout_is_document)
        return
    send(mail, settings)
    # After `-o -` stdout holds the PDF alone; what happened to the mail is said on stderr.
    click.echo(f"sent to {', '.join(mail.recipients)}", err=stdout_is_document)


def _fetch(
    ctx: click.Context,
    session_key: str,
    directory: Path,
    api_key: str | None,
    api_secret: str | None,
    username: str | None,
    base_url: str,
    no_cache: bool,
    timeout: float | None,
) -> Path:
    started = time.monotonic()  # --timeout counts from here, imports included
    if not api_key:
        raise click.UsageError("no PAVE API key: set PAVE_API_KEY or pass --api-key", ctx)
    from .download import ImageCache
    from .fetch import fetch_bundle
    from .pave import Credentials

    result = fetch_bundle(
        session_key,
        directory,
        credentials=Credentials(api_key, api_secret or None, username or None),
        base_url=base_url,
        cache=None if no_cache else ImageCache.default(),
        deadline=started + timeout if timeout is not None else None,
    )
    _warn(result.warnings, result.notes)
    return result.path


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("session_key", callback=_session_key)
@click.option(
    "-d",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Bundle directory to write (default: ./<SESSION_KEY>/).",
)
@_api_options
@click.pass_context
def fetch(ctx: click.Context, session_key: str, directory: Path | None, **api: Any) -> None:
    """Save a PAVE session (results, photo list, session record, photos) as a bundle directory."""
    path = _fetch(ctx, session_key, directory or Path(session_key), **api)
    click.echo(f"wrote {path}")


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("session_key", callback=_session_key)
@_render_options
@click.option(
    "--keep-bundle",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also keep the fetched bundle in this directory.",
)
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report's summary (versioned JSON, see README) to this file.",
)
@_api_options
@click.option(
    "--email-to",
    multiple=True,
    callback=_addresses,
    help="Email the PDF to this address (repeatable, or several separated by commas).",
)
@_mail_options
@click.pass_context
def report(
    ctx: click.Context,
    session_key: str,
    keep_bundle: Path | None,
    summary_json: Path | None,
    output: Path | None,
    output_format: str | None,
    brand: Path | None,
    templates: Path | None,
    paper: str | None,
    strict: bool,
    rates: Path | None,
    pdfa: bool,
    api_key: str | None,
    api_secret: str | None,
    username: str | None,
    base_url: str,
    no_cache: bool,
    timeout: float | None,
    email_to: tuple[str, ...],
    **mail: Any,
) -> None:
    """Fetch a PAVE session and render its condition report in one go."""
    if not api_key:
        raise click.UsageError("no PAVE API key: set PAVE_API_KEY or pass --api-key", ctx)
    started = time.monotonic()  # --timeout counts from here
    output_format = _output_format(output, output_format, pdfa)
    if email_to and output_format != "pdf":
        raise click.UsageError("--email-to sends the PDF: drop --format html", ctx)
    if email_to:
        _check_mail(ctx, mail["smtp_url"], mail["sender"], mail["dry_run"])
    from .errors import ReportgenError
    from .report import generate_report, preload_pdf_engine
    from .timelimit import TimeLimitExceeded, time_limit

    if output_format == "pdf":
        preload_pdf_engine()
    try:
        # The limit covers fetching and laying out; writing the finished document is not cut short,
        # so a timed-out command leaves nothing behind and a written file is always whole.
        with time_limit(timeout, started):
            result = generate_report(
                session_key,
                api_key=api_key,
                api_secret=api_secret,
                username=username,
                base_url=base_url,
                brand=brand,
                templates=templates,
                paper=paper,
                strict=strict,
                rates=rates,
                pdfa=pdfa,
                cache=not no_cache,
                keep_bundle=keep_bundle,
                deadline=started + timeout if timeout is not None else None,
            )
            result.pdf if output_format == "pdf" else result.html  # noqa: B018 (lay out within the limit)
    except TimeLimitExceeded as error:
        raise ReportgenError(str(error), session_key=session_key) from None
    _warn(result.warnings, result.notes)
    written = _write_output(result, output or Path(f"{session_key}.{output_format}"), output_format)
    if summary_json:
        result.write_summary(summary_json)
    if email_to:
        _deliver(
            ctx,
            result.pdf,
            result.summary,
            pdf_path=written or Path(f"{session_key}.pdf"),
            to=email_to,
            brand=brand,
            templates=templates,
            stdout_is_document=written is None,
            **mail,
        )


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--to",
    "to",
    multiple=True,
    required=True,
    callback=_addresses,
    help="Recipient address (repeatable, or several separated by commas).",
)
@_mail_options
@click.option(
    "--summary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The report's summary JSON (default: <PDF name>.json beside it, when present).",
)
@click.option("--brand", type=click.Path(dir_okay=False, path_type=Path), help="Brand file, for the sender's name.")
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Template override folder.")
@click.pass_context
def email(ctx: click.Context, pdf: Path, to: tuple[str, ...], summary: Path | None, **mail: Any) -> None:
    """Email a condition report PDF, with a text and an HTML message."""
    from .mail import load_summary

    _check_mail(ctx, mail["smtp_url"], mail["sender"], mail["dry_run"])
    data = pdf.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise click.BadParameter(f"{pdf} is not a PDF file", ctx, param_hint="PDF")
    # render --summary-json and batch write <name>.json beside <name>.pdf; one that is there but
    # unusable is an error, so a customer never gets the generic message by accident.
    summary_path = summary or pdf.with_suffix(".json")
    summary_data = load_summary(summary_path) if summary or summary_path.exists() else None
    _deliver(ctx, data, summary_data, pdf_path=pdf, to=to, **mail)


@main.command(epilog="Exit codes: 0 every session written or already there, 1 any failed, 2 usage error.")
@click.argument("keys_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-d",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where <KEY>.pdf files and batch-summary.json go.",
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes (default: one per core).")
@click.option("--force", is_flag=True, help="Render again sessions whose PDF already exists.")
@click.option("--brand", type=click.Path(dir_okay=False, path_type=Path), help="Brand file (TOML).")
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Template override folder.")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), help="Paper size.")
@click.option("--strict", is_flag=True, help="Fail a session instead of using photo placeholders.")
@click.option("--rates", type=click.Path(dir_okay=False, path_type=Path), help="Rate card (TOML): adds an estimate.")
@click.option("--pdfa", is_flag=True, help="Archival PDF/A-3b with PAVE's data embedded.")
@_api_options
@click.pass_context
def batch(
    ctx: click.Context,
    keys_file: Path,
    directory: Path,
    jobs: int | None,
    force: bool,
    brand: Path | None,
    templates: Path | None,
    paper: str | None,
    strict: bool,
    rates: Path | None,
    pdfa: bool,
    api_key: str | None,
    api_secret: str | None,
    username: str | None,
    base_url: str,
    no_cache: bool,
    timeout: float | None,
) -> None:
    """Render every session key in KEYS_FILE (one per line, # comments allowed)."""
    if not api_key:
        raise click.UsageError("no PAVE API key: set PAVE_API_KEY or pass --api-key", ctx)
    from .batch import read_keys, run_batch
    from .brand import load_brand
    from .estimate import load_rate_card

    keys = read_keys(keys_file)
    options = {
        "api_key": api_key,
        "api_secret": api_secret,
        "username": username,
        "base_url": base_url,
        # Parsed once here so a bad brand file is one usage-time error, not one per session.
        "brand": load_brand(brand) if brand else None,
        "templates": templates,
        "paper": paper,
        "strict": strict,
        "cache": not no_cache,
        "pdfa": pdfa,
        "timeout": timeout,
        "rates": load_rate_card(rates) if rates else None,
    }
    with _BatchProgress(len(keys)) as progress:
        try:
            results = run_batch(
                keys,
                directory,
                jobs=jobs,
                force=force,
                options=options,
                on_result=progress.update,
                on_warning=progress.warn,
                on_interrupt=progress.interrupted,
            )
        except KeyboardInterrupt:
            progress.say(
                "reportgen: batch interrupted; reports finished so far were kept and are listed "
                f"in {directory / 'batch-summary.json'}"
            )
            ctx.exit(130)
    counts = {status: sum(1 for r in results if r.status == status) for status in ("written", "skipped", "failed")}
    with_warnings = sum(1 for r in results if r.warnings)
    click.echo(
        f"batch: {counts['written']} written, {counts['skipped']} skipped, {counts['failed']} failed, "
        f"{with_warnings} with warnings (summary in {directory / 'batch-summary.json'})"
    )
    if counts["failed"]:
        ctx.exit(EXIT_ERROR)


class _BatchProgress:
    """A live bar on a terminal (done, failed, rate, ETA); one plain line per session otherwise.

    Either way each warning of a session is one line on stderr, prefixed with its key.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.failed = 0
        self.rendered = 0
        self.live = sys.stderr.isatty()
        self._progress: Any = None

    def __enter__(self) -> _BatchProgress:
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("[bold]reports"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed · {task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total, failed=0, rate="–")
            self._started = time.monotonic()
        return self

    def say(self, line: str) -> None:
        """One line on stderr, above the bar when there is one (rich keeps the bar below it)."""
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(line, err=True)

    def warn(self, message: str) -> None:
        self.say(f"reportgen: warning: {_one_line(message)}")

    def interrupted(self, running: list[str]) -> None:
        finishing = (
            (f"; finishing {len(running)} running ({', '.join(running)}), press Ctrl-C again to stop them")
            if running
            else ""
        )
        self.say(f"reportgen: interrupted: no new session starts{finishing}")

    def update(self, result: Any) -> None:
        if not result.ok:
            self.failed += 1
        if result.status != "skipped":
            self.rendered += 1
        if self._progress is not None:
            # Skipped sessions cost nothing: the rate counts sessions actually tried.
            rate = self.rendered / max(time.monotonic() - self._started, 1e-6)
            self._progress.update(
                self._task, advance=1, failed=self.failed, rate=f"{rate:.2f}/s" if self.rendered else "–"
            )
            if not result.ok:
                self.say(f"{result.session_key}: {result.error}")
        else:
            detail = (
                f": {result.error}"
                if result.error
                else f" ({result.seconds:.1f} s)"
                if result.status == "written"
                else f" ({len(result.warnings)} warning{'s' if len(result.warnings) > 1 else ''} when written)"
                if result.warnings
                else ""
            )
            click.echo(f"{result.session_key}: {result.status}{detail}", err=True)
        # Warnings of a skipped session were shown when it was written; its summary keeps them.
        if result.status == "written":
            for warning in result.warnings:
                self.warn(f"{result.session_key}: {warning}")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
