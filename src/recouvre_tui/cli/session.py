"""Opening a session: `recouvre tui`, `recouvre demo`, and the SSH `authorized_keys` lines
that start one."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ..domain.dates import parse_now
from ..store.db import open_db
from .common import (
    NOW_OPTION,
    Ctx,
    _now,
    echo,
    fail,
    handle_errors,
)
from .root import main


@main.command()
@NOW_OPTION
@click.pass_context
@handle_errors
def demo(ctx: click.Context, now_text: str | None) -> None:
    """Préparer la base de démonstration et ouvrir l'interface en tant qu'agent « demo »."""
    from ..services.demo_seed import (
        DEMO_AGENT,
        DEMO_EXTRA_MISSING,
        DEMO_ON_FILE_ONLY,
        demo_db_path,
        demo_extra_installed,
        ensure_demo,
    )

    if not demo_extra_installed():
        fail(DEMO_EXTRA_MISSING)
    _require_terminal()
    obj: Ctx = ctx.obj
    explicit_db = ctx.parent is not None and ctx.parent.params.get("db") is not None
    path = obj.db_path if explicit_db or os.environ.get("RECOUVRE_DB") else demo_db_path()
    now = _now(now_text)
    clock, note = _demo_clock(now) if now_text is None else (None, None)
    if clock is not None:
        now = clock()
    echo(f"préparation de la base de démonstration ({path})…", err=True)
    if note:
        echo(note, err=True)
    if not isinstance(path, Path) and "://" in path:
        fail(DEMO_ON_FILE_ONLY)
    ensure_demo(Path(path), now=now, settings=obj.settings)
    obj.db_path = path
    _run_tui(obj, DEMO_AGENT, now_text, clock=clock, clock_note=note)


def _demo_clock(now: datetime) -> tuple[Any, str | None]:
    """Outside calling hours, a clock from 10:30 Paris on the next working day, and its note."""
    from ..domain.dates import PARIS
    from ..domain.demo_clock import demo_start, offset_clock

    start = demo_start(now)
    if start is None:
        return None, None
    local = start.astimezone(PARIS)
    days = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    note = (
        f"horloge de démonstration : {days[local.weekday()]} {local:%d/%m/%Y %H:%M} à Paris "
        "(hors des heures d'appel, la démo s'ouvre au prochain jour ouvré)"
    )
    return offset_clock(start, lambda: parse_now(None)), note


@main.command()
@click.option("--agent", "login", required=True, help="Identifiant de l'agent.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def tui(obj: Ctx, login: str, now_text: str | None) -> None:
    """Ouvrir l'interface plein écran de l'agent (commande forcée des sessions SSH)."""
    _require_terminal()
    _run_tui(obj, login, now_text)


def _require_terminal() -> None:
    """Refuse sessions without a terminal (`ssh -T`, `ssh host cmd`, scp, sftp) before any
    database access: without one the TUI would outlive its client and keep a case."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail("pas de terminal : l'interface s'ouvre dans une session interactive (ssh sans commande, ou ssh -t)")


def _run_tui(obj: Ctx, login: str, now_text: str | None, *, clock: Any = None, clock_note: str | None = None) -> None:
    from ..services.agents import require_agent
    from ..settings import default_config_path
    from ..tui.app import run_app
    from ..tui.keymap import check_keymap

    check_keymap(obj.settings.keymap, str(obj.config_path or default_config_path()))
    store = obj.store()
    agent = require_agent(store, login)
    with _claim_released_on_exit(obj, agent, store):
        run_app(
            store,
            agent,
            settings=obj.settings,
            frozen_now=parse_now(now_text) if now_text else None,
            clock=clock,
            clock_note=clock_note,
        )


@contextmanager
def _claim_released_on_exit(obj: Ctx, agent: Any, session_store: Any) -> Iterator[None]:
    """Whatever ends the session (quit, crash, SSH hang-up, SIGTERM), the held case goes back
    to the queue and the board shows the session ended.

    On SIGHUP or SIGTERM: release and leave at once. A plain signal handler runs even while
    the event loop is stuck (a frozen client's full terminal buffer blocks the app's writes),
    which a handler on the loop would not. It releases through the session's own connection
    (free within a few seconds: workers hold it only for a transaction). A second SQLite
    connection opened in the handler, in the same process, lost its committed release or met
    « disk I/O error » in about one hang-up in thirty under load (the e2e test caught it), so
    it is only the fallback when the session's connection stays busy.
    """
    import signal

    from ..services.sessions import end_session
    from ..services.work_queue import release

    def release_with(store: Any, reason: str) -> None:
        now = parse_now(None)
        ref = release(store, agent, now=now, reason=reason)
        end_session(store, agent, now=now)
        logging.getLogger(__package__).info(
            "session end on %s: login=%s pid=%d released=%s", reason, agent.login, os.getpid(), ref or "-"
        )

    def release_once(reason: str) -> None:
        if session_store.lock.acquire(timeout=5):
            try:
                if not session_store.conn.in_transaction:  # not this thread's own, interrupted
                    release_with(session_store, reason)
                    return
            except Exception:  # closed already (normal exit) or failing: a fresh connection then
                logging.getLogger(__package__).debug("session connection unusable for the release", exc_info=True)
            finally:
                session_store.lock.release()
        store = open_db(obj.db_path)
        try:
            release_with(store, reason)
        finally:
            store.close()

    def release_now(reason: str) -> None:
        # A few tries: a signal can land while this process's other connection (the session's,
        # or the end-of-input thread releasing too) is mid-transaction, and SQLite may then
        # report a transient I/O error to the fresh connection. Giving up would leave the case
        # held until its lease ends.
        for attempt in range(4):
            try:
                release_once(reason)
                return
            except Exception as exc:  # the lease expiry frees it anyway
                if attempt < 3:
                    logging.getLogger(__package__).warning("release on %s failed, retrying: %s", reason, exc)
                    time.sleep(0.2 * (attempt + 1))
                    continue
                logging.getLogger(__package__).exception("release on session end failed (%s)", reason)
                with suppress(OSError):  # after a hang-up the terminal is gone: writing fails
                    echo(
                        f"erreur : libération du dossier impossible ({exc}) ; il se libérera à l'expiration du bail",
                        err=True,
                    )

    def on_signal(signum: int, frame: Any) -> None:
        logging.getLogger(__package__).info("signal %d: login=%s pid=%d", signum, agent.login, os.getpid())
        release_now("hangup")
        if signum == getattr(signal, "SIGTERM", None):
            _restore_terminal()
        os._exit(128 + signum)

    watched = [s for s in ("SIGHUP", "SIGTERM") if hasattr(signal, s)]
    previous = {name: signal.signal(getattr(signal, name), on_signal) for name in watched}
    try:
        yield
    finally:
        release_now("session_end")
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def _restore_terminal() -> None:
    """Best effort, never blocking: leave the alternate screen, show the cursor, stop mouse
    reporting (the app is killed without its own clean-up)."""
    reset = b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[?25h\x1b[?1049l"
    try:
        import fcntl

        fd = sys.stdout.fileno()
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        os.write(fd, reset)
    except (ImportError, OSError, ValueError):
        pass


@main.group()
def ssh() -> None:
    """Accès SSH des agents."""


@ssh.command("authorized-keys")
@click.option(
    "--install",
    is_flag=True,
    help="Écrire ~/.ssh/authorized_keys du compte de service (atomique, 0600).",
)
@click.option(
    "--file",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Avec --install : fichier cible.",
)
@click.option(
    "--command",
    "program",
    default=None,
    help="Chemin de recouvre à forcer (défaut : ce programme).",
)
@click.option("--quiet", is_flag=True, help="Avec --install : n'afficher que les erreurs (tâche cron).")
@click.pass_obj
@handle_errors
def ssh_authorized_keys(obj: Ctx, install: bool, target: Path | None, program: str | None, quiet: bool) -> None:
    """Afficher les lignes authorized_keys (commande forcée, restrict, pty)."""
    from ..services.ssh_access import authorized_keys_lines, install_authorized_keys, remember_install

    store = obj.store()
    lines = authorized_keys_lines(store, db_path=obj.db_path, program=program)
    if install:
        path = install_authorized_keys(lines, target)
        with store.write() as conn:  # later access changes rewrite this same file
            remember_install(conn, path=path, db_path=obj.db_path, program=program)
        if not quiet:
            echo(f"{len(lines)} clé(s) dans {path} (fichier à jour)", err=True)
        return
    for line in lines:
        echo(line)
