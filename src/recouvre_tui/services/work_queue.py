"""Work queue use cases: list the queue, take the next case (claim), renew, release.

Order (docs/rules.md, "Priority"): callbacks due now, then the agent's own portfolio, then the
team pool (debtors assigned to nobody); within each, broken promises not yet followed up
(class 1) before the rest (class 2), then score descending, then reference.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.agents import Agent
from ..domain.areas import METROPOLE, area_by_code
from ..domain.callability import (
    WEEKDAYS_FR,
    Callability,
    CallabilityInput,
    calls_reopen,
    evaluate,
    in_area,
    local_now,
    open_areas,
)
from ..domain.codes import Segment, label
from ..domain.config import Settings
from ..domain.dates import from_db, paris_date, to_db
from ..domain.filters import DebtorFacts, DebtorFilter, matches
from ..domain.priority import format_points
from ..store import audit
from ..store import payment_checks as check_sql
from ..store import queue as sql
from ..store.db import Store
from ..store.queue import Candidate
from .roles import PermissionDenied, Scope, acting, in_scope, scope, scope_of, still_active

PAGE = 64
# `next` gives up after this many candidates that cannot be called right now (e.g. every
# B2B debtor during the lunch break): the answer is then "nothing callable", quickly.
MAX_SCAN = 4_000


class QueueError(Exception):
    """A queue problem for the user (French)."""


class QueueAccessDenied(QueueError, PermissionDenied):
    """The debtor is neither in the agent's portfolio nor in the pool."""


@dataclass
class QueueEntry:
    debtor_id: int
    debtor_ref: str
    name: str
    segment: str
    agent: str | None
    balance_cents: int
    oldest_due: date | None
    days_past_due: int
    area_label: str
    local_time: datetime
    priority_class: int
    score: float
    components: list[dict[str, Any]]
    callable: bool
    blocked_by: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    in_window: bool = True
    # Why a class-0 entry is first: a callback (default) or « paiement annoncé non reçu ».
    front_reason: str = "rappel prévu"
    viewer: str = ""  # login of the agent whose queue this is (empty: the lead's review)

    @property
    def origin(self) -> str:
        """Where the case comes from: `callback` (a callback due now), `portfolio` (the viewer's
        own), `pool` (the team's, assigned to nobody), `colleague` (another agent's portfolio)."""
        if self.priority_class == 0:
            return "callback"
        if self.agent is None:
            return "pool"
        return "portfolio" if self.agent == self.viewer else "colleague"

    @property
    def origin_label(self) -> str:
        """« rappel prévu (votre portefeuille) », « pool de l'équipe »… (French)."""
        if self.agent is None:
            where = "pool de l'équipe"
        elif self.agent == self.viewer:
            where = "votre portefeuille"
        else:
            where = f"portefeuille de {self.agent}"
        return f"{self.front_reason} ({where})" if self.priority_class == 0 else where

    @property
    def reasons(self) -> str:
        """« solde 4 230 € +36,3 · retard 83 j +24,9 · … » (why it is where it is)."""
        parts = []
        if self.priority_class == 0:
            parts.append(self.front_reason)
        elif self.priority_class == 1:
            parts.append("promesse rompue à relancer")
        parts += [f"{c['detail']} {format_points(c['points'])}" for c in self.components]
        return " · ".join(parts)

    @property
    def status(self) -> str:
        """What the queue says of the entry: the same words in the agent's queue, the lead's
        review, `recouvre queue` and the exports (the CLI said « à appeler » for a broken
        promise the TUI showed as « promesse rompue »)."""
        if not self.callable:
            return " · ".join(self.explanations) or "bloqué"
        if self.priority_class == 0:
            return "paiement non reçu" if self.front_reason == NOT_RECEIVED else self.front_reason
        if self.priority_class == 1:
            return "promesse rompue"
        return "à appeler"

    def to_json(self) -> dict[str, Any]:
        return {
            "debtor_ref": self.debtor_ref,
            "name": self.name,
            "segment": self.segment,
            "agent": self.agent,
            "balance": round(self.balance_cents / 100, 2),
            "oldest_due": self.oldest_due.isoformat() if self.oldest_due else None,
            "days_past_due": self.days_past_due,
            "local_time": self.local_time.isoformat(timespec="minutes"),
            "priority_class": self.priority_class,
            "origin": self.origin,
            "score": self.score,
            "components": self.components,
            "reasons": self.reasons,
            "callable": self.callable,
            "blocked_by": self.blocked_by,
            "blocked_explanations": self.explanations,
        }


def _entry(c: Candidate, *, agent: str, now: datetime, settings: Settings, cls: int | None = None) -> QueueEntry:
    area = area_by_code(c.area)
    inp = CallabilityInput(
        segment=c.segment,
        area=area,
        balance_cents=c.balance_cents,
        on_hold=c.on_hold,
        do_not_call=c.do_not_call,
        dispute_open=c.dispute_open,
        overindebted_since=date.fromisoformat(c.overindebted_since) if c.overindebted_since else None,
        all_overdue_prescribed=c.all_overdue_prescribed,
        claimed_by_other=c.claimed_by is not None and c.claimed_by != agent,
        has_valid_phone=c.valid_phones > 0,
        unpaid_instalment_dues=tuple(date.fromisoformat(d) for d in c.unpaid_dues),
        call_attempts=tuple(t for a in c.attempts if (t := from_db(a)) is not None),
        callback_due_at=from_db(c.callback_due_at),
        payment_check_until=from_db(c.payment_check_until),
    )
    verdict: Callability = evaluate(inp, now, settings.calling)
    oldest = date.fromisoformat(c.oldest_due) if c.oldest_due else None
    today = paris_date(now)
    return QueueEntry(
        debtor_id=c.id,
        debtor_ref=c.ref,
        name=c.name,
        segment=c.segment,
        agent=c.agent,
        balance_cents=c.balance_cents - c.prescribed_cents,  # a prescribed invoice is never claimed
        oldest_due=oldest,
        days_past_due=max((today - oldest).days, 0) if oldest else 0,
        area_label=area.label,
        local_time=local_now(area, now),
        priority_class=c.priority_class if cls is None else cls,
        score=c.score,
        components=json.loads(c.components or "[]"),
        callable=verdict.callable,
        blocked_by=[b.value for b in verdict.blocked_by],
        explanations=list(verdict.explanations),
        in_window="outside_hours" not in verdict.blocked_by and "holiday" not in verdict.blocked_by,
        viewer=agent,
    )


def _visible(s: Scope, c: Candidate) -> bool:
    """In the actor's scope (`roles.scope`): an agent's portfolio, a lead's team, and the pool."""
    return in_scope(s, c.agent)


def handed_over_before(now: datetime, settings: Settings) -> str:
    """Personal callbacks due at or before this instant are the team's (not taken in time)."""
    return to_db(now - timedelta(minutes=settings.callback_handover_minutes))


def _may_take(
    conn: sqlite3.Connection, agent: Agent, c: Candidate, *, now: datetime, settings: Settings, s: Scope | None = None
) -> bool:
    """In the portfolio or the pool, or a colleague's debtor with a callback due for the team.
    `s`: the agent's scope when already read in this transaction (`scope_of`)."""
    return _visible(scope(conn, agent) if s is None else s, c) or sql.team_callback_open(
        conn, c.id, team=agent.team, now=to_db(now), handed_over_before=handed_over_before(now, settings)
    )


NOT_RECEIVED = "paiement annoncé non reçu"


def iterate(
    conn: sqlite3.Connection,
    agent: Agent,
    *,
    now: datetime,
    settings: Settings,
    include_blocked: bool,
    flt: DebtorFilter | None = None,
    max_scan: int = MAX_SCAN,
    page_size: int = PAGE,
    start: sql.QueueStart | None = None,
) -> Iterator[QueueEntry]:
    """Entries in priority order; blocked ones only when `include_blocked`. `start`: the
    walk's first reads (`queue_start`), when the caller already made them in this transaction."""
    now_s, since = to_db(now), to_db(now - timedelta(days=7))
    gap_start = to_db(now - timedelta(hours=settings.calling.min_gap_hours))
    today = paris_date(now).isoformat()
    scanned = 0
    if start is None:
        start = queue_start(conn, agent, now=now, settings=settings, include_blocked=include_blocked)
    due_ids = [d for d, _ in start.due]
    # Payments announced and not received come back first too, after the callbacks.
    unpaid_ids = [d for d, _ in start.not_received if d not in set(due_ids)]
    agent = still_active(agent, start.account)
    s = scope_of(conn, agent)
    cb = [
        c
        for c in sql.by_ids(conn, due_ids)
        if c.balance_cents > 0 and _may_take(conn, agent, c, now=now, settings=settings, s=s)
    ]
    cb += [c for c in sql.by_ids(conn, unpaid_ids) if c.balance_cents > 0 and _visible(s, c)]
    if flt is not None:
        cb = [c for c in cb if _matches(c, flt, paris_date(now))]
    sql.load_context(conn, cb, now=now_s, since_7d=since)
    unpaid = set(unpaid_ids)
    for c in cb:
        e = _entry(c, agent=agent.login, now=now, settings=settings, cls=0)
        if c.id in unpaid:
            e.front_reason = NOT_RECEIVED
        if e.callable or include_blocked:
            yield e
    due_ids += unpaid_ids
    seen = set(due_ids)
    areas = {seg.value: open_areas(seg.value, now, settings.calling) for seg in Segment}
    if not include_blocked and not any(codes or others for codes, others in areas.values()):
        # Every area closed for both segments (a Sunday, a national holiday, the night): the
        # pages' SQL leaves every debtor out, so no page holds a case to call, and reading the
        # queue index to find none took 0.7 s at 1 000 000 debtors (50 s with 200 agents).
        return
    merge = {False, True} if start.merge is None else start.merge
    for pool in (False, True):
        after = None
        while scanned < max_scan:
            raw = sql.page(
                conn,
                agent=agent.login,
                pool=pool,
                after=after,
                limit=page_size,
                include_blocked=include_blocked,
                flt=flt,
                flt_today=paris_date(now),
                attempted_after=None if include_blocked else gap_start,
                now=now_s,
                today=None if include_blocked else today,
                open_areas=None if include_blocked else areas,
                with_resting=pool in merge,
            )
            if not raw:
                break
            after = (raw[-1].priority_class, raw[-1].score, raw[-1].ref)
            batch = [c for c in raw if c.id not in seen]
            sql.load_context(conn, batch, now=now_s, since_7d=since)
            for c in batch:
                scanned += 1
                e = _entry(c, agent=agent.login, now=now, settings=settings)
                if e.callable or include_blocked:
                    yield e
            if len(raw) < page_size:
                break


def closed_everywhere(now: datetime, settings: Settings) -> str | None:
    """When every area is closed for both segments (so a next case finds nothing, `iterate`),
    when calls resume, in French for the agent; None when some area is open."""
    reopening = calls_reopen(now, settings.calling)
    if reopening is None:
        return None
    first = f"reprise {_paris_when(reopening.first)} (heure de Paris)"
    metro = reopening.metropole
    if METROPOLE in reopening.first_areas or metro is None:
        return f"toutes les zones sont hors des plages d'appel ; {first}"
    where = " et ".join(in_area(a) for a in reopening.first_areas)
    same_day = metro.astimezone(METROPOLE.zone).date() == reopening.first.astimezone(METROPOLE.zone).date()
    then = f"à {metro.astimezone(METROPOLE.zone):%H:%M}" if same_day else _paris_when(metro)
    return f"toutes les zones sont hors des plages d'appel ; {first} {where}, {then} en France métropolitaine"


def _paris_when(instant: datetime) -> str:
    """« lundi 07/12 à 09:00 », in Paris time."""
    local = instant.astimezone(METROPOLE.zone)
    return f"{WEEKDAYS_FR[local.weekday()]} {local:%d/%m} à {local:%H:%M}"


def queue_start(
    conn: sqlite3.Connection, agent: Agent, *, now: datetime, settings: Settings, include_blocked: bool
) -> sql.QueueStart:
    """The reads `iterate` starts with (one round trip on PostgreSQL); without `include_blocked`
    also which scopes merge resting debtors into their pages (`QueueStart.merge`)."""
    return sql.queue_start(
        conn,
        agent=agent.login,
        team=agent.team,
        now=to_db(now),
        handed_over_before=handed_over_before(now, settings),
        rested_before=None if include_blocked else to_db(now - timedelta(hours=settings.calling.min_gap_hours)),
        today=paris_date(now).isoformat(),
    )


def _matches(c: Candidate, f: DebtorFilter, today: date) -> bool:
    """The filter's rule (`domain.filters.matches`) for a debtor loaded outside the paged SQL."""
    facts = DebtorFacts(
        c.agent, c.segment, c.area, c.balance_cents, c.oldest_due, c.on_hold, c.do_not_call, c.dispute_open
    )
    return matches(f, facts, today)


def list_queue(
    store: Store,
    agent: Agent,
    *,
    now: datetime,
    settings: Settings,
    limit: int = 50,
    include_blocked: bool = False,
    flt: DebtorFilter | None = None,
) -> list[QueueEntry]:
    out: list[QueueEntry] = []
    with store.read() as conn:
        for e in iterate(conn, agent, now=now, settings=settings, include_blocked=include_blocked, flt=flt):
            out.append(e)
            if len(out) >= limit:
                break
    return out


def _lease(now: datetime, settings: Settings) -> str:
    return to_db(now + timedelta(minutes=settings.claim_lease_minutes))


# Callable candidates picked in the read snapshot; the first one still callable under the
# write lock is claimed.
CANDIDATES = 4


def take_next(store: Store, agent: Agent, *, now: datetime, settings: Settings) -> QueueEntry | None:
    """Claim the first callable debtor for `agent` (or return the case it already holds).

    The queue is scanned in a read snapshot, without the write lock; then, in a short write
    transaction, the first candidate that is *still* callable is claimed: the claim row is
    reserved first (the claims table's keys refuse a debtor someone holds), then the debtor is
    checked again from the database as it is now, and the reservation dropped if it is no
    longer callable. If colleagues took them all meanwhile, the queue is walked again inside
    the transaction. On PostgreSQL agents' claims run beside each other (`write(shared=True)`);
    the keys make a double claim impossible whatever happens.
    """
    now_s = to_db(now)
    with store.read() as conn:
        start = queue_start(conn, agent, now=now, settings=settings, include_blocked=False)
        held = start.held
        picked: list[QueueEntry] = []
        if held is None or held[1] <= now_s:
            for e in iterate(conn, agent, now=now, settings=settings, include_blocked=False, page_size=16, start=start):
                picked.append(e)
                if len(picked) >= CANDIDATES:
                    break
    with store.write(shared=True) as conn:
        # Deactivated or demoted since the session started: refused / followed. Every lease that
        # ran out is released: those cases are free again.
        account, held = sql.claim_start(conn, agent.login, now_s)
        agent = still_active(agent, account)
        if held is not None:
            sql.renew_claim(conn, agent.login, _lease(now, settings), now_s)
            return entry_for(conn, agent, held[0], now=now, settings=settings)
        s = scope_of(conn, agent)
        for e in picked:
            if (taken := _try_claim(conn, agent, e, now=now, settings=settings, s=s)) is not None:
                return taken
        if not picked:
            return None
        for tries, e in enumerate(iterate(conn, agent, now=now, settings=settings, include_blocked=False)):
            if (taken := _try_claim(conn, agent, e, now=now, settings=settings, s=s)) is not None:
                return taken
            if tries >= MAX_TRIES:
                break
    return None


# Candidates tried inside the write transaction once the snapshot's were all taken.
MAX_TRIES = 64


def _try_claim(
    conn: sqlite3.Connection, agent: Agent, e: QueueEntry, *, now: datetime, settings: Settings, s: Scope
) -> QueueEntry | None:
    """Reserve the debtor, then confirm it is still callable (as the database is now); the
    claimed entry, or None with nothing kept."""
    held = sql.reserve_with_context(
        conn,
        e.debtor_id,
        agent.login,
        now=to_db(now),
        expires=_lease(now, settings),
        since_7d=to_db(now - timedelta(days=7)),
    )
    if held is None:
        return None
    fresh = _recheck(conn, agent, e, held, now=now, settings=settings, s=s)
    if fresh is None:
        sql.release_claim(conn, agent.login, e.debtor_id)
        return None
    audit.record(conn, now=now, actor=agent.login, action="claim", entity="debtor", entity_ref=e.debtor_ref)
    return fresh


def _recheck(
    conn: sqlite3.Connection,
    agent: Agent,
    e: QueueEntry,
    c: Candidate,
    *,
    now: datetime,
    settings: Settings,
    s: Scope,
) -> QueueEntry | None:
    """The entry evaluated again from `c`, the debtor read from the database as it is now
    (once held), if still callable."""
    if not _may_take(conn, agent, c, now=now, settings=settings, s=s):
        return None
    fresh = _entry(c, agent=agent.login, now=now, settings=settings, cls=e.priority_class)
    fresh.front_reason = e.front_reason
    return fresh if fresh.callable else None


def entry_for(
    conn: sqlite3.Connection, agent: Agent, debtor_id: int, *, now: datetime, settings: Settings
) -> QueueEntry:
    cands = sql.with_context(conn, [debtor_id], now=to_db(now), since_7d=to_db(now - timedelta(days=7)))
    if not cands:
        raise QueueError("débiteur introuvable")
    c = cands[0]
    if not _may_take(conn, agent, c, now=now, settings=settings) and c.claimed_by != agent.login:
        # Roles: outside the portfolio and the pool, unless it is the case this agent holds.
        raise QueueAccessDenied(f"le débiteur {c.ref} n'est pas dans votre portefeuille")
    due = c.callback_due_at is not None and c.callback_due_at <= to_db(now)
    unpaid = not due and any(d == debtor_id for d, _ in check_sql.not_received(conn, to_db(now)))
    e = _entry(c, agent=agent.login, now=now, settings=settings, cls=0 if due or unpaid else None)
    if unpaid:
        e.front_reason = NOT_RECEIVED
    return e


def renew(store: Store, agent: Agent, *, now: datetime, settings: Settings) -> bool:
    """Extend the agent's lease while the case is open; False when it was lost (expired)."""
    with store.write(shared=True) as conn:
        acting(conn, agent, lock=True)  # a deactivated agent's session is told so (its claim was released)
        return sql.renew_claim(conn, agent.login, _lease(now, settings), to_db(now)) > 0


def release(store: Store, agent: Agent, *, now: datetime, reason: str = "release") -> str | None:
    """Give the held case back (quit, hang-up); returns the debtor ref released."""
    with store.write(shared=True) as conn:
        held = sql.release_start(conn, agent.login)
        if held is None:
            return None
        ref = held[1]
        sql.release_claim(conn, agent.login)
        audit.record(conn, now=now, actor=agent.login, action=reason, entity="debtor", entity_ref=ref)
        return ref


def held_case(store: Store, agent: Agent, *, now: datetime, settings: Settings) -> QueueEntry | None:
    with store.read() as conn:
        held = sql.held_by(conn, agent.login)
        if held is None or held[1] <= to_db(now):
            return None
        return entry_for(conn, agent, held[0], now=now, settings=settings)


__all__ = [
    "DebtorFilter",
    "QueueEntry",
    "QueueError",
    "label",
    "list_queue",
    "release",
    "renew",
    "take_next",
]
