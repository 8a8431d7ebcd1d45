"""Which store the suite runs on: SQLite files (default) or a real PostgreSQL server.

`pytest --store postgresql` (or RECOUVRE_TEST_STORE=postgresql) runs the same tests against a
throw-away PostgreSQL cluster (tests/pg_cluster.py), one per test process, each test database
created empty. Tests name their database with `new_db(folder, "t.db")`: a file in SQLite mode,
a fresh PostgreSQL database's URL otherwise. Tests about the SQLite file itself (damage,
permissions, WAL, file backups) carry `@pytest.mark.sqlite_only` and are not collected on
PostgreSQL; their PostgreSQL counterparts carry `postgresql_only`.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pg_cluster import Cluster

_cluster: Cluster | None = None


def closed_error() -> tuple[str, str]:
    """(module, "Type: message") the driver raises on a store whose connection was closed."""
    if on_postgres():
        return "psycopg", "OperationalError: the connection is closed"
    return "sqlite3", "ProgrammingError: Cannot operate on a closed database."


def store_kind() -> str:
    return os.environ.get("RECOUVRE_TEST_STORE", "sqlite")


def on_postgres() -> bool:
    return store_kind() == "postgresql"


def cluster() -> Cluster:
    """This test process's PostgreSQL cluster, started on first use, stopped at exit."""
    global _cluster
    if _cluster is None:
        folder = Path(tempfile.mkdtemp(prefix="recouvre-pg-"))
        _cluster = Cluster(folder).start()
        atexit.register(_stop_and_remove, _cluster)
    return _cluster


# PostgreSQL databases made during the running test, dropped after it (an empty database
# takes ~8 MB: a whole run would otherwise leave gigabytes). Templates built by session or
# module fixtures pass `keep=True`.
_made_by_test: list[str] = []


def _stop_and_remove(c: Cluster) -> None:
    import shutil

    c.stop()
    shutil.rmtree(c.folder, ignore_errors=True)


def new_db(folder: Path, name: str = "t.db", *, keep: bool = False) -> Path | str:
    """Where a test's database lives: `folder / name` (SQLite) or a new PostgreSQL database."""
    if on_postgres():
        url = cluster().new_database(Path(name).stem.replace("-", "_")[:20] or "t")
        if not keep:
            _made_by_test.append(url)
        return url
    return folder / name


def french_database(prefix: str = "fr") -> str:
    """A new PostgreSQL database whose default collation is French (ICU `fr-FR`), as one made
    on a server installed in French; dropped after the test."""
    url = cluster().new_database(prefix, icu_locale="fr-FR")
    _made_by_test.append(url)
    return url


@contextmanager
def login_role(prefix: str = "clerk") -> Iterator[str]:
    """A new role that may log in, owns nothing and is not a superuser (the cluster's own
    `recouvre` is one, so it reads everything). Dropped after, with the databases it owns, and
    what it owns and the privileges granted to it in every other database (they would keep
    the role)."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster().url(), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        yield name
    finally:
        with psycopg.connect(cluster().url(), autocommit=True) as conn:
            owned = conn.execute(
                "SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = %s)",
                (name,),
            ).fetchall()
            for (dbname,) in owned:
                conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
            holding = conn.execute(
                "SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid "
                "WHERE s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = %s)",
                (name,),
            ).fetchall()
            for (dbname,) in holding:
                with psycopg.connect(cluster().url(dbname), autocommit=True) as there:
                    there.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE "{name}"')


def as_role(url: str, role: str) -> str:
    """The same test database's URL, logging in as `role` (trust authentication)."""
    from pg_cluster import SUPERUSER

    head = f"postgresql://{SUPERUSER}@"
    assert url.startswith(head), url
    return f"postgresql://{role}@{url[len(head):]}"


def drop_test_databases() -> None:
    """Drop the databases the finished test made (its connections are cut: FORCE)."""
    if not _made_by_test:
        return
    from urllib.parse import urlsplit

    import psycopg

    with psycopg.connect(cluster().url(), autocommit=True) as conn:
        while _made_by_test:
            name = urlsplit(_made_by_test.pop()).path.lstrip("/")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clone_db(template: Path | str, folder: Path, name: str = "t.db") -> Path | str:
    """A copy of a template database built once (its connections closed)."""
    if isinstance(template, str) and "://" in template:
        from urllib.parse import urlsplit

        import psycopg

        src = urlsplit(template).path.lstrip("/")
        dest = f"{Path(name).stem.replace('-', '_')[:20]}_{os.urandom(6).hex()}"
        with psycopg.connect(cluster().url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dest}" TEMPLATE "{src}" STRATEGY file_copy')
        _made_by_test.append(cluster().url(dest))
        return cluster().url(dest)
    import shutil

    path = folder / name
    shutil.copyfile(template, path)
    return path


def drop_db(db: Path | str) -> None:
    """Delete a test database now rather than when the test ends (its connections closed):
    for tests that make hundreds of copies, which would otherwise fill the disk meanwhile."""
    if "://" in str(db):
        from urllib.parse import urlsplit

        import psycopg

        name = urlsplit(str(db)).path.lstrip("/")
        with psycopg.connect(cluster().url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def dump(store: object) -> list[str]:
    """The whole database as text lines, for "nothing changed" assertions: SQLite's `iterdump`,
    or on PostgreSQL every row of every table as `INSERT INTO "table" VALUES(…)` in key order
    (the same prefix, so filters written for iterdump lines keep working)."""
    conn = store.conn  # type: ignore[attr-defined]
    with store.lock:  # type: ignore[attr-defined]
        if getattr(conn, "dialect", "sqlite") != "postgresql":
            return list(conn.iterdump())
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        lines: list[str] = []
        for t in tables:
            lines += [f'INSERT INTO "{t}" VALUES{tuple(r)!r};' for r in conn.execute(f'SELECT * FROM "{t}" ORDER BY 1')]
        return lines


def examples(n: int) -> int:
    """Hypothesis examples for a fuzz test whose subject does not depend on the engine (the
    importers' parsing): all of them on SQLite, a fifth on PostgreSQL, where the pass checks the
    store's side (a rejected file leaves the database identical) at ~0.25 s an example."""
    return max(10, n // 5) if on_postgres() else n


def store_examples(n: int) -> int:
    """Hypothesis examples for a property of the store's SQL: all of them on SQLite, half on
    PostgreSQL (the same SQL text; the pass must stay within CI's time)."""
    return max(10, n // 2) if on_postgres() else n
