"""The idle lock is on by default (a session nobody touches gives its case back) and its
duration reads naturally on the lock screen."""

from __future__ import annotations

from pathlib import Path

from recouvre_tui.domain.config import Settings
from recouvre_tui.settings import load_settings
from recouvre_tui.tui.lock.screen import idle_text


def test_the_idle_lock_is_on_by_default() -> None:
    assert Settings().idle_lock_minutes == 10


def test_a_fractional_idle_lock_is_read_from_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("idle_lock_minutes = 0.5\n", encoding="utf-8")
    assert load_settings(cfg).idle_lock_minutes == 0.5
    cfg.write_text("idle_lock_minutes = 0\n", encoding="utf-8")
    assert load_settings(cfg).idle_lock_minutes == 0


def test_idle_text() -> None:
    assert idle_text(10) == "10 min"
    assert idle_text(10.0) == "10 min"
    assert idle_text(0.1) == "6 s"
    assert idle_text(0.5) == "30 s"
    assert idle_text(90) == "1 h 30 min"
    assert idle_text(120) == "2 h"
    assert idle_text(1) == "1 min"
