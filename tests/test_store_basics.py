"""Store: pragmas, migrations, write transactions, append-only audit, backups, settings."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from recouvre_tui.services.maintenance import backup
from recouvre_tui.settings import ConfigError, load_settings
from recouvre_tui.store import audit
from recouvre_tui.store.db import StoreError, init_db, open_db
from recouvre_tui.store.schema import migrations, schema_version
from stores import new_db, on_postgres

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _refused() -> tuple[type[Exception], ...]:
    """What a constraint the database enforces raises, on either store."""
    if not on_postgres():
        return (sqlite3.IntegrityError,)
    import psycopg

    return (psycopg.errors.IntegrityError,)


REFUSED = _refused()


@pytest.mark.sqlite_only  # the SQLite file's pragmas and sqlite-utils' migrations table
def test_open_db_sets_pragmas_and_migrates(tmp_path: Path) -> None:
    store = init_db(tmp_path / "t.db")
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert schema_version(store) == migrations._migrations[-1].name
    store.close()
    again = open_db(tmp_path / "t.db")  # reopening applies nothing twice
    assert len(migrations.applied(again.db)) == len(migrations._migrations)


@pytest.mark.sqlite_only  # a missing file (PostgreSQL: tests/test_pg_store.py)
def test_missing_db_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="base introuvable"):
        open_db(tmp_path / "absent.db")


@pytest.mark.sqlite_only  # a file that is not SQLite
def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        open_db(bad)


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    store = init_db(new_db(tmp_path, "t.db"))
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")
    assert store.conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'a'").fetchone()[0] == 0
    assert not store.conn.in_transaction


def test_write_is_immediate_so_a_second_writer_waits(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE takes the write lock at once: the other connection cannot write until commit."""
    db = new_db(tmp_path, "t.db")
    a = init_db(db)
    b = open_db(db)
    order: list[str] = []
    entered = threading.Event()

    def other() -> None:
        entered.wait()
        with b.write() as conn:
            order.append("b")
            conn.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")

    t = threading.Thread(target=other)
    t.start()
    with a.write() as conn:
        entered.set()
        threading.Event().wait(0.2)
        order.append("a")
        conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
    t.join()
    assert order == ["a", "b"]


def test_foreign_keys_enforced(tmp_path: Path) -> None:
    store = init_db(new_db(tmp_path, "t.db"))
    with pytest.raises(REFUSED), store.write() as conn:
        conn.execute("INSERT INTO phones (debtor_id, position, raw, kind, valid) VALUES (999, 1, 'x', 'fixe', 0)")


def test_audit_is_append_only(tmp_path: Path) -> None:
    store = init_db(new_db(tmp_path, "t.db"))
    with store.write() as conn:
        audit.record(conn, now=NOW, actor="lea", action="hold", entity="debtor", entity_ref="D1")
    for sql in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit"):
        with pytest.raises(REFUSED, match="append-only"), store.write() as conn:
            conn.execute(sql)
    rows = audit.page(store.conn)
    assert [(r[2], r[3], r[1]) for r in rows] == [("lea", "hold", "2026-11-23 09:00:00")]


@pytest.mark.sqlite_only  # `backup` copies the SQLite file
def test_backup_is_complete_and_refuses_to_overwrite(tmp_path: Path) -> None:
    store = init_db(tmp_path / "t.db")
    with store.write() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    dest = tmp_path / "copy.db"
    assert backup(store, dest) > 0
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT value FROM meta WHERE key = 'k'").fetchone() == ("v",)
    with pytest.raises(StoreError, match="existe déjà"):
        backup(store, dest)


def test_settings_defaults_and_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'claim_lease_minutes = 20\n[calling]\nb2b_windows = [["08:30", "12:00"]]\n'
        "[promises]\nmax_instalments_by_amount = [[500, 2], [0, 10]]\n",
        encoding="utf-8",
    )
    s = load_settings(cfg)
    assert s.claim_lease_minutes == 20
    assert s.calling.b2b_windows == ((time(8, 30), time(12, 0)),)
    assert s.calling.b2c_windows == ((time(9, 0), time(20, 0)),)  # untouched default
    assert s.promises.max_instalments_by_amount == ((50_000, 2), (None, 10))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("claim_lease = 3\n", "claim_lease: clé inconnue"),
        ("claim_lease_minutes = 'x'\n", "claim_lease_minutes: nombre entier attendu"),
        ('[calling]\nb2c_windows = [["20:00", "09:00"]]\n', "la fin doit suivre le début"),
        ('[calling]\nb2c_windows = [["9h", "20:00"]]\n', "heure invalide"),
        ("[calling]\nb2b_days = [7]\n", "calling.b2b_days[0]: 7 hors limites (de 0 à 6)"),
        ("claim_lease_minutes = \n", "TOML invalide"),
        ('fec_segment = "B2X"\n', "fec_segment"),
    ],
)
def test_bad_settings_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert str(cfg) in str(err.value) and message in str(err.value)


def test_explicit_missing_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="introuvable"):
        load_settings(tmp_path / "absent.toml")
