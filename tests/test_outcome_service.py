"""Recording a call outcome (services.outcome) end to end: validation changes nothing,
each disposition has its effect on the queue, broken promises are followed up."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from queue_helpers import NOW, Debtor, Env, days_before, make_env, utc
from recouvre_tui.services.outcome import OutcomeError
from recouvre_tui.services.refresh import refresh


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.add_debtors(
        [
            # 1 000 € 40 days past due: 30 + 12 + 15 (never reached) = 57
            Debtor("D1", agent="alice", invoices=[("F1", days_before(40), "1000")]),
            Debtor("D2", agent="bob", invoices=[("F2", days_before(40), "1000")]),
        ]
    )
    return e


def score_of(env: Env, ref: str) -> tuple[int, float]:
    return env.one("SELECT priority_class, score FROM debtors WHERE ref = ?", (ref,))


INVALID = [
    pytest.param(
        {"disposition": "promise"},
        [("promise", "« promesse » demande au moins une échéance (date et montant)")],
        id="promise-without-instalment",
    ),
    pytest.param(
        {"disposition": "plan", "instalments": [(date(2026, 11, 30), 50_000)]},
        [("promise", "un échéancier compte au moins deux échéances")],
        id="plan-with-one-instalment",
    ),
    pytest.param(
        {"disposition": "callback", "callback_at": NOW - timedelta(minutes=1)},
        [("callback", "la date de rappel doit être dans le futur")],
        id="callback-in-the-past",
    ),
    pytest.param(
        {"disposition": "callback"},
        [("callback", "« rappel demandé » demande une date et une heure de rappel")],
        id="callback-without-time",
    ),
    pytest.param(
        {"disposition": "hung_up"},
        [("disposition", "issue d'appel inconnue « hung_up »")],
        id="unknown-disposition",
    ),
    pytest.param(
        {"disposition": "no_answer", "reason": "lazy"},
        [("reason", "motif inconnu « lazy »")],
        id="unknown-reason",
    ),
    pytest.param(
        {"disposition": "promise", "instalments": [(date(2026, 11, 30), 200_000)]},
        [
            (
                "total",
                "le montant promis dépasse le solde (2\u202f000,00 € pour un solde de 1\u202f000,00 €)",
            )
        ],
        id="promise-above-balance",
    ),
    pytest.param(
        {"disposition": "promise", "instalments": [(date(2026, 11, 16), 10_000)]},
        [("first_due", "la première échéance (16/11/2026) est déjà passée")],
        id="promise-in-the-past",
    ),
]


@pytest.mark.parametrize(("fields", "errors"), INVALID)
def test_invalid_outcome_changes_nothing(env: Env, fields: dict, errors: list) -> None:
    env.take("alice")
    before = env.snapshot()
    audit_before = env.one("SELECT COUNT(*) FROM audit")
    disposition = fields.pop("disposition")
    with pytest.raises(OutcomeError) as exc:
        env.outcome("alice", "D1", disposition, **fields)
    assert exc.value.errors == errors
    assert env.snapshot() == before  # the claim is still held, no event, no promise
    assert env.one("SELECT COUNT(*) FROM audit") == audit_before


def test_unknown_debtor_and_other_portfolio(env: Env) -> None:
    before = env.snapshot()
    with pytest.raises(OutcomeError, match="débiteur inconnu « NOPE »"):
        env.outcome("alice", "NOPE", "no_answer")
    with pytest.raises(OutcomeError, match="n'est pas dans votre portefeuille"):
        env.outcome("alice", "D2", "no_answer")
    assert env.snapshot() == before
    env.outcome("lea", "D2", "no_answer")  # a lead may record on any debtor


def test_no_answer_is_a_reminder_and_wears(env: Env) -> None:
    assert score_of(env, "D1") == (2, 57.0)
    for hours in (0, 4, 8):
        env.outcome("alice", "D1", "no_answer", now=utc(2026, 11, 17, 8 + hours))
    # 3 reminders, no response: wear max(3 × −2, −10) = −6; still never reached: 57 − 6
    assert score_of(env, "D1") == (2, 51.0)
    assert (
        env.rows("SELECT kind, outcome, agent, source FROM events ORDER BY id")
        == [("reminder", "no_answer", "alice", "test")] * 3
    )
    # A conversation (refusal is a right-party contact) ends the streak and the "never".
    env.outcome("alice", "D1", "refusal", now=utc(2026, 11, 17, 17))
    assert score_of(env, "D1") == (2, 42.0)


def test_promise_blocks_until_due(env: Env) -> None:
    env.take("alice")
    result = env.outcome("alice", "D1", "promise", reason="forgot", instalments=[(date(2026, 11, 30), 40_000)])
    assert result.released and result.promise_ref == "P0000001"
    assert env.rows("SELECT ref, status, total_cents, last_due, agent FROM promises") == [
        ("P0000001", "pending", 40_000, "2026-11-30", "alice")
    ]
    assert env.rows("SELECT seq, due_date, amount_cents, status FROM instalments") == [
        (1, "2026-11-30", 40_000, "pending")
    ]
    assert env.one("SELECT kind, reason FROM events") == ("response", "forgot")
    assert env.blocked("alice", "D1", now=NOW + timedelta(hours=5)) == ["promise_pending"]
    assert env.refs("alice", now=utc(2026, 11, 30, 10)) == ["D1"]


def test_plan_of_two_instalments(env: Env) -> None:
    result = env.outcome(
        "alice",
        "D1",
        "plan",
        instalments=[(date(2026, 11, 30), 50_000), (date(2026, 12, 30), 50_000)],
    )
    assert result.promise_ref == "P0000001"
    assert env.rows("SELECT seq, due_date, amount_cents FROM instalments ORDER BY seq") == [
        (1, "2026-11-30", 50_000),
        (2, "2026-12-30", 50_000),
    ]


def test_dispute_opens_a_dispute_and_leaves_the_queue(env: Env) -> None:
    env.take("alice")
    env.outcome("alice", "D1", "dispute", reason="dispute", note="  livraison incomplète  ")
    assert env.one("SELECT dispute_open FROM debtors WHERE ref = 'D1'") == 1
    assert env.one("SELECT note FROM events") == "livraison incomplète"
    later = NOW + timedelta(days=1)
    assert env.refs("alice", now=later) == []
    assert env.blocked("alice", "D1", now=later) == ["dispute"]
    assert env.take("alice", now=later) is None


def test_wrong_number_flags_the_phone_to_verify(env: Env) -> None:
    env.import_csv(
        "debtors",
        ("debtor_ref", "name", "segment", "postcode", "phone", "phone2", "agent"),
        [("TWO", "Débiteur TWO", "B2C", "75011", "0612000001", "0612000002", "alice")],
    )
    env.add_invoices([("TWO", "F", days_before(5), "10")])
    env.outcome("alice", "D1", "wrong_number")
    env.outcome("alice", "TWO", "wrong_number")
    assert env.rows(
        "SELECT d.ref, p.e164, p.to_verify FROM phones p JOIN debtors d ON d.id = p.debtor_id "
        "WHERE d.ref <> 'D2' ORDER BY d.ref, p.position"
    ) == [
        ("D1", env.one("SELECT e164 FROM phones WHERE debtor_id = 1"), 1),
        ("TWO", "+33612000001", 1),
        ("TWO", "+33612000002", 0),
    ]
    # A bad number is not a reminder (no wear) and not a contact.
    assert {k for (k,) in env.rows("SELECT kind FROM events")} == {"neutral"}
    later = NOW + timedelta(hours=5)
    assert env.blocked("alice", "D1", now=later) == ["no_valid_phone"]
    assert env.blocked("alice", "TWO", now=later) == []  # the second number is still good


def test_broken_promise_goes_to_the_top_then_is_followed_up(env: Env) -> None:
    env.add_debtors([Debtor("BIG", agent="alice", invoices=[("F", days_before(300), "90000")])])
    env.outcome("alice", "D1", "promise", instalments=[(date(2026, 11, 20), 30_000)])
    assert env.refs("alice", now=NOW + timedelta(hours=5))[0] == "BIG"
    # Fri 20 Nov due, grace 3 → 23 Nov; on Tue 24 Nov it is missed.
    tuesday = utc(2026, 11, 24, 10)
    summary = refresh(env.store, now=tuesday, settings=env.settings)
    assert (summary.promises_broken, summary.newly_broken) == (1, 1)
    assert env.one("SELECT status, broken_on, followed_up_at FROM promises") == (
        "broken",
        "2026-11-24",
        None,
    )
    top = env.queue("alice", now=tuesday)[0]
    assert (top.debtor_ref, top.priority_class) == ("D1", 1)
    # 1 000 € → 30, 47 days → 14.1, 1 broken → 10, reached → 0: 54.1
    assert top.score == 54.1
    # The agent calls: whatever the outcome, the broken promise is followed up.
    env.outcome("alice", "D1", "no_answer", now=tuesday)
    assert env.one("SELECT followed_up_at FROM promises") == "2026-11-24 10:00:00"
    assert score_of(env, "D1") == (2, 54.1)  # the broken promise still counts in the score
    assert env.refs("alice", now=tuesday + timedelta(hours=5)) == ["BIG", "D1"]
    # And the next refresh does not bring it back to class 1.
    refresh(env.store, now=tuesday + timedelta(days=1), settings=env.settings)
    assert score_of(env, "D1")[0] == 2


def test_callback_comes_back_first_and_is_closed_by_the_next_outcome(env: Env) -> None:
    env.add_debtors([Debtor("BIG", agent="alice", invoices=[("F", days_before(300), "90000")])])
    result = env.outcome("alice", "D1", "callback", callback_at=utc(2026, 11, 18, 14), note="rappeler le gérant")
    assert result.callback_id is not None
    assert env.one("SELECT agent, due_at, note, done_at FROM callbacks") == (
        "alice",
        "2026-11-18 14:00:00",
        "rappeler le gérant",
        None,
    )
    assert env.refs("alice", now=utc(2026, 11, 18, 13, 59)) == ["BIG", "D1"]
    due = utc(2026, 11, 18, 14)
    assert env.refs("alice", now=due) == ["D1", "BIG"]
    env.outcome("alice", "D1", "paid", now=due)
    assert env.one("SELECT done_at FROM callbacks") == "2026-11-18 14:00:00"
    assert env.queue("alice", now=due, include_blocked=True)[0].debtor_ref == "BIG"


def test_actions_are_recorded_as_their_own_events(env: Env) -> None:
    env.outcome("alice", "D1", "dispute", actions=["duplicate", "sales_rep"])
    assert env.rows("SELECT channel, outcome, kind FROM events ORDER BY id") == [
        ("call", "dispute", "response"),
        ("email", "invoice_duplicate", "neutral"),
        ("email", "handed_to_sales_rep", "neutral"),
    ]


def test_the_audit_names_the_debtor_by_its_stored_ref_whatever_was_typed(env: Env) -> None:
    """The nightly redoes the debtors audited during its run by their ref: an outcome typed
    with a full-width « Ｄ1 » (a pasted reference) must be audited as D1, or the refresh would
    overwrite its score from a plan made before the call."""
    env.outcome("alice", "Ｄ1", "no_answer")
    assert env.rows("SELECT action, entity_ref FROM audit WHERE action = 'outcome'") == [("outcome", "D1")]
    assert env.one("SELECT COUNT(*) FROM events e JOIN debtors d ON d.id = e.debtor_id WHERE d.ref = 'D1'") == 1
