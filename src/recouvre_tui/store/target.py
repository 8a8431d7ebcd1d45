"""What `--db` / `RECOUVRE_DB` name: a SQLite file (any path) or a PostgreSQL server (a URL).

`postgresql://user@host:port/db`, `postgres://…` and libpq's query forms
(`postgresql:///recouvre?host=/run/postgresql`) are PostgreSQL. Anything else that looks like
a URL (`scheme://…`) is refused: it would otherwise become a folder tree of SQLite files
named after the URL.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class TargetError(ValueError):
    """`--db` names something that is neither a file path nor a PostgreSQL URL."""


def is_postgres(target: str | Path) -> bool:
    if isinstance(target, Path):
        return False
    m = _URL.match(target)
    if m is None:
        return False
    scheme = m.group(1).lower()
    if scheme in POSTGRES_SCHEMES:
        return True
    raise TargetError(
        f"--db {target.split('://', 1)[0]}://… : type de base inconnu ; indiquez un fichier SQLite "
        "(chemin) ou une URL postgresql://utilisateur@hôte:port/base"
    )


def masked(target: str) -> str:
    """The target without its password, for messages and logs."""
    if "://" not in target:
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def absolute(target: str | Path) -> str:
    """The target as another process (an SSH session) must name it: a URL unchanged, a file
    path made absolute."""
    text = str(target)
    if isinstance(target, str) and _URL.match(text):
        return text
    return str(Path(text).resolve())
