"""`recouvre copy-to postgresql://…`: a SQLite database built through the services and the CLI is
copied whole into a fresh database of a real PostgreSQL cluster (tests/pg_cluster.py), then
compared table by table, row by row, and through the CLI's JSON. Refusals and failures leave
the target as it was (empty). Runs on both `--store` modes: the source is always a SQLite file.
"""

from __future__ import annotations

import json
import shlex
import sqlite3
import subprocess
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from lead_helpers import NOW, make_lead_env, utc
from recouvre_tui.cli import main
from recouvre_tui.services.outcome import AnnouncedPayment
from recouvre_tui.services.transfer import compare_per_debtor
from recouvre_tui.store.db import open_db
from recouvre_tui.store.transfer import parents_first, source_tables
from stores import as_role, cluster, login_role

# Needs PostgreSQL whatever --store says: run once, in the SQLite pass (tests/stores.py).
pytestmark = pytest.mark.sqlite_only

NOW_ARG = "2026-11-17T11:00"  # Paris = NOW (10:00 UTC)


def build_source(folder: Path) -> Path:
    """Agents, debtors, invoices, payments, events, promises, outcomes (a dispute, a promise with
    instalments, a callback, an announced payment) and a nightly refresh — always a SQLite file."""
    path = folder / "src.db"
    env = make_lead_env(folder, db=path)
    store = env.store
    env.add_payments(
        [("B1", "PAY-1", "2026-11-02", "1000,00"), ("P2", "PAY-2", "2026-11-03", "500,00")], now=NOW - timedelta(days=9)
    )
    env.add_events([("B2", "2026-11-05 10:00", "call", "out", "no_answer", "bob")], now=NOW - timedelta(days=9))
    env.add_promises([("P1", "PR-1", "2026-11-06", "2026-11-20", "80,00")], now=NOW - timedelta(days=9))
    env.outcome(env.alice, "A1", "dispute", note="conteste la facture")
    env.outcome(env.alice, "A2", "callback", callback_at=utc(2026, 11, 18, 6))  # 10:00 in Réunion
    env.outcome(env.bob, "B1", "plan", instalments=[(date(2026, 11, 30), 200_000), (date(2026, 12, 31), 200_000)])
    env.outcome(env.bob, "B2", "already_paid", payment=AnnouncedPayment(date(2026, 11, 16), 15_000, "VIR-1"))
    store.close()
    r = cli(path, "refresh", "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    return path


def cli(db: Path | str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def table_rows(db: Path | str, table: str) -> list[tuple[Any, ...]]:
    store = open_db(db)
    try:
        with store.read() as conn:
            return [tuple(r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')]
    finally:
        store.close()


def pg_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_source(tmp_path_factory.mktemp("copy"))


@pytest.fixture(scope="module")
def copied(source: Path) -> tuple[str, dict[str, Any]]:
    url = cluster().new_database("copy")
    r = cli(source, "copy-to", url, "--format", "json", "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    return url, json.loads(r.stdout)


def test_every_table_is_equal_row_by_row(source: Path, copied: tuple[str, dict[str, Any]]) -> None:
    url, summary = copied
    with sqlite3.connect(source) as conn:
        tables = source_tables(conn)
    assert {
        "agents",
        "debtors",
        "invoices",
        "payments",
        "events",
        "promises",
        "instalments",
        "callbacks",
        "disputes",
        "dispute_invoices",
        "payment_checks",
        "audit",
        "debtor_scores",
        "imports",
    } <= set(tables)
    assert "_sqlite_migrations" not in tables and not any(t.startswith("debtor_search") for t in tables)
    for table in tables:
        before, after = table_rows(source, table), table_rows(url, table)
        if table == "audit":  # the copy itself is audited, in the target only
            assert after[:-1] == before, table
            continue
        assert after == before, table
    # What the copy moved is worth copying: hand-counted from build_source.
    assert summary["tables"]["debtors"] == 6
    assert summary["tables"]["payments"] == 2
    assert summary["tables"]["instalments"] == 2 + 1  # B1's plan, P1's imported promise
    assert summary["tables"]["disputes"] == 1 and summary["tables"]["payment_checks"] == 1
    assert summary["debtors"] == 6
    assert summary["rows"] == sum(len(table_rows(source, t)) for t in tables)
    # Balances: 1000 + 300 + (5000 - 1000) + 150 + 80 + (2500 - 500) = 7 530 euros.
    assert summary["balance"] == 7_530.00  # euros in the JSON, as every command prints them


def test_the_copy_is_audited_in_the_target(source: Path, copied: tuple[str, dict[str, Any]]) -> None:
    url, summary = copied
    last = table_rows(url, "audit")[-1]
    assert last[3:6] == ("copy_to", "database", str(source))
    details = json.loads(last[6])
    assert details["rows"] == summary["rows"] and details["balance_cents"] == 753_000  # cents in the audit trail
    r = cli(url, "audit", "--format", "json", "--action", "copy_to")
    assert r.exit_code == 0, r.stderr
    assert [a["action"] for a in json.loads(r.stdout)] == ["copy_to"]


@pytest.mark.parametrize(
    "args",
    [
        ("queue", "--agent", "alice", "--include-blocked", "--format", "json", "--now", NOW_ARG),
        ("queue", "--agent", "bob", "--format", "json", "--now", NOW_ARG),
        ("kpis", "--week", "2026-W47", "--format", "json", "--now", NOW_ARG),
        ("report", "promises", "--format", "json", "--now", NOW_ARG),
        ("search", "lefevre", "--format", "json"),
        ("search", "0612345678", "--format", "json"),
    ],
)
def test_the_cli_says_the_same_on_both(source: Path, copied: tuple[str, dict[str, Any]], args: tuple[str, ...]) -> None:
    url, _ = copied
    on_sqlite, on_pg = cli(source, *args), cli(url, *args)
    assert on_sqlite.exit_code == 0, on_sqlite.stderr
    assert on_pg.exit_code == 0, on_pg.stderr
    assert json.loads(on_pg.stdout) == json.loads(on_sqlite.stdout)
    assert json.loads(on_pg.stdout)  # not an empty answer that would trivially match


def test_new_ids_follow_the_copied_ones(source: Path, copied: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    url, _ = copied
    max_event = max(r[0] for r in table_rows(url, "events"))
    csv_file = tmp_path / "ev.csv"
    csv_file.write_text("debtor_ref;at;channel;direction;outcome;agent\nP2;2026-11-16 09:00;call;out;no_answer;bob\n")
    r = cli(url, "import", "events", str(csv_file), "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    assert max(r[0] for r in table_rows(url, "events")) == max_event + 1


def test_a_second_run_is_refused_and_changes_nothing(source: Path, copied: tuple[str, dict[str, Any]]) -> None:
    url, _ = copied
    before = {t: table_rows(url, t) for t in ("debtors", "audit", "events")}
    r = cli(source, "copy-to", url, "--now", NOW_ARG)
    assert r.exit_code == 1
    assert "n'est pas vide" in r.stderr and "rien n'a été modifié" in r.stderr
    assert {t: table_rows(url, t) for t in before} == before


def test_a_missing_database_is_told_to_be_created_empty_then_copy_to_works(source: Path) -> None:
    """The hint said « créez-la (createdb) puis « recouvre init » »: followed, init filled the
    database and copy-to then refused it as not empty. It now says to create it empty and run
    copy-to again, and doing exactly that copies the team."""
    name = f"manquante_{uuid.uuid4().hex[:8]}"
    url = cluster().url(name)
    r = cli(source, "copy-to", url, "--now", NOW_ARG)
    assert r.exit_code == 1
    assert (
        f"base PostgreSQL inexistante (database \"{name}\" does not exist) ; créez-la (createdb) vide, "
        "sans « recouvre init », puis relancez copy-to (il crée le schéma) ; rien n'a été modifié"
    ) in r.stderr
    assert "recouvre init" not in r.stderr.replace("sans « recouvre init »", "")
    with psycopg.connect(cluster().url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # createdb, as the hint says
    again = cli(source, "copy-to", url, "--format", "json", "--now", NOW_ARG)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["debtors"] == len(table_rows(source, "debtors"))


def test_other_commands_on_a_missing_database_are_told_to_init() -> None:
    r = cli(cluster().url(f"manquante_{uuid.uuid4().hex[:8]}"), "agents", "list")
    assert r.exit_code == 1
    assert "; créez-la (createdb) puis « recouvre init » ; rien n'a été modifié" in r.stderr


def test_a_database_of_another_program_is_refused(source: Path) -> None:
    url = cluster().new_database("other")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE clients (id int PRIMARY KEY, nom text)")
        conn.execute("INSERT INTO clients VALUES (1, 'Durand')")
    r = cli(source, "copy-to", url)
    assert r.exit_code == 1
    assert "n'est pas vide (1 table(s) : clients)" in r.stderr
    assert pg_tables(url) == ["clients"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT * FROM clients").fetchall() == [(1, "Durand")]


def test_a_table_the_role_cannot_read_still_makes_the_target_not_empty(source: Path) -> None:
    """The target's tables are read from pg_catalog: one the copying role has no rights on is
    still there (information_schema hid it, and the copy set out to create the schema)."""
    url = cluster().new_database("hidden")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE clients (id int PRIMARY KEY, nom text)")
    with login_role() as clerk:
        r = cli(source, "copy-to", as_role(url, clerk))
    assert r.exit_code == 1
    assert "n'est pas vide (1 table(s) : clients)" in r.stderr and "rien n'a été modifié" in r.stderr
    assert pg_tables(url) == ["clients"]


def test_a_failure_mid_copy_leaves_the_target_empty(source: Path, tmp_path: Path) -> None:
    """A note with a NUL character: SQLite keeps it, PostgreSQL's text refuses it. The tables
    before `events` (agents, debtors…) were already copied when it fails: all rolled back."""
    broken = tmp_path / "broken.db"
    with sqlite3.connect(source) as src, sqlite3.connect(broken) as dst:
        src.backup(dst)
    with sqlite3.connect(broken) as conn:
        conn.execute("UPDATE events SET note = 'appel' || char(0) || 'coupé' WHERE id = (SELECT max(id) FROM events)")
    url = cluster().new_database("fail")
    r = cli(broken, "copy-to", url)
    assert r.exit_code == 1
    assert "copie de la table events impossible" in r.stderr and "n'a pas été modifiée" in r.stderr
    assert pg_tables(url) == []
    # Fixed at the source, the same target then takes the copy.
    with sqlite3.connect(broken) as conn:
        conn.execute("UPDATE events SET note = 'appel coupé' WHERE id = (SELECT max(id) FROM events)")
    r = cli(broken, "copy-to", url, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["tables"]["events"] == len(table_rows(source, "events"))


def test_a_server_error_late_in_the_copy_names_the_target(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A raw PostgreSQL error after the rows are copied (here a real one, raised by the target
    server while the search table is rebuilt) names the PostgreSQL database, not the SQLite
    file given with --db, and leaves the target empty."""
    from recouvre_tui.store import transfer as transfer_sql

    monkeypatch.setattr(transfer_sql, "rebuild_search", lambda dst: dst.execute("SELECT 1 / 0"))
    url = cluster().new_database("late")
    r = cli(source, "copy-to", url)
    assert r.exit_code == 1
    assert r.stderr.startswith(f"erreur : {url} : erreur PostgreSQL : division by zero")
    assert str(source) not in r.stderr and r.stderr.rstrip().endswith("rien n'a été modifié")
    assert pg_tables(url) == []


def test_a_dangling_reference_in_the_sqlite_file_is_refused(source: Path, tmp_path: Path) -> None:
    """SQLite checks foreign keys only on connections that ask (a tool, an old script may not):
    a phone of a debtor that does not exist fails the foreign keys added back after the copy."""
    broken = tmp_path / "dangling.db"
    with sqlite3.connect(source) as src, sqlite3.connect(broken) as dst:
        src.backup(dst)
    with sqlite3.connect(broken) as conn:  # foreign_keys off, SQLite's default
        conn.execute(
            "INSERT INTO phones (debtor_id, position, raw, kind, valid) VALUES (999999, 1, '0612345678', 'mobile', 1)"
        )
    url = cluster().new_database("dangling")
    r = cli(broken, "copy-to", url)
    assert r.exit_code == 1
    assert "références incohérentes dans la base SQLite, table phones" in r.stderr
    assert "REFERENCES debtors(id)" in r.stderr and "copie annulée" in r.stderr
    assert pg_tables(url) == []


def test_only_a_sqlite_file_is_copied_to_a_postgresql_url(source: Path, copied: tuple[str, dict[str, Any]]) -> None:
    url, _ = copied
    r = cli(url, "copy-to", cluster().new_database("twice"))
    assert r.exit_code == 1 and "copie une base SQLite (--db FICHIER)" in r.stderr
    r = cli(source, "copy-to", "mysql://x@h/db")
    assert r.exit_code == 1 and "type de base inconnu" in r.stderr


def _key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return Path(f"{key}.pub")


def _logins_and_dbs(path: Path) -> list[tuple[str, str]]:
    """(login, the --db its forced command names) of each line of an authorized_keys file."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    found = []
    for line in lines:
        command = line.split('command="', 1)[1].split('" ', 1)[0]
        words = shlex.split(command)
        found.append((line.rsplit(" recouvre:", 1)[1], words[words.index("--db") + 1]))
    return found


def test_the_sqlite_sides_installed_keys_are_not_carried_over(source: Path, tmp_path: Path) -> None:
    """`ssh authorized-keys --install` on the SQLite side records its file and `--db` the
    SQLite path. Copied as is, the next access change made on PostgreSQL rewrote that file with
    `--db` the old SQLite file, sending every agent back to it. Not copied: access changes on
    PostgreSQL leave the file alone until the front end installs its keys from the new
    database, and `copy-to` says to."""
    team = tmp_path / "team.db"
    with sqlite3.connect(source) as src, sqlite3.connect(team) as dst:
        src.backup(dst)
    for login in ("alice", "bob"):
        pub = _key(tmp_path, login)
        r = cli(team, "agents", "add", login, "--name", login.title(), "--team", "A", "--ssh-key", str(pub))
        assert r.exit_code == 0, r.stderr
    keys = tmp_path / "ssh" / "authorized_keys"
    r = cli(team, "ssh", "authorized-keys", "--install", "--file", str(keys), "--command", "/opt/recouvre/bin/recouvre")
    assert r.exit_code == 0, r.stderr
    on_sqlite = keys.read_text(encoding="utf-8")
    assert _logins_and_dbs(keys) == [("alice", str(team)), ("bob", str(team))]
    meta_before = table_rows(team, "meta")
    assert "authorized_keys_install" in [key for key, _ in meta_before]

    url = cluster().new_database("keys")
    r = cli(team, "copy-to", url, "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    assert (
        f"  accès SSH des agents : sur chaque frontal, lancez recouvre --db '{url}' ssh authorized-keys --install\n"
        f"  d'ici là, {keys} envoie encore les agents sur la base SQLite {team}\n"
    ) in r.stdout
    assert table_rows(url, "meta") == [row for row in meta_before if row[0] != "authorized_keys_install"]
    assert table_rows(team, "meta") == meta_before  # the source is only read

    # An access change on PostgreSQL before the front end reinstalls: the file is left alone.
    r = cli(url, "agents", "deactivate", "alice")
    assert r.exit_code == 0, r.stderr
    assert keys.read_text(encoding="utf-8") == on_sqlite
    # Installed from PostgreSQL, the lines name the URL; later changes rewrite them the same way.
    r = cli(url, "ssh", "authorized-keys", "--install", "--file", str(keys), "--command", "/opt/recouvre/bin/recouvre")
    assert r.exit_code == 0, r.stderr
    assert _logins_and_dbs(keys) == [("bob", url)]
    r = cli(url, "agents", "activate", "alice")
    assert r.exit_code == 0, r.stderr
    assert _logins_and_dbs(keys) == [("alice", url), ("bob", url)]


def test_progress_on_stderr_only_for_big_databases(source: Path) -> None:
    r = cli(source, "copy-to", cluster().new_database("quiet"), "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""  # a few dozen rows: no progress lines


def test_parents_come_before_children() -> None:
    fks = [
        ("invoices", "debtors"),
        ("debtors", "agents"),
        ("instalments", "promises"),
        ("promises", "debtors"),
        ("promises", "events"),
        ("events", "debtors"),
        ("audit", "audit"),
    ]
    order = parents_first(["instalments", "promises", "invoices", "events", "debtors", "agents", "audit"], fks)
    assert order == ["agents", "audit", "debtors", "events", "invoices", "promises", "instalments"]


def test_per_debtor_comparison_names_what_differs() -> None:
    assert compare_per_debtor({1: 100, 2: 50}, {1: 100, 2: 50}) is None
    assert compare_per_debtor({1: 100, 2: 0}, {1: 100}) is None  # a zero sum missing is the same figure
    assert compare_per_debtor({1: 100, 2: 50}, {1: 100, 2: 40}) == "total 150 centimes dans SQLite, 140 dans PostgreSQL"
    assert compare_per_debtor({1: 100, 2: 50}, {1: 90, 2: 60}) == (
        "débiteur n° 1 : 100 centimes dans SQLite, 90 dans PostgreSQL"
    )
