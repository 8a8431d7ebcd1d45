"""Text compares in code point order on PostgreSQL whatever locale its database was created
with (docs/postgresql.md, "Text order"): on a database created in French, the queue's ties,
the FIFO that applies a payment to invoices due the same day and the lists ordered by name
come out as on SQLite; and a database created before m017 is migrated to that order with its
triggers still working."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from recouvre_tui.cli import main
from recouvre_tui.store import pg_sql, schema
from recouvre_tui.store.pg_schema import own_tables
from stores import french_database
from test_same_json_both_stores import NOW, cli
from test_same_json_both_stores import build as build_portfolio

pytestmark = pytest.mark.sqlite_only  # builds its own PostgreSQL databases: runs once, in the first pass

# Three debtors alike but for their reference (same balance, same due date: same score), so the
# queue orders them by reference alone. Code point order: "CLI-C" < "Cli-a" < "cli-b"; French
# order (case second): "Cli-a" < "cli-b" < "CLI-C".
DEBTORS = """debtor_ref;name;segment;siren;postcode;phone;phone2;email;sales_rep;agent
cli-b;émile Roux;B2C;;75011;01 44 55 66 71;;;;alice
CLI-C;Zoé Roux;B2C;;75011;01 44 55 66 72;;;;alice
Cli-a;Emma Roux;B2C;;75011;01 44 55 66 73;;;;alice
D100;Étienne Morel;B2B;;69003;04 78 00 00 01;;;;bruno
"""
# D100's two invoices fall due the same day: a payment without an invoice goes to the one whose
# reference comes first, "FB-1" in code point order ("fa-1" in French order).
INVOICES = """debtor_ref;invoice_ref;issue_date;due_date;amount
cli-b;FX-1;01/09/2026;01/10/2026;500,00
CLI-C;FX-2;01/09/2026;01/10/2026;500,00
Cli-a;FX-3;01/09/2026;01/10/2026;500,00
D100;fa-1;01/08/2026;31/08/2026;1 000,00
D100;FB-1;01/08/2026;31/08/2026;1 000,00
"""
PAYMENTS = """debtor_ref;payment_ref;date;amount;invoice_ref
D100;VIR-1;05/11/2026;600,00;
"""


def build(db: str, folder: Path) -> None:
    build_portfolio(db, folder, (("debtors", DEBTORS), ("invoices", INVOICES), ("payments", PAYMENTS)))


def test_a_database_created_in_french_orders_text_as_sqlite_does(tmp_path: Path) -> None:
    sqlite_db, pg_db = str(tmp_path / "t.db"), french_database("fr_same")
    build(sqlite_db, tmp_path)
    build(pg_db, tmp_path)
    queue = json.loads(cli(pg_db, "queue", "--agent", "alice", "--format", "json", "--now", NOW))
    assert [e["debtor_ref"] for e in queue] == ["CLI-C", "Cli-a", "cli-b"]
    # 600 € went to FB-1 (1 000 → 400 € open); fa-1 stays whole.
    penalties = json.loads(cli(pg_db, "penalties", "D100", "--format", "json", "--now", NOW))
    assert [(i["invoice_ref"], i["principal"]) for i in penalties["invoices"]] == [("FB-1", 400.0), ("fa-1", 1000.0)]
    for args in (
        ("queue", "--agent", "alice", "--format", "json", "--now", NOW),
        ("penalties", "D100", "--format", "json", "--now", NOW),
        ("search", "roux", "--as", "lea", "--format", "json"),
        ("review", "--as", "lea", "--format", "json", "--now", NOW),
        ("prescription", "--format", "json", "--now", NOW),
    ):
        assert cli(sqlite_db, *args) == cli(pg_db, *args), args


def _text_collations(url: str) -> set[str | None]:
    """The collations of this program's text columns."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = 'text' AND table_name = ANY(%s)",
            (own_tables(),),
        ).fetchall()
    return {r[0] for r in rows}


def _has_statistics(url: str, table: str, column: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
            (table, column),
        ).fetchone() is not None


def _triggers(url: str) -> list[tuple[str, str, str, str]]:
    """Every trigger of the schema: table, name, definition, enabled state."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled::text FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY 1, 2"
        ).fetchall()


def _psql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


BEFORE_M017 = ("m017_text_in_code_point_order", "m018_promise_rest_by_portfolio")


def _build_as_before_m017(url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`url` built by the program as it was before m017: no collation in its DDL, migrations up
    to m016."""
    with monkeypatch.context() as m:
        before = [n for n in schema.known_migrations() if n not in BEFORE_M017]
        m.setattr(schema, "known_migrations", lambda: before)
        m.setattr(pg_sql, "_TEXT_COLUMN", pg_sql.re.compile(r"(?!)"))
        build(url, folder)
    assert _text_collations(url) == {None}  # the database's French order


def test_every_table_is_created_in_code_point_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The DDL declares it (m017 only mends older databases): every text column of a new
    database is "C" even without m017, including tables whose DDL starts with a comment."""
    url = french_database("fr_new")
    with monkeypatch.context() as m:
        m.setattr(schema, "known_migrations", lambda: [n for n in _all_migrations if n != BEFORE_M017[0]])
        build(url, tmp_path)
    assert _text_collations(url) == {"C"}


_all_migrations = schema.known_migrations()


def test_a_database_made_before_m017_is_migrated_to_code_point_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = french_database("fr_old")
    _build_as_before_m017(url, tmp_path, monkeypatch)
    _psql(
        url,
        "ANALYZE",
        # A trigger the DBA disabled stays disabled; another program's table is not touched.
        "ALTER TABLE promises DISABLE TRIGGER promises_promise_rest",
        "CREATE TABLE their_notes (code varchar(5), body text)",
    )
    assert _has_statistics(url, "debtors", "ref")
    triggers = _triggers(url)
    assert ("debtors", "debtor_search_ai") in [t[:2] for t in triggers]  # AFTER UPDATE OF ref, name, siren
    out = CliRunner().invoke(main, ["--db", url, "migrate"], catch_exceptions=False)
    assert out.exit_code == 0, out.stderr
    assert "m017_text_in_code_point_order" in out.stdout
    assert _text_collations(url) == {"C"}
    assert _triggers(url) == triggers  # same definitions, same states
    with psycopg.connect(url) as conn:
        theirs = conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod), attcollation::regcollation::text FROM pg_attribute "
            "WHERE attrelid = 'their_notes'::regclass AND attnum > 0 ORDER BY attnum"
        ).fetchall()
    assert theirs == [("code", "character varying(5)", '"default"'), ("body", "text", '"default"')]
    # A column's new type drops its statistics: m017 gathers them again (the planner guessed
    # without them, and a next case took seconds at 1 000 000 debtors).
    assert _has_statistics(url, "debtors", "ref")
    queue = json.loads(cli(url, "queue", "--agent", "alice", "--format", "json", "--now", NOW))
    assert [e["debtor_ref"] for e in queue] == ["CLI-C", "Cli-a", "cli-b"]
    # The triggers recreated still fire: a renamed debtor is found under its new name.
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(DEBTORS.replace("Zoé Roux", "Zoé Garnier"), encoding="utf-8")
    cli(url, "import", "debtors", str(renamed), "--now", NOW)
    found = json.loads(cli(url, "search", "garnier", "--as", "lea", "--format", "json"))
    assert [r["debtor_ref"] for r in found] == ["CLI-C"]


def test_a_view_on_a_text_column_stops_m017_with_a_message_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = french_database("fr_view")
    _build_as_before_m017(url, tmp_path, monkeypatch)
    _psql(url, "CREATE VIEW big_debts AS SELECT ref, name FROM debtors WHERE balance_cents > 100000")
    out = CliRunner().invoke(main, ["--db", url, "migrate"])
    assert out.exit_code != 0
    assert "migration m017 (ordre du texte) impossible : la vue « big_debts » dépend de colonnes" in out.stderr
    assert "rien n'a été changé" in out.stderr
    assert _text_collations(url) == {None}
    with psycopg.connect(url) as conn:
        applied = [r[0] for r in conn.execute("SELECT name FROM recouvre_migrations")]
    assert not set(BEFORE_M017) & set(applied)
