"""`recouvre backup` on PostgreSQL: `pg_dump` in its custom format (docs/postgresql.md).

The dump is written to a temporary file of its own in DEST's folder (mode 0600: it holds
debtors' data), read back whole (`pg_restore -f /dev/null` reads every data block: a dump cut
short fails there, where `--list`, which reads only the table of contents, passed), and only
then linked to DEST, never over an existing file: two backups to one destination never touch
each other's file, and the second is refused. The password, if the URL carries one, goes to
pg_dump through its environment (PGPASSWORD), never on its command line where `ps` would show
it.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
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
    conninfo, env = _conninfo_and_env(url)
    # A name of its own (mode 0600), so that two backups to one destination never write, remove
    # or rename each other's file; in DEST's folder, for the final link.
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial")
    tmp = Path(name)
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
        entries = _read_back(pg_restore, tmp)
        _publish(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return Dump(entries, pg_dump)


def _read_back(pg_restore: str, path: Path) -> int:
    """Read the whole dump back; the objects its table of contents lists. `--list` reads only
    the table of contents, which a dump cut short in its data still has whole: every data block
    is read by restoring to /dev/null."""
    listed = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, check=False)
    if listed.returncode != 0:
        raise StoreError(
            f"la sauvegarde ne se relit pas (pg_restore --list) : {_first_line(listed.stderr)} ; "
            "aucune sauvegarde écrite"
        )
    read = subprocess.run([pg_restore, "-f", os.devnull, str(path)], capture_output=True, check=False)
    if read.returncode != 0:
        raise StoreError(
            f"la sauvegarde ne se relit pas en entier (pg_restore -f /dev/null) : {_first_line(read.stderr)} ; "
            "aucune sauvegarde écrite"
        )
    return sum(
        1 for line in listed.stdout.decode(errors="replace").splitlines() if line.strip() and not line.startswith(";")
    )


def _publish(tmp: Path, dest: Path) -> None:
    """Give the complete, readable dump its final name, never over an existing file (another
    backup to the same destination may have finished meanwhile): a hard link fails if DEST
    exists. On a file system without hard links, DEST is reserved by an exclusive create,
    then replaced by the dump."""
    taken = StoreError(f"{dest} existe déjà (une autre sauvegarde vient de l'écrire ?) : choisissez un nouveau fichier")
    try:
        os.link(tmp, dest)
        return
    except FileExistsError:
        raise taken from None
    except OSError:
        pass  # no hard links here (EPERM, EOPNOTSUPP…)
    try:
        os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise taken from None
    os.replace(tmp, dest)


def _first_line(stderr: bytes) -> str:
    text = stderr.decode(errors="replace").strip()
    return text.splitlines()[0] if text else "sans message"
