"""Score debtors: the domain formula (domain.priority) applied fast, with the stored form.

`Scorer` gives (total, components JSON) for one debtor in a few microseconds: every component
but the balance takes few distinct values (days, broken promises, …), so each one's JSON is
made once and reused; the total is the sum of the same rounded points, in the same order, as
`priority.score`. The JSON is what `debtor_scores.components` stores: a list of
{"code", "label", "points", "detail"}.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import lru_cache
from json import encoder

from ..domain.config import Settings
from ..domain.dates import paris_date, to_db
from ..domain.priority import (
    Component,
    balance_component,
    broken_promises_component,
    days_past_due_component,
    never_contacted_component,
    payment_behaviour_component,
    wear_component,
)
from ..store.scores import ScoreRow, save_scores, score_inputs

BATCH = 5_000

_quote: Callable[[str], str] = encoder.encode_basestring  # type: ignore[attr-defined]


def component_json(c: Component) -> str:
    """Same text as `json.dumps(asdict(c), ensure_ascii=False)`."""
    return (
        f'{{"code": {_quote(c.code)}, "label": {_quote(c.label)}, '
        f'"points": {c.points!r}, "detail": {_quote(c.detail)}}}'
    )


class Scorer:
    """Score many debtors with one set of weights (one instance per run: the caches are per weights)."""

    def __init__(self, settings: Settings) -> None:
        w, min_streak = settings.score, settings.wear.min_streak

        def cached(make: Callable[[object], Component]) -> Callable[[object], tuple[float, str]]:
            @lru_cache(maxsize=4096)
            def part(value: object) -> tuple[float, str]:
                c = make(value)
                return c.points, component_json(c)

            return part

        self._w = w
        self._days = cached(lambda d: days_past_due_component(d, w))  # type: ignore[arg-type]
        self._broken = cached(lambda n: broken_promises_component(n, w))  # type: ignore[arg-type]
        self._never = cached(lambda f: never_contacted_component(bool(f), w))
        self._delay = cached(lambda d: payment_behaviour_component(d, w))  # type: ignore[arg-type]
        self._wear = cached(lambda n: wear_component(n, w, min_streak))  # type: ignore[arg-type]

    def __call__(
        self,
        balance_cents: int,
        days_past_due: int,
        broken_promises: int,
        never_contacted: bool,
        avg_payment_delay_days: float | None,
        wear_streak: int,
    ) -> tuple[float, str]:
        b = balance_component(balance_cents, self._w)
        p1, j1 = self._days(days_past_due)
        p2, j2 = self._broken(broken_promises)
        p3, j3 = self._never(bool(never_contacted))
        p4, j4 = self._delay(avg_payment_delay_days)
        p5, j5 = self._wear(wear_streak)
        # Same sum, same order, same rounding as `priority.total_of`.
        total = round(b.points + p1 + p2 + p3 + p4 + p5, 1) + 0.0
        return total, f"[{component_json(b)}, {j1}, {j2}, {j3}, {j4}, {j5}]"


def days_past_due(oldest_due: str | None, today: date) -> int:
    return (today - date.fromisoformat(oldest_due)).days if oldest_due else 0


def rescore(
    conn: sqlite3.Connection,
    debtor_ids: Iterable[int] | range | None,
    *,
    now: datetime,
    settings: Settings,
) -> int:
    """Score every debtor in `debtor_ids` (a set, an id range, or None for all) from the facts
    (events, payments, promises), in the caller's transaction; returns the count."""
    today = paris_date(now)
    stamp = to_db(now)
    scorer = Scorer(settings)
    rows: list[ScoreRow] = []
    count = 0
    for inp in score_inputs(conn, debtor_ids):
        days = days_past_due(inp.oldest_due, today)
        never = inp.responses == 0
        total, components = scorer(
            inp.balance_cents, days, inp.broken_promises, never, inp.avg_payment_delay_days, inp.wear_streak
        )
        rows.append(
            ScoreRow(
                inp.debtor_id, total, max(days, 0), inp.broken_promises, int(never), inp.wear_streak, components, stamp
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
