"""The PostgreSQL store itself, on a real throw-away cluster: what `--db` accepts, how opening
fails, live updates through LISTEN/NOTIFY, one writer at a time, and results typed as on
SQLite (docs/postgresql.md)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from click.testing import CliRunner

from recouvre_tui.cli import main
from recouvre_tui.store.db import StoreError, init_db, open_db
from recouvre_tui.store.pg_sql import ddl_to_postgres, to_postgres
from recouvre_tui.store.schema import applied_migrations, known_migrations
from recouvre_tui.store.target import absolute, masked
from stores import as_role, cluster, login_role

pytestmark = pytest.mark.sqlite_only  # builds its own PostgreSQL databases: runs once, in the first pass


def test_an_unknown_scheme_is_refused_and_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["--db", "mysql://alice@db/recouvre", "agents", "list"])
    assert r.exit_code == 1
    assert "type de base inconnu" in r.stderr and "postgresql://" in r.stderr
    assert list(tmp_path.iterdir()) == []  # no `mysql:` folder tree of SQLite files


@pytest.mark.parametrize(
    "target", ["postgresql:/recouvre@/ops1", "postgres:/recouvre@db/ops1", "PostgreSQL:/ops1", "postgresql:ops1"]
)
@pytest.mark.parametrize("args", [("agents", "list"), ("init",), ("init", "--demo")], ids=["open", "init", "demo"])
def test_a_malformed_postgresql_url_is_refused_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, args: tuple[str, ...]
) -> None:
    """One slash after the scheme: it was a SQLite file path, `init` made a folder tree
    `postgresql:/recouvre@/` with a database `ops1` in it."""
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["--db", target, *args])
    assert r.exit_code == 1
    scheme = target.split(":", 1)[0]
    assert r.stderr == (
        f"erreur : --db {target} : URL PostgreSQL mal formée (« {scheme}: » doit être suivi de « // ») ; "
        "écrivez postgresql://utilisateur@hôte:port/base ou postgresql:///base?host=/run/postgresql\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_scheme_is_taken_in_any_letter_case() -> None:
    """libpq reads only a lower-case scheme as a URL: `POSTGRESQL://…` failed as a malformed
    `key=value` string. The scheme is lowered; user, host and database names are kept."""
    url = cluster().new_database()
    shouting = "POSTGRESQL" + url[len("postgresql") :]
    r = CliRunner().invoke(main, ["--db", shouting, "init"])
    assert r.exit_code == 0, r.stderr
    rest = url[len("postgresql") :]  # ://recouvre@/t_…?host=…
    for spelled, taken in ((shouting, url), ("Postgres" + rest, "postgres" + rest)):
        store = open_db(spelled)
        try:
            assert store.kind == "postgresql" and store.path == taken
            assert applied_migrations(store) == known_migrations()
        finally:
            store.close()
    assert absolute(shouting) == url


def test_masked_and_absolute() -> None:
    assert masked("postgresql://alice:s3cret@db:5432/recouvre") == "postgresql://alice:***@db:5432/recouvre"
    assert masked("postgresql://alice@db/recouvre") == "postgresql://alice@db/recouvre"
    # libpq's `password` parameter, however its name is spelled; the rest kept as typed.
    assert masked("postgresql://u@/db?host=/s&password=secret") == "postgresql://u@/db?host=/s&password=***"
    assert masked("postgresql://u:a@/db?pass%77ord=b&sslmode=require#x") == (
        "postgresql://u:***@/db?pass%77ord=***&sslmode=require#x"
    )
    assert masked("postgresql:///recouvre?host=/run/postgresql") == "postgresql:///recouvre?host=/run/postgresql"
    assert masked("postgresql:/u:secret@h/db?password=secret") == "postgresql:/u:***@h/db?password=***"
    assert absolute("postgresql:///recouvre?host=/run/postgresql") == "postgresql:///recouvre?host=/run/postgresql"
    assert absolute(Path("rel.db")) == str(Path("rel.db").resolve())


def test_a_password_in_the_urls_query_is_never_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`?password=` is how libpq also takes a password: the CLI echoed it (the test cluster
    trusts local connections: the password is carried, not checked)."""
    monkeypatch.chdir(tmp_path)
    url = cluster().new_database()
    secret = f"{url}&password=s3cret"
    shown = f"{url}&password=***"
    runs = {
        "init": CliRunner().invoke(main, ["--db", secret, "init"]),
        "absente": CliRunner().invoke(main, ["--db", cluster().url("absente") + "&password=s3cret", "agents", "list"]),
        "mal formée": CliRunner().invoke(main, ["--db", "postgresql:/u@/db?password=s3cret", "init"]),
    }
    assert runs["init"].stdout == f"base prête : {shown}\n"
    missing = f"erreur : {cluster().url('absente')}&password=*** : base PostgreSQL inexistante"
    assert runs["absente"].stderr.startswith(missing)
    malformed = "erreur : --db postgresql:/u@/db?password=*** : URL PostgreSQL mal formée"
    assert runs["mal formée"].stderr.startswith(malformed)
    for r in runs.values():
        assert "s3cret" not in r.stdout + r.stderr


def test_translation_keeps_literals_and_rewrites_placeholders() -> None:
    sql = "SELECT '?', ':x', 'a%' FROM t WHERE a = ? AND b = :name AND c LIKE '%z' AND d = ?2"
    assert to_postgres(sql, True) == (
        "SELECT '?', ':x', 'a%%' FROM t WHERE a = %s AND b = %(name)s AND c LIKE '%%z' AND d = %(_2)s"
    )
    assert to_postgres("INSERT OR IGNORE INTO temp.x (a) VALUES (?)", True) == (
        "INSERT INTO pg_temp.x (a) VALUES (%s) ON CONFLICT DO NOTHING"
    )
    assert ddl_to_postgres("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s REAL)") == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT, s DOUBLE PRECISION)"
    )
    # Text columns in code point order; a quoted 'TEXT' and a cast's type stay as written.
    assert ddl_to_postgres("CREATE TABLE t (a TEXT NOT NULL DEFAULT 'TEXT', b TEXT CHECK (b <> 'x TEXT'))") == (
        'CREATE TABLE t (a TEXT COLLATE "C" NOT NULL DEFAULT \'TEXT\', b TEXT COLLATE "C" CHECK (b <> \'x TEXT\'))'
    )
    assert ddl_to_postgres("ALTER TABLE t ADD COLUMN b TEXT") == 'ALTER TABLE t ADD COLUMN b TEXT COLLATE "C"'
    assert ddl_to_postgres("CREATE TEMP TABLE x AS SELECT CAST(a AS  TEXT) AS b FROM t") == (
        "CREATE TEMP TABLE x AS SELECT CAST(a AS  TEXT) AS b FROM t"
    )
    assert ddl_to_postgres("CREATE TABLE t (areas TEXT, aliases TEXT, text TEXT)") == (
        'CREATE TABLE t (areas TEXT COLLATE "C", aliases TEXT COLLATE "C", text TEXT COLLATE "C")'
    )
    # A comment is left alone (an apostrophe in it is not a quote), and may open the statement.
    assert ddl_to_postgres("-- the agent's row\nCREATE TABLE t (a INTEGER, -- l'agent\n b TEXT)") == (
        '-- the agent\'s row\nCREATE TABLE t (a BIGINT, -- l\'agent\n b TEXT COLLATE "C")'
    )


def test_init_creates_the_schema_under_the_same_migration_names() -> None:
    url = cluster().new_database()
    store = init_db(url)
    try:
        assert store.kind == "postgresql"
        assert applied_migrations(store) == known_migrations()
    finally:
        store.close()
    again = init_db(url)  # idempotent, as on SQLite
    again.close()


def test_opening_fails_clearly(tmp_path: Path) -> None:
    empty = cluster().new_database()
    with pytest.raises(StoreError, match=r"base PostgreSQL vide.*« recouvre --db URL init »"):
        open_db(empty)
    foreign = cluster().new_database()
    with psycopg.connect(foreign, autocommit=True) as conn:
        conn.execute("CREATE TABLE clients (id int)")
    with pytest.raises(StoreError, match="autre programme, tables : clients"):
        init_db(foreign)
    with psycopg.connect(foreign, autocommit=True) as conn:  # refused before anything was written
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        assert [r[0] for r in tables] == ["clients"]
    missing = cluster().url("no_such_database")
    with pytest.raises(StoreError, match="base PostgreSQL inexistante"):
        open_db(missing)
    nowhere = f"postgresql://recouvre@/postgres?host={tmp_path}"
    with pytest.raises(StoreError, match="serveur PostgreSQL injoignable"):
        open_db(nowhere)


def test_a_role_without_rights_on_the_tables_is_told_so_not_that_the_database_is_empty() -> None:
    """information_schema lists only the tables the role may use: a role without rights was
    told « base PostgreSQL vide », and `init` set out to create the schema beside the tables."""
    url = cluster().new_database()
    init_db(url).close()
    with login_role() as clerk:
        theirs = as_role(url, clerk)
        told = (
            f"{theirs} : le rôle {clerk} n'a pas accès aux tables de cette base (propriétaire : recouvre) ; "
            f"indiquez le rôle recouvre dans l'URL, ou faites accorder à {clerk} les droits sur les tables (GRANT) ; "
            "rien n'a été modifié"
        )
        for attempt in (open_db, init_db):
            with pytest.raises(StoreError) as caught:
                attempt(theirs)
            assert str(caught.value) == told
        r = CliRunner().invoke(main, ["--db", theirs, "agents", "list"])
        assert r.exit_code == 1 and r.stderr == f"erreur : {told}\n"
        with psycopg.connect(url) as conn:  # init wrote nothing
            assert conn.execute("SELECT count(*) FROM recouvre_migrations").fetchone() == (len(known_migrations()),)
        with psycopg.connect(url, autocommit=True) as admin:  # granted the rights, the role opens it
            admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{clerk}"')
        open_db(theirs).close()


def test_tables_a_role_cannot_read_still_count() -> None:
    """Another program's table the role may not read: « autre programme », not « vide » (init
    would create recouvre's schema beside it); a schema without USAGE: said, not « vide »."""
    foreign = cluster().new_database()
    with psycopg.connect(foreign, autocommit=True) as conn:
        conn.execute("CREATE TABLE clients (id int)")
        conn.execute("CREATE VIEW clients_actifs AS SELECT id FROM clients")
    hidden = cluster().new_database()
    init_db(hidden).close()
    with psycopg.connect(hidden, autocommit=True) as conn:
        conn.execute("REVOKE USAGE ON SCHEMA public FROM PUBLIC")
    with login_role() as clerk:
        with pytest.raises(StoreError, match=r"d'un autre programme, tables : clients, clients_actifs\)"):
            init_db(as_role(foreign, clerk))
        with pytest.raises(StoreError) as caught:
            open_db(as_role(hidden, clerk))
        assert str(caught.value) == (
            f"{as_role(hidden, clerk)} : le rôle {clerk} n'a accès à aucun schéma de son search_path "
            '("$user", public) ; faites-lui accorder USAGE sur le schéma de recouvre, ou indiquez le bon rôle '
            "dans l'URL ; rien n'a été modifié"
        )
    with psycopg.connect(foreign) as conn:
        tables = conn.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY 1")
        assert [r[0] for r in tables] == ["clients", "clients_actifs"]


def test_errors_are_told_by_their_sqlstate_not_their_text() -> None:
    """A missing extension ends with « No such file or directory » (the control file): it was
    told « serveur PostgreSQL injoignable ». Each failure here is a real one from the server."""
    from recouvre_tui.store.pg import describe_pg_error

    url = cluster().new_database()
    init_db(url).close()

    def told(sql: str, target: str = url) -> str:
        with pytest.raises(psycopg.Error) as caught, psycopg.connect(target, autocommit=True) as conn:
            conn.execute(sql)
        return describe_pg_error(caught.value, target)

    # What `init` runs on a server without the contrib package, for an extension this one lacks.
    assert told('CREATE EXTENSION IF NOT EXISTS "unaccent_absente"') == (
        f"{url} : extension unaccent_absente absente sur le serveur : installez le paquet contrib de PostgreSQL "
        "(postgresql-contrib) ; rien n'a été modifié"
    )
    with login_role() as clerk:
        theirs = as_role(url, clerk)
        assert told("SELECT * FROM agents", theirs) == (
            f"{theirs} : droits insuffisants : permission denied for table agents ; faites accorder les droits au "
            "rôle de l'URL (GRANT) ou changez de rôle ; rien n'a été modifié"
        )
        # Through the CLI: the role may read the migrations and the holiday calendars kept in
        # `meta` (the database opens), not the agents.
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'GRANT SELECT ON recouvre_migrations, meta TO "{clerk}"')
        r = CliRunner().invoke(main, ["--db", theirs, "agents", "list"])
        assert r.exit_code == 1
        assert r.stderr.startswith(f"erreur : {theirs} : droits insuffisants : permission denied for table agents ; ")
        # Refused at the door (no CONNECT): the server's FATAL reason, the same words.
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'REVOKE CONNECT ON DATABASE "{urlsplit(url).path.lstrip("/")}" FROM PUBLIC')
        with pytest.raises(StoreError, match=r" : droits insuffisants : permission denied for database "):
            open_db(theirs)
    with pytest.raises(StoreError, match=r"connexion refusée par PostgreSQL \(role \"fantome\" does not exist"):
        open_db(as_role(url, "fantome"))


def test_results_are_typed_as_on_sqlite() -> None:
    store = init_db(cluster().new_database())
    try:
        row = store.conn.execute("SELECT SUM(x), AVG(x), 7 / 2, 1 = 1, COUNT(*) FROM (VALUES (1), (2)) v(x)").fetchone()
        assert row == (3, 1.5, 3, 1, 2)
        assert [type(v) for v in row] == [int, float, int, int, int]
    finally:
        store.close()


def test_another_connections_commit_is_seen_through_notify_within_a_second() -> None:
    url = cluster().new_database()
    init_db(url).close()
    watcher, writer = open_db(url), open_db(url)
    try:
        start = watcher.data_version()
        with watcher.write() as conn:  # its own writes do not count, as with PRAGMA data_version
            conn.execute("INSERT INTO meta (key, value) VALUES ('mine', '1')")
        assert watcher.data_version() == start
        with writer.write() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('theirs', '1')")
        deadline = time.monotonic() + 1.0
        while watcher.data_version() == start and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watcher.data_version() > start
    finally:
        watcher.close()
        writer.close()


def test_writers_run_one_at_a_time() -> None:
    """The advisory lock makes a read-then-write transaction as exclusive as BEGIN IMMEDIATE:
    two writers that both read a counter and write it + 1 never lose an increment."""
    url = cluster().new_database()
    init_db(url).close()
    with open_db(url).write() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('n', '0')")

    def bump(times: int) -> None:
        store = open_db(url)
        try:
            for _ in range(times):
                with store.write() as conn:
                    n = int(conn.execute("SELECT value FROM meta WHERE key = 'n'").fetchone()[0])
                    conn.execute("UPDATE meta SET value = ? WHERE key = 'n'", (str(n + 1),))
        finally:
            store.close()

    threads = [threading.Thread(target=bump, args=(50,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = open_db(url)
    try:
        assert store.conn.execute("SELECT value FROM meta WHERE key = 'n'").fetchone()[0] == "200"
    finally:
        store.close()


def test_shared_writes_run_beside_each_other_but_never_beside_an_ordinary_write() -> None:
    """`write(shared=True)` (an agent's own claim, renewal, heartbeat) takes the write lock in
    shared mode: a second shared write starts while the first is open; an ordinary write waits
    for both to end, and a shared write waits for an ordinary one."""
    url = cluster().new_database()
    init_db(url).close()
    a, b, c = open_db(url), open_db(url), open_db(url)
    try:
        entered: list[str] = []

        def run(store: Any, name: str, shared: bool) -> None:
            with store.write(shared=shared):
                entered.append(name)

        with a.write(shared=True):
            t = threading.Thread(target=run, args=(b, "shared", True))
            t.start()
            t.join(5)
            assert entered == ["shared"]  # not blocked by the first shared write
            t = threading.Thread(target=run, args=(c, "ordinary", False))
            t.start()
            time.sleep(0.5)
            assert entered == ["shared"]  # the ordinary write waits
        t.join(5)
        assert entered == ["shared", "ordinary"]

        with a.write():
            t = threading.Thread(target=run, args=(b, "shared again", True))
            t.start()
            time.sleep(0.5)
            assert entered == ["shared", "ordinary"]  # a shared write waits for an ordinary one
        t.join(5)
        assert entered[-1] == "shared again"
    finally:
        for s in (a, b, c):
            s.close()


def test_the_audit_trail_is_append_only() -> None:
    store = init_db(cluster().new_database())
    try:
        with store.write() as conn:
            conn.execute(
                "INSERT INTO audit (at, actor, action, entity, entity_ref) "
                "VALUES ('2026-12-02', 'lea', 'hold', 'debtor', 'D1')"
            )
        for sql in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit"):
            with pytest.raises(psycopg.Error, match="append-only"), store.write() as conn:
                conn.execute(sql)
        assert store.conn.execute("SELECT actor FROM audit").fetchall() == [("lea",)]
    finally:
        store.close()


def test_a_session_reconnects_after_the_server_restarts() -> None:
    """A failover or restart drops every connection: the next action opens a new one instead
    of failing (the action that was running when it went down fails and is rolled back)."""
    url = cluster().new_database()
    store = init_db(url)
    try:
        with store.write() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('before', '1')")
        pid = store.conn.backend_pid
        with psycopg.connect(cluster().url(), autocommit=True) as admin:  # what a restart does to it
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with store.write() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('after', '1')")
        assert store.conn.backend_pid != pid
        rows = store.conn.execute("SELECT key FROM meta WHERE key IN ('before', 'after') ORDER BY key").fetchall()
        assert rows == [("after",), ("before",)]
    finally:
        store.close()


def test_a_writer_that_waits_too_long_is_told_the_database_is_busy_and_changes_nothing() -> None:
    from recouvre_tui.store.pg import WRITE_LOCK_KEY

    url = cluster().new_database()
    store = init_db(url)
    try:
        store.conn.raw.execute("SET lock_timeout = '200ms'")  # 15 s in production
        with psycopg.connect(url, autocommit=True) as other:
            other.execute(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})")  # another writer, stuck
            with pytest.raises(StoreError, match="occupée"), store.write() as conn:
                conn.execute("INSERT INTO meta (key, value) VALUES ('lost', '1')")
        with store.write() as conn:  # the lock is free again: the connection is usable
            assert conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'lost'").fetchone()[0] == 0
    finally:
        store.close()
