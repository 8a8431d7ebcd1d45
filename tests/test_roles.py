"""Roles are enforced in the services: an agent reads and changes only their portfolio and the
pool, through every service; lead actions are refused to agents and change nothing; a lead
can do all of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lead_helpers import NOW, SETTINGS, WEEK, LeadEnv, make_lead_env
from recouvre_tui.services import lead
from recouvre_tui.services.case_file import CaseError, load_case
from recouvre_tui.services.lead import DebtorFilter, PermissionDenied
from recouvre_tui.services.outcome import OutcomeError
from recouvre_tui.services.promise_tracking import PromiseError, cancel_promise, list_promises
from recouvre_tui.services.search import search_debtors
from recouvre_tui.services.sessions import heartbeat
from recouvre_tui.services.work_queue import entry_for, list_queue, take_next
from recouvre_tui.store.agents import Agent


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    e = make_lead_env(tmp_path)
    # One promise on bob's debtor B1 and one on the pool debtor P1 (imported, no agent).
    e.add_promises(
        [
            ("B1", "PR-B1", "2026-11-16", "2026-11-30", "500,00"),
            ("P1", "PR-P1", "2026-11-16", "2026-11-30", "80,00"),
        ]
    )
    return e


# --- reading --------------------------------------------------------------------------------------


def test_agent_reads_own_and_pool_case_files_only(env: LeadEnv) -> None:
    for ref in ("A1", "A2", "P1", "P2"):
        assert load_case(env.store, env.alice, ref, now=NOW).ref == ref
    for ref in ("B1", "B2"):
        with pytest.raises(PermissionDenied, match="n'est pas dans votre portefeuille"):
            load_case(env.store, env.alice, ref, now=NOW)
    # Still a CaseError for the interfaces that already catch it.
    with pytest.raises(CaseError):
        load_case(env.store, env.alice, "B1", now=NOW)


def test_lead_reads_every_case_file(env: LeadEnv) -> None:
    for ref in ("A1", "A2", "B1", "B2", "P1", "P2"):
        assert load_case(env.store, env.lea, ref, now=NOW).ref == ref


def test_agent_queue_holds_only_portfolio_and_pool(env: LeadEnv) -> None:
    entries = list_queue(env.store, env.alice, now=NOW, settings=SETTINGS, limit=100, include_blocked=True)
    assert {e.debtor_ref for e in entries} == {"A1", "A2", "P1", "P2"}
    bob = list_queue(env.store, env.bob, now=NOW, settings=SETTINGS, limit=100, include_blocked=True)
    assert {e.debtor_ref for e in bob} == {"B1", "B2", "P1", "P2"}


def test_agent_cannot_read_a_queue_entry_outside_their_portfolio(env: LeadEnv) -> None:
    b1 = env.one("SELECT id FROM debtors WHERE ref = 'B1'")
    alice, bob, lea = env.alice, env.bob, env.lea
    with env.store.read() as conn, pytest.raises(PermissionDenied):
        entry_for(conn, alice, b1, now=NOW, settings=SETTINGS)
    with env.store.read() as conn:
        assert entry_for(conn, bob, b1, now=NOW, settings=SETTINGS).debtor_ref == "B1"
        assert entry_for(conn, lea, b1, now=NOW, settings=SETTINGS).debtor_ref == "B1"


def test_take_next_never_claims_a_colleague_debtor(env: LeadEnv) -> None:
    taken = []
    for i in range(6):
        e = take_next(env.store, env.alice, now=NOW + timedelta(minutes=i), settings=SETTINGS)
        if e is None:
            break
        taken.append(e.debtor_ref)
        env.outcome(env.alice, e.debtor_ref, "no_answer", now=NOW + timedelta(minutes=i))
    assert taken and not {"B1", "B2"} & set(taken)


def test_agent_sees_only_promises_of_visible_debtors(env: LeadEnv) -> None:
    refs = {v.debtor_ref for v in list_promises(env.store, env.alice, now=NOW, settings=SETTINGS)}
    assert refs == {"P1"}
    # Even when asking for another agent's promises.
    refs = {v.debtor_ref for v in list_promises(env.store, env.alice, now=NOW, settings=SETTINGS, agent="bob")}
    assert "B1" not in refs
    assert {v.debtor_ref for v in list_promises(env.store, env.bob, now=NOW, settings=SETTINGS)} == {"B1", "P1"}
    assert {v.debtor_ref for v in list_promises(env.store, env.lea, now=NOW, settings=SETTINGS)} == {"B1", "P1"}


def test_agent_search_sees_only_portfolio_and_pool(env: LeadEnv) -> None:
    assert search_debtors(env.store, env.alice, "B1") == []
    assert search_debtors(env.store, env.alice, "06 98 76 54 32") == []
    assert search_debtors(env.store, env.alice, "Martin") == []
    assert [h.debtor_ref for h in search_debtors(env.store, env.alice, "Lefèvre")] == ["P1"]
    assert [h.debtor_ref for h in search_debtors(env.store, env.bob, "06 98 76 54 32")] == ["B1"]
    assert [h.debtor_ref for h in search_debtors(env.store, env.lea, "Martin")] == ["B1"]


# --- changing -------------------------------------------------------------------------------------


def test_agent_cannot_record_an_outcome_on_a_colleague_debtor(env: LeadEnv) -> None:
    before = env.snapshot()
    with pytest.raises(PermissionDenied):
        env.outcome(env.alice, "B1", "no_answer")
    with pytest.raises(OutcomeError):
        env.outcome(env.alice, "B2", "no_answer")
    assert env.snapshot() == before
    env.outcome(env.alice, "P1", "no_answer")  # the pool is hers too
    env.outcome(env.lea, "B1", "no_answer", now=NOW + timedelta(minutes=1))  # a lead may
    assert env.one("SELECT COUNT(*) FROM events WHERE agent = 'lea'") == 1


def test_agent_cannot_cancel_a_colleague_promise(env: LeadEnv) -> None:
    before = env.snapshot()
    with pytest.raises(PermissionDenied):
        cancel_promise(env.store, env.alice, "PR-B1", reason="erreur", now=NOW, settings=SETTINGS)
    with pytest.raises(PromiseError):
        cancel_promise(env.store, env.alice, "PR-B1", reason="erreur", now=NOW, settings=SETTINGS)
    assert env.snapshot() == before
    cancel_promise(env.store, env.alice, "PR-P1", reason="doublon", now=NOW, settings=SETTINGS)
    cancel_promise(env.store, env.lea, "PR-B1", reason="doublon", now=NOW, settings=SETTINGS)
    assert env.rows("SELECT ref, status, cancelled_by FROM promises ORDER BY ref") == [
        ("PR-B1", "cancelled", "lea"),
        ("PR-P1", "cancelled", "alice"),
    ]


LEAD_ACTIONS: dict[str, Callable[[LeadEnv, Agent], Any]] = {
    "assign": lambda e, a: lead.assign(e.store, a, ["B1"], to="alice", now=NOW),
    "assign_pool": lambda e, a: lead.assign(e.store, a, ["A1"], to=None, now=NOW),
    "reassign_by_filter": lambda e, a: lead.reassign_by_filter(
        e.store, a, DebtorFilter(agent="bob"), to="alice", now=NOW
    ),
    "count_by_filter": lambda e, a: lead.count_by_filter(e.store, a, DebtorFilter(agent="bob"), now=NOW),
    "set_hold": lambda e, a: lead.set_hold(e.store, a, "A1", reason="contestation", now=NOW),
    "release_hold": lambda e, a: lead.release_hold(e.store, a, "A1", now=NOW),
    "set_do_not_call": lambda e, a: lead.set_do_not_call(e.store, a, "A1", on=True, now=NOW),
    "close_dispute": lambda e, a: lead.close_dispute(e.store, a, "A1", now=NOW),
    "set_overrides": lambda e, a: lead.set_overrides(e.store, a, "A1", stage="worn", tone="neutre", now=NOW),
    "record_formal_notice": lambda e, a: lead.record_formal_notice(e.store, a, "A1", now=NOW),
    "team_board": lambda e, a: lead.team_board(e.store, a, now=NOW),
    "queue_loads": lambda e, a: lead.queue_loads(e.store, a),
    "review_queue": lambda e, a: lead.review_queue(e.store, a, DebtorFilter(), now=NOW, settings=SETTINGS),
    "kpis": lambda e, a: lead.kpis(e.store, a, week=WEEK, now=NOW, settings=SETTINGS),
    "audit_page": lambda e, a: lead.audit_page(e.store, a),
}


@pytest.mark.parametrize("action", sorted(LEAD_ACTIONS))
def test_lead_actions_are_refused_to_agents_and_change_nothing(env: LeadEnv, action: str) -> None:
    # Even on the agent's own debtor (A1): these are lead actions.
    before = env.snapshot()
    with pytest.raises(PermissionDenied, match="réservée au responsable d'équipe") as info:
        LEAD_ACTIONS[action](env, env.alice)
    assert "alice" in str(info.value)
    assert env.snapshot() == before


def test_a_lead_can_do_every_lead_action(env: LeadEnv) -> None:
    lead.set_hold(env.store, env.lea, "A1", reason="contestation", now=NOW)
    env.outcome(env.alice, "A1", "dispute", now=NOW)  # opens a dispute, for close_dispute
    for name in sorted(LEAD_ACTIONS):
        LEAD_ACTIONS[name](env, env.lea)
    assert env.agent_of("B1") == "alice"


def test_a_reassigned_debtor_changes_who_can_see_it(env: LeadEnv) -> None:
    lead.assign(env.store, env.lea, ["B1"], to="alice", now=NOW)
    assert load_case(env.store, env.alice, "B1", now=NOW).ref == "B1"
    with pytest.raises(PermissionDenied):
        load_case(env.store, env.bob, "B1", now=NOW)
    assert [h.debtor_ref for h in search_debtors(env.store, env.alice, "Martin")] == ["B1"]


def test_the_permission_error_is_a_single_exception_type(env: LeadEnv) -> None:
    """Interfaces can catch every refusal, from any service, with `PermissionDenied`."""
    refusals: list[Callable[[], Any]] = [
        lambda: load_case(env.store, env.alice, "B1", now=NOW),
        lambda: env.outcome(env.alice, "B1", "no_answer"),
        lambda: cancel_promise(env.store, env.alice, "PR-B1", reason="x", now=NOW, settings=SETTINGS),
        lambda: lead.set_hold(env.store, env.bob, "B1", reason="x", now=NOW),
    ]
    for refuse in refusals:
        with pytest.raises(PermissionDenied):
            refuse()


def test_agents_can_still_use_their_own_services(env: LeadEnv) -> None:
    """Sessions (heartbeats) are the agent's own: no lead needed."""
    assert heartbeat(env.store, env.alice, now=NOW) is True
