"""Real database files for the failure tests: built through the CLI, damaged for real.

`run_cli` runs `python -m recouvre_tui.cli` in a subprocess (its own exit status, stderr and
resource limits). `fsize_limit` simulates a full disk without privileges: RLIMIT_FSIZE caps the
size of any file the child writes, and with SIGXFSZ ignored the write fails with EFBIG, which
SQLite reports as an I/O error, as it does for ENOSPC. It works the same for root and for a
normal user and touches nothing outside the child process.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

NOW = "2026-11-17T10:00"
PAGE = 4096


def run_cli(
    db: Path, *args: str, preexec: Callable[[], None] | None = None, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recouvre_tui.cli", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
        cwd=cwd,
        env=env,
        check=False,
    )


def debtors_csv(path: Path, count: int, name: str = "Nom") -> Path:
    lines = ["debtor_ref;name;segment;agent;phone"]
    lines += [f"D{i};{name} {i} {'x' * 60};B2C;alice;06123456{i % 100:02d}" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build(folder: Path, count: int = 4000) -> Path:
    """A real database, about 3 MB: one agent, `count` debtors, one invoice each."""
    db = folder / "base.db"
    for args in (
        ("init",),
        ("agents", "add", "alice", "--name", "Alice", "--role", "agent"),
        ("agents", "add", "lea", "--name", "Léa", "--role", "lead"),
    ):
        r = run_cli(db, *args)
        assert r.returncode == 0, r.stderr
    r = run_cli(db, "import", "debtors", str(debtors_csv(folder / "debtors.csv", count)), "--now", NOW)
    assert r.returncode == 0, r.stderr
    invoices = folder / "invoices.csv"
    rows = [f"D{i};F{i};2026-09-01;2026-10-01;{100 + i},00" for i in range(count)]
    invoices.write_text(
        "debtor_ref;invoice_ref;issue_date;due_date;amount\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    r = run_cli(db, "import", "invoices", str(invoices), "--now", NOW)
    assert r.returncode == 0, r.stderr
    return db


def copy(db: Path, dest: Path) -> Path:
    shutil.copyfile(db, dest)
    return dest


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage_middle(db: Path, pages: int = 24) -> None:
    """Overwrite `pages` pages in the middle of the file with a fixed pattern (not the header)."""
    count = db.stat().st_size // PAGE
    with db.open("r+b") as f:
        f.seek((count // 2) * PAGE)
        f.write(bytes(range(256)) * (PAGE * pages // 256))


def fsize_limit(limit_bytes: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, resource.RLIM_INFINITY))

    return apply


def as_other_user() -> Callable[[], None] | None:
    """Root ignores file modes: the read-only tests then run the child as root *without* the
    capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, dropped from the
    bounding set before exec), so a 0444 file in a 0555 folder is read-only to it as to anyone.
    (Switching to `nobody` fails where the virtual environment sits in a 0700 folder, as in CI.)"""
    if os.geteuid() != 0:
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2

    def apply() -> None:
        for cap in (cap_dac_override, cap_dac_read_search):
            if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return apply


def one_error_line(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("erreur : "), r.stderr
    return lines[0]
