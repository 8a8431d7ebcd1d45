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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("RECOUVRE_TEST_STORE", "sqlite"),
        help="run the suite on SQLite files (default) or on a throw-away PostgreSQL cluster (tests/stores.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Set for this process, the xdist workers and every CLI subprocess the tests start.
    os.environ["RECOUVRE_TEST_STORE"] = config.getoption("--store")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, tests about the SQLite file itself are not collected (tests/stores.py)."""
    if config.getoption("--store") != "postgresql":
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    dropped = [item for item in items if item.get_closest_marker("sqlite_only") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _drop_postgres_test_databases() -> Iterator[None]:
    yield
    from stores import drop_test_databases

    drop_test_databases()  # nothing to do unless the test made some (on either pass)
