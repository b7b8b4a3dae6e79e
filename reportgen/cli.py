"""The reportgen command line: thin click commands over the library, and its exit codes."""

from __future__ import annotations

import functools
import gc
import logging
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._console import LibraryWarnings, one_line, say_problems
from .brand import Brand
from .i18n import LANGUAGES
from .options import RenderOptions
from .signing import PASSWORD_ENV
from .termination import Terminated, sigterm_raises

if TYPE_CHECKING:
    from .compare import ComparisonReport
    from .report import Report
    from .service.config import ServiceConfig

__all__ = ["EXIT_CODES_HELP", "ExitCode", "main", "run"]


class ExitCode(IntEnum):
    """The documented exit codes besides 0 (success) and 2 (usage error, click's own)."""

    ERROR = 1
    NOT_FOUND = 3
    NOT_INSPECTED = 75
    INTERRUPTED = 130
    TERMINATED = 143


EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 error (one line on stderr), 2 usage error, "
    "3 session not found, 75 session not inspected yet (try later), 130 interrupted (Ctrl-C), "
    "143 terminated (SIGTERM)."
)


class _Commands(click.Group):
    """Turns every failure into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Terminated:
            click.echo("reportgen: terminated", err=True)
            ctx.exit(ExitCode.TERMINATED)
        except KeyboardInterrupt:
            click.echo("reportgen: interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as error:
            if ctx.find_root().params.get("debug"):
                raise
            from .errors import (
                InvalidSessionKeyError,
                NotInspectedError,
                ReportgenError,
                SameSessionError,
                SessionNotFoundError,
            )

            if isinstance(error, (InvalidSessionKeyError, SameSessionError)):
                raise click.UsageError(str(error), ctx) from None
            if isinstance(error, ReportgenError):
                click.echo(f"reportgen: error: {one_line(str(error))}", err=True)
            else:
                click.echo(
                    f"reportgen: internal error: {type(error).__name__}: {one_line(str(error))} "
                    "(run with --debug for details)",
                    err=True,
                )
            if isinstance(error, SessionNotFoundError):
                ctx.exit(ExitCode.NOT_FOUND)
            if isinstance(error, NotInspectedError):
                ctx.exit(ExitCode.NOT_INSPECTED)
            ctx.exit(ExitCode.ERROR)


class _RequiredOption(click.Option):
    """A required option whose error says how to give it, in one line: `missing`."""

    def __init__(self, *args: Any, missing: str, **kwargs: Any) -> None:
        super().__init__(*args, required=True, **kwargs)
        self.missing = missing

    def process_value(self, ctx: click.Context, value: Any) -> Any:
        try:
            return super().process_value(ctx, value)
        except click.MissingParameter:
            raise click.UsageError(self.missing, ctx) from None


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
    elif click.get_current_context().invoked_subcommand not in _SERVICE_COMMANDS:
        # The library's own warnings (a photo process lost, an untrusted temporary folder) read as
        # the command's: one line each, not Python's bare last-resort output. Once per process.
        logger = logging.getLogger("reportgen")
        if not any(isinstance(handler, LibraryWarnings) for handler in logger.handlers):
            logger.addHandler(LibraryWarnings())


# ---- options, each declared once --------------------------------------------------------------

_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _options(*decorators: _Decorator) -> _Decorator:
    """Several click options as one decorator; --help lists them in this order."""

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


_FILE = click.Path(dir_okay=False, path_type=Path)
_FOLDER = click.Path(file_okay=False, path_type=Path)

_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Output file, or - for stdout (default: <session key>.pdf in the current directory).",
)
_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["pdf", "html"]),
    help="PDF, or one self-contained HTML file (default: from the -o suffix, else PDF).",
)
_SUMMARY_JSON = click.option(
    "--summary-json",
    type=_FILE,
    help="Also write the report's summary (versioned JSON, see README) to this file.",
)
_BRAND = click.option("--brand", type=_FILE, help="Brand file (TOML): name, logo, colours, footer, paper.")
_TEMPLATES = click.option("--templates", type=_FOLDER, help="Folder of templates that override the built-in theme's.")
_PAPER = click.option(
    "--paper",
    type=click.Choice(["a4", "letter"], case_sensitive=False),
    help="Paper size (default: the brand's, else A4).",
)
_STRICT = click.option("--strict", is_flag=True, help="Fail instead of using a placeholder when a photo is unusable.")
_RATES = click.option("--rates", type=_FILE, help="Rate card (TOML): adds a repair estimate.")
_PDFA = click.option("--pdfa", is_flag=True, help="Archival PDF/A-3b with PAVE's data and the summary embedded.")
_LANG = click.option(
    "--lang",
    type=click.Choice(list(LANGUAGES), case_sensitive=False),
    help="The customer's language of the report (default: the brand's, else en).",
)
_PDFUA = click.option(
    "--pdfua/--no-pdfua",
    default=None,
    help="Tagged, accessible PDF/UA-1 (with --pdfa: both). Default: on, unless the brand file says pdfua = false.",
)
_JOBS = click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    help="Processes: for batch, sessions at once (default: one per core); for one PDF, layout processes "
    "(default: one per core; 1 lays it out in one process).",
)


_RENDER_OPTION_NAMES = ("brand", "templates", "paper", "strict", "rates", "pdfa", "pdfua", "lang", "jobs")


def _render_options(command: Callable[..., None]) -> Callable[..., None]:
    """--brand, --templates, --paper, --strict, --rates, --pdfa, --pdfua, --lang and --jobs, as `options`.

    The brand file, rate card and templates folder are read and checked once, before the command
    does anything (a batch does not fail every session for one typo).
    """

    @functools.wraps(command)
    def with_options(*args: Any, **kwargs: Any) -> None:
        # The options' parameter names are RenderOptions.load's keywords.
        loaded = {name: kwargs.pop(name) for name in _RENDER_OPTION_NAMES}
        command(*args, options=RenderOptions.load(**loaded), **kwargs)

    return _options(_BRAND, _TEMPLATES, _PAPER, _STRICT, _RATES, _PDFA, _PDFUA, _LANG, _JOBS)(with_options)


def _signing_options(command: Callable[..., None]) -> Callable[..., None]:
    """--sign FILE.p12 and --tsa URL: the key goes into `options` (its brand's signing key), read once.

    The password comes from REPORTGEN_SIGN_PASSWORD or a hidden prompt, never from an argument.
    Place it below _render_options, which hands it `options`.
    """

    @functools.wraps(command)
    def with_signing(*args: Any, options: RenderOptions, sign: Path | None, tsa: str | None, **kwargs: Any) -> None:
        import dataclasses
        import os

        from .signing import load_signing_key

        if sign is None and tsa is None:
            command(*args, options=options, **kwargs)
            return
        output, chosen = kwargs.get("output"), kwargs.get("output_format")
        if chosen == "html" or output and _SUFFIX_FORMATS.get(output.suffix.lower()) == "html":
            raise click.UsageError("--sign signs a PDF: it cannot be combined with HTML output")
        if tsa is not None and not tsa.lower().startswith(("http://", "https://")):
            raise click.UsageError(f"--tsa {tsa[:80]!r}: expected an http(s) address")
        key = options.brand.signing
        if sign is not None:
            password = os.environ.get(PASSWORD_ENV)
            if password is None:
                if not sys.stdin.isatty():
                    raise click.UsageError(f"--sign needs the key's password: set {PASSWORD_ENV} or run on a terminal")
                password = click.prompt(f"Password for {sign}", hide_input=True, err=True)
            key = load_signing_key(sign, password, timestamp_url=tsa)
        elif key is None:
            raise click.UsageError("--tsa timestamps a signature: give --sign FILE.p12 (or a brand with signing_key)")
        else:
            key = dataclasses.replace(key, timestamp_url=tsa)
        brand = dataclasses.replace(options.brand, signing=key)
        command(*args, options=dataclasses.replace(options, brand=brand, pdfa=True), **kwargs)

    return _options(
        click.option(
            "--sign",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help=f"Sign the PDF (PAdES; makes it PDF/A) with this PKCS#12 key; password from {PASSWORD_ENV} "
            "or a prompt.",
        ),
        click.option("--tsa", metavar="URL", help="RFC 3161 timestamp authority for the signature (PAdES B-T)."),
    )(with_signing)


_NO_API_KEY = "no PAVE API key: set PAVE_API_KEY or pass --api-key"


@dataclass(frozen=True)
class _Pave:
    """The PAVE account and download settings of fetch, report and batch."""

    api_key: str
    api_secret: str | None
    username: str | None
    base_url: str
    cache: bool
    timeout: float | None


def _pave_options(command: Callable[..., None], *, required: bool = True) -> Callable[..., None]:
    """--api-key (required), --api-secret, --username, --base-url, --no-cache and --timeout, as `pave`.

    With required=False (compare, whose inputs may all be bundles) --api-key may be left out: the
    command then says it is missing only when a session key needs fetching.
    """

    @functools.wraps(command)
    def with_pave(
        *args: Any,
        api_key: str | None,
        api_secret: str | None,
        username: str | None,
        base_url: str,
        no_cache: bool,
        timeout: float | None,
        **kwargs: Any,
    ) -> None:
        pave = _Pave(api_key or "", api_secret or None, username or None, base_url, not no_cache, timeout)
        command(*args, pave=pave, **kwargs)

    return _options(
        click.option(
            "--api-key",
            envvar="PAVE_API_KEY",
            cls=_RequiredOption,
            missing=_NO_API_KEY,
            help="PAVE API key [env: PAVE_API_KEY].",
        )
        if required
        else click.option(
            "--api-key", envvar="PAVE_API_KEY", help="PAVE API key, for session keys [env: PAVE_API_KEY]."
        ),
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
    )(with_pave)


def _session_key(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from .models import is_valid_session_key

    if not is_valid_session_key(value):
        raise click.BadParameter("expected letters, digits and hyphens (at most 64 characters)")
    return value


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


_MAIL_OPTIONS = _options(
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
)


# ---- commands -------------------------------------------------------------------------------------


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("bundle", type=click.Path(path_type=Path))
@_options(_OUTPUT, _FORMAT)
@_render_options
@_signing_options
@_SUMMARY_JSON
def render(
    bundle: Path, output: Path | None, output_format: str | None, summary_json: Path | None, options: RenderOptions
) -> None:
    """Render a saved session BUNDLE directory into a condition report."""
    _render(bundle, options, output=output, output_format=output_format, summary_json=summary_json)


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

    options = RenderOptions.load(brand=sample_brand(), strict=True, rates=sample_rates())
    _render(sample_bundle(), options, output=output, output_format=None)


def _render(
    bundle: Path,
    options: RenderOptions,
    *,
    output: Path | None,
    output_format: str | None,
    summary_json: Path | None = None,
) -> None:
    from .report import render_bundle

    output_format = _output_format(output, output_format, options.pdfa)
    with _start_document(options, output_format):
        report = render_bundle(bundle, options)
    say_problems(report.warnings)
    _write_output(report, output or Path(f"{report.session_key or 'report'}.{output_format}"), output_format)
    if summary_json:
        report.write_summary(summary_json)


def _start_document(options: RenderOptions, output_format: str) -> ExitStack:
    """Fork the photo processes, then start importing WeasyPrint if a PDF is wanted; close it once the photos are done.

    In that order: forking is safe only before the import thread starts (imaging.photo_processes).
    """
    from .imaging import photo_processes
    from .report import preload_pdf_engine

    photos = ExitStack()
    photos.enter_context(photo_processes(options.layout_jobs))
    if output_format == "pdf":
        preload_pdf_engine()
    return photos


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


def _write_output(report: Report | ComparisonReport, output: Path, output_format: str) -> Path | None:
    """Write the report to `output`, or to stdout for "-" (then stdout holds only the document)."""
    if str(output) == "-":
        data = report.pdf if output_format == "pdf" else report.html.encode("utf-8")
        click.echo(data, nl=False)  # bytes go to stdout's binary buffer, flushed
        return None
    written = report.write(output, output_format)
    click.echo(f"wrote {written}")
    return written


def _check_mail(ctx: click.Context, smtp_url: str | None, sender: str | None, dry_run: bool) -> None:
    # A dry run writes the very message a real run would send, From: included: only the server is optional.
    if not dry_run and not smtp_url:
        raise click.UsageError("no SMTP server: set REPORTGEN_SMTP_URL or pass --smtp", ctx)
    if not sender:
        raise click.UsageError("no sender: set REPORTGEN_MAIL_FROM or pass --from", ctx)


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
    brand: Brand,
    templates: Path | None,
    stdout_is_document: bool = False,
    lang: str | None = None,
) -> None:
    from .files import write_atomic
    from .mail import MailContext, compose, parse_smtp_url, send

    _check_mail(ctx, smtp_url, sender, dry_run)
    settings = parse_smtp_url(smtp_url) if smtp_url and not dry_run else None
    # Without a brand file the mail names no company (the sender's own name signs it, if any).
    mail = compose(
        pdf,
        context=replace(MailContext.from_summary(summary, brand.name), lang=lang or brand.lang),
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


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("session_key", callback=_session_key)
@click.option(
    "-d",
    "--directory",
    type=_FOLDER,
    help="Bundle directory to write (default: ./<SESSION_KEY>/).",
)
@_pave_options
def fetch(session_key: str, directory: Path | None, pave: _Pave) -> None:
    """Save a PAVE session (results, photo list, session record, photos) as a bundle directory."""
    started = time.monotonic()  # --timeout counts from here
    from .download import ImageCache
    from .fetch import fetch_bundle
    from .pave import Credentials

    result = fetch_bundle(
        session_key,
        directory or Path(session_key),
        credentials=Credentials(pave.api_key, pave.api_secret, pave.username),
        base_url=pave.base_url,
        cache=ImageCache.default() if pave.cache else None,
        deadline=started + pave.timeout if pave.timeout is not None else None,
    )
    say_problems(result.warnings, result.notes)
    click.echo(f"wrote {result.path}")


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("session_key", callback=_session_key)
@_options(_OUTPUT, _FORMAT)
@_render_options
@_signing_options
@click.option(
    "--keep-bundle",
    type=_FOLDER,
    help="Also keep the fetched bundle in this directory.",
)
@_SUMMARY_JSON
@_pave_options
@click.option(
    "--email-to",
    multiple=True,
    callback=_addresses,
    help="Email the PDF to this address (repeatable, or several separated by commas).",
)
@_MAIL_OPTIONS
@click.pass_context
def report(
    ctx: click.Context,
    /,
    session_key: str,
    output: Path | None,
    output_format: str | None,
    options: RenderOptions,
    keep_bundle: Path | None,
    summary_json: Path | None,
    pave: _Pave,
    email_to: tuple[str, ...],
    **mail: Any,
) -> None:
    """Fetch a PAVE session and render its condition report in one go."""
    started = time.monotonic()  # --timeout counts from here
    output_format = _output_format(output, output_format, options.pdfa)
    if email_to and output_format != "pdf":
        raise click.UsageError("--email-to sends the PDF: drop --format html", ctx)
    if email_to:
        _check_mail(ctx, mail["smtp_url"], mail["sender"], mail["dry_run"])
    from .errors import ReportgenError
    from .report import generate_report
    from .timelimit import TimeLimitExceeded, time_limit

    photos = _start_document(options, output_format)
    try:
        # The limit covers fetching and laying out; writing the finished document is not cut short,
        # so a timed-out command leaves nothing behind and a written file is always whole.
        with photos, time_limit(pave.timeout, started):
            result = generate_report(
                session_key,
                options,
                api_key=pave.api_key,
                api_secret=pave.api_secret,
                username=pave.username,
                base_url=pave.base_url,
                cache=pave.cache,
                keep_bundle=keep_bundle,
                deadline=started + pave.timeout if pave.timeout is not None else None,
            )
            photos.close()  # the photos are done: their processes end before the layout's start
            result.pdf if output_format == "pdf" else result.html  # noqa: B018 (lay out within the limit)
    except TimeLimitExceeded as error:
        raise ReportgenError(str(error), session_key=session_key) from None
    say_problems(result.warnings, result.notes)
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
            brand=options.brand,
            templates=options.templates,
            lang=options.lang,
            stdout_is_document=written is None,
            **mail,
        )


def _inspection(ctx: click.Context, param: click.Parameter, value: str) -> Path | str:
    """An existing directory is a bundle; anything else must be a session key to fetch."""
    from .models import is_valid_session_key

    if Path(value).is_dir():
        return Path(value)
    if not is_valid_session_key(value):
        raise click.BadParameter(
            "not a bundle directory, nor a session key (letters, digits and hyphens, at most 64 characters)",
            ctx,
            param,
        )
    return value


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("before", callback=_inspection)
@click.argument("after", callback=_inspection)
@_options(_OUTPUT, _FORMAT)
@_render_options
@_SUMMARY_JSON
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0, min_open=True, max=100),
    default=None,
    help="How far apart, in percent of the photo, two damages may be and still be the same one (default 5).",
)
@functools.partial(_pave_options, required=False)
def compare(
    before: Path | str,
    after: Path | str,
    output: Path | None,
    output_format: str | None,
    options: RenderOptions,
    summary_json: Path | None,
    tolerance: float | None,
    pave: _Pave,
) -> None:
    """Compare two inspections of one vehicle: what is new, worsened, unchanged or repaired.

    BEFORE and AFTER are each a bundle directory or a PAVE session key.
    """
    started = time.monotonic()
    from .compare import compare_inputs
    from .errors import ReportgenError
    from .matching import DEFAULT_TOLERANCE
    from .timelimit import TimeLimitExceeded, time_limit

    output_format = _output_format(output, output_format, options.pdfa)
    if not pave.api_key and not (isinstance(before, Path) and isinstance(after, Path)):
        raise click.UsageError(_NO_API_KEY)
    photos = _start_document(options, output_format)
    try:
        with photos, time_limit(pave.timeout, started):
            result = compare_inputs(
                before,
                after,
                options,
                api_key=pave.api_key,
                api_secret=pave.api_secret,
                username=pave.username,
                base_url=pave.base_url,
                cache=pave.cache,
                timeout=pave.timeout,
                tolerance=tolerance if tolerance is not None else DEFAULT_TOLERANCE,
            )
            photos.close()  # the photos are done: their processes end before the layout's start
            result.pdf if output_format == "pdf" else result.html  # noqa: B018 (lay out within the limit)
    except TimeLimitExceeded as error:
        raise ReportgenError(str(error)) from None
    say_problems(result.warnings)
    default = Path(f"{result.before_key or _name(before)}-vs-{result.after_key or _name(after)}.{output_format}")
    _write_output(result, output or default, output_format)
    if summary_json:
        result.write_summary(summary_json)


def _name(source: Path | str) -> str:
    return source.resolve().name if isinstance(source, Path) else source


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
@_MAIL_OPTIONS
@click.option(
    "--summary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The report's summary JSON (default: <PDF name>.json beside it, when present).",
)
@click.option("--brand", type=_FILE, help="Brand file, for the sender's name.")
@click.option("--templates", type=_FOLDER, help="Template override folder.")
@_LANG
@click.pass_context
def email(
    ctx: click.Context,
    /,
    pdf: Path,
    to: tuple[str, ...],
    summary: Path | None,
    brand: Path | None,
    templates: Path | None,
    lang: str | None,
    **mail: Any,
) -> None:
    """Email a condition report PDF, with a text and an HTML message."""
    from .brand import load_brand
    from .mail import load_summary

    _check_mail(ctx, mail["smtp_url"], mail["sender"], mail["dry_run"])
    data = pdf.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise click.BadParameter(f"{pdf} is not a PDF file", ctx, param_hint="PDF")
    # render --summary-json and batch write <name>.json beside <name>.pdf; one that is there but
    # unusable is an error, so a customer never gets the generic message by accident.
    summary_path = summary or pdf.with_suffix(".json")
    summary_data = load_summary(summary_path) if summary or summary_path.exists() else None
    loaded = load_brand(brand) if brand else Brand()
    _deliver(ctx, data, summary_data, pdf_path=pdf, to=to, brand=loaded, templates=templates, lang=lang, **mail)


@main.command(epilog="Exit codes: 0 every session written or already there, 1 any failed, 2 usage error.")
@click.argument("keys_file", type=_FILE)
@click.option(
    "-d",
    "--directory",
    type=_FOLDER,
    default=Path("."),
    show_default=True,
    help="Where <KEY>.pdf files and batch-summary.json go.",
)
@click.option("--force", is_flag=True, help="Render again sessions whose PDF already exists.")
@_render_options
@_signing_options
@_pave_options
@click.pass_context
def batch(
    ctx: click.Context,
    /,
    keys_file: Path,
    directory: Path,
    force: bool,
    options: RenderOptions,
    pave: _Pave,
) -> None:
    """Render every session key in KEYS_FILE (one per line, # comments allowed)."""
    from ._console import BatchProgress
    from .batch import BatchStatus, read_keys, run_batch

    keys = read_keys(keys_file)
    with BatchProgress(len(keys)) as progress:
        try:
            results = run_batch(
                keys,
                directory,
                options,
                api_key=pave.api_key,
                api_secret=pave.api_secret,
                username=pave.username,
                base_url=pave.base_url,
                cache=pave.cache,
                timeout=pave.timeout,
                jobs=options.jobs,
                force=force,
                on_result=progress.update,
                on_warning=progress.warn,
                on_interrupt=progress.interrupted,
            )
        except KeyboardInterrupt as stop:
            terminated = isinstance(stop, Terminated)
            progress.say(
                f"reportgen: batch {'terminated' if terminated else 'interrupted'}; reports finished so far "
                f"were kept and are listed in {directory / 'batch-summary.json'}"
            )
            ctx.exit(ExitCode.TERMINATED if terminated else ExitCode.INTERRUPTED)
    counts = {status: sum(1 for r in results if r.status is status) for status in BatchStatus}
    with_warnings = sum(1 for r in results if r.warnings)
    click.echo(
        f"batch: {counts[BatchStatus.WRITTEN]} written, {counts[BatchStatus.SKIPPED]} skipped, "
        f"{counts[BatchStatus.FAILED]} failed, {with_warnings} with warnings "
        f"(summary in {directory / 'batch-summary.json'})"
    )
    if counts[BatchStatus.FAILED]:
        ctx.exit(ExitCode.ERROR)


@main.command(
    epilog="Exit codes: 0 signed, unchanged since signing and the record matches; 1 anything else "
    "(the reasons on stderr); 2 usage error."
)
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--bundle",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also check this session bundle (its photos as downloaded, PAVE's bodies) against the report's record.",
)
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CA certificate (PEM or DER) the signer's certificate must chain to (repeatable).",
)
@click.pass_context
def verify(ctx: click.Context, /, pdf: Path, bundle: Path | None, trust: tuple[Path, ...]) -> None:
    """Check a signed report: who signed it and when, whether it is unchanged, whether its record matches."""
    from .signing import load_trust_roots
    from .verify import verify_pdf

    data = pdf.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise click.BadParameter(f"{pdf} is not a PDF file", ctx, param_hint="PDF")
    result = verify_pdf(data, bundle=bundle, trust_roots=load_trust_roots(trust))
    signature = result.signature
    if signature.signed:
        click.echo(f"signed by: {signature.signer or 'unknown'}")
        if signature.signed_at:
            click.echo(f"signed at: {_moment(signature.signed_at)} (the signer's clock)")
        stamped = _moment(signature.timestamped_at) if signature.timestamped_at else "none (PAdES B-B; --tsa adds one)"
        click.echo(f"timestamp: {stamped}" + (" (timestamp authority)" if signature.timestamped_at else ""))
        click.echo(f"intact since signing: {'yes' if signature.intact and signature.whole_file else 'NO'}")
        if signature.trusted is None:
            click.echo("certificate: not checked against a trusted root (give --trust CA.pem)")
        else:
            click.echo(f"certificate: {'chains to a trusted root' if signature.trusted else 'NOT trusted'}")
    else:
        click.echo("signed by: nobody (the PDF carries no signature)")
    if result.manifest is not None:
        photos = result.manifest["photos"]
        click.echo(
            f"record: {result.digest} for session {result.manifest.get('session_key') or 'unknown'} "
            f"({len(result.manifest['pave_responses'])} PAVE responses, {len(photos)} photos as downloaded): "
            + ("matches the data in the PDF" if not result.record_problems else "DOES NOT match")
        )
    if result.bundle_problems is not None:
        click.echo(f"bundle {bundle}: " + ("matches the record" if not result.bundle_problems else "DOES NOT match"))
    if not result.holds:
        reasons = [*signature.problems, *result.record_problems, *(result.bundle_problems or ())]
        # One line on stderr, as for every error; each reason after the first follows a semicolon.
        click.echo(f"reportgen: error: {'; '.join(one_line(reason) for reason in reasons)}", err=True)
        ctx.exit(ExitCode.ERROR)
    click.echo("verified")


def _moment(value: Any) -> str:
    from datetime import UTC

    return str(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))


_SERVICE_OPTIONS = (
    click.option(
        "--config",
        "config_file",
        type=_FILE,
        envvar="REPORTGEN_CONFIG",
        help="The service's TOML configuration (environment variables win over it).",
    ),
    click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the embedded queue, job records and reports live (default: the user data folder).",
    ),
    click.option("--workers", type=click.IntRange(0, 64), help="Render worker processes (0: API only)."),
)


def _service_logging() -> None:
    # A service says what it does on stderr (a journal keeps it); never a secret, never a traceback
    # unless --debug.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("reportgen: %(levelname)s: %(message)s"))
    logger = logging.getLogger("reportgen.service")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


@main.command(epilog="Exit codes: 0 stopped (or --check passed), 1 configuration error, 2 usage error.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@_options(*_SERVICE_OPTIONS)
@click.option("--check", is_flag=True, help="Check the configuration, print it (no secret), and exit.")
def serve(
    host: str, port: int, config_file: Path | None, data_dir: Path | None, workers: int | None, check: bool
) -> None:
    """Run the HTTP API and render workers on an embedded durable queue (README: "Run it as a service")."""
    from .service.config import load_config

    config = load_config(config_file, data_dir=data_dir, workers=workers)
    config.require(api=True)
    if check:
        _check_service(config)
        for line in config.describe():
            click.echo(line)
        click.echo("configuration OK")
        return
    from .service.server import serve as run_server

    _service_logging()
    run_server(
        config,
        host=host,
        port=port,
        ready=lambda: click.echo(f"reportgen: serving on http://{host}:{port} with {config.workers} workers", err=True),
    )


@main.command(epilog="Exit codes: 0 stopped, 1 configuration error, 2 usage error.")
@_options(*_SERVICE_OPTIONS)
def worker(config_file: Path | None, data_dir: Path | None, workers: int | None) -> None:
    """Run render workers only, for another machine sharing the queue (Redis) and storage."""
    from .service.config import load_config
    from .service.server import work

    config = load_config(config_file, data_dir=data_dir, workers=workers)
    config.require(api=False)
    if config.queue_url.startswith("sqlite"):
        click.echo(
            "reportgen: note: the queue is the embedded SQLite file; only workers on this machine can share it",
            err=True,
        )
    _service_logging()
    work(config)


def _check_service(config: ServiceConfig) -> None:
    from .errors import ConfigError
    from .files import ensure_directory
    from .service.queue import JobQueue, open_job_store
    from .service.storage import open_storage

    ensure_directory(config.data_dir)
    checks: list[tuple[str, Callable[[], None]]] = [
        ("queue", lambda: JobQueue(config).check()),
        ("job store", lambda: open_job_store(config.queue_url, config.data_dir).check()),
        ("storage", lambda: open_storage(config.storage_url).check()),
    ]
    for name, check in checks:
        try:
            check()
        except ConfigError:
            raise
        except Exception as error:  # noqa: BLE001 (named in one line: which part cannot be reached)
            raise ConfigError(f"{name} cannot be used: {type(error).__name__}: {one_line(str(error))[:200]}") from None


#: The commands that make one document and exit.
_ONE_DOCUMENT = frozenset({"render", "report", "compare", "demo"})
#: Commands that run a service: they stop gracefully on SIGTERM by themselves (uvicorn, Huey's
#: consumer) and log on their own.
_SERVICE_COMMANDS = frozenset({"serve", "worker"})


def run() -> None:
    """The `reportgen` program: main() in a process of its own."""
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command in _ONE_DOCUMENT:
        # The process makes one document and exits: a cycle collection after the layout would only
        # walk a heap that the exit hands back anyway (~8 % of a 1,000-damage report). main()
        # called in another program's process leaves the collector alone.
        gc.disable()
    if command in _SERVICE_COMMANDS:
        main()
        return
    with sigterm_raises():
        main()


if __name__ == "__main__":  # pragma: no cover
    run()
