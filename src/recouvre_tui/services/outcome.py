"""Record a call outcome: one transaction writes the event, the promise or plan, the
callback, the debtor flags, follows up broken promises, rescores, and releases the claim.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.areas import Area, area_by_code, holiday_name
from ..domain.callability import in_calling_window
from ..domain.codes import (
    BAD_NUMBER_DISPOSITIONS,
    Channel,
    Direction,
    Disposition,
    Reason,
    Tone,
    label,
)
from ..domain.config import Settings
from ..domain.dates import format_date_fr, paris_date, to_db
from ..domain.events import classify
from ..domain.money import format_eur
from ..domain.payment_check import check_until
from ..domain.promises import InstalmentIn, validate_plan
from ..domain.text import strip_control_chars
from ..store import audit
from ..store import disputes as dispute_sql
from ..store import outcomes as outcome_sql
from ..store import payment_checks as check_sql
from ..store import promises as promise_sql
from ..store import queue as queue_sql
from ..store.agents import Agent
from ..store.db import Store
from ..store.dialect import fetch_batch
from .roles import PermissionDenied, in_scope, scope_of, still_active
from .scoring import rescore
from .wear_history import history_written

NOTE_MAX = 2_000
# Follow-up actions recorded as their own events (invoice duplicate, hand to the sales rep).
ACTIONS = {
    "duplicate": ("email", "invoice_duplicate", "envoi d'un duplicata de facture"),
    "sales_rep": ("email", "handed_to_sales_rep", "litige transmis au commercial"),
}
PROMISE_DISPOSITIONS = {Disposition.PROMISE, Disposition.PLAN}
# The debtor says the money is sent: held while the payment is awaited (`payment_check_days`).
PAYMENT_DISPOSITIONS = {Disposition.PAID, Disposition.ALREADY_PAID}
REFERENCE_MAX = 200


class OutcomeError(Exception):
    """Invalid outcome: `field` names the form field, `message` is French."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{f}: {m}" if f else m for f, m in errors))


class OutcomeAccessDenied(OutcomeError, PermissionDenied):
    """The debtor is neither in the agent's portfolio nor in the pool."""


@dataclass
class Outcome:
    debtor_ref: str
    disposition: str
    reason: str | None = None
    note: str | None = None
    instalments: list[tuple[date, int]] = field(default_factory=list)  # promise / plan
    callback_at: datetime | None = None  # aware
    tone: str | None = None
    script_id: str | None = None
    phone: str | None = None  # E.164 of the number called
    actions: list[str] = field(default_factory=list)  # keys of ACTIONS
    dispute_invoices: list[str] = field(default_factory=list)  # contested invoices (empty: all open)
    dispute_amount_cents: int | None = None  # contested amount (default: their open amount)
    payment: AnnouncedPayment | None = None  # « déjà payé » / « paiement immédiat »
    callback_for_team: bool = False  # else personal (the agent's own)


@dataclass(frozen=True)
class AnnouncedPayment:
    """What the debtor says it paid: date, amount (cents) and means or reference."""

    paid_on: date | None
    amount_cents: int
    reference: str | None = None


@dataclass
class OutcomeResult:
    debtor_ref: str
    event_id: int
    promise_ref: str | None
    callback_id: int | None
    released: bool


def validate(
    o: Outcome,
    *,
    now: datetime,
    settings: Settings,
    balance_cents: int | None,
    area: Area | None = None,
    segment: str | None = None,
) -> list[tuple[str, str]]:
    """Every problem of `o` as (form field, French message); `area`/`segment` check the
    callback against the debtor's calling window."""
    errors: list[tuple[str, str]] = []
    if o.disposition not in {d.value for d in Disposition}:
        errors.append(("disposition", f"issue d'appel inconnue « {o.disposition} »"))
    if o.reason is not None and o.reason not in {r.value for r in Reason}:
        errors.append(("reason", f"motif inconnu « {o.reason} »"))
    if o.tone is not None and o.tone not in {t.value for t in Tone}:
        errors.append(("tone", f"ton inconnu « {o.tone} »"))
    if o.note is not None and len(o.note) > NOTE_MAX:
        errors.append(("note", f"note trop longue ({len(o.note)} caractères, {NOTE_MAX} au plus)"))
    for a in o.actions:
        if a not in ACTIONS:
            errors.append(("actions", f"action inconnue « {a} »"))
    if o.disposition in PROMISE_DISPOSITIONS and not o.instalments:
        errors.append(
            (
                "promise",
                f"« {label(o.disposition)} » demande au moins une échéance (date et montant)",
            )
        )
    if o.disposition == Disposition.PLAN and 0 < len(o.instalments) < 2:
        errors.append(("promise", "un échéancier compte au moins deux échéances"))
    if o.instalments:
        if o.disposition not in PROMISE_DISPOSITIONS | {Disposition.PAID}:
            errors.append(("promise", f"pas de promesse avec l'issue « {label(o.disposition)} »"))
        total = sum(a for _, a in o.instalments)
        plan = [InstalmentIn(d, a) for d, a in o.instalments]
        for e in validate_plan(total, plan, paris_date(now), settings.promises, balance_cents=balance_cents):
            errors.append((e.field, e.message))
    if (o.dispute_invoices or o.dispute_amount_cents is not None) and o.disposition != Disposition.DISPUTE:
        errors.append(("invoices", "des factures contestées ne se notent qu'avec l'issue « litige »"))
    if o.dispute_amount_cents is not None and o.dispute_amount_cents <= 0:
        errors.append(("invoices", "le montant contesté doit être positif"))
    if o.disposition == Disposition.CALLBACK and o.callback_at is None:
        errors.append(("callback", "« rappel demandé » demande une date et une heure de rappel"))
    if o.callback_at is not None and o.callback_at <= now:
        errors.append(("callback", "la date de rappel doit être dans le futur"))
    elif o.callback_at is not None:
        errors += _callback_problems(o.callback_at, now=now, settings=settings, area=area, segment=segment)
    errors += _payment_problems(o, now=now)
    return errors


def _callback_problems(
    at: datetime, *, now: datetime, settings: Settings, area: Area | None, segment: str | None
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    zone = area.zone if area is not None else now.tzinfo
    latest = now + timedelta(days=settings.callback_max_days)
    if at > latest:
        out.append(
            (
                "callback",
                f"rappel trop lointain : {settings.callback_max_days} jours au plus "
                f"(le {format_date_fr(latest.astimezone(zone).date())} au plus tard)",
            )
        )
    if area is not None and segment is not None:
        local = at.astimezone(area.zone)
        if not in_calling_window(segment, local, settings.calling):
            out.append(
                (
                    "callback",
                    f"rappel hors de la plage d'appel du débiteur ({format_date_fr(local.date())} "
                    f"à {local:%H:%M} heure locale) : choisissez un jour et une heure où il peut être appelé",
                )
            )
        elif (holiday := holiday_name(area, local.date())) is not None:
            out.append(("callback", f"rappel un jour férié chez le débiteur ({holiday}) : choisissez un autre jour"))
    return out


def _payment_problems(o: Outcome, *, now: datetime) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    p = o.payment
    if p is None:
        if o.disposition == Disposition.ALREADY_PAID:
            out.append(("payment", "« déjà payé » demande la date et le montant du paiement annoncé"))
        return out
    if o.disposition not in PAYMENT_DISPOSITIONS:
        out.append(("payment", f"pas de paiement annoncé avec l'issue « {label(o.disposition)} »"))
    if p.paid_on is None and o.disposition == Disposition.ALREADY_PAID:
        out.append(("paid_on", "date du paiement obligatoire"))
    if p.paid_on is not None and p.paid_on > paris_date(now):
        out.append(("paid_on", "la date du paiement ne peut pas être dans le futur"))
    if p.amount_cents <= 0:
        out.append(("payment_amount", "le montant payé doit être positif"))
    if p.reference is not None and len(p.reference) > REFERENCE_MAX:
        out.append(("reference", f"référence trop longue ({len(p.reference)} caractères, {REFERENCE_MAX} au plus)"))
    return out


def _open_dispute(
    conn: sqlite3.Connection, debtor_id: int, outcome: Outcome, *, agent: str, event_id: int, now: datetime
) -> None:
    """The contested invoices (default: every open one) leave the claim; block only if nothing is left."""
    open_now = {ref: cents for ref, cents, _due in dispute_sql.open_invoices(conn, debtor_id)}
    wanted = list(dict.fromkeys(outcome.dispute_invoices)) or list(open_now)
    unknown = [ref for ref in wanted if ref not in open_now]
    if unknown:
        raise OutcomeError(
            [("invoices", f"facture inconnue ou soldée pour ce débiteur : « {ref} »") for ref in unknown]
        )
    total = sum(open_now[ref] for ref in wanted)
    amount = total if outcome.dispute_amount_cents is None else outcome.dispute_amount_cents
    if wanted and amount > total:
        raise OutcomeError(
            [
                (
                    "invoices",
                    f"montant contesté {format_eur(amount)} supérieur au restant dû des factures ({format_eur(total)})",
                )
            ]
        )
    row = conn.execute("SELECT sales_rep FROM debtors WHERE id = ?", (debtor_id,)).fetchone()
    # The contested amount is spread over the invoices in order (for the lead's review).
    left, lines = amount, []
    for ref in wanted:
        take = min(left, open_now[ref])
        lines.append((ref, take))
        left -= take
    dispute_sql.insert_dispute(
        conn,
        debtor_id=debtor_id,
        opened_at=to_db(now),
        agent=agent,
        event_id=event_id,
        invoices=lines,
        amount_cents=amount,
        handed_to=row[0] if row else None,
        note=(outcome.note or "").strip() or None,
    )
    if wanted:
        dispute_sql.sync_dispute_flag(conn, [debtor_id], today=paris_date(now).isoformat(), now=to_db(now))
    else:  # no invoice on file: the whole account is contested, as before invoices were named
        outcome_sql.open_dispute(conn, debtor_id, to_db(now))


def record_outcome(
    store: Store,
    agent: Agent,
    outcome: Outcome,
    *,
    now: datetime,
    settings: Settings,
    source: str = "tui",
) -> OutcomeResult:
    """Validate, then write everything in one transaction (`BEGIN IMMEDIATE` on SQLite)."""
    if outcome.note:  # typed text (TUI form, `--note`): no terminal controls, lines kept
        outcome = replace(outcome, note=strip_control_chars(outcome.note, keep_newlines=True))
    now_s = to_db(now)
    # Shared: on PostgreSQL outcomes run beside claims and other outcomes; the agent's and the
    # debtor's rows, locked first (`outcome_start`), keep apart those that meet.
    with store.write(shared=True) as conn:
        account, target, claim = outcome_sql.outcome_start(conn, agent.login, outcome.debtor_ref)
        agent = still_active(agent, account)  # deactivated since the session started: refused
        if target is None:
            raise OutcomeError([("debtor", f"débiteur inconnu « {outcome.debtor_ref} »")])
        debtor_id = target.id
        holds = claim is not None and claim[0] == agent.login and claim[1] > now_s
        # A colleague's debtor taken from the team's callbacks is held by this agent.
        if not in_scope(scope_of(conn, agent), target.agent) and not holds:  # `agent` read just now
            raise OutcomeAccessDenied(
                [("debtor", f"le débiteur {outcome.debtor_ref} n'est pas dans votre portefeuille")]
            )
        if claim is not None and claim[0] != agent.login and claim[1] > now_s:
            raise OutcomeError(
                [
                    (
                        "debtor",
                        f"le débiteur {outcome.debtor_ref} est en cours de traitement par {claim[0]}",
                    )
                ]
            )
        area = area_by_code(target.area)
        errors = validate(
            outcome,
            now=now,
            settings=settings,
            balance_cents=target.balance_cents,
            area=area,
            segment=target.segment,
        )
        if errors:
            raise OutcomeError(errors)
        disp = outcome.disposition
        event_id = outcome_sql.insert_event(
            conn,
            debtor_id=debtor_id,
            at=now_s,
            channel=Channel.CALL,
            direction=Direction.OUT,
            outcome=disp,
            kind=classify(Channel.CALL, Direction.OUT, disp).value,
            agent=agent.login,
            source=source,
            reason=outcome.reason,
            note=(outcome.note or "").strip() or None,
            tone=outcome.tone,
            script_id=outcome.script_id,
            phone=outcome.phone,
        )
        # The debtor rests outside the queue index during the minimum gap (m015); those whose
        # gap is over go back in at the end.
        queue_sql.rest_after_call(conn, debtor_id, now_s)
        promise_ref = None
        if outcome.instalments:
            pid = promise_sql.insert_promise(
                conn,
                debtor_id=debtor_id,
                ref=None,
                created_at=now_s,
                recorded_on=paris_date(now).isoformat(),
                agent=agent.login,
                instalments=[(d.isoformat(), a) for d, a in outcome.instalments],
                event_id=event_id,
                source=source,
            )
            promise_ref = promise_sql.promise_ref(conn, pid)
        # Any outcome closes the callbacks that were due; a new one may be set.
        outcome_sql.close_due_callbacks(conn, debtor_id, now_s)
        check_sql.close_over(conn, debtor_id, now_s)
        if disp in PAYMENT_DISPOSITIONS:
            pay = outcome.payment
            check_sql.insert(
                conn,
                debtor_id=debtor_id,
                event_id=event_id,
                agent=agent.login,
                paid_on=pay.paid_on.isoformat() if pay and pay.paid_on else None,
                amount_cents=pay.amount_cents if pay else 0,
                reference=(pay.reference or "").strip() or None if pay else None,
                now=now_s,
                until=to_db(check_until(area, now, settings.payment_check_days)),
            )
        callback_id = None
        if outcome.callback_at is not None:
            callback_id = outcome_sql.insert_callback(
                conn,
                debtor_id=debtor_id,
                agent=None if outcome.callback_for_team else agent.login,
                due_at=to_db(outcome.callback_at),
                note=outcome.note,
                event_id=event_id,
                now=now_s,
                created_by=agent.login,
            )
        if disp == Disposition.DISPUTE:
            _open_dispute(conn, debtor_id, outcome, agent=agent.login, event_id=event_id, now=now)
        if disp in BAD_NUMBER_DISPOSITIONS:
            # The number goes to the "numéro à vérifier" list; the others stay callable.
            number = outcome.phone or outcome_sql.first_valid_phone(conn, debtor_id)
            if number:
                outcome_sql.flag_phone_to_verify(conn, debtor_id, number)
        for action in outcome.actions:
            channel, code, text = ACTIONS[action]
            outcome_sql.insert_event(
                conn,
                debtor_id=debtor_id,
                at=now_s,
                channel=channel,
                direction=Direction.OUT,
                outcome=code,
                kind="neutral",
                agent=agent.login,
                source=source,
                note=text,
            )
        promise_sql.mark_followed_up(conn, debtor_id, now_s)
        history_written(conn, paris_date(now), now=now)  # the event (and promise) dated now
        promise_sql.refresh_priority_class(conn, [debtor_id])
        rescore(conn, [debtor_id], now=now, settings=settings)
        released = queue_sql.release_claim(conn, agent.login, debtor_id) > 0
        details = {
            "disposition": disp,
            "reason": outcome.reason,
            "promise": promise_ref,
            "instalments": [(d.isoformat(), a) for d, a in outcome.instalments],
            "callback": to_db(outcome.callback_at) if outcome.callback_at else None,
            "actions": outcome.actions,
            "payment": _payment_details(outcome.payment),
            "callback_for_team": outcome.callback_for_team,
            "dispute_invoices": outcome.dispute_invoices or None,
            "area": area_by_code(target.area).code,
        }
        # Last, in one batch: other debtors whose rest is over go back into the queue index
        # (their rows locked only until the commit; colleagues' claims skip them meanwhile),
        # and the audit row, under the debtor's stored ref (the refresh redoes by that ref).
        fetch_batch(
            conn,
            [
                queue_sql.end_rests_statement(conn, to_db(now - timedelta(hours=settings.calling.min_gap_hours))),
                audit.statement(
                    now=now,
                    actor=agent.login,
                    action="outcome",
                    entity="debtor",
                    entity_ref=target.ref,
                    details=details,
                ),
            ],
        )
        return OutcomeResult(outcome.debtor_ref, event_id, promise_ref, callback_id, released)


def _payment_details(p: AnnouncedPayment | None) -> dict[str, Any] | None:
    if p is None:
        return None
    paid_on = p.paid_on.isoformat() if p.paid_on else None
    return {"paid_on": paid_on, "amount_cents": p.amount_cents, "reference": p.reference}
