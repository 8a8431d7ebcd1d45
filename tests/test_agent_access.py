"""The administrator's access commands: `agents deactivate`, `activate`, `remove-key`,
`set-role`, `keys` (fingerprints as `ssh-keygen -lf` prints them). Each is audited with the
operating-system account that ran it, rewrites the installed authorized_keys (a real file) when
`ssh authorized-keys --install` was used and leaves any file alone when it was not; a refusal
changes nothing. Sessions opened before the change are refused at their next action."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lead_helpers import NOW, SETTINGS, LeadEnv, make_lead_env
from recouvre_tui.cli import main
from recouvre_tui.services import lead
from recouvre_tui.services.agents import (
    AgentError,
    add_agent,
    deactivate,
    fingerprint,
    remove_key,
    set_role,
)
from recouvre_tui.services.outcome import Outcome, record_outcome
from recouvre_tui.services.promise_tracking import cancel_promise
from recouvre_tui.services.roles import AccountDisabled, PermissionDenied
from recouvre_tui.services.sessions import heartbeat
from recouvre_tui.services.work_queue import renew, take_next

NOW_ARG = "2026-11-17T11:00"
OS_USER = getpass.getuser()


def keygen(dir_: Path, name: str) -> tuple[Path, str]:
    """A real ed25519 key pair; returns (public key file, `ssh-keygen -lf` fingerprint)."""
    key = dir_ / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    out = subprocess.run(["ssh-keygen", "-lf", f"{key}.pub"], check=True, capture_output=True, text=True).stdout
    return Path(f"{key}.pub"), out.split()[1]


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    return make_lead_env(tmp_path)


def run(env: LeadEnv, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(env.db), *args], catch_exceptions=False)


def ok(env: LeadEnv, *args: str) -> Result:
    r = run(env, *args)
    assert r.exit_code == 0, r.stderr
    return r


def refused(env: LeadEnv, *args: str) -> str:
    r = run(env, *args)
    assert r.exit_code == 1 and r.stdout == "", (r.stdout, r.stderr)
    return r.stderr


def access_state(env: LeadEnv) -> dict[str, Any]:
    return {
        "agents": env.rows("SELECT login, role, team, active FROM agents ORDER BY login"),
        "keys": env.rows("SELECT agent, public_key FROM agent_keys ORDER BY id"),
        "audit": env.rows("SELECT id FROM audit ORDER BY id"),
        "claims": env.rows("SELECT debtor_id, agent FROM claims"),
    }


def with_keys(env: LeadEnv) -> dict[str, str]:
    """alice gets two keys, bob one; returns name → fingerprint."""
    prints = {}
    for login, name in (("alice", "alice1"), ("alice", "alice2"), ("bob", "bob1")):
        pub, fp = keygen(env.dir, name)
        ok(env, "agents", "add", login, "--name", login.title(), "--team", "A", "--ssh-key", str(pub))
        prints[name] = fp
    return prints


def installed(env: LeadEnv) -> Path:
    target = env.dir / "ssh" / "authorized_keys"
    ok(env, "ssh", "authorized-keys", "--install", "--file", str(target), "--command", "/opt/recouvre/bin/recouvre")
    return target


def logins_in(path: Path) -> list[str]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [line.rsplit(" recouvre:", 1)[1] for line in lines]


# --- fingerprints ---------------------------------------------------------------------------------


def test_fingerprint_is_the_one_ssh_keygen_prints(tmp_path: Path) -> None:
    for i in range(3):
        pub, fp = keygen(tmp_path, f"k{i}")
        assert fingerprint(pub.read_text()) == fp


def test_agents_list_and_keys_show_fingerprints(env: LeadEnv) -> None:
    prints = with_keys(env)
    listed = {a["login"]: a for a in json.loads(ok(env, "agents", "list", "--format", "json").stdout)}
    assert listed["alice"]["keys"] == [prints["alice1"], prints["alice2"]]
    assert listed["bob"]["keys"] == [prints["bob1"]] and listed["lea"]["keys"] == []
    assert prints["alice2"] in ok(env, "agents", "list").stdout
    keys = json.loads(ok(env, "agents", "keys", "alice", "--format", "json").stdout)
    assert [(k["type"], k["fingerprint"]) for k in keys] == [
        ("ssh-ed25519", prints["alice1"]),
        ("ssh-ed25519", prints["alice2"]),
    ]
    assert "agent inconnu « zoe »" in refused(env, "agents", "keys", "zoe")


# --- deactivate / activate ------------------------------------------------------------------------


def test_deactivate_releases_the_case_ends_the_session_and_is_audited(env: LeadEnv) -> None:
    alice = env.alice
    heartbeat(env.store, alice, now=NOW)
    entry = take_next(env.store, alice, now=NOW, settings=SETTINGS)
    assert entry is not None
    r = ok(env, "agents", "deactivate", "alice", "--now", NOW_ARG)
    assert r.stdout == f"agent alice désactivé, dossier {entry.debtor_ref} rendu à la file\n"
    assert env.rows("SELECT active FROM agents WHERE login = 'alice'") == [(0,)]
    assert env.rows("SELECT * FROM claims") == []
    assert env.rows("SELECT state FROM agent_sessions WHERE agent = 'alice'") == [("ended",)]
    (a,) = env.audits("agent_deactivate")
    assert (a["actor"], a["entity_ref"], a["details"]) == (OS_USER, "alice", {"released": entry.debtor_ref})
    # Twice: refused, nothing changed.
    before = access_state(env)
    assert "l'agent « alice » est déjà désactivé" in refused(env, "agents", "deactivate", "alice")
    assert access_state(env) == before
    assert "agent inconnu « zoe »" in refused(env, "agents", "deactivate", "zoe")
    assert access_state(env) == before


def test_activate_gives_access_back_and_is_audited(env: LeadEnv) -> None:
    before = access_state(env)
    assert "l'agent « bob » est déjà actif" in refused(env, "agents", "activate", "bob")
    assert access_state(env) == before
    ok(env, "agents", "deactivate", "bob")
    assert ok(env, "agents", "activate", "bob").stdout == "agent bob réactivé\n"
    assert env.bob.active
    assert [(a["actor"], a["action"]) for a in env.audits() if a["entity_ref"] == "bob"][-2:] == [
        (OS_USER, "agent_deactivate"),
        (OS_USER, "agent_activate"),
    ]


def test_add_on_a_deactivated_login_does_not_reactivate_it(env: LeadEnv) -> None:
    ok(env, "agents", "deactivate", "alice")
    before = access_state(env)
    pub, _fp = keygen(env.dir, "again")
    err = refused(env, "agents", "add", "alice", "--name", "Alice", "--ssh-key", str(pub))
    assert "l'agent « alice » existe et est désactivé" in err and "recouvre agents activate alice" in err
    assert access_state(env) == before
    with pytest.raises(AgentError):
        add_agent(env.store, login="alice", name="A", role="agent", team="A", ssh_key_file=None, actor="t", now=NOW)
    assert access_state(env) == before


# --- remove-key ------------------------------------------------------------------------------------


def test_remove_key_by_fingerprint(env: LeadEnv) -> None:
    prints = with_keys(env)
    r = ok(env, "agents", "remove-key", "alice", prints["alice1"], "--now", NOW_ARG)
    assert r.stdout == f"clé {prints['alice1']} (ssh-ed25519) retirée de l'agent alice\n"
    keys = json.loads(ok(env, "agents", "keys", "alice", "--format", "json").stdout)
    assert [k["fingerprint"] for k in keys] == [prints["alice2"]]
    (a,) = env.audits("agent_key_remove")
    assert (a["actor"], a["entity_ref"], a["details"]) == (
        OS_USER,
        "alice",
        {"fingerprint": prints["alice1"], "type": "ssh-ed25519"},
    )


def test_remove_key_unknown_or_malformed_fingerprint_changes_nothing(env: LeadEnv) -> None:
    prints = with_keys(env)
    before = access_state(env)
    # bob's key is not alice's.
    err = refused(env, "agents", "remove-key", "alice", prints["bob1"])
    assert f"l'agent « alice » n'a pas de clé d'empreinte {prints['bob1']}" in err
    assert prints["alice1"] in err and prints["alice2"] in err  # the keys it does have
    err = refused(env, "agents", "remove-key", "alice", "MD5:12:34")
    assert "empreinte invalide « MD5:12:34 »" in err
    assert "agent inconnu « zoe »" in refused(env, "agents", "remove-key", "zoe", prints["bob1"])
    assert access_state(env) == before
    with pytest.raises(AgentError):
        remove_key(env.store, "alice", "SHA256:" + "A" * 43, actor="t", now=NOW)
    assert access_state(env) == before


# --- set-role ----------------------------------------------------------------------------------------


def test_set_role_is_audited_and_refuses_a_no_op(env: LeadEnv) -> None:
    assert ok(env, "agents", "set-role", "alice", "lead").stdout == "agent alice : rôle agent → responsable d'équipe\n"
    assert env.alice.is_lead
    (a,) = env.audits("agent_set_role")
    assert (a["actor"], a["entity_ref"], a["details"]) == (OS_USER, "alice", {"from": "agent", "to": "lead"})
    before = access_state(env)
    assert "a déjà le rôle « lead »" in refused(env, "agents", "set-role", "alice", "lead")
    assert run(env, "agents", "set-role", "alice", "admin").exit_code == 2  # not a role: usage error
    assert access_state(env) == before
    with pytest.raises(AgentError, match="rôle inconnu"):
        set_role(env.store, "alice", "admin", actor="t", now=NOW)


def test_a_demoted_lead_session_can_no_longer_act_as_lead(env: LeadEnv) -> None:
    session = env.lea  # the copy a running session holds
    lead.set_hold(env.store, session, "A1", reason="vérification", now=NOW)
    set_role(env.store, "lea", "agent", actor="ops", now=NOW)
    before = env.snapshot()
    with pytest.raises(PermissionDenied, match="action réservée au responsable"):
        lead.release_hold(env.store, session, "A1", now=NOW)
    with pytest.raises(PermissionDenied):
        lead.team_board(env.store, session, now=NOW)
    with pytest.raises(PermissionDenied):
        lead.assign(env.store, session, ["B1"], to="alice", now=NOW)
    assert env.snapshot() == before
    # Her stale copy cannot read other portfolios either: she is an agent now.
    with pytest.raises(PermissionDenied):
        record_outcome(
            env.store, session, Outcome(debtor_ref="B1", disposition="no_answer"), now=NOW, settings=SETTINGS
        )


def test_a_deactivated_agent_session_can_no_longer_take_record_or_cancel(env: LeadEnv) -> None:
    env.add_promises([("A1", "PR-A1", "2026-11-16", "2026-11-30", "100,00")])
    session = env.alice
    assert take_next(env.store, session, now=NOW, settings=SETTINGS) is not None
    deactivate(env.store, "alice", actor="ops", now=NOW)
    before = env.snapshot()
    for act in (
        lambda: take_next(env.store, session, now=NOW, settings=SETTINGS),
        lambda: renew(env.store, session, now=NOW, settings=SETTINGS),
        lambda: record_outcome(
            env.store, session, Outcome(debtor_ref="A1", disposition="no_answer"), now=NOW, settings=SETTINGS
        ),
        lambda: cancel_promise(env.store, session, "PR-A1", reason="x", now=NOW, settings=SETTINGS),
        lambda: heartbeat(env.store, session, now=NOW),
    ):
        with pytest.raises(AccountDisabled, match="Votre compte a été désactivé"):
            act()
    assert env.snapshot() == before


# --- authorized_keys ------------------------------------------------------------------------------


def test_each_access_change_rewrites_the_installed_file(env: LeadEnv) -> None:
    prints = with_keys(env)
    target = installed(env)
    assert logins_in(target) == ["alice", "alice", "bob"]
    assert os.stat(target).st_mode & 0o777 == 0o600
    first_line = target.read_text().splitlines()[1]
    assert first_line.startswith('restrict,pty,command="/opt/recouvre/bin/recouvre --db ')

    ok(env, "agents", "deactivate", "alice")
    assert logins_in(target) == ["bob"]
    ok(env, "agents", "activate", "alice")
    assert logins_in(target) == ["alice", "alice", "bob"]
    assert target.read_text().splitlines()[1] == first_line  # same command, same database
    ok(env, "agents", "remove-key", "alice", prints["alice2"])
    assert logins_in(target) == ["alice", "bob"]
    pub, _fp = keygen(env.dir, "lea1")
    ok(env, "agents", "add", "lea", "--name", "Lea", "--role", "lead", "--team", "A", "--ssh-key", str(pub))
    assert logins_in(target) == ["alice", "bob", "lea"]
    ok(env, "agents", "set-role", "lea", "agent")
    assert logins_in(target) == ["alice", "bob", "lea"]
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["authorized_keys"]  # no temp file left


def test_every_front_end_drops_a_removed_key_at_its_next_install(env: LeadEnv) -> None:
    # Two front ends of one database, each with its own authorized_keys and a cron line running
    # `--install --quiet`. The access change rewrites the file of the last install at once (B);
    # A drops the key at its next run. A run with nothing new rewrites nothing.
    prints = with_keys(env)
    front_a = installed(env)
    front_b = env.dir / "front-b" / "authorized_keys"
    cron = ("ssh", "authorized-keys", "--install", "--command", "/opt/recouvre/bin/recouvre", "--quiet", "--file")
    ok(env, *cron, str(front_b))
    ok(env, "agents", "remove-key", "alice", prints["alice2"])
    assert logins_in(front_b) == ["alice", "bob"]
    assert logins_in(front_a) == ["alice", "alice", "bob"]  # until A's next cron run
    r = ok(env, *cron, str(front_a))
    assert (r.stdout, r.stderr) == ("", "")
    assert logins_in(front_a) == ["alice", "bob"]
    assert front_a.read_text() == front_b.read_text()
    before = (os.stat(front_a).st_ino, os.stat(front_a).st_mtime_ns)
    meta = env.rows("SELECT value FROM meta WHERE key = 'authorized_keys_install'")
    ok(env, *cron, str(front_a))
    assert (os.stat(front_a).st_ino, os.stat(front_a).st_mtime_ns) == before
    assert env.rows("SELECT value FROM meta WHERE key = 'authorized_keys_install'") == meta
    # Without --quiet the operator is told what the file holds.
    r = ok(env, *cron[:-2], "--file", str(front_a))
    assert r.stderr == f"2 clé(s) dans {front_a} (fichier à jour)\n"


def test_never_installed_no_file_is_written(env: LeadEnv, tmp_path: Path) -> None:
    prints = with_keys(env)
    elsewhere = tmp_path / "other" / "authorized_keys"
    elsewhere.parent.mkdir()
    elsewhere.write_text("ssh-ed25519 AAAA untouched\n")
    ok(env, "agents", "deactivate", "alice")
    ok(env, "agents", "remove-key", "bob", prints["bob1"])
    ok(env, "agents", "set-role", "bob", "lead")
    assert elsewhere.read_text() == "ssh-ed25519 AAAA untouched\n"
    assert env.rows("SELECT value FROM meta WHERE key = 'authorized_keys_install'") == []


def test_a_file_that_cannot_be_rewritten_rolls_the_change_back(env: LeadEnv) -> None:
    with_keys(env)
    target = installed(env)
    target.unlink()
    target.parent.rmdir()
    target.parent.write_text("not a folder")  # the install folder is now a file
    before = access_state(env)
    err = refused(env, "agents", "deactivate", "alice")
    assert f"{target} : réécriture impossible" in err and "rien n'a été changé" in err
    assert access_state(env) == before


def test_a_demoted_lead_session_reads_only_an_agent_view(env: LeadEnv) -> None:
    from recouvre_tui.services.case_file import load_case
    from recouvre_tui.services.search import search_debtors

    session = env.lea
    assert load_case(env.store, session, "B1", now=NOW).ref == "B1"
    set_role(env.store, "lea", "agent", actor="ops", now=NOW)
    with pytest.raises(PermissionDenied):
        load_case(env.store, session, "B1", now=NOW)
    assert search_debtors(env.store, session, "Martin") == []  # B1 « Martin Jeanne » is bob's
    deactivate(env.store, "lea", actor="ops", now=NOW)
    with pytest.raises(AccountDisabled):
        search_debtors(env.store, session, "Lefèvre")
