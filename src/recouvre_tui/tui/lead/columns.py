"""DataTable columns that fit 160 columns and still 100 (narrower, or hidden when narrow)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

NARROW = 130  # terminal width below which the lead screens use their narrow layout


@dataclass(frozen=True)
class Col:
    key: str
    title: str
    width: int
    narrow: int | None = -1  # width when narrow: -1 the same, None hidden
    short: str | None = None  # title when narrow
    right: bool = False


def set_columns(table: DataTable[Any], cols: Sequence[Col], *, narrow: bool) -> None:
    """(Re)build the table's columns for the current width (rows are cleared)."""
    table.clear(columns=True)
    for c in cols:
        if narrow and c.narrow is None:
            continue
        width = c.width if not narrow or c.narrow == -1 or c.narrow is None else c.narrow
        title = (c.short or c.title) if narrow else c.title
        table.add_column(Text(title, justify="right") if c.right else title, width=width, key=c.key)


def row_cells(table: DataTable[Any], cells: Mapping[str, Any]) -> list[Any]:
    """The cells of a row in the order of the table's current columns."""
    return [cells[str(col.key.value)] for col in table.ordered_columns]


def has_column(table: DataTable[Any], key: str) -> bool:
    return any(str(col.key.value) == key for col in table.ordered_columns)
