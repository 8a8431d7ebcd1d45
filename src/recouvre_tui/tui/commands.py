"""The command palette (ctrl+p): the main actions of the current screen and of the app."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

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


NO_MATCH_FR = "Aucune commande ne correspond"


class FrenchCommandPalette(CommandPalette):
    """Textual's palette, with its « no match » line in French (the only English it shows)."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Same as Textual's, but the line it adds is ours.
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCH_FR, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)
