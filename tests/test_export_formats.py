"""Exports for people (docs/exports.md): `.xlsx` read back with openpyxl, French CSV byte for
byte, and the four reports through the CLI with hand-computed cells."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from lead_helpers import LeadEnv, make_lead_env
from recouvre_tui.cli import main
from recouvre_tui.reports.csv_fr_export import cell_text, to_csv_fr
from recouvre_tui.reports.export_table import Column, ExportTable
from recouvre_tui.reports.xlsx_export import MONEY_FORMAT, to_xlsx
from test_kpis import EVAL
from test_kpis import env as kpi_env  # noqa: F401  (the KPI week's fixture, hand-computed there)

TABLE = ExportTable(
    "essai",
    "Essai",
    (
        Column("Réf."),
        Column("Solde", "money"),
        Column("Échéance", "date"),
        Column("Taux", "rate"),
        Column("Appels", "int"),
        Column("Score", "decimal"),
    ),
    (
        ('=HYPERLINK("http://x")', 123_456, date(2026, 11, 23), 0.25, 7, 41.25),
        ("-B2", -5, None, None, 0, None),
    ),
)


def open_sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_cells_are_numbers_and_dates_with_french_formats() -> None:
    ws = open_sheet(to_xlsx(TABLE))
    assert ws.title == "Essai"
    assert [c.value for c in ws[1]] == ["Réf.", "Solde", "Échéance", "Taux", "Appels", "Score"]
    a2, b2, c2, d2, e2, f2 = ws[2]
    assert a2.value == '=HYPERLINK("http://x")' and a2.data_type == "s"  # text, never a formula
    assert b2.value == 1234.56 and b2.number_format == MONEY_FORMAT == '#,##0.00 "€"'
    assert c2.value == datetime(2026, 11, 23) and c2.number_format == "dd/mm/yyyy"
    assert d2.value == 0.25 and d2.number_format == "0.0%"
    assert e2.value == 7 and f2.value == 41.25
    assert [c.value for c in ws[3]] == ["-B2", -0.05, None, None, 0, None]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F3"
    assert ws.column_dimensions["B"].width > 8


def test_french_csv_bytes() -> None:
    assert to_csv_fr(TABLE).decode("utf-8") == (
        "\ufeffRéf.;Solde;Échéance;Taux (%);Appels;Score\r\n"
        '"\'=HYPERLINK(""http://x"")";1234,56;23/11/2026;25,0;7;41,2\r\n'  # quoted: it holds quotes
        "'-B2;-0,05;;;0;\r\n"
    )


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_french_csv_amount_reads_back_to_the_cent(cents: int) -> None:
    text = cell_text("money", cents)
    assert "." not in text and " " not in text
    assert Decimal(text.replace(",", ".")) * 100 == cents


# --- the reports through the CLI --------------------------------------------------------------


def run(db: Path | str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def test_kpis_xlsx_and_csv_fr(kpi_env: LeadEnv, tmp_path: Path) -> None:  # noqa: F811
    db = kpi_env.db
    now = EVAL.strftime("%Y-%m-%dT%H:%M")
    out = tmp_path / "kpis.xlsx"
    r = run(db, "kpis", "--week", "2026-W47", "--as", "lea", "--now", now, "--format", "xlsx", "--output", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    ws = open_sheet(out.read_bytes())
    assert [c.value for c in ws[1]] == [
        "Semaine", "Agent", "Nom", "Appels", "Contacts", "Taux de contact", "Promesses", "Taux de promesse",
        "Montant promis", "Tenues", "Rompues", "Taux tenu", "Encaissé", "Appels par contact",
    ]  # fmt: skip
    alice = [c.value for c in ws[2]]
    # test_kpis: calls 7, RPC 3, promises 2 = 450 €, kept 2, broken 1, collected 55 €
    assert alice[:5] == ["2026-W47", "alice", "Alice", 7, 3]
    assert alice[5] == pytest.approx(3 / 7) and alice[7] == pytest.approx(2 / 3)
    assert alice[6] == 2 and alice[8] == 450.0 and alice[9:11] == [2, 1]
    assert alice[11] == pytest.approx(2 / 3) and alice[12] == 55.0 and alice[13] == pytest.approx(7 / 3)
    assert [c.value for c in ws[3]][:5] == ["2026-W47", "bob", "Bob", 3, 2] and ws["M3"].value == 200.0

    r = run(db, "kpis", "--week", "2026-W47", "--as", "lea", "--now", now, "--format", "csv-fr")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout_bytes.decode("utf-8-sig").split("\r\n")
    assert lines[1] == "2026-W47;alice;Alice;7;3;42,9;2;66,7;450,00;2;1;66,7;55,00;2,3"
    # bob's promise call of 18/11 (cancelled later) is 1 of his 2 right-party contacts (docs/kpis.md).
    assert lines[2] == "2026-W47;bob;Bob;3;2;66,7;0;50,0;0,00;0;1;0,0;200,00;1,5"


@pytest.fixture
def lead_env(tmp_path: Path) -> LeadEnv:
    return make_lead_env(tmp_path)


def test_review_xlsx_lists_every_page(lead_env: LeadEnv, tmp_path: Path) -> None:
    out = tmp_path / "revue.xlsx"
    db = lead_env.db
    r = run(
        db,
        "review",
        "--as",
        "lea",
        "--limit",
        "1",
        "--now",
        "2026-11-17T11:00",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    assert r.exit_code == 0, r.stderr
    ws = open_sheet(out.read_bytes())
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"A1", "A2", "B1", "B2", "P1", "P2"}  # all six, though --limit 1
    # B1: bob, B2C, 5 000,00 €, oldest due 01/08/2026, 108 days past due (lead_helpers)
    assert rows["B1"][:7] == ("B1", "Martin Jeanne", "bob", "B2C", 5000.0, datetime(2026, 8, 1), 108)
    assert rows["P2"][2] == "(équipe)" and rows["P2"][4] == 2500.0


def test_promises_csv_fr_one_row_per_instalment(lead_env: LeadEnv) -> None:
    from lead_helpers import NOW

    lead_env.outcome(
        lead_env.alice, "A1", "plan", now=NOW, instalments=[(date(2026, 11, 25), 30_000), (date(2026, 12, 10), 20_050)]
    )
    r = run(lead_env.db, "promises", "--now", "2026-11-17T11:00", "--format", "csv-fr")
    assert r.exit_code == 0, r.stderr
    text = r.stdout_bytes.decode("utf-8")
    assert text.startswith("\ufeffPromesse;Débiteur;Nom;Agent;Enregistrée le;Statut;Montant promis;Payé;")
    lines = text.lstrip("\ufeff").split("\r\n")
    cells = [line.split(";") for line in lines[1:3]]
    assert [c[1:5] for c in cells] == [["A1", "Société Générale de Nantes", "alice", "17/11/2026"]] * 2
    assert [c[6:11] for c in cells] == [
        ["500,50", "0,00", "1", "25/11/2026", "300,00"],
        ["500,50", "0,00", "2", "10/12/2026", "200,50"],
    ]
    assert lines[3] == ""


def test_wear_xlsx_without_output_is_refused(lead_env: LeadEnv) -> None:
    r = run(lead_env.db, "report", "wear", "--now", "2026-11-17T11:00", "--format", "xlsx")
    assert r.exit_code == 1
    assert "--output FICHIER" in r.stderr


def test_wear_xlsx_headers(lead_env: LeadEnv, tmp_path: Path) -> None:
    out = tmp_path / "usure.xlsx"
    r = run(
        lead_env.db,
        "report",
        "wear",
        "--now",
        "2026-11-17T11:00",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    assert r.exit_code == 0, r.stderr
    ws = open_sheet(out.read_bytes())
    assert ws.title == "Usure 2026-W46"
    assert [c.value for c in ws[1]][:4] == ["Débiteur", "Nom", "Segment", "Agent"]
    assert ws.max_row == 1  # nobody reminded three times in this portfolio
