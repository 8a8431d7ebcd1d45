"""Which approach works: promise rate and kept rate by script and tone over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..domain.codes import PromiseStatus
from ..domain.config import Settings
from ..domain.dates import PARIS, to_db
from ..store.db import Store
from ..store.script_stats import script_outcomes


@dataclass
class ScriptRow:
    script_id: str
    tone: str | None
    calls: int
    rpc: int
    promises: int
    kept: int
    broken: int

    @property
    def promise_rate(self) -> float | None:
        """Promises per right-party contact."""
        return None if self.rpc == 0 else self.promises / self.rpc

    @property
    def kept_rate(self) -> float | None:
        n = self.kept + self.broken
        return None if n == 0 else self.kept / n


def script_report(store: Store, *, start: date, end: date, now: datetime, settings: Settings) -> list[ScriptRow]:
    """Calls made with each script and tone from `start` to `end` (inclusive, Paris days)."""
    lo = datetime.combine(start, time(0), PARIS)
    hi = datetime.combine(end + timedelta(days=1), time(0), PARIS)
    with store.read() as conn:
        rows = script_outcomes(conn, to_db(lo), to_db(hi))
    out = []
    for r in rows:
        statuses = [s for *_x, s in r.get("promise_rows", [])]
        out.append(
            ScriptRow(
                r["script_id"],
                r["tone"],
                r["calls"],
                r["rpc"],
                r["promises"],
                sum(1 for s in statuses if s == PromiseStatus.KEPT),
                sum(1 for s in statuses if s == PromiseStatus.BROKEN),
            )
        )
    return out
