"""Rights by team, through every service that acts: a lead sees and acts on their own team
(its agents' portfolios and the pool), a lead whose team is `*` on every team; only the agent
who recorded a promise, or a lead of that agent's team, cancels it.

Teams: A = alice, bob (agents), lea (lead); B = carl (agent), ben (lead); zoe is a lead of
team `*`. Debtors: the standard portfolio (A1, A2 alice; B1, B2 bob; P1, P2 the pool) plus
C1 (carl, B2C, Paris, 700,00 €).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lead_helpers import NOW, SETTINGS, WEEK, LeadEnv, make_lead_env
from recouvre_tui.services import lead
from recouvre_tui.services.agents import add_agent, require_agent
from recouvre_tui.services.case_file import load_case
from recouvre_tui.services.lead import DebtorFilter, PermissionDenied
from recouvre_tui.services.promise_tracking import cancel_promise, list_promises, promise_figures
from recouvre_tui.services.search import search_debtors
from recouvre_tui.store.agents import Agent

TEAM_A = {"A1", "A2", "B1", "B2", "P1", "P2"}
TEAM_B = {"C1", "P1", "P2"}
EVERYONE = TEAM_A | {"C1"}


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    e = make_lead_env(tmp_path)
    for login, role, team in (("carl", "agent", "B"), ("ben", "lead", "B"), ("zoe", "lead", "*")):
        add_agent(
            e.store,
            login=login,
            name=login.title(),
            role=role,
            team=team,
            ssh_key_file=None,
            actor="test",
            now=NOW - timedelta(days=30),
        )
    e.add_debtors([("C1", "Carlier Anne", "B2C", "", "75010", "06 11 11 11 11", "carl", "2026-10-10", "700,00")])
    return e


def who(env: LeadEnv, login: str) -> Agent:
    return require_agent(env.store, login)


def promise(env: LeadEnv, agent: str, ref: str) -> str:
    """`agent` records a one-instalment promise on `ref`; returns the promise reference."""
    result = env.outcome(who(env, agent), ref, "promise", instalments=[(date(2026, 11, 27), 5000)])
    assert result.promise_ref is not None
    return result.promise_ref


# --- what a lead sees ------------------------------------------------------------------------------


def test_board_shows_only_the_lead_team(env: LeadEnv) -> None:
    assert [r.login for r in lead.team_board(env.store, env.lea, now=NOW)] == ["alice", "bob", "lea"]
    assert [r.login for r in lead.team_board(env.store, who(env, "ben"), now=NOW)] == ["ben", "carl"]
    assert [r.login for r in lead.team_board(env.store, who(env, "zoe"), now=NOW)] == [
        "alice",
        "ben",
        "bob",
        "carl",
        "lea",
        "zoe",
    ]


def test_queue_loads_show_only_the_lead_team_and_the_pool(env: LeadEnv) -> None:
    assert [q.agent for q in lead.queue_loads(env.store, env.lea)] == ["alice", "bob", None]
    assert [(q.agent, q.debtors) for q in lead.queue_loads(env.store, who(env, "ben"))] == [("carl", 1), (None, 2)]
    assert [q.agent for q in lead.queue_loads(env.store, who(env, "zoe"))] == ["alice", "bob", "carl", None]


def test_review_and_counts_cover_only_the_lead_team(env: LeadEnv) -> None:
    def reviewed(login: str, flt: DebtorFilter | None = None) -> set[str]:
        page = lead.review_queue(env.store, who(env, login), flt, now=NOW, settings=SETTINGS, limit=100)
        return {e.debtor_ref for e in page.rows}

    assert reviewed("lea") == TEAM_A
    assert reviewed("ben") == TEAM_B
    assert reviewed("zoe") == EVERYONE
    assert reviewed("lea", DebtorFilter(segment="B2C")) == {"A1", "B1", "P1"}
    assert lead.count_by_filter(env.store, env.lea, DebtorFilter(), now=NOW) == 6
    assert lead.count_by_filter(env.store, who(env, "ben"), DebtorFilter(), now=NOW) == 3
    assert lead.count_by_filter(env.store, who(env, "zoe"), DebtorFilter(), now=NOW) == 7
    with pytest.raises(PermissionDenied, match="l'agent « carl » ne fait pas partie de votre équipe"):
        lead.review_queue(env.store, env.lea, DebtorFilter(agent="carl"), now=NOW, settings=SETTINGS)
    with pytest.raises(PermissionDenied):
        lead.count_by_filter(env.store, env.lea, DebtorFilter(agent="carl"), now=NOW)


def test_kpis_and_promise_figures_cover_only_the_lead_team(env: LeadEnv) -> None:
    promise(env, "alice", "A1")
    promise(env, "carl", "C1")
    assert [r.agent for r in lead.kpis(env.store, env.lea, week=WEEK, now=NOW, settings=SETTINGS)] == ["alice", "bob"]
    rows = lead.kpis(env.store, who(env, "ben"), week=WEEK, now=NOW, settings=SETTINGS)
    assert [(r.agent, r.promises) for r in rows] == [("carl", 1)]
    rows = lead.kpis(env.store, who(env, "zoe"), week=WEEK, now=NOW, settings=SETTINGS)
    assert [(r.agent, r.promises) for r in rows] == [("alice", 1), ("bob", 0), ("carl", 1)]
    figures = promise_figures(env.store, env.lea, week=WEEK, now=NOW, settings=SETTINGS)
    assert [f.agent for f in figures] == ["alice"]


def test_search_case_files_and_promises_cover_only_the_lead_team(env: LeadEnv) -> None:
    promise(env, "carl", "C1")
    assert search_debtors(env.store, env.lea, "Carlier") == []
    assert [h.debtor_ref for h in search_debtors(env.store, who(env, "ben"), "Carlier")] == ["C1"]
    assert [h.debtor_ref for h in search_debtors(env.store, who(env, "zoe"), "Carlier")] == ["C1"]
    assert {h.debtor_ref for h in search_debtors(env.store, who(env, "ben"), "Martin")} == set()
    with pytest.raises(PermissionDenied, match="le débiteur C1"):
        load_case(env.store, env.lea, "C1", now=NOW)
    assert load_case(env.store, who(env, "ben"), "C1", now=NOW).ref == "C1"
    assert load_case(env.store, who(env, "zoe"), "B1", now=NOW).ref == "B1"
    assert [v.debtor_ref for v in list_promises(env.store, env.lea, now=NOW, settings=SETTINGS)] == []
    assert [v.debtor_ref for v in list_promises(env.store, who(env, "ben"), now=NOW, settings=SETTINGS)] == ["C1"]
    assert [team_agents.login for team_agents in lead.team_agents(env.store, env.lea)] == ["alice", "bob"]
    assert [team_agents.login for team_agents in lead.team_agents(env.store, who(env, "ben"))] == ["carl"]


# --- what a lead does ----------------------------------------------------------------------------------

DEBTOR_ACTIONS: dict[str, Callable[[LeadEnv, Agent, str], Any]] = {
    "set_hold": lambda e, a, ref: lead.set_hold(e.store, a, ref, reason="vérification", now=NOW),
    "set_do_not_call": lambda e, a, ref: lead.set_do_not_call(e.store, a, ref, on=True, now=NOW),
    "set_overrides": lambda e, a, ref: lead.set_overrides(e.store, a, ref, tone="ferme", now=NOW),
    "record_formal_notice": lambda e, a, ref: lead.record_formal_notice(e.store, a, ref, now=NOW, settings=SETTINGS),
    "assign_away": lambda e, a, ref: lead.assign(e.store, a, [ref], to=None, now=NOW),
    "outcome": lambda e, a, ref: e.outcome(a, ref, "no_answer"),
}


@pytest.mark.parametrize("action", sorted(DEBTOR_ACTIONS))
def test_a_lead_cannot_act_on_another_team_debtor(env: LeadEnv, action: str) -> None:
    before = env.snapshot()
    with pytest.raises(PermissionDenied):
        DEBTOR_ACTIONS[action](env, env.lea, "C1")
    assert env.snapshot() == before
    DEBTOR_ACTIONS[action](env, who(env, "ben"), "C1")  # carl's lead may
    DEBTOR_ACTIONS[action](env, who(env, "zoe"), "B1")  # and the all-teams lead anywhere


def test_lead_dispute_and_hold_release_are_scoped(env: LeadEnv) -> None:
    env.outcome(who(env, "carl"), "C1", "dispute")
    lead.set_hold(env.store, who(env, "ben"), "C1", reason="litige", now=NOW)
    before = env.snapshot()
    with pytest.raises(PermissionDenied):
        lead.close_dispute(env.store, env.lea, "C1", now=NOW)
    with pytest.raises(PermissionDenied):
        lead.release_hold(env.store, env.lea, "C1", now=NOW)
    assert env.snapshot() == before
    lead.close_dispute(env.store, who(env, "ben"), "C1", now=NOW)
    lead.release_hold(env.store, who(env, "zoe"), "C1", now=NOW)


def test_a_lead_cannot_move_debtors_to_or_from_another_team(env: LeadEnv) -> None:
    before = env.snapshot()
    with pytest.raises(PermissionDenied, match="l'agent « carl » ne fait pas partie de votre équipe"):
        lead.assign(env.store, env.lea, ["A1"], to="carl", now=NOW)
    with pytest.raises(PermissionDenied, match="suivi\\(s\\) par une autre équipe : C1"):
        lead.assign(env.store, env.lea, ["P1", "C1"], to="alice", now=NOW)
    with pytest.raises(PermissionDenied):
        lead.reassign_by_filter(env.store, env.lea, DebtorFilter(segment="B2C"), to="carl", now=NOW)
    with pytest.raises(PermissionDenied):
        lead.reassign_by_filter(env.store, env.lea, DebtorFilter(agent="carl"), to="alice", now=NOW)
    assert env.snapshot() == before
    # A filter without an agent moves only the lead's team and the pool: C1 (B2C) stays with carl.
    moved = lead.reassign_by_filter(env.store, env.lea, DebtorFilter(segment="B2C"), to=None, now=NOW)
    assert moved == 2  # A1 and B1 (P1 is already in the pool)
    assert env.agent_of("C1") == "carl"
    lead.assign(env.store, who(env, "zoe"), ["C1"], to="alice", now=NOW)
    assert env.agent_of("C1") == "alice"


# --- promises: only who recorded it, or a lead of their team ----------------------------------------


def test_only_the_recorder_or_their_lead_cancels_a_promise(env: LeadEnv) -> None:
    by_bob = promise(env, "bob", "P1")  # the pool: every agent sees the debtor
    before = env.snapshot()
    for intruder in ("alice", "carl", "ben"):
        with pytest.raises(PermissionDenied):
            cancel_promise(env.store, who(env, intruder), by_bob, reason="erreur", now=NOW, settings=SETTINGS)
    assert env.snapshot() == before
    cancel_promise(env.store, env.lea, by_bob, reason="doublon", now=NOW, settings=SETTINGS)
    by_bob_again = promise(env, "bob", "B1")
    cancel_promise(env.store, env.bob, by_bob_again, reason="erreur de saisie", now=NOW, settings=SETTINGS)
    by_carl = promise(env, "carl", "C1")
    cancel_promise(env.store, who(env, "zoe"), by_carl, reason="doublon", now=NOW, settings=SETTINGS)
    assert env.rows("SELECT ref, cancelled_by FROM promises ORDER BY id") == [
        (by_bob, "lea"),
        (by_bob_again, "bob"),
        (by_carl, "zoe"),
    ]


# --- the rule, for any teams and assignments -----------------------------------------------------

TEAMS = st.sampled_from(["A", "B", None])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    teams=st.fixed_dictionaries({login: TEAMS for login in ("alice", "bob", "carl", "lea", "ben")}),
    owners=st.fixed_dictionaries({ref: st.sampled_from(["alice", "bob", "carl", None]) for ref in sorted(EVERYONE)}),
    lead_login=st.sampled_from(["lea", "ben", "zoe"]),
)
def test_a_lead_sees_exactly_their_team_and_the_pool(
    env: LeadEnv, teams: dict[str, str | None], owners: dict[str, str | None], lead_login: str
) -> None:
    with env.store.write() as conn:
        for login, team in teams.items():
            conn.execute("UPDATE agents SET team = ? WHERE login = ?", (team, login))
        for ref, owner in owners.items():
            conn.execute("UPDATE debtors SET agent = ? WHERE ref = ?", (owner, ref))
    boss = who(env, lead_login)
    every_team = boss.team == "*"
    members = {a for a, t in teams.items() if every_team or t == boss.team} | ({"zoe"} if every_team else set())
    expected = {ref for ref, owner in owners.items() if owner is None or owner in members}

    page = lead.review_queue(env.store, boss, now=NOW, settings=SETTINGS, limit=100)
    assert {e.debtor_ref for e in page.rows} == expected
    assert lead.count_by_filter(env.store, boss, DebtorFilter(), now=NOW) == len(expected)
    assert {r.login for r in lead.team_board(env.store, boss, now=NOW)} == members
    for ref in owners:
        if ref in expected:
            assert load_case(env.store, boss, ref, now=NOW).ref == ref
        else:
            with pytest.raises(PermissionDenied):
                load_case(env.store, boss, ref, now=NOW)
