"""A real OpenSSH server on 127.0.0.1 for end-to-end tests (and the session benchmark).

sshd runs with a temporary config, host key and authorized_keys written by
`recouvre ssh authorized-keys`; clients are the real `ssh` in tmux panes, whose screens
are read with `tmux capture-pane`.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@dataclass
class SshServer:
    root: Path
    authorized_keys: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    # The README's values; tests of dead or frozen clients shorten them.
    client_alive_interval: int = 30
    client_alive_count_max: int = 3

    def start(self) -> None:
        host_key = keygen(self.root / "host_key")
        config = self.root / "sshd_config"
        is_root = os.geteuid() == 0
        if is_root:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {host_key}",
                    f"PidFile {self.root / 'sshd.pid'}",
                    f"AuthorizedKeysFile {self.authorized_keys}",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    # The deployment settings the README recommends:
                    "DisableForwarding yes",
                    "PermitTTY yes",
                    f"ClientAliveInterval {self.client_alive_interval}",
                    f"ClientAliveCountMax {self.client_alive_count_max}",
                    "PermitUserEnvironment no",
                    "PermitRootLogin forced-commands-only" if is_root else "",
                    "LogLevel VERBOSE",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        log = open(self.root / "sshd.log", "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("sshd exited: " + (self.root / "sshd.log").read_text(errors="replace"))
            time.sleep(0.05)
        raise RuntimeError("sshd did not start listening")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def ssh_argv(self, key: Path, *extra: str) -> list[str]:
        return [
            "ssh",
            "-tt",
            "-i",
            str(key),
            "-p",
            str(self.port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            f"{getpass.getuser()}@127.0.0.1",
            *extra,
        ]


class TmuxPane:
    """One tmux session running a command at a fixed size; read its screen as text."""

    def __init__(self, name: str, argv: list[str], *, width: int = 160, height: int = 48) -> None:
        self.name = name
        cmd = " ".join(_quote(a) for a in argv)
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), cmd],
            check=True,
            env={**os.environ, "TERM": "xterm-256color"},
        )
        subprocess.run(["tmux", "set-option", "-t", name, "remain-on-exit", "on"], check=False)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out; screen was:\n{screen}")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


def tui_pids(db: Path) -> list[int]:
    """The Python processes running `recouvre --db DB … tui` (not the shells around them)."""
    out = subprocess.run(["pgrep", "-f", "--", f"--db {db} tui "], capture_output=True, text=True).stdout
    pids = []
    for p in out.split():
        try:
            if "python" in Path(f"/proc/{p}/exe").resolve().name:
                pids.append(int(p))
        except OSError:
            continue
    return pids


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
