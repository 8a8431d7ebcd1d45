"""SSH access: authorized_keys lines that force `recouvre tui --agent LOGIN`."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from ..store import agents as sql
from ..store.db import Store
from ..store.target import absolute


def _program() -> str:
    found = shutil.which("recouvre")
    return found or f"{sys.executable} -m recouvre_tui.cli"


def authorized_keys_lines(store: Store, *, db_path: Path | str, program: str | None = None) -> list[str]:
    """One line per key of an active agent: `restrict,pty,command="…" <key> recouvre:<login>`.

    `restrict` turns off forwarding, agent and X11; `pty` gives the TUI its terminal back;
    the forced command ignores whatever command the client asked for.
    """
    with store.read() as conn:
        return lines_from(conn, db_path=db_path, program=program)


def lines_from(conn: sqlite3.Connection, *, db_path: Path | str, program: str | None = None) -> list[str]:
    """`authorized_keys_lines` inside the caller's transaction."""
    prog = program or _program()
    pairs = sql.keys(conn)
    lines = []
    for login, key in pairs:
        command = f"{prog} --db {shlex.quote(absolute(db_path))} tui --agent {shlex.quote(login)}"
        escaped = command.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'restrict,pty,command="{escaped}" {key} recouvre:{login}')
    return lines


HEADER = "# Généré par « recouvre ssh authorized-keys --install » : ne pas modifier à la main.\n"


def _up_to_date(path: Path, text: str) -> bool:
    try:
        return (path.stat().st_mode & 0o777) == 0o600 and path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def install_authorized_keys(lines: list[str], target: Path | None = None) -> Path:
    """Write the file atomically (temp file + rename) with 0600 in a 0700 ~/.ssh. A file that
    already says exactly this is left alone: each front end of a shared PostgreSQL runs
    `--install` from cron every minute (docs/postgresql.md, "Agents' keys on every front end")."""
    path = target or Path.home() / ".ssh" / "authorized_keys"
    text = HEADER + "".join(line + "\n" for line in lines)
    if _up_to_date(path, text):
        return path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".authorized_keys.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def remember_install(conn: sqlite3.Connection, *, path: Path, db_path: Path | str, program: str | None) -> None:
    """Note where the file was installed and with which command, so that every later change of
    an agent's access (deactivation, key removed, role…) rewrites the same file the same way."""
    record = json.dumps(
        {"path": str(Path(path).resolve()), "db": absolute(db_path), "program": program or _program()}, sort_keys=True
    )
    if sql.get_meta(conn, sql.AUTHORIZED_KEYS_META) != record:  # the minute's cron run writes nothing
        sql.set_meta(conn, sql.AUTHORIZED_KEYS_META, record)


def installed_target(conn: sqlite3.Connection) -> tuple[Path, str, str] | None:
    """(file, database path, program) of the last `--install`, or None when never installed."""
    raw = sql.get_meta(conn, sql.AUTHORIZED_KEYS_META)
    if raw is None:
        return None
    record = json.loads(raw)
    return Path(record["path"]), str(record["db"]), str(record["program"])


def rewrite_installed(conn: sqlite3.Connection) -> Path | None:
    """Rewrite the installed authorized_keys from the caller's transaction (before it commits:
    if the file cannot be written, the change is rolled back). None when never installed."""
    target = installed_target(conn)
    if target is None:
        return None
    path, db_path, program = target
    return install_authorized_keys(lines_from(conn, db_path=db_path, program=program), path)
