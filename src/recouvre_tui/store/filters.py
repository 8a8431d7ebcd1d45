"""The SQL form of the debtor filter (`domain.filters`): one builder for the work queue, the lead's
review and bulk reassignment, so the three always select the same debtors (docs/rules.md,
"Debtor filter"). Days past due become dates with the caller's `today`: no date arithmetic in SQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..domain.filters import DebtorFilter
from .imports import _in


def filter_where(flt: DebtorFilter, today: date) -> tuple[str, list[Any]]:
    """`WHERE` clause (alias `d`) for a filter; always restricted to debtors with open balance."""
    sql = "d.balance_cents > 0"
    params: list[Any] = []
    if flt.pool:
        sql += " AND d.agent IS NULL"
    elif flt.agent is not None:
        sql += " AND d.agent = ?"
        params.append(flt.agent)
    if flt.segment:
        sql += " AND d.segment = ?"
        params.append(flt.segment)
    if flt.overseas is True:
        sql += " AND d.area LIKE '97%'"
    elif flt.overseas is False:
        sql += " AND d.area NOT LIKE '97%'"
    if flt.blocked == "hold":
        sql += " AND d.on_hold = 1"
    elif flt.blocked == "do_not_call":
        sql += " AND d.do_not_call = 1"
    elif flt.blocked == "dispute":
        sql += " AND d.dispute_open = 1"
    elif flt.blocked == "any":
        sql += " AND (d.on_hold = 1 OR d.do_not_call = 1 OR d.dispute_open = 1)"
    elif flt.blocked == "none":
        sql += " AND d.on_hold = 0 AND d.do_not_call = 0 AND d.dispute_open = 0"
    if flt.min_balance_cents is not None:
        sql += " AND d.balance_cents >= ?"
        params.append(flt.min_balance_cents)
    if flt.max_balance_cents is not None:
        sql += " AND d.balance_cents <= ?"
        params.append(flt.max_balance_cents)
    if flt.scope is not None:
        if flt.scope:
            sql += f" AND (d.agent IS NULL OR d.agent IN ({_in(len(flt.scope))}))"
            params.extend(flt.scope)
        else:
            sql += " AND d.agent IS NULL"
    if flt.min_days_past_due is not None and flt.min_days_past_due > 0:
        sql += " AND d.oldest_due IS NOT NULL AND d.oldest_due <= ?"
        params.append((today - timedelta(days=flt.min_days_past_due)).isoformat())
    if flt.max_days_past_due is not None:
        sql += " AND (d.oldest_due IS NULL OR d.oldest_due >= ?)"
        params.append((today - timedelta(days=flt.max_days_past_due)).isoformat())
    return sql, params
