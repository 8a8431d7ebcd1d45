"""CSV exports from real tools: `--columns MAP.toml` / `--column "A=b"` map their headers.

The worked example of the README (fixtures/sample/invoices_export.csv): three invoices of an
invoicing tool with « Montant TTC », « Montant Payé », « Reste à Payer »:
- F-2026-001 1 200,00, paid 400,00 → 800,00 open;
- F-2026-002 600,00, paid in full → settled;
- F-2026-003 240,00 for D2, nothing paid.
Balances: D1 800,00, D2 240,00.
"""

from __future__ import annotations

from pathlib import Path

from import_helpers import write
from recouvre_tui.store.db import open_db
from test_cli_import import NOW_ARG, Env, env  # noqa: F401  (the fixture)

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "sample"


def test_worked_example_with_a_toml_map(env: Env) -> None:  # noqa: F811
    args = (
        "import",
        "invoices",
        str(SAMPLE / "invoices_export.csv"),
        "--columns",
        str(SAMPLE / "invoices_export_columns.toml"),
    )
    dry = env(*args, "--dry-run", *NOW_ARG)
    assert dry.exit_code == 0, dry.stderr
    assert "« Numéro Facture » → invoice_ref" in dry.stdout
    assert "premières lignes lues :" in dry.stdout
    assert (
        "  ligne 2 : debtor_ref=D1 · ref=F-2026-001 · issue_date=05/01/2026 · due_date=04/02/2026 · "
        "amount_cents=1\u202f200,00 € · paid_cents=400,00 €"
    ) in dry.stdout
    r = env(*args, *NOW_ARG)
    assert r.exit_code == 0, r.stderr
    store = open_db(env.db)
    try:
        rows = store.conn.execute(
            "SELECT d.ref, i.ref, i.amount_cents, i.open_cents, i.lettered FROM invoices i "
            "JOIN debtors d ON d.id = i.debtor_id ORDER BY i.ref"
        ).fetchall()
        assert rows == [
            ("D1", "F-2026-001", 120000, 80000, 0),
            ("D1", "F-2026-002", 60000, 0, 1),
            ("D2", "F-2026-003", 24000, 24000, 0),
        ]
        assert store.conn.execute("SELECT ref, balance_cents FROM debtors ORDER BY ref").fetchall() == [
            ("D1", 80000),
            ("D2", 24000),
        ]
    finally:
        store.close()


def test_column_options_and_their_errors(env: Env) -> None:  # noqa: F811
    path = write(env.dir, "export.csv", ["N°;Client;Emis;Echeance;TTC", "A1;D1;01/03/2026;31/03/2026;100,00"])
    opts = [
        "--column",
        "N°=invoice_ref",
        "--column",
        "Client=debtor_ref",
        "--column",
        "Emis=issue_date",
        "--column",
        "Echeance=due_date",
        "--column",
        "TTC=amount",
    ]
    ok = env("import", "invoices", str(path), *opts, *NOW_ARG)
    assert ok.exit_code == 0, ok.stderr
    bad_target = env("import", "invoices", str(path), *opts[:-2], "--column", "TTC=montant", *NOW_ARG)
    assert bad_target.exit_code == 1
    assert "export.csv:1: ttc: colonne cible inconnue « montant »" in bad_target.stderr
    missing = env("import", "invoices", str(path), *opts, "--column", "Payé=paid_amount", *NOW_ARG)
    assert "export.csv:1: payé: colonne à renommer absente de l'en-tête" in missing.stderr
    malformed = env("import", "invoices", str(path), "--column", "sans-egal", *NOW_ARG)
    assert malformed.exit_code == 1 and "attendu « colonne du fichier=notre colonne »" in malformed.stderr


def test_paid_and_open_must_agree_with_the_amount(env: Env) -> None:  # noqa: F811
    path = write(
        env.dir,
        "export.csv",
        [
            "invoice_ref;debtor_ref;issue_date;due_date;amount;paid_amount;open_amount",
            "A1;D1;01/03/2026;31/03/2026;100,00;30,00;60,00",
            "A2;D1;01/03/2026;31/03/2026;100,00;130,00;",
            "A3;D1;01/03/2026;31/03/2026;100,00;;-30",
            "A4;D1;01/03/2026;31/03/2026;100,00;;25,00",
        ],
    )
    r = env("import", "invoices", str(path), *NOW_ARG)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[:3] == [
        "export.csv:2: open_amount: payé (30,00 €) + reste dû (60,00 €) différent du montant (100,00 €)",
        "export.csv:3: paid_amount: le payé doit être entre 0 et le montant de la facture",
        "export.csv:4: open_amount: montant négatif non autorisé (-30)",
    ]
