"""Usable at 80×24 (PuTTY's default) and 100×30 from the keyboard (issue 17, item 5).

Every panel of the case screen takes the focus (Tab / F6) and scrolls (PgUp / PgDn), the guide
steps phase by phase with `[` / `]`, below 100 columns the panels stack with a one-line invoice
summary and the key legend behind F1, and amounts never break across lines. Snapshots of the
case, queue, promise form and wear screens at 80×24, 100×30 (and the promise form at 160×48).
Regenerate after a deliberate UI change: `pytest tests/tui/test_layout_80.py --snapshot-update`.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from test_lead_screens import add_d002_sms, until  # same folder (rootdir on path)
from textual._wrap import compute_wrap_offsets
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Static

from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.case.screen import CaseScreen
from recouvre_tui.tui.fmt import eur

MakeApp = Callable[..., RecouvreApp]
Settle = Callable[..., Awaitable[None]]
SIZES = [(80, 24), (100, 30)]


# --- amounts never split -------------------------------------------------------------------------


def rich_lines(text: str, width: int) -> list[str]:
    """Rich's wrapping, as installed by importing the app (`tui.nobreak`)."""
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(Text(text))
    return [line.rstrip() for line in console.export_text().splitlines()]


def textual_lines(text: str, width: int) -> list[str]:
    offsets = [0, *compute_wrap_offsets(text, width, 8), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(offsets)]


def test_an_amount_stays_on_one_line_in_rich_and_textual() -> None:
    text = "Pourquoi ce ton : compte important (25\u202f897,36 €) fin"
    assert rich_lines(text, 20) == ["Pourquoi ce ton :", "compte important", "(25\u202f897,36 €) fin"]
    assert [line.rstrip() for line in textual_lines(text, 20)] == [
        "Pourquoi ce ton :",
        "compte important",
        "(25\u202f897,36 €) fin",
    ]


def test_french_quotes_stay_with_their_words() -> None:
    assert rich_lines("appel · « Messagerie, message laissé. » (demo)", 34) == [
        "appel · « Messagerie, message",
        "laissé. » (demo)",
    ]


def test_ordinary_spaces_still_break() -> None:
    assert rich_lines("un deux trois quatre", 10) == ["un deux", "trois", "quatre"]


@given(st.integers(min_value=-(10**11), max_value=10**11), st.integers(min_value=0, max_value=30))
def test_any_amount_is_never_split(cents: int, lead: int) -> None:
    amount = eur(cents)
    text = "x" * lead + " solde " + amount + " ce jour"
    width = max(len(amount) + 1, 16)
    for lines in (rich_lines(text, width), textual_lines(text, width)):
        assert any(amount in line for line in lines), (amount, lines)


# --- keyboard reach --------------------------------------------------------------------------------


async def open_case(pilot: Pilot, settle: Settle) -> CaseScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen


async def test_every_panel_is_reached_and_scrolled_from_the_keyboard(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(pilot, settle)
        assert screen.has_class("-compact")
        left = screen.query_one("#case-left", VerticalScroll)
        guide = screen.query_one("#script-panel", VerticalScroll)
        assert app.focused is left
        await pilot.press("tab")
        assert app.focused is guide
        assert guide.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert guide.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert guide.scroll_y == 0
        await pilot.press("f6")
        assert app.focused is left
        await pilot.press("shift+tab")
        assert app.focused is guide


async def test_the_guide_steps_phase_by_phase(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(pilot, settle)
        rows = ["#row-ecouter", "#row-identifier", "#row-proposer", "#row-conclure"]
        current = lambda: [r for r in rows if screen.query_one(r).has_class("-current")]  # noqa: E731
        assert current() == ["#row-ecouter"]
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert current() == ["#row-proposer"]
        assert app.focused is screen.query_one("#script-panel")
        await pilot.press(*["right_square_bracket"] * 5)  # stops at « Conclure »
        assert current() == ["#row-conclure"]
        await pilot.press(*["left_square_bracket"] * 9)
        assert current() == ["#row-ecouter"]


async def test_compact_layout_summary_line_and_keys_behind_f1(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(pilot, settle)
        console = Console(width=78, file=io.StringIO(), record=True)
        console.print(screen.query_one("#invoices", Static).content)
        lines = console.export_text().splitlines()
        # D001: FA-1001 1 200,00 € (due 31/08) and FA-1017 3 030,00 € (due 15/10), both overdue.
        assert lines[0].rstrip() == "Factures : 2 ouvertes · échu 4\u202f230,00 €"
        assert any("FA-1001" in ln and "31/08/26" in ln for ln in lines)
        assert "…" not in console.export_text()
        keys = str(screen.query_one("#outcome-keys", Static).render())
        assert keys.splitlines()[1].startswith("touches : F1")
        assert "[6]" not in keys  # the full legend is behind F1
    async with make_app("alice").run_test(size=(160, 48)) as pilot:
        screen = await open_case(pilot, settle)
        assert not screen.has_class("-compact")
        assert "[6]" in str(screen.query_one("#outcome-keys", Static).render())


# The keystrokes per outcome listed in the README, at 80×24: none slower than at 160×48.
KEYSTROKES = [
    (("1", "enter"), "no_answer"),
    (("2", "enter"), "busy"),
    (("3", "enter"), "voicemail"),
    (("4", "enter"), "third_party"),
    (("5", "enter"), "wrong_number"),
    (("6", "enter"), "paid"),
    (("7", "enter", "enter"), "dispute"),
    (("8", "enter"), "refusal"),
    (("9", "enter"), "hardship"),
    (("p", "+", "7", "enter"), "promise"),
    (("e", "+", "7", "enter"), "plan"),
    (("r", "1", "6", ":", "0", "0", "enter"), "callback"),
]


@pytest.mark.parametrize(("keys", "outcome"), KEYSTROKES, ids=[o for _k, o in KEYSTROKES])
async def test_each_outcome_in_its_listed_keystrokes_at_80x24(
    make_app: MakeApp, settle: Settle, query: Any, keys: tuple[str, ...], outcome: str
) -> None:
    app = make_app("alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, settle)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await until(pilot, lambda: bool(query("SELECT 1 FROM events WHERE source = 'tui'")))
    rows = query(
        "SELECT d.ref, e.outcome FROM events e JOIN debtors d ON d.id = e.debtor_id "
        "WHERE e.source = 'tui' AND e.channel = 'call'"
    )
    assert rows == [("D001", outcome)]


# --- snapshots -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "100x30"])
def test_case_snapshot_small(snap_compare: Any, make_app: MakeApp, settle: Settle, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_case(pilot, settle)
        await pilot.press("1")
        await settle(pilot)

    assert snap_compare(make_app("alice"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "100x30"])
def test_queue_snapshot_small(snap_compare: Any, make_app: MakeApp, settle: Settle, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("f", "b")
        await settle(pilot)

    assert snap_compare(make_app("alice"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [*SIZES, (160, 48)], ids=["80x24", "100x30", "160x48"])
def test_promise_form_snapshot(snap_compare: Any, make_app: MakeApp, settle: Settle, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_case(pilot, settle)
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(make_app("alice"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "100x30"])
def test_wear_snapshot_small(
    snap_compare: Any,
    make_app: MakeApp,
    open_store: Any,
    settings: Any,
    frozen_now: Any,
    settle: Settle,
    size: tuple[int, int],
) -> None:
    add_d002_sms(open_store, settings, frozen_now)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("u")
        await until(pilot, lambda: getattr(pilot.app.screen, "trend", None) is not None)
        await settle(pilot)

    assert snap_compare(make_app("lea"), terminal_size=size, run_before=run_before)
