"""Money: parse French and international amount strings to integer cents, format for the UI."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_CURRENCY = re.compile(r"(€|eur(os?)?)", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$|^\d{1,3}(,\d{3})+$")


# Larger amounts are typos (and sums of them would overflow SQLite's 64-bit integers).
MAX_CENTS = 100_000_000_000 * 100  # 100 milliards d'euros


class AmountError(ValueError):
    """An amount that cannot be read; the message says why, in French."""


def parse_amount(text: str) -> int:
    """Parse "1 234,56 €", "1234.56", "-12,5", "1.234,56", " 000000000001200,00" to cents.

    A single comma or a single dot is the decimal separator; when both appear the
    last one is. Thousands groups must be groups of three. More than two decimals
    is an error rather than a silent rounding.
    """
    if text is None:
        raise AmountError("montant vide")
    s = _CURRENCY.sub("", _SPACES.sub("", str(text))).strip()
    if not s:
        raise AmountError("montant vide")
    sign = 1
    if s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    elif s.endswith("-"):
        sign, s = -1, s[:-1]
    if not s or not re.fullmatch(r"[\d.,]+", s):
        raise AmountError(f"montant illisible « {text.strip()} »")
    last_comma, last_dot = s.rfind(","), s.rfind(".")
    if last_comma >= 0 and last_dot >= 0:
        dec_sep = "," if last_comma > last_dot else "."
        group_sep = "." if dec_sep == "," else ","
        int_part, _, dec_part = s.rpartition(dec_sep)
        if not _GROUPED.fullmatch(int_part) or group_sep not in int_part:
            raise AmountError(f"séparateurs de milliers incohérents dans « {text.strip()} »")
        int_part = int_part.replace(group_sep, "")
    elif s.count(",") == 1 or s.count(".") == 1:
        int_part, _, dec_part = s.partition("," if "," in s else ".")
    elif s.count(",") > 1 or s.count(".") > 1:
        if not _GROUPED.fullmatch(s):
            raise AmountError(f"montant illisible « {text.strip()} »")
        int_part, dec_part = re.sub(r"[.,]", "", s), ""
    else:
        int_part, dec_part = s, ""
    if int_part == "":
        int_part = "0"
    if not int_part.isdigit() or (dec_part and not dec_part.isdigit()):
        raise AmountError(f"montant illisible « {text.strip()} »")
    if len(dec_part) > 2:
        raise AmountError(f"plus de deux décimales dans « {text.strip()} »")
    cents = int(int_part) * 100 + int((dec_part + "00")[:2])
    if cents > MAX_CENTS:
        raise AmountError(f"montant démesuré « {text.strip()} » (100 milliards d'euros au plus)")
    return sign * cents


def format_eur(cents: int | None, *, symbol: bool = True) -> str:
    """French format: 1234567 → "12 345,67 €" (narrow no-break space for thousands)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}" + (" €" if symbol else "")


def cents_to_euros(cents: int | None) -> float | None:
    """Euros with two decimals for JSON output."""
    return None if cents is None else round(cents / 100, 2)
