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
from typing import Any


@dataclass(frozen=True)
class Issue:
    file: str
    line: int  # 1-based physical line of the record (header = 1); 0 for the whole file
    column: str  # column name, or "" for the whole line/file
    message: str  # French

    def __post_init__(self) -> None:
        # A cell quoted in the message (or a header name) may hold a line break: one issue
        # stays one line, `file:line: column: problem`.
        for name in ("column", "message"):
            value = getattr(self, name)
            if "\n" in value or "\r" in value:
                object.__setattr__(self, name, value.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎"))

    def __str__(self) -> str:
        col = f" {self.column}:" if self.column else ""
        return f"{self.file}:{self.line}:{col} {self.message}"


class ImportRejected(Exception):
    """The file is rejected whole; `issues` holds every error found."""

    def __init__(self, issues: list[Issue], warnings: list[Issue] | None = None) -> None:
        self.issues = issues
        self.warnings = warnings or []
        super().__init__("\n".join(str(i) for i in issues))


def by_line(issues: list[Issue]) -> list[Issue]:
    """Issues in file order (stable: the order found within a line is kept)."""
    return sorted(issues, key=lambda i: i.line)


class Table:
    """A decoded file being read: its header (lower-cased), then its rows, read once.

    Rows are streamed (a million-row file is not held in memory as lists of cells). A
    CSV problem (an unterminated quote…) ends the rows and is kept in `error`, so that
    the caller can report it with the problems of the rows read before it.
    """

    def __init__(self, file: str, encoding: str, delimiter: str, header: list[str], reader: Any, end: int) -> None:
        self.file, self.encoding, self.delimiter, self.header = file, encoding, delimiter, header
        self.row_count = 0  # data rows read so far (blank lines not counted)
        self.error: Issue | None = None
        self._reader, self._end = reader, end

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first physical line of the record, cells) for each non-blank record."""
        reader, end = self._reader, self._end
        try:
            for record in reader:
                start, end = end + 1, reader.line_num
                # Blank lines (or only separators) are harmless; the first cell usually
                # tells at once that the row is not blank.
                if not (record and (record[0].strip() or "".join(record).strip())):
                    continue
                self.row_count += 1
                yield start, record
        except csv.Error as exc:
            self.error = _csv_error(self.file, end + 1, reader.line_num, str(exc))


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes, or `ImportRejected` with a French reason."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        reason = "fichier introuvable"
    except IsADirectoryError:
        reason = "c'est un dossier, pas un fichier"
    except PermissionError:
        reason = "lecture refusée (droits insuffisants)"
    except OSError as exc:
        reason = f"lecture impossible : {exc.strerror or exc}"
    raise ImportRejected([Issue(p.name, 0, "", reason)])


def _looks_utf16(data: bytes) -> bool:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    # Without a BOM: mostly-ASCII text in UTF-16 has a NUL in every other byte.
    sample = data[:2000]
    if len(sample) < 4:
        return False
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    half = len(sample) // 2
    return max(odd, even) > 0.6 * half and min(odd, even) < 0.05 * half


def decode(data: bytes, file: str, encodings: tuple[str, ...]) -> tuple[str, str]:
    """Decode with the first encoding that works (UTF-8 with or without BOM first).

    Windows-1252 / ISO-8859-1 accept almost any byte, so a NUL byte (binary file, or
    UTF-16) is refused explicitly rather than read as garbage.
    """
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise ImportRejected([Issue(file, 0, "", "fichier vide")])
    if b"\x00" in data:
        if _looks_utf16(data):
            shown = " ou en ".join(_ENCODING_NAMES.get(e, e) for e in encodings)
            message = f"fichier encodé en UTF-16 : enregistrez-le en {shown}"
        else:
            message = "fichier binaire (octets nuls) : ce n'est pas un fichier texte CSV"
        raise ImportRejected([Issue(file, 0, "", message)])
    for enc in encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise ImportRejected([Issue(file, 0, "", f"encodage non reconnu (attendu : {', '.join(encodings)})")])


_ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "iso-8859-1": "ISO-8859-1", "iso-8859-15": "ISO-8859-15"}
_SEPARATOR_NAMES = {"\t": "tabulation", ";": "« ; »", ",": "« , »", "|": "« | »"}


def _first_line(text: str) -> str:
    """The first non-blank line, without reading the whole file into a list of lines."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        line = text[start:end].strip("\r")
        if line.strip():
            return line
        start = end + 1
    return ""


def _choose_delimiter(first_line: str, delimiters: tuple[str, ...], file: str) -> str:
    counts = {d: first_line.count(d) for d in delimiters}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] > 0:
        return delimiter
    expected = " ou ".join(_SEPARATOR_NAMES.get(d, f"« {d} »") for d in delimiters)
    others = {d: first_line.count(d) for d in _SEPARATOR_NAMES if d not in delimiters}
    found = max(others, key=lambda d: others[d]) if others else None
    seen = f" : {_SEPARATOR_NAMES[found]}" if found and others[found] else ""
    raise ImportRejected([Issue(file, 1, "", f"séparateur non reconnu dans l'en-tête{seen} (attendu {expected})")])


def read_table(
    path: Path | str,
    *,
    delimiters: tuple[str, ...],
    encodings: tuple[str, ...],
    data: bytes | None = None,
    whole_field_quotes: bool = False,
) -> Table:
    """Open a delimited file and read its header; `Table.rows()` then streams the rows.

    The separator is the candidate that splits the header most. With `whole_field_quotes`
    (formats without a quoting convention, the FEC), quotes are honoured only when the
    header quotes every field; otherwise a `"` is text (`Ecran 27"`, `"URGENT" facture`).
    """
    file = Path(path).name
    if data is None:
        data = read_bytes(path)
    text, encoding = decode(data, file, encodings)  # the whole file must decode
    first_line = _first_line(text.removeprefix("\ufeff"))
    del text
    delimiter = _choose_delimiter(first_line, delimiters, file)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="")
    quoting = csv.QUOTE_MINIMAL
    if whole_field_quotes and not quotes_whole_fields(first_line, delimiter):
        quoting = csv.QUOTE_NONE
    reader = csv.reader(stream, delimiter=delimiter, strict=True, quoting=quoting)
    end = 0  # last physical line read so far: the next record starts on end + 1
    try:
        for record in reader:
            end = reader.line_num
            if "".join(record).strip():
                return Table(file, encoding, delimiter, [c.strip().lower() for c in record], reader, end)
    except csv.Error as exc:
        raise ImportRejected([_csv_error(file, end + 1, reader.line_num, str(exc))]) from None
    raise ImportRejected([Issue(file, 0, "", "fichier vide")])


def quotes_whole_fields(line: str, delimiter: str) -> bool:
    """True when every field of the line is enclosed in double quotes (ERPNext's FEC)."""
    fields = line.removeprefix("\ufeff").split(delimiter)
    return all(len(f.strip()) >= 2 and f.strip()[0] == '"' and f.strip()[-1] == '"' for f in fields)


def _csv_error(file: str, start: int, line: int, error: str) -> Issue:
    if "unexpected end of data" in error:
        return Issue(
            file,
            start,
            "",
            "guillemet ouvert jamais refermé (le champ court jusqu'à la fin du fichier)",
        )
    if "field larger than field limit" in error:
        return Issue(
            file,
            start,
            "",
            "champ démesuré (plus de 131 072 caractères) : guillemet ouvert jamais refermé ?",
        )
    if "expected after" in error:
        return Issue(file, line, "", "guillemet mal placé : séparateur attendu après un guillemet fermant")
    return Issue(file, line, "", f"ligne mal formée ({error})")
