"""CSV for French Excel from an `ExportTable` (docs/exports.md).

`;` separator, CRLF, UTF-8 with a byte order mark (Excel then reads the accents right),
French headers; amounts `1234,56` (no thousands separator, so Excel reads a number), rates
in percent `31,4` (the header says « (%) »), dates `31/12/2026`. Cells go through the safe
CSV writer: text a spreadsheet would run as a formula gets a leading `'`.
"""

from __future__ import annotations

import io
from datetime import date

from . import safe_csv
from .export_table import Cell, Column, ExportTable


def header(col: Column) -> str:
    return f"{col.header} (%)" if col.kind == "rate" else col.header


def cell_text(kind: str, value: Cell) -> str:
    if value is None:
        return ""
    if kind == "money":
        assert isinstance(value, int)
        sign = "-" if value < 0 else ""
        euros, cents = divmod(abs(value), 100)
        return f"{sign}{euros},{cents:02d}"
    if kind == "date":
        assert isinstance(value, date)
        return f"{value:%d/%m/%Y}"
    if kind == "rate":
        assert isinstance(value, int | float)
        return f"{value * 100:.1f}".replace(".", ",")
    if kind == "decimal":
        assert isinstance(value, int | float)
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def to_csv_fr(table: ExportTable) -> bytes:
    buf = io.StringIO()
    w = safe_csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([header(c) for c in table.columns])
    for row in table.rows:
        w.writerow([cell_text(c.kind, v) for c, v in zip(table.columns, row, strict=True)])
    return buf.getvalue().encode("utf-8-sig")
