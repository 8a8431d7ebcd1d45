"""Idle lock: after `idle_lock_minutes` without a key, the held case goes back to the queue
and the screen is covered until the agent comes back (Entrée)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..fmt import esc


def idle_text(minutes: float) -> str:
    """« 10 min », « 1 h 30 min », « 6 s » (a lock shorter than a minute, for tests and demos)."""
    seconds = round(minutes * 60)
    if seconds < 60:
        return f"{seconds} s"
    hours, mins = divmod(seconds // 60, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


class LockScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "resume", "reprendre", id="lock.resume"),
    ]
    DEFAULT_CSS = """
    LockScreen { align: center middle; }
    LockScreen > Vertical { width: 70; height: auto; border: round $warning; padding: 1 2; background: $surface; }
    """

    def __init__(self, minutes: float, released_ref: str | None) -> None:
        super().__init__()
        self.minutes = minutes
        self.released_ref = released_ref

    def compose(self) -> ComposeResult:
        released = (
            f"Le dossier {esc(self.released_ref)} a été rendu à la file."
            if self.released_ref
            else "Aucun dossier n'était ouvert."
        )
        with Vertical():
            idle = idle_text(self.minutes)
            yield Static(f"[b]Session en pause[/b] — aucune activité depuis {idle}.", id="lock-title")
            yield Static(released)
            yield Static("Entrée : reprendre · ctrl+q : quitter")

    def action_resume(self) -> None:
        self.dismiss(None)
