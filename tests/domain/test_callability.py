"""Callable now (docs/rules.md): table-driven, every local time computed by hand in a comment.

Offsets used: Paris UTC+1 in winter (CET) / UTC+2 in summer (CEST; 2026 changes on
29 March and 25 October), La Réunion UTC+4, Mayotte UTC+3, Guadeloupe and Martinique
UTC−4, Guyane UTC−3 (no DST overseas).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from recouvre_tui.domain.areas import AREAS, METROPOLE, Area, area_for_postcode
from recouvre_tui.domain.callability import (
    Callability,
    CallabilityInput,
    callback_is_due,
    evaluate,
    in_calling_window,
    local_now,
)
from recouvre_tui.domain.codes import BlockReason as R
from recouvre_tui.domain.config import CallingRules

RULES = CallingRules()
PARIS_AREA = METROPOLE
MOSELLE = AREAS["57"]
BAS_RHIN = AREAS["67"]
GUADELOUPE = AREAS["971"]
MARTINIQUE = AREAS["972"]
GUYANE = AREAS["973"]
REUNION = AREAS["974"]
MAYOTTE = AREAS["976"]

# Reference instant for the non-time rules: Tue 17 Nov 2026 10:00 UTC = 11:00 Paris (CET),
# inside both windows, not a holiday.
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def make(segment: str = "B2C", area: Area = PARIS_AREA, **kw: object) -> CallabilityInput:
    kw.setdefault("balance_cents", 423_000)
    return CallabilityInput(segment=segment, area=area, **kw)  # type: ignore[arg-type]


def check(inp: CallabilityInput, now: datetime) -> Callability:
    result = evaluate(inp, now, RULES)
    assert result.callable == (not result.blocked_by)
    assert len(result.explanations) == len(result.blocked_by)
    return result


# --------------------------------------------------------------------------- local time


@pytest.mark.parametrize(
    ("area", "now", "expected_local"),
    [
        # 17 Nov 2026 16:30 UTC + 4 h = 20:30 at La Réunion
        (REUNION, utc(2026, 11, 17, 16, 30), (2026, 11, 17, 20, 30)),
        # 17 Nov 2026 06:00 UTC + 3 h = 09:00 in Mayotte
        (MAYOTTE, utc(2026, 11, 17, 6, 0), (2026, 11, 17, 9, 0)),
        # 18 Nov 2026 00:30 UTC − 4 h = 17 Nov 20:30 in Guadeloupe (previous local day)
        (GUADELOUPE, utc(2026, 11, 18, 0, 30), (2026, 11, 17, 20, 30)),
        # 17 Nov 2026 13:00 UTC − 4 h = 09:00 in Martinique
        (MARTINIQUE, utc(2026, 11, 17, 13, 0), (2026, 11, 17, 9, 0)),
        # 16 Nov 2026 15:30 UTC − 3 h = 12:30 in Guyane
        (GUYANE, utc(2026, 11, 16, 15, 30), (2026, 11, 16, 12, 30)),
        # 24 Oct 2026 08:30 UTC + 2 h (CEST) = 10:30 Paris
        (PARIS_AREA, utc(2026, 10, 24, 8, 30), (2026, 10, 24, 10, 30)),
        # 25 Oct 2026 00:59 UTC + 2 h = 02:59 CEST, the last summer minute
        (PARIS_AREA, utc(2026, 10, 25, 0, 59), (2026, 10, 25, 2, 59)),
        # 25 Oct 2026 01:00 UTC + 1 h = 02:00 CET (clocks went back from 03:00 to 02:00)
        (PARIS_AREA, utc(2026, 10, 25, 1, 0), (2026, 10, 25, 2, 0)),
        # 26 Oct 2026 08:30 UTC + 1 h (CET) = 09:30 Paris
        (PARIS_AREA, utc(2026, 10, 26, 8, 30), (2026, 10, 26, 9, 30)),
        # 30 Mar 2026 07:30 UTC + 2 h (CEST since 29 Mar) = 09:30 in Moselle
        (MOSELLE, utc(2026, 3, 30, 7, 30), (2026, 3, 30, 9, 30)),
    ],
)
def test_local_now(area: Area, now: datetime, expected_local: tuple[int, ...]) -> None:
    local = local_now(area, now)
    assert (local.year, local.month, local.day, local.hour, local.minute) == expected_local
    # Same instant, other wall clock (compared in UTC: PEP 495 makes inter-zone `==`
    # false for the repeated hour of 25 Oct).
    assert local.astimezone(UTC) == now


def test_local_now_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        local_now(PARIS_AREA, datetime(2026, 11, 17, 10, 0))
    with pytest.raises(ValueError):
        evaluate(make(), datetime(2026, 11, 17, 10, 0), RULES)


# --------------------------------------------------------------------------- calling window


@pytest.mark.parametrize(
    ("segment", "local", "inside"),
    [
        # B2C Mon–Sat 09:00–20:00 (start inclusive, end exclusive)
        ("B2C", datetime(2026, 11, 17, 8, 59), False),  # Tue 08:59
        ("B2C", datetime(2026, 11, 17, 9, 0), True),  # Tue 09:00
        ("B2C", datetime(2026, 11, 17, 19, 59), True),  # Tue 19:59
        ("B2C", datetime(2026, 11, 17, 20, 0), False),  # Tue 20:00
        ("B2C", datetime(2026, 11, 17, 13, 0), True),  # Tue 13:00: no lunch break for B2C
        ("B2C", datetime(2026, 11, 21, 11, 0), True),  # Sat 11:00
        ("B2C", datetime(2026, 11, 22, 11, 0), False),  # Sun 11:00
        # B2B Mon–Fri 09:00–12:30 and 14:00–18:00
        ("B2B", datetime(2026, 11, 17, 9, 0), True),  # Tue 09:00
        ("B2B", datetime(2026, 11, 17, 12, 29), True),  # Tue 12:29
        ("B2B", datetime(2026, 11, 17, 12, 30), False),  # Tue 12:30
        ("B2B", datetime(2026, 11, 17, 13, 0), False),  # Tue 13:00, lunch
        ("B2B", datetime(2026, 11, 17, 13, 59), False),  # Tue 13:59, lunch
        ("B2B", datetime(2026, 11, 17, 14, 0), True),  # Tue 14:00
        ("B2B", datetime(2026, 11, 17, 17, 59), True),  # Tue 17:59
        ("B2B", datetime(2026, 11, 17, 18, 0), False),  # Tue 18:00
        ("B2B", datetime(2026, 11, 20, 10, 0), True),  # Fri 10:00
        ("B2B", datetime(2026, 11, 21, 10, 0), False),  # Sat 10:00
        ("B2B", datetime(2026, 11, 22, 10, 0), False),  # Sun 10:00
    ],
)
def test_in_calling_window(segment: str, local: datetime, inside: bool) -> None:
    assert in_calling_window(segment, local, RULES) is inside
    # The rule reads the wall clock only: an aware local datetime gives the same answer.
    aware = local.replace(tzinfo=REUNION.zone)
    assert in_calling_window(segment, aware, RULES) is inside


def test_in_calling_window_follows_the_rules() -> None:
    rules = CallingRules(b2c_days=(6,), b2c_windows=((time(10, 0), time(11, 0)),))
    assert in_calling_window("B2C", datetime(2026, 11, 22, 10, 30), rules)  # Sun 10:30
    assert not in_calling_window("B2C", datetime(2026, 11, 17, 10, 30), rules)  # Tue
    assert not in_calling_window("B2C", datetime(2026, 11, 22, 11, 0), rules)  # Sun 11:00


def test_unknown_segment_is_an_error() -> None:
    with pytest.raises(ValueError, match="segment inconnu"):
        in_calling_window("B2X", datetime(2026, 11, 17, 10, 0), RULES)


@pytest.mark.parametrize(
    ("segment", "area", "now", "callable_", "explanation"),
    [
        # --- La Réunion (UTC+4)
        # Tue 17 Nov 16:30 UTC → 20:30 local: B2C window closed at 20:00
        (
            "B2C", REUNION, utc(2026, 11, 17, 16, 30), False,
            "hors plage horaire locale (20:30 à La Réunion)",
        ),
        # Tue 17 Nov 05:00 UTC → 09:00 local (06:00 in Paris)
        ("B2C", REUNION, utc(2026, 11, 17, 5, 0), True, None),
        # Tue 17 Nov 04:59 UTC → 08:59 local
        (
            "B2C", REUNION, utc(2026, 11, 17, 4, 59), False,
            "hors plage horaire locale (08:59 à La Réunion)",
        ),
        # Tue 17 Nov 15:59 UTC → 19:59 local (16:59 in Paris)
        ("B2C", REUNION, utc(2026, 11, 17, 15, 59), True, None),
        # Tue 17 Nov 14:30 UTC → 18:30 local: B2B window closed at 18:00 (15:30 in Paris!)
        (
            "B2B", REUNION, utc(2026, 11, 17, 14, 30), False,
            "hors plage horaire locale (18:30 à La Réunion)",
        ),
        # --- Mayotte (UTC+3)
        # Tue 17 Nov 05:59 UTC → 08:59 local
        (
            "B2C", MAYOTTE, utc(2026, 11, 17, 5, 59), False,
            "hors plage horaire locale (08:59 à Mayotte)",
        ),
        # Tue 17 Nov 06:00 UTC → 09:00 local
        ("B2C", MAYOTTE, utc(2026, 11, 17, 6, 0), True, None),
        # Tue 17 Nov 14:59 UTC → 17:59 local, B2B
        ("B2B", MAYOTTE, utc(2026, 11, 17, 14, 59), True, None),
        # --- Guadeloupe (UTC−4)
        # Tue 17 Nov 12:59 UTC → 08:59 local (13:59 in Paris)
        (
            "B2C", GUADELOUPE, utc(2026, 11, 17, 12, 59), False,
            "hors plage horaire locale (08:59 en Guadeloupe)",
        ),
        # Tue 17 Nov 13:00 UTC → 09:00 local
        ("B2C", GUADELOUPE, utc(2026, 11, 17, 13, 0), True, None),
        # Tue 17 Nov 23:30 UTC → 19:30 local, still Tuesday (00:30 Wed in Paris)
        ("B2C", GUADELOUPE, utc(2026, 11, 17, 23, 30), True, None),
        # Wed 18 Nov 00:30 UTC → Tue 17 Nov 20:30 local
        (
            "B2C", GUADELOUPE, utc(2026, 11, 18, 0, 30), False,
            "hors plage horaire locale (20:30 en Guadeloupe)",
        ),
        # --- Martinique (UTC−4)
        # Fri 20 Nov 21:59 UTC → 17:59 local, B2B
        ("B2B", MARTINIQUE, utc(2026, 11, 20, 21, 59), True, None),
        # Fri 20 Nov 22:00 UTC → 18:00 local, B2B
        (
            "B2B", MARTINIQUE, utc(2026, 11, 20, 22, 0), False,
            "hors plage horaire locale (18:00 en Martinique)",
        ),
        # Sat 21 Nov 14:00 UTC → Sat 10:00 local: B2B never on Saturday
        (
            "B2B", MARTINIQUE, utc(2026, 11, 21, 14, 0), False,
            "hors plage horaire locale (samedi 10:00 en Martinique)",
        ),
        # --- Guyane (UTC−3), B2B lunch break
        # Mon 16 Nov 12:00 UTC → 09:00 local
        ("B2B", GUYANE, utc(2026, 11, 16, 12, 0), True, None),
        # Mon 16 Nov 15:29 UTC → 12:29 local
        ("B2B", GUYANE, utc(2026, 11, 16, 15, 29), True, None),
        # Mon 16 Nov 15:30 UTC → 12:30 local
        (
            "B2B", GUYANE, utc(2026, 11, 16, 15, 30), False,
            "hors plage horaire locale (12:30 en Guyane)",
        ),
        # Mon 16 Nov 17:00 UTC → 14:00 local
        ("B2B", GUYANE, utc(2026, 11, 16, 17, 0), True, None),
        # --- Paris around the end of summer time (Sun 25 Oct 2026)
        # Sat 24 Oct 08:30 UTC → 10:30 CEST (UTC+2), B2C Saturday
        ("B2C", PARIS_AREA, utc(2026, 10, 24, 8, 30), True, None),
        # Sat 24 Oct 07:30 UTC → 09:30 CEST
        ("B2C", PARIS_AREA, utc(2026, 10, 24, 7, 30), True, None),
        # Sat 24 Oct 08:30 UTC → 10:30 CEST, but B2B does not call on Saturdays
        (
            "B2B", PARIS_AREA, utc(2026, 10, 24, 8, 30), False,
            "hors plage horaire locale (samedi 10:30 en France métropolitaine)",
        ),
        # Sun 25 Oct 10:00 UTC → 11:00 CET, Sunday
        (
            "B2C", PARIS_AREA, utc(2026, 10, 25, 10, 0), False,
            "hors plage horaire locale (dimanche 11:00 en France métropolitaine)",
        ),
        # Mon 26 Oct 08:30 UTC → 09:30 CET (UTC+1)
        ("B2C", PARIS_AREA, utc(2026, 10, 26, 8, 30), True, None),
        ("B2B", PARIS_AREA, utc(2026, 10, 26, 8, 30), True, None),
        # Mon 26 Oct 07:30 UTC → 08:30 CET: the same UTC time was 09:30 two days earlier
        (
            "B2C", PARIS_AREA, utc(2026, 10, 26, 7, 30), False,
            "hors plage horaire locale (08:30 en France métropolitaine)",
        ),
        # Mon 26 Oct 16:30 UTC → 17:30 CET, B2B
        ("B2B", PARIS_AREA, utc(2026, 10, 26, 16, 30), True, None),
        # Mon 26 Oct 17:00 UTC → 18:00 CET, B2B
        (
            "B2B", PARIS_AREA, utc(2026, 10, 26, 17, 0), False,
            "hors plage horaire locale (18:00 en France métropolitaine)",
        ),
        # --- Paris around the start of summer time (Sun 29 Mar 2026)
        # Fri 27 Mar 07:30 UTC → 08:30 CET
        (
            "B2B", PARIS_AREA, utc(2026, 3, 27, 7, 30), False,
            "hors plage horaire locale (08:30 en France métropolitaine)",
        ),
        # Mon 30 Mar 07:30 UTC → 09:30 CEST
        ("B2B", PARIS_AREA, utc(2026, 3, 30, 7, 30), True, None),
        # --- Paris, B2B lunch break (Tue 17 Nov, CET)
        # 11:29 UTC → 12:29
        ("B2B", PARIS_AREA, utc(2026, 11, 17, 11, 29), True, None),
        # 11:30 UTC → 12:30
        (
            "B2B", PARIS_AREA, utc(2026, 11, 17, 11, 30), False,
            "hors plage horaire locale (12:30 en France métropolitaine)",
        ),
        # 12:00 UTC → 13:00
        (
            "B2B", PARIS_AREA, utc(2026, 11, 17, 12, 0), False,
            "hors plage horaire locale (13:00 en France métropolitaine)",
        ),
        # 13:00 UTC → 14:00
        ("B2B", PARIS_AREA, utc(2026, 11, 17, 13, 0), True, None),
        # 12:00 UTC → 13:00, B2C has no lunch break
        ("B2C", PARIS_AREA, utc(2026, 11, 17, 12, 0), True, None),
        # --- Saturday and Sunday in Paris (CET)
        # Sat 21 Nov 10:00 UTC → 11:00: B2C yes, B2B no
        ("B2C", PARIS_AREA, utc(2026, 11, 21, 10, 0), True, None),
        (
            "B2B", PARIS_AREA, utc(2026, 11, 21, 10, 0), False,
            "hors plage horaire locale (samedi 11:00 en France métropolitaine)",
        ),
        # Sun 22 Nov 10:00 UTC → 11:00: nobody
        (
            "B2C", PARIS_AREA, utc(2026, 11, 22, 10, 0), False,
            "hors plage horaire locale (dimanche 11:00 en France métropolitaine)",
        ),
        (
            "B2B", PARIS_AREA, utc(2026, 11, 22, 10, 0), False,
            "hors plage horaire locale (dimanche 11:00 en France métropolitaine)",
        ),
    ],
)  # fmt: skip
def test_window_in_local_time(
    segment: str, area: Area, now: datetime, callable_: bool, explanation: str | None
) -> None:
    result = check(make(segment, area), now)
    assert result.callable is callable_
    if callable_:
        assert result.blocked_by == ()
    else:
        assert result.blocked_by == (R.OUTSIDE_HOURS,)
        assert result.explanations == (explanation,)


# --------------------------------------------------------------------------- holidays


@pytest.mark.parametrize(
    ("segment", "area", "now", "blocked_by", "explanations"),
    [
        # Wed 11 Nov 2026 10:00 UTC → 11:00 Paris, Armistice, inside the window otherwise
        ("B2C", PARIS_AREA, utc(2026, 11, 11, 10, 0), (R.HOLIDAY,),
         ("jour férié local (Armistice en France métropolitaine)",)),
        ("B2B", PARIS_AREA, utc(2026, 11, 11, 10, 0), (R.HOLIDAY,),
         ("jour férié local (Armistice en France métropolitaine)",)),
        # Armistice is national: Wed 11 Nov 06:00 UTC → 10:00 at La Réunion
        ("B2C", REUNION, utc(2026, 11, 11, 6, 0), (R.HOLIDAY,),
         ("jour férié local (Armistice à La Réunion)",)),
        # Thu 12 Nov 10:00 UTC → 11:00 Paris, a normal day
        ("B2C", PARIS_AREA, utc(2026, 11, 12, 10, 0), (), ()),
        # Good Friday, Fri 3 Apr 2026 08:00 UTC → 10:00 CEST: a holiday in Moselle (57)…
        ("B2B", area_for_postcode("57000"), utc(2026, 4, 3, 8, 0), (R.HOLIDAY,),
         ("jour férié local (Vendredi saint en Moselle)",)),
        # … and in Bas-Rhin (67) …
        ("B2B", area_for_postcode("67000"), utc(2026, 4, 3, 8, 0), (R.HOLIDAY,),
         ("jour férié local (Vendredi saint dans le Bas-Rhin)",)),
        # … but not in Paris (75001)
        ("B2B", area_for_postcode("75001"), utc(2026, 4, 3, 8, 0), (), ()),
        # Sat 26 Dec 2026 10:00 UTC → 11:00 CET: Saint-Étienne in Bas-Rhin (67), B2C
        ("B2C", BAS_RHIN, utc(2026, 12, 26, 10, 0), (R.HOLIDAY,),
         ("jour férié local (Saint-Étienne dans le Bas-Rhin)",)),
        # same instant in Paris: a normal Saturday, B2C callable
        ("B2C", PARIS_AREA, utc(2026, 12, 26, 10, 0), (), ()),
        # same instant in 67 for B2B: a holiday *and* a Saturday → both reasons
        ("B2B", BAS_RHIN, utc(2026, 12, 26, 10, 0), (R.OUTSIDE_HOURS, R.HOLIDAY),
         ("hors plage horaire locale (samedi 11:00 dans le Bas-Rhin)",
          "jour férié local (Saint-Étienne dans le Bas-Rhin)")),
        # Abolition of slavery at La Réunion, Sat 20 Dec 2025 06:00 UTC → 10:00 local, B2C
        ("B2C", REUNION, utc(2025, 12, 20, 6, 0), (R.HOLIDAY,),
         ("jour férié local (Abolition de l'esclavage à La Réunion)",)),
        # same instant in Mayotte (09:00 local): not their abolition day
        ("B2C", MAYOTTE, utc(2025, 12, 20, 6, 0), (), ()),
        # Sun 20 Dec 2026 06:00 UTC → 10:00 at La Réunion: Sunday and holiday
        ("B2C", REUNION, utc(2026, 12, 20, 6, 0), (R.OUTSIDE_HOURS, R.HOLIDAY),
         ("hors plage horaire locale (dimanche 10:00 à La Réunion)",
          "jour férié local (Abolition de l'esclavage à La Réunion)")),
        # Abolition of slavery in Mayotte, Mon 27 Apr 2026 07:00 UTC → 10:00 local
        ("B2B", MAYOTTE, utc(2026, 4, 27, 7, 0), (R.HOLIDAY,),
         ("jour férié local (Abolition de l'esclavage à Mayotte)",)),
        # same instant at La Réunion (11:00 local): a normal Monday
        ("B2B", REUNION, utc(2026, 4, 27, 7, 0), (), ()),
        # Guadeloupe, Wed 27 May 2026 14:00 UTC → 10:00 local, abolition day
        ("B2C", GUADELOUPE, utc(2026, 5, 27, 14, 0), (R.HOLIDAY,),
         ("jour férié local (Abolition de l'esclavage en Guadeloupe)",)),
        # Martinique, Fri 22 May 2026 14:00 UTC → 10:00 local, abolition day
        ("B2C", MARTINIQUE, utc(2026, 5, 22, 14, 0), (R.HOLIDAY,),
         ("jour férié local (Abolition de l'esclavage en Martinique)",)),
        # Guyane, Wed 10 Jun 2026 13:00 UTC → 10:00 local, abolition day
        ("B2C", GUYANE, utc(2026, 6, 10, 13, 0), (R.HOLIDAY,),
         ("jour férié local (Abolition de l'esclavage en Guyane)",)),
        # The LOCAL date decides: Tue 10 Nov 21:00 UTC → Wed 11 Nov 01:00 at La Réunion
        ("B2C", REUNION, utc(2026, 11, 10, 21, 0), (R.OUTSIDE_HOURS, R.HOLIDAY),
         ("hors plage horaire locale (01:00 à La Réunion)",
          "jour férié local (Armistice à La Réunion)")),
        # … and Thu 12 Nov 00:30 UTC → Wed 11 Nov 20:30 in Guadeloupe
        ("B2C", GUADELOUPE, utc(2026, 11, 12, 0, 30), (R.OUTSIDE_HOURS, R.HOLIDAY),
         ("hors plage horaire locale (20:30 en Guadeloupe)",
          "jour férié local (Armistice en Guadeloupe)")),
        # … whereas Wed 11 Nov 23:30 UTC → Thu 12 Nov 03:30 at La Réunion is not a holiday
        ("B2C", REUNION, utc(2026, 11, 11, 23, 30), (R.OUTSIDE_HOURS,),
         ("hors plage horaire locale (03:30 à La Réunion)",)),
    ],
)  # fmt: skip
def test_holidays_of_the_debtor_area(
    segment: str,
    area: Area | None,
    now: datetime,
    blocked_by: tuple[R, ...],
    explanations: tuple[str, ...],
) -> None:
    assert area is not None
    result = check(make(segment, area), now)
    assert result.blocked_by == blocked_by
    assert result.explanations == explanations


# --------------------------------------------------------------------------- attempts

# Attempts relative to NOW (Tue 17 Nov 2026 10:00 UTC = 11:00 Paris).
SIX_OLDER = tuple(NOW - timedelta(days=d) for d in (1, 2, 3, 4, 5, 6))


@pytest.mark.parametrize(
    ("attempts", "callback_due_at", "blocked_by", "explanations"),
    [
        # no attempt at all
        ((), None, (), ()),
        # 7 attempts, the oldest 6 days 23 h 59 ago (10 Nov 10:01 UTC): all 7 count.
        # It ages out at 17 Nov 10:01 UTC = 11:01 Paris.
        ((NOW - timedelta(days=7) + timedelta(minutes=1), *SIX_OLDER), None,
         (R.ATTEMPT_CAP,),
         ("7 tentatives en 7 jours (nouvelle tentative possible à 11:01)",)),
        # the oldest 7 days + 1 minute ago (10 Nov 09:59 UTC): only 6 count → callable
        ((NOW - timedelta(days=7, minutes=1), *SIX_OLDER), None, (), ()),
        # exactly 7 days ago (10 Nov 10:00 UTC): the window is "after now − 7 days" → 6
        ((NOW - timedelta(days=7), *SIX_OLDER), None, (), ()),
        # 8 attempts within 7 days: count falls to 6 once the 2 oldest age out; the second
        # oldest is 6 days 12 h ago (11 Nov 10:00 − 12 h = 10 Nov 22:00 UTC) → frees at
        # 17 Nov 22:00 UTC = 23:00 Paris, still today in Paris
        ((NOW - timedelta(days=6, hours=18), NOW - timedelta(days=6, hours=12), *SIX_OLDER),
         None, (R.ATTEMPT_CAP,),
         ("8 tentatives en 7 jours (nouvelle tentative possible à 23:00)",)),
        # last attempt 3 h 59 ago (06:01 UTC): 4 h gap reached at 10:01 UTC = 11:01 Paris
        ((NOW - timedelta(hours=3, minutes=59),), None, (R.MIN_INTERVAL,),
         ("moins de 4 h depuis la dernière tentative (rappel possible à 11:01)",)),
        # last attempt exactly 4 h ago → callable
        ((NOW - timedelta(hours=4),), None, (), ()),
        # the most recent attempt decides, whatever the order given
        ((NOW - timedelta(hours=5), NOW - timedelta(minutes=30), NOW - timedelta(days=1)),
         None, (R.MIN_INTERVAL,),
         ("moins de 4 h depuis la dernière tentative (rappel possible à 14:30)",)),
        # cap and gap together: 7th attempt 1 h ago (09:00 UTC) → gap reached 13:00 UTC
        # = 14:00 Paris; cap freed when 10 Nov 10:01 UTC ages out = 11:01 Paris
        ((NOW - timedelta(days=7) + timedelta(minutes=1), *SIX_OLDER[1:],
          NOW - timedelta(hours=1)), None, (R.ATTEMPT_CAP, R.MIN_INTERVAL),
         ("7 tentatives en 7 jours (nouvelle tentative possible à 11:01)",
          "moins de 4 h depuis la dernière tentative (rappel possible à 14:00)")),
        # a callback due now waives the gap …
        ((NOW - timedelta(minutes=10),), NOW, (), ()),
        # … and the cap (callback due since yesterday) …
        ((NOW - timedelta(days=7) + timedelta(minutes=1), *SIX_OLDER), NOW - timedelta(days=1),
         (), ()),
        # … and both at once
        ((NOW - timedelta(days=7) + timedelta(minutes=1), *SIX_OLDER[1:],
          NOW - timedelta(hours=1)), NOW - timedelta(minutes=1), (), ()),
        # a callback due in 1 minute does not override anything yet
        ((NOW - timedelta(minutes=10),), NOW + timedelta(minutes=1), (R.MIN_INTERVAL,),
         ("moins de 4 h depuis la dernière tentative (rappel possible à 14:50)",)),
        ((NOW - timedelta(days=7) + timedelta(minutes=1), *SIX_OLDER),
         NOW + timedelta(hours=2), (R.ATTEMPT_CAP,),
         ("7 tentatives en 7 jours (nouvelle tentative possible à 11:01)",)),
    ],
)  # fmt: skip
def test_attempt_cap_and_minimum_gap(
    attempts: tuple[datetime, ...],
    callback_due_at: datetime | None,
    blocked_by: tuple[R, ...],
    explanations: tuple[str, ...],
) -> None:
    result = check(make(call_attempts=attempts, callback_due_at=callback_due_at), NOW)
    assert result.blocked_by == blocked_by
    assert result.explanations == explanations


@pytest.mark.parametrize(
    ("area", "now", "last_attempt", "explanation"),
    [
        # La Réunion: now Tue 17 Nov 10:00 UTC = 14:00 local; last 09:00 UTC → gap reached
        # 13:00 UTC = 17:00 local
        (REUNION, NOW, NOW - timedelta(hours=1),
         "moins de 4 h depuis la dernière tentative (rappel possible à 17:00 heure locale)"),
        # Paris B2C: now Tue 17 Nov 18:00 UTC = 19:00; last 17:00 UTC → 21:00 UTC
        # = 22:00 Paris, same day
        (PARIS_AREA, utc(2026, 11, 17, 18, 0), utc(2026, 11, 17, 17, 0),
         "moins de 4 h depuis la dernière tentative (rappel possible à 22:00)"),
        # Paris B2C: now Tue 17 Nov 22:30 UTC = 23:30 (outside hours); last 21:00 UTC
        # + 4 h = Wed 18 Nov 01:00 UTC = 02:00 Paris → the date is shown
        (PARIS_AREA, utc(2026, 11, 17, 22, 30), utc(2026, 11, 17, 21, 0),
         "moins de 4 h depuis la dernière tentative (rappel possible le 18/11 à 02:00)"),
        # Mayotte: now Tue 17 Nov 18:00 UTC = 21:00 local (also outside hours); last 17:30 UTC
        # + 4 h = 21:30 UTC = Wed 18 Nov 00:30 local → the date is shown
        (MAYOTTE, utc(2026, 11, 17, 18, 0), utc(2026, 11, 17, 17, 30),
         "moins de 4 h depuis la dernière tentative "
         "(rappel possible le 18/11 à 00:30 heure locale)"),
    ],
)  # fmt: skip
def test_gap_explanation_in_debtor_local_time(
    area: Area, now: datetime, last_attempt: datetime, explanation: str
) -> None:
    result = check(make(area=area, call_attempts=(last_attempt,)), now)
    assert R.MIN_INTERVAL in result.blocked_by
    assert result.explanations[result.blocked_by.index(R.MIN_INTERVAL)] == explanation


def test_cap_and_gap_follow_the_rules() -> None:
    rules = CallingRules(max_attempts_7d=3, min_gap_hours=1.5)
    # 3 attempts: 2 days, 1 day and 1 h ago → 3 ≥ 3 and 1 h < 1.5 h.
    # Cap frees when the oldest (15 Nov 10:00 UTC) ages out: 22 Nov 10:00 UTC = 11:00 Paris.
    # Gap reached at 09:00 + 1:30 = 10:30 UTC = 11:30 Paris.
    attempts = (NOW - timedelta(days=2), NOW - timedelta(days=1), NOW - timedelta(hours=1))
    result = evaluate(make(call_attempts=attempts), NOW, rules)
    assert result.blocked_by == (R.ATTEMPT_CAP, R.MIN_INTERVAL)
    assert result.explanations == (
        "3 tentatives en 7 jours (nouvelle tentative possible le 22/11 à 11:00)",
        "moins de 1,5 h depuis la dernière tentative (rappel possible à 11:30)",
    )
    assert evaluate(make(call_attempts=attempts[:2]), NOW, rules).callable


@pytest.mark.parametrize(
    ("callback_due_at", "now", "due"),
    [
        (None, NOW, False),
        (NOW, NOW, True),  # due at the very instant
        (NOW - timedelta(seconds=1), NOW, True),
        (NOW - timedelta(days=3), NOW, True),  # overdue callbacks stay due
        (NOW + timedelta(seconds=1), NOW, False),
    ],
)
def test_callback_is_due(callback_due_at: datetime | None, now: datetime, due: bool) -> None:
    assert callback_is_due(callback_due_at, now) is due


def test_a_due_callback_does_not_open_the_calling_window() -> None:
    # Sun 22 Nov 10:00 UTC → 11:00 Paris, Sunday: a callback lifts cap and gap only.
    now = utc(2026, 11, 22, 10, 0)
    result = check(make(callback_due_at=now - timedelta(hours=1)), now)
    assert result.blocked_by == (R.OUTSIDE_HOURS,)


# --------------------------------------------------------------------------- promises


@pytest.mark.parametrize(
    ("now", "area", "dues", "blocked", "explanation"),
    [
        # T = Tue 17 Nov 2026 (NOW is 11:00 Paris)
        (NOW, PARIS_AREA, (), False, None),  # no pending promise
        (NOW, PARIS_AREA, (date(2026, 11, 25),), True, "promesse en cours jusqu'au 25/11"),
        # several undue instalments: the next one is shown
        (NOW, PARIS_AREA, (date(2026, 12, 25), date(2026, 11, 25)), True,
         "promesse en cours jusqu'au 25/11"),
        # next instalment in another year: the year is shown
        (NOW, PARIS_AREA, (date(2027, 1, 5),), True, "promesse en cours jusqu'au 05/01/2027"),
        # tomorrow is still undue
        (NOW, PARIS_AREA, (date(2026, 11, 18),), True, "promesse en cours jusqu'au 18/11"),
        # one due today → callable
        (NOW, PARIS_AREA, (date(2026, 11, 17),), False, None),
        # one due today and one later → callable
        (NOW, PARIS_AREA, (date(2026, 11, 17), date(2026, 12, 17)), False, None),
        # undue + missed (due 10/11, unpaid) → callable
        (NOW, PARIS_AREA, (date(2026, 11, 25), date(2026, 11, 10)), False, None),
        # missed only → callable
        (NOW, PARIS_AREA, (date(2026, 10, 1),), False, None),
        # T is the Paris date: Tue 17 Nov 23:30 UTC = Wed 18 Nov 00:30 Paris → T = 18 Nov,
        # so an instalment due 18 Nov is due (the UTC date is still the 17th)
        (utc(2026, 11, 17, 23, 30), PARIS_AREA, (date(2026, 11, 18),), False, None),
        # … even for a debtor elsewhere: Tue 17 Nov 21:00 UTC = 22:00 Paris (T = 17 Nov) but
        # Wed 18 Nov 01:00 at La Réunion: an instalment due 18 Nov is still undue
        (utc(2026, 11, 17, 21, 0), REUNION, (date(2026, 11, 18),), True,
         "promesse en cours jusqu'au 18/11"),
    ],
)  # fmt: skip
def test_pending_promise(
    now: datetime, area: Area, dues: tuple[date, ...], blocked: bool, explanation: str | None
) -> None:
    result = check(make(area=area, unpaid_instalment_dues=dues), now)
    if blocked:
        assert R.PROMISE_PENDING in result.blocked_by
        index = result.blocked_by.index(R.PROMISE_PENDING)
        assert result.explanations[index] == explanation
    else:
        assert R.PROMISE_PENDING not in result.blocked_by


def test_only_an_undue_promise_blocks_at_a_good_time() -> None:
    result = check(make(unpaid_instalment_dues=(date(2026, 11, 25),)), NOW)
    assert result.blocked_by == (R.PROMISE_PENDING,)
    assert not result.callable


# --------------------------------------------------------------------------- other reasons


@pytest.mark.parametrize(
    ("changes", "blocked_by", "explanation"),
    [
        ({}, (), None),
        ({"balance_cents": 0}, (R.NO_BALANCE,), "solde nul"),
        ({"balance_cents": -1_500}, (R.NO_BALANCE,), "solde créditeur"),
        ({"balance_cents": 1}, (), None),  # one cent is still owed
        ({"claimed_by_other": True}, (R.CLAIMED,), "pris par un collègue"),
        ({"on_hold": True}, (R.ON_HOLD,), "en attente"),
        ({"do_not_call": True}, (R.DO_NOT_CALL,), "ne pas appeler"),
        ({"dispute_open": True}, (R.DISPUTE,), "litige en cours"),
        ({"has_valid_phone": False}, (R.NO_VALID_PHONE,), "aucun numéro valide"),
    ],
)
def test_single_block_reasons(changes: dict[str, object], blocked_by: tuple[R, ...], explanation: str | None) -> None:
    # NOW = Tue 17 Nov 10:00 UTC = 11:00 Paris: every time rule passes.
    result = check(make(**changes), NOW)
    assert result.blocked_by == blocked_by
    assert result.explanations == (() if explanation is None else (explanation,))
    assert result.callable is (explanation is None)


def test_several_reasons_in_declaration_order() -> None:
    # Mon 16 Nov 12:00 UTC → 13:00 Paris: B2B lunch break; on hold and no valid phone.
    result = check(
        make("B2B", on_hold=True, has_valid_phone=False, claimed_by_other=True),
        utc(2026, 11, 16, 12, 0),
    )
    assert result.blocked_by == (R.CLAIMED, R.ON_HOLD, R.OUTSIDE_HOURS, R.NO_VALID_PHONE)
    assert result.explanations == (
        "pris par un collègue",
        "en attente",
        "hors plage horaire locale (13:00 en France métropolitaine)",
        "aucun numéro valide",
    )
    assert result.summary == (
        "pris par un collègue · en attente · "
        "hors plage horaire locale (13:00 en France métropolitaine) · aucun numéro valide"
    )


def test_every_reason_at_once() -> None:
    # Sun 20 Dec 2026 06:00 UTC → 10:00 at La Réunion: Sunday and abolition day.
    # T (Paris) = 20 Dec. Attempts: 7 within 7 days, the last one 1 h ago (05:00 UTC →
    # gap reached 09:00 UTC = 13:00 local); the oldest, 13 Dec 06:01 UTC, ages out at
    # 20 Dec 06:01 UTC = 10:01 local.
    now = utc(2026, 12, 20, 6, 0)
    attempts = (
        now - timedelta(days=7) + timedelta(minutes=1),
        *(now - timedelta(days=d) for d in (5, 4, 3, 2, 1)),
        now - timedelta(hours=1),
    )
    inp = make(
        "B2C",
        REUNION,
        balance_cents=0,
        claimed_by_other=True,
        on_hold=True,
        do_not_call=True,
        dispute_open=True,
        overindebted_since=date(2026, 11, 2),
        all_overdue_prescribed=True,
        has_valid_phone=False,
        unpaid_instalment_dues=(date(2027, 1, 5),),
        call_attempts=attempts,
        callback_due_at=now + timedelta(hours=1),
        payment_check_until=now + timedelta(days=4),  # 24 Dec 10:00 local
    )
    result = check(inp, now)
    assert result.blocked_by == tuple(R)
    assert result.explanations == (
        "solde nul",
        "pris par un collègue",
        "en attente",
        "ne pas appeler",
        "litige en cours",
        "surendettement : dossier recevable depuis le 02/11/2026",
        "toutes les factures échues sont prescrites",
        "promesse en cours jusqu'au 05/01/2027",
        "paiement annoncé, en vérification jusqu'au 24/12",
        "hors plage horaire locale (dimanche 10:00 à La Réunion)",
        "jour férié local (Abolition de l'esclavage à La Réunion)",
        "7 tentatives en 7 jours (nouvelle tentative possible à 10:01 heure locale)",
        "moins de 4 h depuis la dernière tentative (rappel possible à 13:00 heure locale)",
        "aucun numéro valide",
    )
    assert not result.callable


def test_callable_result_is_empty() -> None:
    result = check(make("B2B", MOSELLE), NOW)  # Tue 17 Nov 11:00 in Moselle
    assert result == Callability(callable=True, blocked_by=(), explanations=())
    assert result.summary == ""
