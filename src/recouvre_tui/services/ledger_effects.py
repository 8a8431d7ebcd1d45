"""What follows any change to a debtor's ledger: balances, promise status, queue class."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from ..domain.config import Settings
from ..store.ledger import recompute_balances
from ..store.promises import refresh_priority_class
from .promise_tracking import evaluate_promises
from .scoring import rescore


def after_ledger_change(
    conn: sqlite3.Connection,
    debtor_ids: Iterable[int] | range | None,
    *,
    now: datetime,
    settings: Settings,
    kind: str = "",
) -> dict[str, int]:
    """Run inside the caller's write transaction; `None` means every debtor (nightly)."""
    ids = debtor_ids if debtor_ids is None or isinstance(debtor_ids, range) else set(debtor_ids)
    touched = recompute_balances(conn, ids)
    counts = evaluate_promises(conn, ids, now=now, settings=settings)
    refresh_priority_class(conn, ids)
    scored = rescore(conn, ids, now=now, settings=settings)
    return {"balances": touched, "scored": scored, **counts}
