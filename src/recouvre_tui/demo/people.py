"""Debtors: segment, area and postcode, names and e-mails (Faker), raw phone numbers in
the formats real files hold (some deliberately invalid), SIREN, assigned agent."""

from __future__ import annotations

from recouvre_tui.domain.areas import METROPOLE, Area, area_for_postcode
from recouvre_tui.domain.phones import normalise_phone

from .base import BuilderBase
from .catalogue import (
    _ACTIVITIES,
    _CALLERS,
    _DEPT_WEIGHTS,
    _LEGAL_FORMS,
    _OVERSEAS_PHONES,
    _OVERSEAS_POSTCODES,
    _OVERSEAS_TEAM,
    _OVERSEAS_WEIGHTS,
    _SHOWCASE,
    _ZONES,
    ARCHETYPES,
    DEMO_AGENT,
    SALES_REPS,
)
from .model import (
    _Debtor,
    _luhn_ok,
    _slug,
)


class PeopleBuilder(BuilderBase):
    """Draws one debtor at a time, in the archetype deck's order."""

    def archetype_deck(self) -> list[str]:
        rest = max(0, self.n - len(_SHOWCASE))
        quotas = [(name, share * rest) for name, share in ARCHETYPES]
        deck = [name for name, q in quotas for _ in range(int(q))]
        by_remainder = sorted(quotas, key=lambda item: (-(item[1] % 1), item[0]))
        for name, _ in by_remainder[: rest - len(deck)]:
            deck.append(name)
        self.rng.shuffle(deck)
        return deck

    def pick_area(self) -> str:
        if self.chance(0.15):
            return self.pick(_OVERSEAS_WEIGHTS)
        if self.chance(0.08):
            return self.rng.choice(("57", "67", "68"))
        return "FR"

    def postcode(self, area_code: str) -> tuple[str, str]:
        """(postcode, department) for an area code."""
        if area_code in _OVERSEAS_POSTCODES:
            return self.rng.choice(_OVERSEAS_POSTCODES[area_code]), area_code
        dept = area_code if area_code != "FR" else self.pick(_DEPT_WEIGHTS)
        if dept == "75":
            return f"750{self.rint(1, 20):02d}", dept
        if dept in ("2A", "2B"):
            base = 0 if dept == "2A" else 200
            return f"20{base + 10 * self.rint(0, 9):03d}", dept
        return f"{dept}{self.rint(0, 9)}{self.rint(0, 9)}0", dept

    def national_number(self, area_code: str, dept: str, mobile: bool) -> str:
        if area_code in _OVERSEAS_PHONES:
            fixed, mobiles, _ = _OVERSEAS_PHONES[area_code]
            prefix = self.rng.choice(mobiles if mobile else fixed)
            return prefix + "".join(str(self.rint(0, 9)) for _ in range(6))
        if mobile:
            prefix = "06" if self.chance(0.7) else f"07{self.rint(3, 9)}"
        else:
            prefix = "0" + _ZONES.get(dept, str(self.rint(1, 5)))
        return prefix + "".join(str(self.rint(0, 9)) for _ in range(10 - len(prefix)))

    def format_phone(self, national: str, area_code: str) -> str:
        digits = national
        if area_code in _OVERSEAS_PHONES:
            cc = _OVERSEAS_PHONES[area_code][2]
            style = self.pick(
                (
                    ("grouped4", 0.35),
                    ("plain", 0.25),
                    ("intl", 0.15),
                    ("pairs", 0.1),
                    ("dots4", 0.1),
                    ("intl_plain", 0.05),
                )
            )
            if style == "grouped4":
                return f"{digits[:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}"
            if style == "intl":
                return f"+{cc} {digits[1:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}"
            if style == "pairs":
                return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
            if style == "dots4":
                return f"{digits[:4]}.{digits[4:6]}.{digits[6:8]}.{digits[8:]}"
            if style == "intl_plain":
                return f"+{cc}{digits[1:]}"
            return digits
        style = self.pick(
            (
                ("pairs", 0.35),
                ("plain", 0.25),
                ("intl", 0.15),
                ("dots", 0.15),
                ("intl_plain", 0.05),
                ("dashes", 0.05),
            )
        )
        pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
        if style == "pairs":
            return " ".join(pairs)
        if style == "intl":
            return "+33 " + digits[1] + " " + " ".join(pairs[1:])
        if style == "dots":
            return ".".join(pairs)
        if style == "intl_plain":
            return "+33" + digits[1:]
        if style == "dashes":
            return "-".join(pairs)
        return digits

    def valid_phone(self, area_code: str, dept: str, area: Area | None, mobile: bool) -> str:
        """A raw phone number that `normalise_phone` accepts in the debtor's area."""
        for _ in range(500):
            raw = self.format_phone(self.national_number(area_code, dept, mobile), area_code)
            info = normalise_phone(raw, area)
            # The number must belong to the debtor's own department: some +590 ranges are
            # Saint-Martin's (MF), not Guadeloupe's.
            region_ok = area is None or info.region == area.phone_region
            if info.valid and region_ok and (info.kind == "mobile") == mobile:
                return raw
        raise RuntimeError(f"no valid phone number found for area {area_code}")

    def invalid_phone(self, area_code: str, dept: str, area: Area | None) -> str:
        """A raw phone number that `normalise_phone` rejects (typo, truncated, placeholder)."""
        for _ in range(500):
            national = self.national_number(area_code, dept, self.chance(0.6))
            style = self.rint(0, 3)
            if style == 0:  # a digit missing
                raw = " ".join(national[i : i + 2] for i in range(0, 9, 2))[:-1].strip()
            elif style == 1:  # a digit too many
                raw = national + str(self.rint(0, 9))
            elif style == 2:  # placeholder
                raw = self.rng.choice(("00 00 00 00 00", "0000000000", "01 00 00 00", "12345"))
            else:  # truncated after six digits
                raw = " ".join(national[i : i + 2] for i in range(0, 6, 2))
            if not normalise_phone(raw, area).valid:
                return raw
        raise RuntimeError("no invalid phone number found")

    def siren(self) -> str:
        while True:
            body = str(self.rng.choice("3456789")) + "".join(str(self.rint(0, 9)) for _ in range(7))
            for check in range(10):
                candidate = body + str(check)
                if _luhn_ok(candidate):
                    return candidate

    def make_debtor(self, index: int, spec: dict[str, str]) -> _Debtor:
        rng = self.rng
        segment = spec.get("segment") or ("B2C" if self.chance(0.55) else "B2B")
        area_code = spec.get("area") or self.pick_area()
        postcode, dept = self.postcode(area_code)
        area = area_for_postcode(postcode) or METROPOLE
        overseas = area.overseas
        ref = f"CLI{index + 1:05d}"

        if segment == "B2C":
            first, last = self.fake.first_name(), self.fake.last_name()
            name = f"{first} {last}"
            domain = self.fake.free_email_domain()
            local = self.rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{last}{self.rint(1, 99)}"))
            email = f"{_slug(local).replace('-', '.')}@{domain}" if self.chance(0.8) else ""
            siren = sales_rep = ""
        else:
            if self.chance(0.5):
                name = self.fake.company()
            else:
                name = f"{rng.choice(_ACTIVITIES)} {self.fake.last_name()}"
                if self.chance(0.6):
                    name += f" {rng.choice(_LEGAL_FORMS)}"
            slug = _slug(name)
            box = rng.choice(("compta", "comptabilite", "contact", "facturation", "direction"))
            email = f"{box}@{slug}.fr" if self.chance(0.9) else ""
            siren = self.siren()
            sales_rep = rng.choice(SALES_REPS)

        phone_state = spec.get("phone") or self.pick((("ok", 0.93), ("invalid", 0.04), ("missing", 0.03)))
        first_mobile = self.chance(0.75 if segment == "B2C" else 0.35)
        phone = phone2 = ""
        phone2_mobile = False
        if phone_state == "ok":
            phone = self.valid_phone(area_code, dept, area, first_mobile)
        elif phone_state == "invalid":
            phone = self.invalid_phone(area_code, dept, area)
            self.invalid_phones.add(ref)
        if phone_state != "missing" and self.chance(0.2 if segment == "B2C" else 0.4):
            phone2_mobile = not first_mobile if phone_state == "ok" else self.chance(0.7)
            phone2 = self.valid_phone(area_code, dept, area, phone2_mobile)
        can_sms = (phone_state == "ok" and first_mobile) or (bool(phone2) and phone2_mobile)
        if phone_state == "missing":
            call_state = "none"
        elif phone_state == "invalid":
            call_state = "invalid_first"
        elif self.chance(0.015):
            call_state = "wrong_first"
        else:
            call_state = "ok"

        if "agent" in spec:
            agent = spec["agent"]
        elif self.chance(0.7):
            if overseas and self.chance(0.6):
                agent = rng.choice(_OVERSEAS_TEAM)
            else:
                agent = self.pick([(a, 2.0 if a == DEMO_AGENT else 1.0) for a in _CALLERS])
        else:
            agent = ""

        return _Debtor(
            index=index,
            ref=ref,
            segment=segment,
            name=name,
            siren=siren,
            postcode=postcode,
            area=area,
            phone=phone,
            phone2=phone2,
            email=email,
            sales_rep=sales_rep,
            agent=agent,
            archetype=spec["archetype"],
            sub=spec.get("sub", ""),
            call_state=call_state,
            can_sms=can_sms,
        )
