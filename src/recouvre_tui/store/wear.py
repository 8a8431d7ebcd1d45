"""The weekly wear report in SQL, for a million debtors (DESIGN.md "Wear", "Performance").

Computes exactly what `recouvre_tui.domain.wear.compute_report` computes (the reference,
whose docstring says how each ambiguous point is read; the tests check both agree), in a
few set-based passes instead of one Python loop per debtor. The queries are portable SQL
(temporary tables, joins, `GROUP BY`, `CASE`, correlated subqueries, `LIMIT`/`OFFSET`,
`substr`, `||`, `coalesce`; no date function): instants are compared as the stored UTC
text (`YYYY-MM-DD HH:MM:SS` sorts as time does), every boundary is computed in Python and
passed as a parameter, and the two pieces of date arithmetic the data needs (a payment
dated D is a response at 00:00 Paris on D; "within 7 days" of a response) go through a
small calendar table filled from Python.

How it scales. Sorting all the events by debtor would cost the whole budget by itself,
so the big table is never sorted:

1. one scan of `events` keeps what is *not* a reminder (responses, neutral events) and
   the mises en demeure in `wear_x`: about a quarter of the rows;
2. the responses (those events, positive payments, recorded promises) are sorted per
   debtor in `wear_resp`. Consecutive responses bound each debtor's *runs* of reminders:
   `(previous response, response]` (finished runs) and `(last response, end of S)` (the
   current streak);
3. each run is counted through the covering index `events_debtor_at` (debtor, instant,
   rowid) without reading the table: the events of the run minus the response events at
   its end and the neutral events inside it (rare, counted on their own small index). A
   run gives its length, its first and k-th reminder instants (so whether it was a worn
   streak at the end of any week asked for: W − 1 for "newly worn", the 12 weeks of the
   trend) and, for finished runs, how many of its last reminders were followed within
   7 days (the fatigue curve);
4. one sorted pass over the last 4 weeks of reminders gives who is active and the last
   channel; payments and invoices dated after the week roll the current balance back;
5. one pass over the debtors puts it together; Python finishes the flagged debtors'
   recommendations from their streak's rows, read in table order.

The debtors are split into id ranges computed by parallel workers (one connection each,
threads: SQLite releases the GIL), whose partial counts are summed. All the workers read
the same snapshot: their read transactions start while a third connection holds the
write lock for an instant, so no commit can fall between them.

Balance as of the end of S: `debtors.balance_cents` (the current open balance) plus the
payments dated after S, minus the invoices issued after S (`issue_date`, else `due_date`).
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from recouvre_tui.domain.codes import Channel
from recouvre_tui.domain.config import WearRules
from recouvre_tui.domain.dates import PARIS, from_db, parse_iso_week, to_db
from recouvre_tui.domain.events import EventKind
from recouvre_tui.domain.wear import (
    FatiguePoint,
    FlaggedDebtor,
    Recommender,
    WearDebtor,
    WearEvent,
    WearGroup,
    WearReport,
    WearWindow,
    breakdown,
    fatigue_from_histogram,
    group_sort_key,
    payment_event,
    promise_event,
    sort_flagged,
    wear_rate,
)

from .db import Store, connect

__all__ = [
    "FatiguePoint",
    "FlaggedDebtor",
    "WearGroup",
    "WearReport",
    "breakdown",
    "compute_wear",
    "load_wear_debtors",
    "wear_trend",
]

T = TypeVar("T")

_TEMP_TABLES = (
    "wear_days",
    "wear_x",
    "wear_neu",
    "wear_neutot",
    "wear_resp",
    "wear_last",
    "wear_ivc",
    "wear_hist",
    "wear_cagg",
    "wear_lc",
    "wear_adj",
    "wear_open",
    "wear_deb",
    "wear_sid",
)

# wear_x.ord: 1 response event, 2 neutral event, 4 mise en demeure (a reminder).
_X_RESPONSE, _X_NEUTRAL, _X_NOTICE = 1, 2, 4
# Below this many debtors one worker does it all (threads cost more than they save).
_PARALLEL_MIN_DEBTORS = 50_000


def compute_wear(
    store: Store,
    week: str,
    rules: WearRules | None = None,
    names: bool = True,
    *,
    workers: int | None = None,
) -> WearReport:
    """The wear report of ISO week `week` (`YYYY-Www`): the same as
    `domain.wear.compute_report` over every debtor of the database.

    `names=False` leaves the flagged debtors' names empty (a lookup less per flagged
    debtor, for callers that only need codes). `workers`: parallel connections (default:
    2 for a database file with many debtors, else 1).
    """
    rules = rules or WearRules()
    main = WearWindow.for_week(week, rules)
    prev = WearWindow.for_sunday(main.prev_sunday, rules)

    def job(conn: sqlite3.Connection, ids: tuple[int, int]) -> _Part:
        _run(conn, [prev, main], rules, ids, fatigue=True)
        return _part(conn, main, rules, names=names)

    parts = _parallel(store, job, workers)
    groups: dict[tuple[str, str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    hist: dict[tuple[int, int], int] = defaultdict(int)
    active = worn = newly = unreminded = 0
    flagged: list[FlaggedDebtor] = []
    for part in parts:
        a, w, n, u = part.totals
        active, worn, newly, unreminded = active + a, worn + w, newly + n, unreminded + u
        for key, (ga, gw) in part.groups.items():
            groups[key][0] += ga
            groups[key][1] += gw
        for key, c in part.hist.items():
            hist[key] += c
        flagged.extend(part.flagged)
    return WearReport(
        week=main.week,
        sunday=main.sunday,
        active=active,
        worn=worn,
        newly_worn=newly,
        unreminded=unreminded,
        wear_rate=wear_rate(worn, active),
        debtors=sort_flagged(flagged),
        fatigue_curve=fatigue_from_histogram(hist, rules.fatigue_max_k),
        groups=tuple(
            WearGroup(seg, agent, ch, a, w)
            for (seg, agent, ch), (a, w) in sorted(groups.items(), key=lambda kv: group_sort_key(kv[0]))
        ),
    )


def wear_trend(
    store: Store, weeks: Sequence[str], rules: WearRules | None = None, *, workers: int | None = None
) -> list[tuple[str, float | None]]:
    """(week, wear rate) for each of `weeks` (e.g. the 12 weeks of the sparkline), in one
    set of passes: each run of reminders says at once in which weeks it was a worn streak."""
    rules = rules or WearRules()
    if not weeks:
        return []
    by_week = {w: WearWindow.for_week(w, rules) for w in weeks}
    windows = sorted({w.sunday: w for w in by_week.values()}.values(), key=_by_end)
    k = len(windows)

    def job(conn: sqlite3.Connection, ids: tuple[int, int]) -> list[tuple[int, int]]:
        _run(conn, windows, rules, ids, fatigue=False)
        cols = ", ".join(f"coalesce(SUM(act{j}), 0), coalesce(SUM(act{j} * worn{j}), 0)" for j in range(k))
        row = conn.execute(f"SELECT {cols} FROM temp.wear_deb").fetchone()
        return [(row[2 * j], row[2 * j + 1]) for j in range(k)]

    sums = [(0, 0)] * k
    for part in _parallel(store, job, workers):
        sums = [(a + pa, w + pw) for (a, w), (pa, pw) in zip(sums, part, strict=True)]
    rates = {win.sunday: wear_rate(w, a) for win, (a, w) in zip(windows, sums, strict=True)}
    return [(by_week[w].week, rates[by_week[w].sunday]) for w in weeks]


def _by_end(w: WearWindow) -> datetime:
    return w.end


# -- workers ------------------------------------------------------------------------------


def _parallel(store: Store, job: Callable[[sqlite3.Connection, tuple[int, int]], T], workers: int | None) -> list[T]:
    """Run `job(conn, (first id, last id))` over id ranges of the debtors, each on its own
    connection inside a read transaction, all on one snapshot; temporary tables are dropped
    afterwards. Falls back to one worker when the snapshots cannot be aligned."""
    with store.lock:
        conn = store.conn
        lo, hi = conn.execute("SELECT coalesce(MIN(id), 0), coalesce(MAX(id), -1) FROM debtors").fetchone()
        if workers is None:
            workers = 2 if (hi - lo >= _PARALLEL_MIN_DEBTORS and (os.cpu_count() or 1) > 1) else 1
        if store.path == ":memory:":
            workers = 1
        workers = max(1, workers)
        extra = [connect(store.path) for _ in range(workers - 1)]
        conns = [conn, *extra]
        try:
            if not _begin_together(store, conns):
                conns = [conn]
                _begin_together(store, conns)
            step = (hi - lo + len(conns)) // len(conns)
            ranges = [(lo + i * step, min(hi, lo + (i + 1) * step - 1)) for i in range(len(conns))]
            try:
                if len(conns) == 1:
                    return [job(conn, ranges[0])]
                with ThreadPoolExecutor(max_workers=len(conns)) as pool:
                    futures = [pool.submit(job, c, r) for c, r in zip(conns, ranges, strict=True)]
                    return [f.result() for f in futures]
            finally:
                for c in conns:
                    if c.in_transaction:
                        c.execute("COMMIT")
                    _drop(c)
        finally:
            for c in extra:
                c.close()


def _begin_together(store: Store, conns: list[sqlite3.Connection]) -> bool:
    """Start a read transaction on each connection, all on the same snapshot: with several
    connections, while a third one holds the write lock for an instant (no commit can fall
    between them). False, and nothing started, when that lock is not to be had."""
    for c in conns:
        _drop(c)
    if len(conns) == 1:
        conns[0].execute("BEGIN")
        conns[0].execute("SELECT 1 FROM debtors LIMIT 1").fetchall()
        return True
    gate = connect(store.path)
    try:
        gate.execute("PRAGMA busy_timeout = 1000")
        try:
            gate.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        for c in conns:
            c.execute("BEGIN")
            c.execute("SELECT 1 FROM debtors LIMIT 1").fetchall()
        gate.execute("ROLLBACK")
        return True
    finally:
        gate.close()


def _drop(conn: sqlite3.Connection) -> None:
    for name in _TEMP_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{name}")


# -- the passes ---------------------------------------------------------------------------


def _params(
    windows: Sequence[WearWindow], rules: WearRules, ids: tuple[int, int], *, fatigue: bool
) -> dict[str, object]:
    main = windows[-1]
    lowest = min([w.end for w in windows[:-1]] + ([main.fatigue_from] if fatigue else []), default=main.end)
    p: dict[str, object] = {
        "id_lo": ids[0],
        "id_hi": ids[1],
        "end": to_db(main.end),
        "sunday": main.sunday.isoformat(),
        "ffrom": to_db(main.fatigue_from),
        "afrom": to_db(min(w.active_from for w in windows)),
        "amain": to_db(main.active_from),
        "min_sunday": min(w.sunday for w in windows).isoformat(),
        "min_streak": rules.min_streak,
        "kth": max(rules.min_streak - 1, 0),
        "notice_outcome": "formal_notice",
        "lowest": to_db(lowest),
        # A finished run ending before the first week's end is current in none of them; the
        # current streak matters at an earlier week only when it started before its end.
        "end_first": to_db(windows[0].end),
        "end_early": to_db(windows[-2].end) if len(windows) > 1 else "",
    }
    for j, w in enumerate(windows):
        p[f"end{j}"] = to_db(w.end)
        p[f"wb{j}"] = to_db(w.worn_before)
        p[f"af{j}"] = to_db(w.active_from)
        p[f"sun{j}"] = w.sunday.isoformat()
    return p


# The reminder at 0-based position {offset} of the run (t.lo, t.hi] of row `t`: the event at
# that position by time, skipping the neutral ones when the run has some. Response events
# sit at `hi` only, with or after every reminder, so they never move a reminder's instant.
_KTH = """(SELECT e.at FROM events e
           WHERE e.debtor_id = t.debtor_id AND e.at > t.lo AND e.at <= t.hi{skip}
           ORDER BY e.at LIMIT 1 OFFSET {offset})"""
_SKIP_NEUTRAL = " AND NOT EXISTS (SELECT 1 FROM temp.wear_neu u WHERE u.id = e.id)"


def _kth(offset: str) -> str:
    return (
        f"CASE WHEN t.neu_in = 0 THEN {_KTH.format(skip='', offset=offset)}"
        f" ELSE {_KTH.format(skip=_SKIP_NEUTRAL, offset=offset)} END"
    )


def _run(
    conn: sqlite3.Connection,
    windows: Sequence[WearWindow],
    rules: WearRules,
    ids: tuple[int, int],
    *,
    fatigue: bool,
) -> None:
    """Fill the temporary tables for the debtors with ids in `ids` and the weeks `windows`
    (ascending; the last is the main one). `wear_deb` ends with, per debtor with an open
    balance at one of the weeks j or a current streak: `bal{j}`, `act{j}` (active),
    `worn{j}` (worn, plain definition), `open{j}` (open balance), and the current streak
    (`lo` last response, `n` length, `r1` first reminder)."""
    k = len(windows)
    main = windows[-1]
    last = k - 1
    early = range(k - 1)  # the weeks before the main one
    p = _params(windows, rules, ids, fatigue=fatigue)
    run = conn.execute

    # Calendar: 00:00 Paris of each date (payments), and the date minus the response delay.
    first_paid = run("SELECT MIN(paid_on) FROM payments WHERE paid_on <= :sunday", p).fetchone()[0]
    first = date.fromisoformat(str(p["lowest"])[:10]) - timedelta(days=2)
    if first_paid:
        first = min(first, date.fromisoformat(first_paid))
    run("CREATE TEMP TABLE wear_days (day TEXT PRIMARY KEY, midnight TEXT NOT NULL, minus TEXT NOT NULL)")
    delay = timedelta(days=rules.fatigue_response_days)
    days = []
    day = first
    while day <= main.sunday + timedelta(days=2):
        days.append((day.isoformat(), to_db(payment_event(day).at), (day - delay).isoformat()))
        day += timedelta(days=1)
    conn.executemany("INSERT INTO temp.wear_days VALUES (?, ?, ?)", days)

    # 1. One scan of events: whatever is not a reminder, and the mises en demeure.
    run(
        "CREATE TEMP TABLE wear_x (id INTEGER NOT NULL, debtor_id INTEGER NOT NULL,"
        " at TEXT NOT NULL, ord INTEGER NOT NULL)"
    )
    run(
        f"""INSERT INTO temp.wear_x (id, debtor_id, at, ord)
        SELECT id, debtor_id, at,
               CASE kind WHEN 'response' THEN {_X_RESPONSE}
                         WHEN 'neutral' THEN {_X_NEUTRAL} ELSE {_X_NOTICE} END
        FROM events
        WHERE at < :end AND debtor_id + 0 BETWEEN :id_lo AND :id_hi
          AND (kind <> 'reminder'
               OR (channel = 'letter' AND direction = 'out' AND outcome = :notice_outcome))""",
        p,
    )
    run("CREATE TEMP TABLE wear_neu (id INTEGER PRIMARY KEY, debtor_id INTEGER NOT NULL, at TEXT NOT NULL)")
    run(
        "INSERT INTO temp.wear_neu (id, debtor_id, at)"
        f" SELECT id, debtor_id, at FROM temp.wear_x WHERE ord = {_X_NEUTRAL}"
    )
    run("CREATE INDEX temp.wear_neu_at ON wear_neu (debtor_id, at)")
    run("CREATE TEMP TABLE wear_neutot (debtor_id INTEGER PRIMARY KEY, cnt INTEGER NOT NULL)")
    run(
        "INSERT INTO temp.wear_neutot (debtor_id, cnt) SELECT debtor_id, COUNT(*) FROM temp.wear_neu GROUP BY debtor_id"
    )

    # 2. Responses per instant; peers: how many of them are events (the index counts those).
    run(
        "CREATE TEMP TABLE wear_resp (debtor_id INTEGER NOT NULL, at TEXT NOT NULL,"
        " peers INTEGER NOT NULL, PRIMARY KEY (debtor_id, at))"
    )
    run(
        f"""INSERT INTO temp.wear_resp (debtor_id, at, peers)
        SELECT debtor_id, at, SUM(ev)
        FROM (
            SELECT debtor_id, at, 1 AS ev FROM temp.wear_x WHERE ord = {_X_RESPONSE}
            UNION ALL
            SELECT p.debtor_id, c.midnight, 0
            FROM payments p JOIN temp.wear_days c ON c.day = p.paid_on
            WHERE p.paid_on <= :sunday AND p.amount_cents > 0
              AND p.debtor_id + 0 BETWEEN :id_lo AND :id_hi
            UNION ALL
            SELECT debtor_id, created_at, 0 FROM promises
            WHERE created_at < :end AND debtor_id + 0 BETWEEN :id_lo AND :id_hi
        ) t
        GROUP BY debtor_id, at""",
        p,
    )
    run("CREATE TEMP TABLE wear_last (debtor_id INTEGER PRIMARY KEY, at TEXT NOT NULL)")
    run("INSERT INTO temp.wear_last (debtor_id, at) SELECT debtor_id, MAX(at) FROM temp.wear_resp GROUP BY debtor_id")

    # 3. Finished runs (previous response, response] where they can matter. The index counts
    #    every event of the run: take off the response events at hi (peers) and the neutral
    #    events inside (neu_in). m: its reminders dated at most the delay before hi.
    run(
        "CREATE TEMP TABLE wear_ivc (id INTEGER PRIMARY KEY, debtor_id INTEGER NOT NULL, lo TEXT NOT NULL,"
        " hi TEXT NOT NULL, hi_m TEXT NOT NULL, peers INTEGER NOT NULL, neu_in INTEGER NOT NULL)"
    )
    run(
        """INSERT INTO temp.wear_ivc (debtor_id, lo, hi, hi_m, peers, neu_in)
        SELECT t.debtor_id, t.lo, t.hi, c.minus || substr(t.hi, 11), t.peers,
               CASE WHEN nt.cnt IS NULL THEN 0 ELSE (
                   SELECT COUNT(*) FROM temp.wear_neu u
                   WHERE u.debtor_id = t.debtor_id AND u.at > t.lo AND u.at <= t.hi) END
        FROM (SELECT r.debtor_id, r.at AS hi, r.peers,
                     coalesce((SELECT MAX(q.at) FROM temp.wear_resp q
                               WHERE q.debtor_id = r.debtor_id AND q.at < r.at), '') AS lo
              FROM temp.wear_resp r
              WHERE r.at >= :lowest) t
        JOIN temp.wear_days c ON c.day = substr(t.hi, 1, 10)
        LEFT JOIN temp.wear_neutot nt ON nt.debtor_id = t.debtor_id""",
        p,
    )
    # Per finished run: n reminders, m of them followed within the delay, r1 the first one,
    # from the index (one seek and a short step each) minus what is not a reminder.
    neu_m = """CASE WHEN iv.neu_in > 0 THEN (
                   SELECT COUNT(*) FROM temp.wear_neu u
                   WHERE u.debtor_id = iv.debtor_id AND u.at > iv.lo AND u.at >= iv.hi_m
                     AND u.at <= iv.hi) ELSE 0 END"""

    def runs(where: str, extra: str = "") -> str:
        return f"""SELECT t.debtor_id, t.lo, t.hi, t.n, t.m,
                   CASE WHEN t.neu_in = 0 THEN t.first_any ELSE {_kth("0")} END AS r1{extra}
            FROM (
                SELECT iv.debtor_id, iv.lo, iv.hi, iv.neu_in,
                       COUNT(*) - iv.peers - iv.neu_in AS n,
                       SUM(CASE WHEN e.at >= iv.hi_m THEN 1 ELSE 0 END) - iv.peers - {neu_m} AS m,
                       MIN(e.at) AS first_any
                FROM temp.wear_ivc iv
                JOIN events e ON e.debtor_id = iv.debtor_id AND e.at > iv.lo AND e.at <= iv.hi
                WHERE {where}
                GROUP BY iv.id, iv.debtor_id, iv.lo, iv.hi, iv.hi_m, iv.peers, iv.neu_in
            ) t
            WHERE t.n > 0"""

    if fatigue:
        # The fatigue curve's finished runs, straight into a histogram {(n, m): runs}.
        run("CREATE TEMP TABLE wear_hist (n INTEGER NOT NULL, m INTEGER NOT NULL, runs INTEGER NOT NULL)")
        run(
            f"""INSERT INTO temp.wear_hist (n, m, runs)
            SELECT n, m, COUNT(*) FROM ({runs("iv.hi >= :ffrom")}) r
            WHERE r.r1 >= :ffrom
            GROUP BY n, m""",
            p,
        )
    wcols = "".join(f", w{j} INTEGER NOT NULL" for j in early)
    wnames = "".join(f", w{j}" for j in early)
    if k > 1:
        # A finished run is the streak at the end of an earlier week j when it ends after it
        # and started before it; a worn one when its k-th and first reminders came early
        # enough. Only the runs ending after the first week's end can be.
        wmax = ", ".join(
            f"MAX(CASE WHEN hi >= :end{j} AND lo < :end{j} AND rk < :end{j} AND r1 < :wb{j} THEN 1 ELSE 0 END)"
            for j in early
        )
        rk = f", CASE WHEN t.n >= :min_streak THEN {_kth(':kth')} END AS rk"
        run(f"CREATE TEMP TABLE wear_cagg (debtor_id INTEGER PRIMARY KEY{wcols})")
        run(
            f"""INSERT INTO temp.wear_cagg (debtor_id{wnames})
            SELECT debtor_id, {wmax} FROM ({runs("iv.hi >= :end_first", rk)}) r
            WHERE rk IS NOT NULL
            GROUP BY debtor_id""",
            p,
        )

    # 4. Active (a reminder in the 28 days) and last channel: the recent reminders only.
    acts = ", ".join(f"MAX(CASE WHEN at >= :af{j} AND at < :end{j} THEN 1 ELSE 0 END)" for j in range(k))
    acols = "".join(f", a{j} INTEGER NOT NULL" for j in range(k))
    anames = "".join(f", a{j}" for j in range(k))
    run(f"CREATE TEMP TABLE wear_lc (debtor_id INTEGER PRIMARY KEY, last_rem TEXT{acols})")
    run(
        f"""INSERT INTO temp.wear_lc (debtor_id, last_rem{anames})
        SELECT debtor_id, MAX(CASE WHEN at >= :amain THEN at || channel END), {acts}
        FROM events
        WHERE kind = 'reminder' AND at >= :afrom AND at < :end AND debtor_id + 0 BETWEEN :id_lo AND :id_hi
        GROUP BY debtor_id""",
        p,
    )

    # Balance roll-back: payments dated after S come back, invoices issued after S go.
    adjs = ", ".join(f"SUM(CASE WHEN day > :sun{j} THEN amount ELSE 0 END)" for j in range(k))
    adjcols = "".join(f", adj{j} INTEGER NOT NULL" for j in range(k))
    adjnames = "".join(f", adj{j}" for j in range(k))
    run(f"CREATE TEMP TABLE wear_adj (debtor_id INTEGER PRIMARY KEY{adjcols})")
    run(
        f"""INSERT INTO temp.wear_adj (debtor_id{adjnames})
        SELECT debtor_id, {adjs}
        FROM (
            SELECT debtor_id, paid_on AS day, amount_cents AS amount
            FROM payments WHERE paid_on > :min_sunday AND debtor_id + 0 BETWEEN :id_lo AND :id_hi
            UNION ALL
            SELECT debtor_id, coalesce(issue_date, due_date), -amount_cents
            FROM invoices
            WHERE coalesce(issue_date, due_date) > :min_sunday AND debtor_id + 0 BETWEEN :id_lo AND :id_hi
        ) t
        GROUP BY debtor_id""",
        p,
    )

    # 5. The current streak (last response, end of S) of every debtor, counted the same way.
    run(
        "CREATE TEMP TABLE wear_open (debtor_id INTEGER PRIMARY KEY, lo TEXT NOT NULL,"
        " n INTEGER NOT NULL, r1 TEXT NOT NULL, rk TEXT)"
    )
    run(
        f"""INSERT INTO temp.wear_open (debtor_id, lo, n, r1, rk)
        SELECT t.debtor_id, t.lo, t.cnt - t.neu_in,
               CASE WHEN t.neu_in = 0 THEN t.first_any ELSE {_kth("0")} END,
               CASE WHEN t.cnt - t.neu_in >= :min_streak AND t.lo < :end_early THEN {_kth(":kth")} END
        FROM (
            SELECT d.id AS debtor_id, coalesce(l.at, '') AS lo, :end AS hi,
                   CASE WHEN nt.cnt IS NULL THEN 0 ELSE (
                       SELECT COUNT(*) FROM temp.wear_neu u
                       WHERE u.debtor_id = d.id AND u.at > coalesce(l.at, '')) END AS neu_in,
                   COUNT(*) AS cnt,
                   MIN(e.at) AS first_any
            FROM debtors d
            LEFT JOIN temp.wear_last l ON l.debtor_id = d.id
            LEFT JOIN temp.wear_neutot nt ON nt.debtor_id = d.id
            JOIN events e ON e.debtor_id = d.id AND e.at > coalesce(l.at, '') AND e.at < :end
            WHERE d.id BETWEEN :id_lo AND :id_hi
            GROUP BY d.id, l.at, nt.cnt
        ) t
        WHERE t.cnt - t.neu_in > 0""",
        p,
    )

    # 6. Per debtor with an open balance at one of the weeks, or a current streak in the
    #    fatigue window: balance, active, worn at each week.
    bals = ", ".join(f"d.balance_cents + coalesce(a.adj{j}, 0) AS bal{j}" for j in range(k))
    streaks = [
        f"CASE WHEN (o.lo < :end{j} AND o.rk < :end{j} AND o.r1 < :wb{j}) OR c.w{j} = 1 THEN 1 ELSE 0 END AS s{j}"
        for j in early
    ] + [f"CASE WHEN o.n >= :min_streak AND o.r1 < :wb{last} THEN 1 ELSE 0 END AS s{last}"]
    parts = ", ".join(f"coalesce(lc.a{j}, 0) AS a{j}" for j in range(k)) + ", " + ", ".join(streaks)
    flags = ", ".join(
        f"bal{j}, CASE WHEN bal{j} > 0 AND a{j} = 1 THEN 1 ELSE 0 END,"
        f" CASE WHEN bal{j} > 0 AND s{j} = 1 THEN 1 ELSE 0 END, CASE WHEN bal{j} > 0 THEN 1 ELSE 0 END"
        for j in range(k)
    )
    fcols = "".join(
        f", bal{j} INTEGER NOT NULL, act{j} INTEGER NOT NULL, worn{j} INTEGER NOT NULL, open{j} INTEGER NOT NULL"
        for j in range(k)
    )
    fnames = "".join(f", bal{j}, act{j}, worn{j}, open{j}" for j in range(k))
    any_open = " OR ".join(f"bal{j} > 0" for j in range(k))
    cagg = "LEFT JOIN temp.wear_cagg c ON c.debtor_id = d.id" if k > 1 else ""
    run(
        "CREATE TEMP TABLE wear_deb (debtor_id INTEGER PRIMARY KEY, segment TEXT NOT NULL,"
        f" agent TEXT, last_channel TEXT{fcols})"
    )
    run(
        f"""INSERT INTO temp.wear_deb (debtor_id, segment, agent, last_channel{fnames})
        SELECT debtor_id, segment, agent, last_channel, {flags}
        FROM (
            SELECT d.id AS debtor_id, d.segment, d.agent,
                   substr(lc.last_rem, 20) AS last_channel, {bals}, {parts}
            FROM debtors d
            LEFT JOIN temp.wear_adj a ON a.debtor_id = d.id
            LEFT JOIN temp.wear_lc lc ON lc.debtor_id = d.id
            LEFT JOIN temp.wear_open o ON o.debtor_id = d.id
            {cagg}
            WHERE d.id BETWEEN :id_lo AND :id_hi
        ) t
        WHERE {any_open}""",
        p,
    )


@dataclass
class _Part:
    """One worker's share of the report."""

    totals: tuple[int, int, int, int]  # active, worn (∩ active), newly worn, unreminded
    groups: dict[tuple[str, str | None, str], tuple[int, int]] = field(default_factory=dict)
    hist: dict[tuple[int, int], int] = field(default_factory=dict)
    flagged: list[FlaggedDebtor] = field(default_factory=list)


def _part(conn: sqlite3.Connection, main: WearWindow, rules: WearRules, *, names: bool) -> _Part:
    """Weeks are [W − 1, W]: indexes 0 and 1 in the temporary tables."""
    totals = conn.execute(
        """SELECT coalesce(SUM(act1), 0), coalesce(SUM(act1 * worn1), 0),
                  coalesce(SUM(act1 * worn1 * (1 - worn0)), 0), coalesce(SUM(open1 - act1), 0)
           FROM temp.wear_deb"""
    ).fetchone()
    groups = {
        (segment, agent, channel or ""): (a, w)
        for segment, agent, channel, a, w in conn.execute(
            """SELECT segment, agent, last_channel, COUNT(*), SUM(worn1)
               FROM temp.wear_deb WHERE act1 = 1
               GROUP BY segment, agent, last_channel"""
        )
    }
    hist = {
        (n, m): c
        for n, m, c in conn.execute(
            """SELECT n, m, SUM(runs) FROM (
                   SELECT n, m, runs FROM temp.wear_hist
                   UNION ALL
                   SELECT n, 0, 1 FROM temp.wear_open WHERE r1 >= :ffrom
               ) t GROUP BY n, m""",
            {"ffrom": to_db(main.fatigue_from)},
        )
    }
    return _Part(tuple(totals), groups, hist, _flagged(conn, main, rules, names=names))


def _flagged(conn: sqlite3.Connection, main: WearWindow, rules: WearRules, *, names: bool) -> list[FlaggedDebtor]:
    """The flagged debtors of the worker's range, recommendations included."""
    name_col = "d.name" if names else "''"
    rows = conn.execute(
        f"""SELECT w.debtor_id, d.ref, {name_col}, d.tz, w.segment, w.agent, w.bal1,
                   w.last_channel, w.worn0, o.n, o.r1, o.lo
            FROM temp.wear_deb w CROSS JOIN temp.wear_open o CROSS JOIN debtors d
            WHERE w.act1 = 1 AND w.worn1 = 1 AND o.debtor_id = w.debtor_id AND d.id = w.debtor_id"""
    ).fetchall()
    if not rows:
        return []
    end = to_db(main.end)
    # The streaks' reminders, read in table order (their ids come from the index).
    conn.execute("CREATE TEMP TABLE wear_sid (id INTEGER PRIMARY KEY)")
    conn.execute(
        """INSERT INTO temp.wear_sid (id)
        SELECT e.id FROM temp.wear_deb w CROSS JOIN temp.wear_open o CROSS JOIN events e
        WHERE w.act1 = 1 AND w.worn1 = 1 AND o.debtor_id = w.debtor_id
          AND e.debtor_id = w.debtor_id AND e.at > o.lo AND e.at < :end
        ORDER BY e.id""",
        {"end": end},
    )
    call = Channel.CALL.value
    # debtor → (channels, agent of each call attempt, timed call attempts as stored text)
    facts: dict[int, tuple[set[str], list[str | None], list[str]]] = {}
    for debtor_id, channel, agent, timed_at in conn.execute(
        """SELECT e.debtor_id, e.channel, e.agent,
                  CASE WHEN e.channel = :call AND e.has_time = 1 THEN e.at END
           FROM temp.wear_sid s CROSS JOIN events e
           WHERE e.id = s.id AND e.kind = 'reminder'""",
        {"call": call},
    ):
        f = facts.get(debtor_id)
        if f is None:
            f = facts[debtor_id] = (set(), [], [])
        f[0].add(channel)
        if channel == call:
            f[1].append(agent)
            if timed_at is not None:
                f[2].append(timed_at)
    notices = {
        debtor_id: (_paris_day(lo), _paris_day(hi))
        for debtor_id, lo, hi in conn.execute(
            f"""SELECT x.debtor_id, MIN(x.at), MAX(x.at)
                FROM temp.wear_x x CROSS JOIN temp.wear_deb w
                WHERE x.ord = {_X_NOTICE} AND w.debtor_id = x.debtor_id AND w.act1 = 1 AND w.worn1 = 1
                GROUP BY x.debtor_id"""
        )
    }
    sunday = main.sunday
    recommend = Recommender(sunday, rules)
    no_facts: tuple[set[str], list[str | None], list[str]] = (set(), [], [])
    no_notice = (None, None)
    out = []
    for debtor_id, ref, name, tz, segment, agent, bal, channel, worn0, n, r1, lo in rows:
        first_on = _paris_day(r1)
        last_on = _paris_day(lo) if lo else None
        channels, call_agents, timed = facts.get(debtor_id, no_facts)
        first_notice, last_notice = notices.get(debtor_id, no_notice)
        out.append(
            FlaggedDebtor(
                ref,
                name,
                segment,
                agent,
                n,
                not worn0,
                first_on,
                last_on,
                (sunday - (last_on or first_on)).days,
                bal,
                channel or "",
                recommend(
                    segment,
                    bal,
                    tz,
                    n,
                    channels,
                    call_agents,
                    # Only three timed calls or more are looked at: convert those alone.
                    [_utc(t) for t in timed] if len(timed) >= 3 else (),
                    first_notice,
                    last_notice,
                ),
            )
        )
    return out


def _utc(text: str) -> datetime:
    """Stored UTC text to an aware datetime (fast path of `dates.from_db`)."""
    return datetime.fromisoformat(text[:19] + "+00:00")


def _paris_day(text: str) -> date:
    """The Paris date of a stored UTC instant (Paris offsets change on whole UTC hours)."""
    return _paris_day_of_hour(text[:13])


@lru_cache(maxsize=1 << 16)
def _paris_day_of_hour(utc_hour: str) -> date:
    return datetime.fromisoformat(utc_hour + ":00:00+00:00").astimezone(PARIS).date()


# -- reference loader ---------------------------------------------------------------------


def load_wear_debtors(store: Store, week: str, rules: WearRules | None = None) -> list[WearDebtor]:
    """Every debtor with its whole history as `domain.wear` input, balances rolled back to
    the end of S and of S − 7 like `compute_wear` does. For tests and small databases
    (the reference path: `compute_report(week, load_wear_debtors(...), rules)`)."""
    rules = rules or WearRules()
    _, sunday = parse_iso_week(week)
    prev = sunday - timedelta(days=7)
    with store.read() as conn:
        debtors = conn.execute(
            "SELECT id, ref, name, segment, balance_cents, tz, agent, sales_rep FROM debtors ORDER BY id"
        ).fetchall()
        events: dict[int, list[WearEvent]] = {}
        for debtor_id, at, kind, channel, direction, outcome, agent, has_time in conn.execute(
            "SELECT debtor_id, at, kind, channel, direction, outcome, agent, has_time FROM events ORDER BY id"
        ):
            events.setdefault(debtor_id, []).append(
                WearEvent(
                    at=_at(at),
                    kind=EventKind(kind),
                    channel=channel,
                    agent=agent,
                    is_formal_notice=(channel == "letter" and direction == "out" and outcome == "formal_notice"),
                    has_time=bool(has_time),
                )
            )
        adj: dict[int, list[int]] = {}
        for debtor_id, paid_on, amount in conn.execute("SELECT debtor_id, paid_on, amount_cents FROM payments"):
            day = date.fromisoformat(paid_on)
            if amount > 0:
                events.setdefault(debtor_id, []).append(payment_event(day))
            a = adj.setdefault(debtor_id, [0, 0])
            a[0] += amount if day > sunday else 0
            a[1] += amount if day > prev else 0
        for debtor_id, created_at in conn.execute("SELECT debtor_id, created_at FROM promises"):
            events.setdefault(debtor_id, []).append(promise_event(_at(created_at)))
        for debtor_id, issued, due, amount in conn.execute(
            "SELECT debtor_id, issue_date, due_date, amount_cents FROM invoices"
        ):
            day = date.fromisoformat(issued or due)
            a = adj.setdefault(debtor_id, [0, 0])
            a[0] -= amount if day > sunday else 0
            a[1] -= amount if day > prev else 0
    out = []
    for debtor_id, ref, name, segment, balance, tz, agent, sales_rep in debtors:
        a = adj.get(debtor_id, [0, 0])
        out.append(
            WearDebtor(
                ref=ref,
                segment=segment,
                balance_cents=balance + a[0],
                previous_balance_cents=balance + a[1],
                events=tuple(events.get(debtor_id, ())),
                tz=tz,
                name=name,
                agent=agent,
                sales_rep=sales_rep,
            )
        )
    return out


def _at(text: str) -> datetime:
    at = from_db(text)
    assert at is not None
    return at
