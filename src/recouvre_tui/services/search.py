"""Debtor search by name, reference, SIREN or phone number, respecting roles.

An agent finds only debtors of their portfolio and of the pool; a lead finds everyone.
Phone numbers are matched whatever the spelling: "06 12 34 56 78", "06.12.34.56.78",
"0612345678" and "+33612345678" are the same number (normalised with `domain.phones`).
A name or reference is matched word by word, each word as a prefix, case and accents ignored
in every script ("soc gen" finds « Société Générale », « محمد » « محمّد », « παπαδο »
« Παπαδόπουλος »: store/search_folding.py).

SQLite's FTS5 index does the work (store/search.py); without it (another engine, or a
SQLite built without FTS5) the portable LIKE fallback answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..domain.phones import normalise_phone
from ..domain.refs import normalise_ref
from ..store import search as sql
from ..store.agents import Agent
from ..store.db import Store
from ..store.search import SearchQuery
from ..store.search_folding import query_words
from .roles import scope

MAX_LIMIT = 200
_NUMERIC = re.compile(r"[\d\s.+()/-]+")
_TYPED_WORD = re.compile(r"[^\W_]+")  # the LIKE fallback's words (`SearchQuery.typed`)


@dataclass
class SearchHit:
    debtor_ref: str
    name: str
    segment: str
    siren: str | None
    agent: str | None
    balance_cents: int
    area: str
    phones: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "debtor_ref": self.debtor_ref,
            "name": self.name,
            "segment": self.segment,
            "siren": self.siren,
            "agent": self.agent,
            "balance": round(self.balance_cents / 100, 2),
            "area": self.area,
            "phones": self.phones,
        }


def analyse(text: str) -> SearchQuery:
    """Words (text with letters) or numbers (digits and separators only: a phone, a SIREN, a
    numeric reference). A phone number adds its E.164 and national digits; a partial French
    number (0…) adds the +33 form, and a 33… one the 0… form."""
    s = (text or "").strip()
    if not s:
        return SearchQuery((), ())
    if not _NUMERIC.fullmatch(s):
        return SearchQuery(tuple(query_words(s)), (), tuple(w.lower() for w in _TYPED_WORD.findall(s)))
    digits = re.sub(r"\D", "", s)
    if not digits:
        return SearchQuery((), ())
    numbers = [digits]
    if len(digits) >= 6:
        info = normalise_phone(s)
        if info.valid and info.e164:
            numbers.append(info.e164.lstrip("+"))
            if info.national:
                numbers.append(re.sub(r"\D", "", info.national))
    if digits.startswith("0") and len(digits) > 1:
        numbers.append("33" + digits[1:])
    elif digits.startswith("33") and not s.startswith("0") and len(digits) > 2:
        numbers.append("0" + digits[2:])
    return SearchQuery((), tuple(dict.fromkeys(numbers)))


def search_debtors(store: Store, actor: Agent, text: str, *, limit: int = 20) -> list[SearchHit]:
    """An exact reference first, then by name; an agent only sees their portfolio and
    the pool, a lead their team's portfolios and the pool. An empty text finds nothing."""
    text = normalise_ref(text or "")  # NFKC: full-width `Ｂ1` finds `B1`
    q = analyse(text)
    if not q.words and not q.numbers:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    with store.read() as conn:
        visible_to = scope(conn, actor)  # an agent's portfolio, a lead's team, and the pool
        find = sql.search_function(conn)
        rows = find(conn, q, exact_ref=text.strip(), visible_to=visible_to, limit=limit)
    return [SearchHit(r.ref, r.name, r.segment, r.siren, r.agent, r.balance_cents, r.area, r.phones) for r in rows]
