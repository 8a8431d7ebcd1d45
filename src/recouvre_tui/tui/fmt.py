"""French display helpers shared by the screens (pure, no Textual)."""

from __future__ import annotations

from datetime import date, datetime

from ..domain.dates import PARIS
from ..domain.money import format_eur


def eur(cents: int | None) -> str:
    return format_eur(cents) if cents is not None else "—"


def eur_short(cents: int | None) -> str:
    """« 3 250 € » without cents (status bar, figures)."""
    if cents is None:
        return "—"
    euros = round(cents / 100)
    return f"{euros:,}".replace(",", "\u202f") + " €"


def hm(dt: datetime) -> str:
    return dt.strftime("%H:%M")


def paris_hm(now: datetime) -> str:
    return now.astimezone(PARIS).strftime("%H:%M")


def d_fr(day: date | str | None) -> str:
    if day is None or day == "":
        return "—"
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return day.strftime("%d/%m/%Y")


def dm_fr(day: date | str | None) -> str:
    if day is None or day == "":
        return "—"
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return day.strftime("%d/%m/%y")


def siren(value: str | None) -> str:
    if not value:
        return ""
    v = "".join(ch for ch in value if ch.isdigit())
    if len(v) == 9:
        return f"{v[:3]} {v[3:6]} {v[6:]}"
    return value


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n in (0, 1) else (many or one + 's')}"


def points(p: float) -> str:
    """« +32,5 » / « −2 » (French decimal comma)."""
    text = f"{p:+.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def esc(text: object) -> str:
    """Escape Textual/Rich markup in user data (names, notes)."""
    return str(text).replace("[", r"\[")
