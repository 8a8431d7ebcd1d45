"""SQL for imports: look up what exists, insert new rows, update changed ones."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

CHUNK = 500


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in(n: int) -> str:
    return ",".join("?" * n)


def known_agents(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT login FROM agents")}


def debtor_ids(conn: sqlite3.Connection, refs: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(refs))
    out: dict[str, int] = {}
    if len(wanted) > 20_000:
        # Large files: one scan beats thousands of IN lookups.
        want = set(wanted)
        for ref, id_ in conn.execute("SELECT ref, id FROM debtors"):
            if ref in want:
                out[ref] = id_
        return out
    for chunk in _chunks(wanted):
        out.update(conn.execute(f"SELECT ref, id FROM debtors WHERE ref IN ({_in(len(chunk))})", chunk))
    return out


DEBTOR_FIELDS = (
    "name",
    "segment",
    "siren",
    "postcode",
    "country",
    "email",
    "sales_rep",
    "agent",
    "area",
    "address",
    "city",
    "tz",
)


def existing_debtors(conn: sqlite3.Connection, refs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """`{ref: {id, ref, *DEBTOR_FIELDS, avg_payment_delay_days, doubtful_cents}}` of the debtors that exist."""
    out: dict[str, dict[str, Any]] = {}
    cols = ("id", "ref", *DEBTOR_FIELDS, "avg_payment_delay_days", "doubtful_cents")
    for chunk in _chunks(sorted(set(refs))):
        for row in conn.execute(f"SELECT {', '.join(cols)} FROM debtors WHERE ref IN ({_in(len(chunk))})", chunk):
            rec = dict(zip(cols, row, strict=True))
            out[rec["ref"]] = rec
    return out


PHONE_FIELDS = ("raw", "e164", "national", "kind", "valid", "region", "tz")


def existing_phones(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, dict[int, tuple[Any, ...]]]:
    """`{debtor_id: {position: (raw, e164, national, kind, valid, region, tz)}}`."""
    out: dict[int, dict[int, tuple[Any, ...]]] = {}
    for chunk in _chunks(sorted(set(ids))):
        for debtor_id, position, *fields in conn.execute(
            f"SELECT debtor_id, position, {', '.join(PHONE_FIELDS)} FROM phones WHERE debtor_id IN ({_in(len(chunk))})",
            chunk,
        ):
            out.setdefault(debtor_id, {})[position] = tuple(fields)
    return out


def insert_debtor(conn: sqlite3.Connection, ref: str, fields: dict[str, Any], now: str) -> int:
    cols = ("ref", *DEBTOR_FIELDS, "created_at", "updated_at")
    values = (ref, *(fields[c] for c in DEBTOR_FIELDS), now, now)
    cur = conn.execute(f"INSERT INTO debtors ({', '.join(cols)}) VALUES ({_in(len(cols))}) RETURNING id", values)
    return int(cur.fetchone()[0])


def update_debtor(conn: sqlite3.Connection, debtor_id: int, fields: dict[str, Any], now: str) -> None:
    sets = ", ".join(f"{c} = ?" for c in fields)
    conn.execute(
        f"UPDATE debtors SET {sets}, updated_at = ? WHERE id = ?",
        (*fields.values(), now, debtor_id),
    )


def replace_phones(
    conn: sqlite3.Connection, debtor_id: int, phones: dict[int, tuple[Any, ...]], *, new: bool = False
) -> None:
    """Replace a debtor's numbers by `{position: (raw, e164, national, kind, valid, region, tz)}`.

    A number flagged "à vérifier" (a wrong-number call) stays flagged while the debtor
    keeps it, whatever its position: the flag follows the E.164 number.
    """
    flagged: set[str] = set()
    if not new:
        flagged = {
            e164
            for (e164,) in conn.execute(
                "SELECT e164 FROM phones WHERE debtor_id = ? AND to_verify = 1 AND e164 IS NOT NULL",
                (debtor_id,),
            )
        }
        conn.execute("DELETE FROM phones WHERE debtor_id = ?", (debtor_id,))
    if phones:
        conn.executemany(
            f"INSERT INTO phones (debtor_id, position, {', '.join(PHONE_FIELDS)}, to_verify) "
            f"VALUES ({_in(3 + len(PHONE_FIELDS))})",
            [(debtor_id, position, *fields, int(fields[1] in flagged)) for position, fields in sorted(phones.items())],
        )


def set_payment_delays(conn: sqlite3.Connection, rows: list[tuple[float | None, int]]) -> None:
    """rows: (avg_payment_delay_days, debtor_id)."""
    conn.executemany("UPDATE debtors SET avg_payment_delay_days = ? WHERE id = ?", rows)


def set_doubtful(conn: sqlite3.Connection, rows: list[tuple[int, int]]) -> None:
    """rows: (doubtful_cents, debtor_id): the debtor's balance on doubtful-customer accounts."""
    conn.executemany("UPDATE debtors SET doubtful_cents = ? WHERE id = ?", rows)


def existing_by_debtor(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], debtor_ids_: Iterable[int]
) -> dict[tuple[int, str], tuple[Any, ...]]:
    """`{(debtor_id, ref): (id, *columns)}` for invoices/payments/promises of those debtors."""
    ids = sorted(set(debtor_ids_))
    out: dict[tuple[int, str], tuple[Any, ...]] = {}
    select = f"SELECT {', '.join(('debtor_id', 'ref', 'id', *columns))} FROM {table}"
    if len(ids) > 20_000:
        want = set(ids)
        for row in conn.execute(select):
            if row[0] in want:
                out[(row[0], row[1])] = row[2:]
        return out
    for chunk in _chunks(ids):
        for row in conn.execute(f"{select} WHERE debtor_id IN ({_in(len(chunk))})", chunk):
            out[(row[0], row[1])] = row[2:]
    return out


def insert_many(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_in(len(columns))})", rows)


def update_many(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Each row is (*values, id)."""
    if rows:
        sets = ", ".join(f"{c} = ?" for c in columns)
        conn.executemany(f"UPDATE {table} SET {sets} WHERE id = ?", rows)


def existing_event_keys(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    out: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks(sorted(set(keys))):
        for key, id_, note in conn.execute(
            f"SELECT import_key, id, note FROM events WHERE import_key IN ({_in(len(chunk))})",
            chunk,
        ):
            out[key] = (id_, note)
    return out


def instalments_of(conn: sqlite3.Connection, promise_ids: Iterable[int]) -> dict[int, list[tuple[int, str, int]]]:
    out: dict[int, list[tuple[int, str, int]]] = {}
    for chunk in _chunks(sorted(set(promise_ids))):
        for pid, seq, due, amount in conn.execute(
            f"SELECT promise_id, seq, due_date, amount_cents FROM instalments "
            f"WHERE promise_id IN ({_in(len(chunk))}) ORDER BY promise_id, seq",
            chunk,
        ):
            out.setdefault(pid, []).append((seq, due, amount))
    return out


def replace_instalments(conn: sqlite3.Connection, promise_id: int, instalments: list[tuple[str, int]]) -> None:
    conn.execute("DELETE FROM instalments WHERE promise_id = ?", (promise_id,))
    conn.executemany(
        "INSERT INTO instalments (promise_id, seq, due_date, amount_cents) VALUES (?, ?, ?, ?)",
        [(promise_id, i, due, amount) for i, (due, amount) in enumerate(instalments, start=1)],
    )


def record_import(conn: sqlite3.Connection, **fields: Any) -> None:
    cols = (
        "kind",
        "file_name",
        "sha256",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "actor",
        "at",
    )
    conn.execute(
        f"INSERT INTO imports ({', '.join(cols)}) VALUES ({_in(len(cols))})",
        tuple(fields[c] for c in cols),
    )


def insert_imported_promise(
    conn: sqlite3.Connection, debtor_id: int, ref: str, created_at: str, recorded_on: str, plan: list[tuple[str, int]]
) -> int:
    cur = conn.execute(
        "INSERT INTO promises (debtor_id, ref, created_at, recorded_on, total_cents, last_due, source) "
        "VALUES (?, ?, ?, ?, ?, ?, 'import') RETURNING id",
        (debtor_id, ref, created_at, recorded_on, sum(a for _, a in plan), plan[-1][0]),
    )
    promise_id = int(cur.fetchone()[0])
    replace_instalments(conn, promise_id, plan)
    return promise_id


def update_imported_promise(
    conn: sqlite3.Connection, promise_id: int, created_at: str, recorded_on: str, plan: list[tuple[str, int]]
) -> int:
    """Returns the promise's debtor id."""
    conn.execute(
        "UPDATE promises SET created_at = ?, recorded_on = ?, total_cents = ?, last_due = ? WHERE id = ?",
        (created_at, recorded_on, sum(a for _, a in plan), plan[-1][0], promise_id),
    )
    replace_instalments(conn, promise_id, plan)
    return int(conn.execute("SELECT debtor_id FROM promises WHERE id = ?", (promise_id,)).fetchone()[0])


def attribute_promises(conn: sqlite3.Connection, debtor_ids: Iterable[int]) -> None:
    """Imported promises take the agent and event of the `promise`/`plan` call made at the
    same instant (the two files arrive in either order), so figures per agent include them."""
    match = (
        "FROM events e WHERE e.debtor_id = promises.debtor_id AND e.at = promises.created_at "
        "AND e.channel = 'call' AND e.outcome IN ('promise', 'plan') AND e.agent IS NOT NULL"
    )
    for chunk in _chunks(sorted(set(debtor_ids))):
        conn.execute(
            f"UPDATE promises SET agent = (SELECT e.agent {match} ORDER BY e.id LIMIT 1), "
            f"event_id = COALESCE(event_id, (SELECT e.id {match} ORDER BY e.id LIMIT 1)) "
            f"WHERE agent IS NULL AND debtor_id IN ({_in(len(chunk))}) AND EXISTS (SELECT 1 {match})",
            chunk,
        )
