#!/usr/bin/env python3
"""Benchmark: taking the next case late in a busy day, beside a bare-SQL claim.

Every case called is blocked for the minimum gap (4 h), and the cases called are the top of
the queue: through a day they pile up at its head. This records N « pas de réponse » outcomes
through `services.outcome.record_outcome` (as agents would, spread over the last 3 hours, on
the first callable debtors of the pool), then times `take_next` + `release` for an agent who
works from the pool only, and beside it the bare claim (`bench_queue.CLAIM_SQL`: the write
lock, one indexed SELECT of the first unclaimed debtor not resting, the INSERT, COMMIT).

    python scripts/bench_busy_day.py --db /tmp/big.db --calls 20000
    python scripts/bench_busy_day.py --db 'postgresql://recouvre@/big?host=/tmp/pg/sock' --day 8

`--promises N` first records N « promesse » outcomes the day before (first instalment in
14 days), on the next debtors of the pool's head, as weeks of work leave them: those debtors
are blocked until their instalment falls due.

Each run should use a day of its own (`--day`, days after gen_bigdb's NOW; a weekday), or the
calls of an earlier run are still resting.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_queue import NOW, Bare, _pct, bare_claim, claim_sql, ensure_agents, store_label

POOL_AGENT = "ag200"  # gen_bigdb gives portfolios to ag01 … ag20 only


if TYPE_CHECKING:
    from recouvre_tui.services.outcome import Outcome
    from recouvre_tui.services.work_queue import QueueEntry


OutcomeFor = Callable[["QueueEntry", int], tuple["Outcome", datetime]]


def on_the_head(store: Any, agent: Any, count: int, queue_now: datetime, outcome_for: OutcomeFor) -> int:
    """Record `count` outcomes on the head of the agent's queue (as it is at `queue_now`), 500
    at a time: `outcome_for(entry, i)` gives the i-th one and its instant. Returns how many."""
    from recouvre_tui.domain.config import Settings
    from recouvre_tui.services.outcome import record_outcome
    from recouvre_tui.services.work_queue import list_queue

    settings = Settings()
    done = 0
    while done < count:
        batch = list_queue(store, agent, now=queue_now, settings=settings, limit=min(500, count - done))
        if not batch:
            break
        for e in batch:
            outcome, at = outcome_for(e, done)
            record_outcome(store, agent, outcome, now=at, settings=settings, source="bench")
            done += 1
    return done


def main() -> int:
    from recouvre_tui.domain.config import Settings
    from recouvre_tui.domain.dates import paris_date
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.outcome import Outcome
    from recouvre_tui.services.refresh import refresh
    from recouvre_tui.services.work_queue import release, take_next
    from recouvre_tui.store.db import open_db

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--day", type=int, default=7, help="days after NOW (default 7: a Tuesday)")
    ap.add_argument("--takes", type=int, default=200)
    ap.add_argument("--promises", type=int, default=0)
    ap.add_argument("--nightly", action="store_true", help="run the refresh the night before the eve and after it")
    args = ap.parse_args()
    now = NOW + timedelta(days=args.day)
    settings = Settings()
    ensure_agents(args.db, 200)
    store = open_db(args.db)
    agent = require_agent(store, POOL_AGENT)
    print(
        f"{store_label(args.db)} {args.db}; {args.promises} promises, {args.calls} calls on the pool's head, "
        f"then {args.takes} claims"
    )
    eve = now - timedelta(days=1)
    if args.nightly:  # the night before the eve: the data's own promises evaluated first
        refresh(store, now=eve.replace(hour=1), settings=settings)
    t0 = time.perf_counter()

    def promise(e: QueueEntry, _: int) -> tuple[Outcome, datetime]:
        plan = [(paris_date(eve) + timedelta(days=14), min(e.balance_cents, 5_000))]
        return Outcome(e.debtor_ref, "promise", instalments=plan), eve

    done = on_the_head(store, agent, args.promises, eve, promise)
    if args.promises:
        print(f"  {done} promises recorded in {time.perf_counter() - t0:.0f} s")
    if args.nightly:  # the night between: promises evaluated, the day's rests ended
        t0 = time.perf_counter()
        refresh(store, now=now.replace(hour=1), settings=settings)
        print(f"  nightly refresh in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()

    def no_answer(e: QueueEntry, i: int) -> tuple[Outcome, datetime]:  # spread over the last 3 hours
        return Outcome(e.debtor_ref, "no_answer"), now - timedelta(hours=3) + timedelta(seconds=10_800 * i / args.calls)

    done = on_the_head(store, agent, args.calls, now, no_answer)
    print(f"  {done} outcomes recorded in {time.perf_counter() - t0:.0f} s")
    ours: list[float] = []
    for _ in range(args.takes):
        t1 = time.perf_counter()
        take_next(store, agent, now=now, settings=settings)
        ours.append(time.perf_counter() - t1)
        release(store, agent, now=now)
    store.close()
    bare = Bare(args.db)
    sql = claim_sql(bare)
    base = [bare_claim(bare, sql, POOL_AGENT) for _ in range(args.takes)]
    bare.close()
    ms = 1000
    print(
        f"  take_next: p50 {_pct(ours, 0.5) * ms:.1f} ms, p99 {_pct(ours, 0.99) * ms:.1f} ms; "
        f"bare claim: p50 {_pct(base, 0.5) * ms:.1f} ms, p99 {_pct(base, 0.99) * ms:.1f} ms; "
        f"ratio p50 {_pct(ours, 0.5) / _pct(base, 0.5):.1f}×"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
