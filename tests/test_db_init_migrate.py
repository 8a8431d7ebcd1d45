"""Issue 14.10: only `init` creates a database and only `migrate` upgrades one. Every other
command refuses an empty file, another program's SQLite database, an older or a newer schema,
and leaves it byte for byte as it was (no table added, no WAL switched on)."""

from __future__ import annotations

import re
import shlex
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from db_files import NOW, digest, run_cli
from recouvre_tui.cli import main
from recouvre_tui.domain.config import Settings
from recouvre_tui.services.demo_seed import ensure_demo
from recouvre_tui.store.db import StoreError, init_db, open_db
from recouvre_tui.store.schema import known_migrations, migrations

# SQLite files: empty, foreign or text files, file modes, sqlite-utils' older schemas and the
# migration's file backup (PostgreSQL's init, migrate and refusals: tests/test_pg_store.py).
pytestmark = pytest.mark.sqlite_only

READ_ONLY_COMMANDS = [
    ("queue", "--agent", "alice", "--now", NOW),
    ("search", "Dupont"),
    ("agents", "list"),
    ("board", "--now", NOW),
    ("report", "wear", "--now", NOW),
    ("audit",),
]
ALL = [*READ_ONLY_COMMANDS, ("next", "--agent", "alice", "--now", NOW), ("refresh", "--now", NOW)]
IDS = [" ".join(c[:2]) for c in ALL]


def other_program_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos VALUES (1, 'a');")
    conn.close()
    return path


def older_db(path: Path) -> Path:
    """A recouvre database as the previous version left it: every migration but the last."""
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before=known_migrations()[-1])
    db.conn.execute(
        "INSERT INTO agents (login, name, role, team, active, created_at) "
        "VALUES ('alice', 'Alice', 'agent', NULL, 1, '2026-01-01 00:00:00')"
    )
    db.conn.commit()
    db.close()
    return path


def journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def refused(path: Path, args: tuple[str, ...]) -> str:
    r = run_cli(path, *args)
    assert r.returncode == 1 and "Traceback" not in r.stderr, (r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("erreur : "), r.stderr
    return lines[0]


@pytest.mark.parametrize("args", ALL, ids=IDS)
def test_empty_file_is_refused_and_left_empty(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    line = refused(path, args)
    assert line == f"erreur : {path} est un fichier vide, pas une base recouvre ; créez la base avec « recouvre init »"
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]  # no -wal, no -shm


@pytest.mark.parametrize("args", ALL, ids=IDS)
def test_other_programs_database_is_refused_and_untouched(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = other_program_db(tmp_path / "photos.db")
    before = digest(path)
    line = refused(path, args)
    assert line == (
        f"erreur : {path} n'est pas une base recouvre (base SQLite d'un autre programme, tables : photos) ; "
        "elle n'a pas été modifiée. Indiquez la bonne base avec --db, ou créez-en une avec "
        "« recouvre --db NOUVEAU_FICHIER init »"
    )
    assert digest(path) == before
    assert journal_mode(path) == "delete"


def test_init_refuses_another_programs_database(tmp_path: Path) -> None:
    path = other_program_db(tmp_path / "photos.db")
    before = digest(path)
    assert "n'est pas une base recouvre" in refused(path, ("init",))
    assert digest(path) == before


def _suggested(line: str) -> list[list[str]]:
    """The `recouvre …` commands a message suggests, as argument lists (without `recouvre`)."""
    commands = re.findall(r"recouvre --db \S+ [a-z-]+(?: --?[a-z]+| postgresql://\S+)*", line)
    return [shlex.split(c)[1:] for c in commands]


def test_the_suggested_commands_put_db_before_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--db` is the program's option, not `init`'s: « recouvre init --db NOUVEAU_FICHIER » was
    refused by the CLI (« No such option '--db' »). Each hint given, run as written, is taken."""
    monkeypatch.chdir(tmp_path)  # `demo.db`, `NOUVEAU_FICHIER`: relative paths, as typed
    photos = other_program_db(tmp_path / "photos.db")
    text = tmp_path / "notes.db"
    text.write_text("liste de courses\n", encoding="utf-8")
    demo = CliRunner().invoke(main, ["--db", "postgresql://recouvre@db.example/recouvre", "init", "--demo"])
    assert demo.exit_code == 1  # refused before connecting
    lines = {
        "autre programme": refused(photos, ("init",)),
        "pas SQLite": refused(text, ("init",)),
        "démo": demo.stderr.strip(),
    }
    assert lines["démo"] == (
        "erreur : la démonstration se construit dans un fichier SQLite ; pour l'essayer sur PostgreSQL : "
        "recouvre --db demo.db init --demo puis recouvre --db demo.db copy-to postgresql://…"
    )
    found = {what: _suggested(line) for what, line in lines.items()}
    assert found == {
        "autre programme": [["--db", "NOUVEAU_FICHIER", "init"]],
        "pas SQLite": [["--db", "NOUVEAU_FICHIER", "init"]],
        "démo": [["--db", "demo.db", "init", "--demo"], ["--db", "demo.db", "copy-to", "postgresql://…"]],
    }
    for args in {tuple(a) for commands in found.values() for a in commands}:
        r = CliRunner().invoke(main, [*args, "--help"])  # parsed as written, stopped before running
        assert r.exit_code == 0, (args, r.output)
    # Run as written on a new file, the first hint creates the database.
    r = CliRunner().invoke(main, found["autre programme"][0])
    assert r.exit_code == 0, r.output
    open_db(tmp_path / "NOUVEAU_FICHIER").close()


def test_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("liste de courses\n" * 100, encoding="utf-8")
    before = digest(path)
    for args in (("init",), ("queue", "--agent", "alice")):
        assert "ce n'est pas une base SQLite" in refused(path, args)
    assert digest(path) == before


def test_missing_file_is_refused_not_created(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "absent.db"
    for args in READ_ONLY_COMMANDS:
        assert "base introuvable" in refused(path, args)
    assert not (tmp_path / "sub").exists()


def test_init_creates_a_private_file_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    r = run_cli(path, "init")
    assert r.returncode == 0 and r.stdout == f"base prête : {path}\n", r.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert journal_mode(path) == "wal"
    before = digest(path)
    assert run_cli(path, "init").returncode == 0
    assert digest(path) == before
    store = open_db(path)
    assert [m.name for m in migrations.applied(store.db)] == known_migrations()
    store.close()


def test_init_accepts_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "touched.db"
    path.touch()
    assert run_cli(path, "init").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert journal_mode(path) == "wal"


@pytest.mark.parametrize("args", [*ALL, ("init",)], ids=[*IDS, "init"])
def test_older_schema_is_refused_with_the_way_out(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = older_db(tmp_path / "old.db")
    before = digest(path)
    line = refused(path, args)
    assert line == (
        f"erreur : {path} : schéma d'une version précédente (migration(s) en attente : {known_migrations()[-1]}) ; "
        "lancez « recouvre migrate » (une sauvegarde est faite avant)"
    )
    assert digest(path) == before


def test_migrate_backs_up_then_applies_and_says_what(tmp_path: Path) -> None:
    path = older_db(tmp_path / "old.db")
    before = digest(path)
    r = run_cli(path, "migrate", "--now", "2026-11-17T10:00")
    assert r.returncode == 0, r.stderr
    backup = tmp_path / "old.avant-migration-20261117-090000Z.db"  # 10:00 Paris = 09:00 UTC
    assert r.stdout == (
        f"sauvegarde avant migration : {backup}\n  appliquée : {known_migrations()[-1]}\nbase à jour : {path}\n"
    )
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    # The backup is the database as it was: the older schema, its data.
    old = sqlite_utils.Database(backup)
    assert [m.name for m in migrations.applied(old)] == known_migrations()[:-1]
    assert old.conn.execute("SELECT login FROM agents").fetchall() == [("alice",)]
    old.close()
    assert digest(path) != before
    assert run_cli(path, "queue", "--agent", "alice", "--now", NOW).returncode == 0
    again = run_cli(path, "migrate")
    assert (again.returncode, again.stdout) == (0, f"base déjà à jour : {path}\n")


def test_doctor_reports_pending_migrations(tmp_path: Path) -> None:
    path = older_db(tmp_path / "old.db")
    r = run_cli(path, "doctor", "--now", NOW)
    assert "Traceback" not in r.stderr
    assert f"en attente : {known_migrations()[-1]} (lancez « recouvre migrate »)" in r.stdout


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    init_db(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('recouvre', 'm999_future', 'x')"
    )
    conn.commit()
    conn.close()
    before = digest(path)
    for args in (("queue", "--agent", "alice"), ("init",), ("migrate",)):
        assert refused(path, args) == (
            f"erreur : {path} : schéma plus récent que ce programme (migration(s) inconnue(s) : m999_future) ; "
            "mettez recouvre à jour"
        )
    assert digest(path) == before


def test_demo_refuses_another_programs_database(tmp_path: Path) -> None:
    path = other_program_db(tmp_path / "photos.db")
    before = digest(path)
    with pytest.raises(StoreError, match="n'est pas une base recouvre"):
        ensure_demo(path, now=datetime(2026, 11, 17, 10, 0), settings=Settings())
    assert digest(path) == before


def test_nightly_never_creates_a_database(tmp_path: Path) -> None:
    import subprocess
    import sys

    drop = tmp_path / "drop"
    drop.mkdir()
    script = Path(__file__).resolve().parents[1] / "scripts" / "nightly.py"
    r = subprocess.run(
        [sys.executable, str(script), "--drop", str(drop), "--db", str(tmp_path / "absent.db"), "--now", NOW],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 1
    assert "base introuvable" in (drop / "nightly.log").read_text(encoding="utf-8")
    assert not (tmp_path / "absent.db").exists()


def test_init_demo_force_never_replaces_another_programs_file(tmp_path: Path) -> None:
    path = other_program_db(tmp_path / "photos.db")
    before = digest(path)
    line = refused(path, ("init", "--demo", "--force", "--now", NOW))
    assert "n'est pas une base recouvre" in line
    assert digest(path) == before
