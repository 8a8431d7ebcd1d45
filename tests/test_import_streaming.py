"""Imports stream the file: a size limit checked before reading, rows decoded as they are read."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from import_helpers import NOW, SETTINGS, full_dump, make_store, write_bytes
from recouvre_tui.importers.reader import ImportRejected, read_table
from recouvre_tui.services.importing import import_file


def test_a_file_above_max_import_mb_is_refused_before_reading(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:  # sparse: 3 MiB + 1 byte, nothing written but the header
        f.write(b"debtor_ref;name;segment\n")
        f.truncate(3 * 1024 * 1024 + 1)
    path.chmod(0o000)  # refused on its size alone, before any read (as non-root: unreadable)
    before = full_dump(store)
    try:
        with pytest.raises(ImportRejected) as info:
            import_file(store, "debtors", path, now=NOW, actor="t", settings=replace(SETTINGS, max_import_mb=3))
    finally:
        path.chmod(0o600)
    assert [str(i) for i in info.value.issues] == [
        "huge.csv:0: fichier trop volumineux : 4 Mo, maximum 3 Mo (réglage max_import_mb) ; "
        "découpez-le ou augmentez ce réglage"
    ]
    assert full_dump(store) == before


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    body = b"debtor_ref;name;segment\nB1;Martin;B2C\n"
    path = write_bytes(tmp_path, "d.csv", body + b"\n" * (1024 * 1024 - len(body)))
    res = import_file(store, "debtors", path, now=NOW, actor="t", settings=replace(SETTINGS, max_import_mb=1))
    assert res.inserted == 1


def test_rows_are_read_without_holding_the_file(tmp_path: Path) -> None:
    # 6 MB of rows in CP1252 (decoded on the fly): memory stays far below the file's size.
    path = tmp_path / "big.csv"
    name = "Hélène Cœur " * 25
    row = "D{0:07d};" + name + ";B2C;75011\n"
    with path.open("w", encoding="cp1252", newline="") as f:
        f.write("debtor_ref;name;segment;postcode\n")
        for i in range(20_000):
            f.write(row.format(i))
    assert path.stat().st_size > 6_000_000
    tracemalloc.start()
    try:
        table = read_table(path, delimiters=(";",), encodings=("utf-8", "cp1252"))
        count, last = 0, None
        for line, cells in table.rows():
            count, last = count + 1, (line, cells)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.encoding == "cp1252"
    assert count == 20_000 and last == (20_001, ["D0019999", name, "B2C", "75011"])
    assert peak < 1_000_000, peak
