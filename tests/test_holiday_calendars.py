"""Public-holiday calendars kept in the database (services/calendars.py): computed with the
`holidays` package by `init`, `migrate` and the nightly refresh, read by each session, which
then never imports the package (11 MB a session: it loads every country to give France's)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_helpers import NOW, Debtor, Env, days_before, make_env, utc
from recouvre_tui.domain import areas
from recouvre_tui.domain.areas import AREAS, decode_calendars, encode_calendars, holiday_name, install_calendars
from recouvre_tui.services.calendars import load_calendars, store_calendars
from recouvre_tui.services.refresh import refresh
from recouvre_tui.store import calendars as calendar_sql
from stores import new_db

KEPT = areas.library_calendars(range(2025, 2030))


@pytest.fixture(autouse=True)
def no_installed_calendars() -> Iterator[None]:
    install_calendars({})  # the process-wide calendars: each test starts and ends without any
    yield
    install_calendars({})


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = make_env(tmp_path)
    yield e
    e.store.close()


def _kept(env: Env) -> dict[tuple[str | None, int], dict[date, str]]:
    with env.store.read() as conn:
        text = calendar_sql.read(conn)
    assert text is not None
    return decode_calendars(text)


def test_the_known_days_of_2026_by_area() -> None:
    # Hand-checked: Easter 2026 is 5 April (Good Friday 3 April, Easter Monday 6 April,
    # Ascension 14 May, Whit Monday 25 May). Alsace-Moselle keeps Good Friday and 26 December;
    # each overseas department its abolition-of-slavery day.
    install_calendars(KEPT)
    metz, strasbourg, paris = AREAS["57"], AREAS["67"], AREAS["FR"]
    assert holiday_name(paris, date(2026, 4, 6)) == "Lundi de Pâques"
    assert holiday_name(paris, date(2026, 5, 14)) == "Ascension"
    assert holiday_name(paris, date(2026, 5, 25)) == "Lundi de Pentecôte"
    assert holiday_name(paris, date(2026, 4, 3)) is None
    assert holiday_name(metz, date(2026, 4, 3)) == holiday_name(strasbourg, date(2026, 4, 3)) == "Vendredi saint"
    assert holiday_name(paris, date(2026, 12, 26)) is None
    assert holiday_name(metz, date(2026, 12, 26)) is not None
    abolition = {"971": date(2026, 5, 27), "972": date(2026, 5, 22), "973": date(2026, 6, 10),
                 "974": date(2026, 12, 20), "976": date(2026, 4, 27)}  # fmt: skip
    for code, day in abolition.items():
        assert holiday_name(AREAS[code], day) == "Abolition de l'esclavage", code
        assert holiday_name(paris, day) is None, code


@given(day=st.dates(date(2025, 1, 1), date(2029, 12, 31)), code=st.sampled_from(sorted(AREAS)))
def test_the_kept_calendars_answer_as_the_package_does(day: date, code: str) -> None:
    area = AREAS[code]
    package = areas._library_calendar(area.holiday_subdiv, day.year).get(day)
    install_calendars(decode_calendars(encode_calendars(KEPT, source="test")))
    try:
        assert holiday_name(area, day) == package
    finally:
        install_calendars({})
    assert holiday_name(area, day) == package  # nothing installed: the package answers


def test_a_year_not_kept_falls_back_to_the_package() -> None:
    install_calendars({key: days for key, days in KEPT.items() if key[1] == 2026})
    assert holiday_name(AREAS["FR"], date(2031, 7, 14)) == "Fête nationale"


@pytest.mark.parametrize(
    "text, says",
    [
        ("{not json", "unreadable"),
        (json.dumps({"calendars": {"99/2026": {}}}), "unknown subdivision"),
        (json.dumps({"calendars": {"/2026": {"2027-01-01": "Jour de l'an"}}}), "outside 2026"),
        (json.dumps({"calendars": {"/2026": {"1er janvier": "Jour de l'an"}}}), "Invalid isoformat"),
        (json.dumps({"source": "x"}), "unreadable"),
    ],
)
def test_unreadable_calendars_are_set_aside_with_a_log(
    env: Env, caplog: pytest.LogCaptureFixture, text: str, says: str
) -> None:
    with env.store.write() as conn:
        calendar_sql.write(conn, text)
    with caplog.at_level(logging.WARNING, logger="recouvre_tui.services.calendars"):
        assert load_calendars(env.store) == []
    assert says in caplog.text and "holidays package instead" in caplog.text
    assert areas.installed_years() == []
    assert holiday_name(AREAS["FR"], date(2026, 11, 11)) == "Armistice"


def test_init_keeps_five_years_around_its_clock(tmp_path: Path) -> None:
    db = str(new_db(tmp_path, "init.db"))
    run = subprocess.run(
        [sys.executable, "-m", "recouvre_tui.cli", "--db", db, "init", "--now", "2026-11-23T10:00"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    from recouvre_tui.store.db import open_db

    store = open_db(db)
    try:
        assert load_calendars(store) == [2025, 2026, 2027, 2028, 2029]
        with store.read() as conn:
            text = calendar_sql.read(conn) or ""
    finally:
        store.close()
    assert decode_calendars(text) == KEPT
    assert json.loads(text)["source"].startswith("holidays ")


def test_the_queue_follows_the_calendar_kept_in_the_database(env: Env) -> None:
    env.add_debtors(
        [
            Debtor("PARIS", invoices=[("F", days_before(40), "100")]),
            Debtor("RUN", postcode="97400", phone="0692123456", invoices=[("F", days_before(40), "100")]),
        ]
    )
    tuesday = utc(2026, 11, 24, 9, 0)  # 10:00 Paris, 13:00 at La Réunion: both open
    store_calendars(env.store, now=tuesday)
    assert env.refs("alice", now=tuesday) == ["PARIS", "RUN"]
    # The database says that Tuesday is a holiday at La Réunion: every session reading it agrees.
    kept = _kept(env)
    kept[("974", 2026)][date(2026, 11, 24)] = "Jour férié local"
    with env.store.write() as conn:
        calendar_sql.write(conn, encode_calendars(kept, source="test"))
    install_calendars({})
    assert load_calendars(env.store) == [2025, 2026, 2027, 2028, 2029]
    assert env.refs("alice", now=tuesday) == ["PARIS"]
    assert env.blocked("alice", "RUN", now=tuesday) == ["holiday"]
    # The nightly computes them again with the package: the day is an ordinary Tuesday again.
    refresh(env.store, now=tuesday, settings=env.settings)
    assert _kept(env)[("974", 2026)].get(date(2026, 11, 24)) is None
    install_calendars({})
    load_calendars(env.store)
    assert env.refs("alice", now=tuesday) == ["PARIS", "RUN"]


def test_storing_the_same_calendars_again_writes_nothing(env: Env) -> None:
    store_calendars(env.store, now=NOW)
    before = env.rows("SELECT key, value FROM meta ORDER BY key")
    store_calendars(env.store, now=NOW)
    assert env.rows("SELECT key, value FROM meta ORDER BY key") == before


SESSION = textwrap.dedent(
    """
    import asyncio, sys
    from recouvre_tui.cli.common import Ctx
    from recouvre_tui.domain.config import Settings
    from recouvre_tui.domain.dates import parse_now
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.tui.app import RecouvreApp

    async def main() -> None:
        store = Ctx(sys.argv[1], None).store()  # what `recouvre tui` opens
        agent = require_agent(store, "alice")
        app = RecouvreApp(store, agent, settings=Settings(), frozen_now=parse_now(sys.argv[2]), cursor_blink=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("enter")
            for _ in range(100):
                await pilot.pause(0.05)
                if app.screen.__class__.__name__ == "CaseScreen":
                    break
            print(app.screen.__class__.__name__)
            await pilot.press("ctrl+q")
        print(" ".join(sorted(m for m in sys.modules if m == "holidays" or m.startswith("holidays."))[:3]))

    asyncio.run(main())
    """
)


@pytest.mark.slow
def test_a_session_opening_a_case_never_imports_the_holidays_package(env: Env) -> None:
    env.add_debtors([Debtor("RUN", postcode="97400", phone="0692123456", invoices=[("F", days_before(40), "100")])])
    args = [sys.executable, "-c", SESSION, str(env.db), "2026-11-17T11:00"]
    # No calendar kept yet (a database before this change, until its nightly): the package loads.
    before = subprocess.run(args, capture_output=True, text=True)
    assert before.returncode == 0, before.stderr
    assert before.stdout.split()[0] == "CaseScreen"
    assert "holidays" in before.stdout.split()[1:]
    store_calendars(env.store, now=NOW)
    after = subprocess.run(args, capture_output=True, text=True)
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == ["CaseScreen"]
