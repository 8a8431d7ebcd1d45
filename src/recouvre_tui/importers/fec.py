"""FEC (Fichier des Écritures Comptables) → debtors, invoices, payments, payment behaviour.

Only customer lines (accounts starting with 411, any length) are read; other accounts are
ignored. The debtor reference is `CompAuxNum` (the account number itself when the ledger
has no auxiliary accounts) and its name `CompAuxLib` (else `CompteLib`).

- Debit lines are invoices (`PieceRef`, due = `PieceDate` + payment terms).
- Credit lines are payments, except in a sales journal (`JournalCode` starting with "V",
  e.g. VT/VE) where they are credit notes (negative invoices).
- Lettered lines (`EcritureLet` set) are settled: they no longer count in the open
  balance, and a lettered invoice gives a past payment delay (`DateLet` − due date), the
  debtor's payment behaviour.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ..domain.dates import MAX_YEAR, MIN_YEAR, DateError, parse_date
from ..domain.money import AmountError, parse_amount
from .reader import ImportRejected, Issue, by_line, read_table
from .values import control_chars_in_row, fast_amount, fast_date

# The 18 columns of the FEC (article A47 A-1 of the Livre des procédures fiscales), as
# the norm spells them; files are matched case-insensitively.
FEC_NAMES = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
FEC_COLUMNS = tuple(c.lower() for c in FEC_NAMES)
_NAME = dict(zip(FEC_COLUMNS, FEC_NAMES, strict=True))
FEC_REQUIRED = (
    "journalcode",
    "ecriturenum",
    "ecrituredate",
    "comptenum",
    "comptelib",
    "compauxnum",
    "compauxlib",
    "pieceref",
    "piecedate",
    "debit",
    "credit",
    "ecriturelet",
    "datelet",
)


@dataclass(frozen=True)
class FecInvoice:
    line: int
    debtor_ref: str
    ref: str
    issue_date: date
    due_date: date
    amount_cents: int
    lettered: bool
    settled_on: date | None


@dataclass(frozen=True)
class FecPayment:
    line: int
    debtor_ref: str
    ref: str
    paid_on: date
    amount_cents: int
    lettered: bool


@dataclass
class FecLedger:
    file: str
    debtors: dict[str, str] = field(default_factory=dict)  # ref → name
    invoices: list[FecInvoice] = field(default_factory=list)
    payments: list[FecPayment] = field(default_factory=list)
    # Past payment delays in days (lettered invoices), per debtor.
    delays: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    warnings: list[Issue] = field(default_factory=list)
    row_count: int = 0
    ignored_lines: int = 0

    def average_delay(self, debtor_ref: str) -> float | None:
        values = self.delays.get(debtor_ref)
        return round(sum(values) / len(values), 1) if values else None


def parse_fec(path: Path | str, *, terms_days: int = 30, data: bytes | None = None) -> FecLedger:
    table = read_table(path, delimiters=("|", "\t"), encodings=("utf-8", "iso-8859-1"), data=data)
    file = table.file
    issues: list[Issue] = []
    cols = {c: i for i, c in enumerate(table.header)}
    for c in FEC_REQUIRED:
        if c not in cols:
            issues.append(Issue(file, 1, _NAME[c], "colonne FEC obligatoire absente"))
    if issues:
        if len(table.header) == 1:
            issues.append(Issue(file, 1, "", "une seule colonne lue : séparateur attendu « | » ou tabulation"))
        raise ImportRejected(issues)
    ledger = FecLedger(file)
    ledger.warnings.extend(
        Issue(file, 1, c, "colonne inconnue, ignorée") for c in table.header if c and c not in FEC_COLUMNS
    )
    width = len(table.header)
    debit_refs: dict[tuple[str, str], int] = defaultdict(int)
    pending: list[tuple[int, dict[str, str]]] = []
    i_account = cols["comptenum"]
    known_cols = {c: i for c, i in cols.items() if c in _NAME}
    for line, cells in table.rows():
        ledger.row_count += 1
        if len(cells) != width:
            what = "tronquée" if len(cells) < width else "trop longue"
            issues.append(Issue(file, line, "", f"ligne {what} : {len(cells)} champs au lieu de {width}"))
            continue
        if not cells[i_account].strip().startswith("411"):
            ledger.ignored_lines += 1
            continue
        bad = control_chars_in_row(cells, known_cols, frozenset())
        if bad is not None:
            issues.append(Issue(file, line, _NAME[bad[0]], bad[1]))
            continue
        row = {c: cells[i].strip() for c, i in cols.items()}
        pending.append((line, row))
        if row["debit"] and row["debit"].strip("0,. ") != "":
            ref = row["compauxnum"] or row["comptenum"]
            debit_refs[(ref, row["pieceref"])] += 1
    if table.error is not None:
        issues.append(table.error)
    for line, row in pending:
        _read_line(ledger, line, row, terms_days, debit_refs, issues)
    _check_duplicates(ledger, issues)
    if issues:
        raise ImportRejected(by_line(issues), ledger.warnings)
    if not ledger.debtors:
        raise ImportRejected([Issue(file, 0, "", "aucune écriture sur un compte client 411")], ledger.warnings)
    return ledger


def _check_duplicates(ledger: FecLedger, issues: list[Issue]) -> None:
    """Two customer lines that would make the same invoice or payment (same account, piece and
    entry number, e.g. a line copied twice): one row per reference, so the file is rejected."""
    for what, records in (("pièce", ledger.invoices), ("règlement", ledger.payments)):
        first: dict[tuple[str, str], int] = {}
        for r in records:
            seen = first.setdefault((r.debtor_ref, r.ref), r.line)
            if seen != r.line:
                issues.append(
                    Issue(
                        ledger.file,
                        r.line,
                        "PieceRef",
                        f"{what} « {r.ref} » du compte {r.debtor_ref} en double dans le fichier "
                        f"(déjà à la ligne {seen})",
                    )
                )


def _amount(file: str, line: int, column: str, text: str, issues: list[Issue]) -> int | None:
    if not text:
        return 0
    cents = fast_amount(text)
    if cents is not None and cents >= 0:
        return cents
    try:
        cents = parse_amount(text)
    except AmountError as exc:
        issues.append(Issue(file, line, column, str(exc)))
        return None
    if cents < 0:
        issues.append(Issue(file, line, column, f"montant négatif non autorisé ({text.strip()})"))
        return None
    return cents


def _date(file: str, line: int, column: str, text: str, issues: list[Issue], *, required: bool) -> date | None:
    if not text:
        if required:
            issues.append(Issue(file, line, column, "date obligatoire manquante"))
        return None
    if len(text) == 8 and text.isascii() and text.isdigit() and MIN_YEAR <= int(text[:4]) <= MAX_YEAR:
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass  # the reference parser words the error
    day = fast_date(text)
    if day is not None:
        return day
    try:
        return parse_date(text, allow_compact=True)
    except DateError as exc:
        issues.append(Issue(file, line, column, str(exc)))
        return None


def _read_line(
    ledger: FecLedger,
    line: int,
    row: dict[str, str],
    terms_days: int,
    debit_refs: dict[tuple[str, str], int],
    issues: list[Issue],
) -> None:
    file = ledger.file
    n = len(issues)
    ref = row["compauxnum"] or row["comptenum"]
    name = row["compauxlib"] or row["comptelib"] or ref
    debit = _amount(file, line, "Debit", row["debit"], issues)
    credit = _amount(file, line, "Credit", row["credit"], issues)
    entry_date = _date(file, line, "EcritureDate", row["ecrituredate"], issues, required=True)
    piece_date = _date(file, line, "PieceDate", row["piecedate"], issues, required=False)
    lettered = bool(row["ecriturelet"])
    date_let = _date(file, line, "DateLet", row["datelet"], issues, required=False)
    if not row["pieceref"]:
        issues.append(Issue(file, line, "PieceRef", "référence de pièce manquante"))
    if debit and credit:
        issues.append(Issue(file, line, "Debit", "débit et crédit renseignés sur la même ligne"))
    if len(issues) != n or entry_date is None or debit is None or credit is None:
        return
    if debit == 0 and credit == 0:
        return
    ledger.debtors[ref] = name
    piece = row["pieceref"]
    issued = piece_date or entry_date
    sales_journal = row["journalcode"].upper().startswith("V")
    if debit:
        inv_ref = piece if debit_refs[(ref, piece)] == 1 else f"{piece}/{row['ecriturenum']}"
        due = issued + timedelta(days=terms_days)
        ledger.invoices.append(
            FecInvoice(line, ref, inv_ref, issued, due, debit, lettered, date_let if lettered else None)
        )
        if lettered and date_let is not None:
            ledger.delays[ref].append((date_let - due).days)
    elif sales_journal:
        # A credit note: a negative invoice, due at once.
        ledger.invoices.append(
            FecInvoice(
                line,
                ref,
                f"{piece}/{row['ecriturenum']}",
                issued,
                issued,
                -credit,
                lettered,
                date_let,
            )
        )
    else:
        pay_ref = f"{row['journalcode']}-{row['ecriturenum']}-{piece}"
        ledger.payments.append(FecPayment(line, ref, pay_ref, entry_date, credit, lettered))
