"""Legal rules end to end on a real database through the CLI: `penalties`, `prescription`,
`acknowledgment`, `overindebted`, the queue's `prescribed` and `overindebtedness` blocks,
`doctor`. Expectations hand-computed (see tests/domain/test_legal.py for the rates)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from recouvre_tui.cli import main
from stores import new_db

NOW = "2026-03-16T10:00"  # Monday; B2C invoices due 15/03/2024 prescribed since today

DEBTORS = """debtor_ref;name;segment;phone;agent
B1;Garage Dupont SARL;B2B;01 44 55 66 77;alice
C1;Jean Plain;B2C;06 12 34 56 71;alice
C2;Anne Payée;B2C;06 12 34 56 72;alice
C3;Paul Mise-en-demeure;B2C;06 12 34 56 73;alice
C4;Lise Reconnue;B2C;06 12 34 56 74;alice
C5;Marc Mixte;B2C;06 12 34 56 75;alice
"""
INVOICES = """debtor_ref;invoice_ref;issue_date;due_date;amount
B1;F1;2025-05-20;2025-06-20;10000.00
B1;F2;2024-02-28;2024-03-31;1000.00
C1;I1;2024-02-15;2024-03-15;1000.00
C2;I1;2024-02-15;2024-03-15;1000.00
C3;I1;2024-02-15;2024-03-15;1000.00
C4;I1;2024-02-15;2024-03-15;1000.00
C5;OLD;2024-02-15;2024-03-15;300.00
C5;NEW;2026-01-15;2026-02-15;200.00
"""
PAYMENTS = """debtor_ref;payment_ref;date;amount;invoice_ref
B1;P1;2024-04-30;400.00;F2
C2;P1;2025-01-10;100.00;I1
"""
EVENTS = """debtor_ref;at;channel;direction;outcome;agent;note
C3;2025-01-10;letter;out;formal_notice;lea;Mise en demeure
C4;2025-01-10;letter;in;acknowledgment;;Lettre du débiteur reconnaissant la dette
"""


@pytest.fixture
def db(tmp_path: Path) -> Path | str:
    path = new_db(tmp_path, "legal.db")
    ok(path, "init")
    ok(path, "agents", "add", "alice", "--name", "Alice Martin", "--role", "agent")
    ok(path, "agents", "add", "lea", "--name", "Léa Chef", "--role", "lead")
    for kind, text in (("debtors", DEBTORS), ("invoices", INVOICES), ("payments", PAYMENTS), ("events", EVENTS)):
        f = tmp_path / f"{kind}.csv"
        f.write_text(text, encoding="utf-8")
        ok(path, "import", kind, str(f), "--now", NOW)
    return path


def run(db: Path | str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def ok(db: Path | str, *args: str) -> Result:
    r = run(db, *args)
    assert r.exit_code == 0, r.stderr + r.stdout
    return r


def refused(db: Path | str, *args: str) -> str:
    r = run(db, *args)
    assert r.exit_code == 1, r.stdout
    return r.stderr


def penalties(db: Path | str, ref: str, now: str = NOW) -> dict:
    return json.loads(ok(db, "penalties", ref, "--now", now, "--format", "json").stdout)


def queue(db: Path | str, now: str = NOW) -> dict[str, dict]:
    out = json.loads(ok(db, "queue", "--agent", "alice", "--include-blocked", "--format", "json", "--now", now).stdout)
    return {e["debtor_ref"]: e for e in out}


def test_penalties_json_across_a_semester_change(db: Path | str) -> None:
    # On 10/07/2025: F1 (10 000 €, due 20/06/2025) 10 days at 13.15 % + 10 at 12.15 % = 69.32 €;
    # F2 (1 000 € due 31/03/2024, 400 € paid 30/04/2024): 30 days × 1 000 € at 14.50 %,
    # 61 days × 600 € at 14.50 % (to 30/06), 184 days × 600 € at 14.25 % (to 31/12),
    # 181 days × 600 € at 13.15 % (to 30/06/2025), 10 days × 600 € at 12.15 %:
    # (100 000 × 30 × 14.5 + 60 000 × (61 × 14.5 + 184 × 14.25 + 181 × 13.15 + 10 × 12.15)) / 36 500
    # = (43 500 000 + 60 000 × 6 008.15) / 36 500 = 11 068.19 c → 110.68 €.
    out = penalties(db, "B1", "2025-07-10T10:00")
    rows = {r["invoice_ref"]: r for r in out["invoices"]}
    assert (rows["F1"]["principal"], rows["F1"]["days_late"], rows["F1"]["penalty"], rows["F1"]["indemnity"]) == (
        10000.0,
        20,
        69.32,
        40.0,
    )
    assert (rows["F2"]["principal"], rows["F2"]["days_late"], rows["F2"]["penalty"]) == (600.0, 466, 110.68)
    assert (out["total_penalty"], out["total_indemnity"]) == (180.0, 80.0)


def test_penalties_table_and_b2c_without_indemnity(db: Path | str) -> None:
    text = ok(db, "penalties", "B1", "--now", "2025-07-10T10:00").stdout
    assert "F1" in text and "10000.00" in text and "69.32" in text
    assert "total_penalty    180.00" in text and "total_indemnity  80.00" in text
    out = penalties(db, "C2")
    (row,) = out["invoices"]
    assert (row["principal"], row["penalty"], row["indemnity"]) == (900.0, 0.0, 0.0)
    assert row["last_day_to_act"] == "2027-01-10"  # restarted by the payment of 10/01/2025


def test_claim_penalties_off_is_said_to_the_lead(db: Path | str, tmp_path: Path) -> None:
    cfg = tmp_path / "off.toml"
    cfg.write_text("[legal]\nclaim_penalties = false\n", encoding="utf-8")
    r = ok(db, "--config", str(cfg), "penalties", "B1", "--now", NOW)
    assert "réclamation désactivée" in r.stdout
    assert (
        json.loads(ok(db, "--config", str(cfg), "penalties", "B1", "--format", "json").stdout)["claim_penalties"]
        is False
    )


def test_unknown_debtor_is_refused(db: Path | str) -> None:
    assert "débiteur inconnu « ZZ »" in refused(db, "penalties", "ZZ", "--now", NOW)


def test_prescription_in_the_queue(db: Path | str) -> None:
    q = queue(db)
    assert "prescribed" in q["C1"]["blocked_by"]  # due 15/03/2024: last day was yesterday
    assert "prescribed" in q["C3"]["blocked_by"]  # a mise en demeure does not restart it
    assert "prescribed" not in q["C2"]["blocked_by"]  # a payment does
    assert "prescribed" not in q["C4"]["blocked_by"]  # so does an acknowledgment
    # C5: the old invoice is prescribed and leaves the balance; the recent one keeps it callable.
    assert "prescribed" not in q["C5"]["blocked_by"]
    assert q["C5"]["balance"] == 200.0
    assert q["C1"]["balance"] == 0.0
    assert "toutes les factures échues sont prescrites" in q["C1"]["blocked_explanations"]
    # The day before, C1 was still claimable.
    assert "prescribed" not in queue(db, "2026-03-15T10:00")["C1"]["blocked_by"]
    out = penalties(db, "C1")
    assert out["invoices"] == [] and out["prescribed_invoices"][0]["prescribed_since"] == "2026-03-16"


def test_prescription_watch_list(db: Path | str) -> None:
    rows = json.loads(ok(db, "prescription", "--within", "90", "--now", "2026-01-01T10:00", "--format", "json").stdout)
    assert [(r["debtor_ref"], r["invoice_ref"], r["last_day_to_act"]) for r in rows] == [
        ("C1", "I1", "2026-03-15"),
        ("C3", "I1", "2026-03-15"),
        ("C5", "OLD", "2026-03-15"),
    ]
    assert ok(db, "prescription", "--now", NOW).stdout.count("\n") == 3  # none left: header, rule, « aucune »


def test_acknowledgment_by_an_agent_restarts_the_period(db: Path | str) -> None:
    r = ok(db, "acknowledgment", "C5", "--on", "2026-03-10", "--as", "alice", "--note", "courrier", "--now", NOW)
    assert "reconnaissance de dette du 10/03/2026 enregistrée" in r.stdout
    assert queue(db)["C5"]["balance"] == 500.0  # OLD acknowledged before it prescribed
    assert "dans le futur" in refused(db, "acknowledgment", "C1", "--on", "2026-03-20", "--as", "alice", "--now", NOW)
    audit = json.loads(ok(db, "audit", "--format", "json").stdout)
    assert any(a["action"] == "acknowledgment" and a["entity_ref"] == "C5" for a in audit)


def test_overindebtedness_blocks_every_chase_and_is_reported(db: Path | str) -> None:
    assert "réservée au responsable" in refused(
        db, "overindebted", "C2", "--since", "2026-03-01", "--as", "alice", "--now", NOW
    )
    assert "ne concerne que les particuliers" in refused(
        db, "overindebted", "B1", "--since", "2026-03-01", "--as", "lea", "--now", NOW
    )
    ok(db, "overindebted", "C2", "--since", "2026-03-01", "--as", "lea", "--now", NOW)
    entry = queue(db)["C2"]
    assert entry["blocked_by"] == ["overindebtedness"]
    assert entry["blocked_explanations"] == ["surendettement : dossier recevable depuis le 01/03/2026"]
    # Never offered by `next`, even as the only callable debtor of the portfolio.
    nexts = json.loads(ok(db, "queue", "--agent", "alice", "--format", "json", "--now", NOW).stdout)
    assert "C2" not in [e["debtor_ref"] for e in nexts]
    doctor = json.loads(run(db, "doctor", "--format", "json", "--now", NOW).stdout)
    (check,) = [c for c in doctor if c["name"].startswith("débiteurs en surendettement")]
    assert check["detail"] == "1 : C2 (depuis le 01/03/2026)"
    audit = json.loads(ok(db, "audit", "--format", "json").stdout)
    assert any(a["action"] == "overindebted" and a["entity_ref"] == "C2" for a in audit)
    ok(db, "overindebted", "C2", "--off", "--as", "lea", "--now", NOW)
    assert "overindebtedness" not in queue(db)["C2"]["blocked_by"]


def test_case_screen_line_and_claim_switched_off(db: Path | str) -> None:
    from datetime import datetime

    from recouvre_tui.domain.config import LegalRules, Settings
    from recouvre_tui.domain.dates import parse_now
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.case_file import load_case
    from recouvre_tui.store.db import open_db
    from recouvre_tui.tui.case.panels import legal_line

    store = open_db(db)
    try:
        now: datetime = parse_now("2025-07-10T10:00")
        alice, lea = require_agent(store, "alice"), require_agent(store, "lea")
        case = load_case(store, alice, "B1", now=now, settings=Settings())
        line = legal_line(case)
        assert line is not None
        assert line.plain == "  pénalités de retard exigibles 180,00 €\n  indemnité forfaitaire 40 € × 2"
        off = Settings(legal=LegalRules(claim_penalties=False))
        assert legal_line(load_case(store, alice, "B1", now=now, settings=off)) is None  # never said
        lead_view = legal_line(load_case(store, lea, "B1", now=now, settings=off))
        assert lead_view is not None and lead_view.plain.startswith("  non réclamé (réglage du créancier) :")
        # C5 on NOW: the prescribed invoice leaves the balance stated.
        c5 = load_case(store, alice, "C5", now=parse_now(NOW), settings=Settings())
        assert (c5.claimed_balance_cents, c5.prescribed_refs) == (20_000, {"OLD"})
        assert c5.legal is not None and c5.legal.amounts_for_debtor() is None  # B2C: nothing to add
    finally:
        store.close()


def test_weekly_wear_report_warns_of_prescription(db: Path | str) -> None:
    text = ok(db, "report", "wear", "--now", "2026-01-01T10:00").stdout
    assert (
        "Prescription : 3 factures impayées (2\u202f300,00 €) seront prescrites dans les 90 jours sans action" in text
    )
    text = ok(db, "report", "wear", "--now", NOW).stdout
    assert "Prescription : aucune facture impayée ne se prescrit dans les 90 jours" in text


def test_fact_sheet_states_the_penalties_and_never_a_prescribed_invoice(db: Path | str) -> None:
    from datetime import date

    from recouvre_tui.domain.config import LegalRules, Settings
    from recouvre_tui.domain.dates import parse_now
    from recouvre_tui.domain.fact_wording import wording
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.case_file import load_case
    from recouvre_tui.services.script_guide import fact_sheet
    from recouvre_tui.store.db import open_db

    store = open_db(db)
    try:
        now = parse_now("2025-07-10T10:00")
        alice = require_agent(store, "alice")
        sheet = fact_sheet(
            load_case(store, alice, "B1", now=now, settings=Settings()), alice, Settings(), date(2025, 7, 10)
        )
        # Equal to `recouvre penalties B1` on that day: 180,00 € and 40 € × 2.
        assert (sheet.penalty_cents, sheet.indemnity_cents, sheet.indemnity_count) == (18_000, 8_000, 2)
        assert wording(sheet)["penalties"] == (
            "180,00 € de pénalités de retard et l'indemnité forfaitaire de 40 € par facture, soit 80,00 €"
        )
        off = Settings(legal=LegalRules(claim_penalties=False))
        sheet_off = fact_sheet(load_case(store, alice, "B1", now=now, settings=off), alice, off, date(2025, 7, 10))
        assert sheet_off.penalty_cents == 0 and wording(sheet_off)["penalties"] is None
        # C5 on NOW: OLD is prescribed, only NEW (200 €) is stated.
        c5 = load_case(store, alice, "C5", now=parse_now(NOW), settings=Settings())
        c5_sheet = fact_sheet(c5, alice, Settings(), date(2026, 3, 16))
        assert [i.ref for i in c5_sheet.overdue] == ["NEW"] and c5_sheet.overdue_cents == 20_000
        assert wording(c5_sheet)["penalties"] is None  # B2C: never
    finally:
        store.close()
