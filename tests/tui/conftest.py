"""Fixtures for the TUI tests: a small portfolio imported through the real services, on a
frozen clock (Monday 23 November 2026, 10:00 in Paris = 09:00 UTC)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.agents import add_agent, require_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.refresh import refresh
from recouvre_tui.store.db import Store, init_db, open_db
from recouvre_tui.tui.app import RecouvreApp
from stores import clone_db, new_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 10:00 Paris, 13:00 La Réunion

DEBTORS = """debtor_ref;name;segment;siren;postcode;phone;phone2;email;sales_rep;agent
D001;SARL Dupont Frères;B2B;552100554;44000;02 40 11 22 33;06 12 34 56 78;compta@dupont.example;Paul Durand;alice
D002;Claire Martin;B2C;;97400;0692 12 34 56;;;;alice
D003;Transports Lefèvre SAS;B2B;;97110;0590 12 34 56;;;;alice
D004;Jean Petit;B2C;;75011;01 44 55 66 77;;;;
D005;Boulangerie Morel;B2B;;69003;04 78 00 00 00;;;;bruno
D006;Paul Blanc;B2C;;13001;04 91 00 00 00;;;;alice
D007;Sophie Garnier;B2C;;33000;05 56 00 00 00;;;;
"""

INVOICES = """debtor_ref;invoice_ref;issue_date;due_date;amount
D001;FA-1001;01/08/2026;31/08/2026;1 200,00
D001;FA-1017;15/09/2026;15/10/2026;3 030,00
D002;FB-2001;01/09/2026;01/10/2026;850,00
D003;FC-3001;01/07/2026;31/07/2026;5 000,00
D004;FD-4001;01/10/2026;01/11/2026;300,00
D005;FE-5001;01/09/2026;01/10/2026;2 000,00
D006;FF-6001;01/05/2026;30/06/2026;12 000,00
D007;FG-7001;20/09/2026;20/10/2026;640,00
"""

PROMISES = """debtor_ref;promise_ref;created_at;due_date;amount
D001;P-D001-1;2026-11-02 11:00;10/11/2026;1 200,00
"""

EVENTS = """debtor_ref;at;channel;direction;outcome;agent;note
D001;2026-11-02 11:00;call;out;promise;alice;
D001;2026-11-03 09:30;letter;out;;;relance 2
D001;2026-11-12 10:15;call;out;no_answer;alice;
D006;2026-10-20 10:00;call;out;no_answer;alice;
D006;2026-10-27 10:00;call;out;no_answer;alice;
D006;2026-11-03 10:00;call;out;voicemail;alice;
D006;2026-11-10 10:00;call;out;no_answer;alice;
"""

AGENTS = [
    ("alice", "Alice Martin", "agent"),
    ("bruno", "Bruno Leroy", "agent"),
    ("camille", "Camille Roux", "agent"),
    ("denis", "Denis Faure", "agent"),
    ("lea", "Léa Lead", "lead"),
]


def build_db(path: Path, settings: Settings) -> None:
    store = init_db(path)
    try:
        for login, name, role in AGENTS:
            add_agent(
                store,
                login=login,
                name=name,
                role=role,
                team="Équipe A",
                ssh_key_file=None,
                actor="test",
                now=NOW,
            )
        for kind, text in (
            ("debtors", DEBTORS),
            ("invoices", INVOICES),
            ("promises", PROMISES),
            ("events", EVENTS),
        ):
            import_file(
                store,
                kind,
                f"{kind}.csv",
                now=NOW,
                actor="test",
                settings=settings,
                data=text.encode("utf-8"),
            )
        refresh(store, now=NOW, settings=settings, actor="test")
        if store.kind == "sqlite":  # a template file without its WAL, copied whole by `clone_db`
            with store.lock:
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests in a fresh event loop (no asyncio plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True


@pytest.fixture
def frozen_now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path | str:
    path = new_db(tmp_path_factory.mktemp("tui-template"), "template.db", keep=True)
    build_db(path, settings)
    return path


@pytest.fixture
def db_path(tmp_path: Path, template_db: Path | str) -> Path | str:
    return clone_db(template_db, tmp_path, "t.db")


@pytest.fixture
def open_store(db_path: Path) -> Iterator[Callable[[], Store]]:
    stores: list[Store] = []

    def make() -> Store:
        s = open_db(db_path)
        stores.append(s)
        return s

    yield make
    for s in stores:
        s.close()


@pytest.fixture
def make_app(open_store: Callable[[], Store], settings: Settings) -> Callable[..., RecouvreApp]:
    """`make_app("alice")`: an app on its own connection, frozen clock, no cursor blink."""

    def make(login: str = "alice", **kwargs: object) -> RecouvreApp:
        store = open_store()
        agent = require_agent(store, login)
        return RecouvreApp(
            store,
            agent,
            settings=settings,
            clock=lambda: NOW,
            cursor_blink=False,
            **kwargs,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture
def query(db_path: Path) -> Callable[..., list[tuple]]:
    """Read-only SQL for assertions (the tests check what the services wrote)."""

    def run(sql: str, *params: object) -> list[tuple]:
        store = open_db(db_path)
        try:
            return [tuple(r) for r in store.conn.execute(sql, params)]
        finally:
            store.close()

    return run


async def _settle(pilot: Pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        # A worker replaced by a newer one (exclusive groups) counts as done.
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
        await pilot.pause()


@pytest.fixture
def settle() -> Callable[..., Awaitable[None]]:
    """`await settle(pilot)`: workers done and the messages they posted handled."""
    return _settle
