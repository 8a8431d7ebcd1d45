"""Fuzzing the importers (bad input): never a traceback, nothing half-imported.

Every importer (debtors, invoices, payments, events, promises CSV, and FEC) is fed random
bytes, a valid header followed by random rows, and the sample files of fixtures/sample
mutated (lines dropped, duplicated or swapped, bytes flipped or inserted, separators, line ends
and encodings changed, cells replaced by awkward values, truncation). Each input is imported
as a dry run and then for real, on a copy of a database that already holds the samples:

- the only exception allowed is `ImportRejected`, whose issues all read
  `file:line: column: problem` (or `file:line: problem`, `file:0: problem` for the whole
  file), one line each, in file order, with a line number inside the file;
- a rejected file, and any dry run, leave the database identical (hash of every row, `stores.dump`);
- the dry run and the real import agree on whether the file is rejected.

Bounded and derandomized (the same examples on every run) so the suite stays fast and stable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recouvre_tui.domain.config import Settings
from recouvre_tui.importers.reader import ImportRejected, Issue
from recouvre_tui.services.agents import add_agent
from recouvre_tui.services.importing import ImportResult, import_file
from recouvre_tui.store.db import Store, StoreError, init_db, open_db
from stores import clone_db, drop_db, dump, examples, new_db, on_postgres

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "sample"
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 18:00 in Paris, after every sample date
SETTINGS = Settings()
AGENTS = ("demo", "julien.roux", "karim.benali", "nadia.hoarau", "sophie.martin", "thomas.girard")
CSV_KINDS = ("debtors", "invoices", "payments", "promises", "events")
KINDS = (*CSV_KINDS, "fec")
SOURCES: dict[str, tuple[bytes, ...]] = {
    **{k: ((SAMPLE / f"{k}.csv").read_bytes(),) for k in CSV_KINDS},
    "fec": ((SAMPLE / "fec_sample.txt").read_bytes(), (SAMPLE / "fec_sample_tab_latin1.txt").read_bytes()),
}
ALL_SOURCES = tuple(b for sources in SOURCES.values() for b in sources)

FUZZ = settings(
    max_examples=examples(70),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# --- a database holding the samples, copied afresh for every example -----------------------------------


@dataclass
class Base:
    template: Path | str
    folder: Path
    digest: str
    work: Path | str | None = None

    def fresh(self) -> Store:
        """A database holding exactly the samples. SQLite: a new copy of the file each time.
        PostgreSQL: a new clone (a CREATE DATABASE, slow for ~1,500 examples) only when the
        last one's content no longer equals the base's (an import went through), or once it
        was dropped with the test that made it (tests/conftest.py)."""
        if self.work is not None and on_postgres():
            try:
                store = open_db(self.work)
            except StoreError:  # dropped at the end of the test that made it
                self.work = None
            else:
                if digest(store) == self.digest:
                    return store
                store.close()
        if self.work is not None:
            drop_db(self.work)
        self.work = clone_db(self.template, self.folder, "work.db")
        return open_db(self.work)


def digest(store: Store) -> str:
    return hashlib.sha256("\n".join(dump(store)).encode()).hexdigest()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    d = tmp_path_factory.mktemp("fuzz_import")
    path = new_db(d, "base.db", keep=True)  # the module's template: kept across its tests
    store = init_db(path)
    for login in AGENTS:
        add_agent(store, login=login, name=login, role="agent", team=None, ssh_key_file=None, actor="t", now=NOW)
    for kind in CSV_KINDS:
        import_file(store, kind, SAMPLE / f"{kind}.csv", now=NOW, actor="t", settings=SETTINGS)
    store.close()
    b = Base(path, d, "")
    store = b.fresh()
    b.digest = digest(store)
    store.close()
    yield b
    if b.work is not None:
        drop_db(b.work)
    drop_db(path)


# --- the property ----------------------------------------------------------------------------------------


def file_name(kind: str) -> str:
    return "fuzz_fec.txt" if kind == "fec" else f"fuzz_{kind}.csv"


def check_issue(issue: Issue, name: str, data: bytes) -> None:
    text = str(issue)
    assert issue.file == name, text
    assert 0 <= issue.line <= data.count(b"\n") + data.count(b"\r") + 1, text
    assert issue.message.strip(), text
    assert not any(c in issue.message or c in issue.column for c in "\r\n"), f"multi-line issue: {text!r}"
    if issue.column:
        assert issue.line > 0, text
        assert text == f"{name}:{issue.line}: {issue.column}: {issue.message}"
    else:
        assert text == f"{name}:{issue.line}: {issue.message}"


def attempt(base: Base, kind: str, data: bytes) -> str:
    """Import `data` as `kind` (dry run, then for real); check the rules; 'ok' or 'rejected'."""
    name = file_name(kind)
    outcomes: list[str] = []
    store = base.fresh()
    try:
        for dry_run in (True, False):
            try:
                result: ImportResult | None = import_file(
                    store, kind, Path(name), now=NOW, actor="fuzz", settings=SETTINGS, dry_run=dry_run, data=data
                )
            except ImportRejected as exc:
                result = None
                assert exc.issues, "a rejection without any issue"
                for issue in [*exc.issues, *exc.warnings]:
                    check_issue(issue, name, data)
                assert [i.line for i in exc.issues] == sorted(i.line for i in exc.issues)
                assert str(exc) == "\n".join(str(i) for i in exc.issues)
                assert digest(store) == base.digest, "a rejected file changed the database"
            if result is not None:
                for warning in result.warnings:
                    check_issue(warning, name, data)
                if dry_run:
                    assert digest(store) == base.digest, "a dry run changed the database"
            outcomes.append("rejected" if result is None else "ok")
    finally:
        store.close()
    assert outcomes[0] == outcomes[1], f"dry run {outcomes[0]}, real import {outcomes[1]}"
    return outcomes[1]


# --- inputs ----------------------------------------------------------------------------------------------

AWKWARD = (
    b"",
    b" ",
    b"0",
    b"-1",
    b"1e9",
    b"NaN",
    b"-0,001",
    b"1 234,56 \xe2\x82\xac",
    b"1.234.567,89",
    b"99999999999999999999999999",
    b"31/02/2026",
    b"2026-13-01",
    b"00/00/0000",
    b"0001-01-01",
    b"9999-12-31",
    b"2099-01-01",
    b"2026-11-23 25:61",
    b"2026-11-23T10:00+25:00",
    b"20261123",
    b'"',
    b'";"',
    b'"a""b"',
    b"\t",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"\xc3\xa9",
    b"\xe9",
    b"B2X",
    b"b2c",
    b"call",
    b"in",
    b"out",
    b"formal_notice",
    b"CLI00001",
    b"CLI99999",
    b"FA-2026-001022",
    b"demo",
    b"inconnu",
    b"411",
    b"=1+1",
    b"x" * 300,
)
SEPARATORS = (b";", b",", b"|", b"\t", b" ", b":")
ENCODINGS = ("cp1252", "latin-1", "utf-8-sig", "utf-16", "utf-16-le", "ascii")
OPS = (
    "drop_line",
    "dup_line",
    "swap_lines",
    "flip_byte",
    "insert",
    "delete",
    "truncate",
    "separator",
    "encoding",
    "line_ends",
    "cell",
    "quote",
    "blank_line",
    "header_case",
)


def _cell_sep(line: bytes) -> bytes:
    return max((b"|", b"\t", b";", b","), key=line.count)


def mutate(data: bytes, op: str, a: int, b: int, blob: bytes) -> bytes:
    lines = data.splitlines(keepends=True) or [b""]
    n = len(lines)
    if op == "drop_line":
        del lines[a % n]
    elif op == "dup_line":
        lines.insert(b % (n + 1), lines[a % n])
    elif op == "swap_lines":
        i, j = a % n, b % n
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "flip_byte" and data:
        pos = a % len(data)
        return data[:pos] + bytes([data[pos] ^ (1 + b % 255)]) + data[pos + 1 :]
    elif op == "insert":
        pos = a % (len(data) + 1)
        return data[:pos] + blob + data[pos:]
    elif op == "delete" and data:
        pos = a % len(data)
        return data[:pos] + data[pos + 1 + b % 32 :]
    elif op == "truncate":
        return data[: a % (len(data) + 1)]
    elif op == "separator":
        old, new = SEPARATORS[a % len(SEPARATORS)], SEPARATORS[b % len(SEPARATORS)]
        if b % 3 == 0:  # one line only
            i = a % n
            lines[i] = lines[i].replace(old, new)
        else:
            return data.replace(old, new)
    elif op == "encoding":
        text = data.decode("utf-8", errors="replace") if b % 2 else data.decode("latin-1")
        return text.encode(ENCODINGS[a % len(ENCODINGS)], errors="replace")
    elif op == "line_ends":
        plain = data.replace(b"\r\n", b"\n")
        return (plain, plain.replace(b"\n", b"\r\n"), plain.replace(b"\n", b"\r"), plain.rstrip(b"\n"))[a % 4]
    elif op == "cell":
        i = a % n
        body = lines[i].rstrip(b"\r\n")
        end = lines[i][len(body) :]
        sep = _cell_sep(body)
        cells = body.split(sep)
        cells[b % len(cells)] = blob
        lines[i] = sep.join(cells) + end
    elif op == "quote" and data:
        pos = a % len(data)
        return data[:pos] + b'"' + data[pos:]
    elif op == "blank_line":
        i = a % n
        sep = _cell_sep(lines[i])
        lines[i] = sep * lines[i].count(sep) + b"\n"
    elif op == "header_case":
        lines[0] = lines[0].upper() if a % 2 else lines[0].lower()
    return b"".join(lines)


ops_strategy = st.lists(
    st.tuples(
        st.sampled_from(OPS),
        st.integers(0, 1 << 16),
        st.integers(0, 1 << 16),
        st.one_of(st.sampled_from(AWKWARD), st.binary(max_size=8)),
    ),
    min_size=1,
    max_size=5,
)


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> bytes:
    own = SOURCES[kind]
    data = draw(
        st.one_of(st.sampled_from(own), st.sampled_from(ALL_SOURCES))
        if draw(st.integers(0, 9)) == 0
        else st.sampled_from(own)
    )
    for op in draw(ops_strategy):
        data = mutate(data, *op)
    return data


@st.composite
def header_then_rows(draw: st.DrawFn, kind: str) -> bytes:
    """The sample's own header, then rows made of awkward cells and cells of the sample."""
    sample = draw(st.sampled_from(SOURCES[kind]))
    first, _, rest = sample.partition(b"\n")
    sep = _cell_sep(first)
    cells = [c for line in rest.splitlines()[:6] for c in line.rstrip(b"\r").split(sep)]
    cell = st.one_of(st.sampled_from(AWKWARD), st.sampled_from(cells or [b""]))
    width = first.count(sep) + 1
    row = st.lists(cell, min_size=max(1, width - 2), max_size=width + 1).map(sep.join)
    rows = draw(st.lists(row, min_size=0, max_size=8))
    return first + b"\n" + b"\n".join(rows) + draw(st.sampled_from((b"\n", b"", b"\r\n")))


# --- the tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_random_bytes_are_rejected_cleanly(base: Base, kind: str) -> None:
    @settings(FUZZ, max_examples=examples(50))
    @given(data=st.one_of(st.binary(max_size=600), st.text(max_size=200).map(str.encode)))
    def run(data: bytes) -> None:
        attempt(base, kind, data)

    run()


@pytest.mark.parametrize("kind", KINDS)
def test_header_then_random_rows(base: Base, kind: str) -> None:
    @FUZZ
    @given(data=header_then_rows(kind))
    def run(data: bytes) -> None:
        attempt(base, kind, data)

    run()


@pytest.mark.parametrize("kind", KINDS)
def test_mutated_samples(base: Base, kind: str) -> None:
    seen: set[str] = set()

    @settings(FUZZ, max_examples=examples(120))
    @given(data=mutated(kind))
    def run(data: bytes) -> None:
        seen.add(attempt(base, kind, data))

    run()
    assert seen == {"ok", "rejected"}  # the mutations reach both ends: files still good, and bad ones


@pytest.mark.parametrize("kind", KINDS)
def test_the_unmutated_samples_import(base: Base, kind: str) -> None:
    for data in SOURCES[kind]:
        assert attempt(base, kind, data) == "ok"


# --- what the fuzzing found (kept as plain regression tests) ----------------------------------------------


def rejection(base: Base, kind: str, data: bytes) -> list[str]:
    store = base.fresh()
    try:
        with pytest.raises(ImportRejected) as info:
            import_file(store, kind, Path(file_name(kind)), now=NOW, actor="fuzz", settings=SETTINGS, data=data)
        assert digest(store) == base.digest
    finally:
        store.close()
    assert attempt(base, kind, data) == "rejected"
    return [str(i) for i in info.value.issues]


def test_a_fec_customer_line_copied_twice_is_told_apart_with_a_warning(base: Base) -> None:
    lines = SOURCES["fec"][0].split(b"\r\n")
    data = b"\r\n".join([*lines[:2], lines[1], *lines[2:]])  # the first customer line, twice
    store = base.fresh()
    try:
        res = import_file(store, "fec", Path(file_name("fec")), now=NOW, actor="fuzz", settings=SETTINGS, data=data)
    finally:
        store.close()
    assert [str(w) for w in res.warnings] == [
        "fuzz_fec.txt:2: PieceRef: pièce « FA-2026-0078/VT000001 » du compte DUPONT en double : "
        "enregistrée sous « FA-2026-0078/VT000001/L2 »",
        "fuzz_fec.txt:3: PieceRef: pièce « FA-2026-0078/VT000001 » du compte DUPONT en double (aussi à la ligne 2) : "
        "enregistrée sous « FA-2026-0078/VT000001/L3 »",
    ]
    # The copy unbalances its entry: said in the summary.
    assert any("1 écriture(s) déséquilibrée(s)" in n for n in res.notes)


def test_dates_out_of_range_are_rejected_not_a_crash(base: Base) -> None:
    data = b"debtor_ref;promise_ref;created_at;due_date;amount\nCLI00002;PR-9;2026-11-01;9999-12-31;10\n"
    assert rejection(base, "promises", data) == [
        "fuzz_promises.csv:2: due_date: date hors limites « 9999-12-31 » (années 1900 à 2199)"
    ]
    data = b"debtor_ref;at;channel;direction\nCLI00002;01/01/0001;letter;out\n"
    assert rejection(base, "events", data) == [
        "fuzz_events.csv:2: at: date hors limites « 01/01/0001 » (années 1900 à 2199)"
    ]


def test_huge_amounts_are_rejected_not_a_crash(base: Base) -> None:
    data = (
        b"debtor_ref;invoice_ref;issue_date;due_date;amount\nCLI00002;F-X;2026-01-01;2026-02-01;99999999999999999999\n"
    )
    assert rejection(base, "invoices", data) == [
        "fuzz_invoices.csv:2: amount: montant démesuré « 99999999999999999999 » (100 milliards d'euros au plus)"
    ]


def test_a_line_break_quoted_in_a_cell_stays_on_the_issue_line(base: Base) -> None:
    data = b'debtor_ref;at;channel;direction\nCLI00002;"2026-11-01\n10:00";letter;out\n'
    assert rejection(base, "events", data) == [
        "fuzz_events.csv:2: at: caractère de contrôle interdit U+000A (saut de ligne) en position 11"
    ]
