"""The `recouvre` click group itself: global options (`--db`, `--config`, `--log-level`),
settings and logging. Commands attach to it from their own modules."""

from __future__ import annotations

from pathlib import Path

import click

from ..logs import LEVELS, start_logging
from ..settings import ConfigError, default_db_path
from .common import Ctx, echo


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    type=str,
    default=None,
    help="Base : fichier SQLite ou URL postgresql://… (défaut : RECOUVRE_DB, sinon le dossier de données "
    "utilisateur).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier de configuration TOML (défaut : RECOUVRE_CONFIG, sinon ~/.config/recouvre/config.toml).",
)
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    help="Niveau du journal (fichier `log_file` de la configuration).",
)
@click.version_option(package_name="recouvre-tui")
@click.pass_context
def main(ctx: click.Context, db: str | None, config: Path | None, log_level: str) -> None:
    """recouvre — poste de travail d'une équipe de recouvrement amiable."""
    ctx.obj = Ctx(db or default_db_path(), config)
    try:
        settings = ctx.obj.settings
    except ConfigError:
        settings = None  # the command reports the configuration error; log to the default file
    opened = start_logging(
        settings.log_file if settings else None, level=log_level, max_mb=settings.log_max_mb if settings else 10
    )
    if isinstance(opened, str):
        echo(f"avertissement : {opened}", err=True)
