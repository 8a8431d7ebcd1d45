"""Import use case: parse a file, check it against the database, upsert it in one transaction.

A file is applied whole or not at all: parsing collects every problem first, then the
references are checked inside the same `BEGIN IMMEDIATE` transaction that writes. Upserts
are by external reference, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..domain.areas import METROPOLE, area_for_postcode
from ..domain.config import Settings
from ..domain.dates import PARIS, from_db, paris_date, to_db
from ..domain.events import classify
from ..domain.money import format_eur
from ..domain.phones import PhoneInfo, area_for_phone, normalise_phone
from ..domain.wear_weeks import HistoryChange, settled_part
from ..importers.csv_formats import (
    DebtorRow,
    EventRow,
    InvoiceRow,
    PaymentRow,
    PromiseInstalmentRow,
    parse_csv,
)
from ..importers.fec import FecInvoice, FecLedger, FecPayment, parse_fec
from ..importers.reader import MAX_ISSUES, ImportRejected, Issue, by_line, check_size, file_digest
from ..store import audit
from ..store import imports as sql
from ..store.db import Store
from ..store.staging import Stage
from .ledger_effects import after_ledger_change
from .wear_history import history_written

log = logging.getLogger(__name__)

KINDS = ("debtors", "invoices", "payments", "events", "promises", "fec")

Progress = Callable[[str, int, int], None]
MAX_EXAMPLES = 10
# Events stamped a little after `now` are tolerated (clocks of the exporting system).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class ImportResult:
    kind: str
    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    warnings: list[Issue] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # a few changes, for --dry-run
    notes: list[str] = field(default_factory=list)  # what a FEC import did with the ledger
    preview: list[str] = field(default_factory=list)  # the first rows as read through --columns

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


@dataclass
class _Plan:
    """What applying the file would do; `apply` performs it on the open transaction."""

    result: ImportResult
    issues: list[Issue] = field(default_factory=list)
    omitted: int = 0  # problems counted but not listed (beyond MAX_ISSUES of a kind)
    apply: Callable[[sqlite3.Connection], set[int]] = lambda conn: set()
    history: HistoryChange = field(default_factory=HistoryChange)  # what `apply` does to wear history

    @property
    def wants_example(self) -> bool:
        """Build an example's text only when it will be kept (files have a million rows)."""
        return len(self.result.examples) < MAX_EXAMPLES

    def example(self, text: str) -> None:
        if self.wants_example:
            self.result.examples.append(text)


def import_file(
    store: Store,
    kind: str,
    path: Path | str,
    *,
    now: datetime,
    actor: str,
    settings: Settings,
    dry_run: bool = False,
    data: bytes | None = None,
    progress: Progress | None = None,
    columns: dict[str, str] | None = None,
) -> ImportResult:
    """Import `path` as `kind`; raise `ImportRejected` (database unchanged) on any problem.

    `columns` maps the file's headers to ours (`{"Numéro Facture": "invoice_ref"}`; CSV only)."""
    if kind not in KINDS:
        raise ValueError(f"type d'import inconnu : {kind}")
    started = time.perf_counter()
    p = Path(path)
    if data is None:
        check_size(p, settings.max_import_mb * 1024 * 1024)  # before reading anything
    digest = file_digest(p, data)
    if kind in STAGED_KINDS:
        # Big files: rows go to a temporary table as they are read (flat memory); the
        # connection is ours from the first staged row to the end of the transaction.
        with store.lock:
            stage = Stage(store.conn, kind)
            try:
                return _import(
                    store, kind, p, digest, now, actor, settings, dry_run, data, progress, stage, columns, started
                )
            finally:
                stage.drop()
    return _import(store, kind, p, digest, now, actor, settings, dry_run, data, progress, None, columns, started)


def _import(
    store: Store,
    kind: str,
    p: Path,
    digest: str,
    now: datetime,
    actor: str,
    settings: Settings,
    dry_run: bool,
    data: bytes | None,
    progress: Progress | None,
    stage: Stage | None,
    columns: dict[str, str] | None,
    started: float,
) -> ImportResult:
    if progress:
        progress("lecture", 0, 1)
    parsed: Any
    parse_issues: list[Issue] = []
    if kind == "fec" and columns:
        raise ImportRejected(
            [Issue(p.name, 0, "", "--columns ne s'applique pas à un FEC (colonnes fixées par la norme)")]
        )
    preview: list[str] = []
    omitted = 0
    if kind == "fec":
        parsed = parse_fec(
            p,
            terms_days=settings.fec_payment_terms_days,
            data=data,
            prefixes=settings.fec_receivable_prefixes,
            credit_note_journals=settings.fec_credit_note_journals,
        )
        records: Any = parsed
        rows, warnings = parsed.row_count, parsed.warnings
    else:
        sink = None if stage is None else _stager(stage)
        if sink is not None and columns:
            sink = _previewing(sink, preview)
        parsed = parse_csv(kind, p, data=data, columns=columns, sink=sink)
        records, rows, warnings = parsed.records, parsed.row_count, parsed.warnings
        if columns and stage is None:
            preview = [_preview(r) for r in records[:3]]
        parse_issues, omitted = parsed.issues, parsed.omitted
        if stage is not None:
            stage.finish()
            records = stage
    if progress:
        progress("lecture", 1, 1)
    planner = _plan_staged if stage is not None else _PLANNERS[kind]

    def plan(conn: sqlite3.Connection) -> _Plan:
        result = ImportResult(kind, p.name, rows, dry_run=dry_run, warnings=list(warnings), preview=preview)
        pl = _Plan(result)
        # The rows that parsed are checked against the database even when others did
        # not, so that the user gets every error of the file in one go.
        planner(conn, pl, records, now, actor, settings)
        if pl.issues or parse_issues or omitted or pl.omitted:
            raise ImportRejected(by_line(parse_issues + pl.issues), pl.result.warnings, omitted=omitted + pl.omitted)
        return pl

    try:
        with store.write() as conn:
            pl = plan(conn)
            if progress:
                progress("écriture", 0, 1)
            touched = pl.apply(conn)
            res = pl.result
            if dry_run:
                raise _DryRunDone(res)
            if touched:
                after_ledger_change(conn, touched, now=now, settings=settings, kind=kind)
            history_written(conn, pl.history.since(), now=now)
            sql.record_import(
                conn,
                kind=kind,
                file_name=p.name,
                sha256=digest,
                rows=rows,
                inserted=res.inserted,
                updated=res.updated,
                unchanged=res.unchanged,
                actor=actor,
                at=to_db(now),
            )
            audit.record(
                conn,
                now=now,
                actor=actor,
                action="import",
                entity=kind,
                entity_ref=p.name,
                details={
                    "rows": rows,
                    "inserted": res.inserted,
                    "updated": res.updated,
                    "sha256": digest,
                    **({"ledger": res.notes} if res.notes else {}),
                },
            )
    except _DryRunDone as done:
        _log_import(done.result, actor, started)
        return done.result
    except ImportRejected as rejected:
        # The count only: the problems quote cell values (names, phone numbers).
        log.warning(
            "import %s %s by %s rejected: %d problem(s), database unchanged",
            kind,
            p.name,
            actor,
            len(rejected.issues),
        )
        raise
    if progress:
        progress("écriture", 1, 1)
    _log_import(res, actor, started)
    return res


def _previewing(sink: Callable[[list[Any]], None], preview: list[str]) -> Callable[[list[Any]], None]:
    """A staging sink that also keeps the first rows as read, for --dry-run --columns."""

    def take(batch: list[Any]) -> None:
        for record in batch[: 3 - len(preview)]:
            preview.append(_preview(record))
        sink(batch)

    return take


def _preview(record: Any) -> str:
    """One record as read (after the column mapping), for --dry-run."""
    parts = []
    for name in record.__slots__:
        value = getattr(record, name)
        if name == "line" or value is None:
            continue
        if name.endswith("_cents"):
            value = format_eur(value)
        elif isinstance(value, date):
            value = f"{value:%d/%m/%Y}"
        parts.append(f"{name}={value}")
    return f"ligne {record.line} : " + " · ".join(parts)


def _log_import(res: ImportResult, actor: str, started: float) -> None:
    log.info(
        "import %s %s by %s%s: rows=%d inserted=%d updated=%d unchanged=%d warnings=%d seconds=%.2f",
        res.kind,
        res.file,
        actor,
        " (dry run)" if res.dry_run else "",
        res.rows,
        res.inserted,
        res.updated,
        res.unchanged,
        len(res.warnings),
        time.perf_counter() - started,
    )


class _DryRunDone(Exception):
    """Raised inside the transaction to roll a dry run back after planning and applying it."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


# --- debtors -----------------------------------------------------------------------------

Phones = dict[int, tuple[Any, ...]]  # position → (raw, e164, national, kind, valid, region, tz)


def _phone_fields(info: PhoneInfo) -> tuple[Any, ...]:
    return (info.raw, info.e164, info.national, info.kind, int(info.valid), info.region, info.tz)


def _debtor_fields(row: DebtorRow) -> tuple[dict[str, Any], Phones]:
    """The debtor's columns and numbers; the area comes from the postcode, else the phones.

    A number is read in the postcode's area, so the stored number (not only the raw text)
    is compared on re-import: a postcode that moves the debtor re-reads its numbers.
    """
    pc_area = area_for_postcode(row.postcode) if row.country in (None, "FR", "FRANCE") else None
    infos = [(pos, normalise_phone(raw, pc_area)) for pos, raw in ((1, row.phone), (2, row.phone2)) if raw]
    area = pc_area
    if area is None:
        area = next((a for _, info in infos if (a := area_for_phone(info)) is not None), METROPOLE)
    fields = {
        "name": row.name,
        "segment": row.segment,
        "siren": row.siren,
        "postcode": row.postcode,
        "country": row.country,
        "email": row.email,
        "sales_rep": row.sales_rep,
        "agent": row.agent,
        "address": row.address,
        "city": row.city,
        "area": area.code,
        "tz": area.tz,
    }
    return fields, {pos: _phone_fields(info) for pos, info in infos}


def _plan_debtors(conn, pl: _Plan, records: list[DebtorRow], now, actor, settings) -> None:
    agents = sql.known_agents(conn)
    existing = sql.existing_debtors(conn, [r.ref for r in records])
    phones_now = sql.existing_phones(conn, [e["id"] for e in existing.values()])
    inserts: list[tuple[DebtorRow, dict[str, Any], Phones]] = []
    updates: list[tuple[int, dict[str, Any], Phones | None]] = []
    for row in records:
        if row.agent and row.agent not in agents:
            pl.issues.append(
                Issue(pl.result.file, row.line, "agent", f"agent inconnu « {row.agent} » (recouvre agents add)")
            )
            continue
        fields, phones = _debtor_fields(row)
        old = existing.get(row.ref)
        if old is None:
            inserts.append((row, fields, phones))
            pl.example(f"+ débiteur {row.ref} {row.name}")
            continue
        if row.agent is None:
            fields.pop("agent")  # an empty agent column keeps the current assignment
        changed = {k: v for k, v in fields.items() if old[k] != v}
        phones_changed = phones_now.get(old["id"], {}) != phones
        if changed or phones_changed:
            updates.append((old["id"], changed, phones if phones_changed else None))
            what = sorted(changed) + (["téléphones"] if phones_changed else [])
            pl.example(f"~ débiteur {row.ref} : {', '.join(what)}")
        else:
            pl.result.unchanged += 1
    pl.result.inserted, pl.result.updated = len(inserts), len(updates)

    def apply(conn: sqlite3.Connection) -> set[int]:
        ts = to_db(now)
        touched: set[int] = set()
        for row, fields, phones in inserts:
            debtor_id = sql.insert_debtor(conn, row.ref, fields, ts)
            sql.replace_phones(conn, debtor_id, phones, new=True)
        for debtor_id, changed, new_phones in updates:
            if changed:
                sql.update_debtor(conn, debtor_id, changed, ts)
            if new_phones is not None:
                sql.replace_phones(conn, debtor_id, new_phones)
            touched.add(debtor_id)
        return touched

    pl.apply = apply


# --- invoices and payments ------------------------------------------------------------------


def _resolve_debtors(conn, pl: _Plan, records: list[Any]) -> dict[str, int]:
    refs = {r.debtor_ref for r in records}
    ids = sql.debtor_ids(conn, refs)
    if len(ids) < len(refs):
        for r in records:
            if r.debtor_ref not in ids:
                pl.issues.append(
                    Issue(
                        pl.result.file,
                        r.line,
                        "debtor_ref",
                        f"débiteur inconnu « {r.debtor_ref} » (importez d'abord les débiteurs)",
                    )
                )
    return ids


_INVOICE_COLS = ("issue_date", "due_date", "amount_cents", "lettered", "settled_on", "lettered_cents")


def _plan_invoices(
    conn, pl: _Plan, records: list[InvoiceRow] | list[FecInvoice], now, actor, settings, source: str = "csv"
) -> None:
    """Invoices from a CSV file (`InvoiceRow`) or a FEC (`FecInvoice`: lettered, settled_on)."""
    ids = _resolve_debtors(conn, pl, records)
    known = [r for r in records if r.debtor_ref in ids] if pl.issues else records
    existing = sql.existing_by_debtor(conn, "invoices", _INVOICE_COLS, ids.values())
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    ts = to_db(now)
    result = pl.result
    iso = _IsoDates()
    for r in known:
        did = ids[r.debtor_ref]
        issue = r.issue_date
        if isinstance(r, FecInvoice):
            lettered, settled = int(r.lettered), (iso[r.settled_on] if r.settled_on else None)
            part = r.lettered_cents
        else:
            lettered, part = _paid_in_source(r)
            settled = None
        values = (iso[issue] if issue else None, iso[r.due_date], r.amount_cents, lettered, settled, part)
        old = existing.get((did, r.ref)) if existing else None
        if old is None:
            inserts.append((did, r.ref, *values, source, ts, ts))
            pl.history.dated(issue or r.due_date)
            pl.history.settled(did, -settled_part(lettered, r.amount_cents, part))
            if pl.wants_example:
                pl.example(f"+ facture {r.debtor_ref}/{r.ref} {format_eur(r.amount_cents)}")
        elif old[1:] != values:
            updates.append((*values, ts, old[0]))
            _invoice_history(pl.history, did, old, values)
            if pl.wants_example:
                pl.example(f"~ facture {r.debtor_ref}/{r.ref}")
        else:
            result.unchanged += 1
    result.inserted += len(inserts)
    result.updated += len(updates)

    def apply(conn: sqlite3.Connection) -> set[int]:
        # Inserted in (debtor, reference) order: the indexes on invoices are filled in order.
        inserts.sort(key=_debtor_then_ref)
        sql.insert_many(
            conn, "invoices", ("debtor_id", "ref", *_INVOICE_COLS, "source", "created_at", "updated_at"), inserts
        )
        sql.update_many(conn, "invoices", (*_INVOICE_COLS, "updated_at"), updates)
        return {i[0] for i in inserts} | _ids_of(conn, "invoices", [u[-1] for u in updates])

    pl.apply = apply


def _invoice_history(history: HistoryChange, did: int, old: tuple[Any, ...], new: tuple[Any, ...]) -> None:
    """An invoice changed from `old` (id, *_INVOICE_COLS) to `new` (_INVOICE_COLS)."""
    old_day, new_day = old[1] or old[2], new[0] or new[1]
    if old_day != new_day or old[3] != new[2]:
        history.dated(date.fromisoformat(old_day), date.fromisoformat(new_day))
    history.settled(did, settled_part(old[4], old[3], old[6]) - settled_part(new[3], new[2], new[5]))


def _payment_history(history: HistoryChange, did: int, old: tuple[Any, ...], new: tuple[Any, ...]) -> None:
    """A payment changed from `old` (id, *_PAYMENT_COLS) to `new` (_PAYMENT_COLS)."""
    if old[1] != new[0] or old[2] != new[1]:
        history.dated(date.fromisoformat(old[1]), date.fromisoformat(new[0]))
    history.settled(did, settled_part(new[3], new[1], new[4]) - settled_part(old[4], old[2], old[5]))


# Sort key of insert rows: (debtor_id, ref).
_debtor_then_ref = itemgetter(0, 1)


class _IsoDates(dict[date, str]):
    """`date.isoformat()` remembered: a big file has a few thousand distinct dates."""

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


def _ids_of(conn: sqlite3.Connection, table: str, row_ids: list[int]) -> set[int]:
    """The debtors of those invoices/payments (by row id)."""
    out: set[int] = set()
    for chunk in sql._chunks(row_ids):
        out.update(
            r[0] for r in conn.execute(f"SELECT debtor_id FROM {table} WHERE id IN ({sql._in(len(chunk))})", chunk)
        )
    return out


_PAYMENT_COLS = ("paid_on", "amount_cents", "invoice_ref", "lettered", "lettered_cents")


def _plan_payments(
    conn, pl: _Plan, records: list[PaymentRow] | list[FecPayment], now, actor, settings, source: str = "csv"
) -> None:
    """Payments from a CSV file (`PaymentRow`, maybe naming an invoice) or a FEC (`FecPayment`)."""
    ids = _resolve_debtors(conn, pl, records)
    known = [r for r in records if r.debtor_ref in ids] if pl.issues else records
    fec = source == "fec"
    invoice_refs = set() if fec else set(sql.existing_by_debtor(conn, "invoices", (), ids.values()))
    existing = sql.existing_by_debtor(conn, "payments", _PAYMENT_COLS, ids.values())
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    ts = to_db(now)
    result = pl.result
    iso = _IsoDates()
    for r in known:
        did = ids[r.debtor_ref]
        inv = None if isinstance(r, FecPayment) else r.invoice_ref
        if inv and (did, inv) not in invoice_refs:
            pl.issues.append(
                Issue(
                    pl.result.file, r.line, "invoice_ref", f"facture inconnue « {inv} » pour le débiteur {r.debtor_ref}"
                )
            )
            continue
        fec_row = r if isinstance(r, FecPayment) else None
        values = (
            iso[r.paid_on],
            r.amount_cents,
            inv,
            int(fec_row.lettered) if fec_row else 0,
            fec_row.lettered_cents if fec_row else 0,
        )
        old = existing.get((did, r.ref)) if existing else None
        if old is None:
            inserts.append((did, r.ref, *values, source, ts))
            pl.history.dated(r.paid_on)
            pl.history.settled(did, settled_part(values[3], r.amount_cents, values[4]))
            if pl.wants_example:
                pl.example(f"+ paiement {r.debtor_ref}/{r.ref} {format_eur(r.amount_cents)}")
        elif old[1:] != values:
            updates.append((*values, old[0]))
            _payment_history(pl.history, did, old, values)
            if pl.wants_example:
                pl.example(f"~ paiement {r.debtor_ref}/{r.ref}")
        else:
            result.unchanged += 1
    result.inserted += len(inserts)
    result.updated += len(updates)

    def apply(conn: sqlite3.Connection) -> set[int]:
        inserts.sort(key=_debtor_then_ref)
        sql.insert_many(conn, "payments", ("debtor_id", "ref", *_PAYMENT_COLS, "source", "created_at"), inserts)
        sql.update_many(conn, "payments", _PAYMENT_COLS, updates)
        return {i[0] for i in inserts} | _ids_of(conn, "payments", [u[-1] for u in updates])

    pl.apply = apply


# --- events ---------------------------------------------------------------------------------


def _in_future(r: EventRow, now: datetime) -> str | None:
    """The event's date as shown in the error when it is after `now`, else None.

    A date-time is compared as an instant (with a little clock skew allowed); a bare date
    (local midnight) is in the future when its Paris day is after today's.
    """
    if r.has_time:
        if r.at > now + CLOCK_SKEW:
            return f"{r.at.astimezone(PARIS):%d/%m/%Y %H:%M}, heure de Paris"
        return None
    day = paris_date(r.at)
    return f"{day:%d/%m/%Y}" if day > paris_date(now) else None


def _plan_events(conn, pl: _Plan, records: list[EventRow], now, actor, settings) -> None:
    file = pl.result.file
    ids = _resolve_debtors(conn, pl, records)
    for r in records:
        if (shown := _in_future(r, now)) is not None:
            pl.issues.append(Issue(file, r.line, "at", f"date dans le futur ({shown})"))
    # Events of agents we do not know are kept (history from another tool, former
    # agents) but said once per login: a typo would skew "same agent" recommendations.
    agents = sql.known_agents(conn)
    unknown: dict[str, int] = {}
    for r in records:
        if r.agent and r.agent not in agents:
            unknown.setdefault(r.agent, r.line)
    for login, line in unknown.items():
        pl.result.warnings.append(
            Issue(file, line, "agent", f"agent inconnu « {login} » : événements gardés tels quels")
        )
    keys = [r.import_key for r in records]
    existing = sql.existing_event_keys(conn, keys)
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}
    ts = to_db(now)
    for r, key in zip(records, keys, strict=True):
        if key in seen:
            pl.issues.append(
                Issue(file, r.line, "at", f"événement en double dans le fichier (déjà à la ligne {seen[key]})")
            )
            continue
        seen[key] = r.line
        did = ids.get(r.debtor_ref)
        if did is None:
            continue  # already reported
        old = existing.get(key)
        if old is None:
            inserts.append(
                (
                    did,
                    to_db(r.at),
                    int(r.has_time),
                    r.channel,
                    r.direction,
                    r.outcome,
                    classify(r.channel, r.direction, r.outcome).value,
                    r.agent,
                    r.note,
                    key,
                    "import",
                    actor,
                    ts,
                )
            )
            pl.history.dated(paris_date(r.at))
            if pl.wants_example:
                pl.example(f"+ événement {r.debtor_ref} {_event_label(r)}")
        elif old[1] != r.note:
            updates.append((r.note, old[0]))
            if pl.wants_example:
                pl.example(f"~ événement {r.debtor_ref} {_event_label(r)} : note")
        else:
            pl.result.unchanged += 1
    pl.result.inserted, pl.result.updated = len(inserts), len(updates)

    def apply(conn: sqlite3.Connection) -> set[int]:
        sql.insert_many(
            conn,
            "events",
            (
                "debtor_id",
                "at",
                "has_time",
                "channel",
                "direction",
                "outcome",
                "kind",
                "agent",
                "note",
                "import_key",
                "source",
                "created_by",
                "created_at",
            ),
            inserts,
        )
        sql.update_many(conn, "events", ("note",), updates)
        touched = {i[0] for i in inserts}
        sql.attribute_promises(conn, touched)
        return touched

    pl.apply = apply


def _event_label(r: EventRow) -> str:
    local = r.at.astimezone(PARIS)
    when = f"{local:%d/%m/%Y %H:%M}" if r.has_time else f"{local:%d/%m/%Y}"
    return f"{when} {r.channel}/{r.direction}" + (f" {r.outcome}" if r.outcome else "")


# --- promises -------------------------------------------------------------------------------


def _plan_promises(conn, pl: _Plan, records: list[PromiseInstalmentRow], now, actor, settings) -> None:
    ids = _resolve_debtors(conn, pl, records)
    groups: dict[tuple[str, str], list[PromiseInstalmentRow]] = defaultdict(list)
    for r in records:
        if r.debtor_ref in ids:
            groups[(r.debtor_ref, r.promise_ref)].append(r)
    existing = sql.existing_by_debtor(conn, "promises", ("created_at", "status"), ids.values())
    current = sql.instalments_of(conn, [v[0] for v in existing.values()])
    inserts: list[tuple[int, str, datetime, list[tuple[str, int]]]] = []
    updates: list[tuple[int, datetime, list[tuple[str, int]]]] = []
    for (dref, pref), rows in groups.items():
        first = rows[0]
        for r in rows[1:]:
            if r.created_at != first.created_at:
                pl.issues.append(
                    Issue(
                        pl.result.file,
                        r.line,
                        "created_at",
                        f"date de la promesse « {pref} » différente de la ligne {first.line}",
                    )
                )
        if paris_date(first.created_at) > paris_date(now):
            pl.issues.append(Issue(pl.result.file, first.line, "created_at", "promesse enregistrée dans le futur"))
        for r in rows:
            if r.due_date < paris_date(first.created_at):
                pl.issues.append(
                    Issue(
                        pl.result.file,
                        r.line,
                        "due_date",
                        "échéance antérieure à l'enregistrement de la promesse",
                    )
                )
        plan = [(r.due_date.isoformat(), r.amount_cents) for r in sorted(rows, key=lambda x: x.due_date)]
        did = ids[dref]
        old = existing.get((did, pref))
        if old is None:
            inserts.append((did, pref, first.created_at, plan))
            pl.history.dated(paris_date(first.created_at))
            pl.example(f"+ promesse {dref}/{pref} ({len(plan)} échéance(s))")
        elif old[1] != to_db(first.created_at) or [(d, a) for _, d, a in current.get(old[0], [])] != plan:
            updates.append((old[0], first.created_at, plan))
            was = from_db(old[1])
            pl.history.dated(paris_date(first.created_at), paris_date(was) if was else None)
            pl.example(f"~ promesse {dref}/{pref}")
        else:
            pl.result.unchanged += 1
    pl.result.inserted, pl.result.updated = len(inserts), len(updates)

    def apply(conn: sqlite3.Connection) -> set[int]:
        touched = set()
        for did, pref, created, plan in inserts:
            sql.insert_imported_promise(conn, did, pref, to_db(created), paris_date(created).isoformat(), plan)
            touched.add(did)
        for pid, created, plan in updates:
            touched.add(sql.update_imported_promise(conn, pid, to_db(created), paris_date(created).isoformat(), plan))
        sql.attribute_promises(conn, touched)
        return touched

    pl.apply = apply


# --- FEC ------------------------------------------------------------------------------------


def _plan_fec(conn, pl: _Plan, ledger: FecLedger, now, actor, settings) -> None:
    """Debtors first (they must exist for invoices and payments), then the ledger lines.

    This runs inside the write transaction (also for --dry-run, which rolls back), so
    creating the debtors while planning is safe: any issue rolls everything back.
    A debtor counts as updated when its name or its payment delay changes; a file without
    lettered pairs for a debtor keeps the delay known from earlier files.
    """
    ts = to_db(now)
    pl.result.notes = ledger.summary()
    existing = sql.existing_debtors(conn, ledger.debtors)
    touched: set[int] = set()
    delays: list[tuple[float | None, int]] = []
    doubtful: list[tuple[int, int]] = []
    for ref, name in ledger.debtors.items():
        delay = ledger.average_delay(ref)
        doubt = max(ledger.doubtful.get(ref, 0), 0)
        old = existing.get(ref)
        if old is None:
            fields = dict.fromkeys(sql.DEBTOR_FIELDS)
            fields.update(name=name, segment=settings.fec_segment, area=METROPOLE.code, tz=METROPOLE.tz)
            debtor_id = sql.insert_debtor(conn, ref, fields, ts)
            touched.add(debtor_id)
            if delay is not None:
                delays.append((delay, debtor_id))
            if doubt:
                doubtful.append((doubt, debtor_id))
            pl.result.inserted += 1
            pl.example(f"+ débiteur {ref} {name}")
            continue
        renamed = old["name"] != name
        new_delay = delay is not None and delay != old["avg_payment_delay_days"]
        new_doubt = doubt != old["doubtful_cents"]
        if new_doubt:
            doubtful.append((doubt, old["id"]))
        if not (renamed or new_delay or new_doubt):
            pl.result.unchanged += 1
            continue
        if renamed:
            sql.update_debtor(conn, old["id"], {"name": name}, ts)
        if new_delay:
            delays.append((delay, old["id"]))
        touched.add(old["id"])
        pl.result.updated += 1
        what = (
            (["nom"] if renamed else [])
            + (["délai de paiement"] if new_delay else [])
            + (["client douteux"] if new_doubt else [])
        )
        pl.example(f"~ débiteur {ref} : {', '.join(what)}")
    sql.set_payment_delays(conn, delays)
    sql.set_doubtful(conn, doubtful)
    sub = [_Plan(ImportResult(k, pl.result.file, 0)) for k in ("invoices", "payments")]
    _plan_invoices(conn, sub[0], ledger.invoices, now, actor, settings, source="fec")
    _plan_payments(conn, sub[1], ledger.payments, now, actor, settings, source="fec")
    for s in sub:
        pl.history.merge(s.history)
        pl.issues.extend(s.issues)
        pl.result.inserted += s.result.inserted
        pl.result.updated += s.result.updated
        pl.result.unchanged += s.result.unchanged
        for e in s.result.examples:
            pl.example(e)
    pl.apply = lambda conn: touched | sub[0].apply(conn) | sub[1].apply(conn)


# --- staged files (invoices, payments) --------------------------------------------------------

STAGED_KINDS = ("invoices", "payments")
_LABEL = {"invoices": "facture", "payments": "paiement"}


def _paid_in_source(r: InvoiceRow) -> tuple[int, int]:
    """(lettered, lettered_cents) of a CSV invoice from what the source says is paid
    (`paid_amount`/`open_amount`, e.g. through --columns « Montant payé »): settled whole,
    or in part for that amount."""
    paid = r.paid_cents
    whole = 0 < r.amount_cents <= paid
    return int(whole), 0 if whole else paid


def _stager(stage: Stage) -> Callable[[list[Any]], None]:
    """The parser's sink: records → staged rows (dates as ISO text, as stored)."""
    iso = _IsoDates()
    if stage.kind == "invoices":
        return lambda records: stage.add(
            [
                (
                    r.line,
                    r.debtor_ref,
                    r.ref,
                    iso[r.issue_date] if r.issue_date else None,
                    iso[r.due_date],
                    r.amount_cents,
                    *_paid_in_source(r),
                )
                for r in records
            ]
        )
    return lambda records: stage.add(
        [(r.line, r.debtor_ref, r.ref, iso[r.paid_on], r.amount_cents, r.invoice_ref) for r in records]
    )


def _plan_staged(conn, pl: _Plan, stage: Stage, now, actor, settings) -> None:
    """Invoices or payments of a CSV file, checked and planned in SQL over the staged rows."""
    file, issues = pl.result.file, pl.issues
    count, dups = stage.duplicates(MAX_ISSUES)
    column = "invoice_ref" if stage.kind == "invoices" else "payment_ref"
    for line, dref, ref, first in dups:
        message = f"référence en double dans le fichier « {dref} / {ref} » (déjà à la ligne {first})"
        issues.append(Issue(file, line, column, message))
    pl.omitted += count - len(dups)
    count, unknown = stage.unknown_debtors(MAX_ISSUES)
    for line, dref in unknown:
        issues.append(Issue(file, line, "debtor_ref", f"débiteur inconnu « {dref} » (importez d'abord les débiteurs)"))
    pl.omitted += count - len(unknown)
    if stage.kind == "payments":
        count, missing = stage.unknown_invoices(MAX_ISSUES)
        for line, inv, dref in missing:
            issues.append(Issue(file, line, "invoice_ref", f"facture inconnue « {inv} » pour le débiteur {dref}"))
        pl.omitted += count - len(missing)
    if issues or pl.omitted:
        return
    counts = stage.counts()
    pl.result.inserted, pl.result.updated = counts.get("new", 0), counts.get("changed", 0)
    pl.result.unchanged = counts.get("same", 0)
    for state, dref, ref, *values in stage.first_changes(MAX_EXAMPLES):
        amount = values[2] if stage.kind == "invoices" else values[1]
        shown = f" {format_eur(amount)}" if state == "new" else ""
        pl.example(f"{'+' if state == 'new' else '~'} {_LABEL[stage.kind]} {dref}/{ref}{shown}")
    earliest_day, moved = stage.history_change()
    pl.history.dated(date.fromisoformat(earliest_day) if earliest_day else None)
    if moved:
        pl.history.all_weeks()
    pl.apply = lambda conn: stage.apply(source="csv", now=to_db(now))


_PLANNERS: dict[str, Callable[..., None]] = {
    "debtors": _plan_debtors,
    "invoices": _plan_invoices,
    "payments": _plan_payments,
    "events": _plan_events,
    "promises": _plan_promises,
    "fec": _plan_fec,
}
