"""Which weeks' wear figures may be kept, and which writes make them stale (docs/rules.md,
"Stored weeks of the wear trend"). Pure: `today` is passed in.

A week's trend figures (active, worn ∩ active) depend on the history dated up to its
Sunday S (events, payments, promises) and on the balance at S, which
`store.wear` rolls back from today's balance. Written out, the balance at S is

    invoices dated ≤ S − payments dated ≤ S − (settled parts of invoices − of payments)

where a row's settled part is its amount when lettered, else its `lettered_cents`: the
only term not tied to a date. Hence:

- a history row written, changed or removed with date D (before or after the change)
  can only change weeks whose Sunday is ≥ D;
- a change of a debtor's settled parts (lettering without a matching row on the other
  side) changes every week: `ALL_WEEKS`.
"""

from __future__ import annotations

from datetime import date, timedelta

from .config import WearRules

# Bump when the computation of a week's figures changes: every stored week is then stale.
FORMULA_VERSION = 1

# "Every week": the earliest possible date, for changes that are not tied to a date.
ALL_WEEKS = date.min


def trend_fingerprint(rules: WearRules) -> str:
    """The settings that shape a week's (active, worn) figures, and the formula's version:
    a stored week computed under another fingerprint is recomputed."""
    return (
        f"v{FORMULA_VERSION};min_streak={rules.min_streak};min_streak_age_days={rules.min_streak_age_days};"
        f"active_window_days={rules.active_window_days}"
    )


def week_sunday(day: date) -> date:
    """The Sunday that ends `day`'s ISO week."""
    return day + timedelta(days=6 - day.weekday())


def is_closed(sunday: date, today: date) -> bool:
    """A week is closed once it has ended before today's week: its Sunday is before today
    (Paris). Its figures may then be stored; the open week is always computed live."""
    return sunday < today


def reaches_closed_weeks(day: date, today: date) -> bool:
    """Whether a write dated `day` may change a week that a report running now (or just
    after midnight) treats as closed: its week is over or ends today. A write dated today
    in a week that ends later never does, so recording an outcome costs no bookkeeping
    (except on Sundays)."""
    return day == ALL_WEEKS or week_sunday(day) <= today


def earliest(*days: date | None) -> date | None:
    """The earliest of the dates given (None when none is)."""
    known = [d for d in days if d is not None]
    return min(known) if known else None


class HistoryChange:
    """What a write does to the wear history, accumulated row by row: the earliest date
    of a dated change, and each debtor's net change of settled parts (invoices count
    negative, payments positive: the balance moves by that much at every week)."""

    __slots__ = ("_all", "_earliest", "_settled")

    def __init__(self) -> None:
        self._earliest: date | None = None
        self._settled: dict[int, int] = {}
        self._all = False

    def dated(self, *days: date | None) -> None:
        """Rows dated `days` (old and new dates of a changed row) were written."""
        self._earliest = earliest(self._earliest, *days)

    def settled(self, debtor_id: int, delta: int) -> None:
        if delta:
            self._settled[debtor_id] = self._settled.get(debtor_id, 0) + delta

    def all_weeks(self) -> None:
        """Some debtor's settled parts moved (found by the caller, e.g. in SQL)."""
        self._all = True

    def merge(self, other: HistoryChange) -> None:
        self.dated(other._earliest)
        self._all = self._all or other._all
        for debtor_id, delta in other._settled.items():
            self.settled(debtor_id, delta)

    def since(self) -> date | None:
        """The earliest day whose weeks may have changed: `ALL_WEEKS` when some debtor's
        settled parts moved, None when nothing the wear figures read changed."""
        if self._all or any(self._settled.values()):
            return ALL_WEEKS
        return self._earliest


def settled_part(lettered: int | bool, amount_cents: int, lettered_cents: int) -> int:
    """The part of an invoice or payment that lettering takes out of today's balance."""
    return amount_cents if lettered else lettered_cents
