"""`recouvre backup` on PostgreSQL: `pg_dump` in its custom format (docs/postgresql.md).

The dump is written to `DEST.partial` (mode 0600: it holds debtors' data), read back with
`pg_restore --list` (a truncated or unreadable dump fails there), and only then renamed to
DEST. The password, if the URL carries one, goes to pg_dump through its environment
(PGPASSWORD), never on its command line where `ps` would show it.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .db import StoreError
from .target import masked


@dataclass(frozen=True)
class Dump:
    entries: int  # objects in the dump's table of contents (tables, data, indexes, functions…)
    tool: str  # the pg_dump that wrote it


def find_tool(name: str) -> str:
    """`pg_dump` / `pg_restore`: on PATH, else the newest Debian install."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if installed:
        return str(installed[-1])
    raise StoreError(
        f"{name} introuvable (ni dans le PATH ni dans /usr/lib/postgresql/*/bin) : "
        "installez le client PostgreSQL (apt-get install postgresql-client)"
    )


def _conninfo_and_env(url: str) -> tuple[str, dict[str, str]]:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    env = dict(os.environ)
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def restore_hint(dest: Path, url: str) -> str:
    """How to restore DEST, in French, for the command's output: into a new database owned by
    the URL's role (created by an administrator: the role need not have CREATEDB), in one
    transaction that stops at the first error (a half-restored database is never left), with
    the URL pointed at that new database."""
    new = "NOUVELLE_BASE"
    return (
        f"pour restaurer : createdb -O {shlex.quote(_role(url))} {new} (par un administrateur du serveur) puis "
        f"pg_restore --no-owner --exit-on-error --single-transaction -d "
        f"{shlex.quote(_with_dbname(masked(url), new))} {shlex.quote(str(dest))}"
    )


def _role(url: str) -> str:
    """The role libpq logs in as for `url`: its `user`, else PGUSER, else the system account."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        user = conninfo_to_dict(url).get("user") or os.environ.get("PGUSER")
    except psycopg.Error:  # not a URL libpq reads: the dump itself would have failed first
        user = os.environ.get("PGUSER")
    return str(user) if user else pwd.getpwuid(os.geteuid()).pw_name


def _with_dbname(url: str, name: str) -> str:
    """`url` naming database `name`: its path replaced and any `dbname=` parameter dropped
    (libpq lets that parameter override the path: kept, it would name the live database).
    The rest stays as written (`urlunsplit` would drop the empty host of `postgresql:///db`)."""
    rest, hash_, fragment = url.partition("#")
    rest, question, query = rest.partition("?")
    scheme, sep, after = rest.partition("://")
    netloc = after.split("/", 1)[0]
    kept = [p for p in query.split("&") if p and unquote(p.partition("=")[0]).strip().lower() != "dbname"]
    return f"{scheme}{sep}{netloc}/{name}{question if kept else ''}{'&'.join(kept)}{hash_}{fragment}"


def dump(url: str, dest: Path) -> Dump:
    if dest.exists():
        raise StoreError(f"{dest} existe déjà : choisissez un nouveau fichier")
    pg_dump, pg_restore = find_tool("pg_dump"), find_tool("pg_restore")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    conninfo, env = _conninfo_and_env(url)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            done = subprocess.run(
                [pg_dump, "--format=custom", "--no-password", f"--dbname={conninfo}"],
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                check=False,
            )
        if done.returncode != 0:
            raise StoreError(f"pg_dump a échoué : {_first_line(done.stderr)} ; aucune sauvegarde écrite")
        listed = subprocess.run([pg_restore, "--list", str(tmp)], capture_output=True, check=False)
        if listed.returncode != 0:
            raise StoreError(f"la sauvegarde ne se relit pas (pg_restore --list) : {_first_line(listed.stderr)}")
        entries = sum(
            1
            for line in listed.stdout.decode(errors="replace").splitlines()
            if line.strip() and not line.startswith(";")
        )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(dest)  # only a complete, readable dump gets the final name
    return Dump(entries, pg_dump)


def _first_line(stderr: bytes) -> str:
    text = stderr.decode(errors="replace").strip()
    return text.splitlines()[0] if text else "sans message"
