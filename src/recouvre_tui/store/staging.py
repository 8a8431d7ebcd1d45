"""Staging of big import files (invoices, payments): the parsed rows go to a temporary
table as they are read, and the checks and the upsert are SQL over that table, so memory
stays flat whatever the file's size.

The temporary table belongs to the connection (never to the database file): it is filled
outside the write transaction, in small transactions that lock nothing but itself, then
read inside the import's `BEGIN IMMEDIATE` transaction, and dropped at the end.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from typing import Any

_names = itertools.count(1)

# Staged columns per kind (after `line`), in the order the parser gives them.
COLUMNS = {
    "invoices": ("debtor_ref", "ref", "issue_date", "due_date", "amount_cents", "lettered", "lettered_cents"),
    "payments": ("debtor_ref", "ref", "paid_on", "amount_cents", "invoice_ref"),
}
# Stored columns compared on re-import, and the staged value each is compared with.
_COMPARED = {
    "invoices": (
        ("issue_date", "s.issue_date"),
        ("due_date", "s.due_date"),
        ("amount_cents", "s.amount_cents"),
        # Paid according to the source (`paid_amount`/`open_amount`): whole, or in part.
        ("lettered", "s.lettered"),
        ("settled_on", "NULL"),
        ("lettered_cents", "s.lettered_cents"),
    ),
    "payments": (
        ("paid_on", "s.paid_on"),
        ("amount_cents", "s.amount_cents"),
        ("invoice_ref", "s.invoice_ref"),
        ("lettered", "0"),
        ("lettered_cents", "0"),
    ),
}


class Stage:
    def __init__(self, conn: sqlite3.Connection, kind: str) -> None:
        self.conn, self.kind, self.table = conn, kind, f"import_stage_{next(_names)}"
        cols = ", ".join(f"{c} {'INTEGER' if c.startswith(('amount', 'lettered')) else 'TEXT'}" for c in COLUMNS[kind])
        conn.execute(f"CREATE TEMP TABLE {self.table} (line INTEGER NOT NULL, {cols})")
        self._insert = f"INSERT INTO {self.table} VALUES ({', '.join('?' * (1 + len(COLUMNS[kind])))})"

    def add(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Append rows `(line, *COLUMNS[kind])` in one small transaction (temporary table only)."""
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(self._insert, rows)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def finish(self) -> None:
        """Index the rows once they are all in (faster than keeping the index up to date)."""
        self.conn.execute(f"CREATE INDEX {self.table}_key ON {self.table} (debtor_ref, ref, line)")

    def drop(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{self.table}")

    # --- checks (inside the write transaction) ---------------------------------------------

    def duplicates(self, limit: int) -> tuple[int, list[tuple[int, str, str, int]]]:
        """(count, first `limit` of (line, debtor_ref, ref, first line)) of repeated keys."""
        t = self.table
        body = (
            f"FROM {t} s JOIN (SELECT debtor_ref, ref, MIN(line) AS first FROM {t} "
            f"GROUP BY debtor_ref, ref HAVING COUNT(*) > 1) f ON f.debtor_ref = s.debtor_ref AND f.ref = s.ref "
            "WHERE s.line > f.first"
        )
        return self._count_and_first(body, "s.line, s.debtor_ref, s.ref, f.first", limit)

    def unknown_debtors(self, limit: int) -> tuple[int, list[tuple[int, str]]]:
        body = f"FROM {self.table} s WHERE NOT EXISTS (SELECT 1 FROM debtors d WHERE d.ref = s.debtor_ref)"
        return self._count_and_first(body, "s.line, s.debtor_ref", limit)

    def unknown_invoices(self, limit: int) -> tuple[int, list[tuple[int, str, str]]]:
        """Payments naming an invoice their debtor does not have."""
        body = (
            f"FROM {self.table} s JOIN debtors d ON d.ref = s.debtor_ref WHERE s.invoice_ref IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.debtor_id = d.id AND i.ref = s.invoice_ref)"
        )
        return self._count_and_first(body, "s.line, s.invoice_ref, s.debtor_ref", limit)

    def _count_and_first(self, body: str, columns: str, limit: int) -> tuple[int, list[Any]]:
        (count,) = self.conn.execute(f"SELECT COUNT(*) {body}").fetchone()
        first = (
            self.conn.execute(f"SELECT {columns} {body} ORDER BY s.line LIMIT ?", (limit,)).fetchall() if count else []
        )
        return int(count), first

    # --- plan and apply -----------------------------------------------------------------------

    def _joined(self) -> str:
        """Each staged row with its debtor and the stored row of the same reference, if any;
        `state` is 'new', 'changed' or 'same'."""
        target = self.kind
        same = " AND ".join(
            f"(x.{col} = {value} OR (x.{col} IS NULL AND {value} IS NULL))" for col, value in _COMPARED[self.kind]
        )
        return (
            f"SELECT s.*, d.id AS debtor_id, x.id AS old_id, "
            f"CASE WHEN x.id IS NULL THEN 'new' WHEN {same} THEN 'same' ELSE 'changed' END AS state "
            f"FROM {self.table} s JOIN debtors d ON d.ref = s.debtor_ref "
            f"LEFT JOIN {target} x ON x.debtor_id = d.id AND x.ref = s.ref"
        )

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute(f"SELECT state, COUNT(*) FROM ({self._joined()}) j GROUP BY state")
        return {state: int(n) for state, n in rows}

    def first_changes(self, limit: int) -> list[tuple[Any, ...]]:
        """The first `limit` new or changed rows, in file order: (state, *COLUMNS)."""
        cols = ", ".join(f"j.{c}" for c in COLUMNS[self.kind])
        return self.conn.execute(
            f"SELECT j.state, {cols} FROM ({self._joined()}) j WHERE j.state <> 'same' ORDER BY j.line LIMIT ?",
            (limit,),
        ).fetchall()

    def history_change(self) -> tuple[str | None, int]:
        """What applying would do to the wear history (before `apply`): the earliest date of
        a row new or changed in date or amount (old and new dates), and how many debtors'
        settled parts (amount when lettered, else `lettered_cents`) would move
        (`domain.wear_weeks`)."""
        if self.kind == "invoices":
            new_day, old_day = "coalesce(s.issue_date, s.due_date)", "coalesce(x.issue_date, x.due_date)"
            new_settled = "CASE WHEN s.lettered = 1 THEN s.amount_cents ELSE s.lettered_cents END"
        else:
            new_day, old_day, new_settled = "s.paid_on", "x.paid_on", "0"
        old_settled = "CASE WHEN x.lettered = 1 THEN x.amount_cents ELSE x.lettered_cents END"
        rows = (
            f"FROM {self.table} s JOIN debtors d ON d.ref = s.debtor_ref "
            f"LEFT JOIN {self.kind} x ON x.debtor_id = d.id AND x.ref = s.ref"
        )
        (first,) = self.conn.execute(
            f"SELECT MIN(CASE WHEN x.id IS NULL THEN {new_day} "
            f"WHEN {new_day} <> {old_day} OR s.amount_cents <> x.amount_cents "
            f"THEN CASE WHEN {new_day} < {old_day} THEN {new_day} ELSE {old_day} END END) {rows}"
        ).fetchone()
        (moved,) = self.conn.execute(
            f"SELECT COUNT(*) FROM (SELECT d.id {rows} GROUP BY d.id "
            f"HAVING SUM({new_settled} - coalesce({old_settled}, 0)) <> 0) t"
        ).fetchone()
        return (str(first) if first else None), int(moved)

    def apply(self, *, source: str, now: str) -> set[int]:
        """Insert the new rows (in debtor, reference order: the indexes fill in order), update
        the changed ones; the debtors touched."""
        kind, compared = self.kind, [c for c, _ in _COMPARED[self.kind]]
        values = ", ".join(f"{v.replace('s.', 'j.')} AS {c}" for c, v in _COMPARED[kind])
        stamps = ("created_at", "updated_at") if kind == "invoices" else ("created_at",)
        touched = {
            r[0]
            for r in self.conn.execute(f"SELECT DISTINCT j.debtor_id FROM ({self._joined()}) j WHERE j.state <> 'same'")
        }
        # Changed rows: copied aside first (the join reads the table being updated).
        changed = f"{self.table}_changed"
        self.conn.execute(
            f"CREATE TEMP TABLE {changed} AS SELECT j.old_id AS id, {values} "
            f"FROM ({self._joined()}) j WHERE j.state = 'changed'"
        )
        sets = ", ".join(f"{c} = c.{c}" for c in compared)
        extra = ", updated_at = ?" if kind == "invoices" else ""
        self.conn.execute(
            f"UPDATE {kind} SET {sets}{extra} FROM {changed} c WHERE {kind}.id = c.id",
            (now,) if kind == "invoices" else (),
        )
        self.conn.execute(f"DROP TABLE temp.{changed}")
        self.conn.execute(
            f"INSERT INTO {kind} (debtor_id, ref, {', '.join(compared)}, source, {', '.join(stamps)}) "
            f"SELECT j.debtor_id, j.ref, {values}, ?, {', '.join('?' * len(stamps))} "
            f"FROM ({self._joined()}) j WHERE j.state = 'new' ORDER BY j.debtor_id, j.ref",
            (source, *([now] * len(stamps))),
        )
        return touched
