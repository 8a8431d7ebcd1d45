#!/usr/bin/env python3
"""SQLite and PostgreSQL side by side: the same benchmarks on the same data, each beside a
bare-SQL baseline run on the same store (issue 20, item 7; README "Performance").

    python scripts/bench_stores.py --debtors 100000 \\
        --pg 'postgresql://recouvre@/bench?host=/tmp/pg/sock'        # builds both, then measures
    python scripts/bench_stores.py --debtors 1000000 --pg URL --reuse  # measure existing databases

1. Data: `gen_bigdb.generate` builds the SQLite file and, with the same statements spelled for
   PostgreSQL, the database the URL names (dropped and created again): the same debtors,
   invoices, events, payments and promises, then the same balances, scores and first refresh.
2. Per store, one after the other (never both at once on the shared cores):
   - refresh: `recouvre refresh` a day later, in a new process, beside a GROUP BY over the
     invoices + an UPDATE of every debtor (`bench_queue.bench_refresh`);
   - next case with 20 and with 200 agents: one forked process per agent, each its own
     connection, claiming then recording an outcome (even agents) or releasing (odd ones),
     with a think time between cases; beside the bare claim transaction
     (`bench_queue.bench_next`);
   - wear report of the week before NOW, alone and with its 12-week trend, beside a scan +
     GROUP BY of the 12 weeks of events;
   - import of `--import-rows` invoices into a new database (`bench_import.py`, a child
     process), beside sqlite-utils (SQLite) or a plain COPY (PostgreSQL).
3. One table: each figure with its ratio to the baseline on the same store.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_queue import bench_next, bench_refresh
from bench_wear import baseline as wear_baseline
from bench_wear import timed
from gen_bigdb import NOW, generate, store_mb
from recouvre_tui.domain.config import WearRules
from recouvre_tui.domain.dates import iso_week_label, parse_iso_week
from recouvre_tui.store.db import open_db
from recouvre_tui.store.target import is_postgres

WEEK = iso_week_label((NOW - timedelta(days=7)).date())  # the last full week before NOW


def _exists(db: str) -> bool:
    if not is_postgres(db):
        return Path(db).exists()
    import psycopg

    try:
        with psycopg.connect(db) as conn:
            return conn.execute("SELECT to_regclass('debtors') IS NOT NULL").fetchone()[0]
    except psycopg.OperationalError:
        return False


def bench_wear(db: str, week: str = WEEK) -> dict[str, float]:
    rules = WearRules()
    store = open_db(db)
    from recouvre_tui.store.wear import compute_wear, compute_wear_and_trend

    try:
        raw = store.pg.raw if is_postgres(db) else store.conn  # type: ignore[attr-defined]
        _, sunday = parse_iso_week(week)
        weeks = [iso_week_label(sunday - timedelta(days=7 * i)) for i in range(11, -1, -1)]
        b1 = wear_baseline(raw, week, rules)
        _, t_wear, _ = timed(lambda: compute_wear(store, week, rules))
        b2 = wear_baseline(raw, week, rules)
        _, t_both, _ = timed(lambda: compute_wear_and_trend(store, week, weeks, rules))
        base = min(b1[0], b2[0])
    finally:
        store.close()
    print(f"  wear {week}: report {t_wear:.2f} s, with trend {t_both:.2f} s; baseline scan {base:.2f} s", flush=True)
    return {"wear_s": t_wear, "wear_trend_s": t_both, "wear_base_s": base}


def bench_import(rows: int, pg_url: str | None) -> dict[str, float]:
    cmd = [sys.executable, str(Path(__file__).with_name("bench_import.py")), "--rows", str(rows)]
    if pg_url:
        cmd += ["--db", pg_url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    walls = [float(m) for m in re.findall(r":\s+([0-9.]+) s\s+[0-9.]+ s\s+[0-9,]+ MB", out)]
    peaks = [float(m.replace(",", "")) for m in re.findall(r" s\s+([0-9,]+) MB", out)]
    print("  " + "\n  ".join(line for line in out.splitlines() if " s " in line or "ratio" in line), flush=True)
    return {"import_s": walls[0], "import_base_s": walls[1], "import_peak_mb": peaks[0]}


def measure(
    db: str,
    *,
    day: int,
    agents: list[int],
    seconds: float,
    think_ms: list[float],
    import_rows: int,
    import_url: str | None,
    skip: set[str],
) -> dict[str, Any]:
    label = "PostgreSQL" if is_postgres(db) else "SQLite"
    print(f"== {label}: {db} ({store_mb(db):.0f} MB)", flush=True)
    r: dict[str, Any] = {}
    if "refresh" not in skip:
        r["refresh"] = bench_refresh(db, day)
    if "next" not in skip:
        for n, think in zip(agents, think_ms, strict=True):
            print(f"  next case, {n} agents, think {think:g} ms, {seconds:g} s", flush=True)
            r[f"next{n}"] = bench_next(db, n, seconds, think, day)
    if "wear" not in skip:
        r["wear"] = bench_wear(db)
    if "import" not in skip:
        r["import"] = bench_import(import_rows, import_url)
    return r


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "—"


def table(results: dict[str, dict[str, Any]], agents: list[int], think_ms: list[float], import_rows: int) -> str:
    stores = list(results)
    head = "| measure | " + " | ".join(f"{s} | ratio to bare SQL ({s})" for s in stores) + " |"
    lines = [head, "|---|" + "---|---|" * len(stores)]

    def row(name: str, cell: Any) -> None:
        cells = []
        for s in stores:
            try:
                cells.extend(cell(results[s]))
            except KeyError:
                cells.extend(["—", "—"])
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    row(
        "refresh (s)",
        lambda r: (f"{r['refresh']['refresh_s']:.1f}", _ratio(r["refresh"]["refresh_s"], r["refresh"]["baseline_s"])),
    )
    row("refresh: longest write (ms)", lambda r: (f"{r['refresh']['longest_write_ms']:.0f}", ""))
    for n, think in zip(agents, think_ms, strict=True):
        row(
            f"next case, {n} agents (think {think / 1000:g} s): p50 / p95 / p99 ms",
            lambda r, n=n: (
                f"{r[f'next{n}']['next_p50_ms']:.1f} / {r[f'next{n}']['next_p95_ms']:.1f} / "
                f"{r[f'next{n}']['next_p99_ms']:.1f}",
                f"p99 {_ratio(r[f'next{n}']['next_p99_ms'], r[f'next{n}']['base_p99_ms'])} "
                f"(bare {r[f'next{n}']['base_p99_ms']:.1f})",
            ),
        )
    row(
        "wear report (s)",
        lambda r: (f"{r['wear']['wear_s']:.1f}", _ratio(r["wear"]["wear_s"], r["wear"]["wear_base_s"])),
    )
    row(
        "wear report + 12-week trend (s)",
        lambda r: (f"{r['wear']['wear_trend_s']:.1f}", _ratio(r["wear"]["wear_trend_s"], r["wear"]["wear_base_s"])),
    )
    row(
        f"import {import_rows:,} invoices (s)".replace(",", " "),
        lambda r: (f"{r['import']['import_s']:.1f}", _ratio(r["import"]["import_s"], r["import"]["import_base_s"])),
    )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debtors", type=int, default=1_000_000)
    ap.add_argument("--sqlite", default=None, help="SQLite file (default /tmp/recouvre-bench-N.db)")
    ap.add_argument("--pg", default=None, help="PostgreSQL URL of the database to build and measure")
    ap.add_argument("--reuse", action="store_true", help="measure existing databases instead of building them")
    ap.add_argument("--day", type=int, default=1, help="refresh as of NOW + DAY days (a new day for each run)")
    ap.add_argument("--agents", default="20,200", help="agent counts for the next-case runs")
    ap.add_argument(
        "--think-ms",
        default="1000,10000",
        help="think time between cases, per agent count (default: 20 and 200 agents both "
        "take ≈ 20 cases/s in all, far above what people do)",
    )
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--import-rows", type=int, default=None, help="invoices to import (default: debtors)")
    ap.add_argument("--skip", default="", help="comma-separated: refresh,next,wear,import")
    ap.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    args = ap.parse_args()
    agents = [int(x) for x in args.agents.split(",")]
    think = [float(x) for x in args.think_ms.split(",")]
    if len(think) == 1:
        think *= len(agents)
    skip = {s for s in args.skip.split(",") if s}
    import_rows = args.import_rows or args.debtors
    stores = [] if args.no_sqlite else [args.sqlite or f"/tmp/recouvre-bench-{args.debtors}.db"]
    stores += [args.pg] if args.pg else []
    for db in stores:
        if args.reuse and _exists(db):
            continue
        print(f"building {db} ({args.debtors} debtors)…", flush=True)
        t0 = time.perf_counter()
        generate(db if is_postgres(db) else Path(db), debtors=args.debtors)
        print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    results: dict[str, dict[str, Any]] = {}
    for db in stores:
        label = "PostgreSQL" if is_postgres(db) else "SQLite"
        import_url = None
        if is_postgres(db):
            import_url = re.sub(r"/([^/?]+)(\?|$)", r"/\1_import\2", db, count=1)
        results[label] = measure(
            db,
            day=args.day,
            agents=agents,
            seconds=args.seconds,
            think_ms=think,
            import_rows=import_rows,
            import_url=import_url,
            skip=skip,
        )
    print()
    print(f"{args.debtors:,} debtors; 2 shared cores".replace(",", " "))
    print(table(results, agents, think, import_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
