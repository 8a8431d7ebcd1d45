"""« Déjà payé — à vérifier »: how long a debtor who says it paid is left alone.

The debtor is held for `payment_check_days` working days of its own area (weekends and the
area's public holidays skipped), counted from the day of the call: announced on Monday
23/11/2026, 5 working days → held until Monday 30/11 00:00 local time, when it comes back
first in the queue (« paiement annoncé non reçu ») unless payments imported since the call
cover the announced amount.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from .areas import Area, is_working_day


def check_end_day(area: Area, today: date, days: int) -> date:
    """The `days`-th working day after `today` (local dates)."""
    day = today
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(area, day):
            left -= 1
    return day


def check_until(area: Area, now: datetime, days: int) -> datetime:
    """UTC instant the hold ends: local midnight of `check_end_day`."""
    local_today = now.astimezone(area.zone).date()
    end = check_end_day(area, local_today, days)
    return datetime.combine(end, time(0, 0), area.zone).astimezone(UTC)
