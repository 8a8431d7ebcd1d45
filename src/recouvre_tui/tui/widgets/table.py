"""A `DataTable` whose cells are always literal text.

Textual parses a plain `str` cell as markup: a debtor named `[@click=app.screenshot(…)]…`
would become a clickable action. Every screen's table is this one; a `str` cell becomes a
literal `Text` and a `Text` cell has its control characters made visible.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable as _DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from ..fmt import lit, safe_text


def literal_cell(value: Any) -> Any:
    if isinstance(value, str):
        return lit(value)
    if isinstance(value, Text):
        return safe_text(value)
    return value


class DataTable(_DataTable[CellType]):
    def add_row(self, *cells: CellType, **kwargs: Any) -> RowKey:
        label = kwargs.get("label")
        if label is not None:
            kwargs["label"] = literal_cell(label)
        return super().add_row(*(literal_cell(c) for c in cells), **kwargs)

    def add_rows(self, rows: Iterable[Iterable[CellType]]) -> list[RowKey]:
        return [self.add_row(*row) for row in rows]

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, literal_cell(value), **kwargs)

    def update_cell_at(self, coordinate: Coordinate, value: CellType, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, literal_cell(value), **kwargs)
