"""The nightly refresh: balances, promise status, scores, expired claims, WAL checkpoint.

Idempotent (it recomputes state from facts), refuses to run twice at once (a row in
`job_locks`), and commits in chunks of debtor ids so agents' own writes never wait long.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..domain.config import Settings
from ..domain.dates import to_db
from ..store import audit
from ..store.db import Store
from ..store.queue import release_expired
from .ledger_effects import after_ledger_change

LOCK = "refresh"
LOCK_HOURS = 6  # a crashed run's lock is taken over after this long
CHUNK_DEBTORS = 2_000


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
        ]


def _acquire(store: Store, now: datetime) -> str:
    holder = f"{socket.gethostname()}:{os.getpid()}"
    with store.write() as conn:
        row = conn.execute(
            "SELECT holder, acquired_at, expires_at FROM job_locks WHERE name = ?", (LOCK,)
        ).fetchone()
        if row is not None and row[2] > to_db(now):
            raise JobBusy(
                f"un rafraîchissement est déjà en cours (lancé le {row[1]} UTC par {row[0]}) ; "
                "rien n'a été fait"
            )
        conn.execute("DELETE FROM job_locks WHERE name = ?", (LOCK,))
        conn.execute(
            "INSERT INTO job_locks (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)",
            (LOCK, holder, to_db(now), to_db(now + timedelta(hours=LOCK_HOURS))),
        )
    return holder


def _release(store: Store, holder: str) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM job_locks WHERE name = ? AND holder = ?", (LOCK, holder))


def refresh(
    store: Store, *, now: datetime, settings: Settings, actor: str = "nightly"
) -> RefreshSummary:
    started = time.perf_counter()
    holder = _acquire(store, now)
    summary = RefreshSummary()
    try:
        with store.write() as conn:
            summary.claims_released = release_expired(conn, to_db(now))
            lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM debtors").fetchone()
            run_id = conn.execute(
                "INSERT INTO job_runs (job, started_at) VALUES ('refresh', ?)", (to_db(now),)
            ).lastrowid
        if lo is not None:
            for start in range(lo, hi + 1, CHUNK_DEBTORS):
                ids = range(start, min(start + CHUNK_DEBTORS, hi + 1))
                with store.write() as conn:
                    counts = after_ledger_change(
                        conn, ids, now=now, settings=settings, kind="refresh"
                    )
                summary.chunks += 1
                summary.balances_changed += counts["balances"]
                summary.scored += counts["scored"]
                summary.promises_pending += counts["pending"]
                summary.promises_kept += counts["kept"]
                summary.promises_broken += counts["broken"]
                summary.newly_broken += counts["newly_broken"]
        summary.seconds = time.perf_counter() - started
        with store.write() as conn:
            summary.debtors = conn.execute("SELECT COUNT(*) FROM debtors").fetchone()[0]
            conn.execute(
                "UPDATE job_runs SET finished_at = ?, summary = ? WHERE id = ?",
                (to_db(now), json.dumps(summary.__dict__, default=str), run_id),
            )
            audit.record(
                conn, now=now, actor=actor, action="refresh", entity="job", details=summary.__dict__
            )
        # PASSIVE never waits for readers: agents keep working during the checkpoint.
        with store.lock:
            store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        _release(store, holder)
    return summary
