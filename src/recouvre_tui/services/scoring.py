"""Recompute score components for a set of debtors (in the caller's transaction)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime

from ..domain.config import Settings
from ..domain.dates import paris_date, to_db
from ..domain.priority import ScoreInput, score
from ..store.scores import save_scores, score_inputs

BATCH = 5_000


def rescore(
    conn: sqlite3.Connection,
    debtor_ids: Iterable[int] | range | None,
    *,
    now: datetime,
    settings: Settings,
) -> int:
    """Score every debtor in `debtor_ids` (a set, an id range, or None for all); returns count."""
    today = paris_date(now)
    stamp = to_db(now)
    rows: list = []
    count = 0
    for inp in score_inputs(conn, debtor_ids):
        days = (today - date.fromisoformat(inp.oldest_due)).days if inp.oldest_due else 0
        never = inp.responses == 0
        s = score(
            ScoreInput(
                balance_cents=inp.balance_cents,
                days_past_due=days,
                broken_promises=inp.broken_promises,
                never_contacted=never,
                avg_payment_delay_days=inp.avg_payment_delay_days,
                wear_streak=inp.wear_streak,
            ),
            settings.score,
            wear_min_streak=settings.wear.min_streak,
        )
        rows.append(
            (
                inp.debtor_id,
                s.total,
                max(days, 0),
                inp.broken_promises,
                int(never),
                inp.wear_streak,
                [asdict(c) for c in s.components],
                stamp,
            )
        )
        if len(rows) >= BATCH:
            save_scores(conn, rows)
            count += len(rows)
            rows = []
    if rows:
        save_scores(conn, rows)
        count += len(rows)
    return count
