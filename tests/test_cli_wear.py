"""`recouvre report wear` end to end: files imported as a user would, figures computed by hand.

Week 2026-W47 = Mon 16/11 … Sun 22/11/2026 (S). S − 14 = 08/11, S − 27 = 26/10.
- W1 (B2C): calls without answer by alice at 10:00 on 20/10, 27/10, 03/11, 17/11, never a
  response → streak 4, first reminder 20/10 ≤ 08/11 → worn; already worn in W46 (streak 3 at
  15/11, first 20/10 ≤ 01/11) → not newly worn. Recommendations: one channel → change_channel;
  ≥ 2 calls all by alice → change_interlocutor; ≥ 3 calls all at 10:00 → change_time_slot.
- W2 (B2B): e-mail 02/11, letter 05/11, call 10/11 14:30 (bob), inbound call 12/11 11:00
  (response), call 18/11 15:00 → current streak 1 → active, not worn.
- W3 (B2C): open balance, no reminder in 28 days → unreminded.
Active = {W1, W2} → rate 1/2.
Fatigue (streaks started 31/08 … 22/11): k=1: W1 20/10, W2 02/11, W2 18/11 → 0/3;
k=2: 27/10, 05/11 → 0/2; k=3: 03/11 (no response), 10/11 14:30 (answered 12/11 11:00,
within 7 days) → 1/2; k=4: 17/11 → 0/1; k ≥ 5: none.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from recouvre_tui.cli import main
from stores import new_db

NOW = "2026-11-23T10:00"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _db(tmp_path: Path) -> tuple[CliRunner, list[str]]:
    runner = CliRunner()
    base = ["--db", str(new_db(tmp_path, "t.db"))]
    assert runner.invoke(main, [*base, "init"]).exit_code == 0
    for login in ("alice", "bob"):
        assert runner.invoke(main, [*base, "agents", "add", login, "--name", login.title()]).exit_code == 0
    files = {
        "debtors": "debtor_ref;name;segment;postcode;phone\n"
        "W1;Jeanne Roux;B2C;75011;0612345678\nW2;SARL Deux;B2B;44000;0240112233\nW3;Paul Trois;B2C;69001;0612345679\n",
        "invoices": "debtor_ref;invoice_ref;issue_date;due_date;amount\n"
        "W1;F1;01/08/2026;01/09/2026;500,00\nW2;F2;01/08/2026;01/09/2026;1000,00\nW3;F3;01/08/2026;01/09/2026;200,00\n",
        "events": "debtor_ref;at;channel;direction;outcome;agent\n"
        "W1;2026-10-20 10:00;call;out;no_answer;alice\n"
        "W1;2026-10-27 10:00;call;out;no_answer;alice\n"
        "W1;2026-11-03 10:00;call;out;voicemail;alice\n"
        "W1;2026-11-17 10:00;call;out;no_answer;alice\n"
        "W2;2026-11-02;email;out;;\n"
        "W2;2026-11-05;letter;out;;\n"
        "W2;2026-11-10 14:30;call;out;no_answer;bob\n"
        "W2;2026-11-12 11:00;call;in;;\n"
        "W2;2026-11-18 15:00;call;out;busy;bob\n",
    }
    for kind, text in files.items():
        path = _write(tmp_path / f"{kind}.csv", text)
        result = runner.invoke(main, [*base, "import", kind, str(path), "--now", NOW])
        assert result.exit_code == 0, result.output
    return runner, base


def test_report_wear_json(tmp_path: Path) -> None:
    runner, base = _db(tmp_path)
    result = runner.invoke(main, [*base, "report", "wear", "--week", "2026-W47", "--format", "json", "--now", NOW])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["week"], data["active"], data["worn"], data["newly_worn"], data["unreminded"]) == (
        "2026-W47",
        2,
        1,
        0,
        1,
    )
    assert data["wear_rate"] == 0.5
    [w1] = data["debtors"]
    assert (w1["debtor_ref"], w1["streak"], w1["newly_worn"]) == ("W1", 4, False)
    assert sorted(w1["recommendations"]) == ["change_channel", "change_interlocutor", "change_time_slot"]
    curve = {p["k"]: (p["reminders"], p["followed"]) for p in data["fatigue_curve"]}
    assert [curve[k] for k in range(1, 6)] == [(3, 0), (2, 0), (2, 1), (1, 0), (0, 0)]


def test_report_wear_text_and_csv(tmp_path: Path) -> None:
    runner, base = _db(tmp_path)
    text = runner.invoke(main, [*base, "report", "wear", "--week", "2026-W47", "--now", NOW]).stdout
    # W46 was 1/2 as well (W1 worn; W2 answered on 12/11), hence no change.
    assert "taux d'usure des relances 50,0\u00a0% (= 0,0\u00a0pt)" in text
    assert "1 débiteur usé dont 0 nouveau" in text
    assert "changer de canal" in text and "changer de créneau horaire" in text
    assert max(len(line) for line in text.splitlines()) <= 120
    csv_text = runner.invoke(
        main, [*base, "report", "wear", "--week", "2026-W47", "--format", "csv", "--now", NOW]
    ).stdout
    lines = csv_text.splitlines()
    assert len(lines) == 2 and lines[1].startswith("W1,")


def test_report_wear_bad_week(tmp_path: Path) -> None:
    runner, base = _db(tmp_path)
    result = runner.invoke(main, [*base, "report", "wear", "--week", "2026-47"])
    assert result.exit_code == 1
    assert "semaine illisible" in result.stderr
