"""The queue's SQL leaves out, before reading the portfolio page by page, debtors no rule would
let anyone call: no valid number, an area closed right now (its local hours, weekday or public
holiday; `callability.open_areas`). Those filters must never hide a callable debtor, nor let an
uncallable one through: at any instant, the callable queue is exactly the full queue's callable
entries, in the same order (property test over instants around the holidays of every area)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_helpers import Debtor, Env, days_before, make_env

# One postcode per area the product knows (metropolitan France, Alsace-Moselle, overseas).
POSTCODES = {
    "FR": "75011",
    "57": "57000",
    "67": "67000",
    "68": "68100",
    "971": "97110",
    "972": "97200",
    "973": "97300",
    "974": "97400",
    "976": "97600",
}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    e = make_env(tmp_path_factory.mktemp("prefilter"), keep=True)
    debtors = []
    n = 0
    for code, postcode in POSTCODES.items():
        for segment in ("B2B", "B2C"):
            for has_phone in (True, False):
                n += 1
                debtors.append(
                    Debtor(
                        f"{segment}-{code}-{'T' if has_phone else 'N'}",
                        segment=segment,
                        postcode=postcode,
                        phone=None if has_phone else "",
                        invoices=[("F", days_before(40), str(100 + n))],
                    )
                )
    e.add_debtors(debtors)
    return e


def test_the_fixture_has_what_the_property_needs(env: Env) -> None:
    full = env.queue("alice", include_blocked=True, limit=1000)
    assert len(full) == 36
    # Tuesday 11:00 in Paris: every metropolitan debtor with a number is callable, none without.
    callable_now = {e.debtor_ref for e in env.queue("alice", limit=1000)}
    assert {"B2B-FR-T", "B2C-FR-T", "B2C-57-T"} <= callable_now
    assert not any(ref.endswith("-N") for ref in callable_now)
    assert "B2C-971-T" not in callable_now  # 06:00 in Guadeloupe


# Instants anywhere from November to mid-January, and close to the public holidays of the
# areas (11 Nov, 20 Dec in La Réunion, 25–26 Dec with Saint-Étienne in Alsace-Moselle, 1 Jan).
_DAYS = [datetime(2026, 11, 11), datetime(2026, 12, 20), datetime(2026, 12, 25), datetime(2026, 12, 26),
         datetime(2027, 1, 1)]
instants = st.one_of(
    st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2027, 1, 15)),
    st.builds(lambda d, m: d + timedelta(minutes=m), st.sampled_from(_DAYS), st.integers(-24 * 60, 48 * 60)),
).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(now=instants)
def test_the_callable_queue_is_the_full_queues_callable_entries(env: Env, now: datetime) -> None:
    full = env.queue("alice", now=now, include_blocked=True, limit=1000)
    shown = env.queue("alice", now=now, limit=1000)
    assert [e.debtor_ref for e in shown] == [e.debtor_ref for e in full if e.callable]


def test_no_valid_number_never_reaches_a_page(env: Env, tmp_path: Path) -> None:
    """The page itself (not only the rule after it) leaves out a debtor without a number."""
    from recouvre_tui.store import queue as sql

    with env.store.read() as conn:
        page = sql.page(conn, agent=None, pool=True, after=None, limit=100, include_blocked=False)
    refs = {c.ref for c in page}
    assert refs and not any(ref.endswith("-N") for ref in refs)


def test_no_page_is_read_when_every_area_is_closed(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every area of both segments closed (Sunday, 1 January, night), the pages' SQL would
    leave every debtor out: nothing is read. It took 0.7 s at 1 000 000 debtors to read the
    whole queue index and find nothing. The callable queue is the same either way (property
    above, which draws such instants)."""
    from recouvre_tui.store import queue as sql

    read: list[bool] = []
    real_page = sql.page

    def counted(*args: object, **kwargs: object) -> object:
        read.append(bool(kwargs.get("include_blocked")))
        return real_page(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sql, "page", counted)
    closed = [
        datetime(2026, 11, 22, 10, 0, tzinfo=UTC),  # Sunday 11:00 in Paris
        datetime(2027, 1, 1, 10, 0, tzinfo=UTC),  # New Year's Day, every area
        datetime(2026, 11, 18, 2, 0, tzinfo=UTC),  # Wednesday 03:00 Paris, 22:00 Guadeloupe, 06:00 Réunion
    ]
    for now in closed:
        assert env.queue("alice", now=now, limit=1000) == []
        assert env.take("alice", now=now) is None
    assert read == []
    # The blocked view still lists everyone, from the pages, with why they cannot be called.
    full = env.queue("alice", now=closed[0], include_blocked=True, limit=1000)
    assert len(full) == 36 and read and all(read)
    assert {r for e in full for r in e.blocked_by} >= {"outside_hours"}
    # Saturday 11:00 in Paris: B2C is open, so pages are read again.
    read.clear()
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert {e.debtor_ref for e in env.queue("alice", now=saturday, limit=1000)} >= {"B2C-FR-T"}
    assert read and not any(read)
