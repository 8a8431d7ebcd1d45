"""SQL for the legal rules: a debtor's dated facts (invoices, payments, mises en demeure,
acknowledgments of debt) and the over-indebtedness flag."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from ..domain.codes import ACKNOWLEDGMENT_OUTCOME, FORMAL_NOTICE_OUTCOME
from ..domain.dates import from_db, paris_date
from ..domain.legal import DebtorFacts, Invoice, Payment
from .imports import _in


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _event_day(at: str) -> date:
    moment = from_db(at)
    assert moment is not None
    return paris_date(moment)


def facts_by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, DebtorFacts]:
    """Every dated fact the legal rules need, for each debtor of `ids` (a page at most)."""
    if not ids:
        return {}
    marks = _in(len(ids))
    ids = list(ids)
    segments = dict(conn.execute(f"SELECT id, segment FROM debtors WHERE id IN ({marks})", ids).fetchall())
    invoices: dict[int, list[Invoice]] = defaultdict(list)
    # A partly lettered line counts for its unlettered part (the ledger's rule); the lettered
    # part has no date, so it is taken as settled on time (never a penalty on it).
    for did, ref, issue, due, amount, lettered, lettered_part, settled in conn.execute(
        "SELECT debtor_id, ref, issue_date, due_date, amount_cents, lettered, lettered_cents, settled_on "
        f"FROM invoices WHERE debtor_id IN ({marks})",
        ids,
    ):
        counted = amount if lettered else amount - lettered_part
        invoices[did].append(Invoice(ref, date.fromisoformat(due), counted, _day(issue), bool(lettered), _day(settled)))
    payments: dict[int, list[Payment]] = defaultdict(list)
    for did, paid_on, amount, invoice_ref, lettered, lettered_part in conn.execute(
        "SELECT debtor_id, paid_on, amount_cents, invoice_ref, lettered, lettered_cents "
        f"FROM payments WHERE debtor_id IN ({marks})",
        ids,
    ):
        counted = amount if lettered else amount - lettered_part
        payments[did].append(Payment(date.fromisoformat(paid_on), counted, invoice_ref, bool(lettered)))
    notices: dict[int, list[date]] = defaultdict(list)
    acks: dict[int, list[date]] = defaultdict(list)
    for did, at, channel, direction, outcome in conn.execute(
        f"SELECT debtor_id, at, channel, direction, outcome FROM events WHERE debtor_id IN ({marks}) "
        "AND outcome IN (?, ?)",
        [*ids, FORMAL_NOTICE_OUTCOME, ACKNOWLEDGMENT_OUTCOME],
    ):
        if outcome == FORMAL_NOTICE_OUTCOME and channel == "letter" and direction == "out":
            notices[did].append(_event_day(at))
        elif outcome == ACKNOWLEDGMENT_OUTCOME and channel != "call":
            acks[did].append(_event_day(at))
    return {
        did: DebtorFacts(
            segment,
            tuple(invoices[did]),
            tuple(payments[did]),
            acknowledgments=tuple(acks[did]),
            formal_notices=tuple(notices[did]),
        )
        for did, segment in segments.items()
    }


def possibly_prescribed(conn: sqlite3.Connection, horizon_b2c: str, horizon_b2b: str) -> list[int]:
    """Debtors with an open invoice due on or before the segment's horizon (today − 2 or 5
    years, + the warning days): the only ones prescription may concern."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT d.id FROM debtors d JOIN invoices i ON i.debtor_id = d.id "
            "WHERE i.open_cents > 0 AND ((d.segment = 'B2C' AND i.due_date <= ?) "
            "OR (d.segment = 'B2B' AND i.due_date <= ?)) ORDER BY d.id",
            (horizon_b2c, horizon_b2b),
        )
    ]


def set_overindebted(conn: sqlite3.Connection, debtor_id: int, since: str | None, now: str) -> None:
    conn.execute("UPDATE debtors SET overindebted_since = ?, updated_at = ? WHERE id = ?", (since, now, debtor_id))


def overindebted(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(ref, name, since) of every debtor under an over-indebtedness procedure."""
    return list(
        conn.execute(
            "SELECT ref, name, overindebted_since FROM debtors WHERE overindebted_since IS NOT NULL ORDER BY ref"
        )
    )


def refs_and_names(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    rows = conn.execute(f"SELECT id, ref, name FROM debtors WHERE id IN ({_in(len(ids))})", list(ids))
    return {did: (ref, name) for did, ref, name in rows}
