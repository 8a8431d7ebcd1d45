"""The portfolio as the builder assembles it (`_Debtor` and its invoices, payments, events,
promises) and as it leaves (`DemoData`, CSV-ready rows); small pure helpers."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from recouvre_tui.domain.areas import Area

from .catalogue import COLUMNS


@dataclass
class DemoData:
    """Demo portfolio as CSV-ready rows (every value a string), plus the team."""

    agents: list[dict[str, str]]
    debtors: list[dict[str, str]]
    invoices: list[dict[str, str]]
    payments: list[dict[str, str]]
    events: list[dict[str, str]]
    promises: list[dict[str, str]]
    # debtor_ref → behaviour archetype (one of ARCHETYPES), for tests and demos.
    profiles: dict[str, str] = field(default_factory=dict)
    # debtor_refs whose `phone` is deliberately invalid (their `phone2`, if any, is valid).
    invalid_phones: frozenset[str] = frozenset()

    def rows(self, kind: str) -> list[dict[str, str]]:
        """The rows of one import format: "debtors", "invoices", … (see KINDS)."""
        if kind not in COLUMNS:
            raise KeyError(kind)
        rows: list[dict[str, str]] = getattr(self, kind)
        return rows


# --------------------------------------------------------------------------- internals


@dataclass
class _Invoice:
    key: int
    issue: date
    due: date
    cents: int  # negative for a credit note
    open: int  # what is still to collect (after credit notes and payments)
    anchor: bool = False  # the overdue invoice the debtor's story is about
    ref: str = ""

    @property
    def credit(self) -> bool:
        return self.cents < 0


@dataclass
class _Payment:
    key: int
    on: date
    cents: int
    inv: _Invoice | None  # shown as invoice_ref when set
    ref: str = ""


@dataclass
class _Event:
    at: datetime  # naive, Europe/Paris
    channel: str
    direction: str
    outcome: str
    agent: str
    note: str
    inv: _Invoice | None = None  # fills "{inv}" in the note


@dataclass
class _Promise:
    key: int
    created: datetime  # naive, Europe/Paris: the `at` of its call
    instalments: list[tuple[date, int]]
    ref: str = ""


@dataclass
class _Debtor:
    index: int
    ref: str
    segment: str
    name: str
    siren: str
    postcode: str
    area: Area
    phone: str
    phone2: str
    email: str
    sales_rep: str
    agent: str
    archetype: str
    sub: str
    call_state: str  # "ok", "invalid_first", "wrong_first", "none"
    can_sms: bool
    invoices: list[_Invoice] = field(default_factory=list)
    payments: list[_Payment] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    promises: list[_Promise] = field(default_factory=list)

    def balance(self) -> int:
        return sum(i.open for i in self.invoices if not i.credit)

    def overdue(self, on: date) -> int:
        return sum(i.open for i in self.invoices if not i.credit and i.due < on)

    def anchor(self) -> _Invoice:
        return next(i for i in self.invoices if i.anchor)


def _cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros}.{rest:02d}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(ch if ch.isalnum() else "-" for ch in ascii_text.lower())
    return "-".join(part for part in out.split("-") if part)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for pos, ch in enumerate(reversed(digits)):
        n = int(ch)
        if pos % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def siren_is_valid(siren: str) -> bool:
    """Nine digits passing the Luhn check, as every SIREN does."""
    return len(siren) == 9 and siren.isdigit() and _luhn_ok(siren)


def _in_windows(minute: int, windows: Sequence[tuple[int, int]]) -> bool:
    return any(lo <= minute < hi for lo, hi in windows)
