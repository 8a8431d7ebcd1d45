"""The promises screens' pure model: the sections and the allocation explained (no Textual, no SQL).

Sections, evaluated at the date T of `now` in Paris (docs/rules.md, "Promise status"):
- « à échéance aujourd'hui »: a live promise with an unpaid instalment due on or before T and
  still within its grace days (after them it is missed, and the promise broken);
- « manquées »: broken promises;
- « à venir »: live promises whose unpaid instalments are all due after T;
- « tenues cette semaine »: kept promises whose last due date is in T's ISO week;
- « annulées »: cancelled by a user (with the reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from ...domain.codes import InstalmentStatus, PromiseStatus
from ...services.promise_tracking import PromiseView

SECTION_CAP = 200  # rows shown per section; the rest is counted (« … N de plus »)

# key → French title, in the order of the keys 1…5
SECTIONS: dict[str, str] = {
    "due": "à échéance aujourd'hui",
    "missed": "manquées",
    "upcoming": "à venir",
    "kept": "tenues cette semaine",
    "cancelled": "annulées",
}

ALL_AGENTS = "*"  # agent filter: every agent
NO_AGENT = ""  # agent filter: promises recorded without an agent (imported)


@dataclass
class Section:
    key: str
    title: str
    rows: list[PromiseView]  # at most SECTION_CAP, in display order
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class PromiseBoard:
    today: date
    sections: dict[str, Section]
    agents: list[str]  # who recorded the visible promises (NO_AGENT when some have none)


def unpaid(view: PromiseView) -> list[tuple[int, date, int, str, int]]:
    """(n°, due, amount, status, allocated) of the instalments not paid, in due-date order."""
    return [
        (n, due, amount, status, allocated)
        for n, (due, amount, status, allocated) in enumerate(view.instalments, start=1)
        if status != InstalmentStatus.PAID
    ]


def next_due(view: PromiseView) -> tuple[date, int, bool] | None:
    """The first instalment not paid: due date, amount still owed, missed (None when all are paid)."""
    left = unpaid(view)
    if not left:
        return None
    _n, due, amount, status, allocated = left[0]
    return due, max(amount - allocated, 0), status == InstalmentStatus.MISSED


def section_of(view: PromiseView, today: date) -> str | None:
    if view.status == PromiseStatus.CANCELLED:
        return "cancelled"
    if view.status == PromiseStatus.BROKEN:
        return "missed"
    if view.status == PromiseStatus.KEPT:
        monday = today - timedelta(days=today.weekday())
        return "kept" if monday <= view.last_due <= monday + timedelta(days=6) else None
    if any(due <= today for _n, due, _a, status, _al in unpaid(view) if status == InstalmentStatus.PENDING):
        return "due"
    return "upcoming"


def _first_missed(view: PromiseView) -> date:
    missed = [due for due, _a, status, _al in view.instalments if status == InstalmentStatus.MISSED]
    return min(missed) if missed else view.last_due


def _sort_key(key: str, view: PromiseView) -> tuple[object, ...]:
    nd = next_due(view)
    if key in ("due", "upcoming"):
        return (nd[0] if nd else view.last_due, view.debtor_ref, view.ref)
    if key == "missed":  # the most recently broken first
        return (-_first_missed(view).toordinal(), view.debtor_ref, view.ref)
    return (view.last_due, view.debtor_ref, view.ref)


def agent_matches(view: PromiseView, agent: str) -> bool:
    if agent == ALL_AGENTS:
        return True
    if agent == NO_AGENT:
        return view.agent is None
    return view.agent == agent


def build_board(
    views: Iterable[PromiseView], today: date, *, agent: str = ALL_AGENTS, cap: int = SECTION_CAP
) -> PromiseBoard:
    """Sort the promises into the sections (each capped at `cap` rows, the rest counted)."""
    buckets: dict[str, list[PromiseView]] = {key: [] for key in SECTIONS}
    agents: set[str] = set()
    for v in views:
        agents.add(v.agent if v.agent is not None else NO_AGENT)
        if not agent_matches(v, agent):
            continue
        key = section_of(v, today)
        if key is not None:
            buckets[key].append(v)
    sections = {}
    for key, title in SECTIONS.items():
        if key == "cancelled":  # the latest recorded first
            rows = sorted(buckets[key], key=lambda v: (v.created_at, v.ref), reverse=True)
        else:
            rows = sorted(buckets[key], key=partial(_sort_key, key))
        sections[key] = Section(key, title, rows[:cap], len(rows))
    ordered = sorted(a for a in agents if a != NO_AGENT)
    if NO_AGENT in agents:
        ordered.append(NO_AGENT)
    return PromiseBoard(today, sections, ordered)


# --- allocation explained ---------------------------------------------------------------


@dataclass
class PaymentUse:
    """One payment of the debtor and what it paid on the promise."""

    on: date
    amount_cents: int
    parts: list[tuple[int, int, bool]] = field(default_factory=list)  # (instalment n°, cents, within grace)
    excess_cents: int = 0  # left once every instalment was full: not counted


@dataclass
class Allocation:
    used: list[PaymentUse]  # payments dated from the recording day to T, in date order
    earlier: int  # payments dated before the recording day (they settled something else)
    later: int  # payments dated after T (not known yet on T)
    allocated: list[int]  # per instalment, like `evaluate_promise`


def allocate(
    recorded_on: date,
    instalments: Sequence[tuple[date, int]],
    payments: Sequence[tuple[date, int]],
    today: date,
    *,
    grace_days: int,
) -> Allocation:
    """The fill order of `domain.promises.evaluate_promise`, payment by payment.

    Payments dated on or after the recording day (and not after T), in date order, fill the
    instalments in due-date order: the first, then the next.
    """
    order = sorted(range(len(instalments)), key=lambda i: instalments[i][0])
    dues = [instalments[i] for i in order]
    deadlines = [due + timedelta(days=grace_days) for due, _ in dues]
    allocated = [0] * len(dues)
    eligible = sorted(
        (p for p in payments if recorded_on <= p[0] <= today and p[1] > 0),
        key=lambda p: p[0],
    )
    used: list[PaymentUse] = []
    idx = 0
    for on, amount in eligible:
        use = PaymentUse(on, amount)
        left = amount
        while left > 0 and idx < len(dues):
            take = min(dues[idx][1] - allocated[idx], left)
            if take > 0:
                allocated[idx] += take
                use.parts.append((idx + 1, take, on <= deadlines[idx]))
                left -= take
            if allocated[idx] >= dues[idx][1]:
                idx += 1
        use.excess_cents = left
        used.append(use)
    earlier = sum(1 for on, amount in payments if on < recorded_on and amount > 0)
    later = sum(1 for on, amount in payments if on > today and amount > 0)
    by_input = [0] * len(dues)
    for pos, i in enumerate(order):
        by_input[i] = allocated[pos]
    return Allocation(used, earlier, later, by_input)
