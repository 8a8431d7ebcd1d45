"""On PostgreSQL an outcome is a shared write (docs/postgresql.md, "Writers"): it runs beside
colleagues' claims and outcomes, and the debtor's row keeps apart those that meet on one
debtor. Each test holds one transaction open on purpose and shows what runs beside it, what
waits for it, and what it then sees. PostgreSQL only: SQLite has one writer, so none of this
can happen there (the same rules hold trivially)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from queue_helpers import NOW, SETTINGS, Debtor, Env, days_before, make_env
from recouvre_tui.domain.dates import to_db
from recouvre_tui.services.outcome import OutcomeError
from recouvre_tui.services.refresh import _plan_chunk
from recouvre_tui.services.scoring import Scorer
from recouvre_tui.services.work_queue import take_next
from recouvre_tui.store import audit
from recouvre_tui.store import outcomes as outcome_sql
from recouvre_tui.store import queue as queue_sql
from recouvre_tui.store.db import Store, StoreError, open_db
from stores import cluster

pytestmark = pytest.mark.sqlite_only  # builds its own PostgreSQL database: runs once, in the first pass

LEASE = to_db(NOW + timedelta(minutes=15))
WEEK_AGO = to_db(NOW - timedelta(days=7))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = make_env(tmp_path, db=cluster().new_database("side"))
    # Pool debtors, D1 first in the queue (highest balance), then D2, D3.
    e.add_debtors(
        [
            Debtor("D1", invoices=[("F", days_before(90), "5000")]),
            Debtor("D2", invoices=[("F", days_before(90), "3000")]),
            Debtor("D3", invoices=[("F", days_before(90), "1000")]),
        ]
    )
    yield e
    e.store.close()


@pytest.fixture
def other(env: Env) -> Iterator[Store]:
    """A second session on the same database (a colleague, another SSH front end)."""
    store = open_db(env.db)
    yield store
    store.close()


class Background:
    """`fn` in a thread: whether it finished, what it returned or raised."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except BaseException as exc:  # reported to the test
            self.error = exc

    def done_within(self, seconds: float) -> bool:
        self.thread.join(seconds)
        return not self.thread.is_alive()


def debtor_id(env: Env, ref: str) -> int:
    return int(env.one("SELECT id FROM debtors WHERE ref = ?", (ref,)))


def reserve(conn: Any, env: Env, ref: str, login: str) -> object:
    """What a claim does first: the debtor reserved (its row locked until the end)."""
    return queue_sql.reserve_with_context(
        conn, debtor_id(env, ref), login, now=to_db(NOW), expires=LEASE, since_7d=WEEK_AGO
    )


def test_an_outcome_is_recorded_while_a_colleague_is_taking_another_case(env: Env, other: Store) -> None:
    with other.write(shared=True) as conn:
        assert reserve(conn, env, "D2", "bob")
        alice = Background(lambda: env.outcome("alice", "D1", "no_answer"))
        # Before outcomes were shared writes, this waited for bob's transaction to end.
        assert alice.done_within(5), "the outcome waited for a colleague's claim"
        assert alice.error is None, alice.error
    assert env.rows("SELECT d.ref, e.outcome, e.agent FROM events e JOIN debtors d ON d.id = e.debtor_id") == [
        ("D1", "no_answer", "alice")
    ]
    assert env.rows("SELECT d.ref, c.agent FROM claims c JOIN debtors d ON d.id = c.debtor_id") == [("D2", "bob")]


def test_an_outcome_waits_for_a_claim_being_made_on_its_debtor_then_is_refused(env: Env, other: Store) -> None:
    with other.write(shared=True) as conn:
        assert reserve(conn, env, "D1", "bob")
        alice = Background(lambda: env.outcome("alice", "D1", "no_answer"))
        # Not before bob's claim is decided: read now, it would see no claim and write beside it.
        assert not alice.done_within(0.5)
    assert alice.done_within(5)
    assert isinstance(alice.error, OutcomeError)
    assert "est en cours de traitement par bob" in str(alice.error)
    assert env.one("SELECT COUNT(*) FROM events") == 0  # nothing was written for alice


def test_an_outcome_that_waits_too_long_for_its_debtor_is_told_the_base_is_busy(env: Env, other: Store) -> None:
    with env.store.lock:  # this session waits 300 ms for a row instead of 15 s
        env.store.conn.execute("SET lock_timeout = '300ms'")
    with other.write(shared=True) as conn:
        assert reserve(conn, env, "D1", "bob")  # a claim on D1, held open
        with pytest.raises(StoreError, match="base est occupée"):
            env.outcome("alice", "D1", "no_answer")
    assert env.one("SELECT COUNT(*) FROM events") == 0  # rolled back whole


def test_a_claim_skips_a_debtor_whose_outcome_is_being_recorded(env: Env, other: Store) -> None:
    with other.write(shared=True) as conn:
        account, target, claim = outcome_sql.outcome_start(conn, "alice", "D1")  # alice's outcome, under way
        assert account is not None and account.login == "alice"
        assert target is not None and target.id == debtor_id(env, "D1") and target.balance_cents == 500_000
        assert claim is None
        bob = Background(lambda: env.take("bob"))
        assert bob.done_within(5), "the claim waited for the outcome in progress"
        assert bob.error is None and bob.result is not None
        assert bob.result.debtor_ref == "D2"  # D1, first in the queue, is being dealt with
    assert env.rows("SELECT d.ref, c.agent FROM claims c JOIN debtors d ON d.id = c.debtor_id") == [("D2", "bob")]


def test_an_outcome_ends_the_rests_that_are_over_except_one_being_recorded(env: Env, other: Store) -> None:
    """Two outcomes at once, each on a debtor whose rest the other would end: waiting for each
    other's row would deadlock. A row held by an outcome in progress is skipped."""
    yesterday = NOW - timedelta(days=1)
    env.outcome("bob", "D2", "no_answer", now=yesterday)
    env.outcome("bob", "D3", "no_answer", now=yesterday)
    resting = "SELECT d.ref, d.recent_call_at FROM debtors d WHERE recent_call_at IS NOT NULL ORDER BY 1"
    assert env.rows(resting) == [("D2", to_db(yesterday)), ("D3", to_db(yesterday))]
    with other.write(shared=True) as conn:
        outcome_sql.outcome_start(conn, "bob", "D2")  # bob's second call to D2, under way
        alice = Background(lambda: env.outcome("alice", "D1", "no_answer"))
        assert alice.done_within(5), "the outcome waited for a row another outcome holds"
        assert alice.error is None, alice.error
    # D1 rests from its call now; D3's rest (called 24 h ago, the gap is 4 h) is over; D2's
    # stays marked for a later outcome or the nightly (the page reads it as callable anyway).
    assert env.rows(resting) == [("D1", to_db(NOW)), ("D2", to_db(yesterday))]


def test_an_outcome_in_progress_holds_no_other_debtor_a_colleague_could_take(env: Env, other: Store) -> None:
    """Ending the rests that are over locks those debtors' rows, and a claim skips a locked
    debtor: done early, it would hide them from colleagues for the whole outcome. It is the
    outcome's last statement, so mid-way through an outcome they are free to take."""
    yesterday = NOW - timedelta(days=1)
    env.outcome("bob", "D2", "no_answer", now=yesterday)
    env.outcome("bob", "D3", "no_answer", now=yesterday)
    with other.write(shared=True) as conn:  # alice's outcome on D1, half-way
        outcome_sql.outcome_start(conn, "alice", "D1")
        queue_sql.rest_after_call(conn, debtor_id(env, "D1"), to_db(NOW))
        bob = Background(lambda: env.take("bob"))
        assert bob.done_within(5) and bob.error is None, bob.error
        # D1 is being recorded; D2, whose rest is over, is next and free.
        assert bob.result is not None and bob.result.debtor_ref == "D2"


def test_a_settled_snapshot_waits_for_the_writes_in_progress_and_holds_none_back(env: Env, other: Store) -> None:
    """The refresh plans a chunk from a snapshot and redoes the debtors audited after its
    mark. Shared writes commit in any order: an outcome in progress when the snapshot is taken
    could carry an audit id below the mark and never be redone. The snapshot is therefore taken
    once the writes in progress are over."""
    with other.write(shared=True) as conn:
        audit.record(conn, now=NOW, actor="alice", action="outcome", entity="debtor", entity_ref="D1")
        in_progress = int(conn.execute("SELECT MAX(id) FROM audit").fetchone()[0])
        plan = Background(
            lambda: _plan_chunk(env.store, range(1, 4), now=NOW, settings=SETTINGS, scorer=Scorer(SETTINGS))
        )
        assert not plan.done_within(0.5)  # an ordinary snapshot would be taken now, without that row
    assert plan.done_within(5) and plan.error is None, plan.error
    assert plan.result.mark == in_progress

    # The lock is let go as soon as the snapshot is taken: writes run beside a settled read.
    bob = env.agent("bob")
    with env.store.read(settled=True) as conn:
        assert int(conn.execute("SELECT MAX(id) FROM audit").fetchone()[0]) == in_progress
        taking = Background(lambda: take_next(other, bob, now=NOW, settings=SETTINGS))
        assert taking.done_within(5) and taking.error is None, taking.error
        assert taking.result is not None and taking.result.debtor_ref == "D1"
        started = time.monotonic()
        with other.write() as wconn:  # an ordinary write too
            wconn.execute("UPDATE meta SET value = value WHERE key = 'schema'")
        assert time.monotonic() - started < 2


def test_a_settled_snapshot_does_not_wait_for_an_ordinary_write(env: Env, other: Store) -> None:
    """An ordinary write (an import, a refresh chunk being written) runs alone: its audit ids
    are above every one a snapshot taken meanwhile sees, so the snapshot need not wait. The
    refresh plans its next chunk while the current one is written."""
    with other.write() as conn:
        audit.record(conn, now=NOW, actor="test", action="import", entity="debtors")
        reading = Background(lambda: _max_audit_id(env.store))
        assert reading.done_within(5), "the settled read waited for an ordinary write"
        written = int(conn.execute("SELECT MAX(id) FROM audit").fetchone()[0])
    assert reading.error is None, reading.error
    assert reading.result < written


def _max_audit_id(store: Store) -> int:
    with store.read(settled=True) as conn:
        return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0])
