"""The agent's Textual application and `run_app`, the entry point the CLI calls.

Database work runs in thread workers started by `run_backend` (`tui.backend_call`), which post
a typed result or failure back: the event loop never waits on SQLite. A 1-second watcher reads
`PRAGMA data_version` to pick up other sessions' commits; a timer renews the claim's lease while
a case is open; quitting (ctrl+q, hang-up, crash) gives the held case back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.reactive import var
from textual.theme import ThemeProvider

from ..domain.agents import Agent
from ..domain.config import CLAIM_RENEW_SECONDS, Settings
from ..domain.text import printable
from ..services.connection import Store
from ..services.work_queue import QueueEntry
from .action_guard import REFUSED_APP_ACTIONS, markup_action_allowed
from .backend import Backend
from .backend_call import BackendCalls, BackendFailed
from .commands import FrenchCommandPalette, RecouvreCommands
from .data_changes import FollowsDataChanges
from .end_of_input import watch_end_of_input
from .messages import AccountClosed, DataChanged
from .nobreak import install as install_no_break

log = logging.getLogger(__name__)
install_no_break()  # amounts never split across lines

WATCH_SECONDS = 1.0
RENEW_SECONDS = float(CLAIM_RENEW_SECONDS)  # the settings check the lease outlasts it


# A session says it is alive this often (plus on every case taken or closed); the board
# shows « disponible » for sessions seen within `services.lead.AVAILABLE_WITHIN`.
HEARTBEAT_SECONDS = 120


class RecouvreApp(BackendCalls, App[None]):
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
        self.backend.on_account_disabled = self._account_disabled
        self.exit_message: str | None = None  # why the session was ended for the agent, if it was
        self.cursor_blink = cursor_blink
        self.held_ref: str | None = None
        self._watch_seconds = watch_seconds
        self._renew_seconds = renew_seconds
        self._version: int | None = None
        self._taking = False
        self._released = False
        self._watching = False
        self._watch_failing = False
        self._session_ended = False
        self.idle_clock: Callable[[], float] = time.monotonic
        self._last_activity = self.idle_clock()
        self._locked = False
        self._lock_after_release = False

    # --- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        from .welcome.screen import WelcomeScreen

        log.info("session start: login=%s role=%s pid=%d", self.agent.login, self.agent.role, os.getpid())
        if self.settings.keymap:  # checked before the session started (`tui.keymap.check_keymap`)
            self.set_keymap(dict(self.settings.keymap))
        self.push_screen(WelcomeScreen())
        self.load_figures()
        self.preload_scripts()
        self.set_interval(self._watch_seconds, self._watch_tick)
        self.set_interval(self._renew_seconds, self._renew_tick)
        self.set_interval(HEARTBEAT_SECONDS, self.send_heartbeat)
        self.send_heartbeat()
        if self.settings.idle_lock_minutes > 0:
            # A check writes nothing; often enough that a short lock is not late by much.
            self.set_interval(min(15.0, max(1.0, self.settings.idle_lock_minutes * 6)), self.check_idle_lock)
        self._install_signal_handlers()

    def on_unmount(self) -> None:
        # Last chance when the app stops for any reason (ctrl+q already released).
        self.release_now()
        log.info("session end: login=%s pid=%d", self.agent.login, os.getpid())

    def _handle_exception(self, error: Exception) -> None:
        # Textual's hook for an unhandled exception (the app then exits): keep the traceback.
        log.error("session %s: unexpected error, the session stops", self.agent.login, exc_info=error)
        super()._handle_exception(error)

    def _install_signal_handlers(self) -> None:
        """No suspend to a shell (ctrl+z / SIGTSTP). Hang-up and TERM are handled by the CLI
        (`cli._claim_released_on_exit`) with plain handlers, which run even when the loop is
        stuck writing to a frozen client; the end of input is watched here."""
        if self.is_headless or threading.current_thread() is not threading.main_thread():
            return
        with contextlib.suppress(ValueError, OSError, AttributeError):
            signal.signal(signal.SIGTSTP, signal.SIG_IGN)
        watch_end_of_input(self._end_of_input)

    def _end_of_input(self) -> None:
        """The terminal hung up or stdin closed: give the case back and stop.

        The case is given back from this thread first: the event loop may be stuck (a paint
        to the dead terminal) and would then never run `_hang_up`."""
        log.info("end of input: login=%s pid=%d", self.agent.login, os.getpid())
        try:
            ref = self.backend.release("hangup")
            log.info("end of input: login=%s released=%s", self.agent.login, ref or "-")
        except Exception:
            log.exception("session %s: case not released at end of input", self.agent.login)
        with contextlib.suppress(RuntimeError):  # the app already stopped
            self.call_from_thread(self._hang_up)

    def _hang_up(self) -> None:
        self.release_now()
        self.exit()

    def release_now(self) -> None:
        """Give the held case back and close the session on the board (shutdown paths only)."""
        if not self._session_ended:
            self._session_ended = True
            self._end_session_logged()
        if self._released:
            return
        self._released = True
        self._release_logged()
        self.held_ref = None

    def _end_session_logged(self) -> None:
        # Shutdown paths must not fail: a failure is only logged (the board's entry ages out).
        try:
            self.backend.end_session()
        except Exception:
            log.exception("session %s: end of session not recorded", self.agent.login)

    def _release_logged(self) -> None:
        # Shutdown paths must not fail: a failure is only logged (the lease frees the case later).
        try:
            self.backend.release()
        except Exception:
            log.exception("session %s: release failed (a held case frees itself when its lease ends)", self.agent.login)

    # --- idle lock (`idle_lock_minutes` in the configuration, 10 by default; 0 = off) -----

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursor in any input (the command palette's too): a blink is a write
        twice a second, and an idle session must write nothing (see widgets.quiet)."""
        if not self.cursor_blink and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False

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
            self.release_worker("idle_lock")
        else:
            self._show_lock(None)

    def _show_lock(self, released: str | None) -> None:
        from .lock.screen import LockScreen

        def unlocked(_: None) -> None:
            self._locked = False
            self._last_activity = self.idle_clock()

        self.push_screen(LockScreen(self.settings.idle_lock_minutes, released), unlocked)

    def send_heartbeat(self) -> None:
        """The team board's « disponible / en appel » (best effort: never disturbs the agent)."""
        on_case = self.held_ref is not None
        self.run_backend(
            lambda: self.backend.heartbeat(on_case=on_case), what="présence au tableau d'équipe", quiet=True
        )

    # --- what data can never do (see `action_guard`) ---------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in REFUSED_APP_ACTIONS:
            return False
        return super().check_action(action, parameters)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """No screenshots: the session must never write a file."""

    async def _broker_event(self, event_name: str, event: events.Event, default_namespace: Any) -> bool:
        # A click on markup runs its `@click` action: only our own screen actions may run.
        meta = getattr(getattr(event, "style", None), "meta", None) or {}
        for key, action in meta.items():
            if key.startswith("@") and not markup_action_allowed(action):
                event.stop()
                return True
        return await super()._broker_event(event_name, event, default_namespace)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts are literal text: their messages quote names, references, file names."""
        super().notify(
            printable(message, keep_newlines=True),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_suspend_process(self) -> None:
        """Agents' sessions offer no way out to a shell."""
        self.notify("Suspension désactivée : utilisez ctrl+q pour quitter.", severity="warning")

    def action_help_quit(self) -> None:
        self.notify("Pour quitter : ctrl+q (le dossier en cours est rendu à la file).")

    async def action_quit(self) -> None:
        if not self._session_ended:
            self._session_ended = True
            worker = self.run_worker(self._end_session_logged, thread=True, group="session", exit_on_error=False)
            with contextlib.suppress(Exception):
                await worker.wait()
        if self.held_ref is not None and not self._released:
            worker = self.run_worker(self._release_logged, thread=True, group="release", exit_on_error=False)
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

    def take_next_case(self) -> None:
        self.run_backend(
            self.backend.take_next,
            what="dossier suivant",
            on_ok=self._next_case_taken,
            on_failed=lambda _: self._next_case_taken(None, failed=True),
        )

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

    def _next_case_taken(self, entry: QueueEntry | None, *, failed: bool = False) -> None:
        from .case.screen import CaseScreen

        self._taking = False
        if entry is None:
            self.held_ref = None
            if not failed:
                from ..services.work_queue import closed_everywhere

                closed = closed_everywhere(self.clock(), self.settings)
                if closed is not None:
                    title = "Hors des plages d'appel"
                    self.notify(f"Aucun appel possible maintenant : {closed}.", title=title, timeout=8)
                else:
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

    def release_worker(self, reason: str = "release") -> None:
        self.run_backend(self.backend.release, reason, what="libération du dossier", on_ok=self._case_released)

    def _case_released(self, ref: str | None) -> None:
        self.held_ref = None
        if ref:
            self.notify(f"Dossier {ref} rendu à la file.")
        self._close_case_screen()
        self.load_figures()
        if self._lock_after_release:
            self._lock_after_release = False
            self._show_lock(ref)

    # --- background: figures, scripts, data_version watcher, lease ------------------

    def load_figures(self) -> None:
        self.run_backend(self.backend.figures, what="chiffres du jour", on_ok=self._figures_loaded)

    def _figures_loaded(self, figures: dict[str, int]) -> None:
        if figures != self.figures:  # unchanged figures: no repaint (see widgets.quiet)
            self.figures = figures

    def preload_scripts(self) -> None:
        def loaded(result: tuple[Any, list[Any]]) -> None:
            errors = result[1]
            if errors:
                self.notify(
                    f"{len(errors)} problème(s) dans les scripts d'appel ; premier : {errors[0]}",
                    severity="warning",
                    timeout=8,
                )

        self.run_backend(self.backend.scripts, what="bibliothèque de scripts", on_ok=loaded)

    def _watch_tick(self) -> None:
        if not self._watching:  # never two probes at once (the store may be busy)
            self._watching = True
            self.watch_data_version()

    @work(thread=True, group="watch")
    def watch_data_version(self) -> None:
        # The one worker not run by `run_backend`: it polls every second, so a failing store
        # is logged once per failing streak, never shown, and its answer is a message of its own.
        try:
            version = self.backend.data_version()
        except Exception:
            if not self._watch_failing:  # once per failing streak, not every second
                log.warning("session %s: cannot read the data version", self.agent.login, exc_info=True)
            self._watch_failing = True
            return  # the next tick tries again
        finally:
            self._watching = False
        self._watch_failing = False
        previous, self._version = self._version, version
        if previous is None or version != previous:
            # Another connection committed (or this is the first look): perhaps the
            # deactivation, or a change of role, of this very account.
            try:
                reason = self.backend.end_reason()
            except Exception:
                self._version = previous  # not known: look again at the next tick
                return
            if reason is not None:
                self.post_message(AccountClosed(reason))
                return
            if previous is not None:
                self.post_message(DataChanged(version))

    def _account_disabled(self, text: str) -> None:
        """A service refused this session's account (any worker's thread): end the session."""
        self.post_message(AccountClosed(text))

    @on(AccountClosed)
    def _account_closed(self, message: AccountClosed) -> None:
        """The account was deactivated (or its role changed): give the case back (a deactivation
        already did), close the session, and leave with the reason printed on the terminal."""
        if self.exit_message is not None:
            return
        self.exit_message = message.text
        self.release_now()
        self.exit(return_code=1, message=Text(message.text))

    @on(DataChanged)
    def _data_changed(self, message: DataChanged) -> None:
        if not self.screen_stack:  # the app is shutting down
            return
        self.load_figures()
        screen = self.screen
        if isinstance(screen, FollowsDataChanges):
            screen.data_changed()

    def _renew_tick(self) -> None:
        if self.held_ref is not None:
            self.renew_lease()

    def renew_lease(self) -> None:
        self.run_backend(self.backend.renew, what="renouvellement du dossier", on_ok=self._lease_renewed)

    def _lease_renewed(self, kept: bool) -> None:
        if not kept and self.held_ref is not None:
            self.notify(
                f"Le dossier {self.held_ref} n'est plus réservé (délai dépassé) : "
                "un collègue peut le prendre. Enregistrez l'issue au plus vite.",
                severity="warning",
                timeout=10,
            )

    @on(BackendFailed)
    def _backend_failed(self, message: BackendFailed) -> None:
        """Every failed backend call's toast, wherever it was made (the message bubbles here)."""
        if not message.quiet:
            self.notify(message.error, title=message.title, severity="error", timeout=message.timeout)

    # --- command palette and themes ---------------------------------------------------

    def action_command_palette(self) -> None:
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(
                FrenchCommandPalette(
                    placeholder="Rechercher une commande…",
                    id="--command-palette",
                )
            )

    def search_themes(self) -> None:
        self.push_screen(FrenchCommandPalette(providers=[ThemeProvider], placeholder="Choisir un thème…"))


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
    app = RecouvreApp(
        store, agent, settings=settings, frozen_now=frozen_now, cursor_blink=False, clock=clock, clock_note=clock_note
    )
    try:
        app.run()
    finally:
        app.release_now()


__all__ = ["QueueEntry", "RecouvreApp", "run_app"]
