#!/usr/bin/env python3
"""Benchmark: `recouvre import invoices` against `sqlite-utils insert --csv` on the same file.

Target (README "Performance"): CSV import within 2x of `sqlite-utils insert --csv` on the same
file. This script writes a debtors CSV and an invoices CSV in a temporary directory,
imports the debtors into a new database (not timed), then times, in the same run:

- the import service on the invoices file (in-process, as `recouvre import invoices` does:
  parse, validate, plan, insert, balances, promise status, scores, in one transaction);
- `sqlite-utils insert FRESH.db invoices FILE --csv` in a subprocess (the baseline: no
  validation, every column stored as text).

Each runs in its own process, so that its peak resident memory (from `wait4`) is its own:
the import streams the file through a staging table, so its memory stays flat.

    python scripts/bench_import.py                 # 1 000 000 invoices, 300 000 debtors
    python scripts/bench_import.py --rows 200000   # smaller
    python scripts/bench_import.py --french        # ';', dd/mm/yyyy, "1 234,56" amounts
    python scripts/bench_import.py --profile       # cProfile of the timed import (top 30)
    python scripts/bench_import.py --db 'postgresql://recouvre@/imp?host=/tmp/pg/sock'

With `--db URL` (PostgreSQL; the database it names is dropped and created again) the import runs
on PostgreSQL and the baseline is the bare PostgreSQL load of the same file: `COPY … FROM STDIN
(FORMAT csv)` through psycopg into a table of text columns, in the same database.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.importing import import_file
from recouvre_tui.store.db import init_db, open_db
from recouvre_tui.store.target import is_postgres

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


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_mb: float


def _measure(cmd: list[str], *, show_output: bool = False) -> Measure:
    """Run `cmd` (one of this script's child modes); its wall and CPU time, and its peak
    resident memory as the child itself reads it (VmHWM: `ru_maxrss` of a child starts at
    its parent's size when it was forked, so it would show this script's memory)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak_file:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, *cmd[:1], peak_file.name, *cmd[1:]],
            stdout=None if show_output else subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{cmd[0]} failed")
        peak_kb = int(peak_file.read() or 0)
    return Measure(wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024)


def _write_peak(path: str) -> None:
    """This process's peak resident memory in kB (Linux), into `path`."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(path).write_text(line.split()[1])


def _child(peak_file: str, db: str, invoices_csv: str, profile: bool) -> int:
    """The timed import, alone in its process."""
    store = open_db(db)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    res = import_file(store, "invoices", Path(invoices_csv), now=NOW, actor="bench", settings=Settings())
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    store.close()
    print(f"inserted {res.inserted:,} invoices")
    _write_peak(peak_file)
    return 0


def _baseline(peak_file: str, args: list[str]) -> int:
    """`sqlite-utils insert …` run in this process (its CLI entry point), then its peak."""
    from sqlite_utils.cli import cli

    atexit.register(_write_peak, peak_file)
    cli(args)  # exits
    return 0


def _baseline_pg(peak_file: str, url: str, csv_path: str, sep: str) -> int:
    """`COPY … FROM STDIN (FORMAT csv)` of the file into a table of text columns (psycopg),
    streamed in 1 MB blocks; then this process's peak."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS baseline_invoices")
        conn.execute(
            "CREATE TABLE baseline_invoices (debtor_ref text, invoice_ref text, issue_date text, "
            "due_date text, amount text)"
        )
        with (
            conn.cursor().copy(
                f"COPY baseline_invoices FROM STDIN (FORMAT csv, HEADER true, DELIMITER '{sep}')"
            ) as copy,
            open(csv_path, "rb") as f,
        ):
            while block := f.read(1 << 20):
                copy.write(block)
    _write_peak(peak_file)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1], argv[2], argv[3], "--profile" in argv)
    if argv[:1] == ["--baseline"]:
        return _baseline(argv[1], argv[2:])
    if argv[:1] == ["--baseline-pg"]:
        return _baseline_pg(argv[1], argv[2], argv[3], argv[4])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="invoice rows (1 000 000)")
    ap.add_argument("--debtors", type=int, default=None, help="debtors (default: 30 %% of --rows)")
    ap.add_argument("--french", action="store_true", help="';', dd/mm/yyyy, decimal comma")
    ap.add_argument("--profile", action="store_true", help="cProfile the timed import")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--db", default=None, help="a PostgreSQL URL (its database is replaced); default: SQLite")
    args = ap.parse_args(argv)
    n_debtors = args.debtors or max(1, args.rows * 3 // 10)
    pg = args.db is not None and is_postgres(args.db)
    if args.db is not None and not pg:
        ap.error("--db: a PostgreSQL URL (the SQLite run uses a temporary file)")
    try:
        import sqlite_utils.cli  # noqa: F401  (the baseline runs its CLI in a child process)
    except ImportError:
        print("sqlite-utils introuvable (pip install sqlite-utils)", file=sys.stderr)
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
        if pg:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from gen_bigdb import _recreate_pg_database

            _recreate_pg_database(args.db)
        target = args.db if pg else str(tmp / "recouvre.db")
        store = init_db(target)
        t = time.perf_counter()
        import_file(store, "debtors", debtors_csv, now=NOW, actor="bench", settings=settings)
        store.close()
        print(f"debtors imported (not timed): {time.perf_counter() - t:.1f} s")

        # Each side runs in its own process: its peak resident memory is its own.
        child = ["--child", target, str(invoices_csv)]
        ours = _measure(child + (["--profile"] if args.profile else []), show_output=True)
        if pg:
            cmd = ["--baseline-pg", args.db, str(invoices_csv), sep]
        else:
            cmd = ["--baseline", "insert", str(tmp / "baseline.db"), "invoices", str(invoices_csv), "--csv"]
            if args.french:
                cmd += ["--delimiter", ";"]
        base = _measure(cmd)
        base_name = "PostgreSQL COPY (csv)" if pg else "sqlite-utils insert --csv"

        # Wall time is what the user waits for; CPU time (user + system) leaves out the
        # waits for the disk (sqlite-utils commits every 100 rows, each commit an fsync)
        # and for other processes on a busy machine.
        print("                           wall        cpu     peak RSS")
        print(f"store: {'PostgreSQL' if pg else 'SQLite'}")
        for name, m in (("recouvre import invoices", ours), (base_name, base)):
            print(
                f"{name:25}: {m.wall:7.2f} s  {m.cpu:7.2f} s  {m.peak_mb:7,.0f} MB  ({args.rows / m.wall:,.0f} rows/s)"
            )
        print(
            f"ratio                    : {ours.wall / base.wall:7.2f}x  {ours.cpu / base.cpu:7.2f}x  "
            f"{ours.peak_mb / base.peak_mb:7.2f}x  (target: time <= 2x, memory <= 200 MB)"
        )
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
