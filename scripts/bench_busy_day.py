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
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_queue import NOW, Bare, _pct, claim_sql, ensure_agents, store_label

POOL_AGENT = "ag200"  # gen_bigdb gives portfolios to ag01 … ag20 only


def main() -> int:
    from recouvre_tui.domain.config import Settings
    from recouvre_tui.domain.dates import paris_date
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.outcome import Outcome, record_outcome
    from recouvre_tui.services.refresh import refresh
    from recouvre_tui.services.work_queue import list_queue, release, take_next
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
    done = 0
    while done < args.promises:
        batch = list_queue(store, agent, now=eve, settings=settings, limit=min(500, args.promises - done))
        if not batch:
            break
        for e in batch:
            plan = [(paris_date(eve) + timedelta(days=14), min(e.balance_cents, 5_000))]
            record_outcome(
                store, agent, Outcome(e.debtor_ref, "promise", instalments=plan), now=eve, settings=settings,
                source="bench",
            )
            done += 1
    if args.promises:
        print(f"  {done} promises recorded in {time.perf_counter() - t0:.0f} s")
    if args.nightly:  # the night between: promises evaluated, the day's rests ended
        t0 = time.perf_counter()
        refresh(store, now=now.replace(hour=1), settings=settings)
        print(f"  nightly refresh in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    done = 0
    while done < args.calls:
        batch = list_queue(store, agent, now=now, settings=settings, limit=min(500, args.calls - done))
        if not batch:
            break
        for e in batch:
            at = now - timedelta(hours=3) + timedelta(seconds=10_800 * done / args.calls)
            record_outcome(store, agent, Outcome(e.debtor_ref, "no_answer"), now=at, settings=settings, source="bench")
            done += 1
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
    base: list[float] = []
    for _ in range(args.takes):
        t1 = time.perf_counter()
        bare.begin_write()
        row = bare.execute(sql).fetchone()
        bare.execute(
            "INSERT INTO claims (debtor_id, agent, claimed_at, expires_at) VALUES (?, ?, ?, ?)",
            (row[0], POOL_AGENT, "2026-11-17 10:00:00", "2026-11-17 10:15:00"),
        )
        bare.execute("COMMIT")
        base.append(time.perf_counter() - t1)
        bare.execute("DELETE FROM claims WHERE agent = ?", (POOL_AGENT,))
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
