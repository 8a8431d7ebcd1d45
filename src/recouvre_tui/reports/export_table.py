"""A report as a table for people: French headers, typed cells (docs/exports.md).

Cells keep their type until a writer formats them: money in integer cents, dates as
`date`, rates as fractions (0.25 = 25 %), counts as `int`. The `.xlsx` writer turns them
into real numbers and dates with a French display format; the French CSV writer spells
them as French Excel reads them back (`1234,56`, `31/12/2026`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

Kind = Literal["text", "int", "money", "date", "rate", "decimal"]
Cell = str | int | float | date | None


@dataclass(frozen=True)
class Column:
    header: str  # French, shown as is
    kind: Kind = "text"
    width: int = 12  # characters, for the spreadsheet column


@dataclass(frozen=True)
class ExportTable:
    report: str  # file-name slug: usure, indicateurs, promesses, revue
    title: str  # sheet name (≤ 31 characters, Excel's limit)
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i}: {len(row)} cells for {len(self.columns)} columns")
