"""`recouvre report promises` and `recouvre promises cancel` on a small database built through
the CLI. Expected figures are worked out by hand below (grace: 3 days, the default).

Week 2026-W47 runs Monday 16 to Sunday 22 November. On Tuesday 17 at 11:00:
- alice, A1: one instalment of 300 € due Wed 18, paid 300 € on the 18th: kept; its last due
  date + grace is Sat 21, in W47.
- alice, A2: one instalment of 200 € due Thu 19, nothing paid: broken once Sun 22 is over;
  last due + grace Sun 22, in W47.
- bob, B1: a plan of 100 € on Wed 18 and 100 € on Wed 2 December, the first paid: recorded in
  W47 (200 € promised) but its last due + grace (Sat 5 December) is in W49, so it counts as
  neither kept nor broken in W47, and its 100 € is not "collected" there.
Seen on Tuesday 24 November: alice 2 recorded, 500 € promised, 1 kept, 1 broken (50 %),
300 € collected; bob 1 recorded, 200 € promised, no rate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from recouvre_tui.cli import main
from stores import new_db

RECORDED_AT = "2026-11-17T11:00"
SEEN_AT = "2026-11-24T10:00"


class Cli:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = new_db(folder, "t.db")

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["--db", str(self.db), *args], catch_exceptions=False)

    def ok(self, *args: str) -> str:
        r = self(*args)
        assert r.exit_code == 0, r.output
        return r.stdout

    def csv(self, name: str, text: str) -> str:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    c.ok("init")
    c.ok("agents", "add", "alice", "--name", "Alice", "--team", "t1")
    c.ok("agents", "add", "bob", "--name", "Bob", "--team", "t1")
    c.ok("agents", "add", "lea", "--name", "Léa", "--role", "lead", "--team", "t1")
    debtors = "debtor_ref;name;segment;agent;phone\nA1;Un;B2C;alice;0612345601\n"
    debtors += "A2;Deux;B2C;alice;0612345602\nB1;Trois;B2C;bob;0612345603\n"
    c.ok("import", "debtors", c.csv("debtors.csv", debtors), "--now", "2026-11-16T09:00")
    invoices = "debtor_ref;invoice_ref;issue_date;due_date;amount\n"
    invoices += "".join(f"{d};F-{d};2026-08-01;2026-09-01;1000.00\n" for d in ("A1", "A2", "B1"))
    c.ok("import", "invoices", c.csv("invoices.csv", invoices), "--now", "2026-11-16T09:00")
    for agent, ref, disposition, promises in (
        ("alice", "A1", "promise", ["2026-11-18:300"]),
        ("alice", "A2", "promise", ["2026-11-19:200"]),
        ("bob", "B1", "plan", ["2026-11-18:100", "2026-12-02:100"]),
    ):
        args = [a for p in promises for a in ("--promise", p)]
        c.ok("outcome", "--agent", agent, ref, "--disposition", disposition, *args, "--now", RECORDED_AT)
    payments = "debtor_ref;payment_ref;date;amount;invoice_ref\nA1;R1;2026-11-18;300.00;\nB1;R2;2026-11-18;100.00;\n"
    c.ok("import", "payments", c.csv("payments.csv", payments), "--now", "2026-11-23T09:00")
    return c


def refs(cli: Cli) -> dict[str, str]:
    """debtor_ref → promise_ref, as the CLI lists them."""
    rows = json.loads(cli.ok("promises", "--format", "json", "--now", SEEN_AT))
    return {r["debtor_ref"]: r["promise_ref"] for r in rows}


def report(cli: Cli, *args: str) -> str:
    return cli.ok("report", "promises", "--week", "2026-W47", *args, "--now", SEEN_AT)


ALICE = {
    "week": "2026-W47",
    "agent": "alice",
    "recorded": 2,
    "promised": 500.0,
    "kept": 1,
    "broken": 1,
    "kept_rate": 0.5,
    "broken_rate": 0.5,
    "collected": 300.0,
}
BOB = {
    "week": "2026-W47",
    "agent": "bob",
    "recorded": 1,
    "promised": 200.0,
    "kept": 0,
    "broken": 0,
    "kept_rate": None,
    "broken_rate": None,
    "collected": 0.0,
}


def test_report_promises_json(cli: Cli) -> None:
    assert json.loads(report(cli, "--format", "json")) == [ALICE, BOB]


def test_report_promises_table(cli: Cli) -> None:
    lines = report(cli).splitlines()
    assert lines[0] == "Promesses — semaine 2026-W47"
    cells = [re.split(r" {2,}", line.strip()) for line in lines[3:]]
    assert cells == [
        ["alice", "2", "500,00 €", "1", "1", "50,0 %", "300,00 €"],
        ["bob", "1", "200,00 €", "0", "0", "—", "0,00 €"],
    ]


def test_report_promises_csv(cli: Cli) -> None:
    assert report(cli, "--format", "csv").splitlines() == [
        "week,agent,recorded,promised,kept,broken,kept_rate,broken_rate,collected",
        "2026-W47,alice,2,500.0,1,1,0.5,0.5,300.0",
        "2026-W47,bob,1,200.0,0,0,,,0.0",
    ]


def test_report_promises_of_a_week_without_any(cli: Cli) -> None:
    """Every agent with a live promise gets a line, at zero in a week where nothing happened."""
    out = json.loads(cli.ok("report", "promises", "--week", "2026-W40", "--format", "json", "--now", SEEN_AT))
    zero = {"recorded": 0, "promised": 0.0, "kept": 0, "broken": 0, "kept_rate": None, "broken_rate": None}
    assert out == [{"week": "2026-W40", "agent": a, **zero, "collected": 0.0} for a in ("alice", "bob")]


def test_report_promises_rejects_a_malformed_week(cli: Cli) -> None:
    r = cli("report", "promises", "--week", "2026-47", "--now", SEEN_AT)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.startswith("erreur : ")


def test_cancelling_the_broken_promise_leaves_alice_a_perfect_week(cli: Cli) -> None:
    ref = refs(cli)["A2"]
    out = cli.ok("promises", "cancel", ref, "--reason", "saisie en double", "--as", "alice", "--now", SEEN_AT)
    assert out == f"promesse {ref} annulée\n"
    # A cancelled promise counts nowhere: neither recorded nor broken.
    alice = {**ALICE, "recorded": 1, "promised": 300.0, "broken": 0, "kept_rate": 1.0, "broken_rate": 0.0}
    assert json.loads(report(cli, "--format", "json")) == [alice, BOB]
    listed = json.loads(cli.ok("promises", "--status", "cancelled", "--format", "json", "--now", SEEN_AT))
    assert [(p["promise_ref"], p["debtor_ref"], p["status"]) for p in listed] == [(ref, "A2", "cancelled")]
    audit = json.loads(cli.ok("audit", "--action", "promise_cancel", "--format", "json"))
    assert [(a["actor"], a["entity_ref"]) for a in audit] == [("alice", "A2")]
    assert audit[0]["details"] == {"promise": ref, "reason": "saisie en double", "previous_status": "pending"}


def test_a_lead_of_the_team_may_cancel_an_agents_promise(cli: Cli) -> None:
    ref = refs(cli)["B1"]
    assert cli.ok("promises", "cancel", ref, "--reason", "plan renégocié", "--as", "lea", "--now", SEEN_AT) == (
        f"promesse {ref} annulée\n"
    )
    assert json.loads(report(cli, "--format", "json")) == [ALICE]  # bob has nothing left in W47


@pytest.mark.parametrize(
    ("debtor", "reason", "login", "message"),
    [
        ("A1", "erreur", "bob", "a été enregistrée par un collègue : seul son auteur ou un responsable peut l'annuler"),
        ("A1", "   ", "alice", "le motif d'annulation est obligatoire"),
        ("?", "erreur", "alice", "promesse inconnue « P404 »"),
    ],
)
def test_a_refused_cancellation_changes_nothing(cli: Cli, debtor: str, reason: str, login: str, message: str) -> None:
    ref = refs(cli).get(debtor, "P404")
    before = report(cli, "--format", "json")
    r = cli("promises", "cancel", ref, "--reason", reason, "--as", login, "--now", SEEN_AT)
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr.startswith("erreur : ") and r.stderr.rstrip("\n").endswith(message)
    assert r.stderr.count("\n") == 1
    assert report(cli, "--format", "json") == before


def test_a_promise_is_cancelled_once(cli: Cli) -> None:
    ref = refs(cli)["A2"]
    cli.ok("promises", "cancel", ref, "--reason", "doublon", "--as", "alice", "--now", SEEN_AT)
    r = cli("promises", "cancel", ref, "--reason", "doublon", "--as", "alice", "--now", SEEN_AT)
    assert (r.exit_code, r.stderr) == (1, f"erreur : la promesse {ref} est déjà annulée\n")
