"""Callbacks like a dialer: personal or team, handed to the team when not taken in time, a
horizon, and never outside the debtor's calling window.

NOW = Tue 17 Nov 2026 10:00 UTC (11:00 Paris). alice and bob are agents of team A.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from queue_helpers import NOW, Debtor, Env, days_before, make_env, utc
from recouvre_tui.cli import main
from recouvre_tui.services.agents import add_agent
from recouvre_tui.services.outcome import OutcomeError

CB_AT = utc(2026, 11, 17, 14, 0)  # 15:00 Paris


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.add_debtors(
        [
            Debtor("A1", agent="alice", invoices=[("F-A1", days_before(40), "300")]),
            Debtor("B1", agent="bob", invoices=[("F-B1", days_before(40), "100")]),
            Debtor("R1", agent="alice", postcode="97400", segment="B2B", invoices=[("F-R1", days_before(40), "50")]),
        ]
    )
    return e


def test_a_personal_callback_goes_to_the_team_after_30_minutes(env: Env) -> None:
    env.outcome("alice", "A1", "callback", callback_at=CB_AT)
    assert env.rows("SELECT agent FROM callbacks") == [("alice",)]
    # 15:00 → alice's, first; bob does not see it
    assert env.refs("alice", now=CB_AT)[0] == "A1"
    assert "A1" not in env.refs("bob", now=CB_AT + timedelta(minutes=29))
    # 15:30, not taken: the team's, first in line for bob (before his own B1)
    handed = CB_AT + timedelta(minutes=30)
    first = env.queue("bob", now=handed)[0]
    assert (first.debtor_ref, first.priority_class) == ("A1", 0)
    taken = env.take("bob", now=handed)
    assert taken is not None and taken.debtor_ref == "A1"
    result = env.outcome("bob", "A1", "no_answer", now=handed + timedelta(minutes=2))
    assert result.released
    assert env.rows("SELECT done_at FROM callbacks") == [("2026-11-17 14:32:00",)]
    # the debtor stays in alice's portfolio
    assert env.rows("SELECT agent FROM debtors WHERE ref = 'A1'") == [("alice",)]


def test_a_team_callback_is_for_every_agent_of_the_team_at_once(env: Env) -> None:
    env.outcome("alice", "A1", "callback", callback_at=CB_AT, callback_for_team=True)
    assert env.rows("SELECT agent, created_by FROM callbacks") == [(None, "alice")]
    assert env.refs("bob", now=CB_AT)[0] == "A1"
    assert env.refs("alice", now=CB_AT)[0] == "A1"


def test_another_teams_agent_never_gets_it(env: Env) -> None:
    add_agent(
        env.store, login="zoe", name="Zoé", role="agent", team="B", ssh_key_file=None, actor="test",
        now=NOW - timedelta(days=1),
    )  # fmt: skip
    env.outcome("alice", "A1", "callback", callback_at=CB_AT, callback_for_team=True)
    assert "A1" not in env.refs("zoe", now=CB_AT + timedelta(hours=1))


def test_a_bob_without_a_claim_cannot_record_on_alices_debtor(env: Env) -> None:
    env.outcome("alice", "A1", "callback", callback_at=CB_AT)
    with pytest.raises(OutcomeError) as exc:
        env.outcome("bob", "A1", "no_answer", now=CB_AT + timedelta(hours=1))
    assert exc.value.errors == [("debtor", "le débiteur A1 n'est pas dans votre portefeuille")]


@pytest.mark.parametrize(
    ("ref", "at", "message"),
    [
        # 60 days after Tue 17 Nov 10:00 UTC = Sat 16 Jan 2027 10:00 UTC (11:00 Paris)
        (
            "A1",
            utc(2027, 1, 18, 10),
            "rappel trop lointain : 60 jours au plus (le 16/01/2027 au plus tard)",
        ),
        # 21:00 Paris: B2C window ends at 20:00
        (
            "A1",
            utc(2026, 11, 17, 20),
            "rappel hors de la plage d'appel du débiteur (17/11/2026 à 21:00 heure locale) : "
            "choisissez un jour et une heure où il peut être appelé",
        ),
        # Sunday for a consumer
        (
            "A1",
            utc(2026, 11, 22, 10),
            "rappel hors de la plage d'appel du débiteur (22/11/2026 à 11:00 heure locale) : "
            "choisissez un jour et une heure où il peut être appelé",
        ),
        # 15:00 Paris = 18:00 at La Réunion: a business's window ends at 18:00
        (
            "R1",
            utc(2026, 11, 17, 14),
            "rappel hors de la plage d'appel du débiteur (17/11/2026 à 18:00 heure locale) : "
            "choisissez un jour et une heure où il peut être appelé",
        ),
        # Fri 25 Dec 2026, 11:00 Paris
        ("A1", utc(2026, 12, 25, 10), "rappel un jour férié chez le débiteur (Noël) : choisissez un autre jour"),
    ],
)
def test_callbacks_out_of_reach_are_refused(env: Env, ref: str, at: object, message: str) -> None:
    before = env.snapshot()
    with pytest.raises(OutcomeError) as exc:
        env.outcome("alice", ref, "callback", callback_at=at)
    assert exc.value.errors == [("callback", message)]
    assert env.snapshot() == before


def test_the_horizon_day_itself_is_accepted(env: Env) -> None:
    # Fri 15 Jan 2027 10:00 UTC: 59 days later, a weekday, 11:00 Paris
    env.outcome("alice", "A1", "callback", callback_at=utc(2027, 1, 15, 10))
    assert env.rows("SELECT due_at FROM callbacks") == [("2027-01-15 10:00:00",)]


def test_cli_team_callback_and_refusal(env: Env) -> None:
    db = ["--db", str(env.db)]
    r = CliRunner().invoke(
        main,
        [*db, "outcome", "--agent", "alice", "A1", "--disposition", "callback", "--callback", "2026-11-17T21:00",
         "--now", "2026-11-17T11:00"],
    )  # fmt: skip
    assert r.exit_code == 1
    assert "rappel hors de la plage d'appel du débiteur (17/11/2026 à 21:00 heure locale)" in r.output
    r = CliRunner().invoke(
        main,
        [*db, "outcome", "--agent", "alice", "A1", "--disposition", "callback", "--callback", "2026-11-17T15:00",
         "--team", "--now", "2026-11-17T11:00"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output == "issue « rappel demandé » enregistrée pour A1, rappel programmé pour l'équipe\n"
    assert env.rows("SELECT agent FROM callbacks") == [(None,)]


def test_callbacks_due_at_the_same_minute_come_in_debtor_order(tmp_path: Path) -> None:
    """Nine due callbacks, two times, ties at each: oldest first, then the debtors in their
    order. Without that tie-break PostgreSQL sorted the ties another way than SQLite (and
    grouped by hash at scale): the queue and `next` offered another debtor."""
    env = make_env(tmp_path)
    refs = [f"C{i}" for i in range(1, 10)]
    env.add_debtors([Debtor(r, agent="alice", invoices=[(f"F-{r}", days_before(40), "100")]) for r in refs])
    for i, ref in enumerate(refs):  # C2, C4, C6, C8 at 14:00 UTC; the others at 14:30
        env.outcome("alice", ref, "callback", callback_at=CB_AT + timedelta(minutes=30 * (i % 2 == 0)))
    at = CB_AT + timedelta(hours=1)
    order = ["C2", "C4", "C6", "C8", "C1", "C3", "C5", "C7", "C9"]
    assert [e.debtor_ref for e in env.queue("alice", now=at)] == order
    taken = env.take("alice", now=at)
    assert taken is not None and taken.debtor_ref == "C2"
