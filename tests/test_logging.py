"""The application log: what the CLI, the services and the nightly job write, read back from the
file; its mode; `--log-level`; many processes appending and rotating one file."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from recouvre_tui.cli import main
from recouvre_tui.logs import default_log_path, setup_logging, stop_logging
from stores import new_db, on_postgres

NOW_ARG = ["--now", "2026-07-15T12:00"]
PHONE_FORMS = ("06 12 34 56 78", "0612345678", "+33612345678", "612345678")
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\d+) (DEBUG|INFO|WARNING|ERROR) recouvre_tui[\w.]*: ")


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.db = new_db(tmp_path, "cli.db")
        self.log = tmp_path / "logs" / "app.log"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'log_file = "{self.log}"\n', encoding="utf-8")

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["--db", str(self.db), "--config", str(self.config), *args])

    def text(self) -> str:
        stop_logging()  # flushed and closed, as at the end of a process
        return self.log.read_text(encoding="utf-8")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    assert c("init").exit_code == 0
    assert c("agents", "add", "alice", "--name", "Alice", "--role", "agent", *NOW_ARG).exit_code == 0
    return c


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_imports_and_refresh_are_logged_with_figures_and_no_phone(cli: Cli) -> None:
    debtors = write(
        cli.dir / "debtors.csv", "debtor_ref;name;segment;phone;agent", "D1;Dupont;B2C;06 12 34 56 78;alice"
    )
    assert cli("import", "debtors", str(debtors), *NOW_ARG).exit_code == 0
    invoices = write(
        cli.dir / "invoices.csv",
        "debtor_ref;invoice_ref;issue_date;due_date;amount",
        "D1;F1;01/05/2026;31/05/2026;1 234,56",
        "D1;F2;01/06/2026;30/06/2026;100",
    )
    assert cli("import", "invoices", str(invoices), "--dry-run", *NOW_ARG).exit_code == 0
    assert cli("import", "invoices", str(invoices), *NOW_ARG).exit_code == 0
    # Rejected: the problem quotes the bad phone number; the log counts problems only.
    bad = write(cli.dir / "bad.csv", "debtor_ref;name;segment;phone", "D2;Durand;B2X;06 12 34 56 78")
    assert cli("import", "debtors", str(bad), *NOW_ARG).exit_code == 1
    assert cli("refresh", *NOW_ARG).exit_code == 0

    text = cli.text()
    lines = text.splitlines()
    assert all(LINE.match(x) for x in lines), text
    assert {int(LINE.match(x)[1]) for x in lines} == {os.getpid()}  # the process id on every line
    assert re.search(
        r"INFO recouvre_tui.services.importing: import debtors debtors.csv by \S+: rows=1 inserted=1 updated=0 "
        r"unchanged=0 warnings=0 seconds=\d+\.\d\d$",
        text,
        re.M,
    )
    assert re.search(r"import invoices invoices.csv by \S+ \(dry run\): rows=2 inserted=2 updated=0", text)
    assert re.search(r"import invoices invoices.csv by \S+: rows=2 inserted=2 updated=0", text)
    assert re.search(r"WARNING recouvre_tui.services.importing: import debtors bad.csv by \S+ rejected: 1 pro", text)
    assert re.search(
        r"INFO recouvre_tui.services.refresh: refresh by \S+: debtors=1 balances_changed=\d+ scored=1 .*"
        r"claims_released=0 chunks=1 seconds=\d+\.\d longest_write_ms=\d+$",
        text,
        re.M,
    )
    for form in PHONE_FORMS:
        assert form not in text
    assert stat.S_IMODE(cli.log.stat().st_mode) == 0o600


def test_log_level_option(cli: Cli) -> None:
    debtors = write(cli.dir / "debtors.csv", "debtor_ref;name;segment", "D1;Dupont;B2C")
    assert cli("--log-level", "warning", "import", "debtors", str(debtors), *NOW_ARG).exit_code == 0
    assert "import debtors" not in cli.text()
    assert cli("--log-level", "DEBUG", "import", "debtors", str(debtors), *NOW_ARG).exit_code == 0
    assert "import debtors debtors.csv" in cli.text()
    r = cli("--log-level", "loud", "agents", "list")
    assert r.exit_code == 2
    assert "--log-level" in r.stderr


def test_a_log_that_cannot_be_written_warns_and_the_command_runs(tmp_path: Path) -> None:
    c = Cli(tmp_path)
    (tmp_path / "logs").write_text("a file where the folder should be", encoding="utf-8")
    r = c("init")
    assert r.exit_code == 0
    assert r.stderr.startswith(f"avertissement : journal inutilisable ({c.log}) : ")
    assert "base prête" in r.stdout
    assert on_postgres() or Path(c.db).exists()


def test_default_log_file_is_in_the_user_log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_log_path() == tmp_path / "state" / "recouvre" / "log" / "recouvre.log"
    config = write(tmp_path / "config.toml", "")
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "--config", str(config), "init"])
    assert r.exit_code == 0
    stop_logging()
    assert stat.S_IMODE(default_log_path().stat().st_mode) == 0o600


def test_an_existing_loose_file_is_tightened_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("old line\n", encoding="utf-8")
    path.chmod(0o644)
    setup_logging(path)
    stop_logging()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "old line\n"  # appended to, never truncated


WRITER = textwrap.dedent(
    """
    import logging, sys
    from pathlib import Path
    from recouvre_tui.logs import SharedFileHandler
    name, count = sys.argv[2], int(sys.argv[3])
    h = SharedFileHandler(Path(sys.argv[1]), max_bytes=4000, backups=200)
    h.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("w")
    log.addHandler(h)
    log.setLevel("INFO")
    for i in range(count):
        log.info("%s %05d %s", name, i, "x" * 60)
    h.close()
    """
)


def test_processes_appending_and_rotating_one_file_lose_no_line(tmp_path: Path) -> None:
    """3 processes × 400 lines of 72 bytes = 86 400 bytes: about 21 rotations at 4 000 bytes."""
    path = tmp_path / "shared.log"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}", "400"], stderr=subprocess.PIPE)
        for n in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    files = [path, *sorted(tmp_path.glob("shared.log.[0-9]*"))]
    assert len(files) >= 10  # it did rotate, many times
    lines = [x for f in files for x in f.read_text(encoding="utf-8").splitlines()]
    expected = {f"p{n} {i:05d} {'x' * 60}" for n in range(3) for i in range(400)}
    assert len(lines) == 1200  # none lost, none doubled
    assert set(lines) == expected  # none torn or interleaved
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
        assert f.stat().st_size < 4000 + 3 * 73  # rotated once past the size (the others may add a line)


NIGHTLY = Path(__file__).resolve().parents[1] / "scripts" / "nightly.py"
NOW = ("--now", "2026-07-15T03:00")


def test_nightly_steps_go_to_the_application_log(cli: Cli) -> None:
    drop = cli.dir / "drop"
    drop.mkdir()
    write(drop / "debtors_1.csv", "debtor_ref;name;segment;phone", "N1;SARL Un;B2B;0612345678")
    write(drop / "events_1.csv", "debtor_ref;at;channel;direction;outcome", "NOBODY;2026-07-14 10:00;call;out;busy")
    r = subprocess.run(
        [sys.executable, str(NIGHTLY), "--drop", str(drop), "--db", str(cli.db), "--config", str(cli.config), *NOW],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 1, r.stderr  # the events file is rejected
    text = cli.text()
    steps = [m[1] for m in re.finditer(r"recouvre_tui\.[\w.]+: (nightly \w+|import \w+|refresh)", text)]
    assert steps == [
        "nightly start",
        "import debtors",
        "import events",
        "refresh",
        "nightly weekly",  # the wear report of the last complete week, text then CSV
        "nightly weekly",
        "nightly end",
    ]
    assert "nightly weekly report 2026-W28 written: " in text
    assert "import events events_1.csv by nightly rejected: 1 problem(s), database unchanged" in text
    assert "refresh by nightly: debtors=1 " in text
    for form in PHONE_FORMS:
        assert form not in text


def test_an_uncaught_exception_reaches_the_log_then_stderr(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    code = (
        "from recouvre_tui.logs import start_logging\n"
        f"start_logging({str(log)!r})\n"
        "def deep():\n"
        "    raise RuntimeError('boom')\n"
        "deep()\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 1
    assert "RuntimeError: boom" in r.stderr  # the usual traceback is still printed
    text = log.read_text(encoding="utf-8")
    assert " CRITICAL recouvre_tui: uncaught exception, the process stops\nTraceback (most recent call last):" in text
    assert 'File "<string>", line 4, in deep\nRuntimeError: boom\n' in text


def test_an_unwritable_default_log_adds_nothing_to_the_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    state.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    config = write(tmp_path / "config.toml", "")
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "--config", str(config), "init"])
    assert r.exit_code == 0
    assert r.stderr == ""
    assert (tmp_path / "x.db").exists()
