"""A debtor just called rests outside the queue index for the minimum gap (m015,
`store.queue.rest_after_call`): the page is merged from the index and from the resting
debtors whose gap is over or who have a callback due. That must never change the queue: at
any instant, after any calls and callbacks, the callable queue is exactly the full queue's
callable entries, in order; and a debtor marked resting always has that call."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_helpers import NOW, SETTINGS, Debtor, Env, cloned_env, days_before, phone
from recouvre_tui.domain.dates import to_db
from recouvre_tui.services.outcome import OutcomeError
from recouvre_tui.store import queue as sql

GAP = timedelta(hours=SETTINGS.calling.min_gap_hours)  # 4 h by default
N = 8
# NOW is Tuesday 11:00 in Paris; calls happen between 09:00 and 15:00 Paris that day.
DAY_START = NOW - timedelta(hours=2)


def _debtors() -> list[Debtor]:
    return [
        Debtor(
            f"R{n}",
            phone=phone(500 + n),
            agent="alice" if n % 2 else "",  # Alice's portfolio and the pool
            invoices=[(f"FR{n}", days_before(20 + 15 * n), f"{(n + 1) * 137}.{n:02d}")],
        )
        for n in range(N)
    ]


def _order(env: Env, now: datetime) -> tuple[list[str], list[str]]:
    full = env.queue("alice", now=now, include_blocked=True, limit=1000)
    shown = env.queue("alice", now=now, limit=1000)
    return [e.debtor_ref for e in shown], [e.debtor_ref for e in full if e.callable]


calls = st.lists(
    st.tuples(
        st.integers(0, N - 1),  # which debtor
        st.integers(0, 6 * 60),  # minutes after 09:00 Paris
        st.one_of(st.none(), st.integers(10, 8 * 60)),  # a callback asked for, minutes after the call
        st.sampled_from(("alice", "bob")),  # who called (Bob: pool debtors only)
        st.booleans(),  # the callback is for the team, not the caller's own
    ),
    max_size=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(made=calls, looks=st.lists(st.integers(-60, 10 * 60), min_size=1, max_size=4))
def test_resting_debtors_never_change_the_callable_queue(
    made: list[tuple[int, int, int | None, str, bool]], looks: list[int]
) -> None:
    with cloned_env("resting", _debtors) as env:
        for n, minute, callback, who, team in sorted(made, key=lambda c: c[1]):
            at = DAY_START + timedelta(minutes=minute)
            try:
                if callback is None:
                    env.outcome(who, f"R{n}", "no_answer", now=at)
                else:
                    later = at + timedelta(minutes=callback)
                    env.outcome(who, f"R{n}", "callback", now=at, callback_at=later, callback_for_team=team)
            except OutcomeError:  # e.g. a callback outside the calling hours, Bob outside his scope
                pass  # e.g. a callback outside the calling hours: refused, nothing written
        # A debtor marked resting has that very call.
        for ref, rest in env.rows("SELECT ref, recent_call_at FROM debtors WHERE recent_call_at IS NOT NULL"):
            assert env.one(
                "SELECT COUNT(*) FROM events e JOIN debtors d ON d.id = e.debtor_id WHERE d.ref = ? AND e.at = ?"
                " AND e.channel = 'call' AND e.direction = 'out'",
                (ref, rest),
            ) >= 1
        for minute in looks:
            shown, expected = _order(env, DAY_START + timedelta(minutes=minute))
            assert shown == expected
        env.store.close()


def test_a_called_debtor_rests_then_comes_back_in_its_place() -> None:
    with cloned_env("resting", _debtors) as env:
        before = env.refs("alice")
        assert len(before) == N
        head = before[0]
        env.outcome("alice", head, "no_answer", now=NOW)
        assert env.one("SELECT recent_call_at FROM debtors WHERE ref = ?", (head,)) == to_db(NOW)
        with env.store.read() as conn:  # not in the queue index's part of a page
            page = sql.page(
                conn, agent=None, pool=True, after=None, limit=100, include_blocked=False,
                attempted_after=to_db(NOW + GAP - timedelta(hours=4)), now=to_db(NOW + timedelta(minutes=1)),
            )
        assert head not in {c.ref for c in page}
        # Inside the gap: gone from the queue, the others in the same order.
        assert env.refs("alice", now=NOW + GAP - timedelta(minutes=1)) == before[1:]
        # Gap over, mark still there: back in its place, read from the resting debtors.
        assert env.one("SELECT recent_call_at FROM debtors WHERE ref = ?", (head,)) is not None
        assert env.refs("alice", now=NOW + GAP) == before
        # The next outcome (any debtor) ends the rests that are over: the mark goes.
        env.outcome("alice", before[1], "no_answer", now=NOW + GAP + timedelta(minutes=1))
        assert env.one("SELECT recent_call_at FROM debtors WHERE ref = ?", (head,)) is None
        assert env.refs("alice", now=NOW + GAP + timedelta(minutes=2)) == [head, *before[2:]]
        env.store.close()


def test_ending_rests_is_bounded() -> None:
    with cloned_env("resting", _debtors) as env:
        env.outcome("alice", "R1", "no_answer", now=NOW)
        env.outcome("alice", "R3", "no_answer", now=NOW + timedelta(minutes=5))
        env.outcome("alice", "R5", "no_answer", now=NOW + timedelta(minutes=10))
        resting = "SELECT ref FROM debtors WHERE recent_call_at IS NOT NULL ORDER BY ref"
        assert [r[0] for r in env.rows(resting)] == ["R1", "R3", "R5"]
        with env.store.write() as conn:  # R1 and R3 are over; one at a time
            assert sql.end_rests(conn, to_db(NOW + timedelta(minutes=5)), at_most=1) == 1
        left = [r[0] for r in env.rows(resting)]
        assert left in (["R1", "R5"], ["R3", "R5"])
        with env.store.write() as conn:  # the nightly: all that are over, R5 is not
            assert sql.end_rests(conn, to_db(NOW + timedelta(minutes=9)), at_most=None) == 1
        assert [r[0] for r in env.rows(resting)] == ["R5"]
        env.store.close()


def test_a_colleagues_callback_due_brings_a_resting_debtor_back() -> None:
    """Bob called R0 (pool) and set himself a callback in 30 min: from then on R0 is due again,
    inside the 4-hour gap, and Alice's queue shows it where the full queue has it."""
    with cloned_env("resting", _debtors) as env:
        env.outcome("bob", "R0", "callback", now=NOW, callback_at=NOW + timedelta(minutes=30))
        assert env.one("SELECT recent_call_at FROM debtors WHERE ref = 'R0'") == to_db(NOW)
        shown, expected = _order(env, NOW + timedelta(minutes=20))
        assert "R0" not in shown and shown == expected  # resting, callback not yet due
        shown, expected = _order(env, NOW + timedelta(minutes=35))
        assert "R0" in shown and shown == expected
        env.store.close()
