"""Invalidate on write: every service that writes wear history (events, payments,
invoices, promises) calls `history_written` in its own transaction, with the earliest date
it wrote (docs/rules.md "Stored weeks of the wear trend")."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from ..domain.dates import paris_date
from ..domain.wear_weeks import reaches_closed_weeks
from ..store.wear_weeks import invalidate_from


def history_written(conn: sqlite3.Connection, since: date | None, *, now: datetime) -> int:
    """Forget the stored weeks a write dated `since` (None: nothing dated) may have changed;
    returns how many were forgotten."""
    if since is None:
        return 0
    return invalidate_from(conn, since, reaches_closed=reaches_closed_weeks(since, paris_date(now)))
