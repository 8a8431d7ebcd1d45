"""« Soldes créditeurs »: debtors the ledger owes money to (overpaid, an advance not yet
applied, a credit note larger than what is due). They are never offered to call (the queue
takes positive balances only); the lead sees them to refund or apply the credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..store import ledger as ledger_sql
from ..store.agents import Agent
from ..store.db import Store
from .roles import require_lead


@dataclass(frozen=True)
class CreditBalance:
    ref: str
    name: str
    balance_cents: int  # negative
    agent: str | None
    last_payment: date | None


def credit_balances(store: Store, actor: Agent, *, limit: int = 1000) -> list[CreditBalance]:
    require_lead(actor, "voir les soldes créditeurs")
    with store.read() as conn:
        rows = ledger_sql.credit_balance_rows(conn, limit)
    return [
        CreditBalance(ref, name, int(balance), agent, date.fromisoformat(last[:10]) if last else None)
        for ref, name, balance, agent, last in rows
    ]
