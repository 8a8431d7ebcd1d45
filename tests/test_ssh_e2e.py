"""End to end over real OpenSSH: two agents connect with their keys, each lands in their own
TUI (whatever command they ask for), takes a different case and quits; a stranger is refused.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.agents import add_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.refresh import refresh
from recouvre_tui.services.ssh_access import authorized_keys_lines, install_authorized_keys
from recouvre_tui.store.db import init_db, open_db
from ssh_harness import SSHD, SshServer, TmuxPane, keygen

pytestmark = pytest.mark.slow

NOW_TEXT = "2026-11-23T10:00"  # Monday 10:00 in Paris: B2C debtors are callable
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEBTORS = {
    "E1": "Camille Lefèvre",
    "E2": "Hugo Bernard",
    "E3": "Inès Moreau",
    "E4": "Louis Garnier",
}


def _require_tools() -> None:
    missing = [t for t in ("ssh", "ssh-keygen", "tmux") if shutil.which(t) is None]
    if not Path(SSHD).exists():
        missing.append("sshd")
    if missing:  # .ci/run installs them; a developer machine must too
        pytest.fail(f"missing tools for the SSH end-to-end test: {', '.join(missing)} (see .ci/run)")


@pytest.fixture
def deployment(tmp_path: Path):
    _require_tools()
    keys = {name: keygen(tmp_path / f"{name}_key") for name in ("alice", "bob", "stranger")}
    db = tmp_path / "recouvre.db"
    store = init_db(db)
    for login, name in (("alice", "Alice Martin"), ("bob", "Bruno Petit")):
        add_agent(
            store,
            login=login,
            name=name,
            role="agent",
            team="e1",
            ssh_key_file=Path(str(keys[login]) + ".pub"),
            actor="test",
            now=NOW,
        )
    rows = "\n".join(f"{ref};{name};B2C;75011;06 12 34 56 7{i}" for i, (ref, name) in enumerate(DEBTORS.items()))
    (tmp_path / "debtors.csv").write_text(f"debtor_ref;name;segment;postcode;phone\n{rows}\n", encoding="utf-8")
    inv = "\n".join(f"{ref};F-{ref};01/09/2026;01/10/2026;{100 * (i + 1)},00" for i, ref in enumerate(DEBTORS))
    (tmp_path / "invoices.csv").write_text(
        f"debtor_ref;invoice_ref;issue_date;due_date;amount\n{inv}\n", encoding="utf-8"
    )
    for kind in ("debtors", "invoices"):
        import_file(store, kind, tmp_path / f"{kind}.csv", now=NOW, actor="test", settings=Settings())
    refresh(store, now=NOW, settings=Settings())
    lines = authorized_keys_lines(store, db_path=db)
    store.close()
    # Freeze the sessions' clock so the case is callable whenever the suite runs.
    lines = [line.replace(" tui --agent ", f" tui --now {NOW_TEXT} --agent ") for line in lines]
    authorized = install_authorized_keys(lines, tmp_path / "ssh" / "authorized_keys")
    server = SshServer(tmp_path, authorized)
    server.start()
    panes: list[TmuxPane] = []
    yield server, keys, db, panes
    for p in panes:
        p.kill()
    server.stop()


def _claims(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT c.agent, d.ref FROM claims c JOIN debtors d ON d.id = c.debtor_id").fetchall())
    finally:
        conn.close()


def _case_on_screen(screen: str) -> str | None:
    found = [ref for ref, name in DEBTORS.items() if name in screen]
    return found[0] if len(found) == 1 else None


def test_authorized_keys_lines_force_the_tui(deployment) -> None:
    server, keys, db, _ = deployment
    text = server.authorized_keys.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert len(lines) == 2
    for login in ("alice", "bob"):
        line = next(ln for ln in lines if ln.endswith(f"recouvre:{login}"))
        assert line.startswith('restrict,pty,command="')
        assert f"--db {db.resolve()}" in line and f"--agent {login}" in line
        assert Path(str(keys[login]) + ".pub").read_text().split()[1] in line
    assert oct(server.authorized_keys.stat().st_mode & 0o777) == "0o600"


def test_two_agents_get_different_cases_and_quitting_releases(deployment) -> None:
    server, keys, db, panes = deployment
    alice = TmuxPane(f"a{uuid.uuid4().hex[:8]}", server.ssh_argv(keys["alice"]))
    panes.append(alice)
    bob = TmuxPane(f"b{uuid.uuid4().hex[:8]}", server.ssh_argv(keys["bob"]))
    panes.append(bob)
    alice.wait_for(lambda s: "Alice Martin" in s)
    bob.wait_for(lambda s: "Bruno Petit" in s)
    alice.keys("Enter")
    bob.keys("Enter")
    a_case = _case_on_screen(alice.wait_for(lambda s: _case_on_screen(s) is not None))
    b_case = _case_on_screen(bob.wait_for(lambda s: _case_on_screen(s) is not None))
    assert a_case != b_case
    assert _claims(db) == {"alice": a_case, "bob": b_case}
    alice.keys("C-q")
    alice.wait_for(lambda s: "Alice Martin" not in s or "Connection to" in s)
    deadline_claims = _wait(lambda: "alice" not in _claims(db))
    assert deadline_claims, "alice's case was not released after quitting"
    assert _claims(db) == {"bob": b_case}


def test_asking_for_a_command_still_runs_the_tui(deployment) -> None:
    server, keys, _db, panes = deployment
    pane = TmuxPane(f"c{uuid.uuid4().hex[:8]}", server.ssh_argv(keys["alice"], "cat", "/etc/passwd"))
    panes.append(pane)
    screen = pane.wait_for(lambda s: "Alice Martin" in s)
    assert "root:" not in screen


def test_unknown_key_is_refused(deployment) -> None:
    server, keys, _db, _ = deployment
    argv = server.ssh_argv(keys["stranger"], "true")
    argv.remove("-tt")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert result.returncode == 255
    assert "Permission denied" in result.stderr


def test_hangup_releases_the_claim(deployment) -> None:
    server, keys, db, panes = deployment
    pane = TmuxPane(f"h{uuid.uuid4().hex[:8]}", server.ssh_argv(keys["bob"]))
    panes.append(pane)
    pane.wait_for(lambda s: "Bruno Petit" in s)
    pane.keys("Enter")
    pane.wait_for(lambda s: _case_on_screen(s) is not None)
    assert "bob" in _claims(db)
    pane.kill()  # the client vanishes: sshd hangs up on the session
    assert _wait(lambda: "bob" not in _claims(db)), "the claim survived the hang-up"


def _wait(predicate, timeout: float = 15.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _tui_processes(db: Path, login: str) -> list[int]:
    """Pids of the TUI sessions of `login` on this database (read from /proc)."""
    wanted = [str(db.resolve()), "--agent", login]
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if all(w in argv for w in wanted) and "tui" in argv:
            pids.append(int(proc.name))
    return pids


def test_deactivated_agent_open_session_is_stopped(deployment) -> None:
    from click.testing import CliRunner

    from recouvre_tui.cli import main
    from recouvre_tui.services.ssh_access import _program, remember_install

    server, keys, db, panes = deployment
    store = open_db(db)
    with store.write() as conn:  # as if installed with `recouvre ssh authorized-keys --install`
        remember_install(conn, path=server.authorized_keys, db_path=db, program=_program())
    store.close()
    pane = TmuxPane(f"d{uuid.uuid4().hex[:8]}", server.ssh_argv(keys["alice"]))
    panes.append(pane)
    pane.wait_for(lambda s: "Alice Martin" in s)
    pane.keys("Enter")
    case = _case_on_screen(pane.wait_for(lambda s: _case_on_screen(s) is not None))
    assert _claims(db) == {"alice": case}
    assert len(_tui_processes(db, "alice")) == 1

    r = CliRunner().invoke(main, ["--db", str(db), "agents", "deactivate", "alice"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == f"agent alice désactivé, dossier {case} rendu à la file\n"

    screen = pane.wait_for(lambda s: "Votre compte a été désactivé" in s)
    assert "Alice Martin" not in screen  # the TUI is gone, its message stays on the terminal
    assert _wait(lambda: _tui_processes(db, "alice") == []), "the deactivated agent's TUI is still running"
    assert _claims(db) == {}
    # Her key no longer opens a session: the installed authorized_keys was rewritten.
    assert "recouvre:alice" not in server.authorized_keys.read_text(encoding="utf-8")
    argv = server.ssh_argv(keys["alice"], "true")
    argv.remove("-tt")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert result.returncode == 255 and "Permission denied" in result.stderr
