"""`recouvre config`: print the default settings or the effective ones."""

from __future__ import annotations

import click

from .common import (
    Ctx,
    echo,
    handle_errors,
)
from .root import main


@main.group()
def config() -> None:
    """Réglages : valeurs par défaut et valeurs en vigueur (TOML commenté)."""


@config.command("defaults")
def config_defaults() -> None:
    """Afficher le fichier de configuration par défaut, chaque clé avec son aide et ses bornes."""
    from ..domain.config import Settings
    from ..settings import render_toml

    echo(render_toml(Settings()), nl=False)


@config.command("show")
@click.pass_obj
@handle_errors
def config_show(obj: Ctx) -> None:
    """Afficher les réglages en vigueur (fichier de configuration vérifié, défauts sinon)."""
    from ..settings import render_toml

    echo(render_toml(obj.settings), nl=False)
