#!/usr/bin/env python3
"""Measure real SSH sessions: connection-to-first-paint time and memory per session.

    python scripts/measure_sessions.py [--sessions 10]

Builds the demo database, starts a real OpenSSH server on 127.0.0.1 with the forced-command
lines of `recouvre ssh authorized-keys`, connects N clients (the real `ssh` in tmux panes),
and reports:
- first paint: from starting `ssh` to the welcome screen showing the agent's name;
- memory per session: RSS and PSS (proportional set size: shared pages split between the
  sessions, the fair "what does one more agent cost") of each `recouvre tui` process,
  on the welcome screen and again with a case open;
- a bare baseline in the same run: `ssh … true` to a plain forced command (`/bin/true`),
  i.e. the cost of SSH itself, so the ratio shows what the app adds.
Needs sshd, ssh, ssh-keygen and tmux (see .ci/run).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from recouvre_tui.domain.config import Settings
from recouvre_tui.domain.dates import parse_now
from recouvre_tui.services.agents import add_agent
from recouvre_tui.services.demo_seed import seed_demo
from recouvre_tui.services.ssh_access import authorized_keys_lines, install_authorized_keys
from recouvre_tui.store.db import open_db
from ssh_harness import SshServer, TmuxPane, keygen

NOW_TEXT = "2026-11-23T10:00"


def tui_pids() -> list[int]:
    """The Python processes running `recouvre … tui` (not the shells sshd starts them with)."""
    out = subprocess.run(["pgrep", "-f", "recouvre.* tui "], capture_output=True, text=True).stdout
    pids = []
    for p in out.split():
        try:
            if "python" in Path(f"/proc/{p}/exe").resolve().name:
                pids.append(int(p))
        except OSError:
            continue
    return pids


def memory_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=10)
    args = ap.parse_args()
    now = parse_now(NOW_TEXT)
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        db = root / "demo.db"
        seed_demo(db, now=now, settings=Settings())
        store = open_db(db)
        logins = [f"mesure{i:02d}" for i in range(args.sessions)]
        for login in logins:
            key = keygen(root / f"{login}_key")
            add_agent(
                store,
                login=login,
                name=f"Agent {login}",
                role="agent",
                team="equipe-1",
                ssh_key_file=Path(str(key) + ".pub"),
                actor="measure",
                now=now,
            )
        base_key = keygen(root / "baseline_key")
        lines = authorized_keys_lines(store, db_path=db)
        store.close()
        lines = [ln.replace(" tui --agent ", f" tui --now {NOW_TEXT} --agent ") for ln in lines]
        lines.append(
            f'restrict,pty,command="/bin/true" {(Path(str(base_key) + ".pub")).read_text().split()[0]} '
            f"{(Path(str(base_key) + '.pub')).read_text().split()[1]} baseline"
        )
        server = SshServer(root, install_authorized_keys(lines, root / "ssh" / "authorized_keys"))
        server.start()
        panes: list[TmuxPane] = []
        try:
            baseline = []
            for _ in range(5):
                t0 = time.perf_counter()
                argv = server.ssh_argv(base_key)
                argv.remove("-tt")
                subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
                baseline.append(time.perf_counter() - t0)
            paints = []
            for login in logins:
                t0 = time.perf_counter()
                pane = TmuxPane(f"m{uuid.uuid4().hex[:8]}", server.ssh_argv(root / f"{login}_key"))
                panes.append(pane)
                pane.wait_for(lambda s, name=f"Agent {login}": name in s, timeout=60)
                paints.append(time.perf_counter() - t0)
            time.sleep(2)
            idle = [memory_kb(p) for p in tui_pids()]
            for pane in panes:
                pane.keys("Enter")
            time.sleep(4)
            busy = [memory_kb(p) for p in tui_pids()]
        finally:
            for pane in panes:
                pane.kill()
            server.stop()
    ssh_ms = statistics.median(baseline) * 1000
    paint_ms = statistics.median(paints) * 1000
    print(f"sessions                         {len(paints)}")
    print(f"bare ssh (forced /bin/true)      median {ssh_ms:.0f} ms")
    print(
        f"connection → first paint         median {paint_ms:.0f} ms, max {max(paints) * 1000:.0f} ms"
        f"  (×{paint_ms / ssh_ms:.1f} the bare ssh)"
    )
    for name, rows in (("welcome", idle), ("case open", busy)):
        if rows:
            rss = statistics.mean(r for r, _ in rows) / 1024
            pss = statistics.mean(p for _, p in rows) / 1024
            print(f"memory per session ({name:9})   RSS {rss:.1f} MB, PSS {pss:.1f} MB  ({len(rows)} processes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
