#!/usr/bin/env python3
"""Crash trials: `kill -9` the real processes at random moments, then check the database.

The promises (docs/rules.md): nothing is ever half-imported, the nightly job is idempotent, recording an
outcome is one transaction, and an expired lease frees a claim. Each trial copies a base
database (scripts/gen_bigdb.py), starts one of three processes, sends it SIGKILL after a random
delay, and then checks:

- import: `recouvre import invoices BIG.csv` (tens of thousands of rows). The file is all or
  nothing: invoices = before or before + rows, with its `imports` and audit rows exactly when
  committed, and every balance agrees with the ledger;
- refresh: `recouvre refresh [--full]` a day or more later (chunked transactions). Every
  balance agrees with the ledger; the killed run's lock is taken over at once by the rerun;
- outcome: a `python -c` driver that loops take_next → record_outcome (no answer, a
  three-instalment plan, a promise, a callback) for one agent. Each outcome is whole: its event,
  its audit row, its promise with all its instalments, its callback, the claim released; the
  agent's claim is the one its last audited action says it is.

After every kill: `PRAGMA integrity_check` is ok, no foreign key is broken, the checks above
hold, the same command run again succeeds (and, for the import, leaves before + rows), and for
the outcome driver, the claim the killed session held is still held one minute before its lease
ends (`recouvre next --now` as another agent) and freed one minute after.

On PostgreSQL (`--pg URL`, a server the script may create databases on): each trial runs on
its own database, a copy of the base (`CREATE DATABASE … TEMPLATE`). The server, not a file,
keeps the data: a killed client's transaction is rolled back by its server process, which also
lets go of the write lock, and the checks are the same less SQLite's `PRAGMA` ones (the server
enforces the foreign keys at every statement).

    python scripts/crash_trials.py --trials 100
    python scripts/crash_trials.py --trials 12 --debtors 2000 --import-rows 10000 --seed 7
    python scripts/crash_trials.py --trials 30 --pg 'postgresql://recouvre@/postgres?host=/tmp/pg/sock'
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

RECOUVRE = [sys.executable, "-m", "recouvre_tui.cli"]
KINDS = ("import", "refresh", "outcome")
DRIVER_AGENT = "ag01"
OTHER_AGENT = "ag02"
SOURCE = "crash"

# Loops take_next → record_outcome for one agent, 2 simulated seconds apart, until killed
# (or `count` outcomes when count > 0). Prints "ready" once connected.
DRIVER = r"""
import itertools, sys
from datetime import timedelta
from recouvre_tui.domain.config import Settings
from recouvre_tui.domain.dates import paris_date, parse_now
from recouvre_tui.services.agents import require_agent
from recouvre_tui.services.outcome import Outcome, record_outcome
from recouvre_tui.services.work_queue import take_next
from recouvre_tui.store.db import open_db

db, login, start, count = sys.argv[1], sys.argv[2], parse_now(sys.argv[3]), int(sys.argv[4])
store = open_db(db)
agent = require_agent(store, login)
settings = Settings()
print("ready", flush=True)
for i in (range(count) if count > 0 else itertools.count()):
    now = start + timedelta(seconds=2 * i)
    entry = take_next(store, agent, now=now, settings=settings)
    if entry is None:
        print("nothing callable", flush=True)
        break
    today, ref, step = paris_date(now), entry.debtor_ref, i % 4
    part = max(1, min(entry.balance_cents // 3, 10_000))
    if step == 0:
        outcome = Outcome(ref, "no_answer")
    elif step == 1:
        plan = [(today + timedelta(days=7 * (k + 1)), part) for k in range(3)]
        outcome = Outcome(ref, "plan", reason="temporary_difficulty", instalments=plan)
    elif step == 2:
        outcome = Outcome(ref, "promise", reason="forgot", instalments=[(today + timedelta(days=5), part)])
    else:
        outcome = Outcome(ref, "callback", callback_at=now + timedelta(days=1))
    record_outcome(store, agent, outcome, now=now, settings=settings, source="crash")
store.close()
"""


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db(text: str) -> datetime:
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


Db = Path | str  # a SQLite file, or a PostgreSQL database's URL


@dataclass
class Base:
    db: Db
    csv: Path
    rows: int
    now: datetime
    durations: dict[str, float] = field(default_factory=dict)
    startup: float = 0.0  # a CLI process's start (imports) before it touches the database


@dataclass
class Trial:
    n: int
    kind: str
    delay: float
    killed_running: bool = False
    in_write: bool = False  # the process held the write lock when it was killed
    state: str = ""
    problems: list[str] = field(default_factory=list)
    rerun_ok: bool = False
    lease: str = "n/a"
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.rerun_ok and not self.lease.startswith("FAILED")


# --- setup ---------------------------------------------------------------------------------------------


class Place:
    """Where the trials' databases live: files in `work`, or databases on the PostgreSQL server
    `server` (a URL; each copy is a new database made from the base as a template)."""

    def __init__(self, work: Path, server: str | None = None) -> None:
        self.work, self.server = work, server
        self.tag = f"crash_{os.getpid()}"

    def named(self, name: str) -> Db:
        if self.server is None:
            return self.work / f"{name}.db"
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.server)  # postgresql://user@host:port/db?host=… : another db
        return urlunsplit(parts._replace(path=f"/{self.tag}_{name}"))

    def copy(self, base: Db, name: str) -> Db:
        if self.server is None:
            db = self.work / f"{name}.db"
            shutil.copyfile(base, db)
            return db
        db = self.named(name)
        self._admin(f'CREATE DATABASE "{_dbname(db)}" TEMPLATE "{_dbname(base)}"')
        return db

    def remove(self, db: Db) -> None:
        if isinstance(db, Path):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{_dbname(db)}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        assert self.server is not None
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(sql)


def _dbname(url: Db) -> str:
    from urllib.parse import urlsplit

    return urlsplit(str(url)).path.lstrip("/")


def make_base(place: Place, *, debtors: int, import_rows: int) -> Base:
    """The base database (gen_bigdb; on SQLite checkpointed into one file) and the big invoices file."""
    from gen_bigdb import NOW, generate

    work = place.work
    db = place.named("base")
    generate(db, debtors=debtors)
    if isinstance(db, Path):
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    csv = work / "big_invoices.csv"
    per = max(1, -(-import_rows // debtors))
    today = NOW.date()
    lines = ["debtor_ref;invoice_ref;issue_date;due_date;amount"]
    for n in range(import_rows):
        d, k = 1 + n // per, n % per
        due = today - timedelta(days=5 + (n * 37) % 300)
        amount = f"{50 + (n * 7919) % 4000},{n % 100:02d}"
        lines.append(f"D{d:07d};CT{k:03d};{due - timedelta(days=30):%d/%m/%Y};{due:%d/%m/%Y};{amount}")
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Base(db, csv, import_rows, NOW)


def calibrate(base: Base, place: Place) -> None:
    """How long the import and the refresh take uncut (the kill delays are drawn within that)."""
    t0 = time.perf_counter()
    modules = "recouvre_tui.cli, recouvre_tui.services.importing, recouvre_tui.services.refresh"
    subprocess.run([sys.executable, "-c", f"import {modules}"], check=True)
    base.startup = time.perf_counter() - t0
    for kind in ("import", "refresh"):
        db = place.copy(base.db, f"calibrate_{kind}")
        t0 = time.perf_counter()
        proc = subprocess.Popen(_command(base, kind, db, full=False), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kind == "refresh":
            probe = _probe(db)
            started = _wait_for_refresh_lock(probe, proc, timeout=60.0)
            probe.close()
        _, err = proc.communicate()
        base.durations[kind] = time.perf_counter() - t0
        if kind == "refresh":
            base.durations["refresh_locked"] = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"calibration of {kind} failed: {err.decode(errors='replace')}")
        place.remove(db)


def _probe(db: Db) -> Any:
    """A connection that never waits: it watches another process's progress."""
    return _connect(db) if "://" in str(db) else sqlite3.connect(db, isolation_level=None, timeout=0)


def _wait_for_refresh_lock(probe: Any, proc: subprocess.Popen[Any], *, timeout: float) -> float:
    """Wait until the refresh holds its job lock (its work has begun) or has exited; returns
    that instant. The refresh's work lasts a few tenths of a second on the test's base while
    a process start varies by more than that on a loaded machine, so a kill delay drawn from
    the process's start often fell after its end."""
    limit = time.perf_counter() + timeout
    while proc.poll() is None and time.perf_counter() < limit:
        try:
            if probe.execute("SELECT COUNT(*) FROM job_locks").fetchone()[0]:
                break
        except sqlite3.OperationalError:
            pass  # the file is briefly locked (a checkpoint): look again
        time.sleep(0.002)
    return time.perf_counter()


def _command(base: Base, kind: str, db: Db, *, full: bool, day: int = 1) -> list[str]:
    if kind == "import":
        args = ["import", "invoices", str(base.csv), "--now", iso(base.now), "--actor", "crash"]
        return [*RECOUVRE, "--db", str(db), *args]
    if kind == "refresh":
        return [*RECOUVRE, "--db", str(db), "refresh", "--now", iso(base.now + timedelta(days=day))] + (
            ["--full"] if full else []
        )
    raise ValueError(kind)


def _driver(db: Db, start: datetime, count: int, login: str = DRIVER_AGENT) -> list[str]:
    return [sys.executable, "-c", DRIVER, str(db), login, iso(start), str(count)]


# --- checks ----------------------------------------------------------------------------------------------


@dataclass
class Counts:
    invoices: int
    runs: int
    imports: int
    audit_imports: int
    audit_max: int


def counts(conn: sqlite3.Connection) -> Counts:
    one = lambda sql: int(conn.execute(sql).fetchone()[0])  # noqa: E731
    return Counts(
        one("SELECT COUNT(*) FROM invoices"),
        one("SELECT COUNT(*) FROM job_runs"),
        one("SELECT COUNT(*) FROM imports"),
        one("SELECT COUNT(*) FROM audit WHERE action = 'import'"),
        one("SELECT COALESCE(MAX(id), 0) FROM audit"),
    )


def consistency(conn: sqlite3.Connection, audit_mark: int) -> list[str]:
    """Problems that a half-written transaction would leave (empty list: consistent)."""
    from recouvre_tui.store.dialect import is_postgres
    from recouvre_tui.store.ledger import balance_mismatches

    problems: list[str] = []
    if not is_postgres(conn):  # PostgreSQL checks its foreign keys at every statement
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:5]}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {len(fk)} rows, e.g. {fk[:3]}")
    lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM debtors").fetchone()
    bad = balance_mismatches(conn, lo, hi)
    if bad:
        problems.append(f"{len(bad)} balances disagree with the ledger (debtor ids {bad[:5]})")
    q = lambda sql, *a: conn.execute(sql, a).fetchall()  # noqa: E731
    if rows := q(
        "SELECT p.id FROM promises p WHERE NOT EXISTS (SELECT 1 FROM instalments i WHERE i.promise_id = p.id) "
        "OR p.total_cents <> (SELECT COALESCE(SUM(amount_cents), 0) FROM instalments i WHERE i.promise_id = p.id)"
    ):
        problems.append(f"{len(rows)} promises without their instalments (ids {rows[:5]})")
    # Outcomes of the driver: event ↔ audit row, promise/plan ↔ promise, callback ↔ callback row.
    events = q("SELECT id, outcome FROM events WHERE source = ?", SOURCE)
    audits = q("SELECT COUNT(*) FROM audit WHERE id > ? AND action = 'outcome'", audit_mark)[0][0]
    if audits != len(events):
        problems.append(f"{len(events)} outcome events but {audits} outcome audit rows")
    promised = {r[0] for r in q("SELECT event_id FROM promises WHERE event_id IS NOT NULL")}
    called = {r[0] for r in q("SELECT event_id FROM callbacks WHERE event_id IS NOT NULL")}
    for event_id, outcome in events:
        if (outcome in ("promise", "plan")) != (event_id in promised):
            problems.append(f"event {event_id} ({outcome}) and its promise disagree")
        if (outcome == "callback") != (event_id in called):
            problems.append(f"event {event_id} ({outcome}) and its callback disagree")
    # The claim each agent holds is the one its last audited claim/outcome/release says.
    last: dict[str, tuple[str, str]] = {}
    for actor, action, ref in q(
        "SELECT actor, action, entity_ref FROM audit WHERE id > ? AND entity = 'debtor' "
        "AND action IN ('claim', 'outcome', 'release') ORDER BY id",
        audit_mark,
    ):
        last[actor] = (action, ref)
    held = {a: ref for a, ref in q("SELECT c.agent, d.ref FROM claims c JOIN debtors d ON d.id = c.debtor_id")}
    for actor in set(last) | set(held):
        action, ref = last.get(actor, ("", ""))
        expected = ref if action == "claim" else None
        if held.get(actor) != expected:
            problems.append(f"{actor} holds {held.get(actor)} but its last audited action is {action} {ref}")
    return problems


def _connect(db: Db) -> Any:
    """An autocommit connection with sqlite3's `execute` (`?` placeholders) on either store."""
    if "://" in str(db):
        from recouvre_tui.store.pg import connect

        return connect(str(db))
    conn = sqlite3.connect(db, isolation_level=None, timeout=10)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


# --- one trial -----------------------------------------------------------------------------------------


def run_trial(base: Base, place: Place, n: int, kind: str, rng: random.Random) -> Trial:
    started = time.perf_counter()
    db = place.copy(base.db, f"trial_{n:03d}")
    conn = _connect(db)
    before = counts(conn)
    conn.close()
    full = rng.random() < 0.5
    day = rng.randint(1, 3)
    if kind == "outcome":
        trial = Trial(n, kind, rng.uniform(0.0, 1.2))
        proc = subprocess.Popen(_driver(db, base.now, 0), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        if first != "ready":
            trial.problems.append(f"driver did not start: {first} {proc.communicate()[1][-500:]}")
    elif kind == "refresh":  # the kill is drawn within the work, from the instant the lock is held
        trial = Trial(n, kind, rng.uniform(0.0, 1.1) * max(0.05, base.durations["refresh_locked"]))
        proc = subprocess.Popen(
            _command(base, kind, db, full=full, day=day), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
    else:
        work_s = max(0.05, base.durations[kind] - base.startup)
        trial = Trial(n, kind, base.startup * rng.uniform(0.8, 1.0) + rng.uniform(0.0, 1.1) * work_s)
        proc = subprocess.Popen(
            _command(base, kind, db, full=full, day=day), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
    probe = _probe(db)
    if kind == "refresh":
        launched = time.perf_counter()
        trial.delay += _wait_for_refresh_lock(probe, proc, timeout=60.0) - launched
        time.sleep(max(0.0, trial.delay - (time.perf_counter() - launched)))
    else:
        time.sleep(trial.delay)
    if proc.poll() is None:
        trial.in_write = _writing(probe)
        os.kill(proc.pid, signal.SIGKILL)
        trial.killed_running = True
    if probe.in_transaction:
        probe.execute("ROLLBACK")
    probe.close()
    _, err = proc.communicate()
    if not trial.killed_running and proc.returncode != 0:
        trial.problems.append(f"exited {proc.returncode} before the kill: {err[-500:]}")

    conn = _connect(db)
    try:
        after = counts(conn)
        trial.problems += consistency(conn, before.audit_max)
        if kind == "import":
            trial.state = _import_state(before, after, base.rows, trial.problems)
        elif kind == "refresh":
            unfinished = conn.execute("SELECT COUNT(*) FROM job_runs WHERE finished_at IS NULL").fetchone()[0]
            lock = conn.execute("SELECT COUNT(*) FROM job_locks").fetchone()[0]
            if unfinished:
                trial.state = "run cut short"
            elif after.runs > before.runs:
                trial.state = "run finished"
            else:
                trial.state = "not started"
            trial.state += (" (full)" if full else "") + (", lock left" if lock else "")
        else:
            done = conn.execute("SELECT COUNT(*) FROM events WHERE source = ?", (SOURCE,)).fetchone()[0]
            claim = conn.execute(
                "SELECT d.ref, c.expires_at FROM claims c JOIN debtors d ON d.id = c.debtor_id WHERE c.agent = ?",
                (DRIVER_AGENT,),
            ).fetchone()
            trial.state = f"{done} outcomes, " + (f"holding {claim[0]}" if claim else "no claim held")
    finally:
        conn.close()

    if kind == "outcome":
        trial.lease = _lease_check(db, claim, trial.problems)
        rerun = subprocess.run(
            _driver(db, (from_db(claim[1]) if claim else base.now) + timedelta(minutes=2), 3),
            capture_output=True,
            text=True,
        )
    else:
        rerun = subprocess.run(_command(base, kind, db, full=full, day=day), capture_output=True, text=True)
    trial.rerun_ok = rerun.returncode == 0
    if not trial.rerun_ok:
        trial.problems.append(f"rerun exited {rerun.returncode}: {rerun.stderr.strip()[-500:]}")
    conn = _connect(db)
    try:
        trial.problems += [f"after rerun: {p}" for p in consistency(conn, before.audit_max)]
        final = counts(conn)
        if kind == "import" and final.invoices != before.invoices + base.rows:
            trial.problems.append(f"after rerun: {final.invoices - before.invoices} invoices added, not {base.rows}")
        if kind == "refresh" and conn.execute("SELECT COUNT(*) FROM job_locks").fetchone()[0]:
            trial.problems.append("after rerun: the refresh lock is still held")
    finally:
        conn.close()
    place.remove(db)
    trial.seconds = time.perf_counter() - started
    return trial


def _writing(probe: Any) -> bool:
    """Whether another connection holds the write lock right now: BEGIN IMMEDIATE fails on
    SQLite; on PostgreSQL, the store's advisory lock is granted to another server process."""
    if not isinstance(probe, sqlite3.Connection):
        from recouvre_tui.store.pg import WRITE_LOCK_KEY

        row = probe.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objid = ? AND pid <> pg_backend_pid())",
            (WRITE_LOCK_KEY,),
        ).fetchone()
        return bool(row[0])
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    return False  # the caller rolls back after the kill: the process cannot start writing meanwhile


def _import_state(before: Counts, after: Counts, rows: int, problems: list[str]) -> str:
    added = after.invoices - before.invoices
    journal = (after.imports - before.imports, after.audit_imports - before.audit_imports)
    if added == 0 and journal == (0, 0):
        return "rolled back"
    if added == rows and journal == (1, 1):
        return "committed"
    problems.append(f"half-imported: {added} of {rows} invoices, journal rows {journal}")
    return "HALF"


def _lease_check(db: Db, claim: tuple[str, str] | None, problems: list[str]) -> str:
    """The killed session's claim: still held just before its lease ends, freed just after."""
    if claim is None:
        return "n/a"
    ref, expires = claim[0], from_db(claim[1])
    for when, should_hold in ((expires - timedelta(minutes=1), True), (expires + timedelta(minutes=1), False)):
        proc = subprocess.run(
            [*RECOUVRE, "--db", str(db), "next", "--agent", OTHER_AGENT, "--now", iso(when), "--format", "json"],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            problems.append(f"next --now {iso(when)} exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
            return "FAILED (next)"
        got = json.loads(proc.stdout or "null")
        conn = _connect(db)
        try:
            holder = conn.execute(
                "SELECT c.agent FROM claims c JOIN debtors d ON d.id = c.debtor_id WHERE d.ref = ?", (ref,)
            ).fetchone()
        finally:
            conn.close()
        if should_hold and (holder is None or holder[0] != DRIVER_AGENT or (got and got["debtor_ref"] == ref)):
            problems.append(f"{ref}: the killed session's claim did not hold until its lease ended")
            return "FAILED (taken early)"
        if not should_hold and holder is not None and holder[0] == DRIVER_AGENT:
            problems.append(f"{ref}: the killed session's claim was not freed after its lease")
            return "FAILED (not freed)"
    return "freed"


# --- all trials -----------------------------------------------------------------------------------------


def run_trials(
    work: Path,
    *,
    trials: int,
    debtors: int,
    import_rows: int,
    seed: int,
    echo: bool = False,
    pg: str | None = None,
) -> list[Trial]:
    """`pg`: a PostgreSQL server's URL; the trials' databases are made there (and dropped)."""
    place = Place(work, pg)
    base = make_base(place, debtors=debtors, import_rows=import_rows)
    try:
        return _run_all(base, place, trials=trials, debtors=debtors, import_rows=import_rows, seed=seed, echo=echo)
    finally:
        place.remove(base.db)


def _run_all(
    base: Base, place: Place, *, trials: int, debtors: int, import_rows: int, seed: int, echo: bool
) -> list[Trial]:
    calibrate(base, place)
    if echo:
        print(
            f"base: {debtors} debtors, import of {import_rows} invoices ≈ {base.durations['import']:.1f} s, "
            f"refresh ≈ {base.durations['refresh']:.1f} s (process start included; "
            f"{base.durations['refresh_locked']:.2f} s holding its lock)",
            file=sys.stderr,
        )
    rng = random.Random(seed)
    out = []
    for n in range(trials):
        trial = run_trial(base, place, n, KINDS[n % len(KINDS)], rng)
        out.append(trial)
        if echo:
            flag = "ok" if trial.ok else "FAILED"
            print(
                f"  #{n:03d} {trial.kind:<8} kill at {trial.delay:5.2f} s "
                f"{'(writing)' if trial.in_write else '(running)' if trial.killed_running else '(already done)'}: "
                f"{trial.state}; "
                f"rerun {'ok' if trial.rerun_ok else 'FAILED'}; lease {trial.lease} — {flag}",
                file=sys.stderr,
            )
            for p in trial.problems:
                print(f"        {p}", file=sys.stderr)
    return out


def summary(trials: list[Trial]) -> list[str]:
    head = (
        f"{'kind':<9}{'trials':>7}{'killed':>8}{'in write':>9}{'integrity':>10}{'consistent':>11}{'rerun ok':>9}"
        "  states / lease"
    )
    lines = [head, "-" * len(head)]
    for kind in KINDS:
        ts = [t for t in trials if t.kind == kind]
        if not ts:
            continue
        states: dict[str, int] = {}
        for t in ts:
            key = t.state.split(",")[0].removesuffix(" (full)")
            if kind == "outcome":
                key = "claim held" if "holding" in t.state else "no claim held"
            states[key] = states.get(key, 0) + 1
        if kind == "outcome":
            leases: dict[str, int] = {}
            for t in ts:
                leases[t.lease] = leases.get(t.lease, 0) + 1
            states.update({f"lease {k}": v for k, v in leases.items()})
        integrity = sum(not any("integrity" in p for p in t.problems) for t in ts)
        consistent = sum(not t.problems for t in ts)
        lines.append(
            f"{kind:<9}{len(ts):>7}{sum(t.killed_running for t in ts):>8}{sum(t.in_write for t in ts):>9}"
            f"{integrity:>10}{consistent:>11}"
            f"{sum(t.rerun_ok for t in ts):>9}  " + ", ".join(f"{k}: {v}" for k, v in sorted(states.items()))
        )
    failed = [t for t in trials if not t.ok]
    lines.append("-" * len(head))
    lines.append(
        f"{len(trials)} trials, {sum(t.killed_running for t in trials)} killed while running, "
        f"{len(failed)} failed, {sum(t.seconds for t in trials):.0f} s"
    )
    for t in failed[:20]:
        lines.append(f"  #{t.n} {t.kind}: " + "; ".join(t.problems))
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--debtors", type=int, default=20_000)
    ap.add_argument("--import-rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temp dir, removed)")
    ap.add_argument("--pg", default=None, help="run on PostgreSQL: a server URL where databases may be created")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="recouvre-crash-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        trials = run_trials(
            work,
            trials=args.trials,
            debtors=args.debtors,
            import_rows=args.import_rows,
            seed=args.seed,
            echo=True,
            pg=args.pg,
        )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    for line in summary(trials):
        print(line)
    return 0 if all(t.ok for t in trials) else 1


if __name__ == "__main__":
    sys.exit(main())
