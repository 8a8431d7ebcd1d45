"""Read models for the agent's screens: one debtor's case file, today's figures."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ..domain.areas import Area, area_by_code
from ..domain.callability import local_now
from ..domain.config import Settings
from ..domain.dates import PARIS, from_db, paris_date, to_db
from ..store import case_file as sql
from ..store import legal as legal_sql
from ..store.agents import Agent
from ..store.db import Store
from .legal import DebtorClaim, claim_from_facts
from .roles import PermissionDenied, in_scope, scope


class CaseError(Exception):
    """Unknown debtor or not visible to this agent (French)."""


class CaseAccessDenied(CaseError, PermissionDenied):
    """The debtor is neither in the agent's portfolio nor in the pool."""


@dataclass
class TimelineItem:
    at: datetime  # UTC
    kind: str  # "event", "payment", "promise"
    text: str  # French, e.g. « appel · pas de réponse »
    agent: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseFile:
    debtor: dict[str, Any]
    area: Area
    local_time: datetime
    invoices: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    promises: list[dict[str, Any]]
    callbacks: list[dict[str, Any]]
    timeline: list[TimelineItem]
    components: list[dict[str, Any]]
    # For the call's fact sheet (domain.fact_sheet): the whole ledger and the disputes.
    ledger_invoices: list[dict[str, Any]] = field(default_factory=list)
    ledger_payments: list[dict[str, Any]] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    # Penalties, indemnities and prescription (services/legal.py); None when not computed.
    legal: DebtorClaim | None = None
    viewer_is_lead: bool = False

    @property
    def claimed_balance_cents(self) -> int:
        """The balance less its prescribed invoices (never claimed)."""
        balance = int(self.debtor.get("balance_cents") or 0)
        prescribed = self.legal.statement.prescribed_cents if self.legal else 0
        return balance - min(prescribed, max(balance, 0))

    @property
    def prescribed_refs(self) -> set[str]:
        return {r.invoice_ref for r in self.legal.statement.prescribed} if self.legal else set()

    @property
    def ref(self) -> str:
        return str(self.debtor["ref"])

    @property
    def broken_promises(self) -> int:
        return sum(1 for p in self.promises if p["status"] == "broken")

    @property
    def wear_streak(self) -> int:
        for c in self.components:
            if c.get("code") == "wear":
                detail = str(c.get("detail", ""))
                head = detail.split(" ")[0]
                return int(head) if head.isdigit() else 0
        return 0


def _visible(conn: sqlite3.Connection, agent: Agent, debtor: dict[str, Any]) -> bool:
    """An agent's portfolio, a lead's team's (`roles.scope`), and the pool."""
    return in_scope(scope(conn, agent), debtor["agent"])


def _holds(conn: Any, agent: Agent, debtor_id: int, now: datetime) -> bool:
    from ..domain.dates import to_db
    from ..store import queue as queue_sql

    claim = queue_sql.claim_of(conn, debtor_id)
    return claim is not None and claim[0] == agent.login and claim[1] > to_db(now)


def load_case(store: Store, agent: Agent, ref: str, *, now: datetime, settings: Settings | None = None) -> CaseFile:
    from ..domain.codes import label

    with store.read() as conn:
        d = sql.debtor(conn, ref)
        if d is None:
            raise CaseError(f"débiteur inconnu « {ref} »")
        # A colleague's debtor is open to the agent holding it (a callback handed to the team).
        if not _visible(conn, agent, d) and not _holds(conn, agent, d["id"], now):
            raise CaseAccessDenied(f"le débiteur {ref} n'est pas dans votre portefeuille")
        did = d["id"]
        invoices = sql.invoices(conn, did)
        phones = sql.phones(conn, did)
        promises = sql.promises(conn, did)
        callbacks = sql.open_callbacks(conn, did)
        events = sql.events(conn, did)
        payments = sql.payments(conn, did)
        components = json.loads(sql.score_components(conn, did))
        ledger_invoices = sql.invoices(conn, did, open_only=False)
        ledger_payments = sql.all_payments(conn, did)
        letters = sql.letter_events(conn, did)
        disputes = sql.dispute_invoices(conn, did)
        facts = legal_sql.facts_by_id(conn, [did])[did]
    claim = claim_from_facts(ref, str(d["name"]), facts, paris_date(now), settings or Settings())
    timeline: list[TimelineItem] = []
    for e in events:
        parts = [label(e["channel"])]
        if e["direction"] == "in":
            parts.append("entrant")
        if e["outcome"]:
            parts.append(label(e["outcome"]))
        if e["reason"]:
            parts.append(f"motif : {label(e['reason'])}")
        if e["note"]:
            parts.append(f"« {e['note']} »")
        timeline.append(TimelineItem(from_db(e["at"]) or datetime.min, "event", " · ".join(parts), e["agent"], e))
    for p in payments:
        at = datetime.combine(date.fromisoformat(p["paid_on"]), time(0), PARIS)
        from ..domain.money import format_eur

        timeline.append(TimelineItem(at, "payment", f"paiement {format_eur(p['amount_cents'])}", None, p))
    for p in promises:
        from ..domain.money import format_eur

        n = len(p["instalments"])
        what = "promesse" if n == 1 else f"échéancier {n} échéances"
        timeline.append(
            TimelineItem(
                from_db(p["created_at"]) or datetime.min,
                "promise",
                f"{what} {format_eur(p['total_cents'])} → {label(p['status'])}",
                p["agent"],
                p,
            )
        )
    timeline.sort(key=lambda t: t.at, reverse=True)
    area = area_by_code(d["area"])
    return CaseFile(
        d,
        area,
        local_now(area, now),
        invoices,
        phones,
        promises,
        callbacks,
        timeline,
        components,
        ledger_invoices,
        ledger_payments,
        letters,
        disputes,
        claim,
        agent.is_lead,
    )


def today_figures(store: Store, agent: Agent, *, now: datetime) -> dict[str, int]:
    """Today's (Paris day) calls, right-party contacts, promises and amount promised."""
    day = paris_date(now)
    start = datetime.combine(day, time(0), PARIS)
    with store.read() as conn:
        figures = sql.agent_day_figures(conn, agent.login, to_db(start), to_db(start + timedelta(days=1)))
        figures.update(sql.portfolio_totals(conn, agent.login))
    return figures
