"""A session ends, and gives its case back, when its terminal goes away: stdin and stdout
must be terminals to start, the end of input stops it, SIGTERM stops it. Real processes on
a real pseudo-terminal (no SSH here: see test_ssh_e2e.py for the same over OpenSSH)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.agents import add_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.refresh import refresh
from recouvre_tui.store.db import init_db, open_db
from ssh_harness import wait_until
from stores import new_db

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REFUSAL = "erreur : pas de terminal : l'interface s'ouvre dans une session interactive (ssh sans commande, ou ssh -t)"


@pytest.fixture
def db(tmp_path: Path) -> Path | str:
    path = new_db(tmp_path, "recouvre.db")
    store = init_db(path)
    add_agent(
        store, login="alice", name="Alice Martin", role="agent", team="e1", ssh_key_file=None, actor="test", now=NOW
    )
    (tmp_path / "debtors.csv").write_text(
        "debtor_ref;name;segment;postcode;phone\nE1;Camille Lefèvre;B2C;75011;06 12 34 56 70\n", encoding="utf-8"
    )
    (tmp_path / "invoices.csv").write_text(
        "debtor_ref;invoice_ref;issue_date;due_date;amount\nE1;F-E1;01/09/2026;01/10/2026;100,00\n", encoding="utf-8"
    )
    for kind in ("debtors", "invoices"):
        import_file(store, kind, tmp_path / f"{kind}.csv", now=NOW, actor="test", settings=Settings())
    refresh(store, now=NOW, settings=Settings())
    store.close()
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    return path


def _argv(db: Path | str, folder: Path) -> list[str]:
    cfg = folder / "config.toml"
    return [sys.executable, "-m", "recouvre_tui.cli", "--config", str(cfg), "--db", str(db), "tui",
            "--now", "2026-11-23T10:00", "--agent", "alice"]  # fmt: skip


def _rows(db: Path | str, sql: str) -> list[tuple[object, ...]]:
    store = open_db(db)
    try:
        return [tuple(r) for r in store.conn.execute(sql).fetchall()]
    finally:
        store.close()


def _claims(db: Path | str) -> list[tuple[object, ...]]:
    return _rows(db, "SELECT agent FROM claims")


class PtySession:
    """`recouvre tui` on a pseudo-terminal (160×48) whose output a thread drains."""

    def __init__(self, argv: list[str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color"}
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.output = bytearray()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(self.master, 65536):
                self.output += chunk

    def take_case(self, db: Path | str) -> None:
        assert wait_until(lambda: b"Alice Martin" in self.output, timeout=60), "no welcome screen"
        os.write(self.master, b"\r")
        assert wait_until(lambda: _claims(db) == [("alice",)], timeout=60), "no case taken"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        with contextlib.suppress(OSError):
            os.close(self.master)


@pytest.mark.parametrize(
    "stdin_tty, stdout_tty", [(False, False), (False, True), (True, False)], ids=["pipes", "stdin", "stdout"]
)
def test_no_terminal_is_refused_before_touching_the_database(
    db: Path | str, tmp_path: Path, stdin_tty: bool, stdout_tty: bool
) -> None:
    master, slave = os.openpty()
    try:
        result = subprocess.run(
            _argv(db, tmp_path),
            stdin=slave if stdin_tty else subprocess.PIPE,
            stdout=slave if stdout_tty else subprocess.PIPE,
            stderr=subprocess.PIPE,
            input=None,
            timeout=60,
        )
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == REFUSAL
    assert _rows(db, "SELECT * FROM agent_sessions") == []
    assert _rows(db, "SELECT action FROM audit WHERE action LIKE 'session%'") == []


def test_end_of_input_ends_the_session_and_releases_its_case(db: Path | str, tmp_path: Path) -> None:
    session = PtySession(_argv(db, tmp_path))
    try:
        session.take_case(db)
        os.close(session.master)  # the terminal goes away (no SIGHUP: not our controlling tty)
        session.master = -1
        assert wait_until(lambda: session.proc.poll() is not None, timeout=30), "the session outlived its input"
        assert _claims(db) == []
        assert _rows(db, "SELECT state FROM agent_sessions") == [("ended",)]
    finally:
        session.stop()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_ends_the_session_and_releases_its_case(db: Path | str, tmp_path: Path, signum: int) -> None:
    session = PtySession(_argv(db, tmp_path))
    try:
        session.take_case(db)
        session.proc.send_signal(signum)
        assert wait_until(lambda: session.proc.poll() is not None, timeout=30), "the session survived the signal"
        assert session.proc.returncode == 128 + signum
        assert _claims(db) == []
        assert _rows(db, "SELECT state FROM agent_sessions") == [("ended",)]
        assert _rows(db, "SELECT action, entity_ref FROM audit WHERE action = 'hangup'") == [("hangup", "E1")]
    finally:
        session.stop()


def _quiet_for(session: PtySession, seconds: float, timeout: float = 90.0) -> None:
    """Wait (polling) until the session has written nothing for `seconds`: the screen is painted."""
    import time

    deadline = time.monotonic() + timeout
    size, since = len(session.output), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if len(session.output) != size:
            size, since = len(session.output), time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
    raise AssertionError("the session never stopped writing")


def test_an_idle_session_writes_nothing_while_others_commit(db: Path | str, tmp_path: Path) -> None:
    """Other sessions' heartbeats reload the open queue, which repaints nothing; a change that
    shows (a colleague takes a case from this queue) is painted: the session was watching."""
    import time

    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.sessions import heartbeat
    from recouvre_tui.services.work_queue import take_next

    store = open_db(db)
    add_agent(store, login="bob", name="Bruno Petit", role="agent", team="e1", ssh_key_file=None, actor="t", now=NOW)
    bob = require_agent(store, "bob")
    session = PtySession(_argv(db, tmp_path))
    try:
        assert wait_until(lambda: b"Alice Martin" in session.output, timeout=60), "no welcome screen"
        os.write(session.master, b"f")  # the queue: reloads on every commit by another session
        assert wait_until(lambda: b"Camille Lef" in session.output[-20000:], timeout=60), "no queue"
        _quiet_for(session, 3.0)
        before = len(session.output)
        for minute in range(4):
            heartbeat(store, bob, now=NOW.replace(minute=minute + 1), state="idle")
            time.sleep(2.5)  # the session checks for commits every second: let it see each one
        assert len(session.output) == before, bytes(session.output[before:])[:400]
        take_next(store, bob, now=NOW, settings=Settings())  # E1 leaves alice's queue
        assert wait_until(lambda: len(session.output) > before, timeout=30), "the queue did not follow"
    finally:
        session.stop()
        store.close()
