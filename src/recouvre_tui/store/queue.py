"""SQL for the work queue and claims.

Candidates come in pages ordered by (priority_class, score DESC, ref) through the partial
index `debtors_queue`, so taking the next case never sorts the portfolio; the few debtors
resting after a call, outside that index, are merged in (`ordered_page`). Everything the
callability rules need for a page is then fetched with a handful of IN queries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..domain.areas import AREAS
from ..domain.dates import from_db, paris_date
from ..domain.filters import DebtorFilter
from ..domain.legal import may_be_prescribed, prescription_summary
from ..domain.refs import normalise_ref
from .agents import Agent, agent_from_rows, agent_statement
from .dialect import fetch_batch, is_postgres
from .filters import filter_where
from .imports import _in
from .legal import facts_by_id
from .payment_checks import NOT_HELD_SQL, held_until_sql, not_received_statement

CANDIDATE_COLS = (
    "d.id",
    "d.ref",
    "d.name",
    "d.segment",
    "d.area",
    "d.tz",
    "d.agent",
    "d.balance_cents",
    "d.oldest_due",
    "d.priority_class",
    "d.score",
    "d.on_hold",
    "d.do_not_call",
    "d.dispute_open",
    "d.postcode",
    "d.overindebted_since",
)


@dataclass
class Candidate:
    id: int
    ref: str
    name: str
    segment: str
    area: str
    tz: str
    agent: str | None
    balance_cents: int
    oldest_due: str | None
    priority_class: int
    score: float
    on_hold: bool
    do_not_call: bool
    dispute_open: bool
    postcode: str | None
    overindebted_since: str | None = None
    # Filled by `load_context`:
    claimed_by: str | None = None
    valid_phones: int = 0
    unpaid_dues: list[str] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    callback_due_at: str | None = None
    payment_check_until: str | None = None
    components: str = "[]"
    prescribed_cents: int = 0  # unpaid amount of its prescribed invoices (never claimed)
    all_overdue_prescribed: bool = False


# Ends the correlated EXISTS of a queue page: they are checked debtor by debtor as the page
# walks the queue index, as SQLite does. Without it PostgreSQL turns an EXISTS inside an OR into
# a hash of the whole table's matching rows (every pending promise, every call of the day),
# built for each page: 30–100 ms per claim at 1 000 000 debtors, growing with the portfolio,
# held inside the write lock while a claim re-checks its candidate. An OFFSET keeps PostgreSQL
# from rewriting the subquery (harmless on SQLite; LIMIT 1 does not change an EXISTS).
PER_ROW = " LIMIT 1 OFFSET 0"


def page(
    conn: sqlite3.Connection,
    *,
    agent: str | None,
    pool: bool,
    after: tuple[int, float, str] | None,
    limit: int,
    include_blocked: bool,
    flt: DebtorFilter | None = None,
    flt_today: date | None = None,
    attempted_after: str | None = None,
    now: str | None = None,
    today: str | None = None,
    open_areas: dict[str, tuple[frozenset[str], bool]] | None = None,
    with_resting: bool = True,
) -> list[Candidate]:
    """One page of a portfolio (agent=login) or of the pool (agent None), after `after`.

    `with_resting=False` when the caller knows (`QueueStart.merge`, same snapshot) that no
    resting debtor of this portfolio or pool can be on the page: one plain index read, without
    merging (which costs 0.5–1.2 ms more on PostgreSQL, for nothing most of the time).

    Without `include_blocked`, the static blocks (hold, do-not-call, dispute) are filtered
    in SQL, and so are, when given, two blocks that would otherwise fill the top of the queue
    all day (every case called is blocked for hours, every promise for weeks): a call attempt
    after `attempted_after` (the minimum gap) without a callback due at `now`, and a pending
    promise whose unpaid instalments all fall due after `today`; also debtors without a valid
    number and, per segment, those outside `open_areas` (`callability.open_areas`: the open
    area codes, and whether metropolitan France, which stands for unknown codes, is open). The
    domain rules decide the rest (and check these again) afterwards.
    """
    where = "d.balance_cents > 0"
    params: list[Any] = []
    # Correlated checks, made on the queue index's rows only: the few debtors resting after a
    # call are read without them and the domain rules judge them (`ordered_page`).
    pre = ""
    pre_params: list[Any] = []
    if pool:
        where += " AND d.agent IS NULL"
    elif agent is not None:
        where += " AND d.agent = ?"
        params.append(agent)
    if not include_blocked:
        where += " AND d.on_hold = 0 AND d.do_not_call = 0 AND d.dispute_open = 0 AND d.overindebted_since IS NULL"
        if attempted_after is not None and now is not None:
            pre += (
                " AND (NOT EXISTS (SELECT 1 FROM events e WHERE e.debtor_id = d.id AND e.at > ?"
                f" AND e.channel = 'call' AND e.direction = 'out'{PER_ROW})"
                " OR EXISTS (SELECT 1 FROM callbacks c WHERE c.debtor_id = d.id"
                f" AND c.done_at IS NULL AND c.due_at <= ?{PER_ROW}))"
            )
            pre_params += [attempted_after, now]
        if today is not None:
            unpaid = (
                "SELECT 1 FROM promises p JOIN instalments i ON i.promise_id = p.id "
                "WHERE p.debtor_id = d.id AND p.status = 'pending' AND i.status <> 'paid'"
            )
            pre += f" AND (NOT EXISTS ({unpaid}{PER_ROW}) OR EXISTS ({unpaid} AND i.due_date <= ?{PER_ROW}))"
            pre_params.append(today)
        if now is not None:
            pre += NOT_HELD_SQL
            pre_params.append(now)
        # Never callable, whatever else: no valid number (they would fill the top of the
        # queue for good, nobody ever calls them), and areas closed right now (overseas
        # departments at night, a local holiday, B2B at the weekend).
        pre += (
            " AND EXISTS (SELECT 1 FROM phones ph WHERE ph.debtor_id = d.id AND ph.valid = 1"
            f" AND ph.to_verify = 0{PER_ROW})"
        )
        for segment, (codes, others) in (open_areas or {}).items():
            wsql, wparams = _closed_areas_sql(segment, codes, others)
            where += wsql
            params += wparams
    if flt is not None:
        # The shared filter rule (bounds inclusive), with the day its days past due count from.
        if flt_today is None:
            raise ValueError("flt_today is required with a filter")
        fsql, fparams = filter_where(flt, flt_today)
        where += f" AND {fsql}"
        params += fparams
    return ordered_page(
        conn,
        where,
        params,
        after=after,
        limit=limit,
        one_agent=pool or agent is not None,
        indexed_only=(pre, pre_params),
        rested_before=attempted_after if not include_blocked and now is not None else None,
        callbacks_due_at=now,
        promises_due_by=None if include_blocked else today,
        with_resting=with_resting,
    )


def _resting_statement(agent: str, rested_before: str, now: str, today: str) -> tuple[str, list[Any]]:
    """For which of `agent`'s portfolio (False) and the pool (True) a queue page may have to
    merge resting debtors (`ordered_page`): those whose rest after a call is over, or with a
    callback due, and those whose promise has an instalment due (read by `_resting_from_rows`).
    One EXISTS per scope and kind of rest, each stopping at its first row. (A UNION of the rows
    read every promise due of the portfolio and the pool: 1 900 at 1 000 000 debtors, 5–12 ms
    per next case.)"""

    def any_of(scope: str) -> str:
        return (
            "(EXISTS (SELECT 1 FROM debtors d WHERE d.recent_call_at IS NOT NULL AND d.recent_call_at <= ?"
            f" AND d.balance_cents > 0 AND {scope})"
            " OR EXISTS (SELECT 1 FROM callbacks cb JOIN debtors d ON d.id = cb.debtor_id"
            " WHERE cb.done_at IS NULL AND cb.due_at <= ? AND COALESCE(d.recent_call_at, '') > ?"
            f" AND d.balance_cents > 0 AND {scope})"
            " OR EXISTS (SELECT 1 FROM debtors d WHERE d.promise_rest IS NOT NULL AND d.promise_rest <= ?"
            f" AND d.recent_call_at IS NULL AND d.balance_cents > 0 AND {scope}))"
        )

    mine = [rested_before, agent, now, rested_before, agent, today, agent]
    pool_ = [rested_before, now, rested_before, today]
    return f"SELECT {any_of('d.agent = ?')}, {any_of('d.agent IS NULL')}", [*mine, *pool_]


def _resting_from_rows(rows: list[Any]) -> set[bool]:
    portfolio, pool = rows[0]
    return {scope for scope, needed in ((False, portfolio), (True, pool)) if needed}


def _closed_areas_sql(segment: str, codes: frozenset[str], others: bool) -> tuple[str, list[Any]]:
    """Leave out the debtors of `segment` whose area is closed (see `page`)."""
    if others:  # metropolitan France open: only known areas can be closed
        closed = sorted(c for c in AREAS if c not in codes and c != "FR")
        if not closed:
            return "", []
        return f" AND NOT (d.segment = ? AND d.area IN ({_in(len(closed))}))", [segment, *closed]
    still = sorted(c for c in codes if c != "FR")
    if not still:
        return " AND d.segment <> ?", [segment]
    return (
        f" AND NOT (d.segment = ? AND (d.area IS NULL OR d.area NOT IN ({_in(len(still))})))",
        [segment, *still],
    )


def ordered_page(
    conn: sqlite3.Connection,
    where: str,
    params: list[Any],
    *,
    after: tuple[int, float, str] | None,
    limit: int,
    one_agent: bool = False,
    indexed_only: tuple[str, list[Any]] = ("", []),
    rested_before: str | None = None,
    callbacks_due_at: str | None = None,
    promises_due_by: str | None = None,
    with_resting: bool = True,
) -> list[Candidate]:
    """Debtors matching `where`, in queue order (class, score desc, ref), keyset after `after`.

    `one_agent`: `where` pins `d.agent` to one value (`IS NULL` for the pool, `= ?` for a
    portfolio). The order then starts with `d.agent`, which changes nothing (one value) but
    lets PostgreSQL read the `debtors_queue` index (agent, class, score, ref) in order and stop
    at the page's end: it does not treat `agent IS NULL` as pinning that column, and sorted the
    whole pool instead (150 ms at 100 000 debtors, per claim). SQLite reads the index either way.

    Debtors resting after a call (`recent_call_at`, m015) are not in that index: the page merges
    the index's first rows with theirs (read by `debtors_recent_call`), in one statement.
    `indexed_only` (SQL, parameters) narrows the index's rows only: correlated checks the domain
    rules make again, too costly to plan three times. With `rested_before` the caller says that
    these leave out debtors called since that instant unless a callback is due at
    `callbacks_due_at`: then only the resting debtors whose rest is over, or who have a
    callback due, are read, not every call of the day. Likewise debtors resting on a pending
    promise (`promise_rest`, m016): with `promises_due_by` (today) the caller says that
    `indexed_only` leaves out those whose first unpaid instalment falls due after it."""
    if after is not None:
        cls, score, ref = after
        where += (
            " AND (d.priority_class > ? OR (d.priority_class = ? AND d.score < ?)"
            " OR (d.priority_class = ? AND d.score = ? AND d.ref > ?))"
        )
        params = [*params, cls, cls, score, cls, score, ref]
    select = f"SELECT {', '.join(CANDIDATE_COLS)} FROM debtors d WHERE {where}"
    order = "d.priority_class, d.score DESC, d.ref LIMIT ?"
    pre, pre_params = indexed_only
    parts: list[tuple[str, list[Any]]] = [
        (
            f"{select}{pre} AND d.recent_call_at IS NULL AND d.promise_rest IS NULL"
            f" ORDER BY {'d.agent, ' if one_agent else ''}{order}",
            [*params, *pre_params, limit],
        )
    ]
    if not with_resting:
        return [_candidate(r) for r in conn.execute(*parts[0])]
    if rested_before is None:
        parts.append(
            (
                f"{select} AND (d.recent_call_at IS NOT NULL OR d.promise_rest IS NOT NULL) ORDER BY {order}",
                [*params, limit],
            )
        )
    else:
        parts.append(
            (
                f"{select} AND d.recent_call_at IS NOT NULL AND d.recent_call_at <= ? ORDER BY {order}",
                [*params, rested_before, limit],
            )
        )
        parts.append(
            (
                # COALESCE: read from the callbacks due (a few), never by the day's calls.
                f"{select} AND COALESCE(d.recent_call_at, '') > ? AND d.id IN (SELECT cb.debtor_id"
                f" FROM callbacks cb WHERE cb.done_at IS NULL AND cb.due_at <= ?) ORDER BY {order}",
                [*params, rested_before, callbacks_due_at, limit],
            )
        )
        due = " AND d.promise_rest <= ?" if promises_due_by is not None else ""
        parts.append(
            (
                f"{select} AND d.recent_call_at IS NULL AND d.promise_rest IS NOT NULL{due} ORDER BY {order}",
                [*params, *([promises_due_by] if promises_due_by is not None else []), limit],
            )
        )
    sql = " UNION ALL ".join(f"SELECT * FROM ({text}) AS part{i}" for i, (text, _) in enumerate(parts))
    sql += " ORDER BY priority_class, score DESC, ref LIMIT ?"
    return [_candidate(r) for r in conn.execute(sql, [p for _, ps in parts for p in ps] + [limit])]


def rest_after_call(conn: sqlite3.Connection, debtor_id: int, at: str) -> None:
    """The debtor was just called at `at` (in the transaction that records the call): it rests
    outside the queue index until `end_rests` (m015). Never set otherwise: a debtor marked
    resting must have that call, or the queue would hide it while it is callable. The
    outcome's bounded share of `end_rests` comes last in its transaction
    (`end_rests_statement`)."""
    conn.execute(
        "UPDATE debtors SET recent_call_at = ? WHERE id = ? AND (recent_call_at IS NULL OR recent_call_at < ?)",
        (at, debtor_id, at),
    )


def end_rests_statement(conn: sqlite3.Connection, before: str) -> tuple[str, list[Any]]:
    """An outcome's bounded share of `end_rests`, as (SQL, parameters) for its last batch: it
    locks the rows it ends, and a colleague's claim skips a locked debtor (`SKIP LOCKED`), so
    they are held only until the commit that follows."""
    return _end_rests_statement(conn, before, END_RESTS_AT_ONCE)


# A day's calls end their rests at the pace they were made, about one per outcome; the bound
# only matters after a night without the nightly job (1 000 000 debtors on PostgreSQL: 200
# rows cost an outcome 50 ms, 20 about 5 ms, and 20 000 rests end within 1 000 outcomes).
END_RESTS_AT_ONCE = 20


def end_rests(conn: sqlite3.Connection, before: str, *, at_most: int | None = END_RESTS_AT_ONCE) -> int:
    """Debtors whose latest call was at or before `before` (the start of the minimum gap) go
    back into the queue index; they were already callable again (the page
    reads them from `debtors_recent_call` meanwhile), this only keeps that list short.

    `at_most` bounds an outcome's share of the work: the day after a nightly that did not
    run, the first outcome would otherwise rewrite a whole day of calls (20 000 rows, 1.5 s
    inside the write lock, every claim waiting). The nightly clears them all (None)."""
    return int(conn.execute(*_end_rests_statement(conn, before, at_most)).rowcount or 0)


def _end_rests_statement(conn: sqlite3.Connection, before: str, at_most: int | None) -> tuple[str, list[Any]]:
    # No ORDER BY: the planner misjudges how many rows rest (new ones are not in its
    # statistics) and sorted them all (18 ms for 20 of 13 000); any 20 of them will do.
    limit = "" if at_most is None else f" LIMIT {int(at_most)}"
    # On PostgreSQL outcomes run side by side: one whose debtor is resting holds its row, and
    # waiting for it here could deadlock (each outcome ending the other's rest). Those are
    # skipped; a later outcome or the nightly ends their rest.
    skip = " FOR NO KEY UPDATE SKIP LOCKED" if is_postgres(conn) else ""
    return (
        "UPDATE debtors SET recent_call_at = NULL WHERE id IN (SELECT id FROM debtors "
        f"WHERE recent_call_at IS NOT NULL AND recent_call_at <= ?{limit}{skip})",
        [before],
    )


def _candidate(r: Sequence[Any]) -> Candidate:
    return Candidate(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        bool(r[11]),
        bool(r[12]),
        bool(r[13]),
        r[14],
        r[15],
    )


def _by_ids_statement(ids: Sequence[int]) -> tuple[str, list[Any]]:
    return f"SELECT {', '.join(CANDIDATE_COLS)} FROM debtors d WHERE d.id IN ({_in(len(ids))})", list(ids)


def by_ids(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Candidate]:
    if not ids:
        return []
    by_id = {r[0]: _candidate(r) for r in conn.execute(*_by_ids_statement(ids))}
    return [by_id[i] for i in ids if i in by_id]


def _due_callbacks_statement(agent: str, team: str | None, now: str, handed_over_before: str) -> tuple[str, list[Any]]:
    """(debtor_id, due_at) of open callbacks due now for this agent or for its team.

    A team callback has no agent; a colleague's personal callback joins the team's once it
    has waited until `handed_over_before` (its time + `callback_handover_minutes`) untaken.
    The team is the callback owner's (or, for a team callback, the debtor's agent's) team;
    an agent without a team shares only callbacks of debtors assigned to nobody.

    Oldest first; callbacks due at the same minute in debtor order (`debtor_id`, as SQLite's
    grouping gave them): without it PostgreSQL's hash grouping or sort left them in any order,
    and the queue and `next` offered another debtor than on SQLite.
    """
    return (
        "SELECT c.debtor_id, MIN(c.due_at) FROM callbacks c JOIN debtors d ON d.id = c.debtor_id "
        "LEFT JOIN agents a ON a.login = COALESCE(c.agent, d.agent) "
        "WHERE c.done_at IS NULL AND c.due_at <= ? AND (c.agent = ? OR "
        "((c.agent IS NULL OR c.due_at <= ?) AND (a.login IS NULL OR a.team = ?))) "
        "GROUP BY c.debtor_id ORDER BY MIN(c.due_at), c.debtor_id",
        [now, agent, handed_over_before, team],
    )


def team_callback_open(
    conn: sqlite3.Connection, debtor_id: int, *, team: str | None, now: str, handed_over_before: str
) -> bool:
    """A callback of this debtor is due for the team `team` (see `_due_callbacks_statement`)."""
    row = conn.execute(
        "SELECT 1 FROM callbacks c JOIN debtors d ON d.id = c.debtor_id "
        "LEFT JOIN agents a ON a.login = COALESCE(c.agent, d.agent) "
        "WHERE c.debtor_id = ? AND c.done_at IS NULL AND c.due_at <= ? "
        "AND (c.agent IS NULL OR c.due_at <= ?) AND (a.login IS NULL OR a.team = ?) LIMIT 1",
        (debtor_id, now, handed_over_before, team),
    ).fetchone()
    return row is not None


def _context_statements(ids: list[int], now: str, since_7d: str) -> list[tuple[str, list[Any]]]:
    marks = _in(len(ids))
    return [
        (f"SELECT debtor_id, agent FROM claims WHERE debtor_id IN ({marks}) AND expires_at > ?", [*ids, now]),
        (
            "SELECT debtor_id, COUNT(*) FROM phones WHERE valid = 1 AND to_verify = 0 "
            f"AND debtor_id IN ({marks}) GROUP BY debtor_id",
            ids,
        ),
        (
            "SELECT p.debtor_id, i.due_date FROM promises p JOIN instalments i ON i.promise_id = p.id "
            f"WHERE p.status = 'pending' AND i.status <> 'paid' AND p.debtor_id IN ({marks})",
            ids,
        ),
        (
            f"SELECT debtor_id, at FROM events WHERE debtor_id IN ({marks}) AND channel = 'call' "
            "AND direction = 'out' AND at > ?",
            [*ids, since_7d],
        ),
        (
            f"SELECT debtor_id, MIN(due_at) FROM callbacks WHERE debtor_id IN ({marks}) "
            "AND done_at IS NULL GROUP BY debtor_id",
            ids,
        ),
        held_until_sql(ids, now),
        (f"SELECT debtor_id, components FROM debtor_scores WHERE debtor_id IN ({marks})", ids),
    ]


def _fill_context(cands: list[Candidate], results: list[list[Any]]) -> None:
    by_id = {c.id: c for c in cands}
    claims, phones, dues, attempts, callbacks, checks, scores = results
    for did, agent in claims:
        by_id[did].claimed_by = agent
    for did, n in phones:
        by_id[did].valid_phones = n
    for did, due in dues:
        by_id[did].unpaid_dues.append(due)
    for did, at in attempts:
        by_id[did].attempts.append(at)
    for did, due in callbacks:
        by_id[did].callback_due_at = due
    for did, until in checks:
        by_id[did].payment_check_until = until
    for did, comps in scores:
        by_id[did].components = comps


def load_context(conn: sqlite3.Connection, cands: list[Candidate], *, now: str, since_7d: str) -> None:
    """Fill claims, phones, unpaid instalments, recent attempts and callbacks for a page (one
    batch of independent SELECTs: one round trip on PostgreSQL)."""
    if not cands:
        return
    ids = list(dict.fromkeys(c.id for c in cands))
    _fill_context(cands, fetch_batch(conn, _context_statements(ids, now, since_7d)))
    _load_prescription(conn, cands, now)


def with_context(conn: sqlite3.Connection, ids: Sequence[int], *, now: str, since_7d: str) -> list[Candidate]:
    """`by_ids` then `load_context`, in one batch (one round trip on PostgreSQL): what a claim
    checks about its candidate once it holds it."""
    if not ids:
        return []
    cands = _read_with_context(conn, list(dict.fromkeys(ids)), now=now, since_7d=since_7d)[1]
    _load_prescription(conn, cands, now)
    return cands


def _read_with_context(
    conn: sqlite3.Connection,
    wanted: list[int],
    *,
    now: str,
    since_7d: str,
    first: tuple[str, list[Any]] | None = None,
) -> tuple[list[Any], list[Candidate]]:
    """The rows of the statement `first` (run before the reads), then the debtors `wanted`
    with their context, in `wanted` order: all in one batch. Prescription is the caller's
    (`_load_prescription`: a query more, for the few with an old invoice)."""
    lead = [first] if first is not None else []
    results = fetch_batch(conn, [*lead, _by_ids_statement(wanted), *_context_statements(wanted, now, since_7d)])
    before, (rows, *context) = results[: len(lead)], results[len(lead) :]
    by_id = {r[0]: _candidate(r) for r in rows}
    cands = [by_id[i] for i in wanted if i in by_id]
    if cands:
        _fill_context(cands, context)
    return (before[0] if before else []), cands


def _load_prescription(conn: sqlite3.Connection, cands: list[Candidate], now: str) -> None:
    """Prescribed amounts, for the few candidates whose oldest open invoice is old enough."""
    moment = from_db(now)
    assert moment is not None
    today = paris_date(moment)
    old = [c for c in cands if c.oldest_due and may_be_prescribed(c.segment, date.fromisoformat(c.oldest_due), today)]
    if not old:
        return
    facts = facts_by_id(conn, [c.id for c in old])
    for c in old:
        prescribed, c.all_overdue_prescribed = prescription_summary(facts[c.id], today)
        # Never more than the ledger's balance (its allocation ignores dates; ours follows them).
        c.prescribed_cents = min(prescribed, max(c.balance_cents, 0))


# --- claims -------------------------------------------------------------------------------


_RELEASE_EXPIRED = "DELETE FROM claims WHERE expires_at <= ?"
_HELD_BY = "SELECT debtor_id, expires_at FROM claims WHERE agent = ?"


def release_expired(conn: sqlite3.Connection, now: str) -> int:
    return conn.execute(_RELEASE_EXPIRED, (now,)).rowcount


def held_by(conn: sqlite3.Connection, agent: str) -> tuple[int, str] | None:
    """(debtor_id, expires_at) of the agent's live claim."""
    return _held_from_rows(conn.execute(_HELD_BY, (agent,)).fetchall())


def _held_from_rows(rows: list[Any]) -> tuple[int, str] | None:
    return (rows[0][0], rows[0][1]) if rows else None


@dataclass
class QueueStart:
    """What a walk of an agent's queue reads before its first page."""

    held: tuple[int, str] | None  # the agent's claim (`held_by`)
    account: Agent | None  # the agent's row as it is now (`agents.get_agent`)
    due: list[tuple[int, str]]  # `_due_callbacks_statement`
    not_received: list[tuple[int, str]]  # `payment_checks.not_received`
    merge: set[bool] | None  # `_resting_statement`; None when not asked (`rested_before` None)


def queue_start(
    conn: sqlite3.Connection,
    *,
    agent: str,
    team: str | None,
    now: str,
    handed_over_before: str,
    rested_before: str | None,
    today: str,
) -> QueueStart:
    """The reads a queue walk starts with, in one batch: one round trip on PostgreSQL instead
    of five (each round trip costs a 200-agent team more than the query itself)."""
    statements: list[tuple[str, Sequence[Any]]] = [
        (_HELD_BY, [agent]),
        agent_statement(conn, agent),
        _due_callbacks_statement(agent, team, now, handed_over_before),
        not_received_statement(now),
    ]
    if rested_before is not None:
        statements.append(_resting_statement(agent, rested_before, now, today))
    held, account, due, unpaid, *rest = fetch_batch(conn, statements)
    return QueueStart(
        held=_held_from_rows(held),
        account=agent_from_rows(account),
        due=[(r[0], r[1]) for r in due],
        not_received=[(r[0], r[1]) for r in unpaid],
        merge=_resting_from_rows(rest[0]) if rest else None,
    )


def release_start(conn: sqlite3.Connection, agent: str) -> tuple[int, str] | None:
    """What giving a case back starts with, in one batch: the agent's row locked (`agents.
    lock_agent`), then (debtor_id, ref) of the agent's claim, live or expired."""
    statements: list[tuple[str, Sequence[Any]]] = [
        ("SELECT c.debtor_id, d.ref FROM claims c JOIN debtors d ON d.id = c.debtor_id WHERE c.agent = ?", [agent])
    ]
    if is_postgres(conn):
        statements.insert(0, agent_statement(conn, agent, lock=True))
    rows = fetch_batch(conn, statements)[-1]
    return (rows[0][0], rows[0][1]) if rows else None


def claim_start(conn: sqlite3.Connection, agent: str, now: str) -> tuple[Agent | None, tuple[int, str] | None]:
    """What a claim's write transaction starts with, in one batch: the agent's row read and
    locked (`agents.get_agent(lock=True)`), every lease that ran out released
    (`release_expired`), then the agent's live claim (`held_by`)."""
    account, _, held = fetch_batch(
        conn, [agent_statement(conn, agent, lock=True), (_RELEASE_EXPIRED, [now]), (_HELD_BY, [agent])]
    )
    return agent_from_rows(account), _held_from_rows(held)


def claim_of(conn: sqlite3.Connection, debtor_id: int) -> tuple[str, str] | None:
    row = conn.execute("SELECT agent, expires_at FROM claims WHERE debtor_id = ?", (debtor_id,)).fetchone()
    return (row[0], row[1]) if row else None


def _reserve_statement(
    conn: sqlite3.Connection, debtor_id: int, agent: str, now: str, expires: str
) -> tuple[str, list[Any]]:
    """Claim the debtor unless someone holds it (or the agent holds another case): a row back
    when the claim was made.

    The keys decide (one claim per debtor, one per agent): `INSERT OR IGNORE`, `ON CONFLICT DO
    NOTHING` on PostgreSQL. There claims run side by side: a colleague claiming the same debtor
    at the same instant holds its row, and we skip it at once (`SKIP LOCKED`) rather than queue
    behind them. The caller clears expired claims first (`claim_start`)."""
    if is_postgres(conn):
        sql = (
            "INSERT INTO claims (debtor_id, agent, claimed_at, expires_at) "
            "SELECT d.id, ?2, ?3, ?4 FROM debtors d WHERE d.id = ?1 FOR NO KEY UPDATE SKIP LOCKED "
            "ON CONFLICT DO NOTHING RETURNING debtor_id"
        )
    else:
        sql = (
            "INSERT OR IGNORE INTO claims (debtor_id, agent, claimed_at, expires_at) VALUES (?1, ?2, ?3, ?4)"
            " RETURNING debtor_id"
        )
    return sql, [debtor_id, agent, now, expires]


def reserve_with_context(
    conn: sqlite3.Connection, debtor_id: int, agent: str, *, now: str, expires: str, since_7d: str
) -> Candidate | None:
    """Claim the debtor (`_reserve_statement`) then `with_context` of it, in one batch (one round trip on
    PostgreSQL): the debtor as the database is now, once held; None when the claim was refused
    (what was read with it is then dropped)."""
    reserved, cands = _read_with_context(
        conn, [debtor_id], now=now, since_7d=since_7d, first=_reserve_statement(conn, debtor_id, agent, now, expires)
    )
    if not reserved:
        return None
    if not cands:  # cannot happen (the claim's foreign key): never keep a claim on nothing
        release_claim(conn, agent, debtor_id)
        return None
    _load_prescription(conn, cands, now)
    return cands[0]


def renew_claim(conn: sqlite3.Connection, agent: str, expires: str, now: str) -> int:
    """Extend the agent's live claim; an expired one is not revived (it was free to take)."""
    return conn.execute(
        "UPDATE claims SET expires_at = ? WHERE agent = ? AND expires_at > ?", (expires, agent, now)
    ).rowcount


def release_claim(conn: sqlite3.Connection, agent: str, debtor_id: int | None = None) -> int:
    if debtor_id is None:
        return conn.execute("DELETE FROM claims WHERE agent = ?", (agent,)).rowcount
    return conn.execute("DELETE FROM claims WHERE agent = ? AND debtor_id = ?", (agent, debtor_id)).rowcount


def debtor_id_by_ref(conn: sqlite3.Connection, ref: str) -> int | None:
    row = conn.execute("SELECT id FROM debtors WHERE ref = ?", (normalise_ref(ref),)).fetchone()
    return row[0] if row else None


def debtor_ref(conn: sqlite3.Connection, debtor_id: int) -> str | None:
    row = conn.execute("SELECT ref FROM debtors WHERE id = ?", (debtor_id,)).fetchone()
    return row[0] if row else None
