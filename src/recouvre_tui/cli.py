"""The `recouvre` command. Each command is a thin layer over a service (no SQL here).

Errors go to stderr with a non-zero exit; JSON goes to stdout alone; every command that
depends on the clock takes `--now`.
"""

from __future__ import annotations

import errno
import io
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click

from .domain.codes import label
from .domain.dates import DateError, parse_date, parse_datetime, parse_now
from .domain.money import AmountError, format_eur, parse_amount
from .domain.text import json_safe, printable, terminal_safe
from .logs import LEVELS, start_logging
from .settings import ConfigError, default_db_path, load_settings
from .store.db import Store, StoreError, describe_sqlite_error, init_db, open_db

EXIT_ERROR = 1


class Ctx:
    def __init__(self, db: Path, config: Path | None) -> None:
        self.db_path = db
        self.config_path = config
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    def store(self) -> Store:
        """The database, which must exist at this program's schema (only `init` creates,
        only `migrate` upgrades)."""
        return open_db(self.db_path)


def echo(message: Any = None, **kwargs: Any) -> None:
    """`click.echo` for everything the CLI prints: data (names, notes, file names quoted in
    errors) never sends a terminal control character (`domain.text.terminal_safe`)."""
    click.echo(terminal_safe(message) if isinstance(message, str) else message, **kwargs)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    echo(f"erreur : {message}", err=True)
    sys.exit(code)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the domain's exceptions into a clear message on stderr and exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BrokenPipeError:  # output piped to a reader that left (`| head`)
            raise
        except Exception as exc:
            fail_on_known_error(exc)
            raise

    return wrapper


def fail_on_known_error(exc: Exception) -> None:
    """Exit with a message for the domain's errors; return for anything else. The error
    classes are imported here, not at start-up (a session's first paint must be fast)."""
    from .importers.reader import ImportRejected
    from .services.agents import AgentError
    from .services.case_file import CaseError
    from .services.exports import ExportError
    from .services.lead import LeadError
    from .services.legal import LegalError
    from .services.letters import LetterError
    from .services.outcome import OutcomeError
    from .services.promise_tracking import PromiseError
    from .services.refresh import JobBusy
    from .services.roles import PermissionDenied
    from .services.sessions import SessionError
    from .services.work_queue import QueueError

    if isinstance(exc, ImportRejected):
        for w in exc.warnings:
            echo(f"avertissement : {w}", err=True)
        for issue in exc.issues:
            echo(str(issue), err=True)
        fail(f"fichier rejeté ({exc.count} erreur(s)) ; la base n'a pas été modifiée")
    if isinstance(exc, OutcomeError):
        for f, m in exc.errors:
            echo(f"{f}: {m}" if f else m, err=True)
        fail("issue non enregistrée ; rien n'a été modifié")
    if isinstance(exc, sqlite3.DatabaseError):  # read-only, disk full, corrupt…: rolled back
        fail(describe_sqlite_error(exc, _db_path()))
    if isinstance(exc, OSError):  # a file written beside the database (backup, report, export)
        where = f"{exc.filename} : " if exc.filename else ""
        fail(f"{where}{_os_problem(exc)} ; la base n'a pas été modifiée")
    known = (
        StoreError,
        ConfigError,
        AgentError,
        JobBusy,
        QueueError,
        DateError,
        AmountError,
        PermissionDenied,
        LeadError,
        SessionError,
        CaseError,
        PromiseError,
        LegalError,
        ExportError,
        LetterError,
    )
    if isinstance(exc, known):
        fail(str(exc))


def _db_path() -> Path | str:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Ctx) if ctx is not None else None
    return obj.db_path if obj is not None else "base"


def _os_problem(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disque plein"
    if exc.errno == errno.EFBIG:
        return "fichier trop grand pour le système (limite de taille atteinte)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "écriture interdite (droits ou disque en lecture seule)"
    return exc.strerror or str(exc)


NOW_OPTION = click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    help="Horloge figée (ex. 2026-11-23T10:00, heure de Paris sans décalage).",
)


def _now(now_text: str | None) -> datetime:
    return parse_now(now_text)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Base SQLite (défaut : RECOUVRE_DB, sinon le dossier de données utilisateur).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier de configuration TOML (défaut : RECOUVRE_CONFIG, sinon ~/.config/recouvre/config.toml).",
)
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    help="Niveau du journal (fichier `log_file` de la configuration).",
)
@click.version_option(package_name="recouvre-tui")
@click.pass_context
def main(ctx: click.Context, db: Path | None, config: Path | None, log_level: str) -> None:
    """recouvre — poste de travail d'une équipe de recouvrement amiable."""
    ctx.obj = Ctx(db or default_db_path(), config)
    try:
        settings = ctx.obj.settings
    except ConfigError:
        settings = None  # the command reports the configuration error; log to the default file
    opened = start_logging(
        settings.log_file if settings else None, level=log_level, max_mb=settings.log_max_mb if settings else 10
    )
    if isinstance(opened, str):
        echo(f"avertissement : {opened}", err=True)


# --- init / demo / tui ------------------------------------------------------------------


@main.command()
@click.option("--demo", is_flag=True, help="Remplir la base avec le portefeuille de démonstration.")
@click.option("--force", is_flag=True, help="Avec --demo : remplacer une base existante.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def init(obj: Ctx, demo: bool, force: bool, now_text: str | None) -> None:
    """Créer la base (schéma à jour) ; --demo la remplit avec des données de démonstration."""
    now = _now(now_text)
    if demo:
        from .services.demo_seed import seed_demo

        stats = seed_demo(obj.db_path, now=now, settings=obj.settings, force=force)
        echo(f"base de démonstration prête : {obj.db_path}")
        for k, v in stats.items():
            echo(f"  {k:<10} {v}")
        return
    store = init_db(obj.db_path)
    store.close()
    echo(f"base prête : {obj.db_path}")


@main.command()
@NOW_OPTION
@click.pass_obj
@handle_errors
def migrate(obj: Ctx, now_text: str | None) -> None:
    """Mettre à jour le schéma de la base (sauvegarde automatique à côté d'elle avant)."""
    from .services.maintenance import migrate as run_migrate

    store = open_db(obj.db_path, allow_pending=True)
    try:
        done = run_migrate(store, now=_now(now_text))
    finally:
        store.close()
    if not done.applied:
        echo(f"base déjà à jour : {obj.db_path}")
        return
    echo(f"sauvegarde avant migration : {done.backup}")
    for name in done.applied:
        echo(f"  appliquée : {name}")
    echo(f"base à jour : {obj.db_path}")


@main.command()
@NOW_OPTION
@click.pass_context
@handle_errors
def demo(ctx: click.Context, now_text: str | None) -> None:
    """Préparer la base de démonstration et ouvrir l'interface en tant qu'agent « demo »."""
    from .services.demo_seed import DEMO_AGENT, demo_db_path, ensure_demo

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
    ensure_demo(path, now=now, settings=obj.settings)
    obj.db_path = path
    _run_tui(obj, DEMO_AGENT, now_text, clock=clock, clock_note=note)


def _demo_clock(now: datetime) -> tuple[Any, str | None]:
    """Outside calling hours, a clock from 10:30 Paris on the next working day, and its note."""
    from .domain.dates import PARIS
    from .domain.demo_clock import demo_start, offset_clock

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
    from .services.agents import require_agent
    from .settings import default_config_path
    from .tui.app import run_app
    from .tui.keymap import check_keymap

    check_keymap(obj.settings.keymap, str(obj.config_path or default_config_path()))
    store = obj.store()
    agent = require_agent(store, login)
    with _claim_released_on_exit(obj, agent):
        run_app(
            store,
            agent,
            settings=obj.settings,
            frozen_now=parse_now(now_text) if now_text else None,
            clock=clock,
            clock_note=clock_note,
        )


@contextmanager
def _claim_released_on_exit(obj: Ctx, agent: Any) -> Iterator[None]:
    """Whatever ends the session (quit, crash, SSH hang-up, SIGTERM), the held case goes back
    to the queue and the board shows the session ended.

    On SIGHUP or SIGTERM: release with a fresh connection and leave at once. A plain signal
    handler runs even while the event loop is stuck (a frozen client's full terminal buffer
    blocks the app's writes), which a handler on the loop would not.
    """
    import signal

    from .services.sessions import end_session
    from .services.work_queue import release

    def release_now(reason: str) -> None:
        try:
            store = open_db(obj.db_path)
            try:
                now = parse_now(None)
                release(store, agent, now=now, reason=reason)
                end_session(store, agent, now=now)
            finally:
                store.close()
        except Exception as exc:  # the lease expiry frees it anyway
            logging.getLogger(__name__).exception("release on session end failed (%s)", reason)
            with suppress(OSError):  # after a hang-up the terminal is gone: writing fails
                echo(
                    f"erreur : libération du dossier impossible ({exc}) ; il se libérera à l'expiration du bail",
                    err=True,
                )

    def on_signal(signum: int, frame: Any) -> None:
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


# --- import -------------------------------------------------------------------------------


@main.command("import")
@click.argument("kind", type=click.Choice(["debtors", "invoices", "payments", "events", "promises", "fec"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Dire ce qui changerait, sans rien écrire.")
@click.option(
    "--columns",
    "columns_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='Fichier TOML de correspondance des colonnes ("Numéro Facture" = "invoice_ref").',
)
@click.option(
    "--column",
    "column_pairs",
    multiple=True,
    help='Correspondance d\'une colonne : "Numéro Facture=invoice_ref" (répétable).',
)
@click.option(
    "--actor",
    default=None,
    help="Auteur inscrit au journal d'audit (défaut : l'utilisateur système).",
)
@NOW_OPTION
@click.pass_obj
@handle_errors
def import_(
    obj: Ctx,
    kind: str,
    file: Path,
    dry_run: bool,
    columns_file: Path | None,
    column_pairs: tuple[str, ...],
    actor: str | None,
    now_text: str | None,
) -> None:
    """Importer un fichier (CSV ou FEC) ; tout ou rien, idempotent."""
    from .importers.column_map import load_column_map, parse_column_option
    from .services.importing import import_file

    columns = load_column_map(columns_file) if columns_file else {}
    columns.update(parse_column_option(pair) for pair in column_pairs)
    store = obj.store()
    now = _now(now_text)
    with _progress(file) as progress:
        result = import_file(
            store,
            kind,
            file,
            now=now,
            actor=actor or _system_user(),
            settings=obj.settings,
            dry_run=dry_run,
            progress=progress,
            columns=columns or None,
        )
    for w in result.warnings:
        echo(f"avertissement : {w}", err=True)
    verb = "changerait" if dry_run else "importé"
    echo(
        f"{result.file} ({kind}) : {result.rows} lignes — {result.inserted} ajout(s), "
        f"{result.updated} mise(s) à jour, {result.unchanged} inchangée(s)"
        + (" [simulation : rien n'a été écrit]" if dry_run else "")
    )
    for note in result.notes:
        echo(f"  {note}")
    if columns:
        echo("colonnes : " + ", ".join(f"« {s} » → {t}" for s, t in columns.items()))
        if dry_run:
            echo("premières lignes lues :")
            for line in result.preview:
                echo(f"  {line}")
    if dry_run and result.examples:
        echo(f"ce qui {verb} :")
        for e in result.examples:
            echo(f"  {e}")


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress display with rows/s on a TTY for files over 5 MB; nothing otherwise."""
    try:
        big = file.stat().st_size > 5_000_000
    except OSError:
        big = False
    if not (big and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as p:
        task = p.add_task(f"import de {file.name}", total=None)

        def update(phase: str, done: int, total: int) -> None:
            p.update(task, description=f"import de {file.name} : {phase}")

        yield update


def _system_user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:
        return "cli"


# --- agents / ssh ---------------------------------------------------------------------------


@main.group()
def agents() -> None:
    """Gérer les agents et responsables d'équipe."""


@agents.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Nom affiché.")
@click.option("--role", type=click.Choice(["agent", "lead"]), default="agent", show_default=True)
@click.option("--team", default=None, help="Équipe.")
@click.option(
    "--ssh-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier de clé publique.",
)
@click.option("--email", default=None, help="Adresse où envoyer ses exports (responsable d'équipe).")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_add(
    obj: Ctx,
    login: str,
    name: str,
    role: str,
    team: str | None,
    ssh_key: Path | None,
    email: str | None,
    now_text: str | None,
) -> None:
    """Ajouter (ou mettre à jour) un agent, avec sa clé SSH (un agent désactivé : « agents activate »)."""
    from .services.agents import add_agent, check_email, set_email

    if email is not None:
        check_email(email)  # refused before anything is written
    created, keys = add_agent(
        obj.store(),
        login=login,
        name=name,
        role=role,
        team=team,
        ssh_key_file=ssh_key,
        actor=_system_user(),
        now=_now(now_text),
    )
    if email is not None:
        set_email(obj.store(), login, email, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} {'créé' if created else 'mis à jour'}" + (f", {keys} clé(s) ajoutée(s)" if keys else ""))


@agents.command("set-email")
@click.argument("login")
@click.argument("address")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_set_email(obj: Ctx, login: str, address: str, now_text: str | None) -> None:
    """Adresse e-mail où envoyer les exports de cet agent (« - » : l'effacer) ; auditée."""
    from .services.agents import set_email

    set_email(obj.store(), login, None if address == "-" else address, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} : adresse e-mail {'effacée' if address == '-' else address}")


@agents.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def agents_list(obj: Ctx, fmt: str) -> None:
    """Lister les agents, avec les empreintes de leurs clés SSH."""
    from .services.agents import keys_by_agent, list_agents

    store = obj.store()
    rows = list_agents(store)
    keys = keys_by_agent(store)
    if fmt == "json":
        _json(
            [
                {
                    "login": a.login,
                    "name": a.name,
                    "role": a.role,
                    "team": a.team,
                    "active": a.active,
                    "keys": keys.get(a.login, []),
                }
                for a in rows
            ]
        )
        return
    _table(
        ["identifiant", "nom", "rôle", "équipe", "actif", "clés SSH (empreintes)"],
        [
            [
                a.login,
                a.name,
                label(a.role),
                a.team or "",
                "oui" if a.active else "non",
                " ".join(keys.get(a.login, [])),
            ]
            for a in rows
        ],
    )


@agents.command("keys")
@click.argument("login")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def agents_keys(obj: Ctx, login: str, fmt: str) -> None:
    """Les clés SSH d'un agent, avec leur empreinte (celle de « ssh-keygen -lf »)."""
    from .services.agents import agent_keys

    rows = agent_keys(obj.store(), login)
    if fmt == "json":
        _json([{"type": k.key_type, "fingerprint": k.fingerprint, "added_at": k.added_at} for k in rows])
        return
    _table(["type", "empreinte", "ajoutée le"], [[k.key_type, k.fingerprint, k.added_at] for k in rows])


@agents.command("deactivate")
@click.argument("login")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_deactivate(obj: Ctx, login: str, now_text: str | None) -> None:
    """Désactiver un agent : plus d'accès SSH, son dossier rendu à la file, sa session fermée."""
    from .services.agents import deactivate

    released = deactivate(obj.store(), login, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} désactivé" + (f", dossier {released} rendu à la file" if released else ""))


@agents.command("activate")
@click.argument("login")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_activate(obj: Ctx, login: str, now_text: str | None) -> None:
    """Réactiver un agent désactivé (ses clés SSH sont de nouveau acceptées)."""
    from .services.agents import activate

    activate(obj.store(), login, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} réactivé")


@agents.command("remove-key")
@click.argument("login")
@click.argument("fingerprint")
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_remove_key(obj: Ctx, login: str, fingerprint: str, now_text: str | None) -> None:
    """Retirer une clé SSH d'un agent, désignée par son empreinte SHA256:… (voir « agents keys »)."""
    from .services.agents import remove_key

    info = remove_key(obj.store(), login, fingerprint, actor=_system_user(), now=_now(now_text))
    echo(f"clé {info.fingerprint} ({info.key_type}) retirée de l'agent {login}")


@agents.command("set-role")
@click.argument("login")
@click.argument("role", type=click.Choice(["agent", "lead"]))
@NOW_OPTION
@click.pass_obj
@handle_errors
def agents_set_role(obj: Ctx, login: str, role: str, now_text: str | None) -> None:
    """Changer le rôle d'un agent (agent ou lead) ; une session ouverte suit dès sa prochaine action."""
    from .services.agents import set_role

    previous = set_role(obj.store(), login, role, actor=_system_user(), now=_now(now_text))
    echo(f"agent {login} : rôle {label(previous)} → {label(role)}")


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
@click.pass_obj
@handle_errors
def ssh_authorized_keys(obj: Ctx, install: bool, target: Path | None, program: str | None) -> None:
    """Afficher les lignes authorized_keys (commande forcée, restrict, pty)."""
    from .services.ssh_access import authorized_keys_lines, install_authorized_keys, remember_install

    store = obj.store()
    lines = authorized_keys_lines(store, db_path=obj.db_path, program=program)
    if install:
        path = install_authorized_keys(lines, target)
        with store.write() as conn:  # later access changes rewrite this same file
            remember_install(conn, path=path, db_path=obj.db_path, program=program)
        echo(f"{len(lines)} clé(s) écrite(s) dans {path}", err=True)
        return
    for line in lines:
        echo(line)


# --- queue / next / outcome / refresh -----------------------------------------------------------


def _agent(store: Store, login: str):
    from .services.agents import require_agent

    return require_agent(store, login)


@main.command()
@click.option("--agent", "login", required=True)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--include-blocked", is_flag=True, help="Montrer aussi les débiteurs bloqués et pourquoi.")
@click.option("--segment", type=click.Choice(["B2B", "B2C"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def queue(
    obj: Ctx,
    login: str,
    limit: int,
    include_blocked: bool,
    segment: str | None,
    fmt: str,
    now_text: str | None,
) -> None:
    """La file de l'agent, par ordre de priorité, avec le « pourquoi »."""
    from .services.work_queue import DebtorFilter, list_queue

    store = obj.store()
    agent = _agent(store, login)
    entries = list_queue(
        store,
        agent,
        now=_now(now_text),
        settings=obj.settings,
        limit=limit,
        include_blocked=include_blocked,
        flt=DebtorFilter(segment=segment) if segment else None,
    )
    if fmt == "json":
        _json([e.to_json() for e in entries])
        return
    _table(
        ["débiteur", "nom", "seg.", "solde", "retard", "heure locale", "score", "statut"],
        [
            [
                e.debtor_ref,
                e.name[:28],
                e.segment,
                format_eur(e.balance_cents),
                f"{e.days_past_due} j",
                f"{e.local_time:%H:%M} {e.area_label if e.area_label != 'France métropolitaine' else ''}".strip(),
                f"{e.score:.1f}",
                e.status[:60],
            ]
            for e in entries
        ],
        right={3, 4, 6},
    )


@main.command("next")
@click.option("--agent", "login", required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def next_(obj: Ctx, login: str, fmt: str, now_text: str | None) -> None:
    """Prendre le dossier suivant (réservé à l'agent pour la durée du bail)."""
    from .services.work_queue import take_next

    store = obj.store()
    entry = take_next(store, _agent(store, login), now=_now(now_text), settings=obj.settings)
    if entry is None:
        if fmt == "json":
            _json(None)
        else:
            echo("aucun dossier appelable pour le moment")
        return
    if fmt == "json":
        _json(entry.to_json())
        return
    echo(f"{entry.debtor_ref}  {entry.name}  ({entry.segment})  solde {format_eur(entry.balance_cents)}")
    echo(f"heure locale {entry.local_time:%H:%M} ({entry.area_label}) · score {entry.score:.1f}")
    echo(f"pourquoi : {entry.reasons}")


def _parse_promise(text: str) -> tuple[date, int]:
    day, sep, amount = text.partition(":")
    if not sep:
        raise click.BadParameter(f"« {text} » : attendu DATE:MONTANT (ex. 2026-12-05:1410,00)")
    try:
        return parse_date(day), parse_amount(amount)
    except (DateError, AmountError) as exc:
        raise click.BadParameter(f"« {text} » : {exc}") from None


@main.command()
@click.option("--agent", "login", required=True)
@click.argument("debtor_ref")
@click.option("--disposition", required=True, help="Code d'issue (no_answer, promise, plan, …).")
@click.option("--reason", default=None, help="Motif du retard (forgot, temporary_difficulty, …).")
@click.option("--note", default=None)
@click.option(
    "--confirm-note",
    is_flag=True,
    help="Enregistrer la note malgré les mots sensibles trouvés (santé, religion, opinions, infractions, injures…).",
)
@click.option(
    "--promise",
    "promises",
    multiple=True,
    metavar="DATE:MONTANT",
    help="Échéance (répéter pour un échéancier).",
)
@click.option(
    "--callback",
    default=None,
    metavar="ISO-DATETIME",
    help="Rappel (heure de Paris sans décalage).",
)
@click.option("--team", "callback_team", is_flag=True, help="Avec --callback : rappel pour l'équipe.")
@click.option("--paid-on", default=None, metavar="DATE", help="paid / already_paid : date du paiement annoncé.")
@click.option("--amount", default=None, metavar="EUROS", help="paid / already_paid : montant payé.")
@click.option("--reference", default=None, help="paid / already_paid : moyen de paiement ou référence.")
@click.option("--action", "actions", multiple=True, type=click.Choice(["duplicate", "sales_rep"]))
@click.option(
    "--invoice",
    "invoices",
    multiple=True,
    metavar="REF",
    help="Litige : facture contestée (répéter ; par défaut toutes les factures ouvertes).",
)
@click.option("--contested-amount", default=None, metavar="MONTANT", help="Litige : montant contesté.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def outcome(
    obj: Ctx,
    login: str,
    debtor_ref: str,
    disposition: str,
    reason: str | None,
    note: str | None,
    confirm_note: bool,
    promises: tuple[str, ...],
    callback: str | None,
    callback_team: bool,
    paid_on: str | None,
    amount: str | None,
    reference: str | None,
    actions: tuple[str, ...],
    invoices: tuple[str, ...],
    contested_amount: str | None,
    now_text: str | None,
) -> None:
    """Enregistrer l'issue d'un appel et libérer le dossier."""
    from .domain.money import AmountError, parse_amount
    from .domain.sensitive import find_sensitive
    from .services.outcome import Outcome, OutcomeError, record_outcome

    payment = _announced_payment(paid_on, amount, reference)
    if callback_team and not callback:
        raise OutcomeError([("callback", "--team demande --callback (la date du rappel)")])

    if note and not confirm_note and (words := find_sensitive(note, obj.settings.notes.sensitive_words)):
        found = ", ".join(f"« {w} »" for w in words)
        fail(
            f"--note : mots sensibles trouvés ({found}) : une note reste factuelle, sans santé, religion, "
            "opinions, vie sexuelle, infractions ni injures ; réécrivez-la ou ajoutez --confirm-note ; "
            "rien n'a été enregistré"
        )
    store = obj.store()
    agent = _agent(store, login)
    result = record_outcome(
        store,
        agent,
        Outcome(
            debtor_ref=debtor_ref,
            disposition=disposition,
            reason=reason,
            note=note,
            instalments=[_parse_promise(p) for p in promises],
            callback_at=parse_datetime(callback)[0] if callback else None,
            actions=list(actions),
            payment=payment,
            callback_for_team=callback_team,
            dispute_invoices=list(invoices),
            dispute_amount_cents=_contested(contested_amount, AmountError, parse_amount),
        ),
        now=_now(now_text),
        settings=obj.settings,
        source="cli",
    )
    callback_text = ", rappel programmé pour l'équipe" if callback_team else ", rappel programmé"
    echo(
        f"issue « {label(disposition)} » enregistrée pour {debtor_ref}"
        + (f", promesse {result.promise_ref}" if result.promise_ref else "")
        + (callback_text if result.callback_id else "")
        + (", paiement à vérifier" if disposition in ("paid", "already_paid") else "")
        + (", dossier libéré" if result.released else "")
    )


def _announced_payment(paid_on: str | None, amount: str | None, reference: str | None) -> Any:
    """--paid-on / --amount / --reference as an `AnnouncedPayment` (None when none given)."""
    from .domain.dates import DateError, parse_date
    from .domain.money import AmountError, parse_amount
    from .services.outcome import AnnouncedPayment, OutcomeError

    if paid_on is None and amount is None and reference is None:
        return None
    errors: list[tuple[str, str]] = []
    day = cents = None
    if amount is None:
        errors.append(("--amount", "montant payé obligatoire avec --paid-on ou --reference"))
    else:
        try:
            cents = parse_amount(amount)
        except AmountError as exc:
            errors.append(("--amount", str(exc)))
    if paid_on is not None:
        try:
            day = parse_date(paid_on)
        except DateError as exc:
            errors.append(("--paid-on", str(exc)))
    if errors or cents is None:
        raise OutcomeError(errors)
    return AnnouncedPayment(day, cents, reference)


def _contested(
    text: str | None, error: type[Exception], parse: Callable[[str], int], option: str = "--contested-amount"
) -> int | None:
    """An amount option (`--contested-amount`, `--amount`) in cents; a French error if unreadable."""
    if text is None:
        return None
    try:
        return parse(text)
    except error as exc:
        fail(f"{option} : {exc}")


@main.command()
@click.option(
    "--full",
    is_flag=True,
    help="Tout recalculer depuis les faits (factures, paiements, historique) : plus lent, pour réparer.",
)
@NOW_OPTION
@click.pass_obj
@handle_errors
def refresh(obj: Ctx, full: bool, now_text: str | None) -> None:
    """Traitement de nuit : soldes, promesses, scores, dossiers expirés."""
    from .services.refresh import refresh as run_refresh

    summary = run_refresh(obj.store(), now=_now(now_text), settings=obj.settings, full=full)
    echo("rafraîchissement terminé")
    for line in summary.lines():
        echo(f"  {line}")


@main.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@handle_errors
def backup(obj: Ctx, dest: Path) -> None:
    """Copie cohérente de la base (API de sauvegarde en ligne de SQLite)."""
    from .services.maintenance import backup as run_backup

    pages = run_backup(obj.store(), dest)
    echo(f"sauvegarde écrite : {dest} ({pages} pages)")


# --- promises / reports --------------------------------------------------------------------


def _viewer(store: Store, login: str | None):
    """The agent whose view is shown; without --as, the server operator's view (every team)."""
    from .services.roles import OPERATOR

    if login:
        return _agent(store, login)
    return OPERATOR


OUTPUT_OPTION = click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier écrit (requis avec --format xlsx ; csv-fr : sinon la sortie standard).",
)


def _write_export(table: Any, fmt: str, output: Path | None) -> None:
    """`--format xlsx|csv-fr`: the table for people (docs/exports.md) into `output` (0600)."""
    from .services.exports import render

    data = render(table, fmt)
    if output is None:
        if fmt == "xlsx":
            fail("--format xlsx : indiquer le fichier à écrire avec --output FICHIER")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except OSError as exc:
        fail(f"{output} : {_os_problem(exc)}")
    echo(f"{output} : {len(table.rows)} ligne(s) exportée(s)", err=True)


@main.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "kept", "broken", "cancelled"]), default=None)
@click.option("--agent", "agent_filter", default=None, help="Promesses enregistrées par cet agent.")
@click.option("--as", "as_login", default=None, help="Vue d'un agent (ses débiteurs seulement).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "csv-fr", "xlsx"]),
    default="table",
    show_default=True,
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_context
@handle_errors
def promises(
    ctx: click.Context,
    status: str | None,
    agent_filter: str | None,
    as_login: str | None,
    fmt: str,
    output: Path | None,
    now_text: str | None,
) -> None:
    """Promesses de paiement, évaluées à la date du jour (ou --now)."""
    if ctx.invoked_subcommand is not None:
        return
    from .services.promise_tracking import list_promises

    obj: Ctx = ctx.obj
    store = obj.store()
    views = list_promises(
        store,
        _viewer(store, as_login),
        now=_now(now_text),
        settings=obj.settings,
        status=status,
        agent=agent_filter,
    )
    if fmt == "json":
        _json([v.to_json() for v in views])
        return
    if fmt in ("xlsx", "csv-fr"):
        from .reports.export_reports import promises_table

        _write_export(promises_table(views), fmt, output)
        return
    if fmt == "csv":
        _csv(
            [
                "promise_ref",
                "debtor_ref",
                "status",
                "total",
                "paid_amount",
                "instalment",
                "due_date",
                "amount",
                "instalment_status",
            ],
            [
                [
                    v.ref,
                    v.debtor_ref,
                    v.status,
                    f"{v.total_cents / 100:.2f}",
                    f"{v.paid_cents / 100:.2f}",
                    n,
                    d.isoformat(),
                    f"{a / 100:.2f}",
                    st,
                ]
                for v in views
                for n, (d, a, st, _al) in enumerate(v.instalments, start=1)
            ],
        )
        return
    _table(
        ["promesse", "débiteur", "nom", "agent", "statut", "montant", "payé", "échéances"],
        [
            [
                v.ref,
                v.debtor_ref,
                v.name[:24],
                v.agent or "",
                label(v.status),
                format_eur(v.total_cents),
                format_eur(v.paid_cents),
                " ".join(f"{d:%d/%m}:{label(st)}" for d, _a, st, _al in v.instalments)[:60],
            ]
            for v in views
        ],
        right={5, 6},
    )


@promises.command("cancel")
@click.argument("promise_ref")
@click.option("--reason", required=True, help="Motif (inscrit au journal d'audit).")
@click.option("--as", "as_login", required=True, help="Agent ou responsable qui annule.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def promises_cancel(obj: Ctx, promise_ref: str, reason: str, as_login: str, now_text: str | None) -> None:
    """Annuler une promesse (motif obligatoire, audité)."""
    from .services.promise_tracking import cancel_promise

    store = obj.store()
    cancel_promise(
        store,
        _agent(store, as_login),
        promise_ref,
        reason=reason,
        now=_now(now_text),
        settings=obj.settings,
    )
    echo(f"promesse {promise_ref} annulée")


@main.group()
def report() -> None:
    """Rapports (usure des relances, promesses, scripts)."""


@report.command("wear")
@click.option("--week", default=None, metavar="YYYY-Www", help="Semaine ISO (défaut : la dernière semaine complète).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "csv-fr", "xlsx"]),
    default="text",
    show_default=True,
)
@click.option("--width", type=click.IntRange(60, 400), default=120, show_default=True, help="Largeur du texte.")
@click.option(
    "--limit", type=click.IntRange(1, 1_000_000), default=None, help="Nombre maximal de débiteurs listés (texte)."
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_obj
@handle_errors
def report_wear(
    obj: Ctx, week: str | None, fmt: str, width: int, limit: int | None, output: Path | None, now_text: str | None
) -> None:
    """Taux d'usure des relances de la semaine : débiteurs usés, recommandations, courbe de fatigue."""
    from .reports.wear_output import to_csv, to_json, to_text
    from .services.wear_report import build

    bundle = build(obj.store(), week, now=_now(now_text), settings=obj.settings, with_trend=fmt == "text")
    if fmt in ("xlsx", "csv-fr"):
        from .reports.export_reports import wear_table

        _write_export(wear_table(bundle.report), fmt, output)
    elif fmt == "json":
        _json(to_json(bundle.report))
    elif fmt == "csv":
        echo(to_csv(bundle.report), nl=False)
    else:
        text = to_text(
            bundle.report, bundle.previous_rate, bundle.trend, width=width, limit=limit, prescribing=bundle.prescribing
        )
        echo(text, nl=False)


@report.command("promises")
@click.option(
    "--week",
    default=None,
    metavar="YYYY-Www",
    help="Semaine ISO (défaut : la dernière semaine complète).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@NOW_OPTION
@click.pass_obj
@handle_errors
def report_promises(obj: Ctx, week: str | None, fmt: str, now_text: str | None) -> None:
    """Promesses par agent et par semaine : nombre, montant, tenues, rompues, encaissé."""
    from .domain.dates import last_complete_week, parse_iso_week
    from .services.promise_tracking import promise_figures

    now = _now(now_text)
    week = week or last_complete_week(now)
    parse_iso_week(week)
    store = obj.store()
    figs = promise_figures(store, _viewer(store, None), week=week, now=now, settings=obj.settings)
    rows = [
        {
            "week": f.week,
            "agent": f.agent,
            "recorded": f.recorded,
            "promised": round(f.promised_cents / 100, 2),
            "kept": f.kept,
            "broken": f.broken,
            "kept_rate": None if f.kept_rate is None else round(f.kept_rate, 4),
            "broken_rate": None if f.broken_rate is None else round(f.broken_rate, 4),
            "collected": round(f.collected_cents / 100, 2),
        }
        for f in figs
    ]
    if fmt == "json":
        _json(rows)
    elif fmt == "csv":
        _csv(list(rows[0]) if rows else ["week"], [list(r.values()) for r in rows])
    else:

        def pct(x: float | None) -> str:
            return "—" if x is None else f"{x * 100:.1f} %".replace(".", ",")

        echo(f"Promesses — semaine {week}")
        _table(
            [
                "agent",
                "enregistrées",
                "montant promis",
                "tenues",
                "rompues",
                "taux tenu",
                "encaissé",
            ],
            [
                [
                    f.agent,
                    str(f.recorded),
                    format_eur(f.promised_cents),
                    str(f.kept),
                    str(f.broken),
                    pct(f.kept_rate),
                    format_eur(f.collected_cents),
                ]
                for f in figs
            ],
            right={1, 2, 3, 4, 5, 6},
        )


# --- call scripts --------------------------------------------------------------------------


@main.group()
def scripts() -> None:
    """Guides d'appel : vérifier la bibliothèque, afficher le guide d'un débiteur."""


@scripts.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
@handle_errors
def scripts_check(obj: Ctx, folder: Path | None) -> None:
    """Valider les scripts (la bibliothèque livrée et FOLDER, ou scripts_dir de la configuration)."""
    from .services.script_library import load_scripts

    target = folder or (Path(obj.settings.scripts_dir) if obj.settings.scripts_dir else None)
    loaded, errors = load_scripts(target)
    for e in errors:
        echo(str(e), err=True)
    if errors:
        fail(f"{len(errors)} erreur(s) dans les scripts ; les fichiers en erreur sont ignorés")
    echo(f"{len(loaded)} scripts valides" + (f" (dont le dossier {target})" if target else ""))


@scripts.command("show")
@click.argument("debtor_ref")
@click.option("--tone", type=click.Choice(["empathique", "neutre", "ferme"]), default=None)
@click.option("--as", "as_login", default=None, help="Agent (son nom dans le script ; ses droits).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def scripts_show(
    obj: Ctx, debtor_ref: str, tone: str | None, as_login: str | None, fmt: str, now_text: str | None
) -> None:
    """Afficher le guide d'appel choisi pour un débiteur, dans son ton par défaut ou --tone."""
    from .domain.call_scripts import PHASE_LABELS_FR
    from .domain.codes import Tone
    from .domain.dates import paris_date
    from .services.case_file import load_case
    from .services.script_guide import guide_for

    store = obj.store()
    viewer = _viewer(store, as_login)
    now = _now(now_text)
    case = load_case(store, viewer, debtor_ref, now=now)
    g = guide_for(case, viewer, today=paris_date(now), settings=obj.settings, tone=Tone(tone) if tone else None)
    if g.rendered is None or g.script is None:
        fail(g.error or "aucun script ne convient à ce débiteur")
    if fmt == "json":
        data = {
            "debtor_ref": debtor_ref,
            "script_id": g.script.id,
            "title": g.rendered.title,
            "stage": str(g.stage),
            "stage_label": g.stage_label,
            "tone": str(g.tone),
            "reason": g.why,
            "phases": {key: text.splitlines() for key, text in g.rendered.phases.items()},
            "objections": [{"objection": o, "answer": a} for o, a in g.rendered.objections],
            "fact_sheet": g.sheet.to_json() if g.sheet else None,
        }
        _json(data)
        return
    echo(f"{g.rendered.title} — {g.stage_label} · ton : {g.tone} [{g.script.id}]")
    echo(g.why)
    for key, text in g.rendered.phases.items():
        echo(f"\n▸ {PHASE_LABELS_FR.get(key, key)}")
        for line in text.splitlines():
            echo(f"  {line}")
    if g.rendered.objections:
        echo("\nObjections :")
        for objection, answer in g.rendered.objections:
            echo(f"  « {objection} » → {answer}")


@report.command("scripts")
@click.option("--from", "start", required=True, metavar="DATE", help="Premier jour (inclus).")
@click.option("--to", "end", required=True, metavar="DATE", help="Dernier jour (inclus).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def report_scripts(obj: Ctx, start: str, end: str, fmt: str, now_text: str | None) -> None:
    """Taux de promesse et taux de promesses tenues par script et par ton."""
    from .services.script_report import script_report

    d0, d1 = parse_date(start), parse_date(end)
    if d1 < d0:
        fail("--to doit suivre --from")
    rows = script_report(obj.store(), start=d0, end=d1, now=_now(now_text), settings=obj.settings)

    def rate(x: float | None) -> float | None:
        return None if x is None else round(x, 4)

    data = [
        {
            "script_id": r.script_id,
            "tone": r.tone,
            "calls": r.calls,
            "rpc": r.rpc,
            "promises": r.promises,
            "promise_rate": rate(r.promise_rate),
            "kept": r.kept,
            "broken": r.broken,
            "kept_rate": rate(r.kept_rate),
        }
        for r in rows
    ]
    if fmt == "json":
        _json(data)
    elif fmt == "csv":
        _csv(list(data[0]) if data else ["script_id"], [list(d.values()) for d in data])
    else:

        def pct(x: float | None) -> str:
            return "—" if x is None else f"{x * 100:.1f} %".replace(".", ",")

        _table(
            ["script", "ton", "appels", "contacts", "promesses", "taux promesse", "tenues", "rompues", "taux tenu"],
            [
                [
                    r.script_id,
                    r.tone or "",
                    str(r.calls),
                    str(r.rpc),
                    str(r.promises),
                    pct(r.promise_rate),
                    str(r.kept),
                    str(r.broken),
                    pct(r.kept_rate),
                ]
                for r in rows
            ],
            right={2, 3, 4, 5, 6, 7, 8},
        )


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def doctor(obj: Ctx, fmt: str, now_text: str | None) -> None:
    """Vérifier la base : intégrité, schéma, WAL, dossiers expirés, qualité des données."""
    from .services.doctor import FAIL, diagnose

    checks = diagnose(obj.db_path, now=_now(now_text))
    if fmt == "json":
        _json([c.__dict__ for c in checks])
    else:
        _table(["contrôle", "état", "détail"], [[c.name, c.status, c.detail] for c in checks])
    if any(c.status == FAIL for c in checks):
        sys.exit(EXIT_ERROR)


@main.group()
def config() -> None:
    """Réglages : valeurs par défaut et valeurs en vigueur (TOML commenté)."""


@config.command("defaults")
def config_defaults() -> None:
    """Afficher le fichier de configuration par défaut, chaque clé avec son aide et ses bornes."""
    from .domain.config import Settings
    from .settings import render_toml

    echo(render_toml(Settings()), nl=False)


@config.command("show")
@click.pass_obj
@handle_errors
def config_show(obj: Ctx) -> None:
    """Afficher les réglages en vigueur (fichier de configuration vérifié, défauts sinon)."""
    from .settings import render_toml

    echo(render_toml(obj.settings), nl=False)


# --- team lead console ---------------------------------------------------------------------


def _lead_filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The debtor filter of `assign` (bulk) and `review`."""
    from .store.lead import BLOCKED_CHOICES

    options = [
        click.option("--filter-agent", "f_agent", metavar="LOGIN", default=None, help="Portefeuille de cet agent."),
        click.option("--filter-pool", "f_pool", is_flag=True, help="Débiteurs non affectés (l'équipe)."),
        click.option("--filter-segment", "f_segment", type=click.Choice(["B2B", "B2C"]), default=None),
        click.option(
            "--filter-overseas/--filter-metropole",
            "f_overseas",
            default=None,
            help="Outre-mer (971 à 976) ou métropole.",
        ),
        click.option(
            "--filter-blocked",
            "f_blocked",
            type=click.Choice(list(BLOCKED_CHOICES)),
            default=None,
            help="En attente (hold), ne pas appeler, litige, l'un des trois (any) ou aucun (none).",
        ),
        click.option("--min-amount", "f_min_amount", metavar="MONTANT", default=None, help="Solde minimal (inclus)."),
        click.option("--max-amount", "f_max_amount", metavar="MONTANT", default=None, help="Solde maximal (inclus)."),
        click.option("--min-days", "f_min_days", type=click.IntRange(0), default=None, help="Jours de retard minimum."),
        click.option("--max-days", "f_max_days", type=click.IntRange(0), default=None, help="Jours de retard maximum."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _lead_filter(kw: dict[str, Any]) -> Any:
    from .store.lead import DebtorFilter

    return DebtorFilter(
        agent=kw.pop("f_agent"),
        pool=kw.pop("f_pool"),
        segment=kw.pop("f_segment"),
        overseas=kw.pop("f_overseas"),
        blocked=kw.pop("f_blocked"),
        min_balance_cents=_amount_or_none(kw.pop("f_min_amount")),
        max_balance_cents=_amount_or_none(kw.pop("f_max_amount")),
        min_days_past_due=kw.pop("f_min_days"),
        max_days_past_due=kw.pop("f_max_days"),
    )


def _amount_or_none(text: str | None) -> int | None:
    return None if text is None else parse_amount(text)


def _actor(store: Store, login: str | None):
    """The acting user for a read command: --as LOGIN, else the command line's lead view."""
    return _viewer(store, login)


@main.command()
@click.argument("refs", nargs=-1, metavar="[DEBTOR_REF]...")
@click.option("--to", "to_login", metavar="LOGIN", default=None, help="Agent qui reçoit les débiteurs.")
@click.option("--pool", is_flag=True, help="Rendre les débiteurs à l'équipe (non affectés).")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe qui réaffecte.")
@_lead_filter_options
@click.option("--dry-run", is_flag=True, help="Avec des filtres : compter ce qui bougerait, sans rien changer.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def assign(
    obj: Ctx,
    refs: tuple[str, ...],
    to_login: str | None,
    pool: bool,
    as_login: str,
    dry_run: bool,
    fmt: str,
    now_text: str | None,
    **filters: Any,
) -> None:
    """Affecter des débiteurs à un agent (ou à l'équipe), un par un ou en masse par filtre."""
    from .services.lead import assign as assign_refs
    from .services.lead import count_by_filter, reassign_by_filter

    if (to_login is None) == (not pool):
        raise click.UsageError("indiquez --to LOGIN ou --pool (l'un des deux)")
    flt = _lead_filter(filters)
    if refs and not flt.is_empty():
        raise click.UsageError("des références OU des filtres, pas les deux")
    if not refs and flt.is_empty():
        raise click.UsageError("indiquez des références de débiteurs ou au moins un filtre (--filter-…)")
    store = obj.store()
    actor = _agent(store, as_login)
    now = _now(now_text)
    target = None if pool else to_login
    where = "l'équipe" if target is None else target
    if refs:
        if dry_run:
            raise click.UsageError("--dry-run s'utilise avec des filtres")
        result = assign_refs(store, actor, list(refs), to=target, now=now)
        if fmt == "json":
            _json({"moved": result.changed, "unchanged": result.unchanged, "in_call": result.in_call})
            return
        echo(f"{result.count} débiteur(s) affecté(s) à {where}")
        if result.unchanged:
            echo(f"déjà affecté(s) à {where} : {', '.join(result.unchanged)}")
        for ref, holder in result.in_call.items():
            echo(f"non réaffecté : {ref} est en cours d'appel avec {holder}", err=True)
        return
    if dry_run:
        n = count_by_filter(store, actor, flt, now=now, to=target)
        if fmt == "json":
            _json({"filter": flt.to_json(), "would_move": n})
        else:
            echo(f"{n} débiteur(s) seraient réaffecté(s) à {where} [simulation : rien n'a été écrit]")
        return
    moved = reassign_by_filter(store, actor, flt, to=target, now=now)
    if fmt == "json":
        _json({"filter": flt.to_json(), "moved": moved})
    else:
        echo(f"{moved} débiteur(s) réaffecté(s) à {where}")


@main.command()
@click.argument("debtor_ref")
@click.option("--reason", default=None, help="Motif (obligatoire pour mettre en attente).")
@click.option("--release", is_flag=True, help="Lever la mise en attente.")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def hold(obj: Ctx, debtor_ref: str, reason: str | None, release: bool, as_login: str, now_text: str | None) -> None:
    """Mettre un débiteur en attente (hors de toutes les files), ou lever l'attente."""
    from .services.lead import release_hold, set_hold

    store = obj.store()
    actor = _agent(store, as_login)
    if release:
        release_hold(store, actor, debtor_ref, reason=reason, now=_now(now_text))
        echo(f"{debtor_ref} : attente levée")
    else:
        set_hold(store, actor, debtor_ref, reason=reason or "", now=_now(now_text))
        echo(f"{debtor_ref} : en attente ({reason})")


@main.command()
@click.argument("debtor_ref")
@click.option("--off", is_flag=True, help="Retirer « ne pas appeler ».")
@click.option("--reason", default=None, help="Motif (inscrit au journal d'audit).")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def dnc(obj: Ctx, debtor_ref: str, off: bool, reason: str | None, as_login: str, now_text: str | None) -> None:
    """Marquer un débiteur « ne pas appeler » (ou retirer la marque avec --off)."""
    from .services.lead import set_do_not_call

    store = obj.store()
    set_do_not_call(store, _agent(store, as_login), debtor_ref, on=not off, reason=reason, now=_now(now_text))
    echo(f"{debtor_ref} : {'de nouveau appelable' if off else 'ne pas appeler'}")


@main.group()
def dispute() -> None:
    """Litiges (ouverts par l'issue « litige », clos par le responsable)."""


@dispute.command("close")
@click.argument("debtor_ref")
@click.option(
    "--invoice",
    "invoices",
    multiple=True,
    metavar="REF",
    help="Facture dont le litige est clos (répéter ; par défaut toutes).",
)
@click.option(
    "--accepted",
    "decision",
    flag_value="accepted",
    help="Litige fondé : un avoir est attendu, la facture reste hors du montant réclamé.",
)
@click.option(
    "--rejected", "decision", flag_value="rejected", help="Litige rejeté : la facture revient dans le montant réclamé."
)
@click.option("--note", default=None, help="Comment le litige a été réglé (journal d'audit).")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def dispute_close(
    obj: Ctx,
    debtor_ref: str,
    invoices: tuple[str, ...],
    decision: str | None,
    note: str | None,
    as_login: str,
    now_text: str | None,
) -> None:
    """Clore le litige d'un débiteur, facture par facture (--accepted ou --rejected)."""
    from .services.lead import close_dispute

    store = obj.store()
    closed = close_dispute(
        store,
        _agent(store, as_login),
        debtor_ref,
        note=note,
        now=_now(now_text),
        invoices=list(invoices),
        decision=decision,
    )
    word = "fondé, avoir attendu" if decision == "accepted" else "rejeté, de nouveau réclamé"
    echo(f"{debtor_ref} : litige clos ({word}) pour {', '.join(closed) if closed else 'tout le compte'}")


@main.command()
@click.argument("debtor_ref")
@click.option("--stage", default=None, help="Étape du guide d'appel imposée (ex. worn : nouvelle approche).")
@click.option("--tone", type=click.Choice(["empathique", "neutre", "ferme"]), default=None, help="Ton imposé.")
@click.option("--clear", is_flag=True, help="Retirer l'étape et le ton imposés.")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def override(
    obj: Ctx, debtor_ref: str, stage: str | None, tone: str | None, clear: bool, as_login: str, now_text: str | None
) -> None:
    """Imposer l'étape du guide d'appel et/ou le ton pour un débiteur."""
    from .services.lead import UNCHANGED, set_overrides

    if clear and (stage or tone):
        raise click.UsageError("--clear ne se combine pas avec --stage ou --tone")
    if not clear and not stage and not tone:
        raise click.UsageError("indiquez --stage, --tone ou --clear")
    store = obj.store()
    new_stage, new_tone = set_overrides(
        store,
        _agent(store, as_login),
        debtor_ref,
        stage=None if clear else (stage or UNCHANGED),
        tone=None if clear else (tone or UNCHANGED),
        now=_now(now_text),
    )
    echo(f"{debtor_ref} : étape {label(new_stage) or '(automatique)'} · ton {new_tone or '(automatique)'}")


@main.command("formal-notice")
@click.argument("debtor_ref")
@click.option("--date", "sent_on", default=None, metavar="DATE", help="Date d'envoi (défaut : maintenant).")
@click.option("--lrar", "registered_letter", default=None, metavar="NUMÉRO", help="Numéro du recommandé (LRAR).")
@click.option("--ref", "letter_ref", default=None, help="Référence du courrier, citée par les scripts.")
@click.option("--amount", default=None, metavar="MONTANT", help="Montant réclamé par le courrier (défaut : l'échu).")
@click.option("--note", default=None)
@click.option("--force", is_flag=True, help="Enregistrer une seconde mise en demeure à moins de 30 jours.")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def formal_notice(
    obj: Ctx,
    debtor_ref: str,
    sent_on: str | None,
    registered_letter: str | None,
    letter_ref: str | None,
    amount: str | None,
    note: str | None,
    force: bool,
    as_login: str,
    now_text: str | None,
) -> None:
    """Enregistrer l'envoi d'une mise en demeure (courrier sortant).

    Refusée sans montant échu ; une seconde à moins de 30 jours demande --force."""
    from .domain.money import AmountError, parse_amount
    from .services.lead import FormalNoticeRepeat, formal_notice_preview, record_formal_notice

    store = obj.store()
    day = parse_date(sent_on) if sent_on else None
    cents = _contested(amount, AmountError, parse_amount, "--amount") if amount else None
    if cents is not None and cents <= 0:
        fail("--amount : montant positif attendu")
    now = _now(now_text)
    lead = _agent(store, as_login)
    try:
        record_formal_notice(
            store,
            lead,
            debtor_ref,
            sent_on=day,
            note=note,
            registered_letter=registered_letter,
            force=force,
            now=now,
            settings=obj.settings,
            letter_ref=letter_ref,
            amount_cents=cents,
        )
    except FormalNoticeRepeat as exc:
        fail(f"{exc} ; relancez avec --force pour l'enregistrer quand même")
    p = formal_notice_preview(store, lead, debtor_ref, now=now)
    when = day.strftime("%d/%m/%Y") if day else "ce jour"
    n = len(p.overdue)
    invoices = f"{n} facture{'s' if n > 1 else ''} échue{'s' if n > 1 else ''}"
    echo(f"{p.ref} : mise en demeure enregistrée ({when}) · {invoices}, {format_eur(p.overdue_cents)}")


# --- letters and court packs (docs/letters.md) --------------------------------------------------


@main.group()
def letter() -> None:
    """Courriers générés : mise en demeure, numéro de recommandé."""


@letter.command("formal-notice")
@click.argument("debtor_ref")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe (signataire).")
@click.option("--deadline-days", type=int, default=8, show_default=True, help="Délai de paiement, en jours.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier PDF.")
@click.option("--email", "by_email", is_flag=True, help="L'envoyer aussi à l'adresse e-mail du débiteur ([smtp]).")
@NOW_OPTION
@click.pass_obj
@handle_errors
def letter_formal_notice(
    obj: Ctx,
    debtor_ref: str,
    as_login: str,
    deadline_days: int,
    output: Path | None,
    by_email: bool,
    now_text: str | None,
) -> None:
    """Générer la mise en demeure d'un débiteur (PDF) et l'enregistrer dans son historique."""
    from .domain.money import format_eur
    from .services.letters import email_letter, formal_notice

    store = obj.store()
    r = formal_notice(
        store,
        _agent(store, as_login),
        debtor_ref,
        now=_now(now_text),
        settings=obj.settings,
        deadline_days=deadline_days,
        output=output,
    )
    echo(f"{debtor_ref} : mise en demeure {r.reference} ({format_eur(r.amount_cents)}) écrite dans {r.path}")
    if by_email:
        to = email_letter(store, _agent(store, as_login), debtor_ref, r, now=_now(now_text), settings=obj.settings)
        echo(f"{debtor_ref} : mise en demeure {r.reference} envoyée par e-mail à {to}")


@letter.command("set-tracking")
@click.argument("debtor_ref")
@click.argument("letter_ref")
@click.argument("number")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def letter_set_tracking(
    obj: Ctx, debtor_ref: str, letter_ref: str, number: str, as_login: str, now_text: str | None
) -> None:
    """Enregistrer le numéro de recommandé d'un courrier généré."""
    from .services.letters import set_tracking

    store = obj.store()
    set_tracking(store, _agent(store, as_login), debtor_ref, letter_ref, number, now=_now(now_text))
    echo(f"{debtor_ref} : recommandé n° {number} enregistré pour {letter_ref}")


@main.command("court-pack")
@click.argument("debtor_ref")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None, help="Dossier.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def court_pack_cmd(obj: Ctx, debtor_ref: str, as_login: str, output: Path | None, now_text: str | None) -> None:
    """Préparer le dossier d'injonction de payer (décompte, données du formulaire, pièces)."""
    from .services.letters import court_pack

    store = obj.store()
    pack = court_pack(
        store, _agent(store, as_login), debtor_ref, now=_now(now_text), settings=obj.settings, output=output
    )
    echo(f"{debtor_ref} : {pack.route.procedure} ({pack.route.court}) — dossier écrit dans {pack.folder}")


@main.command()
@click.argument("debtor_ref")
@click.option("--as", "as_login", required=True, help="Agent ou responsable qui voit le débiteur.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier PDF.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def statement(obj: Ctx, debtor_ref: str, as_login: str, output: Path | None, now_text: str | None) -> None:
    """Relevé de compte du débiteur (PDF) : factures ouvertes et récentes, avoirs, paiements, solde."""
    from .services.letters import statement as make_statement

    store = obj.store()
    path = make_statement(
        store, _agent(store, as_login), debtor_ref, now=_now(now_text), settings=obj.settings, output=output
    )
    echo(f"{debtor_ref} : relevé de compte écrit dans {path}")


# --- legal rules (docs/legal.md) -----------------------------------------------------------------


def _eur_plain(cents: int) -> str:
    return f"{cents / 100:.2f}"


@main.command()
@click.argument("debtor_ref")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def penalties(obj: Ctx, debtor_ref: str, fmt: str, now_text: str | None) -> None:
    """Pénalités de retard et indemnités forfaitaires exigibles, facture par facture."""
    from .services.legal import penalties_for

    claim = penalties_for(obj.store(), debtor_ref, now=_now(now_text), settings=obj.settings)
    if fmt == "json":
        _json(claim.to_json())
        return
    s = claim.statement
    rows = [
        [
            r.invoice_ref,
            _eur_plain(r.principal_cents),
            str(r.days_late),
            _eur_plain(r.penalty_cents),
            _eur_plain(r.indemnity_cents),
        ]
        for r in s.rows
    ]
    _table(["invoice_ref", "principal", "days_late", "penalty", "indemnity"], rows, right={1, 2, 3, 4})
    echo(f"total_penalty    {_eur_plain(s.total_penalty_cents)}")
    echo(f"total_indemnity  {_eur_plain(s.total_indemnity_cents)}")
    for r in s.prescribed:
        echo(f"prescrite (jamais réclamée) : {r.invoice_ref} {_eur_plain(r.principal_cents)}")
    if not claim.claim_penalties:
        echo("réclamation désactivée ([legal] claim_penalties = false) : rien n'est annoncé au débiteur")


@main.command()
@click.option(
    "--within", type=click.IntRange(1, 730), default=None, help="Jours (défaut : [legal] prescription_warning_days)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def prescription(obj: Ctx, within: int | None, fmt: str, now_text: str | None) -> None:
    """Factures impayées bientôt prescrites : agir avant le dernier jour."""
    from .services.legal import prescribing_soon

    days = within or obj.settings.legal.prescription_warning_days
    rows = prescribing_soon(obj.store(), now=_now(now_text), within_days=days)
    if fmt == "json":
        _json([r.to_json() for r in rows])
        return
    _table(
        ["débiteur", "nom", "segment", "facture", "impayé", "dernier jour"],
        [
            [
                r.debtor_ref,
                r.name,
                r.segment,
                r.invoice_ref,
                _eur_plain(r.unpaid_cents),
                r.last_day_to_act.strftime("%d/%m/%Y"),
            ]
            for r in rows
        ],
        right={4},
    )


@main.command()
@click.argument("debtor_ref")
@click.option("--on", "on_text", required=True, metavar="DATE", help="Date de la reconnaissance écrite.")
@click.option("--note", default=None)
@click.option("--as", "as_login", required=True, help="Agent ou responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def acknowledgment(
    obj: Ctx, debtor_ref: str, on_text: str, note: str | None, as_login: str, now_text: str | None
) -> None:
    """Enregistrer une reconnaissance de dette écrite (relance la prescription)."""
    from .services.legal import record_acknowledgment

    store = obj.store()
    day = parse_date(on_text)
    record_acknowledgment(
        store, _agent(store, as_login), debtor_ref, on=day, note=note, now=_now(now_text), settings=obj.settings
    )
    echo(f"{debtor_ref} : reconnaissance de dette du {day:%d/%m/%Y} enregistrée")


@main.command()
@click.argument("debtor_ref")
@click.option("--since", "since_text", default=None, metavar="DATE", help="Date de recevabilité du dossier.")
@click.option("--off", is_flag=True, help="Retirer la mention (erreur de saisie, dossier clos).")
@click.option("--note", default=None)
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def overindebted(
    obj: Ctx,
    debtor_ref: str,
    since_text: str | None,
    off: bool,
    note: str | None,
    as_login: str,
    now_text: str | None,
) -> None:
    """Surendettement : dossier déclaré recevable, toute relance cesse (C. conso L722-2)."""
    from .services.legal import LegalError, set_overindebted

    if off == (since_text is not None):
        raise LegalError("indiquez soit --since DATE, soit --off")
    store = obj.store()
    day = parse_date(since_text) if since_text else None
    set_overindebted(store, _agent(store, as_login), debtor_ref, since=day, note=note, now=_now(now_text))
    if day:
        echo(f"{debtor_ref} : surendettement depuis le {day:%d/%m/%Y} ; plus aucune relance")
    else:
        echo(f"{debtor_ref} : mention de surendettement retirée")


@main.command()
@click.argument("text")
@click.option("--as", "as_login", default=None, help="Vue d'un agent (son portefeuille et l'équipe).")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def search(obj: Ctx, text: str, as_login: str | None, limit: int, fmt: str) -> None:
    """Chercher un débiteur par nom, référence, SIREN ou numéro de téléphone."""
    from .services.search import search_debtors

    store = obj.store()
    hits = search_debtors(store, _actor(store, as_login), text, limit=limit)
    if fmt == "json":
        _json([h.to_json() for h in hits])
        return
    _table(
        ["débiteur", "nom", "seg.", "SIREN", "agent", "solde", "téléphones"],
        [
            [
                h.debtor_ref,
                h.name[:30],
                h.segment,
                h.siren or "",
                h.agent or "(équipe)",
                format_eur(h.balance_cents),
                " ".join(h.phones),
            ]
            for h in hits
        ],
        right={5},
    )


@main.command()
@click.option("--as", "as_login", default=None, help="Responsable d'équipe (défaut : la vue de la ligne de commande).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def board(obj: Ctx, as_login: str | None, fmt: str, now_text: str | None) -> None:
    """Tableau de l'équipe aujourd'hui : état, dossier en cours, appels, contacts, promesses ; files par agent."""
    from .services.lead import queue_loads, team_board

    store = obj.store()
    actor = _actor(store, as_login)
    now = _now(now_text)
    rows = team_board(store, actor, now=now)
    loads = queue_loads(store, actor)
    if fmt == "json":
        _json({"agents": [r.to_json() for r in rows], "queues": [q.to_json() for q in loads]})
        return
    _table(
        ["agent", "état", "dossier en cours", "dernière issue", "appels", "contacts", "promesses", "montant"],
        [
            [
                r.login,
                r.state_label,
                f"{r.case_ref} {r.case_name or ''}".strip()[:32] if r.case_ref else "",
                r.last_outcome_label,
                str(r.calls),
                str(r.rpc),
                str(r.promises),
                format_eur(r.promised_cents),
            ]
            for r in rows
        ],
        right={4, 5, 6, 7},
    )
    echo()
    _table(
        ["file", "débiteurs", "solde", "bloqués"],
        [[q.agent or "(équipe)", str(q.debtors), format_eur(q.balance_cents), str(q.blocked)] for q in loads],
        right={1, 2, 3},
    )


def _parse_cursor(text: str | None) -> tuple[int, float, str] | None:
    if text is None:
        return None
    cls, sep, rest = text.partition(":")
    score, sep2, ref = rest.partition(":")
    try:
        if not sep or not sep2 or not ref:
            raise ValueError
        return int(cls), float(score), ref
    except ValueError:
        raise click.BadParameter(
            f"« {text} » : attendu CLASSE:SCORE:RÉFÉRENCE (donné par la page précédente)"
        ) from None


@main.command()
@_lead_filter_options
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--after", "after_text", default=None, metavar="CURSEUR", help="Page suivante (curseur affiché).")
@click.option("--as", "as_login", default=None, help="Responsable d'équipe.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv-fr", "xlsx"]),
    default="table",
    show_default=True,
    help="csv-fr, xlsx : toutes les pages.",
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_obj
@handle_errors
def review(
    obj: Ctx,
    limit: int,
    after_text: str | None,
    as_login: str | None,
    fmt: str,
    output: Path | None,
    now_text: str | None,
    **filters: Any,
) -> None:
    """Revue des files de tous les agents (filtres, pages), avec l'appelabilité de chaque débiteur."""
    from .services.lead import review_queue

    flt = _lead_filter(filters)
    store = obj.store()
    if fmt in ("xlsx", "csv-fr"):
        from .reports.export_reports import review_table
        from .services.exports import review_rows

        rows = review_rows(store, _actor(store, as_login), flt, now=_now(now_text), settings=obj.settings)
        _write_export(review_table(rows), fmt, output)
        return
    page = review_queue(
        store,
        _actor(store, as_login),
        flt,
        now=_now(now_text),
        settings=obj.settings,
        limit=limit,
        after=_parse_cursor(after_text),
    )
    cursor = f"{page.after[0]}:{page.after[1]!r}:{page.after[2]}" if page.after else None
    if fmt == "json":
        _json({"rows": [e.to_json() for e in page.rows], "next": cursor})
        return
    _table(
        ["débiteur", "nom", "agent", "seg.", "solde", "retard", "score", "statut"],
        [
            [
                e.debtor_ref,
                e.name[:24],
                e.agent or "(équipe)",
                e.segment,
                format_eur(e.balance_cents),
                f"{e.days_past_due} j",
                f"{e.score:.1f}",
                e.status[:50],
            ]
            for e in page.rows
        ],
        right={4, 5, 6},
    )
    if cursor:
        echo(f"page suivante : --after '{cursor}'", err=True)


@main.command()
@click.option("--week", default=None, metavar="YYYY-Www", help="Semaine ISO (défaut : la dernière semaine complète).")
@click.option("--as", "as_login", default=None, help="Responsable d'équipe.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "csv-fr", "xlsx"]),
    default="table",
    show_default=True,
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_obj
@handle_errors
def kpis(obj: Ctx, week: str | None, as_login: str | None, fmt: str, output: Path | None, now_text: str | None) -> None:
    """Indicateurs par agent pour une semaine (définitions : docs/kpis.md)."""
    from .domain.dates import last_complete_week, parse_iso_week
    from .services.lead import kpis as weekly_kpis
    from .services.lead import kpis_csv

    now = _now(now_text)
    week = week or last_complete_week(now)
    parse_iso_week(week)
    store = obj.store()
    rows = weekly_kpis(store, _actor(store, as_login), week=week, now=now, settings=obj.settings)
    if fmt in ("xlsx", "csv-fr"):
        from .reports.export_reports import kpis_table

        _write_export(kpis_table(rows), fmt, output)
        return
    if fmt == "json":
        _json([r.to_json() for r in rows])
        return
    if fmt == "csv":
        echo(kpis_csv(rows), nl=False)
        return

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x * 100:.1f} %".replace(".", ",")

    echo(f"Indicateurs — semaine {week}")
    _table(
        [
            "agent",
            "appels",
            "contacts",
            "taux contact",
            "promesses",
            "taux promesse",
            "promis",
            "taux tenu",
            "encaissé",
            "appels/contact",
        ],
        [
            [
                r.agent,
                str(r.calls),
                str(r.rpc),
                pct(r.rpc_rate),
                str(r.promises),
                pct(r.promise_rate),
                format_eur(r.promised_cents),
                pct(r.kept_rate),
                format_eur(r.collected_cents),
                "—" if r.attempts_per_rpc is None else f"{r.attempts_per_rpc:.1f}".replace(".", ","),
            ]
            for r in rows
        ],
        right=set(range(1, 10)),
    )


@main.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--before-id", type=int, default=None, help="Page suivante : lignes plus anciennes que cet id.")
@click.option("--actor", "actor_filter", default=None, help="Seulement cet auteur.")
@click.option("--action", default=None, help="Seulement cette action (assign, hold, outcome…).")
@click.option("--as", "as_login", default=None, help="Responsable d'équipe.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def audit(
    obj: Ctx,
    limit: int,
    before_id: int | None,
    actor_filter: str | None,
    action: str | None,
    as_login: str | None,
    fmt: str,
) -> None:
    """Journal d'audit (le plus récent d'abord)."""
    from .services.lead import audit_page

    store = obj.store()
    entries = audit_page(
        store, _actor(store, as_login), before_id=before_id, actor_filter=actor_filter, action=action, limit=limit
    )
    if fmt == "json":
        _json([e.to_json() for e in entries])
        return
    _table(
        ["id", "quand (UTC)", "auteur", "action", "objet", "détails"],
        [
            [
                str(e.id),
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                e.actor,
                e.action,
                f"{e.entity} {e.entity_ref or ''}".strip(),
                json.dumps(e.details, ensure_ascii=False, sort_keys=True)[:70],
            ]
            for e in entries
        ],
        right={0},
    )
    if len(entries) == limit:
        echo(f"page suivante : --before-id {entries[-1].id}", err=True)


# --- output helpers ------------------------------------------------------------------------


def _json(data: Any) -> None:
    echo(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)))


def _table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> None:
    right = right or set()
    rows = [[printable(c) for c in r] for r in rows]  # one line per row, controls visible
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            str(c).rjust(widths[i]) if i in right else str(c).ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    echo(fmt(headers))
    echo("  ".join("─" * w for w in widths))
    for r in rows:
        echo(fmt(r))
    if not rows:
        echo("(aucune ligne)")


def _csv(headers: list[str], rows: list[list[Any]]) -> None:
    from .reports import safe_csv

    buf = io.StringIO()
    w = safe_csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    echo(buf.getvalue(), nl=False)


if __name__ == "__main__":
    main()
