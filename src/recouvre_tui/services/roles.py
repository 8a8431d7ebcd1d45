"""Roles, enforced in the services: what an agent may see and do, what only a lead may do.

- An **agent** works their assigned portfolio and the team pool (debtors assigned to nobody)
  and sees debtors only through them.
- A **lead** is the only one who may assign, hold, mark do-not-call, close disputes, set
  overrides, record a mise en demeure, review queues, read the team board, the KPIs and the
  audit trail. A lead sees and acts on **their own team**: the accounts with the same `team`
  (a lead without a team: the accounts without a team), the debtors assigned to them and the
  pool. A lead whose team is `*` sees every team.
- Only the agent who recorded a promise, or a lead whose scope covers that agent, cancels it.

The acting account is **read again inside each transaction** (`acting`, `acting_lead`): a
session opened before its agent was deactivated or demoted is refused at its next action
(`AccountDisabled`, `PermissionDenied`), never served from the stale copy it holds.

`PermissionDenied` is raised for every refusal (French message). It lives here rather than
in `services/lead.py` (which re-exports it) so that `work_queue`, `case_file`, `outcome` and
`promise_tracking` can raise it without importing the lead console (no import cycle).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..store import agents as agents_sql
from ..store.agents import Agent

ALL_TEAMS = "*"

# A debtor scope: None = every debtor; else the logins whose portfolios are visible (the
# pool, debtors assigned to nobody, is always visible).
Scope = tuple[str, ...] | None


class PermissionDenied(Exception):
    """The acting user may not do or see this (message in French)."""


class AccountDisabled(PermissionDenied):
    """The acting account was deactivated (or removed) since the session started."""

    def __init__(self, login: str) -> None:
        super().__init__(
            f"Votre compte a été désactivé (« {login} ») : la session est terminée. "
            "Adressez-vous à votre responsable d'équipe."
        )
        self.login = login


# The command line run on the server without `--as`: the operator, who sees every team. Not an
# account (recognised by identity, never by login), so no database row can stand for it.
OPERATOR = Agent("cli", "[votre nom]", "lead", ALL_TEAMS, True)


def acting(conn: sqlite3.Connection, actor: Agent, *, lock: bool = False) -> Agent:
    """The actor as the database says now (inside the caller's transaction); refused when
    the account no longer exists or is deactivated. `lock`: for a shared write
    (`Store.write(shared=True)`), the account's row is locked too (`agents.lock_agent`)."""
    if actor is OPERATOR:
        return actor
    return still_active(actor, agents_sql.get_agent(conn, actor.login, lock=lock))


def still_active(actor: Agent, fresh: Agent | None) -> Agent:
    """`acting` for an account row already read in the caller's transaction (`fresh`)."""
    if actor is OPERATOR:
        return actor
    if fresh is None or not fresh.active:
        raise AccountDisabled(actor.login)
    return fresh


def acting_lead(conn: sqlite3.Connection, actor: Agent, what: str) -> Agent:
    """`acting`, then refused unless the account is (still) a lead."""
    fresh = acting(conn, actor)
    require_lead(fresh, what)
    return fresh


def require_lead(actor: Agent, what: str) -> None:
    """Refuse a lead action to anyone but an active lead; `what` says what, in French."""
    if not actor.is_lead:
        raise PermissionDenied(f"action réservée au responsable d'équipe : {what} (vous êtes « {actor.login} », agent)")
    if not actor.active:
        raise PermissionDenied(f"l'accès de « {actor.login} » est désactivé")


def sees_all_teams(actor: Agent) -> bool:
    return actor.is_lead and actor.team == ALL_TEAMS


def scope(conn: sqlite3.Connection, actor: Agent) -> Scope:
    """Whose portfolios `actor` sees: an agent their own, a lead their team's, `*` everyone's.

    From the account as it is now (`acting`): a session's stale copy never widens what it sees.
    """
    return scope_of(conn, acting(conn, actor))


def scope_of(conn: sqlite3.Connection, actor: Agent) -> Scope:
    """`scope` for an account just read by `acting` in the same transaction (no second read)."""
    if not actor.is_lead:
        return (actor.login,)
    if sees_all_teams(actor):
        return None
    return tuple(agents_sql.team_members(conn, actor.team))


def in_scope(s: Scope, login: str | None) -> bool:
    """Is a debtor assigned to `login` (None: the pool) visible in scope `s`?"""
    return s is None or login is None or login in s


def agent_in_scope(s: Scope, login: str) -> bool:
    """Is the account `login` (board rows, KPIs, promises they recorded) in scope `s`?"""
    return s is None or login in s


def can_see(actor: Agent, assigned_agent: str | None, s: Scope | None = None) -> bool:
    """Without a scope read from the database, an agent's own view (portfolio and pool)."""
    if s is None and actor.is_lead:
        return True
    return in_scope(s if s is not None else (actor.login,), assigned_agent)


def require_visible(conn: sqlite3.Connection, actor: Agent, debtor_ref: str, assigned_agent: str | None) -> None:
    """Refuse a debtor outside the actor's scope (another agent's, another team's)."""
    if not in_scope(scope(conn, actor), assigned_agent):
        if actor.is_lead:
            raise PermissionDenied(f"le débiteur {debtor_ref} est suivi par une autre équipe")
        raise PermissionDenied(f"le débiteur {debtor_ref} n'est pas dans votre portefeuille")


def require_team_member(conn: sqlite3.Connection, actor: Agent, login: str) -> None:
    """Refuse a lead an agent of another team (as a target of an assignment, a filter…)."""
    if not agent_in_scope(scope(conn, actor), login):
        raise PermissionDenied(f"l'agent « {login} » ne fait pas partie de votre équipe")


def may_cancel_promise(s: Scope, actor: Agent, recorded_by: str | None, assigned: str | None) -> bool:
    """The agent who recorded the promise, or a lead of that agent's team (it counts in that
    agent's kept rate). An imported promise (no recorder): whoever sees its debtor."""
    if recorded_by is None:
        return in_scope(s, assigned)
    return recorded_by == actor.login or (actor.is_lead and agent_in_scope(s, recorded_by))


__all__: Sequence[str] = [
    "ALL_TEAMS",
    "OPERATOR",
    "AccountDisabled",
    "PermissionDenied",
    "Scope",
    "acting",
    "acting_lead",
    "agent_in_scope",
    "can_see",
    "in_scope",
    "may_cancel_promise",
    "require_lead",
    "require_team_member",
    "require_visible",
    "scope",
]
