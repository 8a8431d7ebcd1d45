"""Legal use cases: a debtor's penalties and indemnities, invoices about to prescribe, written
acknowledgments of debt, over-indebtedness. Rules: domain/legal.py and docs/legal.md.

`penalties_for` is the API for every document and screen that states what is owed (case
screen, letters, court pack, the call scripts' fact sheet): one `DebtorClaim`, whose
`amounts_for_debtor()` is what may be said to the debtor (nothing when the creditor does not
claim penalties, which only the lead is told).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ..domain.codes import ACKNOWLEDGMENT_OUTCOME, Channel, Direction, Segment
from ..domain.config import Settings
from ..domain.dates import PARIS, paris_date, to_db
from ..domain.events import classify
from ..domain.legal import (
    PRESCRIPTION_YEARS,
    ClaimStatement,
    InvoiceClaim,
    claim_statement,
    oldest_due_watched,
    prescribing_within,
)
from ..domain.money import format_eur
from ..domain.refs import normalise_ref
from ..legal_data import rates_for
from ..store import audit
from ..store import lead as lead_sql
from ..store import legal as sql
from ..store.agents import Agent
from ..store.db import Store
from .roles import require_lead, require_visible
from .scoring import rescore
from .wear_history import history_written

NOTE_MAX = 500


class LegalError(ValueError):
    """A legal action refused for bad input (French); a ValueError so the lead screens show it
    as a refusal."""


def _cents_json(cents: int) -> float:
    return round(cents / 100, 2)


@dataclass(frozen=True)
class DebtorClaim:
    debtor_ref: str
    name: str
    statement: ClaimStatement
    claim_penalties: bool  # [legal] claim_penalties: when False, only the lead sees the amounts

    @property
    def rows(self) -> tuple[InvoiceClaim, ...]:
        return self.statement.rows

    def amounts_for_debtor(self) -> tuple[int, int, int] | None:
        """(penalties, indemnities, number of indemnities) in cents that may be claimed from the
        debtor, or None when nothing may be said (claiming switched off, or nothing owed)."""
        s = self.statement
        if not self.claim_penalties or (s.total_penalty_cents == 0 and s.total_indemnity_cents == 0):
            return None
        return s.total_penalty_cents, s.total_indemnity_cents, s.indemnity_count

    def summary_fr(self) -> str:
        """« pénalités de retard exigibles 69,32 € · indemnité forfaitaire 40 € × 2 » (B2B),
        « intérêts au taux légal 9,11 € » (B2C), empty when nothing is owed."""
        s = self.statement
        parts = []
        if s.segment == Segment.B2B:
            if s.rows:
                parts.append(f"pénalités de retard exigibles {format_eur(s.total_penalty_cents)}")
                parts.append(f"indemnité forfaitaire 40 € × {s.indemnity_count}")
        elif s.total_penalty_cents:
            parts.append(f"intérêts au taux légal {format_eur(s.total_penalty_cents)}")
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        s = self.statement
        return {
            "debtor_ref": self.debtor_ref,
            "segment": s.segment,
            "date": s.today.isoformat(),
            "claim_penalties": self.claim_penalties,
            "invoices": [
                {
                    "invoice_ref": r.invoice_ref,
                    "due_date": r.due.isoformat(),
                    "principal": _cents_json(r.principal_cents),
                    "days_late": r.days_late,
                    "penalty": _cents_json(r.penalty_cents),
                    "indemnity": _cents_json(r.indemnity_cents),
                    "paid_on": r.paid_on.isoformat() if r.paid_on else None,
                    "last_day_to_act": r.last_day_to_act.isoformat(),
                }
                for r in s.rows
            ],
            "total_principal": _cents_json(s.total_principal_cents),
            "total_penalty": _cents_json(s.total_penalty_cents),
            "total_indemnity": _cents_json(s.total_indemnity_cents),
            "prescribed_invoices": [
                {
                    "invoice_ref": r.invoice_ref,
                    "due_date": r.due.isoformat(),
                    "principal": _cents_json(r.principal_cents),
                    "prescribed_since": (r.last_day_to_act + timedelta(days=1)).isoformat(),
                }
                for r in s.prescribed
            ],
        }


def _debtor_id(conn: Any, ref: str) -> tuple[int, str, str | None]:
    row = conn.execute("SELECT id, name, agent FROM debtors WHERE ref = ?", (normalise_ref(ref),)).fetchone()
    if row is None:
        raise LegalError(f"débiteur inconnu « {ref} »")
    return row[0], row[1], row[2]


def claim_from_facts(ref: str, name: str, facts: Any, today: date, settings: Settings) -> DebtorClaim:
    """Pure: the claim for facts already loaded (the fact sheet's entry point)."""
    statement = claim_statement(facts, today, rates_for(settings.legal))
    return DebtorClaim(ref, name, statement, settings.legal.claim_penalties)


def penalties_for(
    store: Store, ref: str, *, now: datetime, settings: Settings, actor: Agent | None = None
) -> DebtorClaim:
    """Per invoice late on `now`'s Paris date: principal, days late, penalty, indemnity."""
    with store.read() as conn:
        did, name, agent = _debtor_id(conn, ref)
        if actor is not None:
            require_visible(conn, actor, ref, agent)
        facts = sql.facts_by_id(conn, [did])[did]
    return claim_from_facts(ref, name, facts, paris_date(now), settings)


@dataclass(frozen=True)
class PrescribingInvoice:
    debtor_ref: str
    name: str
    segment: str
    invoice_ref: str
    unpaid_cents: int
    last_day_to_act: date

    def to_json(self) -> dict[str, Any]:
        return {
            "debtor_ref": self.debtor_ref,
            "name": self.name,
            "segment": self.segment,
            "invoice_ref": self.invoice_ref,
            "unpaid": _cents_json(self.unpaid_cents),
            "last_day_to_act": self.last_day_to_act.isoformat(),
        }


def prescribing_soon(store: Store, *, now: datetime, within_days: int) -> list[PrescribingInvoice]:
    """Unpaid invoices whose last day to act falls within `within_days` days (act before it
    is too late), soonest first. Only debtors with an open invoice old enough are read."""
    today = paris_date(now)
    horizon = {seg: oldest_due_watched(seg, today, within_days).isoformat() for seg in PRESCRIPTION_YEARS}
    out: list[PrescribingInvoice] = []
    with store.read() as conn:
        ids = sql.possibly_prescribed(conn, horizon["B2C"], horizon["B2B"])
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            facts = sql.facts_by_id(conn, chunk)
            names = sql.refs_and_names(conn, chunk)
            for did in chunk:
                ref, name = names[did]
                for inv_ref, unpaid, last in prescribing_within(facts[did], today, within_days):
                    out.append(PrescribingInvoice(ref, name, facts[did].segment, inv_ref, unpaid, last))
    return sorted(out, key=lambda p: (p.last_day_to_act, p.debtor_ref, p.invoice_ref))


def _note(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    if len(cleaned) > NOTE_MAX:
        raise LegalError(f"note trop longue ({len(cleaned)} caractères, {NOTE_MAX} au plus)")
    return cleaned or None


def record_acknowledgment(
    store: Store,
    actor: Agent,
    ref: str,
    *,
    on: date,
    note: str | None = None,
    now: datetime,
    settings: Settings | None = None,
) -> int:
    """A written acknowledgment of debt received on `on` (C. civ. 2240: restarts the
    prescription period): an inbound letter event with outcome `acknowledgment`. A lead, or
    an agent on a debtor of their portfolio or of the pool. Returns the event id."""
    if not actor.active:
        raise LegalError(f"l'accès de « {actor.login} » est désactivé")
    if on > paris_date(now):
        raise LegalError(f"la date de la reconnaissance de dette ({on:%d/%m/%Y}) est dans le futur")
    why = _note(note)
    at = datetime.combine(on, time(0), PARIS).astimezone(UTC)
    with store.write() as conn:
        did, _, agent = _debtor_id(conn, ref)
        require_visible(conn, actor, ref, agent)
        event_id = lead_sql.insert_lead_event(
            conn,
            debtor_id=did,
            at=to_db(at),
            has_time=False,
            channel=Channel.LETTER,
            direction=Direction.IN,
            outcome=ACKNOWLEDGMENT_OUTCOME,
            kind=classify(Channel.LETTER, Direction.IN, ACKNOWLEDGMENT_OUTCOME).value,
            agent=actor.login,
            note=why or "reconnaissance de dette écrite",
            source="lead" if actor.is_lead else "agent",
            created_at=to_db(now),
        )
        history_written(conn, on, now=now)  # a response dated `on`, maybe weeks ago
        rescore(conn, [did], now=now, settings=settings or Settings())
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="acknowledgment",
            entity="debtor",
            entity_ref=ref,
            details={"on": on.isoformat(), "event_id": event_id, "note": why},
        )
    return event_id


def set_overindebted(
    store: Store, actor: Agent, ref: str, *, since: date | None, note: str | None = None, now: datetime
) -> None:
    """Record (or, with `since=None`, lift) the admissibility of a B2C debtor's
    over-indebtedness file: every chase stops from that date (C. conso L722-2). Lead only."""
    require_lead(actor, "déclarer un surendettement")
    if since is not None and since > paris_date(now):
        raise LegalError(f"la date de recevabilité ({since:%d/%m/%Y}) est dans le futur")
    why = _note(note)
    with store.write() as conn:
        did, _, _ = _debtor_id(conn, ref)
        segment, previous = conn.execute(
            "SELECT segment, overindebted_since FROM debtors WHERE id = ?", (did,)
        ).fetchone()
        if since is not None and segment != Segment.B2C:
            raise LegalError(
                f"{ref} est un professionnel : la procédure de surendettement ne concerne que les particuliers"
            )
        sql.set_overindebted(conn, did, since.isoformat() if since else None, to_db(now))
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="overindebted" if since else "overindebted_lifted",
            entity="debtor",
            entity_ref=ref,
            details={"since": since.isoformat() if since else None, "previous": previous, "note": why},
        )


def overindebted_debtors(store: Store) -> list[tuple[str, str, str]]:
    """(ref, name, since) of the debtors under an over-indebtedness procedure (for doctor)."""
    with store.read() as conn:
        return sql.overindebted(conn)
