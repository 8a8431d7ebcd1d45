"""Seeding the demo database (`recouvre init --demo`, `recouvre demo`): everything the generator
made is imported, a half-built demo never takes the final name, an existing file is replaced
only on request and only when it is a recouvre database, and the demo is rebuilt when its day
has passed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db_files import digest
from recouvre_tui.demo import generate_demo
from recouvre_tui.domain.config import Settings
from recouvre_tui.services.demo_seed import DEMO_SEED, ensure_demo, seed_demo
from recouvre_tui.store.db import StoreError, init_db

# The demo is a SQLite file by design (`recouvre init --demo` on a URL is refused): building,
# replacing and renaming that file is what these tests check.
pytestmark = pytest.mark.sqlite_only

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # Paris day 17/11/2026
SMALL = 40


def count(path: Path, sql: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return path, seed_demo(path, now=NOW, settings=Settings(), debtors=SMALL)


def test_everything_generated_is_imported(seeded: tuple[Path, dict[str, int]]) -> None:
    path, stats = seeded
    data = generate_demo(NOW.date(), seed=DEMO_SEED, debtors=SMALL)
    assert stats == {
        "agents": 7,
        "debtors": SMALL,
        "invoices": len(data.invoices),
        "payments": len(data.payments),
        "promises": len({p["promise_ref"] for p in data.promises}),  # one CSV row per instalment
        "events": len(data.events),
    }
    assert count(path, "SELECT COUNT(*) FROM debtors") == SMALL
    assert count(path, "SELECT COUNT(*) FROM agents WHERE active = 1") == 7
    assert count(path, "SELECT role FROM agents WHERE login = 'demo'") == "agent"
    assert count(path, "SELECT value FROM meta WHERE key = 'demo_built_on'") == "2026-11-17"
    # Built beside the target and renamed: nothing is left of the building file.
    assert sorted(p.name for p in path.parent.iterdir()) == ["demo.db"]


def test_an_existing_file_is_kept_without_force(seeded: tuple[Path, dict[str, int]]) -> None:
    path, _ = seeded
    before = digest(path)
    with pytest.raises(StoreError) as err:
        seed_demo(path, now=NOW, settings=Settings(), debtors=SMALL)
    assert str(err.value) == f"{path} existe déjà (ajoutez --force pour la remplacer par la démo)"
    assert digest(path) == before


def test_force_never_replaces_a_file_that_is_not_a_recouvre_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("mes notes, pas une base\n", encoding="utf-8")
    with pytest.raises(StoreError):
        seed_demo(path, now=NOW, settings=Settings(), force=True, debtors=SMALL)
    assert path.read_text(encoding="utf-8") == "mes notes, pas une base\n"


def test_ensure_demo_keeps_todays_demo_and_rebuilds_an_older_one(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    seed_demo(path, now=NOW - timedelta(days=1), settings=Settings(), debtors=SMALL)
    assert count(path, "SELECT value FROM meta WHERE key = 'demo_built_on'") == "2026-11-16"
    ensure_demo(path, now=NOW, settings=Settings())  # built yesterday: rebuilt for today (2 000 debtors)
    assert count(path, "SELECT value FROM meta WHERE key = 'demo_built_on'") == "2026-11-17"
    assert count(path, "SELECT COUNT(*) FROM debtors") == 2000
    before = digest(path)
    ensure_demo(path, now=NOW + timedelta(hours=2), settings=Settings())  # same Paris day: untouched
    assert digest(path) == before


def test_ensure_demo_refuses_a_recouvre_database_that_is_not_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "prod.db"
    init_db(path).close()
    before = digest(path)
    with pytest.raises(StoreError) as err:
        ensure_demo(path, now=NOW, settings=Settings())
    assert str(err.value) == f"{path} n'est pas une base de démonstration : elle n'a pas été modifiée"
    assert digest(path) == before
