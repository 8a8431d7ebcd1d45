"""Imports refuse terminal control characters and bidi overrides in every text cell, each
located as `file:line: column: problem`; the database is left unchanged (the all-or-nothing
rule). A call note may span lines (a quoted line break); no other cell may."""

from __future__ import annotations

from pathlib import Path

import pytest

from import_helpers import (
    EVENTS_HEADER,
    FEC_HEADER,
    INVOICES_HEADER,
    PAYMENTS_HEADER,
    PROMISES_HEADER,
    make_store,
    one,
    rejected,
    run,
    seed_debtors,
    write,
)
from recouvre_tui.store.db import Store

ESC = "caractère de contrôle interdit U+001B (échappement)"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path, "alice")
    seed_debtors(s, tmp_path, ["D1", "D2"])
    run(s, "invoices", write(tmp_path, "seed_f.csv", [INVOICES_HEADER, "D1;F1;01/05/2026;31/05/2026;100"]))
    return s


CASES = {
    "debtor name": (
        "debtors",
        ["debtor_ref;name;segment;sales_rep", "D7;Sept;B2C;", 'D8;"Du\x1b]0;titre\x07pont";B2C;Paul'],
        [f"f.csv:3: name: {ESC} en position 3 (et 1 autre(s))"],
    ),
    "sales rep with a bidi override, reference with a C1 control": (
        "debtors",
        ["debtor_ref;name;segment;sales_rep", "D7\x9b;Sept;B2C;", "D8;Huit;B2C;\u202eluaP"],
        [
            "f.csv:2: debtor_ref: caractère de contrôle interdit U+009B en position 3",
            "f.csv:3: sales_rep: caractère de contrôle interdit U+202E (contrôle de sens d'écriture) en position 1",
        ],
    ),
    "a line break inside a name": (
        "debtors",
        ["debtor_ref;name;segment", 'D7;"Sept\nhuit";B2C'],
        ["f.csv:2: name: caractère de contrôle interdit U+000A (saut de ligne) en position 5"],
    ),
    "invoice reference": (
        "invoices",
        [INVOICES_HEADER, "D1;F2\x1b[2J;01/05/2026;31/05/2026;10"],
        [f"f.csv:2: invoice_ref: {ESC} en position 3"],
    ),
    "payment reference": (
        "payments",
        [PAYMENTS_HEADER, "D1;R1;02/06/2026;10;F1\x07"],
        ["f.csv:2: invoice_ref: caractère de contrôle interdit U+0007 (sonnerie) en position 3"],
    ),
    "event note and agent": (
        "events",
        [EVENTS_HEADER, "D1;2026-06-01 10:00;call;out;no_answer;al\u2066ice;ok", "D2;2026-06-01;letter;out;;;a\x1bb"],
        [
            "f.csv:2: agent: caractère de contrôle interdit U+2066 (contrôle de sens d'écriture) en position 3",
            f"f.csv:3: note: {ESC} en position 2",
        ],
    ),
    "promise reference": (
        "promises",
        [PROMISES_HEADER, "D1;P\x011;2026-06-01 10:00;15/06/2026;50"],
        ["f.csv:2: promise_ref: caractère de contrôle interdit U+0001 en position 2"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_control_characters_are_refused_and_located(store: Store, tmp_path: Path, case: str) -> None:
    kind, lines, expected = CASES[case]
    assert rejected(store, kind, write(tmp_path, "f.csv", lines)) == expected


def test_fec_refuses_control_characters_in_a_customer_line(store: Store, tmp_path: Path) -> None:
    ok = "VT|Ventes|1|20260105|411000|Clients|C001|Dupont SA|FA1|20260105|Facture|1200,00|0,00|||20260105||"
    bad = ok.replace("Dupont SA", "Dupont\x1b]0;x\x07SA").replace("|1|", "|2|").replace("FA1", "FA2")
    path = write(tmp_path, "f.txt", [FEC_HEADER, ok, bad])
    assert rejected(store, "fec", path) == [f"f.txt:3: CompAuxLib: {ESC} en position 7 (et 1 autre(s))"]


def test_a_note_may_span_lines_but_not_hold_controls(store: Store, tmp_path: Path) -> None:
    note = 'D1;2026-06-01;letter;out;;;"relance\nsuite"'
    path = write(tmp_path, "ev.csv", [EVENTS_HEADER, note, "D2;2026-06-01;letter;out;;;\u200fvu"])
    assert rejected(store, "events", path) == [  # line 4: the note above spans lines 2-3
        "ev.csv:4: note: caractère de contrôle interdit U+200F (contrôle de sens d'écriture) en position 1"
    ]
    run(store, "events", write(tmp_path, "ev.csv", [EVENTS_HEADER, note]))
    assert one(store, "SELECT note FROM events") == "relance\nsuite"
