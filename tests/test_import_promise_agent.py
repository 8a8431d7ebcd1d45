"""Imported promises take the agent of the promise call made at the same instant, whichever
file comes first (per-agent promise figures then include the imported history)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.agents import add_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.store.db import init_db
from stores import new_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FILES = {
    "debtors": "debtor_ref;name;segment\nP1;Jeanne Roux;B2C\n",
    "events": "debtor_ref;at;channel;direction;outcome;agent\n"
    "P1;2026-11-10 15:00;call;out;no_answer;bob\n"
    "P1;2026-11-12 15:00;call;out;promise;alice\n",
    "promises": "debtor_ref;promise_ref;created_at;due_date;amount\nP1;PR-1;2026-11-12 15:00;2026-11-30;100,00\n",
}


@pytest.mark.parametrize("order", [("events", "promises"), ("promises", "events")])
def test_promise_agent_from_the_matching_call(tmp_path: Path, order: tuple[str, str]) -> None:
    store = init_db(new_db(tmp_path, "t.db"))
    for login in ("alice", "bob"):
        add_agent(store, login=login, name=login, role="agent", team=None, ssh_key_file=None, actor="t", now=NOW)
    for kind in ("debtors", *order):
        path = tmp_path / f"{kind}.csv"
        path.write_text(FILES[kind], encoding="utf-8")
        import_file(store, kind, path, now=NOW, actor="t", settings=Settings())
    row = store.conn.execute(
        "SELECT p.agent, e.outcome, e.agent FROM promises p JOIN events e ON e.id = p.event_id WHERE p.ref = 'PR-1'"
    ).fetchone()
    assert row == ("alice", "promise", "alice")
