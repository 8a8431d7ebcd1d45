"""Fixtures for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from recouvre_tui.logs import stop_logging


@pytest.fixture(autouse=True, scope="session")
def _private_log_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands run by the tests log under a temporary folder, never the user's own log."""
    old = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    stop_logging()
    if old is None:
        del os.environ["XDG_STATE_HOME"]
    else:
        os.environ["XDG_STATE_HOME"] = old
