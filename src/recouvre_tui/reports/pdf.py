"""Lay out a document's blocks (``domain.letters``) as a PDF with fpdf2, and write it privately.

Core fonts (Helvetica) in Windows-1252: « € Œ œ » and every French letter are in it, so no
font file ships or is looked up on the machine. A character outside it is replaced by « ? »
rather than failing the letter (data text is literal: nothing is interpreted as markup).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

_ENCODING = "windows-1252"


def _safe(text: str) -> str:
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    return text.encode(_ENCODING, errors="replace").decode(_ENCODING)


def render(blocks: Sequence[tuple], *, title: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_title(_safe(title))
    pdf.set_creator("recouvre-tui")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_margins(20, 18, 20)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for kind, *rest in blocks:
        if kind == "space":
            pdf.ln(4)
        elif kind in ("address", "address_right"):
            pdf.set_font("Helvetica", size=10)
            x = pdf.l_margin + (width * 0.5 if kind == "address_right" else 0)
            for line in rest[0]:
                pdf.set_x(x)
                pdf.cell(width * 0.5, 5, _safe(line), new_x="LMARGIN", new_y="NEXT")
        elif kind == "title":
            pdf.set_font("Helvetica", "B", 14)
            pdf.multi_cell(width, 8, _safe(rest[0]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind in ("para", "bold", "small"):
            style, size = {"para": ("", 10), "bold": ("B", 10), "small": ("", 8)}[kind]
            pdf.set_font("Helvetica", style, size)
            pdf.multi_cell(width, 5 if size == 10 else 4, _safe(rest[0]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif kind == "table":
            header, rows = rest
            pdf.set_font("Helvetica", size=9)
            with pdf.table(
                col_widths=tuple([2] + [1.3] * (len(header) - 1)),
                text_align=("LEFT", *(["RIGHT"] * (len(header) - 1))),
                line_height=5,
            ) as table:
                table.row([_safe(h) for h in header])
                for row in rows:
                    table.row([_safe(str(c)) for c in row])
            pdf.ln(2)
        else:  # pragma: no cover - a programming error, not data
            raise ValueError(f"unknown block {kind!r}")
    return bytes(pdf.output())


def write_private(path: Path, data: bytes) -> None:
    """Write atomically (temporary file in the same folder, then rename), mode 0600: a letter
    names a debtor and a debt."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
        os.chmod(path.parent, 0o700)  # mkdir's mode is masked by the umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
