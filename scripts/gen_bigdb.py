#!/usr/bin/env python3
"""Generate a big, realistic recouvre database fast (for the benchmarks in scripts/).

Defaults: 1 000 000 debtors, 3 000 000 invoices, 5 000 000 events (README
"Performance"), plus payments, promises, 20 agents and a lead. Rows are made by plain
`INSERT … SELECT` from recursive CTEs, deterministic (pseudo-random from the row number,
no `random()`), with the journal off during the load; the database is then switched back to
WAL and `services.refresh` computes balances, promise status and scores, as the nightly
job would.

    python scripts/gen_bigdb.py --out /tmp/big.db                  # 1 000 000 debtors
    python scripts/gen_bigdb.py --out /tmp/small.db --debtors 100000

Reuse from another benchmark: `from gen_bigdb import generate, NOW` (scripts/ on sys.path).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from recouvre_tui.domain.config import Settings
from recouvre_tui.domain.dates import paris_date, to_db
from recouvre_tui.services.ledger_effects import after_ledger_change
from recouvre_tui.services.refresh import RefreshSummary, refresh
from recouvre_tui.store.db import init_db, open_db

# Tue 17 Nov 2026 10:00 UTC = 11:00 Paris: inside both calling windows, not a holiday.
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
AGENTS = 20

# h(x, k): a deterministic pseudo-random number in [0, 2^31) from the row number x and a salt k
# (two multiplications modulo a prime, the second with a multiplier of its own per salt, so the
# draws of one row are not linked to each other; every product stays below 2^63).
_H = "((((({x}) * 2654435761 + {k} * 97) % 2147483647) * {m}) % 2147483647)"


def h(x: str, k: int) -> str:
    return _H.format(x=x, k=k, m=1103515245 + 2 * k)


def _log(msg: str, t0: float) -> None:
    print(f"  [{time.perf_counter() - t0:6.1f} s] {msg}", file=sys.stderr, flush=True)


def generate(
    path: Path,
    *,
    debtors: int = 1_000_000,
    invoices_per: int = 3,
    events_per: int = 5,
    now: datetime = NOW,
    run_refresh: bool = True,
) -> RefreshSummary | None:
    """Create `path` (replacing it) with `debtors` debtors and their ledger and history."""
    t0 = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = init_db(path)  # schema and migrations, as in production
    store.close()

    today = paris_date(now)
    ts = to_db(now)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA temp_store = MEMORY")
    # The search index's triggers would update it row by row: drop them for the load and
    # fill the index once at the end, with the migration's own statement.
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'debtor_search%'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO agents (login, name, role, team, active, created_at) VALUES (?, ?, ?, ?, 1, ?)",
        [(f"ag{i:02d}", f"Agent {i:02d}", "agent", "A" if i <= 10 else "B", ts) for i in range(1, AGENTS + 1)]
        + [("lead", "Responsable", "lead", "A", ts)],
    )
    seq = f"WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {debtors})"
    # Debtors: 40 % B2B; 3 % overseas (La Réunion, Guadeloupe); half assigned to an agent.
    conn.execute(
        f"""{seq}
        INSERT INTO debtors (id, ref, name, segment, postcode, area, tz, agent, created_at, updated_at)
        SELECT x, printf('D%07d', x), printf('Débiteur %d', x),
               CASE WHEN {h("x", 1)} % 10 < 4 THEN 'B2B' ELSE 'B2C' END,
               CASE {h("x", 2)} % 100 WHEN 0 THEN '97400' WHEN 1 THEN '97110' WHEN 2 THEN '97400'
                    ELSE printf('%05d', 1000 + {h("x", 3)} % 94000) END,
               CASE {h("x", 2)} % 100 WHEN 0 THEN '974' WHEN 1 THEN '971' WHEN 2 THEN '974'
                    ELSE 'FR' END,
               CASE {h("x", 2)} % 100 WHEN 0 THEN 'Indian/Reunion' WHEN 1 THEN 'America/Guadeloupe'
                    WHEN 2 THEN 'Indian/Reunion' ELSE 'Europe/Paris' END,
               CASE WHEN {h("x", 4)} % 2 = 0 THEN printf('ag%02d', 1 + {h("x", 5)} % {AGENTS}) END,
               '{ts}', '{ts}'
        FROM s"""
    )
    _log(f"{debtors} debtors", t0)
    conn.execute(
        f"""INSERT INTO phones (debtor_id, position, raw, e164, national, kind, valid, region, tz)
        SELECT id, 1, printf('06%08d', id), printf('+336%08d', id), printf('06 %08d', id),
               'mobile', 1, 'FR', 'Europe/Paris'
        FROM debtors WHERE {h("id", 6)} % 50 <> 0"""
    )
    _log("phones", t0)
    # Invoices: due 0–400 days ago, 50–5 000 €; about 1 in 12 lettered (paid long ago).
    n_inv = debtors * invoices_per
    conn.execute(
        f"""WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < {n_inv - 1})
        INSERT INTO invoices (debtor_id, ref, issue_date, due_date, amount_cents, open_cents,
                              lettered, source, created_at, updated_at)
        SELECT 1 + x / {invoices_per}, printf('F%d', x % {invoices_per}),
               date('{today}', printf('-%d days', 30 + {h("x", 7)} % 400)),
               date('{today}', printf('-%d days', {h("x", 7)} % 400)),
               5000 + {h("x", 8)} % 495000, 0,
               CASE WHEN {h("x", 9)} % 12 = 0 THEN 1 ELSE 0 END, 'csv', '{ts}', '{ts}'
        FROM s"""
    )
    _log(f"{n_inv} invoices", t0)
    # Payments: a third of the debtors paid something on account in the last 90 days.
    conn.execute(
        f"""INSERT INTO payments (debtor_id, ref, paid_on, amount_cents, lettered, source, created_at)
        SELECT id, 'V1', date('{today}', printf('-%d days', {h("id", 10)} % 90)),
               1000 + {h("id", 11)} % 100000, 0, 'csv', '{ts}'
        FROM debtors WHERE {h("id", 12)} % 3 = 0"""
    )
    _log("payments", t0)
    # Events: calls (no answer, voicemail, promise, callback, wrong number), letters, e-mails,
    # SMS and inbound calls, over the last 180 days, 08:00–19:00 UTC.
    n_ev = debtors * events_per
    conn.execute(
        f"""WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < {n_ev - 1}),
        e AS (
            SELECT 1 + {h("x", 13)} % {debtors} AS debtor_id,
                   datetime('{ts}', printf('-%d minutes', 600 + {h("x", 14)} % 259200)) AS at,
                   {h("x", 15)} % 20 AS kind_no,
                   printf('ag%02d', 1 + {h("x", 16)} % {AGENTS}) AS agent
            FROM s
        )
        INSERT INTO events (debtor_id, at, has_time, channel, direction, outcome, kind, agent,
                            source, created_by, created_at)
        SELECT debtor_id, at, 1,
               CASE WHEN kind_no < 12 OR kind_no = 19 THEN 'call' WHEN kind_no < 15 THEN 'letter'
                    WHEN kind_no < 18 THEN 'email' ELSE 'sms' END,
               CASE WHEN kind_no = 19 THEN 'in' ELSE 'out' END,
               CASE kind_no WHEN 0 THEN 'voicemail' WHEN 1 THEN 'voicemail' WHEN 8 THEN 'promise'
                    WHEN 9 THEN 'callback' WHEN 10 THEN 'refusal' WHEN 11 THEN 'wrong_number'
                    WHEN 12 THEN 'formal_notice' WHEN 19 THEN NULL
                    ELSE CASE WHEN kind_no < 12 THEN 'no_answer' END END,
               CASE WHEN kind_no IN (8, 9, 10, 19) THEN 'response'
                    WHEN kind_no = 11 THEN 'neutral' ELSE 'reminder' END,
               agent, 'import', 'gen', '{ts}'
        FROM e"""
    )
    _log(f"{n_ev} events", t0)
    # Promises: 4 % of the debtors; one or two instalments around today (kept, broken, pending).
    conn.execute(
        f"""INSERT INTO promises (debtor_id, ref, created_at, recorded_on, agent, total_cents,
                                  last_due, source)
        SELECT id, 'P1', datetime('{ts}', printf('-%d days', 5 + {h("id", 17)} % 40)),
               date('{today}', printf('-%d days', 5 + {h("id", 17)} % 40)),
               printf('ag%02d', 1 + {h("id", 5)} % {AGENTS}), 20000,
               date('{today}', printf('%+d days', {h("id", 18)} % 40 - 20)), 'import'
        FROM debtors WHERE {h("id", 19)} % 25 = 0"""
    )
    conn.execute(
        """INSERT INTO instalments (promise_id, seq, due_date, amount_cents)
        SELECT id, 1, last_due, total_cents FROM promises"""
    )
    _log("promises", t0)
    if triggers:
        from recouvre_tui.store import schema

        fill = [q for q in schema._search_ddl() if q.startswith("INSERT INTO debtor_search")]
        for q in fill:
            conn.execute(q)
        for _, sql in triggers:
            conn.execute(sql)
        _log("search index", t0)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    _log("ANALYZE, back to WAL", t0)
    if not run_refresh:
        return None
    store = open_db(path)
    try:
        # Offline, nobody waits: derive balances, promise status and score inputs of every
        # debtor in one set-based transaction (what the imports would have done), then run
        # the nightly refresh as cron would.
        with store.write() as wconn:
            after_ledger_change(wconn, None, now=now, settings=Settings(), kind="generate")
        _log("balances, promises, scores (one transaction)", t0)
        summary = refresh(store, now=now, settings=Settings())
    finally:
        store.close()
    _log(f"refresh: {summary.seconds:.1f} s in {summary.chunks} chunks", t0)
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="database to create (replaced)")
    ap.add_argument("--debtors", type=int, default=1_000_000)
    ap.add_argument("--invoices-per", type=int, default=3)
    ap.add_argument("--events-per", type=int, default=5)
    ap.add_argument("--no-refresh", action="store_true", help="leave balances and scores at zero")
    args = ap.parse_args()
    generate(
        args.out,
        debtors=args.debtors,
        invoices_per=args.invoices_per,
        events_per=args.events_per,
        run_refresh=not args.no_refresh,
    )
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {args.debtors} debtors, {size:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
