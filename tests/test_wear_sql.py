"""The wear report in SQL (`store.wear`) against the pure reference (`domain.wear`).

Each test writes its debtors, events, payments, promises and invoices with plain SQL into a
fresh database, builds the very same histories as `domain.wear` input (balances from the
ledger: invoices issued minus payments dated up to the week), and checks that both give
the same report: every count, the flagged list with its recommendations, the fatigue
curve, the breakdowns. Then hypothesis does the same on random small histories.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from recouvre_tui.domain.codes import Recommendation as R
from recouvre_tui.domain.config import WearRules
from recouvre_tui.domain.dates import parse_iso_week, to_db
from recouvre_tui.domain.events import classify, is_formal_notice
from recouvre_tui.domain.wear import (
    WearDebtor,
    WearEvent,
    WearReport,
    breakdown,
    compute_report,
    payment_event,
    promise_event,
)
from recouvre_tui.reports.wear_output import delta_fr, to_csv, to_json, to_text
from recouvre_tui.store.db import Store, init_db
from recouvre_tui.store.wear import compute_wear, compute_wear_and_trend, load_wear_debtors, wear_trend
from stores import drop_db, new_db, on_postgres, store_examples

PARIS = ZoneInfo("Europe/Paris")
WEEK = "2026-W10"
S = date(2026, 3, 8)
STAMP = "2026-01-01 00:00:00"


# -- histories, written both ways -----------------------------------------------------------


@dataclass
class Ev:
    at: datetime  # aware
    channel: str = "call"
    direction: str = "out"
    outcome: str | None = "no_answer"
    agent: str | None = "alice"
    has_time: bool = True


@dataclass
class Deb:
    ref: str
    events: list[Ev] = field(default_factory=list)
    segment: str = "B2C"
    agent: str | None = "alice"
    tz: str = "Europe/Paris"
    payments: list[tuple[date, int]] = field(default_factory=list)
    promises: list[datetime] = field(default_factory=list)
    invoices: list[tuple[date | None, date, int]] = field(
        default_factory=lambda: [(date(2025, 6, 1), date(2025, 7, 1), 100_000)]
    )


def write(store: Store, debtors: Sequence[Deb]) -> None:
    """Insert the histories with plain SQL; `debtors.balance_cents` is the ledger's total."""
    conn = store.conn
    conn.execute("BEGIN")
    for login in ("alice", "bob"):
        conn.execute(
            "INSERT OR IGNORE INTO agents (login, name, role, created_at) VALUES (?, ?, 'agent', ?)",
            (login, login.title(), STAMP),
        )
    for i, d in enumerate(debtors, 1):
        balance = sum(a for _, _, a in d.invoices) - sum(a for _, a in d.payments)
        conn.execute(
            "INSERT INTO debtors (id, ref, name, segment, agent, tz, balance_cents, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (i, d.ref, f"Débiteur {d.ref}", d.segment, d.agent, d.tz, balance, STAMP, STAMP),
        )
        for e in d.events:
            conn.execute(
                "INSERT INTO events (debtor_id, at, has_time, channel, direction, outcome, kind, agent,"
                " source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test', 'test', ?)",
                (
                    i,
                    to_db(e.at),
                    int(e.has_time),
                    e.channel,
                    e.direction,
                    e.outcome,
                    str(classify(e.channel, e.direction, e.outcome)),
                    e.agent,
                    STAMP,
                ),
            )
        for n, (day, amount) in enumerate(d.payments):
            conn.execute(
                "INSERT INTO payments (debtor_id, ref, paid_on, amount_cents, source, created_at)"
                " VALUES (?, ?, ?, ?, 'test', ?)",
                (i, f"P{n}", day.isoformat(), amount, STAMP),
            )
        for n, created in enumerate(d.promises):
            conn.execute(
                "INSERT INTO promises (debtor_id, ref, created_at, recorded_on, total_cents, last_due, source)"
                " VALUES (?, ?, ?, ?, 1000, '2026-12-31', 'test')",
                (i, f"PR{n}", to_db(created), created.astimezone(PARIS).date().isoformat()),
            )
        for n, (issued, due, amount) in enumerate(d.invoices):
            conn.execute(
                "INSERT INTO invoices (debtor_id, ref, issue_date, due_date, amount_cents, open_cents, source,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 'test', ?, ?)",
                (i, f"F{n}", None if issued is None else issued.isoformat(), due.isoformat(), amount, STAMP, STAMP),
            )
    conn.execute("COMMIT")


def as_pure(d: Deb, sunday: date) -> WearDebtor:
    """The same history as `domain.wear` input; balances from the ledger, independently."""

    def balance(until: date) -> int:
        invoiced = sum(a for issued, due, a in d.invoices if (issued or due) <= until)
        return invoiced - sum(a for day, a in d.payments if day <= until)

    events = [
        WearEvent(
            at=e.at.astimezone(UTC),
            kind=classify(e.channel, e.direction, e.outcome),
            channel=e.channel,
            agent=e.agent,
            is_formal_notice=is_formal_notice(e.channel, e.direction, e.outcome),
            has_time=e.has_time,
        )
        for e in d.events
    ]
    events += [payment_event(day) for day, amount in d.payments if amount > 0]
    events += [promise_event(created) for created in d.promises]
    return WearDebtor(
        ref=d.ref,
        segment=d.segment,
        balance_cents=balance(sunday),
        previous_balance_cents=balance(sunday - timedelta(days=7)),
        events=tuple(events),
        tz=d.tz,
        name=f"Débiteur {d.ref}",
        agent=d.agent,
    )


def both(
    store: Store,
    debtors: Sequence[Deb],
    week: str = WEEK,
    rules: WearRules | None = None,
    workers: Sequence[int] = (1,),
) -> WearReport:
    """Write, compute both ways, check they agree; the SQL report. `workers` (2: in two
    child processes, each on half of the debtors) is spared where the history is small."""
    rules = rules or WearRules()
    write(store, debtors)
    _, sunday = parse_iso_week(week)
    pure = compute_report(week, [as_pure(d, sunday) for d in debtors], rules)
    for n in workers:
        sql = compute_wear(store, week, rules, workers=n)
        assert_same(sql, pure)
    return sql


def assert_same(sql: WearReport, pure: WearReport) -> None:
    assert (sql.week, sql.sunday) == (pure.week, pure.sunday)
    assert (sql.active, sql.worn, sql.newly_worn, sql.unreminded) == (
        pure.active,
        pure.worn,
        pure.newly_worn,
        pure.unreminded,
    )
    assert sql.wear_rate == pure.wear_rate
    assert sql.debtors == pure.debtors
    assert sql.fatigue_curve == pure.fatigue_curve
    assert sql.groups == pure.groups
    for by in ("segment", "agent", "last_channel"):
        assert breakdown(sql, by) == breakdown(pure, by)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = init_db(new_db(tmp_path, "t.db"))
    yield s
    s.close()


def at(days_before_s: int, hhmm: str = "10:00", tz: str = "Europe/Paris") -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(S - timedelta(days=days_before_s), time(h, m), ZoneInfo(tz))


def call(days: int, hhmm: str = "10:00", agent: str | None = "alice", outcome: str = "no_answer") -> Ev:
    return Ev(at(days, hhmm), agent=agent, outcome=outcome)


def letter(days: int, notice: bool = False) -> Ev:
    return Ev(at(days, "00:00"), "letter", outcome="formal_notice" if notice else None, agent=None, has_time=False)


def inbound(days: int, hhmm: str = "10:00", channel: str = "call") -> Ev:
    return Ev(at(days, hhmm), channel, "in", None, agent=None)


# -- hand-built histories -------------------------------------------------------------------


def test_empty_database(store: Store) -> None:
    rep = compute_wear(store, WEEK)
    assert (rep.active, rep.worn, rep.newly_worn, rep.unreminded, rep.wear_rate) == (0, 0, 0, 0, None)
    assert rep.debtors == () and rep.groups == ()
    assert all(p.reminders == 0 and p.share is None for p in rep.fatigue_curve)


def test_worn_boundaries_and_activity(store: Store) -> None:
    rep = both(
        store,
        [
            Deb("WORN", [call(20), call(10), call(3)]),
            Deb("S-14", [Ev(at(14, "23:59")), call(5), call(2)]),  # first on S − 14: worn
            Deb("S-13", [Ev(at(13, "00:00")), call(5), call(2)]),  # first on S − 13: not
            Deb("S-27", [Ev(at(27, "00:00"))]),  # active
            Deb("S-28", [Ev(at(28, "23:59"))]),  # unreminded
            Deb("NONE"),  # never reminded: unreminded
            Deb("PAID", [call(20), call(10), call(3)], invoices=[]),  # no balance: nowhere
            Deb("AFTER", [call(20), call(10), Ev(at(-1, "00:00")), Ev(at(-1, "09:00"))]),
        ],
    )
    assert {f.debtor_ref for f in rep.debtors} == {"WORN", "S-14"}
    assert (rep.active, rep.worn, rep.unreminded) == (5, 2, 2)


RESPONSES = {
    "inbound call": [inbound(6)],
    "inbound e-mail": [inbound(6, channel="email")],
    "RPC promise": [call(6, outcome="promise")],
    "RPC dispute": [call(6, outcome="dispute")],
    "RPC callback": [call(6, outcome="callback")],
}


@pytest.mark.parametrize("kind", [*RESPONSES, "payment", "promise", "wrong number", "invalid number"])
def test_what_ends_a_streak(store: Store, kind: str) -> None:
    d = Deb("D", [call(30), call(25), call(20), call(4), call(2)])
    if kind in RESPONSES:
        d.events += RESPONSES[kind]
    elif kind == "payment":
        d.payments.append((S - timedelta(days=6), 5_000))
    elif kind == "promise":
        d.promises.append(at(6))
    else:
        d.events.append(call(6, outcome=kind.replace(" ", "_")))
    rep = both(store, [d])
    assert rep.worn == (1 if kind.endswith("number") else 0)


def test_ties_payment_and_date_only_letter_same_day(store: Store) -> None:
    d = Deb("T", [call(30), call(25), letter(20), call(10), call(3)], payments=[(S - timedelta(days=20), 100)])
    rep = both(store, [d])
    assert rep.worn == 0  # the payment answers the letter of the same day: streak 2


def test_reversal_is_not_a_response_but_rolls_the_balance(store: Store) -> None:
    d = Deb("R", [call(30), call(20), call(3)], payments=[(S - timedelta(days=10), -2_000)])
    rep = both(store, [d])
    assert rep.worn == 1
    assert rep.debtors[0].balance_cents == 102_000


def test_balance_rolled_back_to_the_week(store: Store) -> None:
    rep = both(
        store,
        [
            # Paid in full after S: still owed at S.
            Deb("LATE", [call(40), call(30), call(20), call(3)], payments=[(S + timedelta(days=2), 100_000)]),
            # Invoiced after S only: nothing owed at S.
            Deb(
                "NEW", [call(30), call(20), call(3)], invoices=[(S + timedelta(days=1), S + timedelta(days=31), 5_000)]
            ),
            # Invoice without issue date: its due date counts.
            Deb("NODATE", [call(40), call(30), call(20), call(3)], invoices=[(None, date(2025, 9, 1), 7_000)]),
            # Open balance at S but not at S − 7 (invoiced during W): newly worn.
            Deb("FRESH", [call(40), call(30), call(20), call(3)], invoices=[(S - timedelta(days=3), S, 9_000)]),
        ],
    )
    assert {f.debtor_ref: (f.balance_cents, f.newly_worn) for f in rep.debtors} == {
        "LATE": (100_000, False),
        "NODATE": (7_000, False),
        "FRESH": (9_000, True),
    }


def test_neutral_events_inside_runs(store: Store) -> None:
    # Wrong numbers here and there, at the same instant as reminders and responses too.
    d = Deb(
        "N",
        [
            call(60, outcome="wrong_number"),
            call(60),
            call(55, outcome="invalid_number"),
            call(50),
            inbound(45),
            call(45, outcome="wrong_number"),
            call(40, outcome="wrong_number"),
            call(30),
            call(25, outcome="wrong_number"),
            call(20),
            call(10),
            call(3, outcome="wrong_number"),
        ],
    )
    rep = both(store, [d])
    assert rep.debtors[0].streak == 3


def test_recommendations(store: Store) -> None:
    six = [call(40, "09:00", agent="bob"), letter(35), call(30, "10:30"), letter(25), call(20, "12:00"), letter(10)]
    court = [call(30, "08:00"), letter(15, notice=True), call(10, "12:00", agent="bob"), call(3)]
    rep = both(
        store,
        [
            Deb("CHANNEL", [letter(20), letter(10), letter(3)]),
            Deb("AGENT", [call(20, agent="bob"), letter(10), call(3, "16:00", agent="bob")]),
            Deb("NOTICE", six),
            Deb("B2B", court, segment="B2B"),
            Deb("SMALL", court),
            Deb("CIVIL", court, invoices=[(date(2025, 6, 1), date(2025, 7, 1), 500_001)]),
            Deb("SLOT", [call(20, "10:00", agent="bob"), call(10, "12:00"), call(3, "11:00")]),
            Deb("SLOT-GP", [call(20, "9:00"), call(10, "11:00"), letter(8), call(3, "10:30")], tz="America/Guadeloupe"),
            Deb("NOAGENT", [call(20, agent=None), call(10, agent=None), call(3, agent=None)]),
        ],
        workers=(1, 2),
    )
    got = {f.debtor_ref: f.recommendations for f in rep.debtors}
    assert got["CHANNEL"] == (R.CHANGE_CHANNEL,)
    assert got["AGENT"] == (R.CHANGE_INTERLOCUTOR,)
    assert got["NOTICE"] == (R.FORMAL_NOTICE,)
    assert got["B2B"] == (R.ORDER_FOR_PAYMENT_COMMERCIAL,)
    assert got["SMALL"] == (R.SMALL_CLAIMS_PROCEDURE,)
    assert got["CIVIL"] == (R.ORDER_FOR_PAYMENT_CIVIL,)
    assert got["SLOT"] == (R.CHANGE_CHANNEL, R.CHANGE_TIME_SLOT)
    assert got["SLOT-GP"] == (R.CHANGE_INTERLOCUTOR, R.CHANGE_TIME_SLOT)
    assert got["NOAGENT"] == (R.CHANGE_CHANNEL, R.CHANGE_TIME_SLOT)


def test_fatigue_curve_and_newly_worn(store: Store) -> None:
    rep = both(
        store,
        [
            Deb("A", [call(60), call(55), inbound(50), call(40), inbound(40, "12:00"), call(30), call(20), call(10)]),
            Deb("B", [call(90), call(85), inbound(80), call(70), call(20), call(9), inbound(2, "10:01")], invoices=[]),
            Deb(
                "C",
                [Ev(at(84, "23:59")), Ev(at(83, "00:00")), call(82), inbound(78)],
                payments=[(S - timedelta(days=63), 1)],
            ),
            Deb("D", [call(30), call(25), call(10), call(2)]),  # worn at S − 7 already
            Deb("E", [call(30), call(20), call(3)]),  # newly worn
        ],
        workers=(1, 2, 3),
    )
    assert {f.debtor_ref: f.newly_worn for f in rep.debtors} == {"A": False, "D": False, "E": True}
    assert rep.fatigue_curve[0].reminders > 0


def test_dst_week_and_wear_trend(store: Store) -> None:
    debtors = [
        Deb("A", [Ev(datetime(2026, 3, 20, 9, 0, tzinfo=PARIS)), call(-20, "11:30"), call(-24, "10:00")]),
        Deb("B", [call(50), call(40), inbound(35), call(30), call(-10), call(-25)]),
        Deb("C", [call(d) for d in (70, 60, 50, 40, 30, 20, 10, 0, -10, -20, -30)]),
    ]
    rep = both(store, debtors, week="2026-W16", workers=(1, 2))
    weeks = ["2026-W07", "2026-W10", "2026-W12", "2026-W14", "2026-W16"]
    for workers in (1, 2):
        trend = wear_trend(store, weeks, workers=workers)
        assert [w for w, _ in trend] == weeks
        for week, rate in trend:
            _, sunday = parse_iso_week(week)
            pure = compute_report(week, [as_pure(d, sunday) for d in debtors], WearRules())
            assert rate == pure.wear_rate, week
    # The report and its trend in one computation: the same as each alone.
    for workers in (1, 2):
        both_at_once = compute_wear_and_trend(store, "2026-W16", weeks, workers=workers)
        assert both_at_once == (rep, wear_trend(store, weeks, workers=1))
    with pytest.raises(ValueError):
        compute_wear_and_trend(store, "2026-W14", weeks)
    assert rep.week == "2026-W16"


def test_reference_loader_matches(store: Store) -> None:
    debtors = [Deb("A", [call(30), call(20), call(3)], payments=[(S + timedelta(days=1), 10)]), Deb("B", [call(3)])]
    write(store, debtors)
    loaded = compute_report(WEEK, load_wear_debtors(store, WEEK), WearRules())
    assert_same(compute_wear(store, WEEK), loaded)


@pytest.mark.sqlite_only  # SQLite's file lock and its split across processes (one query on PostgreSQL)
def test_parallel_falls_back_to_one_worker_when_a_writer_holds_the_lock(store: Store) -> None:
    write(store, [Deb("A", [call(30), call(20), call(3)]), Deb("B", [call(3)]), Deb("C", [call(40), call(9)])])
    alone = compute_wear(store, WEEK, workers=1)
    writer = sqlite3.connect(store.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert compute_wear(store, WEEK, workers=2) == alone
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert compute_wear(store, WEEK, workers=3) == alone


def test_temporary_tables_are_dropped(store: Store) -> None:
    write(store, [Deb("A", [call(30), call(20), call(3)])])
    compute_wear(store, WEEK, workers=1)
    if on_postgres():
        temp = "SELECT table_name FROM information_schema.tables WHERE table_type = 'LOCAL TEMPORARY'"
    else:
        temp = "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
    left = store.conn.execute(temp).fetchall()
    assert left == []
    assert not store.conn.in_transaction


# -- random histories -------------------------------------------------------------------------

KINDS = [  # reminders more often than not, so that streaks form
    ("call", "out", "no_answer"),
    ("call", "out", "no_answer"),
    ("call", "out", "busy"),
    ("letter", "out", None),
    ("email", "out", None),
    ("call", "out", "no_answer"),
    ("call", "out", "voicemail"),
    ("call", "out", "third_party"),
    ("call", "out", "wrong_number"),
    ("call", "out", "invalid_number"),
    ("call", "out", "promise"),
    ("call", "out", "refusal"),
    ("call", "in", None),
    ("letter", "out", None),
    ("letter", "out", "formal_notice"),
    ("email", "out", None),
    ("email", "in", None),
    ("sms", "out", None),
]
TZS = ["Europe/Paris", "America/Guadeloupe", "Indian/Reunion"]
WEEKS = {"2026-W10": date(2026, 3, 8), "2026-W14": date(2026, 4, 5)}  # W14 crosses summer time


@st.composite
def instants(draw: st.DrawFn, sunday: date) -> tuple[datetime, bool]:
    """An instant near the week (a coarse grid, so that ties happen), and whether it has a time."""
    day = sunday - timedelta(days=draw(st.one_of(st.integers(-6, 45), st.integers(-6, 100))))
    if draw(st.booleans()):
        return datetime.combine(day, time(0), PARIS), False
    hour = draw(st.sampled_from([0, 7, 9, 10, 11, 12, 16, 23]))
    minute = draw(st.sampled_from([0, 30]))
    return datetime.combine(day, time(hour, minute), PARIS), True


@st.composite
def histories(draw: st.DrawFn) -> tuple[str, list[Deb], WearRules]:
    week = draw(st.sampled_from(sorted(WEEKS)))
    sunday = WEEKS[week]
    debtors = []
    for i in range(draw(st.integers(1, 8))):
        events = []
        for _ in range(draw(st.integers(0, 15))):
            when, timed = draw(instants(sunday))
            channel, direction, outcome = draw(st.sampled_from(KINDS))
            agent = draw(st.sampled_from(["alice", "bob", None])) if channel == "call" else None
            events.append(Ev(when, channel, direction, outcome, agent, timed))
        payments = [
            ((draw(instants(sunday))[0]).date(), draw(st.sampled_from([-500, 0, 700, 20_000])))
            for _ in range(draw(st.integers(0, 2)))
        ]
        promises = [draw(instants(sunday))[0] for _ in range(draw(st.integers(0, 2)))]
        invoices = [
            (
                None if draw(st.booleans()) and n else sunday - timedelta(days=draw(st.integers(-5, 200))),
                sunday - timedelta(days=draw(st.integers(-30, 150))),
                draw(st.sampled_from([3_000, 400_000, 600_000])),
            )
            for n in range(draw(st.sampled_from([0, 1, 1, 2])))
        ]
        debtors.append(
            Deb(
                f"R{i}",
                events,
                segment=draw(st.sampled_from(["B2B", "B2C"])),
                agent=draw(st.sampled_from(["alice", "bob", None])),
                tz=draw(st.sampled_from(TZS)),
                payments=payments,
                promises=promises,
                invoices=invoices,
            )
        )
    rules = WearRules(
        min_streak=draw(st.sampled_from([2, 3, 4])), formal_notice_min_streak=draw(st.sampled_from([3, 6]))
    )
    return week, debtors, rules


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = new_db(tmp_path_factory.mktemp("wear"), "t.db", keep=True)  # the module's: outlives a test
    s = init_db(path)
    yield s
    s.close()
    drop_db(path)


def _clear(conn: Any) -> None:
    for table in ("events", "payments", "promises", "invoices", "debtors"):
        conn.execute(f"DELETE FROM {table}")


@settings(max_examples=store_examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories())
def test_sql_agrees_with_the_reference_on_random_histories(
    shared_store: Store, case: tuple[str, list[Deb], WearRules]
) -> None:
    week, debtors, rules = case
    _clear(shared_store.conn)
    rep = both(shared_store, debtors, week, rules)
    event(f"flagged debtors: {min(len(rep.debtors), 3)}")
    event(f"recommendations: {min(sum(len(f.recommendations) for f in rep.debtors), 3)}")
    event(f"fatigue runs: {min(rep.fatigue_curve[0].reminders, 3)}")


# -- renderings -------------------------------------------------------------------------------


@pytest.fixture
def rendered(store: Store) -> tuple[WearReport, WearReport]:
    write(
        store,
        [
            Deb("A-1", [call(20), call(10), call(3)], segment="B2B", invoices=[(date(2025, 6, 1), S, 423_000)]),
            Deb("B-2", [letter(40, notice=True), call(30), call(20, agent="bob"), letter(10), call(3)]),
            Deb("C-3", [call(3)], agent=None),
            Deb("D-4", [call(60)]),
        ],
    )
    return compute_wear(store, WEEK), compute_wear(store, "2026-W09")


def test_json_has_design_fields(rendered: tuple[WearReport, WearReport]) -> None:
    rep, _ = rendered
    data = to_json(rep)
    assert list(data) == ["week", "active", "worn", "newly_worn", "unreminded", "wear_rate", "debtors", "fatigue_curve"]
    assert (data["week"], data["active"], data["worn"], data["unreminded"]) == (WEEK, 3, 2, 1)
    assert data["wear_rate"] == 0.6667
    first = data["debtors"][0]
    assert {"debtor_ref", "streak", "newly_worn", "recommendations"} <= set(first)
    by_ref = {d["debtor_ref"]: d for d in data["debtors"]}
    assert by_ref["A-1"]["balance"] == 4230.0
    assert by_ref["A-1"]["recommendations"] == ["change_channel", "change_interlocutor", "change_time_slot"]
    assert by_ref["B-2"]["recommendations"] == ["small_claims_procedure", "change_time_slot"]
    assert by_ref["B-2"]["first_reminder_on"] == "2026-01-27"
    assert [p["k"] for p in data["fatigue_curve"]] == list(range(1, 11))
    assert all(p["share"] is None or p["share"] == round(p["share"], 4) for p in data["fatigue_curve"])
    json.dumps(data)  # serialisable as is


def test_csv_one_row_per_flagged_debtor(rendered: tuple[WearReport, WearReport]) -> None:
    rep, _ = rendered
    rows = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert [r["debtor_ref"] for r in rows] == [f.debtor_ref for f in rep.debtors]
    a = next(r for r in rows if r["debtor_ref"] == "A-1")
    assert a["balance"] == "4230.00"
    assert a["recommendations"] == "change_channel|change_interlocutor|change_time_slot"
    assert a["newly_worn"] == "1"


def test_text_report(rendered: tuple[WearReport, WearReport]) -> None:
    rep, prev = rendered
    trend = [("2026-W08", 0.25), ("2026-W09", prev.wear_rate), (WEEK, rep.wear_rate)]
    text = to_text(rep, prev.wear_rate, trend)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert not re.search(r"taux d'usure(?! des relances)", text)  # never the usury rate
    assert "taux d'usure des relances 66,7\u00a0%" in text
    assert "2 débiteurs usés dont " in text and " sans relance" in text
    assert "4\u202f230,00 €" in text  # the balance, French style
    assert "changer de canal" in text and "procédure simplifiée de recouvrement des petites créances" in text
    for title in ("Par segment", "Par agent", "Par dernier canal", "Courbe de fatigue"):
        assert title in text
    assert "1re relance" in text and "10e relance" in text
    narrow = to_text(rep, prev.wear_rate, trend, width=80)
    assert max(len(line) for line in narrow.splitlines()) <= 80


def test_text_delta_and_empty_report(store: Store) -> None:
    assert delta_fr(0.314, 0.293) == "▲ 2,1\u00a0pts"
    assert delta_fr(0.30, 0.305) == "▼ 0,5\u00a0pt"
    assert delta_fr(0.30, None) == ""
    empty = compute_wear(store, WEEK)
    text = to_text(empty)
    assert "taux d'usure des relances — (aucun débiteur actif)" in text
    assert "Débiteurs usés : aucun" in text
    assert not re.search(r"taux d'usure(?! des relances)", text)


@pytest.mark.sqlite_only  # SQLite's planner (EXPLAIN QUERY PLAN, PRAGMA index_info)
def test_history_index_covers_the_walks(store: Store) -> None:
    """The report reads each debtor's history from the index alone (migration m003)."""
    conn = store.conn
    cols = [r[2] for r in conn.execute("PRAGMA index_info(events_debtor_history)")]
    assert cols == ["debtor_id", "at", "kind", "channel", "agent", "has_time"]
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'events_debtor_at'").fetchone() is None
    plan = " ".join(
        r[3]
        for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT channel, agent, has_time FROM events"
            " WHERE debtor_id = 1 AND at > '2026' AND kind = 'reminder'"
        )
    )
    assert "COVERING INDEX events_debtor_history" in plan
