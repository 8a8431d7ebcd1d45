"""A running session whose account is deactivated by the administrator (another connection)
ends: the TUI notices on its periodic data-version check or at its next action, says « Votre
compte a été désactivé… » and exits; the case it held is back in the queue and nothing is
recorded for it afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from test_tui_journeys import SIZE, MakeApp, Query, Settle, claims, open_first_case, tui_events, until

from recouvre_tui.services.agents import deactivate, set_role
from recouvre_tui.services.roles import PermissionDenied
from recouvre_tui.store.db import Store

DISABLED = "Votre compte a été désactivé (« alice ») : la session est terminée."


async def test_deactivated_mid_session_the_watcher_ends_the_app(
    make_app: MakeApp, open_store: Callable[[], Store], query: Query, settle: Settle, frozen_now: datetime
) -> None:
    app = make_app("alice", watch_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        case = await open_first_case(pilot, settle)
        assert case.entry.debtor_ref == "D001"
        assert claims(query) == [("D001", "alice")]

        released = deactivate(open_store(), "alice", actor="ops", now=frozen_now)  # the admin, another connection
        assert released == "D001"

        assert await until(pilot, lambda: app.exit_message is not None)
    assert app.exit_message is not None and app.exit_message.startswith(DISABLED)
    assert app.return_code == 1
    assert claims(query) == []
    assert query("SELECT state FROM agent_sessions WHERE agent = 'alice'") == [("ended",)]
    assert query("SELECT actor, action, entity_ref FROM audit WHERE action = 'agent_deactivate'") == [
        ("ops", "agent_deactivate", "alice")
    ]


async def test_deactivated_mid_session_the_next_action_is_refused_and_ends_the_app(
    make_app: MakeApp, open_store: Callable[[], Store], query: Query, settle: Settle, frozen_now: datetime
) -> None:
    app = make_app("alice", watch_seconds=3600)  # no watcher: the action itself must notice
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        deactivate(open_store(), "alice", actor="ops", now=frozen_now)

        await pilot.press("1", "enter")  # « pas de réponse », saved… or not
        ended: Any = await until(pilot, lambda: app.exit_message is not None)
        assert ended
    assert app.exit_message is not None and app.exit_message.startswith(DISABLED)
    assert tui_events(query) == []  # the outcome was refused
    assert claims(query) == []


async def test_demoted_lead_session_ends_and_its_lead_actions_are_refused(
    make_app: MakeApp, open_store: Callable[[], Store], query: Query, settle: Settle, frozen_now: datetime
) -> None:
    app = make_app("lea", watch_seconds=3600)  # the watcher is run by hand below
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        set_role(open_store(), "lea", "agent", actor="ops", now=frozen_now)
        # Her next lead action, before any check of the session: refused by the service.
        with pytest.raises(PermissionDenied, match="action réservée au responsable"):
            app.backend.hold("D005", reason="vérification")
        assert query("SELECT on_hold FROM debtors WHERE ref = 'D005'") == [(0,)]
        app.watch_data_version()
        assert await until(pilot, lambda: app.exit_message is not None)
    assert app.exit_message == (
        "Votre rôle a changé (responsable d'équipe → agent) : la session est terminée, reconnectez-vous pour continuer."
    )
