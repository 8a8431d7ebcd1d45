"""Reading import files: encoding, separator, header, rows with their line numbers.

Problems are collected as `Issue`s (`file:line: column: problem`) so that a bad file is
rejected whole with every error at once.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO


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


# Errors listed for one file: a file with a million bad lines must not fill the memory
# (nor the screen); the rest are counted.
MAX_ISSUES = 200


class ImportRejected(Exception):
    """The file is rejected whole; `issues` holds the errors found (the first `MAX_ISSUES`
    in file order, then one line counting the others: `count` is the total)."""

    def __init__(self, issues: list[Issue], warnings: list[Issue] | None = None, *, omitted: int = 0) -> None:
        if len(issues) > MAX_ISSUES:
            omitted += len(issues) - MAX_ISSUES
            issues = issues[:MAX_ISSUES]
        self.count = len(issues) + omitted
        if omitted:
            more = f"{omitted:,}".replace(",", "\u202f")
            issues = [
                *issues,
                Issue(issues[-1].file if issues else "", 0, "", f"… et {more} autre(s) erreur(s) non listée(s)"),
            ]
        self.issues = issues
        self.warnings = warnings or []
        super().__init__("\n".join(str(i) for i in issues))


class BoundedIssues(list[Issue]):
    """Issues as found, keeping the first `limit` and counting the others: `len()` is the
    number found (parsers compare it before and after a row), iteration gives those kept."""

    def __init__(self, limit: int = MAX_ISSUES) -> None:
        super().__init__()
        self.limit, self.omitted = limit, 0

    def append(self, issue: Issue) -> None:
        if super().__len__() < self.limit:
            super().append(issue)
        else:
            self.omitted += 1

    def __len__(self) -> int:
        return super().__len__() + self.omitted


def by_line(issues: list[Issue]) -> list[Issue]:
    """Issues in file order (stable: the order found within a line is kept)."""
    return sorted(issues, key=lambda i: i.line)


class Table:
    """A decoded file being read: its header (lower-cased), then its rows, read once.

    Rows are streamed (a million-row file is not held in memory as lists of cells). A
    CSV problem (an unterminated quote…) ends the rows and is kept in `error`, so that
    the caller can report it with the problems of the rows read before it.
    """

    def __init__(
        self,
        file: str,
        encoding: str,
        delimiter: str,
        header: list[str],
        reader: Any,
        end: int,
        stream: BinaryIO | None = None,
        skipped: int = 0,
    ) -> None:
        self.file, self.encoding, self.delimiter, self.header = file, encoding, delimiter, header
        self.row_count = 0  # data rows read so far (blank lines not counted)
        self.error: Issue | None = None
        self._reader, self._end, self._stream, self._skipped = reader, end, stream, skipped

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first physical line of the record, cells) for each non-blank record."""
        reader, end, skipped = self._reader, self._end, self._skipped
        try:
            for record in reader:
                start, end = end + 1, reader.line_num + skipped
                # Blank lines (or only separators) are harmless; the first cell usually
                # tells at once that the row is not blank.
                if not (record and (record[0].strip() or "".join(record).strip())):
                    continue
                self.row_count += 1
                yield start, record
        except csv.Error as exc:
            self.error = _csv_error(self.file, end + 1, reader.line_num + skipped, str(exc))
        finally:
            self.close()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _unreadable(p: Path, exc: OSError) -> ImportRejected:
    if isinstance(exc, FileNotFoundError):
        reason = "fichier introuvable"
    elif isinstance(exc, IsADirectoryError):
        reason = "c'est un dossier, pas un fichier"
    elif isinstance(exc, PermissionError):
        reason = "lecture refusée (droits insuffisants)"
    else:
        reason = f"lecture impossible : {exc.strerror or exc}"
    return ImportRejected([Issue(p.name, 0, "", reason)])


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes, or `ImportRejected` with a French reason (small files only)."""
    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise _unreadable(p, exc) from None


def open_binary(path: Path | str, data: bytes | None = None) -> BinaryIO:
    """The file opened for reading (or `data`, when given, as a file)."""
    if data is not None:
        return io.BytesIO(data)
    p = Path(path)
    try:
        return p.open("rb")
    except OSError as exc:
        raise _unreadable(p, exc) from None


def check_size(path: Path | str, max_bytes: int) -> int:
    """The file's size; `ImportRejected` before anything is read when it exceeds `max_bytes`."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise _unreadable(p, exc) from None
    if p.is_dir():
        raise _unreadable(p, IsADirectoryError())
    if size > max_bytes:
        raise ImportRejected(
            [
                Issue(
                    p.name,
                    0,
                    "",
                    f"fichier trop volumineux : {_mb(size)} Mo, maximum {_mb(max_bytes)} Mo "
                    "(réglage max_import_mb) ; découpez-le ou augmentez ce réglage",
                )
            ]
        )
    return size


def _mb(n: int) -> str:
    return f"{-(-n // (1024 * 1024)):,}".replace(",", "\u202f")


def file_digest(path: Path | str, data: bytes | None = None) -> str:
    """SHA-256 of the file, read in blocks."""
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    p = Path(path)
    try:
        with p.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise _unreadable(p, exc) from None


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


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "iso-8859-1": "ISO-8859-1",
    "iso-8859-15": "ISO-8859-15",
}
_SEPARATOR_NAMES = {"\t": "tabulation", ";": "« ; »", ",": "« , »", "|": "« | »"}
# Lines of each kind quoted in a mixed-encoding error.
MAX_LINES_SHOWN = 10
_PIECE = 1 << 20  # a physical line is read in pieces of at most 1 MiB
_C1 = re.compile(b"[\x80-\x9f]")
_CP1252_HOLES = re.compile(b"[\x81\x8d\x8f\x90\x9d]")


@dataclass
class ByteScan:
    """What one cheap pass over the bytes tells: which lines are UTF-8, which are not."""

    utf8_lines: list[int] = field(default_factory=list)  # lines with non-ASCII valid UTF-8 (first few)
    utf8_count: int = 0
    eight_bit_lines: list[int] = field(default_factory=list)  # lines that are not UTF-8 (first few)
    eight_bit_count: int = 0
    c1_bytes: bool = False  # bytes 0x80-0x9F in a non-UTF-8 line: only CP1252 has characters there
    cp1252_holes: list[int] = field(default_factory=list)  # 8-bit lines with a byte CP1252 leaves undefined
    blank: bool = True
    nul: bool = False  # a NUL byte somewhere: binary, or UTF-16
    first: bytes = b""  # the first 2000 bytes


def scan_bytes(f: BinaryIO) -> ByteScan:
    """Classify each physical line (split on LF) as ASCII, UTF-8 or 8-bit, in one pass.

    A multi-byte UTF-8 character never holds the byte LF, so line by line is exact. A very
    long line is read in pieces, checked with an incremental decoder.
    """
    scan = ByteScan()
    line = 0
    decoder = None  # incremental UTF-8 decoder of a line read in several pieces
    bad = False  # the current line is not UTF-8
    non_ascii = False
    while piece := f.readline(_PIECE):
        if len(scan.first) < 2000:
            scan.first += piece[: 2000 - len(scan.first)]
        if not scan.nul and b"\x00" in piece:
            scan.nul = True
        complete = piece.endswith(b"\n") or len(piece) < _PIECE
        if decoder is None and complete:
            line += 1
            if not piece.isascii():
                _classify(scan, line, piece, _utf8_ok(piece))
            if scan.blank and piece.removeprefix(b"\xef\xbb\xbf").strip():
                scan.blank = False
            continue
        # A long line, piece by piece.
        if decoder is None:
            decoder, bad, non_ascii = codecs.getincrementaldecoder("utf-8")(), False, False
        if not piece.isascii():
            non_ascii = True
            if not bad:
                try:
                    decoder.decode(piece, final=complete)
                except UnicodeDecodeError:
                    bad = True
            if not scan.c1_bytes and _C1.search(piece):
                scan.c1_bytes = True  # refined below once the line is known to be 8-bit
        if scan.blank and piece.strip():
            scan.blank = False
        if complete:
            line += 1
            if non_ascii:
                _classify(scan, line, b"", not bad)
            decoder = None
    return scan


def _utf8_ok(piece: bytes) -> bool:
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _classify(scan: ByteScan, line: int, piece: bytes, utf8: bool) -> None:
    if utf8:
        scan.utf8_count += 1
        if len(scan.utf8_lines) < MAX_LINES_SHOWN:
            scan.utf8_lines.append(line)
        return
    scan.eight_bit_count += 1
    if len(scan.eight_bit_lines) < MAX_LINES_SHOWN:
        scan.eight_bit_lines.append(line)
    if piece and _C1.search(piece):
        scan.c1_bytes = True
        if len(scan.cp1252_holes) < MAX_LINES_SHOWN and _CP1252_HOLES.search(piece):
            scan.cp1252_holes.append(line)


def choose_encoding(scan: ByteScan, file: str, encodings: tuple[str, ...]) -> str:
    """UTF-8 when every line is; else the 8-bit encoding when no line is UTF-8; mixed → refused.

    `encodings` is UTF-8 then the 8-bit candidates: CP1252 when the file has bytes in
    0x80-0x9F and CP1252 is a candidate (no ISO-8859 character lives there), else the first.
    """
    if scan.blank:
        raise ImportRejected([Issue(file, 0, "", "fichier vide")])
    if scan.nul or _looks_utf16(scan.first):
        if _looks_utf16(scan.first):
            shown = " ou en ".join(_ENCODING_NAMES.get(e, e) for e in encodings[:2])
            message = f"fichier encodé en UTF-16 : enregistrez-le en {shown}"
        else:
            message = "fichier binaire (octets nuls) : ce n'est pas un fichier texte CSV"
        raise ImportRejected([Issue(file, 0, "", message)])
    if scan.eight_bit_count == 0:
        return "utf-8"
    eight_bit = [e for e in encodings if e != "utf-8"]
    if not eight_bit:
        return _refuse_encoding(file, scan.eight_bit_lines[0], encodings)
    if scan.utf8_count:

        def lines(found: list[int], count: int) -> str:
            more = f" et {count - len(found)} autre(s)" if count > len(found) else ""
            return ", ".join(str(n) for n in found) + more

        raise ImportRejected(
            [
                Issue(
                    file,
                    0,
                    "",
                    "encodages mélangés : lignes en UTF-8 "
                    f"({lines(scan.utf8_lines, scan.utf8_count)}) et lignes en encodage Windows/ISO "
                    f"({lines(scan.eight_bit_lines, scan.eight_bit_count)}) ; "
                    "enregistrez tout le fichier dans un seul encodage (UTF-8 de préférence)",
                )
            ]
        )
    if scan.c1_bytes and "cp1252" in eight_bit:
        if scan.cp1252_holes:
            shown = ", ".join(str(n) for n in scan.cp1252_holes)
            message = f"octets sans caractère en Windows-1252 (lignes {shown}) : fichier corrompu ou binaire ?"
            raise ImportRejected([Issue(file, scan.cp1252_holes[0], "", message)])
        return "cp1252"
    return eight_bit[0]


def _refuse_encoding(file: str, line: int, encodings: tuple[str, ...]) -> str:
    expected = ", ".join(_ENCODING_NAMES.get(e, e) for e in encodings)
    raise ImportRejected([Issue(file, line, "", f"encodage non reconnu (attendu : {expected})")])


_SEP_LINE = re.compile(r'^"?sep=(.)"?[;,]*$', re.IGNORECASE)


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


def _text_lines(f: BinaryIO, encoding: str, file: str) -> Iterator[str]:
    """The decoded lines, decoded incrementally; byte order marks are dropped wherever they
    are (a file made by concatenating exports has one at the start of a later line)."""
    stream = io.TextIOWrapper(f, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="")
    line = 0
    try:
        for text in stream:
            line += 1
            yield text.replace("\ufeff", "") if "\ufeff" in text else text
    except UnicodeDecodeError:
        # CP1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
        raise ImportRejected(
            [Issue(file, line + 1, "", f"octet invalide en {_ENCODING_NAMES.get(encoding, encoding)}")]
        ) from None


def read_table(
    path: Path | str,
    *,
    delimiters: tuple[str, ...],
    encodings: tuple[str, ...],
    data: bytes | None = None,
    whole_field_quotes: bool = False,
) -> Table:
    """Open a delimited file and read its header; `Table.rows()` then streams the rows.

    With `whole_field_quotes`
    (formats without a quoting convention, the FEC), quotes are honoured only when the
    header quotes every field; otherwise a `"` is text (`Ecran 27"`, `"URGENT" facture`).
    The file is read twice, never whole: a byte pass decides the encoding (the whole
    file must be in one), then the rows are decoded as they are read. The separator is
    Excel's `sep=X` first line when there is one, else the candidate that splits the
    header most.
    """
    file = Path(path).name
    f = open_binary(path, data)
    try:
        encoding = choose_encoding(scan_bytes(f), file, encodings)
        f.seek(0)
        lines = _text_lines(f, encoding, file)
        header_line, delimiter, skipped = _header(lines, delimiters, file)
        rows_text = itertools.chain((header_line,), lines)
        if whole_field_quotes and not quotes_whole_fields(header_line, delimiter):
            reader = csv.reader(rows_text, delimiter=delimiter, strict=True, quoting=csv.QUOTE_NONE)
        else:
            reader = csv.reader(rows_text, delimiter=delimiter, strict=True)
    except BaseException:
        f.close()
        raise
    end = skipped  # last physical line read so far: the next record starts on end + 1
    try:
        for record in reader:
            end = reader.line_num + skipped
            if "".join(record).strip():
                return Table(file, encoding, delimiter, [c.strip().lower() for c in record], reader, end, f, skipped)
    except csv.Error as exc:
        f.close()
        raise ImportRejected([_csv_error(file, end + 1, reader.line_num + skipped, str(exc))]) from None
    f.close()
    raise ImportRejected([Issue(file, 0, "", "fichier vide")])


def _header(lines: Iterator[str], delimiters: tuple[str, ...], file: str) -> tuple[str, str, int]:
    """(header line, separator, physical lines before it), skipping blank lines and `sep=`."""
    skipped = 0
    forced: str | None = None
    for text in lines:
        if not text.strip():
            skipped += 1
            continue
        sep = _SEP_LINE.match(text.strip()) if forced is None else None
        if sep is not None:
            forced = sep.group(1)
            skipped += 1
            if forced not in delimiters:
                expected = " ou ".join(_SEPARATOR_NAMES.get(d, f"« {d} »") for d in delimiters)
                shown = _SEPARATOR_NAMES.get(forced, f"« {forced} »")
                raise ImportRejected(
                    [
                        Issue(
                            file,
                            skipped,
                            "",
                            f"séparateur {shown} annoncé par « sep= » non accepté (attendu {expected})",
                        )
                    ]
                )
            continue
        return text, forced or _choose_delimiter(text.rstrip("\r\n"), delimiters, file), skipped
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
