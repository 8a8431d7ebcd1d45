"""The lead's commands: assign (refs or filters), hold, dnc, dispute close, override,
formal-notice, search, board, review, kpis, audit. Errors on stderr with exit 1, JSON alone on
stdout, a refused action changes nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lead_helpers import LeadEnv, make_lead_env
from recouvre_tui.cli import main

NOW_ARG = "2026-11-17T11:00"  # Paris = 10:00 UTC, the helpers' NOW


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    e = make_lead_env(tmp_path)
    e.outcome(e.alice, "A1", "dispute")
    return e


def run(env: LeadEnv, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(env.db), *args], catch_exceptions=False)


def ok(env: LeadEnv, *args: str) -> Result:
    r = run(env, *args, "--now", NOW_ARG) if "--now" not in args and _takes_now(args) else run(env, *args)
    assert r.exit_code == 0, r.stderr
    return r


def _takes_now(args: tuple[str, ...]) -> bool:
    return args[0] not in {"search", "audit"}


def test_assign_refs(env: LeadEnv) -> None:
    r = ok(env, "assign", "B1", "P1", "A1", "--to", "alice", "--as", "lea")
    assert "2 débiteur(s) affecté(s) à alice" in r.stdout
    assert "déjà affecté(s) à alice : A1" in r.stdout
    assert env.agent_of("B1") == "alice" and env.agent_of("P1") == "alice"
    r = ok(env, "assign", "B1", "--pool", "--as", "lea", "--format", "json")
    assert json.loads(r.stdout) == {"moved": ["B1"], "unchanged": [], "in_call": {}}
    assert env.agent_of("B1") is None


def test_assign_by_filter_with_dry_run(env: LeadEnv) -> None:
    args = ("assign", "--filter-segment", "B2B", "--filter-overseas", "--to", "bob", "--as", "lea")
    r = ok(env, *args, "--dry-run")
    assert "1 débiteur(s) seraient réaffecté(s) à bob" in r.stdout
    assert env.agent_of("A2") == "alice"
    r = ok(env, *args, "--format", "json")
    assert json.loads(r.stdout) == {"filter": {"segment": "B2B", "overseas": True}, "moved": 1}
    assert env.agent_of("A2") == "bob"
    (a,) = env.audits("reassign_bulk")
    assert a["actor"] == "lea" and a["details"]["count"] == 1


def test_assign_by_amount_and_days(env: LeadEnv) -> None:
    r = ok(
        env,
        "assign",
        "--min-amount",
        "1 000,00 €",
        "--max-amount",
        "3000",
        "--min-days",
        "30",
        "--to",
        "bob",
        "--as",
        "lea",
    )
    assert "2 débiteur(s) réaffecté(s) à bob" in r.stdout  # A1 (1 000 €, 47 d) and P2 (2 500 €, 63 d)
    assert env.agent_of("A1") == "bob" and env.agent_of("P2") == "bob"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("assign", "B1", "--as", "lea"), "--to LOGIN ou --pool"),
        (("assign", "B1", "--to", "bob", "--pool", "--as", "lea"), "--to LOGIN ou --pool"),
        (("assign", "--to", "bob", "--as", "lea"), "au moins un filtre"),
        (("assign", "B1", "--filter-pool", "--to", "bob", "--as", "lea"), "pas les deux"),
    ],
)
def test_assign_usage_errors(env: LeadEnv, args: tuple[str, ...], message: str) -> None:
    r = run(env, *args)
    assert r.exit_code == 2
    assert message in r.stderr


def test_an_agent_cannot_use_lead_commands(env: LeadEnv) -> None:
    before = env.snapshot()
    for args in (
        ("assign", "B1", "--to", "alice", "--as", "alice"),
        ("assign", "--filter-agent", "bob", "--to", "alice", "--as", "alice"),
        ("hold", "A1", "--reason", "x", "--as", "alice"),
        ("dnc", "A1", "--as", "alice"),
        ("dispute", "close", "A1", "--as", "alice"),
        ("override", "A1", "--stage", "worn", "--as", "alice"),
        ("formal-notice", "A1", "--as", "alice"),
        ("board", "--as", "alice"),
        ("review", "--as", "alice"),
        ("kpis", "--week", "2026-W47", "--as", "alice"),
        ("audit", "--as", "alice"),
    ):
        r = run(env, *args)
        assert r.exit_code == 1, args
        assert r.stdout == ""
        assert r.stderr.startswith("erreur : action réservée au responsable d'équipe"), (args, r.stderr)
    assert env.snapshot() == before


def test_errors_are_clean(env: LeadEnv) -> None:
    r = run(env, "hold", "NOPE", "--reason", "x", "--as", "lea")
    assert (r.exit_code, r.stderr) == (1, "erreur : débiteur inconnu « NOPE »\n")
    r = run(env, "hold", "A1", "--as", "lea")
    assert r.exit_code == 1 and "motif est obligatoire" in r.stderr
    r = run(env, "assign", "B1", "--to", "zoe", "--as", "lea")
    assert r.exit_code == 1 and "agent inconnu « zoe »" in r.stderr
    r = run(env, "hold", "A1", "--reason", "x", "--as", "nobody")
    assert r.exit_code == 1 and "agent inconnu « nobody »" in r.stderr
    r = run(env, "kpis", "--week", "2026-47")
    assert r.exit_code == 1 and "semaine illisible" in r.stderr


def test_hold_dnc_dispute_override_formal_notice(env: LeadEnv) -> None:
    assert (
        "en attente (procédure collective)"
        in ok(env, "hold", "B1", "--reason", "procédure collective", "--as", "lea").stdout
    )
    assert env.debtor("B1")["on_hold"] == 1
    assert "attente levée" in ok(env, "hold", "B1", "--release", "--as", "lea").stdout
    assert env.debtor("B1")["on_hold"] == 0
    ok(env, "dnc", "B2", "--reason", "demande du client", "--as", "lea")
    assert env.debtor("B2")["do_not_call"] == 1
    assert "de nouveau appelable" in ok(env, "dnc", "B2", "--off", "--as", "lea").stdout
    closed = ok(env, "dispute", "close", "A1", "--rejected", "--note", "avoir émis", "--as", "lea")
    assert "litige clos" in closed.stdout
    assert env.debtor("A1")["dispute_open"] == 0
    r = ok(env, "override", "A2", "--stage", "worn", "--tone", "neutre", "--as", "lea")
    assert "nouvelle approche" in r.stdout
    assert (env.debtor("A2")["stage_override"], env.debtor("A2")["tone_override"]) == ("worn", "neutre")
    ok(env, "override", "A2", "--clear", "--as", "lea")
    assert (env.debtor("A2")["stage_override"], env.debtor("A2")["tone_override"]) == (None, None)
    r = ok(env, "formal-notice", "A2", "--date", "12/11/2026", "--as", "lea")
    assert "mise en demeure enregistrée (12/11/2026)" in r.stdout
    assert env.one("SELECT channel, direction, outcome, has_time FROM events WHERE outcome = 'formal_notice'") == (
        "letter",
        "out",
        "formal_notice",
        0,
    )
    actions = [a["action"] for a in env.audits() if a["actor"] == "lea"]
    assert actions == [
        "hold",
        "hold_release",
        "do_not_call",
        "do_not_call_off",
        "dispute_close",
        "override",
        "override",
        "formal_notice",
    ]
    assert {a["at"] for a in env.audits() if a["actor"] == "lea"} == {"2026-11-17 10:00:00"}


def test_formal_notice_guarded(env: LeadEnv) -> None:
    r = ok(env, "formal-notice", "B1", "--date", "20/10/2026", "--lrar", "1A 234 567", "--as", "lea")
    # B1: one invoice of 5 000,00 € due 2026-08-01.
    assert "B1 : mise en demeure enregistrée (20/10/2026) · 1 facture échue, 5 000,00 €" in r.stdout.replace(
        "\u202f", " "
    )
    assert env.one("SELECT note FROM events WHERE outcome = 'formal_notice'") == "LRAR n° 1A 234 567"
    r = run(env, "formal-notice", "B1", "--as", "lea", "--now", NOW_ARG)
    assert r.exit_code == 1
    assert "déjà été enregistrée le 20/10/2026" in r.stderr and "--force" in r.stderr
    assert len(env.audits("formal_notice")) == 1
    ok(env, "formal-notice", "B1", "--force", "--as", "lea")
    assert len(env.audits("formal_notice")) == 2
    r = run(env, "formal-notice", "B1", "--lrar", "<b>", "--force", "--as", "lea", "--now", NOW_ARG)
    assert r.exit_code == 1 and "numéro de recommandé" in r.stderr
    assert len(env.audits("formal_notice")) == 2


def test_search(env: LeadEnv) -> None:
    r = ok(env, "search", "06 12 34 56 78", "--as", "alice", "--format", "json")
    assert [h["debtor_ref"] for h in json.loads(r.stdout)] == ["A1"]
    r = ok(env, "search", "Martin", "--as", "alice", "--format", "json")
    assert json.loads(r.stdout) == []
    r = ok(env, "search", "Martin")  # the command line's own view is a lead's
    assert "B1" in r.stdout and "Martin Jeanne" in r.stdout


def test_board(env: LeadEnv) -> None:
    r = ok(env, "board", "--as", "lea", "--format", "json")
    data = json.loads(r.stdout)
    alice = next(a for a in data["agents"] if a["login"] == "alice")
    assert (alice["calls"], alice["rpc"], alice["last_outcome"], alice["state"]) == (1, 1, "dispute", "away")
    assert data["queues"][-1] == {
        "agent": None,
        "name": "équipe (non affectés)",
        "debtors": 2,
        "balance": 2580.0,
        "blocked": 0,
    }
    table = ok(env, "board").stdout
    assert "absent" in table and "litige" in table and "(équipe)" in table


def test_review_pages(env: LeadEnv) -> None:
    r = ok(env, "review", "--limit", "4", "--format", "json")
    first = json.loads(r.stdout)
    assert len(first["rows"]) == 4 and first["next"]
    r = ok(env, "review", "--limit", "4", "--after", first["next"], "--format", "json")
    second = json.loads(r.stdout)
    assert second["next"] is None
    refs = [x["debtor_ref"] for x in first["rows"] + second["rows"]]
    assert sorted(refs) == ["A1", "A2", "B1", "B2", "P1", "P2"]
    dispute = next(x for x in first["rows"] + second["rows"] if x["debtor_ref"] == "A1")
    assert dispute["callable"] is False and "dispute" in dispute["blocked_by"]
    r = ok(env, "review", "--filter-blocked", "dispute")
    assert "A1" in r.stdout and "B1" not in r.stdout
    r = run(env, "review", "--after", "garbage")
    assert r.exit_code == 2


def test_kpis_formats(env: LeadEnv) -> None:
    rows = json.loads(ok(env, "kpis", "--week", "2026-W47", "--format", "json").stdout)
    alice = next(r for r in rows if r["agent"] == "alice")
    assert (alice["calls"], alice["rpc"], alice["rpc_rate"], alice["attempts_per_rpc"]) == (1, 1, 1.0, 1.0)
    out = ok(env, "kpis", "--week", "2026-W47", "--format", "csv").stdout
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [p["agent"] for p in parsed] == ["alice", "bob"]
    assert parsed[1]["rpc_rate"] == ""
    table = ok(env, "kpis", "--week", "2026-W47").stdout
    assert table.startswith("Indicateurs — semaine 2026-W47") and "100,0 %" in table


def test_audit(env: LeadEnv) -> None:
    ok(env, "hold", "B1", "--reason", "x", "--as", "lea")
    rows = json.loads(ok(env, "audit", "--limit", "1", "--format", "json").stdout)
    assert [(r["action"], r["actor"], r["entity_ref"]) for r in rows] == [("hold", "lea", "B1")]
    r = ok(env, "audit", "--limit", "1", "--before-id", str(rows[0]["id"]), "--action", "outcome")
    assert "outcome" in r.stdout and "alice" in r.stdout
    assert "page suivante : --before-id" in r.stderr
