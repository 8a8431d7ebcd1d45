"""FEC (Fichier des Écritures Comptables) → debtors, invoices, payments, payment behaviour.

The rules (docs/ledger.md has the why): each debtor's balance is the ledger's own customer
balance, the sum of debit − credit of its lines on the receivable accounts
(`fec_receivable_prefixes`, default 411, 416, 4191), lettered or not.

- The debtor is `CompAuxNum` (the account number when the ledger has no auxiliary
  accounts), its name `CompAuxLib` (else `CompteLib`).
- Amounts: `Debit`/`Credit` (each may be signed: a negative debit is a credit) or
  `Montant` + `Sens` (D/C or +1/−1); decimal comma or point.
- A debit is an invoice. A credit is a payment when its entry has a bank or cash line (5…),
  a credit note when it has a revenue (7…) or output VAT (4457…) line, a credit carried
  forward in an opening entry (à-nouveaux), else a credit note when its journal is one of
  `fec_credit_note_journals`, else a payment.
- An entry made only of customer lines that nets to zero for the debtor (411 → 416 clients
  douteux, 4191 advance applied to an invoice) is a reclassification: its lines are not
  records; the lettering groups they touch are joined, so the debt keeps its invoice.
- Lettering (per debtor, account and code, case ignored): a group that nets to zero is
  settled; otherwise it is partially lettered: its credits are allocated to its debits oldest
  first (or the reverse when the credits are larger) and the remainder stays open.
- `PieceRef` placeholders (`-`, `No Reference`, …) give way to `EcritureNum`, then
  `EcritureLib`. Two records with the same key are told apart (entry number, then line).
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ..domain.dates import MAX_YEAR, MIN_YEAR, DateError, parse_date
from ..domain.money import AmountError, format_eur, parse_amount
from ..domain.refs import normalise_ref
from .reader import ImportRejected, Issue, by_line, read_table
from .values import control_chars_in_row, fast_amount, fast_date

# The 18 columns of the FEC (article A47 A-1 of the Livre des procédures fiscales), as
# the norm spells them; files are matched case-insensitively. `Montant` + `Sens` may
# replace `Debit` + `Credit`; a due-date column is optional.
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
AMOUNT_NAMES = ("Montant", "Sens")
DUE_NAMES = ("DateLimitReglmt", "DateEcheance", "DateEch", "Echeance")
# Extra columns some producers write (Dolibarr, ERPNext) are known and not read.
FEC_COLUMNS = tuple(
    c.lower() for c in (*FEC_NAMES, *AMOUNT_NAMES, *DUE_NAMES, "NumFacture", "FichierFacture", "ExportDate", "GlName")
)
_NAME = {c.lower(): c for c in (*FEC_NAMES, *AMOUNT_NAMES, *DUE_NAMES)}
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
    "ecriturelet",
    "datelet",
)
# What exporters write when an entry has no piece reference (Odoo "-", ERPNext "No Reference",
# its opening entries "Opening Entry Journal"); compared case-insensitively.
PLACEHOLDER_REFS = frozenset(
    {"", "-", "--", "/", "n/a", "na", "no reference", "sans reference", "sans référence", "opening entry journal"}
)
# Opening entries (à-nouveaux): journal codes, or ERPNext's opening piece reference.
OPENING_JOURNALS = frozenset({"AN", "RAN", "ANO", "ANX", "OUV"})
_SENS = {"d": 1, "+1": 1, "1": 1, "+": 1, "c": -1, "-1": -1, "-": -1}

# Counterpart classes of an entry (bit flags over its non-customer lines).
_BANK, _REVENUE, _OTHER = 1, 2, 4


def eight_bit_charset(data: bytes) -> str:
    """The 8-bit character set of a file that is not UTF-8: Windows-1252 when it uses a byte
    of 0x80–0x9F (printable there: €, Œ, œ, curly quotes; control codes in ISO-8859-15),
    else ISO-8859-15, the FEC's character set (€ at 0xA4, Œ/œ at 0xBC/0xBD)."""
    return "cp1252" if re.search(rb"[\x80-\x9f]", data) else "iso-8859-15"


@dataclass(frozen=True)
class FecInvoice:
    line: int
    debtor_ref: str
    ref: str
    issue_date: date
    due_date: date
    amount_cents: int  # negative for a credit note
    lettered: bool  # wholly settled by lettering
    settled_on: date | None
    lettered_cents: int = 0  # part settled by a partial lettering (same sign as the amount)


@dataclass(frozen=True)
class FecPayment:
    line: int
    debtor_ref: str
    ref: str
    paid_on: date
    amount_cents: int
    lettered: bool
    lettered_cents: int = 0


@dataclass
class FecLedger:
    file: str
    prefixes: tuple[str, ...] = ("411", "416", "4191")
    debtors: dict[str, str] = field(default_factory=dict)  # ref → name
    invoices: list[FecInvoice] = field(default_factory=list)
    payments: list[FecPayment] = field(default_factory=list)
    # Past payment delays in days (lettered invoices), per debtor.
    delays: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # The ledger's own figures per debtor: balance (debit − credit of every customer line),
    # the part on doubtful accounts (416) and on advances (419).
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    doubtful: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    advances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    warnings: list[Issue] = field(default_factory=list)
    row_count: int = 0
    ignored_lines: int = 0  # lines on other accounts
    zero_lines: int = 0  # customer lines without an amount
    transfer_lines: int = 0  # customer lines of reclassification entries
    partial_groups: int = 0
    unbalanced_entries: int = 0
    unbalanced_examples: list[str] = field(default_factory=list)

    def average_delay(self, debtor_ref: str) -> float | None:
        values = self.delays.get(debtor_ref)
        return round(sum(values) / len(values), 1) if values else None

    def summary(self) -> list[str]:
        """What the import did with the ledger, in French, for the import report and the audit."""
        out = [f"comptes clients lus : {', '.join(self.prefixes)}"]
        if self.ignored_lines:
            out.append(f"{self.ignored_lines} ligne(s) d'autres comptes ignorée(s)")
        if self.zero_lines:
            out.append(f"{self.zero_lines} ligne(s) client sans montant ignorée(s)")
        if self.transfer_lines:
            out.append(
                f"{self.transfer_lines} ligne(s) de reclassement entre comptes clients (sans effet sur les soldes)"
            )
        if self.partial_groups:
            out.append(f"{self.partial_groups} lettrage(s) partiel(s) : le reste dû demeure ouvert")
        credit = {d: b for d, b in self.balances.items() if b < 0}
        if credit:
            out.append(
                f"{len(credit)} solde(s) créditeur(s) (crédits non affectés, acomptes), "
                f"total {format_eur(-sum(credit.values()))}"
            )
        adv = sum(v for v in self.advances.values() if v < 0)
        if adv:
            out.append(f"acomptes reçus non imputés (4191) : {format_eur(-adv)}")
        doubt = {d: v for d, v in self.doubtful.items() if v > 0}
        if doubt:
            out.append(f"{len(doubt)} client(s) douteux (416), total {format_eur(sum(doubt.values()))}")
        if self.unbalanced_entries:
            out.append(
                f"{self.unbalanced_entries} écriture(s) déséquilibrée(s) importée(s) telle(s) quelle(s), "
                f"dont {', '.join(self.unbalanced_examples)}"
            )
        return out


@dataclass(slots=True)
class _Line:
    """One customer line, read."""

    line: int
    debtor: str
    account: str
    cents: int  # debit − credit
    entry: tuple[str, str, str]  # JournalCode, EcritureNum, EcritureDate
    letter: str  # lower-cased, "" when unlettered
    date_let: date | None
    entry_date: date
    issue: date
    due: date
    ref: str
    ref_is_piece: bool


def parse_fec(
    path: Path | str,
    *,
    terms_days: int = 30,
    data: bytes | None = None,
    prefixes: tuple[str, ...] = ("411", "416", "4191"),
    credit_note_journals: tuple[str, ...] = ("V",),
) -> FecLedger:
    # Hundreds of thousands of small objects stay alive until the end: the cyclic garbage
    # collector would rescan them over and over (40 % of the time) for nothing to free.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_fec(path, terms_days, data, prefixes, credit_note_journals)
    finally:
        if enabled:
            gc.enable()


def _parse_fec(
    path: Path | str,
    terms_days: int,
    data: bytes | None,
    prefixes: tuple[str, ...],
    credit_note_journals: tuple[str, ...],
) -> FecLedger:
    if data is None:
        from .reader import read_bytes

        data = read_bytes(path)
    table = read_table(
        path,
        delimiters=("|", "\t"),
        encodings=("utf-8", eight_bit_charset(data)),
        data=data,
        whole_field_quotes=True,
    )
    file = table.file
    issues: list[Issue] = []
    cols: dict[str, int] = {}
    for i, c in enumerate(table.header):
        cols.setdefault(c, i)
    for c in FEC_REQUIRED:
        if c not in cols:
            issues.append(Issue(file, 1, _NAME[c], "colonne FEC obligatoire absente"))
    signed_layout = "montant" in cols and "sens" in cols and "debit" not in cols
    if not signed_layout:
        for c in ("debit", "credit"):
            if c not in cols:
                issues.append(Issue(file, 1, _NAME[c], "colonne FEC obligatoire absente (ou Montant et Sens)"))
    if issues:
        if len(table.header) == 1:
            issues.append(Issue(file, 1, "", "une seule colonne lue : séparateur attendu « | » ou tabulation"))
        raise ImportRejected(issues)
    prefixes = tuple(p.strip() for p in prefixes if p.strip())
    ledger = FecLedger(file, prefixes=prefixes)
    ledger.warnings.extend(
        Issue(file, 1, c, "colonne inconnue, ignorée") for c in table.header if c and c not in FEC_COLUMNS
    )
    due_col = next((c for c in (n.lower() for n in DUE_NAMES) if c in cols), None)
    width = len(table.header)
    i_account, i_journal, i_num, i_date = (
        cols["comptenum"],
        cols["journalcode"],
        cols["ecriturenum"],
        cols["ecrituredate"],
    )
    amount_of = _signed_reader(cols, signed_layout)
    # Per entry: [debit − credit, counterpart flags, first line].
    entries: dict[tuple[str, str, str], list[int]] = {}
    lines: list[_Line] = []
    known_cols = {c: i for c, i in cols.items() if c in _NAME}
    for line, cells in table.rows():
        ledger.row_count += 1
        if len(cells) != width:
            what = "tronquée" if len(cells) < width else "trop longue"
            issues.append(Issue(file, line, "", f"ligne {what} : {len(cells)} champs au lieu de {width}"))
            continue
        account = cells[i_account].strip()
        key = (cells[i_journal].strip(), cells[i_num].strip(), cells[i_date].strip())
        customer = account.startswith(prefixes)
        # Other accounts are only read for their entry's balance and kind: their oddities
        # do not reject the file (an unreadable amount counts as 0).
        found: list[Issue] = issues if customer else []
        n = len(found)
        cents = amount_of(file, line, cells, found)
        if len(found) != n or cents is None:
            if customer:
                continue
            cents = 0
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = [0, 0, line]
        entry[0] += cents
        if not customer:
            ledger.ignored_lines += 1
            entry[1] |= (
                _BANK
                if account[:1] == "5"
                else _REVENUE
                if account[:1] == "7" or account.startswith("4457")
                else _OTHER
            )
            continue
        if cents == 0:
            ledger.zero_lines += 1
            continue
        bad = control_chars_in_row(cells, known_cols, frozenset())
        if bad is not None:
            issues.append(Issue(file, line, _NAME[bad[0]], bad[1]))
            continue
        row = {c: cells[i].strip() for c, i in cols.items()}
        for c in ("compauxnum", "comptenum", "pieceref"):  # references compared in NFKC form
            row[c] = normalise_ref(row[c])
        read = _read_line(file, line, row, cents, key, due_col, terms_days, issues)
        if read is not None:
            lines.append(read)
            name = cells[cols["compauxlib"]].strip() or cells[cols["comptelib"]].strip() or read.debtor
            ledger.debtors.setdefault(read.debtor, name)
    if table.error is not None:
        issues.append(table.error)
    if issues:
        raise ImportRejected(by_line(issues), ledger.warnings)
    if not lines:
        raise ImportRejected(
            [
                Issue(
                    file,
                    0,
                    "",
                    f"aucune écriture sur un compte client (préfixes cherchés : {', '.join(prefixes)} ; "
                    "réglage fec_receivable_prefixes)",
                )
            ],
            ledger.warnings,
        )
    _warn_unbalanced(ledger, entries)
    _build(ledger, lines, entries, tuple(j.upper() for j in credit_note_journals))
    return ledger


_AmountReader = Callable[[str, int, list[str], list[Issue]], int | None]


def _signed_reader(cols: dict[str, int], signed_layout: bool) -> _AmountReader:
    """A function reading a row's debit − credit in cents (None after an issue)."""
    if signed_layout:
        i_amount, i_sens = cols["montant"], cols["sens"]

        def montant_sens(file: str, line: int, cells: list[str], issues: list[Issue]) -> int | None:
            cents = _amount(file, line, "Montant", cells[i_amount].strip(), issues)
            text = cells[i_sens].strip()
            sign = _SENS.get(text.lower().replace(" ", ""))
            if sign is None:
                if cents == 0 and not text:
                    return 0
                issues.append(Issue(file, line, "Sens", f"sens inconnu « {text} » (attendu : D, C, +1 ou -1)"))
                return None
            return None if cents is None else sign * cents

        return montant_sens
    i_debit, i_credit = cols["debit"], cols["credit"]

    def debit_credit(file: str, line: int, cells: list[str], issues: list[Issue]) -> int | None:
        debit = _amount(file, line, "Debit", cells[i_debit].strip(), issues)
        credit = _amount(file, line, "Credit", cells[i_credit].strip(), issues)
        if debit is None or credit is None:
            return None
        if debit and credit:
            issues.append(Issue(file, line, "Debit", "débit et crédit renseignés sur la même ligne"))
            return None
        return debit - credit

    return debit_credit


def _amount(file: str, line: int, column: str, text: str, issues: list[Issue]) -> int | None:
    """Signed cents of a cell (empty = 0): the sign is the first character."""
    if not text:
        return 0
    cents = fast_amount(text)
    if cents is not None:
        return cents
    try:
        return parse_amount(text)
    except AmountError as exc:
        issues.append(Issue(file, line, column, str(exc)))
        return None


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
    file: str,
    line: int,
    row: dict[str, str],
    cents: int,
    entry: tuple[str, str, str],
    due_col: str | None,
    terms_days: int,
    issues: list[Issue],
) -> _Line | None:
    n = len(issues)
    debtor = row["compauxnum"] or row["comptenum"]
    entry_date = _date(file, line, "EcritureDate", row["ecrituredate"], issues, required=True)
    piece_date = _date(file, line, "PieceDate", row["piecedate"], issues, required=False)
    date_let = _date(file, line, "DateLet", row["datelet"], issues, required=False)
    due = _date(file, line, _NAME[due_col], row[due_col], issues, required=False) if due_col else None
    piece = row["pieceref"]
    real_piece = piece.lower() not in PLACEHOLDER_REFS
    ref = piece if real_piece else (row["ecriturenum"] or row.get("ecriturelib", ""))
    if not ref:
        issues.append(
            Issue(file, line, "PieceRef", "référence de pièce manquante (ni PieceRef, ni EcritureNum, ni EcritureLib)")
        )
    if len(issues) != n or entry_date is None:
        return None
    issue = piece_date or entry_date
    if due is None:
        due = issue + timedelta(days=terms_days)
    return _Line(
        line,
        debtor,
        row["comptenum"],
        cents,
        entry,
        row["ecriturelet"].lower(),
        date_let,
        entry_date,
        issue,
        due,
        ref[:200],
        real_piece,
    )


def _warn_unbalanced(ledger: FecLedger, entries: dict[tuple[str, str, str], list[int]]) -> None:
    """Entries whose debits and credits differ are counted and the first ones named in the
    summary (a customer-only extract has no counterparts at all, so only files that carry
    other accounts are checked); they are imported as they are."""
    if not ledger.ignored_lines:
        return
    for (journal, num, _day), (net, _flags, first) in entries.items():
        if net:
            ledger.unbalanced_entries += 1
            if len(ledger.unbalanced_examples) < 5:
                ledger.unbalanced_examples.append(f"{journal} {num} (ligne {first}, écart {format_eur(net)})")


class _Groups:
    """Union-find over lettering groups (reclassifications join the groups they touch)."""

    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def _build(
    ledger: FecLedger,
    lines: list[_Line],
    entries: dict[tuple[str, str, str], list[int]],
    credit_note_journals: tuple[str, ...],
) -> None:
    for ln in lines:
        ledger.balances[ln.debtor] += ln.cents
        if ln.account.startswith("416"):
            ledger.doubtful[ln.debtor] += ln.cents
        elif ln.account.startswith("419"):
            ledger.advances[ln.debtor] += ln.cents
    # Reclassifications: entries with customer lines only, netting to zero per debtor.
    per_entry: dict[tuple[tuple[str, str, str], str], list[_Line]] = defaultdict(list)
    for ln in lines:
        if entries[ln.entry][1] == 0:
            per_entry[(ln.entry, ln.debtor)].append(ln)
    groups = _Groups()
    transfer: set[int] = set()
    for members in per_entry.values():
        if len(members) < 2 or sum(m.cents for m in members) != 0:
            continue
        keys = [_group_key(m) for m in members]
        for k in keys[1:]:
            groups.union(keys[0], k)
        transfer.update(m.line for m in members)
    ledger.transfer_lines = len(transfer)
    # Lettering groups (joined through reclassifications), without the reclassification lines.
    lettered: dict[object, list[_Line]] = defaultdict(list)
    for ln in lines:
        if ln.letter and ln.line not in transfer:
            lettered[groups.find(_group_key(ln))].append(ln)
    outcome: dict[int, tuple[bool, int]] = {}  # line → (wholly lettered, part lettered)
    payment_groups: set[int] = set()  # lines of groups with a payment: their debits give delays
    kinds = {ln.line: _kind(ln, entries, credit_note_journals) for ln in lines if ln.cents < 0}
    for members in lettered.values():
        net = sum(m.cents for m in members)
        if any(kinds.get(m.line) == "payment" for m in members):
            payment_groups.update(m.line for m in members)
        if net == 0:
            for m in members:
                outcome[m.line] = (True, 0)
            continue
        ledger.partial_groups += 1
        # The smaller side is wholly settled; it is allocated to the larger side oldest first.
        big = [m for m in members if (m.cents > 0) == (net > 0)]
        small = [m for m in members if (m.cents > 0) != (net > 0)]
        for m in small:
            outcome[m.line] = (True, 0)
        pool = -sum(m.cents for m in small)
        for m in sorted(big, key=lambda m: (m.issue if m.cents > 0 else m.entry_date, m.line)):
            take = max(min(abs(m.cents), abs(pool)), 0) * (1 if m.cents > 0 else -1)
            pool -= take
            outcome[m.line] = (True, 0) if take == m.cents else (False, take)
    _records(ledger, [ln for ln in lines if ln.line not in transfer], outcome, kinds, payment_groups)


def _group_key(ln: _Line) -> object:
    return (ln.debtor, ln.account, ln.letter) if ln.letter else ("line", ln.line)


def _kind(ln: _Line, entries: dict[tuple[str, str, str], list[int]], credit_note_journals: tuple[str, ...]) -> str:
    """A credit line: "payment" or "credit_note" (from the entry's other lines)."""
    flags = entries[ln.entry][1]
    journal = ln.entry[0].upper()
    if flags & _BANK:
        return "payment"
    if flags & _REVENUE:
        return "credit_note"
    if journal in OPENING_JOURNALS:
        return "credit_note"  # a credit carried forward, not a payment made that day
    if credit_note_journals and journal.startswith(credit_note_journals):
        return "credit_note"
    return "payment"


def _records(
    ledger: FecLedger,
    lines: list[_Line],
    outcome: dict[int, tuple[bool, int]],
    kinds: dict[int, str],
    payment_groups: set[int],
) -> None:
    invoices: list[tuple[_Line, str]] = []
    payments: list[tuple[_Line, str]] = []
    for ln in lines:
        if ln.cents > 0:
            invoices.append((ln, ln.ref))
        elif kinds[ln.line] == "credit_note":
            # Compatible with earlier imports: a credit note is its piece and entry number.
            num = ln.entry[1]
            ref = f"{ln.ref}/{num}" if ln.ref_is_piece and num and num != ln.ref else ln.ref
            invoices.append((ln, ref))
        else:
            journal, num, _ = ln.entry
            parts = [journal, num] + ([ln.ref] if ln.ref_is_piece else [])
            payments.append((ln, "-".join(p for p in parts if p)))
    for ln, ref in _distinct(ledger, invoices, "pièce", "enregistrée"):
        whole, part = outcome.get(ln.line, (False, 0))
        settled = ln.date_let if whole else None
        if ln.cents > 0:
            ledger.invoices.append(
                FecInvoice(ln.line, ln.debtor, ref, ln.issue, ln.due, ln.cents, whole, settled, part)
            )
            if whole and ln.date_let is not None and ln.line in payment_groups:
                ledger.delays[ln.debtor].append((ln.date_let - ln.due).days)
        else:
            # A credit note: a negative invoice, due at once.
            ledger.invoices.append(
                FecInvoice(
                    ln.line, ln.debtor, ref, ln.issue, ln.issue, ln.cents, whole, ln.date_let if whole else None, part
                )
            )
    for ln, ref in _distinct(ledger, payments, "règlement", "enregistré"):
        whole, part = outcome.get(ln.line, (False, 0))
        ledger.payments.append(FecPayment(ln.line, ln.debtor, ref, ln.entry_date, -ln.cents, whole, -part))


def _distinct(ledger: FecLedger, records: list[tuple[_Line, str]], what: str, kept: str) -> list[tuple[_Line, str]]:
    """One key per record: lines sharing (debtor, reference) take their entry number, then
    their line (with a warning: the ledger reuses a number, e.g. ERPNext's voucher series)."""
    count: dict[tuple[str, str], int] = defaultdict(int)
    for ln, ref in records:
        count[(ln.debtor, ref)] += 1
    out: list[tuple[_Line, str]] = []
    for ln, ref in records:
        if count[(ln.debtor, ref)] > 1 and ln.entry[1] and ln.entry[1] not in ref:
            ref = f"{ref}/{ln.entry[1]}"
        out.append((ln, ref))
    count.clear()
    for ln, ref in out:
        count[(ln.debtor, ref)] += 1
    first: dict[tuple[str, str], int] = {}
    final: list[tuple[_Line, str]] = []
    for ln, ref in out:
        key = (ln.debtor, ref)
        if count[key] > 1:
            seen = first.setdefault(key, ln.line)
            new = f"{ref}/L{ln.line}"
            ledger.warnings.append(
                Issue(
                    ledger.file,
                    ln.line,
                    "PieceRef",
                    f"{what} « {ref} » du compte {ln.debtor} en double"
                    + (f" (aussi à la ligne {seen})" if seen != ln.line else "")
                    + f" : {kept} sous « {new} »",
                )
            )
            ref = new
        final.append((ln, ref))
    return final
