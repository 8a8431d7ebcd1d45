"""`recouvre queue / next / outcome / refresh`: exit codes, JSON alone on stdout, errors on
stderr, nothing changed on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from queue_helpers import Debtor, Env, days_before, make_env
from recouvre_tui.cli import main

NOW_ARG = "2026-11-17T11:00"  # Paris time = NOW (10:00 UTC)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.add_debtors(
        [
            Debtor("D1", name="SARL Dupont Frères", agent="alice", invoices=[("F", days_before(90), "1000")]),
            Debtor("D2", invoices=[("F", days_before(10), "1234.5")]),
            Debtor("D3", invoices=[("F", days_before(10), "99.99")]),
            Debtor("BOB", agent="bob", invoices=[("F", days_before(10), "99999")]),
        ]
    )
    e.set_flag("D3", "on_hold")
    e.store.close()
    return e


def run(env: Env, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(env.db), *args], catch_exceptions=False)


def test_queue_json(env: Env) -> None:
    r = run(env, "queue", "--agent", "alice", "--format", "json", "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    rows = json.loads(r.stdout)
    assert [x["debtor_ref"] for x in rows] == ["D1", "D2"]
    d1 = rows[0]
    assert d1["name"] == "SARL Dupont Frères"
    assert d1["balance"] == 1000.00 and isinstance(d1["balance"], float)
    # 30 (1 000 €) + 27 (90 days) + 15 (never reached)
    assert d1["score"] == 72.0
    assert d1["reasons"].startswith("solde 1\u202f000 € +30 · retard 90 j +27")
    assert [c["code"] for c in d1["components"]] == [
        "balance",
        "days_past_due",
        "broken_promises",
        "never_contacted",
        "payment_behaviour",
        "wear",
    ]
    assert d1["callable"] is True and d1["blocked_by"] == []
    # 1 234,50 €: a number in euros with two decimals.
    assert rows[1]["balance"] == 1234.5
    assert '"balance": 1234.5,' in r.stdout


def test_queue_include_blocked_json(env: Env) -> None:
    r = run(env, "queue", "--agent", "alice", "--include-blocked", "--format", "json", "--now", NOW_ARG)
    assert r.exit_code == 0
    rows = {x["debtor_ref"]: x for x in json.loads(r.stdout)}
    assert set(rows) == {"D1", "D2", "D3"}  # never bob's debtor
    assert rows["D3"]["callable"] is False
    assert rows["D3"]["blocked_by"] == ["on_hold"]
    assert rows["D3"]["balance"] == 99.99


def test_queue_table_and_limit(env: Env) -> None:
    r = run(env, "queue", "--agent", "alice", "--limit", "1", "--now", NOW_ARG)
    assert r.exit_code == 0
    assert "D1" in r.stdout and "D2" not in r.stdout
    assert "à appeler" in r.stdout


def test_next_claims_and_outcome_releases(env: Env) -> None:
    r = run(env, "next", "--agent", "alice", "--format", "json", "--now", NOW_ARG)
    assert r.exit_code == 0 and r.stderr == ""
    assert json.loads(r.stdout)["debtor_ref"] == "D1"
    r2 = run(env, "next", "--agent", "bob", "--format", "json", "--now", NOW_ARG)
    assert json.loads(r2.stdout)["debtor_ref"] == "BOB"
    r3 = run(env, "next", "--agent", "alice", "--now", "2026-11-17T11:05")
    assert r3.exit_code == 0 and r3.stdout.startswith("D1  SARL Dupont Frères  (B2C)")
    r4 = run(
        env,
        "outcome",
        "--agent",
        "alice",
        "D1",
        "--disposition",
        "promise",
        "--promise",
        "30/11/2026:400,00",
        "--reason",
        "forgot",
        "--now",
        "2026-11-17T11:06",
    )
    assert r4.exit_code == 0, r4.stderr
    assert r4.stdout.strip() == ("issue « promesse » enregistrée pour D1, promesse P0000001, dossier libéré")
    store = _open(env)
    try:
        assert store.conn.execute("SELECT agent FROM claims").fetchall() == [("bob",)]
    finally:
        store.close()


def test_next_with_nothing_to_take(env: Env) -> None:
    sunday = "2026-11-22T11:00"
    r = run(env, "next", "--agent", "alice", "--format", "json", "--now", sunday)
    assert (r.exit_code, r.stdout.strip(), r.stderr) == (0, "null", "")
    r = run(env, "next", "--agent", "alice", "--now", sunday)
    # Sunday 22/11 11:00 Paris: La Réunion opens on Monday at 09:00, 06:00 in Paris (UTC+4 / UTC+1).
    assert r.stdout.strip() == (
        "aucun dossier appelable pour le moment : toutes les zones sont hors des plages d'appel ; "
        "reprise lundi 23/11 à 06:00 (heure de Paris) à La Réunion, à 09:00 en France métropolitaine"
    )
    # A weekday with nobody callable (every debtor taken): no word of closed areas.
    tuesday = "2026-11-24T11:00"
    for login in ("alice", "bob"):
        while (t := run(env, "next", "--agent", login, "--format", "json", "--now", tuesday)).stdout.strip() != "null":
            ref = json.loads(t.stdout)["debtor_ref"]
            done = run(env, "outcome", "--agent", login, ref, "--disposition", "no_answer", "--now", tuesday)
            assert done.exit_code == 0, done.stderr
    nothing = run(env, "next", "--agent", "alice", "--now", tuesday)
    assert nothing.stdout.strip() == "aucun dossier appelable pour le moment"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--disposition", "promise"], "promise: « promesse » demande au moins une échéance"),
        (
            ["--disposition", "plan", "--promise", "2026-11-30:100"],
            "promise: un échéancier compte au moins deux échéances",
        ),
        (
            ["--disposition", "callback", "--callback", "2026-11-17T10:00"],
            "callback: la date de rappel doit être dans le futur",
        ),
        (["--disposition", "shrug"], "disposition: issue d'appel inconnue « shrug »"),
    ],
)
def test_outcome_validation_exit_1_and_nothing_changes(env: Env, args: list[str], message: str) -> None:
    r = run(env, "outcome", "--agent", "alice", "D1", *args, "--now", NOW_ARG)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert message in r.stderr
    assert "erreur : issue non enregistrée ; rien n'a été modifié" in r.stderr
    store = _open(env)
    try:
        assert store.conn.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
        assert store.conn.execute("SELECT COUNT(*) FROM promises").fetchone() == (0,)
    finally:
        store.close()


def _open(env: Env):
    from recouvre_tui.store.db import open_db

    return open_db(env.db)


def test_bad_promise_syntax_is_a_usage_error(env: Env) -> None:
    r = run(env, "outcome", "--agent", "alice", "D1", "--disposition", "promise", "--promise", "demain")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "attendu DATE:MONTANT" in r.stderr


def test_unknown_agent(env: Env) -> None:
    for cmd in (["queue"], ["next"]):
        r = run(env, *cmd, "--agent", "nobody", "--format", "json", "--now", NOW_ARG)
        assert r.exit_code == 1
        assert r.stdout == ""
        assert "agent inconnu « nobody »" in r.stderr


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "none.db"), "queue", "--agent", "alice", "--format", "json"])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "base introuvable" in r.stderr
    assert not (tmp_path / "none.db").exists()


def test_refresh_cli_and_busy(env: Env) -> None:
    r = run(env, "refresh", "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "rafraîchissement terminé"
    assert "débiteurs traités        4" in r.stdout
    store = _open(env)
    try:
        with store.write() as conn:
            conn.execute(
                "INSERT INTO job_locks VALUES ('refresh', 'other:1', '2026-11-17 09:00:00', '2026-11-17 15:00:00')"
            )
    finally:
        store.close()
    r = run(env, "refresh", "--now", NOW_ARG)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "erreur : un rafraîchissement est déjà en cours" in r.stderr


def test_real_process_json_on_stdout_only(env: Env) -> None:
    """The installed entry point, in its own process: stdout is pure JSON."""
    cmd = [sys.executable, "-m", "recouvre_tui.cli", "--db", str(env.db)]
    out = subprocess.run(
        [*cmd, "next", "--agent", "alice", "--format", "json", "--now", NOW_ARG],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["debtor_ref"] == "D1"
    bad = subprocess.run(
        [*cmd, "outcome", "--agent", "lea", "D1", "--disposition", "no_answer", "--now", NOW_ARG],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert "en cours de traitement par alice" in bad.stderr


def test_refresh_full_gives_the_same_state(env: Env) -> None:
    assert run(env, "refresh", "--now", NOW_ARG).exit_code == 0
    store = _open(env)
    try:
        fast = store.conn.execute("SELECT * FROM debtors ORDER BY id").fetchall()
    finally:
        store.close()
    r = run(env, "refresh", "--full", "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    store = _open(env)
    try:
        assert store.conn.execute("SELECT * FROM debtors ORDER BY id").fetchall() == fast
    finally:
        store.close()


def _events_with_notes(env: Env) -> list[tuple[str, str]]:
    store = _open(env)
    try:
        return list(store.conn.execute("SELECT outcome, note FROM events WHERE note IS NOT NULL ORDER BY id"))
    finally:
        store.close()


def test_outcome_note_with_sensitive_words_needs_confirm_note(env: Env) -> None:
    args = ["outcome", "--agent", "alice", "D1", "--disposition", "refusal", "--now", NOW_ARG]
    note = "Dit être MALADE et à l'Hôpital, traite l'agent d'abruti"
    r = run(env, *args, "--note", note)
    assert r.exit_code == 1 and r.stdout == ""
    assert "« MALADE », « Hôpital », « abruti »" in r.stderr and "--confirm-note" in r.stderr
    assert _events_with_notes(env) == []
    r = run(env, *args, "--note", note, "--confirm-note")
    assert r.exit_code == 0, r.stderr
    assert _events_with_notes(env) == [("refusal", note)]


def test_outcome_note_words_from_the_config_extend_the_list(env: Env, tmp_path: Path) -> None:
    config = tmp_path / "notes.toml"
    config.write_text('[notes]\nsensitive_words = ["huissier véreux", "tricheu*"]\n', encoding="utf-8")
    args = ["outcome", "--agent", "alice", "D1", "--disposition", "refusal", "--now", NOW_ARG]
    r = run(env, "--config", str(config), *args, "--note", "Un tricheur, menace d'un HUISSIER  VEREUX")
    assert r.exit_code == 1
    assert "« tricheur », « HUISSIER  VEREUX »" in r.stderr
    r = run(env, "--config", str(config), *args, "--note", "Conteste la facture FA-12, conseil d'un huissier")
    assert r.exit_code == 0, r.stderr  # « con » is not « conteste », nor « conseil »
