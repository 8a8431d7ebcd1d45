"""CSV for spreadsheets, safe against formula injection.

A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` (and, in some, a TAB or CR
before one) as a formula: a debtor named `=HYPERLINK("http://…")` would become a live
link in the lead's export. Such a cell is written with a leading `'`, which spreadsheets
show as text. A real number (`-12.50`, `+3`, `-1,5e3`) is left as it is.

Every CSV the product writes for people goes through `writer()`. (The demo's import
files are not for spreadsheets: they are read back by the importer, as written.)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def safe_cell(value: Any) -> Any:
    """`value`, or `'value` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not is_number(value):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose rows are neutralised cell by cell.

    The csv module quotes a cell holding a character of the line terminator only: with
    `\n` line ends, a bare CR in a cell would be written unquoted and split the row when
    read back. A row holding a line-break character is therefore written fully quoted.
    """

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)
        self._quoted = csv.writer(stream, **{**options, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = [safe_cell(c) for c in row]
        breaks = any(isinstance(c, str) and ("\r" in c or "\n" in c) for c in cells)
        return (self._quoted if breaks else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: IO[str], **options: Any) -> SafeWriter:
    return SafeWriter(stream, **options)
