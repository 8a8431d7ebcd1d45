"""Building balanced FEC ledgers in memory and writing them in every layout the law allows.

A `Ledger` is a list of entries (each a list of `Line`s that balance); `render` writes it with
the chosen separator, amount layout (Debit/Credit, signed Debit/Credit, Montant + Sens in D/C
or ±1), decimal mark and character set. `expected_balances` is the ledger's own customer
balance: debit − credit of every line on the receivable accounts, computed here independently
of the importer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

RECEIVABLE = ("411", "416", "4191")


@dataclass
class Line:
    journal: str
    num: str
    day: date
    account: str
    account_label: str
    aux: str
    aux_label: str
    piece: str
    piece_day: date
    label: str
    cents: int  # debit − credit
    letter: str = ""
    let_day: date | None = None
    due: date | None = None


@dataclass
class Ledger:
    entries: list[list[Line]] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)

    def entry(
        self,
        journal: str,
        day: date,
        lines: list[tuple[str, str, int]],
        *,
        debtor: tuple[str, str] | None,
        piece: str,
        piece_day: date | None = None,
        label: str = "",
        letters: dict[int, str] | None = None,
        due: date | None = None,
    ) -> list[Line]:
        """Add an entry: `lines` are (account, account label, debit − credit); customer lines
        take the debtor's auxiliary account. Returns its lines."""
        assert sum(c for _, _, c in lines) == 0, "an entry balances"
        n = self.numbers[journal] = self.numbers.get(journal, 0) + 1
        out = []
        for i, (account, account_label, cents) in enumerate(lines):
            customer = account.startswith(RECEIVABLE)
            aux, aux_label = debtor if (customer and debtor) else ("", "")
            letter = (letters or {}).get(i, "")
            out.append(
                Line(
                    journal,
                    f"{journal}{n:05d}",
                    day,
                    account,
                    account_label,
                    aux,
                    aux_label,
                    piece,
                    piece_day or day,
                    label,
                    cents,
                    letter,
                    day if letter else None,
                    due if customer else None,
                )
            )
        self.entries.append(out)
        return out

    def lines(self) -> list[Line]:
        return [line for entry in self.entries for line in entry]


def expected_balances(ledger: Ledger) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in ledger.lines():
        if line.account.startswith(RECEIVABLE):
            ref = line.aux or line.account
            out[ref] = out.get(ref, 0) + line.cents
    return out


HEADER = [
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
]


def _money(cents: int, mark: str) -> str:
    euros, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{euros}{mark}{rest:02d}"


def render(
    ledger: Ledger,
    *,
    sep: str = "|",
    layout: str = "debit_credit",  # debit_credit | signed | sens_dc | sens_pm
    mark: str = ",",
    encoding: str = "utf-8",
    due_column: str | None = None,
    newline: str = "\r\n",
    quote_all: bool = False,
) -> bytes:
    header = list(HEADER)
    if layout.startswith("sens"):
        at = header.index("Debit")
        header[at : at + 2] = ["Montant", "Sens"]
    if due_column:
        header.append(due_column)

    def join(cells: list[str]) -> str:
        if quote_all:  # ERPNext's CSV export: every field quoted, inner quotes doubled
            return sep.join('"' + c.replace('"', '""') + '"' for c in cells)
        return sep.join(cells)

    rows = [join(header)]
    for ln in ledger.lines():
        if layout == "debit_credit":
            amounts = [_money(max(ln.cents, 0), mark), _money(max(-ln.cents, 0), mark)]
        elif layout == "signed":
            # A signed amount in the debit column: a negative debit is a credit.
            amounts = [_money(ln.cents, mark), ""]
        elif layout == "sens_dc":
            amounts = [_money(abs(ln.cents), mark), "D" if ln.cents >= 0 else "C"]
        else:
            amounts = [_money(abs(ln.cents), mark), "+1" if ln.cents >= 0 else "-1"]
        cells = [
            ln.journal,
            f"Journal {ln.journal}",
            ln.num,
            f"{ln.day:%Y%m%d}",
            ln.account,
            ln.account_label,
            ln.aux,
            ln.aux_label,
            ln.piece,
            f"{ln.piece_day:%Y%m%d}",
            ln.label,
            *amounts,
            ln.letter,
            f"{ln.let_day:%Y%m%d}" if ln.let_day else "",
            f"{ln.day:%Y%m%d}",
            "",
            "",
        ]
        if due_column:
            cells.append(f"{ln.due:%Y%m%d}" if ln.due else "")
        rows.append(join(cells))
    return (newline.join(rows) + newline).encode(encoding)
