"""Shared fixtures for the work-queue tests: small databases built through the services.

Everything goes through `init_db`, `services.agents.add_agent` and
`services.importing.import_file` on small CSV files; the few states no service writes yet
(hold, do-not-call, a stale claim, another job's lock) are set with a direct statement here.

Reference instant: Tuesday 17 November 2026, 10:00 UTC = 11:00 in Paris (CET, UTC+1),
inside both calling windows (B2C 09:00–20:00, B2B 09:00–12:30 / 14:00–18:00), not a
public holiday. Its Paris date T is 2026-11-17.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.agents import add_agent, require_agent
from recouvre_tui.services.importing import ImportResult, import_file
from recouvre_tui.services.outcome import Outcome, OutcomeResult, record_outcome
from recouvre_tui.services.work_queue import QueueEntry, list_queue, take_next
from recouvre_tui.store.agents import Agent
from recouvre_tui.store.db import Store, init_db, open_db
from stores import clone_db, new_db

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # Tue 11:00 Paris
TODAY = date(2026, 11, 17)
SETTINGS = Settings()

AGENTS = ("alice", "bob")
LEAD = "lea"


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def days_before(n: int, day: date = TODAY) -> str:
    return (day - timedelta(days=n)).isoformat()


def phone(n: int) -> str:
    """A valid French mobile number, distinct for each n (06 12 xx xx xx)."""
    return f"0612{n:06d}"


@dataclass
class Debtor:
    ref: str
    name: str = ""
    segment: str = "B2C"
    postcode: str = "75011"
    phone: str | None = None
    agent: str = ""
    # (invoice_ref, due_date ISO, amount as text)
    invoices: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Env:
    store: Store
    dir: Path
    settings: Settings = SETTINGS
    files: int = 0

    @property
    def db(self) -> str:
        """What `--db` takes for this database: its file, or its PostgreSQL URL (tests/stores.py)."""
        return self.store.path

    # --- agents -----------------------------------------------------------------------
    def agent(self, login: str) -> Agent:
        return require_agent(self.store, login)

    # --- imports ----------------------------------------------------------------------
    def write_csv(self, kind: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
        self.files += 1
        path = self.dir / f"{kind}_{self.files:03d}.csv"
        lines = [";".join(header)] + [";".join("" if c is None else str(c) for c in r) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def import_csv(
        self,
        kind: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        now: datetime = NOW,
    ) -> ImportResult:
        path = self.write_csv(kind, header, rows)
        return import_file(self.store, kind, path, now=now, actor="test", settings=self.settings)

    def add_debtors(self, debtors: Sequence[Debtor], *, now: datetime = NOW) -> None:
        self.import_csv(
            "debtors",
            ("debtor_ref", "name", "segment", "postcode", "phone", "agent"),
            [
                (
                    d.ref,
                    d.name or f"Débiteur {d.ref}",
                    d.segment,
                    d.postcode,
                    d.phone if d.phone is not None else phone(i + 1 + self.files * 1000),
                    d.agent,
                )
                for i, d in enumerate(debtors)
            ],
            now=now,
        )
        invoices = [(d.ref, *inv) for d in debtors for inv in d.invoices]
        if invoices:
            self.add_invoices(invoices, now=now)

    def add_invoices(self, rows: Sequence[tuple[str, str, str, str]], *, now: datetime = NOW) -> None:
        """rows: (debtor_ref, invoice_ref, due_date ISO, amount)."""
        self.import_csv(
            "invoices",
            ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
            [(d, ref, _minus_30(due), due, amount) for d, ref, due, amount in rows],
            now=now,
        )

    def add_payments(self, rows: Sequence[tuple[str, str, str, str]], *, now: datetime = NOW) -> None:
        """rows: (debtor_ref, payment_ref, date ISO, amount)."""
        self.import_csv("payments", ("debtor_ref", "payment_ref", "date", "amount"), rows, now=now)

    def add_events(self, rows: Sequence[tuple[str, str, str, str, str]], *, now: datetime = NOW) -> None:
        """rows: (debtor_ref, at (Paris local or with offset), channel, direction, outcome)."""
        self.import_csv("events", ("debtor_ref", "at", "channel", "direction", "outcome"), rows, now=now)

    def add_promises(self, rows: Sequence[tuple[str, str, str, str, str]], *, now: datetime = NOW) -> None:
        """rows: (debtor_ref, promise_ref, created_at, due_date, amount), one per instalment."""
        self.import_csv(
            "promises",
            ("debtor_ref", "promise_ref", "created_at", "due_date", "amount"),
            rows,
            now=now,
        )

    # --- direct states no service writes yet ---------------------------------------------
    def set_flag(self, ref: str, column: str, value: int = 1) -> None:
        assert column in {"on_hold", "do_not_call", "dispute_open"}
        with self.store.write() as conn:
            conn.execute(f"UPDATE debtors SET {column} = ? WHERE ref = ?", (value, ref))

    # --- services ---------------------------------------------------------------------
    def queue(
        self, login: str, *, now: datetime = NOW, include_blocked: bool = False, limit: int = 100
    ) -> list[QueueEntry]:
        return list_queue(
            self.store,
            self.agent(login),
            now=now,
            settings=self.settings,
            limit=limit,
            include_blocked=include_blocked,
        )

    def refs(self, login: str, *, now: datetime = NOW) -> list[str]:
        return [e.debtor_ref for e in self.queue(login, now=now)]

    def blocked(self, login: str, ref: str, *, now: datetime = NOW) -> list[str]:
        """blocked_by codes of `ref` in the agent's queue with --include-blocked."""
        for e in self.queue(login, now=now, include_blocked=True, limit=10_000):
            if e.debtor_ref == ref:
                return e.blocked_by
        raise AssertionError(f"{ref} absent from {login}'s queue")

    def take(self, login: str, *, now: datetime = NOW) -> QueueEntry | None:
        return take_next(self.store, self.agent(login), now=now, settings=self.settings)

    def outcome(self, login: str, ref: str, disposition: str, *, now: datetime = NOW, **kw: Any) -> OutcomeResult:
        return record_outcome(
            self.store,
            self.agent(login),
            Outcome(debtor_ref=ref, disposition=disposition, **kw),
            now=now,
            settings=self.settings,
            source="test",
        )

    # --- reading ------------------------------------------------------------------------
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.store.read() as conn:
            return list(conn.execute(sql, params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.rows(sql, params)
        assert len(rows) == 1, rows
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def snapshot(self, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
        """Full contents of tables, ordered by their first column (the key): to prove that something changed nothing."""
        names = tables or (
            "debtors",
            "invoices",
            "payments",
            "events",
            "promises",
            "instalments",
            "callbacks",
            "claims",
            "phones",
            "debtor_scores",
        )
        return {t: self.rows(f"SELECT * FROM {t} ORDER BY 1") for t in names}


def _minus_30(due: str) -> str:
    return (date.fromisoformat(due) - timedelta(days=30)).isoformat()


def make_env(
    tmp_path: Path,
    *,
    agents: Sequence[str] = AGENTS,
    lead: str | None = LEAD,
    keep: bool = False,
    db: Path | str | None = None,
) -> Env:
    """A fresh database with agents `alice`, `bob` and the lead `lea` (`keep`: a template kept
    past the test that built it, tests/stores.py; `db`: that database rather than the test
    pass's own, e.g. a PostgreSQL one in the SQLite pass)."""
    store = init_db(db if db is not None else new_db(tmp_path, "t.db", keep=keep))
    for login in agents:
        add_agent(
            store,
            login=login,
            name=login.title(),
            role="agent",
            team="A",
            ssh_key_file=None,
            actor="test",
            now=NOW - timedelta(days=30),
        )
    if lead:
        add_agent(
            store,
            login=lead,
            name=lead.title(),
            role="lead",
            team="A",
            ssh_key_file=None,
            actor="test",
            now=NOW - timedelta(days=30),
        )
    return Env(store, tmp_path)


def raw_connect(path: Path) -> sqlite3.Connection:
    """A plain second connection (another process's view), autocommit."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=5)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


_TEMPLATES: dict[str, Path | str] = {}


@contextmanager
def cloned_env(name: str, debtors: Callable[[], list[Debtor]]) -> Iterator[Env]:
    """An Env on a fresh copy of a database holding `debtors`, built once per test process
    under `name`: each hypothesis example gets its copy in milliseconds instead of importing
    the portfolio again. The copy's folder is removed afterwards."""
    if name not in _TEMPLATES:
        env = make_env(Path(tempfile.mkdtemp(prefix=f"{name}-")), keep=True)
        env.add_debtors(debtors())
        env.store.close()
        _TEMPLATES[name] = env.db
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-ex-"))
    try:
        yield Env(open_db(clone_db(_TEMPLATES[name], folder)), folder)
    finally:
        shutil.rmtree(folder)
