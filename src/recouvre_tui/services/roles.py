"""Roles, enforced in the services: what an agent may see and do, what only a lead may do.

- An **agent** works their assigned portfolio and the team pool (debtors assigned to nobody)
  and sees debtors only through them.
- A **lead** sees every debtor and is the only one who may assign, hold, mark do-not-call,
  close disputes, set overrides, record a mise en demeure, review every queue, read the
  team board and the audit trail.

`PermissionDenied` is raised for every refusal (French message). It lives here rather than
in `services/lead.py` (which re-exports it) so that `work_queue`, `case_file`, `outcome` and
`promise_tracking` can raise it without importing the lead console (no import cycle).
"""

from __future__ import annotations

from ..store.agents import Agent


class PermissionDenied(Exception):
    """The acting user may not do or see this (message in French)."""


def can_see(actor: Agent, assigned_agent: str | None) -> bool:
    """A lead sees everything; an agent their portfolio and the pool."""
    return actor.is_lead or assigned_agent is None or assigned_agent == actor.login


def require_lead(actor: Agent, what: str) -> None:
    """Refuse a lead action to anyone but an active lead; `what` says what, in French."""
    if not actor.is_lead:
        raise PermissionDenied(f"action réservée au responsable d'équipe : {what} (vous êtes « {actor.login} », agent)")
    if not actor.active:
        raise PermissionDenied(f"l'accès de « {actor.login} » est désactivé")


def require_visible(actor: Agent, debtor_ref: str, assigned_agent: str | None) -> None:
    """Refuse an agent a debtor that is neither theirs nor in the pool."""
    if not can_see(actor, assigned_agent):
        raise PermissionDenied(f"le débiteur {debtor_ref} n'est pas dans votre portefeuille")
