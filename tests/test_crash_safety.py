"""Crash safety (scripts/crash_trials.py): `kill -9` at random moments changes nothing half-way.

Ten trials on a 2 000-debtor database: an import of 20 000 invoices through the real CLI, the
nightly refresh (plain or --full), and a take_next → record_outcome loop, each killed after a
random delay. After each kill the database is intact and consistent (the import all or nothing,
every outcome whole, claims as the audit trail says), the same command run again succeeds, and
the claim of a killed session holds until its lease ends and is freed after it. The full run is
`python scripts/crash_trials.py --trials 100`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import crash_trials
import stores
from queue_helpers import NOW, Env, make_env
from recouvre_tui.services.refresh import JobBusy, refresh

pytestmark = pytest.mark.slow


def test_ten_random_kills_leave_a_consistent_database(tmp_path: Path) -> None:
    # On PostgreSQL each trial is a database of the test cluster, cloned from the base.
    pg = stores.cluster().url() if stores.on_postgres() else None
    trials = crash_trials.run_trials(tmp_path, trials=10, debtors=2_000, import_rows=20_000, seed=20261123, pg=pg)
    table = "\n".join(crash_trials.summary(trials))
    assert [t.kind for t in trials] == [crash_trials.KINDS[n % 3] for n in range(10)], table
    for t in trials:
        assert t.problems == [], table
        assert t.rerun_ok, table
        assert not t.lease.startswith("FAILED"), table
    assert sum(t.killed_running for t in trials) >= 7, table  # most kills hit a running process
    assert all(t.ok for t in trials), table


def test_consistency_check_sees_a_half_written_outcome(tmp_path: Path) -> None:
    """The checker is not blind: a promise without instalments, an event without its audit row."""
    env = make_env(tmp_path)
    env.store.close()
    conn = crash_trials._connect(env.db)
    mark = conn.execute("SELECT MAX(id) FROM audit").fetchone()[0]
    assert crash_trials.consistency(conn, mark) == []
    now = "2026-11-17 10:00:00"
    (debtor,) = conn.execute(
        "INSERT INTO debtors (ref, name, segment, created_at, updated_at) VALUES ('X1', 'X', 'B2C', ?, ?) RETURNING id",
        (now, now),
    ).fetchone()
    (event,) = conn.execute(
        "INSERT INTO events (debtor_id, at, channel, direction, outcome, kind, agent, source, created_by, created_at) "
        "VALUES (?, ?, 'call', 'out', 'promise', 'response', 'alice', 'crash', 'alice', ?) RETURNING id",
        (debtor, now, now),
    ).fetchone()
    conn.execute(
        "INSERT INTO promises (debtor_id, ref, created_at, recorded_on, total_cents, last_due, event_id, source) "
        "VALUES (?, 'P1', ?, '2026-11-17', 1000, '2026-11-20', ?, 'crash')",
        (debtor, now, event),
    )
    conn.execute("INSERT INTO claims VALUES (?, 'bob', ?, '2026-11-17 10:15:00')", (debtor, now))
    problems = crash_trials.consistency(conn, mark)
    conn.close()
    assert any("without their instalments" in p for p in problems), problems
    assert any("1 outcome events but 0 outcome audit rows" in p for p in problems), problems
    assert any(p.startswith("bob holds X1") for p in problems), problems


def _lock(env: Env, holder: str) -> None:
    with env.store.write() as conn:
        conn.execute(
            "INSERT INTO job_locks (name, holder, acquired_at, expires_at) "
            "VALUES ('refresh', ?, '2026-11-17 09:58:00', '2026-11-17 15:58:00')",
            (holder,),
        )


def test_a_killed_refresh_on_this_machine_gives_its_lock_back_at_once(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _lock(env, f"{socket.gethostname()}:{dead.pid}")
    summary = refresh(env.store, now=NOW, settings=env.settings)  # no JobBusy: the holder is gone
    assert summary.chunks >= 0
    assert env.rows("SELECT * FROM job_locks") == []


def test_a_running_refresh_keeps_its_lock(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    _lock(env, f"{socket.gethostname()}:{os.getppid()}")  # alive: our parent process
    with pytest.raises(JobBusy):
        refresh(env.store, now=NOW, settings=env.settings)


def _holds_the_write_lock(store: object) -> bool:
    """Whether another connection is inside a write transaction right now."""
    if getattr(store, "kind", "sqlite") == "postgresql":
        from recouvre_tui.store.pg import WRITE_LOCK_KEY

        row = store.conn.execute(  # type: ignore[attr-defined]
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ?",
            (WRITE_LOCK_KEY,),
        ).fetchone()
        return bool(row[0])
    import sqlite3

    probe = sqlite3.connect(store.path, isolation_level=None, timeout=0)  # type: ignore[attr-defined]
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_an_import_killed_while_writing_leaves_nothing_half_written(tmp_path: Path) -> None:
    """`kill -9` of `recouvre import` inside its write transaction: not one of its invoices is
    kept, every balance still agrees with the ledger, and the same import then goes through."""
    import time

    from recouvre_tui.store.ledger import balance_mismatches

    debtors, per = 500, 20
    env = make_env(tmp_path)
    env.import_csv(
        "debtors", ("debtor_ref", "name", "segment"), [(f"K{i:04d}", f"K {i}", "B2C") for i in range(debtors)]
    )
    env.add_invoices([(f"K{i:04d}", "OLD", "2026-09-01", "10") for i in range(debtors)])
    csv = env.write_csv(
        "invoices",
        ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
        [
            (f"K{i:04d}", f"N{k:02d}", "01/09/2026", "01/10/2026", f"{1 + k},{i % 100:02d}")
            for i in range(debtors)
            for k in range(per)
        ],
    )
    count = "SELECT COUNT(*) FROM invoices"
    before = env.one(count)
    command = [*crash_trials.RECOUVRE, "--db", env.db, "import", "invoices", str(csv), "--now", "2026-11-17T11:00"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _holds_the_write_lock(env.store):
        assert proc.poll() is None and time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.005)
    proc.kill()
    proc.wait(timeout=30)
    assert proc.returncode == -9

    assert env.one(count) == before  # the dead writer's transaction was rolled back
    with env.store.read() as conn:
        lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM debtors").fetchone()
        assert balance_mismatches(conn, lo, hi) == []
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert env.one(count) == before + debtors * per



@pytest.mark.sqlite_only  # builds its own PostgreSQL database: runs once, in the first pass
def test_on_postgresql_a_job_killed_on_any_front_end_gives_its_lock_back_at_once(tmp_path: Path) -> None:
    # The holder names the server process of the job's connection. Another front end (another
    # host name here) cannot see the dead process, but the database sees its connection gone.
    from recouvre_tui.services import refresh as refresh_service
    from recouvre_tui.store import jobs
    from recouvre_tui.store.pg import connect

    env = make_env(tmp_path, db=stores.cluster().new_database("joblock"))
    other = connect(env.db)  # srv-b's job, on its own connection
    session = jobs.own_session(other)
    assert session is not None
    pid = int(session.partition("@")[0])
    _lock(env, f"srv-b.example:4242 pg={session}")
    with pytest.raises(JobBusy) as exc:  # its connection is open: the job runs on srv-b
        refresh(env.store, now=NOW, settings=env.settings)
    assert str(exc.value).endswith("(lancé le 2026-11-17 09:58:00 UTC par srv-b.example:4242) ; rien n'a été fait")
    other.close()  # srv-b's job is killed: its connection ends with it
    for _ in range(100):  # the server notices the closed socket at once; give it a moment
        if not env.rows("SELECT 1 FROM pg_stat_activity WHERE pid = ?", (pid,)):
            break
        time.sleep(0.02)
    refresh(env.store, now=NOW, settings=env.settings)  # no JobBusy, and no 6-hour wait
    assert env.rows("SELECT * FROM job_locks") == []
    # Our own lock names our connection's server process, so the others can check on us.
    holder = refresh_service._acquire(env.store, NOW)
    ours = env.one("SELECT pg_backend_pid()")
    assert holder.startswith(f"{socket.gethostname()}:{os.getpid()} pg={ours}@")
    assert env.rows("SELECT holder FROM job_locks") == [(holder,)]
    refresh_service._release(env.store, holder)
    env.store.close()
