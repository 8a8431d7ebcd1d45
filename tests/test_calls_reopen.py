"""When calls resume while every area is closed (`callability.opens_at`, `calls_reopen`): the
instants are checked by hand around a weekend, the holidays and a change of time, and a
property checks them against `open_areas`, the rule the queue itself uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre_tui.domain.areas import AREAS, METROPOLE
from recouvre_tui.domain.callability import calls_reopen, open_areas, opens_at
from recouvre_tui.domain.codes import Segment
from recouvre_tui.domain.config import CallingRules

RULES = CallingRules()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_opens_at_is_now_inside_a_window_else_the_next_window() -> None:
    tuesday_1100_paris = utc(2026, 11, 17, 10, 0)
    assert opens_at(METROPOLE, "B2B", tuesday_1100_paris, RULES) == tuesday_1100_paris
    # 12:45 in Paris: B2B has its lunch break until 14:00 (13:00 UTC).
    assert opens_at(METROPOLE, "B2B", utc(2026, 11, 17, 11, 45), RULES) == utc(2026, 11, 17, 13, 0)
    # Friday 18:30 in Paris: B2B closed until Monday 09:00; B2C open until 20:00, then Saturday.
    friday = utc(2026, 11, 20, 17, 30)
    assert opens_at(METROPOLE, "B2B", friday, RULES) == utc(2026, 11, 23, 8, 0)
    assert opens_at(METROPOLE, "B2C", friday, RULES) == friday
    assert opens_at(METROPOLE, "B2C", utc(2026, 11, 20, 19, 0), RULES) == utc(2026, 11, 21, 8, 0)
    # Christmas Day is a holiday everywhere; Saint-Étienne (26/12) in Moselle only.
    christmas = utc(2026, 12, 25, 10, 0)
    assert opens_at(METROPOLE, "B2C", christmas, RULES) == utc(2026, 12, 26, 8, 0)
    assert opens_at(AREAS["57"], "B2C", christmas, RULES) == utc(2026, 12, 28, 8, 0)
    # Saturday 27/03/2027: Sunday is Easter (the clocks go forward that night), Monday 29/03 is
    # Easter Monday; B2B reopens on Tuesday 30/03 at 09:00 in Paris, 07:00 UTC in summer time.
    assert opens_at(METROPOLE, "B2B", utc(2027, 3, 27, 12, 0), RULES) == utc(2027, 3, 30, 7, 0)


def test_calls_reopen_on_a_sunday_says_where_first() -> None:
    sunday = utc(2026, 11, 22, 10, 0)  # 11:00 in Paris
    r = calls_reopen(sunday, RULES)
    assert r is not None
    # Monday 09:00 at La Réunion (UTC+4) = 05:00 UTC; Mayotte (UTC+3) 06:00 UTC; Paris 08:00 UTC.
    assert (r.first, [a.code for a in r.first_areas], r.metropole) == (
        utc(2026, 11, 23, 5, 0),
        ["974"],
        utc(2026, 11, 23, 8, 0),
    )
    assert calls_reopen(utc(2026, 11, 23, 5, 0), RULES) is None  # open at that very instant
    assert calls_reopen(utc(2026, 11, 17, 10, 0), RULES) is None  # a Tuesday morning


_AROUND = [utc(2026, 11, 22), utc(2026, 12, 25), utc(2026, 12, 20), utc(2027, 1, 1), utc(2027, 3, 28)]
instants = st.one_of(
    st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2027, 4, 30)).map(lambda d: d.replace(tzinfo=UTC)),
    st.builds(lambda d, m: d + timedelta(minutes=m), st.sampled_from(_AROUND), st.integers(-36 * 60, 60 * 60)),
)


def _open_anywhere(now: datetime) -> bool:
    return any(codes or others for codes, others in (open_areas(s.value, now, RULES) for s in Segment))


@settings(max_examples=150, deadline=None)
@given(now=instants)
def test_calls_reopen_agrees_with_the_queues_rule(now: datetime) -> None:
    """None exactly when some area is open for some segment (`open_areas`, which the queue's SQL
    uses); otherwise nothing is open until `first`, and at `first` the areas named are open."""
    r = calls_reopen(now, RULES)
    assert (r is None) == _open_anywhere(now)
    if r is None:
        return
    assert now < r.first <= now + timedelta(days=4)
    for k in range(1, 8):  # instants between now and first: still closed everywhere
        assert not _open_anywhere(now + (r.first - now) * k / 8)
    opened = {code for s in Segment for code in open_areas(s.value, r.first, RULES)[0]}
    assert {a.code for a in r.first_areas} <= opened
    assert r.metropole is not None and r.metropole >= r.first
