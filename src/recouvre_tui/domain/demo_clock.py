"""The demo's clock: a newcomer opening the demo at night or on a Sunday still sees a queue.

Inside calling hours (a working day in metropolitan France, 09:00–18:00 Paris) the demo runs
on the real clock. Outside them it starts at 10:30 Paris on the next working day (today's,
before 09:00) and runs on from there at the real pace, so claims, leases and « il y a 2 min »
behave as in a real session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from .areas import METROPOLE, is_working_day
from .dates import PARIS

OPEN = time(9, 0)
CLOSE = time(18, 0)
DEMO_START = time(10, 30)


def demo_start(now: datetime) -> datetime | None:
    """Where the demo clock starts (aware UTC), or None when `now` is inside calling hours."""
    local = now.astimezone(PARIS)
    day = local.date()
    if is_working_day(METROPOLE, day):
        if OPEN <= local.time() < CLOSE:
            return None
        if local.time() >= CLOSE:
            day += timedelta(days=1)
    else:
        day += timedelta(days=1)
    while not is_working_day(METROPOLE, day):
        day += timedelta(days=1)
    return datetime.combine(day, DEMO_START, PARIS).astimezone(UTC)


def offset_clock(start: datetime, real: Callable[[], datetime]) -> Callable[[], datetime]:
    """A clock that reads `start` now and moves on with `real` (both aware)."""
    offset = start - real()

    def shifted() -> datetime:
        return (real() + offset).replace(microsecond=0)

    return shifted
