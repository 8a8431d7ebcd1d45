"""What the ledger says beyond open invoices is visible: `doctor` lists the credit balances
(Dolibarr fixture: Atelier Noël's advance of 300 € not applied) and the doubtful customers
(Œuvres Sociales du Nord, 1 000 € moved to 416), and the case screen flags « client douteux »."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from import_helpers import NOW, SETTINGS, make_store, run
from recouvre_tui.services.case_file import load_case
from recouvre_tui.services.doctor import run_checks
from recouvre_tui.store.agents import get_agent
from recouvre_tui.tui.case.panels import header

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fec"


def test_doctor_lists_credit_balances_and_doubtful_customers(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    run(store, "fec", FIXTURES / "dolibarr_FEC20261231.txt")
    checks = {c.name: (c.status, c.detail) for c in run_checks(store, now=NOW)}
    assert checks["soldes créditeurs (jamais proposés à l'appel)"] == (
        "attention",
        "1 débiteur(s), 300,00 € à rembourser ou à imputer : CU0003 Atelier Noël (-300,00 €)",
    )
    assert checks["clients douteux (416)"] == ("ok", "1 débiteur(s), 1\u202f000,00 €")
    store.close()


def test_doctor_without_credit_balances(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    checks = {c.name: (c.status, c.detail) for c in run_checks(store, now=NOW)}
    assert checks["soldes créditeurs (jamais proposés à l'appel)"] == ("ok", "0")
    store.close()


def test_case_header_flags_a_doubtful_customer(tmp_path: Path) -> None:
    store = make_store(tmp_path, "lea")
    with store.lock:
        store.conn.execute("UPDATE agents SET role = 'lead' WHERE login = 'lea'")
        lea = get_agent(store.conn, "lea")
    assert lea is not None
    run(store, "fec", FIXTURES / "dolibarr_FEC20261231.txt")
    doubtful = header(load_case(store, lea, "CU0001", now=NOW), SETTINGS, date(2026, 7, 15))
    assert "client douteux[/] (1\u202f000,00 € en 416)" in doubtful
    plain = header(load_case(store, lea, "CU0002", now=NOW), SETTINGS, date(2026, 7, 15))
    assert "douteux" not in plain
    store.close()
