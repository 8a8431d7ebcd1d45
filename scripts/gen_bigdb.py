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
    python scripts/gen_bigdb.py --out 'postgresql://recouvre@/big?host=/tmp/pg/sock'   # PostgreSQL

On PostgreSQL the same rows are made by the same statements, spelled for PostgreSQL
(`generate_series`, `to_char`, date arithmetic: see `Dialect`); the database named in the URL
is dropped and created again; triggers and foreign-key checks are off during the load
(`session_replication_role = replica`, which needs a superuser, as the test cluster's role is).

Reuse from another benchmark: `from gen_bigdb import generate, NOW` (scripts/ on sys.path).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recouvre_tui.domain.config import Settings
from recouvre_tui.domain.dates import paris_date, to_db
from recouvre_tui.services.ledger_effects import after_ledger_change
from recouvre_tui.services.refresh import RefreshSummary, refresh
from recouvre_tui.store.db import init_db, open_db
from recouvre_tui.store.target import is_postgres

# Tue 17 Nov 2026 10:00 UTC = 11:00 Paris: inside both calling windows, not a holiday.
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
AGENTS = 20

# h(x, k): a deterministic pseudo-random number in [0, 2^31) from the row number x and a salt k
# (two multiplications modulo a prime, the second with a multiplier of its own per salt, so the
# draws of one row are not linked to each other; every product stays below 2^63).
_H = "((((({x}) * 2654435761 + {k} * 97) % 2147483647) * {m}) % 2147483647)"


def h(x: str, k: int) -> str:
    return _H.format(x=x, k=k, m=1103515245 + 2 * k)


@dataclass(frozen=True)
class Dialect:
    """The generator's few SQLite-only spellings, and their PostgreSQL twins (same values)."""

    pg: bool

    def seq(self, n: int | str, start: int = 1) -> tuple[str, str]:
        """(WITH prefix, FROM source) of a counter x = start … n."""
        if self.pg:
            return "", f"generate_series({start}, {n}) AS s(x)"
        return f"WITH RECURSIVE s(x) AS (SELECT {start} UNION ALL SELECT x + 1 FROM s WHERE x < {n})", "s"

    def pad(self, expr: str, width: int) -> str:
        """printf('%0<width>d', expr): zero-padded, never truncated."""
        if not self.pg:
            return f"printf('%0{width}d', {expr})"
        return f"CASE WHEN ({expr}) >= 1{'0' * width} THEN ({expr})::text ELSE lpad(({expr})::text, {width}, '0') END"

    def cat(self, *parts: str) -> str:
        # Parenthesised: SQLite binds `||` tighter than `%`, PostgreSQL looser.
        return " || ".join(f"({p})" for p in parts)

    def days(self, day: str, expr: str) -> str:
        """The date `day` plus `expr` days, as TEXT YYYY-MM-DD."""
        if not self.pg:
            return f"date('{day}', printf('%+d days', {expr}))"
        return f"to_char(DATE '{day}' + ({expr})::int, 'YYYY-MM-DD')"

    def minutes(self, ts: str, expr: str) -> str:
        """The instant `ts` plus `expr` minutes, as TEXT YYYY-MM-DD HH:MM:SS."""
        if not self.pg:
            return f"datetime('{ts}', printf('%+d minutes', {expr}))"
        return f"to_char(TIMESTAMP '{ts}' + make_interval(mins => ({expr})::int), 'YYYY-MM-DD HH24:MI:SS')"


def _log(msg: str, t0: float) -> None:
    print(f"  [{time.perf_counter() - t0:6.1f} s] {msg}", file=sys.stderr, flush=True)


def _recreate_pg_database(url: str) -> None:
    """Drop and create the database the URL names (connecting to `postgres` on the same server)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


class _PgLoad:
    """A psycopg connection with sqlite3's `execute` signature, for the load statements."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.raw = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params: Any = None) -> Any:
        return self.raw.execute(sql.replace("?", "%s") if params else sql, params)

    def executemany(self, sql: str, rows: Any) -> None:
        self.raw.cursor().executemany(sql.replace("?", "%s"), rows)

    def close(self) -> None:
        self.raw.close()


def generate(
    path: Path | str,
    *,
    debtors: int = 1_000_000,
    invoices_per: int = 3,
    events_per: int = 5,
    now: datetime = NOW,
    run_refresh: bool = True,
) -> RefreshSummary | None:
    """Create `path` (a SQLite file or a PostgreSQL URL, replacing it) with `debtors` debtors
    and their ledger and history."""
    t0 = time.perf_counter()
    pg = isinstance(path, str) and is_postgres(path)
    d = Dialect(pg)
    if pg:
        _recreate_pg_database(str(path))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = init_db(path)  # schema and migrations, as in production
    store.close()

    today = paris_date(now).isoformat()
    ts = to_db(now)
    conn: Any
    triggers: list[tuple[str, str]] = []
    if pg:
        conn = _PgLoad(str(path))
        # The search index's and the foreign keys' triggers would run row by row: off for the
        # load (the rows are consistent by construction), the index filled once at the end.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
    else:
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
    with_, src = d.seq(debtors)
    agent_of = d.cat("'ag'", d.pad(f"1 + {h('x', 5)} % {AGENTS}", 2))
    # Debtors: 40 % B2B; 3 % overseas (La Réunion, Guadeloupe); half assigned to an agent.
    conn.execute(
        f"""{with_}
        INSERT INTO debtors (id, ref, name, segment, postcode, area, tz, agent, created_at, updated_at)
        SELECT x, {d.cat("'D'", d.pad("x", 7))}, {d.cat("'Débiteur '", "x")},
               CASE WHEN {h("x", 1)} % 10 < 4 THEN 'B2B' ELSE 'B2C' END,
               CASE {h("x", 2)} % 100 WHEN 0 THEN '97400' WHEN 1 THEN '97110' WHEN 2 THEN '97400'
                    ELSE {d.pad(f"1000 + {h('x', 3)} % 94000", 5)} END,
               CASE {h("x", 2)} % 100 WHEN 0 THEN '974' WHEN 1 THEN '971' WHEN 2 THEN '974'
                    ELSE 'FR' END,
               CASE {h("x", 2)} % 100 WHEN 0 THEN 'Indian/Reunion' WHEN 1 THEN 'America/Guadeloupe'
                    WHEN 2 THEN 'Indian/Reunion' ELSE 'Europe/Paris' END,
               CASE WHEN {h("x", 4)} % 2 = 0 THEN {agent_of} END,
               '{ts}', '{ts}'
        FROM {src}"""
    )
    _log(f"{debtors} debtors", t0)
    conn.execute(
        f"""INSERT INTO phones (debtor_id, position, raw, e164, national, kind, valid, region, tz)
        SELECT id, 1, {d.cat("'06'", d.pad("id", 8))}, {d.cat("'+336'", d.pad("id", 8))},
               {d.cat("'06 '", d.pad("id", 8))}, 'mobile', 1, 'FR', 'Europe/Paris'
        FROM debtors WHERE {h("id", 6)} % 50 <> 0"""
    )
    _log("phones", t0)
    # Invoices: due 0–400 days ago, 50–5 000 €; about 1 in 12 lettered (paid long ago).
    n_inv = debtors * invoices_per
    with_, src = d.seq(n_inv - 1, start=0)
    conn.execute(
        f"""{with_}
        INSERT INTO invoices (debtor_id, ref, issue_date, due_date, amount_cents, open_cents,
                              lettered, source, created_at, updated_at)
        SELECT 1 + x / {invoices_per}, {d.cat("'F'", f"x % {invoices_per}")},
               {d.days(today, f"-(30 + {h('x', 7)} % 400)")},
               {d.days(today, f"-({h('x', 7)} % 400)")},
               5000 + {h("x", 8)} % 495000, 0,
               CASE WHEN {h("x", 9)} % 12 = 0 THEN 1 ELSE 0 END, 'csv', '{ts}', '{ts}'
        FROM {src}"""
    )
    _log(f"{n_inv} invoices", t0)
    # Payments: a third of the debtors paid something on account in the last 90 days.
    conn.execute(
        f"""INSERT INTO payments (debtor_id, ref, paid_on, amount_cents, lettered, source, created_at)
        SELECT id, 'V1', {d.days(today, f"-({h('id', 10)} % 90)")},
               1000 + {h("id", 11)} % 100000, 0, 'csv', '{ts}'
        FROM debtors WHERE {h("id", 12)} % 3 = 0"""
    )
    _log("payments", t0)
    # Events: calls (no answer, voicemail, promise, callback, wrong number), letters, e-mails,
    # SMS and inbound calls, over the last 180 days, 08:00–19:00 UTC.
    n_ev = debtors * events_per
    with_, src = d.seq(n_ev - 1, start=0)
    conn.execute(
        f"""{with_ or "WITH"}{"," if with_ else ""}
        e AS (
            SELECT 1 + {h("x", 13)} % {debtors} AS debtor_id,
                   {d.minutes(ts, f"-(600 + {h('x', 14)} % 259200)")} AS at,
                   {h("x", 15)} % 20 AS kind_no,
                   {d.cat("'ag'", d.pad(f"1 + {h('x', 16)} % {AGENTS}", 2))} AS agent
            FROM {src}
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
        SELECT id, 'P1', {d.minutes(ts, f"-(5 + {h('id', 17)} % 40) * 1440")},
               {d.days(today, f"-(5 + {h('id', 17)} % 40)")},
               {d.cat("'ag'", d.pad(f"1 + {h('id', 5)} % {AGENTS}", 2))}, 20000,
               {d.days(today, f"{h('id', 18)} % 40 - 20")}, 'import'
        FROM debtors WHERE {h("id", 19)} % 25 = 0"""
    )
    conn.execute(
        """INSERT INTO instalments (promise_id, seq, due_date, amount_cents)
        SELECT id, 1, last_due, total_cents FROM promises"""
    )
    # Each pending promise's first unpaid due date (m016), which its triggers keep from now on
    # (they are off during a PostgreSQL load).
    from recouvre_tui.store.schema import PROMISE_REST_OF

    conn.execute(
        f"UPDATE debtors SET promise_rest = {PROMISE_REST_OF.format(debtor='debtors.id')} "
        "WHERE id IN (SELECT debtor_id FROM promises WHERE status = 'pending')"
    )
    _log("promises", t0)
    if pg:
        from recouvre_tui.store import pg_schema

        fill = [q for q in pg_schema._SEARCH if q.startswith("INSERT INTO debtor_search")]
        for q in fill:
            conn.execute(q)
        # Rows given an explicit id leave the identity sequence behind: set it past them.
        conn.execute("SELECT setval(pg_get_serial_sequence('debtors', 'id'), (SELECT max(id) FROM debtors))")
        _log("search index", t0)
        conn.execute("COMMIT")
        conn.execute("SET session_replication_role = origin")
        conn.execute("VACUUM ANALYZE")
        conn.close()
        _log("VACUUM ANALYZE", t0)
    else:
        if triggers:
            from recouvre_tui.store import schema

            fill = schema._search_fill()
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
    if pg:
        # What autovacuum would do next: the balances and scores just rewrote every debtor
        # (dead row versions) and changed the promises' statuses the planner's statistics know.
        load = _PgLoad(str(path))
        load.execute("VACUUM ANALYZE")
        load.close()
        _log("VACUUM ANALYZE", t0)
    _log(f"refresh: {summary.seconds:.1f} s in {summary.chunks} chunks", t0)
    return summary


def store_mb(target: Path | str) -> float:
    """Size of the database on disk, in MB (the SQLite file, or PostgreSQL's pg_database_size)."""
    if isinstance(target, str) and is_postgres(target):
        import psycopg

        with psycopg.connect(target) as c:
            return float(c.execute("SELECT pg_database_size(current_database())").fetchone()[0]) / 1e6
    return Path(target).stat().st_size / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="database to create (replaced): a SQLite path or a PostgreSQL URL")
    ap.add_argument("--debtors", type=int, default=1_000_000)
    ap.add_argument("--invoices-per", type=int, default=3)
    ap.add_argument("--events-per", type=int, default=5)
    ap.add_argument("--no-refresh", action="store_true", help="leave balances and scores at zero")
    args = ap.parse_args()
    out = args.out if is_postgres(args.out) else Path(args.out)
    generate(
        out,
        debtors=args.debtors,
        invoices_per=args.invoices_per,
        events_per=args.events_per,
        run_refresh=not args.no_refresh,
    )
    print(f"{out}: {args.debtors} debtors, {store_mb(out):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
