"""The one-line bar at the top of every screen: who, Paris time, today's figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Static

from ..fmt import esc, eur_short, paris_hm
from .quiet import update_static

if TYPE_CHECKING:
    from ..app import RecouvreApp


def figures_line(f: dict[str, int]) -> str:
    if not f:
        return "appels … · contacts … · promesses …"
    return (
        f"appels {f.get('calls', 0)} · contacts {f.get('rpc', 0)} · "
        f"promesses {f.get('promises', 0)} ({eur_short(f.get('promised_cents', 0))})"
    )


class AgentBar(Static):
    """« Recouvre ─ Alice Martin (agent) ─ 14:32 Paris ─ appels 23 · contacts 9 · … »."""

    DEFAULT_CLASSES = "agent-bar"

    def on_mount(self) -> None:
        app: RecouvreApp = self.app  # type: ignore[assignment]
        self.watch(app, "figures", self._show, init=True)
        self.set_interval(10, self._tick)  # writes only when the minute (or a figure) changes

    def _tick(self) -> None:
        app: RecouvreApp = self.app  # type: ignore[assignment]
        self._show(app.figures)

    def _show(self, figures: dict[str, Any]) -> None:
        app: RecouvreApp = self.app  # type: ignore[assignment]
        agent = app.agent
        role = "responsable" if agent.is_lead else "agent"
        text = f"[b]Recouvre[/] ─ {esc(agent.name)} ({role}) ─ {paris_hm(app.clock())} Paris ─ {figures_line(figures)}"
        if getattr(app, "clock_note", None):
            text += " ─ [b $warning]horloge de démonstration[/]"
        update_static(self, text, layout=False)  # one docked line: its size never changes
