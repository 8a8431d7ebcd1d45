#!/usr/bin/env python3
"""Write the deterministic demo portfolio as CSV import files.

    python scripts/make_demo.py --out fixtures/sample --today 2026-11-23 --limit 12

writes debtors.csv, invoices.csv, payments.csv, events.csv and promises.csv (UTF-8, `;`)
into --out. The same --today, --seed and --debtors always give the same files; --limit
keeps only the first N debtors and their rows (the committed samples use 12).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from recouvre_tui.demo import DEFAULT_SEED, generate_demo, write_csv_files
from recouvre_tui.domain.dates import PARIS


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = f"date illisible « {text} » (attendu AAAA-MM-JJ)"
        raise argparse.ArgumentTypeError(message) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu, pas « {text} »") from None
    if value < 1:
        raise argparse.ArgumentTypeError("doit être au moins 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Génère le portefeuille de démonstration en fichiers CSV d'import.")
    parser.add_argument("--out", type=Path, required=True, help="dossier de sortie")
    parser.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        help="date de référence AAAA-MM-JJ (défaut : aujourd'hui à Paris)",
    )
    parser.add_argument("--debtors", type=_positive, default=2000, help="nombre de débiteurs (défaut : 2000)")
    parser.add_argument("--limit", type=_positive, default=None, help="n'écrire que les N premiers débiteurs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"graine (défaut : {DEFAULT_SEED})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    today = args.today or datetime.now(PARIS).date()
    data = generate_demo(today, seed=args.seed, debtors=args.debtors)
    paths = write_csv_files(data, args.out, limit=args.limit)
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            rows = sum(1 for _ in fh) - 1
        print(f"{path}: {rows} lignes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
