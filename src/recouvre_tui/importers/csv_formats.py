"""The five CSV formats (README, "Import formats"): columns, and row → typed record.

Pure parsing: every problem becomes an `Issue`; references to the database (does this
debtor exist?) are checked by the import service inside its transaction.

Big files (invoices, payments) go through a fast path per row that accepts only the
plain shapes (ISO or dd/mm/yyyy dates, plain amounts); anything else, including every
row with a problem, goes through the validating path, which words the errors.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..domain.codes import Channel, Direction, Disposition, Segment
from ..domain.dates import DateError, parse_date, parse_datetime
from ..domain.money import AmountError, format_eur, parse_amount
from ..domain.refs import normalise_ref
from .reader import BoundedIssues, ImportRejected, Issue, Table, by_line, read_table
from .values import DateCache, control_chars_in_row, fast_amount, fast_date, fast_paris_datetime

CSV_DELIMITERS = (";", ",")
CSV_ENCODINGS = ("utf-8", "cp1252")
REF_MAX = 64
REF_COLUMNS = frozenset({"debtor_ref", "invoice_ref", "payment_ref", "promise_ref"})


# Records are plain slotted dataclasses (not frozen): a million of them are built per file.


@dataclass(slots=True)
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
    address: str | None = None  # street line(s), printed on letters (m012)
    city: str | None = None


@dataclass(slots=True)
class InvoiceRow:
    line: int
    debtor_ref: str
    ref: str
    issue_date: date | None
    due_date: date
    amount_cents: int
    # Already paid according to the source (`paid_amount`, or `amount - open_amount`).
    paid_cents: int = 0


@dataclass(slots=True)
class PaymentRow:
    line: int
    debtor_ref: str
    ref: str
    paid_on: date
    amount_cents: int
    invoice_ref: str | None


@dataclass(slots=True)
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


@dataclass(slots=True)
class PromiseInstalmentRow:
    line: int
    debtor_ref: str
    promise_ref: str
    created_at: datetime
    due_date: date
    amount_cents: int


FastRow = Callable[[int, list[str]], Any]


@dataclass(frozen=True)
class Format:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    parse_row: Callable[[_Row], Any]
    # Columns whose value must be unique in the file (together).
    unique_key: tuple[str, ...]
    # Given the column positions, a row parser for the plain shapes (None = not plain).
    fast_row: Callable[[Mapping[str, int]], FastRow] | None = None


class _Row:
    """Helpers to read one row's cells, appending issues instead of raising."""

    __slots__ = ("cells", "file", "index", "issues", "line")

    def __init__(self, file: str, line: int, cells: list[str], index: Mapping[str, int], issues: list[Issue]) -> None:
        self.file, self.line, self.cells, self.index, self.issues = file, line, cells, index, issues

    def err(self, column: str, message: str) -> None:
        self.issues.append(Issue(self.file, self.line, column, message))

    def raw(self, column: str) -> str:
        i = self.index.get(column)
        return "" if i is None else self.cells[i].strip()

    def text(self, column: str, *, required: bool = False, max_len: int = 200) -> str | None:
        value = self.raw(column)
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
        cents = fast_amount(value)
        if cents is None:
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
        day = fast_date(value)
        if day is not None:
            return day
        try:
            return parse_date(value)
        except DateError as exc:
            self.err(column, str(exc))
            return None

    def instant(self, column: str) -> tuple[datetime, bool] | None:
        value = self.text(column, required=True)
        if value is None:
            return None
        fast = fast_paris_datetime(value)
        if fast is not None:
            return fast
        try:
            return parse_datetime(value)
        except DateError as exc:
            self.err(column, str(exc))
            return None

    def choice(self, column: str, allowed: set[str], *, required: bool, lower: bool = True) -> str | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        v = value.lower() if lower else value.upper()
        if v not in allowed:
            self.err(column, f"valeur inconnue « {value} » (attendu : {', '.join(sorted(allowed))})")
            return None
        return v


_SIREN = re.compile(r"^\d{9}$")
_POSTCODE_FR = re.compile(r"^\d{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _parse_debtor(r: _Row) -> DebtorRow | None:
    n = len(r.issues)
    ref = r.text("debtor_ref", required=True, max_len=REF_MAX)
    name = r.text("name", required=True)
    segment = r.choice("segment", {s.value for s in Segment}, required=True, lower=False)
    siren = r.text("siren")
    if siren is not None:
        siren = re.sub(r"\s", "", siren)
        if not _SIREN.match(siren):
            r.err("siren", f"SIREN invalide « {r.raw('siren')} » (9 chiffres)")
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
        line=r.line,
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
        agent=r.text("agent", max_len=REF_MAX),
        address=r.text("address", max_len=300),
        city=r.text("city", max_len=100),
    )
    return row if len(r.issues) == n else None


def _parse_invoice(r: _Row) -> InvoiceRow | None:
    n = len(r.issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=REF_MAX)
    ref = r.text("invoice_ref", required=True, max_len=REF_MAX)
    issue = r.day("issue_date")
    due = r.day("due_date")
    amount = r.amount("amount", allow_negative=True)
    if issue and due and due < issue:
        r.err("due_date", f"échéance {due:%d/%m/%Y} antérieure à l'émission {issue:%d/%m/%Y}")
    paid = _paid_part(r, amount)
    if len(r.issues) != n:
        return None
    assert debtor_ref and ref and due and amount is not None and paid is not None
    return InvoiceRow(r.line, debtor_ref, ref, issue, due, amount, paid)


def _paid_part(r: _Row, amount: int | None) -> int | None:
    """What the source says is already paid, from `paid_amount` and/or `open_amount` (an
    invoicing tool's « Montant payé » / « Reste à payer »): between 0 and the amount."""
    has_paid, has_open = bool(r.raw("paid_amount")), bool(r.raw("open_amount"))  # an empty cell: not given
    if not (has_paid or has_open) or amount is None:
        return 0
    paid = r.amount("paid_amount", allow_negative=False, allow_zero=True) if has_paid else None
    open_ = r.amount("open_amount", allow_negative=False, allow_zero=True) if has_open else None
    if (has_paid and paid is None) or (has_open and open_ is None):
        return None
    if amount < 0:
        if paid or open_:
            r.err("paid_amount" if paid else "open_amount", "un avoir (montant négatif) n'a ni payé ni reste dû")
            return None
        return 0
    if paid is None:
        assert open_ is not None
        paid = amount - open_
    if open_ is not None and paid + open_ != amount:
        r.err(
            "open_amount",
            f"payé ({format_eur(paid)}) + reste dû ({format_eur(open_)}) différent du montant ({format_eur(amount)})",
        )
        return None
    if not 0 <= paid <= amount:
        r.err("paid_amount" if has_paid else "open_amount", "le payé doit être entre 0 et le montant de la facture")
        return None
    return paid


def _fast_invoice(index: Mapping[str, int]) -> FastRow:
    if "paid_amount" in index or "open_amount" in index:
        return lambda line, cells: None  # the validating path reads them
    i_debtor, i_ref = index["debtor_ref"], index["invoice_ref"]
    i_issue, i_due, i_amount = index["issue_date"], index["due_date"], index["amount"]
    day = DateCache()

    def fast(line: int, cells: list[str]) -> InvoiceRow | None:
        debtor_ref, ref = cells[i_debtor].strip(), cells[i_ref].strip()
        issue, due = day[cells[i_issue]], day[cells[i_due]]
        amount = fast_amount(cells[i_amount])
        if (
            not debtor_ref
            or not ref
            or len(debtor_ref) > REF_MAX
            or len(ref) > REF_MAX
            or issue is None
            or due is None
            or due < issue
            or not amount  # None or zero
        ):
            return None
        return InvoiceRow(line, debtor_ref, ref, issue, due, amount)

    return fast


def _parse_payment(r: _Row) -> PaymentRow | None:
    n = len(r.issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=REF_MAX)
    ref = r.text("payment_ref", required=True, max_len=REF_MAX)
    paid_on = r.day("date")
    amount = r.amount("amount", allow_negative=False)
    invoice_ref = r.text("invoice_ref", max_len=REF_MAX)
    if len(r.issues) != n:
        return None
    assert debtor_ref and ref and paid_on and amount is not None
    return PaymentRow(r.line, debtor_ref, ref, paid_on, amount, invoice_ref)


def _fast_payment(index: Mapping[str, int]) -> FastRow:
    i_debtor, i_ref = index["debtor_ref"], index["payment_ref"]
    i_date, i_amount = index["date"], index["amount"]
    i_invoice = index.get("invoice_ref")
    day = DateCache()

    def fast(line: int, cells: list[str]) -> PaymentRow | None:
        debtor_ref, ref = cells[i_debtor].strip(), cells[i_ref].strip()
        paid_on, amount = day[cells[i_date]], fast_amount(cells[i_amount])
        invoice_ref = cells[i_invoice].strip() if i_invoice is not None else ""
        if (
            not debtor_ref
            or not ref
            or len(debtor_ref) > REF_MAX
            or len(ref) > REF_MAX
            or len(invoice_ref) > REF_MAX
            or paid_on is None
            or amount is None
            or amount <= 0
        ):
            return None
        return PaymentRow(line, debtor_ref, ref, paid_on, amount, invoice_ref or None)

    return fast


_CALL_OUTCOMES = {d.value for d in Disposition}
_OUTCOME_TOKEN = re.compile(r"^[a-z0-9_]{1,40}$")
_CHANNELS = {c.value for c in Channel}
_DIRECTIONS = {d.value for d in Direction}


def _parse_event(r: _Row) -> EventRow | None:
    n = len(r.issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=REF_MAX)
    at = r.instant("at")
    channel = r.choice("channel", _CHANNELS, required=True)
    direction = r.choice("direction", _DIRECTIONS, required=True)
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
    agent = r.text("agent", max_len=REF_MAX)
    note = r.text("note", max_len=2000)
    if len(r.issues) != n:
        return None
    assert debtor_ref and at and channel and direction
    return EventRow(r.line, debtor_ref, at[0], at[1], channel, direction, outcome, agent, note)


def _parse_promise(r: _Row) -> PromiseInstalmentRow | None:
    n = len(r.issues)
    debtor_ref = r.text("debtor_ref", required=True, max_len=REF_MAX)
    ref = r.text("promise_ref", required=True, max_len=REF_MAX)
    created = r.instant("created_at")
    due = r.day("due_date")
    amount = r.amount("amount", allow_negative=False)
    if len(r.issues) != n:
        return None
    assert debtor_ref and ref and created and due and amount is not None
    return PromiseInstalmentRow(r.line, debtor_ref, ref, created[0], due, amount)


FORMATS: dict[str, Format] = {
    "debtors": Format(
        "debtors",
        ("debtor_ref", "name", "segment"),
        ("siren", "postcode", "country", "phone", "phone2", "email", "sales_rep", "agent", "address", "city"),
        _parse_debtor,
        ("debtor_ref",),
    ),
    "invoices": Format(
        "invoices",
        ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
        ("paid_amount", "open_amount"),
        _parse_invoice,
        ("debtor_ref", "invoice_ref"),
        _fast_invoice,
    ),
    "payments": Format(
        "payments",
        ("debtor_ref", "payment_ref", "date", "amount"),
        ("invoice_ref",),
        _parse_payment,
        ("debtor_ref", "payment_ref"),
        _fast_payment,
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
    # Problems in the rows (in file order). The import service adds the problems it finds
    # against the database, so that the user gets every error of the file at once.
    issues: list[Issue]
    omitted: int = 0  # problems found beyond the first MAX_ISSUES, counted only


Sink = Callable[[list[Any]], None]
SINK_BATCH = 2_000


def parse_csv(
    kind: str,
    path: Path | str,
    *,
    data: bytes | None = None,
    columns: Mapping[str, str] | None = None,
    sink: Sink | None = None,
) -> ParsedFile:
    """Parse a whole CSV file of `kind`; `columns` renames the file's headers first
    (`{"Numéro Facture": "invoice_ref"}`, see `importers.column_map`).

    A file that cannot be read as a table of this kind (encoding, separator, header,
    no rows) raises `ImportRejected`; problems in rows are collected in `issues`.
    With `sink`, records are handed over in batches as they are read instead of being
    kept (`records` stays empty), and repeated keys are left to the caller (the import
    service finds them in its staging table).
    """
    fmt = FORMATS[kind]
    table = read_table(path, delimiters=CSV_DELIMITERS, encodings=CSV_ENCODINGS, data=data)
    if columns:
        from .column_map import rename_header

        rename_header(table, fmt, columns)
    return parse_table(fmt, table, sink=sink)


def _key_getter(positions: list[int]) -> Callable[[list[str]], str | None]:
    """The row's unique key as one string (None when a part is empty): a million keys are
    held at once, and one string takes far less memory than a tuple of strings."""
    if len(positions) == 1:
        (a,) = positions
        return lambda cells: cells[a].strip() or None

    if len(positions) == 2:
        a, b = positions

        def pair(cells: list[str]) -> str | None:
            first, second = cells[a].strip(), cells[b].strip()
            return f"{first}{_KEY_SEP}{second}" if first and second else None

        return pair

    def key(cells: list[str]) -> str | None:
        parts = [cells[i].strip() for i in positions]
        return _KEY_SEP.join(parts) if all(parts) else None

    return key


_KEY_SEP = "\x1f"


def parse_table(fmt: Format, table: Table, *, sink: Sink | None = None) -> ParsedFile:
    file = table.file
    issues = BoundedIssues()
    warnings: list[Issue] = []
    known = set(fmt.required) | set(fmt.optional)
    header = table.header
    index: dict[str, int] = {}
    for i, col in enumerate(header):
        if col in index:
            issues.append(Issue(file, 1, col, "colonne en double dans l'en-tête"))
            continue
        index[col] = i
        if col and col not in known:
            warnings.append(Issue(file, 1, col, "colonne inconnue, ignorée"))
    missing = [c for c in fmt.required if c not in index]
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
    index = {c: i for c, i in index.items() if c in known}
    width = len(header)
    hint = " (virgule décimale sans guillemets ?)" if table.delimiter == "," else ""
    key_of = _key_getter([index[c] for c in fmt.unique_key]) if fmt.unique_key and sink is None else None
    # The column named in a duplicate: the reference itself (second of debtor + reference).
    key_column = fmt.unique_key[min(1, len(fmt.unique_key) - 1)] if fmt.unique_key else ""
    first_line_of_key: dict[str, int] = {}
    refs = [i for c, i in index.items() if c in REF_COLUMNS]  # compared in NFKC form
    fast = fmt.fast_row(index) if fmt.fast_row else None
    parse_row = fmt.parse_row
    records: list[Any] = []
    append = records.append
    for line, cells in table.rows():
        if len(cells) != width:
            if len(cells) < width:
                message = f"ligne tronquée : {len(cells)} champs au lieu de {width}"
            else:
                message = f"ligne trop longue : {len(cells)} champs au lieu de {width}{hint}"
            issues.append(Issue(file, line, "", message))
            continue
        for i in refs:
            if not cells[i].isascii():
                cells[i] = normalise_ref(cells[i])
        if key_of is not None and (key := key_of(cells)) is not None:
            first = first_line_of_key.setdefault(key, line)
            if first != line:
                shown = key.replace(_KEY_SEP, " / ")
                issues.append(
                    Issue(
                        file,
                        line,
                        key_column,
                        f"référence en double dans le fichier « {shown} » (déjà à la ligne {first})",
                    )
                )
                continue
        bad = control_chars_in_row(cells, index)
        if bad is not None:
            issues.append(Issue(file, line, *bad))
            continue
        record = fast(line, cells) if fast is not None else None
        if record is None:
            record = parse_row(_Row(file, line, cells, index, issues))
        if record is not None:
            append(record)
            if sink is not None and len(records) >= SINK_BATCH:
                sink(records)
                records.clear()
    if sink is not None and records:
        sink(records)
        records.clear()
    if table.error is not None:
        issues.append(table.error)
    elif table.row_count == 0:
        raise ImportRejected([Issue(file, 0, "", "aucune ligne de données après l'en-tête")], warnings)
    return ParsedFile(fmt.kind, file, records, warnings, table.row_count, by_line(issues), issues.omitted)
