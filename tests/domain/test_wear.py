"""Wear of reminders (docs/rules.md, "Wear" and "Recommendations"): hand-built histories.

Week W = 2026-W10, Sunday S = 8 March 2026. Paris is UTC+1 all along (summer time starts on
29 March), so "S − 14 days" is Sunday 22 February, "S − 13" Monday 23 February, "S − 27"
Monday 9 February, "S − 28" Sunday 8 February, "S − 7" (end of W − 1) Sunday 1 March.
Times in the helpers are Paris wall-clock times. Amounts are cents: 100_000 = 1 000,00 €.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from recouvre_tui.domain.codes import Recommendation as R
from recouvre_tui.domain.config import WearRules
from recouvre_tui.domain.events import EventKind, classify, is_formal_notice
from recouvre_tui.domain.wear import (
    FatiguePoint,
    WearDebtor,
    WearEvent,
    WearReport,
    breakdown,
    compute_report,
    payment_event,
    promise_event,
    streak,
)

PARIS = ZoneInfo("Europe/Paris")
WEEK = "2026-W10"
S = date(2026, 3, 8)
RULES = WearRules()


def at(day: date | str, hhmm: str = "10:00", tz: str = "Europe/Paris") -> datetime:
    """A local wall-clock time to an aware UTC instant."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    h, m = map(int, hhmm.split(":"))
    return datetime(d.year, d.month, d.day, h, m, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def s_minus(days: int, hhmm: str = "10:00") -> datetime:
    return at(S - timedelta(days=days), hhmm)


def ev(
    when: datetime,
    channel: str = "call",
    direction: str = "out",
    outcome: str | None = "no_answer",
    *,
    agent: str | None = "alice",
    has_time: bool = True,
) -> WearEvent:
    """An event classified exactly as the store does it (`domain.events.classify`)."""
    if channel != "call" and outcome == "no_answer":
        outcome = None
    return WearEvent(
        at=when,
        kind=classify(channel, direction, outcome),
        channel=channel,
        agent=agent if channel == "call" else None,
        is_formal_notice=is_formal_notice(channel, direction, outcome),
        has_time=has_time,
    )


def call(days: int, hhmm: str = "10:00", agent: str | None = "alice") -> WearEvent:
    return ev(s_minus(days, hhmm), agent=agent)


def letter(days: int, *, notice: bool = False) -> WearEvent:
    """A date-only letter: 00:00 Paris on its date."""
    return ev(
        s_minus(days, "00:00"),
        "letter",
        outcome="formal_notice" if notice else None,
        has_time=False,
    )


def debtor(
    *events: WearEvent,
    ref: str = "D1",
    segment: str = "B2C",
    balance: int = 100_000,
    previous: int | None = None,
    tz: str = "Europe/Paris",
    agent: str | None = "alice",
) -> WearDebtor:
    return WearDebtor(
        ref=ref,
        segment=segment,
        balance_cents=balance,
        events=events,
        previous_balance_cents=previous,
        tz=tz,
        name=f"Débiteur {ref}",
        agent=agent,
    )


def report(*debtors: WearDebtor, week: str = WEEK, rules: WearRules = RULES) -> WearReport:
    return compute_report(week, debtors, rules)


def flagged(rep: WearReport) -> dict[str, tuple[int, bool]]:
    """Flagged debtors: reference → (streak, newly worn)."""
    return {f.debtor_ref: (f.streak, f.newly_worn) for f in rep.debtors}


# A worn history: three calls, the first one 20 days before S.
WORN = (call(20), call(10), call(3))


# -- worn / active / unreminded --------------------------------------------------------


def test_three_reminders_the_first_old_enough_is_worn() -> None:
    rep = report(debtor(*WORN))
    assert (rep.active, rep.worn, rep.unreminded, rep.wear_rate) == (1, 1, 0, 1.0)
    (f,) = rep.debtors
    assert f.streak == 3
    assert f.first_reminder_on == date(2026, 2, 16)
    assert f.last_response_on is None
    assert f.days_silent == 20  # never answered: silent since the first reminder
    assert f.last_channel == "call"


def test_two_reminders_are_not_a_streak() -> None:
    rep = report(debtor(call(20), call(3)))
    assert (rep.active, rep.worn, rep.wear_rate) == (1, 0, 0.0)
    assert rep.debtors == ()


@pytest.mark.parametrize(
    ("first", "worn"),
    [
        (s_minus(14, "23:59"), True),  # dated S − 14 (22 Feb, late evening): old enough
        (s_minus(14, "00:00"), True),
        (s_minus(13, "00:00"), False),  # dated S − 13: one day too recent
        (s_minus(13, "10:00"), False),
    ],
)
def test_first_reminder_on_s_minus_14_is_the_limit(first: datetime, worn: bool) -> None:
    rep = report(debtor(ev(first), call(5), call(2)))
    assert rep.worn == int(worn)


@pytest.mark.parametrize(
    ("when", "active"),
    [
        (s_minus(27, "00:00"), True),  # Monday 9 Feb, first second: inside the 28 days
        (s_minus(27, "10:00"), True),
        (s_minus(28, "23:59"), False),  # Sunday 8 Feb: outside
        (at(S, "23:59"), True),  # the last minute of S
    ],
)
def test_active_means_a_reminder_in_the_28_days(when: datetime, active: bool) -> None:
    rep = report(debtor(ev(when)))
    assert (rep.active, rep.unreminded) == ((1, 0) if active else (0, 1))


def test_unreminded_counts_open_balances_nobody_chases() -> None:
    rep = report(
        debtor(call(40), ref="OLD"),  # last reminder 40 days ago
        debtor(ref="NONE"),  # never reminded
        debtor(call(40), ref="PAID", balance=0),  # no balance: nowhere
        debtor(call(3), ref="ACTIVE"),
    )
    assert (rep.active, rep.worn, rep.unreminded) == (1, 0, 2)


def test_a_worn_streak_gone_quiet_is_unreminded_not_flagged() -> None:
    rep = report(debtor(call(60), call(50), call(40)))
    assert (rep.active, rep.worn, rep.unreminded, rep.wear_rate) == (0, 0, 1, None)


def test_no_open_balance_no_wear() -> None:
    rep = report(debtor(*WORN, balance=0), debtor(*WORN, ref="D2", balance=-500))
    assert (rep.active, rep.worn, rep.unreminded, rep.wear_rate) == (0, 0, 0, None)


def test_events_after_the_week_are_ignored() -> None:
    after = at(S + timedelta(days=1), "00:00")  # Monday 00:00 Paris: week W + 1
    # A response after S does not end the streak …
    assert report(debtor(*WORN, ev(after, "call", "in", None))).worn == 1
    # … and reminders after S neither make a streak nor an active debtor.
    rep = report(debtor(call(20), call(10), ev(after), ev(after + timedelta(hours=2))))
    assert (rep.active, rep.worn) == (1, 0)
    assert report(debtor(ev(after))).active == 0


# -- what ends a streak -----------------------------------------------------------------

RESPONSES = {
    "inbound call": ev(s_minus(6), "call", "in", None),
    "inbound e-mail": ev(s_minus(6), "email", "in", None),
    "inbound letter": ev(s_minus(6), "letter", "in", None),
    **{f"RPC {o}": ev(s_minus(6), outcome=o) for o in ("promise", "plan", "paid", "dispute")},
    **{f"RPC {o}": ev(s_minus(6), outcome=o) for o in ("refusal", "callback", "hardship")},
    "payment": payment_event(S - timedelta(days=6)),
    "promise recorded": promise_event(s_minus(6)),
}


@pytest.mark.parametrize("response", RESPONSES.values(), ids=RESPONSES.keys())
def test_every_kind_of_response_ends_the_streak(response: WearEvent) -> None:
    assert response.kind is EventKind.RESPONSE
    history = (call(30), call(25), call(20), response, call(4), call(2))
    assert report(debtor(*history)).worn == 0  # streak 2 after the response
    assert report(debtor(*history[:3], *history[4:])).worn == 1  # streak 5 without it


@pytest.mark.parametrize("outcome", ["wrong_number", "invalid_number"])
def test_bad_numbers_are_neither_reminders_nor_responses(outcome: str) -> None:
    bad = ev(s_minus(15), outcome=outcome)
    assert bad.kind is EventKind.NEUTRAL
    # Not reminders: two calls and two bad numbers make a streak of 2.
    assert report(debtor(call(20), bad, ev(s_minus(8), outcome=outcome), call(3))).worn == 0
    # Not responses: a bad number in the middle does not end the streak.
    rep = report(debtor(call(20), bad, call(10), call(3)))
    assert rep.worn == 1
    assert rep.debtors[0].streak == 3
    # And alone, they do not make a debtor active.
    assert report(debtor(ev(s_minus(3), outcome=outcome))).active == 0


def test_a_response_at_the_same_instant_answers_the_reminder() -> None:
    # A date-only letter and a payment dated the same day: both at 00:00 Paris.
    same_day = (
        call(30),
        call(25),
        letter(20),
        payment_event(S - timedelta(days=20)),
        call(10),
        call(3),
    )
    rep = report(debtor(*same_day))
    assert rep.worn == 0  # streak = the 2 calls after the payment, not 3
    assert len(streak(same_day, at(S + timedelta(days=1), "00:00"))) == 2


def test_streak_is_every_reminder_when_the_debtor_never_answered() -> None:
    events = (letter(70), call(50), call(30), call(3))
    assert len(streak(events, at(S + timedelta(days=1), "00:00"))) == 4


def test_flagged_details() -> None:
    rep = report(
        debtor(
            ev(s_minus(40), "call", "in", None),  # last response: 27 Jan
            call(30, agent="bob"),
            letter(21),
            ev(s_minus(9), "email"),
            ev(s_minus(2, "00:00"), "sms", has_time=False),
            letter(2),  # same instant as the SMS: the greatest code wins, "sms"
            segment="B2B",
            balance=423_000,
            agent="carol",
        )
    )
    (f,) = rep.debtors
    assert (f.debtor_ref, f.name, f.segment, f.agent) == ("D1", "Débiteur D1", "B2B", "carol")
    assert (f.streak, f.balance_cents, f.last_channel) == (5, 423_000, "sms")
    assert f.first_reminder_on == date(2026, 2, 6)
    assert f.last_response_on == date(2026, 1, 27)
    assert f.days_silent == 40


# -- newly worn ---------------------------------------------------------------------------


def test_newly_worn_when_not_worn_at_the_end_of_the_previous_week() -> None:
    rep = report(
        # Third reminder during W: a streak of 2 at S − 7.
        debtor(call(30), call(20), call(3), ref="NEW"),
        # Worn at S − 7 already (three reminders, the first on S − 30 ≤ S − 21).
        debtor(call(30), call(25), call(10), call(2), ref="OLD"),
        # At S − 7 the streak was 3 but its first reminder (S − 20) was too recent then.
        debtor(call(20), call(15), call(10), ref="AGE"),
        # Worn at S − 7 by the events, but without open balance then.
        debtor(call(30), call(25), call(10), call(2), ref="BAL", previous=0),
    )
    assert flagged(rep) == {"NEW": (3, True), "OLD": (4, False), "AGE": (3, True), "BAL": (4, True)}
    assert (rep.worn, rep.newly_worn) == (4, 3)


def test_a_response_during_the_week_ends_the_wear() -> None:
    # Worn at S − 7, then a response during W: no longer worn (streak 1).
    rep = report(debtor(call(30), call(25), call(10), payment_event(S - timedelta(days=4)), call(1)))
    assert (rep.active, rep.worn, rep.newly_worn) == (1, 0, 0)


# -- recommendations ----------------------------------------------------------------------


def recs(*events: WearEvent, **kw: object) -> tuple[R, ...]:
    rep = report(debtor(*events, **kw))  # type: ignore[arg-type]
    assert rep.worn == 1, "the history must be worn"
    return rep.debtors[0].recommendations


def test_change_channel_when_every_reminder_of_the_streak_is_on_one_channel() -> None:
    assert R.CHANGE_CHANNEL in recs(letter(20), letter(10), letter(3))
    assert R.CHANGE_CHANNEL not in recs(call(20), letter(10), call(3))
    # Only the streak counts: an e-mail before the last response does not matter.
    earlier = (ev(s_minus(40), "email"), ev(s_minus(35), "call", "in", None))
    assert R.CHANGE_CHANNEL in recs(*earlier, letter(20), letter(10), letter(3))


def test_change_interlocutor_when_two_call_attempts_or_more_all_by_one_agent() -> None:
    assert R.CHANGE_INTERLOCUTOR in recs(call(20, agent="bob"), letter(10), call(3, agent="bob"))
    assert R.CHANGE_INTERLOCUTOR not in recs(call(20, agent="bob"), call(10, agent="eve"), letter(3))
    assert R.CHANGE_INTERLOCUTOR not in recs(call(20), letter(10), letter(3))  # one call only
    # An attempt without agent cannot show it was the same person.
    assert R.CHANGE_INTERLOCUTOR not in recs(call(20, agent="bob"), call(10, agent=None), call(3))


SIX = (call(40), letter(35), call(30), letter(25), call(20), letter(10))


def test_formal_notice_from_six_reminders_without_a_recent_one() -> None:
    assert R.FORMAL_NOTICE in recs(*SIX)
    assert R.FORMAL_NOTICE not in recs(*SIX[1:])  # streak 5
    notice_11_months = letter((S - date(2025, 4, 8)).days, notice=True)
    assert R.FORMAL_NOTICE not in recs(notice_11_months, *SIX)
    # 12 months to the day (8 March 2025) is still "in the last 12 months" …
    assert R.FORMAL_NOTICE not in recs(letter(365, notice=True), *SIX)
    # … one day more is not.
    assert R.FORMAL_NOTICE in recs(letter(366, notice=True), *SIX)


def test_a_formal_notice_is_itself_a_reminder_of_the_streak() -> None:
    rep = report(debtor(call(40), call(30), letter(20, notice=True), call(3)))
    assert rep.debtors[0].streak == 4


@pytest.mark.parametrize(
    ("segment", "balance", "notice_days", "expected"),
    [
        ("B2B", 100_000, 15, R.ORDER_FOR_PAYMENT_COMMERCIAL),
        ("B2B", 100_000, 14, None),  # sent on S − 14: not yet
        ("B2C", 500_000, 15, R.SMALL_CLAIMS_PROCEDURE),  # 5 000,00 €: small claims
        ("B2C", 500_001, 15, R.ORDER_FOR_PAYMENT_CIVIL),
        ("B2C", 12_000, 200, R.SMALL_CLAIMS_PROCEDURE),  # any earlier notice counts
    ],
)
def test_after_a_formal_notice_the_court_route(
    segment: str, balance: int, notice_days: int, expected: R | None
) -> None:
    got = recs(
        call(30), letter(notice_days, notice=True), call(10), call(3),
        segment=segment, balance=balance,
    )  # fmt: skip
    courts = {R.ORDER_FOR_PAYMENT_COMMERCIAL, R.SMALL_CLAIMS_PROCEDURE, R.ORDER_FOR_PAYMENT_CIVIL}
    assert [r for r in got if r in courts] == ([expected] if expected else [])


def test_an_old_notice_gives_both_a_new_notice_and_the_court_route() -> None:
    got = recs(letter(400, notice=True), *SIX, segment="B2B")
    assert R.FORMAL_NOTICE in got and R.ORDER_FOR_PAYMENT_COMMERCIAL in got


def test_change_time_slot_when_three_timed_calls_fit_in_two_hours() -> None:
    assert R.CHANGE_TIME_SLOT in recs(call(20, "10:00"), call(10, "12:00"), call(3, "11:00"))
    assert R.CHANGE_TIME_SLOT not in recs(call(20, "10:00"), call(10, "12:01"), call(3, "11:00"))
    # Only two timed calls: no recommendation, whatever the date-only one says.
    date_only = ev(s_minus(15, "00:00"), has_time=False)
    assert R.CHANGE_TIME_SLOT not in recs(call(20, "10:00"), date_only, call(3, "10:30"))
    # A date-only call among three timed ones is ignored.
    assert R.CHANGE_TIME_SLOT in recs(call(20, "10:00"), date_only, call(10, "10:30"), call(3, "11:00"))
    # Letters are not call attempts.
    assert R.CHANGE_TIME_SLOT not in recs(call(20, "10:00"), letter(10), call(3, "11:00"))


def test_time_slot_uses_the_debtors_local_time_across_daylight_saving() -> None:
    # Week 2026-W16 (S = 19 April). Guadeloupe is UTC−4 all year; Paris moves to UTC+2 on
    # 29 March. Local times 09:00 (20 Mar), 11:00 (2 Apr), 10:00 (3 Apr) span 2 h in
    # Guadeloupe; the same instants in Paris are 14:00, 17:00, 16:00: 3 h.
    gp = "America/Guadeloupe"
    calls = [
        ev(at("2026-03-20", "09:00", gp)),
        ev(at("2026-04-02", "11:00", gp)),
        ev(at("2026-04-03", "10:00", gp)),
    ]
    rep = report(debtor(*calls, tz=gp), week="2026-W16")
    assert R.CHANGE_TIME_SLOT in rep.debtors[0].recommendations
    rep = report(debtor(*calls, tz="Europe/Paris"), week="2026-W16")
    assert R.CHANGE_TIME_SLOT not in rep.debtors[0].recommendations
    # In Paris across the change: 09:00 then 11:30 local is 2 h 30 (UTC says 1 h 30).
    paris = [ev(at("2026-03-20", "09:00")), ev(at("2026-04-02", "11:30")), ev(at("2026-04-03", "10:00"))]
    rep = report(debtor(*paris), week="2026-W16")
    assert R.CHANGE_TIME_SLOT not in rep.debtors[0].recommendations


def test_recommendations_all_together_and_none() -> None:
    six_calls = [call(d, "10:00") for d in (40, 35, 30, 25, 20, 10)]
    assert recs(*six_calls, segment="B2B") == (
        R.CHANGE_CHANNEL,
        R.CHANGE_INTERLOCUTOR,
        R.FORMAL_NOTICE,
        R.CHANGE_TIME_SLOT,
    )
    assert recs(call(20, "09:00", agent="bob"), letter(10), call(3, "17:00", agent="eve")) == ()


# -- rate, breakdowns ---------------------------------------------------------------------


def test_wear_rate_and_breakdowns() -> None:
    rep = report(
        debtor(*WORN, ref="A", segment="B2B", agent="alice"),
        debtor(call(3), ref="B", segment="B2B", agent="alice"),
        debtor(call(20), call(10), letter(3), ref="C", segment="B2C", agent="bob"),
        debtor(letter(3), ref="D", segment="B2C", agent=None),
        debtor(call(60), ref="E", segment="B2C", agent="bob"),  # unreminded
    )
    assert (rep.active, rep.worn, rep.unreminded) == (4, 2, 1)
    assert rep.wear_rate == 0.5
    assert breakdown(rep, "segment") == [("B2B", 2, 1, 0.5), ("B2C", 2, 1, 0.5)]
    assert breakdown(rep, "agent") == [("alice", 2, 1, 0.5), ("bob", 1, 1, 1.0), (None, 1, 0, 0.0)]
    assert breakdown(rep, "last_channel") == [("call", 2, 1, 0.5), ("letter", 2, 1, 0.5)]
    with pytest.raises(ValueError):
        breakdown(rep, "colour")  # type: ignore[arg-type]


def test_flagged_debtors_longest_streak_first() -> None:
    rep = report(
        debtor(*WORN, ref="A", balance=1_000),
        debtor(call(30), *WORN, ref="B", balance=500),
        debtor(*WORN, ref="C", balance=9_000),
    )
    assert [f.debtor_ref for f in rep.debtors] == ["B", "C", "A"]


# -- fatigue curve ------------------------------------------------------------------------


def test_fatigue_curve_by_hand() -> None:
    # The 12 weeks ending at S: reminders dated S − 83 … S.
    a = debtor(
        call(60), call(55), ev(s_minus(50), "call", "in", None),  # run 1: 10 d, 5 d → 1st no, 2nd yes
        call(40), ev(s_minus(40, "12:00"), "email", "in", None),  # run 2: 2 h → yes
        call(30), call(20), call(10),  # run 3: open → no, no, no
        ref="A",
    )  # fmt: skip
    b = debtor(
        call(90), call(85), ev(s_minus(80), "call", "in", None),  # started before the 12 weeks
        call(70), payment_event(S - timedelta(days=63)),  # 7 days − 10 h → yes
        call(20), promise_event(s_minus(13)),  # exactly 7 days → yes
        call(9), ev(s_minus(2, "10:01"), "call", "in", None),  # 7 days + 1 min → no
        ref="B", balance=0,  # no balance: still counted in the curve
    )  # fmt: skip
    c = debtor(
        ev(s_minus(84, "23:59")), ev(s_minus(83, "00:00")), ev(s_minus(82)), ev(s_minus(81)),
        ev(s_minus(78), "call", "in", None),  # started on S − 84: not in the 12 weeks
        ref="C",
    )  # fmt: skip
    d = debtor(
        ev(s_minus(83, "00:00")), ev(s_minus(82)), ev(s_minus(78), "call", "in", None),
        ref="D",  # started on S − 83: counted; 5 d 10 h and 4 d → both followed
    )  # fmt: skip
    rep = report(a, b, c, d)
    assert rep.fatigue_curve[:4] == (
        FatiguePoint(1, 7, 4, 4 / 7),  # A1 no, A2 yes, A3 no, B yes, yes, no, D yes
        FatiguePoint(2, 3, 2, 2 / 3),  # A1 yes, A3 no, D yes
        FatiguePoint(3, 1, 0, 0.0),  # A3
        FatiguePoint(4, 0, 0, None),
    )
    assert len(rep.fatigue_curve) == 10
    assert all(p == FatiguePoint(p.k, 0, 0, None) for p in rep.fatigue_curve[3:])


def test_fatigue_curve_ignores_events_after_the_week() -> None:
    rep = report(debtor(call(3), ev(at(S + timedelta(days=1), "09:00"), "call", "in", None)))
    assert rep.fatigue_curve[0] == FatiguePoint(1, 1, 0, 0.0)
