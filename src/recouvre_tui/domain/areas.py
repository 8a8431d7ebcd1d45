"""Geographic areas: local time zone, public-holiday calendar and phone region.

docs/rules.md, "Callable now": the local time zone comes from the postcode when known (971 Guadeloupe,
972 Martinique, 973 Guyane, 974 La Réunion, 976 Mayotte, else metropolitan France),
else from the phone number. Alsace-Moselle (57, 67, 68) keeps Good Friday and
26 December; each overseas department has its own abolition-of-slavery day.
"""

from __future__ import annotations

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


@lru_cache(maxsize=256)
def _calendar(subdiv: str | None, year: int) -> holidays.HolidayBase:
    import holidays  # on first use: a session's first screen needs no holiday calendar

    return holidays.France(years=year, subdiv=subdiv, language="fr")


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
