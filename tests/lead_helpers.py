"""Helpers for the team-lead console tests: small databases built through the services.

Everything goes through `init_db`, `services.agents.add_agent`, `services.importing.import_file`
on small CSV files, and the agents' services (outcomes, claims).

Reference instant: Tuesday 17 November 2026, 10:00 UTC = 11:00 in Paris (CET), a working day
inside both calling windows. Its ISO week is 2026-W47 (Monday 16 – Sunday 22 November).

The standard portfolio (`seed_portfolio`), days past due counted from T = 2026-11-17:

| ref  | agent | segment | area  | balance  | oldest due (days past due) | phone          |
|------|-------|---------|-------|----------|----------------------------|----------------|
| A1   | alice | B2C     | Paris | 1 000,00 | 2026-10-01 (47)            | 06 12 34 56 78 |
| A2   | alice | B2B     | 974   |   300,00 | 2026-11-10 (7)             | 0692 12 34 56  |
| B1   | bob   | B2C     | Paris | 5 000,00 | 2026-08-01 (108)           | 06 98 76 54 32 |
| B2   | bob   | B2B     | 971   |   150,00 | 2026-11-02 (15)            | 0590 11 22 33  |
| P1   | —     | B2C     | Paris |    80,00 | 2026-11-05 (12)            | 01 40 00 00 01 |
| P2   | —     | B2B     | Paris | 2 500,00 | 2026-09-15 (63)            | 01 40 00 00 02 |
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.agents import add_agent, require_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.outcome import Outcome, OutcomeResult, record_outcome
from recouvre_tui.store.agents import Agent
from recouvre_tui.store.db import Store, init_db
from stores import new_db

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # Tue 11:00 Paris
TODAY = date(2026, 11, 17)
WEEK = "2026-W47"
SETTINGS = Settings()

# (ref, name, segment, siren, postcode, phone, agent, invoice due, amount)
PORTFOLIO = (
    ("A1", "Société Générale de Nantes", "B2C", "", "75011", "06 12 34 56 78", "alice", "2026-10-01", "1000,00"),
    ("A2", "Dupont Frères SARL", "B2B", "552 100 554", "97400", "0692 12 34 56", "alice", "2026-11-10", "300,00"),
    ("B1", "Martin Jeanne", "B2C", "", "75015", "06 98 76 54 32", "bob", "2026-08-01", "5000,00"),
    ("B2", "Antilles Négoce", "B2B", "732 829 320", "97110", "0590 11 22 33", "bob", "2026-11-02", "150,00"),
    ("P1", "Lefèvre Paul", "B2C", "", "75002", "01 40 00 00 01", "", "2026-11-05", "80,00"),
    ("P2", "Bâtiments Durand", "B2B", "404 833 048", "75008", "01 40 00 00 02", "", "2026-09-15", "2500,00"),
)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@dataclass
class LeadEnv:
    store: Store
    dir: Path
    settings: Settings = SETTINGS
    files: int = 0

    @property
    def db(self) -> str:
        """What `--db` takes for this database: its file, or its PostgreSQL URL (tests/stores.py)."""
        return self.store.path

    @property
    def alice(self) -> Agent:
        return require_agent(self.store, "alice")

    @property
    def bob(self) -> Agent:
        return require_agent(self.store, "bob")

    @property
    def lea(self) -> Agent:
        return require_agent(self.store, "lea")

    # --- imports ---------------------------------------------------------------------------
    def import_csv(
        self, kind: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, now: datetime = NOW
    ) -> None:
        self.files += 1
        path = self.dir / f"{kind}_{self.files:03d}.csv"
        lines = [";".join(header)] + [";".join("" if c is None else str(c) for c in r) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        import_file(self.store, kind, path, now=now, actor="test", settings=self.settings)

    def add_debtors(self, rows: Sequence[Sequence[Any]], *, now: datetime = NOW) -> None:
        """rows: (ref, name, segment, siren, postcode, phone, agent, due, amount)."""
        self.import_csv(
            "debtors",
            ("debtor_ref", "name", "segment", "siren", "postcode", "phone", "agent"),
            [r[:7] for r in rows],
            now=now,
        )
        self.import_csv(
            "invoices",
            ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
            [(r[0], f"F-{r[0]}", _minus_30(r[7]), r[7], r[8]) for r in rows],
            now=now,
        )

    def add_payments(self, rows: Sequence[tuple[str, str, str, str]], *, now: datetime = NOW) -> None:
        """rows: (debtor_ref, payment_ref, date ISO, amount)."""
        self.import_csv("payments", ("debtor_ref", "payment_ref", "date", "amount"), rows, now=now)

    def add_events(self, rows: Sequence[tuple[str, str, str, str, str, str]], *, now: datetime = NOW) -> None:
        """rows: (debtor_ref, at (Paris), channel, direction, outcome, agent)."""
        self.import_csv("events", ("debtor_ref", "at", "channel", "direction", "outcome", "agent"), rows, now=now)

    def add_promises(self, rows: Sequence[tuple[str, str, str, str, str]], *, now: datetime = NOW) -> None:
        """rows: (debtor_ref, promise_ref, created_at, due_date, amount)."""
        self.import_csv("promises", ("debtor_ref", "promise_ref", "created_at", "due_date", "amount"), rows, now=now)

    # --- agents' actions -----------------------------------------------------------------------
    def outcome(self, who: Agent, ref: str, disposition: str, *, now: datetime = NOW, **kw: Any) -> OutcomeResult:
        return record_outcome(
            self.store,
            who,
            Outcome(debtor_ref=ref, disposition=disposition, **kw),
            now=now,
            settings=self.settings,
            source="test",
        )

    # --- reading -------------------------------------------------------------------------------
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.store.read() as conn:
            return list(conn.execute(sql, params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.rows(sql, params)
        assert len(rows) == 1, rows
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def debtor(self, ref: str) -> dict[str, Any]:
        with self.store.read() as conn:
            cur = conn.execute("SELECT * FROM debtors WHERE ref = ?", (ref,))
            cols = [d[0] for d in cur.description]
            row = cur.fetchone()
        assert row is not None, ref
        return dict(zip(cols, row, strict=True))

    def agent_of(self, ref: str) -> str | None:
        return self.debtor(ref)["agent"]

    def audits(self, action: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, at, actor, action, entity, entity_ref, details FROM audit"
        params: list[Any] = []
        if action:
            sql += " WHERE action = ?"
            params.append(action)
        cols = ("id", "at", "actor", "action", "entity", "entity_ref", "details")
        out = [dict(zip(cols, r, strict=True)) for r in self.rows(sql + " ORDER BY id", params)]
        for a in out:
            a["details"] = json.loads(a["details"])
        return out

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Everything a lead action could change (to prove a refusal changed nothing)."""
        tables = ("debtors", "events", "promises", "instalments", "callbacks", "claims", "audit", "agent_sessions")
        return {t: self.rows(f"SELECT * FROM {t} ORDER BY 1") for t in tables}


def _minus_30(due: str) -> str:
    return (date.fromisoformat(due) - timedelta(days=30)).isoformat()


def make_lead_env(tmp_path: Path, *, seed: bool = True, db: Path | str | None = None) -> LeadEnv:
    """Agents alice and bob, lead lea, and (by default) the standard portfolio; in `db` when
    given (a file or URL the test chose), else in the pass's store (`new_db`)."""
    store = init_db(db if db is not None else new_db(tmp_path, "lead.db"))
    for login, role in (("alice", "agent"), ("bob", "agent"), ("lea", "lead")):
        add_agent(
            store,
            login=login,
            name=login.title(),
            role=role,
            team="A",
            ssh_key_file=None,
            actor="test",
            now=NOW - timedelta(days=30),
        )
    env = LeadEnv(store, tmp_path)
    if seed:
        env.add_debtors(PORTFOLIO, now=NOW - timedelta(days=10))
    return env
