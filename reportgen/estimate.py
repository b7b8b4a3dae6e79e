"""Repair estimates: a rate card (TOML) priced against the damages, in exact decimal money."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import vocabulary
from .errors import ConfigError
from .files import read_toml
from .i18n import N_

__all__ = [
    "Estimate",
    "EstimateLine",
    "PricedDamage",
    "RateCard",
    "estimate",
    "load_rate_card",
]

CENT = Decimal("0.01")
#: Above this an amount is surely a typo, and the arithmetic in cents would overflow.
MAX_AMOUNT = Decimal(10**9)
_TOP_LEVEL_KEYS = (
    "currency",
    "locale",
    "labour_rate",
    "default_hours",
    "normal_wear",
    "extra_repair_methods",
    "extra_components",
    "hours",
    "parts",
)
# PAVE's grammar is PART[_POSITION][_SIDE]: words of capitals and digits joined by underscores.
_COMPONENT_CODE = re.compile(r"[A-Z0-9]+(?:_[A-Z0-9]+)*")


@dataclass(frozen=True)
class RateCard:
    """A checked rate card: labour rate, hours by repair method and severity, part prices."""

    currency: str
    locale: str
    labour_rate: Decimal
    #: Repair method (lower case) → severity → hours.
    hours: dict[str, dict[str, Decimal]]
    #: Component code → part price, for replacements.
    parts: dict[str, Decimal]
    #: A damage whose tolerance contains one of these (case-insensitive) is normal wear: priced at zero.
    normal_wear: tuple[str, ...] = ()
    default_hours: Decimal = Decimal("0")
    #: The file it was read from, to name in warnings ("" when built in code).
    source: str = ""


@dataclass(frozen=True)
class EstimateLine:
    """One damage priced: hours, labour and parts; `total` is zero for normal wear."""

    number: int
    hours: Decimal
    labour: Decimal
    parts: Decimal
    total: Decimal
    chargeable: bool
    #: Why a line is priced the way it is, in the customer's words ("normal wear and tear").
    note: str = ""
    #: What the rate card lacked for this line, for whoever keeps the card (never printed).
    gap: str = ""


@dataclass(frozen=True)
class Estimate:
    """The priced lines of a report; every figure below is summed from them, none is stored twice."""

    card: RateCard
    lines: tuple[EstimateLine, ...]

    @property
    def excess_wear(self) -> Decimal:
        """What the chargeable damages cost."""
        return sum((line.total for line in self.lines if line.chargeable), Decimal("0"))

    @property
    def normal_wear_lines(self) -> int:
        """How many damages are normal wear."""
        return sum(1 for line in self.lines if not line.chargeable)

    @property
    def total(self) -> Decimal:
        """What the estimate comes to: every line's total (a normal-wear line's is zero)."""
        return sum((line.total for line in self.lines), Decimal("0"))


def load_rate_card(path: str | Path) -> RateCard:
    """Read and check a rate card; any problem is a ConfigError naming the file, table and key.

    Any key reportgen does not know is an error, as a typo would otherwise price damages at the
    default silently. extra_repair_methods and extra_components declare the codes PAVE sends that
    reportgen's vocabulary does not know yet.
    """
    file = Path(path)
    data = read_toml(file, "rate card")
    context = f"rate card {file}"
    for key in data:
        if key not in _TOP_LEVEL_KEYS:
            raise ConfigError(
                f"{context}: unknown key {_quoted(key)}{_closest(key, _TOP_LEVEL_KEYS)} "
                f"(known: {', '.join(_TOP_LEVEL_KEYS)})"
            )
    currency = data.get("currency")
    if currency is None:
        raise ConfigError(f"{context}: currency is missing (a three-letter ISO 4217 code such as USD or EUR)")
    if (
        not isinstance(currency, str)
        or not re.fullmatch(r"[A-Za-z]{3}", currency)
        or not _is_currency(currency.upper())
    ):
        raise ConfigError(
            f"{context}: currency must be a three-letter ISO 4217 code such as USD or EUR, not {_shown(currency)}"
        )
    locale = data.get("locale", "en_US")
    if not _is_locale(locale):
        raise ConfigError(f"{context}: unknown locale {_shown(locale)} (Babel's names, such as en_US or de_DE)")
    methods = {method.lower(): method for method in vocabulary.repair_methods()}
    methods.update((method.lower(), method) for method in _texts(data, "extra_repair_methods", context))
    codes = set(vocabulary.component_codes())
    for code in _texts(data, "extra_components", context):
        if not _COMPONENT_CODE.fullmatch(code.upper()):
            raise ConfigError(
                f"{context}: extra_components: {_quoted(code)} is not a component code "
                "(PART[_POSITION][_SIDE] in letters, digits and underscores, e.g. BUMPER_FRONT_UNIQUE)"
            )
        codes.add(code.upper())
    wear = data.get("normal_wear", [])
    if not isinstance(wear, list) or not all(isinstance(w, str) and w.strip() for w in wear):
        raise ConfigError(f"{context}: normal_wear must be a list of texts")
    return RateCard(
        currency=currency.upper(),
        locale=locale,
        labour_rate=_amount(data.get("labour_rate"), f"{context}: labour_rate"),
        hours=_hours(data.get("hours", {}), methods, context),
        parts=_parts(data.get("parts", {}), codes, context),
        normal_wear=tuple(w.strip().lower() for w in wear),
        default_hours=_amount(data.get("default_hours", 0), f"{context}: default_hours"),
        source=str(file),
    )


def _hours(table: Any, methods: dict[str, str], context: str) -> dict[str, dict[str, Decimal]]:
    if not isinstance(table, dict):
        raise ConfigError(f'{context}: hours must be a table of repair methods, such as [hours."Refinish"]')
    severities = vocabulary.rated_severities()
    hours: dict[str, dict[str, Decimal]] = {}
    # Names match damages without case, so two spellings of one name would silently shadow each other.
    spelled: dict[str, str] = {}
    for method, by_severity in table.items():
        where = f"{context}: [hours.{_quoted(method)}]"
        key = method.strip().lower()
        if key not in methods:
            raise ConfigError(
                f"{where}: unknown repair method {_quoted(method)}"
                f"{_closest(method, methods.values())} (known: {', '.join(methods.values())}; "
                "declare a new one in extra_repair_methods)"
            )
        if key in spelled:
            raise ConfigError(
                f"{where}: the same repair method as [hours.{_quoted(spelled[key])}] (names are compared without case)"
            )
        spelled[key] = method
        if not isinstance(by_severity, dict):
            raise ConfigError(
                f"{context}: [hours]: {_quoted(method)} must be a table of hours by severity, "
                f"such as [hours.{_quoted(method)}] with minor = 1.5, not {_shown(by_severity)}"
            )
        hours[key] = {}
        for severity, value in by_severity.items():
            level = severity.strip().lower()
            if level not in severities:
                raise ConfigError(
                    f"{where}: unknown severity {_quoted(severity)}{_closest(severity, severities)} "
                    f"(known: {', '.join(severities)})"
                )
            if level in hours[key]:
                raise ConfigError(
                    f"{where}: severity {_quoted(level)} is given twice (names are compared without case)"
                )
            hours[key][level] = _amount(value, f"{where}: {severity}")
    return hours


def _parts(table: Any, codes: set[str], context: str) -> dict[str, Decimal]:
    if not isinstance(table, dict):
        raise ConfigError(f"{context}: parts must map component codes to prices")
    parts: dict[str, Decimal] = {}
    for code, price in table.items():
        key = code.strip().upper()
        if key not in codes:
            raise ConfigError(
                f"{context}: [parts]: unknown component code {_quoted(code)}{_closest(key, codes)} "
                "(not in reportgen's vocabulary; declare a new one in extra_components)"
            )
        if key in parts:
            raise ConfigError(
                f"{context}: [parts]: component code {_quoted(key)} is given twice (codes are compared without case)"
            )
        parts[key] = _amount(price, f"{context}: [parts]: {key}")
    return parts


def _texts(data: dict[str, Any], key: str, context: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{context}: {key} must be a list of texts, not {_shown(value)}")
    return [v.strip() for v in value]


def _closest(name: str, known: Any) -> str:
    """The ', did you mean "X"?' for the known name nearest a typo, compared without case; else ""."""
    by_folded = {candidate.lower(): candidate for candidate in known}
    match = difflib.get_close_matches(name.strip().lower(), list(by_folded), n=1)
    return f", did you mean {_quoted(by_folded[match[0]])}?" if match else ""


def _quoted(name: str) -> str:
    # JSON quoting keeps a key with control characters or newlines on one line.
    return json.dumps(name if len(name) <= 60 else name[:60] + "…", ensure_ascii=False)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return _quoted(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= 60 else text[:60] + "…"


def _is_currency(code: str) -> bool:
    from babel.numbers import is_currency

    return is_currency(code)


def _is_locale(name: Any) -> bool:
    from babel import Locale

    try:
        Locale.parse(name)
    except Exception:  # noqa: BLE001 (Babel raises ValueError, TypeError or UnknownLocaleError by the name)
        return False
    return True


def _amount(value: Any, context: str) -> Decimal:
    if value is None:  # TOML has no null: the key is missing
        raise ConfigError(f"{context} is missing (a number)")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{context} must be a number, not {_shown(value)}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{context} must be a number, not {_shown(value)}") from None
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f"{context} must be a number of zero or more, not {_shown(value)}")
    if amount > MAX_AMOUNT:
        raise ConfigError(f"{context} must be at most {MAX_AMOUNT:,}, not {_shown(value)}")
    return amount


#: What a line's note tells the customer; the rate card's gap itself goes to the warnings.
NORMAL_WEAR = N_("normal wear and tear")
STANDARD_HOURS = N_("standard labour time")
PART_TO_CONFIRM = N_("part price to be confirmed")


@dataclass(frozen=True)
class PricedDamage:
    """What the estimate needs to know of one damage."""

    number: int
    component_code: str
    severity: str
    repair_method: str
    tolerance: str


def estimate(card: RateCard, damages: list[PricedDamage]) -> Estimate:
    """Price each damage with the card; a gap in the card is priced by default and named in `gap`."""
    lines = []
    for damage in damages:
        normal = any(marker in damage.tolerance.lower() for marker in card.normal_wear)
        by_severity = card.hours.get(damage.repair_method.strip().lower())
        hours = by_severity.get(damage.severity) if by_severity else None
        note = gap = ""
        if hours is None:
            hours = card.default_hours
            note = STANDARD_HOURS
            gap = (
                f"no hours for repair method {damage.repair_method!r}"
                if by_severity is None
                else f"no {damage.repair_method!r} hours for severity {damage.severity!r}"
            )
            gap += f"; default_hours ({card.default_hours}) used"
        labour = (hours * card.labour_rate).quantize(CENT, ROUND_HALF_UP)
        parts = Decimal("0")
        if damage.repair_method.strip().lower() == "replace":
            parts = card.parts.get(damage.component_code.strip().upper(), Decimal("0"))
            if damage.component_code.strip().upper() not in card.parts:
                note = PART_TO_CONFIRM if not note else f"{note}; {PART_TO_CONFIRM}"
                gap = "; ".join(filter(None, [gap, f"no part price for component {damage.component_code!r}"]))
        total = labour + parts
        if normal:
            note, gap = NORMAL_WEAR, ""  # priced at zero whatever the card says
        lines.append(
            EstimateLine(damage.number, hours, labour, parts, Decimal("0") if normal else total, not normal, note, gap)
        )
    return Estimate(card, tuple(lines))
