"""Sensitive data in free-text notes (pure).

The CNIL's guidance on free-text comment fields (« zones bloc-notes ») asks that they stay
factual, relevant and never carry data on health, religion, political, philosophical or union
opinions, sex life or orientation, origins, offences and convictions, nor insulting or
subjective judgements. Before a note is saved it is checked against a word list: the shipped
default below, extended by the `[notes] sensitive_words` setting. Matching ignores case and
accents and holds on word boundaries; an entry ending in `*` matches any word starting with it
(« alcool* » finds « alcoolique »); an entry of several words matches them in sequence.

A match is not a refusal: the agent confirms or rewrites (the CLI: `--confirm-note`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

# By category, in French as agents write it. Kept to words whose ordinary sense in a
# collection note is the sensitive one (« malade », not « santé » alone, which is common in
# company names and « mutuelle santé »).
DEFAULT_SENSITIVE_WORDS: Final[tuple[str, ...]] = (
    # health
    "malade",
    "maladie*",
    "cancer*",
    "chimio*",
    "hospitalis*",
    "hopital",
    "depression",
    "depressif",
    "depressive",
    "handicap*",
    "enceinte",
    "grossesse",
    "alcool*",
    "drogue*",
    "toxicomane",
    "sida",
    "vih",
    "seropositi*",
    "psychiatr*",
    "suicid*",
    "diabet*",
    "invalidite",
    "arret maladie",
    # religion and beliefs
    "musulman*",
    "juif",
    "juive*",
    "juifs",
    "catholique*",
    "chretien*",
    "protestant*",
    "islam*",
    "ramadan",
    "mosquee",
    "synagogue",
    "eglise",
    "religion*",
    "religieu*",
    # political and union opinions
    "syndiqu*",
    "syndicaliste*",
    "cgt",
    "cfdt",
    "gauchiste*",
    "facho*",
    "extreme droite",
    "extreme gauche",
    "communiste*",
    "militant*",
    # sex life and orientation
    "homosexuel*",
    "gay",
    "lesbienne*",
    "bisexuel*",
    "transsexuel*",
    "transgenre*",
    # origins
    "race",
    "ethnie*",
    "ethnique*",
    # offences and convictions
    "prison",
    "incarcer*",
    "detenu*",
    "condamne*",
    "condamnation*",
    "casier judiciaire",
    "delinquant*",
    "voleur*",
    "escroc*",
    "fraudeur*",
    "garde a vue",
    # insults and subjective judgements
    "con",
    "connard*",
    "conne",
    "abruti*",
    "idiot*",
    "imbecile*",
    "cretin*",
    "debile*",
    "salaud*",
    "salope*",
    "pourri*",
    "menteur*",
    "menteuse*",
    "fainéant*",
    "faineant*",
    "radin*",
    "clochard*",
    "cas social",
    "gros lourd",
)


def fold(text: str) -> str:
    """Lower case without accents (« Hôpital » → « hopital »), ligatures opened (« œ » → « oe »)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _pattern(entry: str) -> str:
    words = fold(entry).strip().split()
    parts = []
    for i, word in enumerate(words):
        stem = word.rstrip("*")
        star = word.endswith("*") and i == len(words) - 1
        parts.append(re.escape(stem) + (r"\w*" if star else ""))
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


@lru_cache(maxsize=8)
def _compiled(extra: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    entries = {fold(e).strip() for e in (*DEFAULT_SENSITIVE_WORDS, *extra) if e.strip().rstrip("*").strip()}
    return tuple(re.compile(_pattern(e)) for e in sorted(entries))


def _fold_with_origins(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original one (folding
    may change lengths: « … » → « ... », « œ » → « oe »)."""
    pieces: list[str] = []
    origins: list[int] = []
    for i, ch in enumerate(text):
        piece = fold(ch)
        pieces.append(piece)
        origins.extend([i] * len(piece))
    return "".join(pieces), origins


def find_sensitive(text: str, extra: Iterable[str] = ()) -> list[str]:
    """The words of `text` (as written) that match the list, in order of appearance, once each."""
    if not text:
        return []
    folded, origins = _fold_with_origins(text)
    found: dict[int, str] = {}
    for pattern in _compiled(tuple(extra)):
        for m in pattern.finditer(folded):
            if m.end() > m.start():
                start, end = origins[m.start()], origins[m.end() - 1] + 1
                found.setdefault(start, text[start:end])
    seen: dict[str, None] = {}
    for _start, word in sorted(found.items()):
        seen.setdefault(word, None)
    return list(seen)
