"""Benchmark of the weekly wear report (README "Performance": ≤ 15 s for 1 000 000
debtors and 5 000 000 events on the 2-core reference machine).

    python scripts/bench_wear.py                    # 1 000 000 debtors, ~5 events each
    python scripts/bench_wear.py --debtors 100000   # smaller
    python scripts/bench_wear.py --db bench.db --keep   # keep (and reuse) the database
    python scripts/bench_wear.py --db 'postgresql://recouvre@/big?host=/tmp/pg/sock' --week 2026-W46

`--db` may be a PostgreSQL URL of an existing database (made by `gen_bigdb.py --out URL`, whose
history covers the 26 weeks before 17 November 2026, hence `--week 2026-W46`): the generator
below is SQLite's own; the baseline then runs on PostgreSQL through psycopg directly.

Generation is done in SQL, in the database itself: one `INSERT … SELECT` per table over a
recursive CTE counter, with a deterministic integer hash standing in for randomness (the
same `--debtors` always gives the same data). It uses SQLite's `datetime()`/`date()` to
format instants: that is fine here, the generator is not product code. Events are
inserted in time order, as production writes them, so the table is not clustered by
debtor. Profiles: 50 % of debtors answer often, 30 % seldom, 20 % hardly ever; calls are
60 % of reminders (timed), letters 15 % (date-only, a few of them mises en demeure),
e-mails and SMS the rest; a few wrong-number calls; payments, promises, invoices, and
some of each dated after the week so the cut-offs and the balance roll-back are exercised.

Timing: the bare-SQL baseline (`SELECT debtor_id, count(*) FROM events WHERE at BETWEEN
? AND ? GROUP BY debtor_id`, a scan of the 12 weeks plus a sort) runs before and after
`compute_wear`, `wear_trend` (12 weeks) and both at once (`compute_wear_and_trend`, what
the lead's screen and the text report use), in the same process, and the ratios use the
fastest baseline run, so the figures compare across machines. Then the services with the
stored closed weeks (table `wear_weeks`, docs/rules.md "Stored weeks of the wear trend"),
each cold (nothing stored) and warm (run again): the text report (`services.wear_report.build`:
report + trend) and the screen's trend (`services.wear_report.trend`), with the number of
closed weeks each computed; `now` is the Wednesday after the week, so its 12 weeks are closed. Wall time and CPU time
(this process and the report's worker processes) are both printed: on a shared machine
CPU time is the steadier figure; wall time shows what the two workers gain.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from recouvre_tui.domain.config import Settings, WearRules
from recouvre_tui.domain.dates import iso_week_label, parse_iso_week, to_db
from recouvre_tui.domain.wear import WearWindow, paris_start
from recouvre_tui.services import wear_report as service
from recouvre_tui.store.agents import get_agent
from recouvre_tui.store.db import Store, init_db, open_db
from recouvre_tui.store.target import is_postgres
from recouvre_tui.store.wear import compute_wear, compute_wear_and_trend, wear_trend

WEEK = "2026-W10"  # Sunday 8 March 2026: the whole history is in winter time (UTC+1)
AGENTS = 40
PRIME = 2147483647  # 2**31 − 1
T = TypeVar("T")


def h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random integer in [0, 2**31 − 1) from an integer expression."""
    a, b = 48271 + 7919 * salt, 16807 + 104729 * salt
    return f"(((({expr}) % {PRIME}) * {a} + {b}) % {PRIME} * 69621 % {PRIME})"


def generate(conn: sqlite3.Connection, debtors: int, events_per_debtor: float, week: str) -> None:
    _, sunday = parse_iso_week(week)
    start = paris_start(sunday - timedelta(days=83))  # 12 weeks ending at S
    days = 84 + 4  # a few days after S too: they must be ignored
    n_events = int(debtors * events_per_debtor)
    p = {
        "n": debtors,
        "e": n_events,
        "start": to_db(start),
        "start_day": (sunday - timedelta(days=83)).isoformat(),
        "days": days,
        "agents": AGENTS,
        "pay": int(debtors * 0.4),
        "prom": int(debtors * 0.15),
        "inv": debtors * 3,
        "now": to_db(paris_start(sunday + timedelta(days=5))),
    }
    seq = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})"
    conn.execute("BEGIN")
    conn.execute(
        f"""INSERT INTO agents (login, name, role, created_at)
        {seq.format(n=":agents")}
        SELECT 'agent' || i, 'Agent ' || i, 'agent', :now FROM s""",
        p,
    )
    conn.execute(
        f"""INSERT INTO debtors (id, ref, name, segment, agent, area, tz, balance_cents,
                                 created_at, updated_at)
        {seq.format(n=":n")}
        SELECT i, 'D' || substr('0000000' || i, -8), 'Débiteur ' || i,
               CASE WHEN {h("i", 1)} % 10 < 4 THEN 'B2B' ELSE 'B2C' END,
               CASE WHEN {h("i", 2)} % 50 = 0 THEN NULL
                    ELSE 'agent' || ({h("i", 3)} % :agents + 1) END,
               CASE WHEN {h("i", 4)} % 40 = 0 THEN '974' ELSE 'FR' END,
               CASE WHEN {h("i", 4)} % 40 = 0 THEN 'Indian/Reunion' ELSE 'Europe/Paris' END,
               CASE WHEN {h("i", 5)} % 10 = 0 THEN 0 ELSE 2000 + {h("i", 6)} % 1500000 END,
               :now, :now
        FROM s""",
        p,
    )
    # Events: debtor by hash, profile by debtor, kind / channel / time by event.
    conn.execute(
        f"""INSERT INTO events (debtor_id, at, has_time, channel, direction, outcome, kind,
                                agent, source, created_by, created_at)
        {seq.format(n=":e")},
        x AS (
            SELECT i, {h("i", 11)} % :n + 1 AS d, {h("i", 12)} % 100 AS t,
                   {h("i", 13)} % 100 AS v, {h("i", 14)} % :days AS day,
                   25200 + {h("i", 15)} % 39600 AS sec, {h("i", 16)} % 100 AS w
            FROM s
        ),
        y AS (
            SELECT x.*, {h("d", 17)} % 100 AS prof,
                   'agent' || ({h("d", 3)} % :agents + 1) AS own
            FROM x
        ),
        z AS (
            SELECT y.*,
                   CASE WHEN t < CASE WHEN prof < 50 THEN 50 WHEN prof < 80 THEN 25 ELSE 5 END
                        THEN 'response'
                        WHEN v < 4 THEN 'neutral' ELSE 'reminder' END AS kind
            FROM y
        ),
        c AS (
            SELECT z.*,
                   CASE WHEN kind = 'response' THEN (CASE WHEN w < 60 THEN 'call' ELSE 'email' END)
                        WHEN kind = 'neutral' OR v < 60 THEN 'call'
                        WHEN v < 75 THEN 'letter' WHEN v < 90 THEN 'email' ELSE 'sms' END AS ch
            FROM z
        )
        SELECT d,
               CASE WHEN ch = 'letter' THEN datetime(:start, '+' || day || ' days')
                    ELSE datetime(:start, '+' || (day * 86400 + sec) || ' seconds') END AS at,
               CASE WHEN ch = 'letter' THEN 0 ELSE 1 END,
               ch,
               CASE WHEN kind = 'response' AND w >= 60 THEN 'in'
                    WHEN kind = 'response' AND w >= 45 THEN 'in' ELSE 'out' END,
               CASE WHEN kind = 'neutral' THEN (CASE WHEN w < 50 THEN 'wrong_number'
                                                     ELSE 'invalid_number' END)
                    WHEN kind = 'response' AND w < 45 THEN (CASE w % 5 WHEN 0 THEN 'promise'
                         WHEN 1 THEN 'callback' WHEN 2 THEN 'paid' WHEN 3 THEN 'plan'
                         ELSE 'refusal' END)
                    WHEN kind = 'response' THEN NULL
                    WHEN ch = 'call' THEN (CASE w % 4 WHEN 0 THEN 'no_answer' WHEN 1 THEN 'busy'
                         WHEN 2 THEN 'voicemail' ELSE 'third_party' END)
                    WHEN ch = 'letter' AND w < 4 THEN 'formal_notice'
                    ELSE NULL END,
               kind,
               CASE WHEN ch <> 'call' THEN NULL WHEN w < 80 THEN own
                    ELSE 'agent' || ({h("i", 18)} % :agents + 1) END,
               'bench', 'bench', :now
        FROM c
        ORDER BY at""",
        p,
    )
    conn.execute(
        f"""INSERT INTO payments (debtor_id, ref, paid_on, amount_cents, source, created_at)
        {seq.format(n=":pay")}
        SELECT {h("i", 21)} % :n + 1, 'P' || i,
               date(:start_day, '+' || ({h("i", 22)} % :days) || ' days'),
               CASE WHEN {h("i", 23)} % 50 = 0 THEN -5000 ELSE 1000 + {h("i", 24)} % 200000 END,
               'bench', :now
        FROM s""",
        p,
    )
    conn.execute(
        f"""INSERT INTO promises (debtor_id, ref, created_at, recorded_on, total_cents, last_due,
                                  source)
        {seq.format(n=":prom")}
        SELECT {h("i", 31)} % :n + 1, 'PR' || i,
               datetime(:start, '+' || ({h("i", 32)} % :days * 86400 + 28800
                                        + {h("i", 33)} % 36000) || ' seconds'),
               :start_day, 10000, date(:start_day, '+120 days'), 'bench'
        FROM s""",
        p,
    )
    conn.execute(
        f"""INSERT INTO invoices (debtor_id, ref, issue_date, due_date, amount_cents, open_cents,
                                  source, created_at, updated_at)
        {seq.format(n=":inv")}
        SELECT (i - 1) % :n + 1, 'F' || i,
               date(:start_day, ({h("i", 41)} % 290 - 200) || ' days'),
               date(:start_day, ({h("i", 41)} % 290 - 170) || ' days'),
               1000 + {h("i", 42)} % 300000, 0, 'bench', :now, :now
        FROM s""",
        p,
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")


def stored_weeks_bench(
    store: Store, week: str, expected: list[tuple[str, float | None]]
) -> list[tuple[str, float, float, int]]:
    """(name, wall, CPU, closed weeks computed) of the services cold and warm; raises when a
    trend read from storage differs from the trend from scratch (`expected`)."""
    settings = Settings(wear=WearRules())
    _, sunday = parse_iso_week(week)
    now = paris_start(sunday + timedelta(days=3)) + timedelta(hours=10)  # the Wednesday after
    conn = store.conn
    conn.execute(
        "INSERT INTO agents (login, name, role, created_at) VALUES ('bench-lead', 'Lead', 'lead', ?) "
        "ON CONFLICT (login) DO NOTHING",
        (to_db(now),),
    )
    lead = get_agent(conn, "bench-lead")
    assert lead is not None
    out = []
    for name, run in (
        ("text report (report + trend)", lambda: service.build(store, week, now=now, settings=settings)),
        ("screen trend (12 weeks)", lambda: service.trend(store, lead, week, settings=settings, now=now)),
    ):
        conn.execute("DELETE FROM wear_weeks")  # cold: nothing stored
        for state in ("cold", "warm"):
            result, wall, cpu = timed(run)
            got = result.trend if hasattr(result, "trend") else result.rates
            if got != expected:
                raise SystemExit(f"MISMATCH: {name} {state} differs from the trend from scratch")
            out.append((f"{name}, {state}", wall, cpu, result.weeks_computed))
    return out


BASELINE = "SELECT debtor_id, count(*) FROM events WHERE at BETWEEN ? AND ? GROUP BY debtor_id"


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the report's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """(result, wall seconds, CPU seconds of this process and its worker processes)."""
    w, c = time.perf_counter(), cpu_seconds()
    result = fn()
    return result, time.perf_counter() - w, cpu_seconds() - c


def baseline(conn: Any, week: str, rules: WearRules) -> tuple[float, float]:
    """The bare scan + GROUP BY, on a sqlite3 connection or a psycopg one (no store code)."""
    win = WearWindow.for_week(week, rules)
    params = (to_db(win.fatigue_from), to_db(win.end))
    sql = BASELINE.replace("?", "%s") if not isinstance(conn, sqlite3.Connection) else BASELINE
    _, wall, cpu = timed(lambda: conn.execute(sql, params).fetchall())
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--debtors", type=int, default=1_000_000)
    ap.add_argument("--events-per-debtor", type=float, default=5.0)
    ap.add_argument("--week", default=WEEK)
    ap.add_argument("--db", help="database file (reused when it exists), or a PostgreSQL URL (existing)")
    ap.add_argument("--keep", action="store_true", help="keep the generated database")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: automatic)")
    args = ap.parse_args(argv)

    tmpdir = None
    pg = args.db is not None and is_postgres(args.db)
    path: Path | str
    if args.db is None:
        tmpdir = Path(tempfile.mkdtemp(prefix="bench-wear-"))
        path = tmpdir / "wear.db"
    else:
        path = args.db if pg else Path(args.db)
    rules = WearRules()
    try:
        fresh = not pg and not Path(path).exists()
        store = open_db(path) if pg else init_db(path)
        if fresh:
            t0 = time.perf_counter()
            conn = store.conn
            conn.execute("PRAGMA synchronous = OFF")
            generate(conn, args.debtors, args.events_per_debtor, args.week)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"generated in {time.perf_counter() - t0:.1f} s: {path}")
        # The baseline's connection: sqlite3's own, or the raw psycopg connection (no translation).
        conn = store.pg.raw if pg else store.conn  # type: ignore[attr-defined]
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("debtors", "events", "payments", "promises", "invoices")
        }
        print("rows: " + ", ".join(f"{t} {n:,}".replace(",", " ") for t, n in counts.items()))

        base1 = baseline(conn, args.week, rules)
        report, t_wear, c_wear = timed(lambda: compute_wear(store, args.week, rules, workers=args.workers))
        base2 = baseline(conn, args.week, rules)
        _, sunday = parse_iso_week(args.week)
        weeks = [iso_week_label(sunday - timedelta(days=7 * i)) for i in range(11, -1, -1)]
        trend, t_trend, c_trend = timed(lambda: wear_trend(store, weeks, rules, workers=args.workers))
        base3 = baseline(conn, args.week, rules)
        (both, both_trend), t_both, c_both = timed(
            lambda: compute_wear_and_trend(store, args.week, weeks, rules, workers=args.workers)
        )
        base4 = baseline(conn, args.week, rules)
        stored = stored_weeks_bench(store, args.week, trend)
        base5 = baseline(conn, args.week, rules)
        if (both, both_trend) != (report, trend):
            print("MISMATCH: the report computed with its trend differs from each alone")
            return 1
        bases = (base1, base2, base3, base4, base5)
        base_wall = min(b[0] for b in bases)
        base_cpu = min(b[1] for b in bases)

        rate = "-" if report.wear_rate is None else f"{report.wear_rate:.4f}"
        print(
            f"week {report.week}: active {report.active}, worn {report.worn} "
            f"(newly {report.newly_worn}), unreminded {report.unreminded}, rate {rate}"
        )
        print("trend: " + " ".join("-" if r is None else f"{r:.3f}" for _, r in trend))
        print(
            f"baseline (bare SQL scan + group): wall {base_wall:.2f} s, CPU {base_cpu:.2f} s "
            f"(best of {len(bases)}: {', '.join(f'{b[0]:.2f}' for b in bases)})"
        )
        for name, wall, cpu in (
            ("compute_wear", t_wear, c_wear),
            ("wear_trend (12 weeks)", t_trend, c_trend),
            ("report + trend at once", t_both, c_both),
        ):
            print(
                f"{name:23s} wall {wall:6.2f} s  ratio {wall / base_wall:5.2f}   "
                f"CPU {cpu:6.2f} s  ratio {cpu / base_cpu:5.2f}"
            )
        print("with stored closed weeks (services):")
        for name, wall, cpu, computed in stored:
            print(
                f"  {name:36s} wall {wall * 1000:9.1f} ms  ratio {wall / base_wall:7.3f}   "
                f"CPU {cpu * 1000:9.1f} ms  ratio {cpu / base_cpu:7.3f}   closed weeks computed {computed}"
            )
        store.close()
    finally:
        if tmpdir is not None and not args.keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
        elif tmpdir is not None:
            print(f"kept {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
