"""The team lead's console: assign and rebalance portfolios, hold / do-not-call / close
disputes, overrides of the call-script stage and tone, mise en demeure, team board, queue
review across agents, weekly KPIs, audit trail.

Roles are enforced here (not in the interfaces): every lead action starts with
`require_lead(actor, …)` and raises `PermissionDenied` for an agent; inside its transaction
the actor is read again (`roles.acting_lead`: a demoted or deactivated lead is refused) and
the lead's team scope applied (`roles.scope`: their team's agents and the pool; `*` all).
Every write runs in
one `BEGIN IMMEDIATE` transaction (`store.write()`) and is recorded in the audit trail with
the actor and `now`. KPI definitions: docs/kpis.md.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from ..domain.codes import FORMAL_NOTICE_OUTCOME, RPC_DISPOSITIONS, Channel, Direction, Segment, Stage, Tone, label
from ..domain.config import Settings
from ..domain.dates import PARIS, from_db, paris_date, parse_iso_week, to_db
from ..domain.events import classify
from ..domain.filters import BLOCKED_CHOICES, DebtorFilter
from ..domain.text import strip_control_chars
from ..reports import safe_csv
from ..store import audit
from ..store import disputes as dispute_sql
from ..store import lead as sql
from ..store import queue as queue_sql
from ..store.agents import Agent, list_agents
from ..store.db import Store
from ..store.lead import DebtorState
from .promise_tracking import promise_figures
from .roles import (
    PermissionDenied,
    acting_lead,
    agent_in_scope,
    in_scope,
    require_lead,
    require_team_member,
    require_visible,
)
from .roles import scope as team_scope
from .scoring import rescore
from .wear_history import history_written
from .work_queue import QueueEntry, _entry

__all__ = [
    "BLOCKED_CHOICES",
    "UNCHANGED",
    "AssignResult",
    "AuditEntry",
    "BoardRow",
    "DebtorFilter",
    "FormalNoticePreview",
    "FormalNoticeRepeat",
    "KpiRow",
    "LeadError",
    "PermissionDenied",
    "QueueLoad",
    "ReviewPage",
    "assign",
    "audit_page",
    "close_dispute",
    "count_by_filter",
    "formal_notice_preview",
    "kpis",
    "kpis_csv",
    "queue_loads",
    "reassign_by_filter",
    "record_formal_notice",
    "release_hold",
    "review_queue",
    "set_do_not_call",
    "set_hold",
    "set_overrides",
    "team_board",
]

REASON_MAX = 500
# Team board: « disponible » when the session was seen this recently.
AVAILABLE_WITHIN = timedelta(minutes=5)  # sessions send a heartbeat every 2 minutes
STATE_LABELS_FR: Final = {"on_call": "en appel", "available": "disponible", "away": "absent"}
REVIEW_MAX_LIMIT = 500
AUDIT_MAX_LIMIT = 1_000


class LeadError(Exception):
    """A lead action refused for bad input: unknown debtor or agent, bad code… (French)."""


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()


def _reason(text: str | None, *, required: bool, what: str) -> str | None:
    cleaned = strip_control_chars(text or "").strip()  # typed text: no terminal controls
    if not cleaned:
        if required:
            raise LeadError(f"le motif est obligatoire pour {what}")
        return None
    if len(cleaned) > REASON_MAX:
        raise LeadError(f"motif trop long ({len(cleaned)} caractères, {REASON_MAX} au plus)")
    return cleaned


def _debtor(conn: sqlite3.Connection, ref: str, actor: Agent) -> DebtorState:
    """The debtor, refused when unknown or outside the lead's team."""
    d = sql.debtor_state(conn, ref)
    if d is None:
        raise LeadError(f"débiteur inconnu « {ref} »")
    require_visible(conn, actor, ref, d.agent)
    return d


def _target_agent(conn: sqlite3.Connection, login: str | None, actor: Agent) -> None:
    if login is None:
        return
    exists, active = sql.agent_exists(conn, login)
    if not exists:
        raise LeadError(f"agent inconnu « {login} »")
    require_team_member(conn, actor, login)
    if not active:
        raise LeadError(f"l'agent « {login} » est désactivé : impossible de lui confier des débiteurs")


def _scoped(conn: sqlite3.Connection, actor: Agent, flt: DebtorFilter) -> DebtorFilter:
    """The filter restricted to the lead's team (an agent of another team named in it: refused)."""
    if flt.agent is not None and sql.agent_exists(conn, flt.agent)[0]:
        require_team_member(conn, actor, flt.agent)
    return replace(flt, scope=team_scope(conn, actor))


def validate_filter(flt: DebtorFilter) -> None:
    """Refuse incoherent filters with a French message."""
    errors = []
    if flt.pool and flt.agent is not None:
        errors.append("choisir un agent ou l'équipe (pool), pas les deux")
    if flt.segment is not None and flt.segment not in {s.value for s in Segment}:
        errors.append(f"segment inconnu « {flt.segment} » (B2B ou B2C)")
    if flt.blocked is not None and flt.blocked not in BLOCKED_CHOICES:
        errors.append(f"blocage inconnu « {flt.blocked} » ({', '.join(BLOCKED_CHOICES)})")
    for lo, hi, what in (
        (flt.min_balance_cents, flt.max_balance_cents, "montant"),
        (flt.min_days_past_due, flt.max_days_past_due, "jours de retard"),
    ):
        if (lo is not None and lo < 0) or (hi is not None and hi < 0):
            errors.append(f"{what} : bornes négatives")
        elif lo is not None and hi is not None and lo > hi:
            errors.append(f"{what} : le minimum dépasse le maximum")
    if errors:
        raise LeadError(" ; ".join(errors))


# --- assignment ------------------------------------------------------------------------------


@dataclass
class AssignResult:
    changed: list[str] = field(default_factory=list)  # refs moved
    unchanged: list[str] = field(default_factory=list)  # already there
    in_call: dict[str, str] = field(default_factory=dict)  # ref → agent holding a live claim (not moved)

    @property
    def count(self) -> int:
        return len(self.changed)


def assign(store: Store, actor: Agent, refs: Sequence[str], *, to: str | None, now: datetime) -> AssignResult:
    """Assign debtors to agent `to` (None = the team pool); one audit line per debtor moved.

    All or nothing on unknown references. A debtor in a call with another agent (live claim)
    is left where it is and reported in `in_call`: the call's outcome must not be lost.
    Open callbacks follow the debtor.
    """
    require_lead(actor, "réaffecter des débiteurs")
    wanted = list(dict.fromkeys(r.strip() for r in refs if r.strip()))
    if not wanted:
        raise LeadError("aucun débiteur indiqué")
    now_s = to_db(now)
    result = AssignResult()
    with store.write() as conn:
        actor = acting_lead(conn, actor, "réaffecter des débiteurs")
        _target_agent(conn, to, actor)
        states = sql.debtor_states(conn, wanted)
        unknown = [r for r in wanted if r not in states]
        if unknown:
            raise LeadError(f"débiteur(s) inconnu(s) : {', '.join(unknown)} ; rien n'a été réaffecté")
        s = team_scope(conn, actor)
        foreign = [r for r in wanted if not in_scope(s, states[r].agent)]
        if foreign:
            raise PermissionDenied(
                f"débiteur(s) suivi(s) par une autre équipe : {', '.join(foreign)} ; rien n'a été réaffecté"
            )
        busy = sql.claimed_by_other(conn, [states[r].id for r in wanted], to, now_s)
        moving: list[DebtorState] = []
        for ref in wanted:
            d = states[ref]
            if d.agent == to:
                result.unchanged.append(ref)
            elif d.id in busy:
                result.in_call[ref] = busy[d.id]
            else:
                moving.append(d)
        sql.assign_ids(conn, [d.id for d in moving], to, now_s)
        for d in moving:
            result.changed.append(d.ref)
            audit.record(
                conn,
                now=now,
                actor=actor.login,
                action="assign",
                entity="debtor",
                entity_ref=d.ref,
                details={"from": d.agent, "to": to},
            )
    return result


def count_by_filter(
    store: Store, actor: Agent, flt: DebtorFilter, *, now: datetime, to: str | _Unchanged | None = UNCHANGED
) -> int:
    """How many debtors match (preview before a bulk reassignment: with `to`, how many would move)."""
    require_lead(actor, "consulter les portefeuilles")
    validate_filter(flt)
    today = paris_date(now)
    with store.read() as conn:
        actor = acting_lead(conn, actor, "consulter les portefeuilles")
        flt = _scoped(conn, actor, flt)
        if isinstance(to, _Unchanged):
            return sql.count_matching(conn, flt, today)
        return sql.count_movable(conn, flt, today, to, to_db(now))


def reassign_by_filter(store: Store, actor: Agent, flt: DebtorFilter, *, to: str | None, now: datetime) -> int:
    """Move every matching debtor (open balance) to `to` (None = the pool) in one transaction;
    returns how many moved. Debtors already there, or in a call with another agent, stay.
    One audit line with the filter and the count. An empty filter is refused (use the pool
    filter or an agent to move a whole portfolio)."""
    require_lead(actor, "réaffecter des débiteurs")
    validate_filter(flt)
    if flt.is_empty():
        raise LeadError("réaffectation en masse sans aucun filtre refusée : précisez au moins un critère")
    today = paris_date(now)
    now_s = to_db(now)
    with store.write() as conn:
        actor = acting_lead(conn, actor, "réaffecter des débiteurs")
        _target_agent(conn, to, actor)
        flt = _scoped(conn, actor, flt)
        matching = sql.count_matching(conn, flt, today)
        moved = sql.reassign_matching(conn, flt, today, to, now_s)
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="reassign_bulk",
            entity="debtors",
            entity_ref=None,
            details={"filter": flt.to_json(), "to": to, "count": moved, "matching": matching},
        )
    return moved


# --- flags and overrides ---------------------------------------------------------------------


def set_hold(store: Store, actor: Agent, ref: str, *, reason: str, now: datetime) -> None:
    """Put a debtor on hold (out of every queue) with a reason."""
    require_lead(actor, "mettre un débiteur en attente")
    why = _reason(reason, required=True, what="une mise en attente")
    with store.write() as conn:
        actor = acting_lead(conn, actor, "mettre un débiteur en attente")
        d = _debtor(conn, ref, actor)
        sql.set_hold(conn, d.id, True, why, to_db(now))
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="hold",
            entity="debtor",
            entity_ref=ref,
            details={"reason": why, "previous_reason": d.hold_reason if d.on_hold else None},
        )


def release_hold(store: Store, actor: Agent, ref: str, *, reason: str | None = None, now: datetime) -> None:
    """Take a debtor off hold (reason optional, audited)."""
    require_lead(actor, "lever une mise en attente")
    why = _reason(reason, required=False, what="une levée d'attente")
    with store.write() as conn:
        actor = acting_lead(conn, actor, "lever une mise en attente")
        d = _debtor(conn, ref, actor)
        if not d.on_hold:
            raise LeadError(f"le débiteur {ref} n'est pas en attente")
        sql.set_hold(conn, d.id, False, None, to_db(now))
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="hold_release",
            entity="debtor",
            entity_ref=ref,
            details={"reason": why, "previous_reason": d.hold_reason},
        )


def set_do_not_call(
    store: Store, actor: Agent, ref: str, *, on: bool = True, reason: str | None = None, now: datetime
) -> None:
    """Mark (or unmark) a debtor « ne pas appeler »."""
    require_lead(actor, "marquer « ne pas appeler »")
    why = _reason(reason, required=False, what="« ne pas appeler »")
    with store.write() as conn:
        actor = acting_lead(conn, actor, "marquer « ne pas appeler »")
        d = _debtor(conn, ref, actor)
        if d.do_not_call == on:
            raise LeadError(f"le débiteur {ref} est déjà {'en' if on else 'hors'} « ne pas appeler »")
        sql.set_do_not_call(conn, d.id, on, to_db(now))
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="do_not_call" if on else "do_not_call_off",
            entity="debtor",
            entity_ref=ref,
            details={"reason": why},
        )


def contested_invoices(store: Store, actor: Agent, ref: str) -> list[dict[str, Any]]:
    """The debtor's invoices under an open dispute (invoice_ref, amount_cents), for the lead."""
    require_lead(actor, "clore un litige")
    with store.read() as conn:
        actor = acting_lead(conn, actor, "clore un litige")
        d = _debtor(conn, ref, actor)
        return [{"invoice_ref": r, "amount_cents": c} for r, c in dispute_sql.open_amounts(conn, d.id)]


def close_dispute(
    store: Store,
    actor: Agent,
    ref: str,
    *,
    note: str | None = None,
    now: datetime,
    invoices: list[str] | None = None,
    decision: str | None = "rejected",
) -> list[str]:
    """Close the dispute on some invoices (default: all contested ones); returns their refs.

    ``accepted``: the debtor is right, a credit note is expected and the invoice stays out of
    the amount claimed; ``rejected``: the invoice is claimed again. The debtor comes back into
    the queues as soon as an overdue invoice is claimable.
    """
    require_lead(actor, "clore un litige")
    if decision is None:
        raise LeadError("préciser --accepted (avoir attendu) ou --rejected (la facture redevient due)")
    if decision not in ("accepted", "rejected"):
        raise LeadError(f"décision inconnue « {decision} » (accepted ou rejected)")
    why = _reason(note, required=False, what="la clôture d'un litige")
    with store.write() as conn:
        actor = acting_lead(conn, actor, "clore un litige")
        d = _debtor(conn, ref, actor)
        contested = dispute_sql.open_refs(conn, d.id)
        if not contested and not d.dispute_open:
            raise LeadError(f"aucun litige ouvert pour le débiteur {ref}")
        wanted = list(dict.fromkeys(invoices or [])) or contested
        unknown = [r for r in wanted if r not in contested]
        if unknown:
            raise LeadError(f"pas de litige ouvert sur la facture « {unknown[0]} » du débiteur {ref}")
        dispute_sql.close_invoices(conn, d.id, wanted, status=decision, now=to_db(now), by=actor.login, note=why)
        if contested:
            dispute_sql.sync_dispute_flag(conn, [d.id], today=paris_date(now).isoformat(), now=to_db(now))
        else:  # a whole-account dispute with no invoice on file
            sql.close_dispute(conn, d.id, to_db(now))
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="dispute_close",
            entity="debtor",
            entity_ref=ref,
            details={"note": why, "invoices": wanted, "decision": decision},
        )
    return wanted


def set_overrides(
    store: Store,
    actor: Agent,
    ref: str,
    *,
    stage: str | _Unchanged | None = UNCHANGED,
    tone: str | _Unchanged | None = UNCHANGED,
    now: datetime,
) -> tuple[str | None, str | None]:
    """Force the call-script stage and/or tone (codes of `Stage`, `Tone`, e.g. `worn` for the
    new-approach script); None clears one, UNCHANGED keeps it. Returns the new (stage, tone)."""
    require_lead(actor, "changer le scénario ou le ton")
    errors = []
    if isinstance(stage, str) and stage not in {s.value for s in Stage}:
        errors.append(f"étape inconnue « {stage} » ({', '.join(s.value for s in Stage)})")
    if isinstance(tone, str) and tone not in {t.value for t in Tone}:
        errors.append(f"ton inconnu « {tone} » ({', '.join(t.value for t in Tone)})")
    if errors:
        raise LeadError(" ; ".join(errors))
    with store.write() as conn:
        actor = acting_lead(conn, actor, "changer le scénario ou le ton")
        d = _debtor(conn, ref, actor)
        new_stage = d.stage_override if isinstance(stage, _Unchanged) else stage
        new_tone = d.tone_override if isinstance(tone, _Unchanged) else tone
        sql.set_overrides(conn, d.id, new_stage, new_tone, to_db(now))
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="override",
            entity="debtor",
            entity_ref=ref,
            details={
                "stage": new_stage,
                "tone": new_tone,
                "previous_stage": d.stage_override,
                "previous_tone": d.tone_override,
            },
        )
    return new_stage, new_tone


# A second mise en demeure this soon after the last one needs an explicit confirmation.
FORMAL_NOTICE_REPEAT_DAYS: Final = 30
REGISTERED_LETTER_MAX = 40
_REGISTERED_LETTER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z \-]*$")


class FormalNoticeRepeat(LeadError):
    """A mise en demeure was already recorded within FORMAL_NOTICE_REPEAT_DAYS: confirm (force)."""


@dataclass(frozen=True)
class FormalNoticePreview:
    """What a mise en demeure is about, shown before it is recorded."""

    ref: str
    name: str
    segment: str
    postcode: str | None
    country: str | None
    overdue: list[tuple[str, date, int]]  # (invoice ref, due date, open amount in cents)
    last_notice_on: date | None
    repeat: bool  # the last one is less than FORMAL_NOTICE_REPEAT_DAYS old

    @property
    def overdue_cents(self) -> int:
        return sum(cents for _ref, _due, cents in self.overdue)

    @property
    def address(self) -> str | None:
        """What is known of the address (the ledger gives a postcode and a country at most)."""
        parts = [p for p in (self.postcode, self.country) if p]
        return " ".join(parts) or None


def validate_registered_letter(text: str | None) -> str | None:
    """The registered-letter (LRAR) number, trimmed; None when empty; LeadError when malformed."""
    s = (text or "").strip()
    if not s:
        return None
    if len(s) > REGISTERED_LETTER_MAX:
        raise LeadError(f"numéro de recommandé trop long ({len(s)} caractères, {REGISTERED_LETTER_MAX} au plus)")
    if not _REGISTERED_LETTER.match(s):
        raise LeadError(f"numéro de recommandé « {s} » : lettres, chiffres, espaces et tirets seulement")
    return s


def _notice_preview(conn: sqlite3.Connection, d: DebtorState, day: date) -> FormalNoticePreview:
    name, segment, postcode, country = sql.debtor_identity(conn, d.id)
    overdue = [(r, date.fromisoformat(due[:10]), c) for r, due, c in sql.overdue_invoices(conn, d.id, day.isoformat())]
    last = from_db(sql.last_formal_notice(conn, d.id, FORMAL_NOTICE_OUTCOME))
    last_on = paris_date(last) if last else None
    repeat = last_on is not None and (day - last_on).days < FORMAL_NOTICE_REPEAT_DAYS
    return FormalNoticePreview(d.ref, name, segment, postcode, country, overdue, last_on, repeat)


def formal_notice_preview(store: Store, actor: Agent, ref: str, *, now: datetime) -> FormalNoticePreview:
    """The debtor, overdue invoices and amount, known address and last notice, for the confirmation."""
    require_lead(actor, "enregistrer une mise en demeure")
    with store.read() as conn:
        actor = acting_lead(conn, actor, "enregistrer une mise en demeure")
        return _notice_preview(conn, _debtor(conn, ref, actor), paris_date(now))


def record_formal_notice(
    store: Store,
    actor: Agent,
    ref: str,
    *,
    sent_on: date | None = None,
    note: str | None = None,
    registered_letter: str | None = None,
    force: bool = False,
    now: datetime,
    settings: Settings | None = None,
    letter_ref: str | None = None,
    amount_cents: int | None = None,
) -> int:
    """Record that a mise en demeure was sent: an outbound letter event with outcome
    `formal_notice` (kind from `domain.events.classify`: a reminder), dated `sent_on` (a date,
    no time of day) or `now`. Rescored at once; returns the event id. The letter's reference
    and the amount it claimed, when given, are what the call scripts cite (else its date and
    what was overdue on that date).

    Refused on a debtor with nothing overdue on `sent_on`; a second one within
    FORMAL_NOTICE_REPEAT_DAYS raises `FormalNoticeRepeat` unless `force`. The registered-letter
    number is kept in the event's note (« LRAR n° … ») and in the audit details."""
    require_lead(actor, "enregistrer une mise en demeure")
    today = paris_date(now)
    if sent_on is not None and sent_on > today:
        raise LeadError(f"la date d'envoi ({sent_on:%d/%m/%Y}) est dans le futur")
    why = _reason(note, required=False, what="la mise en demeure")
    letter = validate_registered_letter(registered_letter)
    reference = _reason(letter_ref, required=False, what="la référence du courrier") or None
    if amount_cents is not None and amount_cents <= 0:
        raise LeadError("le montant de la mise en demeure doit être positif")
    if sent_on is None:
        at, has_time = now, True
    else:
        at, has_time = datetime.combine(sent_on, time(0), PARIS).astimezone(UTC), False
    day = sent_on or today
    with store.write() as conn:
        actor = acting_lead(conn, actor, "enregistrer une mise en demeure")
        d = _debtor(conn, ref, actor)
        preview = _notice_preview(conn, d, day)
        if preview.overdue_cents <= 0:
            raise LeadError(f"aucun montant échu pour le débiteur {d.ref} au {day:%d/%m/%Y} : pas de mise en demeure")
        if preview.repeat and not force and preview.last_notice_on is not None:
            raise FormalNoticeRepeat(
                f"une mise en demeure a déjà été enregistrée le {preview.last_notice_on:%d/%m/%Y} pour {d.ref} "
                f"(moins de {FORMAL_NOTICE_REPEAT_DAYS} jours)"
            )
        text = " · ".join(p for p in (f"LRAR n° {letter}" if letter else None, why) if p)
        event_id = sql.insert_lead_event(
            conn,
            debtor_id=d.id,
            at=to_db(at),
            has_time=has_time,
            channel=Channel.LETTER,
            direction=Direction.OUT,
            outcome=FORMAL_NOTICE_OUTCOME,
            kind=classify(Channel.LETTER, Direction.OUT, FORMAL_NOTICE_OUTCOME).value,
            agent=actor.login,
            note=text or "mise en demeure envoyée",
            source="lead",
            created_at=to_db(now),
        )
        if reference or amount_cents is not None:
            sql.set_letter_details(conn, event_id, letter_ref=reference, amount_cents=amount_cents)
        history_written(conn, day, now=now)  # a reminder dated `sent_on`, maybe weeks ago
        rescore(conn, [d.id], now=now, settings=settings or Settings())
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="formal_notice",
            entity="debtor",
            entity_ref=ref,
            details={
                "sent_on": day.isoformat(),
                "event_id": event_id,
                "note": why,
                "registered_letter": letter,
                "overdue_cents": preview.overdue_cents,
                "repeat": preview.repeat,
                **({"letter_ref": reference} if reference else {}),
                **({"amount_cents": amount_cents} if amount_cents is not None else {}),
            },
        )
    return event_id


# --- team board -------------------------------------------------------------------------------


def _day_bounds(now: datetime) -> tuple[str, str]:
    start = datetime.combine(paris_date(now), time(0), PARIS)
    return to_db(start), to_db(start + timedelta(days=1))


@dataclass
class BoardRow:
    login: str
    name: str
    role: str
    state: str  # on_call / available / away
    case_ref: str | None  # dossier en cours
    case_name: str | None
    last_outcome: str | None  # dernière issue today (disposition code)
    last_outcome_at: datetime | None
    last_outcome_ref: str | None
    calls: int
    rpc: int
    promises: int
    promised_cents: int
    last_seen: datetime | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS_FR[self.state]

    @property
    def last_outcome_label(self) -> str:
        return label(self.last_outcome) if self.last_outcome else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "name": self.name,
            "role": self.role,
            "state": self.state,
            "state_label": self.state_label,
            "case_ref": self.case_ref,
            "case_name": self.case_name,
            "last_outcome": self.last_outcome,
            "last_outcome_at": self.last_outcome_at.isoformat() if self.last_outcome_at else None,
            "last_outcome_ref": self.last_outcome_ref,
            "calls": self.calls,
            "rpc": self.rpc,
            "promises": self.promises,
            "promised": round(self.promised_cents / 100, 2),
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }


def team_board(store: Store, actor: Agent, *, now: datetime) -> list[BoardRow]:
    """One row per active account, today (Paris day of `now`).

    État: « en appel » when the agent holds a live claim (the dossier en cours is that debtor);
    else « disponible » when their session was seen less than 5 minutes ago and is not ended
    or paused (its open debtor, if any, is shown); else « absent ». Figures: outbound calls,
    right-party contacts (RPC dispositions), promises recorded (not cancelled): count, amount.
    """
    require_lead(actor, "consulter le tableau de l'équipe")
    now_s = to_db(now)
    start, end = _day_bounds(now)
    rpc_codes = sorted(d.value for d in RPC_DISPOSITIONS)
    with store.read() as conn:
        actor = acting_lead(conn, actor, "consulter le tableau de l'équipe")
        s = team_scope(conn, actor)
        agents = [a for a in list_agents(conn) if a.active and agent_in_scope(s, a.login)]
        sessions = sql.sessions(conn)
        claims = sql.live_claims(conn, now_s)
        calls = sql.call_counts(conn, start, end, rpc_codes)
        last = sql.last_calls(conn, start, end)
        promised = sql.promises_recorded(conn, start, end)
    rows = []
    for a in agents:
        sess = sessions.get(a.login)
        seen = from_db(sess[1]) if sess else None
        case_ref = case_name = None
        if a.login in claims:
            state = "on_call"
            case_ref, case_name, _ = claims[a.login]
        elif sess and sess[0] not in ("ended", "paused") and seen is not None and now - seen < AVAILABLE_WITHIN:
            state = "available"
            case_ref, case_name = sess[2], sess[3]
        else:
            state = "away"
        n_calls, n_rpc = calls.get(a.login, (0, 0))
        n_prom, cents = promised.get(a.login, (0, 0))
        lo = last.get(a.login)
        rows.append(
            BoardRow(
                login=a.login,
                name=a.name,
                role=a.role,
                state=state,
                case_ref=case_ref,
                case_name=case_name,
                last_outcome=lo[0] if lo else None,
                last_outcome_at=from_db(lo[1]) if lo else None,
                last_outcome_ref=lo[2] if lo else None,
                calls=n_calls,
                rpc=n_rpc,
                promises=n_prom,
                promised_cents=cents,
                last_seen=seen,
            )
        )
    return rows


@dataclass
class QueueLoad:
    agent: str | None  # None = the team pool
    name: str
    debtors: int
    balance_cents: int
    blocked: int  # on hold, do-not-call or in dispute

    def to_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "name": self.name,
            "debtors": self.debtors,
            "balance": round(self.balance_cents / 100, 2),
            "blocked": self.blocked,
        }


def queue_loads(store: Store, actor: Agent) -> list[QueueLoad]:
    """Debtors with open balance per agent (every active agent, even at zero), then the pool."""
    require_lead(actor, "consulter les portefeuilles")
    with store.read() as conn:
        actor = acting_lead(conn, actor, "consulter les portefeuilles")
        s = team_scope(conn, actor)
        agents = {a.login: a for a in list_agents(conn)}
        loads = {
            agent: (n, cents, blocked)
            for agent, n, cents, blocked in sql.portfolio_loads(conn)
            if agent is None or agent_in_scope(s, agent)
        }
    out = []
    mine = {a for a, ag in agents.items() if ag.active and ag.role == "agent" and agent_in_scope(s, a)}
    assigned = {a for a in loads if a is not None}
    for login in sorted(mine | assigned):
        n, cents, blocked = loads.get(login, (0, 0, 0))
        out.append(QueueLoad(login, agents[login].name if login in agents else login, n, cents, blocked))
    n, cents, blocked = loads.get(None, (0, 0, 0))
    out.append(QueueLoad(None, "équipe (non affectés)", n, cents, blocked))
    return out


# --- queue review --------------------------------------------------------------------------------


@dataclass
class ReviewPage:
    rows: list[QueueEntry]
    after: tuple[int, float, str] | None  # cursor for the next page; None when this was the last


def review_queue(
    store: Store,
    actor: Agent,
    flt: DebtorFilter | None = None,
    *,
    now: datetime,
    settings: Settings,
    limit: int = 50,
    after: tuple[int, float, str] | None = None,
) -> ReviewPage:
    """Every matching debtor with open balance, across agents, in queue order (priority class,
    score descending, reference), one page at a time (keyset on that order). Each row says
    whether it is callable now and, if not, why (the work queue's rules; a claim by anyone
    counts as « pris par un collègue »)."""
    require_lead(actor, "revoir les files des agents")
    flt = flt or DebtorFilter()
    validate_filter(flt)
    limit = max(1, min(limit, REVIEW_MAX_LIMIT))
    today = paris_date(now)
    with store.read() as conn:
        actor = acting_lead(conn, actor, "revoir les files des agents")
        flt = _scoped(conn, actor, flt)
        cands = sql.review_page(conn, flt, today, after=after, limit=limit)
        queue_sql.load_context(conn, cands, now=to_db(now), since_7d=to_db(now - timedelta(days=7)))
    rows = [_entry(c, agent="", now=now, settings=settings) for c in cands]
    nxt = (cands[-1].priority_class, cands[-1].score, cands[-1].ref) if len(cands) == limit else None
    return ReviewPage(rows, nxt)


# --- KPIs ------------------------------------------------------------------------------------------


@dataclass
class KpiRow:
    """One agent's figures for one ISO week (definitions: docs/kpis.md)."""

    week: str
    agent: str
    name: str
    calls: int = 0  # outbound call attempts
    rpc: int = 0  # of which right-party contacts
    promises: int = 0  # promises recorded in the week (not cancelled)
    promised_cents: int = 0
    kept: int = 0  # promises whose last due + grace falls in the week, kept
    broken: int = 0  # … broken
    collected_cents: int = 0  # payments dated in the week, debtors currently assigned to the agent
    contacts: int = 0  # right-party contacts by call, outbound and inbound
    promise_contacts: int = 0  # of which ended in a promise or a plan

    @property
    def rpc_rate(self) -> float | None:
        return self.rpc / self.calls if self.calls else None

    @property
    def promise_rate(self) -> float | None:
        """Contacts ending in a promise / right-party contacts (inbound included): at most 1,
        whatever was imported or recorded outside a call."""
        return self.promise_contacts / self.contacts if self.contacts else None

    @property
    def kept_rate(self) -> float | None:
        n = self.kept + self.broken
        return self.kept / n if n else None

    @property
    def attempts_per_rpc(self) -> float | None:
        return self.calls / self.rpc if self.rpc else None

    def to_json(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "week": self.week,
            "agent": self.agent,
            "name": self.name,
            "calls": self.calls,
            "rpc": self.rpc,
            "rpc_rate": r(self.rpc_rate),
            "promises": self.promises,
            "contacts": self.contacts,
            "promise_contacts": self.promise_contacts,
            "promise_rate": r(self.promise_rate),
            "promised": round(self.promised_cents / 100, 2),
            "kept": self.kept,
            "broken": self.broken,
            "kept_rate": r(self.kept_rate),
            "collected": round(self.collected_cents / 100, 2),
            "attempts_per_rpc": r(self.attempts_per_rpc),
        }


KPI_COLUMNS = list(KpiRow("", "", "").to_json())
PROMISE_CODES: Final = ("plan", "promise")  # dispositions that conclude a call with a promise


def kpis(store: Store, actor: Agent, *, week: str, now: datetime, settings: Settings) -> list[KpiRow]:
    """Per agent for the ISO week `week` (Paris, Monday 00:00 to Sunday 24:00): every active
    agent, plus anyone with figures that week; promises are evaluated at `now`."""
    require_lead(actor, "consulter les indicateurs de l'équipe")
    monday, sunday = parse_iso_week(week)
    start = to_db(datetime.combine(monday, time(0), PARIS))
    end = to_db(datetime.combine(sunday + timedelta(days=1), time(0), PARIS))
    rpc_codes = sorted(d.value for d in RPC_DISPOSITIONS)
    with store.read() as conn:
        actor = acting_lead(conn, actor, "consulter les indicateurs de l'équipe")
        s = team_scope(conn, actor)
        agents = {a.login: a for a in list_agents(conn)}
        calls = sql.call_counts(conn, start, end, rpc_codes)
        contacts = sql.contact_counts(conn, start, end, rpc_codes, PROMISE_CODES)
        collected = sql.collected_by_assigned_agent(conn, monday.isoformat(), sunday.isoformat())
    figures = {f.agent: f for f in promise_figures(store, actor, week=week, now=now, settings=settings)}
    logins = {a for a, ag in agents.items() if ag.active and ag.role == "agent"}
    logins |= set(calls) | set(contacts) | {a for a in collected if a is not None}
    logins |= {a for a in figures if a in agents}
    logins = {a for a in logins if agent_in_scope(s, a)}
    rows = []
    for login in sorted(logins):
        n_calls, n_rpc = calls.get(login, (0, 0))
        f = figures.get(login)
        rows.append(
            KpiRow(
                week=week,
                agent=login,
                name=agents[login].name if login in agents else login,
                calls=n_calls,
                rpc=n_rpc,
                promises=f.recorded if f else 0,
                promised_cents=f.promised_cents if f else 0,
                kept=f.kept if f else 0,
                broken=f.broken if f else 0,
                collected_cents=collected.get(login, 0),
                contacts=contacts.get(login, (0, 0))[0],
                promise_contacts=contacts.get(login, (0, 0))[1],
            )
        )
    return rows


def kpis_csv(rows: Sequence[KpiRow]) -> str:
    """CSV (comma, point decimal, header = the JSON keys) for a spreadsheet."""
    buf = io.StringIO()
    w = safe_csv.writer(buf, lineterminator="\n")
    w.writerow(KPI_COLUMNS)
    for r in rows:
        w.writerow(["" if v is None else v for v in r.to_json().values()])
    return buf.getvalue()


# --- audit trail -----------------------------------------------------------------------------------


@dataclass
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_ref: str | None
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_ref": self.entity_ref,
            "details": self.details,
        }


def audit_page(
    store: Store,
    actor: Agent,
    *,
    before_id: int | None = None,
    actor_filter: str | None = None,
    action: str | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """A page of the audit trail, newest first; the next page is `before_id=<last id>`."""
    require_lead(actor, "consulter le journal d'audit")
    limit = max(1, min(limit, AUDIT_MAX_LIMIT))
    with store.read() as conn:
        actor = acting_lead(conn, actor, "consulter le journal d'audit")
        rows = audit.page(conn, before_id=before_id, actor=actor_filter, action=action, limit=limit)
    out = []
    for id_, at, who, what, entity, ref, details in rows:
        try:
            parsed = json.loads(details or "{}")
        except ValueError:
            parsed = {"raw": details}
        out.append(AuditEntry(id_, from_db(at) or datetime.min.replace(tzinfo=UTC), who, what, entity, ref, parsed))
    return out


# --- the lead's team ---------------------------------------------------------------------------


def check_lead(store: Store, actor: Agent, what: str) -> Agent:
    """The actor read again, refused unless still an active lead (for reads outside a service)."""
    require_lead(actor, what)
    with store.read() as conn:
        return acting_lead(conn, actor, what)


def team_agents(store: Store, actor: Agent) -> list[Agent]:
    """Active accounts with the agent role in the lead's team (targets of a reassignment)."""
    require_lead(actor, "consulter l'équipe")
    with store.read() as conn:
        actor = acting_lead(conn, actor, "consulter l'équipe")
        s = team_scope(conn, actor)
        return [a for a in list_agents(conn) if a.active and a.role == "agent" and agent_in_scope(s, a.login)]
