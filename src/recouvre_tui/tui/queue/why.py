"""« Pourquoi ? » — the score components of one queue entry, in French (pure)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ...domain.text import printable
from ...services.work_queue import NOT_RECEIVED, QueueEntry
from ..fmt import eur, hm, lit, points

CLASS_LABELS = {
    0: "rappel prévu maintenant",
    1: "promesse rompue à relancer",
    2: "ordre du score",
}


def rank_label(e: QueueEntry) -> str:
    """Why the entry is in its class: a class-0 entry is first for a callback due or for a
    payment announced and not received."""
    if e.priority_class == 0 and e.front_reason == NOT_RECEIVED:
        return "paiement annoncé non reçu, à rappeler en premier"
    return CLASS_LABELS.get(e.priority_class, "")


def why_renderable(e: QueueEntry | None) -> Table | Text:
    if e is None:
        return Text("Aucune ligne sélectionnée.", style="dim")
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(ratio=1)
    table.add_column(justify="right", no_wrap=True)
    table.add_row(Text.assemble((printable(e.debtor_ref), "bold"), " · ", printable(e.name)), "")
    table.add_row(Text(f"provenance : {printable(e.origin_label)}", style="bold"), "")
    table.add_row(Text(f"rang : {rank_label(e)}", style="italic"), "")
    table.add_row("", "")
    for c in e.components:
        pts = float(c.get("points", 0))
        style = "green" if pts > 0 else ("red" if pts < 0 else "dim")
        table.add_row(
            lit(c.get("detail") or c.get("label") or ""),
            Text(points(pts), style=style),
        )
    table.add_row(Text("score", style="bold"), Text(f"{e.score:.1f}".replace(".", ","), style="bold"))
    table.add_row("", "")
    mark = ("✓ dans la plage", "green") if e.in_window else ("✗ hors plage", "red")
    table.add_row(Text.assemble(f"heure locale {hm(e.local_time)} · {printable(e.area_label)} · ", mark), "")
    table.add_row(Text(f"solde {eur(e.balance_cents)} · retard {e.days_past_due} j"), "")
    if not e.callable:
        table.add_row("", "")
        table.add_row(Text("Bloqué :", style="bold red"), "")
        for reason in e.explanations or ["bloqué"]:
            table.add_row(lit(f"• {reason}"), "")
    return table
