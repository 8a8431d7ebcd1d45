"""F1: every key, by screen, in French."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from ..outcome.draft import DIGIT_DISPOSITIONS, NOTE_REMINDER, disposition_label

GLOBAL = [
    ("F1", "cette aide"),
    ("ctrl+p", "palette de commandes (actions, thème)"),
    ("ctrl+q", "quitter (le dossier en cours est rendu à la file)"),
]
WELCOME = [("Entrée", "dossier suivant"), ("f", "file d'attente"), ("o", "promesses")]
PROMISES = [
    ("1 … 5 / s", "à échéance aujourd'hui · manquées · à venir · tenues cette semaine · annulées"),
    ("a", "agent qui a enregistré la promesse : tous / chacun"),
    ("Entrée", "détail : échéances, paiements pris en compte et leur répartition"),
    ("c", "annuler la promesse (motif obligatoire, inscrit au journal d'audit)"),
    ("Échap", "retour"),
]
QUEUE = [
    ("Entrée", "prendre le dossier suivant"),
    ("↑ ↓", "parcourir ; « Pourquoi ? » à droite : provenance (rappel, portefeuille, pool), rang, score"),
    ("", "s, o, m, b filtrent l'affichage seulement : Entrée prend toujours le suivant de toute la file"),
    ("s", "segment : tous / professionnels / particuliers"),
    ("o", "zone : toutes / outre-mer / métropole"),
    ("m", "tranche de montant"),
    ("b", "afficher / masquer les débiteurs bloqués et leurs raisons"),
    ("x", "sans filtre"),
    ("n / p", "page suivante / précédente"),
    ("Échap", "accueil"),
]
CASE_RIGHT = [
    ("Entrée", "enregistrer l'issue choisie, puis dossier suivant"),
    ("Échap", "annuler la sélection"),
    ("p", "promesse de paiement (solde pré-rempli)"),
    ("e", "échéancier avec aperçu des dates"),
    ("r", "rappel demandé (heure locale du débiteur ; personnel, ou pour l'équipe)"),
    ("6 / v", "paiement immédiat / déjà payé — à vérifier (date, montant, moyen ; mis de côté le temps du paiement)"),
    ("m", "motif du retard"),
    ("n", f"note ({NOTE_REMINDER}) : Entrée nouvelle ligne, ctrl+s la garder"),
    ("d", "envoyer un duplicata de facture"),
    ("c", "transmettre le litige au commercial"),
    ("t", "changer de ton du guide d'appel"),
    ("a", "changer de numéro appelé"),
    ("l", "libérer le dossier sans issue"),
]
LEAD = [
    ("b", "tableau d'équipe en direct ; Entrée : revue de la file choisie"),
    ("v", "revue des files : f filtres · x sans filtre · n / p pages · e exporter"),
    ("", "espace sélection · t tous ceux du filtre · a réaffecter"),
    ("", "h attente · d ne pas appeler · l clore un litige · Entrée fiche"),
    ("u", "usure des relances : ← → semaine · Entrée fiche · a réaffecter"),
    ("", "t nouvelle approche / ton · m mise en demeure envoyée · h attente"),
    ("", "g graphiques / répartitions · r recalculer · x exporter (.xlsx, CSV, e-mail)"),
    ("k", "indicateurs de la semaine : ← → semaine · x exporter (.xlsx, CSV, e-mail)"),
    ("j", "journal d'audit : f filtrer · x sans filtre · n / p pages"),
    ("/", "recherche d'un débiteur ; Entrée : sa fiche (lecture seule)"),
    ("c", "soldes créditeurs (clients en crédit, jamais appelés) ; Entrée : sa fiche"),
    ("Échap", "retour"),
]
FORMS = [
    ("Tab / maj+Tab", "champ suivant / précédent"),
    ("Entrée", "enregistrer (rien n'est enregistré tant qu'il reste une erreur)"),
    ("Échap", "annuler"),
    ("dates", "jj/mm/aaaa, jj/mm (prochaine date) ou +7 (dans 7 jours)"),
]


def _section(title: str, rows: list[tuple[str, str]]) -> str:
    lines = [f"[b $accent]{title}[/]"]
    lines += [f"  [b]{key:<14}[/] {text}" for key, text in rows]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "fermer", key_display="Échap", id="help.close"),
    ]

    def __init__(self, under: Screen[Any] | None = None) -> None:
        super().__init__(id="help")
        self.under = under

    def compose(self) -> ComposeResult:
        digits = [(d, disposition_label(code)) for d, code in DIGIT_DISPOSITIONS.items()]
        here = getattr(self.under, "HELP_SECTION", None)
        text = "\n\n".join(
            [
                *([_section(here[0], here[1])] if here else []),
                _section("Partout", GLOBAL),
                _section("Accueil", WELCOME),
                _section("File d'attente", QUEUE),
                _section("Promesses (o depuis l'accueil)", PROMISES),
                _section("Dossier — issue d'appel (chiffre puis Entrée)", digits),
                _section("Dossier — actions", CASE_RIGHT),
                *([_section("Responsable d'équipe (depuis l'accueil)", LEAD)] if self._lead() else []),
                _section("Formulaires", FORMS),
                "[dim]« 1 » puis « Entrée » : pas de réponse enregistré, dossier suivant ouvert.\n"
                "La souris fonctionne aussi : cliquez sur les touches affichées.[/]",
            ]
        )
        with Vertical(classes="dialog", id="help-dialog") as dialog:
            dialog.border_title = "Aide — touches du clavier"
            dialog.border_subtitle = "Échap ou F1 pour fermer"
            with VerticalScroll(id="help-scroll"):
                yield Static(text)
        yield Footer(compact=True)

    def _lead(self) -> bool:
        agent = getattr(self.app, "agent", None)
        return bool(agent is not None and agent.is_lead)

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    async def action_dismiss(self, result: Any = None) -> None:
        self.dismiss(None)
