"""End to end over real OpenSSH: two agents connect with their keys, each lands in their own
TUI (whatever command they ask for), takes a different case and quits; a stranger is refused.
Sessions without a terminal are refused and leave nothing behind; SIGTERM, a hang-up, a frozen
client and the idle lock each give the case back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
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
from ssh_harness import SSHD, SshServer, TmuxPane, keygen, tui_pids, wait_until

# Real sshd end to end: run once, in the SQLite pass (CI time); the PostgreSQL store under the
# same TUI is covered by tests/tui in both passes.
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

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


def _deploy(tmp_path: Path, *, config: str | None = None, **server_options: int):
    """The README's deployment on loopback: agents alice and bob, four callable debtors."""
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
    # Freeze the sessions' clock so the case is callable whenever the suite runs; name the
    # configuration explicitly (sshd gives sessions a clean environment).
    cfg = tmp_path / "config.toml"
    cfg.write_text(config or "", encoding="utf-8")
    lines = [
        line.replace(" tui --agent ", f" tui --now {NOW_TEXT} --agent ").replace(" --db ", f" --config {cfg} --db ")
        for line in lines
    ]
    authorized = install_authorized_keys(lines, tmp_path / "ssh" / "authorized_keys")
    server = SshServer(tmp_path, authorized, **server_options)
    server.start()
    return server, keys, db


@pytest.fixture
def deployment(tmp_path: Path):
    server, keys, db = _deploy(tmp_path)
    panes: list[TmuxPane] = []
    yield server, keys, db, panes
    for p in panes:
        p.kill()
    server.stop()
    _kill_leftovers(db)


def _kill_leftovers(db: Path) -> None:
    """A failing test must not leave sessions running on the machine."""
    for pid in tui_pids(db.resolve()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


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


def _wait(predicate, timeout: float = 30.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _sessions(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT agent, state FROM agent_sessions ORDER BY agent").fetchall()
    finally:
        conn.close()


def _audited(db: Path, action: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM audit WHERE action = ?", (action,)).fetchone()[0])
    finally:
        conn.close()


def _no_tty_argv(server: SshServer, key: Path, *command: str) -> list[str]:
    argv = server.ssh_argv(key, *command)
    argv.remove("-tt")
    return argv if command else [argv[0], "-T", *argv[1:]]


@pytest.mark.parametrize("command", [(), ("ls", "-la")], ids=["ssh -T", "ssh host command"])
def test_a_session_without_terminal_is_refused_and_leaves_nothing(deployment, command) -> None:
    server, keys, db, _ = deployment
    argv = _no_tty_argv(server, keys["alice"], *command)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        "erreur : pas de terminal : l'interface s'ouvre dans une session interactive (ssh sans commande, ou ssh -t)"
    )
    assert result.stdout == ""
    assert tui_pids(db.resolve()) == []
    assert _sessions(db) == []  # never on the board
    assert _audited(db, "session_start") == 0
    assert _claims(db) == {}


def test_a_session_without_terminal_whose_client_stays_is_refused_too(deployment) -> None:
    """The refusal does not wait for the client to leave: stdin kept open, the process still ends."""
    server, keys, db, _ = deployment
    proc = subprocess.Popen(
        _no_tty_argv(server, keys["bob"]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    assert "pas de terminal" in err
    assert tui_pids(db.resolve()) == []
    assert _sessions(db) == []


@pytest.mark.parametrize("tool", ["sftp", "scp"])
def test_sftp_and_scp_are_refused_and_leave_nothing(deployment, tool: str, tmp_path: Path) -> None:
    server, keys, db, _ = deployment
    ssh_argv = server.ssh_argv(keys["alice"])
    options = ssh_argv[ssh_argv.index("-i") : -1]  # the key and -o options, port as -P below
    port_at = options.index("-p")
    options[port_at] = "-P"
    target = ssh_argv[-1]
    if tool == "sftp":
        argv = ["sftp", "-b", "/dev/null", *options, target]
    else:
        argv = ["scp", "-O", *options, f"{target}:/etc/hostname", str(tmp_path / "copy")]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert not (tmp_path / "copy").exists()
    assert tui_pids(db.resolve()) == []
    assert _sessions(db) == []
    assert _audited(db, "session_start") == 0


def _open_case(server: SshServer, key: Path, panes: list[TmuxPane], name: str) -> str:
    pane = TmuxPane(f"{name[0]}{uuid.uuid4().hex[:8]}", server.ssh_argv(key))
    panes.append(pane)
    pane.wait_for(lambda s: name in s, timeout=60)
    pane.keys("Enter")
    return str(_case_on_screen(pane.wait_for(lambda s: _case_on_screen(s) is not None, timeout=60)))


def test_sigterm_ends_the_session_and_releases_its_case(deployment) -> None:
    server, keys, db, panes = deployment
    ref = _open_case(server, keys["alice"], panes, "Alice Martin")
    assert _claims(db) == {"alice": ref}
    [pid] = tui_pids(db.resolve())
    os.kill(pid, signal.SIGTERM)
    assert wait_until(lambda: tui_pids(db.resolve()) == [], timeout=30), "the session survived SIGTERM"
    assert _claims(db) == {}
    assert _sessions(db) == [("alice", "ended")]
    assert _audited(db, "hangup") == 1


class PtyClient:
    """A real `ssh -tt` on a pseudo-terminal this test owns (tmux would resume a stopped pane:
    it sends SIGCONT to panes that stop). The screen's bytes are drained by a thread."""

    def __init__(self, argv: list[str]) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        self.output = bytearray()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(self.master, 65536):
                self.output += chunk

    def keys(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


def _frozen_client(tmp_path: Path, *, config: str = "", **server_options: int):
    """Bob connects, takes a case, then his client is stopped (`kill -STOP`, a laptop lid
    closed): it neither reads nor answers sshd's probes."""
    server, keys, db = _deploy(tmp_path, config=config, **server_options)
    client = PtyClient(server.ssh_argv(keys["bob"]))
    try:
        assert wait_until(lambda: b"Bruno Petit" in client.output, timeout=60), "no welcome screen"
        client.keys(b"\r")
        assert wait_until(lambda: "bob" in _claims(db), timeout=60), "no case taken"
        client.proc.send_signal(signal.SIGSTOP)
        return server, db, client
    except BaseException:
        client.close()
        server.stop()
        _kill_leftovers(db)
        raise


def _thaw(server: SshServer, db: Path, client: PtyClient) -> None:
    client.close()
    server.stop()
    _kill_leftovers(db)


def test_a_frozen_client_is_dropped_by_sshd_and_its_case_released(tmp_path: Path) -> None:
    """ClientAliveInterval 2 × 2 unanswered probes: sshd hangs up, the session gives the case back.
    The session writes nothing while idle, so sshd's probes are not held off by output."""
    server, db, client = _frozen_client(tmp_path, client_alive_interval=2, client_alive_count_max=2)
    try:
        assert wait_until(lambda: "bob" not in _claims(db), timeout=40), "the frozen client kept its case"
        assert wait_until(lambda: tui_pids(db.resolve()) == [], timeout=20), "the session outlived its client"
        assert _sessions(db) == [("bob", "ended")]
        assert "Timeout, client not responding" in (tmp_path / "sshd.log").read_text(errors="replace")
        assert (_audited(db, "hangup"), _audited(db, "idle_lock")) == (1, 0)  # sshd's hang-up, not the lock
    finally:
        _thaw(server, db, client)


def test_the_idle_lock_releases_a_frozen_clients_case(tmp_path: Path) -> None:
    """sshd never drops the client here (probes every 30 s, 3 allowed): the idle lock (6 s) does."""
    server, db, client = _frozen_client(tmp_path, config="idle_lock_minutes = 0.1\n")
    try:
        assert wait_until(lambda: "bob" not in _claims(db), timeout=40), "the idle lock did not release the case"
        assert _audited(db, "idle_lock") == 1
        assert tui_pids(db.resolve()) != []  # the session is still there, locked
    finally:
        _thaw(server, db, client)


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
