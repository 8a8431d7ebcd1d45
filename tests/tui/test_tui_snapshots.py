"""SVG snapshots of the key screens at 160×48, on the frozen clock, without cursor blink.

Regenerate after a deliberate UI change: `pytest tests/tui/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from recouvre_tui.tui.app import RecouvreApp

SIZE = (160, 48)
MakeApp = Callable[..., RecouvreApp]
Settle = Callable[..., Awaitable[None]]


def test_welcome_snapshot(snap_compare: Any, make_app: MakeApp, settle: Settle) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app("alice"), terminal_size=SIZE, run_before=run_before)


def test_queue_snapshot(snap_compare: Any, make_app: MakeApp, settle: Settle) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("f", "b")  # with the blocked debtors and their reasons
        await settle(pilot)

    assert snap_compare(make_app("alice"), terminal_size=SIZE, run_before=run_before)


def test_case_snapshot(snap_compare: Any, make_app: MakeApp, settle: Settle) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("1")  # « pas de réponse » selected, not yet recorded
        await settle(pilot)

    assert snap_compare(make_app("alice"), terminal_size=SIZE, run_before=run_before)


def test_plan_form_snapshot(snap_compare: Any, make_app: MakeApp, settle: Settle) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e", *"05/12")
        await settle(pilot)

    assert snap_compare(make_app("alice"), terminal_size=SIZE, run_before=run_before)
