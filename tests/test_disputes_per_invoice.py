"""Disputes on the invoices they concern (m006): the outcome names the contested invoices,
they leave the amount claimed, the debtor is blocked only when everything overdue is
contested, and the lead closes a dispute invoice by invoice. Through the real services,
the CLI and SQLite; `scripts show --format json` audits what the agent will say."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner, Result

from lead_helpers import NOW, LeadEnv, make_lead_env
from recouvre_tui.cli import main
from recouvre_tui.services import lead
from recouvre_tui.services.case_file import load_case
from recouvre_tui.services.lead import LeadError
from recouvre_tui.services.letters import claim_lines
from recouvre_tui.services.maintenance import migrate
from recouvre_tui.services.outcome import OutcomeError
from recouvre_tui.services.refresh import refresh
from recouvre_tui.store import schema
from recouvre_tui.store.db import SqliteStore, connect, open_db

NOW_ARG = "2026-11-17T11:00"  # NOW in Paris


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    """Z1 (B2B, alice): Z-1 1 000,00 € due 01/09, Z-2 500,00 € due 01/10, Z-3 200,00 € due 10/12."""
    e = make_lead_env(tmp_path, seed=False)
    e.import_csv(
        "debtors",
        ("debtor_ref", "name", "segment", "postcode", "phone", "sales_rep", "agent"),
        [("Z1", "Zinc Services SARL", "B2B", "44000", "02 40 11 22 33", "Paul Durand", "alice")],
        now=NOW - timedelta(days=10),
    )
    e.import_csv(
        "invoices",
        ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
        [
            ("Z1", "Z-1", "2026-08-01", "2026-09-01", "1000,00"),
            ("Z1", "Z-2", "2026-09-01", "2026-10-01", "500,00"),
            ("Z1", "Z-3", "2026-11-10", "2026-12-10", "200,00"),
        ],
        now=NOW - timedelta(days=10),
    )
    return e


def run(env: LeadEnv, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(env.db), *args, "--now", NOW_ARG])


def sheet(env: LeadEnv) -> dict:
    r = run(env, "scripts", "show", "Z1", "--as", "alice", "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def lines(env: LeadEnv) -> list[tuple[str, str, int]]:
    return env.rows("SELECT invoice_ref, status, amount_cents FROM dispute_invoices ORDER BY id")


def test_dispute_on_one_invoice_keeps_the_debtor_in_the_queue_for_the_others(env: LeadEnv) -> None:
    r = run(env, "outcome", "--agent", "alice", "Z1", "--disposition", "dispute", "--invoice", "Z-1")
    assert r.exit_code == 0, r.stderr
    assert lines(env) == [("Z-1", "open", 100_000)]
    assert env.debtor("Z1")["dispute_open"] == 0
    data = sheet(env)
    facts = data["fact_sheet"]
    assert [i["ref"] for i in facts["overdue"]["invoices"]] == ["Z-2"]
    assert facts["overdue"]["amount"] == 500.0
    assert facts["contested"] == {
        "amount": 1000.0,
        "invoices": [{"ref": "Z-1", "due_date": "2026-09-01", "open": 1000.0, "days_late": 77}],
    }
    assert facts["not_yet_due"]["amount"] == 200.0 and facts["not_yet_due"]["next_due_date"] == "2026-12-10"
    assert data["stage"] != "dispute"
    said = "\n".join(line for phase in data["phases"].values() for line in phase)
    assert "« Ce montant s'entend hors la facture Z-1 que vous contestez, transmise à Paul Durand. »" in said
    assert "1\u202f000,00 €" not in said  # the contested invoice is not claimed
    assert data["reason"].startswith("Pourquoi ce ton : ")


def test_dispute_on_everything_overdue_blocks_until_an_invoice_falls_due(env: LeadEnv) -> None:
    env.outcome(env.alice, "Z1", "dispute", dispute_invoices=["Z-1", "Z-2"], dispute_amount_cents=120_000)
    # 1 200,00 € contested, spread over the invoices in order.
    assert lines(env) == [("Z-1", "open", 100_000), ("Z-2", "open", 20_000)]
    assert env.debtor("Z1")["dispute_open"] == 1  # Z-3 is not due yet: nothing left to claim
    assert sheet(env)["stage"] == "dispute"
    refresh(env.store, now=NOW + timedelta(days=24), settings=env.settings)  # 11/12: Z-3 is overdue
    assert env.debtor("Z1")["dispute_open"] == 0


def test_default_dispute_covers_every_open_invoice(env: LeadEnv) -> None:
    env.outcome(env.alice, "Z1", "dispute")
    assert [r[0] for r in lines(env)] == ["Z-1", "Z-2", "Z-3"]
    assert env.debtor("Z1")["dispute_open"] == 1


def test_lead_closes_per_invoice_accepted_then_rejected(env: LeadEnv) -> None:
    env.outcome(env.alice, "Z1", "dispute", dispute_invoices=["Z-1", "Z-2"])
    r = run(env, "dispute", "close", "Z1", "--invoice", "Z-1", "--accepted", "--as", "lea")
    assert r.exit_code == 0, r.stderr
    assert "litige clos (fondé, avoir attendu) pour Z-1" in r.stdout
    # Z-1 awaits its credit note, Z-2 is still contested: nothing to claim, still blocked.
    assert lines(env) == [("Z-1", "accepted", 100_000), ("Z-2", "open", 50_000)]
    assert env.debtor("Z1")["dispute_open"] == 1
    r = run(env, "dispute", "close", "Z1", "--invoice", "Z-2", "--rejected", "--as", "lea")
    assert r.exit_code == 0, r.stderr
    assert env.debtor("Z1")["dispute_open"] == 0
    facts = sheet(env)["fact_sheet"]
    assert [i["ref"] for i in facts["overdue"]["invoices"]] == ["Z-2"]  # claimed again
    assert [i["ref"] for i in facts["awaiting_credit_note"]] == ["Z-1"]
    (a, b) = env.audits("dispute_close")
    assert (a["details"]["invoices"], a["details"]["decision"]) == (["Z-1"], "accepted")
    assert (b["details"]["invoices"], b["details"]["decision"]) == (["Z-2"], "rejected")


def test_bad_dispute_input_is_refused_in_french_and_changes_nothing(env: LeadEnv) -> None:
    before = env.snapshot()
    r = run(env, "outcome", "--agent", "alice", "Z1", "--disposition", "dispute", "--invoice", "Z-9")
    assert r.exit_code == 1 and "facture inconnue ou soldée pour ce débiteur : « Z-9 »" in r.stderr
    r = run(env, "outcome", "--agent", "alice", "Z1", "--disposition", "no_answer", "--invoice", "Z-1")
    assert r.exit_code == 1 and "qu'avec l'issue « litige »" in r.stderr
    r = run(
        env, "outcome", "--agent", "alice", "Z1", "--disposition", "dispute", "--invoice", "Z-2",
        "--contested-amount", "600,00",
    )  # fmt: skip
    assert r.exit_code == 1 and "supérieur au restant dû des factures (500,00 €)" in r.stderr.replace("\u202f", " ")
    r = run(env, "outcome", "--agent", "alice", "Z1", "--disposition", "dispute", "--contested-amount", "abc")
    assert r.exit_code == 1 and "--contested-amount" in r.stderr
    assert env.snapshot() == before
    r = run(env, "dispute", "close", "Z1", "--rejected", "--as", "lea")
    assert r.exit_code == 1 and "aucun litige ouvert pour le débiteur Z1" in r.stderr
    env.outcome(env.alice, "Z1", "dispute", dispute_invoices=["Z-1"])
    r = run(env, "dispute", "close", "Z1", "--as", "lea")
    assert r.exit_code == 1 and "préciser --accepted (avoir attendu) ou --rejected" in r.stderr
    with pytest.raises(LeadError, match="pas de litige ouvert sur la facture « Z-2 »"):
        lead.close_dispute(env.store, env.lea, "Z1", invoices=["Z-2"], decision="rejected", now=NOW)
    with pytest.raises(OutcomeError):
        env.outcome(env.alice, "Z1", "dispute", dispute_invoices=["Z-1"], dispute_amount_cents=0)
    assert lines(env) == [("Z-1", "open", 100_000)]


@pytest.mark.sqlite_only  # an older SQLite file, built with sqlite-utils' migrations table
def test_migration_keeps_whole_account_disputes(tmp_path: Path) -> None:
    """A debtor in dispute before m006 gets every open invoice contested: still blocked."""
    path = tmp_path / "old.db"
    store = SqliteStore(sqlite_utils.Database(connect(path)), str(path))  # as the previous version left it
    with store.write():
        schema.migrations.apply(store.db, stop_before="m006_disputes_per_invoice")
    with store.write() as conn:
        conn.execute(
            "INSERT INTO debtors (ref, name, segment, dispute_open, balance_cents, created_at, updated_at) "
            "VALUES ('OLD', 'Ancienne SA', 'B2B', 1, 150000, '2026-01-01', '2026-10-01 08:00:00')"
        )
        for ref, open_cents in (("O-1", 100_000), ("O-2", 50_000), ("O-3", 0)):
            conn.execute(
                "INSERT INTO invoices (debtor_id, ref, due_date, amount_cents, open_cents, source, created_at,"
                " updated_at) VALUES (1, ?, '2026-09-01', 100000, ?, 'test', '2026-01-01', '2026-01-01')",
                (ref, open_cents),
            )
    store.close()
    store = open_db(path, allow_pending=True)
    assert migrate(store, now=NOW).applied[0] == "m006_disputes_per_invoice"  # later ones follow
    try:
        with store.read() as conn:
            rows = conn.execute(
                "SELECT d.opened_at, d.amount_cents, di.invoice_ref, di.status FROM dispute_invoices di "
                "JOIN disputes d ON d.id = di.dispute_id ORDER BY di.invoice_ref"
            ).fetchall()
            flag = conn.execute("SELECT dispute_open FROM debtors").fetchone()[0]
    finally:
        store.close()
    assert rows == [
        ("2026-10-01 08:00:00", 150_000, "O-1", "open"),
        ("2026-10-01 08:00:00", 150_000, "O-2", "open"),
    ]
    assert flag == 1


def test_formal_notice_with_its_reference_and_amount_is_cited_as_such(env: LeadEnv) -> None:
    r = run(
        env,
        "formal-notice",
        "Z1",
        "--date",
        "2026-10-19",
        "--ref",
        "MED-2026-118",
        "--amount",
        "1 200,00",
        "--as",
        "lea",
    )
    assert r.exit_code == 0, r.stderr
    data = sheet(env)
    (letter,) = data["fact_sheet"]["letters"]
    assert letter == {
        "sent_on": "2026-10-19",
        "ref": "MED-2026-118",
        "formal_notice": True,
        "invoices": ["Z-1", "Z-2"],  # overdue on 19/10 (Z-3 was not even issued)
        "amount": 1200.0,
        "amount_from_letter": True,
    }
    r = run(env, "scripts", "show", "Z1", "--as", "alice", "--tone", "neutre")
    assert "« J'appelle suite à notre mise en demeure du 19/10/2026 (réf. MED-2026-118). »" in r.stdout
    assert "« Elle portait sur 1\u202f200,00 €. Où en êtes-vous ? »" in r.stdout
    r = run(env, "formal-notice", "Z1", "--amount", "-5", "--as", "lea")
    assert r.exit_code == 1 and "--amount : montant positif attendu" in r.stderr


def test_formal_notice_without_amount_covers_what_was_overdue_on_its_date(env: LeadEnv) -> None:
    assert run(env, "formal-notice", "Z1", "--date", "2026-09-15", "--as", "lea").exit_code == 0
    r = run(env, "scripts", "show", "Z1", "--as", "alice", "--tone", "neutre")
    # On 15/09 only Z-1 (due 01/09) was overdue: Z-2 (due 01/10) is not said to be covered.
    assert "« Elle portait sur la facture Z-1, pour 1\u202f000,00 €. Où en êtes-vous ? »" in r.stdout


def test_a_dispute_reopened_within_the_minute_is_the_one_the_guide_sees(env: LeadEnv) -> None:
    """Opened, rejected and opened again at the same instant: the fact sheet reads an invoice's
    last line, so the disputes must come in the order they were opened (SQLite listed the open
    line first, by its index: the guide claimed the contested Z-1, and a mise en demeure or a
    court pack would have claimed it too; PostgreSQL did not)."""
    env.outcome(env.alice, "Z1", "dispute", dispute_invoices=["Z-1"])
    r = run(env, "dispute", "close", "Z1", "--invoice", "Z-1", "--rejected", "--as", "lea")
    assert r.exit_code == 0, r.stderr
    env.outcome(env.alice, "Z1", "dispute", dispute_invoices=["Z-1"])
    assert lines(env) == [("Z-1", "rejected", 100_000), ("Z-1", "open", 100_000)]
    facts = sheet(env)["fact_sheet"]
    assert [i["ref"] for i in facts["contested"]["invoices"]] == ["Z-1"]
    assert [i["ref"] for i in facts["overdue"]["invoices"]] == ["Z-2"]
    assert [(d["invoice"], d["status"]) for d in facts["disputes"]] == [("Z-1", "open")]
    case = load_case(env.store, env.lea, "Z1", now=NOW, settings=env.settings)
    assert [x.invoice_ref for x in claim_lines(case, env.lea, env.settings, NOW.date())] == ["Z-2"]
