"""Terminal control characters already in a database (old data, written before imports
refused them) never reach the terminal through the command line: tables, text reports,
CSV, error messages show « � » instead; JSON stays JSON, the control characters escaped.
Options typed by a user (`--note`, `--reason`, agent names) are stored without them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lead_helpers import LeadEnv, make_lead_env
from recouvre_tui.cli import main

NOW_ARG = "2026-11-17T11:00"
# Sets the terminal title, clears the screen, reverses the text, a C1 CSI, an isolate.
EVIL = "Evil\x1b]0;pwned\x07\x1b[2J\u202eEF\x9b31m\u2066\u200f"
RAW = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    e = make_lead_env(tmp_path)
    e.add_events(
        [
            ("A1", f"2026-{day} 10:00", "call", "out", "no_answer", "alice")
            for day in ("10-20", "10-27", "11-03", "11-10")  # worn: in the wear report
        ]
    )
    e.add_promises([("B1", "PR-1", "2026-11-02 10:00", "2026-11-10", "100,00")])
    with e.store.write() as conn:  # as old data would be
        conn.execute("UPDATE debtors SET name = ?, sales_rep = ?, email = ? WHERE ref IN ('A1', 'B1')", (EVIL,) * 3)
        conn.execute("UPDATE agents SET name = ? WHERE login IN ('alice', 'bob')", (EVIL,))
        conn.execute("UPDATE events SET note = ?", (EVIL,))
        # click strips ESC sequences when stdout is not a terminal (as here), not these.
        conn.execute("UPDATE promises SET ref = ?", ("PR\x07\x9b2J\u202e-1",))
        conn.execute(
            "INSERT INTO audit (at, actor, action, entity, entity_ref, details) VALUES (?, ?, ?, ?, ?, ?)",
            ("2026-11-17 09:00:00", "lea", "hold", "debtor", "A1", json.dumps({"reason": EVIL})),
        )
    return e


def run(env: LeadEnv, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(env.db), *args], catch_exceptions=False)


def strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(strings(v) for v in value)) if value else set()
    return set()


def no_raw_controls(r: Result) -> None:
    for stream in (r.stdout, r.stderr):
        found = RAW.findall(stream)
        assert not found, (found, stream)


@pytest.mark.parametrize(
    "args",
    [
        ("search", "evil"),
        ("search", "A1"),
        ("queue", "--agent", "alice", "--include-blocked", "--now", NOW_ARG),
        ("promises", "--now", NOW_ARG),
        ("promises", "--format", "csv", "--now", NOW_ARG),
        ("review", "--as", "lea", "--now", NOW_ARG),
        ("audit", "--as", "lea"),
        ("report", "wear", "--week", "2026-W46", "--now", NOW_ARG),
        ("report", "wear", "--week", "2026-W46", "--format", "csv", "--now", NOW_ARG),
        ("next", "--agent", "alice", "--now", NOW_ARG),
        ("agents", "list"),
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_text_outputs_never_print_control_characters(env: LeadEnv, args: tuple[str, ...]) -> None:
    r = run(env, *args)
    no_raw_controls(r)
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize(
    "args",
    [("search", "evil"), ("search", "A1"), ("queue", "--agent", "alice", "--include-blocked", "--now", NOW_ARG)],
)
def test_tables_show_the_data_with_placeholders(env: LeadEnv, args: tuple[str, ...]) -> None:
    r = run(env, *args)
    assert r.exit_code == 0, r.stderr
    assert "Evil\ufffd]0;pwned\ufffd\ufffd[2J\ufffdEF\ufffd31m\ufffd\ufffd" in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("search", "evil", "--format", "json"),
        ("queue", "--agent", "alice", "--include-blocked", "--format", "json", "--now", NOW_ARG),
        ("promises", "--format", "json", "--now", NOW_ARG),
        ("audit", "--as", "lea", "--format", "json"),
    ],
)
def test_json_stays_json_with_the_value_intact(env: LeadEnv, args: tuple[str, ...]) -> None:
    r = run(env, *args)
    assert r.exit_code == 0, r.stderr
    no_raw_controls(r)
    assert EVIL in strings(json.loads(r.stdout))  # the stored value, intact


def test_error_messages_quoting_a_value_are_safe(env: LeadEnv) -> None:
    r = run(env, "queue", "--agent", "ev\x1b[2Jil", "--now", NOW_ARG)
    assert r.exit_code == 1
    no_raw_controls(r)
    assert "ev\ufffd[2Jil" in r.stderr


def test_import_errors_quoting_a_column_name_are_safe(env: LeadEnv, tmp_path: Path) -> None:
    bad = tmp_path / "debtors.csv"
    bad.write_bytes(b"debtor_ref;name;segment;bad\x1b[2Jcol\nZ1;Zo\x1b[2J\x07;B2C;1\n")
    before = env.snapshot()
    r = run(env, "import", "debtors", str(bad), "--now", NOW_ARG)
    assert r.exit_code == 1
    no_raw_controls(r)
    assert "debtors.csv:2: name: caractère de contrôle interdit U+001B (échappement) en position 3" in r.stderr
    assert env.snapshot() == before


def test_typed_options_are_stored_without_control_characters(env: LeadEnv) -> None:
    r = run(env, "outcome", "--agent", "alice", "A2", "--disposition", "no_answer", "--note",
            "rappeler\x1b[2J\r\nle\tmatin\u202e", "--now", NOW_ARG)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert env.one("SELECT note FROM events WHERE outcome = 'no_answer' AND note != ?", (EVIL,)) == (
        "rappeler[2J\nle matin"
    )
    r = run(env, "hold", "P2", "--reason", "adresse\x07 à\nvérifier\x9b", "--as", "lea", "--now", NOW_ARG)
    assert r.exit_code == 0, r.stderr
    assert env.debtor("P2")["hold_reason"] == "adresse à vérifier"
    r = run(env, "agents", "add", "zoe", "--name", "Zoé\x1b]0;x\x07 Roux", "--role", "agent", "--team", "E\u2066st")
    assert r.exit_code == 0, r.stderr
    assert env.one("SELECT name, team FROM agents WHERE login = 'zoe'") == ("Zoé]0;x Roux", "Est")
