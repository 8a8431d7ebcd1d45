"""The scripts report (`recouvre report scripts`): calls, right-party contacts, promises, kept and
broken promises per script and tone over Paris days, counted by hand on outcomes recorded through
the service."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from queue_helpers import NOW, SETTINGS, Debtor, Env, days_before, make_env
from recouvre_tui.cli import main
from recouvre_tui.services.promise_tracking import evaluate_promises
from recouvre_tui.services.script_report import ScriptRow, script_report

A, B = "b2c-first-neutre", "b2c-follow-ferme"
DAY = date(2026, 11, 17)  # NOW's Paris day
WEEK_BEFORE = NOW - timedelta(days=7)


def book(tmp_path: Path) -> Env:
    """S1–S6 owe 100 € each. On 17/11: S1 no answer (A, neutre); S2 promise of 100 € for 20/11
    (A, neutre), paid on 19/11; S3 refusal (A, neutre); S4 promise for 20/11 (B, ferme), never
    paid; S5 promise without script. On 10/11: S6 no answer (A, neutre)."""
    env = make_env(tmp_path)
    env.add_debtors([Debtor(f"S{i}", agent="alice", invoices=[(f"F{i}", days_before(40), "100")]) for i in range(1, 7)])
    due = [(date(2026, 11, 20), 10_000)]
    env.outcome("alice", "S6", "no_answer", now=WEEK_BEFORE, script_id=A, tone="neutre")
    env.outcome("alice", "S1", "no_answer", script_id=A, tone="neutre")
    env.outcome("alice", "S2", "promise", script_id=A, tone="neutre", instalments=due)
    env.outcome("alice", "S3", "refusal", script_id=A, tone="neutre", reason=None)
    env.outcome("alice", "S4", "promise", script_id=B, tone="ferme", instalments=due)
    env.outcome("alice", "S5", "promise", instalments=due)
    env.add_payments([("S2", "P2", "2026-11-19", "100")], now=NOW + timedelta(days=2))
    with env.store.write() as conn:  # 25/11: S4's instalment is 5 days late, past the 3 days of grace
        evaluate_promises(conn, None, now=NOW + timedelta(days=8), settings=SETTINGS)
    return env


def test_one_day_per_script_and_tone(tmp_path: Path) -> None:
    env = book(tmp_path)
    rows = script_report(env.store, start=DAY, end=DAY, now=NOW + timedelta(days=8), settings=SETTINGS)
    assert rows == [
        ScriptRow(A, "neutre", calls=3, rpc=2, promises=1, kept=1, broken=0),
        ScriptRow(B, "ferme", calls=1, rpc=1, promises=1, kept=0, broken=1),
    ]
    assert (rows[0].promise_rate, rows[0].kept_rate) == (0.5, 1.0)
    assert (rows[1].promise_rate, rows[1].kept_rate) == (1.0, 0.0)


def test_a_call_without_a_tone_comes_first_in_its_script_on_both_stores(tmp_path: Path) -> None:
    env = book(tmp_path)
    env.outcome("alice", "S5", "no_answer", now=NOW + timedelta(hours=5), script_id=A, tone=None)
    rows = script_report(env.store, start=DAY, end=DAY, now=NOW + timedelta(days=8), settings=SETTINGS)
    assert [(r.script_id, r.tone, r.calls) for r in rows] == [(A, None, 1), (A, "neutre", 3), (B, "ferme", 1)]


def test_the_period_is_inclusive_of_both_days(tmp_path: Path) -> None:
    env = book(tmp_path)
    week = script_report(env.store, start=date(2026, 11, 10), end=DAY, now=NOW, settings=SETTINGS)
    assert [(r.script_id, r.calls) for r in week] == [(A, 4), (B, 1)]  # S6 on 10/11 counts
    before = script_report(env.store, start=date(2026, 11, 11), end=date(2026, 11, 16), now=NOW, settings=SETTINGS)
    assert before == []


def test_rates_without_contacts_or_settled_promises_are_unknown() -> None:
    row = ScriptRow("x", None, calls=2, rpc=0, promises=0, kept=0, broken=0)
    assert (row.promise_rate, row.kept_rate) == (None, None)


def test_the_report_command_in_json_and_its_date_order(tmp_path: Path) -> None:
    env = book(tmp_path)
    env.store.close()
    db = env.db
    args = ["--db", db, "report", "scripts", "--from", "17/11/2026", "--to", "17/11/2026", "--format", "json"]
    r = CliRunner().invoke(main, [*args, "--now", "2026-11-25T10:00:00Z"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == [
        {
            "script_id": A,
            "tone": "neutre",
            "calls": 3,
            "rpc": 2,
            "promises": 1,
            "promise_rate": 0.5,
            "kept": 1,
            "broken": 0,
            "kept_rate": 1.0,
        },
        {
            "script_id": B,
            "tone": "ferme",
            "calls": 1,
            "rpc": 1,
            "promises": 1,
            "promise_rate": 1.0,
            "kept": 0,
            "broken": 1,
            "kept_rate": 0.0,
        },
    ]
    r = CliRunner().invoke(main, ["--db", db, "report", "scripts", "--from", "18/11/2026", "--to", "17/11/2026"])
    assert r.exit_code == 1
    assert "--to doit suivre --from" in r.output
