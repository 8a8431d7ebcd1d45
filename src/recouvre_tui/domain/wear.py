"""Wear of reminders ("usure des relances"): the weekly report, pure reference implementation.

docs/rules.md, "Wear" and "Recommendations for a worn debtor", to the letter. This module
is the reference: `recouvre_tui.store.wear` computes the same figures in SQL for a million
debtors, and the tests check both agree. No I/O here; every boundary is derived from the
week passed in.

Vocabulary. A *reminder* is an event classified `reminder` by `domain.events.classify`; a
*response* an event classified `response` (inbound, RPC call), a payment or a recorded
promise (the caller turns those into `WearEvent`s with `payment_event` / `promise_event`);
`neutral` events (wrong / invalid number) are ignored everywhere.

Every threshold is a `domain.config.WearRules` field; the text below quotes the defaults
(streak ≥ 3, 14 days, 28 days, 6 reminders, 12 months, 15 days, 5 000 €, k = 1..10, 12
weeks, 7 days, 2 hours).

How the ambiguous points are read (the SQL store follows the same reading):

* Week W is the ISO week (Europe/Paris) ending on Sunday S. "Up to the end of S" means
  instants strictly before 00:00 Paris on S + 1. A reminder is "dated" D when its instant
  falls on D in Europe/Paris (date-only events are stored at 00:00 Paris, so they keep
  their date). Week W − 1 is evaluated the same way at S − 7, with events up to the end
  of S − 7 and the balance as of S − 7.
* Ties. Events are ordered by instant and, at the same instant, reminders before
  responses: a response at the same instant as a reminder answers it. So the streak is
  the reminders strictly after the last response, and "followed by a response within
  7 days" accepts a response at the very same instant (0 ≤ delay ≤ 7 × 24 h).
* A payment dated D is a response at 00:00 Paris on D; only positive payments count
  (a reversal or a zero line is not the debtor answering). Every recorded promise counts,
  at its `created_at`, whatever its later status (a cancelled promise was still recorded).
* "Open balance" is the balance the caller passes for the end of S (and of S − 7 for
  W − 1). The events' own classification is taken as recorded: a reminder sent while the
  balance happened to be nil still counts; the balance condition applies to the debtor
  at S.
* `worn` in the report is |worn ∩ active| (the flagged debtors), and `newly_worn` counts
  the flagged debtors that were not worn in W − 1. "Not worn in W − 1" uses the plain
  definition (balance, streak ≥ 3, age), not "worn ∩ active".
* `unreminded`: open balance > 0 at S and no reminder dated S − 27 … S (a worn debtor
  whose streak went quiet more than 4 weeks ago is counted there, not flagged).
* Fatigue curve: streaks are maximal runs of reminders between responses (events up to
  the end of S only); a streak belongs to the curve when its first reminder is dated
  S − 83 … S (12 weeks). Its k-th reminder is "followed" when the response that ends the
  streak (the first response after it) comes within 7 days. Streaks still open at S are
  counted with their reminders not followed, even the recent ones (no censoring), and no
  balance condition applies (the curve describes the reminders, not today's debtors).
* `change_channel`: every reminder of the streak on the same channel.
  `change_interlocutor`: ≥ 2 call attempts (reminders on the `call` channel) in the
  streak, all with the same *known* agent (an attempt without agent cannot prove it was
  the same person).
  `formal_notice`: streak ≥ 6 and no mise en demeure dated from S − 12 months
  (`relativedelta`, inclusive) to S.
  Escalation: some mise en demeure (letter out, outcome `formal_notice`) dated on or
  before S − 15 days, at any time before (not only within the streak); B2B →
  `order_for_payment_commercial`, B2C with balance ≤ 5 000 € → `small_claims_procedure`,
  above → `order_for_payment_civil`. Both `formal_notice` and an escalation are listed when
  the last notice is older than 12 months.
  `change_time_slot`: ≥ 3 *timed* call attempts in the streak (date-only events ignored)
  whose local times of day (debtor's time zone) span at most 2 hours (max − min, on the
  clock face, not wrapping around midnight).
* Flagged-debtor details: `first_reminder_on` is the date of the streak's first reminder;
  `last_response_on` the date of the last response up to S (None when none);
  `days_silent` = S − last response date, or S − first reminder date when the debtor never
  responded; `last_channel` the channel of the last reminder up to S (ties at the same
  instant: the greatest channel code), also used for the breakdown of active debtors;
  `agent` is the debtor's assigned agent. Flagged debtors are listed longest streak first,
  then largest balance, then reference. An unknown time-zone name counts as Europe/Paris.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from .codes import Channel, Recommendation, Segment
from .config import WearRules
from .dates import PARIS, iso_week_label, parse_iso_week
from .events import EventKind

PAYMENT_CHANNEL = "payment"
PROMISE_CHANNEL = "promise"

# At the same instant, reminders sort before responses (a response answers them).
_KIND_ORDER = {EventKind.REMINDER: 0, EventKind.RESPONSE: 1}


@dataclass(frozen=True)
class WearEvent:
    at: datetime  # aware, UTC
    kind: EventKind
    channel: str  # call, letter, email, sms; "payment" / "promise" for those responses
    agent: str | None = None
    is_formal_notice: bool = False
    has_time: bool = True  # False for date-only events (stored at 00:00 Paris)


def payment_event(paid_on: date) -> WearEvent:
    """A payment dated D: a response at 00:00 Europe/Paris on D."""
    return WearEvent(paris_start(paid_on), EventKind.RESPONSE, PAYMENT_CHANNEL, has_time=False)


def promise_event(created_at: datetime, agent: str | None = None) -> WearEvent:
    """A recorded promise: a response at the moment it was recorded."""
    return WearEvent(created_at.astimezone(UTC), EventKind.RESPONSE, PROMISE_CHANNEL, agent)


@dataclass(frozen=True)
class WearDebtor:
    ref: str
    segment: str
    balance_cents: int  # open balance as of the end of S
    events: Sequence[WearEvent] = ()
    previous_balance_cents: int | None = None  # as of the end of S − 7; None: same as S
    tz: str = "Europe/Paris"
    name: str = ""
    agent: str | None = None  # assigned agent
    sales_rep: str | None = None


@dataclass(frozen=True)
class FatiguePoint:
    k: int
    reminders: int  # k-th reminders of the streaks started in the 12 weeks
    followed: int  # … followed by a response within 7 days
    share: float | None  # followed / reminders; None when no such reminder


@dataclass(slots=True)
class FlaggedDebtor:
    """One flagged (worn ∩ active) debtor. Not frozen: reports build them by the hundred
    thousand and a frozen dataclass costs five times more to construct."""

    debtor_ref: str
    name: str
    segment: str
    agent: str | None
    streak: int
    newly_worn: bool
    first_reminder_on: date
    last_response_on: date | None
    days_silent: int
    balance_cents: int
    last_channel: str
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class WearGroup:
    """Active debtors of one (segment, assigned agent, last channel): for breakdowns."""

    segment: str
    agent: str | None
    last_channel: str
    active: int
    worn: int  # worn ∩ active


@dataclass(frozen=True)
class WearReport:
    week: str
    sunday: date
    active: int
    worn: int  # |worn ∩ active|: the flagged debtors
    newly_worn: int
    unreminded: int
    wear_rate: float | None
    debtors: tuple[FlaggedDebtor, ...]
    fatigue_curve: tuple[FatiguePoint, ...]
    groups: tuple[WearGroup, ...] = field(default=())


# -- boundaries ---------------------------------------------------------------------------


def paris_start(day: date) -> datetime:
    """00:00 Europe/Paris on `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(0), PARIS).astimezone(UTC)


def paris_day(at: datetime) -> date:
    return at.astimezone(PARIS).date()


@dataclass(frozen=True)
class WearWindow:
    """Every boundary of week W as instants (UTC): 'dated on or before D' is `< start(D+1)`."""

    week: str
    sunday: date
    end: datetime  # start of S + 1: events strictly before count
    prev_sunday: date
    prev_end: datetime  # start of S − 6 (end of S − 7)
    worn_before: datetime  # streak's first reminder strictly before: start of S − 13
    prev_worn_before: datetime  # same for W − 1: start of S − 20
    active_from: datetime  # start of S − 27
    fatigue_from: datetime  # start of S − 83
    notice_recent_from: datetime  # start of S − 12 months
    notice_old_before: datetime  # start of S − 14: a notice dated ≤ S − 15
    fatigue_response: timedelta

    @classmethod
    def for_week(cls, week: str, rules: WearRules) -> WearWindow:
        _, sunday = parse_iso_week(week)
        return cls.for_sunday(sunday, rules)

    @classmethod
    def for_sunday(cls, sunday: date, rules: WearRules) -> WearWindow:
        prev = sunday - timedelta(days=7)
        age = rules.min_streak_age_days
        one = timedelta(days=1)
        return cls(
            week=iso_week_label(sunday),
            sunday=sunday,
            end=paris_start(sunday + one),
            prev_sunday=prev,
            prev_end=paris_start(prev + one),
            worn_before=paris_start(sunday - timedelta(days=age) + one),
            prev_worn_before=paris_start(prev - timedelta(days=age) + one),
            active_from=paris_start(sunday - timedelta(days=rules.active_window_days - 1)),
            fatigue_from=paris_start(sunday - timedelta(days=rules.fatigue_weeks * 7 - 1)),
            notice_recent_from=paris_start(sunday - relativedelta(months=rules.formal_notice_lookback_months)),
            notice_old_before=paris_start(sunday - timedelta(days=rules.after_notice_days) + one),
            fatigue_response=timedelta(days=rules.fatigue_response_days),
        )


# -- streaks ------------------------------------------------------------------------------


def _order(e: WearEvent) -> tuple[datetime, int]:
    return (e.at, _KIND_ORDER[e.kind])


def _relevant(events: Iterable[WearEvent], before: datetime) -> list[WearEvent]:
    """Reminders and responses strictly before `before`, in order (reminders first on ties)."""
    return sorted((e for e in events if e.at < before and e.kind in _KIND_ORDER), key=_order)


def last_response(events: Iterable[WearEvent], before: datetime) -> WearEvent | None:
    responses = [e for e in events if e.at < before and e.kind is EventKind.RESPONSE]
    return max(responses, key=lambda e: e.at) if responses else None


def streak(events: Iterable[WearEvent], before: datetime) -> tuple[WearEvent, ...]:
    """`streak(d, t)`: d's reminders after its last response, among events before `before`
    (all its reminders when it never responded), in time order."""
    evs = _relevant(events, before)
    last = last_response(evs, before)
    return tuple(e for e in evs if e.kind is EventKind.REMINDER and (last is None or e.at > last.at))


def is_worn(
    balance_cents: int,
    streak_reminders: Sequence[WearEvent],
    worn_before: datetime,
    rules: WearRules,
) -> bool:
    """Open balance, `streak ≥ min_streak`, and the streak's first reminder dated on or
    before S − 14 days (`worn_before` is 00:00 Paris on S − 13)."""
    return balance_cents > 0 and len(streak_reminders) >= rules.min_streak and streak_reminders[0].at < worn_before


# -- recommendations ----------------------------------------------------------------------


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    """The debtor's time zone; Europe/Paris when missing or unknown."""
    if not name:
        return PARIS
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return PARIS


def recommendations(
    *,
    segment: str,
    balance_cents: int,
    tz: str | None,
    streak_reminders: Sequence[WearEvent],
    notice_dates: Iterable[date],
    sunday: date,
    rules: WearRules,
) -> tuple[Recommendation, ...]:
    """Every recommendation that applies to a worn debtor, from its streak's reminders and
    the dates of the mises en demeure sent up to S."""
    calls = [e for e in streak_reminders if e.channel == Channel.CALL]
    callers = {e.agent for e in calls}
    notices = [d for d in notice_dates if d <= sunday]
    return Recommender(sunday, rules)(
        StreakFacts(
            length=len(streak_reminders),
            channels=len({e.channel for e in streak_reminders}),
            calls=len(calls),
            one_known_caller=len(callers) == 1 and None not in callers,
            slot_span=time_of_day_span([e.at for e in calls if e.has_time], tz),
        ),
        segment,
        balance_cents,
        min(notices, default=None),
        max(notices, default=None),
    )


def time_of_day_span(instants: Sequence[datetime], tz: str | None) -> int | None:
    """Seconds between the earliest and the latest local time of day (debtor's time zone,
    on the clock face, no wrap at midnight) of the timed call attempts; None under three."""
    if len(instants) < 3:
        return None
    tzinfo = zone(tz)
    seconds = []
    for at in instants:
        local = at.astimezone(tzinfo)
        seconds.append(local.hour * 3600 + local.minute * 60 + local.second)
    return max(seconds) - min(seconds)


@dataclass(frozen=True, slots=True)
class StreakFacts:
    """What the recommendations need to know of a worn debtor's streak."""

    length: int  # reminders
    channels: int  # distinct channels among them
    calls: int  # call attempts
    one_known_caller: bool  # every call attempt by the same, known, agent
    slot_span: int | None  # `time_of_day_span` of the timed call attempts


class Recommender:
    """The recommendation rules of the week ending on `sunday`, thresholds computed once."""

    __slots__ = ("after_notice", "min_streak", "recent_from", "slot_seconds", "small_claims")

    def __init__(self, sunday: date, rules: WearRules) -> None:
        self.recent_from = sunday - relativedelta(months=rules.formal_notice_lookback_months)
        self.after_notice = sunday - timedelta(days=rules.after_notice_days)
        self.min_streak = rules.formal_notice_min_streak
        self.small_claims = rules.small_claims_max_cents
        self.slot_seconds = rules.time_slot_hours * 3600

    def __call__(
        self,
        facts: StreakFacts,
        segment: str,
        balance_cents: int,
        first_notice: date | None,
        last_notice: date | None,
    ) -> tuple[Recommendation, ...]:
        """From the facts of the streak and the first and last mise en demeure dated up to
        S. In `Recommendation` order."""
        out: list[Recommendation] = []
        if facts.channels == 1:
            out.append(Recommendation.CHANGE_CHANNEL)
        if facts.calls >= 2 and facts.one_known_caller:
            out.append(Recommendation.CHANGE_INTERLOCUTOR)
        recent = last_notice is not None and last_notice >= self.recent_from
        if facts.length >= self.min_streak and not recent:
            out.append(Recommendation.FORMAL_NOTICE)
        if first_notice is not None and first_notice <= self.after_notice:
            if segment == Segment.B2B:
                out.append(Recommendation.ORDER_FOR_PAYMENT_COMMERCIAL)
            elif balance_cents <= self.small_claims:
                out.append(Recommendation.SMALL_CLAIMS_PROCEDURE)
            else:
                out.append(Recommendation.ORDER_FOR_PAYMENT_CIVIL)
        if facts.slot_span is not None and facts.slot_span <= self.slot_seconds:
            out.append(Recommendation.CHANGE_TIME_SLOT)
        return tuple(out)


# -- fatigue curve ------------------------------------------------------------------------


def streak_runs(events: Iterable[WearEvent], before: datetime) -> list[tuple[tuple[WearEvent, ...], datetime | None]]:
    """Maximal runs of reminders between responses (events before `before`), each with the
    instant of the response that ends it (None while the run is still open)."""
    runs: list[tuple[tuple[WearEvent, ...], datetime | None]] = []
    run: list[WearEvent] = []
    for e in _relevant(events, before):
        if e.kind is EventKind.REMINDER:
            run.append(e)
        else:
            if run:
                runs.append((tuple(run), e.at))
            run = []
    if run:
        runs.append((tuple(run), None))
    return runs


def fatigue_histogram(histories: Iterable[Iterable[WearEvent]], win: WearWindow) -> dict[tuple[int, int], int]:
    """{(n, m): number of streaks} for the streaks started in the fatigue window: n reminders,
    the last m of which are followed by the ending response within the delay (being
    followed is a suffix property: later reminders are closer to that response)."""
    hist: dict[tuple[int, int], int] = defaultdict(int)
    for events in histories:
        for run, end in streak_runs(events, win.end):
            if run[0].at < win.fatigue_from:
                continue
            m = 0 if end is None else sum(1 for r in run if end - r.at <= win.fatigue_response)
            hist[(len(run), m)] += 1
    return dict(hist)


def fatigue_from_histogram(hist: dict[tuple[int, int], int], max_k: int) -> tuple[FatiguePoint, ...]:
    """The curve from {(n, m): count}: the k-th reminder of a streak of n exists when
    n ≥ k, and is followed when it is among the last m (k > n − m)."""
    points = []
    for k in range(1, max_k + 1):
        reminders = sum(c for (n, _), c in hist.items() if n >= k)
        followed = sum(c for (n, m), c in hist.items() if n >= k and k > n - m)
        points.append(FatiguePoint(k, reminders, followed, followed / reminders if reminders else None))
    return tuple(points)


def fatigue_curve(histories: Iterable[Iterable[WearEvent]], sunday: date, rules: WearRules) -> tuple[FatiguePoint, ...]:
    win = WearWindow.for_sunday(sunday, rules)
    return fatigue_from_histogram(fatigue_histogram(histories, win), rules.fatigue_max_k)


# -- the report ---------------------------------------------------------------------------


def last_channel(reminders: Iterable[WearEvent]) -> str | None:
    """Channel of the last reminder; at the same instant, the greatest channel code."""
    last = max(reminders, key=lambda e: (e.at, e.channel), default=None)
    return None if last is None else last.channel


def days_silent(sunday: date, first_reminder_on: date, last_response_on: date | None) -> int:
    return (sunday - (last_response_on or first_reminder_on)).days


def wear_rate(worn: int, active: int) -> float | None:
    return worn / active if active else None


def compute_report(week: str, debtors: Iterable[WearDebtor], rules: WearRules) -> WearReport:
    """The weekly wear report of `week` (`YYYY-Www`) over `debtors`."""
    win = WearWindow.for_week(week, rules)
    active = worn = newly = unreminded = 0
    flagged: list[FlaggedDebtor] = []
    groups: dict[tuple[str, str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    histories: list[list[WearEvent]] = []
    for d in debtors:
        evs = _relevant(d.events, win.end)
        histories.append(evs)
        if d.balance_cents <= 0:
            continue
        reminders = [e for e in evs if e.kind is EventKind.REMINDER]
        if not any(e.at >= win.active_from for e in reminders):
            unreminded += 1
            continue
        active += 1
        channel = last_channel(reminders) or ""
        group = groups[(d.segment, d.agent, channel)]
        group[0] += 1
        current = streak(evs, win.end)
        if not is_worn(d.balance_cents, current, win.worn_before, rules):
            continue
        worn += 1
        group[1] += 1
        prev_balance = d.balance_cents if d.previous_balance_cents is None else d.previous_balance_cents
        was_worn = is_worn(prev_balance, streak(evs, win.prev_end), win.prev_worn_before, rules)
        newly += not was_worn
        last = last_response(evs, win.end)
        first_on = paris_day(current[0].at)
        last_on = None if last is None else paris_day(last.at)
        flagged.append(
            FlaggedDebtor(
                debtor_ref=d.ref,
                name=d.name,
                segment=d.segment,
                agent=d.agent,
                streak=len(current),
                newly_worn=not was_worn,
                first_reminder_on=first_on,
                last_response_on=last_on,
                days_silent=days_silent(win.sunday, first_on, last_on),
                balance_cents=d.balance_cents,
                last_channel=channel,
                recommendations=recommendations(
                    segment=d.segment,
                    balance_cents=d.balance_cents,
                    tz=d.tz,
                    streak_reminders=current,
                    notice_dates=[paris_day(e.at) for e in evs if e.is_formal_notice],
                    sunday=win.sunday,
                    rules=rules,
                ),
            )
        )
    return WearReport(
        week=win.week,
        sunday=win.sunday,
        active=active,
        worn=worn,
        newly_worn=newly,
        unreminded=unreminded,
        wear_rate=wear_rate(worn, active),
        debtors=sort_flagged(flagged),
        fatigue_curve=fatigue_from_histogram(fatigue_histogram(histories, win), rules.fatigue_max_k),
        groups=tuple(
            WearGroup(seg, agent, ch, a, w)
            for (seg, agent, ch), (a, w) in sorted(groups.items(), key=lambda kv: group_sort_key(kv[0]))
        ),
    )


def group_sort_key(key: tuple[str, str | None, str]) -> tuple[str, bool, str, str]:
    seg, agent, ch = key
    return (seg, agent is None, agent or "", ch)


def sort_flagged(flagged: Iterable[FlaggedDebtor]) -> tuple[FlaggedDebtor, ...]:
    """Longest streak first, then largest balance, then reference."""
    return tuple(sorted(flagged, key=lambda f: (-f.streak, -f.balance_cents, f.debtor_ref)))


BreakdownBy = Literal["segment", "agent", "last_channel"]


def breakdown(report: WearReport, by: BreakdownBy = "segment") -> list[tuple[str | None, int, int, float | None]]:
    """(key, active, worn, rate) per segment, assigned agent or last channel, by key
    (None — no assigned agent — last)."""
    if by not in ("segment", "agent", "last_channel"):
        raise ValueError(f"unknown breakdown {by!r}")
    sums: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for g in report.groups:
        s = sums[getattr(g, by)]
        s[0] += g.active
        s[1] += g.worn
    return [
        (key, a, w, wear_rate(w, a))
        for key, (a, w) in sorted(sums.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]
