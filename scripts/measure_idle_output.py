#!/usr/bin/env python3
"""Measure how many bytes an idle TUI session writes to its terminal per minute.

    python scripts/measure_idle_output.py [--seconds 60] [--screens welcome,case,queue,board]

Why it matters: sshd's `ClientAliveInterval` only probes a client when the session has been
silent that long. A session that repaints every second never goes silent, so a frozen client
(laptop lid closed, `kill -STOP`) is never dropped and keeps its case. An idle screen should
write nothing until something it shows changes (the clock's minute, another session's commit).

Builds the demo database in a temporary folder, runs `recouvre tui` in a real pseudo-terminal
(160×48, TERM=xterm-256color) for each screen, waits until the screen is painted (its text
shown, then nothing written for 5 s), then counts every byte written during the window.
Runs with the real clock (the agent bar's clock ticks) for the welcome screen, and with the
demo's frozen clock for the screens that need callable debtors.

`--team N` adds what N other sessions commit (each a heartbeat every 120 s and a lease renewal
every 60 s: 3·N/120 commits a second, here as heartbeats of the demo's other agents): every
commit makes every open screen reload, so this is the realistic idle case.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from recouvre_tui.domain.config import Settings
from recouvre_tui.domain.dates import parse_now
from recouvre_tui.services.agents import require_agent
from recouvre_tui.services.demo_seed import seed_demo
from recouvre_tui.services.sessions import heartbeat
from recouvre_tui.store.db import open_db

NOW_TEXT = "2026-11-23T10:00"
QUIET_SECONDS = 5.0  # the screen counts as painted once nothing was written for this long
SETTLE_MAX_SECONDS = 90.0  # a loaded machine can take a while to open a case
# Each screen: login, keys from the welcome screen, frozen clock, text showing it is loaded.
SCREENS: dict[str, tuple[str, bytes, bool, str]] = {
    "welcome": ("demo", b"", False, "Portefeuille"),
    "welcome-frozen": ("demo", b"", True, "Portefeuille"),
    "case": ("demo", b"\r", True, "Proposer"),
    "queue": ("demo", b"f", True, "Pourquoi ? \u2014"),
    "board": ("lea.lead", b"b", True, "Files par agent"),
}


def run_screen(db: Path, login: str, keys: bytes, frozen: bool, marker: str, seconds: float) -> tuple[int, int]:
    """(bytes during the settle time, bytes during the measured window)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    argv = [sys.executable, "-m", "recouvre_tui.cli", "--db", str(db), "tui", "--agent", login]
    if frozen:
        argv[-2:-2] = ["--now", NOW_TEXT]
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    try:
        settle = _settle(master, "Portefeuille")
        if keys:
            os.write(master, keys)
            settle += _settle(master, marker)
        window = _drain(master, seconds)
        return settle, window
    finally:
        os.write(master, b"\x11")  # ctrl+q
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        os.close(master)


def _settle(fd: int, marker: str) -> int:
    """Read until `marker` was written, then until the terminal is quiet for QUIET_SECONDS."""
    seen = b""
    wanted = marker.encode()
    deadline = time.monotonic() + SETTLE_MAX_SECONDS
    while wanted not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise SystemExit(f"« {marker} » never appeared on the screen")
        seen += os.read(fd, 65536)
    total = len(seen)
    while time.monotonic() < deadline:
        written = _drain(fd, QUIET_SECONDS)
        total += written
        if not written:
            break
    return total


def _drain(fd: int, seconds: float) -> int:
    """Read everything written to the terminal for `seconds`; answer nothing."""
    total = 0
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    return total


TEAM = ("julien.roux", "karim.benali", "sophie.martin", "thomas.girard", "nadia.hoarau")


def simulate_team(db: Path, sessions: int, stop: threading.Event) -> None:
    """Commit like `sessions` other sessions would (see the module's docstring)."""
    store = open_db(db)
    agents = [require_agent(store, login) for login in TEAM]
    period = 120 / (3 * sessions)
    i = 0
    while not stop.wait(period):
        heartbeat(store, agents[i % len(agents)], now=parse_now(NOW_TEXT), state="idle")
        i += 1
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window per screen")
    parser.add_argument("--screens", default=",".join(SCREENS), help="comma-separated, among " + ", ".join(SCREENS))
    parser.add_argument("--team", type=int, default=0, help="other sessions committing meanwhile (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        seed_demo(db, now=parse_now(NOW_TEXT), settings=Settings(), force=True)
        stop = threading.Event()
        if args.team:
            threading.Thread(target=simulate_team, args=(db, args.team, stop), daemon=True).start()
        print(f"team of {args.team} other sessions" if args.team else "no other session")
        print(f"{'screen':<16} {'bytes settling':>15} {'bytes idle':>11} {'per minute':>11}")
        for name in args.screens.split(","):
            login, keys, frozen, marker = SCREENS[name]
            settle, window = run_screen(db, login, keys, frozen, marker, args.seconds)
            per_minute = window * 60 / args.seconds
            print(f"{name:<16} {settle:>15} {window:>11} {per_minute:>11.0f}", flush=True)
        stop.set()


if __name__ == "__main__":
    main()
