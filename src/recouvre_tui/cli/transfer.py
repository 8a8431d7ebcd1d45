"""`copy-to`: move the SQLite database to an empty PostgreSQL database (docs/postgresql.md)."""

from __future__ import annotations

import time

import click

from .common import NOW_OPTION, Ctx, _json, _now, _system_user, echo, handle_errors
from .root import main

# Below this many rows a copy takes a second or two: no progress lines.
PROGRESS_FROM_ROWS = 10_000


@main.command("copy-to")
@click.argument("url", metavar="postgresql://…")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def copy_to(obj: Ctx, url: str, fmt: str, now_text: str | None) -> None:
    """Copier toute la base SQLite (--db) dans une base PostgreSQL vide, en une transaction.

    Schéma, toutes les tables avec leurs identifiants, journal d'audit et compteurs ; puis
    contrôle des nombres de lignes et des soldes par débiteur des deux côtés avant de valider.
    Au moindre écart ou échec, rien n'est écrit dans PostgreSQL. La base SQLite n'est que lue :
    arrêtez les sessions avant, ce qui est saisi pendant la copie n'est pas copié. Ensuite, sur
    chaque frontal SSH : recouvre --db URL ssh authorized-keys --install.
    """
    from ..services.transfer import copy_to as run_copy
    from ..services.transfer import source_rows
    from ..store.target import masked

    source = obj.store()
    try:
        big = source_rows(source) >= PROGRESS_FROM_ROWS
        started = time.monotonic()

        def progress(table: str, done: int, total: int) -> None:
            if big:
                elapsed = time.monotonic() - started
                echo(f"  {table} : {_n(done)} / {_n(total)} ligne(s) ({elapsed:.1f} s)", err=True)

        summary = run_copy(source, url, now=_now(now_text), actor=_system_user(), progress=progress)
    finally:
        source.close()
    if fmt == "json":
        _json(summary.as_json())
        return
    echo(f"copie terminée : {summary.source} → {masked(url)}")
    echo(f"  {len(summary.tables)} table(s), {_n(summary.rows)} ligne(s) en {summary.seconds:.1f} s")
    echo(f"  contrôlé : nombres de lignes et soldes de {_n(summary.debtors)} débiteur(s) identiques des deux côtés")
    echo(f"  désormais : recouvre --db '{masked(url)}' … (ou RECOUVRE_DB) ; la base SQLite n'a pas été modifiée")
    # Where the SQLite side installed its keys is not copied: its lines force the old file.
    echo(
        f"  accès SSH des agents : sur chaque frontal, lancez recouvre --db '{masked(url)}' "
        "ssh authorized-keys --install"
    )
    if summary.authorized_keys is not None:
        echo(f"  d'ici là, {summary.authorized_keys} envoie encore les agents sur la base SQLite {summary.source}")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")
