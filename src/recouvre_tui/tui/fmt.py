"""French display helpers shared by the screens (pure, no Textual).

Text from data (names, references, notes, agent names, file names, error messages) is never
markup: a name imported as `[@click=app.screenshot(…)]` must show those characters, not run an
action, and a name holding `ESC ]…` must not reach the terminal. `lit` makes a literal `Text`
(cells, toasts, whole panels of data); `esc` escapes a value put inside our own markup.
"""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text

from ..domain.dates import PARIS
from ..domain.money import format_eur
from ..domain.text import printable


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


def esc(text: object, *, keep_newlines: bool = True) -> str:
    """A data value to put inside our (Textual) markup: every `[` escaped, controls visible.

    Textual opens a tag at any `[` not preceded by a backslash, so `\\[` is enough; a value
    ending with a backslash would escape the tag that follows it, hence the zero-width space.
    Never use it with Rich's `Text.from_markup` (other escaping rules): build a `Text`.
    """
    value = printable(text, keep_newlines=keep_newlines).replace("[", "\\[")
    return value + "\u200b" if value.endswith("\\") else value


def lit(text: object, style: str = "", *, keep_newlines: bool = True) -> Text:
    """A data value as literal text (never parsed as markup), controls made visible."""
    return Text(printable(text, keep_newlines=keep_newlines), style=style)


def safe_text(text: Text) -> Text:
    """A `Text` built by us from data, with its control characters made visible."""
    clean = printable(text.plain, keep_newlines=True)
    if clean == text.plain:
        return text
    copy = text.copy()
    copy.plain = clean  # one-for-one replacement: the spans stay valid
    return copy
