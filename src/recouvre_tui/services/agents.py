"""Agents use cases: add/update (with SSH keys), list, look up the session's agent."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from ..domain.codes import Role
from ..domain.dates import to_db
from ..domain.text import strip_control_chars
from ..store import agents as sql
from ..store import audit
from ..store.agents import Agent
from ..store.db import Store

LOGIN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
_KEY = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]{16,}( [^\n\r]*)?$"
)


class AgentError(Exception):
    """Bad agent input or unknown agent (message in French)."""


def parse_public_keys(text: str, source: str) -> list[str]:
    """Validate an OpenSSH public key file (one key per line, comments and blanks allowed).

    Options before the key type are refused: `ssh authorized-keys` writes its own.
    """
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not _KEY.match(line):
            raise AgentError(f"{source}:{number}: clé publique OpenSSH invalide (attendu « ssh-ed25519 AAAA… »)")
        out.append(" ".join(line.split()[:2]))  # the comment is dropped: it may hold anything
    if not out:
        raise AgentError(f"{source}: aucune clé publique")
    return out


def add_agent(
    store: Store,
    *,
    login: str,
    name: str,
    role: str,
    team: str | None,
    ssh_key_file: Path | None,
    actor: str,
    now: datetime,
) -> tuple[bool, int]:
    """Add or update an agent; returns (created, keys added)."""
    name, team = strip_control_chars(name), strip_control_chars(team) if team else team  # shown everywhere
    if not LOGIN.match(login):
        raise AgentError(
            f"identifiant invalide « {login} » "
            "(minuscules, chiffres, . _ -, 2 à 32 caractères, commence par une lettre)"
        )
    if not name.strip():
        raise AgentError("le nom est obligatoire")
    if role not in {r.value for r in Role}:
        raise AgentError(f"rôle inconnu « {role} » (agent ou lead)")
    keys: list[str] = []
    if ssh_key_file is not None:
        try:
            text = ssh_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AgentError(f"{ssh_key_file}: lecture impossible ({exc})") from None
        keys = parse_public_keys(text, str(ssh_key_file))
    ts = to_db(now)
    with store.write() as conn:
        for key in keys:
            owner = sql.key_owner(conn, key)
            if owner is not None and owner != login:
                raise AgentError(f"{ssh_key_file}: cette clé appartient déjà à l'agent « {owner} »")
        created = sql.upsert_agent(conn, Agent(login, name.strip(), role, team, True), ts)
        added = sum(sql.add_key(conn, login, key, ts) for key in keys)
        audit.record(
            conn,
            now=now,
            actor=actor,
            action="agent_add" if created else "agent_update",
            entity="agent",
            entity_ref=login,
            details={"name": name, "role": role, "team": team, "keys_added": added},
        )
    return created, added


def list_agents(store: Store) -> list[Agent]:
    with store.read() as conn:
        return sql.list_agents(conn)


def require_agent(store: Store, login: str) -> Agent:
    """The session's agent: must exist and be active (clear message otherwise)."""
    with store.read() as conn:
        agent = sql.get_agent(conn, login)
    if agent is None:
        raise AgentError(f"agent inconnu « {login} » : demandez à votre responsable de vous créer un accès")
    if not agent.active:
        raise AgentError(f"l'accès de l'agent « {login} » est désactivé")
    return agent
