"""Character-level safety of imports: one encoding per file, stray BOMs, NFKC references,
Excel's `sep=` line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from import_helpers import (
    INVOICES_HEADER,
    debtor,
    full_dump,
    invoices_open,
    make_store,
    q,
    rejected,
    run,
    write_bytes,
)
from recouvre_tui.cli import main
from recouvre_tui.importers.reader import ImportRejected, read_table
from recouvre_tui.store.db import Store
from stores import new_db

DEBTORS_HEADER = "debtor_ref;name;segment;postcode"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path, "alice")


def _lines(*lines: str, encoding: str = "utf-8") -> bytes:
    return "".join(f"{line}\n" for line in lines).encode(encoding)


def test_mixed_utf8_and_cp1252_lines_are_refused_with_the_lines(store: Store, tmp_path: Path) -> None:
    data = (
        _lines(DEBTORS_HEADER, "B1;Hélène Martin;B2C;75011")
        + _lines("B2;Noël Durand;B2C;75011", encoding="cp1252")
        + _lines("B3;Zoé Petit;B2C;75011", encoding="cp1252")
    )
    assert rejected(store, "debtors", write_bytes(tmp_path, "mixed.csv", data)) == [
        "mixed.csv:0: encodages mélangés : lignes en UTF-8 (2) et lignes en encodage Windows/ISO (3, 4) ; "
        "enregistrez tout le fichier dans un seul encodage (UTF-8 de préférence)"
    ]


def test_mixed_encodings_list_a_bounded_number_of_lines(store: Store, tmp_path: Path) -> None:
    data = _lines(DEBTORS_HEADER, *(f"U{i};Hélène;B2C;75011" for i in range(12)))
    data += _lines(*(f"C{i};Hélène;B2C;75011" for i in range(30)), encoding="cp1252")
    [message] = rejected(store, "debtors", write_bytes(tmp_path, "mixed.csv", data))
    assert "lignes en UTF-8 (2, 3, 4, 5, 6, 7, 8, 9, 10, 11 et 2 autre(s))" in message
    assert "(14, 15, 16, 17, 18, 19, 20, 21, 22, 23 et 20 autre(s))" in message


def test_a_cp1252_file_is_read_as_cp1252(store: Store, tmp_path: Path) -> None:
    # 0x80 is € and 0x9C is œ in CP1252 only.
    data = _lines(DEBTORS_HEADER, "B1;Hélène Cœur €;B2C;75011", encoding="cp1252")
    run(store, "debtors", write_bytes(tmp_path, "d.csv", data))
    assert debtor(store, "B1")["name"] == "Hélène Cœur €"


def test_a_bom_at_the_start_of_a_later_line_is_dropped(store: Store, tmp_path: Path) -> None:
    # Two exports concatenated: each starts with a BOM.
    bom = b"\xef\xbb\xbf"
    data = bom + _lines(DEBTORS_HEADER, "B1;Hélène;B2C;75011") + bom + _lines("B2;Noël;B2C;75011")
    run(store, "debtors", write_bytes(tmp_path, "d.csv", data))
    assert [r[0] for r in q(store, "SELECT ref FROM debtors ORDER BY ref")] == ["B1", "B2"]
    data = _lines(INVOICES_HEADER) + bom + _lines("B2;F1;01/06/2026;01/07/2026;100,00")
    run(store, "invoices", write_bytes(tmp_path, "i.csv", data))
    assert invoices_open(store, "B2") == {"F1": (10_000, 10_000)}
    assert q(store, "SELECT count(*) FROM debtors") == [(2,)]


def test_full_width_references_are_the_same_debtor(store: Store, tmp_path: Path) -> None:
    run(store, "debtors", write_bytes(tmp_path, "d.csv", _lines(DEBTORS_HEADER, "Ｂ1;Hélène;B2C;75011")))
    assert q(store, "SELECT ref FROM debtors") == [("B1",)]
    run(store, "invoices", write_bytes(tmp_path, "i.csv", _lines(INVOICES_HEADER, "B1;Ｆ１;01/06/2026;01/07/2026;5")))
    assert invoices_open(store, "B1") == {"F1": (500, 500)}
    # The same invoice twice once normalised: a duplicate.
    data = _lines(INVOICES_HEADER, "B1;F2;01/06/2026;01/07/2026;5", "Ｂ1;Ｆ2;01/06/2026;01/07/2026;6")
    assert rejected(store, "invoices", write_bytes(tmp_path, "dup.csv", data)) == [
        "dup.csv:3: invoice_ref: référence en double dans le fichier « B1 / F2 » (déjà à la ligne 2)"
    ]


def test_references_typed_on_the_command_line_are_normalised(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--db", str(new_db(tmp_path, "t.db"))]
    assert runner.invoke(main, [*base, "init"]).exit_code == 0
    assert runner.invoke(main, [*base, "agents", "add", "lea", "--name", "Léa", "--role", "lead"]).exit_code == 0
    path = write_bytes(tmp_path, "d.csv", _lines(DEBTORS_HEADER, "B1;Hélène Martin;B2C;75011"))
    assert runner.invoke(main, [*base, "import", "debtors", str(path)]).exit_code == 0
    found = runner.invoke(main, [*base, "search", "Ｂ1", "--as", "lea", "--format", "json"])
    assert found.exit_code == 0, found.output
    assert [h["debtor_ref"] for h in json.loads(found.stdout)][:1] == ["B1"]
    held = runner.invoke(main, [*base, "hold", "Ｂ1", "--reason", "litige", "--as", "lea"])
    assert held.exit_code == 0, held.output


def test_excel_sep_line_sets_the_separator(store: Store, tmp_path: Path) -> None:
    data = _lines("sep=;", "debtor_ref;name;segment;postcode", "B1;Martin, Hélène;B2C;75011")
    run(store, "debtors", write_bytes(tmp_path, "d.csv", data))
    assert debtor(store, "B1")["name"] == "Martin, Hélène"
    # Lines keep their physical numbers: the `sep=` line is line 1.
    bad = _lines("sep=;", INVOICES_HEADER, "B1;F1;01/06/2026;01/07/2026;abc")
    [message] = rejected(store, "invoices", write_bytes(tmp_path, "i.csv", bad))
    assert message.startswith("i.csv:3: amount:")


def test_sep_line_naming_a_separator_we_do_not_read(store: Store, tmp_path: Path) -> None:
    before = full_dump(store)
    data = _lines("sep=|", "debtor_ref|name|segment", "B1|Martin|B2C")
    assert rejected(store, "debtors", write_bytes(tmp_path, "d.csv", data)) == [
        "d.csv:1: séparateur « | » annoncé par « sep= » non accepté (attendu « ; » ou « , »)"
    ]
    assert full_dump(store) == before


# Text Windows-1252 can encode (printable, no separator, quote or line break).
_cp1252_chars = st.characters(codec="cp1252", exclude_characters=';"\r\n\ufeff', exclude_categories=("Cc", "Zl", "Zp"))
_cells = st.text(_cp1252_chars, min_size=1, max_size=12).filter(lambda t: t.strip() == t and t.strip())


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_cells, min_size=1, max_size=8), encoding=st.sampled_from(["utf-8", "cp1252"]), bom=st.booleans())
def test_a_file_in_one_encoding_reads_back_as_written(
    tmp_path_factory, rows: list[str], encoding: str, bom: bool
) -> None:
    data = ("name;n\n" + "".join(f"{r};{i}\n" for i, r in enumerate(rows))).encode(encoding)
    # A Windows-1252 line that happens to be valid UTF-8 ("Ã©") is read as UTF-8, by design
    # (so a file where some lines do and others do not is a mixed file).
    assume(encoding == "utf-8" or all(line.isascii() or not _is_utf8(line) for line in data.split(b"\n")))
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    path = tmp_path_factory.mktemp("enc") / "f.csv"
    path.write_bytes(data)
    table = read_table(path, delimiters=(";",), encodings=("utf-8", "cp1252"))
    assert [cells[0] for _, cells in table.rows()] == rows


@settings(max_examples=60, deadline=None)
@given(
    utf8=st.lists(_cells.filter(lambda t: not t.isascii()), min_size=1, max_size=4),
    eight_bit=st.lists(_cells.filter(lambda t: not t.isascii()), min_size=1, max_size=4),
    seed=st.randoms(use_true_random=False),
)
# « Â¡ » in Windows-1252 is the UTF-8 of « ¡ »: every line is then UTF-8 and the file is read.
@example(utf8=["¡"], eight_bit=["Â¡"], seed=random.Random(0))
def test_utf8_and_cp1252_lines_together_are_always_refused(
    tmp_path_factory, utf8: list[str], eight_bit: list[str], seed
) -> None:
    lines = [(t.encode("utf-8"), "u") for t in utf8] + [(t.encode("cp1252"), "c") for t in eight_bit]
    # A CP1252 line may happen to be valid UTF-8 (e.g. "Ã©"): it then counts as UTF-8.
    lines = [(b, "u" if k == "c" and _is_utf8(b) else k) for b, k in lines]
    seed.shuffle(lines)
    path = tmp_path_factory.mktemp("mix") / "f.csv"
    path.write_bytes(b"name;n\n" + b"".join(b + b";0\n" for b, _ in lines))
    kinds = {k for _, k in lines}
    if kinds != {"u", "c"}:  # every line read as one encoding: the file is read as written
        table = read_table(path, delimiters=(";", ","), encodings=("utf-8", "cp1252"))
        assert len(list(table.rows())) == len(lines)
        return
    with pytest.raises(ImportRejected) as info:
        read_table(path, delimiters=(";", ","), encodings=("utf-8", "cp1252"))
    [issue] = info.value.issues
    u_lines = [str(n) for n, (_, k) in enumerate(lines, start=2) if k == "u"]
    c_lines = [str(n) for n, (_, k) in enumerate(lines, start=2) if k == "c"]
    assert f"lignes en UTF-8 ({', '.join(u_lines)})" in issue.message
    assert f"encodage Windows/ISO ({', '.join(c_lines)})" in issue.message


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
