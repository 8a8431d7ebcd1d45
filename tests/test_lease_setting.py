"""Issue 14.12: `claim_lease_minutes = 0` let two agents hold one debtor. The lease must outlast
the TUI's renewal period; the smallest lease the settings accept keeps a renewed case held."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from queue_helpers import NOW, Debtor, Env, days_before, make_env
from recouvre_tui.domain.config import CLAIM_RENEW_SECONDS, Settings
from recouvre_tui.services.work_queue import renew, take_next
from recouvre_tui.settings import ConfigError, load_settings


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.add_debtors([Debtor("D1", invoices=[("F", days_before(90), "5000")])])
    return e


def bob_takes_at(env: Env, settings: Settings, seconds: float) -> str | None:
    got = take_next(env.store, env.agent("bob"), now=NOW + timedelta(seconds=seconds), settings=settings)
    return got.debtor_ref if got else None


def test_smallest_accepted_lease_keeps_a_renewed_case(env: Env, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("claim_lease_minutes = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="claim_lease_minutes: 1 hors limites"):
        load_settings(cfg)
    cfg.write_text("claim_lease_minutes = 2\n", encoding="utf-8")
    settings = load_settings(cfg)
    alice = env.agent("alice")
    assert take_next(env.store, alice, now=NOW, settings=settings).debtor_ref == "D1"
    # The session renews every CLAIM_RENEW_SECONDS; a renewal may come a little late (a busy
    # worker): bob, trying just before each renewal, never gets D1.
    for tick in range(1, 11):
        assert bob_takes_at(env, settings, tick * CLAIM_RENEW_SECONDS - 1) is None
        assert renew(env.store, alice, now=NOW + timedelta(seconds=tick * CLAIM_RENEW_SECONDS + 30), settings=settings)


def test_a_zero_lease_would_give_one_debtor_to_two_agents(env: Env) -> None:
    """Why 0 is refused: built directly, bypassing the checks, it frees the case at once."""
    zero = replace(Settings(), claim_lease_minutes=0)
    assert take_next(env.store, env.agent("alice"), now=NOW, settings=zero).debtor_ref == "D1"
    assert bob_takes_at(env, zero, 1) == "D1"
