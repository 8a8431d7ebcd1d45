"""Shared by every command module: the context object, printing (`echo`, `_json`, `_table`,
`_csv`), error handling (`handle_errors`, `fail`), the `--now` and `--output` options and the
look-ups of the acting agent."""

from __future__ import annotations

import errno
import io
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click

from ..domain.dates import DateError, parse_now
from ..domain.money import AmountError
from ..domain.text import json_safe, printable, terminal_safe
from ..settings import ConfigError, load_settings
from ..store.db import Store, StoreError, describe_sqlite_error, open_db

EXIT_ERROR = 1


class Ctx:
    def __init__(self, db: Path | str, config: Path | None) -> None:
        # A file path (SQLite) or a PostgreSQL URL, as given; `db_label` is how messages show it.
        self.db_path: Path | str = db
        self.config_path = config
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def db_label(self) -> str:
        from ..store.target import masked

        return masked(str(self.db_path))

    def store(self) -> Store:
        """The database, which must exist at this program's schema (only `init` creates,
        only `migrate` upgrades). Its holiday calendars are installed for this process."""
        from ..services.calendars import load_calendars

        store = open_db(self.db_path)
        try:
            load_calendars(store)
        except BaseException:
            store.close()
            raise
        return store


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
    from ..importers.reader import ImportRejected
    from ..services.agents import AgentError
    from ..services.case_file import CaseError
    from ..services.exports import ExportError
    from ..services.lead import LeadError
    from ..services.legal import LegalError
    from ..services.letters import LetterError
    from ..services.outcome import OutcomeError
    from ..services.promise_tracking import PromiseError
    from ..services.refresh import JobBusy
    from ..services.roles import PermissionDenied
    from ..services.sessions import SessionError
    from ..services.work_queue import QueueError

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
    if type(exc).__module__.startswith("psycopg"):  # the PostgreSQL store: rolled back too
        from ..store.pg import describe_pg_error

        fail(describe_pg_error(exc, str(_db_path())))
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
    return obj.db_label if obj is not None else "base"


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


def _system_user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:
        return "cli"


def _agent(store: Store, login: str):
    from ..services.agents import require_agent

    return require_agent(store, login)


def _viewer(store: Store, login: str | None):
    """The agent whose view is shown; without --as, the server operator's view (every team)."""
    from ..services.roles import OPERATOR

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
    from ..services.exports import render

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


def _actor(store: Store, login: str | None):
    """The acting user for a read command: --as LOGIN, else the command line's lead view."""
    return _viewer(store, login)


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
    from ..reports import safe_csv

    buf = io.StringIO()
    w = safe_csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    echo(buf.getvalue(), nl=False)
