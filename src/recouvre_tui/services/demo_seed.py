"""Build the demo database deterministically, through the same import services as production."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from platformdirs import user_data_dir

from ..domain.config import Settings
from ..domain.dates import paris_date, to_db
from ..store.agents import Agent, upsert_agent
from ..store.db import StoreError, init_db, open_db
from ..store.schema import migrations
from .importing import import_file
from .refresh import refresh

DEMO_AGENT = "demo"
DEMO_SEED = 20261123
_ORDER = ("debtors", "invoices", "payments", "promises", "events")


def demo_db_path() -> Path:
    return Path(user_data_dir("recouvre", appauthor=False)) / "demo.db"


def seed_demo(
    path: Path, *, now: datetime, settings: Settings, force: bool = False, debtors: int = 2000
) -> dict[str, int]:
    """Create a fresh demo database at `path` (refuses to overwrite unless `force`)."""
    from ..demo import generate_demo, write_csv_files

    if path.exists():
        if not force:
            raise StoreError(f"{path} existe déjà (ajoutez --force pour la remplacer par la démo)")
        if path.stat().st_size:
            open_db(path, allow_pending=True).close()  # --force replaces a recouvre database, nothing else
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            if p.exists():
                p.unlink()
    # Build next to the target, then rename: a half-built demo never has the final name.
    tmp = path.with_name(path.name + ".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    data = generate_demo(paris_date(now), seed=DEMO_SEED, debtors=debtors)
    store = init_db(tmp)  # the one way a database is created (mode 0600)
    stats: dict[str, int] = {}
    try:
        with store.write() as conn:
            for a in data.agents:
                upsert_agent(conn, Agent(a["login"], a["name"], a["role"], a.get("team"), True), to_db(now))
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('demo_built_on', ?)",
                (paris_date(now).isoformat(),),
            )
        stats["agents"] = len(data.agents)
        with tempfile.TemporaryDirectory() as d:
            write_csv_files(data, Path(d))
            # Imported "as of" a moment ago so that today's events are not in the future.
            for kind in _ORDER:
                res = import_file(
                    store,
                    kind,
                    Path(d) / f"{kind}.csv",
                    now=now + timedelta(seconds=1),
                    actor="demo",
                    settings=settings,
                )
                stats[kind] = res.inserted
        refresh(store, now=now, settings=settings, actor="demo")
        with store.lock:
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.replace(path)
    return stats


def ensure_demo(path: Path, *, now: datetime, settings: Settings) -> None:
    """Rebuild the demo when missing or built on an earlier day (its dates follow today)."""
    if path.exists():
        store = open_db(path, allow_pending=True)  # a demo of an older schema is simply rebuilt
        try:
            with store.read() as conn:
                row = conn.execute("SELECT value FROM meta WHERE key = 'demo_built_on'").fetchone()
            current = not migrations.pending(store.db)
        finally:
            store.close()
        if row and row[0] == paris_date(now).isoformat() and current:
            return
        if not row:
            raise StoreError(f"{path} n'est pas une base de démonstration : elle n'a pas été modifiée")
    seed_demo(path, now=now, settings=settings, force=True)
