"""The five CSV formats of DESIGN.md "Data in": columns, and row → typed record.

Pure parsing: every problem becomes an `Issue`; references to the database (does this
debtor exist?) are checked by the import service inside its transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..domain.codes import Channel, Direction, Disposition, Segment
from ..domain.dates import DateError, parse_date, parse_datetime
from ..domain.money import AmountError, parse_amount
from .reader import ImportRejected, Issue, Table, read_table

CSV_DELIMITERS = (";", ",")
CSV_ENCODINGS = ("utf-8", "cp1252")


@dataclass(frozen=True)
class DebtorRow:
    line: int
    ref: str
    name: str
    segment: str
    siren: str | None
    postcode: str | None
    country: str | None
    phone: str | None
    phone2: str | None
    email: str | None
    sales_rep: str | None
    agent: str | None


@dataclass(frozen=True)
class InvoiceRow:
    line: int
    debtor_ref: str
    ref: str
    issue_date: date | None
    due_date: date
    amount_cents: int


@dataclass(frozen=True)
class PaymentRow:
    line: int
    debtor_ref: str
    ref: str
    paid_on: date
    amount_cents: int
    invoice_ref: str | None


@dataclass(frozen=True)
class EventRow:
    line: int
    debtor_ref: str
    at: datetime
    has_time: bool
    channel: str
    direction: str
    outcome: str | None
    agent: str | None
    note: str | None

    @property
    def import_key(self) -> str:
        """Natural key that makes re-importing the same events a no-op (the note may change)."""
        raw = "\x1f".join(
            [
                self.debtor_ref,
                self.at.isoformat(),
                self.channel,
                self.direction,
                self.outcome or "",
                self.agent or "",
            ]
        )
        return hashlib.sha1(raw.encode()).hexdigest()


@dataclass(frozen=True)
class PromiseInstalmentRow:
    line: int
    debtor_ref: str
    promise_ref: str
    created_at: datetime
    due_date: date
    amount_cents: int


@dataclass(frozen=True)
class Format:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    parse_row: Callable[[int, dict[str, str], list[Issue], str], Any]
    # Columns whose value must be unique in the file (together).
    unique_key: tuple[str, ...]


class _Row:
    """Helpers to read one row's cells, appending issues instead of raising."""

    def __init__(self, file: str, line: int, cells: dict[str, str], issues: list[Issue]):
        self.file, self.line, self.cells, self.issues = file, line, cells, issues

    def err(self, column: str, message: str) -> None:
        self.issues.append(Issue(self.file, self.line, column, message))

    def text(self, column: str, *, required: bool = False, max_len: int = 200) -> str | None:
        value = (self.cells.get(column) or "").strip()
        if not value:
            if required:
                self.err(column, "valeur obligatoire manquante")
            return None
        if len(value) > max_len:
            self.err(column, f"valeur trop longue ({len(value)} caractères, maximum {max_len})")
            return None
        return value

    def amount(self, column: str, *, allow_negative: bool, allow_zero: bool = False) -> int | None:
        value = self.text(column, required=True)
        if value is None:
            return None
        try:
            cents = parse_amount(value)
        except AmountError as exc:
            self.err(column, str(exc))
            return None
        if cents < 0 and not allow_negative:
            self.err(column, f"montant négatif non autorisé ({value})")
            return None
        if cents == 0 and not allow_zero:
            self.err(column, "montant nul")
            return None
        return cents

    def day(self, column: str, *, required: bool = True) -> date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parse_date(value)
        except DateError as exc:
            self.err(column, str(exc))
            return None

    def instant(self, column: str) -> tuple[datetime, bool] | None:
        value = self.text(column, required=True)
        if value is None:
            return None
        try:
            return parse_datetime(value)
        except DateError as exc:
            self.err(column, str(exc))
            return None

    def choice(
        self, column: str, allowed: set[str], *, required: bool, lower: bool = True
    ) -> str | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        v = value.lower() if lower else value.upper()
        if v not in allowed:
            self.err(
                column, f"valeur inconnue « {value} » (attendu : {', '.join(sorted(allowed))})"
            )
            return None
        return v


_SIREN = re.compile(r"^\d{9}$")
_POSTCODE_FR = re.compile(r"^\d{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _parse_debtor(
    line: int, cells: dict[str, str], issues: list[Issue], file: str
) -> DebtorRow | None:
    r = _Row(file, line, cells, issues)
    n = len(issues)
    ref = r.text("debtor_ref", required=True, max_len=64)
    name = r.text("name", required=True)
    segment = r.choice("segment", {s.value for s in Segment}, required=True, lower=False)
    siren = r.text("siren")
    if siren is not None:
        siren = re.sub(r"\s", "", siren)
        if not _SIREN.match(siren):
            r.err("siren", f"SIREN invalide « {cells.get('siren', '').strip()} » (9 chiffres)")
    country = r.text("country")
    country = country.upper() if country else None
    postcode = r.text("postcode")
    if postcode is not None:
        postcode = re.sub(r"\s", "", postcode)
        if country in (None, "FR", "FRANCE") and not _POSTCODE_FR.match(postcode):
            r.err("postcode", f"code postal invalide « {postcode} » (5 chiffres)")
    email = r.text("email")
    if email is not None and not _EMAIL.match(email):
        r.err("email", f"adresse e-mail invalide « {email} »")
    row = DebtorRow(
        line=line,
        ref=ref or "",
        name=name or "",
        segment=segment or "",
        siren=siren,
        postcode=postcode,
        country=country,
        phone=r.text("phone", max_len=40),
        phone2=r.text("phone2", max_len=40),
        email=email,
        sales_rep=r.text("sales_rep"),
        agent=r.text("agent", max_len=64),
    )
    return row if len(issues) == n else None


def _parse_invoice(
    line: int, cells: dict[str, str], issues: list[Issue], file: str
) -> InvoiceRow | None:
    r = _Row(file, line, cells, issues)
    n = len(issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=64)
    ref = r.text("invoice_ref", required=True, max_len=64)
    issue = r.day("issue_date")
    due = r.day("due_date")
    amount = r.amount("amount", allow_negative=True)
    if issue and due and due < issue:
        r.err("due_date", f"échéance {due:%d/%m/%Y} antérieure à l'émission {issue:%d/%m/%Y}")
    if len(issues) != n:
        return None
    assert debtor_ref and ref and due and amount is not None
    return InvoiceRow(line, debtor_ref, ref, issue, due, amount)


def _parse_payment(
    line: int, cells: dict[str, str], issues: list[Issue], file: str
) -> PaymentRow | None:
    r = _Row(file, line, cells, issues)
    n = len(issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=64)
    ref = r.text("payment_ref", required=True, max_len=64)
    paid_on = r.day("date")
    amount = r.amount("amount", allow_negative=False)
    invoice_ref = r.text("invoice_ref", max_len=64)
    if len(issues) != n:
        return None
    assert debtor_ref and ref and paid_on and amount is not None
    return PaymentRow(line, debtor_ref, ref, paid_on, amount, invoice_ref)


_CALL_OUTCOMES = {d.value for d in Disposition}
_OUTCOME_TOKEN = re.compile(r"^[a-z0-9_]{1,40}$")


def _parse_event(
    line: int, cells: dict[str, str], issues: list[Issue], file: str
) -> EventRow | None:
    r = _Row(file, line, cells, issues)
    n = len(issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=64)
    at = r.instant("at")
    channel = r.choice("channel", {c.value for c in Channel}, required=True)
    direction = r.choice("direction", {d.value for d in Direction}, required=True)
    outcome = r.text("outcome", max_len=40)
    if outcome is not None:
        outcome = outcome.lower()
        if channel == Channel.CALL and outcome not in _CALL_OUTCOMES:
            r.err(
                "outcome",
                f"issue d'appel inconnue « {outcome} » (attendu : {', '.join(sorted(_CALL_OUTCOMES))})",
            )
        elif not _OUTCOME_TOKEN.match(outcome):
            r.err("outcome", f"code de résultat invalide « {outcome} » (minuscules, chiffres, _)")
    if len(issues) != n:
        return None
    assert debtor_ref and at and channel and direction
    return EventRow(
        line,
        debtor_ref,
        at[0],
        at[1],
        channel,
        direction,
        outcome,
        r.text("agent", max_len=64),
        r.text("note", max_len=2000),
    )


def _parse_promise(
    line: int, cells: dict[str, str], issues: list[Issue], file: str
) -> PromiseInstalmentRow | None:
    r = _Row(file, line, cells, issues)
    n = len(issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=64)
    ref = r.text("promise_ref", required=True, max_len=64)
    created = r.instant("created_at")
    due = r.day("due_date")
    amount = r.amount("amount", allow_negative=False)
    if len(issues) != n:
        return None
    assert debtor_ref and ref and created and due and amount is not None
    return PromiseInstalmentRow(line, debtor_ref, ref, created[0], due, amount)


FORMATS: dict[str, Format] = {
    "debtors": Format(
        "debtors",
        ("debtor_ref", "name", "segment"),
        ("siren", "postcode", "country", "phone", "phone2", "email", "sales_rep", "agent"),
        _parse_debtor,
        ("debtor_ref",),
    ),
    "invoices": Format(
        "invoices",
        ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
        (),
        _parse_invoice,
        ("debtor_ref", "invoice_ref"),
    ),
    "payments": Format(
        "payments",
        ("debtor_ref", "payment_ref", "date", "amount"),
        ("invoice_ref",),
        _parse_payment,
        ("debtor_ref", "payment_ref"),
    ),
    "events": Format(
        "events",
        ("debtor_ref", "at", "channel", "direction"),
        ("outcome", "agent", "note"),
        _parse_event,
        (),
    ),
    "promises": Format(
        "promises",
        ("debtor_ref", "promise_ref", "created_at", "due_date", "amount"),
        (),
        _parse_promise,
        ("debtor_ref", "promise_ref", "due_date"),
    ),
}


@dataclass
class ParsedFile:
    kind: str
    file: str
    records: list[Any]
    warnings: list[Issue]
    row_count: int


def parse_csv(kind: str, path: Path | str, *, data: bytes | None = None) -> ParsedFile:
    """Parse a whole CSV file of `kind`; raise `ImportRejected` with every issue found."""
    fmt = FORMATS[kind]
    table = read_table(path, delimiters=CSV_DELIMITERS, encodings=CSV_ENCODINGS, data=data)
    return parse_table(fmt, table)


def parse_table(fmt: Format, table: Table) -> ParsedFile:
    file = table.file
    issues: list[Issue] = []
    warnings: list[Issue] = []
    known = set(fmt.required) | set(fmt.optional)
    header = table.header
    seen_cols: dict[str, int] = {}
    for i, col in enumerate(header):
        if col in seen_cols:
            issues.append(Issue(file, 1, col, "colonne en double dans l'en-tête"))
        seen_cols[col] = i
        if col and col not in known:
            warnings.append(Issue(file, 1, col, "colonne inconnue, ignorée"))
    missing = [c for c in fmt.required if c not in seen_cols]
    for col in missing:
        issues.append(Issue(file, 1, col, "colonne obligatoire absente"))
    if len(header) == 1 and missing:
        issues.append(
            Issue(
                file,
                1,
                "",
                f"une seule colonne lue : séparateur attendu « ; » ou « , » (lu « {table.delimiter} »)",
            )
        )
    if issues:
        raise ImportRejected(issues, warnings)
    if not table.rows:
        raise ImportRejected(
            [Issue(file, 0, "", "aucune ligne de données après l'en-tête")], warnings
        )
    records: list[Any] = []
    first_line_of_key: dict[tuple[str, ...], int] = {}
    width = len(header)
    for line, cells in table.rows:
        if len(cells) != width:
            what = "tronquée" if len(cells) < width else "trop longue"
            issues.append(
                Issue(file, line, "", f"ligne {what} : {len(cells)} champs au lieu de {width}")
            )
            continue
        row = {col: cells[i] for col, i in seen_cols.items() if col in known}
        if fmt.unique_key:
            key = tuple((row.get(c) or "").strip() for c in fmt.unique_key)
            if all(key) and key in first_line_of_key:
                issues.append(
                    Issue(
                        file,
                        line,
                        fmt.unique_key[-1] if len(fmt.unique_key) == 1 else fmt.unique_key[1],
                        f"référence en double dans le fichier « {' / '.join(key)} » "
                        f"(déjà à la ligne {first_line_of_key[key]})",
                    )
                )
                continue
            first_line_of_key.setdefault(key, line)
        record = fmt.parse_row(line, row, issues, file)
        if record is not None:
            records.append(record)
    if issues:
        raise ImportRejected(issues, warnings)
    return ParsedFile(fmt.kind, file, records, warnings, len(table.rows))
