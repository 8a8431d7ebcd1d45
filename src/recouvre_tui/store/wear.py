"""The weekly wear report in SQL, for a million debtors (docs/rules.md "Wear"; README "Performance").

Computes exactly what `recouvre_tui.domain.wear.compute_report` computes (the reference,
whose docstring says how each ambiguous point is read; the tests check both agree), in a
few set-based passes instead of one Python loop per debtor. Instants are compared as the
stored UTC text (`YYYY-MM-DD HH:MM:SS` sorts as time does); every boundary is computed in
Python and passed as a parameter, and the two pieces of date arithmetic the data needs (a
payment dated D is a response at 00:00 Paris on D; "within 7 days" of a response) go
through a small calendar table filled from Python.

How it scales. Everything rests on the covering index `events_debtor_history` (debtor,
instant, kind, channel, agent, timing): each debtor's history is read in order from the
index alone, never from the table, and the big table is never sorted.

1. the responses (response events, positive payments, recorded promises) are collected,
   sorted per debtor, in `wear_resp`; `wear_lo` keeps each debtor's last one before the
   end of each week asked for (its streak then is the reminders after it);
2. one walk over each debtor's recent reminders (from its earliest such last response,
   or the first 28-day window) gives at each week's end the streak's length and first
   reminder (so worn or not), whether it is active, the last channel, and with the
   balance rolled back to the week (payments dated after S come back, invoices issued
   after S go) the flags of `wear_deb`;
3. for the fatigue curve, consecutive responses bound the finished *runs* of reminders:
   one seek per run counts its reminders (n), those the delay before the response at
   most (m) and finds its first one, straight into a histogram {(n, m): runs};
4. Python finishes the flagged debtors' recommendations from their streak's facts, which
   SQL aggregates (distinct channels, callers, timed call instants, mises en demeure).

The debtors are split into id ranges computed by worker processes (threads would not
help: SQLite serialises their memory allocations), whose partial counts are summed. All
the workers read the same snapshot: their read transactions start while this process
holds the write lock for an instant, so no commit can fall between them. The report and
the 12-week trend are computed together (`compute_wear_and_trend`): the trend's weeks
only add a few sums to the walk of step 2.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from multiprocessing.connection import Connection
from typing import Any

from recouvre_tui.domain.codes import Channel
from recouvre_tui.domain.config import WearRules
from recouvre_tui.domain.dates import PARIS, from_db, parse_iso_week, to_db
from recouvre_tui.domain.events import EventKind
from recouvre_tui.domain.wear import (
    FatiguePoint,
    FlaggedDebtor,
    Recommender,
    StreakFacts,
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
    zone,
)

from .db import Store, StoreError, connect

__all__ = [
    "FatiguePoint",
    "FlaggedDebtor",
    "WearGroup",
    "WearReport",
    "breakdown",
    "compute_wear",
    "compute_wear_and_figures",
    "load_wear_debtors",
    "wear_figures",
    "wear_trend",
]

_TEMP_TABLES = (
    "wear_days",
    "wear_resp",
    "wear_lo",
    "wear_adj",
    "wear_run",
    "wear_hist",
    "wear_deb",
    "wear_fl",
)

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
    debtor, for callers that only need codes). `workers`: parallel processes (default:
    2 for a database file with many debtors, else 1, in this process).
    """
    return compute_wear_and_trend(store, week, (), rules, names, workers=workers)[0]


def compute_wear_and_trend(
    store: Store,
    week: str,
    trend_weeks: Sequence[str],
    rules: WearRules | None = None,
    names: bool = True,
    *,
    workers: int | None = None,
) -> tuple[WearReport, list[tuple[str, float | None]]]:
    """The report of `week` and the wear rate of each of `trend_weeks` (none after `week`),
    in one set of passes: the weeks only add a few sums to the walk over each debtor."""
    report, figures = compute_wear_and_figures(store, week, trend_weeks, rules, names, workers=workers)
    return report, [(label, wear_rate(worn, active)) for label, (active, worn) in figures]


def compute_wear_and_figures(
    store: Store,
    week: str,
    trend_weeks: Sequence[str],
    rules: WearRules | None = None,
    names: bool = True,
    *,
    workers: int | None = None,
) -> tuple[WearReport, list[tuple[str, tuple[int, int]]]]:
    """`compute_wear_and_trend` with each trend week's terms (active, worn ∩ active) in
    place of its rate: what `store.wear_weeks` keeps of a closed week."""
    rules = rules or WearRules()
    main = WearWindow.for_week(week, rules)
    prev = WearWindow.for_sunday(main.prev_sunday, rules)
    by_week = {w: WearWindow.for_week(w, rules) for w in trend_weeks}
    if any(w.sunday > main.sunday for w in by_week.values()):
        raise ValueError(f"trend weeks must not come after {main.week}")
    windows = tuple(sorted({w.sunday: w for w in [*by_week.values(), prev, main]}.values(), key=_by_end))

    parts: list[_Part] = _parallel(store, _Job(windows, rules, report=True, names=names), workers)
    groups: dict[tuple[str, str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    hist: dict[tuple[int, int], int] = defaultdict(int)
    active = worn = newly = unreminded = 0
    flagged: list[FlaggedDebtor] = []
    sums = [(0, 0)] * len(windows)
    for part in parts:
        a, w, n, u = part.totals
        active, worn, newly, unreminded = active + a, worn + w, newly + n, unreminded + u
        for key, (ga, gw) in part.groups.items():
            groups[key][0] += ga
            groups[key][1] += gw
        for run, c in part.hist.items():
            hist[run] += c
        flagged.extend(part.flagged)
        sums = [(sa + pa, sw + pw) for (sa, sw), (pa, pw) in zip(sums, part.sums, strict=True)]
    report = WearReport(
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
    terms = {win.sunday: s for win, s in zip(windows, sums, strict=True)}
    return report, [(by_week[w].week, terms[by_week[w].sunday]) for w in trend_weeks]


def wear_trend(
    store: Store, weeks: Sequence[str], rules: WearRules | None = None, *, workers: int | None = None
) -> list[tuple[str, float | None]]:
    """(week, wear rate) for each of `weeks` (e.g. the 12 weeks of the sparkline), in one
    set of passes: each run of reminders says at once in which weeks it was a worn streak.
    Always from scratch (the reference the stored weeks are checked against)."""
    return [
        (label, wear_rate(worn, active)) for label, (active, worn) in wear_figures(store, weeks, rules, workers=workers)
    ]


def wear_figures(
    store: Store, weeks: Sequence[str], rules: WearRules | None = None, *, workers: int | None = None
) -> list[tuple[str, tuple[int, int]]]:
    """(week, (active, worn ∩ active)) for each of `weeks`: the terms of `wear_trend`'s rates."""
    rules = rules or WearRules()
    if not weeks:
        return []
    by_week = {w: WearWindow.for_week(w, rules) for w in weeks}
    windows = sorted({w.sunday: w for w in by_week.values()}.values(), key=_by_end)
    k = len(windows)

    sums = [(0, 0)] * k
    part: list[tuple[int, int]]
    for part in _parallel(store, _Job(tuple(windows), rules, report=False), workers):
        sums = [(a + pa, w + pw) for (a, w), (pa, pw) in zip(sums, part, strict=True)]
    terms = {win.sunday: s for win, s in zip(windows, sums, strict=True)}
    return [(by_week[w].week, terms[by_week[w].sunday]) for w in weeks]


def _by_end(w: WearWindow) -> datetime:
    return w.end


# -- workers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """What a worker computes over its range of debtors: the report of the last week of
    `windows` (with W − 1 before it), or only the rate's terms at each of them (trend)."""

    windows: tuple[WearWindow, ...]
    rules: WearRules
    report: bool
    names: bool = True


def _work(conn: sqlite3.Connection, job: _Job, ids: tuple[int, int]) -> Any:
    _run(conn, job.windows, job.rules, ids, fatigue=job.report)
    sums = _sums(conn, len(job.windows))
    if not job.report:
        return sums
    part = _part(conn, job.windows, job.rules, names=job.names)
    part.sums = sums
    return part


def _sums(conn: sqlite3.Connection, k: int) -> list[tuple[int, int]]:
    """(active, worn ∩ active) at each week: the terms of its wear rate."""
    cols = ", ".join(f"coalesce(SUM(act{j}), 0), coalesce(SUM(act{j} * worn{j}), 0)" for j in range(k))
    row = conn.execute(f"SELECT {cols} FROM temp.wear_deb").fetchone()
    return [(row[2 * j], row[2 * j + 1]) for j in range(k)]


def _parallel(store: Store, job: _Job, workers: int | None) -> list[Any]:
    """Run `job` over id ranges of the debtors, all on one snapshot. One worker runs here,
    on the store's connection; on SQLite several run in child processes (threads would not
    help: SQLite serialises their memory allocations), each on its own connection, their read
    transactions started while this process holds the write lock for an instant, so no
    commit can fall between them (one worker when that lock is not to be had). On PostgreSQL
    they are threads, each on its own connection (the server computes, one process per
    connection), sharing this connection's exported snapshot."""
    with store.lock:
        conn = store.conn
        lo, hi = conn.execute("SELECT coalesce(MIN(id), 0), coalesce(MAX(id), -1) FROM debtors").fetchone()
        if workers is None:
            workers = 2 if (hi - lo >= _PARALLEL_MIN_DEBTORS and (os.cpu_count() or 1) > 1) else 1
        workers = 1 if store.path == ":memory:" else max(1, workers)
        if workers > 1:
            step = (hi - lo + workers) // workers
            ranges = [(lo + i * step, min(hi, lo + (i + 1) * step - 1)) for i in range(workers)]
            if store.kind == "postgresql":
                return _on_pg_connections(store, job, ranges)
            results = _in_processes(store.path, job, ranges)
            if results is not None:
                return results
        _drop(conn)
        # PostgreSQL's plain BEGIN is READ COMMITTED: each pass would see the commits made
        # since the one before it (an import running beside the report).
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if store.kind == "postgresql" else "BEGIN")
        try:
            return [_work(conn, job, (lo, hi))]
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
            _drop(conn)


def _on_pg_connections(store: Store, job: _Job, ranges: list[tuple[int, int]]) -> list[Any]:
    """`job` over each range on a connection of its own, in a thread each; every one reads the
    snapshot this connection exports (`SET TRANSACTION SNAPSHOT`), held open until they end."""
    from .pg import connect as pg_connect

    with store.read() as conn:
        (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone()

        def one(ids: tuple[int, int]) -> Any:
            worker: Any = pg_connect(store.path)  # the store SQL runs on it as on sqlite3
            try:
                worker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                worker.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                result = _work(worker, job, ids)
                worker.execute("COMMIT")
                return result
            finally:
                worker.close()

        with ThreadPoolExecutor(max_workers=len(ranges), thread_name_prefix="wear") as pool:
            return list(pool.map(one, ranges))


def _in_processes(path: str, job: _Job, ranges: list[tuple[int, int]]) -> list[Any] | None:
    """`job` over each range in a child process; None (nothing started) when the write lock
    that aligns their snapshots is busy."""
    gate = connect(path)
    try:
        gate.execute("PRAGMA busy_timeout = 1000")
        try:
            gate.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return None
        ctx = multiprocessing.get_context("spawn")
        children = []
        try:
            for ids in ranges:
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(target=_child, args=(theirs, path, job, ids), daemon=True)
                proc.start()
                theirs.close()
                children.append((proc, mine))
            for _, pipe in children:
                _receive(pipe)  # "ready": its snapshot is taken
            gate.execute("ROLLBACK")
            return [_receive(pipe) for _, pipe in children]
        finally:
            if gate.in_transaction:
                gate.execute("ROLLBACK")
            for proc, pipe in children:
                pipe.close()
                proc.join(timeout=5)
                if proc.is_alive():
                    proc.kill()
    finally:
        gate.close()


def _receive(pipe: Connection) -> Any:
    try:
        status, value = pipe.recv()
    except EOFError:
        raise StoreError("le calcul du rapport d'usure s'est arrêté (processus de calcul interrompu)") from None
    if status == "error":
        raise StoreError(f"calcul du rapport d'usure : {value}")
    return value


def _child(pipe: Connection, path: str, job: _Job, ids: tuple[int, int]) -> None:
    """A worker process: snapshot, say so, compute, send the result (or the error)."""
    try:
        conn = connect(path)
        conn.execute("BEGIN")
        conn.execute("SELECT 1 FROM debtors LIMIT 1").fetchall()
        pipe.send(("ok", "ready"))
        pipe.send(("ok", _work(conn, job, ids)))
        conn.execute("COMMIT")
        conn.close()
    except Exception as exc:  # reported to the parent, which raises it
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()


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
        "amain": to_db(main.active_from),
        "min_sunday": min(w.sunday for w in windows).isoformat(),
        "min_streak": rules.min_streak,
        "ffrom": to_db(main.fatigue_from),
        # The calendar starts there (and at the first payment).
        "lowest": to_db(lowest),
    }
    for j, w in enumerate(windows):
        p[f"end{j}"] = to_db(w.end)
        p[f"wb{j}"] = to_db(w.worn_before)
        p[f"af{j}"] = to_db(w.active_from)
        p[f"sun{j}"] = w.sunday.isoformat()
    return p


def _calendar(conn: sqlite3.Connection, p: dict[str, object], rules: WearRules, main: WearWindow) -> None:
    """`wear_days`: for each date, 00:00 Paris as stored text (a payment dated D is a
    response then) and the date `fatigue_response_days` earlier (for "within 7 days")."""
    first_paid = conn.execute("SELECT MIN(paid_on) FROM payments WHERE paid_on <= :sunday", p).fetchone()[0]
    first = date.fromisoformat(str(p["lowest"])[:10]) - timedelta(days=2)
    if first_paid:
        first = min(first, date.fromisoformat(first_paid))
    conn.execute("CREATE TEMP TABLE wear_days (day TEXT PRIMARY KEY, midnight TEXT NOT NULL, minus TEXT NOT NULL)")
    delay = timedelta(days=rules.fatigue_response_days)
    days = []
    day = first
    while day <= main.sunday + timedelta(days=2):
        days.append((day.isoformat(), to_db(payment_event(day).at), (day - delay).isoformat()))
        day += timedelta(days=1)
    conn.executemany("INSERT INTO temp.wear_days VALUES (?, ?, ?)", days)


def _run(
    conn: sqlite3.Connection,
    windows: Sequence[WearWindow],
    rules: WearRules,
    ids: tuple[int, int],
    *,
    fatigue: bool,
) -> None:
    """Fill the temporary tables for the debtors with ids in `ids` and the weeks `windows`
    (ascending; the last is the main one). `wear_deb` ends with, per debtor: `bal{j}`,
    `act{j}` (active), `worn{j}` (worn, plain definition), `open{j}` (open balance) at each
    week j, and its current streak at the main one (`lo` last response or '', `n` length,
    `r1` first reminder). With `fatigue`, `wear_hist` holds the finished runs' histogram."""
    k = len(windows)
    last = k - 1
    p = _params(windows, rules, ids, fatigue=fatigue)
    run = conn.execute
    _calendar(conn, p, rules, windows[-1])

    # 1. Response instants per debtor (events, positive payments, recorded promises).
    run(
        "CREATE TEMP TABLE wear_resp (debtor_id INTEGER NOT NULL, at TEXT NOT NULL,"
        " PRIMARY KEY (debtor_id, at)) WITHOUT ROWID"
    )
    run(
        """INSERT OR IGNORE INTO temp.wear_resp (debtor_id, at)
        SELECT debtor_id, at FROM events
        WHERE debtor_id BETWEEN :id_lo AND :id_hi AND kind = 'response' AND +at < :end
        UNION ALL
        SELECT p.debtor_id, c.midnight FROM payments p JOIN temp.wear_days c ON c.day = p.paid_on
        WHERE p.debtor_id BETWEEN :id_lo AND :id_hi AND p.paid_on <= :sunday AND p.amount_cents > 0
        UNION ALL
        SELECT debtor_id, created_at FROM promises
        WHERE debtor_id BETWEEN :id_lo AND :id_hi AND created_at < :end
        ORDER BY 1, 2""",
        p,
    )

    # 2. Each debtor's last response before each week's end: its streak then is the
    #    reminders after it.
    lcols = "".join(f", lo{j} TEXT" for j in range(k))
    lnames = "".join(f", lo{j}" for j in range(k))
    lmax = "".join(f", MAX(CASE WHEN at < :end{j} THEN at END)" for j in range(k))
    run(f"CREATE TEMP TABLE wear_lo (debtor_id INTEGER PRIMARY KEY{lcols})")
    run(f"INSERT INTO temp.wear_lo (debtor_id{lnames}) SELECT debtor_id{lmax} FROM temp.wear_resp GROUP BY 1", p)

    # 3. Balance roll-back: payments dated after S come back, invoices issued after S go.
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

    # 4. One walk over each debtor's recent reminders (covering index, from its earliest
    #    last response or the first 28-day window): streak length and first reminder at
    #    each week's end, activity, last channel; with the balance rolled back.
    per_week = ", ".join(
        f"SUM(CASE WHEN e.at > coalesce(l.lo{j}, '') AND e.at < :end{j} THEN 1 ELSE 0 END) AS n{j},"
        f" MIN(CASE WHEN e.at > coalesce(l.lo{j}, '') AND e.at < :end{j} THEN e.at END) AS f{j},"
        f" MAX(CASE WHEN e.at >= :af{j} AND e.at < :end{j} THEN 1 ELSE 0 END) AS a{j},"
        f" d.balance_cents + coalesce(a.adj{j}, 0) AS bal{j}"
        for j in range(k)
    )
    flags = ", ".join(
        f"bal{j}, CASE WHEN bal{j} > 0 AND a{j} = 1 THEN 1 ELSE 0 END,"
        f" CASE WHEN bal{j} > 0 AND n{j} >= :min_streak AND f{j} < :wb{j} THEN 1 ELSE 0 END,"
        f" CASE WHEN bal{j} > 0 THEN 1 ELSE 0 END"
        for j in range(k)
    )
    fcols = "".join(
        f", bal{j} INTEGER NOT NULL, act{j} INTEGER NOT NULL, worn{j} INTEGER NOT NULL, open{j} INTEGER NOT NULL"
        for j in range(k)
    )
    fnames = "".join(f", bal{j}, act{j}, worn{j}, open{j}" for j in range(k))
    run(
        "CREATE TEMP TABLE wear_deb (debtor_id INTEGER PRIMARY KEY, segment TEXT NOT NULL,"
        f" agent TEXT, last_channel TEXT, lo TEXT NOT NULL, n INTEGER NOT NULL, r1 TEXT{fcols})"
    )
    run(
        f"""INSERT INTO temp.wear_deb (debtor_id, segment, agent, last_channel, lo, n, r1{fnames})
        SELECT debtor_id, segment, agent, last_channel, lo, n{last}, f{last}, {flags}
        FROM (
            SELECT d.id AS debtor_id, d.segment, d.agent, coalesce(l.lo{last}, '') AS lo,
                   substr(MAX(CASE WHEN e.at >= :amain THEN e.at || e.channel END), 20) AS last_channel,
                   {per_week}
            FROM debtors d
            LEFT JOIN temp.wear_adj a ON a.debtor_id = d.id
            LEFT JOIN temp.wear_lo l ON l.debtor_id = d.id
            LEFT JOIN events e ON e.debtor_id = d.id AND e.at >= min(coalesce(l.lo0, ''), :af0)
                 AND e.at < :end AND e.kind = 'reminder'
            WHERE d.id BETWEEN :id_lo AND :id_hi
            GROUP BY d.id, l.debtor_id, a.debtor_id  -- their keys: their columns are single-valued
        ) t""",
        p,
    )
    if not fatigue:
        return

    # 5. The fatigue curve's finished runs (previous response, response], then each run's
    #    reminders from the covering index (one seek per run): n, m (those the delay
    #    before the response at most), and the first one (the run's start).
    run(
        "CREATE TEMP TABLE wear_run (id INTEGER PRIMARY KEY, debtor_id INTEGER NOT NULL, lo TEXT NOT NULL,"
        " hi TEXT NOT NULL,"
        " hi_m TEXT NOT NULL)"
    )
    run(
        """INSERT INTO temp.wear_run (debtor_id, lo, hi, hi_m)
        SELECT q.debtor_id,
               coalesce((SELECT MAX(z.at) FROM temp.wear_resp z WHERE z.debtor_id = q.debtor_id AND z.at < q.at), ''),
               q.at, c.minus || substr(q.at, 11)
        FROM temp.wear_resp q JOIN temp.wear_days c ON c.day = substr(q.at, 1, 10)
        WHERE q.at >= :ffrom""",
        p,
    )
    run("CREATE TEMP TABLE wear_hist (n INTEGER NOT NULL, m INTEGER NOT NULL, runs INTEGER NOT NULL)")
    run(
        """INSERT INTO temp.wear_hist (n, m, runs)
        SELECT n, m, COUNT(*)
        FROM (
            SELECT COUNT(*) AS n, SUM(CASE WHEN e.at >= r.hi_m THEN 1 ELSE 0 END) AS m, MIN(e.at) AS r1
            FROM temp.wear_run r
            JOIN events e ON e.debtor_id = r.debtor_id AND e.at > r.lo AND e.at <= r.hi
            WHERE e.kind = 'reminder'
            GROUP BY r.id
        ) t
        WHERE r1 >= :ffrom
        GROUP BY n, m""",
        p,
    )


@dataclass
class _Part:
    """One worker's share of the report."""

    totals: tuple[int, int, int, int]  # active, worn (∩ active), newly worn, unreminded
    groups: dict[tuple[str, str | None, str], tuple[int, int]] = field(default_factory=dict)
    hist: dict[tuple[int, int], int] = field(default_factory=dict)
    flagged: list[FlaggedDebtor] = field(default_factory=list)
    sums: list[tuple[int, int]] = field(default_factory=list)  # (active, worn) at each week


def _part(conn: sqlite3.Connection, windows: Sequence[WearWindow], rules: WearRules, *, names: bool) -> _Part:
    """The report's share of this worker: W is the last of `windows`, W − 1 one of them."""
    main = windows[-1]
    m = len(windows) - 1
    p = [w.sunday for w in windows].index(main.prev_sunday)
    totals = conn.execute(
        f"""SELECT coalesce(SUM(act{m}), 0), coalesce(SUM(act{m} * worn{m}), 0),
                  coalesce(SUM(act{m} * worn{m} * (1 - worn{p})), 0), coalesce(SUM(open{m} - act{m}), 0)
           FROM temp.wear_deb"""
    ).fetchone()
    groups = {
        (segment, agent, channel or ""): (a, w)
        for segment, agent, channel, a, w in conn.execute(
            f"""SELECT segment, agent, last_channel, COUNT(*), SUM(worn{m})
               FROM temp.wear_deb WHERE act{m} = 1
               GROUP BY segment, agent, last_channel"""
        )
    }
    # The fatigue curve's runs (started in the 12 weeks), the current ones with m = 0.
    hist = {
        (n, m): c
        for n, m, c in conn.execute(
            """SELECT n, m, SUM(runs) FROM (
                   SELECT n, m, runs FROM temp.wear_hist
                   UNION ALL
                   SELECT n, 0, 1 FROM temp.wear_deb WHERE n > 0 AND r1 >= :ffrom
               ) t GROUP BY n, m""",
            {"ffrom": to_db(main.fatigue_from)},
        )
    }
    return _Part(tuple(totals), groups, hist, _flagged(conn, main, rules, (p, m), names=names))


def _flagged(
    conn: sqlite3.Connection, main: WearWindow, rules: WearRules, weeks: tuple[int, int], *, names: bool
) -> list[FlaggedDebtor]:
    """The flagged debtors of the worker's range (`weeks`: the columns of W − 1 and W),
    recommendations included: the facts of each streak are aggregated in SQL from the
    covering index; Python converts timed call attempts to local time only where there
    are three or more."""
    p, m = weeks
    end = to_db(main.end)
    conn.execute(
        "CREATE TEMP TABLE wear_fl (debtor_id INTEGER PRIMARY KEY, channels INTEGER NOT NULL,"
        " calls INTEGER NOT NULL, one_caller INTEGER NOT NULL, timed TEXT)"
    )
    conn.execute(
        f"""INSERT INTO temp.wear_fl (debtor_id, channels, calls, one_caller, timed)
        SELECT w.debtor_id, COUNT(DISTINCT e.channel),
               SUM(CASE WHEN e.channel = :call THEN 1 ELSE 0 END),
               CASE WHEN SUM(CASE WHEN e.channel = :call AND e.agent IS NULL THEN 1 ELSE 0 END) = 0
                         AND MIN(CASE WHEN e.channel = :call THEN e.agent END)
                             = MAX(CASE WHEN e.channel = :call THEN e.agent END)
                    THEN 1 ELSE 0 END,
               CASE WHEN SUM(CASE WHEN e.channel = :call AND e.has_time = 1 THEN 1 ELSE 0 END) >= 3
                    THEN group_concat(CASE WHEN e.channel = :call AND e.has_time = 1 THEN e.at END) END
        FROM temp.wear_deb w CROSS JOIN events e
        WHERE w.act{m} = 1 AND w.worn{m} = 1
          AND e.debtor_id = w.debtor_id AND e.at > w.lo AND e.at < :end AND e.kind = 'reminder'
        GROUP BY w.debtor_id""",
        {"end": end, "call": Channel.CALL.value},
    )
    name_col = "d.name" if names else "''"
    rows = conn.execute(
        f"""SELECT d.ref, {name_col}, d.tz, w.segment, w.agent, w.bal{m}, w.last_channel, w.worn{p},
                   w.n, w.r1, w.lo, f.channels, f.calls, f.one_caller, f.timed,
                   (SELECT MIN(e.at) || MAX(e.at) FROM events e
                    WHERE e.debtor_id = w.debtor_id AND e.at < :end AND e.channel = 'letter'
                      AND e.direction = 'out' AND e.outcome = :notice)
            FROM temp.wear_deb w CROSS JOIN temp.wear_fl f CROSS JOIN debtors d
            WHERE w.act{m} = 1 AND w.worn{m} = 1 AND f.debtor_id = w.debtor_id AND d.id = w.debtor_id""",
        {"end": end, "notice": "formal_notice"},
    ).fetchall()
    sunday = main.sunday
    recommend = Recommender(sunday, rules)
    out = []
    for ref, name, tz, segment, agent, bal, channel, worn0, n, r1, lo, chans, calls, one_caller, timed, notices in rows:
        first_on = _paris_day(r1)
        last_on = _paris_day(lo) if lo else None
        facts = StreakFacts(n, chans, calls, bool(one_caller), _slot_span(timed, tz) if timed else None)
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
                    facts,
                    segment,
                    bal,
                    _paris_day(notices[:19]) if notices else None,
                    _paris_day(notices[19:]) if notices else None,
                ),
            )
        )
    return out


def _slot_span(timed: str, tz: str | None) -> int | None:
    """`time_of_day_span` of the stored instants "at,at,…" (local offsets looked up once
    per zone and UTC hour: they change on whole hours)."""
    seconds = []
    for at in timed.split(","):
        offset = _offset(tz, at[:13])
        seconds.append((int(at[11:13]) * 3600 + int(at[14:16]) * 60 + int(at[17:19]) + offset) % 86400)
    return max(seconds) - min(seconds) if len(seconds) >= 3 else None


@lru_cache(maxsize=1 << 16)
def _offset(tz: str | None, utc_hour: str) -> int:
    at = datetime.fromisoformat(utc_hour + ":00:00+00:00")
    offset = at.astimezone(zone(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


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
