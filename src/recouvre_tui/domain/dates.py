"""Dates and times: strict parsing (no day-first guessing), UTC storage, Paris weeks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class DateError(ValueError):
    """A date or time that cannot be read; the message says why, in French."""


# Dates read from files and forms stay in these years: a year 0001 or 9999 is a typo, and
# date arithmetic on it (due date + grace days, local time → UTC) would overflow.
MIN_YEAR, MAX_YEAR = 1900, 2199


def _make_date(y: int, m: int, d: int, text: str) -> date:
    try:
        day = date(y, m, d)
    except ValueError:
        raise DateError(f"date impossible « {text} »") from None
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise DateError(f"date hors limites « {text} » (années {MIN_YEAR} à {MAX_YEAR})")
    return day


def parse_date(text: str, *, allow_compact: bool = False) -> date:
    """`dd/mm/yyyy` (also `-` or `.`), ISO `yyyy-mm-dd`, and `YYYYMMDD` when allowed (FEC).

    Day first is only ever read from the slash form, never guessed.
    """
    s = (text or "").strip()
    if not s:
        raise DateError("date vide")
    if m := _ISO.match(s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), s)
    if m := _DMY.match(s):
        return _make_date(int(m[3]), int(m[2]), int(m[1]), s)
    if allow_compact and (m := _COMPACT.match(s)):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), s)
    raise DateError(f"date illisible « {s} » (attendu jj/mm/aaaa ou aaaa-mm-jj)")


def parse_datetime(text: str, *, tz: ZoneInfo = PARIS) -> tuple[datetime, bool]:
    """A date or date-time to an aware UTC datetime, and whether a time of day was given.

    Without an offset the time is local to `tz` (Europe/Paris by default); a bare date
    means local midnight.
    """
    s = (text or "").strip()
    if not s:
        raise DateError("date vide")
    offset = None
    if m := _OFFSET.search(s):
        offset = m[1]
        s = s[: m.start()].strip()
    date_part, sep, time_part = s.replace("T", " ", 1).partition(" ")
    day = parse_date(date_part)
    if not sep:
        if offset:
            raise DateError(f"décalage horaire sans heure « {text.strip()} »")
        return datetime.combine(day, time(0), tz).astimezone(UTC), False
    tm = _TIME.match(time_part.strip())
    if not tm:
        raise DateError(f"heure illisible « {time_part.strip()} »")
    h, mi, se = int(tm[1]), int(tm[2]), int(tm[3] or 0)
    if h > 23 or mi > 59 or se > 59:
        raise DateError(f"heure impossible « {time_part.strip()} »")
    naive = datetime.combine(day, time(h, mi, se))
    if offset:
        if offset == "Z":
            return naive.replace(tzinfo=UTC), True
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return (naive - sign * delta).replace(tzinfo=UTC), True
    return naive.replace(tzinfo=tz).astimezone(UTC), True


def parse_now(text: str | None) -> datetime:
    """The `--now` option: ISO date-time (Paris when no offset); the real clock when None."""
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    return parse_datetime(text)[0]


def to_db(dt: datetime) -> str:
    """UTC timestamp as stored: `YYYY-MM-DD HH:MM:SS` (sorts as text, portable SQL)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def paris_date(now: datetime) -> date:
    """The evaluation date T: the date of `now` in Europe/Paris."""
    return now.astimezone(PARIS).date()


def parse_iso_week(text: str) -> tuple[date, date]:
    """`YYYY-Www` → (Monday, Sunday) of that ISO week."""
    m = _ISO_WEEK.match((text or "").strip())
    if not m:
        raise DateError(f"semaine illisible « {text} » (attendu AAAA-Sss, ex. 2026-W47)")
    try:
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise DateError(f"semaine impossible « {text} »") from None
    return monday, monday + timedelta(days=6)


def iso_week_label(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def last_complete_week(now: datetime) -> str:
    """The ISO week (Paris) that ended on the last Sunday before today."""
    today = paris_date(now)
    last_sunday = today - timedelta(days=today.isoweekday() % 7 or 7)
    return iso_week_label(last_sunday)


def end_of_day_utc(day: date) -> datetime:
    """The last instant of `day` in Paris, as UTC (events 'up to the end of S')."""
    return datetime.combine(day + timedelta(days=1), time(0), PARIS).astimezone(UTC) - timedelta(seconds=1)


def format_date_fr(day: date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")
