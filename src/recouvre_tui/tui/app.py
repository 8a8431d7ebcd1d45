"""The agent's Textual application and `run_app`, the entry point the CLI calls.

Database work runs in thread workers that post typed messages back (`tui.messages`):
the event loop never waits on SQLite. A 1-second watcher reads `PRAGMA data_version`
to pick up other sessions' commits; a timer renews the claim's lease while a case is
open; quitting (ctrl+q, hang-up, crash) gives the held case back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.reactive import var
from textual.theme import ThemeProvider
from textual.worker import get_current_worker

from ..domain.config import CLAIM_RENEW_SECONDS, Settings
from ..services.work_queue import QueueEntry
from ..store.agents import Agent
from ..store.db import Store
from .backend import Backend
from .commands import RecouvreCommands
from .messages import (
    CaseReleased,
    DataChanged,
    FiguresLoaded,
    LeaseRenewed,
    NextCaseTaken,
    ServiceFailed,
)

WATCH_SECONDS = 1.0
RENEW_SECONDS = float(CLAIM_RENEW_SECONDS)  # the settings check the lease outlasts it


# A session says it is alive this often (plus on every case taken or closed); the board
# shows « disponible » for sessions seen within `services.lead.AVAILABLE_WITHIN`.
HEARTBEAT_SECONDS = 120


class RecouvreApp(App[None]):
    """One agent's session on the shared database."""

    CSS_PATH = "app.tcss"
    TITLE = "Recouvre"
    SUB_TITLE = "recouvrement amiable"
    COMMANDS: ClassVar[set[Any]] = {RecouvreCommands}
    COMMAND_PALETTE_DISPLAY = "ctrl+p"
    NOTIFICATION_TIMEOUT = 4
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "aide", key_display="F1", id="app.help"),
        Binding(
            "ctrl+p",
            "command_palette",
            "commandes",
            key_display="ctrl+p",
            priority=True,
            show=False,
            id="app.command_palette",
        ),
        Binding("ctrl+q", "quit", "quitter", key_display="ctrl+q", priority=True, id="app.quit"),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]

    figures: var[dict[str, int]] = var(dict, always_update=True)

    def __init__(
        self,
        store: Store,
        agent: Agent,
        *,
        settings: Settings,
        frozen_now: datetime | None = None,
        clock: Callable[[], datetime] | None = None,
        watch_seconds: float = WATCH_SECONDS,
        renew_seconds: float = RENEW_SECONDS,
        cursor_blink: bool = True,
        clock_note: str | None = None,
    ) -> None:
        super().__init__()
        if clock is None:
            clock = _clock(frozen_now)
        self.clock = clock
        # « horloge de démonstration … »: shown in the agent bar when the clock is not real time.
        self.clock_note = clock_note
        self.agent = agent
        self.settings = settings
        self.backend = Backend(store, agent, settings, clock)
        self.cursor_blink = cursor_blink
        self.held_ref: str | None = None
        self._watch_seconds = watch_seconds
        self._renew_seconds = renew_seconds
        self._version: int | None = None
        self._taking = False
        self._released = False
        self._watching = False
        self._session_ended = False
        self.idle_clock: Callable[[], float] = time.monotonic
        self._last_activity = self.idle_clock()
        self._locked = False
        self._lock_after_release = False

    # --- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        from .welcome.screen import WelcomeScreen

        self.push_screen(WelcomeScreen())
        self.load_figures()
        self.preload_scripts()
        self.set_interval(self._watch_seconds, self._watch_tick)
        self.set_interval(self._renew_seconds, self._renew_tick)
        self.set_interval(HEARTBEAT_SECONDS, self.send_heartbeat)
        self.send_heartbeat()
        if self.settings.idle_lock_minutes > 0:
            self.set_interval(15, self.check_idle_lock)
        self._install_signal_handlers()

    def on_unmount(self) -> None:
        # Last chance when the app stops for any reason (ctrl+q already released).
        self.release_now()

    def _install_signal_handlers(self) -> None:
        """No suspend to a shell (ctrl+z / SIGTSTP); hang-up and TERM quit cleanly."""
        if self.is_headless or threading.current_thread() is not threading.main_thread():
            return
        with contextlib.suppress(ValueError, OSError, AttributeError):
            signal.signal(signal.SIGTSTP, signal.SIG_IGN)
        if os.name != "posix":
            return  # no SIGHUP, no loop signal handlers: the release on exit still runs
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self._hang_up)

    def _hang_up(self) -> None:
        self.release_now()
        self.exit()

    def release_now(self) -> None:
        """Give the held case back and close the session on the board (shutdown paths only)."""
        if not self._session_ended:
            self._session_ended = True
            with contextlib.suppress(Exception):
                self.backend.end_session()
        if self._released:
            return
        self._released = True
        with contextlib.suppress(Exception):
            self.backend.release()
        self.held_ref = None

    # --- idle lock (optional: `idle_lock_minutes` in the configuration) -------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._last_activity = self.idle_clock()
        await super().on_event(event)

    def check_idle_lock(self) -> None:
        """Lock the session and give the held case back after too long without a key."""
        minutes = self.settings.idle_lock_minutes
        if self._locked or minutes <= 0 or self.idle_clock() - self._last_activity < minutes * 60:
            return
        self._locked = True
        if self.held_ref is not None:
            # The lock screen goes up once the case is back in the queue (see _case_released).
            self._lock_after_release = True
            self.release_worker()
        else:
            self._show_lock(None)

    def _show_lock(self, released: str | None) -> None:
        from .lock.screen import LockScreen

        def unlocked(_: None) -> None:
            self._locked = False
            self._last_activity = self.idle_clock()

        self.push_screen(LockScreen(self.settings.idle_lock_minutes, released), unlocked)

    @work(thread=True, exclusive=True, group="heartbeat", exit_on_error=False)
    def send_heartbeat(self) -> None:
        """The team board's « disponible / en appel » (best effort: never disturbs the agent)."""
        with contextlib.suppress(Exception):
            self.backend.heartbeat(on_case=self.held_ref is not None)

    def action_suspend_process(self) -> None:
        """Agents' sessions offer no way out to a shell."""
        self.notify("Suspension désactivée : utilisez ctrl+q pour quitter.", severity="warning")

    def action_help_quit(self) -> None:
        self.notify("Pour quitter : ctrl+q (le dossier en cours est rendu à la file).")

    async def action_quit(self) -> None:
        if not self._session_ended:
            self._session_ended = True
            worker = self.run_worker(self.backend.end_session, thread=True, group="session", exit_on_error=False)
            with contextlib.suppress(Exception):
                await worker.wait()
        if self.held_ref is not None and not self._released:
            worker = self.run_worker(self.backend.release, thread=True, group="release", exit_on_error=False)
            with contextlib.suppress(Exception):
                await worker.wait()
            self.held_ref = None
            self._released = True
        self.exit()

    # --- navigation ------------------------------------------------------------------

    def action_help(self) -> None:
        from .help.screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_show_queue(self) -> None:
        from .case.screen import CaseScreen
        from .queue.screen import QueueScreen

        if isinstance(self.screen, QueueScreen):
            return
        if isinstance(self.screen, CaseScreen):
            self.notify(
                "Un dossier est ouvert : enregistrez l'issue (Entrée) ou libérez-le (l).",
                severity="warning",
            )
            return
        self.push_screen(QueueScreen())

    def action_home(self) -> None:
        from .case.screen import CaseScreen
        from .welcome.screen import WelcomeScreen

        if isinstance(self.screen, CaseScreen):
            self.notify(
                "Un dossier est ouvert : enregistrez l'issue (Entrée) ou libérez-le (l).",
                severity="warning",
            )
            return
        while len(self.screen_stack) > 2 and not isinstance(self.screen, WelcomeScreen):
            self.pop_screen()

    def action_promises(self) -> None:
        """« Promesses » over the welcome screen (everyone: the service limits what an agent sees)."""
        from .promises.screen import PromisesScreen
        from .welcome.screen import WelcomeScreen

        if isinstance(self.screen, PromisesScreen):
            return
        if self._case_screen() is not None:
            self.notify(
                "Un dossier est ouvert : enregistrez l'issue (Entrée) ou libérez-le (l).",
                severity="warning",
            )
            return
        while len(self.screen_stack) > 2 and not isinstance(self.screen, WelcomeScreen):
            self.pop_screen()
        self.push_screen(PromisesScreen())

    def action_lead(self, name: str) -> None:
        """Open a team-lead screen (`lead.LEAD_SCREENS`) over the welcome screen; leads only."""
        from .lead import LEAD_SCREENS, make_screen
        from .welcome.screen import WelcomeScreen

        if not self.agent.is_lead:
            self.notify("Écran réservé au responsable d'équipe.", severity="warning")
            return
        if name not in LEAD_SCREENS:
            return
        if self._case_screen() is not None:
            self.notify(
                "Un dossier est ouvert : enregistrez l'issue (Entrée) ou libérez-le (l).",
                severity="warning",
            )
            return
        screen = make_screen(name)
        if type(self.screen) is type(screen):
            return
        while len(self.screen_stack) > 2 and not isinstance(self.screen, WelcomeScreen):
            self.pop_screen()
        self.push_screen(screen)

    def action_next_case(self) -> None:
        """Claim the next case (or get back the one already held) and open it."""
        if self._taking:
            return
        self._taking = True
        self.take_next_case()

    @work(thread=True, exclusive=True, group="take")
    def take_next_case(self) -> None:
        try:
            entry = self.backend.take_next()
        except Exception as exc:
            self.post_message(ServiceFailed("dossier suivant", str(exc)))
            self.post_message(NextCaseTaken(None, failed=True))
            return
        self.post_message(NextCaseTaken(entry))

    def _case_screen(self) -> Any:
        from .case.screen import CaseScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, CaseScreen):
                return screen
        return None

    def _close_case_screen(self) -> None:
        """Pop everything down to and including the case screen (forms, help…)."""
        case = self._case_screen()
        if case is None:
            return
        while self.screen_stack and self._case_screen() is case and len(self.screen_stack) > 2:
            self.pop_screen()

    @on(NextCaseTaken)
    def _next_case_taken(self, message: NextCaseTaken) -> None:
        from .case.screen import CaseScreen

        self._taking = False
        entry = message.entry
        if entry is None:
            self.held_ref = None
            if not message.failed:
                self.notify(
                    "Aucun dossier à appeler maintenant (plages horaires, promesses en cours, "
                    "rappels). Consultez la file d'attente (f).",
                    title="File vide",
                    timeout=6,
                )
            self._close_case_screen()
            self.load_figures()
            return
        self.held_ref = entry.debtor_ref
        self._released = False
        self.send_heartbeat()
        case = self._case_screen()
        if case is not None:
            case.show_entry(entry)
        else:
            self.push_screen(CaseScreen(entry))

    def case_closed(self) -> None:
        """The case screen recorded or released its case."""
        self.held_ref = None
        self.load_figures()
        self.send_heartbeat()

    def release_case(self) -> None:
        """Give the held case back to the queue (the agent leaves it without an outcome)."""
        self.release_worker()

    @work(thread=True, exclusive=True, group="release")
    def release_worker(self) -> None:
        try:
            ref = self.backend.release()
        except Exception as exc:
            self.post_message(ServiceFailed("libération du dossier", str(exc)))
            return
        self.post_message(CaseReleased(ref))

    @on(CaseReleased)
    def _case_released(self, message: CaseReleased) -> None:
        self.held_ref = None
        if message.ref:
            self.notify(f"Dossier {message.ref} rendu à la file.")
        self._close_case_screen()
        self.load_figures()
        if self._lock_after_release:
            self._lock_after_release = False
            self._show_lock(message.ref)

    # --- background: figures, scripts, data_version watcher, lease ------------------

    @work(thread=True, exclusive=True, group="figures")
    def load_figures(self) -> None:
        try:
            figures = self.backend.figures()
        except Exception as exc:
            self.post_message(ServiceFailed("chiffres du jour", str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(FiguresLoaded(figures))

    @on(FiguresLoaded)
    def _figures_loaded(self, message: FiguresLoaded) -> None:
        self.figures = message.figures

    @work(thread=True, exclusive=True, group="scripts")
    def preload_scripts(self) -> None:
        try:
            _scripts, errors = self.backend.scripts()
        except Exception as exc:
            self.post_message(ServiceFailed("bibliothèque de scripts", str(exc)))
            return
        if errors:
            self.call_from_thread(
                self.notify,
                f"{len(errors)} problème(s) dans les scripts d'appel ; premier : {errors[0]}",
                severity="warning",
                timeout=8,
            )

    def _watch_tick(self) -> None:
        if not self._watching:  # never two probes at once (the store may be busy)
            self._watching = True
            self.watch_data_version()

    @work(thread=True, group="watch")
    def watch_data_version(self) -> None:
        try:
            version = self.backend.data_version()
        except Exception:
            return  # the next tick tries again
        finally:
            self._watching = False
        previous, self._version = self._version, version
        if previous is not None and version != previous:
            self.post_message(DataChanged(version))

    @on(DataChanged)
    def _data_changed(self, message: DataChanged) -> None:
        if not self.screen_stack:  # the app is shutting down
            return
        self.load_figures()
        screen = self.screen
        if hasattr(screen, "data_changed"):
            screen.data_changed()

    def _renew_tick(self) -> None:
        if self.held_ref is not None:
            self.renew_lease()

    @work(thread=True, exclusive=True, group="renew")
    def renew_lease(self) -> None:
        try:
            kept = self.backend.renew()
        except Exception as exc:
            self.post_message(ServiceFailed("renouvellement du dossier", str(exc)))
            return
        self.post_message(LeaseRenewed(kept))

    @on(LeaseRenewed)
    def _lease_renewed(self, message: LeaseRenewed) -> None:
        if not message.kept and self.held_ref is not None:
            self.notify(
                f"Le dossier {self.held_ref} n'est plus réservé (délai dépassé) : "
                "un collègue peut le prendre. Enregistrez l'issue au plus vite.",
                severity="warning",
                timeout=10,
            )

    @on(ServiceFailed)
    def _service_failed(self, message: ServiceFailed) -> None:
        self.notify(message.error, title=f"Erreur : {message.what}", severity="error", timeout=8)

    # --- command palette and themes ---------------------------------------------------

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(
                    placeholder="Rechercher une commande…",
                    id="--command-palette",
                )
            )

    def search_themes(self) -> None:
        self.push_screen(CommandPalette(providers=[ThemeProvider], placeholder="Choisir un thème…"))


def _clock(frozen_now: datetime | None) -> Callable[[], datetime]:
    if frozen_now is not None:
        frozen = frozen_now if frozen_now.tzinfo else frozen_now.replace(tzinfo=UTC)

        def fixed() -> datetime:
            return frozen

        return fixed

    def real() -> datetime:
        return datetime.now(UTC).replace(microsecond=0)

    return real


def run_app(
    store: Store,
    agent: Agent,
    *,
    settings: Settings,
    frozen_now: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
    clock_note: str | None = None,
) -> None:
    """Run the agent's session until ctrl+q or hang-up; the held case is always released."""
    app = RecouvreApp(store, agent, settings=settings, frozen_now=frozen_now, clock=clock, clock_note=clock_note)
    try:
        app.run()
    finally:
        app.release_now()


__all__ = ["QueueEntry", "RecouvreApp", "run_app"]
