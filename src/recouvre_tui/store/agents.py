"""SQL for agents and their SSH keys."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..domain.agents import Agent as Agent  # re-exported: the type lives in the domain
from .dialect import is_postgres


def get_agent(conn: sqlite3.Connection, login: str, *, lock: bool = False) -> Agent | None:
    """The account; `lock`: also take `lock_agent`'s lock (one round trip for both)."""
    return agent_from_rows(conn.execute(*agent_statement(conn, login, lock=lock)).fetchall())


def agent_statement(conn: sqlite3.Connection, login: str, *, lock: bool = False) -> tuple[str, list[object]]:
    """`get_agent` as (SQL, parameters), for a batch (`dialect.fetch_batch`); `agent_from_rows`
    reads its rows."""
    sql = "SELECT login, name, role, team, active FROM agents WHERE login = ?"
    if lock and is_postgres(conn):
        sql += _LOCK_ROW
    return sql, [login]


def agent_from_rows(rows: list[Any]) -> Agent | None:
    return Agent(rows[0][0], rows[0][1], rows[0][2], rows[0][3], bool(rows[0][4])) if rows else None


def lock_agent(conn: sqlite3.Connection, login: str) -> None:
    """Serialise this agent's own writes (`Store.write(shared=True)`) on PostgreSQL, where they
    run beside other agents'; SQLite's transaction is already the only writer. `NO KEY UPDATE`:
    foreign-key checks of rows naming the agent (events, claims) do not wait for it."""
    if is_postgres(conn):
        conn.execute(f"SELECT 1 FROM agents WHERE login = ?{_LOCK_ROW}", (login,))


_LOCK_ROW = " FOR NO KEY UPDATE"


def list_agents(conn: sqlite3.Connection) -> list[Agent]:
    return [
        Agent(r[0], r[1], r[2], r[3], bool(r[4]))
        for r in conn.execute("SELECT login, name, role, team, active FROM agents ORDER BY login")
    ]


def upsert_agent(conn: sqlite3.Connection, agent: Agent, now: str) -> bool:
    """Insert or update; returns True when it was new."""
    exists = conn.execute("SELECT 1 FROM agents WHERE login = ?", (agent.login,)).fetchone()
    if exists:
        conn.execute(
            "UPDATE agents SET name = ?, role = ?, team = ?, active = ? WHERE login = ?",
            (agent.name, agent.role, agent.team, int(agent.active), agent.login),
        )
        return False
    conn.execute(
        "INSERT INTO agents (login, name, role, team, active, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (agent.login, agent.name, agent.role, agent.team, int(agent.active), now),
    )
    return True


def add_key(conn: sqlite3.Connection, login: str, public_key: str, now: str) -> bool:
    if conn.execute("SELECT 1 FROM agent_keys WHERE public_key = ?", (public_key,)).fetchone():
        return False
    conn.execute(
        "INSERT INTO agent_keys (agent, public_key, added_at) VALUES (?, ?, ?)",
        (login, public_key, now),
    )
    return True


def key_owner(conn: sqlite3.Connection, public_key: str) -> str | None:
    row = conn.execute("SELECT agent FROM agent_keys WHERE public_key = ?", (public_key,)).fetchone()
    return row[0] if row else None


def keys(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(login, key) of active agents, in login order."""
    return list(
        conn.execute(
            "SELECT k.agent, k.public_key FROM agent_keys k JOIN agents a ON a.login = k.agent "
            "WHERE a.active = 1 ORDER BY k.agent, k.id"
        )
    )


def set_active(conn: sqlite3.Connection, login: str, active: bool) -> None:
    conn.execute("UPDATE agents SET active = ? WHERE login = ?", (int(active), login))


def set_role(conn: sqlite3.Connection, login: str, role: str) -> None:
    conn.execute("UPDATE agents SET role = ? WHERE login = ?", (role, login))


def keys_of(conn: sqlite3.Connection, login: str) -> list[tuple[int, str, str]]:
    """(id, key, added_at) of one agent's keys, oldest first."""
    return list(conn.execute("SELECT id, public_key, added_at FROM agent_keys WHERE agent = ? ORDER BY id", (login,)))


def all_keys(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(login, key) of every agent, active or not, in login order."""
    return list(conn.execute("SELECT agent, public_key FROM agent_keys ORDER BY agent, id"))


def delete_key(conn: sqlite3.Connection, key_id: int) -> None:
    conn.execute("DELETE FROM agent_keys WHERE id = ?", (key_id,))


def team_members(conn: sqlite3.Connection, team: str | None) -> list[str]:
    """Logins of the accounts of one team (None: the accounts without a team)."""
    if team is None:
        return [r[0] for r in conn.execute("SELECT login FROM agents WHERE team IS NULL ORDER BY login")]
    return [r[0] for r in conn.execute("SELECT login FROM agents WHERE team = ? ORDER BY login", (team,))]


def team_of(conn: sqlite3.Connection, login: str) -> tuple[bool, str | None]:
    """(exists, team) of an account."""
    row = conn.execute("SELECT team FROM agents WHERE login = ?", (login,)).fetchone()
    return (row is not None, row[0] if row else None)


# Where `ssh authorized-keys --install` last wrote (a marker in `meta`, not a setting): every
# later change of an agent's access rewrites that file.
AUTHORIZED_KEYS_META = "authorized_keys_install"


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))


def get_email(conn: sqlite3.Connection, login: str) -> str | None:
    row = conn.execute("SELECT email FROM agents WHERE login = ?", (login,)).fetchone()
    return row[0] if row else None


def set_email(conn: sqlite3.Connection, login: str, email: str | None) -> None:
    conn.execute("UPDATE agents SET email = ? WHERE login = ?", (email, login))
