"""Phone numbers: normalise with phonenumbers, in the debtor's region, keep invalid ones flagged."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as pn_timezone

from .areas import AREAS, Area, area_for_phone_region

_TYPE_LABELS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixe",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixe",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.TOLL_FREE: "numéro vert",
    PhoneNumberType.SHARED_COST: "fixe",
    PhoneNumberType.UAN: "fixe",
}
_OVERSEAS_REGIONS = tuple(a.phone_region for a in AREAS.values() if a.overseas)


@dataclass(frozen=True)
class PhoneInfo:
    raw: str
    e164: str | None  # None when the number cannot even be parsed
    national: str | None  # "06 12 34 56 78" / "0692 12 34 56"
    international: str | None  # "+33 6 12 34 56 78"
    kind: str  # "mobile", "fixe", "voip", … or "inconnu"
    valid: bool
    region: str | None  # phonenumbers region, e.g. "FR", "RE"
    tz: str | None  # IANA zone when the number alone tells it


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def normalise_phone(raw: str, area: Area | None = None) -> PhoneInfo:
    """Parse `raw` in the area's region (postcode known), else France.

    A national number invalid in that region but valid in exactly one other region of the
    French plan (e.g. 0692 … without a postcode, or a metropolitan mobile for a debtor living
    at La Réunion) is read in that region.
    """
    text = (raw or "").strip()
    region = area.phone_region if area else "FR"
    num = _parse(text, region)
    if num is not None and not phonenumbers.is_valid_number(num) and text.startswith("0"):
        # France and its overseas departments share one national numbering plan: a national
        # number invalid in the debtor's region (a Paris mobile for a Réunion debtor, a 0692
        # number without a postcode) is read in the one region where it is valid, if any.
        candidates = {
            phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164): n
            for r in ("FR", *_OVERSEAS_REGIONS)
            if r != region and (n := _parse(text, r)) is not None and phonenumbers.is_valid_number(n)
        }
        if len(candidates) == 1:
            num = next(iter(candidates.values()))
    if num is None:
        return PhoneInfo(text, None, None, None, "inconnu", False, None, None)
    valid = phonenumbers.is_valid_number(num)
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    num_region = phonenumbers.region_code_for_number(num) if valid else None
    kind = _TYPE_LABELS.get(phonenumbers.number_type(num), "inconnu") if valid else "inconnu"
    return PhoneInfo(
        raw=text,
        e164=e164,
        national=phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        kind=kind,
        valid=valid,
        region=num_region,
        tz=_timezone(num, num_region) if valid else None,
    )


def _timezone(num: phonenumbers.PhoneNumber, region: str | None) -> str | None:
    zones = [z for z in pn_timezone.time_zones_for_number(num) if z != "Etc/Unknown"]
    if len(zones) == 1:
        return zones[0]
    # Ambiguous (+262 mobiles: Réunion or Mayotte): the number's own region decides.
    area = area_for_phone_region(region)
    return area.tz if area else None


def area_for_phone(info: PhoneInfo) -> Area | None:
    """The area a valid phone number points to (used when the postcode is unknown)."""
    return area_for_phone_region(info.region) if info.valid else None
