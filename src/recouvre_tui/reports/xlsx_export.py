"""`.xlsx` from an `ExportTable` with XlsxWriter (docs/exports.md).

Amounts are numbers in euros shown `# ##0,00 €` (the format string is Excel's
locale-neutral one, `#,##0.00 "€"`: French Excel displays a space for thousands and a
comma for decimals), rates are fractions shown as `0,0 %`, dates are real dates shown
`jj/mm/aaaa`. The header row is bold and frozen, every column has an autofilter and a
width. Text is written as text (`write_string`): a cell starting with `=` never becomes a
formula.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]  # no type information shipped

from .export_table import Cell, ExportTable

MONEY_FORMAT = '#,##0.00 "€"'
RATE_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"
DECIMAL_FORMAT = "0.0"


def to_xlsx(table: ExportTable) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    try:
        formats = {
            "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
            "money": book.add_format({"num_format": MONEY_FORMAT}),
            "rate": book.add_format({"num_format": RATE_FORMAT}),
            "date": book.add_format({"num_format": DATE_FORMAT}),
            "decimal": book.add_format({"num_format": DECIMAL_FORMAT}),
        }
        sheet = book.add_worksheet(table.title[:31])
        for c, col in enumerate(table.columns):
            sheet.write_string(0, c, col.header, formats["header"])
            sheet.set_column(c, c, max(col.width, len(col.header) + 2))
        for r, row in enumerate(table.rows, start=1):
            for c, (col, value) in enumerate(zip(table.columns, row, strict=True)):
                _write(sheet, r, c, col.kind, value, formats)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(table.rows), 1), len(table.columns) - 1)
    finally:
        book.close()
    return buf.getvalue()


def _write(sheet: Any, r: int, c: int, kind: str, value: Cell, formats: dict[str, Any]) -> None:
    if value is None:
        return
    if kind == "money":
        assert isinstance(value, int)
        sheet.write_number(r, c, value / 100, formats["money"])
    elif kind == "date":
        sheet.write_datetime(r, c, value, formats["date"])
    elif kind in ("rate", "decimal"):
        assert isinstance(value, int | float)
        sheet.write_number(r, c, value, formats[kind])
    elif kind == "int":
        assert isinstance(value, int)
        sheet.write_number(r, c, value)
    else:
        sheet.write_string(r, c, str(value))
