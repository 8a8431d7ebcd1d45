"""Issue 14.9: a read-only database, a full disk, a database damaged mid-file and a config
nested 100 000 deep each give one `erreur : …` line in French and exit 1, and the database is
unchanged. Real files: the disk is "full" through RLIMIT_FSIZE (see `db_files`), pages are
overwritten in the middle of a real database, the read-only file is one its user cannot write.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from db_files import (
    NOW,
    as_other_user,
    build,
    copy,
    damage_middle,
    debtors_csv,
    digest,
    fsize_limit,
    one_error_line,
    run_cli,
)

# A read-only, full or damaged SQLite file and its file backups (PostgreSQL's failures are
# the server's: tests/test_pg_store.py).
pytestmark = pytest.mark.sqlite_only

NIGHTLY = Path(__file__).resolve().parents[1] / "scripts" / "nightly.py"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("base"))


# --- read-only ----------------------------------------------------------------------------------------


@pytest.fixture
def read_only(base: Path):
    """A copy its user can read but not write (nor its folder): mode 0444 in a 0555 folder, or for
    root a root-owned copy opened without the capabilities that bypass file modes."""
    folder = Path(tempfile.mkdtemp(prefix="recouvre-ro-"))
    db = copy(base, folder / "ro.db")
    debtors_csv(folder / "more.csv", 10, name="Autre")
    os.chmod(db, 0o444)
    os.chmod(folder / "more.csv", 0o444)
    os.chmod(folder, 0o555)
    env = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder), "XDG_CONFIG_HOME": str(folder)}
    yield db, env
    os.chmod(folder, 0o755)
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()


@pytest.mark.parametrize(
    "args",
    [
        ("next", "--agent", "alice", "--now", NOW),
        ("import", "debtors", "{folder}/more.csv", "--now", NOW),
        ("refresh", "--now", NOW),
    ],
    ids=["next", "import", "refresh"],
)
def test_read_only_database(read_only, args: tuple[str, ...]) -> None:
    db, env = read_only
    before = digest(db)
    r = run_cli(db, *(a.format(folder=db.parent) for a in args), preexec=as_other_user(), cwd=db.parent, env=env)
    line = one_error_line(r)
    assert (
        line == f"erreur : {db} : base en lecture seule (droits du fichier, de son dossier ou disque monté en "
        "lecture seule) ; rien n'a été modifié"
    )
    assert digest(db) == before


# --- disk full ------------------------------------------------------------------------------------------


def test_disk_full_during_import(base: Path, tmp_path: Path) -> None:
    db = copy(base, tmp_path / "full.db")
    before = digest(db)
    changed = debtors_csv(tmp_path / "renamed.csv", 4000, name="Autre nom")
    # Every file the child writes is capped at 1 MB: the import's journal outgrows it.
    r = run_cli(db, "import", "debtors", str(changed), "--now", NOW, preexec=fsize_limit(1_000_000))
    line = one_error_line(r)
    assert line.startswith(f"erreur : {db} : ") and "disque" in line and line.endswith("rien n'a été modifié")
    assert digest(db) == before
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # With room again, the same import goes through.
    again = run_cli(db, "import", "debtors", str(changed), "--now", NOW)
    assert again.returncode == 0 and "4000 mise(s) à jour" in again.stdout, again.stderr


def test_disk_full_during_the_nightly_job(base: Path, tmp_path: Path) -> None:
    db = copy(base, tmp_path / "night.db")
    before = dump(db)
    drop = tmp_path / "drop"
    drop.mkdir()
    debtors_csv(drop / "debtors_2026-11-16.csv", 4000, name="Autre nom")
    r = subprocess.run(
        [sys.executable, str(NIGHTLY), "--drop", str(drop), "--db", str(db), "--now", "2026-11-17T03:00"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=fsize_limit(1_000_000),
        check=False,
    )
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    log = (drop / "nightly.log").read_text(encoding="utf-8")
    errors = [x for x in log.splitlines() if " ERROR " in x]
    assert len(errors) == 1, log
    assert errors[0].endswith(
        f"ERROR erreur : {db} : erreur d'écriture ou de lecture sur le disque (plein, ou "
        "fichier trop grand ?) ; rien n'a été modifié"
    ), errors[0]
    assert (drop / "debtors_2026-11-16.csv").exists()  # not the file's fault: left for the next run
    assert not (drop / "rejected").exists()
    assert dump(db) == before  # the job's lock was taken and given back: same content


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


# --- damaged mid-file --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def damaged(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = copy(base, tmp_path_factory.mktemp("damaged") / "damaged.db")
    damage_middle(db)
    return db


COMMANDS = [
    ("queue", "--agent", "alice", "--now", NOW),
    ("next", "--agent", "alice", "--now", NOW),
    ("import", "debtors", "{folder}/few.csv", "--now", NOW),
    ("import", "invoices", "{folder}/few_invoices.csv", "--now", NOW),
    ("refresh", "--now", NOW),
    ("refresh", "--full", "--now", NOW),
    ("search", "Nom 2001"),
    ("board", "--now", NOW),
    ("review", "--now", NOW),
    ("kpis", "--now", NOW),
    ("report", "wear", "--now", NOW),
    ("report", "promises", "--now", NOW),
    ("report", "scripts", "--from", "2026-11-01", "--to", "2026-11-16", "--now", NOW),
    ("promises", "--now", NOW),
    ("agents", "list"),
    ("audit",),
    ("backup", "{folder}/copy.db"),
    ("scripts", "show", "D2001", "--now", NOW),
    ("hold", "D2001", "--reason", "litige", "--as", "lea", "--now", NOW),
    ("assign", "D2001", "--to", "alice", "--as", "lea", "--now", NOW),
    ("ssh", "authorized-keys"),
    ("migrate",),
    ("init",),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_damaged_database_every_command(damaged: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    db = copy(damaged, tmp_path / "d.db")
    debtors_csv(tmp_path / "few.csv", 3000, name="Encore")
    (tmp_path / "few_invoices.csv").write_text(
        "debtor_ref;invoice_ref;issue_date;due_date;amount\n"
        + "".join(f"D{i};G{i};2026-09-01;2026-10-01;10,00\n" for i in range(3000)),
        encoding="utf-8",
    )
    before = digest(db)
    r = run_cli(db, *(a.format(folder=tmp_path) for a in args))
    assert "Traceback" not in r.stderr, r.stderr
    if r.returncode == 0:
        return  # it never read a damaged page (and may have written, as it should)
    line = one_error_line(r)
    assert line.startswith(f"erreur : {db} : "), line
    if args[0] == "refresh":
        # The refresh commits chunk by chunk by design; stopped at the damage, it gave its lock
        # back and its run stays recorded as unfinished (never as a completed refresh).
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT COUNT(*) FROM job_locks").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM job_runs WHERE finished_at IS NOT NULL").fetchone() == (0,)
    else:
        assert digest(db) == before


def test_damaged_database_commands_that_read_the_damage_say_so(damaged: Path, tmp_path: Path) -> None:
    db = copy(damaged, tmp_path / "d.db")
    expected = (
        f"erreur : {db} : base endommagée ; restaurez la dernière sauvegarde (« recouvre doctor » en donne "
        "le détail) ; rien n'a été modifié"
    )
    for args in (("refresh", "--now", NOW), ("backup", str(tmp_path / "c.db"))):
        assert one_error_line(run_cli(db, *args)) == expected, args
    assert not (tmp_path / "c.db").exists() and not (tmp_path / "c.db.partial").exists()


def test_doctor_diagnoses_a_damaged_database(damaged: Path, tmp_path: Path) -> None:
    db = copy(damaged, tmp_path / "d.db")
    before = digest(db)
    r = run_cli(db, "doctor", "--format", "json", "--now", NOW)
    assert r.returncode == 1 and r.stderr == "", r.stderr
    import json

    checks = {c["name"]: c for c in json.loads(r.stdout)}
    assert checks["intégrité"]["status"] == "erreur"
    assert checks["intégrité"]["detail"] != "ok"
    assert checks["contrôles des données"]["status"] == "erreur"
    assert digest(db) == before


def test_doctor_on_files_it_cannot_open(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE photos (id INTEGER)").connection.commit()
    for path, words in (
        (tmp_path / "absent.db", "base introuvable"),
        (other, "base SQLite d'un autre programme, tables : photos"),
    ):
        r = run_cli(path, "doctor", "--now", NOW)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert "ouverture de la base" in r.stdout and words in r.stdout
    assert not (tmp_path / "absent.db").exists()


def test_backup_target_mode_is_private(base: Path, tmp_path: Path) -> None:
    db = copy(base, tmp_path / "b.db")
    r = run_cli(db, "backup", str(tmp_path / "copy.db"))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600
