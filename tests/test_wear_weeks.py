"""Stored weeks of the wear trend (docs/rules.md "Stored weeks of the wear trend"): a closed
week is computed once and read back; imports, formal notices, acknowledgments and setting
changes make the weeks they can change be computed again. The oracle is `store.wear.wear_trend`,
which always computes from scratch.

Reference instant: Wednesday 11 March 2026, 10:00 UTC (11:00 Paris), ISO week 2026-W11
(open). The report's week is 2026-W10 (Sunday S = 8 March); its 12-week trend runs from
2025-W51 (Sunday 21 December) to 2026-W10, every one of them closed.

The hand-computed portfolio (`_portfolio`): D1 owes 1 000 €, D2 500 € (invoices issued
1 December 2025, due 31 December), each called without an answer every Monday at 10:00
Paris from 5 January to 2 March 2026 (9 reminders), never a response. Defaults: worn at S
when the balance is open, the streak ≥ 3 and its first reminder is dated ≤ S − 14; active
when reminded in S − 27 … S.
- W51, W52, W01 (S = 21/12, 28/12, 04/01): no reminder yet → no active debtor → no rate.
- W02, W03 (S = 11/01, 18/01): both active; streaks 1 and 2 → 0 worn → 0 %.
- W04 … W10 (S = 25/01 … 08/03): streak ≥ 3 from 3 reminders on 05/01, 12/01, 19/01, the
  first on 05/01 ≤ S − 14 → both worn → 100 %.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fec_ledgers import Ledger, render
from recouvre_tui.domain.config import Settings, WearRules
from recouvre_tui.domain.dates import iso_week_label
from recouvre_tui.domain.wear_weeks import ALL_WEEKS, HistoryChange, reaches_closed_weeks, trend_fingerprint
from recouvre_tui.reports.wear_output import to_text
from recouvre_tui.services.agents import add_agent, require_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.lead import record_formal_notice
from recouvre_tui.services.legal import record_acknowledgment
from recouvre_tui.services.outcome import Outcome, record_outcome
from recouvre_tui.services.wear_report import build, trend, trend_weeks, week_report
from recouvre_tui.store import wear_weeks as weeks_sql
from recouvre_tui.store.db import Store, init_db
from recouvre_tui.store.wear import compute_wear_and_trend, wear_figures, wear_trend
from recouvre_tui.store.wear_weeks import stored_weeks
from stores import new_db, store_examples

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # Wed 11:00 Paris, week 2026-W11
WEEK = "2026-W10"
LABELS = trend_weeks(WEEK)
SETTINGS = Settings()
MONDAYS = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(9)]  # 05/01 … 02/03

BEFORE = [None, None, None, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]


def _store(tmp_path: Path) -> Store:
    store = init_db(new_db(tmp_path, "t.db"))
    for login, role in (("alice", "agent"), ("lea", "lead")):
        add_agent(store, login=login, name=login.title(), role=role, team=None, ssh_key_file=None, actor="t", now=NOW)
    return store


def _import(store: Store, tmp_path: Path, kind: str, lines: list[str], name: str = "") -> None:
    path = tmp_path / f"{name or kind}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(store, kind, path, now=NOW, actor="t", settings=SETTINGS)


def _portfolio(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path, "debtors", ["debtor_ref;name;segment;postcode", "D1;Un;B2C;75011", "D2;Deux;B2C;75011"])
    _import(
        store,
        tmp_path,
        "invoices",
        [
            "debtor_ref;invoice_ref;issue_date;due_date;amount",
            "D1;F1;2025-12-01;2025-12-31;1000,00",
            "D2;F2;2025-12-01;2025-12-31;500,00",
        ],
    )
    rows = [f"{ref};{day.isoformat()} 10:00;call;out;no_answer;alice" for day in MONDAYS for ref in ("D1", "D2")]
    _import(store, tmp_path, "events", ["debtor_ref;at;channel;direction;outcome;agent", *rows])


def _lead(store: Store):  # type: ignore[no-untyped-def]
    return require_agent(store, "lea")


def _rates(points: list[tuple[str, float | None]]) -> list[float | None]:
    return [r for _, r in points]


def _trend(store: Store, rules: WearRules | None = None) -> tuple[list[float | None], int]:
    s = SETTINGS if rules is None else replace(SETTINGS, wear=rules)
    t = trend(store, _lead(store), WEEK, settings=s, now=NOW)
    assert [w for w, _ in t.rates] == LABELS
    assert t.rates == wear_trend(store, LABELS, s.wear)  # the oracle: from scratch
    return _rates(t.rates), t.weeks_computed


# -- the rule, pure ----------------------------------------------------------------------------


def test_which_writes_reach_closed_weeks() -> None:
    wed = date(2026, 3, 11)
    assert not reaches_closed_weeks(wed, wed)  # an outcome today: its week is open
    assert not reaches_closed_weeks(date(2026, 3, 9), wed)  # Monday of the open week
    assert reaches_closed_weeks(date(2026, 3, 8), wed)  # last Sunday: a closed week
    assert reaches_closed_weeks(date(2026, 3, 15), date(2026, 3, 15))  # a Sunday: its week ends today
    assert reaches_closed_weeks(ALL_WEEKS, wed)


def test_history_change_dates_and_settled_parts() -> None:
    h = HistoryChange()
    assert h.since() is None
    h.dated(date(2026, 2, 10), None)
    h.dated(date(2026, 2, 20))
    assert h.since() == date(2026, 2, 10)
    h.settled(1, -500)  # an invoice lettered alone…
    assert h.since() == ALL_WEEKS
    h.settled(1, 500)  # …with its payment: today's balance does not move
    assert h.since() == date(2026, 2, 10)


def test_fingerprint_follows_only_the_settings_the_trend_reads() -> None:
    base = trend_fingerprint(WearRules())
    assert trend_fingerprint(WearRules(small_claims_max_cents=1)) == base  # recommendations only
    for change in ({"min_streak": 4}, {"min_streak_age_days": 7}, {"active_window_days": 14}):
        assert trend_fingerprint(WearRules(**change)) != base  # type: ignore[arg-type]


def test_store_keeps_forgets_and_guards_weeks(tmp_path: Path) -> None:
    """`store.wear_weeks` alone (no wear computation: runs as is on either store)."""
    store = _store(tmp_path)
    fp = trend_fingerprint(WearRules())
    rows = [("2026-02-23", "2026-W09", "2026-03-01", 5, 2), ("2026-03-02", "2026-W10", "2026-03-08", 6, 3)]
    with store.read() as conn:
        seen = weeks_sql.generation(conn)
    assert seen == "0"
    with store.write() as conn:
        assert (
            weeks_sql.save_weeks(conn, rows, fingerprint=fp, computed_at="2026-03-11 10:00:00", seen_generation=seen)
            == 2
        )
        assert weeks_sql.read_weeks(conn, ["2026-02-23", "2026-03-02", "2026-03-09"], fp) == {
            "2026-02-23": (5, 2),
            "2026-03-02": (6, 3),
        }
        assert weeks_sql.read_weeks(conn, ["2026-02-23"], "other") == {}
        # Today's write in an open week: nothing forgotten, the counter stays.
        assert weeks_sql.invalidate_from(conn, date(2026, 3, 11), reaches_closed=False) == 0
        assert weeks_sql.generation(conn) == "0"
        # A write dated Monday 2 March: W10 goes, W09 stays; the counter moves.
        assert weeks_sql.invalidate_from(conn, date(2026, 3, 2), reaches_closed=True) == 1
        assert weeks_sql.generation(conn) == "1"
        # A report that read the counter before that write keeps nothing.
        assert weeks_sql.save_weeks(conn, rows[1:], fingerprint=fp, computed_at="x", seen_generation=seen) == 0
        assert [w for _, w, *_ in weeks_sql.stored_weeks(conn)] == ["2026-W09"]
        # Upsert: the same week under new settings replaces the old row.
        assert (
            weeks_sql.save_weeks(conn, [(*rows[0][:3], 7, 1)], fingerprint="f2", computed_at="y", seen_generation="1")
            == 1
        )
        assert weeks_sql.stored_weeks(conn) == [("2026-02-23", "2026-W09", 7, 1, "f2")]
    store.close()


# -- behaviour, hand-computed ----------------------------------------------------------------------


def test_closed_weeks_are_computed_once_then_read(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    assert _trend(store) == (BEFORE, 12)
    with store.read() as conn:
        rows = stored_weeks(conn)
    assert [(w, a, n) for _, w, a, n, _ in rows] == [
        ("2025-W51", 0, 0),
        ("2025-W52", 0, 0),
        ("2026-W01", 0, 0),
        ("2026-W02", 2, 0),
        ("2026-W03", 2, 0),
        *[(iso_week_label(date(2026, 1, 25) + timedelta(weeks=i)), 2, 2) for i in range(7)],
    ]
    assert rows[0][0] == "2025-12-15"  # the week's Monday
    assert _trend(store) == (BEFORE, 0)


def test_the_open_week_is_always_computed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    for _ in range(2):
        t = trend(store, _lead(store), "2026-W11", settings=SETTINGS, now=NOW)
        assert t.rates == wear_trend(store, trend_weeks("2026-W11"))
    assert t.weeks_computed == 0  # the 11 closed weeks read, W11 computed live and not kept
    with store.read() as conn:
        assert "2026-W11" not in [w for _, w, *_ in stored_weeks(conn)]


def test_a_payment_dated_in_a_closed_week_recomputes_that_week_and_later(tmp_path: Path) -> None:
    """D2 pays 200 € on Tuesday 10 February (week 2026-W07): a response at 00:00 Paris that
    day, balance 300 € after. W07 (S = 15/02): D2's streak is empty → active, not worn → 1/2.
    W08 (22/02): streak 1 (16/02); W09 (01/03): 2 → 1/2. W10 (08/03): 16/02, 23/02, 02/03 →
    3, first 16/02 ≤ 22/02 → worn again → 2/2. Weeks before W07 roll the payment back: unchanged."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _trend(store)
    _import(store, tmp_path, "payments", ["debtor_ref;payment_ref;date;amount", "D2;R1;2026-02-10;200,00"])
    with store.read() as conn:
        kept = [w for _, w, *_ in stored_weeks(conn)]
    assert kept == LABELS[:8]  # 2025-W51 … 2026-W06: forgotten from W07 on, in the import's transaction
    rates, computed = _trend(store)
    assert rates == [None, None, None, 0.0, 0.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0]
    assert computed == 4  # W07 … W10
    assert _trend(store) == (rates, 0)


def test_a_payment_moved_back_into_a_closed_week(tmp_path: Path) -> None:
    """Payment R1 first imported as dated 10 March (the open week: no closed week moves),
    then corrected to 10 February: the weeks from its earlier date on are recomputed, with
    the figures of the test above."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _import(store, tmp_path, "payments", ["debtor_ref;payment_ref;date;amount", "D2;R1;2026-03-10;200,00"])
    assert _trend(store) == (BEFORE, 12)
    _import(store, tmp_path, "payments", ["debtor_ref;payment_ref;date;amount", "D2;R1;2026-02-10;200,00"], "fixed")
    assert _trend(store) == ([None, None, None, 0.0, 0.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0], 4)


def test_an_invoice_settled_in_the_source_changes_every_week(tmp_path: Path) -> None:
    """D2's invoice F3 (600 €, issued 24 February) arrives already paid: lettered, it is not
    in today's balance (500 €), yet the roll-back still takes it out of every Sunday before
    its date (docs/rules.md: balance at S = today's + payments after S − invoices after S):
    500 − 600 < 0 up to W08, so D2 is neither active nor worn there. A change not tied to a
    date: every week is forgotten. The rates stay (D1 alone: 0 % then 100 %), the figures move."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _trend(store)
    _import(
        store,
        tmp_path,
        "invoices",
        ["debtor_ref;invoice_ref;issue_date;due_date;amount;paid_amount", "D2;F3;2026-02-24;2026-03-24;600,00;600,00"],
        "settled",
    )
    with store.read() as conn:
        assert stored_weeks(conn) == []
    assert _trend(store) == (BEFORE, 12)
    with store.read() as conn:
        figures = [(a, n) for _, _, a, n, _ in stored_weeks(conn)]
    assert figures == [(0, 0)] * 3 + [(1, 0)] * 2 + [(1, 1)] * 5 + [(2, 2)] * 2


def _fec(paid: bool) -> bytes:
    """C1's ledger: a sale of 1 000 € on 1 December 2025; with `paid`, the transfer of
    10 February 2026 that settles it, both lettered « A »."""
    ledger = Ledger()
    who = ("C1", "Client Un")
    sale = [("411000", "Clients", 100_000), ("706000", "Ventes", -100_000)]
    letters = {0: "A"} if paid else None
    ledger.entry("VT", date(2025, 12, 1), sale, debtor=who, piece="FA1", letters=letters, due=date(2025, 12, 31))
    if paid:
        bank = [("512000", "Banque", 100_000), ("411000", "Clients", -100_000)]
        ledger.entry("BQ", date(2026, 2, 10), bank, debtor=who, piece="VIR1", letters={1: "A"})
    return render(ledger)


def test_a_fec_lettering_a_payment_in_a_closed_week(tmp_path: Path) -> None:
    """The FEC path (rows planned in Python). C1 is called like the portfolio's debtors; a
    second FEC brings the transfer of 10 February (W07) lettered with the sale: the pair
    leaves today's balance together (nothing moves before 10 February), and from W07 on C1
    owes nothing: no active debtor, no rate. Forgotten: W07 … W10 only."""
    store = _store(tmp_path)
    (tmp_path / "FEC1.txt").write_bytes(_fec(paid=False))
    import_file(store, "fec", tmp_path / "FEC1.txt", now=NOW, actor="t", settings=SETTINGS)
    rows = [f"C1;{day.isoformat()} 10:00;call;out;no_answer;alice" for day in MONDAYS]
    _import(store, tmp_path, "events", ["debtor_ref;at;channel;direction;outcome;agent", *rows])
    assert _trend(store) == (BEFORE, 12)
    (tmp_path / "FEC2.txt").write_bytes(_fec(paid=True))
    import_file(store, "fec", tmp_path / "FEC2.txt", now=NOW, actor="t", settings=SETTINGS)
    with store.read() as conn:
        assert [w for _, w, *_ in stored_weeks(conn)] == LABELS[:8]
    assert _trend(store) == ([*BEFORE[:8], None, None, None, None], 4)


def test_an_import_of_today_forgets_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _trend(store)
    _import(store, tmp_path, "payments", ["debtor_ref;payment_ref;date;amount", "D2;R1;2026-03-11;200,00"])
    _import(
        store,
        tmp_path,
        "events",
        ["debtor_ref;at;channel;direction;outcome;agent", "D1;2026-03-11 09:00;call;in;;alice"],
        "events2",
    )
    assert _trend(store) == (BEFORE, 0)


def test_an_acknowledgment_dated_in_a_closed_week(tmp_path: Path) -> None:
    """A written acknowledgment from D2 received Tuesday 3 February (W06): a response at
    00:00 Paris. W06 (S = 08/02): streak 0 → 1/2; W07 (15/02): 1 (09/02); W08 (22/02): 2 →
    1/2; W09 (01/03): 09/02, 16/02, 23/02 → 3, first 09/02 ≤ 15/02 → 2/2; W10: 2/2."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _trend(store)
    record_acknowledgment(store, _lead(store), "D2", on=date(2026, 2, 3), now=NOW)
    rates, computed = _trend(store)
    assert rates == [None, None, None, 0.0, 0.0, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0, 1.0]
    assert computed == 5  # W06 … W10


def test_outcomes_are_dated_now(tmp_path: Path) -> None:
    """An unanswered call recorded now (the open week) forgets nothing. One recorded with a
    past `now`, Tuesday 10 February 11:00 Paris (W07), a right-party contact (a response):
    W07 … W10 are computed again, with D2's streak restarting after it, as for the payment
    above (W07–W09: 1/2; W10: 16/02, 23/02, 02/03 → worn, 2/2)."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _trend(store)
    alice = require_agent(store, "alice")
    record_outcome(store, alice, Outcome("D1", "no_answer"), now=NOW, settings=SETTINGS)
    assert _trend(store) == (BEFORE, 0)
    past = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
    record_outcome(store, alice, Outcome("D2", "refusal", reason="bad_faith"), now=past, settings=SETTINGS)
    assert _trend(store) == ([None, None, None, 0.0, 0.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0], 4)


def test_a_formal_notice_sent_weeks_ago(tmp_path: Path) -> None:
    """A mise en demeure recorded today as sent on Wednesday 25 February (W09): a reminder.
    The rates do not move (both debtors already worn) but W09 and W10 are computed again."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _trend(store)
    record_formal_notice(store, _lead(store), "D1", sent_on=date(2026, 2, 25), now=NOW)
    assert _trend(store) == (BEFORE, 2)


def test_changing_a_wear_setting_recomputes(tmp_path: Path) -> None:
    """min_streak 4: at S = 25/01 the streak is 3 → not worn (0 %); from 01/02 on, 4 → 100 %."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    _trend(store)
    four = WearRules(min_streak=4)
    expected = [None, None, None, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert _trend(store, four) == (expected, 12)
    assert _trend(store, four) == (expected, 0)
    assert _trend(store, WearRules(small_claims_max_cents=1)) == (BEFORE, 12)  # back to the defaults' figures
    assert _trend(store, WearRules(formal_notice_min_streak=2)) == (BEFORE, 0)  # not a trend setting


def test_a_second_report_computes_no_closed_week(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    first = build(store, None, now=NOW, settings=SETTINGS)
    assert first.report.week == WEEK
    assert first.weeks_computed == 11  # W51 … W09; W10 is the report's own week
    caplog.set_level(logging.DEBUG, logger="recouvre_tui.services.wear_report")
    second = build(store, None, now=NOW, settings=SETTINGS)
    assert second.weeks_computed == 0
    assert "wear trend: 12 closed week(s) read, 0 to compute" in caplog.text
    # The same figures and the same text as from scratch.
    report, scratch = compute_wear_and_trend(store, WEEK, LABELS, SETTINGS.wear)
    assert second.report == first.report == report
    assert second.trend == first.trend == scratch
    assert _rates(second.trend) == BEFORE
    assert to_text(second.report, second.previous_rate, second.trend, prescribing=second.prescribing) == to_text(
        report, scratch[-2][1], scratch, prescribing=first.prescribing
    )


def test_the_screen_keeps_the_report_week(tmp_path: Path) -> None:
    """The lead's screen loads the report, then the trend: the report's week is not computed twice."""
    store = _store(tmp_path)
    _portfolio(store, tmp_path)
    week_report(store, _lead(store), WEEK, settings=SETTINGS, now=NOW)
    assert _trend(store) == (BEFORE, 11)
    week_report(store, _lead(store), WEEK, settings=SETTINGS, now=NOW)
    assert _trend(store) == (BEFORE, 0)


# -- property: stored = from scratch, whatever the imports -----------------------------------------

DAYS = [date(2025, 11, 24) + timedelta(days=i) for i in range(110)]  # up to 13 March 2026
REFS = ("D1", "D2", "D3")


@st.composite
def _batches(draw: st.DrawFn) -> list[tuple[str, list[str]]]:
    """A few import files dated anywhere in the 12 weeks (refs reused across files: some
    rows are updates; one row per reference within a file, as the importer demands)."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["events", "payments", "invoices", "promises"]))
        rows: dict[tuple[str, int], str] = {}
        for i in range(draw(st.integers(1, 4))):
            ref = draw(st.sampled_from(REFS))
            day = draw(st.sampled_from(DAYS[:107]))  # not after 11 March (no future history)
            cents = draw(st.integers(1, 60_000))
            n = draw(st.integers(1, 3))
            amount = f"{cents / 100:.2f}"
            if kind == "events":
                chan, direction, outcome = draw(
                    st.sampled_from(
                        [
                            ("call", "out", "no_answer"),
                            ("call", "out", "promise"),
                            ("email", "out", ""),
                            ("sms", "in", ""),
                        ]
                    )
                )
                rows[(ref, i)] = f"{ref};{day.isoformat()} {8 + i:02d}:{n}0;{chan};{direction};{outcome};alice"
            elif kind == "payments":
                rows[(ref, n)] = f"{ref};P{n};{day.isoformat()};{amount};"
            elif kind == "invoices":
                # Paid in the source: not at all, in full (lettered) or half (partly lettered).
                paid = draw(st.sampled_from(["", "0", amount, amount, f"{cents // 2 / 100:.2f}"]))
                due = (day + timedelta(days=30)).isoformat()
                rows[(ref, n)] = f"{ref};F{n};{day.isoformat()};{due};{amount};{paid}"
            else:
                due = (day + timedelta(days=5)).isoformat()
                rows[(ref, 10 * n + i)] = f"{ref};PR{n}{i};{day.isoformat()} 09:00;{due};{amount}"
        out.append((kind, list(rows.values())))
    return out


HEADERS = {
    "events": "debtor_ref;at;channel;direction;outcome;agent",
    "payments": "debtor_ref;payment_ref;date;amount;invoice_ref",
    "invoices": "debtor_ref;invoice_ref;issue_date;due_date;amount;paid_amount",
    "promises": "debtor_ref;promise_ref;created_at;due_date;amount",
}


@settings(max_examples=store_examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=_batches(), report_weeks=st.lists(st.sampled_from(LABELS), min_size=1, max_size=3))
def test_stored_trend_equals_the_trend_from_scratch(
    tmp_path_factory: pytest.TempPathFactory, batches: list[tuple[str, list[str]]], report_weeks: list[str]
) -> None:
    tmp = tmp_path_factory.mktemp("w")
    store = _store(tmp)
    _import(store, tmp, "debtors", ["debtor_ref;name;segment;postcode", *(f"{r};{r};B2C;75011" for r in REFS)])
    _portfolio_events = ["debtor_ref;at;channel;direction;outcome;agent"]
    _portfolio_events += [f"{r};{d.isoformat()} 07:00;letter;out;;alice" for d in MONDAYS[::2] for r in REFS]
    _import(store, tmp, "events", _portfolio_events, "seed")
    _import(store, tmp, "invoices", [HEADERS["invoices"], *(f"{r};F0;2025-11-24;2025-12-24;300,00;" for r in REFS)])
    for week in report_weeks:
        build(store, week, now=NOW, settings=SETTINGS)  # stores the closed weeks it computes
    for i, (kind, rows) in enumerate(batches):
        try:
            _import(store, tmp, kind, [HEADERS[kind], *rows], f"{kind}{i}")
        except Exception as exc:  # a file the importer refuses (e.g. a promise dated after its due date)
            if type(exc).__name__ != "ImportRejected":
                raise
        for week in report_weeks:
            labels = trend_weeks(week)
            got = trend(store, _lead(store), week, settings=SETTINGS, now=NOW)
            assert got.rates == wear_trend(store, labels), (week, kind, rows)
            with store.read() as conn:
                kept = {w: (a, n) for _, w, a, n, _ in stored_weeks(conn)}
            assert kept == dict(wear_figures(store, list(kept))), (week, kind, rows)
        report = build(store, report_weeks[0], now=NOW, settings=SETTINGS)
        assert report.trend == wear_trend(store, trend_weeks(report_weeks[0]))
    store.close()
