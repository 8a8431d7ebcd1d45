"""Big files: errors listed are bounded (the first 200, then a count), and the rows of an
invoices or payments file are staged in SQL rather than held in memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from click.testing import CliRunner

from import_helpers import (
    INVOICES_HEADER,
    PAYMENTS_HEADER,
    full_dump,
    invoices_open,
    make_store,
    rejected,
    run,
    seed_debtors,
    write,
)
from recouvre_tui.cli import main
from recouvre_tui.importers.reader import MAX_ISSUES


def test_a_file_with_many_bad_lines_lists_the_first_200_and_counts_the_rest(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    lines = [INVOICES_HEADER] + [f"D1;F{i};01/06/2026;01/07/2026;abc" for i in range(1000)]
    messages = rejected(store, "invoices", write(tmp_path, "bad.csv", lines))
    assert MAX_ISSUES == 200 and len(messages) == 201
    assert messages[0].startswith("bad.csv:2: amount:") and messages[199].startswith("bad.csv:201: amount:")
    assert messages[200] == "bad.csv:0: … et 800 autre(s) erreur(s) non listée(s)"


def test_database_checks_are_bounded_too_and_merged_in_file_order(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    # Line 2: a bad amount; lines 3…502: unknown debtors; line 503: a duplicate of line 504's key.
    lines = [INVOICES_HEADER, "D1;F0;01/06/2026;01/07/2026;abc"]
    lines += [f"X{i};F{i};01/06/2026;01/07/2026;5" for i in range(500)]
    lines += ["D1;G1;01/06/2026;01/07/2026;5", "D1;G1;01/06/2026;01/07/2026;6"]
    messages = rejected(store, "invoices", write(tmp_path, "bad.csv", lines))
    assert messages[0].startswith("bad.csv:2: amount:")
    assert messages[1] == "bad.csv:3: debtor_ref: débiteur inconnu « X0 » (importez d'abord les débiteurs)"
    assert messages[199] == "bad.csv:201: debtor_ref: débiteur inconnu « X198 » (importez d'abord les débiteurs)"
    assert messages[200] == "bad.csv:0: … et 302 autre(s) erreur(s) non listée(s)"


def test_the_cli_counts_every_error(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    store.close()
    lines = [PAYMENTS_HEADER] + [f"D1;P{i};01/06/2026;5;NOPE" for i in range(250)]
    result = CliRunner().invoke(
        main, ["--db", str(store.path), "import", "payments", str(write(tmp_path, "p.csv", lines))]
    )
    assert result.exit_code == 1
    err = result.stderr.splitlines()
    assert err[0] == "p.csv:2: invoice_ref: facture inconnue « NOPE » pour le débiteur D1"
    assert err[200] == "p.csv:0: … et 50 autre(s) erreur(s) non listée(s)"
    assert err[-1].endswith("fichier rejeté (250 erreur(s)) ; la base n'a pas été modifiée")


def test_staged_import_then_reimport_counts_and_updates(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1", "D2"])
    lines = [INVOICES_HEADER, "D1;F1;01/06/2026;01/07/2026;10", "D2;F2;01/06/2026;01/07/2026;20"]
    res = run(store, "invoices", write(tmp_path, "i.csv", lines))
    assert (res.inserted, res.updated, res.unchanged) == (2, 0, 0)
    lines[2] = "D2;F2;01/06/2026;01/07/2026;25"
    lines.append("D1;F3;01/06/2026;02/07/2026;-5")
    before = full_dump(store)
    dry = run(store, "invoices", write(tmp_path, "i.csv", lines), dry_run=True)
    assert (dry.inserted, dry.updated, dry.unchanged) == (1, 1, 1)
    assert dry.examples == ["~ facture D2/F2", "+ facture D1/F3 -5,00 €"]
    assert full_dump(store) == before
    res = run(store, "invoices", write(tmp_path, "i.csv", lines))
    assert (res.inserted, res.updated, res.unchanged) == (1, 1, 1)
    assert invoices_open(store, "D1") == {"F1": (1000, 500), "F3": (-500, 0)}
    assert invoices_open(store, "D2") == {"F2": (2500, 2500)}


def test_an_invoices_file_is_not_held_in_memory(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1", "D2", "D3"])
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(INVOICES_HEADER + "\n")
        for i in range(15_000):
            f.write(f"D{i % 3 + 1};F{i:07d};01/06/2026;01/07/2026;{i % 900 + 1},50\n")
    tracemalloc.start()
    try:
        res = run(store, "invoices", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert res.inserted == 15_000
    assert peak < 2_000_000, peak
