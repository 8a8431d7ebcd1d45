"""The command palette (ctrl+p): the main actions of the current screen and of the app."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, str, Callable[[], Any]]


class RecouvreCommands(Provider):
    """Screen actions first (« Issue : pas de réponse », « Promesse… »), then the app's."""

    def _commands(self) -> list[Command]:
        app: Any = self.app
        commands: list[Command] = []
        screen_commands = getattr(self.screen, "palette_commands", None)
        if callable(screen_commands):
            commands.extend(screen_commands())
        if app.agent.is_lead:
            from .lead import LEAD_SCREENS

            for name, (title, key) in LEAD_SCREENS.items():
                commands.append(
                    (f"Responsable : {title}", f"touche {key} à l'accueil", partial(app.action_lead, name))
                )
        commands += [
            ("Dossier suivant", "Prendre et ouvrir le prochain dossier", app.action_next_case),
            ("File d'attente", "Les prochains dossiers et pourquoi", app.action_show_queue),
            ("Promesses", "À échéance, manquées, à venir, tenues ; annuler (o à l'accueil)", app.action_promises),
            ("Accueil", "Chiffres du jour et portefeuille", app.action_home),
            ("Aide : touches du clavier", "F1", app.action_help),
            ("Changer de thème", "Couleurs de l'interface", app.action_change_theme),
            ("Quitter", "Rendre le dossier en cours et quitter (ctrl+q)", app.action_quit),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
