"""The nightly job (`recouvre-nightly`, or scripts/nightly.py from a checkout) on a temporary
drop folder: import order, done/ and rejected/, the
error log, the refresh, the exit status, a safe rerun, one run at a time."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from queue_helpers import Env, days_before, make_env
from stores import cluster

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "nightly.py"
NOW_ARG = "2026-11-17T03:00"


def nightly(env: Env | str, drop: Path) -> subprocess.CompletedProcess[str]:
    """The script on `env`'s database, or on the one `--db` names when given as text."""
    db = env if isinstance(env, str) else env.db
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--drop", str(drop), "--db", db, "--now", NOW_ARG],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.store.close()
    return e


def write(path: Path, *lines: str) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    d = tmp_path / "drop"
    d.mkdir()
    # Named so that alphabetical order would be wrong: the script orders by kind.
    write(d / "payments_2026-11-16.csv", "debtor_ref;payment_ref;date;amount", f"N1;V1;{days_before(2)};100,00")
    write(
        d / "invoices_2026-11-16.csv",
        "debtor_ref;invoice_ref;issue_date;due_date;amount",
        f"N1;F1;{days_before(70)};{days_before(40)};1 000,00",
        f"N2;F1;{days_before(70)};{days_before(40)};250,00",
    )
    write(d / "debtors_2026-11-16.csv", "debtor_ref;name;segment;phone", "N1;SARL Un;B2B;0612345678", "N2;M. Deux;B2C;")
    write(
        d / "events_2026-11-16.csv",
        "debtor_ref;at;channel;direction;outcome",
        "N1;2026-11-16 10:00;call;out;no_answer",
        "NOBODY;2026-11-16 10:00;call;out;no_answer",
    )
    write(d / "README.txt", "not for us")
    return d


def test_nightly_imports_in_order_and_refreshes(env: Env, drop: Path) -> None:
    r = nightly(env, drop)
    assert r.returncode == 1, r.stderr  # the events file is rejected
    done = sorted(p.name for p in (drop / "done").iterdir())
    assert done == ["debtors_2026-11-16.csv", "invoices_2026-11-16.csv", "payments_2026-11-16.csv"]
    assert sorted(p.name for p in (drop / "rejected").iterdir()) == [
        "events_2026-11-16.csv",
        "events_2026-11-16.csv.errors.txt",
    ]
    errors = (drop / "rejected" / "events_2026-11-16.csv.errors.txt").read_text(encoding="utf-8")
    assert errors.startswith("events_2026-11-16.csv:3: debtor_ref: débiteur inconnu « NOBODY »")
    assert (drop / "README.txt").exists()

    log = (drop / "nightly.log").read_text(encoding="utf-8")
    lines = log.splitlines()
    assert all(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} (INFO|WARNING|ERROR) ", x) for x in lines)
    order = [m[1] for m in re.finditer(r"INFO (\w+)_2026-11-16\.csv \(\w+\) importé", log)]
    assert order == ["debtors", "invoices", "payments"]
    assert "events_2026-11-16.csv (events) rejeté, 1 erreur(s), base inchangée" in log
    assert "rafraîchissement : débiteurs traités        2" in log
    assert "fin : 1 fichier(s) rejeté(s)" in log
    assert r.stderr.count("\n") == len(lines)  # the same lines on stderr

    env2 = make_env_again(env)
    assert env2.rows("SELECT ref, balance_cents FROM debtors ORDER BY ref") == [("N1", 90_000), ("N2", 25_000)]
    assert env2.rows("SELECT COUNT(*) FROM events") == [(0,)]
    assert env2.rows("SELECT job FROM job_runs") == [("refresh",)]
    assert env2.rows("SELECT * FROM job_locks") == []
    env2.store.close()

    # Rerun: nothing left to import, the refresh runs again, all is well.
    again = nightly(env, drop)
    assert again.returncode == 0, again.stderr
    assert "début : 0 fichier(s)" in again.stderr
    assert (drop / "nightly.log").read_text(encoding="utf-8").startswith(log)

    # The corrected file, dropped again under the same name, is imported; done/ keeps both.
    write(
        d := drop / "events_2026-11-16.csv",
        "debtor_ref;at;channel;direction;outcome",
        "N1;2026-11-16 10:00;call;out;no_answer",
    )
    assert nightly(env, drop).returncode == 0
    assert not d.exists()
    assert (drop / "done" / "events_2026-11-16.csv").exists()


def test_the_installed_command_is_the_same_job(env: Env, drop: Path) -> None:
    # What ops put in cron after `pip install`: the console script next to the interpreter.
    command = Path(sys.executable).parent / "recouvre-nightly"
    r = subprocess.run(
        [str(command), "--drop", str(drop), "--db", env.db, "--now", NOW_ARG],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, r.stderr  # the same files, the same rejected events file
    assert sorted(p.name for p in (drop / "done").iterdir()) == [
        "debtors_2026-11-16.csv",
        "invoices_2026-11-16.csv",
        "payments_2026-11-16.csv",
    ]
    assert "fin : 1 fichier(s) rejeté(s)" in r.stderr
    env2 = make_env_again(env)
    assert env2.rows("SELECT ref, balance_cents FROM debtors ORDER BY ref") == [("N1", 90_000), ("N2", 25_000)]
    env2.store.close()


def make_env_again(env: Env) -> Env:
    from recouvre_tui.store.db import open_db

    return Env(open_db(env.db), env.dir)


def test_one_nightly_at_a_time(env: Env, drop: Path) -> None:
    e = make_env_again(env)
    with e.store.write() as conn:
        conn.execute("INSERT INTO job_locks VALUES ('nightly', 'srv:1', '2026-11-17 01:00:00', '2026-11-17 07:00:00')")
    e.store.close()
    r = nightly(env, drop)
    assert r.returncode == 3
    assert "le traitement de nuit est déjà en cours" in r.stderr
    assert not (drop / "done").exists()  # nothing touched


def test_missing_drop_folder(env: Env, tmp_path: Path) -> None:
    r = nightly(env, tmp_path / "nope")
    assert r.returncode == 2
    assert "dossier de dépôt introuvable" in r.stderr


def test_first_run_after_the_week_writes_its_wear_report_once(env: Env, drop: Path) -> None:
    # Tuesday 17 Nov 2026: the last complete week is 2026-W46 (9–15 Nov).
    nightly(env, drop)
    reports = drop / "reports"
    text = reports / "usure-des-relances-2026-W46.txt"
    csv_file = reports / "usure-des-relances-2026-W46.csv"
    assert text.exists() and csv_file.exists()
    assert "Semaine 2026-W46 (du 09/11/2026 au 15/11/2026)" in text.read_text(encoding="utf-8")
    assert csv_file.read_text(encoding="utf-8").splitlines()[0].startswith("debtor_ref,")
    before = text.stat().st_mtime_ns
    nightly(env, drop)
    assert text.stat().st_mtime_ns == before  # already written: not rewritten


def test_control_characters_in_names_never_reach_the_log(env: Env, tmp_path: Path) -> None:
    """A dropped file whose name and a column name hold terminal controls: rejected, and the
    log, stderr and the `.errors.txt` show « � » instead."""
    d = tmp_path / "drop2"
    d.mkdir()
    write(d / "debtors_\x1b]0;x\x07.csv", "debtor_ref;name;segment;col\x1b[2J\x9b", "N9;Neuf\x1b[2J;B2C;1")
    r = nightly(env, d)
    assert r.returncode != 0
    texts = [r.stderr, (d / "nightly.log").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (d / "rejected").glob("*.errors.txt")]
    assert len(texts) == 3
    for text in texts:
        assert not re.search("[\x1b\x07\x9b]", text), text
    assert "name: caractère de contrôle interdit U+001B (échappement) en position 5" in texts[2]
    assert "col\ufffd[2j\ufffd: colonne inconnue" in texts[2]  # column names are read lowercased


@pytest.mark.sqlite_only  # builds its own PostgreSQL database: runs once, in the first pass
def test_a_password_in_the_urls_query_never_reaches_the_log(tmp_path: Path, drop: Path) -> None:
    """libpq takes `password=` among the URL's parameters: the log showed it (only a password
    in the user-info part was masked). The test cluster trusts local connections: the password
    is carried, not checked."""
    url = cluster().new_database("nightly")
    make_env(tmp_path, db=url).store.close()
    r = nightly(f"{url}&password=s3cr%C3%A8t", drop)
    assert r.returncode == 1, r.stderr  # the events file is rejected, the rest imported
    log = (drop / "nightly.log").read_text(encoding="utf-8")
    assert f"base {url}&password=***\n" in log
    for text in (log, r.stderr):
        assert "s3cr" not in text
