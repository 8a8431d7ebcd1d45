"""Health checks for the ops person: `recouvre doctor`."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..domain.dates import from_db, to_db
from ..domain.money import format_eur
from ..store import health
from ..store import legal as legal_sql
from ..store.db import Store, StoreError, open_db
from ..store.schema import applied_migrations, known_migrations, pending_migrations

OK, WARN, FAIL = "ok", "attention", "erreur"


@dataclass
class Check:
    name: str
    status: str
    detail: str


def diagnose(path: Path | str, *, now: datetime) -> list[Check]:
    """`recouvre doctor` on a file: a database that cannot be opened (missing, another program's,
    another schema, damaged) is a failed check saying why, never a crash."""
    try:
        store = open_db(path, allow_pending=True)
    except StoreError as exc:
        return [Check("ouverture de la base", FAIL, str(exc))]
    try:
        return run_checks(store, now=now)
    finally:
        store.close()


def run_checks(store: Store, *, now: datetime) -> list[Check]:
    checks: list[Check] = []
    try:
        with store.read() as conn:
            problems = health.integrity(conn)
    except sqlite3.DatabaseError as exc:
        problems = [f"contrôle impossible : {exc}"]
    except Exception as exc:  # the PostgreSQL store's errors (psycopg), told the same way
        if not type(exc).__module__.startswith("psycopg"):
            raise
        problems = [f"contrôle impossible : {exc}"]
    intact = problems == ["ok"]
    checks.append(Check("intégrité", OK if intact else FAIL, "ok" if intact else "; ".join(problems[:5])))
    if not intact:
        checks.append(
            Check(
                "contrôles des données",
                FAIL,
                "non faits : la base est endommagée ; restaurez la dernière sauvegarde (recouvre backup)",
            )
        )
        return checks
    try:
        _data_checks(store, now, checks)
    except sqlite3.DatabaseError as exc:
        checks.append(Check("lecture des données", FAIL, f"impossible : {exc}"))
    _wal_check(store, checks)
    return checks


def _data_checks(store: Store, now: datetime, checks: list[Check]) -> None:
    with store.read() as conn:
        fk = health.foreign_key_problems(conn)
        checks.append(Check("clés étrangères", OK if fk == 0 else FAIL, f"{fk} ligne(s) orpheline(s)"))
        applied = applied_migrations(store)
        latest = known_migrations()[-1]
        pending = pending_migrations(store)
        checks.append(
            Check(
                "schéma",
                OK if not pending else WARN,
                f"version {applied[-1] if applied else 'aucune'}"
                + (
                    f", en attente : {', '.join(pending)} (lancez « recouvre migrate »)"
                    if pending
                    else f" (à jour : {latest})"
                ),
            )
        )
        stale = health.stale_claims(conn, to_db(now))
        checks.append(
            Check(
                "dossiers réservés expirés",
                OK if stale == 0 else WARN,
                f"{stale} (libérés au prochain « next » ou « refresh »)",
            )
        )
        nophone = health.without_valid_phone(conn)
        checks.append(Check("débiteurs sans numéro valide", OK if nophone == 0 else WARN, str(nophone)))
        verify = health.numbers_to_verify(conn)
        checks.append(Check("numéros à vérifier", OK if verify == 0 else WARN, str(verify)))
        orphans = health.unreminded(conn, to_db(now - timedelta(days=28)))
        checks.append(Check("comptes sans relance depuis 28 jours", OK if orphans == 0 else WARN, str(orphans)))
        count, total, top = health.credit_balances(conn)
        shown = ", ".join(f"{ref} {name} ({format_eur(balance)})" for ref, name, balance in top)
        checks.append(
            Check(
                "soldes créditeurs (jamais proposés à l'appel)",
                OK if count == 0 else WARN,
                "0"
                if count == 0
                else f"{count} débiteur(s), {format_eur(-total)} à rembourser ou à imputer : {shown}"
                + (" …" if count > len(top) else ""),
            )
        )
        n_doubtful, doubtful_total = health.doubtful(conn)
        checks.append(Check("clients douteux (416)", OK, f"{n_doubtful} débiteur(s), {format_eur(doubtful_total)}"))
        if "m008_overindebtedness" in applied:
            over = legal_sql.overindebted(conn)
            shown = ", ".join(f"{ref} (depuis le {since[8:10]}/{since[5:7]}/{since[:4]})" for ref, _, since in over[:5])
            checks.append(
                Check(
                    "débiteurs en surendettement (aucune relance)",
                    OK,
                    f"{len(over)}" + (f" : {shown}" if shown else "") + (" …" if len(over) > 5 else ""),
                )
            )
        last = health.last_refresh(conn)
        age = None if last is None else now - (from_db(last) or now)
        checks.append(
            Check(
                "dernier rafraîchissement",
                OK if age is not None and age < timedelta(hours=36) else WARN,
                "jamais" if last is None else f"{last} UTC",
            )
        )
        lock = health.job_lock(conn, "refresh")
        if lock is not None:
            stuck = lock[2] <= to_db(now)
            checks.append(
                Check(
                    "verrou du rafraîchissement",
                    WARN if stuck else OK,
                    f"tenu par {lock[0]} depuis {lock[1]} UTC" + (" (expiré)" if stuck else ""),
                )
            )


def _wal_check(store: Store, checks: list[Check]) -> None:
    if store.kind == "postgresql":
        return  # the server manages its own write-ahead log
    wal = store.path + "-wal"
    size = os.path.getsize(wal) if os.path.exists(wal) else 0
    checks.append(Check("journal WAL", OK if size < 256 * 1024 * 1024 else WARN, f"{size / 1024 / 1024:.1f} Mo"))
