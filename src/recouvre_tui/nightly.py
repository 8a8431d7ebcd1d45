"""The nightly job: import the day's files from a drop folder, then refresh.

    recouvre-nightly --drop /srv/recouvre/drop [--db PATH|URL] [--log FILE] [--now ISO]

(installed with the package; `python scripts/nightly.py …` from a source checkout.)

Files are taken from the drop folder (not its subfolders) in this order, each kind sorted
by name (so dated names go oldest first):

    debtors*.csv, *.fec / FEC*.txt, invoices*.csv, payments*.csv, promises*.csv, events*.csv

(debtors before anything that refers to them; a FEC brings its own debtors, invoices and
payments; promises before events so that payments and promises are known when the
history is scored). Each file is imported whole or not at all: an imported file moves to
`done/`, a rejected one to `rejected/` beside `NAME.errors.txt` (every `file:line: column:
problem`). Then `refresh` runs (balances, promises kept/broken, scores, expired claims),
and the first run after a week ends writes that week's wear report (text and CSV) to
`--reports` (default `DROP/reports`).

Everything is logged with timestamps to `--log` (default `DROP/nightly.log`) and to stderr.
Exit status: 0 when every file was imported and the refresh ran; 1 when a file was
rejected or the refresh could not run; 2 on bad usage; 3 when another nightly run holds the
lock. Safe to rerun: imported files have left the folder, imports are idempotent anyway,
and the refresh recomputes from facts. `--min-age SECONDS` leaves alone files modified
more recently (still being copied).

Cron example (Europe/Paris):
`30 2 * * * /opt/recouvre/bin/recouvre-nightly --drop /srv/recouvre/drop --db /srv/recouvre/recouvre.db`.
"""

from __future__ import annotations

import argparse
import fnmatch
import logging
import shutil
import sqlite3
import sys
import time
from datetime import datetime
from pathlib import Path

from recouvre_tui.domain.dates import DateError, last_complete_week, parse_now
from recouvre_tui.domain.text import terminal_safe
from recouvre_tui.importers.reader import ImportRejected
from recouvre_tui.logs import start_logging
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.refresh import JobBusy, exclusive, refresh
from recouvre_tui.services.wear_report import write_weekly_files
from recouvre_tui.settings import ConfigError, default_db_path, load_settings
from recouvre_tui.store.db import StoreError, describe_sqlite_error, open_db
from recouvre_tui.store.target import masked

# (import kind, name patterns), in import order; patterns are matched case-insensitively.
ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("debtors", ("debtors*.csv",)),
    ("fec", ("*.fec", "fec*.txt")),
    ("invoices", ("invoices*.csv",)),
    ("payments", ("payments*.csv",)),
    ("promises", ("promises*.csv",)),
    ("events", ("events*.csv",)),
)

log = logging.getLogger("recouvre.nightly")
# The application log (`log_file`), shared with the sessions: the services log each import and
# the refresh there with their figures; this job adds its start, end and unexpected failures.
app_log = logging.getLogger("recouvre_tui.nightly")


class _SafeFormatter(logging.Formatter):
    """Log lines quote file and column names: no terminal control reaches the log or stderr."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


def plan(drop: Path, *, min_age: float = 0.0, now: float | None = None) -> list[tuple[str, Path]]:
    """(kind, file) to import, in order; files matching no pattern are left alone."""
    now = time.time() if now is None else now
    files = sorted(p for p in drop.iterdir() if p.is_file())
    out: list[tuple[str, Path]] = []
    taken: set[Path] = set()
    for kind, patterns in ORDER:
        for p in files:
            if p in taken or not any(fnmatch.fnmatch(p.name.lower(), pat) for pat in patterns):
                continue
            if min_age and now - p.stat().st_mtime < min_age:
                log.info("%s : trop récent (en cours de copie ?), laissé pour la prochaine fois", p.name)
                continue
            taken.add(p)
            out.append((kind, p))
    return out


def _move(src: Path, folder: Path) -> Path:
    """Move `src` into `folder`, never overwriting an older file of the same name."""
    folder.mkdir(exist_ok=True)
    dest = folder / src.name
    n = 1
    while dest.exists():
        dest = folder / f"{src.stem}.{n}{src.suffix}"
        n += 1
    shutil.move(str(src), dest)
    return dest


def run(
    drop: Path,
    db: Path | str,
    *,
    now: datetime,
    config: Path | None = None,
    min_age: float = 0.0,
    reports: Path | None = None,
) -> int:
    settings = load_settings(config)
    store = open_db(db)  # created by `recouvre init`, never here
    rejected = 0
    try:
        with exclusive(store, "nightly", now=now):
            todo = plan(drop, min_age=min_age)
            log.info("début : %d fichier(s) dans %s, base %s", len(todo), drop, masked(str(db)))
            for kind, path in todo:
                try:
                    res = import_file(store, kind, path, now=now, actor="nightly", settings=settings)
                except ImportRejected as exc:
                    rejected += 1
                    dest = _move(path, drop / "rejected")
                    report = [str(i) for i in exc.issues] + [f"avertissement : {w}" for w in exc.warnings]
                    text = terminal_safe("\n".join(report) + "\n")  # file and column names come from data
                    dest.with_name(dest.name + ".errors.txt").write_text(text, encoding="utf-8")
                    log.error(
                        "%s (%s) rejeté, %d erreur(s), base inchangée → %s", path.name, kind, exc.count, dest
                    )
                    for line in report[:20]:
                        log.error("  %s", line)
                    continue
                dest = _move(path, drop / "done")
                for w in res.warnings:
                    log.warning("  %s", w)
                log.info(
                    "%s (%s) importé : %d lignes, %d ajout(s), %d mise(s) à jour, %d inchangée(s) → %s",
                    path.name,
                    kind,
                    res.rows,
                    res.inserted,
                    res.updated,
                    res.unchanged,
                    dest,
                )
                for note in res.notes:  # what a FEC import did with the ledger
                    log.info("  %s", note)
            summary = refresh(store, now=now, settings=settings, actor="nightly")
            for line in summary.lines():
                log.info("rafraîchissement : %s", line.strip())
            weekly_reports(store, reports or drop / "reports", now=now, settings=settings)
    finally:
        store.close()
    if rejected:
        log.error("fin : %d fichier(s) rejeté(s) (voir %s)", rejected, drop / "rejected")
        return 1
    log.info("fin : tout est importé, rafraîchissement fait")
    return 0


def weekly_reports(store, folder: Path, *, now: datetime, settings) -> None:
    """On the first run after a week ends (normally Monday's), write its wear report (text, CSV)."""
    week = last_complete_week(now)
    if (folder / f"usure-des-relances-{week}.txt").exists():
        return
    for path in write_weekly_files(store, folder, now=now, settings=settings):
        log.info("rapport hebdomadaire écrit : %s", path)
        app_log.info("nightly weekly report %s written: %s", week, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drop", type=Path, required=True, help="dossier de dépôt des fichiers du jour")
    # Text, not a Path: a PostgreSQL URL must keep its "//" (store/target.py).
    ap.add_argument(
        "--db",
        type=str,
        default=None,
        help="base : fichier SQLite ou URL postgresql://… (défaut : RECOUVRE_DB, sinon le dossier utilisateur)",
    )
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--log", type=Path, default=None, help="journal (défaut : DROP/nightly.log)")
    ap.add_argument("--now", default=None, metavar="ISO-DATETIME", help="horloge figée (heure de Paris sans décalage)")
    ap.add_argument("--min-age", type=float, default=0.0, metavar="SECONDS")
    ap.add_argument(
        "--reports", type=Path, default=None, help="dossier des rapports hebdomadaires (défaut : DROP/reports)"
    )
    args = ap.parse_args(argv)
    if not args.drop.is_dir():
        print(f"erreur : dossier de dépôt introuvable : {args.drop}", file=sys.stderr)
        return 2
    handlers: list[logging.Handler] = [
        logging.FileHandler(args.log or args.drop / "nightly.log", encoding="utf-8"),
        logging.StreamHandler(sys.stderr),
    ]
    fmt = _SafeFormatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S%z")
    for h in handlers:
        h.setFormatter(fmt)
        log.addHandler(h)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        settings = load_settings(args.config)
    except ConfigError:
        settings = None  # `run` reports it
    opened = start_logging(settings.log_file if settings else None, max_mb=settings.log_max_mb if settings else 10)
    if isinstance(opened, str):
        log.warning("%s", opened)
    app_log.info("nightly start: drop=%s", args.drop)
    try:
        now = parse_now(args.now)
        return run(
            args.drop,
            args.db or default_db_path(),
            now=now,
            config=args.config,
            min_age=args.min_age,
            reports=args.reports,
        )
    except JobBusy as exc:
        log.error("%s", exc)
        app_log.warning("nightly refused: another run holds the lock")
        return 3
    except (StoreError, ConfigError, DateError) as exc:
        log.error("erreur : %s", exc)
        app_log.error("nightly failed: %s", exc)
        return 1
    except sqlite3.DatabaseError as exc:  # disk full, read-only, damaged: the transaction was rolled back
        log.error("erreur : %s", describe_sqlite_error(exc, args.db or default_db_path()))
        app_log.error("nightly failed: database error", exc_info=True)
        return 1
    except OSError as exc:  # a file moved or written beside the base (done/, reports)
        log.error(
            "erreur : %s : %s ; les fichiers non traités restent dans le dossier de dépôt", exc.filename, exc.strerror
        )
        app_log.error("nightly failed: file error", exc_info=True)
        return 1
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):  # the PostgreSQL store: rolled back too
            from recouvre_tui.store.pg import describe_pg_error

            log.error("erreur : %s", describe_pg_error(exc, str(args.db or default_db_path())))
            app_log.error("nightly failed: database error", exc_info=True)
            return 1
        log.exception("erreur inattendue")
        app_log.exception("nightly failed: unexpected error")
        return 1
    finally:
        app_log.info("nightly end")
        for h in handlers:
            log.removeHandler(h)
            h.close()


if __name__ == "__main__":
    sys.exit(main())
