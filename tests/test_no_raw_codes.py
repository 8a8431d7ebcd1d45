"""No internal code reaches the screen: every code the app writes into the history has a
French label (`handed_to_sales_rep` used to show as such in the case timeline)."""

from __future__ import annotations

from recouvre_tui.domain.codes import Channel, Direction, Disposition, label
from recouvre_tui.services.outcome import ACTIONS


def test_follow_up_actions_have_french_labels() -> None:
    assert label("handed_to_sales_rep") == "transmis au commercial"
    assert label("invoice_duplicate") == "duplicata de facture envoyé"
    for _channel, code, _note in ACTIONS.values():
        assert label(code) != code, code


def test_every_history_code_has_a_label() -> None:
    codes = [*(c.value for c in Channel), *(d.value for d in Direction), *(d.value for d in Disposition)]
    codes += ["formal_notice"]
    assert [c for c in codes if label(c) == c] == []


def test_every_audited_action_has_a_french_label() -> None:
    """The lead's audit screen labels each action: every `action="…"` the code records has one."""
    import re
    from pathlib import Path

    from recouvre_tui.tui.lead.labels import AUDIT_ACTIONS

    src = Path(__file__).resolve().parent.parent / "src" / "recouvre_tui"
    written = {m for p in src.rglob("*.py") for m in re.findall(r'\baction="([a-z_]+)"', p.read_text("utf-8"))}
    assert len(written) > 20  # the search itself works
    assert sorted(written - set(AUDIT_ACTIONS)) == []
