"""Many processes claiming at once (docs/rules.md, "Claims": whatever the timing).

8 agent processes (multiprocessing 'spawn', each its own connection) start together on
1 000 callable debtors and loop: take_next → record a no_answer outcome (half of them) or
give the case back (the other half), logging every claim with wall-clock times taken just
after the claim committed and just before the release. Then:

- no error reached any caller ("database is locked" or anything else);
- no two processes ever held the same debtor at the same time (the logged intervals of one
  debtor never overlap), and a debtor that got an outcome is never claimed again (4-hour gap);
- every outcome was recorded once, and no claim is left behind.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from queue_helpers import NOW, SETTINGS, days_before, make_env
from stores import new_db

PROCESSES = 8
ROUNDS = 25
DEBTORS = 1_000

pytestmark = pytest.mark.slow


def _worker(db: str, login: str, mode: str, start: Any, out: Any) -> None:
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.outcome import Outcome, record_outcome
    from recouvre_tui.services.work_queue import release, take_next
    from recouvre_tui.store.db import open_db

    log: list[tuple[str, str, int, int]] = []
    errors: list[str] = []
    try:
        store = open_db(db)
        agent = require_agent(store, login)
        start.wait(30)
        for _ in range(ROUNDS):
            entry = take_next(store, agent, now=NOW, settings=SETTINGS)
            claimed = time.monotonic_ns()
            if entry is None:
                errors.append("nothing to take")
                break
            released = time.monotonic_ns()
            if mode == "outcome":
                record_outcome(
                    store,
                    agent,
                    Outcome(entry.debtor_ref, "no_answer"),
                    now=NOW,
                    settings=SETTINGS,
                    source="mp",
                )
            else:
                release(store, agent, now=NOW)
            log.append((login, entry.debtor_ref, claimed, released))
        store.close()
    except BaseException:
        errors.append(traceback.format_exc())
    out.put((login, mode, log, errors))


def test_many_processes_never_double_claim(tmp_path: Path) -> None:
    agents = [f"agent{i:02d}" for i in range(PROCESSES)]
    env = make_env(tmp_path, agents=agents, lead=None)
    env.import_csv(
        "debtors",
        ("debtor_ref", "name", "segment", "postcode", "phone"),
        [(f"D{i:04d}", f"Débiteur {i}", "B2C", "75011", f"0612{i:06d}") for i in range(DEBTORS)],
    )
    # Distinct balances, so the queue order is total and every agent wants the same top case.
    env.add_invoices([(f"D{i:04d}", "F", days_before(40), str(100 + i)) for i in range(DEBTORS)])
    db = env.db
    env.store.close()

    ctx = mp.get_context("spawn")
    start = ctx.Event()
    out = ctx.Queue()
    modes = ["outcome" if i % 2 == 0 else "release" for i in range(PROCESSES)]
    procs = [
        ctx.Process(target=_worker, args=(db, login, mode, start, out))
        for login, mode in zip(agents, modes, strict=True)
    ]
    began = time.monotonic()
    for p in procs:
        p.start()
    time.sleep(0.5)
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    elapsed = time.monotonic() - began
    assert elapsed < 120, elapsed  # about 5 s on an idle 2-core machine

    errors = [e for _, _, _, errs in results for e in errs]
    assert errors == []  # no "database is locked" (nor anything else) reached a caller
    log = [entry for _, _, entries, _ in results for entry in entries]
    assert len(log) == PROCESSES * ROUNDS

    by_debtor: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for login, ref, claimed, released in log:
        by_debtor[ref].append((claimed, released, login))
    for ref, spans in by_debtor.items():
        spans.sort()
        for (_, end, who), (begin, _, other) in itertools.pairwise(spans):
            assert end <= begin, f"{ref} held by {who} and {other} at the same time"

    outcome_refs = [ref for login, mode, entries, _ in results if mode == "outcome" for _, ref, _, _ in entries]
    assert len(outcome_refs) == len(set(outcome_refs))  # never called twice within 4 h
    for ref in outcome_refs:
        # After the outcome nobody took it again (only earlier release-mode claims may exist).
        last_outcome = max(c for c, _, who in by_debtor[ref] if modes[agents.index(who)] == "outcome")
        assert all(c <= last_outcome for c, _, _ in by_debtor[ref])

    assert _count(db, "claims") == 0
    assert _count(db, "events") == len(outcome_refs)
    # The top of the queue was fought over: the release-mode agents took it again and again.
    assert len(by_debtor) < len(log)


def _count(db: str, table: str) -> int:
    from recouvre_tui.store.db import open_db

    store = open_db(db)
    try:
        return int(store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        store.close()


def _open_fresh(db: str, start: Any, out: Any) -> None:
    try:
        from recouvre_tui.store.db import init_db

        start.wait(30)
        store = init_db(db)
        n = store.conn.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            if store.kind == "postgresql"
            else "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        store.close()
        out.put(("ok", n))
    except BaseException:
        out.put(("error", traceback.format_exc()))


def test_many_processes_create_the_database_at_once(tmp_path: Path) -> None:
    """The schema migration runs under the write lock: the first process creates it, the others
    wait and find it done (no "table already exists", no half-made schema)."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    db = str(new_db(tmp_path, "fresh.db"))  # a file that does not exist yet, or an empty database
    procs = [ctx.Process(target=_open_fresh, args=(db, start, out)) for _ in range(6)]
    for p in procs:
        p.start()
    time.sleep(0.5)
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert {r[0] for r in results} == {"ok"}, results
    assert len({r[1] for r in results}) == 1


def test_a_whole_team_asking_for_its_first_case_at_once_gets_distinct_cases(tmp_path: Path) -> None:
    """The morning rush: 40 agents (threads, each its own connection) ask for a case at the same
    instant on 60 callable debtors; each gets one, no two the same, nobody is told the base is
    busy. On PostgreSQL the claims run beside each other (shared write lock, the claims table's
    keys decide); on SQLite one after the other."""
    import threading

    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.work_queue import take_next
    from recouvre_tui.store.db import open_db

    agents = [f"agent{i:02d}" for i in range(40)]
    env = make_env(tmp_path, agents=agents, lead=None)
    env.import_csv(
        "debtors",
        ("debtor_ref", "name", "segment", "postcode", "phone"),
        [(f"D{i:04d}", f"Débiteur {i}", "B2C", "75011", f"0612{i:06d}") for i in range(60)],
    )
    env.add_invoices([(f"D{i:04d}", "F", days_before(40), str(100 + i)) for i in range(60)])
    db = env.db
    from recouvre_tui.services.work_queue import list_queue

    top = {
        e.debtor_ref
        for e in list_queue(env.store, require_agent(env.store, agents[0]), now=NOW, settings=SETTINGS, limit=40)
    }
    env.store.close()
    stores = [open_db(db) for _ in agents]
    start = threading.Barrier(len(agents))
    got: dict[str, str | None] = {}
    errors: list[str] = []

    def claim(i: int) -> None:
        try:
            agent = require_agent(stores[i], agents[i])
            start.wait(30)
            entry = take_next(stores[i], agent, now=NOW, settings=SETTINGS)
            got[agents[i]] = entry.debtor_ref if entry else None
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(agents))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stores:
        s.close()
    assert errors == []
    refs = list(got.values())
    assert len(refs) == 40 and None not in refs
    assert len(set(refs)) == 40  # distinct cases
    assert set(refs) == top  # the first 40 of the queue, whoever took which
    assert _count(db, "claims") == 40
