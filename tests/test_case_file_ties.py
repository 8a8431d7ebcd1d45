"""A debtor's case file lists rows that tie on their date in one order on both stores: the
same-instant promises, same-day payments and same-time callbacks. The lists ended on a
non-unique key, and PostgreSQL orders such ties as its plan reads them (its sort keeps no
order from 7 rows up, a bitmap scan reads rows where updates left them), not as SQLite did:
`scripts show --format json` listed the promises of the fact sheet in another order. Each
tie-break is the order SQLite already gave."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from lead_helpers import NOW, LeadEnv, make_lead_env
from recouvre_tui.cli import main
from recouvre_tui.services.case_file import load_case


def _env(tmp_path: Path) -> LeadEnv:
    env = make_lead_env(tmp_path, seed=False)
    env.add_debtors([("T1", "Tuilerie Martin", "B2C", "", "75011", "06 12 34 56 78", "alice", "2026-09-01", "9000,00")])
    return env


def test_promises_recorded_at_the_same_instant_come_newest_first_then_last_recorded_first(tmp_path: Path) -> None:
    env = _env(tmp_path)
    # Eight promises, recorded at two instants in turn (the ties mixed, as an import leaves them).
    env.add_promises(
        [("T1", f"PR-{k}", f"2026-11-1{k % 2} 1{k % 2}:00", "2026-11-30", "10,00") for k in range(1, 9)],
        now=NOW,
    )
    # Odd ones on the 11th at 11:00 (newest), even ones on the 10th; the file's order is the
    # order they were recorded, so within an instant the last line of the file comes first.
    order = ["PR-7", "PR-5", "PR-3", "PR-1", "PR-8", "PR-6", "PR-4", "PR-2"]
    assert [p["ref"] for p in load_case(env.store, env.lea, "T1", now=NOW).promises] == order
    show = ["scripts", "show", "T1", "--as", "lea", "--format", "json", "--now", "2026-11-17T11:00"]
    r = CliRunner().invoke(main, ["--db", str(env.db), *show])
    assert r.exit_code == 0, r.stderr
    assert [p["ref"] for p in json.loads(r.stdout)["fact_sheet"]["promises"]] == order


def test_same_day_payments_and_same_time_callbacks_in_the_order_they_came(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env.add_payments([("T1", f"V-{k}", f"2026-11-1{k % 2}", "10,00") for k in range(1, 9)])
    timeline = load_case(env.store, env.lea, "T1", now=NOW).timeline  # the case screen's history
    assert [t.raw["ref"] for t in timeline if t.kind == "payment"] == [
        "V-7", "V-5", "V-3", "V-1", "V-8", "V-6", "V-4", "V-2"
    ]  # fmt: skip
    for k in range(8):  # callbacks set for two times in turn, from eight calls
        at = NOW + timedelta(days=1, minutes=30 * (k % 2))
        env.outcome(env.alice, "T1", "callback", callback_at=at, now=NOW + timedelta(minutes=k))
    callbacks = load_case(env.store, env.lea, "T1", now=NOW).callbacks  # the next one is shown first
    assert [c["id"] for c in callbacks] == [1, 3, 5, 7, 2, 4, 6, 8]
    assert [c["due_at"][-8:] for c in callbacks] == ["10:00:00"] * 4 + ["10:30:00"] * 4
