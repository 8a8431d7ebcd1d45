"""The PostgreSQL store: the same `Store` the services use, on psycopg 3 (docs/postgresql.md).

- One connection per `Store`, in autocommit mode so that *we* open the transactions, as on
  SQLite. `write()` takes a transaction-level advisory lock first: writers run one at a time,
  exactly the guarantee `BEGIN IMMEDIATE` gives on SQLite, so every rule proven there (an
  import is all or nothing, an outcome sees the case it was recorded on) holds here unchanged;
  readers never wait (MVCC). An agent's own writes (`write(shared=True)`: take, renew,
  release a case, record an outcome, heartbeat) take that lock in *shared* mode: they run beside
  each other, never beside an ordinary write. Among themselves the claims table's keys (one
  claim per debtor, one per agent), a lock on the acting agent's row and, for an outcome, on its
  debtor's row keep them apart, so 200 agents asking for a case at the same instant no longer
  queue one behind the other, nor behind a colleague's outcome. They commit in any order: a job
  that compares audit ids with a snapshot's takes it `settled` (`read(settled=True)`).
- Results come back as SQLite gives them: `numeric` (SUM, AVG, arithmetic) as int when whole,
  float otherwise, and booleans as 0/1.
- Live updates: every write transaction sends `NOTIFY recouvre_changes` (delivered at commit);
  `data_version()` counts those sent by *other* connections, like `PRAGMA data_version`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .db import WRITE_WAIT_S, Store, StoreError, committed
from .pg_sql import ddl_to_postgres, numbered, to_postgres
from .target import canonical, masked

log = logging.getLogger(__name__)

CHANNEL = "recouvre_changes"
BUSY = "la base est occupée par une autre opération ; réessayez dans un instant"
# Key of the advisory lock every write transaction holds (one writer at a time) and of the
# schema lock taken by `init`/`migrate`.
WRITE_LOCK_KEY = 0x5245_4356  # "RECV"
# Held (shared) by the shared writes only, beside the write lock: what a settled read waits for.
SHARED_WRITES_KEY = 0x5245_4353  # "RECS"
MIGRATIONS_TABLE = "recouvre_migrations"


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "PostgreSQL demandé mais psycopg n'est pas installé : pip install 'recouvre-tui[postgresql]'"
        ) from None
    return psycopg


# What to do once a missing database is created: most commands need the schema first; copy-to
# creates it itself, and refuses a database `init` has filled.
THEN_INIT = "puis « recouvre init »"


def describe_pg_error(exc: BaseException, url: str, *, step: str | None = None, then: str = THEN_INIT) -> str:
    """A PostgreSQL failure told in French, with what to do; the transaction was rolled back.
    `step`: what was running (« migration m016_… »), named after the database; `then`: what to
    run once a missing database is created.

    Classified by the error's SQLSTATE, not by its text: the server's messages quote file
    names and system errors (a missing extension ends with « No such file or directory », which
    a text match took for an unreachable server). A connection refused by the server has no
    SQLSTATE in psycopg, only libpq's text with the server's « FATAL: » reason: that reason is
    mapped to its SQLSTATE. Only a failure without either (libpq never reached a server, or
    lost it) is « injoignable »."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    state = str(getattr(exc, "sqlstate", None) or "")
    reached = bool(state)
    if not state and "FATAL:" in text:  # libpq's connection messages: the server's reason is what matters
        text = text.split("FATAL:", 1)[1].strip()
        state, reached = _fatal_state(text.lower()), True
    low = text.lower()
    if state == "3D000":
        what = f"base PostgreSQL inexistante ({text}) ; créez-la (createdb) {then}"
    elif state.startswith("28"):
        what = f"connexion refusée par PostgreSQL ({text}) ; vérifiez le rôle et ~/.pgpass"
    elif state == "42501":
        what = f"droits insuffisants : {text} ; faites accorder les droits au rôle de l'URL (GRANT) ou changez de rôle"
    elif state in ("0A000", "58P01") and "extension" in low:
        name = _missing_extension(text)
        what = (
            f"extension {name or ''}{' ' if name else ''}absente sur le serveur : installez le paquet contrib de "
            f"PostgreSQL (postgresql-contrib){'' if name else f' ({text})'}"
        )
    elif state == "55P03" or "lock timeout" in low or "could not obtain lock" in low:
        what = BUSY
    elif state == "25006" or "read-only" in low or "read only" in low:
        what = "base en lecture seule (serveur de secours ?)"
    elif state == "53100" or "no space" in low or "disk full" in low:
        what = "disque du serveur PostgreSQL plein"
    elif state.startswith("08") or (not reached and isinstance(exc, _psycopg().OperationalError)):
        what = f"serveur PostgreSQL injoignable ({text})"
    else:
        what = f"erreur PostgreSQL : {text}"
    where = f"{masked(url)} : {step}" if step else masked(url)
    return f"{where} : {what} ; rien n'a été modifié"


def _fatal_state(reason: str) -> str:
    """The SQLSTATE of a connection refused by the server, from its reason (psycopg gives none)."""
    if "database" in reason and "does not exist" in reason:
        return "3D000"
    if "permission denied for database" in reason:
        return "42501"
    if "authentication" in reason or "password" in reason or "pg_hba.conf" in reason:
        return "28000"
    if "role" in reason and "does not exist" in reason:
        return "28000"
    return ""


def _missing_extension(text: str) -> str | None:
    """The extension a CREATE EXTENSION could not find, as the server names it."""
    for pattern in (r'extension "([^"]+)" is not available', r"extension/([^/\s]+)\.control"):
        found = re.search(pattern, text)
        if found:
            return found.group(1)
    return None


def _register_sqlite_like_loaders(conn: Any) -> None:
    psycopg = _psycopg()

    class NumericAsSqlite(psycopg.adapt.Loader):  # type: ignore[misc, name-defined]
        def load(self, data: Any) -> int | float:
            text = bytes(data).decode()
            return float(text) if ("." in text or "e" in text or "N" in text) else int(text)

    class BoolAsInt(psycopg.adapt.Loader):  # type: ignore[misc, name-defined]
        def load(self, data: Any) -> int:
            return 1 if bytes(data) == b"t" else 0

    conn.adapters.register_loader("numeric", NumericAsSqlite)
    conn.adapters.register_loader("bool", BoolAsInt)


class PgConnection:
    """The part of `sqlite3.Connection` the store uses, on a psycopg connection."""

    dialect = "postgresql"

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None, /) -> Any:
        if parameters is None or len(parameters) == 0:
            return self.raw.execute(ddl_to_postgres(to_postgres(sql, False)))
        text = to_postgres(sql, True)
        return self.raw.execute(text, _params(parameters, numbered(text)))

    def executemany(self, sql: str, seq: Iterable[Sequence[Any] | dict[str, Any]], /) -> Any:
        text = to_postgres(sql, True)
        by_number = numbered(text)
        cur = self.raw.cursor()
        cur.executemany(text, (_params(p, by_number) for p in seq))
        return cur

    def fetch_pipelined(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        """Several statements sent at once and their rows read back together (`dialect.fetch_batch`)."""
        cursors = []
        with self.raw.pipeline():
            for sql, params in statements:
                text = to_postgres(sql, True)
                cursors.append(self.raw.execute(text, _params(params, numbered(text))))
        # A statement without rows (a DELETE in `queue.claim_start`) reads as no rows.
        return [cur.fetchall() if cur.description is not None else [] for cur in cursors]

    @property
    def in_transaction(self) -> bool:
        # ACTIVE (1), INTRANS (2), INERROR (3); IDLE (0) and UNKNOWN (4: connection closed) are not
        # in a transaction (a closed one then fails on its next statement, as sqlite3 does).
        return int(self.raw.info.transaction_status) in (1, 2, 3)

    @property
    def backend_pid(self) -> int:
        return int(self.raw.info.backend_pid)

    def close(self) -> None:
        self.raw.close()


def _params(p: Sequence[Any] | dict[str, Any], by_number: bool) -> Sequence[Any] | dict[str, Any]:
    if isinstance(p, dict):
        return p
    if by_number:
        return {f"_{i}": v for i, v in enumerate(p, start=1)}
    return tuple(p)


def connect(url: str, *, then: str = THEN_INIT) -> PgConnection:
    """`then`: what to run once the database, if missing, is created (`describe_pg_error`)."""
    psycopg = _psycopg()
    try:
        raw = psycopg.connect(canonical(url), autocommit=True, application_name="recouvre")
    except psycopg.Error as exc:
        raise StoreError(describe_pg_error(exc, url, then=then)) from None
    _register_sqlite_like_loaders(raw)
    # Statements never wait forever on a lock (the write lock waits WRITE_WAIT_S, like SQLite).
    raw.execute(f"SET lock_timeout = '{int(WRITE_WAIT_S * 1000)}ms'")
    # No JIT compilation: the store's statements are short (a chunk, a page, a claim) but some
    # are estimated costly enough to trigger it, and compiling took 100–150 ms of a 20 ms
    # statement at 1 000 000 debtors (the refresh's priority-class update), inside the write lock.
    raw.execute("SET jit = off")
    return PgConnection(raw)


class PgStore(Store):
    kind = "postgresql"

    def __init__(self, conn: PgConnection, url: str) -> None:
        super().__init__(url)
        self._pg = conn
        self._listener: PgConnection | None = None
        self._version = 0
        self._listen_lock = threading.Lock()
        self._closed = False

    @property
    def conn(self) -> Any:
        self._reconnect_if_lost()
        return self._pg

    @property
    def pg(self) -> PgConnection:
        return self._pg

    @property
    def label(self) -> str:
        return masked(self.path)

    def _reconnect_if_lost(self) -> None:
        """After a server restart or a failover (libpq multi-host URL), the session's connection
        is lost: open a new one before the next transaction instead of failing every action.
        Never mid-transaction, and never on a store closed on purpose."""
        raw = self._pg.raw
        if self._closed or not (raw.closed or raw.broken):
            return
        log.warning("PostgreSQL connection lost; reconnecting to %s", masked(self.path))
        self._pg = connect(self.path)
        with self._listen_lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None

    def _begin(self, statement: str) -> PgConnection:
        self._reconnect_if_lost()
        try:
            self._pg.execute(statement)
        except Exception as exc:
            lost = isinstance(exc, _psycopg().OperationalError)  # AdminShutdown, connection reset…
            if self._closed or not lost or self._pg.in_transaction:
                raise
            self._reconnect_if_lost()  # the server went away since the last statement: once more
            self._pg.execute(statement)
        return self._pg

    def close(self) -> None:
        with self.lock:
            self._closed = True
            self._pg.close()
            if self._listener is not None:
                self._listener.close()

    @contextmanager
    def write(self, *, shared: bool = False) -> Iterator[Any]:
        with self.lock:
            if self._pg.in_transaction:
                raise StoreError("transaction déjà ouverte sur cette connexion")
            if shared:
                locks = ", ".join(f"pg_advisory_xact_lock_shared({key})" for key in (WRITE_LOCK_KEY, SHARED_WRITES_KEY))
            else:
                locks = f"pg_advisory_xact_lock({WRITE_LOCK_KEY})"
            # One round trip: every write pays it, and a claim is a handful of statements.
            try:
                conn = self._begin(f"BEGIN; SELECT {locks}; NOTIFY {CHANNEL}")
            except Exception as exc:
                if self._pg.in_transaction:
                    self._pg.execute("ROLLBACK")
                if "lock timeout" in str(exc):
                    raise StoreError(BUSY) from exc
                raise
            try:
                with committed(conn):
                    yield conn
            except _psycopg().errors.LockNotAvailable as exc:
                # A row waited for past `lock_timeout` (an outcome behind a claim being made
                # on its debtor): rolled back, and told as the write lock's wait is.
                raise StoreError(BUSY) from exc

    @contextmanager
    def read(self, *, settled: bool = False) -> Iterator[Any]:
        with self.lock:
            conn = self._settled_begin() if settled else self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _settled_begin(self) -> Any:
        """A snapshot taken while no write is in progress (`Store.read(settled=True)`).

        Shared writes (claims, outcomes) commit in any order, so a snapshot may miss an audit
        row whose id is lower than one it sees. Their own lock, taken exclusively at session
        level, waits for those in progress and holds new ones back; the snapshot is taken by
        the statement that lets it go, within a round trip. An ordinary write in progress is
        not waited for: it runs alone, so its audit ids are above every one the snapshot sees
        (and the refresh plans its next chunk while the current one is written)."""
        try:
            self._begin(f"SELECT pg_advisory_lock({SHARED_WRITES_KEY})")
        except Exception as exc:
            if "lock timeout" in str(exc):
                raise StoreError(BUSY) from exc
            raise
        try:
            # Not `_begin`: reconnecting here would lose the lock just taken.
            self._pg.execute(f"BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_advisory_unlock({SHARED_WRITES_KEY})")
            return self._pg
        except BaseException:
            # A session lock outlives transactions: never leave it held (a lost connection
            # has already dropped it).
            try:
                if self._pg.in_transaction:
                    self._pg.execute("ROLLBACK")
                self._pg.execute(f"SELECT pg_advisory_unlock({SHARED_WRITES_KEY})")
            except Exception:
                log.warning("could not let the write lock go after a failed read; closing the connection")
                self._pg.close()
            raise

    def data_version(self) -> int:
        """Counts commits of other connections, from their NOTIFY (a second connection LISTENs)."""
        with self._listen_lock:
            if self._listener is None:
                self._listener = connect(self.path)
                self._listener.execute(f"LISTEN {CHANNEL}")
            own = self._pg.backend_pid
            try:
                for note in self._listener.raw.notifies(timeout=0):
                    if note.pid != own:
                        self._version += 1
            except _psycopg().OperationalError:
                # Listener lost (restart, failover): notifications may have been missed, so
                # report a change (screens reload) and listen again on the next call.
                log.warning("PostgreSQL LISTEN connection lost; listening again")
                self._listener.close()
                self._listener = None
                self._version += 1
            return self._version


# --- opening, creating, migrating --------------------------------------------------------------


# Relations that make a database "not empty": tables (plain and partitioned), views,
# materialized views, foreign tables. Read from pg_catalog, which lists every relation whatever
# the role's privileges; information_schema lists only those the role may use, so a role
# without rights on the tables was told the database was empty (`init` then tried to create
# the schema beside them).
RELATION_KINDS = "('r', 'p', 'v', 'm', 'f')"


def tables(conn: PgConnection) -> list[str]:
    """The relations of the current schema, whatever the role may read (names, sorted)."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = current_schema() AND c.relkind IN {RELATION_KINDS} ORDER BY c.relname"
    ).fetchall()
    return [r[0] for r in rows]



def applied_migrations(conn: PgConnection) -> list[str]:
    if MIGRATIONS_TABLE not in tables(conn):
        return []
    rows = conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY seq").fetchall()
    return [r[0] for r in rows]


def _readable_state(conn: PgConnection, where: str) -> tuple[list[str], list[str]]:
    """(tables, migrations applied), or a refusal saying the role may not read them: a role
    without rights is never told the database is empty or another program's."""
    role, schema, search_path = conn.execute(
        "SELECT current_user, current_schema(), current_setting('search_path')"
    ).fetchone()
    if schema is None:  # no schema of the search path exists or grants USAGE to the role
        raise StoreError(
            f"{where} : le rôle {role} n'a accès à aucun schéma de son search_path ({search_path}) ; "
            "faites-lui accorder USAGE sur le schéma de recouvre, ou indiquez le bon rôle dans l'URL ; "
            "rien n'a été modifié"
        )
    found = tables(conn)
    try:
        applied = applied_migrations(conn)
    except _psycopg().errors.InsufficientPrivilege:  # SQLSTATE 42501
        owner = conn.execute(
            "SELECT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ?",
            (MIGRATIONS_TABLE,),
        ).fetchone()[0]
        raise StoreError(
            f"{where} : le rôle {role} n'a pas accès aux tables de cette base (propriétaire : {owner}) ; "
            f"indiquez le rôle {owner} dans l'URL, ou faites accorder à {role} les droits sur les tables "
            "(GRANT) ; rien n'a été modifié"
        ) from None
    return found, applied


def open_pg(url: str, *, allow_pending: bool = False) -> PgStore:
    from .schema import check_applied

    url = canonical(url)
    conn = connect(url)
    try:
        found, applied = _readable_state(conn, masked(url))
        check_applied(masked(url), found, applied, fresh_ok=False, allow_pending=allow_pending, engine="PostgreSQL")
    except BaseException:
        conn.close()
        raise
    return PgStore(conn, url)


def init_pg(url: str) -> PgStore:
    from .schema import check_applied

    url = canonical(url)
    conn = connect(url)
    try:
        found, applied = _readable_state(conn, masked(url))
        check_applied(masked(url), found, applied, fresh_ok=True, allow_pending=False, engine="PostgreSQL")
    except BaseException:
        conn.close()
        raise
    store = PgStore(conn, url)
    try:
        migrate_pg(store)
    except BaseException:
        store.close()
        raise
    return store


class _MigrationTarget:
    """What a migration function receives on PostgreSQL: the `.conn` it runs its DDL on."""

    def __init__(self, conn: PgConnection) -> None:
        self.conn = conn


def migrate_pg(store: PgStore) -> list[str]:
    """Apply the pending migrations, all in one transaction (PostgreSQL's DDL is transactional)
    under the write lock: two processes never race, and a failure leaves the schema as it was."""
    with store.write() as conn:
        return apply_migrations(conn, store.path)


def apply_migrations(conn: PgConnection, url: str) -> list[str]:
    """The pending migrations, run inside the caller's write transaction (`migrate_pg`, and
    `copy-to`, which creates the schema in the same transaction as the copy). A migration that
    fails is named in the error (`url`: the database, for the message); the caller's
    transaction then rolls back every one applied before it."""
    from . import pg_schema
    from .schema import known_migrations, migrations

    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (seq BIGINT GENERATED ALWAYS AS IDENTITY, "
        "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = set(applied_migrations(conn))
    applied: list[str] = []
    functions = {m.name: m.fn for m in migrations._migrations}
    for name in known_migrations():
        if name in done:
            continue
        override = pg_schema.OVERRIDES.get(name)
        try:
            if override is not None:
                override(conn)
            else:
                functions[name](_MigrationTarget(conn))  # type: ignore[arg-type]
        except _psycopg().Error as exc:
            raise StoreError(describe_pg_error(exc, url, step=f"migration {name}")) from exc
        conn.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, to_char(now() AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI:SS'))",
            (name,),
        )
        applied.append(name)
    return applied
