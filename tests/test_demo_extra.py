"""Faker is the optional `demo` extra: without it the demo commands say in one French line how
to get it and exit 1, and everything else works (no production path imports Faker). Faker is
made unimportable for real, in a child process: a `faker` package placed first on PYTHONPATH
raises ImportError, as a missing package does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MESSAGE = (
    "erreur : la démonstration a besoin du paquet Faker, absent de cette installation : "
    "pip install 'recouvre-tui[demo]'\n"
)


@pytest.fixture
def no_faker_env(tmp_path: Path) -> dict[str, str]:
    blocker = tmp_path / "blocker" / "faker"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("No module named \'faker\'")\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUVRE_")}
    env["PYTHONPATH"] = str(blocker.parent)
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state")):
        env[var] = str(tmp_path / "xdg" / sub)
    return env


def recouvre(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recouvre_tui.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_blocker_really_hides_faker(no_faker_env: dict[str, str]) -> None:
    r = subprocess.run([sys.executable, "-c", "import faker"], capture_output=True, text=True, env=no_faker_env)
    assert r.returncode == 1
    assert "ImportError" in r.stderr


def test_demo_without_faker_says_how_to_install_it(no_faker_env: dict[str, str], tmp_path: Path) -> None:
    r = recouvre(no_faker_env, "demo", "--now", "2026-11-23T10:00")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", MESSAGE)
    assert not list((tmp_path / "xdg").rglob("*.db"))  # nothing built


def test_init_demo_without_faker_says_how_to_install_it(no_faker_env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    r = recouvre(no_faker_env, "--db", str(db), "init", "--demo", "--now", "2026-11-23T10:00")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", MESSAGE)
    assert not db.exists()


def test_a_production_install_works_without_faker(no_faker_env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "prod.db"
    assert recouvre(no_faker_env, "--db", str(db), "init").returncode == 0
    r = recouvre(no_faker_env, "--db", str(db), "agents", "add", "alice", "--name", "Alice")
    assert r.returncode == 0, r.stderr
    r = recouvre(no_faker_env, "--db", str(db), "agents", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert '"login": "alice"' in r.stdout
