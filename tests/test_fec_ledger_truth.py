"""The ledger-truth invariant, for any FEC the importer accepts (hypothesis):

each debtor's balance equals the ledger's own customer balance (debit − credit of its lines on
411/416/4191, lettered or not), and its open invoices add up to that balance (0 when in
credit). Ledgers mix invoices, credit notes, payments, full and partial lettering (upper and
lower case), 416 transfers, 4191 advances received and applied, opening entries, placeholder
piece references and labels with quotes (fields quoted whole or not), written with `|` or tab,
in every amount layout, with a decimal comma or point, in UTF-8, ISO-8859-15 or Windows-1252.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fec_ledgers import Ledger, expected_balances, render
from import_helpers import NOW, make_store, q, write_bytes
from recouvre_tui.domain.config import Settings
from recouvre_tui.importers.fec import PLACEHOLDER_REFS
from recouvre_tui.services.importing import import_file
from recouvre_tui.store.ledger import balance_mismatches
from stores import drop_db, store_examples

# Names that exist in each character set: Windows-1252 is told by its 0x80–0x9F bytes (’ Œ),
# ISO-8859-15 has Œ and € elsewhere (0xBC, 0xA4).
NAMES = {
    "utf-8": ["Société Œuvre € « Ça »", "Boulangerie Lefèvre", "Ærø ĳ"],
    "iso-8859-15": ["Société Œuvre €", "Boulangerie Lefèvre", "Ça œuvre"],
    "cp1252": ["Café l’Œuvre", "Boulangerie Lefèvre", "Société € – Nord"],
}
LABELS = ["Facture", '"URGENT" facture', 'Ecran 27"', "Règlement"]
PIECES = ["{n}", "-", "No Reference", ""]
OPS = [
    "invoice",
    "credit_note",
    "payment",
    "paid_invoice",
    "partly_paid",
    "advance",
    "advance_applied",
    "doubtful",
    "opening",
    "random_letter",
]
START = date(2026, 1, 1)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[Ledger, str, dict[str, str]]:
    encoding = draw(st.sampled_from(sorted(NAMES)))
    ledger = Ledger()
    names: dict[str, str] = {}
    counter = iter(range(1, 10_000))
    for d in range(draw(st.integers(1, 3))):
        ref = f"C{d:03d}"
        name = draw(st.sampled_from(NAMES[encoding]))
        if encoding == "cp1252":
            name = name if "’" in name or "–" in name else name + " ’"
        names[ref] = name
        debtor = (ref, name)
        letters = iter([f"L{d}{i}" for i in range(100)])
        for _ in range(draw(st.integers(1, 8))):
            op = draw(st.sampled_from(OPS))
            day = START + timedelta(days=draw(st.integers(0, 180)))
            a = draw(st.integers(1, 500_000))
            n = next(counter)
            piece = draw(st.sampled_from(PIECES)).format(n=f"FA{n}")
            label = draw(st.sampled_from(LABELS))
            vat = a // 6

            def sale(
                letter: str = "",
                *,
                at: date = day,
                amount: int = a,
                pc: str = piece,
                lb: str = label,
                who: tuple[str, str] = debtor,
            ) -> None:
                ledger.entry(
                    "VT",
                    at,
                    [
                        ("411000", "Clients", amount),
                        ("706000", "Ventes", -(amount - amount // 6)),
                        ("445710", "TVA collectée", -(amount // 6)),
                    ],
                    debtor=who,
                    piece=pc,
                    label=lb,
                    letters={0: letter} if letter else None,
                    due=at + timedelta(days=45),
                )

            def bank(
                account: str,
                amount: int,
                letter: str = "",
                *,
                at: date = day,
                k: int = n,
                lb: str = label,
                who: tuple[str, str] = debtor,
            ) -> None:
                ledger.entry(
                    "BQ",
                    at,
                    [("512000", "Banque", amount), (account, "Clients", -amount)],
                    debtor=who,
                    piece=f"VIR{k}",
                    label=lb,
                    letters={1: letter} if letter else None,
                )

            if op == "invoice":
                sale()
            elif op == "credit_note":
                ledger.entry(
                    "VT",
                    day,
                    [("706000", "Ventes", a - vat), ("445710", "TVA", vat), ("411000", "Clients", -a)],
                    debtor=debtor,
                    piece=piece,
                    label="Avoir",
                )
            elif op == "payment":
                bank("411000", a)
            elif op == "paid_invoice":
                letter = next(letters)
                sale(letter.upper())
                bank("411000", a, letter.upper(), at=day + timedelta(days=10))
            elif op == "partly_paid":
                letter = next(letters).lower()
                sale(letter)
                bank("411000", draw(st.integers(1, a)), letter, at=day + timedelta(days=5))
            elif op == "advance":
                bank("4191000", a)
            elif op == "advance_applied":
                ledger.entry(
                    "OD",
                    day,
                    [("4191000", "Avances reçues", a), ("411000", "Clients", -a)],
                    debtor=debtor,
                    piece=piece,
                    label="Imputation acompte",
                )
            elif op == "doubtful":
                ledger.entry(
                    "OD",
                    day,
                    [("416000", "Clients douteux", a), ("411000", "Clients", -a)],
                    debtor=debtor,
                    piece=piece,
                    label="Transfert en douteux",
                )
            elif op == "opening":
                ledger.entry(
                    "AN",
                    START,
                    [("411000", "Clients", a), ("890000", "Bilan d'ouverture", -a)],
                    debtor=debtor,
                    piece=piece,
                    piece_day=START - timedelta(days=draw(st.integers(1, 400))),
                    label="À nouveau",
                )
            else:  # a letter on any customer line: groups that may or may not net to zero
                mine = [ln for ln in ledger.lines() if ln.aux == ref]
                if mine:
                    target = draw(st.sampled_from(mine))
                    target.letter = draw(st.sampled_from(["A", "a", "B", "b"]))
                    target.let_day = target.day
    return ledger, encoding, names


@settings(max_examples=store_examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=ledgers(),
    sep=st.sampled_from(["|", "\t"]),
    layout=st.sampled_from(["debit_credit", "signed", "sens_dc", "sens_pm"]),
    mark=st.sampled_from([",", "."]),
    due_column=st.sampled_from([None, "DateLimitReglmt", "DateEcheance"]),
    quote_all=st.booleans(),
)
def test_every_debtor_balance_is_the_ledger_balance(
    tmp_path_factory,
    case: tuple[Ledger, str, dict[str, str]],
    sep: str,
    layout: str,
    mark: str,
    due_column: str | None,
    quote_all: bool,
) -> None:
    ledger, encoding, names = case
    assume(ledger.entries)  # a ledger of lettering changes only has no entry to read
    tmp = tmp_path_factory.mktemp("fec")
    data = render(
        ledger, sep=sep, layout=layout, mark=mark, encoding=encoding, due_column=due_column, quote_all=quote_all
    )
    store = make_store(Path(tmp))
    try:
        res = import_file(store, "fec", write_bytes(tmp, "FEC.txt", data), now=NOW, actor="t", settings=Settings())
        expected = expected_balances(ledger)
        got = dict(q(store, "SELECT ref, balance_cents FROM debtors"))
        assert got == expected
        opened = dict(
            q(
                store,
                "SELECT d.ref, COALESCE(SUM(CASE WHEN i.lettered = 0 AND i.amount_cents > 0 THEN i.open_cents END), 0) "
                "FROM debtors d LEFT JOIN invoices i ON i.debtor_id = d.id GROUP BY d.ref",
            )
        )
        assert opened == {ref: max(balance, 0) for ref, balance in expected.items()}
        with store.lock:
            assert balance_mismatches(store.conn, 0, 10**9) == []
        # Names read in the right character set; no placeholder shown as an invoice number.
        assert dict(q(store, "SELECT ref, name FROM debtors")) == {r: names[r] for r in expected}
        refs = [r for (r,) in q(store, "SELECT ref FROM invoices UNION ALL SELECT ref FROM payments")]
        assert not [r for r in refs if r.lower() in PLACEHOLDER_REFS or r.startswith("-/")]
        # The doubtful part (416) is the ledger's own.
        doubtful = {}
        for ln in ledger.lines():
            if ln.account.startswith("416"):
                doubtful[ln.aux] = doubtful.get(ln.aux, 0) + ln.cents
        assert dict(q(store, "SELECT ref, doubtful_cents FROM debtors")) == {
            r: max(doubtful.get(r, 0), 0) for r in expected
        }
        # Credit balances are said in the summary.
        credit = [b for b in expected.values() if b < 0]
        assert any("solde(s) créditeur(s)" in n for n in res.notes) == bool(credit)
    finally:
        store.close()
        drop_db(store.path)  # one database per example: none kept
