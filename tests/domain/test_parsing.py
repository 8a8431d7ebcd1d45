"""Money, dates, phones, areas and event classification: hand-computed expectations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from recouvre_tui.domain.areas import AREAS, METROPOLE, area_for_postcode, holiday_name, next_working_day
from recouvre_tui.domain.dates import (
    DateError,
    end_of_day_utc,
    last_complete_week,
    parse_date,
    parse_datetime,
    parse_iso_week,
)
from recouvre_tui.domain.events import EventKind, classify
from recouvre_tui.domain.money import AmountError, format_eur, parse_amount
from recouvre_tui.domain.phones import normalise_phone


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1 234,56 €", 123_456),
        ("1\u202f234,56\u00a0€", 123_456),  # narrow and plain no-break spaces
        ("1234.56", 123_456),
        ("1.234,56", 123_456),
        ("1,234.56", 123_456),
        ("12", 1_200),
        ("12,5", 1_250),
        ("-3,50", -350),
        ("3,50-", -350),
        (" 000000000001200,00", 120_000),  # padded FEC amount
        ("1.234.567", 123_456_700),  # groups of three only
        ("0,01 EUR", 1),
    ],
)
def test_parse_amount(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "12,3,4", "1,234", "1.2.3", "12,345", "--3", "1 2a"])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_format_eur_groups_thousands_with_narrow_space() -> None:
    assert format_eur(423_000) == "4\u202f230,00 €"
    assert format_eur(-5) == "-0,05 €"
    assert format_eur(123_456_789, symbol=False) == "1\u202f234\u202f567,89"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/04/2026", date(2026, 4, 3)),  # day first in the slash form, never guessed
        ("3/4/2026", date(2026, 4, 3)),
        ("2026-04-03", date(2026, 4, 3)),
        ("03.04.2026", date(2026, 4, 3)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "20260403", "04/2026", "hier", ""])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)


def test_compact_dates_only_when_allowed() -> None:
    assert parse_date("20260403", allow_compact=True) == date(2026, 4, 3)


@pytest.mark.parametrize(
    ("text", "utc", "has_time"),
    [
        ("2026-07-01 10:00", datetime(2026, 7, 1, 8, 0, tzinfo=UTC), True),  # CEST = UTC+2
        ("01/12/2026 10:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC), True),  # CET = UTC+1
        ("2026-12-01", datetime(2026, 11, 30, 23, 0, tzinfo=UTC), False),  # local midnight
        ("2026-12-01T10:00:00Z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC), True),
        ("2026-12-01T14:00+04:00", datetime(2026, 12, 1, 10, 0, tzinfo=UTC), True),
        # 25/10/2026 02:30 happens twice in Paris; the first (CEST) is taken.
        ("2026-10-25 02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), True),
    ],
)
def test_parse_datetime(text: str, utc: datetime, has_time: bool) -> None:
    assert parse_datetime(text) == (utc, has_time)


def test_weeks() -> None:
    assert parse_iso_week("2026-W47") == (date(2026, 11, 16), date(2026, 11, 22))
    # Monday 23 Nov 2026: the last complete week is W47; on Sunday 22 it is still W46.
    assert last_complete_week(datetime(2026, 11, 23, 10, tzinfo=UTC)) == "2026-W47"
    assert last_complete_week(datetime(2026, 11, 22, 10, tzinfo=UTC)) == "2026-W46"
    # End of Sunday 22 Nov in Paris = 22:59:59 UTC.
    assert end_of_day_utc(date(2026, 11, 22)) == datetime(2026, 11, 22, 22, 59, 59, tzinfo=UTC)
    with pytest.raises(DateError):
        parse_iso_week("2026-W54")


@pytest.mark.parametrize(
    ("postcode", "code", "tz"),
    [
        ("97400", "974", "Indian/Reunion"),
        ("97 600", "976", "Indian/Mayotte"),
        ("97100", "971", "America/Guadeloupe"),
        ("97200", "972", "America/Martinique"),
        ("97300", "973", "America/Cayenne"),
        ("57000", "57", "Europe/Paris"),
        ("67000", "67", "Europe/Paris"),
        ("75001", "FR", "Europe/Paris"),
        ("20000", "FR", "Europe/Paris"),  # Corsica
    ],
)
def test_area_for_postcode(postcode: str, code: str, tz: str) -> None:
    area = area_for_postcode(postcode)
    assert area is not None and (area.code, area.tz) == (code, tz)


def test_holidays_per_area() -> None:
    good_friday = date(2026, 4, 3)
    assert holiday_name(AREAS["57"], good_friday) is not None
    assert holiday_name(METROPOLE, good_friday) is None
    assert holiday_name(AREAS["974"], date(2026, 12, 20)) == "Abolition de l'esclavage"
    assert holiday_name(AREAS["976"], date(2026, 4, 27)) is not None
    assert holiday_name(METROPOLE, date(2026, 4, 27)) is None
    # Friday 25 Dec 2026 → Saturday, Sunday → Monday 28; in Alsace Saturday 26 is a holiday too.
    assert next_working_day(METROPOLE, date(2026, 12, 25)) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("raw", "postcode", "e164", "valid", "tz"),
    [
        ("0692 12 34 56", "97400", "+262692123456", True, "Indian/Reunion"),
        ("0692 12 34 56", None, "+262692123456", True, "Indian/Reunion"),  # no postcode: still Réunion
        ("0696 12 34 56", "97200", "+596696123456", True, "America/Martinique"),
        ("0590 12 34 56", None, "+590590123456", True, "America/Guadeloupe"),
        ("06 12 34 56 78", "75001", "+33612345678", True, "Europe/Paris"),
        ("06.12.34.56.78", None, "+33612345678", True, "Europe/Paris"),
        ("+33 2 40 11 22 33", None, "+33240112233", True, "Europe/Paris"),
        ("12", None, "+3312", False, None),
        # One national plan: a metropolitan mobile of a debtor living at La Réunion stays +33…
        ("06 12 34 56 78", "97400", "+33612345678", True, "Europe/Paris"),
        # … and a Réunion mobile of a debtor with a Paris postcode stays +262…
        ("0692 12 34 56", "75001", "+262692123456", True, "Indian/Reunion"),
    ],
)
def test_normalise_phone(raw: str, postcode: str | None, e164: str, valid: bool, tz: str | None) -> None:
    info = normalise_phone(raw, area_for_postcode(postcode))
    assert (info.e164, info.valid, info.tz) == (e164, valid, tz)


def test_unparseable_phone_is_kept_flagged() -> None:
    info = normalise_phone("pas de numéro")
    assert info.e164 is None and not info.valid and info.raw == "pas de numéro"


@pytest.mark.parametrize(
    ("channel", "direction", "outcome", "kind"),
    [
        ("call", "out", "no_answer", EventKind.REMINDER),
        ("call", "out", "voicemail", EventKind.REMINDER),
        ("call", "out", "third_party", EventKind.REMINDER),
        ("call", "out", None, EventKind.REMINDER),
        ("call", "out", "wrong_number", EventKind.NEUTRAL),
        ("call", "out", "invalid_number", EventKind.NEUTRAL),
        ("call", "out", "promise", EventKind.RESPONSE),
        ("call", "out", "refusal", EventKind.RESPONSE),
        ("call", "out", "callback", EventKind.RESPONSE),
        ("letter", "out", "formal_notice", EventKind.REMINDER),
        ("email", "out", None, EventKind.REMINDER),
        ("sms", "out", None, EventKind.REMINDER),
        ("email", "in", None, EventKind.RESPONSE),
        ("call", "in", None, EventKind.RESPONSE),
    ],
)
def test_classify(channel: str, direction: str, outcome: str | None, kind: EventKind) -> None:
    assert classify(channel, direction, outcome) is kind
