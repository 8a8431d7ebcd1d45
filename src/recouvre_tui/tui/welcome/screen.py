"""Welcome: who you are, today's figures, the portfolio, and the way in (Entrée)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..backend_call import BackendCalls
from ..fmt import esc, eur, paris_hm
from ..widgets.agent_bar import AgentBar
from ..widgets.buttons import ActionButton
from ..widgets.quiet import update_static

if TYPE_CHECKING:
    from ...services.work_queue import QueueEntry
    from ..app import RecouvreApp


@lru_cache(maxsize=1)
def banner() -> str:
    try:
        import pyfiglet

        return str(pyfiglet.figlet_format("Recouvre", font="small")).rstrip()
    except Exception:  # a missing font must never stop an agent's session
        logging.getLogger(__name__).warning("banner font unavailable", exc_info=True)
        return "RECOUVRE"


def lead_menu() -> str:
    """The team lead's screens, clickable, with their keys."""
    from ..lead import LEAD_SCREENS

    items = [
        f"[@click=screen.lead('{name}')][b $accent]{key}[/] {title:<20}[/]"
        for name, (title, key) in LEAD_SCREENS.items()
    ]
    rows = ["".join(items[i : i + 3]) for i in range(0, len(items), 3)]  # 3 a row: fits 80 columns
    return "[b]Responsable d'équipe[/]\n  " + "\n  ".join(rows)


class WelcomeScreen(BackendCalls, Screen[None]):
    """The first screen of every session."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "app.next_case",
            "dossier suivant",
            key_display="Entrée",
            priority=True,
            id="welcome.next_case",
        ),
        Binding("f", "app.show_queue", "file d'attente", id="welcome.queue"),
        Binding("o", "app.promises", "promesses", id="welcome.promises"),
        # The team lead's screens: hidden (and refused) for an agent, see `check_action`.
        Binding("b", "lead('board')", "équipe", id="welcome.lead.board"),
        Binding("v", "lead('review')", "revue des files", id="welcome.lead.review"),
        Binding("u", "lead('wear')", "usure", id="welcome.lead.wear"),
        Binding("k", "lead('kpis')", "indicateurs", id="welcome.lead.kpis"),
        Binding("j", "lead('audit')", "audit", id="welcome.lead.audit"),
        Binding("slash", "lead('search')", "recherche", key_display="/", id="welcome.lead.search"),
        Binding("c", "lead('credits')", "soldes créditeurs", id="welcome.lead.credits"),
        Binding("p", "lead('prescription')", "prescription", id="welcome.lead.prescription"),
    ]

    def __init__(self) -> None:
        super().__init__(id="welcome")
        self.held_ref: str | None = None

    @property
    def rapp(self) -> RecouvreApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        with Vertical(id="welcome-body"):
            yield Static(banner(), id="banner", markup=False)
            yield Static(id="who")
            if self.rapp.agent.is_lead:
                yield Static(lead_menu(), id="lead-menu", classes="panel")
            yield Static(id="today", classes="panel")
            yield Static(id="portfolio", classes="panel")
            yield Static(id="held")
            yield Static(
                "[b]Entrée[/] : dossier suivant · [b]f[/] : file d'attente · [b]o[/] : promesses · [b]F1[/] : aide · "
                "[b]ctrl+q[/] : quitter",
                id="welcome-hint",
            )
            with Center(), Horizontal(id="welcome-buttons"):
                yield ActionButton("Dossier suivant (Entrée)", "app.next_case", variant="primary")
                yield ActionButton("File d'attente (f)", "app.show_queue")
        yield Footer(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lead":
            return self.rapp.agent.is_lead  # False: not shown in the footer, key inactive
        return True

    def action_lead(self, name: str) -> None:
        self.rapp.action_lead(name)

    def on_mount(self) -> None:
        agent = self.rapp.agent
        role = "responsable d'équipe" if agent.is_lead else "agent"
        team = f" · équipe {esc(agent.team)}" if agent.team else ""
        self.query_one("#who", Static).update(
            f"Bonjour [b]{esc(agent.name)}[/] ({esc(agent.login)}, {role}{team}) — "
            f"il est {paris_hm(self.rapp.clock())} à Paris."
            + (f"\n[b $warning]{esc(self.rapp.clock_note)}[/]" if self.rapp.clock_note else "")
        )
        self.watch(self.rapp, "figures", self._show_figures, init=True)
        self.check_held()

    def on_screen_resume(self) -> None:
        self.rapp.load_figures()
        self.check_held()

    def data_changed(self) -> None:
        self.check_held()

    def _show_figures(self, f: dict[str, Any]) -> None:
        if not f:
            return
        self.query_one("#today", Static).update(
            "[b]Aujourd'hui[/]\n"
            f"  appels : [b]{f.get('calls', 0)}[/]   ·   "
            f"contacts argumentés : [b]{f.get('rpc', 0)}[/]\n"
            f"  promesses : [b]{f.get('promises', 0)}[/]   ·   "
            f"montant promis : [b]{eur(f.get('promised_cents', 0))}[/]"
        )
        self.query_one("#portfolio", Static).update(
            "[b]Portefeuille[/]\n"
            f"  mes débiteurs : [b]{f.get('debtors', 0)}[/] · "
            f"solde [b]{eur(f.get('balance_cents', 0))}[/]\n"
            f"  pool de l'équipe : [b]{f.get('pool_debtors', 0)}[/] · "
            f"solde [b]{eur(f.get('pool_balance_cents', 0))}[/]"
        )

    def check_held(self) -> None:
        # Quiet: only a hint on the welcome screen (the next case still works), a failure is logged.
        self.run_backend(self.rapp.backend.held_case, what="dossier en cours", quiet=True, on_ok=self._held)

    def _held(self, e: QueueEntry | None) -> None:
        held = self.query_one("#held", Static)
        if e is None:
            update_static(held, "")
            return
        update_static(
            held, f"[b $warning]Dossier en cours : {esc(e.debtor_ref)} · {esc(e.name)}[/] — Entrée pour le reprendre."
        )
