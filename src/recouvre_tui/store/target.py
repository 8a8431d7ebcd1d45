"""What `--db` / `RECOUVRE_DB` name: a SQLite file (any path) or a PostgreSQL server (a URL).

`postgresql://user@host:port/db`, `postgres://…` and libpq's query forms
(`postgresql:///recouvre?host=/run/postgresql`) are PostgreSQL, the scheme in any letter case
(libpq itself takes it in lower case only: `canonical` gives it that way). Anything else that
looks like a URL (`scheme://…`) is refused, and so is a `postgres:`/`postgresql:` prefix not
followed by `//` (`postgresql:/recouvre@/ops1`, one slash): either would otherwise become a
folder tree of SQLite files named after the URL.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

POSTGRES_SCHEMES = ("postgresql", "postgres")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# A PostgreSQL scheme however it is followed: `postgresql:/x`, `Postgres:x`, `postgresql://x`.
_PG_PREFIX = re.compile(r"^(postgresql|postgres):", re.IGNORECASE)


class TargetError(ValueError):
    """`--db` names something that is neither a file path nor a PostgreSQL URL."""


def is_postgres(target: str | Path) -> bool:
    text = str(target)
    prefix = _PG_PREFIX.match(text)
    m = _URL.match(text) if isinstance(target, str) else None
    if prefix is not None and m is None:
        # `Path("postgresql://…")` has already lost a slash: refused the same way.
        raise TargetError(
            f"--db {masked(text)} : URL PostgreSQL mal formée (« {prefix.group(0)} » doit être suivi de « // ») ; "
            "écrivez postgresql://utilisateur@hôte:port/base ou postgresql:///base?host=/run/postgresql"
        )
    if m is None:
        return False
    scheme = m.group(1).lower()
    if scheme in POSTGRES_SCHEMES:
        return True
    raise TargetError(
        f"--db {text.split('://', 1)[0]}://… : type de base inconnu ; indiquez un fichier SQLite "
        "(chemin) ou une URL postgresql://utilisateur@hôte:port/base"
    )


def canonical(url: str) -> str:
    """A PostgreSQL URL with its scheme in lower case, the only spelling libpq takes
    (`POSTGRESQL://…` would be read as a malformed `key=value` string). The rest is unchanged:
    user, host and database names are case-sensitive."""
    m = _URL.match(url)
    if m is None or m.group(1).lower() not in POSTGRES_SCHEMES:
        return url
    return m.group(1).lower() + url[len(m.group(1)) :]


def masked(target: str) -> str:
    """The target without its passwords, for messages and logs: the user-info one
    (`postgresql://u:secret@h/db`) and libpq's `password=` query parameter (`?password=secret`,
    its name in any letter case or percent-encoded, as libpq decodes it). Everything else is
    kept as typed (`urlunsplit` would turn `postgresql:///db` into `postgresql:/db`), and a
    malformed PostgreSQL URL (`postgresql:/u:secret@h/db`, refused by `is_postgres`) is masked
    too, since the refusal quotes it."""
    head = _URL.match(target) or _PG_PREFIX.match(target)
    if head is None:
        return target
    scheme, sep, rest = target.partition(":")
    sep += "/" * (len(rest) - len(rest.lstrip("/")))
    rest = rest.lstrip("/")
    rest, hash_, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hosts}"
    pieces = query.split("&")
    for i, piece in enumerate(pieces):
        key, equals, _value = piece.partition("=")
        if equals and unquote(key).strip().lower() == "password":
            pieces[i] = f"{key}=***"
    return f"{scheme}{sep}{netloc}{slash}{path}{question}{'&'.join(pieces)}{hash_}{fragment}"


def absolute(target: str | Path) -> str:
    """The target as another process (an SSH session) must name it: a URL as libpq takes it
    (`canonical`), a file path made absolute."""
    text = str(target)
    if isinstance(target, str) and _URL.match(text):
        return canonical(text)
    return str(Path(text).resolve())
