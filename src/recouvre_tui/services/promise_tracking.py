"""Promise use cases: evaluate (after payments, nightly), record, cancel, list."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.codes import PromiseStatus
from ..domain.config import Settings
from ..domain.dates import paris_date, parse_iso_week, to_db
from ..domain.promises import InstalmentIn, PaymentIn, evaluate_promise
from ..domain.text import strip_control_chars
from ..store import audit
from ..store import promises as sql
from ..store.agents import Agent
from ..store.db import Store
from .roles import PermissionDenied, acting, agent_in_scope, may_cancel_promise, scope
from .scoring import rescore


@dataclass
class PromiseUpdate:
    promise_id: int
    debtor_id: int
    status: str
    paid_cents: int
    broken_on: str | None
    instalments: list[tuple[str, int, int]]  # (status, allocated, instalment id)


@dataclass
class PromiseEvaluation:
    """What evaluating the promises of some debtors found; `save` writes what changed."""

    evaluated_on: str
    updates: list[PromiseUpdate] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"kept": 0, "broken": 0, "pending": 0, "newly_broken": 0})
    broken_by_debtor: dict[int, int] = field(default_factory=dict)  # broken promises, now

    def save(self, conn: sqlite3.Connection, *, skip: set[int] | None = None) -> None:
        for u in self.updates:
            if skip and u.debtor_id in skip:
                continue
            sql.save_promise_status(
                conn,
                u.promise_id,
                status=u.status,
                paid_cents=u.paid_cents,
                broken_on=u.broken_on,
                evaluated_on=self.evaluated_on,
                instalments=u.instalments,
            )


def compute_promises(
    conn: sqlite3.Connection,
    debtor_ids: Iterable[int] | range | None,
    *,
    now: datetime,
    settings: Settings,
) -> PromiseEvaluation:
    """Evaluate the (non-cancelled) promises of those debtors; reads only."""
    today = paris_date(now)
    rows = sql.load_promises(conn, debtor_ids)
    payments = sql.payments_by_debtor(conn, {r.debtor_id for r in rows})
    ev = PromiseEvaluation(today.isoformat())
    for row in rows:
        result = evaluate_promise(
            date.fromisoformat(row.recorded_on),
            [InstalmentIn(date.fromisoformat(d), a) for _, d, a, _, _ in row.instalments],
            [PaymentIn(date.fromisoformat(on), a) for on, a in payments.get(row.debtor_id, [])],
            today,
            grace_days=settings.promises.grace_days,
        )
        ev.counts[result.status.value] += 1
        if result.status == PromiseStatus.BROKEN:
            ev.broken_by_debtor[row.debtor_id] = ev.broken_by_debtor.get(row.debtor_id, 0) + 1
            if row.status != PromiseStatus.BROKEN:
                ev.counts["newly_broken"] += 1
        inst = [(r.status.value, r.allocated_cents, row.instalments[r.seq - 1][0]) for r in result.instalments]
        unchanged = (
            row.status == result.status.value
            and row.paid_cents == result.paid_cents
            and [(s, a) for s, a, _ in inst] == [(i[3], i[4]) for i in row.instalments]
        )
        if not unchanged:
            ev.updates.append(
                PromiseUpdate(
                    row.id,
                    row.debtor_id,
                    result.status.value,
                    result.paid_cents,
                    result.broken_on.isoformat() if result.broken_on else None,
                    inst,
                )
            )
    return ev


def evaluate_promises(
    conn: sqlite3.Connection,
    debtor_ids: Iterable[int] | range | None,
    *,
    now: datetime,
    settings: Settings,
) -> dict[str, int]:
    """Re-evaluate the (non-cancelled) promises of those debtors; save what changed."""
    ev = compute_promises(conn, debtor_ids, now=now, settings=settings)
    ev.save(conn)
    return ev.counts


# --- listing, cancelling, weekly figures -----------------------------------------------------


class PromiseError(Exception):
    """A promise problem for the user (French)."""


class PromiseAccessDenied(PromiseError, PermissionDenied):
    """The promise is on a debtor the agent may not see."""


@dataclass
class PromiseView:
    ref: str
    debtor_ref: str
    name: str
    agent: str | None
    created_at: str
    status: str  # evaluated at `now` (cancelled stays cancelled)
    total_cents: int
    paid_cents: int
    instalments: list[tuple[date, int, str, int]]  # (due date, amount, status, allocated)
    last_due: date
    cancel_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "promise_ref": self.ref,
            "debtor_ref": self.debtor_ref,
            "name": self.name,
            "agent": self.agent,
            "created_at": self.created_at,
            "status": self.status,
            "total": round(self.total_cents / 100, 2),
            "paid_amount": round(self.paid_cents / 100, 2),
            "instalments": [
                {"due_date": d.isoformat(), "amount": round(a / 100, 2), "status": st}
                for d, a, st, _al in self.instalments
            ],
            "cancel_reason": self.cancel_reason,
        }


def _views(
    rows: list[dict[str, Any]], payments: dict[int, list[tuple[str, int]]], today: date, settings: Settings
) -> list[PromiseView]:
    out = []
    for r in rows:
        if not r["instalments"]:
            continue
        cancelled = r["stored_status"] == PromiseStatus.CANCELLED
        result = evaluate_promise(
            date.fromisoformat(r["recorded_on"]),
            [InstalmentIn(date.fromisoformat(d), a) for d, a in r["instalments"]],
            [PaymentIn(date.fromisoformat(on), a) for on, a in payments.get(r["debtor_id"], [])],
            today,
            grace_days=settings.promises.grace_days,
            cancelled=cancelled,
        )
        out.append(
            PromiseView(
                ref=r["ref"],
                debtor_ref=r["debtor_ref"],
                name=r["name"],
                agent=r["agent"],
                created_at=r["created_at"],
                status=result.status.value,
                total_cents=result.total_cents,
                paid_cents=result.paid_cents,
                instalments=[(i.due, i.amount_cents, i.status.value, i.allocated_cents) for i in result.instalments],
                last_due=result.last_due,
                cancel_reason=r["cancel_reason"],
            )
        )
    return out


def list_promises(
    store: Store,
    viewer: Agent,
    *,
    now: datetime,
    settings: Settings,
    status: str | None = None,
    agent: str | None = None,
) -> list[PromiseView]:
    """Promises evaluated at `now`; an agent sees those of their portfolio and the pool."""
    with store.read() as conn:
        rows, payments = sql.list_with_payments(conn, agent=agent, visible_to=scope(conn, viewer))
    views = _views(rows, payments, paris_date(now), settings)
    return [v for v in views if status is None or v.status == status]


def cancel_promise(store: Store, actor: Agent, ref: str, *, reason: str, now: datetime, settings: Settings) -> None:
    """Cancel a promise (reason required, audited); the debtor's queue state follows."""
    reason = strip_control_chars(reason or "").strip()  # typed text: no terminal controls
    if not reason:
        raise PromiseError("le motif d'annulation est obligatoire")
    with store.write() as conn:
        found = sql.find(conn, ref)
        if found is None:
            raise PromiseError(f"promesse inconnue « {ref} »")
        actor = acting(conn, actor)
        promise_id, debtor_id, status, assigned, recorded_by = found
        if not may_cancel_promise(scope(conn, actor), actor, recorded_by, assigned):
            if actor.is_lead:
                raise PromiseAccessDenied(f"la promesse {ref} relève d'une autre équipe")
            raise PromiseAccessDenied(
                f"la promesse {ref} a été enregistrée par un collègue : "
                "seul son auteur ou un responsable peut l'annuler"
            )
        if status == PromiseStatus.CANCELLED:
            raise PromiseError(f"la promesse {ref} est déjà annulée")
        stamp = to_db(now)
        sql.cancel(conn, promise_id, at=stamp, by=actor.login, reason=reason)
        sql.refresh_priority_class(conn, [debtor_id])
        rescore(conn, [debtor_id], now=now, settings=settings)
        audit.record(
            conn,
            now=now,
            actor=actor.login,
            action="promise_cancel",
            entity="debtor",
            entity_ref=sql.debtor_ref_of(conn, debtor_id),
            details={"promise": ref, "reason": reason, "previous_status": status},
        )


@dataclass
class PromiseFigures:
    week: str
    agent: str
    recorded: int = 0  # promises recorded in the week (not cancelled)
    promised_cents: int = 0
    kept: int = 0  # promises whose last due date + grace falls in the week, kept at `now`
    broken: int = 0
    collected_cents: int = 0  # paid on those promises

    @property
    def kept_rate(self) -> float | None:
        return self.kept / (self.kept + self.broken) if self.kept + self.broken else None

    @property
    def broken_rate(self) -> float | None:
        return self.broken / (self.kept + self.broken) if self.kept + self.broken else None


def promise_figures(
    store: Store, actor: Agent, *, week: str, now: datetime, settings: Settings
) -> list[PromiseFigures]:
    """Per agent (who recorded the promises) for an ISO week (Paris): recorded, kept, broken.

    Kept rate = kept / (kept + broken) over the promises whose last due date + grace falls
    in the week (docs/rules.md, "Promise status"), evaluated at `now`. A lead sees every agent,
    an agent only their own figures.
    """
    monday, sunday = parse_iso_week(week)
    grace = timedelta(days=settings.promises.grace_days)
    with store.read() as conn:
        s = scope(conn, actor)
        rows, payments = sql.list_with_payments(conn, agent=None if actor.is_lead else actor.login)
    # A lead: the agents of their team (`roles.scope`); an agent: their own figures.
    rows = [r for r in rows if r["agent"] is None or agent_in_scope(s, r["agent"])]
    figures: dict[str, PromiseFigures] = {}
    for v, r in zip(
        _views(rows, payments, paris_date(now), settings), [r for r in rows if r["instalments"]], strict=True
    ):
        if v.agent is None or v.status == PromiseStatus.CANCELLED:
            continue
        f = figures.setdefault(v.agent, PromiseFigures(week, v.agent))
        if monday <= date.fromisoformat(r["recorded_on"]) <= sunday:
            f.recorded += 1
            f.promised_cents += v.total_cents
        if monday <= v.last_due + grace <= sunday and v.status in (PromiseStatus.KEPT, PromiseStatus.BROKEN):
            if v.status == PromiseStatus.KEPT:
                f.kept += 1
            else:
                f.broken += 1
            f.collected_cents += v.paid_cents
    return [figures[a] for a in sorted(figures)]
