"""Work queue through the service (import → list_queue / take_next), not just the domain.

Reference instant NOW = Tue 17 Nov 2026 10:00 UTC = 11:00 Paris (see queue_helpers). Scores
are computed by hand with the default weights (docs/priority.md):
balance 10 × log10(€), days past due 0.3/day capped at 30, broken promises 10 each,
never contacted 15, payment behaviour 0 (no FEC history), wear 0 (no streak ≥ 3).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from queue_helpers import NOW, Debtor, Env, days_before, make_env, utc
from recouvre_tui.services.refresh import refresh


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return make_env(tmp_path)


def _broken_promise(env: Env, ref: str, amount: str) -> None:
    """A promise recorded 30 days ago, one instalment due 20 days ago, never paid: broken."""
    env.add_promises([(ref, f"PR-{ref}", days_before(30), days_before(20), amount)])


# --------------------------------------------------------------------------- order


@pytest.fixture
def ordered(env: Env) -> Env:
    env.add_debtors(
        [
            # alice's portfolio
            Debtor("A1", agent="alice", invoices=[("F-A1", days_before(90), "1000")]),
            Debtor("A2", agent="alice", invoices=[("F-A2", days_before(10), "10000")]),
            Debtor("A3", agent="alice", invoices=[("F-A3", days_before(10), "100")]),
            # the pool (nobody's)
            Debtor("P1", invoices=[("F-P1", days_before(200), "100000")]),
            Debtor("P2", invoices=[("F-P2", days_before(30), "500")]),
            Debtor("C1", invoices=[("F-C1", days_before(5), "50")]),
            # bob's portfolio: the biggest of all, never alice's
            Debtor("B1", agent="bob", invoices=[("F-B1", days_before(300), "900000")]),
        ]
    )
    _broken_promise(env, "A3", "50")
    _broken_promise(env, "P2", "50")
    # Yesterday the debtor C1 asked to be called back at 10:30 today (Paris).
    env.outcome(
        "alice",
        "C1",
        "callback",
        now=NOW - timedelta(days=1),
        callback_at=utc(2026, 11, 17, 9, 30),
    )
    refresh(env.store, now=NOW, settings=env.settings)  # last night's scores, as of today
    return env


def test_order_callback_then_portfolio_then_pool_class_before_score(ordered: Env) -> None:
    entries = ordered.queue("alice")
    got = [(e.debtor_ref, e.priority_class, e.score) for e in entries]
    assert got == [
        # class 0: callback due (17.0 + 1.5 = 18.5; reached yesterday, so not "never")
        ("C1", 0, 18.5),
        # portfolio, class 1: 100 € → 20, 10 d → 3, 1 broken → 10, promise = reached → 0
        ("A3", 1, 33.0),
        # portfolio, class 2 by score: 1 000 € → 30 + 90 d → 27 + never → 15 = 72
        ("A1", 2, 72.0),
        # 10 000 € → 40 + 10 d → 3 + never → 15 = 58
        ("A2", 2, 58.0),
        # pool, class 1: 500 € → 27.0 (26.99), 30 d → 9, broken → 10 = 46
        ("P2", 1, 46.0),
        # pool, class 2: 100 000 € → 50 + 200 d → capped 30 + never 15 = 95
        ("P1", 2, 95.0),
    ]


def test_each_entry_says_where_it_comes_from(ordered: Env) -> None:
    origins = [(e.debtor_ref, e.origin, e.origin_label) for e in ordered.queue("alice")]
    assert origins == [
        ("C1", "callback", "rappel prévu (pool de l'équipe)"),  # C1 is nobody's; alice asked for the callback
        ("A3", "portfolio", "votre portefeuille"),
        ("A1", "portfolio", "votre portefeuille"),
        ("A2", "portfolio", "votre portefeuille"),
        ("P2", "pool", "pool de l'équipe"),
        ("P1", "pool", "pool de l'équipe"),
    ]
    assert ordered.queue("alice")[1].to_json()["origin"] == "portfolio"


def test_score_components_explain_the_rank(ordered: Env) -> None:
    a1 = next(e for e in ordered.queue("alice") if e.debtor_ref == "A1")
    points = {c["code"]: c["points"] for c in a1.components}
    assert points == {
        "balance": 30.0,
        "days_past_due": 27.0,
        "broken_promises": 0.0,
        "never_contacted": 15.0,
        "payment_behaviour": 0.0,
        "wear": 0.0,
    }
    assert sum(points.values()) == a1.score == 72.0
    assert a1.reasons.startswith("solde 1\u202f000 € +30 · retard 90 j +27 · ")
    assert "jamais joint +15" in a1.reasons
    a3 = next(e for e in ordered.queue("alice") if e.debtor_ref == "A3")
    assert a3.reasons.startswith("promesse rompue à relancer · ")
    assert "1 promesse rompue +10" in a3.reasons
    # The same status word everywhere (TUI queue and review, `recouvre queue`, exports).
    assert (a1.status, a3.status) == ("à appeler", "promesse rompue")


def test_wear_points_use_the_typographic_minus(env: Env) -> None:
    env.add_debtors([Debtor("W1", invoices=[("F", days_before(60), "100")])])
    # 4 letters, no response: a streak of 4 → max(4 × −2, −10) = −8
    env.add_events([("W1", f"2026-10-0{d} 10:00", "letter", "out", "") for d in (1, 2, 3, 4)])
    (w1,) = env.queue("alice")
    # 20 + 18 (60 d × 0.3) + 15 (letters are reminders, not contacts) − 8 = 45
    assert w1.score == 45.0
    assert w1.reasons.endswith("4 relances sans réponse −8")


def test_an_agent_never_sees_another_agents_debtor(ordered: Env) -> None:
    # B1 has the highest score of all, and bob asks it to be called back 10 minutes ago:
    # his own callback for 30 minutes (callback_handover_minutes), not the team's yet.
    ordered.outcome("bob", "B1", "callback", now=NOW - timedelta(hours=5), callback_at=NOW - timedelta(minutes=10))
    for include_blocked in (False, True):
        refs = [e.debtor_ref for e in ordered.queue("alice", include_blocked=include_blocked)]
        assert "B1" not in refs
    # bob: alice's C1 callback (09:30, untaken for 30 minutes: the team's) then his own B1.
    assert ordered.refs("bob")[:2] == ["C1", "B1"]
    # alice takes every case she can, one after the other: never B1.
    taken = []
    while (e := ordered.take("alice")) is not None:
        taken.append(e.debtor_ref)
        ordered.outcome("alice", e.debtor_ref, "no_answer")
    assert "B1" not in taken
    assert sorted(taken) == ["A1", "A2", "A3", "C1", "P1", "P2"]


def test_a_lead_sees_the_pool_but_not_the_agents_portfolios_in_his_queue(ordered: Env) -> None:
    # C1's callback (09:30 UTC) belongs to alice: at 09:59 for the lead it is a pool debtor
    # like the others; at 10:00 (30 minutes untaken) it is the team's, first in line.
    assert ordered.refs("lea", now=NOW - timedelta(minutes=1)) == ["P2", "P1", "C1"]
    assert ordered.refs("lea") == ["C1", "P2", "P1"]


# --------------------------------------------------------------------------- blocks


def test_static_blocks_are_hidden_and_explained(env: Env) -> None:
    env.add_debtors(
        [
            Debtor("H1", invoices=[("F", days_before(40), "100")]),
            Debtor("H2", invoices=[("F", days_before(40), "200")]),
            Debtor("H3", invoices=[("F", days_before(40), "300")]),
            Debtor("OK", invoices=[("F", days_before(40), "50")]),
            Debtor("Z0"),  # no invoice: no balance, never in the queue
        ]
    )
    env.set_flag("H1", "on_hold")
    env.set_flag("H2", "do_not_call")
    env.set_flag("H3", "dispute_open")
    assert env.refs("alice") == ["OK"]
    assert env.blocked("alice", "H1") == ["on_hold"]
    assert env.blocked("alice", "H2") == ["do_not_call"]
    assert env.blocked("alice", "H3") == ["dispute"]
    assert env.blocked("alice", "OK") == []
    refs = [e.debtor_ref for e in env.queue("alice", include_blocked=True)]
    assert "Z0" not in refs


def test_outside_hours_in_the_debtors_local_time(env: Env) -> None:
    env.add_debtors(
        [
            Debtor("PRO", segment="B2B", invoices=[("F", days_before(40), "100")]),
            Debtor("PART", segment="B2C", invoices=[("F", days_before(40), "100")]),
            Debtor("RUN", postcode="97400", phone="0692123456", invoices=[("F", days_before(40), "90")]),
        ]
    )
    # Tue 12:45 Paris (11:45 UTC): B2B lunch break, B2C open; Réunion 15:45 open.
    lunch = utc(2026, 11, 17, 11, 45)
    assert env.refs("alice", now=lunch) == ["PART", "RUN"]
    assert env.blocked("alice", "PRO", now=lunch) == ["outside_hours"]
    # Tue 14:00 Paris: B2B open again (start inclusive).
    assert "PRO" in env.refs("alice", now=utc(2026, 11, 17, 13, 0))
    # Tue 18:30 Paris = 21:30 at La Réunion (UTC+4): B2C Paris open, Réunion closed, B2B closed.
    evening = utc(2026, 11, 17, 17, 30)
    assert env.refs("alice", now=evening) == ["PART"]
    assert env.blocked("alice", "RUN", now=evening) == ["outside_hours"]
    # Saturday 11:00 Paris: B2C only; Sunday: nobody.
    assert env.refs("alice", now=utc(2026, 11, 21, 10, 0)) == ["PART", "RUN"]
    assert env.refs("alice", now=utc(2026, 11, 22, 10, 0)) == []
    assert env.take("alice", now=utc(2026, 11, 22, 10, 0)) is None


def test_local_public_holidays(env: Env) -> None:
    env.add_debtors(
        [
            Debtor("PARIS", invoices=[("F", days_before(40), "100")]),
            Debtor("METZ", postcode="57000", invoices=[("F", days_before(40), "100")]),
            Debtor("PAP", postcode="97110", phone="0690123456", invoices=[("F", days_before(40), "100")]),
        ]
    )
    # Wed 11 Nov 2026, Armistice: a holiday everywhere.
    armistice = utc(2026, 11, 11, 10, 0)
    assert env.refs("alice", now=armistice) == []
    assert env.blocked("alice", "PARIS", now=armistice) == ["holiday"]
    # Sat 26 Dec 2026 15:00 Paris (10:00 in Guadeloupe): Saint-Étienne in Moselle only.
    st_etienne = utc(2026, 12, 26, 14, 0)
    assert env.refs("alice", now=st_etienne) == ["PAP", "PARIS"]
    assert env.blocked("alice", "METZ", now=st_etienne) == ["holiday"]
    # Wed 27 May 2026 14:00 UTC = 10:00 in Guadeloupe: abolition of slavery there only.
    abolition = utc(2026, 5, 27, 14, 0)
    assert env.refs("alice", now=abolition) == ["METZ", "PARIS"]
    assert env.blocked("alice", "PAP", now=abolition) == ["holiday"]


def _attempts(ref: str, times: list[str]) -> list[tuple[str, str, str, str, str]]:
    return [(ref, t, "call", "out", "no_answer") for t in times]


def test_attempt_cap_over_a_rolling_seven_days(env: Env) -> None:
    env.add_debtors(
        [
            Debtor("CAP", invoices=[("F", days_before(40), "100")]),
            Debtor("SIX", invoices=[("F", days_before(40), "100")]),
        ]
    )
    later = ["2026-11-11 10:00", "2026-11-12 10:00", "2026-11-13 10:00", "2026-11-14 10:00"]
    later += ["2026-11-15 10:00", "2026-11-16 09:00"]
    # NOW − 7 days = 10 Nov 10:00 UTC = 11:00 Paris: 11:01 is inside, 10:59 is not.
    env.add_events(_attempts("CAP", ["2026-11-10 11:01", *later]))
    env.add_events(_attempts("SIX", ["2026-11-10 10:59", *later]))
    assert env.refs("alice") == ["SIX"]
    assert env.blocked("alice", "CAP") == ["attempt_cap"]
    # One minute later the oldest attempt has aged out.
    assert env.refs("alice", now=NOW + timedelta(minutes=2)) == ["CAP", "SIX"]


def test_four_hour_gap_since_the_last_attempt(env: Env) -> None:
    env.add_debtors(
        [
            Debtor("EARLY", invoices=[("F", days_before(40), "100")]),
            Debtor("LATE", invoices=[("F", days_before(40), "100")]),
        ]
    )
    # NOW is 11:00 Paris: 07:00 is exactly 4 h ago (allowed), 07:01 is 3 h 59 ago.
    env.add_events(_attempts("EARLY", ["2026-11-17 07:00"]))
    env.add_events(_attempts("LATE", ["2026-11-17 07:01"]))
    assert env.refs("alice") == ["EARLY"]
    (late,) = [e for e in env.queue("alice", include_blocked=True) if e.debtor_ref == "LATE"]
    assert late.blocked_by == ["min_interval"]
    assert late.explanations == ["moins de 4 h depuis la dernière tentative (rappel possible à 11:01)"]


def test_a_due_callback_overrides_the_gap(env: Env) -> None:
    env.add_debtors([Debtor("CB", invoices=[("F", days_before(40), "100")])])
    # 10:00 Paris: the debtor asks to be called back at 10:50 Paris.
    env.outcome("alice", "CB", "callback", now=NOW - timedelta(hours=1), callback_at=utc(2026, 11, 17, 9, 50))
    # 10:40 Paris: callback not due, 40 min since the last call: blocked by the gap.
    assert env.blocked("alice", "CB", now=NOW - timedelta(minutes=20)) == ["min_interval"]
    # 11:00 Paris: the callback is due: class 0, the gap is waived.
    (cb,) = env.queue("alice")
    assert (cb.debtor_ref, cb.priority_class, cb.callable) == ("CB", 0, True)
    assert cb.reasons.startswith("rappel prévu · ")
    assert cb.status == "rappel prévu"
    taken = env.take("alice")
    assert taken is not None and taken.debtor_ref == "CB" and taken.priority_class == 0


def test_callback_of_another_agent_is_not_class_zero_for_me(env: Env) -> None:
    env.add_debtors([Debtor("CB", invoices=[("F", days_before(40), "100")])])
    env.outcome("bob", "CB", "callback", now=NOW - timedelta(hours=1), callback_at=utc(2026, 11, 17, 9, 50))
    (e,) = env.queue("alice")
    assert e.priority_class == 2
    (e,) = env.queue("bob")
    assert e.priority_class == 0


def test_promise_pending_then_due_then_missed(env: Env) -> None:
    env.add_debtors(
        [
            Debtor("PROM", invoices=[("F", days_before(40), "100")]),
            Debtor("BIG", invoices=[("F", days_before(200), "50000")]),
        ]
    )
    # Promise recorded yesterday, one instalment due Mon 23 Nov (T + 6).
    env.add_promises([("PROM", "PR1", days_before(1), "2026-11-23", "60")])
    assert env.refs("alice") == ["BIG"]
    (pending,) = [e for e in env.queue("alice", include_blocked=True) if e.debtor_ref == "PROM"]
    assert pending.blocked_by == ["promise_pending"]
    assert pending.explanations == ["promesse en cours jusqu'au 23/11"]
    # Mon 23 Nov: the instalment is due today → callable again (no refresh needed).
    monday = NOW + timedelta(days=6)
    assert env.refs("alice", now=monday) == ["BIG", "PROM"]
    # Fri 27 Nov = due + 4 > due + grace 3: missed → the nightly marks the promise broken
    # and the debtor goes to the top (class 1: broken, not followed up).
    friday = NOW + timedelta(days=10)
    refresh(env.store, now=friday, settings=env.settings)
    assert env.one("SELECT status, broken_on FROM promises") == ("broken", "2026-11-27")
    top = env.queue("alice", now=friday)[0]
    assert (top.debtor_ref, top.priority_class) == ("PROM", 1)


def test_a_paid_instalment_does_not_block(env: Env) -> None:
    env.add_debtors([Debtor("PP", invoices=[("F", days_before(40), "100")])])
    env.add_promises(
        [
            ("PP", "PR", days_before(2), days_before(1), "40"),
            ("PP", "PR", days_before(2), "2026-12-10", "40"),
        ]
    )
    # The first instalment is due (yesterday) and unpaid → callable.
    assert env.refs("alice") == ["PP"]
    env.add_payments([("PP", "PAY1", days_before(1), "40")])
    # Paid: only the December one is left, not yet due → blocked until then.
    assert env.blocked("alice", "PP") == ["promise_pending"]


def test_claimed_by_a_colleague_is_blocked_for_me(env: Env) -> None:
    env.add_debtors([Debtor("X", invoices=[("F", days_before(40), "100")])])
    assert env.take("bob") is not None
    assert env.refs("alice") == []
    assert env.blocked("alice", "X") == ["claimed"]
    assert env.refs("bob") == ["X"]  # bob still sees his own case


def test_no_valid_phone(env: Env) -> None:
    env.add_debtors([Debtor("NOPH", phone="", invoices=[("F", days_before(40), "100")])])
    assert env.blocked("alice", "NOPH") == ["no_valid_phone"]


def test_next_scans_past_uncallable_debtors(env: Env) -> None:
    # 30 B2B debtors outrank one B2C debtor; at lunch time only the B2C one is callable.
    env.add_debtors(
        [Debtor(f"B{i:02d}", segment="B2B", invoices=[("F", days_before(90), "9000")]) for i in range(30)]
        + [Debtor("C", invoices=[("F", days_before(1), "10")])]
    )
    lunch = utc(2026, 11, 17, 11, 45)
    taken = env.take("alice", now=lunch)
    assert taken is not None and taken.debtor_ref == "C"
