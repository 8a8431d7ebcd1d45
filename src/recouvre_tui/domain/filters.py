"""The debtor filter shared by the work queue, the lead's review and bulk reassignment.

One rule for every bound, stated in docs/rules.md ("Debtor filter"): each minimum and each
maximum is inclusive. `matches` is that rule in Python (for debtors already loaded, such as
due callbacks); `store.filters.filter_where` is the same rule in SQL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

BLOCKED_CHOICES = ("hold", "do_not_call", "dispute", "any", "none")


@dataclass(frozen=True)
class DebtorFilter:
    """Which debtors (with open balance) a queue page, a review or a bulk reassignment is about.

    Every bound is inclusive. `agent` and `pool` are exclusive of each other. Days past due =
    today − the oldest open due date (0 when there is none), as in the work queue.
    """

    agent: str | None = None  # this agent's portfolio
    pool: bool = False  # the team pool (debtors assigned to nobody)
    segment: str | None = None  # "B2B" / "B2C"
    overseas: bool | None = None  # True: area 97x (DROM); False: metropolitan France
    blocked: str | None = None  # hold / do_not_call / dispute / any (one of them) / none
    min_balance_cents: int | None = None
    max_balance_cents: int | None = None
    min_days_past_due: int | None = None
    max_days_past_due: int | None = None
    # Set by the services, never by the user: the lead's team (logins whose portfolios are
    # visible, plus the pool); None = every debtor. Not a criterion (`is_empty`, `to_json`).
    scope: tuple[str, ...] | None = field(default=None, compare=False)

    def is_empty(self) -> bool:
        return self == DebtorFilter()

    def to_json(self) -> dict[str, Any]:
        """Only the criteria set (for the audit trail and JSON output)."""
        return {k: v for k, v in asdict(self).items() if k != "scope" and v is not None and v is not False}


@dataclass(frozen=True)
class DebtorFacts:
    """What the filter looks at in a debtor."""

    agent: str | None
    segment: str
    area: str
    balance_cents: int
    oldest_due: str | None  # ISO date of the oldest open due date
    on_hold: bool
    do_not_call: bool
    dispute_open: bool


def days_past_due(oldest_due: str | None, today: date) -> int:
    """today − the oldest open due date, in days; 0 when there is none or it is in the future."""
    if oldest_due is None:
        return 0
    return max(0, (today - date.fromisoformat(oldest_due[:10])).days)


def _blocked(flt: DebtorFilter, d: DebtorFacts) -> bool:
    flags = {"hold": d.on_hold, "do_not_call": d.do_not_call, "dispute": d.dispute_open}
    if flt.blocked in flags:
        return flags[flt.blocked]
    if flt.blocked == "any":
        return any(flags.values())
    if flt.blocked == "none":
        return not any(flags.values())
    return True


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def matches(flt: DebtorFilter, d: DebtorFacts, today: date) -> bool:
    """True when the filter selects this debtor (open balance, every criterion, bounds inclusive)."""
    if d.balance_cents <= 0:
        return False
    if flt.pool and d.agent is not None:
        return False
    if not flt.pool and flt.agent is not None and d.agent != flt.agent:
        return False
    if flt.scope is not None and d.agent is not None and d.agent not in flt.scope:
        return False
    if flt.segment and d.segment != flt.segment:
        return False
    if flt.overseas is not None and d.area.startswith("97") != flt.overseas:
        return False
    if not _blocked(flt, d):
        return False
    if not _within(d.balance_cents, flt.min_balance_cents, flt.max_balance_cents):
        return False
    return _within(days_past_due(d.oldest_due, today), flt.min_days_past_due, flt.max_days_past_due)
