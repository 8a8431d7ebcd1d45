"""Messages of the app's data-version watcher (`RecouvreApp.watch_data_version`).

Backend calls answer with `tui.backend_call.BackendResult` / `BackendFailed` instead."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class DataChanged(Message):
    """Another session committed: what is shown may be stale."""

    version: int


@dataclass
class AccountClosed(Message):
    """The session's account was deactivated (or removed): the session ends with `text`."""

    text: str
