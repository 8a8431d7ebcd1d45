"""The nightly refresh (services.refresh): recomputes from facts, idempotent, exclusive,
releases expired claims, gives the same result whatever the chunk size."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from queue_helpers import NOW, Debtor, Env, days_before, make_env, utc
from recouvre_tui.services import refresh as refresh_mod
from recouvre_tui.services.refresh import JobBusy, refresh

STATE = ("debtors", "invoices", "payments", "promises", "instalments", "claims", "callbacks")


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.add_debtors(
        [
            Debtor("K", invoices=[("F1", days_before(60), "300"), ("F2", days_before(20), "200")]),
            Debtor("B", agent="alice", invoices=[("F1", days_before(40), "1000")]),
            Debtor("P", agent="bob", invoices=[("F1", days_before(40), "800")]),
            Debtor("C", invoices=[("F1", days_before(90), "100"), ("AV", days_before(80), "-40")]),
            Debtor("E"),
        ]
    )
    # K promised 100 € for the 13th and paid it on the 14th (in time): kept.
    # B promised 2 × 100 € (the 1st and the 25th), paid nothing: pending until 4 Nov.
    # P promised 50 € for the 30th: pending.
    e.add_promises(
        [
            ("K", "PK", "2026-11-02", "2026-11-13", "100"),
            ("B", "PB", "2026-10-20", "2026-11-01", "100"),
            ("B", "PB", "2026-10-20", "2026-11-25", "100"),
            ("P", "PP", "2026-11-01", "2026-11-30", "50"),
        ],
        now=utc(2026, 11, 2, 10),
    )
    e.add_payments([("K", "V1", "2026-11-14", "100")])
    e.add_events([("C", "2026-11-10 10:00", "letter", "out", "")])
    return e


def test_refresh_computes_balances_promises_and_classes(env: Env) -> None:
    summary = refresh(env.store, now=NOW, settings=env.settings)
    assert (summary.debtors, summary.scored, summary.chunks) == (5, 5, 1)
    assert (summary.promises_kept, summary.promises_broken, summary.promises_pending) == (1, 1, 1)
    assert env.rows("SELECT ref, balance_cents, oldest_due, priority_class FROM debtors ORDER BY ref") == [
        ("B", 100_000, days_before(40), 1),
        # 100 € − 40 € credit note
        ("C", 6_000, days_before(90), 2),
        ("E", 0, None, 2),
        # 500 € − 100 € paid, the oldest invoice first: F1 300 → 200 open
        ("K", 40_000, days_before(60), 2),
        ("P", 80_000, days_before(40), 2),
    ]
    assert env.rows("SELECT ref, status, paid_cents, broken_on FROM promises ORDER BY ref") == [
        ("PB", "broken", 0, "2026-11-05"),
        ("PK", "kept", 10_000, None),
        ("PP", "pending", 0, None),
    ]
    assert env.rows(
        "SELECT i.due_date, i.status FROM instalments i JOIN promises p ON p.id = i.promise_id "
        "WHERE p.ref = 'PB' ORDER BY i.seq"
    ) == [("2026-11-01", "missed"), ("2026-11-25", "pending")]
    run = env.one("SELECT job, started_at, finished_at, summary FROM job_runs")
    took = int(json.loads(run[3])["seconds"])  # whole seconds the run took (0 on this small base)
    assert run[:3] == ("refresh", "2026-11-17 10:00:00", f"2026-11-17 10:00:{took:02d}")
    assert json.loads(run[3])["promises_broken"] == 1
    assert env.rows("SELECT * FROM job_locks") == []


def test_refresh_is_idempotent(env: Env) -> None:
    scores = "SELECT debtor_id, days_past_due, broken_promises, never_contacted, wear_streak, "
    scores += "components FROM debtor_scores ORDER BY debtor_id"
    first = refresh(env.store, now=NOW, settings=env.settings)
    after_first, scores_first = env.snapshot(*STATE), env.rows(scores)
    second = refresh(env.store, now=NOW + timedelta(minutes=5), settings=env.settings)
    assert env.snapshot(*STATE) == after_first
    assert env.rows(scores) == scores_first  # all but the time stamp
    assert (second.balances_changed, second.newly_broken, second.claims_released) == (0, 0, 0)
    assert first.newly_broken == 1


def test_refresh_repairs_derived_state(env: Env) -> None:
    refresh(env.store, now=NOW, settings=env.settings)
    good = env.snapshot("debtors", "invoices", "promises", "instalments")
    with env.store.write() as conn:
        conn.execute("UPDATE debtors SET balance_cents = 1, oldest_due = NULL, score = 0, priority_class = 2")
        conn.execute("UPDATE invoices SET open_cents = 0")
        conn.execute("UPDATE promises SET status = 'pending', paid_cents = 0")
        conn.execute("UPDATE instalments SET status = 'pending', allocated_cents = 0")
    summary = refresh(env.store, now=NOW, settings=env.settings)
    assert summary.balances_changed == 5
    assert env.snapshot("debtors", "invoices", "promises", "instalments") == good


def test_same_result_in_small_chunks(env: Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    refresh(env.store, now=NOW, settings=env.settings)
    whole = env.snapshot(*STATE)
    with env.store.write() as conn:
        conn.execute("UPDATE debtors SET balance_cents = 0, score = 0, priority_class = 2")
        conn.execute("UPDATE promises SET status = 'pending'")
    monkeypatch.setattr(refresh_mod, "CHUNK_DEBTORS", 2)
    summary = refresh(env.store, now=NOW, settings=env.settings)
    assert summary.chunks == 3
    assert env.snapshot(*STATE) == whole


def test_a_second_refresh_refuses_while_one_runs(env: Env) -> None:
    with env.store.write() as conn:
        conn.execute(
            "INSERT INTO job_locks (name, holder, acquired_at, expires_at) "
            "VALUES ('refresh', 'srv:4242', '2026-11-17 09:58:00', '2026-11-17 15:58:00')"
        )
    before = env.snapshot(*STATE, "job_runs", "job_locks")
    with pytest.raises(JobBusy) as exc:
        refresh(env.store, now=NOW, settings=env.settings)
    assert str(exc.value) == (
        "un rafraîchissement est déjà en cours (lancé le 2026-11-17 09:58:00 UTC par srv:4242) ; rien n'a été fait"
    )
    assert env.snapshot(*STATE, "job_runs", "job_locks") == before


def test_a_crashed_runs_lock_is_taken_over_when_it_expires(env: Env) -> None:
    with env.store.write() as conn:
        conn.execute(
            "INSERT INTO job_locks (name, holder, acquired_at, expires_at) "
            "VALUES ('refresh', 'srv:4242', '2026-11-17 03:00:00', '2026-11-17 09:00:00')"
        )
    summary = refresh(env.store, now=NOW, settings=env.settings)
    assert summary.debtors == 5
    assert env.rows("SELECT * FROM job_locks") == []


def test_the_lock_is_released_when_the_run_fails(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> dict[str, int]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(refresh_mod, "compute_promises", boom)
    with pytest.raises(RuntimeError):
        refresh(env.store, now=NOW, settings=env.settings)
    assert env.rows("SELECT * FROM job_locks") == []


def test_refresh_releases_expired_claims_only(env: Env) -> None:
    a = env.take("alice", now=NOW - timedelta(minutes=20))  # lease until 09:55 UTC
    b = env.take("bob", now=NOW - timedelta(minutes=16))  # lease until 09:59 UTC
    assert a is not None and b is not None
    summary = refresh(env.store, now=NOW - timedelta(minutes=3), settings=env.settings)
    assert summary.claims_released == 1
    assert env.rows("SELECT agent FROM claims") == [("bob",)]
    assert "dossiers libérés         1 (bail expiré)" in summary.lines()


# --- the nightly's shortcuts agree with the full computation ----------------------------------


def test_fast_scorer_matches_the_domain_formula() -> None:
    import itertools
    from dataclasses import asdict

    from recouvre_tui.domain.priority import ScoreInput, score
    from recouvre_tui.services.scoring import Scorer

    settings = env_settings()
    scorer = Scorer(settings)
    grid = itertools.product(
        (0, -5_000, 99, 10_000, 423_049, 100_000_000),
        (-3, 0, 1, 83, 100, 400),
        (0, 1, 4),
        (False, True),
        (None, -2.5, 0.0, 12.5, 80.0),
        (0, 2, 3, 4, 9),
    )
    for bal, days, broken, never, delay, streak in grid:
        expected = score(ScoreInput(bal, days, broken, never, delay, streak), settings.score)
        total, components = scorer(bal, days, broken, never, delay, streak)
        assert total == expected.total
        assert json.loads(components) == [asdict(c) for c in expected.components]
        assert components == json.dumps([asdict(c) for c in expected.components], ensure_ascii=False)


def env_settings():
    from queue_helpers import SETTINGS

    return SETTINGS


def test_balance_invariants_hold_after_the_fifo_and_catch_corruption(tmp_path: Path) -> None:
    import random

    from recouvre_tui.store.ledger import balance_mismatches, recompute_balances

    e = make_env(tmp_path)
    rng = random.Random(20261117)
    with e.store.write() as conn:
        for d in range(1, 301):
            conn.execute(
                "INSERT INTO debtors (id, ref, name, segment, created_at, updated_at) "
                "VALUES (?, ?, 'x', 'B2C', '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
                (d, f"R{d:03d}"),
            )
            refs = []
            for k in range(rng.randint(0, 5)):
                amount = rng.choice([rng.randint(1, 90_000), rng.randint(1, 90_000), -rng.randint(1, 30_000)])
                refs.append(f"F{k}")
                conn.execute(
                    "INSERT INTO invoices (debtor_id, ref, due_date, amount_cents, lettered, source, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, 'csv', 'x', 'x')",
                    (
                        d,
                        f"F{k}",
                        f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
                        amount,
                        int(rng.random() < 0.1),
                    ),
                )
            for k in range(rng.randint(0, 3)):
                conn.execute(
                    "INSERT INTO payments (debtor_id, ref, paid_on, amount_cents, invoice_ref, lettered, source, "
                    "created_at) VALUES (?, ?, '2026-10-01', ?, ?, ?, 'csv', 'x')",
                    (
                        d,
                        f"V{k}",
                        rng.randint(1, 120_000),
                        rng.choice([None, None, *refs]) if refs else None,
                        int(rng.random() < 0.1),
                    ),
                )
        recompute_balances(conn, None)
        assert balance_mismatches(conn, 1, 300) == []
        conn.execute("UPDATE debtors SET balance_cents = balance_cents + 1 WHERE id = 7")
        conn.execute("UPDATE debtors SET oldest_due = '2000-01-01' WHERE id = 8")
        moved = conn.execute(
            "SELECT debtor_id FROM invoices WHERE open_cents > 0 AND debtor_id > 8 ORDER BY debtor_id LIMIT 1"
        ).fetchone()[0]
        conn.execute("UPDATE invoices SET open_cents = open_cents - 1 WHERE debtor_id = ? AND open_cents > 0", (moved,))
        assert balance_mismatches(conn, 1, 300) == [7, 8, moved]
        recompute_balances(conn, range(1, 301))
        assert balance_mismatches(conn, 1, 300) == []


def test_an_outcome_during_the_refresh_is_not_overwritten(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between a chunk's snapshot and its write an agent records an outcome: the chunk's
    write recomputes that debtor from its facts instead of writing the stale plan."""
    refresh(env.store, now=NOW, settings=env.settings)
    real_plan = refresh_mod._plan_chunk

    def plan_then_outcome(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        env.outcome("alice", "B", "no_answer", now=NOW + timedelta(days=1))
        env.outcome("alice", "B", "voicemail", now=NOW + timedelta(days=1, hours=5))
        env.outcome("alice", "B", "no_answer", now=NOW + timedelta(days=1, hours=9))
        return plan

    monkeypatch.setattr(refresh_mod, "_plan_chunk", plan_then_outcome)
    summary = refresh(env.store, now=NOW + timedelta(days=1), settings=env.settings)
    assert summary.recomputed_in_full == 1
    # 3 reminders: wear −6 is in the score although the snapshot did not see them.
    assert env.one("SELECT wear_streak FROM debtor_scores WHERE debtor_id = 2") == 3
    components = json.loads(env.one("SELECT components FROM debtor_scores WHERE debtor_id = 2"))
    assert components[-1]["points"] == -6.0


def test_an_import_during_the_refresh_recomputes_the_chunk(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    refresh(env.store, now=NOW, settings=env.settings)
    real_plan = refresh_mod._plan_chunk

    def plan_then_import(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        env.add_payments([("P", "V9", days_before(0), "800")])
        return plan

    monkeypatch.setattr(refresh_mod, "_plan_chunk", plan_then_import)
    summary = refresh(env.store, now=NOW, settings=env.settings)
    assert summary.recomputed_in_full == 5
    assert env.one("SELECT balance_cents FROM debtors WHERE ref = 'P'") == 0


def test_score_inputs_one_by_one_match_the_set_based_query(env: Env) -> None:
    from recouvre_tui.store import scores

    env.outcome("alice", "B", "no_answer", now=NOW)
    env.outcome("alice", "B", "voicemail", now=NOW + timedelta(hours=5))
    env.add_events([("K", "2026-11-15 10:00", "letter", "out", ""), ("K", "2026-11-16 10:00", "call", "in", "")])
    with env.store.read() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM debtors ORDER BY id")]

        def key(i: scores.ScoreInputs) -> int:
            return i.debtor_id

        by_query = sorted(scores._score_inputs(conn, ids), key=key)
        assert sorted(scores._score_inputs_one_by_one(conn, ids), key=key) == by_query
        # A debtor gone meanwhile (an id without its row) is skipped, by both.
        gone = [*ids, max(ids) + 1000]
        assert sorted(scores._score_inputs_one_by_one(conn, gone), key=key) == by_query
        assert sorted(scores._score_inputs(conn, gone), key=key) == by_query
        assert [i.wear_streak for i in by_query] == [0, 2, 0, 1, 0]  # K, B, P, C, E by id
        assert sorted(scores.score_inputs(conn, ids[:2]), key=key) == by_query[:2]
