#!/usr/bin/env python3
"""Benchmark: `recouvre import invoices` against `sqlite-utils insert --csv` on the same file.

DESIGN.md "Performance": CSV import within 2x of `sqlite-utils insert --csv` on the same
file. This script writes a debtors CSV and an invoices CSV in a temporary directory,
imports the debtors into a new database (not timed), then times, in the same run:

- the import service on the invoices file (in-process, as `recouvre import invoices` does:
  parse, validate, plan, insert, balances, promise status, scores, in one transaction);
- `sqlite-utils insert FRESH.db invoices FILE --csv` in a subprocess (the baseline: no
  validation, every column stored as text).

    python scripts/bench_import.py                 # 1 000 000 invoices, 300 000 debtors
    python scripts/bench_import.py --rows 200000   # smaller
    python scripts/bench_import.py --french        # ';', dd/mm/yyyy, "1 234,56" amounts
    python scripts/bench_import.py --profile       # cProfile of the timed import (top 30)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.importing import import_file
from recouvre_tui.store.db import init_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def write_debtors(path: Path, n: int, *, sep: str) -> None:
    rng = random.Random(1)
    postcodes = ("75011", "69003", "13001", "57000", "97400", "97200", "33000", "59000")
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(sep.join(("debtor_ref", "name", "segment", "postcode", "email")) + "\n")
        for i in range(n):
            seg = "B2B" if i % 3 else "B2C"
            f.write(
                sep.join(
                    (
                        f"D{i:07d}",
                        f"Client {i}",
                        seg,
                        rng.choice(postcodes),
                        f"client{i}@example.fr",
                    )
                )
                + "\n"
            )


def write_invoices(path: Path, n: int, debtors: int, *, french: bool) -> None:
    rng = random.Random(2)
    sep = ";" if french else ","
    start = date(2024, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(sep.join(("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount")) + "\n")
        for i in range(n):
            issued = start + timedelta(days=rng.randrange(1000))
            due = issued + timedelta(days=rng.choice((0, 30, 45, 60)))
            cents = rng.randrange(1_000, 5_000_000)
            if i % 50 == 0:
                cents = -cents // 10  # a credit note now and then
            if french:
                sign = "-" if cents < 0 else ""
                euros, rest = divmod(abs(cents), 100)
                amount = f"{sign}{euros:,}".replace(",", " ") + f",{rest:02d}"
                cells = (issued.strftime("%d/%m/%Y"), due.strftime("%d/%m/%Y"), amount)
            else:
                cells = (issued.isoformat(), due.isoformat(), f"{cents / 100:.2f}")
            f.write(sep.join((f"D{rng.randrange(debtors):07d}", f"F{i:08d}", *cells)) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="invoice rows (1 000 000)")
    ap.add_argument("--debtors", type=int, default=None, help="debtors (default: 30 %% of --rows)")
    ap.add_argument("--french", action="store_true", help="';', dd/mm/yyyy, decimal comma")
    ap.add_argument("--profile", action="store_true", help="cProfile the timed import")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    n_debtors = args.debtors or max(1, args.rows * 3 // 10)
    sqlite_utils_bin = shutil.which("sqlite-utils")
    if sqlite_utils_bin is None:
        print("sqlite-utils CLI introuvable dans le PATH", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="bench_import_"))
    try:
        sep = ";" if args.french else ","
        debtors_csv, invoices_csv = tmp / "debtors.csv", tmp / "invoices.csv"
        t = time.perf_counter()
        write_debtors(debtors_csv, n_debtors, sep=sep)
        write_invoices(invoices_csv, args.rows, n_debtors, french=args.french)
        size_mb = invoices_csv.stat().st_size / 1e6
        print(
            f"files: {n_debtors:,} debtors, {args.rows:,} invoices ({size_mb:.1f} MB, "
            f"{'french' if args.french else 'plain'} format) in {time.perf_counter() - t:.1f} s"
        )

        settings = Settings()
        store = init_db(tmp / "recouvre.db")
        t = time.perf_counter()
        import_file(store, "debtors", debtors_csv, now=NOW, actor="bench", settings=settings)
        print(f"debtors imported (not timed): {time.perf_counter() - t:.1f} s")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        profiler = cProfile.Profile() if args.profile else None
        t, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        res = import_file(store, "invoices", invoices_csv, now=NOW, actor="bench", settings=settings)
        if profiler:
            profiler.disable()
        ours, ours_cpu = time.perf_counter() - t, time.process_time() - cpu
        store.close()
        assert res.inserted == args.rows, res

        cmd = [sqlite_utils_bin, "insert", str(tmp / "baseline.db"), "invoices"]
        cmd += [str(invoices_csv), "--csv"]
        if args.french:
            cmd += ["--delimiter", ";"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        base = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        base_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

        # Wall time is what the user waits for; CPU time (user + system) leaves out the
        # waits for the disk (sqlite-utils commits every 100 rows, each commit an fsync)
        # and for other processes on a busy machine.
        print("                           wall        cpu")
        print(f"recouvre import invoices : {ours:7.2f} s  {ours_cpu:7.2f} s  ({args.rows / ours:,.0f} rows/s)")
        print(f"sqlite-utils insert --csv: {base:7.2f} s  {base_cpu:7.2f} s  ({args.rows / base:,.0f} rows/s)")
        print(f"ratio                    : {ours / base:7.2f}x  {ours_cpu / base_cpu:7.2f}x  (target <= 2x)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {rss_before:,.0f} MB before the invoices, {peak:,.0f} MB after")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
