"""Opening the database and running write transactions.

Every connection: WAL, busy_timeout, foreign keys on, synchronous=NORMAL, and
autocommit mode (`isolation_level=None`) so that *we* decide where a transaction
starts. Writes that read first run in `BEGIN IMMEDIATE`: the write lock is taken at
the start, so two sessions can never both read "free" and both write "mine".
sqlite-utils' `atomic()` is a deferred BEGIN and would fail under concurrency.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from .target import TargetError, is_postgres

BUSY_TIMEOUT_MS = 5_000
# Waiting for the write lock: SQLite's own busy handler sleeps longer and longer (up to
# 100 ms a try) and is not fair, so under many writers some wait seconds while others pass
# again and again. `BEGIN IMMEDIATE` therefore polls with short, jittered sleeps instead,
# for at most this long, then reports a clear error.
WRITE_WAIT_S = 15.0
_POLL_MIN_S = 0.0002
_POLL_MAX_S = 0.002


class StoreError(Exception):
    """A database problem worth telling the user about (message in French)."""


class Store(ABC):
    """One connection plus a lock, so thread workers can share it safely. The services see only
    this interface; `SqliteStore` (here) and `PgStore` (store/pg.py) implement it.

    `path` is what opens the same database again (a file path or a PostgreSQL URL); `label`
    is how messages name it (the URL without its password)."""

    kind: str  # "sqlite" or "postgresql"

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.RLock()

    @property
    def label(self) -> str:
        return self.path

    @property
    @abstractmethod
    def conn(self) -> sqlite3.Connection:
        """The connection (sqlite3's, or the PostgreSQL adapter speaking the same API)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def write(self, *, shared: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        """A transaction that writes: commit on success, rollback on error.

        Ordinary writes run one at a time. `shared=True` is for an agent's own writes
        (taking, renewing, releasing a case, recording an outcome; the session heartbeat): they
        may run beside each other, never beside an ordinary write, so they must lock the acting
        agent's row first (`agents.lock_agent`), lock a debtor's row before reading what they
        change of it (`outcomes.outcome_start`), never wait for a row another may hold
        (`SKIP LOCKED`), and rely on unique keys for the rows they add (a claim). SQLite has one
        writer anyway; PostgreSQL takes the write lock in shared mode (store/pg.py)."""

    @abstractmethod
    def read(self, *, settled: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs.

        `settled=True`: taken while no write is in progress, so that every audit row it does
        not see has a higher id than every one it sees (a job that plans from a snapshot and
        redoes what was audited since, `refresh`). SQLite's writers commit one at a time in
        id order; on PostgreSQL shared writes commit in any order (store/pg.py)."""

    @abstractmethod
    def data_version(self) -> int:
        """Changes when another connection commits (the TUI's change detection)."""


class SqliteStore(Store):
    """The embedded default: one SQLite file (WAL), through sqlite-utils."""

    kind = "sqlite"

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        super().__init__(path)
        self.db = db

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        with self.lock:
            self.db.close()

    @contextmanager
    def write(self, *, shared: bool = False) -> Iterator[sqlite3.Connection]:
        """A `BEGIN IMMEDIATE` transaction: commit on success, roll back on any error (one
        writer at a time, `shared` or not)."""
        with self.lock:
            conn = self.conn
            if conn.in_transaction:
                raise StoreError("transaction déjà ouverte sur cette connexion")
            _begin_immediate(conn)
            with committed(conn):
                yield conn

    @contextmanager
    def read(self, *, settled: bool = False) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs (deferred BEGIN, read only). Always
        `settled`: a snapshot never sees half of a write, and writes commit one at a time."""
        with self.lock:
            conn = self.conn
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes when *another* connection commits (cheap change detection for the TUI)."""
        with self.lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


@contextmanager
def committed(conn: Any) -> Iterator[None]:
    """The end of a write transaction already begun, on either engine: COMMIT when the block
    succeeds, ROLLBACK on any error (also when COMMIT itself fails)."""
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _begin_immediate(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + WRITE_WAIT_S
        delay = _POLL_MIN_S
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError("la base est occupée par une autre opération ; réessayez dans un instant") from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, _POLL_MAX_S)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


SQLITE_HEADER = b"SQLite format 3\x00"


def connect(path: str | Path) -> sqlite3.Connection:
    """A configured connection (WAL, foreign keys…). Only for a file known to be ours:
    switching to WAL writes to the file."""
    conn = _raw_connect(path)
    try:
        _configure(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _raw_connect(path: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _configure(conn: sqlite3.Connection, path: str | Path) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal" and str(path) != ":memory:":
        raise StoreError(f"impossible de passer la base {path} en mode WAL (mode {mode})")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def _check_file(p: Path, *, for_init: bool) -> bool:
    """Refuse what is plainly not a recouvre database before SQLite touches it.
    Returns True when the file is new (missing, or empty and `for_init`)."""
    if not p.exists():
        if for_init:
            return True
        raise StoreError(
            f"base introuvable : {p} (créez-la avec « recouvre init » ou indiquez-la avec --db / RECOUVRE_DB)"
        )
    if p.is_dir():
        raise StoreError(f"{p} est un dossier, pas une base recouvre")
    try:
        with p.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{p} : lecture impossible ({exc.strerror or exc})") from None
    if not head:
        if for_init:
            return True
        raise StoreError(f"{p} est un fichier vide, pas une base recouvre ; créez la base avec « recouvre init »")
    if head != SQLITE_HEADER:
        raise StoreError(
            f"{p} n'est pas une base recouvre (ce n'est pas une base SQLite) ; elle n'a pas été modifiée. "
            "Indiquez la bonne base avec --db, ou créez-en une avec « recouvre --db NOUVEAU_FICHIER init »"
        )
    return False


def _create_private(p: Path) -> None:
    """Create the file readable by its owner only (it holds debtors' data); fine if it now exists."""
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # another process is creating it: the schema lock sorts them out
    os.fchmod(fd, 0o600)
    os.close(fd)


def _is_pg(path: str | Path) -> bool:
    try:
        return is_postgres(path)
    except TargetError as exc:
        raise StoreError(str(exc)) from None


def open_db(path: str | Path, *, allow_pending: bool = False) -> Store:
    """Open an existing recouvre database at this program's schema. Never creates nor migrates
    (that is `init_db` and `recouvre migrate`); `allow_pending` lets `migrate` and `doctor`
    open an older schema. `path`: a SQLite file, or a PostgreSQL URL (store/target.py)."""
    if _is_pg(path):
        from .pg import open_pg

        return open_pg(str(path), allow_pending=allow_pending)
    if str(path) == ":memory:":
        raise StoreError("base en mémoire : utilisez init_db")
    p = Path(path)
    _check_file(p, for_init=False)
    return _open_checked(p, fresh_ok=False, allow_pending=allow_pending)


def init_db(path: str | Path) -> Store:
    """`recouvre init`: create the database (mode 0600) with the current schema, or open it when
    it already is one. Refuses another program's file and an older schema (→ `recouvre migrate`)."""
    from .schema import migrate as run_migrations

    if _is_pg(path):
        from .pg import init_pg

        return init_pg(str(path))
    if str(path) == ":memory:":
        store = SqliteStore(sqlite_utils.Database(connect(":memory:")), ":memory:")
        run_migrations(store)
        return store
    p = Path(path)
    if _check_file(p, for_init=True):
        _create_private(p)
        os.chmod(p, 0o600)  # also an empty file made beforehand (`touch`): it will hold debtors' data
    created = _open_checked(p, fresh_ok=True, allow_pending=False)
    try:
        run_migrations(created)
    except BaseException:
        created.close()
        raise
    return created


def _open_checked(p: Path, *, fresh_ok: bool, allow_pending: bool) -> Store:
    from .schema import check_schema

    try:
        conn = _raw_connect(p)
    except sqlite3.Error as exc:
        raise StoreError(describe_sqlite_error(exc, p)) from None
    try:
        check_schema(conn, p, fresh_ok=fresh_ok, allow_pending=allow_pending)
        _configure(conn, p)
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(describe_sqlite_error(exc, p)) from None
    except BaseException:
        conn.close()
        raise
    return SqliteStore(sqlite_utils.Database(conn), str(p))


def describe_sqlite_error(exc: BaseException, path: str | Path) -> str:
    """A SQLite failure told in French, with what to do; the database is unchanged (the
    transaction was rolled back)."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        what = "base en lecture seule (droits du fichier, de son dossier ou disque monté en lecture seule)"
    elif "disk is full" in text or "database or disk is full" in text:
        what = "disque plein : libérez de la place puis relancez"
    elif "disk i/o" in text:
        what = "erreur d'écriture ou de lecture sur le disque (plein, ou fichier trop grand ?)"
    elif "malformed" in text or "not a database" in text or "corrupt" in text:
        what = "base endommagée ; restaurez la dernière sauvegarde (« recouvre doctor » en donne le détail)"
    elif "unable to open" in text:
        what = "ouverture impossible (droits du fichier ou de son dossier ?)"
    elif "locked" in text or "busy" in text:
        what = "la base est occupée par une autre opération ; réessayez dans un instant"
    else:
        what = f"erreur SQLite : {exc}"
    return f"{path} : {what} ; rien n'a été modifié"
