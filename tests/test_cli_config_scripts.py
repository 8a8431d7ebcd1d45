"""`recouvre config defaults|show` and `recouvre scripts check`, in process (CliRunner), with
expectations written by hand: the printed TOML reads back to the same settings, a keymap shows,
a broken script is counted and refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner

from recouvre_tui.cli import main
from recouvre_tui.domain.config import Settings
from recouvre_tui.settings import load_settings

LIBRARY = 54  # scripts shipped in src/recouvre_tui/script_library


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def test_config_defaults_reads_back_to_the_defaults(tmp_path: Path) -> None:
    code, out = run("config", "defaults")
    assert code == 0
    assert "claim_lease_minutes = 15" in out and "keymap = {}" in out
    path = tmp_path / "config.toml"
    path.write_text(out, encoding="utf-8")
    assert load_settings(path) == Settings()


def test_config_show_prints_the_file_in_force(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('claim_lease_minutes = 20\n\n[keymap]\n"queue.segment" = "ctrl+s"\n', encoding="utf-8")
    code, out = run("--config", str(path), "config", "show")
    assert code == 0
    data = tomllib.loads(out)
    assert data["claim_lease_minutes"] == 20
    assert data["keymap"] == {"queue.segment": "ctrl+s"}


def test_config_show_refuses_a_bad_file_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("claim_lease_minutes = 1\n", encoding="utf-8")
    code, out = run("--config", str(path), "config", "show")
    assert code == 1
    assert f"{path}: claim_lease_minutes" in out


def test_scripts_check_counts_the_library_and_a_folder(tmp_path: Path) -> None:
    code, out = run("scripts", "check", str(tmp_path))
    assert code == 0
    assert out.strip() == f"{LIBRARY} scripts valides (dont le dossier {tmp_path})"


def test_scripts_check_refuses_a_broken_script(tmp_path: Path) -> None:
    (tmp_path / "cassé.md").write_text("pas d'en-tête, pas de script\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("ignoré\n", encoding="utf-8")
    code, out = run("scripts", "check", str(tmp_path))
    assert code == 1
    assert "1 erreur(s) dans les scripts ; les fichiers en erreur sont ignorés" in out
    assert "cassé.md" in out
