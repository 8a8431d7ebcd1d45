"""The user's keymap (`[keymap]` in the configuration): new keys by binding id, refused at start
with a French message naming the file when an id is unknown, a key name invalid or two bindings
of one screen share a key."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from recouvre_tui.domain.config import Settings
from recouvre_tui.settings import ConfigError, load_settings
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.keymap import check_keymap, declared_bindings, keymap_problems, markdown_table
from recouvre_tui.tui.queue.screen import QueueScreen

ROOT = Path(__file__).resolve().parents[2]
SIZE = (160, 48)


# --- the file -----------------------------------------------------------------------------


def test_a_keymap_table_is_read_flat_or_nested(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"queue.segment" = "ctrl+s"\n\n[keymap.case]\npromise = "f5,ctrl+o"\n', encoding="utf-8")
    assert load_settings(path).keymap == (("case.promise", "f5,ctrl+o"), ("queue.segment", "ctrl+s"))


def test_a_keymap_entry_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"queue.segment" = 5\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == f"{path}: keymap.queue.segment: texte attendu"


def test_a_keymap_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('keymap = "ctrl+s"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == f'{path}: keymap: section attendue (nom = "texte")'


# --- the checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keymap",
    [
        (("queue.segment", "ctrl+s"),),
        (("queue.segment", "g"), ("queue.zone", "s")),  # a key freed by one binding taken by another
        (("queue.segment", "f5,ctrl+o"),),
        (("app.help", "?"),),  # « ? » is Textual's question_mark
        (("queue.segment", "o"), ("queue.zone", "s")),  # swapped
    ],
)
def test_usable_keymaps_have_no_problem(keymap: tuple[tuple[str, str], ...]) -> None:
    assert keymap_problems(keymap) == []


@pytest.mark.parametrize(
    ("keymap", "expected"),
    [
        ((("queue.nope", "g"),), ["« queue.nope » : identifiant de raccourci inconnu (liste : docs/screens.md)"]),
        (
            (("queue.segment", "ctrl+zz"),),
            [
                "« queue.segment » = « ctrl+zz » : touche inconnue « zz » "
                "(exemples : a, f5, enter, escape, question_mark)"
            ],
        ),
        (
            (("queue.segment", "hyp+a"),),
            ["« queue.segment » = « hyp+a » : modificateur inconnu « hyp » (ctrl, shift, alt, meta, super, hyper)"],
        ),
        ((("queue.segment", "g,"),), ["« queue.segment » = « g, » : touche vide"]),
        (
            (("queue.segment", "o"),),
            ["touche « o » donnée à queue.segment et queue.zone sur le même écran (QueueScreen)"],
        ),
        # The application's keys count on every screen.
        (
            (("queue.segment", "ctrl+q"),),
            ["touche « ctrl+q » donnée à app.quit et queue.segment sur le même écran (QueueScreen)"],
        ),
        # « ? » and « question_mark » are one key.
        (
            (("queue.segment", "?"), ("queue.zone", "question_mark")),
            ["touche « question_mark » donnée à queue.segment et queue.zone sur le même écran (QueueScreen)"],
        ),
    ],
)
def test_bad_keymaps_are_explained(keymap: tuple[tuple[str, str], ...], expected: list[str]) -> None:
    assert keymap_problems(keymap) == expected


def test_the_refusal_names_the_file_and_every_problem() -> None:
    with pytest.raises(ConfigError) as err:
        check_keymap((("queue.nope", "g"), ("queue.band", "ctrl+zz")), "/etc/recouvre/config.toml")
    assert str(err.value) == (
        "/etc/recouvre/config.toml : [keymap] raccourcis refusés, la session ne démarre pas :\n"
        "  - « queue.band » = « ctrl+zz » : touche inconnue « zz » (exemples : a, f5, enter, escape, question_mark)\n"
        "  - « queue.nope » : identifiant de raccourci inconnu (liste : docs/screens.md)"
    )


def test_every_binding_id_is_unique_per_action() -> None:
    """One id, one binding: the keymap could not tell two different bindings apart otherwise."""
    ids = [b.id for b in declared_bindings()]
    assert len(ids) == len(set(ids)) and len(ids) > 100


def test_screens_doc_lists_every_binding_id() -> None:
    text = (ROOT / "docs" / "screens.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- keymap:start -->\n(.*?)<!-- keymap:end -->", text, re.S)
    assert match is not None, "docs/screens.md: keymap markers missing"
    assert match.group(1) == markdown_table(), "docs/screens.md out of date: run scripts/sync_keymap_doc.py"


# --- in a session -------------------------------------------------------------------------

MakeApp = Callable[..., RecouvreApp]
Settle = Callable[..., Awaitable[None]]


async def test_a_remapped_key_acts_and_the_old_one_no_longer_does(
    make_app: MakeApp, settle: Settle, settings: Settings
) -> None:
    app = make_app("alice")
    app.settings = replace(settings, keymap=(("queue.segment", "g"), ("welcome.queue", "ctrl+f")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")  # no longer the queue
        await settle(pilot)
        assert not isinstance(app.screen, QueueScreen)
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await pilot.press("s")
        await settle(pilot)
        assert screen.seg_i == 0
        await pilot.press("g")
        await settle(pilot)
        assert screen.seg_i == 1


def test_the_tui_command_refuses_to_start_with_a_bad_keymap(tmp_path: Path) -> None:
    """Through a real terminal, before any database is opened (there is none here)."""
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"queue.segment" = "o"\n', encoding="utf-8")
    env: dict[str, Any] = {**os.environ, "RECOUVRE_DB": str(tmp_path / "absent.db")}
    main_fd, term_fd = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "recouvre_tui.cli", "--config", str(config), "tui", "--agent", "alice"],
            stdin=term_fd,
            stdout=term_fd,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(term_fd)
        os.close(main_fd)
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert f"{config} : [keymap] raccourcis refusés" in err
    assert "touche « o » donnée à queue.segment et queue.zone sur le même écran (QueueScreen)" in err
    assert not (tmp_path / "absent.db").exists()
