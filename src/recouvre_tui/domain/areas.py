"""Geographic areas: local time zone, public-holiday calendar and phone region.

docs/rules.md, "Callable now": the local time zone comes from the postcode when known (971 Guadeloupe,
972 Martinique, 973 Guyane, 974 La Réunion, 976 Mayotte, else metropolitan France),
else from the phone number. Alsace-Moselle (57, 67, 68) keeps Good Friday and
26 December; each overseas department has its own abolition-of-slavery day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import holidays


@dataclass(frozen=True)
class Area:
    code: str  # "FR" (metropolitan), "57", "67", "68", "971" … "976"
    label: str  # French place name for the UI
    tz: str  # IANA time zone
    holiday_subdiv: str | None  # subdivision code for `holidays.France`
    phone_region: str  # region for `phonenumbers.parse`

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.tz)

    @property
    def overseas(self) -> bool:
        return self.code.startswith("97")


METROPOLE = Area("FR", "France métropolitaine", "Europe/Paris", None, "FR")
AREAS: dict[str, Area] = {
    "FR": METROPOLE,
    "57": Area("57", "Moselle", "Europe/Paris", "57", "FR"),
    "67": Area("67", "Bas-Rhin", "Europe/Paris", "6AE", "FR"),
    "68": Area("68", "Haut-Rhin", "Europe/Paris", "6AE", "FR"),
    "971": Area("971", "Guadeloupe", "America/Guadeloupe", "971", "GP"),
    "972": Area("972", "Martinique", "America/Martinique", "972", "MQ"),
    "973": Area("973", "Guyane", "America/Cayenne", "973", "GF"),
    "974": Area("974", "La Réunion", "Indian/Reunion", "974", "RE"),
    "976": Area("976", "Mayotte", "Indian/Mayotte", "976", "YT"),
}
# Phone regions (from phonenumbers) to areas, used when the postcode is unknown.
_AREA_BY_PHONE_REGION = {a.phone_region: a for a in AREAS.values() if a.overseas}
# Saint-Martin and Saint-Barthélemy numbers share Guadeloupe's plan and postcodes (971xx).
_AREA_BY_PHONE_REGION.update({"MF": AREAS["971"], "BL": AREAS["971"]})


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def normalise_postcode(postcode: str | None) -> str | None:
    """Digits of a French postcode ("97 400" → "97400"); None when empty."""
    if postcode is None:
        return None
    digits = "".join(ch for ch in str(postcode) if not ch.isspace())
    return digits or None


def area_for_postcode(postcode: str | None) -> Area | None:
    """The area of a French postcode, or None when there is no usable postcode."""
    pc = normalise_postcode(postcode)
    if not pc or len(pc) < 2:
        return None
    if pc[:3] in AREAS:
        return AREAS[pc[:3]]
    if pc[:2] in AREAS:
        return AREAS[pc[:2]]
    return METROPOLE


def area_for_phone_region(region: str | None) -> Area | None:
    """Area of a phonenumbers region code (e.g. "RE"); metropolitan France for "FR"."""
    if region is None:
        return None
    if region in _AREA_BY_PHONE_REGION:
        return _AREA_BY_PHONE_REGION[region]
    if region == "FR":
        return METROPOLE
    return None


def area_by_code(code: str | None) -> Area:
    """Area from its stored code; unknown or missing codes mean metropolitan France."""
    return AREAS.get(code or "FR", METROPOLE)


# The holiday calendars a session uses, read from the database (`install_calendars`): the
# `holidays` package loads every country's module to give France's (11 MB of a session's
# 60 MB), so sessions take the calendars the nightly job computed with it and fall back to the
# package only for a year the database does not hold. Same days and names either way.
CalendarKey = tuple[str | None, int]  # (subdivision, year)
_installed: dict[CalendarKey, Mapping[date, str]] = {}
SUBDIVISIONS: tuple[str | None, ...] = tuple(dict.fromkeys(a.holiday_subdiv for a in AREAS.values()))


@lru_cache(maxsize=256)
def _library_calendar(subdiv: str | None, year: int) -> holidays.HolidayBase:
    import holidays  # on first use, and only for a year the installed calendars lack

    return holidays.France(years=year, subdiv=subdiv, language="fr")


def _calendar(subdiv: str | None, year: int) -> Mapping[date, str]:
    found = _installed.get((subdiv, year))
    return found if found is not None else _library_calendar(subdiv, year)


def library_calendars(years: Iterable[int]) -> dict[CalendarKey, dict[date, str]]:
    """Every area's calendar for `years`, from the `holidays` package."""
    return {(sub, y): dict(_library_calendar(sub, y)) for sub in SUBDIVISIONS for y in years}


def install_calendars(calendars: Mapping[CalendarKey, Mapping[date, str]]) -> None:
    """Use these calendars from now on in this process (replacing those installed before)."""
    _installed.clear()
    _installed.update({key: dict(days) for key, days in calendars.items()})


def installed_years() -> list[int]:
    return sorted({year for _, year in _installed})


def encode_calendars(calendars: Mapping[CalendarKey, Mapping[date, str]], *, source: str) -> str:
    """JSON for the database: {"source": …, "calendars": {"57/2026": {"2026-01-01": name}}}."""
    body = {
        f"{sub or ''}/{year}": {d.isoformat(): name for d, name in sorted(days.items())}
        for (sub, year), days in sorted(calendars.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
    }
    return json.dumps({"source": source, "calendars": body}, ensure_ascii=False, sort_keys=True)


def decode_calendars(text: str) -> dict[CalendarKey, dict[date, str]]:
    """The calendars of `encode_calendars`; ValueError says what is wrong with the text."""
    try:
        body = json.loads(text)["calendars"]
        out: dict[CalendarKey, dict[date, str]] = {}
        for key, days in body.items():
            sub, _, year = key.rpartition("/")
            if (sub or None) not in SUBDIVISIONS:
                raise ValueError(f"unknown subdivision {sub!r}")
            y = int(year)
            parsed = {date.fromisoformat(d): str(name) for d, name in days.items()}
            if any(d.year != y for d in parsed):
                raise ValueError(f"a day outside {y} in calendar {key!r}")
            out[(sub or None, y)] = parsed
        return out
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"unreadable calendars: {exc!r}") from exc


def holiday_name(area: Area, day: date) -> str | None:
    """Name of the public holiday on `day` in `area`, or None."""
    return _calendar(area.holiday_subdiv, day.year).get(day)


def is_working_day(area: Area, day: date) -> bool:
    """Monday–Friday and not a public holiday of the area."""
    return day.weekday() < 5 and holiday_name(area, day) is None


def next_working_day(area: Area, day: date) -> date:
    """`day` itself when it is a working day, else the next one."""
    while not is_working_day(area, day):
        day += timedelta(days=1)
    return day
