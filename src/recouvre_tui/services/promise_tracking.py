"""Promise use cases: evaluate (after payments, nightly), record, cancel, list."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.codes import PromiseStatus
from ..domain.config import Settings
from ..domain.dates import paris_date, parse_iso_week, to_db
from ..domain.promises import InstalmentIn, PaymentIn, evaluate_promise, kept_rate
from ..store import audit
from ..store import promises as sql
from ..store.agents import Agent
from ..store.db import Store


def evaluate_promises(
    conn: sqlite3.Connection,
    debtor_ids: Iterable[int] | range | None,
    *,
    now: datetime,
    settings: Settings,
) -> dict[str, int]:
    """Re-evaluate the (non-cancelled) promises of those debtors; save what changed."""
    today = paris_date(now)
    rows = sql.load_promises(conn, debtor_ids)
    payments = sql.payments_by_debtor(conn, {r.debtor_id for r in rows})
    counts = {"kept": 0, "broken": 0, "pending": 0, "newly_broken": 0}
    for row in rows:
        result = evaluate_promise(
            date.fromisoformat(row.recorded_on),
            [InstalmentIn(date.fromisoformat(d), a) for _, d, a, _, _ in row.instalments],
            [PaymentIn(date.fromisoformat(on), a) for on, a in payments.get(row.debtor_id, [])],
            today,
            grace_days=settings.promises.grace_days,
        )
        counts[result.status.value] += 1
        if result.status == PromiseStatus.BROKEN and row.status != PromiseStatus.BROKEN:
            counts["newly_broken"] += 1
        inst = [(r.status.value, r.allocated_cents, row.instalments[r.seq - 1][0]) for r in result.instalments]
        unchanged = (
            row.status == result.status.value
            and row.paid_cents == result.paid_cents
            and [(s, a) for s, a, _ in inst] == [(i[3], i[4]) for i in row.instalments]
        )
        if not unchanged:
            sql.save_promise_status(
                conn,
                row.id,
                status=result.status.value,
                paid_cents=result.paid_cents,
                broken_on=result.broken_on.isoformat() if result.broken_on else None,
                evaluated_on=today.isoformat(),
                instalments=inst,
            )
    return counts


@dataclass
class PromiseView:
    ref: str
    debtor_ref: str
    name: str
    agent: str | None
    recorded_on: date
    total_cents: int
    status: str
    paid_cents: int
    instalments: list[tuple[date, int, str, int]]  # (due, amount, status, allocated)
    last_due: date
    broken_on: date | None
    cancel_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "promise_ref": self.ref,
            "debtor_ref": self.debtor_ref,
            "name": self.name,
            "agent": self.agent,
            "recorded_on": self.recorded_on.isoformat(),
            "status": self.status,
            "total": round(self.total_cents / 100, 2),
            "paid_amount": round(self.paid_cents / 100, 2),
            "broken_on": self.broken_on.isoformat() if self.broken_on else None,
            "instalments": [
                {
                    "due_date": d.isoformat(),
                    "amount": round(a / 100, 2),
                    "status": s,
                    "allocated": round(al / 100, 2),
                }
                for d, a, s, al in self.instalments
            ],
        }


def list_promises(
    store: Store,
    viewer: Agent,
    *,
    now: datetime,
    settings: Settings,
    status: str | None = None,
    agent: str | None = None,
) -> list[PromiseView]:
    """Promises evaluated live at `now` (read only): an agent sees their debtors', a lead all."""
    today = paris_date(now)
    with store.read() as conn:
        rows, payments = sql.list_with_payments(conn, agent=agent, visible_to=None if viewer.is_lead else viewer.login)
    out = []
    for r in rows:
        if not r["instalments"]:
            continue
        recorded = date.fromisoformat(r["recorded_on"])
        if recorded > today:
            continue  # recorded after the evaluation date: unknown at `now`
        res = evaluate_promise(
            recorded,
            [InstalmentIn(date.fromisoformat(d), a) for d, a in r["instalments"]],
            [PaymentIn(date.fromisoformat(on), a) for on, a in payments.get(r["debtor_id"], [])],
            today,
            grace_days=settings.promises.grace_days,
            cancelled=r["stored_status"] == PromiseStatus.CANCELLED,
        )
        view = PromiseView(
            r["ref"],
            r["debtor_ref"],
            r["name"],
            r["agent"],
            recorded,
            res.total_cents,
            res.status.value,
            res.paid_cents,
            [(i.due, i.amount_cents, i.status.value, i.allocated_cents) for i in res.instalments],
            res.last_due,
            res.broken_on,
            r["cancel_reason"],
        )
        if status is None or view.status == status:
            out.append(view)
    return out


def cancel_promise(store: Store, actor: Agent, ref: str, *, reason: str, now: datetime, settings: Settings) -> None:
    """Cancel with a reason (audited); an agent only on their debtors, a lead on any."""
    if not reason.strip():
        raise PromiseError("le motif d'annulation est obligatoire")
    with store.write() as conn:
        found = sql.find(conn, ref)
        if found is None:
            raise PromiseError(f"promesse inconnue « {ref} »")
        pid, debtor_id, status, owner = found
        if not actor.is_lead and owner not in (None, actor.login):
            raise PromiseError(f"la promesse {ref} concerne un débiteur hors de votre portefeuille")
        if status == PromiseStatus.CANCELLED:
            raise PromiseError(f"la promesse {ref} est déjà annulée")
        sql.cancel(conn, pid, at=to_db(now), by=actor.login, reason=reason.strip())
        sql.refresh_priority_class(conn, [debtor_id])
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="promise_cancel",
            entity="promise",
            entity_ref=ref,
            details={"reason": reason.strip(), "previous_status": status},
        )


@dataclass
class PromiseFigures:
    agent: str
    week: str
    recorded: int = 0
    promised_cents: int = 0
    kept: int = 0
    broken: int = 0
    collected_cents: int = 0  # paid on the promises that fell due this week

    @property
    def kept_rate(self) -> float | None:
        return kept_rate(["kept"] * self.kept + ["broken"] * self.broken)

    @property
    def broken_rate(self) -> float | None:
        n = self.kept + self.broken
        return None if n == 0 else self.broken / n


def promise_figures(
    store: Store, viewer: Agent, *, week: str, now: datetime, settings: Settings
) -> list[PromiseFigures]:
    """Per agent for the ISO week: promises recorded (count, amount) and, over promises whose
    last due date + grace falls in the week, kept / broken, kept rate, amount collected."""
    monday, sunday = parse_iso_week(week)
    grace = timedelta(days=settings.promises.grace_days)
    views = list_promises(store, viewer, now=now, settings=settings)
    by_agent: dict[str, PromiseFigures] = {}
    for v in views:
        f = by_agent.setdefault(v.agent or "—", PromiseFigures(v.agent or "—", week))
        if monday <= v.recorded_on <= sunday and v.status != PromiseStatus.CANCELLED:
            f.recorded += 1
            f.promised_cents += v.total_cents
        if monday <= v.last_due + grace <= sunday:
            if v.status == PromiseStatus.KEPT:
                f.kept += 1
            elif v.status == PromiseStatus.BROKEN:
                f.broken += 1
            if v.status != PromiseStatus.CANCELLED:
                f.collected_cents += v.paid_cents
    return sorted(by_agent.values(), key=lambda f: f.agent)


class PromiseError(Exception):
    """A promise operation refused (French)."""
