#!/usr/bin/env python3
"""Benchmark: the nightly refresh and taking the next case, each beside a bare-SQL baseline.

Targets (README "Performance"): with 1 000 000 debtors, 3 000 000 invoices and 5 000 000 events,
nightly refresh ≤ 60 s and taking the next case ≤ 10 ms p99 with 20 concurrent agents.
Results are printed with their ratio to a bare-SQL baseline measured in the same run, so
figures compare across noisy machines.

(a) refresh: `recouvre refresh` (a new process, as cron runs it, the day after the data)
    against the baseline `SELECT debtor_id, SUM(amount_cents) FROM invoices GROUP BY
    debtor_id` plus a full `UPDATE debtors SET score = score` (one transaction).
    The longest write transaction of the refresh is printed too (≤ 100 ms: agents never wait).
(b) next case: N processes (default 20; forked), each its own connection and agent, loop for a few
    seconds: `take_next` → record a `no_answer` outcome (even processes) or release (odd
    ones); then the same processes run the baseline: `BEGIN IMMEDIATE` + one indexed
    `SELECT` of the first unclaimed debtor + `INSERT` of the claim + `COMMIT`, then a
    `DELETE` of the claim. p50/p95/p99 of the claiming call, in ms. `--think-ms` adds a pause
    between cases, ±50 % at random (0 = every process hammers the database: a saturation
    test, far above what 20 people do; 20 agents at one case a minute is 0.3 claims/s).

    python scripts/bench_queue.py --debtors 100000             # generates /tmp/recouvre-bench-100000.db
    python scripts/bench_queue.py --db /tmp/big.db             # an existing database (gen_bigdb.py)
    python scripts/bench_queue.py --db 'postgresql://recouvre@/big?host=/tmp/pg/sock' --procs 200

`--db` is a SQLite path or a PostgreSQL URL (a database made by `gen_bigdb.py --out URL`); the
baselines then run on the same store: through sqlite3, or psycopg with the same advisory lock as
the PostgreSQL store's writes. Missing agents (ag21 … ag200) are added for `--procs` > 20.
    python scripts/bench_queue.py --debtors 100000 --think-ms 100 --procs 20 --seconds 10
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_bigdb import NOW, generate, store_mb
from recouvre_tui.store.target import is_postgres


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


# --- bare SQL on either store ----------------------------------------------------------------


class Bare:
    """A bare connection to the benchmarked database, with no store code in between: sqlite3
    for a file, psycopg for a URL (autocommit: the baselines open their own transactions)."""

    def __init__(self, db: str) -> None:
        self.pg = is_postgres(db)
        if self.pg:
            import psycopg

            self.conn: Any = psycopg.connect(db, autocommit=True)
        else:
            from recouvre_tui.store.db import BUSY_TIMEOUT_MS

            self.conn = sqlite3.connect(db, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA synchronous = NORMAL")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s") if self.pg else sql, params)

    def begin_write(self) -> None:
        """The store's writer guarantee: SQLite's BEGIN IMMEDIATE; on PostgreSQL BEGIN + the
        same transaction-level advisory lock as `PgStore.write()`."""
        if self.pg:
            from recouvre_tui.store.pg import WRITE_LOCK_KEY

            self.conn.execute("BEGIN")
            self.conn.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        else:
            self.conn.execute("BEGIN IMMEDIATE")

    def rollback(self) -> None:
        if self.pg:
            self.conn.rollback()
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def after_bulk_write(self) -> None:
        """Leave the database as the store expects it after a big write: SQLite's WAL
        checkpointed; PostgreSQL's dead row versions vacuumed (not timed)."""
        self.execute("VACUUM ANALYZE debtors" if self.pg else "PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.conn.close()


def ensure_agents(db: str, n: int) -> None:
    """Agents ag01 … agNN exist (gen_bigdb makes 20; the 200-agent run needs more)."""
    bare = Bare(db)
    bare.begin_write()
    (bare.conn.cursor() if bare.pg else bare.conn).executemany(
        "INSERT INTO agents (login, name, role, team, active, created_at) VALUES (?, ?, 'agent', 'A', 1, ?) "
        "ON CONFLICT (login) DO NOTHING".replace("?", "%s" if bare.pg else "?"),
        [(f"ag{i:02d}", f"Agent {i:02d}", "2026-11-17 10:00:00") for i in range(1, n + 1)],
    )
    bare.execute("COMMIT")
    bare.close()


def store_label(db: str) -> str:
    return "PostgreSQL" if is_postgres(db) else "SQLite"


# --- (a) refresh ----------------------------------------------------------------------------


def bench_refresh(db: str, day: int = 1) -> dict[str, float]:
    bare = Bare(db)
    t0 = time.perf_counter()
    rows = bare.execute("SELECT debtor_id, SUM(amount_cents) FROM invoices GROUP BY debtor_id").fetchall()
    t1 = time.perf_counter()
    bare.begin_write()
    bare.execute("UPDATE debtors SET score = score")
    bare.execute("COMMIT")
    t2 = time.perf_counter()
    bare.after_bulk_write()
    bare.close()
    baseline = t2 - t0
    print(
        f"  baseline: GROUP BY over invoices {t1 - t0:.2f} s ({len(rows)} rows) "
        f"+ UPDATE of every debtor {t2 - t1:.2f} s = {baseline:.2f} s"
    )
    # A day after the data: every overdue debtor's score moves, promises fall due. (Run
    # again for the same day, the refresh finds little to write: use a new --day each time.)
    now = (NOW + timedelta(days=day)).strftime("%Y-%m-%dT%H:%MZ")
    recouvre = str(Path(sys.executable).with_name("recouvre"))
    t0 = time.perf_counter()
    out = subprocess.run(
        [recouvre, "--db", db, "refresh", "--now", now],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    refresh_s = time.perf_counter() - t0
    longest = float(m[1]) if (m := re.search(r"écriture la plus longue\s+(\d+)", out)) else float("nan")
    print("  " + out.replace("\n", "\n  ").rstrip())
    print(
        f"  recouvre refresh: {refresh_s:.2f} s (target ≤ 60 s at 1 000 000 debtors), "
        f"ratio to baseline {refresh_s / baseline:.1f}×, longest write {longest:.0f} ms"
    )
    return {"refresh_s": refresh_s, "baseline_s": baseline, "longest_write_ms": longest}


# --- (b) take_next --------------------------------------------------------------------------

CLAIM_SQL = (
    "SELECT d.id FROM debtors d WHERE d.agent IS NULL AND d.balance_cents > 0 "
    "AND d.on_hold = 0 AND d.do_not_call = 0 AND d.dispute_open = 0 AND d.recent_call_at IS NULL "
    "AND d.promise_rest IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.debtor_id = d.id) "
    "ORDER BY d.agent, d.priority_class, d.score DESC, d.ref LIMIT 1"  # d.agent: see store/queue.py
)


def claim_sql(bare: Bare) -> str:
    """CLAIM_SQL, without the resting debtors' columns on a database before m015 or m016 (to
    measure the code before them on the same data). The conditions must be the queue index's
    own (`debtors_queue` is partial): without `promise_rest IS NULL` the bare claim sorted the
    whole table, 5 s a claim at 1 000 000 debtors."""
    sql = CLAIM_SQL
    for column in ("promise_rest", "recent_call_at"):
        try:
            bare.execute(f"SELECT {column} FROM debtors WHERE 0 = 1").fetchall()
        except Exception:
            bare.rollback()
            sql = sql.replace(f" AND d.{column} IS NULL", "")
    return sql


def bare_claim(bare: Bare, sql: str, login: str) -> float:
    """One bare claim, timed: the writer lock, the indexed SELECT of the first unclaimed
    debtor (`claim_sql`), the INSERT of the claim, COMMIT. Then its DELETE, not timed."""
    t0 = time.perf_counter()
    try:
        bare.begin_write()
        row = bare.execute(sql).fetchone()
        bare.execute(
            "INSERT INTO claims (debtor_id, agent, claimed_at, expires_at) VALUES (?, ?, ?, ?)",
            (row[0], login, "2026-11-17 10:00:00", "2026-11-17 10:15:00"),
        )
        bare.execute("COMMIT")
    except BaseException:
        bare.rollback()
        raise
    took = time.perf_counter() - t0
    bare.execute("DELETE FROM claims WHERE agent = ?", (login,))
    return took


def _worker(
    db: str, login: str, idx: int, seconds: float, think: float, now: datetime, ready: Any, start: Any, out: Any
) -> None:
    from recouvre_tui.domain.config import Settings
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.outcome import Outcome, record_outcome
    from recouvre_tui.services.work_queue import release, take_next
    from recouvre_tui.store.db import open_db

    settings = Settings()
    store = open_db(db)
    agent = require_agent(store, login)
    ours: list[float] = []
    after: list[float] = []
    errors: list[str] = []
    # Warm up (imports, holiday calendars, page cache), not timed; a failure is reported, and
    # the worker goes on (the parent waits for every worker's results).
    try:
        take_next(store, agent, now=now, settings=settings)
        release(store, agent, now=now)
    except Exception as exc:
        errors.append(f"warm-up: {exc!r}")
    rng = random.Random(idx)
    ready.put(login)
    start.wait()
    if think:
        time.sleep(rng.uniform(0, think))  # agents do not all start at the same instant
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
        t0 = time.perf_counter()
        try:
            e = take_next(store, agent, now=now, settings=settings)
        except Exception as exc:  # reported, never hidden
            errors.append(repr(exc))
            continue
        ours.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        if e is not None:
            if idx % 2 == 0:
                record_outcome(
                    store, agent, Outcome(e.debtor_ref, "no_answer"), now=now, settings=settings, source="bench"
                )
            else:
                release(store, agent, now=now)
        after.append(time.perf_counter() - t1)
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)
    store.close()
    out.put(("ours", login, ours, after, errors))

    # Bare SQL, same process, same kind of connection: the writer lock, the one indexed
    # SELECT of the first unclaimed debtor, the INSERT of the claim; then its DELETE.
    bare = Bare(db)
    sql = claim_sql(bare)
    base: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        try:
            base.append(bare_claim(bare, sql, login))
        except Exception as exc:  # reported, never hidden
            errors.append(repr(exc))
            continue
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)
    bare.close()
    out.put(("base", login, base, [], errors))


def bench_next(db: str, procs: int, seconds: float, think_ms: float, day: int = 0) -> dict[str, float]:
    """Agents working on NOW + `day` days: give each run a day of its own (a weekday, as the
    refresh's `--day`), or the cases called by an earlier run at the same instant are blocked
    (minimum gap between calls) and the queue's first pages fill with them."""
    now = NOW + timedelta(days=day)
    ensure_agents(db, procs)
    # Fork, after the imports: 200 processes start in a second and share the loaded code;
    # each opens its own connection after the fork.
    import recouvre_tui.services.outcome
    import recouvre_tui.services.work_queue  # noqa: F401

    ctx = mp.get_context("fork")
    start = ctx.Event()
    ready = ctx.Queue()
    out = ctx.Queue()
    logins = [f"ag{i:02d}" for i in range(1, procs + 1)]
    workers = [
        ctx.Process(target=_worker, args=(db, login, i, seconds, think_ms / 1000, now, ready, start, out))
        for i, login in enumerate(logins)
    ]
    for w in workers:
        w.start()
    # Every process connected and warmed up before the clock starts: a new connection's first
    # statements load the server's catalog caches (50–200 ms each with 200 starting at once),
    # which no agent meets after logging in.
    for _ in workers:
        ready.get(timeout=600)
    time.sleep(1.0)
    start.set()
    results = [out.get(timeout=seconds * 4 + 600) for _ in range(2 * procs)]
    for w in workers:
        w.join(timeout=60)
    ours = [x for kind, _, lat, _, _ in results if kind == "ours" for x in lat]
    then = [x for kind, _, _, lat, _ in results if kind == "ours" for x in lat]
    base = [x for kind, _, lat, _, _ in results if kind == "base" for x in lat]
    errors = [e for *_, errs in results for e in errs]
    ms = 1000
    r = {
        "next_p50_ms": _pct(ours, 0.5) * ms,
        "next_p95_ms": _pct(ours, 0.95) * ms,
        "next_p99_ms": _pct(ours, 0.99) * ms,
        "after_p99_ms": _pct(then, 0.99) * ms,
        "base_p50_ms": _pct(base, 0.5) * ms,
        "base_p95_ms": _pct(base, 0.95) * ms,
        "base_p99_ms": _pct(base, 0.99) * ms,
        "calls": float(len(ours)),
        "rate": len(ours) / seconds,
    }
    print(
        f"  take_next: {len(ours)} calls ({r['rate']:.0f}/s), p50 {r['next_p50_ms']:.1f} ms, "
        f"p95 {r['next_p95_ms']:.1f} ms, p99 {r['next_p99_ms']:.1f} ms, "
        f"mean {statistics.fmean(ours) * ms:.1f} ms (target p99 ≤ 10 ms)"
    )
    print(f"  outcome/release after it: p50 {_pct(then, 0.5) * ms:.1f} ms, p99 {_pct(then, 0.99) * ms:.1f} ms")
    print(
        f"  baseline claim: {len(base)} calls, p50 {r['base_p50_ms']:.1f} ms, p95 {r['base_p95_ms']:.1f} ms, "
        f"p99 {r['base_p99_ms']:.1f} ms"
    )
    print(f"  ratios: p50 {r['next_p50_ms'] / r['base_p50_ms']:.1f}×, p99 {r['next_p99_ms'] / r['base_p99_ms']:.1f}×")
    if errors:
        print(f"  ERRORS ({len(errors)}): {sorted(set(errors))[:5]}")
    r["errors"] = len(errors)
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debtors", type=int, default=1_000_000)
    ap.add_argument("--db", default=None, help="existing database, a SQLite path or a PostgreSQL URL (else generated)")
    ap.add_argument("--procs", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--think-ms", type=float, default=0.0)
    ap.add_argument("--day", type=int, default=1, help="refresh as of NOW + DAY days (default 1)")
    ap.add_argument("--skip-refresh", action="store_true")
    ap.add_argument("--skip-next", action="store_true")
    args = ap.parse_args()
    db = args.db or f"/tmp/recouvre-bench-{args.debtors}.db"
    if not is_postgres(db) and not Path(db).exists():
        print(f"generating {db} ({args.debtors} debtors)…", flush=True)
        t0 = time.perf_counter()
        generate(Path(db), debtors=args.debtors)
        print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"{store_label(db)} database {db}: {store_mb(db):.0f} MB, {os.cpu_count()} CPU(s)", flush=True)
    if not args.skip_refresh:
        print("(a) nightly refresh", flush=True)
        bench_refresh(db, args.day)
    if not args.skip_next:
        print(
            f"(b) take_next, {args.procs} processes, {args.seconds:g} s each phase, think {args.think_ms:g} ms",
            flush=True,
        )
        bench_next(db, args.procs, args.seconds, args.think_ms, args.day)
    return 0


if __name__ == "__main__":
    sys.exit(main())
