"""Shared helpers for the importer tests: a database, small files, dumps, rejections.

Reference instant: Wednesday 15 July 2026, 10:00 UTC = 12:00 in Paris (CEST, UTC+2);
its Paris date T is 2026-07-15. Files are written byte for byte (encoding, BOM, line
ends chosen by each test) so that what is tested is what a user's file would hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from recouvre_tui.domain.config import Settings
from recouvre_tui.importers.reader import ImportRejected
from recouvre_tui.services.agents import add_agent
from recouvre_tui.services.importing import ImportResult, import_file
from recouvre_tui.store.db import Store, init_db
from stores import dump, new_db

NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)  # Wed 12:00 Paris
SETTINGS = Settings()

# Tables whose rows record *that* an import ran (one more row per run, by design), and the
# schema's own bookkeeping (when each migration was applied; its table's name differs per store).
JOURNAL_TABLES = ("audit", "imports", "_sqlite_migrations", "recouvre_migrations")

INVOICES_HEADER = "debtor_ref;invoice_ref;issue_date;due_date;amount"
PAYMENTS_HEADER = "debtor_ref;payment_ref;date;amount;invoice_ref"
EVENTS_HEADER = "debtor_ref;at;channel;direction;outcome;agent;note"
PROMISES_HEADER = "debtor_ref;promise_ref;created_at;due_date;amount"

FEC_HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|"
    "CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|"
    "Montantdevise|Idevise"
)


def make_store(tmp_path: Path, *agents: str) -> Store:
    """A new database in `tmp_path` (the folder is made: tests write their files there), with
    the given agent logins."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = init_db(new_db(tmp_path, "t.db"))
    for login in agents:
        add_agent(
            store,
            login=login,
            name=login.title(),
            role="agent",
            team=None,
            ssh_key_file=None,
            actor="test",
            now=NOW,
        )
    return store


def write(
    tmp_path: Path,
    name: str,
    lines: Sequence[str] | str,
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    bom: bool = False,
) -> Path:
    """Write `lines` (each without its line end) as `name`; returns the path."""
    text = lines if isinstance(lines, str) else newline.join(lines) + newline
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(
    store: Store,
    kind: str,
    path: Path,
    *,
    now: datetime = NOW,
    dry_run: bool = False,
    actor: str = "test",
) -> ImportResult:
    return import_file(store, kind, path, now=now, actor=actor, settings=SETTINGS, dry_run=dry_run)


def full_dump(store: Store) -> list[str]:
    """Every row of the database as text (`iterdump` on SQLite): equal dumps = identical content."""
    return dump(store)


def data_dump(store: Store) -> list[str]:
    """The dump without the import journal (`imports` and `audit` get a row per run)."""
    skip = tuple(f'INSERT INTO "{t}"' for t in JOURNAL_TABLES)
    return [line for line in full_dump(store) if not line.startswith(skip)]


def rejected(store: Store, kind: str, path: Path, *, now: datetime = NOW, dry_run: bool = False) -> list[str]:
    """Import `path`, expect a rejection that leaves the database identical; its messages."""
    before = full_dump(store)
    with pytest.raises(ImportRejected) as info:
        run(store, kind, path, now=now, dry_run=dry_run)
    assert full_dump(store) == before, "a rejected file changed the database"
    assert str(info.value) == "\n".join(str(i) for i in info.value.issues)
    return [str(i) for i in info.value.issues]


def q(store: Store, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with store.lock:
        return list(store.conn.execute(sql, params))


def one(store: Store, sql: str, *params: Any) -> Any:
    rows = q(store, sql, *params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def debtor(store: Store, ref: str) -> dict[str, Any]:
    with store.lock:
        cur = store.conn.execute("SELECT * FROM debtors WHERE ref = ?", (ref,))
        cols = [c[0] for c in cur.description]
        row = cur.fetchone()
    assert row is not None, f"no debtor {ref}"
    return dict(zip(cols, row, strict=True))


def invoices_open(store: Store, debtor_ref: str) -> dict[str, tuple[int, int]]:
    """`{invoice_ref: (amount_cents, open_cents)}` of a debtor."""
    return {
        ref: (amount, open_)
        for ref, amount, open_ in q(
            store,
            "SELECT i.ref, i.amount_cents, i.open_cents FROM invoices i "
            "JOIN debtors d ON d.id = i.debtor_id WHERE d.ref = ? ORDER BY i.ref",
            debtor_ref,
        )
    }


def phones(store: Store, debtor_ref: str) -> list[tuple[Any, ...]]:
    """(position, raw, e164, kind, valid, region, tz) of a debtor's numbers."""
    return q(
        store,
        "SELECT p.position, p.raw, p.e164, p.kind, p.valid, p.region, p.tz FROM phones p "
        "JOIN debtors d ON d.id = p.debtor_id WHERE d.ref = ? ORDER BY p.position",
        debtor_ref,
    )


def seed_debtors(store: Store, tmp_path: Path, refs: Iterable[str] = ("D1", "D2"), segment: str = "B2C") -> None:
    """Import plain debtors (Paris postcode, no phone) so that other files can refer to them."""
    lines = ["debtor_ref;name;segment;postcode"]
    lines += [f"{ref};Débiteur {ref};{segment};75011" for ref in refs]
    run(store, "debtors", write(tmp_path, "seed_debtors.csv", lines))


def counts(result: ImportResult) -> tuple[int, int, int]:
    return result.inserted, result.updated, result.unchanged
