"""Agents use cases: add/update (with SSH keys), list, look up the session's agent; and the
administrator's access changes: deactivate, activate, remove a key, change the role.

Each access change is one `BEGIN IMMEDIATE` transaction, audited with the operating-system
account that ran the command (`actor`), and rewrites the installed `authorized_keys` (when
`ssh authorized-keys --install` was used) before it commits: a file that cannot be written
rolls the change back. Deactivating gives the agent's case back to the queue and ends their
session on the board; their open TUI session is refused at its next action and closes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.codes import Role
from ..domain.dates import to_db
from ..domain.text import strip_control_chars
from ..store import agents as sql
from ..store import audit
from ..store import lead as lead_sql
from ..store import queue as queue_sql
from ..store.agents import Agent
from ..store.db import Store
from . import ssh_access

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
        existing = sql.get_agent(conn, login)
        if existing is not None and not existing.active:
            raise AgentError(
                f"l'agent « {login} » existe et est désactivé : réactivez-le avec « recouvre agents activate {login} »"
            )
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
        _rewrite_keys(conn)
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


# --- the administrator's access changes ------------------------------------------------------

_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


def fingerprint(public_key: str) -> str:
    """`SHA256:…` as `ssh-keygen -lf` prints it (the key blob's SHA-256, base64 unpadded)."""
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class KeyInfo:
    login: str
    key_type: str
    fingerprint: str
    added_at: str


def agent_keys(store: Store, login: str) -> list[KeyInfo]:
    """An agent's SSH keys with their fingerprints, oldest first."""
    with store.read() as conn:
        _existing(conn, login)
        rows = sql.keys_of(conn, login)
    return [KeyInfo(login, key.split()[0], _safe_fingerprint(key), added) for _id, key, added in rows]


def keys_by_agent(store: Store) -> dict[str, list[str]]:
    """Every agent's key fingerprints (for `agents list`)."""
    out: dict[str, list[str]] = {}
    with store.read() as conn:
        for login, key in sql.all_keys(conn):
            out.setdefault(login, []).append(_safe_fingerprint(key))
    return out


def _safe_fingerprint(key: str) -> str:
    try:
        return fingerprint(key)
    except (IndexError, ValueError, binascii.Error):
        return "(clé illisible)"


def deactivate(store: Store, login: str, *, actor: str, now: datetime) -> str | None:
    """Close an agent's access: no SSH key line any more, their case back to the queue, their
    session ended on the board. Returns the debtor reference released, if any."""
    with store.write() as conn:
        agent = _existing(conn, login)
        if not agent.active:
            raise AgentError(f"l'agent « {login} » est déjà désactivé")
        sql.set_active(conn, login, False)
        held = queue_sql.release_start(conn, login)  # (debtor_id, ref) in one batch
        released = held[1] if held else None
        queue_sql.release_claim(conn, login)
        lead_sql.end_session(conn, login, to_db(now))
        audit.record(
            conn,
            now=now,
            actor=actor,
            action="agent_deactivate",
            entity="agent",
            entity_ref=login,
            details={"released": released},
        )
        _rewrite_keys(conn)
    return released


def activate(store: Store, login: str, *, actor: str, now: datetime) -> None:
    """Give a deactivated agent their access back (their keys are written again)."""
    with store.write() as conn:
        agent = _existing(conn, login)
        if agent.active:
            raise AgentError(f"l'agent « {login} » est déjà actif")
        sql.set_active(conn, login, True)
        audit.record(conn, now=now, actor=actor, action="agent_activate", entity="agent", entity_ref=login)
        _rewrite_keys(conn)


def remove_key(store: Store, login: str, key_fingerprint: str, *, actor: str, now: datetime) -> KeyInfo:
    """Revoke one of an agent's SSH keys, named by its `ssh-keygen -lf` fingerprint."""
    wanted = key_fingerprint.strip()
    if not _FINGERPRINT.match(wanted):
        raise AgentError(
            f"empreinte invalide « {wanted} » (attendu « SHA256:… » comme l'affiche « ssh-keygen -lf cle.pub »)"
        )
    with store.write() as conn:
        _existing(conn, login)
        rows = sql.keys_of(conn, login)
        match = [(key_id, key, added) for key_id, key, added in rows if _safe_fingerprint(key) == wanted]
        if not match:
            known = ", ".join(_safe_fingerprint(key) for _id, key, _added in rows) or "aucune"
            raise AgentError(f"l'agent « {login} » n'a pas de clé d'empreinte {wanted} (ses clés : {known})")
        key_id, key, added = match[0]
        sql.delete_key(conn, key_id)
        info = KeyInfo(login, key.split()[0], wanted, added)
        audit.record(
            conn,
            now=now,
            actor=actor,
            action="agent_key_remove",
            entity="agent",
            entity_ref=login,
            details={"fingerprint": wanted, "type": info.key_type},
        )
        _rewrite_keys(conn)
    return info


def set_role(store: Store, login: str, role: str, *, actor: str, now: datetime) -> str:
    """Change an agent's role (agent ↔ lead); returns the previous one. An open session of the
    account gets the new role's rights at its next action."""
    if role not in {r.value for r in Role}:
        raise AgentError(f"rôle inconnu « {role} » (agent ou lead)")
    with store.write() as conn:
        agent = _existing(conn, login)
        if agent.role == role:
            raise AgentError(f"l'agent « {login} » a déjà le rôle « {role} »")
        sql.set_role(conn, login, role)
        audit.record(
            conn,
            now=now,
            actor=actor,
            action="agent_set_role",
            entity="agent",
            entity_ref=login,
            details={"from": agent.role, "to": role},
        )
        _rewrite_keys(conn)
    return agent.role


def _existing(conn: sqlite3.Connection, login: str) -> Agent:
    agent = sql.get_agent(conn, login)
    if agent is None:
        raise AgentError(f"agent inconnu « {login} »")
    return agent


def _rewrite_keys(conn: sqlite3.Connection) -> None:
    try:
        ssh_access.rewrite_installed(conn)
    except OSError as exc:
        target = ssh_access.installed_target(conn)
        where = target[0] if target else "authorized_keys"
        raise AgentError(f"{where} : réécriture impossible ({exc.strerror or exc}) ; rien n'a été changé") from None


def session_end_reason(store: Store, session: Agent) -> str | None:
    """Why a running session must end, if it must (its periodic check): the account was
    deactivated or removed, or its role changed (the menus it shows are no longer its own)."""
    from ..domain.codes import label
    from .roles import AccountDisabled

    with store.read() as conn:
        agent = sql.get_agent(conn, session.login)
    if agent is None or not agent.active:
        return str(AccountDisabled(session.login))
    if agent.role != session.role:
        return (
            f"Votre rôle a changé ({label(session.role)} → {label(agent.role)}) : "
            "la session est terminée, reconnectez-vous pour continuer."
        )
    return None


# One address, no display name: local part and a dotted domain, no spaces, no angle brackets
# or commas (a header can then never name a second recipient).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


def check_email(address: str) -> str:
    address = address.strip()
    if len(address) > 254 or not EMAIL.fullmatch(address):
        raise AgentError(f"adresse e-mail invalide « {address} » (attendu : nom@domaine.fr)")
    return address


def set_email(store: Store, login: str, address: str | None, *, actor: str, now: datetime) -> None:
    """Set (or, with None, clear) the address exports are sent to; audited."""
    checked = None if address is None else check_email(address)
    with store.write() as conn:
        _existing(conn, login)
        previous = sql.get_email(conn, login)
        sql.set_email(conn, login, checked)
        audit.record(
            conn,
            now=now,
            actor=actor,
            action="agent_set_email",
            entity="agent",
            entity_ref=login,
            details={"from": previous, "to": checked},
        )


def agent_email(store: Store, login: str) -> str | None:
    with store.read() as conn:
        return sql.get_email(conn, login)
