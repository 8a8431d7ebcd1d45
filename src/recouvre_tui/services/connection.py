"""The database handle as the interfaces see it: they hold a `Store` and pass it to the services,
never querying it themselves (docs/architecture.md). Re-exported here so `tui/` imports no store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..store.db import Store as Store  # re-exported for the interfaces
from ..store.db import open_db


@contextmanager
def own_connection(store: Store) -> Iterator[Store]:
    """A connection of its own for a long read (the wear report), so the session's connection
    stays free for the watcher and the other screens. An in-memory database has only one."""
    if store.path == ":memory:":
        yield store
        return
    own = open_db(store.path)
    try:
        yield own
    finally:
        own.close()
