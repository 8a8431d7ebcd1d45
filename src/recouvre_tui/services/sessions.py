"""Live state of each TUI session, for the team board (table `agent_sessions`).

The TUI calls `heartbeat` on a timer (every 30 s or so, and when the agent opens or leaves a
case) and `end_session` when it quits. A heartbeat that merely refreshes `last_seen` is a
liveness ping, not a business write: it is not audited (it would flood the trail). A session
*starting* (no row, an ended one, or one silent for `NEW_SESSION_AFTER`) and a session
*ending* are audited.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from ..domain.dates import from_db, to_db
from ..store import agents as agents_sql
from ..store import audit
from ..store import lead as sql
from ..store.agents import Agent
from ..store.db import Store
from .roles import acting

# idle: at the queue or a menu; on_case: a case screen is open; paused: the agent stepped away.
SESSION_STATES = ("idle", "on_case", "paused")
NEW_SESSION_AFTER = timedelta(minutes=15)


class SessionError(Exception):
    """Bad heartbeat input (French)."""


def heartbeat(
    store: Store,
    agent: Agent,
    *,
    now: datetime,
    state: str = "idle",
    debtor_id: int | None = None,
    pid: int | None = None,
) -> bool:
    """Record that `agent`'s session is alive at `now`; returns True when a session started."""
    if state not in SESSION_STATES:
        raise SessionError(f"état de session inconnu « {state} » ({', '.join(SESSION_STATES)})")
    now_s = to_db(now)
    with store.write(shared=True) as conn:  # the agent's own row only: beside other agents'
        acting(conn, agent, lock=True)  # a deactivated account's session learns it here (AccountDisabled)
        current = sql.session_of(conn, agent.login)
        seen = from_db(current[1]) if current else None
        new = current is None or current[0] == "ended" or seen is None or now - seen > NEW_SESSION_AFTER
        sql.upsert_session(
            conn,
            agent=agent.login,
            pid=os.getpid() if pid is None else pid,
            state=state,
            debtor_id=debtor_id,
            now=now_s,
            new_session=new,
        )
        if new:
            audit.record(
                conn,
                now=now,
                actor=agent.login,
                action="session_start",
                entity="agent",
                entity_ref=agent.login,
                details={"pid": os.getpid() if pid is None else pid},
            )
    return new


def end_session(store: Store, agent: Agent, *, now: datetime) -> bool:
    """Mark the agent's session ended (the board shows « absent »); False if none was open."""
    with store.write(shared=True) as conn:
        agents_sql.lock_agent(conn, agent.login)
        ended = sql.end_session(conn, agent.login, to_db(now))
        if ended:
            audit.record(conn, now=now, actor=agent.login, action="session_end", entity="agent", entity_ref=agent.login)
    return ended
