"""`run_backend`, the one way the TUI runs a backend call (tui/backend_call.py), on a real store:
a result comes back as a `BackendResult`, a failure as a `BackendFailed` that is logged with its
traceback (read back from the log file) and shown as a French toast by the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.message import Message

from recouvre_tui.logs import setup_logging, stop_logging
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.backend_call import BackendFailed, BackendResult
from recouvre_tui.tui.lead.board import BoardScreen
from recouvre_tui.tui.lead.dialogs import NOTE_MAX, read_dated_note
from recouvre_tui.tui.lead.messages import LeadActionDone
from stores import closed_error

SIZE = (160, 48)
Settle = Callable[..., Awaitable[None]]


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "session.log"
    setup_logging(path)
    yield path
    stop_logging()


def read(path: Path) -> str:
    stop_logging()
    return path.read_text(encoding="utf-8")


async def until(pilot: Any, predicate: Callable[[], bool], timeout_s: float = 8.0) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()


def toasts(app: RecouvreApp) -> list[tuple[str, str, str]]:
    return [(n.title, str(n.message), n.severity) for n in app._notifications]


async def test_a_call_that_returns_posts_its_result(
    make_app: Callable[..., RecouvreApp], settle: Settle, log_file: Path
) -> None:
    seen: list[Message] = []
    app = make_app("alice")
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        results = [m for m in seen if isinstance(m, BackendResult) and m.what == "chiffres du jour"]
        assert results, "the figures loaded at start come back as a BackendResult"
        figures = results[-1].value
        # alice: D001 (1 200 + 3 030), D002 850, D003 5 000, D006 12 000; the pool: D004 300, D007 640.
        assert (figures["debtors"], figures["balance_cents"]) == (4, 2_208_000)
        assert (figures["pool_debtors"], figures["pool_balance_cents"]) == (2, 94_000)
        assert app.figures == figures  # `on_ok` ran on the event loop
        assert not any(isinstance(m, BackendFailed) for m in seen)
    assert "backend call" not in read(log_file)


async def test_a_failing_call_posts_the_failure_logs_the_traceback_and_shows_the_toast(
    make_app: Callable[..., RecouvreApp], settle: Settle, log_file: Path
) -> None:
    seen: list[Message] = []
    app = make_app("alice")
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        before = dict(app.figures)
        app.backend.store.close()  # every database call now fails for real
        app.load_figures()
        assert await until(pilot, lambda: any(isinstance(m, BackendFailed) for m in seen))
        failed = next(m for m in seen if isinstance(m, BackendFailed))
        assert (failed.what, failed.refused, failed.title) == ("chiffres du jour", False, "Erreur : chiffres du jour")
        assert failed.error == closed_error()[1]
        assert await until(pilot, lambda: ("Erreur : chiffres du jour", failed.error, "error") in toasts(app))
        assert app.figures == before  # no result, nothing changed on screen
    text = read(log_file)
    assert "ERROR recouvre_tui.tui.backend_call: backend call failed: chiffres du jour\nTraceback" in text
    assert ('store/pg.py", line' if closed_error()[0] == "psycopg" else 'store/db.py", line') in text  # into the store
    assert ".".join(closed_error()) in text


async def test_a_refusal_is_shown_as_the_services_word_it_and_logged(
    make_app: Callable[..., RecouvreApp], settle: Settle, query: Callable[..., list[tuple[Any, ...]]], log_file: Path
) -> None:
    seen: list[Message] = []
    finished: list[LeadActionDone] = []
    app = make_app("lea")
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        app.action_lead("board")
        assert await until(pilot, lambda: isinstance(app.screen, BoardScreen))
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        screen.action_finished = finished.append  # type: ignore[method-assign]
        hold = screen._each(
            ["D005", "D999"], lambda ref: app.backend.hold(ref, reason="vérification"), "Mis en attente"
        )
        screen.apply_action("hold", ["D005", "D999"], hold)
        assert await until(pilot, lambda: bool(finished))
        failed = [m for m in seen if isinstance(m, BackendFailed)]
        assert len(failed) == 1 and failed[0].refused
        error = "Mis en attente pour D005 ; arrêt sur D999 : débiteur inconnu « D999 »"
        assert (failed[0].what, failed[0].title, failed[0].error) == ("mise en attente", "Action refusée", error)
        assert finished == [LeadActionDone("hold", ["D005", "D999"], False, error)]
        assert await until(pilot, lambda: ("Action refusée", error, "error") in toasts(app))
    assert query("SELECT ref, on_hold FROM debtors WHERE ref IN ('D005', 'D999')") == [("D005", 1)]
    text = read(log_file)
    assert "INFO recouvre_tui.tui.backend_call: backend call refused: mise en attente\nTraceback" in text
    assert "recouvre_tui.services.lead.LeadError: débiteur inconnu « D999 »" in text


# --- the date + note of « mise en demeure envoyée » (DatedNoteForm and FormalNoticeForm) ------

TODAY = date(2026, 11, 23)  # the fixtures' frozen Monday


def test_dated_note_reads_the_date_and_the_note() -> None:
    got = read_dated_note(" 20/11 ", "  LRAR 1A 234  ", TODAY)
    assert (got.sent_on, got.note, got.errors) == (TODAY.replace(day=20), "LRAR 1A 234", {})
    assert read_dated_note("", "   ", TODAY).sent_on == TODAY and read_dated_note("", "", TODAY).note is None
    assert read_dated_note("hier", "", TODAY).sent_on == TODAY.replace(day=22)
    # 24/11 this year is tomorrow: the last 24/11 is the year before.
    assert read_dated_note("24/11", "", TODAY).sent_on == TODAY.replace(year=2025, day=24)


def test_dated_note_refuses_a_future_date_and_a_long_note_each_under_its_field() -> None:
    got = read_dated_note("2026-12-01", "x" * (NOTE_MAX + 1), TODAY, date_name="la date d'envoi")
    assert got.errors == {
        "sent_on": ["la date d'envoi (01/12/2026) est dans le futur"],
        "note": [f"note trop longue ({NOTE_MAX} caractères au plus)"],
    }
    assert read_dated_note("31/02", "", TODAY).errors == {"sent_on": ["date impossible « 31/02 »"]}


@given(st.dates(min_value=TODAY.replace(year=2000), max_value=TODAY.replace(year=2040)))
def test_dated_note_accepts_exactly_the_dates_up_to_today(d: date) -> None:
    got = read_dated_note(d.strftime("%d/%m/%Y"), "", TODAY)
    if d <= TODAY:
        assert (got.sent_on, got.errors) == (d, {})
    else:
        assert got.errors == {"sent_on": [f"la date ({d:%d/%m/%Y}) est dans le futur"]}
