"""Repair estimates: a rate card (TOML) priced against the damages, in exact decimal money."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import read_toml

CENT = Decimal("0.01")
SEVERITIES = ("minor", "medium", "major")
_KNOWN_KEYS = {"currency", "locale", "labour_rate", "normal_wear", "hours", "parts", "default_hours"}


@dataclass(frozen=True)
class RateCard:
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


@dataclass(frozen=True)
class EstimateLine:
    number: int
    hours: Decimal
    labour: Decimal
    parts: Decimal
    total: Decimal
    chargeable: bool
    #: Why a line is priced the way it is ("normal wear", "no hours for this repair method").
    note: str = ""


@dataclass(frozen=True)
class Estimate:
    card: RateCard
    lines: tuple[EstimateLine, ...]
    excess_wear: Decimal
    normal_wear: Decimal
    total: Decimal
    normal_wear_lines: int = field(default=0)


def load_rate_card(path: str | Path) -> RateCard:
    file = Path(path)
    data = read_toml(file, "rate card")
    context = f"rate card {file}"
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{context}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    currency = data.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise ConfigError(f"{context}: currency must be a three-letter code such as USD")
    locale = data.get("locale", "en_US")
    try:
        from babel import Locale

        Locale.parse(locale)
    except Exception:
        raise ConfigError(f"{context}: unknown locale {locale!r}") from None
    hours_table = data.get("hours", {})
    if not isinstance(hours_table, dict):
        raise ConfigError(f"{context}: hours must be a table of repair methods")
    hours = {}
    for method, by_severity in hours_table.items():
        if not isinstance(by_severity, dict):
            raise ConfigError(f"{context}: hours.{method} must map severities to hours")
        hours[method.strip().lower()] = {
            severity: _amount(value, f"{context}: hours.{method}.{severity}")
            for severity, value in by_severity.items()
        }
    parts = data.get("parts", {})
    if not isinstance(parts, dict):
        raise ConfigError(f"{context}: parts must map component codes to prices")
    wear = data.get("normal_wear", [])
    if not isinstance(wear, list) or not all(isinstance(w, str) and w.strip() for w in wear):
        raise ConfigError(f"{context}: normal_wear must be a list of texts")
    return RateCard(
        currency=currency.upper(),
        locale=locale,
        labour_rate=_amount(data.get("labour_rate"), f"{context}: labour_rate"),
        hours=hours,
        parts={code.strip().upper(): _amount(price, f"{context}: parts.{code}") for code, price in parts.items()},
        normal_wear=tuple(w.strip().lower() for w in wear),
        default_hours=_amount(data.get("default_hours", 0), f"{context}: default_hours"),
    )


def _amount(value: Any, context: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{context} must be a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{context} must be a number") from None
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f"{context} must be a number of zero or more")
    return amount


@dataclass(frozen=True)
class PricedDamage:
    """What the estimate needs to know of one damage."""

    number: int
    component_code: str
    severity: str
    repair_method: str
    tolerance: str


def estimate(card: RateCard, damages: list[PricedDamage]) -> Estimate:
    lines = []
    for damage in damages:
        normal = any(marker in damage.tolerance.lower() for marker in card.normal_wear)
        by_severity = card.hours.get(damage.repair_method.strip().lower())
        hours = by_severity.get(damage.severity) if by_severity else None
        note = ""
        if hours is None:
            hours = card.default_hours
            note = "no hours for this repair method" if by_severity is None else "no hours for this severity"
        labour = (hours * card.labour_rate).quantize(CENT, ROUND_HALF_UP)
        parts = Decimal("0")
        if damage.repair_method.strip().lower() == "replace":
            parts = card.parts.get(damage.component_code.strip().upper(), Decimal("0"))
            if damage.component_code.strip().upper() not in card.parts:
                note = note or "no part price for this component"
        total = labour + parts
        if normal:
            note = "normal wear and tear"
        lines.append(EstimateLine(damage.number, hours, labour, parts, Decimal("0") if normal else total,
                                  not normal, note))
    excess = sum((line.total for line in lines if line.chargeable), Decimal("0"))
    return Estimate(card, tuple(lines), excess, Decimal("0"), excess,
                    sum(1 for line in lines if not line.chargeable))
