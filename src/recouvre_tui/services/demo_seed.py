"""Build the demo database deterministically, through the same import services as production."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir

from ..domain.config import Settings
from ..domain.dates import paris_date, to_db
from ..store.agents import Agent, upsert_agent
from ..store.db import Store, StoreError, init_db, open_db
from ..store.schema import pending_migrations
from ..store.target import TargetError, is_postgres
from .importing import import_file
from .legal import set_overindebted
from .refresh import refresh

if TYPE_CHECKING:
    from ..demo import DemoData

DEMO_AGENT = "demo"
DEMO_SEED = 20261123
_ORDER = ("debtors", "invoices", "payments", "promises", "events")
DEMO_ON_FILE_ONLY = (
    "la démonstration se construit dans un fichier SQLite ; pour l'essayer sur PostgreSQL : "
    "recouvre --db demo.db init --demo puis recouvre --db demo.db copy-to postgresql://…"
)
DEMO_EXTRA_MISSING = (
    "la démonstration a besoin du paquet Faker, absent de cette installation : pip install 'recouvre-tui[demo]'"
)


def demo_extra_installed() -> bool:
    """Faker, which the demo generator needs, is the optional `demo` extra (a production
    install stays lean); tried here, never at start-up."""
    try:
        import faker  # noqa: F401
    except ImportError:
        return False
    return True


def demo_db_path() -> Path:
    return Path(user_data_dir("recouvre", appauthor=False)) / "demo.db"


def seed_demo(
    path: Path, *, now: datetime, settings: Settings, force: bool = False, debtors: int = 2000
) -> dict[str, int]:
    """Create a fresh demo database at `path` (refuses to overwrite unless `force`)."""
    from ..demo import generate_demo, write_csv_files

    try:
        is_postgres(path)  # a malformed URL made a Path (`postgresql:/x`): refused before any work
    except TargetError as exc:
        raise StoreError(str(exc)) from None
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
        _legal_showcase(store, data, now=now, settings=settings)
        refresh(store, now=now, settings=settings, actor="demo")
        with store.lock:
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.replace(path)
    return stats


def _legal_showcase(store: Store, data: DemoData, *, now: datetime, settings: Settings) -> None:
    """Old invoices and an over-indebted consumer, so the legal rules (docs/legal.md) show in
    the demo: one invoice prescribed a month ago, one prescribing in 45 days, both of the demo
    agent's consumers who never paid anything (a payment would restart the period)."""
    today = paris_date(now)
    paid = {p["debtor_ref"] for p in data.payments}
    unpaid = sorted(
        d["debtor_ref"]
        for d in data.debtors
        if d["segment"] == "B2C" and d["agent"] == DEMO_AGENT and d["debtor_ref"] not in paid
    )
    if len(unpaid) < 3:
        return
    two_years = today.replace(year=today.year - 2) if (today.month, today.day) != (2, 29) else today - timedelta(730)
    rows = ["debtor_ref;invoice_ref;issue_date;due_date;amount"]
    for n, (ref, due, amount) in enumerate(
        ((unpaid[0], two_years - timedelta(days=30), "480,00"), (unpaid[1], two_years + timedelta(days=45), "1250,00"))
    ):
        issue = due - timedelta(days=30)
        rows.append(f"{ref};FA-{due.year}-9{n:05d};{issue.isoformat()};{due.isoformat()};{amount}")
    import_file(
        store,
        "invoices",
        "anciennes-factures.csv",
        now=now,
        actor="demo",
        settings=settings,
        data=("\n".join(rows) + "\n").encode(),
    )
    lead = next((a for a in data.agents if a["role"] == "lead"), None)
    if lead is not None:
        actor = Agent(lead["login"], lead["name"], "lead", lead.get("team"), True)
        set_overindebted(store, actor, unpaid[2], since=today - timedelta(days=20), now=now)


def ensure_demo(path: Path, *, now: datetime, settings: Settings) -> None:
    """Rebuild the demo when missing or built on an earlier day (its dates follow today)."""
    if path.exists():
        store = open_db(path, allow_pending=True)  # a demo of an older schema is simply rebuilt
        try:
            with store.read() as conn:
                row = conn.execute("SELECT value FROM meta WHERE key = 'demo_built_on'").fetchone()
            current = not pending_migrations(store)
        finally:
            store.close()
        if row and row[0] == paris_date(now).isoformat() and current:
            return
        if not row:
            raise StoreError(f"{path} n'est pas une base de démonstration : elle n'a pas été modifiée")
    seed_demo(path, now=now, settings=settings, force=True)
