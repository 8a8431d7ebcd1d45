"""The team lead's screens: team board, queue review, wear report, KPIs, audit trail, search,
credit balances, invoices about to prescribe.

Offered only to a lead (`agent.is_lead`): the welcome screen, the command palette and the app
refuse them to an agent, and the services refuse anyway (`PermissionDenied`). Every database
call goes through `tui.backend.Backend` from thread workers posting the messages of
`lead.messages`; widgets never touch SQL.
"""

from __future__ import annotations

from typing import Any

# name → (French title, key on the welcome screen)
LEAD_SCREENS: dict[str, tuple[str, str]] = {
    "board": ("tableau d'équipe", "b"),
    "review": ("revue des files", "v"),
    "wear": ("usure des relances", "u"),
    "kpis": ("indicateurs", "k"),
    "audit": ("journal d'audit", "j"),
    "search": ("recherche", "/"),
    "credits": ("soldes créditeurs", "c"),
    "prescription": ("prescription", "p"),
}


def make_screen(name: str) -> Any:
    """A new lead screen by name (imported lazily: an agent's session never loads them)."""
    if name == "board":
        from .board import BoardScreen

        return BoardScreen()
    if name == "review":
        from .review import ReviewScreen

        return ReviewScreen()
    if name == "wear":
        from .wear import WearScreen

        return WearScreen()
    if name == "kpis":
        from .kpis import KpiScreen

        return KpiScreen()
    if name == "audit":
        from .audit import AuditScreen

        return AuditScreen()
    if name == "credits":
        from .credits import CreditsScreen

        return CreditsScreen()
    if name == "search":
        from .search import SearchScreen

        return SearchScreen()
    if name == "prescription":
        from .prescription import PrescriptionScreen

        return PrescriptionScreen()
    raise ValueError(f"unknown lead screen {name!r}")
