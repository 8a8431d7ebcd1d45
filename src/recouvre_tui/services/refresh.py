"""The nightly refresh: balances, promise status, scores, expired claims, WAL checkpoint.

Idempotent (it recomputes state from facts), refuses to run twice at once (a row in
`job_locks`), and works in chunks of debtor ids so agents' own writes never wait long:

1. *read* (a snapshot, no lock): check each debtor's balance against its invoices and
   payments (`ledger.balance_mismatches`), evaluate its promises, and score it again with
   today's date. Imports and outcomes already keep balances and history-based score inputs
   (never reached, wear streak) current in their own transactions, so the nightly only needs
   the stored inputs, today's date and the promises' new status, not the whole history;
2. *write* (a short `BEGIN IMMEDIATE`): save what changed. Whatever was written since the
   snapshot is known from the audit trail (every write is audited): the debtors an agent
   touched meanwhile, and those whose balance disagreed with the ledger, are recomputed from
   all their facts inside the transaction; after an import, the whole chunk is.

`full=True` (`recouvre refresh --full`) recomputes every debtor from all its facts
(balances with the FIFO, history sums), chunk by chunk inside the write transactions:
slower, for repairs.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..domain.config import Settings
from ..domain.dates import paris_date, to_db
from ..store import audit, jobs
from ..store import disputes as dispute_sql
from ..store.db import Store, open_db
from ..store.imports import debtor_ids as debtor_ids_by_ref
from ..store.ledger import balance_mismatches
from ..store.promises import refresh_priority_class
from ..store.queue import end_rests, release_expired
from ..store.scores import (
    ScoreRow,
    score_inputs,
    stored_scores,
    update_score_rows,
    update_scores,
    upsert_score_rows,
)
from .calendars import store_calendars
from .ledger_effects import after_ledger_change
from .promise_tracking import PromiseEvaluation, compute_promises
from .scoring import Scorer, days_past_due

LOCK = "refresh"
LOCK_HOURS = 6  # a crashed run's lock is taken over after this long
CHUNK_DEBTORS = 1_000
CHECKPOINT_EVERY = 25  # chunks: a checkpoint syncs to disk, so not after every chunk
# Writes audited with these entities touched one debtor (its ref is the audit entity_ref): that
# debtor is recomputed in full inside the chunk's transaction. Harmless ones change nothing the
# refresh writes (agents, sessions, assignments, a debtors file: names, phones, portfolios).
# Any other entity written during the run (an invoices, payments, events, promises or FEC
# import) makes the chunk recompute in full.
_PER_DEBTOR = {"debtor"}
_HARMLESS = {"agent", "debtors", "job"}


log = logging.getLogger(__name__)


class JobBusy(Exception):
    """Another run holds the lock (message in French)."""


@dataclass
class RefreshSummary:
    debtors: int = 0
    balances_changed: int = 0
    scored: int = 0
    promises_pending: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    newly_broken: int = 0
    claims_released: int = 0
    chunks: int = 0
    seconds: float = 0.0
    longest_write_ms: float = 0.0
    read_seconds: float = 0.0  # snapshots and computing, without the write lock (on PostgreSQL beside the writes)
    write_seconds: float = 0.0  # inside write transactions
    recomputed_in_full: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            f"débiteurs traités        {self.debtors}",
            f"soldes modifiés          {self.balances_changed}",
            f"scores recalculés        {self.scored}",
            f"promesses en cours       {self.promises_pending}",
            f"promesses tenues         {self.promises_kept}",
            f"promesses rompues        {self.promises_broken} (dont {self.newly_broken} nouvelles)",
            f"dossiers libérés         {self.claims_released} (bail expiré)",
            f"durée                    {self.seconds:.1f} s en {self.chunks} lots",
            f"écriture la plus longue  {self.longest_write_ms:.0f} ms "
            f"(lecture et calcul {self.read_seconds:.1f} s, écritures {self.write_seconds:.1f} s)",
        ]

    def add(self, counts: dict[str, int]) -> None:
        self.balances_changed += counts.get("balances", 0)
        self.scored += counts.get("scored", 0)
        self.promises_pending += counts.get("pending", 0)
        self.promises_kept += counts.get("kept", 0)
        self.promises_broken += counts.get("broken", 0)
        self.newly_broken += counts.get("newly_broken", 0)


_BUSY = {
    LOCK: "un rafraîchissement est déjà en cours",
    "nightly": "le traitement de nuit est déjà en cours",
}


def _holder_is_dead(conn: Any, holder: str) -> bool:
    """True when the lock's holder is known to be gone (killed, crashed): its lock is taken over
    at once instead of after LOCK_HOURS.

    The holder is "host:pid", plus on PostgreSQL " pg=SESSION" (`jobs.own_session`): the
    server process of the job's connection, which ends when the job's process dies on
    whichever front end it ran. Without it (SQLite), only a process of this machine can be
    checked."""
    process, _, session = holder.partition(" pg=")
    if session:
        return not jobs.session_alive(conn, session)
    host, _, pid = process.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def _acquire(store: Store, now: datetime, name: str = LOCK) -> str:
    holder = f"{socket.gethostname()}:{os.getpid()}"
    with store.write() as conn:
        session = jobs.own_session(conn)
        if session is not None:
            holder += f" pg={session}"
        row = jobs.lock_holder(conn, name)
        if row is not None and row[2] > to_db(now) and not _holder_is_dead(conn, row[0]):
            what = _BUSY.get(name, f"la tâche « {name} » est déjà en cours")
            log.warning("job %s refused: held by %s since %s UTC", name, row[0], row[1])
            shown = row[0].partition(" pg=")[0]  # host:pid
            raise JobBusy(f"{what} (lancé le {row[1]} UTC par {shown}) ; rien n'a été fait")
        if row is not None:
            why = "it expired" if row[2] <= to_db(now) else "its holder is gone"
            log.warning("job %s: lock of %s (since %s UTC) taken over: %s", name, row[0], row[1], why)
        jobs.take_lock(conn, name, holder, to_db(now), to_db(now + timedelta(hours=LOCK_HOURS)))
    return holder


def _release(store: Store, holder: str, name: str = LOCK) -> None:
    with store.write() as conn:
        jobs.drop_lock(conn, name, holder)


@contextmanager
def exclusive(store: Store, name: str, *, now: datetime) -> Iterator[None]:
    """Run a job alone: `JobBusy` when another process holds `name` (a crashed holder's
    lock is taken over after LOCK_HOURS)."""
    holder = _acquire(store, now, name)
    try:
        yield
    finally:
        _release(store, holder, name)


@dataclass
class _ChunkPlan:
    ids: range
    mark: int  # audit id at the snapshot
    mismatched: set[int]
    promises: PromiseEvaluation
    scores: list[tuple[float, int]]  # (new score, debtor id) where it changed
    rows: list[ScoreRow]  # debtor_scores rows that changed
    new: list[ScoreRow]  # debtor_scores rows to create
    debtors: int


def _plan_chunk(store: Store, ids: range, *, now: datetime, settings: Settings, scorer: Scorer) -> _ChunkPlan:
    """Everything the chunk would write, computed from one read snapshot (no write lock)."""
    today, stamp = paris_date(now), to_db(now)
    lo, hi = ids.start, ids.stop - 1
    # Settled: outcomes commit in any order on PostgreSQL, and one in progress now must be
    # above `mark` for `_apply_chunk` to see it.
    with store.read(settled=True) as conn:
        mark = jobs.audit_mark(conn)
        mismatched = set(balance_mismatches(conn, lo, hi))
        promises = compute_promises(conn, ids, now=now, settings=settings)
        stored = stored_scores(conn, lo, hi)
        missing = [s.debtor_id for s in stored if not s.has_inputs and s.debtor_id not in mismatched]
        history = {i.debtor_id: i for i in score_inputs(conn, missing)} if missing else {}
    scores: list[tuple[float, int]] = []
    rows: list[ScoreRow] = []  # existing debtor_scores rows that changed
    new: list[ScoreRow] = []  # debtors scored for the first time
    broken_by = promises.broken_by_debtor
    for s in stored:
        did = s.debtor_id
        if did in mismatched:
            continue
        if s.has_inputs:
            never, streak = bool(s.never_contacted), int(s.wear_streak or 0)
        else:
            h = history[did]
            never, streak = h.responses == 0, h.wear_streak
        broken = broken_by.get(did, 0)
        days = days_past_due(s.oldest_due, today)
        total, components = scorer(s.balance_cents, days, broken, never, s.avg_payment_delay_days, streak)
        if total != s.score:
            scores.append((total, did))
        inputs = (max(days, 0), broken, int(never), streak)
        # The stored components are a function of these (and of the balance and payment
        # behaviour, which every write that changes them rescores): same inputs, same text.
        if not s.has_inputs:
            new.append(ScoreRow(did, total, *inputs, components, stamp))
        elif total != s.score or inputs != (s.days_past_due, s.broken_promises, s.never_contacted, s.wear_streak):
            rows.append(ScoreRow(did, total, *inputs, components, stamp))
    return _ChunkPlan(ids, mark, mismatched, promises, scores, rows, new, len(stored))


def _apply_chunk(store: Store, plan: _ChunkPlan, *, now: datetime, settings: Settings) -> tuple[dict[str, int], int]:
    """Write the plan in one short transaction; returns (counts, debtors recomputed in full)."""
    with store.write() as conn:
        changed = jobs.audited_since(conn, plan.mark)
        if any(e not in _PER_DEBTOR and e not in _HARMLESS for e, _ in changed):
            # Something bigger than one debtor changed meanwhile (an import): do it all here.
            counts = after_ledger_change(conn, plan.ids, now=now, settings=settings, kind="refresh")
            return counts, len(plan.ids)
        refs = {r for e, r in changed if e in _PER_DEBTOR and r}
        touched = {i for i in debtor_ids_by_ref(conn, refs).values() if i in plan.ids} if refs else set()
        again = touched | plan.mismatched
        plan.promises.save(conn, skip=again)
        refresh_priority_class(conn, plan.ids)
        update_scores(conn, [s for s in plan.scores if s[1] not in again])
        update_score_rows(conn, [r for r in plan.rows if r.debtor_id not in again])
        upsert_score_rows(conn, [r for r in plan.new if r.debtor_id not in again])
        counts = dict(plan.promises.counts)
        counts["scored"] = plan.debtors
        if again:
            redo = after_ledger_change(conn, again, now=now, settings=settings, kind="refresh")
            counts["balances"] = redo["balances"]
        return counts, len(again)


def _count_chunk(store: Store, summary: RefreshSummary, counts: dict[str, int], redone: int, took: float) -> None:
    summary.write_seconds += took
    summary.longest_write_ms = max(summary.longest_write_ms, took * 1000)
    if summary.chunks % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1:
        with store.lock:
            jobs.checkpoint_passive(store.conn)
    summary.chunks += 1
    summary.recomputed_in_full += redone
    summary.add(counts)


def _refresh_full(
    store: Store, chunks: list[range], *, now: datetime, settings: Settings, summary: RefreshSummary
) -> None:
    for ids in chunks:
        t0 = time.perf_counter()
        with store.write() as conn:
            counts = after_ledger_change(conn, ids, now=now, settings=settings, kind="refresh")
        _count_chunk(store, summary, counts, len(ids), time.perf_counter() - t0)


def _reader(store: Store) -> Store | None:
    """On PostgreSQL, a second connection to read and score the next chunk while this one is
    written: the server writes in its own process while Python scores (1 000 000 debtors:
    56.8 s instead of 68.1 s). None on SQLite: reads, writes and scoring all run in this
    process, so overlapping them gained nothing (6.1–6.6 s against 6.6–6.8 s at 200 000
    debtors) and made each write transaction, which agents may wait for, longer (43 against
    18 ms)."""
    if store.kind != "postgresql":
        return None
    return open_db(store.path)


def _refresh_planned(
    store: Store, chunks: list[range], *, now: datetime, settings: Settings, scorer: Scorer, summary: RefreshSummary
) -> None:
    """Plan (read + score) each chunk, then write it. On PostgreSQL the next chunk is planned in
    a thread, on its own connection (`_reader`), while the main thread writes the current one:
    the server's writes and Python's scoring run on both cores. A plan read before the
    previous chunk committed is still right: chunks are disjoint id ranges and the refresh's own
    writes are not audited, so only other sessions' writes can make a plan stale, and
    `_apply_chunk` finds those in the audit trail as before."""
    reader = _reader(store)
    source = reader or store

    def plan(ids: range) -> tuple[_ChunkPlan, float]:
        t0 = time.perf_counter()
        p = _plan_chunk(source, ids, now=now, settings=settings, scorer=scorer)
        return p, time.perf_counter() - t0

    def write(p: _ChunkPlan, took_read: float) -> None:
        summary.read_seconds += took_read
        t0 = time.perf_counter()
        counts, redone = _apply_chunk(store, p, now=now, settings=settings)
        _count_chunk(store, summary, counts, redone, time.perf_counter() - t0)

    try:
        if reader is None:
            for ids in chunks:
                write(*plan(ids))
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-plan") as pool:
            ahead = pool.submit(plan, chunks[0])
            for i in range(len(chunks)):
                planned = ahead.result()
                if i + 1 < len(chunks):
                    ahead = pool.submit(plan, chunks[i + 1])
                write(*planned)
    finally:
        if reader is not None:
            reader.close()


def refresh(
    store: Store, *, now: datetime, settings: Settings, actor: str = "nightly", full: bool = False
) -> RefreshSummary:
    started = time.perf_counter()
    holder = _acquire(store, now)
    summary = RefreshSummary()
    # Our commits must not checkpoint (that would lengthen them): we checkpoint between
    # chunks instead, outside any transaction, without ever waiting for readers.
    with store.lock:
        jobs.set_autocheckpoint(store.conn, 0)
    try:
        with store.write() as conn:
            summary.claims_released = release_expired(conn, to_db(now))
            end_rests(conn, to_db(now - timedelta(hours=settings.calling.min_gap_hours)), at_most=None)
            # An invoice falling due outside a dispute brings a blocked debtor back into the queue.
            dispute_sql.sync_dispute_flag(conn, None, today=paris_date(now).isoformat(), now=to_db(now))
            lo, hi = jobs.debtor_id_bounds(conn)
            run_id = jobs.start_run(conn, "refresh", to_db(now))
        scorer = Scorer(settings)
        if lo is not None and hi is not None:
            chunks = [range(start, min(start + CHUNK_DEBTORS, hi + 1)) for start in range(lo, hi + 1, CHUNK_DEBTORS)]
            if full:
                _refresh_full(store, chunks, now=now, settings=settings, summary=summary)
            else:
                _refresh_planned(store, chunks, now=now, settings=settings, scorer=scorer, summary=summary)
        summary.seconds = time.perf_counter() - started
        with store.write() as conn:
            summary.debtors = jobs.debtor_count(conn)
            # On the job's clock (`now`, frozen in tests and replays), after the time it took.
            finished = to_db(now + timedelta(seconds=int(summary.seconds)))
            jobs.finish_run(conn, run_id, finished, json.dumps(summary.__dict__, default=str))
            audit.record(conn, now=now, actor=actor, action="refresh", entity="job", details=summary.__dict__)
        store_calendars(store, now=now)  # the year turns, the package is upgraded: sessions read these
        with store.lock:
            jobs.checkpoint_passive(store.conn)
    finally:
        with store.lock:
            jobs.set_autocheckpoint(store.conn, jobs.DEFAULT_AUTOCHECKPOINT)
        _release(store, holder)
    log.info(
        "refresh by %s%s: debtors=%d balances_changed=%d scored=%d promises kept=%d broken=%d (new %d) "
        "pending=%d claims_released=%d chunks=%d seconds=%.1f longest_write_ms=%.0f",
        actor,
        " (full)" if full else "",
        summary.debtors,
        summary.balances_changed,
        summary.scored,
        summary.promises_kept,
        summary.promises_broken,
        summary.newly_broken,
        summary.promises_pending,
        summary.claims_released,
        summary.chunks,
        summary.seconds,
        summary.longest_write_ms,
    )
    return summary
