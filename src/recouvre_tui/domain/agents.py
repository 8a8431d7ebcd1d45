"""Who works in the application: an agent or a team lead (docs/roles.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Agent:
    login: str
    name: str
    role: str
    team: str | None
    active: bool

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"
