"""One debtor filter, one rule for its bounds (docs/rules.md, "Debtor filter").

The work queue, the lead's review and bulk reassignment select exactly the same debtors for
any filter, and that set is the one `domain.filters.matches` computes from each debtor's
facts (bounds inclusive). The database is built once; every reassignment runs on a copy.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_helpers import NOW, SETTINGS, TODAY, Debtor, Env, days_before, make_env
from recouvre_tui.domain.filters import DebtorFacts, DebtorFilter, days_past_due, matches
from recouvre_tui.services.agents import require_agent
from recouvre_tui.services.lead import REVIEW_MAX_LIMIT, reassign_by_filter, review_queue
from recouvre_tui.services.work_queue import list_queue
from recouvre_tui.store.db import open_db
from stores import clone_db

BALANCES = (1, 49_999, 50_000, 50_001, 499_999, 500_000, 500_001)  # in cents
DAYS = (-5, 0, 10, 30, 31, 90)  # days past due of the only invoice (-5: not yet due)
POSTCODES = (("75011", "0612000000"), ("97200", "0696000000"))


def _debtors() -> list[Debtor]:
    out = []
    for i, cents in enumerate(BALANCES):
        for j, days in enumerate(DAYS):
            n = i * len(DAYS) + j
            postcode, phone = POSTCODES[n % 2]
            out.append(
                Debtor(
                    f"D{n:03d}",
                    segment=("B2B", "B2C")[n % 3 % 2],
                    postcode=postcode,
                    phone=phone[:-3] + f"{n:03d}",
                    agent="alice" if n % 4 else "",  # Alice's portfolio and the pool
                    invoices=[(f"F{n:03d}", days_before(days), f"{cents // 100}.{cents % 100:02d}")],
                )
            )
    return out


_BUILT: dict[str, Path | str] = {}


def _template() -> Path | str:
    """The database, built once for every example (hypothesis runs hundreds)."""
    if "db" not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix="debtor-filter-"))
        env = make_env(folder, keep=True)  # built once for every test of the module
        env.add_debtors(_debtors())
        env.set_flag("D001", "on_hold")
        env.set_flag("D008", "do_not_call")
        env.set_flag("D015", "dispute_open")
        env.store.close()
        _BUILT["db"] = env.db
    return _BUILT["db"]


def _facts(env: Env) -> dict[str, DebtorFacts]:
    rows = env.rows(
        "SELECT ref, agent, segment, area, balance_cents, oldest_due, on_hold, do_not_call, dispute_open FROM debtors"
    )
    return {r[0]: DebtorFacts(r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7]), bool(r[8])) for r in rows}


bounds = st.one_of(st.none(), st.sampled_from(BALANCES), st.integers(0, 600_000))
day_bounds = st.one_of(st.none(), st.sampled_from((0, 9, 10, 11, 30, 31, 90, 91)))


@st.composite
def filters(draw: st.DrawFn) -> DebtorFilter:
    lo, hi = draw(bounds), draw(bounds)
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    dlo, dhi = draw(day_bounds), draw(day_bounds)
    if dlo is not None and dhi is not None and dlo > dhi:
        dlo, dhi = dhi, dlo
    return DebtorFilter(
        segment=draw(st.sampled_from((None, "B2B", "B2C"))),
        overseas=draw(st.sampled_from((None, True, False))),
        blocked=draw(st.sampled_from((None, "hold", "do_not_call", "dispute", "any", "none"))),
        min_balance_cents=lo,
        max_balance_cents=hi,
        min_days_past_due=dlo,
        max_days_past_due=dhi,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flt=filters())
def test_queue_review_and_bulk_reassign_select_the_same_debtors(flt: DebtorFilter) -> None:
    folder = Path(tempfile.mkdtemp(prefix="debtor-filter-ex-"))
    try:
        env = Env(open_db(clone_db(_template(), folder)), folder)
        expected = {ref for ref, facts in _facts(env).items() if matches(flt, facts, TODAY)}

        queue = list_queue(
            env.store, env.agent("alice"), now=NOW, settings=SETTINGS, limit=10_000, include_blocked=True, flt=flt
        )
        lead = require_agent(env.store, "lea")
        review = review_queue(env.store, lead, flt, now=NOW, settings=SETTINGS, limit=REVIEW_MAX_LIMIT)
        assert review.after is None  # one page holds them all
        assert {e.debtor_ref for e in queue} == expected
        assert {e.debtor_ref for e in review.rows} == expected

        if not flt.is_empty():
            moved = reassign_by_filter(env.store, lead, flt, to="bob", now=NOW)
            assert {r[0] for r in env.rows("SELECT ref FROM debtors WHERE agent = 'bob'")} == expected
            assert moved == len(expected)
        env.store.close()
    finally:
        shutil.rmtree(folder)


def test_bounds_are_inclusive_on_both_sides() -> None:
    """500 € to 5 000 €: a debtor owing exactly 500 € or exactly 5 000 € is selected."""
    flt = DebtorFilter(min_balance_cents=50_000, max_balance_cents=500_000)

    def owing(cents: int) -> DebtorFacts:
        return DebtorFacts(None, "B2C", "75", cents, None, False, False, False)

    assert [c for c in (49_999, 50_000, 500_000, 500_001) if matches(flt, owing(c), TODAY)] == [50_000, 500_000]


def test_days_past_due_count_from_the_oldest_open_due_date() -> None:
    assert days_past_due(None, date(2026, 11, 17)) == 0
    assert days_past_due("2026-11-22", date(2026, 11, 17)) == 0  # not yet due
    assert days_past_due("2026-10-18", date(2026, 11, 17)) == 30


def test_the_example_database_covers_every_bound() -> None:
    """Guard on the fixture: each balance and each lateness exists, so the property can fail."""
    env = Env(open_db(_template()), Path(tempfile.mkdtemp(prefix="debtor-filter-guard-")))
    try:
        balances = {r[0] for r in env.rows("SELECT balance_cents FROM debtors")}
        assert balances == set(BALANCES)
        agents = {r[0] for r in env.rows("SELECT agent FROM debtors")}
        assert agents == {"alice", None}
    finally:
        env.store.close()
