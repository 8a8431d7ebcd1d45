"""Deterministic demo portfolio: debtors, invoices, payments, contact history and promises.

`generate_demo(today)` builds a realistic French collection portfolio, relative to `today`
so the demo always looks current, as the rows of the five CSV import formats of the README
("Import formats"): every value is a string as it would appear in a file (ISO dates, `at` as
`YYYY-MM-DD HH:MM` Paris local time, amounts with a decimal point). Pure data: no database.

Everything random comes from one `random.Random(seed)` and one `Faker("fr_FR")` seeded with
the same seed, so the same `(today, seed, debtors)` always gives the same rows.

Debtors follow behaviour archetypes (see `ARCHETYPES`): responsive payers, forgetful ones
who pay after the first reminder, temporary difficulty (instalment plan), promise-and-pay,
promise-and-break, disputers, silent/worn debtors (many reminders without any response),
bad faith, a payment-path problem, recently overdue debtors who got their first reminders,
and new debtors nobody has contacted yet.
"""

from __future__ import annotations

import csv
import math
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import count
from pathlib import Path

from faker import Faker

from recouvre_tui.domain.areas import METROPOLE, Area, area_for_postcode, holiday_name
from recouvre_tui.domain.codes import FORMAL_NOTICE_OUTCOME
from recouvre_tui.domain.config import PromiseRules
from recouvre_tui.domain.dates import PARIS, format_date_fr
from recouvre_tui.domain.money import format_eur
from recouvre_tui.domain.phones import normalise_phone
from recouvre_tui.domain.promises import build_schedule, max_instalments

DEFAULT_SEED = 20261123
DEMO_AGENT = "demo"
LEAD_LOGIN = "lea.lead"

# CSV column names, exactly as the README's "Import formats" lists them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "debtors": (
        "debtor_ref",
        "name",
        "segment",
        "siren",
        "postcode",
        "country",
        "phone",
        "phone2",
        "email",
        "sales_rep",
        "agent",
    ),
    "invoices": ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
    "payments": ("debtor_ref", "payment_ref", "date", "amount", "invoice_ref"),
    "events": ("debtor_ref", "at", "channel", "direction", "outcome", "agent", "note"),
    "promises": ("debtor_ref", "promise_ref", "created_at", "due_date", "amount"),
}
KINDS: tuple[str, ...] = tuple(COLUMNS)

AGENTS: tuple[dict[str, str], ...] = (
    {"login": LEAD_LOGIN, "name": "Léa Lambert", "role": "lead", "team": "equipe-1"},
    {"login": DEMO_AGENT, "name": "Agent Démo", "role": "agent", "team": "equipe-1"},
    {"login": "sophie.martin", "name": "Sophie Martin", "role": "agent", "team": "equipe-1"},
    {"login": "karim.benali", "name": "Karim Benali", "role": "agent", "team": "equipe-1"},
    {"login": "julien.roux", "name": "Julien Roux", "role": "agent", "team": "equipe-1"},
    {"login": "nadia.hoarau", "name": "Nadia Hoarau", "role": "agent", "team": "equipe-2"},
    {"login": "thomas.girard", "name": "Thomas Girard", "role": "agent", "team": "equipe-2"},
)
_CALLERS = tuple(a["login"] for a in AGENTS if a["role"] == "agent")
_OVERSEAS_TEAM = ("nadia.hoarau", "thomas.girard")
SALES_REPS = (
    "Claire Dubois",
    "Marc Lefèvre",
    "Isabelle Garnier",
    "Olivier Chevalier",
    "Sandrine Lopez",
    "Frédéric Payet",
)

# Behaviour archetypes and their share of the portfolio.
ARCHETYPES: tuple[tuple[str, float], ...] = (
    ("responsive", 0.16),  # pays on time or nearly; a reminder at most
    ("forgetful", 0.14),  # pays after the first reminder
    ("plan", 0.10),  # temporary difficulty: instalment plan, mostly kept
    ("promise_kept", 0.08),  # promises and pays
    ("promise_broken", 0.08),  # promises and does not pay
    ("dispute", 0.06),  # disputes an invoice
    ("early", 0.08),  # recently overdue: first reminders sent, no answer yet
    ("worn", 0.16),  # silent: reminders without any response
    ("bad_faith", 0.05),  # refuses, broken promise, formal notice
    ("payment_issue", 0.04),  # cannot find how to pay, then pays
    ("untouched", 0.05),  # overdue but never contacted yet
)

# The first debtors are a fixed showcase so that the small committed samples
# (`write_csv_files(..., limit=12)`) show every archetype.
_SHOWCASE: tuple[dict[str, str], ...] = (
    {"archetype": "worn", "segment": "B2B", "area": "FR", "agent": DEMO_AGENT, "sub": "slot"},
    {"archetype": "promise_broken", "segment": "B2C", "area": "FR", "agent": DEMO_AGENT},
    {"archetype": "plan", "segment": "B2C", "area": "974", "agent": "nadia.hoarau"},
    {"archetype": "forgetful", "segment": "B2C", "area": "67", "agent": "sophie.martin"},
    {"archetype": "dispute", "segment": "B2B", "area": "FR", "agent": "karim.benali"},
    {"archetype": "responsive", "segment": "B2B", "area": "FR", "agent": ""},
    {"archetype": "worn", "segment": "B2C", "area": "971", "agent": "", "sub": "single"},
    {"archetype": "bad_faith", "segment": "B2C", "area": "FR", "agent": DEMO_AGENT},
    {"archetype": "payment_issue", "segment": "B2B", "area": "972", "agent": "thomas.girard"},
    {"archetype": "promise_kept", "segment": "B2B", "area": "FR", "agent": "sophie.martin"},
    {"archetype": "untouched", "segment": "B2C", "area": "57", "agent": "", "phone": "invalid"},
    {"archetype": "worn", "segment": "B2B", "area": "FR", "agent": "julien.roux", "sub": "notice"},
)

_OVERSEAS_POSTCODES: dict[str, tuple[str, ...]] = {
    "971": ("97100", "97110", "97122", "97139", "97160", "97170", "97180", "97190"),
    "972": ("97200", "97220", "97230", "97232", "97233", "97290"),
    "973": ("97300", "97310", "97320", "97351", "97354"),
    "974": ("97400", "97410", "97420", "97430", "97460", "97470", "97490"),
    "976": ("97600", "97610", "97615", "97620", "97630", "97650", "97660"),
}
_OVERSEAS_WEIGHTS = (("971", 0.30), ("972", 0.25), ("973", 0.08), ("974", 0.30), ("976", 0.07))
# National prefixes (fixed, mobile) and country calling code by overseas department.
_OVERSEAS_PHONES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "971": (("0590",), ("0690",), "590"),
    "972": (("0596",), ("0696",), "596"),
    "973": (("0594",), ("0694",), "594"),
    "974": (("0262",), ("0692", "0693"), "262"),
    "976": (("0269",), ("0639",), "262"),
}
# Metropolitan departments by fixed-line zone (01 Île-de-France … 05 south-west).
_ZONES: dict[str, str] = {}
for _zone, _depts in (
    ("1", "75 77 78 91 92 93 94 95"),
    ("2", "14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85"),
    ("3", "02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90"),
    ("4", "01 03 04 05 06 07 13 15 2A 2B 26 30 34 38 42 43 48 63 69 73 74 83 84"),
    ("5", "09 11 12 16 17 19 23 24 31 32 33 40 46 47 64 65 66 79 81 82 86 87"),
):
    for _dept in _depts.split():
        _ZONES[_dept] = _zone
_DEPT_WEIGHTS: tuple[tuple[str, float], ...] = tuple(
    (
        dept,
        3.0
        if _ZONES[dept] == "1"
        else 2.0
        if dept in {"13", "69", "59", "33", "31", "44", "06", "34", "35", "67"}
        else 1.0,
    )
    for dept in sorted(_ZONES)
    if dept not in {"57", "67", "68"}
)

_ACTIVITIES = (
    "Boulangerie",
    "Garage",
    "Transports",
    "Menuiserie",
    "Pharmacie",
    "Cabinet",
    "Plomberie",
    "Restaurant",
    "Boucherie",
    "Hôtel",
    "Imprimerie",
    "Électricité",
    "Maçonnerie",
    "Fleurs",
    "Librairie",
    "Auto-école",
    "Coiffure",
    "Traiteur",
)
_LEGAL_FORMS = ("SARL", "SAS", "EURL", "SA", "SASU", "SNC")

# Calling windows in the debtor's local time (minutes since midnight), the default calling windows (docs/rules.md).
_WINDOWS: dict[str, tuple[tuple[int, int], ...]] = {
    "B2C": ((9 * 60, 20 * 60),),
    "B2B": ((9 * 60, 12 * 60 + 30), (14 * 60, 18 * 60)),
}
_SMS_WINDOWS = ((10 * 60, 18 * 60),)
_EMAIL_IN_WINDOWS = ((7 * 60 + 30, 22 * 60),)
_AGENT_SHIFT = (8 * 60 + 30, 19 * 60 + 30)  # agents work in Paris, 08:30–19:30

_NO_CONTACT = {
    "B2C": (("no_answer", 0.45), ("voicemail", 0.35), ("busy", 0.1), ("third_party", 0.1)),
    "B2B": (("no_answer", 0.3), ("voicemail", 0.3), ("busy", 0.1), ("third_party", 0.3)),
}
_NOTES: dict[str, tuple[str, ...]] = {
    "no_answer": ("Pas de réponse.", "Sonne dans le vide.", "Ne décroche pas."),
    "busy": ("Ligne occupée.", "Occupé, rappel plus tard."),
    "voicemail": (
        "Messagerie, message laissé avec demande de rappel.",
        "Répondeur, pas de message laissé.",
        "Messagerie, message laissé.",
    ),
    "third_party:B2C": (
        "Conjoint au téléphone, message transmis.",
        "Un proche a répondu, le débiteur est absent.",
    ),
    "third_party:B2B": (
        "Standard : comptable absent, message transmis.",
        "Secrétariat, rappeler en fin de semaine.",
        "Accueil : le gérant est en rendez-vous.",
    ),
    "wrong_number": (
        "Le correspondant ne connaît pas le client.",
        "Faux numéro, ligne attribuée à un tiers.",
    ),
    "invalid_number": ("Numéro non attribué (message opérateur).", "Numéro invalide."),
    "sms": (
        "SMS de rappel avec lien de paiement.",
        "SMS : rappel de facture échue.",
    ),
    "email": (
        "Relance e-mail avec relevé de compte.",
        "E-mail de rappel d'échéance.",
        "Relance e-mail avec copie des factures.",
    ),
    "letter": ("Lettre de relance simple.", "Courrier de relance avec relevé de compte."),
    "formal_notice": (
        "Mise en demeure envoyée en recommandé avec AR.",
        "Mise en demeure (LRAR) avec rappel des pénalités de retard.",
    ),
    "paid": (
        "Oubli, règle par carte bancaire pendant l'appel.",
        "Avait oublié, virement fait ce jour.",
    ),
    # As many as "paid": the same random draws, whichever the debtor says.
    "already_paid": (
        "Dit avoir réglé par virement la semaine dernière. À vérifier.",
        "Affirme avoir envoyé un chèque. À vérifier à réception.",
    ),
    "hardship:B2C": (
        "Perte d'emploi, difficultés passagères. Demande un délai.",
        "Arrêt maladie, budget serré ce mois-ci.",
        "Séparation récente, demande à étaler.",
    ),
    "hardship:B2B": (
        "Trésorerie tendue, attend le règlement d'un gros client.",
        "Baisse d'activité saisonnière, demande un délai.",
    ),
    "dispute": (
        "Conteste la facture {inv} : prestation non conforme.",
        "Conteste la facture {inv} : livraison incomplète.",
        "Conteste la facture {inv} : tarif différent du devis.",
        "Dit avoir déjà réglé la facture {inv}, demande un justificatif.",
    ),
    "refusal": (
        "Refuse de régler, estime ne rien devoir.",
        "Refus de paiement, ton agressif.",
        "Refuse tout échéancier, raccroche.",
    ),
    "callback": (
        "Demande à être rappelé en fin de mois, attend un virement.",
        "Pas disponible, demande un rappel la semaine prochaine.",
    ),
    "in_ack:B2C": (
        "E-mail du client : a bien reçu la relance, va vérifier avec sa banque.",
        "E-mail du client : dit être en congés, réglera au retour.",
    ),
    "in_ack:B2B": (
        "E-mail du client : facture transmise à la comptabilité.",
        "E-mail du client : en attente de validation interne du paiement.",
    ),
}


@dataclass
class DemoData:
    """Demo portfolio as CSV-ready rows (every value a string), plus the team."""

    agents: list[dict[str, str]]
    debtors: list[dict[str, str]]
    invoices: list[dict[str, str]]
    payments: list[dict[str, str]]
    events: list[dict[str, str]]
    promises: list[dict[str, str]]
    # debtor_ref → behaviour archetype (one of ARCHETYPES), for tests and demos.
    profiles: dict[str, str] = field(default_factory=dict)
    # debtor_refs whose `phone` is deliberately invalid (their `phone2`, if any, is valid).
    invalid_phones: frozenset[str] = frozenset()

    def rows(self, kind: str) -> list[dict[str, str]]:
        """The rows of one import format: "debtors", "invoices", … (see KINDS)."""
        if kind not in COLUMNS:
            raise KeyError(kind)
        rows: list[dict[str, str]] = getattr(self, kind)
        return rows


# --------------------------------------------------------------------------- internals


@dataclass
class _Invoice:
    key: int
    issue: date
    due: date
    cents: int  # negative for a credit note
    open: int  # what is still to collect (after credit notes and payments)
    anchor: bool = False  # the overdue invoice the debtor's story is about
    ref: str = ""

    @property
    def credit(self) -> bool:
        return self.cents < 0


@dataclass
class _Payment:
    key: int
    on: date
    cents: int
    inv: _Invoice | None  # shown as invoice_ref when set
    ref: str = ""


@dataclass
class _Event:
    at: datetime  # naive, Europe/Paris
    channel: str
    direction: str
    outcome: str
    agent: str
    note: str
    inv: _Invoice | None = None  # fills "{inv}" in the note


@dataclass
class _Promise:
    key: int
    created: datetime  # naive, Europe/Paris: the `at` of its call
    instalments: list[tuple[date, int]]
    ref: str = ""


@dataclass
class _Debtor:
    index: int
    ref: str
    segment: str
    name: str
    siren: str
    postcode: str
    area: Area
    phone: str
    phone2: str
    email: str
    sales_rep: str
    agent: str
    archetype: str
    sub: str
    call_state: str  # "ok", "invalid_first", "wrong_first", "none"
    can_sms: bool
    invoices: list[_Invoice] = field(default_factory=list)
    payments: list[_Payment] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    promises: list[_Promise] = field(default_factory=list)

    def balance(self) -> int:
        return sum(i.open for i in self.invoices if not i.credit)

    def overdue(self, on: date) -> int:
        return sum(i.open for i in self.invoices if not i.credit and i.due < on)

    def anchor(self) -> _Invoice:
        return next(i for i in self.invoices if i.anchor)


def _cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros}.{rest:02d}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(ch if ch.isalnum() else "-" for ch in ascii_text.lower())
    return "-".join(part for part in out.split("-") if part)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for pos, ch in enumerate(reversed(digits)):
        n = int(ch)
        if pos % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def siren_is_valid(siren: str) -> bool:
    """Nine digits passing the Luhn check, as every SIREN does."""
    return len(siren) == 9 and siren.isdigit() and _luhn_ok(siren)


def _in_windows(minute: int, windows: Sequence[tuple[int, int]]) -> bool:
    return any(lo <= minute < hi for lo, hi in windows)


class _Builder:
    def __init__(self, today: date, seed: int, debtors: int) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(seed)
        self.n = debtors
        self.w0 = today - timedelta(days=84)  # 12 weeks of contact history
        self.last = today - timedelta(days=1)  # nothing happens on `today` itself
        self.keys = count()
        self.promise_rules = PromiseRules()
        self.invalid_phones: set[str] = set()

    # ------------------------------------------------------------------ random helpers
    def rint(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weighted: Sequence[tuple[str, float]]) -> str:
        values = [v for v, _ in weighted]
        weights = [w for _, w in weighted]
        return self.rng.choices(values, weights)[0]

    def days(self, n: int) -> timedelta:
        return timedelta(days=n)

    def spread(self, start: date, end: date, n: int) -> list[date]:
        """Up to n increasing distinct days in [start, end], evenly spread with jitter."""
        span = (end - start).days + 1
        if span <= 0 or n <= 0:
            return []
        n = min(n, span)
        step = span / n
        out = []
        for i in range(n):
            lo = math.floor(i * step)
            hi = max(lo, math.floor((i + 1) * step) - 1)
            out.append(start + self.days(self.rint(lo, hi)))
        return out

    # ------------------------------------------------------------------ debtors
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

    # ------------------------------------------------------------------ invoices
    def amount(self, segment: str) -> int:
        lo, hi, median, sigma = (40.0, 3000.0, 170.0, 0.85) if segment == "B2C" else (300.0, 60000.0, 2200.0, 1.0)
        euros = self.rng.lognormvariate(math.log(median), sigma)
        for _ in range(20):  # log-normal, redrawn (not clipped) into the segment's range
            if lo <= euros <= hi:
                break
            euros = self.rng.lognormvariate(math.log(median), sigma)
        return round(min(hi, max(lo, euros)) * 100)

    def terms(self, segment: str) -> int:
        if segment == "B2C":
            return 30 if self.chance(0.85) else 45
        return int(self.pick((("30", 0.4), ("45", 0.35), ("60", 0.25))))

    def add_invoice(self, d: _Debtor, issue: date, terms: int, anchor: bool = False) -> _Invoice:
        cents = self.amount(d.segment)
        inv = _Invoice(next(self.keys), issue, issue + self.days(terms), cents, cents, anchor)
        d.invoices.append(inv)
        return inv

    def anchored_invoice(self, d: _Debtor, due_lo: int, due_hi: int) -> _Invoice:
        """An invoice due between today - due_hi and today - due_lo days."""
        terms = self.terms(d.segment)
        due = self.today - self.days(self.rint(due_lo, due_hi))
        issue = max(due - self.days(terms), self.today - self.days(365))  # at most a year old
        return self.add_invoice(d, issue, terms, anchor=True)

    def invoices(self, d: _Debtor, anchors: Sequence[tuple[int, int]]) -> None:
        mean = 3.4 if d.segment == "B2C" else 5.8
        total = max(len(anchors), min(14, 1 + int(self.rng.expovariate(1 / (mean - 1)))))
        for lo, hi in anchors:
            self.anchored_invoice(d, lo, hi)
        for _ in range(total - len(anchors)):
            issue = self.today - self.days(self.rint(0, 365))
            self.add_invoice(d, issue, self.terms(d.segment))
        d.invoices.sort(key=lambda i: (i.issue, i.key))
        # A few credit notes (avoirs), each cancelling all or part of an invoice.
        for inv in list(d.invoices):
            if inv.anchor or inv.credit or not self.chance(0.016):
                continue
            issue = inv.issue + self.days(self.rint(3, 25))
            if issue > self.last:
                continue
            part = inv.cents if self.chance(0.4) else int(inv.cents * self.rint(10, 50) / 100)
            credit = _Invoice(next(self.keys), issue, issue, -part, 0)
            inv.open -= part
            d.invoices.append(credit)
        d.invoices.sort(key=lambda i: (i.issue, i.key))

    # ------------------------------------------------------------------ payments
    def oldest_open(self, d: _Debtor, on: date) -> list[_Invoice]:
        return sorted(
            (i for i in d.invoices if not i.credit and i.open > 0 and i.issue <= on),
            key=lambda i: (i.due, i.issue, i.key),
        )

    def pay(
        self,
        d: _Debtor,
        on: date,
        cents: int | None = None,
        inv: _Invoice | None = None,
        *,
        show_ref: bool = True,
    ) -> int:
        """Record a payment (never more than what is open); returns the amount paid."""
        if on > self.last:
            return 0
        if inv is not None:
            amount = inv.open if cents is None else min(cents, inv.open)
            if amount <= 0:
                return 0
            oldest = self.oldest_open(d, on)
            if not show_ref and (not oldest or oldest[0] is not inv):
                show_ref = True  # the importer would settle another invoice first
            inv.open -= amount
            d.payments.append(_Payment(next(self.keys), on, amount, inv if show_ref else None))
            return amount
        assert cents is not None
        left = amount = min(cents, sum(i.open for i in self.oldest_open(d, on)))
        if amount <= 0:
            return 0
        for target in self.oldest_open(d, on):
            take = min(target.open, left)
            target.open -= take
            left -= take
            if not left:
                break
        d.payments.append(_Payment(next(self.keys), on, amount, None))
        return amount

    def history(self, d: _Debtor, p_paid: float, delay: tuple[int, int]) -> None:
        """Settle older invoices (due before the 12-week window) before the window opens."""
        plan: list[tuple[date, _Invoice, bool]] = []
        for inv in d.invoices:
            if inv.credit or inv.anchor or inv.due >= self.w0 or inv.open <= 0:
                continue
            if not self.chance(p_paid):
                continue
            on = inv.due + self.days(self.rint(*delay))
            on = min(max(on, inv.issue + self.days(1)), self.w0 - self.days(1))
            plan.append((on, inv, self.chance(0.08)))
        plan.sort(key=lambda item: (item[0], item[1].key))
        for on, inv, partial in plan:
            if partial:
                first = int(inv.open * self.rint(40, 80) / 100)
                self.pay(d, on, first, inv, show_ref=self.chance(0.85))
                rest_on = on + self.days(self.rint(10, 30))
                if rest_on < self.w0 and self.chance(0.6):
                    self.pay(d, rest_on, None, inv, show_ref=self.chance(0.85))
            else:
                self.pay(d, on, None, inv, show_ref=self.chance(0.85))

    def pay_window_dues(self, d: _Debtor, *, remind: float = 0.0) -> None:
        """Pay on time the non-anchor invoices falling due inside the window (good payers)."""
        for inv in sorted(d.invoices, key=lambda i: (i.due, i.key)):
            if inv.credit or inv.anchor or inv.open <= 0 or inv.due < self.w0:
                continue
            if inv.due > self.last:
                if self.chance(0.4) and inv.issue < self.last:
                    on = inv.issue + self.days(self.rint(1, max(1, (self.last - inv.issue).days)))
                    self.pay(d, on, None, inv, show_ref=self.chance(0.85))
                continue
            if remind and self.chance(remind):
                ev = self.remind(d, inv.due + self.days(self.rint(2, 5)), self.soft_channel(d))
                if ev is not None:
                    self.pay(d, ev.at.date() + self.days(self.rint(1, 4)), None, inv)
                continue
            on = max(inv.issue + self.days(1), inv.due + self.days(self.rint(-10, 4)))
            self.pay(d, min(on, self.last), None, inv, show_ref=self.chance(0.85))

    # ------------------------------------------------------------------ times
    def slot_is_feasible(self, d: _Debtor, start: int) -> bool:
        windows = _WINDOWS[d.segment]
        if not any(lo <= start and start + 90 <= hi for lo, hi in windows):
            return False
        for month in (1, 7):
            ref_day = date(self.today.year, month, 15)
            for minute in (start, start + 89):
                local = datetime.combine(ref_day, time(minute // 60, minute % 60), d.area.zone)
                paris = local.astimezone(PARIS)
                pm = paris.hour * 60 + paris.minute
                if not (_AGENT_SHIFT[0] <= pm < _AGENT_SHIFT[1]) or paris.date() != ref_day:
                    return False
        return True

    def pick_slot(self, d: _Debtor) -> int | None:
        options = [m for m in range(9 * 60, 17 * 60, 15) if self.slot_is_feasible(d, m)]
        return self.rng.choice(options) if options else None

    def day_ok(self, d: _Debtor, day: date, kind: str) -> bool:
        if kind == "any":
            return True
        weekdays = 6 if kind in ("call", "in_call") and d.segment == "B2C" else 5
        if day.weekday() >= weekdays or holiday_name(METROPOLE, day):
            return False
        return not (kind in ("call", "in_call", "sms") and holiday_name(d.area, day))

    def local_time(self, d: _Debtor, day: date, kind: str, slot: int | None) -> datetime | None:
        """A Paris naive datetime on `day` fitting the kind of contact, or None."""
        if kind == "office":  # letters and e-mails sent from the Paris office
            minute = self.rint(9 * 60, 17 * 60 - 1)
            return datetime.combine(day, time(minute // 60, minute % 60))
        # Inbound e-mails: the debtor writes during their own waking hours, any day.
        windows = {"sms": _SMS_WINDOWS, "any": _EMAIL_IN_WINDOWS}.get(kind, _WINDOWS[d.segment])
        shift = (0, 24 * 60) if kind == "any" else _AGENT_SHIFT
        for _ in range(40):
            if slot is not None:
                minute = slot + self.rint(0, 85)
            else:
                lo, hi = self.rng.choices(windows, [hi - lo for lo, hi in windows])[0]
                minute = self.rint(lo, hi - 1)
            if not _in_windows(minute, windows):
                continue
            local = datetime.combine(day, time(minute // 60, minute % 60), d.area.zone)
            paris = local.astimezone(PARIS)
            pm = paris.hour * 60 + paris.minute
            if paris.date() == day and shift[0] <= pm < shift[1]:
                return paris.replace(tzinfo=None)
        return None

    def when(
        self,
        d: _Debtor,
        day: date,
        kind: str,
        *,
        slot: int | None = None,
        floor: date | None = None,
    ) -> datetime | None:
        """The first fitting time on `day` or after (never after yesterday), else before
        `day` down to `floor` (exclusive), else None."""
        candidates = [day + self.days(k) for k in range(0, 8)]
        if floor is not None:
            candidates += [day - self.days(k) for k in range(1, (day - floor).days)]
        for cand in candidates:
            if cand > self.last or (floor is not None and cand <= floor):
                continue
            if self.day_ok(d, cand, kind):
                at = self.local_time(d, cand, kind, slot)
                if at is not None:
                    return at
        return None

    # ------------------------------------------------------------------ events
    def event(
        self,
        d: _Debtor,
        at: datetime,
        channel: str,
        direction: str,
        outcome: str,
        agent: str,
        note: str,
        inv: _Invoice | None = None,
    ) -> _Event:
        ev = _Event(at, channel, direction, outcome, agent, note, inv)
        d.events.append(ev)
        return ev

    def caller(self, d: _Debtor) -> str:
        if d.agent and self.chance(0.8):
            return d.agent
        return self.rng.choice(_CALLERS)

    def note(self, key: str, d: _Debtor | None = None) -> str:
        if d is not None and f"{key}:{d.segment}" in _NOTES:
            key = f"{key}:{d.segment}"
        return self.rng.choice(_NOTES[key])

    def soft_channel(self, d: _Debtor) -> str:
        options = [("letter", 0.2)]
        if d.email:
            options.append(("email", 0.5))
        if d.can_sms:
            options.append(("sms", 0.4 if d.segment == "B2C" else 0.1))
        return self.pick(options)

    def channel(self, d: _Debtor) -> str:
        options = [("letter", 0.1 if d.segment == "B2C" else 0.15)]
        if d.call_state != "none":
            options.append(("call", 0.45 if d.segment == "B2C" else 0.5))
        if d.can_sms:
            options.append(("sms", 0.25 if d.segment == "B2C" else 0.05))
        if d.email:
            options.append(("email", 0.2 if d.segment == "B2C" else 0.3))
        return self.pick(options)

    def remind(
        self,
        d: _Debtor,
        day: date,
        channel: str | None = None,
        *,
        agent: str | None = None,
        slot: int | None = None,
        floor: date | None = None,
    ) -> _Event | None:
        """An outbound reminder (call without right-party contact, letter, e-mail, SMS)."""
        channel = channel or self.channel(d)
        if channel == "call" and d.call_state == "none":
            channel = self.soft_channel(d)
        if channel == "sms" and not d.can_sms:
            channel = "letter"
        if channel == "email" and not d.email:
            channel = "letter"
        kind = {"call": "call", "sms": "sms", "email": "office", "letter": "office"}[channel]
        at = self.when(d, day, kind, slot=slot, floor=floor)
        if at is None:
            return None
        if channel != "call":
            return self.event(d, at, channel, "out", "", "", self.note(channel))
        who = agent or self.caller(d)
        if d.call_state in ("invalid_first", "wrong_first"):
            outcome = "invalid_number" if d.call_state == "invalid_first" else "wrong_number"
            d.call_state = "ok" if d.phone2 else "none"
            return self.event(d, at, "call", "out", outcome, who, self.note(outcome))
        outcome = self.pick(_NO_CONTACT[d.segment])
        return self.event(d, at, "call", "out", outcome, who, self.note(outcome, d))

    def rpc(
        self,
        d: _Debtor,
        day: date,
        outcome: str,
        note: str,
        *,
        inbound: bool = False,
        floor: date | None = None,
        inv: _Invoice | None = None,
    ) -> _Event | None:
        """A right-party call (outbound, or inbound when the debtor calls)."""
        if d.call_state != "ok" and not inbound:
            inbound = True  # no number known to work yet: the debtor calls in
        at = self.when(d, day, "in_call" if inbound else "call", floor=floor)
        if at is None:
            return None
        if inbound:
            note = "Appel entrant. " + note
        return self.event(d, at, "call", "in" if inbound else "out", outcome, self.caller(d), note, inv)

    def formal_notice(self, d: _Debtor, day: date) -> _Event | None:
        at = self.when(d, day, "office")
        if at is None:
            return None
        who = LEAD_LOGIN if self.chance(0.4) or not d.agent else d.agent
        return self.event(d, at, "letter", "out", FORMAL_NOTICE_OUTCOME, who, self.note("formal_notice"))

    def reminders(self, d: _Debtor, start: date, end: date, n: int) -> list[_Event]:
        out = []
        prev = start - self.days(1)
        for day in self.spread(start, end, n):
            ev = self.remind(d, max(day, prev + self.days(1)))
            if ev is not None and ev.at.date() <= end:
                out.append(ev)
                prev = ev.at.date()
            elif ev is not None:
                d.events.remove(ev)
        return out

    # ------------------------------------------------------------------ promises
    def promise(self, d: _Debtor, at: datetime, total: int, n: int, first_due: date) -> _Promise:
        limit = max_instalments(total, self.promise_rules) or n
        n = max(1, min(n, limit, total))
        schedule = build_schedule(total, n, first_due, area=d.area, move_to_working_day=True)
        prom = _Promise(next(self.keys), at, [(i.due, i.amount_cents) for i in schedule])
        d.promises.append(prom)
        return prom

    def promise_note(self, prom: _Promise, plan: bool) -> str:
        first_due, first_amount = prom.instalments[0]
        if plan or len(prom.instalments) > 1:
            return (
                f"Échéancier accepté : {len(prom.instalments)} échéances de "
                f"{format_eur(first_amount)} à partir du {format_date_fr(first_due)}."
            )
        return f"Promesse de règlement de {format_eur(first_amount)} le {format_date_fr(first_due)}."

    def pay_instalment(self, d: _Debtor, prom: _Promise, due: date, cents: int, early: int = 4) -> None:
        on = max(prom.created.date(), due + self.days(self.rint(-early, 2)))
        self.pay(d, min(on, self.last), cents)

    # ------------------------------------------------------------------ archetypes
    def story(self, d: _Debtor) -> None:
        getattr(self, f"story_{d.archetype}")(d)

    def story_responsive(self, d: _Debtor) -> None:
        self.invoices(d, ())
        self.history(d, 1.0, (-10, 5))
        self.pay_window_dues(d, remind=0.25)

    def story_forgetful(self, d: _Debtor) -> None:
        self.invoices(d, ((6, 70),))
        self.history(d, 1.0, (3, 25))
        self.pay_window_dues(d)
        a = d.anchor()
        ev = self.remind(d, a.due + self.days(self.rint(3, 8)), self.soft_channel(d))
        if ev is None:
            return
        if d.call_state != "none" and self.chance(0.25):
            # Every other such debtor says it already paid (no extra random draw).
            code = "already_paid" if d.index % 2 else "paid"
            call = self.rpc(d, ev.at.date() + self.days(self.rint(2, 5)), code, self.note(code))
            if call is not None:
                self.pay(d, call.at.date() + self.days(self.rint(0, 1)), None, a)
            return
        self.pay(d, ev.at.date() + self.days(self.rint(1, 6)), None, a, show_ref=self.chance(0.8))

    def story_payment_issue(self, d: _Debtor) -> None:
        self.invoices(d, ((12, 60),))
        self.history(d, 0.9, (0, 20))
        a = d.anchor()
        ev = self.remind(d, a.due + self.days(self.rint(3, 6)), self.soft_channel(d))
        if ev is None:
            return
        day = ev.at.date() + self.days(self.rint(1, 4))
        if self.chance(0.5):
            note = "Le paiement en ligne échoue. Règlement par carte pendant l'appel."
            call = self.rpc(d, day, "paid", note, inbound=True)
            if call is not None:
                self.pay(d, call.at.date(), None, a)
            return
        at = self.when(d, day, "any")
        if at is None:
            return
        text = self.rng.choice(
            (
                "E-mail du client : ne trouve pas le RIB sur la facture {inv}.",
                "E-mail du client : le lien de paiement de la facture {inv} est en erreur.",
                "E-mail du client : ne sait pas à quel service adresser le règlement.",
            )
        )
        self.event(d, at, "email", "in", "", "", text, a)
        reply = at + timedelta(hours=self.rint(1, 3))
        if reply.date() == at.date() and reply.hour < 20:
            self.event(
                d,
                reply,
                "email",
                "out",
                "",
                self.caller(d),
                "Envoi du RIB et du lien de paiement.",
            )
        self.pay(d, at.date() + self.days(self.rint(2, 6)), None, a)

    def story_untouched(self, d: _Debtor) -> None:
        if self.chance(0.25):  # an old balance nobody is chasing
            self.invoices(d, ((100, 300),))
            self.history(d, 0.5, (0, 40))
        else:  # new overdue debt, first reminder not sent yet
            self.invoices(d, ((1, 25),))
            self.history(d, 0.95, (-5, 20))
            self.pay_window_dues(d)

    def story_early(self, d: _Debtor) -> None:
        self.invoices(d, ((10, 40),))
        self.history(d, 0.9, (0, 30))
        start = max(self.w0, d.anchor().due + self.days(self.rint(3, 7)))
        self.reminders(d, start, self.last, self.rint(1, 3))

    def story_plan(self, d: _Debtor) -> None:
        self.invoices(d, ((45, 220),))
        self.history(d, 0.6, (5, 45))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(5)) + self.days(self.rint(0, 10))
        c = f + self.days(self.rint(6, max(6, (self.today - self.days(3) - f).days)))
        hardship_day = None
        if self.chance(0.4) and (c - f).days >= 8:
            hardship_day = f + self.days(self.rint(3, (c - f).days - 3))
            self.reminders(d, f, hardship_day - self.days(2), self.rint(1, 2))
            self.rpc(d, hardship_day, "hardship", self.note("hardship", d))
        else:
            self.reminders(d, f, c - self.days(2), self.rint(1, 3))
        floor = max(ev.at.date() for ev in d.events) if d.events else f
        inbound = self.chance(0.3)
        call = self.rpc(d, c, "plan", "", inbound=inbound, floor=floor)
        if call is None:
            return
        total = d.overdue(call.at.date())
        if total < 200:
            d.events.remove(call)
            return
        first_due = call.at.date() + self.days(self.rint(7, 30))
        prom = self.promise(d, call.at, total, self.rint(2, 6), first_due)
        call.note += self.promise_note(prom, plan=True)
        if inbound:
            call.note = call.note.replace("Appel entrant. ", "Appel entrant : demande d'échéancier. ")
        self.follow_promise(d, prom, keep=0.75)

    def follow_promise(self, d: _Debtor, prom: _Promise, keep: float) -> None:
        """Pay the instalments on time (kept / pending) or stop paying at one (broken)."""
        deadline_ok = [due for due, _ in prom.instalments if due + self.days(3) < self.today]
        missed = None
        if deadline_ok and not self.chance(keep):
            missed = self.rint(0, len(deadline_ok) - 1)
        for n, (due, cents) in enumerate(prom.instalments):
            if due > self.last:
                break
            if missed is not None and n == missed:
                if self.chance(0.3):
                    part = int(cents * self.rint(20, 70) / 100)
                    self.pay_instalment(d, prom, due, part, early=1)
                # Reminders start again once the instalment is missed.
                start = due + self.days(self.rint(4, 10))
                if start <= self.last:
                    self.reminders(d, start, self.last, self.rint(1, 5))
                return
            self.pay_instalment(d, prom, due, cents)

    def story_promise_kept(self, d: _Debtor) -> None:
        self.invoices(d, ((25, 150),))
        self.history(d, 0.8, (0, 30))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 10))
        c = f + self.days(self.rint(3, max(3, (self.today - self.days(2) - f).days)))
        self.reminders(d, f, c - self.days(2), self.rint(1, 3))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        call = self.rpc(d, c, "promise", "", inbound=self.chance(0.2), floor=floor)
        if call is None:
            return
        overdue = d.overdue(call.at.date())
        if overdue < 200:
            d.events.remove(call)
            return
        total = overdue
        if self.chance(0.3):
            total = max(100, overdue * self.rint(30, 70) // 100 // 1000 * 1000)
        n = 1 if self.chance(0.75) else 2
        prom = self.promise(d, call.at, total, n, call.at.date() + self.days(self.rint(2, 15)))
        call.note += self.promise_note(prom, plan=False)
        for k, (due, cents) in enumerate(prom.instalments):
            if due <= self.last:
                self.pay_instalment(d, prom, due, cents, early=3)
            elif k == 0 and self.chance(0.3):
                span = (self.last - call.at.date()).days
                self.pay(d, call.at.date() + self.days(self.rint(0, max(0, span))), cents)

    def story_promise_broken(self, d: _Debtor) -> None:
        self.invoices(d, ((35, 200),))
        self.history(d, 0.7, (5, 40))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 10))
        c = f + self.days(self.rint(3, max(3, (self.today - self.days(12) - f).days)))
        self.reminders(d, f, c - self.days(2), self.rint(1, 3))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        call = self.rpc(d, c, "promise", "", inbound=self.chance(0.15), floor=floor)
        if call is None:
            return
        overdue = d.overdue(call.at.date())
        if overdue < 200:
            d.events.remove(call)
            return
        n = 1 if self.chance(0.7) else self.rint(2, 3)
        created = call.at.date()
        first_due = min(created + self.days(self.rint(3, 10)), self.today - self.days(5))
        prom = self.promise(d, call.at, overdue, n, max(first_due, created + self.days(1)))
        if prom.instalments[0][0] + self.days(3) >= self.today:
            d.promises.remove(prom)
            prom = self.promise(d, call.at, overdue, n, created + self.days(1))
        call.note += self.promise_note(prom, plan=False)
        due, cents = prom.instalments[0]
        if self.chance(0.35):
            self.pay_instalment(d, prom, due, int(cents * self.rint(20, 60) / 100), early=1)
        start = due + self.days(self.rint(4, 9))
        renegotiate = self.chance(0.3) and start <= self.today - self.days(25)
        end = self.today - self.days(self.rint(3, 20)) if renegotiate else self.last
        self.reminders(d, start, end, self.rint(2, 6))
        if renegotiate:
            floor2 = max(ev.at.date() for ev in d.events)
            day = max(floor2 + self.days(2), self.today - self.days(self.rint(3, 20)))
            call2 = self.rpc(d, day, "promise", "", floor=floor2)
            if call2 is None or call2.at.date() < self.today - self.days(27):
                if call2 is not None:
                    d.events.remove(call2)
                return
            total = d.overdue(call2.at.date())
            if total < 200:
                d.events.remove(call2)
                return
            first = max(call2.at.date() + self.days(5), self.today + self.days(2))
            prom2 = self.promise(d, call2.at, total, self.rint(1, 3), first)
            call2.note = "Nouvelle promesse après promesse non tenue. " + self.promise_note(prom2, plan=False)

    def story_dispute(self, d: _Debtor) -> None:
        self.invoices(d, ((20, 150),))
        self.history(d, 0.8, (0, 30))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 7))
        f = min(f, self.today - self.days(4))
        t = f + self.days(self.rint(2, max(2, (self.today - self.days(2) - f).days)))
        self.reminders(d, f, t - self.days(2), self.rint(0, 2))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        text = self.rng.choice(_NOTES["dispute"])
        if d.segment == "B2B":
            text += f" Dossier transmis au commercial ({d.sales_rep})."
        mode = self.pick((("call", 0.6), ("in_call", 0.25), ("in_email", 0.15)))
        if mode == "in_email":
            at = self.when(d, t, "any", floor=floor)
            if at is None:
                return
            self.event(d, at, "email", "in", "", "", "E-mail du client : " + text, a)
            call = self.rpc(
                d,
                at.date() + self.days(self.rint(1, 3)),
                "dispute",
                "Litige confirmé. " + text,
                inv=a,
            )
        else:
            call = self.rpc(d, t, "dispute", text, inbound=mode == "in_call", floor=floor, inv=a)
        if call is None or not self.chance(0.4):
            return
        for inv in d.invoices:
            if not inv.credit and not inv.anchor and inv.open > 0 and inv.due < call.at.date():
                self.pay(d, call.at.date() + self.days(self.rint(2, 12)), None, inv)

    def story_worn(self, d: _Debtor) -> None:
        n_anchor = 2 if self.chance(0.3) else 1
        self.invoices(d, ((40, 330),) * n_anchor)
        self.history(d, 0.3, (10, 60))
        sub = d.sub or self.pick((("single", 0.3), ("slot", 0.25), ("mixed", 0.45)))
        slot = self.pick_slot(d) if sub == "slot" and d.call_state == "ok" else None
        if sub == "slot" and slot is None:
            sub = "mixed"
        d.sub = sub
        start = self.w0 + self.days(self.rint(0, 50))
        end = self.last
        n = self.rint(3, 10)
        if sub == "notice":
            start, n = self.w0 + self.days(self.rint(0, 5)), self.rint(8, 11)
        elif self.chance(0.2):  # answered once, then went silent
            day = self.w0 + self.days(self.rint(2, 15))
            if self.chance(0.5) and d.call_state != "none":
                self.rpc(d, day, "callback", self.note("callback"))
            else:
                at = self.when(d, day, "any")
                if at is not None:
                    self.event(d, at, "email", "in", "", "", self.note("in_ack", d))
            start = max(start, day + self.days(self.rint(5, 12)))
        elif self.chance(0.12):  # reminders stopped a month ago: nobody chases it now
            start = self.w0 + self.days(self.rint(0, 10))
            end = start + self.days(self.rint(20, 30))
        elif self.chance(0.1):  # a fresh streak, not yet two weeks old
            start, n = self.today - self.days(self.rint(10, 13)), 3
        days = self.spread(start, end, n)
        if sub == "single":
            channel = self.channel(d)
            if channel == "letter":
                channel = "email" if d.email else "letter"
            for day in days:
                self.remind(d, day, channel)
            return
        if sub == "slot":
            agent = d.agent or self.rng.choice(_CALLERS)
            email_at = self.rint(0, len(days) - 1) if d.email and self.chance(0.3) else None
            for k, day in enumerate(days):
                if k == email_at:
                    self.remind(d, day, "email")
                else:
                    self.remind(d, day, "call", agent=agent, slot=slot)
            return
        notice_at = None
        if len(days) >= 6 and (sub == "notice" or self.chance(0.45)):
            notice_at = self.rint(2, min(4, len(days) - 2)) if sub == "notice" else self.rint(3, len(days) - 2)
        for k, day in enumerate(days):
            if k == notice_at:
                self.formal_notice(d, day)
            else:
                self.remind(d, day)

    def story_bad_faith(self, d: _Debtor) -> None:
        self.invoices(d, ((60, 300),))
        self.history(d, 0.2, (20, 60))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 7))
        c = f + self.days(self.rint(5, 12))
        self.reminders(d, f, c - self.days(2), self.rint(1, 2))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        resume = c + self.days(3)
        if self.chance(0.5):
            self.rpc(d, c, "refusal", self.note("refusal"), floor=floor)
        else:
            call = self.rpc(d, c, "promise", "Affirme avoir posté un chèque. ", floor=floor)
            if call is not None and d.overdue(call.at.date()) >= 200:
                due = min(call.at.date() + self.days(self.rint(5, 10)), self.today - self.days(20))
                prom = self.promise(
                    d,
                    call.at,
                    d.overdue(call.at.date()),
                    1,
                    max(due, call.at.date() + self.days(1)),
                )
                call.note += self.promise_note(prom, plan=False)
                resume = prom.instalments[0][0] + self.days(4)
            elif call is not None:
                d.events.remove(call)
        days = self.spread(resume, self.last, self.rint(3, 7))
        notice_at = self.rint(0, 1) if self.chance(0.7) and len(days) > 2 else None
        answer = self.chance(0.2)
        for k, day in enumerate(days):
            if k == notice_at:
                ev = self.formal_notice(d, day)
                if ev is not None and answer:
                    self.rpc(
                        d,
                        ev.at.date() + self.days(self.rint(3, 6)),
                        "refusal",
                        "Conteste la mise en demeure, refuse de payer.",
                        inbound=True,
                    )
            else:
                self.remind(d, day)

    # ------------------------------------------------------------------ output
    def build(self) -> DemoData:
        deck = self.archetype_deck()
        specs: list[dict[str, str]] = [dict(s) for s in _SHOWCASE[: self.n]]
        specs += [{"archetype": name} for name in deck]
        debtors = []
        for index, spec in enumerate(specs[: self.n]):
            d = self.make_debtor(index, spec)
            self.story(d)
            d.events.sort(key=lambda e: e.at)
            debtors.append(d)
        return self.rows(debtors)

    def rows(self, debtors: list[_Debtor]) -> DemoData:
        # References in chronological order, as a real ledger numbers them.
        invoices = sorted(
            ((inv, d) for d in debtors for inv in d.invoices),
            key=lambda item: (item[0].issue, item[1].index, item[0].key),
        )
        seqs: dict[tuple[str, int], int] = {}
        for inv, _ in invoices:
            prefix = "AV" if inv.credit else "FA"
            n = seqs[prefix, inv.issue.year] = seqs.get((prefix, inv.issue.year), 0) + 1
            inv.ref = f"{prefix}-{inv.issue.year}-{n:06d}"
        payments = sorted(
            ((p, d) for d in debtors for p in d.payments),
            key=lambda item: (item[0].on, item[1].index, item[0].key),
        )
        seqs.clear()
        for p, _ in payments:
            n = seqs["RG", p.on.year] = seqs.get(("RG", p.on.year), 0) + 1
            p.ref = f"RG-{p.on.year}-{n:06d}"
        promises = sorted(
            ((p, d) for d in debtors for p in d.promises),
            key=lambda item: (item[0].created, item[1].index, item[0].key),
        )
        for n, (prom, _) in enumerate(promises, start=1):
            prom.ref = f"PR-{n:06d}"

        out = DemoData(
            agents=[dict(a) for a in AGENTS],
            debtors=[],
            invoices=[],
            payments=[],
            events=[],
            promises=[],
            profiles={d.ref: d.archetype for d in debtors},
            invalid_phones=frozenset(self.invalid_phones),
        )
        for d in debtors:
            out.debtors.append(
                {
                    "debtor_ref": d.ref,
                    "name": d.name,
                    "segment": d.segment,
                    "siren": d.siren,
                    "postcode": d.postcode,
                    "country": "FR",
                    "phone": d.phone,
                    "phone2": d.phone2,
                    "email": d.email,
                    "sales_rep": d.sales_rep,
                    "agent": d.agent,
                }
            )
            for inv in sorted(d.invoices, key=lambda i: (i.issue, i.ref)):
                out.invoices.append(
                    {
                        "debtor_ref": d.ref,
                        "invoice_ref": inv.ref,
                        "issue_date": inv.issue.isoformat(),
                        "due_date": inv.due.isoformat(),
                        "amount": _cents(inv.cents),
                    }
                )
            for p in sorted(d.payments, key=lambda p: (p.on, p.ref)):
                out.payments.append(
                    {
                        "debtor_ref": d.ref,
                        "payment_ref": p.ref,
                        "date": p.on.isoformat(),
                        "amount": _cents(p.cents),
                        "invoice_ref": p.inv.ref if p.inv else "",
                    }
                )
            for ev in d.events:
                out.events.append(
                    {
                        "debtor_ref": d.ref,
                        "at": ev.at.strftime("%Y-%m-%d %H:%M"),
                        "channel": ev.channel,
                        "direction": ev.direction,
                        "outcome": ev.outcome,
                        "agent": ev.agent,
                        "note": ev.note.replace("{inv}", ev.inv.ref if ev.inv else "").strip(),
                    }
                )
            for prom in sorted(d.promises, key=lambda p: p.ref):
                for due, cents in prom.instalments:
                    out.promises.append(
                        {
                            "debtor_ref": d.ref,
                            "promise_ref": prom.ref,
                            "created_at": prom.created.strftime("%Y-%m-%d %H:%M"),
                            "due_date": due.isoformat(),
                            "amount": _cents(cents),
                        }
                    )
        return out


def generate_demo(today: date, *, seed: int = DEFAULT_SEED, debtors: int = 2000) -> DemoData:
    """The demo portfolio as of `today`: same `(today, seed, debtors)`, same rows."""
    if debtors < 1:
        raise ValueError("debtors must be >= 1")
    return _Builder(today, seed, debtors).build()


def write_csv_files(data: DemoData, folder: Path, *, limit: int | None = None) -> list[Path]:
    """Write debtors.csv … promises.csv (UTF-8, `;`, header row) into `folder`.

    With `limit`, only the first `limit` debtors and their rows are written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    keep: set[str] | None = None
    if limit is not None:
        keep = {row["debtor_ref"] for row in data.debtors[: max(0, limit)]}
    paths = []
    for kind in KINDS:
        path = folder / f"{kind}.csv"
        rows: Iterable[dict[str, str]] = data.rows(kind)
        if keep is not None:
            rows = [r for r in rows if r["debtor_ref"] in keep]
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS[kind], delimiter=";", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


__all__ = [
    "AGENTS",
    "ARCHETYPES",
    "COLUMNS",
    "DEFAULT_SEED",
    "DEMO_AGENT",
    "KINDS",
    "LEAD_LOGIN",
    "DemoData",
    "generate_demo",
    "siren_is_valid",
    "write_csv_files",
]
