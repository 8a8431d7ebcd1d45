"""Screens that follow other sessions' commits.

The app's 1-second watcher (`RecouvreApp.watch_data_version`) sees another session commit and
asks the screen in front to reload what it shows, if that screen follows data changes: it says
so by defining `data_changed()` (structural: Textual's screens cannot also subclass a Protocol).
Its reload is quiet: nothing is repainted when nothing changed (see widgets.quiet).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class FollowsDataChanges(Protocol):
    def data_changed(self) -> None:
        """Reload what is shown (another session committed)."""
