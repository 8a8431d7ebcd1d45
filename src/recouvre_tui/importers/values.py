"""Fast paths for the common cell shapes of big files, in front of the strict parsers.

Each function returns None when the text is not in its simple shape; the caller then uses
the reference parser (`domain.dates`, `domain.money`), which accepts every documented form
and words the error. A fast path only ever accepts text that the reference parser reads
to the same value, so validation is not weakened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from ..domain.dates import MAX_YEAR, MIN_YEAR, PARIS
from ..domain.money import MAX_CENTS
from ..domain.text import control_chars_problem, has_control_chars

_PLAIN_AMOUNT = re.compile(r"(-?)(\d{1,15})(?:[.,](\d{1,2}))?", re.ASCII)


def fast_date(text: str) -> date | None:
    """`yyyy-mm-dd` or `dd/mm/yyyy` (exactly 10 characters, ASCII digits)."""
    if len(text) != 10:
        return None
    if text[4] == "-" and text[7] == "-":
        try:
            # Exactly yyyy-mm-dd here (ASCII digits only, real dates only).
            day = date.fromisoformat(text)
        except ValueError:
            return None  # the reference parser words the error
        return day if MIN_YEAR <= day.year <= MAX_YEAR else None
    if text[2] == "/" and text[5] == "/" and text.isascii():
        dd, mm, yyyy = text[:2], text[3:5], text[6:]
        if dd.isdigit() and mm.isdigit() and yyyy.isdigit() and MIN_YEAR <= int(yyyy) <= MAX_YEAR:
            try:
                return date(int(yyyy), int(mm), int(dd))
            except ValueError:
                return None
    return None


class DateCache(dict[str, date | None]):
    """`fast_date` remembered per text (`cache[text]`): a big file has a few thousand
    distinct dates, and a hit is a plain dictionary lookup."""

    def __missing__(self, text: str) -> date | None:
        if len(self) > 100_000:
            self.clear()
        value = self[text] = fast_date(text)
        return value


def fast_amount(text: str) -> int | None:
    """Cents of `1234`, `-1234.5`, `1234,56`, also grouped by spaces and ending in `€`
    (`1 234,56 €`, the usual French export): no other grouping, at most 2 decimals."""
    if " " in text or "\u00a0" in text or "\u202f" in text:
        text = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if text.endswith("€"):
        text = text[:-1]
    m = _PLAIN_AMOUNT.fullmatch(text)
    if m is None:
        return None
    sign, units, decimals = m.groups()
    cents = int(units) * 100
    if decimals:
        cents += int(decimals) * (10 if len(decimals) == 1 else 1)
    if cents > MAX_CENTS:
        return None  # the reference parser words the error
    return -cents if sign else cents


def fast_paris_datetime(text: str) -> tuple[datetime, bool] | None:
    """`yyyy-mm-dd HH:MM[:SS]` (or with `T`) without offset: Paris time, as aware UTC."""
    n = len(text)
    if n not in (16, 19) or text[4] != "-" or text[10] not in " T":
        return None  # only the ISO order here; dd/mm/yyyy hh:mm goes the slow way
    day = fast_date(text[:10])
    if day is None or not text.isascii():
        return None
    hh, mm = text[11:13], text[14:16]
    if text[13] != ":" or not (hh.isdigit() and mm.isdigit()):
        return None
    ss = "0"
    if n == 19:
        if text[16] != ":" or not text[17:19].isdigit():
            return None
        ss = text[17:19]
    h, mi, s = int(hh), int(mm), int(ss)
    if h > 23 or mi > 59 or s > 59:
        return None
    local = datetime(day.year, day.month, day.day, h, mi, s, tzinfo=PARIS)
    return local.astimezone(UTC), True


# Columns whose text may span lines (a call note); every other cell is one line.
MULTILINE_COLUMNS = frozenset({"note"})


def control_chars_in_row(
    cells: Sequence[str], index: Mapping[str, int], multiline: frozenset[str] = MULTILINE_COLUMNS
) -> tuple[str, str] | None:
    """(column, problem) for the first read cell holding a terminal control character or a
    bidi override (`domain.text`), else None. Cells are compared stripped, as stored; one
    search over the joined row first, so a clean row costs one regex scan."""
    joined = "".join(cells)
    if "\n" not in joined and not has_control_chars(joined, keep_newlines=True):
        return None
    for column, i in index.items():
        problem = control_chars_problem(cells[i].strip(), keep_newlines=column in multiline)
        if problem is not None:
            return column, problem
    return None
