"""An agent's session in the application log, read back from the file: its start and end with
login and pid, failures with their traceback, and never a note's text or a phone number."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from recouvre_tui.logs import setup_logging, stop_logging
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.case.screen import CaseScreen
from recouvre_tui.tui.outcome.note import NoteForm
from stores import closed_error

SIZE = (160, 48)
Settle = Callable[..., Awaitable[None]]
NOTE = "Le comptable rappelle jeudi, facture égarée"
# D001's two numbers (fixtures: 02 40 11 22 33 and 06 12 34 56 78), every way they are written.
PHONES = ("02 40 11 22 33", "0240112233", "+33240112233", "240112233", "06 12 34 56 78", "0612345678", "+33612345678")


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "session.log"
    setup_logging(path)
    yield path
    stop_logging()


def read(path: Path) -> str:
    stop_logging()
    return path.read_text(encoding="utf-8")


async def open_case(pilot: Any, settle: Settle) -> None:
    await settle(pilot)
    await pilot.press("enter")
    for _ in range(100):
        screen = pilot.app.screen
        if isinstance(screen, CaseScreen) and screen.case is not None:
            return
        await settle(pilot)
    raise AssertionError("no case opened")


async def test_a_session_logs_start_and_end_never_the_note_or_a_phone(
    make_app: Callable[..., RecouvreApp], settle: Settle, query: Callable[..., list[tuple[Any, ...]]], log_file: Path
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_case(pilot, settle)
        shown = str(app.screen.query_one("#case-header").render()) + str(app.screen.query_one("#phones").render())
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteForm)
        app.screen.query_one("#note", TextArea).load_text(NOTE)
        await pilot.press("ctrl+s")
        await pilot.press("8", "enter")  # refusal, with the note
        for _ in range(100):
            if query("SELECT note FROM events WHERE source = 'tui'"):
                break
            await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert query("SELECT note, phone FROM events WHERE source = 'tui'") == [(NOTE, "+33240112233")]
    assert "02 40 11 22 33" in shown  # the screen showed the number; the log must not
    text = read(log_file)
    pid = os.getpid()
    app_line = rf"^.* {pid} INFO recouvre_tui.tui.app: session"
    assert re.search(rf"{app_line} start: login=alice role=agent pid={pid}$", text, re.M)
    assert re.search(rf"{app_line} end: login=alice pid={pid}$", text, re.M)
    assert "Traceback" not in text
    assert NOTE not in text and "comptable" not in text
    for form in PHONES:
        assert form not in text


async def test_worker_heartbeat_and_end_of_session_failures_are_logged_with_traceback(
    make_app: Callable[..., RecouvreApp], settle: Settle, log_file: Path
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.backend.store.close()  # every database call now fails
        app.send_heartbeat()
        await settle(pilot)
        app.load_figures()
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    text = read(log_file)
    # Best effort (no toast): a warning; a call the agent waits for: an error.
    call_log = "recouvre_tui.tui.backend_call: backend call failed"
    assert f"WARNING {call_log}: présence au tableau d'équipe\nTraceback (most recent call last):" in text
    assert f"ERROR {call_log}: chiffres du jour\nTraceback (most recent call" in text
    assert "ERROR recouvre_tui.tui.app: session alice: end of session not recorded\nTraceback" in text
    assert "ERROR recouvre_tui.tui.app: session alice: release failed (a held case frees itself" in text
    assert text.count(".".join(closed_error())) == 4
    assert "session end: login=alice" in text
