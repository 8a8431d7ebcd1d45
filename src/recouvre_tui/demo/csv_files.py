"""Write the demo portfolio as the five CSV import files."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from .catalogue import COLUMNS, KINDS
from .model import DemoData


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
