"""References (debtor, invoice, payment, promise) are compared in Unicode NFKC form.

`Ｂ1` (full-width, as some Asian-locale exports write) and `B1` are one debtor: files are
normalised on import, and a reference typed by a user on lookup.
"""

from __future__ import annotations

import unicodedata


def normalise_ref(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)
