"""What a lead action (reassign, hold…) gave, for the screens' `action_finished` hooks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LeadActionDone:
    """A lead action went through the services (`ok`), or was refused (`toast`: the reason)."""

    kind: str  # assign, reassign_filter, hold, hold_release, do_not_call, do_not_call_off, dispute_close…
    refs: list[str]
    ok: bool
    toast: str
    details: dict[str, object] = field(default_factory=dict)
