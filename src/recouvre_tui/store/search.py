"""SQL for the debtor search (name, reference, SIREN, phone number).

SQLite: the FTS5 table `debtor_search` (migration m002_search in store/schema.py), kept in
sync by triggers on `debtors` and `phones`. This module is the only place that queries it.

Another engine (PostgreSQL) or a SQLite built without FTS5: `search_like` gives the same
answers for whole references, SIRENs and phone numbers and for name fragments, with portable
SQL only (LOWER + LIKE, no accent folding, no ranking, a scan of `debtors`). A PostgreSQL
store would rather use `tsvector`/`pg_trgm`; `search_like` is the reference behaviour.

Both take the query already analysed by the service (`SearchQuery`): the words, and the digit
strings to look for in the phone/SIREN/reference columns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .dialect import is_postgres
from .search_folding import fold, prefold

HIT_COLS = ("d.id", "d.ref", "d.name", "d.segment", "d.siren", "d.agent", "d.balance_cents", "d.area")


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]  # words of the text, lower case, marks off ("dupont", "d", "0001", "محمد")
    numbers: tuple[str, ...]  # digit strings (the whole text without separators, E.164 and national digits)
    # The words as typed, only lowered ("lætitia", "straße"): the LIKE fallback compares them
    # with the names as stored, which nothing folded.
    typed: tuple[str, ...] = ()


@dataclass
class SearchRow:
    id: int
    ref: str
    name: str
    segment: str
    siren: str | None
    agent: str | None
    balance_cents: int
    area: str
    phones: list[str] = field(default_factory=list)  # filled by `_attach_phones`


def search_function(conn: sqlite3.Connection) -> Callable[..., list[SearchRow]]:
    """The engine's search: PostgreSQL's word table, SQLite's FTS5, else the LIKE fallback."""
    if is_postgres(conn):
        return search_pg
    return search_fts if fts_available(conn) else search_like


def fts_available(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'debtor_search'").fetchone()
    return row is not None


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts_expression(q: SearchQuery) -> str | None:
    """The FTS5 MATCH expression: every word as a prefix (AND), or any of the numbers as a prefix."""
    alternatives: list[str] = []
    if q.words:
        alternatives.append("(" + " AND ".join(f"{_quote(prefold(w))}*" for w in q.words) + ")")
    alternatives += [f"{_quote(n)}*" for n in q.numbers]
    return " OR ".join(alternatives) if alternatives else None


def _visibility(visible_to: Sequence[str] | None) -> tuple[str, list[Any]]:
    """Debtors assigned to those agents or to nobody (None: every debtor)."""
    if visible_to is None:
        return "", []
    if not visible_to:
        return " AND d.agent IS NULL", []
    marks = ", ".join("?" for _ in visible_to)
    return f" AND (d.agent IS NULL OR d.agent IN ({marks}))", list(visible_to)


def search_fts(
    conn: sqlite3.Connection, q: SearchQuery, *, exact_ref: str, visible_to: Sequence[str] | None, limit: int
) -> list[SearchRow]:
    """An exact reference first, then by name (as on PostgreSQL, so both stores list the same
    debtors in the same order, LIMIT included); `visible_to` = an agent's view or a lead's team."""
    expr = fts_expression(q)
    if expr is None:
        return []
    vis, vparams = _visibility(visible_to)
    sql = (
        f"SELECT {', '.join(HIT_COLS)} FROM debtor_search s JOIN debtors d ON d.id = s.rowid "
        f"WHERE debtor_search MATCH ?{vis} "
        "ORDER BY CASE WHEN d.ref = ? THEN 0 ELSE 1 END, d.name, d.ref LIMIT ?"
    )
    rows = [SearchRow(*r) for r in conn.execute(sql, [expr, *vparams, exact_ref, limit])]
    _attach_phones(conn, rows)
    return rows


def search_like(
    conn: sqlite3.Connection, q: SearchQuery, *, exact_ref: str, visible_to: Sequence[str] | None, limit: int
) -> list[SearchRow]:
    """Portable fallback (no FTS): every word in the name, reference or SIREN (LIKE '%word%'),
    or a number as a prefix of the SIREN or reference digits or equal to a phone's E.164 digits.

    Slower (a scan) and without accent folding; documented as the behaviour a non-SQLite store
    must at least offer.
    """
    conds: list[str] = []
    params: list[Any] = []
    if q.typed:
        per_word = []
        for w in q.typed:
            per_word.append("(LOWER(d.name) LIKE ? OR LOWER(d.ref) LIKE ? OR d.siren LIKE ?)")
            like = f"%{w.lower()}%"
            params += [like, like, like]
        conds.append("(" + " AND ".join(per_word) + ")")
    for n in q.numbers:
        conds.append(
            "(d.siren LIKE ? OR d.ref LIKE ? OR d.id IN (SELECT p.debtor_id FROM phones p "
            "WHERE p.e164 = ? OR p.e164 LIKE ?))"
        )
        params += [f"{n}%", f"%{n}%", f"+{n}", f"+{n}%"]
    if not conds:
        return []
    vis, vparams = _visibility(visible_to)
    sql = (
        f"SELECT {', '.join(HIT_COLS)} FROM debtors d WHERE ({' OR '.join(conds)}){vis} "
        "ORDER BY CASE WHEN d.ref = ? THEN 0 ELSE 1 END, d.name, d.ref LIMIT ?"
    )
    rows = [SearchRow(*r) for r in conn.execute(sql, [*params, *vparams, exact_ref, limit])]
    _attach_phones(conn, rows)
    return rows


# `fold` (PostgreSQL's words) and `prefold` (FTS5's query, which the tokenizer folds further) come
# from store/search_folding.py, with the SQL of both indexes: « œuvres » is « oeuvres », « محمّد »
# is « محمد », « ΠΑΠΑΔΌ » is « παπαδο » on both stores.


def search_pg(
    conn: sqlite3.Connection, q: SearchQuery, *, exact_ref: str, visible_to: Sequence[str] | None, limit: int
) -> list[SearchRow]:
    """PostgreSQL (table `debtor_search`, store/pg_schema.py): every word as the start of a word
    of the reference or name (accents ignored), or any number as the start of the SIREN, of a
    phone's digits or of a reference word; the trigram index answers both without a scan."""
    alternatives: list[str] = []
    params: list[Any] = []
    words = [w for w in (fold(w) for w in q.words) if w]
    if words:
        alternatives.append("(" + " AND ".join("s.words LIKE ?" for _ in words) + ")")
        params += [f"% {w}%" for w in words]
    for n in q.numbers:
        alternatives.append("s.words LIKE ?")
        params.append(f"% {n}%")
    if not alternatives:
        return []
    vis, vparams = _visibility(visible_to)
    sql = (
        f"SELECT {', '.join(HIT_COLS)} FROM debtor_search s JOIN debtors d ON d.id = s.debtor_id "
        f"WHERE ({' OR '.join(alternatives)}){vis} "
        "ORDER BY CASE WHEN d.ref = ? THEN 0 ELSE 1 END, d.name, d.ref LIMIT ?"
    )
    rows = [SearchRow(*r) for r in conn.execute(sql, [*params, *vparams, exact_ref, limit])]
    _attach_phones(conn, rows)
    return rows


def _attach_phones(conn: sqlite3.Connection, rows: list[SearchRow]) -> None:
    if not rows:
        return
    by_id = {r.id: r for r in rows}
    marks = ",".join("?" * len(by_id))
    for did, e164, raw in conn.execute(
        f"SELECT debtor_id, e164, raw FROM phones WHERE debtor_id IN ({marks}) ORDER BY debtor_id, position",
        list(by_id),
    ):
        by_id[did].phones.append(e164 or raw)
