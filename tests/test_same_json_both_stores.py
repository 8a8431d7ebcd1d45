"""The same CLI run on the same files gives the same JSON on SQLite and on PostgreSQL
(issue 20's "done when"): a portfolio imported through the CLI into both stores, then every
read command that prints JSON, and a few writes followed by reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from recouvre_tui.cli import main
from stores import cluster
from tui.conftest import AGENTS, DEBTORS, EVENTS, INVOICES, PROMISES

pytestmark = pytest.mark.sqlite_only  # builds both stores itself: runs once

NOW = "2026-11-23T10:00"
PAYMENTS = """debtor_ref;payment_ref;date;amount;invoice_ref
D005;VIR-1;05/11/2026;500,00;FE-5001
D002;VIR-2;20/11/2026;850,00;FB-2001
"""


def cli(db: str, *args: str) -> str:
    r = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    assert r.exit_code == 0, (args, r.stderr)
    return r.stdout


def build(db: str, folder: Path, files: tuple[tuple[str, str], ...] | None = None) -> None:
    """The CLI run: init, the agents, the files imported (kind, CSV text), a refresh."""
    cli(db, "init")
    for login, name, role in AGENTS:
        cli(db, "agents", "add", login, "--name", name, "--role", role, "--team", "Équipe A")
    if files is None:
        files = (
            ("debtors", DEBTORS),
            ("invoices", INVOICES),
            ("payments", PAYMENTS),
            ("promises", PROMISES),
            ("events", EVENTS),
        )
    for kind, text in files:
        f = folder / f"{kind}.csv"
        f.write_text(text, encoding="utf-8")
        cli(db, "import", kind, str(f), "--now", NOW)
    cli(db, "refresh", "--now", NOW)


READS = [
    ("queue", "--agent", "alice", "--format", "json", "--now", NOW),
    ("queue", "--agent", "bruno", "--include-blocked", "--format", "json", "--now", NOW),
    ("promises", "--format", "json", "--now", NOW),
    ("report", "wear", "--format", "json", "--now", NOW),
    ("report", "promises", "--week", "2026-W47", "--format", "json", "--now", NOW),
    ("kpis", "--format", "json", "--now", NOW),
    ("review", "--as", "lea", "--format", "json", "--now", NOW),
    ("search", "dupont", "--as", "lea", "--format", "json"),
    ("search", "0612345678", "--as", "lea", "--format", "json"),
    ("penalties", "D001", "--format", "json", "--now", NOW),
    ("prescription", "--format", "json", "--now", NOW),
]


def test_the_same_cli_run_prints_the_same_json_on_both_stores(tmp_path: Path) -> None:
    sqlite_db = str(tmp_path / "t.db")
    pg_db = cluster().new_database("same")
    build(sqlite_db, tmp_path)
    build(pg_db, tmp_path)
    for args in READS:
        a, b = cli(sqlite_db, *args), cli(pg_db, *args)
        assert json.loads(a) == json.loads(b), args
        assert a == b, args
    # A claim, an outcome with a new promise, then the reads again.
    for db in (sqlite_db, pg_db):
        taken = json.loads(cli(db, "next", "--agent", "alice", "--format", "json", "--now", NOW))
        assert taken["debtor_ref"] == "D001"  # broken promise of 10/11 not followed up: first
        cli(db, "outcome", "D001", "--agent", "alice", "--disposition", "promise",
            "--promise", "2026-12-01:500", "--now", NOW)
    for args in READS:
        assert cli(sqlite_db, *args) == cli(pg_db, *args), args
