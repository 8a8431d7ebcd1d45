"""The queue's columns fit the terminal: at 80×24 the status column was cut after 3 letters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.widgets import DataTable

from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.queue.columns import COMPACT, MEDIUM, WIDE, layout_for, needed_width
from recouvre_tui.tui.queue.screen import QueueScreen

MakeApp = Callable[..., RecouvreApp]
Settle = Callable[..., Awaitable[None]]


def test_needed_widths_by_hand() -> None:
    # Each column: its width plus one cell of padding on each side; then the 2-cell scrollbar.
    assert needed_width(WIDE) == (28 + 4 + 13 + 7 + 12 + 30 + 6) + 7 * 2 + 2 == 116
    assert needed_width(MEDIUM) == (25 + 4 + 12 + 6 + 7 + 17 + 6) + 7 * 2 + 2 == 93
    assert needed_width(COMPACT) == (25 + 12 + 6 + 7 + 17) + 5 * 2 + 2 == 79


@pytest.mark.parametrize(
    ("width", "layout"),
    [(200, WIDE), (116, WIDE), (115, MEDIUM), (93, MEDIUM), (92, COMPACT), (80, COMPACT), (40, COMPACT)],
)
def test_widest_layout_that_fits(width: int, layout: object) -> None:
    assert layout_for(width) == layout


@pytest.mark.parametrize(
    ("size", "keys"),
    [
        ((80, 24), ["debtor", "balance", "days", "local", "status"]),
        ((120, 30), ["debtor", "segment", "balance", "days", "local", "status", "score"]),  # « Pourquoi ? » under
        ((140, 40), ["debtor", "segment", "balance", "days", "local", "status", "score"]),  # beside: 97 left
        ((160, 48), ["debtor", "segment", "balance", "days", "local", "status", "score"]),
    ],
)
async def test_every_column_shown_is_whole(
    make_app: MakeApp, settle: Settle, size: tuple[int, int], keys: list[str]
) -> None:
    app = make_app("alice")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one("#queue-table", DataTable)
        assert [str(k.value) for k in table.columns] == keys
        used = sum(c.get_render_width(table) for c in table.columns.values())
        assert used <= table.scrollable_content_region.width
        # The longest status a callable case shows (« promesse rompue ») fits its column.
        assert table.columns[next(k for k in table.columns if k.value == "status")].width >= len("promesse rompue")
        assert table.row_count == len(app.screen.entries) > 0
        # The list is not squeezed under « Pourquoi ? » on a 24-line terminal.
        if size[1] == 24:
            assert table.size.height >= 10
