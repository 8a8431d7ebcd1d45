"""Weekly KPIs per agent (docs/kpis.md), with hand-computed figures.

Week 2026-W47 = Monday 16 – Sunday 22 November 2026 (Paris, CET = UTC+1); evaluated on
Monday 30 November, so every promise of the week is settled.

W46 (Tuesday 10 November), promises whose last due + 3 days falls in W47:
- alice, A1: 100 € due 13/11, paid 100 € on 12/11                       → kept   (16/11)
- alice, A2: 200 € due 18/11, nothing paid                              → broken (21/11)
- alice, P1: plan 40 € 12/11 + 40 € 19/11, paid 12/11 and 20/11 (≤ 22/11) → kept   (22/11)
- bob,   B1: 500 € due 16/11, 200 € paid on 17/11                       → broken (19/11)

W47 calls:
- alice (outcomes): 17/11 A1 no_answer, A2 voicemail; 18/11 A1 promise 250 € (due 27/11);
  19/11 P1 refusal; 20/11 A2 plan 2 × 100 €. Imported: 16/11 00:30 Paris (= 15/11 23:30 UTC) busy
  and 22/11 23:30 Paris no_answer count; 15/11 23:30 and 23/11 00:10 Paris, an inbound call and a
  letter do not.
  → calls 7, RPC 3 (promise, refusal, plan), promises 2 = 450 €, kept 2, broken 1.
- bob (outcomes): 16/11 B2 wrong_number; 17/11 B1 paid; 18/11 B2 promise 50 €, then cancelled.
  → calls 3, RPC 2, promises 0 (cancelled), kept 0, broken 1.
Collected (payments dated in W47, debtors by current agent): alice A1 55 € (22/11; the 99 € of 23/11
is W48); bob B1 200 € (17/11); P1's 40 € of 20/11 is the pool's (not shown).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lead_helpers import SETTINGS, LeadEnv, make_lead_env, utc
from recouvre_tui.services import lead
from recouvre_tui.services.promise_tracking import cancel_promise

EVAL = utc(2026, 11, 30, 10)
WEEK = "2026-W47"


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    e = make_lead_env(tmp_path)
    w46 = utc(2026, 11, 10, 10)
    e.outcome(e.alice, "A1", "promise", now=w46, instalments=[(date(2026, 11, 13), 10_000)])
    e.outcome(e.alice, "A2", "promise", now=w46, instalments=[(date(2026, 11, 18), 20_000)])
    e.outcome(e.alice, "P1", "plan", now=w46, instalments=[(date(2026, 11, 12), 4_000), (date(2026, 11, 19), 4_000)])
    e.outcome(e.bob, "B1", "promise", now=w46, instalments=[(date(2026, 11, 16), 50_000)])

    e.outcome(e.alice, "A1", "no_answer", now=utc(2026, 11, 17, 9))
    e.outcome(e.alice, "A2", "voicemail", now=utc(2026, 11, 17, 9, 5))
    e.outcome(e.alice, "A1", "promise", now=utc(2026, 11, 18, 10), instalments=[(date(2026, 11, 27), 25_000)])
    e.outcome(e.alice, "P1", "refusal", now=utc(2026, 11, 19, 10))
    e.outcome(
        e.alice,
        "A2",
        "plan",
        now=utc(2026, 11, 20, 10),
        instalments=[(date(2026, 11, 25), 10_000), (date(2026, 12, 10), 10_000)],
    )
    e.outcome(e.bob, "B2", "wrong_number", now=utc(2026, 11, 16, 10))
    e.outcome(e.bob, "B1", "paid", now=utc(2026, 11, 17, 10))
    r = e.outcome(e.bob, "B2", "promise", now=utc(2026, 11, 18, 10), instalments=[(date(2026, 11, 25), 5_000)])
    assert r.promise_ref
    cancel_promise(
        e.store, e.bob, r.promise_ref, reason="saisie en double", now=utc(2026, 11, 18, 11), settings=SETTINGS
    )

    e.add_events(
        [
            ("A1", "2026-11-16 00:30", "call", "out", "busy", "alice"),
            ("A1", "2026-11-15 23:30", "call", "out", "no_answer", "alice"),
            ("A2", "2026-11-22 23:30", "call", "out", "no_answer", "alice"),
            ("A2", "2026-11-23 00:10", "call", "out", "no_answer", "alice"),
            ("A1", "2026-11-17 15:00", "call", "in", "", "alice"),
            ("A1", "2026-11-18 09:00", "letter", "out", "", "alice"),
        ],
        now=EVAL,
    )
    e.add_payments(
        [
            ("A1", "PAY-A1a", "2026-11-12", "100,00"),
            ("A1", "PAY-A1b", "2026-11-22", "55,00"),
            ("A1", "PAY-A1c", "2026-11-23", "99,00"),
            ("P1", "PAY-P1a", "2026-11-12", "40,00"),
            ("P1", "PAY-P1b", "2026-11-20", "40,00"),
            ("B1", "PAY-B1a", "2026-11-17", "200,00"),
        ],
        now=EVAL,
    )
    return e


def by_agent(env: LeadEnv, week: str = WEEK, now: datetime = EVAL) -> dict[str, lead.KpiRow]:
    return {r.agent: r for r in lead.kpis(env.store, env.lea, week=week, now=now, settings=SETTINGS)}


def test_week_figures_per_agent(env: LeadEnv) -> None:
    rows = by_agent(env)
    assert list(rows) == ["alice", "bob"]  # the lead has no figures; the pool is nobody's
    alice, bob = rows["alice"], rows["bob"]
    assert (alice.calls, alice.rpc, alice.promises, alice.promised_cents) == (7, 3, 2, 45_000)
    assert (alice.kept, alice.broken, alice.collected_cents) == (2, 1, 5_500)
    assert alice.rpc_rate == pytest.approx(3 / 7)
    assert alice.promise_rate == pytest.approx(2 / 3)
    assert alice.kept_rate == pytest.approx(2 / 3)
    assert alice.attempts_per_rpc == pytest.approx(7 / 3)
    assert (bob.calls, bob.rpc, bob.promises, bob.promised_cents) == (3, 2, 0, 0)
    assert (bob.kept, bob.broken, bob.collected_cents) == (0, 1, 20_000)
    # bob's promise call of 18/11 ended in a promise (cancelled later as a duplicate entry): the
    # promise rate counts calls concluded with a promise, 1 of his 2 right-party contacts.
    assert (bob.contacts, bob.promise_contacts) == (2, 1)
    assert (bob.rpc_rate, bob.promise_rate, bob.kept_rate, bob.attempts_per_rpc) == (
        pytest.approx(2 / 3),
        0.5,
        0.0,
        1.5,
    )


def test_json_and_csv(env: LeadEnv) -> None:
    rows = lead.kpis(env.store, env.lea, week=WEEK, now=EVAL, settings=SETTINGS)
    assert rows[0].to_json() == {
        "week": "2026-W47",
        "agent": "alice",
        "name": "Alice",
        "calls": 7,
        "rpc": 3,
        "rpc_rate": 0.4286,
        "promises": 2,
        "contacts": 3,
        "promise_contacts": 2,
        "promise_rate": 0.6667,
        "promised": 450.0,
        "kept": 2,
        "broken": 1,
        "kept_rate": 0.6667,
        "collected": 55.0,
        "attempts_per_rpc": 2.3333,
    }
    assert lead.kpis_csv(rows).splitlines() == [
        "week,agent,name,calls,rpc,rpc_rate,promises,contacts,promise_contacts,promise_rate,promised,kept,broken,"
        "kept_rate,collected,attempts_per_rpc",
        "2026-W47,alice,Alice,7,3,0.4286,2,3,2,0.6667,450.0,2,1,0.6667,55.0,2.3333",
        "2026-W47,bob,Bob,3,2,0.6667,0,2,1,0.5,0.0,0,1,0.0,200.0,1.5",
    ]


def test_previous_week(env: LeadEnv) -> None:
    """W46: the four promises recorded on 10/11 (RPC calls) and the imported call of Sunday 15/11
    23:30 Paris; no promise falls due + grace in W46."""
    rows = by_agent(env, "2026-W46")
    alice, bob = rows["alice"], rows["bob"]
    assert (alice.calls, alice.rpc, alice.promises, alice.promised_cents) == (4, 3, 3, 38_000)
    assert (alice.kept, alice.broken, alice.kept_rate, alice.promise_rate) == (0, 0, None, 1.0)
    assert alice.collected_cents == 10_000  # A1, 12/11
    assert (bob.calls, bob.rpc, bob.promises, bob.promised_cents) == (1, 1, 1, 50_000)


def test_an_empty_week_has_no_rates(env: LeadEnv) -> None:
    rows = by_agent(env, "2026-W40")
    assert list(rows) == ["alice", "bob"]
    r = rows["alice"]
    assert (r.calls, r.rpc, r.promises, r.collected_cents) == (0, 0, 0, 0)
    assert (r.rpc_rate, r.promise_rate, r.kept_rate, r.attempts_per_rpc) == (None, None, None, None)
    assert lead.kpis_csv([r]).splitlines()[1] == "2026-W40,alice,Alice,0,0,,0,0,0,,0.0,0,0,,0.0,"


def test_promise_rate_counts_inbound_contacts_and_never_exceeds_one(env: LeadEnv) -> None:
    """W48: alice's outbound refusal and two inbound calls ending in a promise (imported, with
    their promises). Promises over outbound RPC would read 2 / 1 = 200 %; contacts ending in a
    promise over every right-party contact read 2 / 3."""
    env.add_events(
        [
            ("A1", "2026-11-24 10:00", "call", "out", "refusal", "alice"),
            ("A1", "2026-11-25 10:00", "call", "in", "promise", "alice"),
            ("A2", "2026-11-26 10:00", "call", "in", "promise", "alice"),
        ],
        now=EVAL,
    )
    env.add_promises(
        [
            ("A1", "PR-IN-1", "2026-11-25 10:00", "2026-12-10", "30,00"),
            ("A2", "PR-IN-2", "2026-11-26 10:00", "2026-12-10", "40,00"),
        ],
        now=EVAL,
    )
    alice = by_agent(env, "2026-W48")["alice"]
    assert (alice.rpc, alice.promises, alice.contacts, alice.promise_contacts) == (1, 2, 3, 2)
    assert alice.promise_rate == pytest.approx(2 / 3)
    for week in ("2026-W46", "2026-W47", "2026-W48"):
        for row in by_agent(env, week).values():
            assert row.promise_rate is None or 0 <= row.promise_rate <= 1


def test_collected_follows_the_current_assignment(env: LeadEnv) -> None:
    lead.assign(env.store, env.lea, ["B1"], to="alice", now=EVAL)
    rows = by_agent(env)
    assert rows["alice"].collected_cents == 25_500
    assert rows["bob"].collected_cents == 0
    assert rows["bob"].broken == 1  # promises stay with whoever recorded them


def test_promises_are_evaluated_at_now(env: LeadEnv) -> None:
    """On Thursday 19/11 only A1's promise is settled (kept): A2's (due 18/11) and P1's plan (last due
    19/11, paid 20/11) are still within their grace, hence pending."""
    rows = by_agent(env, now=utc(2026, 11, 19, 12))
    assert (rows["alice"].kept, rows["alice"].broken) == (1, 0)


def test_bad_week_is_refused(env: LeadEnv) -> None:
    from recouvre_tui.domain.dates import DateError

    with pytest.raises(DateError):
        lead.kpis(env.store, env.lea, week="2026-47", now=EVAL, settings=SETTINGS)


_WEEKS = iter(range(1, 53))  # one ISO week of 2025 per example: examples never share events
_CALL_OUTCOMES = ["", "no_answer", "busy", "wrong_number", "promise", "plan", "paid", "refusal", "callback", "hardship"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(st.tuples(st.sampled_from(["out", "in"]), st.sampled_from(_CALL_OUTCOMES)), max_size=12))
def test_promise_rate_is_contacts_ending_in_a_promise_over_contacts(env: LeadEnv, calls: list[tuple[str, str]]) -> None:
    week_no = next(_WEEKS)
    monday = date.fromisocalendar(2025, week_no, 1)
    rows = [
        ("A1", f"{monday.isoformat()} {10 + i // 6:02d}:{(i % 6) * 10:02d}", "call", direction, outcome, "alice")
        for i, (direction, outcome) in enumerate(calls)
    ]
    if rows:
        env.add_events(rows, now=EVAL)
    alice = by_agent(env, f"2025-W{week_no:02d}")["alice"]
    rpc = [o for _d, o in calls if o in {"promise", "plan", "paid", "refusal", "callback", "hardship"}]
    concluded = [o for o in rpc if o in {"promise", "plan"}]
    assert (alice.contacts, alice.promise_contacts) == (len(rpc), len(concluded))
    assert alice.promise_rate == (len(concluded) / len(rpc) if rpc else None)
    assert alice.promise_rate is None or 0 <= alice.promise_rate <= 1
