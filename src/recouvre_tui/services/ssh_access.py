"""SSH access: authorized_keys lines that force `recouvre tui --agent LOGIN`."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from ..store import agents as sql
from ..store.db import Store


def _program() -> str:
    found = shutil.which("recouvre")
    return found or f"{sys.executable} -m recouvre_tui.cli"


def authorized_keys_lines(store: Store, *, db_path: Path, program: str | None = None) -> list[str]:
    """One line per key of an active agent: `restrict,pty,command="…" <key> recouvre:<login>`.

    `restrict` turns off forwarding, agent and X11; `pty` gives the TUI its terminal back;
    the forced command ignores whatever command the client asked for.
    """
    prog = program or _program()
    with store.read() as conn:
        pairs = sql.keys(conn)
    lines = []
    for login, key in pairs:
        command = f"{prog} --db {shlex.quote(str(Path(db_path).resolve()))} tui --agent {shlex.quote(login)}"
        escaped = command.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'restrict,pty,command="{escaped}" {key} recouvre:{login}')
    return lines


def install_authorized_keys(lines: list[str], target: Path | None = None) -> Path:
    """Write the file atomically (temp file + rename) with 0600 in a 0700 ~/.ssh."""
    path = target or Path.home() / ".ssh" / "authorized_keys"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".authorized_keys.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("# Généré par « recouvre ssh authorized-keys --install » : ne pas modifier à la main.\n")
            for line in lines:
                f.write(line + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
