#!/usr/bin/env python3
"""Developer entry point: needs only Python 3.11+.

    python3 dev.py demo    # install into .venv (first time), seed the demo, open the TUI
    python3 dev.py test    # install into .venv (first time), run the whole test suite:
                           # on SQLite, then on PostgreSQL when its server is installed

Anything after the command is passed on (`python3 dev.py test -k queue`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("RECOUVRE_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit("recouvre-tui needs Python 3.11 or newer")
    if not PY.exists():
        print(f"creating {VENV} …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        print("installing recouvre-tui and its test tools (first run only) …", file=sys.stderr)
        subprocess.run([PY, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(wanted)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "install"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    ensure_env()
    if command == "install":
        return 0
    if command == "demo":
        return subprocess.call([BIN / "recouvre", "demo", *rest])
    # RECOUVRE_COVERAGE=1: coverage of the SQLite pass, printed per module (not in CI, for its time).
    cov = ["--cov=recouvre_tui", "--cov-report=term"] if os.environ.get("RECOUVRE_COVERAGE") else []
    status = subprocess.call([PY, "-m", "pytest", "-n", "2", "-q", *cov, *rest], cwd=ROOT)
    if not postgres_server_installed():
        print(
            "PostgreSQL server not installed: the suite ran on SQLite only "
            "(apt-get install postgresql, then run again for the PostgreSQL pass)",
            file=sys.stderr,
        )
        return status or (1 if os.environ.get("RECOUVRE_REQUIRE_PG") else 0)
    print("\n--- the same suite on PostgreSQL (tests/stores.py) ---", file=sys.stderr)
    pg_status = subprocess.call([PY, "-m", "pytest", "-n", "2", "-q", "--store", "postgresql", *rest], cwd=ROOT)
    return status or pg_status


def postgres_server_installed() -> bool:
    """initdb from the Debian package (/usr/lib/postgresql/N/bin) or on PATH."""
    import shutil

    return bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))) or shutil.which("initdb") is not None


if __name__ == "__main__":
    sys.exit(main())
