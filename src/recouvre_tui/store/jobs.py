"""SQL for exclusive jobs (a row in `job_locks` is the lock) and their run log."""

from __future__ import annotations

import sqlite3

from .dialect import is_postgres


def lock_holder(conn: sqlite3.Connection, name: str) -> tuple[str, str, str] | None:
    """(holder, acquired_at, expires_at) of the lock, or None."""
    row = conn.execute("SELECT holder, acquired_at, expires_at FROM job_locks WHERE name = ?", (name,)).fetchone()
    return (row[0], row[1], row[2]) if row else None


def take_lock(conn: sqlite3.Connection, name: str, holder: str, now: str, expires: str) -> None:
    """Replace any (expired) row by ours; the caller checked it inside the same transaction."""
    conn.execute("DELETE FROM job_locks WHERE name = ?", (name,))
    conn.execute(
        "INSERT INTO job_locks (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)",
        (name, holder, now, expires),
    )


# A server process's start, to the microsecond, as text: with its pid, one process for good.
_STARTED = "to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"


def own_session(conn: sqlite3.Connection) -> str | None:
    """On PostgreSQL, this connection's server process as "pid@start" (pid numbers are reused;
    with its start time the pair is unique); None on SQLite, whose locks are per machine."""
    if not is_postgres(conn):
        return None
    row = conn.execute(f"SELECT pid, {_STARTED} FROM pg_stat_activity WHERE pid = pg_backend_pid()").fetchone()
    return f"{row[0]}@{row[1]}"


def session_alive(conn: sqlite3.Connection, session: str) -> bool:
    """Whether the PostgreSQL server process `own_session` named still runs: it ends with its
    client's connection, so a job killed on any front end is seen gone from every other."""
    pid, _, start = session.partition("@")
    if not pid.isdigit() or not start:
        return True  # unreadable: never take over on a guess
    row = conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ? AND {_STARTED} = ?)", (int(pid), start)
    ).fetchone()
    return bool(row[0])


def drop_lock(conn: sqlite3.Connection, name: str, holder: str) -> None:
    conn.execute("DELETE FROM job_locks WHERE name = ? AND holder = ?", (name, holder))


def start_run(conn: sqlite3.Connection, job: str, now: str) -> int:
    cur = conn.execute("INSERT INTO job_runs (job, started_at) VALUES (?, ?) RETURNING id", (job, now))
    return int(cur.fetchone()[0])


def finish_run(conn: sqlite3.Connection, run_id: int, now: str, summary: str) -> None:
    conn.execute("UPDATE job_runs SET finished_at = ?, summary = ? WHERE id = ?", (now, summary, run_id))


def debtor_id_bounds(conn: sqlite3.Connection) -> tuple[int | None, int | None]:
    lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM debtors").fetchone()
    return lo, hi


def debtor_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM debtors").fetchone()[0])


DEFAULT_AUTOCHECKPOINT = 1000  # pages, SQLite's default


def set_autocheckpoint(conn: sqlite3.Connection, pages: int) -> None:
    if is_postgres(conn):
        return  # no WAL file to checkpoint: the server's own checkpointer runs
    conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def checkpoint_passive(conn: sqlite3.Connection) -> None:
    """PASSIVE never waits for readers: agents keep working during the checkpoint."""
    if is_postgres(conn):
        return
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


def audit_mark(conn: sqlite3.Connection) -> int:
    """The id of the last audit row: every write adds one, so this marks a point in time."""
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0])


def audited_since(conn: sqlite3.Connection, mark: int) -> list[tuple[str, str | None]]:
    """(entity, entity_ref) of every write audited after `mark`."""
    return list(conn.execute("SELECT entity, entity_ref FROM audit WHERE id > ?", (mark,)))
