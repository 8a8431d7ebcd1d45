"""Claims (docs/rules.md, "Claims"): take the next case with a 15-minute lease, hold it, lose it
when the lease expires, release it with the outcome. Two agents never hold one debtor."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from queue_helpers import NOW, Debtor, Env, days_before, make_env
from recouvre_tui.services.work_queue import held_case, release, renew
from recouvre_tui.store.db import StoreError


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.add_debtors(
        [
            Debtor("D1", invoices=[("F", days_before(90), "5000")]),  # pool, highest score
            Debtor("D2", invoices=[("F", days_before(90), "3000")]),
            Debtor("D3", invoices=[("F", days_before(90), "1000")]),
        ]
    )
    return e


def claims(env: Env) -> list[tuple[str, str, str, str]]:
    return env.rows(
        "SELECT d.ref, c.agent, c.claimed_at, c.expires_at FROM claims c "
        "JOIN debtors d ON d.id = c.debtor_id ORDER BY d.ref"
    )


def test_next_claims_with_a_fifteen_minute_lease(env: Env) -> None:
    taken = env.take("alice")
    assert taken is not None and taken.debtor_ref == "D1"
    assert claims(env) == [("D1", "alice", "2026-11-17 10:00:00", "2026-11-17 10:15:00")]
    assert env.one("SELECT actor, action, entity_ref FROM audit WHERE action = 'claim'") == (
        "alice",
        "claim",
        "D1",
    )


def test_next_again_returns_the_held_case_and_renews_the_lease(env: Env) -> None:
    env.take("alice")
    again = env.take("alice", now=NOW + timedelta(minutes=10))
    assert again is not None and again.debtor_ref == "D1"
    assert claims(env) == [("D1", "alice", "2026-11-17 10:00:00", "2026-11-17 10:25:00")]


def test_a_second_agent_gets_a_different_case(env: Env) -> None:
    a, b = env.take("alice"), env.take("bob")
    assert a is not None and b is not None
    assert (a.debtor_ref, b.debtor_ref) == ("D1", "D2")
    assert [c[:2] for c in claims(env)] == [("D1", "alice"), ("D2", "bob")]
    # The lead's queue shows both as taken by a colleague.
    assert env.refs("lea") == ["D3"]
    assert env.blocked("lea", "D1") == ["claimed"]


def test_an_expired_lease_frees_the_case(env: Env) -> None:
    env.take("alice")
    # 14 minutes later the lease still holds.
    b = env.take("bob", now=NOW + timedelta(minutes=14))
    assert b is not None and b.debtor_ref == "D2"
    env.outcome("bob", "D2", "no_answer", now=NOW + timedelta(minutes=15))
    # 16 minutes later alice's lease (10:15) has expired: bob gets D1.
    b = env.take("bob", now=NOW + timedelta(minutes=16))
    assert b is not None and b.debtor_ref == "D1"
    assert [c[:2] for c in claims(env)] == [("D1", "bob")]
    # alice's held case is gone, renewing tells her so, and her next case is another one.
    assert held_case(env.store, env.agent("alice"), now=NOW + timedelta(minutes=16), settings=env.settings) is None
    assert not renew(env.store, env.agent("alice"), now=NOW + timedelta(minutes=16), settings=env.settings)
    a = env.take("alice", now=NOW + timedelta(minutes=16))
    assert a is not None and a.debtor_ref == "D3"


def test_renew_extends_the_lease(env: Env) -> None:
    env.take("alice")
    assert renew(env.store, env.agent("alice"), now=NOW + timedelta(minutes=12), settings=env.settings)
    assert claims(env)[0][3] == "2026-11-17 10:27:00"
    # Still alice's at 10:20 (the old lease would have ended at 10:15).
    b = env.take("bob", now=NOW + timedelta(minutes=20))
    assert b is not None and b.debtor_ref == "D2"


def test_outcome_releases_the_claim(env: Env) -> None:
    env.take("alice")
    result = env.outcome("alice", "D1", "no_answer", now=NOW + timedelta(minutes=3))
    assert result.released
    assert claims(env) == []
    # D1 was just called: 4-hour gap, so the next case is D2.
    nxt = env.take("alice", now=NOW + timedelta(minutes=4))
    assert nxt is not None and nxt.debtor_ref == "D2"


def test_release_gives_the_case_back(env: Env) -> None:
    env.take("alice")
    assert release(env.store, env.agent("alice"), now=NOW, reason="quit") == "D1"
    assert claims(env) == []
    assert release(env.store, env.agent("alice"), now=NOW) is None
    assert env.one("SELECT COUNT(*) FROM audit WHERE action = 'quit' AND entity_ref = 'D1'") == 1
    b = env.take("bob")
    assert b is not None and b.debtor_ref == "D1"


def test_nobody_records_an_outcome_on_a_case_held_by_a_colleague(env: Env) -> None:
    from recouvre_tui.services.outcome import OutcomeError

    env.take("alice")
    before = env.snapshot()
    with pytest.raises(OutcomeError, match="en cours de traitement par alice"):
        env.outcome("bob", "D1", "no_answer", now=NOW + timedelta(minutes=1))
    assert env.snapshot() == before


def test_the_database_refuses_a_double_claim(env: Env) -> None:
    """The primary key on claims.debtor_id is the last line of defence."""
    import sqlite3

    refused: tuple[type[BaseException], ...] = (sqlite3.IntegrityError, StoreError)
    if env.store.kind == "postgresql":
        import psycopg

        refused += (psycopg.errors.IntegrityError,)
    env.take("alice")
    with pytest.raises(refused), env.store.write() as conn:
        conn.execute(
            "INSERT INTO claims (debtor_id, agent, claimed_at, expires_at) "
            "SELECT debtor_id, 'bob', claimed_at, expires_at FROM claims"
        )
    assert [c[:2] for c in claims(env)] == [("D1", "alice")]


def test_nothing_left_to_take(env: Env) -> None:
    assert [env.take(a) is not None for a in ("alice", "bob", "lea")] == [True, True, True]
    env.add_debtors([Debtor("BOBS", agent="bob", invoices=[("F", days_before(9), "10")])])
    assert env.take("alice", now=NOW) is not None  # still holds D1
    assert [c[:2] for c in claims(env)] == [("D1", "alice"), ("D2", "bob"), ("D3", "lea")]
    env.outcome("alice", "D1", "no_answer")
    assert env.take("alice") is None  # BOBS is bob's, the rest is held or just called


# --- the batched reads of a claim (one round trip each on PostgreSQL) ---------------------


def _id(env: Env, ref: str) -> int:
    return int(env.one("SELECT id FROM debtors WHERE ref = ?", (ref,)))


def test_queue_start_reads_the_claim_account_callbacks_payments_and_rests_at_once(env: Env) -> None:
    from recouvre_tui.services.outcome import AnnouncedPayment
    from recouvre_tui.services.work_queue import handed_over_before
    from recouvre_tui.store import queue as sql

    env.take("alice")  # D1
    env.outcome("alice", "D1", "callback", callback_at=NOW + timedelta(hours=2))
    env.take("alice")  # D2
    env.outcome("alice", "D2", "already_paid", payment=AnnouncedPayment(date(2026, 11, 16), 3000_00, None))
    env.take("alice")  # D3, held
    later = NOW + timedelta(days=8)  # the callback is due, the payment check over
    d1, d2, d3 = _id(env, "D1"), _id(env, "D2"), _id(env, "D3")
    now_s = later.strftime("%Y-%m-%d %H:%M:%S")
    with env.store.read() as conn:
        start = sql.queue_start(
            conn,
            agent="alice",
            team="A",
            now=now_s,
            handed_over_before=handed_over_before(later, env.settings),
            rested_before=now_s,
            today=later.date().isoformat(),
        )
        assert start.held == (d3, "2026-11-17 10:15:00")
        assert start.account is not None and (start.account.login, start.account.team) == ("alice", "A")
        assert start.due == [(d1, "2026-11-17 12:00:00")]  # the callback, at its time
        # Checked until Tue 24/11 00:00 Paris (5 working days), over and not received.
        assert start.not_received == [(d2, "2026-11-23 23:00:00")]
        assert start.merge == {True}  # D1–D2 rest (pool debtors) after their calls, D3 too
        # Without `rested_before` (a queue with blocked entries shown) nothing is asked about rests.
        bare = sql.queue_start(
            conn, agent="bob", team="A", now=now_s, handed_over_before=now_s, rested_before=None, today="2026-11-25"
        )
        assert (bare.held, bare.merge) == (None, None)


def test_claim_start_releases_every_expired_lease_and_reads_the_held_claim(env: Env) -> None:
    from recouvre_tui.store import queue as sql

    env.take("alice")  # D1 until 10:15
    d1 = _id(env, "D1")
    with env.store.write(shared=True) as conn:
        account, held = sql.claim_start(conn, "alice", "2026-11-17 10:05:00")
        assert account is not None and account.login == "alice"
        assert held == (d1, "2026-11-17 10:15:00")
    with env.store.write(shared=True) as conn:
        account, held = sql.claim_start(conn, "bob", "2026-11-17 10:16:00")
        assert account is not None and account.login == "bob" and held is None
    assert claims(env) == []  # alice's lease ran out: released in the same batch
    with env.store.write(shared=True) as conn:
        assert sql.claim_start(conn, "nobody", "2026-11-17 10:16:00") == (None, None)


def test_reserve_with_context_reads_nothing_when_refused(env: Env) -> None:
    from recouvre_tui.store import queue as sql

    env.take("alice")  # D1
    d1, d2, d3 = _id(env, "D1"), _id(env, "D2"), _id(env, "D3")
    before = claims(env)
    with env.store.write(shared=True) as conn:
        refused = sql.reserve_with_context(
            conn, d1, "bob", now="2026-11-17 10:01:00", expires="2026-11-17 10:16:00", since_7d="x"
        )
        assert refused is None
    assert claims(env) == before
    with env.store.write(shared=True) as conn:
        got = sql.reserve_with_context(
            conn, d2, "bob", now="2026-11-17 10:01:00", expires="2026-11-17 10:16:00", since_7d="x"
        )
        # The debtor as it is now, read after the claim in the same batch: held by bob.
        assert got is not None and (got.ref, got.claimed_by, got.balance_cents) == ("D2", "bob", 300_000)
        assert got.valid_phones == 1
        # A second case for bob is refused by the key « one claim per agent ».
        assert (
            sql.reserve_with_context(
                conn, d3, "bob", now="2026-11-17 10:01:00", expires="2026-11-17 10:16:00", since_7d="x"
            )
            is None
        )
    assert [c[:2] for c in claims(env)] == [("D1", "alice"), ("D2", "bob")]
