"""The service's configuration: a TOML file and environment variables, checked once, secrets kept out of sight."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..files import read_toml
from ..i18n import check_language
from ..mail import SmtpSettings, parse_address, parse_addresses, parse_smtp_url
from ..options import RenderOptions
from ..pave import Credentials

__all__ = ["ENVIRONMENT", "BrandProfile", "Secret", "ServiceConfig", "TokenSet", "load_config"]

#: Environment variable → the TOML key it stands for (dotted); the environment wins over the file.
ENVIRONMENT: dict[str, str] = {
    "PAVE_API_KEY": "pave.api_key",
    "PAVE_API_SECRET": "pave.api_secret",
    "PAVE_USERNAME": "pave.username",
    "PAVE_BASE_URL": "pave.base_url",
    "REPORTGEN_SMTP_URL": "mail.smtp_url",
    "REPORTGEN_MAIL_FROM": "mail.from",
    "REPORTGEN_API_TOKENS": "http.api_tokens",
    "REPORTGEN_CALLBACK_SECRET": "callbacks.secret",
    "REPORTGEN_QUEUE_URL": "queue_url",
    "REPORTGEN_STORAGE_URL": "storage_url",
    "REPORTGEN_DATA_DIR": "data_dir",
}

# Every key the file may hold, by table; anything else is refused by name (a typo would otherwise
# silently turn off a secret check or a recipient list).
_SCHEMA: dict[str, set[str]] = {
    "": {"data_dir", "queue_url", "storage_url", "default_brand", "pave", "http", "callbacks", "workers", "mail"}
    | {"brands", "rates"},
    "pave": {"api_key", "api_secret", "username", "base_url"},
    "http": {"api_tokens", "api_token_hashes", "max_body_bytes"},
    "callbacks": {"secret", "header", "not_inspected_deadline", "retry_delay"},
    "workers": {"count", "max_jobs", "max_memory_mb", "time_limit", "lease"},
    "mail": {"smtp_url", "from"},
    "brands.*": {"file", "templates", "paper", "pdfa", "pdfua", "lang", "rates", "email_to"},
    "rates.*": {"file"},
}
_DEFAULT_BRAND = "default"


class Secret:
    """A secret string that never shows itself in a repr, a log line or an error message."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that needs it."""
        return self._value

    def matches(self, candidate: str) -> bool:
        """Whether `candidate` is the secret, in constant time."""
        return hmac.compare_digest(self._value.encode("utf-8"), candidate.encode("utf-8", "surrogatepass"))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class TokenSet:
    """Bearer tokens kept as SHA-256 hashes: a leaked configuration dump does not leak a token."""

    hashes: frozenset[str] = frozenset()

    @staticmethod
    def hash(token: str) -> str:
        """The form a token is kept in (`sha256:<hex>`), also what `api_token_hashes` holds."""
        return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()

    def accepts(self, token: str) -> bool:
        """Whether the bearer token is one of ours; each comparison in constant time."""
        digest = self.hash(token)
        found = False
        for known in self.hashes:
            found |= hmac.compare_digest(known, digest)
        return found


@dataclass(frozen=True)
class BrandProfile:
    """A named way to render and deliver: the render options and the fixed recipients."""

    name: str
    options: RenderOptions
    email_to: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """Everything `reportgen serve` and `reportgen worker` need, checked."""

    data_dir: Path
    queue_url: str
    storage_url: str
    credentials: Credentials | None
    pave_base_url: str | None = None
    tokens: TokenSet = field(default_factory=TokenSet)
    max_body_bytes: int = 64 * 1024
    callback_secret: Secret = field(default_factory=lambda: Secret(""))
    callback_header: str = "X-Callback-Secret"
    #: A session PAVE still calls "not inspected" is tried again until this many seconds after the job was made.
    not_inspected_deadline: float = 1800.0
    not_inspected_retry_delay: float = 30.0
    workers: int = 2
    #: Render processes are replaced after this many jobs, or when they hold more than max_memory_mb.
    max_jobs_per_worker: int = 50
    max_memory_mb: int = 1024
    job_time_limit: float = 300.0
    #: A running job whose worker stops renewing this lease (killed, machine gone) runs again after it.
    job_lease: float = 60.0
    smtp: SmtpSettings | None = None
    mail_from: str | None = None
    brands: Mapping[str, BrandProfile] = field(default_factory=dict)
    default_brand: str = _DEFAULT_BRAND
    rate_cards: Mapping[str, Path] = field(default_factory=dict)

    def brand(self, name: str | None) -> BrandProfile:
        """The named brand profile, or the default one; an unknown name is a ConfigError."""
        chosen = name or self.default_brand
        if chosen not in self.brands:
            raise ConfigError(f"unknown brand {chosen!r} (configured: {', '.join(sorted(self.brands))})")
        return self.brands[chosen]

    def require(self, *, api: bool) -> None:
        """Raise ConfigError if a service (api=True) or a worker could not do its work with this configuration."""
        if self.credentials is None:
            raise ConfigError("PAVE credentials are missing: set PAVE_API_KEY (and PAVE_API_SECRET, PAVE_USERNAME)")
        if api and not self.tokens.hashes and not self.callback_secret:
            raise ConfigError(
                "nothing may use the API: set REPORTGEN_API_TOKENS (clients) or REPORTGEN_CALLBACK_SECRET (PAVE)"
            )

    def __repr__(self) -> str:
        # URLs may carry passwords: the repr is the same secret-free description `serve --check` prints.
        return "ServiceConfig(" + "; ".join(self.describe()) + ")"

    def describe(self) -> list[str]:
        """What `serve --check` prints: every setting that matters, no secret."""
        return [
            f"data folder: {self.data_dir}",
            f"queue: {_without_password(self.queue_url)}",
            f"storage: {_without_password(self.storage_url)}",
            f"PAVE credentials: {'set' if self.credentials else 'missing'}",
            f"API tokens: {len(self.tokens.hashes)}",
            f"callback secret: {'set, checked in ' + self.callback_header if self.callback_secret else 'not set'}",
            f"workers: {self.workers} (replaced after {self.max_jobs_per_worker} jobs or {self.max_memory_mb} MB)",
            f"email: {f'via {self.smtp.scheme}://{self.smtp.host}:{self.smtp.port}' if self.smtp else 'off'}",
            f"brands: {', '.join(sorted(self.brands))} (default {self.default_brand})",
        ]


def load_config(
    file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    data_dir: Path | None = None,
    workers: int | None = None,
) -> ServiceConfig:
    """Read the TOML file (if any), lay the environment over it, and check every value.

    Raises ConfigError naming the file, table and key of the first problem; never a secret's value.
    data_dir and workers (the command line's --data-dir and --workers) win over both.
    """
    data: dict[str, Any] = read_toml(file, "configuration file") if file else {}
    where = f"configuration file {file}" if file else "configuration"
    _refuse_unknown(data, where)
    env = os.environ if environ is None else environ
    for name, dotted in ENVIRONMENT.items():
        if env.get(name):
            value = str(Path(env[name]).expanduser().absolute()) if dotted == "data_dir" else env[name]
            _set(data, dotted, value)
    if data_dir is not None:
        data["data_dir"] = str(data_dir.expanduser().absolute())  # relative to where the command runs
    if workers is not None:
        data.setdefault("workers", {})["count"] = workers
    base = file.parent if file else Path.cwd()
    data_dir = (
        _path(_text(data["data_dir"], f"{where}: data_dir"), base) if data.get("data_dir") else _default_data_dir()
    )
    pave = _table(data, "pave", where)
    credentials = None
    if pave.get("api_key"):
        secret, user = pave.get("api_secret"), pave.get("username")
        credentials = Credentials(
            _text(pave["api_key"], f"{where}: pave.api_key"),
            _text(secret, f"{where}: pave.api_secret") if secret else None,
            _text(user, f"{where}: pave.username") if user else None,
        )
    http = _table(data, "http", where)
    tokens = _tokens(http, where)
    callbacks = _table(data, "callbacks", where)
    worker_table = _table(data, "workers", where)
    mail = _table(data, "mail", where)
    smtp = parse_smtp_url(_text(mail["smtp_url"], f"{where}: mail.smtp_url")) if mail.get("smtp_url") else None
    mail_from = str(parse_address(_text(mail["from"], f"{where}: mail.from"))) if mail.get("from") else None
    if smtp and not mail_from:
        raise ConfigError(f"{where}: mail.from (or REPORTGEN_MAIL_FROM) is needed to send email")
    rate_cards = {
        name: _path(
            _text(_table(data["rates"], name, f"{where}: rates").get("file"), f"{where}: rates.{name}.file"), base
        )
        for name in _table(data, "rates", where)
    }
    brands = _brands(data, where, base, rate_cards)
    default_brand = _text(data.get("default_brand", _DEFAULT_BRAND), f"{where}: default_brand")
    if default_brand not in brands:
        raise ConfigError(f"{where}: default_brand {default_brand!r} is not one of the [brands] tables")
    if any(profile.email_to for profile in brands.values()) and not smtp:
        raise ConfigError(f"{where}: a brand has email_to but no mail.smtp_url (or REPORTGEN_SMTP_URL) is set")
    config = ServiceConfig(
        data_dir=data_dir,
        queue_url=_url(
            data.get("queue_url") or f"sqlite://{data_dir / 'queue.sqlite3'}",
            {"sqlite", "redis", "rediss"},
            f"{where}: queue_url",
        ),
        storage_url=_url(
            data.get("storage_url") or f"file://{data_dir / 'reports'}", {"file", "s3"}, f"{where}: storage_url"
        ),
        credentials=credentials,
        pave_base_url=_text(pave["base_url"], f"{where}: pave.base_url") if pave.get("base_url") else None,
        tokens=tokens,
        max_body_bytes=int(
            _number(http.get("max_body_bytes", 64 * 1024), f"{where}: http.max_body_bytes", 1024, 10 * 2**20)
        ),
        callback_secret=Secret(_text(callbacks.get("secret", ""), f"{where}: callbacks.secret", empty=True)),
        callback_header=_text(callbacks.get("header", "X-Callback-Secret"), f"{where}: callbacks.header"),
        not_inspected_deadline=_number(
            callbacks.get("not_inspected_deadline", 1800), f"{where}: callbacks.not_inspected_deadline", 0, 7 * 86400
        ),
        not_inspected_retry_delay=_number(
            callbacks.get("retry_delay", 30), f"{where}: callbacks.retry_delay", 0.1, 3600
        ),
        workers=int(_number(worker_table.get("count", 2), f"{where}: workers.count", 0, 64)),
        max_jobs_per_worker=int(_number(worker_table.get("max_jobs", 50), f"{where}: workers.max_jobs", 1, 100_000)),
        max_memory_mb=int(
            _number(worker_table.get("max_memory_mb", 1024), f"{where}: workers.max_memory_mb", 64, 1 << 20)
        ),
        job_time_limit=_number(worker_table.get("time_limit", 300), f"{where}: workers.time_limit", 1, 86400),
        job_lease=_number(worker_table.get("lease", 60), f"{where}: workers.lease", 1, 3600),
        smtp=smtp,
        mail_from=mail_from,
        brands=brands,
        default_brand=default_brand,
        rate_cards=rate_cards,
    )
    return config


def _refuse_unknown(data: Mapping[str, Any], where: str) -> None:
    for key in data:
        if key not in _SCHEMA[""]:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(_SCHEMA['']))})")
    for table in ("pave", "http", "callbacks", "workers", "mail"):
        for key in _table(data, table, where):
            if key not in _SCHEMA[table]:
                raise ConfigError(
                    f"{where}: unknown key {key!r} in [{table}] (known: {', '.join(sorted(_SCHEMA[table]))})"
                )
    for group in ("brands", "rates"):
        for name, body in _table(data, group, where).items():
            for key in _table({name: body}, name, f"{where}: [{group}]"):
                if key not in _SCHEMA[f"{group}.*"]:
                    known = ", ".join(sorted(_SCHEMA[f"{group}.*"]))
                    raise ConfigError(f"{where}: unknown key {key!r} in [{group}.{name}] (known: {known})")


def _brands(data: Mapping[str, Any], where: str, base: Path, rate_cards: Mapping[str, Path]) -> dict[str, BrandProfile]:
    tables = dict(_table(data, "brands", where))
    tables.setdefault(_DEFAULT_BRAND, {})
    profiles = {}
    for name, body in tables.items():
        context = f"{where}: brands.{name}"
        rates_name = body.get("rates")
        if rates_name is not None and rates_name not in rate_cards:
            raise ConfigError(f"{context}.rates: {rates_name!r} is not one of the [rates] tables")
        pdfa = body.get("pdfa", False)
        if not isinstance(pdfa, bool):
            raise ConfigError(f"{context}.pdfa must be true or false")
        pdfua = body.get("pdfua")
        if pdfua is not None and not isinstance(pdfua, bool):
            raise ConfigError(f"{context}.pdfua must be true or false")
        email_to = body.get("email_to", [])
        if not isinstance(email_to, list) or not all(isinstance(a, str) for a in email_to):
            raise ConfigError(f"{context}.email_to must be a list of addresses")
        options = RenderOptions.load(
            brand=_path(_text(body["file"], f"{context}.file"), base) if body.get("file") else None,
            templates=_path(_text(body["templates"], f"{context}.templates"), base) if body.get("templates") else None,
            paper=_text(body["paper"], f"{context}.paper") if body.get("paper") else None,
            rates=rate_cards[rates_name] if rates_name else None,
            pdfa=pdfa,
            pdfua=pdfua,
            lang=check_language(body["lang"], f"{context}.lang") if "lang" in body else None,
        )
        addresses = tuple(str(a) for a in parse_addresses(email_to)) if email_to else ()
        profiles[name] = BrandProfile(name, options, addresses)
    return profiles


def _tokens(http: Mapping[str, Any], where: str) -> TokenSet:
    raw = http.get("api_tokens", [])
    if isinstance(raw, str):  # the environment's comma-separated form
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(isinstance(t, str) and len(t) >= 16 for t in raw):
        raise ConfigError(f"{where}: http.api_tokens must be a list of tokens of at least 16 characters")
    hashes = http.get("api_token_hashes", [])
    if not isinstance(hashes, list) or not all(
        isinstance(h, str) and h.startswith("sha256:") and len(h) == 71 for h in hashes
    ):
        raise ConfigError(f"{where}: http.api_token_hashes must be a list of 'sha256:<64 hex digits>'")
    return TokenSet(frozenset(TokenSet.hash(t) for t in raw) | frozenset(h.lower() for h in hashes))


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table")
    return value


def _set(data: dict[str, Any], dotted: str, value: str) -> None:
    *tables, key = dotted.split(".")
    for table in tables:
        data = data.setdefault(table, {})
    data[key] = value


def _text(value: Any, context: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ConfigError(f"{context} must be text")
    return value.strip()


def _number(value: Any, context: str, low: float, high: float) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"{context} must be a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{context} must be a number from {low:g} to {high:g}")
    return float(value)


def _path(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def _url(value: Any, schemes: set[str], context: str) -> str:
    text = _text(value, context)
    scheme = urlsplit(text).scheme
    if scheme not in schemes:
        raise ConfigError(f"{context}: scheme {scheme or '(none)'!r} not supported (use {', '.join(sorted(schemes))})")
    return text


def _without_password(url: str) -> str:
    # On the raw text: a percent-encoded password ("p%40ss") must be hidden as written.
    return re.sub(r"^([a-z][a-z0-9+.-]*://[^:/@]*:)[^@/]*@", r"\1***@", url, flags=re.IGNORECASE)


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("reportgen", appauthor=False))
