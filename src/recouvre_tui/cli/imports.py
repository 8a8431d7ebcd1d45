"""`recouvre import`: load debtors, invoices, payments, events, promises or a FEC file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .common import (
    NOW_OPTION,
    Ctx,
    _now,
    _system_user,
    echo,
    handle_errors,
)
from .root import main


@main.command("import")
@click.argument("kind", type=click.Choice(["debtors", "invoices", "payments", "events", "promises", "fec"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Dire ce qui changerait, sans rien écrire.")
@click.option(
    "--columns",
    "columns_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='Fichier TOML de correspondance des colonnes ("Numéro Facture" = "invoice_ref").',
)
@click.option(
    "--column",
    "column_pairs",
    multiple=True,
    help='Correspondance d\'une colonne : "Numéro Facture=invoice_ref" (répétable).',
)
@click.option(
    "--actor",
    default=None,
    help="Auteur inscrit au journal d'audit (défaut : l'utilisateur système).",
)
@NOW_OPTION
@click.pass_obj
@handle_errors
def import_(
    obj: Ctx,
    kind: str,
    file: Path,
    dry_run: bool,
    columns_file: Path | None,
    column_pairs: tuple[str, ...],
    actor: str | None,
    now_text: str | None,
) -> None:
    """Importer un fichier (CSV ou FEC) ; tout ou rien, idempotent."""
    from ..importers.column_map import load_column_map, parse_column_option
    from ..services.importing import import_file

    columns = load_column_map(columns_file) if columns_file else {}
    columns.update(parse_column_option(pair) for pair in column_pairs)
    store = obj.store()
    now = _now(now_text)
    with _progress(file) as progress:
        result = import_file(
            store,
            kind,
            file,
            now=now,
            actor=actor or _system_user(),
            settings=obj.settings,
            dry_run=dry_run,
            progress=progress,
            columns=columns or None,
        )
    for w in result.warnings:
        echo(f"avertissement : {w}", err=True)
    verb = "changerait" if dry_run else "importé"
    echo(
        f"{result.file} ({kind}) : {result.rows} lignes — {result.inserted} ajout(s), "
        f"{result.updated} mise(s) à jour, {result.unchanged} inchangée(s)"
        + (" [simulation : rien n'a été écrit]" if dry_run else "")
    )
    for note in result.notes:
        echo(f"  {note}")
    if columns:
        echo("colonnes : " + ", ".join(f"« {s} » → {t}" for s, t in columns.items()))
        if dry_run:
            echo("premières lignes lues :")
            for line in result.preview:
                echo(f"  {line}")
    if dry_run and result.examples:
        echo(f"ce qui {verb} :")
        for e in result.examples:
            echo(f"  {e}")


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress display with rows/s on a TTY for files over 5 MB; nothing otherwise."""
    try:
        big = file.stat().st_size > 5_000_000
    except OSError:
        big = False
    if not (big and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as p:
        task = p.add_task(f"import de {file.name}", total=None)

        def update(phase: str, done: int, total: int) -> None:
            p.update(task, description=f"import de {file.name} : {phase}")

        yield update
