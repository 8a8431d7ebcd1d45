"""The queue table's columns, in the widest layout that fits the table's width.

At 80 columns the full layout (114 cells) cut the status column, which says why a case is
first or blocked. Narrower layouts drop the segment and the score (both stay in
« Pourquoi ? ») and shorten the debtor and the local time, so that every column shown is
whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from ...services.work_queue import QueueEntry
from ..fmt import eur, hm

CELL_PADDING = 1  # DataTable's default, on each side of every cell
SCROLLBAR = 2  # the vertical scrollbar's width


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    right: bool = False

    def header(self) -> str | Text:
        return Text(self.label, justify="right") if self.right else self.label


WIDE = (
    Column("debtor", "Débiteur", 28),
    Column("segment", "Seg.", 4),
    Column("balance", "Solde", 13, right=True),
    Column("days", "Retard", 7, right=True),
    Column("local", "Heure locale", 12),
    Column("status", "Statut", 30),
    Column("score", "Score", 6, right=True),
)
# Status 17 cells: « paiement non reçu », the longest status of a callable case, whole.
MEDIUM = (
    Column("debtor", "Débiteur", 25),
    Column("segment", "Seg.", 4),
    Column("balance", "Solde", 12, right=True),
    Column("days", "Retard", 6, right=True),
    Column("local", "Heure", 7),
    Column("status", "Statut", 17),
    Column("score", "Score", 6, right=True),
)
COMPACT = tuple(c for c in MEDIUM if c.key not in {"segment", "score"})  # both stay in « Pourquoi ? »
LAYOUTS = (WIDE, MEDIUM, COMPACT)


def needed_width(layout: tuple[Column, ...]) -> int:
    """Cells the table needs to show `layout` whole, scrollbar included."""
    return sum(c.width + 2 * CELL_PADDING for c in layout) + SCROLLBAR


def layout_for(width: int) -> tuple[Column, ...]:
    """The widest layout that fits `width` cells (the narrowest one when none does)."""
    for layout in LAYOUTS:
        if needed_width(layout) <= width:
            return layout
    return COMPACT


def row_cells(e: QueueEntry, layout: tuple[Column, ...]) -> list[Text]:
    """One queue entry's cells, in `layout`'s order."""
    style = "" if e.callable else "dim"
    mark = "✓" if e.in_window else "✗"
    cells = {
        "debtor": Text(f"{e.debtor_ref} · {e.name}", style=style),
        "segment": Text(e.segment, style=style),
        "balance": Text(eur(e.balance_cents), justify="right", style=style),
        "days": Text(f"{e.days_past_due} j", justify="right", style=style),
        "local": Text(f"{hm(e.local_time)} {mark}", style="" if e.in_window else "red"),
        "status": Text(
            e.status, style="red" if not e.callable else ("bold" if e.priority_class < 2 else "")
        ),
        "score": Text(f"{e.score:.1f}".replace(".", ","), justify="right", style=style),
    }
    return [cells[c.key] for c in layout]
