"""The demo works at any hour: outside calling hours its clock starts at 10:30 Paris on the
next working day (metropolitan France) and runs on at the real pace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from recouvre_tui.cli.session import _demo_clock
from recouvre_tui.domain.demo_clock import demo_start, offset_clock


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (utc(2026, 11, 17, 10, 0), None),  # Tue 11:00 Paris: the real clock
        (utc(2026, 11, 17, 8, 0), None),  # Tue 09:00 Paris: opening time, inclusive
        (utc(2026, 11, 17, 16, 59), None),  # Tue 17:59 Paris
        (utc(2026, 12, 2, 5, 17), utc(2026, 12, 2, 9, 30)),  # Wed 06:17 → the same day 10:30
        (utc(2026, 11, 17, 17, 0), utc(2026, 11, 18, 9, 30)),  # Tue 18:00 Paris → Wed 10:30
        (utc(2026, 11, 20, 19, 0), utc(2026, 11, 23, 9, 30)),  # Fri 20:00 → Mon 10:30
        (utc(2026, 11, 21, 12, 0), utc(2026, 11, 23, 9, 30)),  # Saturday → Monday
        (utc(2026, 11, 10, 22, 0), utc(2026, 11, 12, 9, 30)),  # Tue 23:00 → Wed 11 Nov is a holiday → Thu
        (utc(2026, 7, 13, 20, 0), utc(2026, 7, 15, 8, 30)),  # Mon 22:00 CEST → 14 July → Wed 10:30 CEST
    ],
)
def test_demo_start(now: datetime, start: datetime | None) -> None:
    assert demo_start(now) == start


def test_offset_clock_moves_on_with_the_real_clock() -> None:
    real = [utc(2026, 12, 2, 5, 17)]
    clock = offset_clock(utc(2026, 12, 2, 9, 30), lambda: real[0])
    assert clock() == utc(2026, 12, 2, 9, 30)
    real[0] += timedelta(seconds=90)
    assert clock() == utc(2026, 12, 2, 9, 31, 30)


def test_cli_demo_note_names_the_day_and_time() -> None:
    clock, note = _demo_clock(utc(2026, 11, 20, 19, 0))
    assert note == (
        "horloge de démonstration : lundi 23/11/2026 10:30 à Paris "
        "(hors des heures d'appel, la démo s'ouvre au prochain jour ouvré)"
    )
    assert clock is not None
    assert abs(clock() - utc(2026, 11, 23, 9, 30)) < timedelta(seconds=5)
    assert _demo_clock(utc(2026, 11, 17, 10, 0)) == (None, None)
