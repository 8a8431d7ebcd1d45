"""`backup` and `migrate` on PostgreSQL, against a real cluster (tests/pg_cluster.py): the backup
is a pg_dump that `pg_restore` turns back into the same database; `migrate` makes no file copy
and is all or nothing. Runs on both `--store` modes (the database is always PostgreSQL here)."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from lead_helpers import NOW, make_lead_env
from recouvre_tui.cli import main
from recouvre_tui.store.pg_backup import find_tool
from stores import as_role, cluster, login_role

# Needs PostgreSQL whatever --store says: run once, in the SQLite pass (tests/stores.py).
pytestmark = pytest.mark.sqlite_only

NOW_ARG = "2026-11-17T11:00"


def cli(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)


def build(tmp_path: Path) -> str:
    url = cluster().new_database("ops")
    env = make_lead_env(tmp_path, db=url)
    store = env.store
    env.add_payments([("B1", "PAY-1", "2026-11-02", "1000,00")], now=NOW - timedelta(days=9))
    env.outcome(env.alice, "A1", "dispute")
    store.close()
    return url


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]


def test_backup_is_a_pg_dump_that_restores_the_same_database(tmp_path: Path) -> None:
    url = build(tmp_path)
    dest = tmp_path / "sauvegardes" / "equipe.dump"
    r = cli(url, "backup", str(dest))
    assert r.exit_code == 0, r.stderr
    assert f"sauvegarde écrite : {dest} (pg_dump, format personnalisé" in r.stdout
    assert "pour restaurer : createdb -O recouvre NOUVELLE_BASE (par un administrateur du serveur) puis " in r.stdout
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert sorted(p.name for p in dest.parent.iterdir()) == ["equipe.dump"]  # no .partial left

    restored = cluster().new_database("restored")
    done = subprocess.run([find_tool("pg_restore"), "--no-owner", "-d", restored, str(dest)], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    before = counts(url)
    assert before["debtors"] == 6 and before["payments"] == 1 and before["disputes"] == 1
    assert counts(restored) == before
    # The restored database is a recouvre database: same queue, same search (its triggers and
    # search table came back too).
    for args in (
        ("queue", "--agent", "bob", "--format", "json", "--now", NOW_ARG),
        ("search", "durand", "--format", "json"),
    ):
        a, b = cli(url, *args), cli(restored, *args)
        assert a.exit_code == 0 and b.exit_code == 0, (a.stderr, b.stderr)
        assert json.loads(a.stdout) and json.loads(b.stdout) == json.loads(a.stdout)


def test_the_restore_hint_run_as_written_restores_for_the_urls_role(tmp_path: Path) -> None:
    """The hint said « createdb NOUVELLE_BASE »: made by an administrator, the new database was
    the administrator's, and the URL's role (not a superuser) could not restore into it. It
    also kept a `dbname=` parameter, which libpq lets override the path: run as written, it
    restored into the live database. Here the team's role owns its database, the URL carries
    `dbname=`, and the hint's two commands are run as printed (the administrator adds only how
    to reach the server)."""
    with login_role("equipe") as role:
        with psycopg.connect(cluster().url(), autocommit=True) as admin:
            live = f"live_{role}"
            admin.execute(f'CREATE DATABASE "{live}" OWNER "{role}" TEMPLATE template0')
        url = as_role(cluster().url(live), role) + f"&dbname={live}"
        env = make_lead_env(tmp_path, db=url)
        env.add_payments([("B1", "PAY-1", "2026-11-02", "1000,00")], now=NOW - timedelta(days=9))
        env.store.close()
        dest = tmp_path / "equipe.dump"
        r = cli(url, "backup", str(dest))
        assert r.exit_code == 0, r.stderr
        hint = r.stdout.splitlines()[1]
        new_url = as_role(cluster().url("NOUVELLE_BASE"), role)
        assert hint == (
            f"pour restaurer : createdb -O {role} NOUVELLE_BASE (par un administrateur du serveur) puis "
            f"pg_restore --no-owner --exit-on-error --single-transaction -d '{new_url}' {dest}"
        )
        createdb, pg_restore = hint.split(" : ", 1)[1].split(" (par un administrateur du serveur) puis ")
        restored = f"restored_{role}"
        createdb_args = shlex.split(createdb.replace("NOUVELLE_BASE", restored))
        assert createdb_args[0] == "createdb"
        admin_options = ["-h", str(cluster().socket_dir), "-U", "recouvre"]
        done = subprocess.run([find_tool("createdb"), *admin_options, *createdb_args[1:]], capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
        restore_args = shlex.split(pg_restore.replace("NOUVELLE_BASE", restored))
        done = subprocess.run([find_tool("pg_restore"), *restore_args[1:]], capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
        assert counts(cluster().url(restored)) == counts(cluster().url(live))
        assert counts(cluster().url(live))["payments"] == 1  # restored beside it, not into it
        r = cli(as_role(cluster().url(restored), role), "search", "durand", "--format", "json")
        assert r.exit_code == 0 and json.loads(r.stdout), r.stderr
    # (both databases are the role's: dropped with it)


def _pg_dump_wrapper(folder: Path, body: str) -> dict[str, str]:
    """An environment whose PATH finds first a `pg_dump` script running the real one (`$REAL`)
    as `body` says: what a disk or a pipe does to its output, or a slow server."""
    folder.mkdir()
    script = folder / "pg_dump"
    script.write_text(f"#!/bin/sh\nREAL='{find_tool('pg_dump')}'\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_a_dump_cut_short_is_refused_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pg_dump's output loses its last 500 bytes and pg_dump still exits 0 (what a full disk
    behind a buffer, or a network file system, can do). `pg_restore --list` reads only the table
    of contents and passed it; the whole archive is read now."""
    url = build(tmp_path)
    env = _pg_dump_wrapper(
        tmp_path / "bin", '"$REAL" "$@" > "$0.out" || exit 1\nhead -c $(( $(stat -c %s "$0.out") - 500 )) "$0.out"'
    )
    monkeypatch.setenv("PATH", env["PATH"])
    dest = tmp_path / "sauvegardes" / "equipe.dump"
    r = cli(url, "backup", str(dest))
    assert r.exit_code == 1
    assert r.stderr == (
        "erreur : la sauvegarde ne se relit pas en entier (pg_restore -f /dev/null) : "
        "pg_restore: error: could not read from input file: end of file ; aucune sauvegarde écrite\n"
    )
    assert list(dest.parent.iterdir()) == []  # neither DEST nor its temporary file
    # The cut file itself: its table of contents reads (what the old check was), its data not.
    cut = tmp_path / "bin" / "pg_dump.out"
    cut.write_bytes(cut.read_bytes()[:-500])
    assert subprocess.run([find_tool("pg_restore"), "--list", str(cut)], capture_output=True).returncode == 0


def test_two_backups_to_one_destination_never_mix(tmp_path: Path) -> None:
    """Both pass the « DEST exists » check before either writes (each pg_dump waits for the
    other's to start). They wrote the same `DEST.partial`, each removing the other's, and one
    could rename the other's growing file to DEST. Now each has its own file: one writes DEST,
    the other is refused."""
    url = build(tmp_path)
    barrier = (
        'touch "$0.started.$$"\n'
        'for _ in $(seq 300); do [ "$(ls "$0".started.* | wc -l)" -ge 2 ] && break; sleep 0.1; done\n'
        'exec "$REAL" "$@"'
    )
    env = {**os.environ, **_pg_dump_wrapper(tmp_path / "bin", barrier)}
    dest = tmp_path / "sauvegardes" / "equipe.dump"
    command = [sys.executable, "-m", "recouvre_tui.cli", "--db", url, "backup", str(dest)]
    both = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    results = sorted((p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in both)  # type: ignore[union-attr]
    (ok_code, ok_out, _), (refused_code, _, refused_err) = results
    assert (ok_code, refused_code) == (0, 1), results
    assert ok_out.startswith(f"sauvegarde écrite : {dest} (pg_dump")
    assert refused_err == (
        f"erreur : {dest} existe déjà (une autre sauvegarde vient de l'écrire ?) : choisissez un nouveau fichier\n"
    )
    assert sorted(p.name for p in dest.parent.iterdir()) == ["equipe.dump"]
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    read = subprocess.run([find_tool("pg_restore"), "-f", os.devnull, str(dest)], capture_output=True)
    assert read.returncode == 0, read.stderr.decode()


def test_backup_never_overwrites(tmp_path: Path) -> None:
    url = build(tmp_path)
    dest = tmp_path / "b.dump"
    dest.write_bytes(b"ancienne")
    r = cli(url, "backup", str(dest))
    assert r.exit_code == 1 and "existe déjà" in r.stderr
    assert dest.read_bytes() == b"ancienne"


def test_backup_help_says_how_to_restore() -> None:
    text = " ".join(CliRunner().invoke(main, ["backup", "--help"]).stdout.split())
    assert "pg_dump au format personnalisé (-Fc)" in text
    assert (
        "createdb -O ROLE_DE_L_URL NOUVELLE_BASE (par un administrateur du serveur) puis "
        "pg_restore --no-owner --exit-on-error --single-transaction -d URL_DE_NOUVELLE_BASE DEST"
    ) in text


def _make_m011_pending(url: str) -> None:
    """The database as an older program left it: m011 (agents.email) not applied yet."""
    with psycopg.connect(url) as conn:
        conn.execute("ALTER TABLE agents DROP COLUMN email")
        conn.execute("DELETE FROM recouvre_migrations WHERE name = 'm011_agent_email'")


def _columns(url: str, table: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY 1", (table,)
            )
        ]


def test_migrate_makes_no_file_copy_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = build(tmp_path)
    _make_m011_pending(url)
    r = cli(url, "queue", "--agent", "bob", "--now", NOW_ARG)
    assert r.exit_code == 1
    # Not « une sauvegarde est faite avant », SQLite's wording: migrate makes no copy here.
    assert r.stderr == (
        f"erreur : {url} : schéma d'une version précédente (migration(s) en attente : m011_agent_email) ; "
        "lancez « recouvre migrate » (en une seule transaction, tout ou rien ; « recouvre backup » avant si vous "
        "voulez une copie)\n"
    )
    monkeypatch.chdir(tmp_path)
    files_before = sorted(tmp_path.rglob("*"))
    r = cli(url, "migrate", "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    assert "pas de copie de sauvegarde avant migration" in r.stdout
    assert "une seule transaction (tout ou rien)" in r.stdout
    assert "appliquée : m011_agent_email" in r.stdout
    assert sorted(tmp_path.rglob("*")) == files_before
    assert "email" in _columns(url, "agents")
    assert counts(url)["agents"] == 3
    assert cli(url, "migrate").stdout.startswith("base déjà à jour")


def test_migrate_is_all_or_nothing(tmp_path: Path) -> None:
    """Two pending migrations, the second fails (its column is already there): the first one is
    rolled back with it."""
    url = build(tmp_path)
    _make_m011_pending(url)
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM recouvre_migrations WHERE name = 'm012_letters'")  # its tables stay
    r = cli(url, "migrate")
    assert r.exit_code == 1
    assert r.stderr == (
        f"erreur : {url} : migration m012_letters : erreur PostgreSQL : column \"address\" of relation \"debtors\" "
        "already exists ; rien n'a été modifié\n"
    )
    assert "email" not in _columns(url, "agents")
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM recouvre_migrations")]
    assert "m011_agent_email" not in names and "m012_letters" not in names


def test_a_failed_migration_is_named(tmp_path: Path) -> None:
    """The migrations run in one transaction: the error said what PostgreSQL refused
    (« index "debtors_promise_rest" does not exist »), not which migration. Here an index
    m018 rebuilds was dropped by hand, m018 and m019 pending."""
    url = build(tmp_path)
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM recouvre_migrations WHERE name IN ('m018_promise_rest_by_portfolio', "
                     "'m019_search_spells_out_ligatures')")
        conn.execute("DROP INDEX debtors_promise_rest")
    r = cli(url, "migrate")
    assert r.exit_code == 1
    assert r.stderr == (
        f"erreur : {url} : migration m018_promise_rest_by_portfolio : erreur PostgreSQL : "
        'index "debtors_promise_rest" does not exist ; rien n\'a été modifié\n'
    )
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM recouvre_migrations")]
    assert "m018_promise_rest_by_portfolio" not in names and "m019_search_spells_out_ligatures" not in names


def test_the_documented_prewarm_runs_as_the_urls_role(tmp_path: Path) -> None:
    """docs/postgresql.md « The first minutes after a restart or a failover »: the extension is
    created once by a superuser; the SQL given there, run as the role of the URL (which owns
    the tables, is not a superuser), reads every table and index but the audit trail."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "postgresql.md").read_text(encoding="utf-8")
    section = doc.split("**The first minutes after a restart or a failover.**", 1)[1]
    prewarm_sql = section.split("```sql\n", 1)[1].split("```", 1)[0]
    assert "pg_prewarm(c.oid, 'read')" in prewarm_sql
    with login_role("owner") as role:
        url = cluster().new_database("warm")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{admin.info.dbname}" OWNER TO "{role}"')
            admin.execute(f'ALTER SCHEMA public OWNER TO "{role}"')
        own = as_role(url, role)
        assert cli(own, "init").exit_code == 0
        with psycopg.connect(own, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE EXTENSION pg_prewarm")  # the administrator's step
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE EXTENSION pg_prewarm")
        sizes = (
            "SELECT pg_size_pretty(sum(pg_relation_size(c.oid))) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
        )
        with psycopg.connect(own, autocommit=True) as conn:
            (read,) = conn.execute(prewarm_sql).fetchone()  # type: ignore[misc]
            (but_audit,) = conn.execute(sizes + " AND c.relname NOT LIKE 'audit%'").fetchone()  # type: ignore[misc]
            (everything,) = conn.execute(sizes).fetchone()  # type: ignore[misc]
    assert read == but_audit != everything
    assert read.endswith(("kB", "MB")), read
