"""Reading import files: encoding, separator, header, rows with their line numbers.

Problems are collected as `Issue`s (`file:line: column: problem`) so that a bad file is
rejected whole with every error at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issue:
    file: str
    line: int  # 1-based physical line of the record (header = 1); 0 for the whole file
    column: str  # column name, or "" for the whole line/file
    message: str  # French

    def __str__(self) -> str:
        col = f" {self.column}:" if self.column else ""
        return f"{self.file}:{self.line}:{col} {self.message}"


class ImportRejected(Exception):
    """The file is rejected whole; `issues` holds every error found."""

    def __init__(self, issues: list[Issue], warnings: list[Issue] | None = None) -> None:
        self.issues = issues
        self.warnings = warnings or []
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class Table:
    """A decoded, split file: header (lower-cased) and rows with their line numbers."""

    file: str
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def decode(data: bytes, file: str, encodings: tuple[str, ...]) -> tuple[str, str]:
    """Decode with the first encoding that works (UTF-8 with or without BOM first).

    Windows-1252 / ISO-8859-1 accept almost any byte, so a NUL byte (binary file, or
    UTF-16) is refused explicitly rather than read as garbage.
    """
    if not data.strip():
        raise ImportRejected([Issue(file, 0, "", "fichier vide")])
    if b"\x00" in data:
        raise ImportRejected(
            [Issue(file, 0, "", "fichier binaire ou encodage non pris en charge (UTF-16 ?)")]
        )
    for enc in encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ImportRejected(
        [Issue(file, 0, "", f"encodage non reconnu (attendu : {', '.join(encodings)})")]
    )


def _physical_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line


def read_table(
    path: Path | str,
    *,
    delimiters: tuple[str, ...],
    encodings: tuple[str, ...],
    data: bytes | None = None,
) -> Table:
    """Read a delimited file. The separator is the candidate that splits the header most."""
    p = Path(path)
    file = p.name
    if data is None:
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise ImportRejected(
                [Issue(file, 0, "", f"lecture impossible : {exc.strerror}")]
            ) from None
    text, encoding = decode(data, file, encodings)
    text = text.removeprefix("\ufeff")
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first_line.count(d) for d in delimiters}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        shown = " ou ".join("tabulation" if d == "\t" else f"« {d} »" for d in delimiters)
        raise ImportRejected(
            [Issue(file, 1, "", f"séparateur non reconnu dans l'en-tête (attendu {shown})")]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for record in reader:
            line = reader.line_num  # last physical line of this record
            if header is None:
                if not any(c.strip() for c in record):
                    continue
                header = [c.strip().lower() for c in record]
                continue
            if not any(c.strip() for c in record):
                continue  # blank lines are harmless
            rows.append((line, record))
    except csv.Error as exc:
        raise ImportRejected(
            [Issue(file, reader.line_num, "", f"ligne mal formée ({exc}) ; guillemet non fermé ?")]
        ) from None
    if header is None:
        raise ImportRejected([Issue(file, 0, "", "fichier vide")])
    return Table(file, encoding, delimiter, header, rows)
