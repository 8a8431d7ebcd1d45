"""Database upkeep: `init`, `migrate`, `backup`, `refresh` and `doctor`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..store.db import init_db, open_db
from .common import (
    EXIT_ERROR,
    NOW_OPTION,
    Ctx,
    _json,
    _now,
    _table,
    echo,
    fail,
    handle_errors,
)
from .root import main


@main.command()
@click.option("--demo", is_flag=True, help="Remplir la base avec le portefeuille de démonstration.")
@click.option("--force", is_flag=True, help="Avec --demo : remplacer une base existante.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def init(obj: Ctx, demo: bool, force: bool, now_text: str | None) -> None:
    """Créer la base (schéma à jour) ; --demo la remplit avec des données de démonstration."""
    now = _now(now_text)
    if demo:
        from ..services.demo_seed import DEMO_EXTRA_MISSING, DEMO_ON_FILE_ONLY, demo_extra_installed, seed_demo

        if not demo_extra_installed():
            fail(DEMO_EXTRA_MISSING)
        if not isinstance(obj.db_path, Path) and "://" in obj.db_path:
            fail(DEMO_ON_FILE_ONLY)
        stats = seed_demo(Path(obj.db_path), now=now, settings=obj.settings, force=force)
        echo(f"base de démonstration prête : {obj.db_path}")
        for k, v in stats.items():
            echo(f"  {k:<10} {v}")
        return
    from ..services.calendars import store_calendars

    store = init_db(obj.db_path)
    try:
        store_calendars(store, now=now)
    finally:
        store.close()
    echo(f"base prête : {obj.db_label}")


@main.command()
@NOW_OPTION
@click.pass_obj
@handle_errors
def migrate(obj: Ctx, now_text: str | None) -> None:
    """Mettre à jour le schéma de la base (sauvegarde automatique à côté d'elle avant).

    Sur PostgreSQL, pas de copie de sauvegarde : les migrations s'appliquent en une seule
    transaction, tout ou rien (« recouvre backup » avant, si vous voulez une copie).
    """
    from ..services.calendars import store_calendars
    from ..services.maintenance import migrate as run_migrate

    now = _now(now_text)
    store = open_db(obj.db_path, allow_pending=True)
    try:
        done = run_migrate(store, now=now)
        store_calendars(store, now=now)  # the holidays package may have been upgraded with the program
    finally:
        store.close()
    if not done.applied:
        echo(f"base déjà à jour : {obj.db_label}")
        return
    if done.backup is not None:
        echo(f"sauvegarde avant migration : {done.backup}")
    else:
        echo(
            "PostgreSQL : pas de copie de sauvegarde avant migration ; les migrations s'appliquent en une "
            "seule transaction (tout ou rien) : en cas d'échec, la base reste telle qu'elle était"
        )
    for name in done.applied:
        echo(f"  appliquée : {name}")
    echo(f"base à jour : {obj.db_label}")


@main.command()
@click.option(
    "--full",
    is_flag=True,
    help="Tout recalculer depuis les faits (factures, paiements, historique) : plus lent, pour réparer.",
)
@NOW_OPTION
@click.pass_obj
@handle_errors
def refresh(obj: Ctx, full: bool, now_text: str | None) -> None:
    """Traitement de nuit : soldes, promesses, scores, dossiers expirés."""
    from ..services.refresh import refresh as run_refresh

    summary = run_refresh(obj.store(), now=_now(now_text), settings=obj.settings, full=full)
    echo("rafraîchissement terminé")
    for line in summary.lines():
        echo(f"  {line}")


@main.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@handle_errors
def backup(obj: Ctx, dest: Path) -> None:
    """Copie cohérente de la base, pendant que les agents travaillent.

    SQLite : API de sauvegarde en ligne ; DEST est une base SQLite (--db DEST pour l'ouvrir).
    PostgreSQL : pg_dump au format personnalisé (-Fc), relu en entier (pg_restore -f /dev/null) ;
    pour restaurer : createdb -O ROLE_DE_L_URL NOUVELLE_BASE (par un administrateur du serveur) puis
    pg_restore --no-owner --exit-on-error --single-transaction -d URL_DE_NOUVELLE_BASE DEST.
    """
    from ..services.maintenance import backup as run_backup
    from ..services.maintenance import backup_postgres
    from ..store.pg_backup import restore_hint

    store = obj.store()
    try:
        if store.kind == "postgresql":
            done = backup_postgres(store, dest)
            echo(f"sauvegarde écrite : {dest} (pg_dump, format personnalisé, {done.entries} objets)")
            echo(restore_hint(dest, store.path))
            return
        pages = run_backup(store, dest)
    finally:
        store.close()
    echo(f"sauvegarde écrite : {dest} ({pages} pages)")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def doctor(obj: Ctx, fmt: str, now_text: str | None) -> None:
    """Vérifier la base : intégrité, schéma, WAL, dossiers expirés, qualité des données."""
    from ..services.doctor import FAIL, diagnose

    checks = diagnose(obj.db_path, now=_now(now_text))
    if fmt == "json":
        _json([c.__dict__ for c in checks])
    else:
        _table(["contrôle", "état", "détail"], [[c.name, c.status, c.detail] for c in checks])
    if any(c.status == FAIL for c in checks):
        sys.exit(EXIT_ERROR)
