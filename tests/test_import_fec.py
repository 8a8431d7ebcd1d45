"""FEC imports (README, "Import formats"): customer accounts 411*, lettering, credit notes,
payment delays, separators, encodings, padded amounts, idempotence.

The ledger below, by debtor (terms 30 days: due = PieceDate + 30):
- C001 (411000): FA1 1 200,00 on 05/01 (due 04/02) lettered AA on 20/02 → delay 16 days;
  FA2 600,00 on 10/01 (due 09/02) lettered AB on 05/02 → delay −4; their two payments are
  lettered too; FA3 1 500,00 on 01/03 (due 31/03) open. Balance 1 500,00, delay (16 − 4)/2 = 6.
- C002 (41100000, "Société Martin"): FA4 500,00 (due 31/03), credit note AV1 100,00 in the
  sales journal, bank payment 150,00, all unlettered: balance 500 − 100 − 150 = 250,00.
- 4110DUPONT (no auxiliary account: the account is the reference, CompteLib the name):
  FA5 300,00 on 10/03 (due 09/04).
- C003 (411): FA6 80,00; FA7 in two debit lines of 20,00 and 30,00 (→ FA7/12 and FA7/13).
- Ignored: sales 706000, VAT 445710, bank 512000, supplier 401000.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from import_helpers import (
    FEC_HEADER,
    NOW,
    counts,
    data_dump,
    debtor,
    invoices_open,
    make_store,
    q,
    rejected,
    run,
    write,
)
from recouvre_tui.domain.config import Settings
from recouvre_tui.services.importing import import_file

FEC_LINES = [
    "VT|Ventes|1|20260105|411000|Clients|C001|Dupont SA|FA1|20260105|Facture FA1|"
    " 000000000001200,00| 000000000000000,00|AA|20260220|20260105||",
    "VT|Ventes|1|20260105|706000|Ventes de marchandises|||FA1|20260105|Facture FA1|0,00|1000,00|||20260105||",
    "VT|Ventes|1|20260105|445710|TVA collectée|||FA1|20260105|Facture FA1|0,00|200,00|||20260105||",
    "BQ|Banque|2|20260220|411000|Clients|C001|Dupont SA|VIR1|20260220|Règlement FA1|"
    "0,00|1200,00|AA|20260220|20260220||",
    "BQ|Banque|2|20260220|512000|Banque|||VIR1|20260220|Règlement FA1|1200,00|0,00|||20260220||",
    "VT|Ventes|3|20260110|411000|Clients|C001|Dupont SA|FA2|20260110|Facture FA2|600,00|0,00|AB|20260205|20260110||",
    "BQ|Banque|4|20260205|411000|Clients|C001|Dupont SA|VIR2|20260205|Règlement FA2|0,00|600,00|AB|20260205|20260205||",
    "VT|Ventes|5|20260301|411000|Clients|C001|Dupont SA|FA3|20260301|Facture FA3|1 500,00|0,00|||20260301||",
    "VT|Ventes|6|20260301|41100000|Clients|C002|Société Martin|FA4|20260301|Facture FA4|500,00|0,00|||20260301||",
    "VT|Ventes|7|20260315|41100000|Clients|C002|Société Martin|AV1|20260315|Avoir sur FA4|0,00|100,00|||20260315||",
    "BQ|Banque|8|20260401|41100000|Clients|C002|Société Martin|VIR3|20260401|Acompte|0,00|150,00|||20260401||",
    "VT|Ventes|9|20260310|4110DUPONT|Client Dupont Jean|||FA5|20260310|Facture FA5|300,00|0,00|||20260310||",
    "AC|Achats|10|20260312|401000|Fournisseurs|F01|Fournisseur Un|FF1|20260312|Achat|0,00|900,00|||20260312||",
    "VT|Ventes|11|20260320|411|Clients|C003|Petit Commerce|FA6|20260320|Facture FA6|80,00|0,00|||20260320||",
    "VT|Ventes|12|20260321|411|Clients|C003|Petit Commerce|FA7|20260321|Facture FA7 (1)|20,00|0,00|||20260321||",
    "VT|Ventes|13|20260321|411|Clients|C003|Petit Commerce|FA7|20260321|Facture FA7 (2)|30,00|0,00|||20260321||",
]


def fec_file(
    tmp_path: Path,
    lines: list[str],
    *,
    name: str = "FEC.txt",
    sep: str = "|",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    rows = [FEC_HEADER, *lines]
    if sep != "|":
        rows = [r.replace("|", sep) for r in rows]
    return write(tmp_path, name, rows, encoding=encoding, newline=newline)


VARIANTS = {
    "pipe-utf8-lf": ("|", "utf-8", "\n"),
    "tab-latin1-crlf": ("\t", "iso-8859-1", "\r\n"),
    "pipe-latin1-crlf": ("|", "iso-8859-1", "\r\n"),
    "tab-utf8-lf": ("\t", "utf-8", "\n"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_fec_ledger_in_every_separator_and_encoding(tmp_path: Path, variant: str) -> None:
    sep, encoding, newline = VARIANTS[variant]
    store = make_store(tmp_path)
    path = fec_file(tmp_path, FEC_LINES, sep=sep, encoding=encoding, newline=newline)
    if encoding == "iso-8859-1":
        assert "é".encode("latin-1") in path.read_bytes()
    res = run(store, "fec", path)
    # 4 debtors + 9 invoices (credit note included) + 3 payments.
    assert counts(res) == (16, 0, 0)
    assert res.rows == len(FEC_LINES)
    assert res.warnings == []

    assert q(store, "SELECT ref, name, segment, area, tz, avg_payment_delay_days FROM debtors ORDER BY ref") == [
        ("4110DUPONT", "Client Dupont Jean", "B2B", "FR", "Europe/Paris", None),
        ("C001", "Dupont SA", "B2B", "FR", "Europe/Paris", 6.0),
        ("C002", "Société Martin", "B2B", "FR", "Europe/Paris", None),
        ("C003", "Petit Commerce", "B2B", "FR", "Europe/Paris", None),
    ]
    assert q(
        store,
        "SELECT d.ref, i.ref, i.issue_date, i.due_date, i.amount_cents, i.open_cents, "
        "i.lettered, i.settled_on, i.source FROM invoices i JOIN debtors d ON d.id = i.debtor_id "
        "ORDER BY d.ref, i.ref",
    ) == [
        ("4110DUPONT", "FA5", "2026-03-10", "2026-04-09", 30000, 30000, 0, None, "fec"),
        ("C001", "FA1", "2026-01-05", "2026-02-04", 120000, 0, 1, "2026-02-20", "fec"),
        ("C001", "FA2", "2026-01-10", "2026-02-09", 60000, 0, 1, "2026-02-05", "fec"),
        ("C001", "FA3", "2026-03-01", "2026-03-31", 150000, 150000, 0, None, "fec"),
        # The credit note: a negative invoice, due at once; it settles FA4 (FIFO).
        ("C002", "AV1/7", "2026-03-15", "2026-03-15", -10000, 0, 0, None, "fec"),
        ("C002", "FA4", "2026-03-01", "2026-03-31", 50000, 25000, 0, None, "fec"),
        ("C003", "FA6", "2026-03-20", "2026-04-19", 8000, 8000, 0, None, "fec"),
        ("C003", "FA7/12", "2026-03-21", "2026-04-20", 2000, 2000, 0, None, "fec"),
        ("C003", "FA7/13", "2026-03-21", "2026-04-20", 3000, 3000, 0, None, "fec"),
    ]
    assert q(
        store,
        "SELECT d.ref, p.ref, p.paid_on, p.amount_cents, p.invoice_ref, p.lettered, p.source "
        "FROM payments p JOIN debtors d ON d.id = p.debtor_id ORDER BY d.ref, p.ref",
    ) == [
        ("C001", "BQ-2-VIR1", "2026-02-20", 120000, None, 1, "fec"),
        ("C001", "BQ-4-VIR2", "2026-02-05", 60000, None, 1, "fec"),
        ("C002", "BQ-8-VIR3", "2026-04-01", 15000, None, 0, "fec"),
    ]
    # Balance = unlettered debits − unlettered credits.
    assert q(store, "SELECT ref, balance_cents, oldest_due FROM debtors ORDER BY ref") == [
        ("4110DUPONT", 30000, "2026-04-09"),
        ("C001", 150000, "2026-03-31"),
        ("C002", 25000, "2026-03-31"),
        ("C003", 13000, "2026-04-19"),
    ]


def test_fec_reimport_changes_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    path = fec_file(tmp_path, FEC_LINES)
    run(store, "fec", path)
    before = data_dump(store)
    again = run(store, "fec", path, now=NOW + timedelta(days=1))
    assert counts(again) == (0, 0, 16)
    assert data_dump(store) == before


def test_fec_lettering_later_settles_and_updates_the_delay(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    run(store, "fec", fec_file(tmp_path, FEC_LINES))
    # Next month's export: FA3 is lettered AC with a payment on 15/04 (due 31/03: 15 days).
    lines = [line.replace("|1 500,00|0,00|||20260301||", "|1 500,00|0,00|AC|20260415|20260301||") for line in FEC_LINES]
    lines.append(
        "BQ|Banque|14|20260415|411000|Clients|C001|Dupont SA|VIR4|20260415|Règlement FA3|"
        "0,00|1500,00|AC|20260415|20260415||"
    )
    res = run(store, "fec", fec_file(tmp_path, lines, name="FEC2.txt"))
    # New: the payment. Changed: FA3 (lettered) and C001's payment delay.
    assert counts(res) == (1, 2, 14)
    c001 = debtor(store, "C001")
    # (16 − 4 + 15) / 3 = 9.0
    assert (c001["balance_cents"], c001["oldest_due"], c001["avg_payment_delay_days"]) == (
        0,
        None,
        9.0,
    )
    assert invoices_open(store, "C001") == {
        "FA1": (120000, 0),
        "FA2": (60000, 0),
        "FA3": (150000, 0),
    }
    assert q(store, "SELECT lettered, settled_on FROM invoices WHERE ref = 'FA3'") == [(1, "2026-04-15")]


def test_fec_payment_terms_and_segment_from_settings(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    settings = Settings(fec_payment_terms_days=45, fec_segment="B2C")
    import_file(store, "fec", fec_file(tmp_path, FEC_LINES), now=NOW, actor="test", settings=settings)
    # FA3: 01/03 + 45 days = 15/04; FA1 lettered 20/02, due 19/02 → 1; FA2 due 24/02 → −19.
    assert q(store, "SELECT due_date FROM invoices WHERE ref = 'FA3'") == [("2026-04-15",)]
    c001 = debtor(store, "C001")
    assert (c001["segment"], c001["avg_payment_delay_days"]) == ("B2C", -9.0)


def test_fec_name_change_is_an_update_and_existing_csv_debtor_is_reused(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    run(
        store,
        "debtors",
        write(tmp_path, "d.csv", ["debtor_ref;name;segment;postcode", "C002;Martin;B2C;97400"]),
    )
    res = run(store, "fec", fec_file(tmp_path, FEC_LINES))
    # C002 existed: its name changes (an update); the other 3 debtors and 12 lines are new.
    assert counts(res) == (15, 1, 0)
    c002 = debtor(store, "C002")
    # The FEC gives a name; it does not reset what the CRM file said (segment, area).
    assert (c002["name"], c002["segment"], c002["area"]) == ("Société Martin", "B2C", "974")


def test_fec_without_customer_lines_is_rejected(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    path = fec_file(tmp_path, [FEC_LINES[1], FEC_LINES[2]])
    assert rejected(store, "fec", path) == [
        "FEC.txt:0: aucune écriture sur un compte client "
        "(préfixes cherchés : 411, 416, 4191 ; réglage fec_receivable_prefixes)"
    ]
