"""FEC files in the layouts real producers write (fixtures/fec/, see its README), each with
its balances computed by hand from the lines:

- Odoo (pipe, UTF-8, PieceRef "-", journals INV/BNK1, partial matching "p2"/"P2"):
  Dupont: INV/2026/00001 1 200 lettered A1 with its payment (settled); CMD-778 600 with a
  250 payment in a partial group → 350 left; credit note RINV/2026/00001 120 (counterpart 7)
  → balance 1 200 − 1 200 + 600 − 250 − 120 = 230, open on CMD-778 350 − 120 = 230.
  Martin: 2 400 invoiced, 2 500 paid → −100, a credit balance.
- ERPNext (every field quoted, tab, DateLimitReglmt, PieceRef "No Reference", EcritureNum 12
  reused by two payments): Lefèvre: opening invoice 1 500 of 15/11/2025 (due 15/12/2025)
  + 960 − 300 − 200 = 1 960, the payments settle the opening invoice first (1 000 left).
  Écrans 27" Services: 480 − 480 = 0.
- Dolibarr (tab, ISO-8859-15, DateLimitReglmt, 416 and 4191): Œuvres Sociales: 1 800 − 800
  (partial lettering AAA) moved to 416 by an OD lettered AAA on 411 → 1 000 open on its own
  invoice, 1 000 doubtful. Boucherie Cœur: 1 200 − advance 500 applied → 700. Atelier Noël:
  advance 300 not yet applied → −300.
- Desktop package (Montant + Sens, pipe, Windows-1252, decimal point, no auxiliary account):
  Leroy: AN line FA-2025-311 850 of 20/11/2025 + FA-2026-014 1 320 − 1 000 (lettered "b",
  partial) − credit note 150 = 1 020; the credit note settles the oldest (850 → 700), 320
  left on FA-2026-014.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from import_helpers import make_store, q, run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fec"


def imported(tmp_path: Path, name: str):
    store = make_store(tmp_path)
    res = run(store, "fec", FIXTURES / name)
    debtors = {r[0]: r[1:] for r in q(store, "SELECT ref, name, balance_cents, doubtful_cents FROM debtors")}
    invoices = {
        (r[0], r[1]): r[2:]
        for r in q(
            store,
            "SELECT d.ref, i.ref, i.issue_date, i.due_date, i.amount_cents, i.open_cents "
            "FROM invoices i JOIN debtors d ON d.id = i.debtor_id",
        )
    }
    payments = sorted(
        q(store, "SELECT d.ref, p.ref, p.amount_cents FROM payments p JOIN debtors d ON d.id = p.debtor_id")
    )
    store.close()
    return res, debtors, invoices, payments


def test_odoo(tmp_path: Path) -> None:
    res, debtors, invoices, payments = imported(tmp_path, "odoo_FEC20261231.txt")
    assert debtors == {"DUP": ("Dupont SARL", 23000, 0), "MAR": ("Martin & Fils", -10000, 0)}
    assert invoices == {
        ("DUP", "INV/2026/00001"): ("2026-01-05", "2026-02-04", 120000, 0),
        ("DUP", "CMD-778"): ("2026-03-01", "2026-03-31", 60000, 23000),
        ("DUP", "RINV/2026/00001"): ("2026-03-25", "2026-03-25", -12000, 0),
        ("MAR", "INV/2026/00003"): ("2026-04-02", "2026-05-02", 240000, 0),
    }
    assert payments == [
        ("DUP", "BNK1-BNK1/2026/00001", 120000),
        ("DUP", "BNK1-BNK1/2026/00002", 25000),
        ("MAR", "BNK1-BNK1/2026/00003", 250000),
    ]
    assert res.warnings == []
    assert "1 lettrage(s) partiel(s) : le reste dû demeure ouvert" in res.notes
    assert "1 solde(s) créditeur(s) (crédits non affectés, acomptes), total 100,00 €" in res.notes


def test_erpnext(tmp_path: Path) -> None:
    res, debtors, invoices, payments = imported(tmp_path, "erpnext_fec.csv")
    assert debtors == {
        "CUST-0001": ("Boulangerie Lefèvre", 196000, 0),
        "CUST-0002": ('Écrans 27" Services', 0, 0),
    }
    assert invoices == {
        ("CUST-0001", "ACC-SINV-2025-00042"): ("2025-11-15", "2025-12-15", 150000, 100000),
        ("CUST-0001", "ACC-SINV-2026-00001"): ("2026-01-10", "2026-02-15", 96000, 96000),
        ("CUST-0002", "ACC-SINV-2026-00002"): ("2026-01-20", "2026-02-19", 48000, 0),
    }
    assert payments == [
        ("CUST-0001", "BQ-12/L10", 20000),
        ("CUST-0001", "BQ-12/L8", 30000),
        ("CUST-0002", "BQ-14-ACC-PAY-2026-00003", 48000),
    ]
    assert [str(w) for w in res.warnings] == [
        "erpnext_fec.csv:8: PieceRef: règlement « BQ-12 » du compte CUST-0001 en double : enregistré sous « BQ-12/L8 »",
        "erpnext_fec.csv:10: PieceRef: règlement « BQ-12 » du compte CUST-0001 en double (aussi à la ligne 8) : "
        "enregistré sous « BQ-12/L10 »",
    ]


def test_dolibarr(tmp_path: Path) -> None:
    res, debtors, invoices, payments = imported(tmp_path, "dolibarr_FEC20261231.txt")
    assert debtors == {
        "CU0001": ("Œuvres Sociales du Nord", 100000, 100000),
        "CU0002": ("Boucherie Cœur", 70000, 0),
        "CU0003": ("Atelier Noël", -30000, 0),
    }
    assert invoices == {
        ("CU0001", "FA2601-0001"): ("2026-01-15", "2026-01-31", 180000, 100000),
        ("CU0002", "FA2603-0003"): ("2026-03-10", "2026-04-10", 120000, 70000),
    }
    assert payments == [
        ("CU0001", "BQ-2-CHQ 4471", 80000),
        ("CU0002", "BQ-4-VIR 0203", 50000),
        ("CU0003", "BQ-7-VIR 0402", 30000),
    ]
    assert res.warnings == []
    notes = "\n".join(res.notes)
    assert "4 ligne(s) de reclassement entre comptes clients" in notes
    assert "1 client(s) douteux (416)" in notes
    assert "acomptes reçus non imputés (4191)" in notes


def test_desktop_package_montant_sens(tmp_path: Path) -> None:
    res, debtors, invoices, payments = imported(tmp_path, "desktop_montant_sens_FEC20261231.txt")
    assert debtors == {"411LEROY": ("Leroy – Café l’Étoile", 102000, 0)}
    assert invoices == {
        ("411LEROY", "FA-2025-311"): ("2025-11-20", "2025-12-20", 85000, 70000),
        ("411LEROY", "FA-2026-014"): ("2026-02-10", "2026-03-12", 132000, 32000),
        ("411LEROY", "AV-2026-002/VE0019"): ("2026-03-12", "2026-03-12", -15000, 0),
    }
    assert payments == [("411LEROY", "BQ1-BQ0031-CHQ-88121", 100000)]
    assert res.warnings == []


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".txt", ".csv")))
def test_each_fixture_reimports_unchanged(tmp_path: Path, name: str) -> None:
    store = make_store(tmp_path)
    first = run(store, "fec", FIXTURES / name)
    again = run(store, "fec", FIXTURES / name)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    store.close()


def test_a_generic_chart_is_read_by_setting_the_prefix(tmp_path: Path) -> None:
    """Odoo's generic chart puts customers on 121000: read with fec_receivable_prefixes = ["121"]."""
    from dataclasses import replace

    from import_helpers import NOW
    from recouvre_tui.domain.config import Settings
    from recouvre_tui.importers.reader import ImportRejected
    from recouvre_tui.services.importing import import_file

    data = (FIXTURES / "odoo_FEC20261231.txt").read_bytes().replace(b"|411100|", b"|121000|")
    store = make_store(tmp_path)
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "fec", "FEC.txt", now=NOW, actor="t", settings=Settings(), data=data)
    assert "préfixes cherchés : 411, 416, 4191" in str(refused.value)
    generic = replace(Settings(), fec_receivable_prefixes=("121",))
    import_file(store, "fec", "FEC.txt", now=NOW, actor="t", settings=generic, data=data)
    assert q(store, "SELECT ref, balance_cents FROM debtors ORDER BY ref") == [("DUP", 23000), ("MAR", -10000)]
    store.close()


def test_prefix_settings_are_checked(tmp_path: Path) -> None:
    from recouvre_tui.settings import ConfigError, load_settings

    cfg = tmp_path / "config.toml"
    cfg.write_text('fec_receivable_prefixes = ["411", 416]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(cfg)
    assert "fec_receivable_prefixes[1]: texte attendu" in str(exc.value)
    cfg.write_text('fec_receivable_prefixes = ["121"]\nfec_credit_note_journals = ["VT", "AV"]\n', encoding="utf-8")
    loaded = load_settings(cfg)
    assert (loaded.fec_receivable_prefixes, loaded.fec_credit_note_journals) == (("121",), ("VT", "AV"))
