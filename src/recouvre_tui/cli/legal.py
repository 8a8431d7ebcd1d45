"""Letters and legal rules (docs/letters.md, docs/legal.md): `letter …`, `court-pack`,
`statement`, `penalties`, `prescription`, `acknowledgment`, `overindebted`."""

from __future__ import annotations

from pathlib import Path

import click

from ..domain.dates import parse_date
from ..domain.money import format_eur
from .common import (
    NOW_OPTION,
    Ctx,
    _agent,
    _json,
    _now,
    _table,
    echo,
    handle_errors,
)
from .root import main


@main.group()
def letter() -> None:
    """Courriers générés : mise en demeure, numéro de recommandé."""


@letter.command("formal-notice")
@click.argument("debtor_ref")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe (signataire).")
@click.option("--deadline-days", type=int, default=8, show_default=True, help="Délai de paiement, en jours.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier PDF.")
@click.option("--email", "by_email", is_flag=True, help="L'envoyer aussi à l'adresse e-mail du débiteur ([smtp]).")
@NOW_OPTION
@click.pass_obj
@handle_errors
def letter_formal_notice(
    obj: Ctx,
    debtor_ref: str,
    as_login: str,
    deadline_days: int,
    output: Path | None,
    by_email: bool,
    now_text: str | None,
) -> None:
    """Générer la mise en demeure d'un débiteur (PDF) et l'enregistrer dans son historique."""
    from ..services.letters import email_letter, formal_notice

    store = obj.store()
    r = formal_notice(
        store,
        _agent(store, as_login),
        debtor_ref,
        now=_now(now_text),
        settings=obj.settings,
        deadline_days=deadline_days,
        output=output,
    )
    echo(f"{debtor_ref} : mise en demeure {r.reference} ({format_eur(r.amount_cents)}) écrite dans {r.path}")
    if by_email:
        to = email_letter(store, _agent(store, as_login), debtor_ref, r, now=_now(now_text), settings=obj.settings)
        echo(f"{debtor_ref} : mise en demeure {r.reference} envoyée par e-mail à {to}")


@letter.command("set-tracking")
@click.argument("debtor_ref")
@click.argument("letter_ref")
@click.argument("number")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def letter_set_tracking(
    obj: Ctx, debtor_ref: str, letter_ref: str, number: str, as_login: str, now_text: str | None
) -> None:
    """Enregistrer le numéro de recommandé d'un courrier généré."""
    from ..services.letters import set_tracking

    store = obj.store()
    set_tracking(store, _agent(store, as_login), debtor_ref, letter_ref, number, now=_now(now_text))
    echo(f"{debtor_ref} : recommandé n° {number} enregistré pour {letter_ref}")


@main.command("court-pack")
@click.argument("debtor_ref")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None, help="Dossier.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def court_pack_cmd(obj: Ctx, debtor_ref: str, as_login: str, output: Path | None, now_text: str | None) -> None:
    """Préparer le dossier d'injonction de payer (décompte, données du formulaire, pièces)."""
    from ..services.letters import court_pack

    store = obj.store()
    pack = court_pack(
        store, _agent(store, as_login), debtor_ref, now=_now(now_text), settings=obj.settings, output=output
    )
    echo(f"{debtor_ref} : {pack.route.procedure} ({pack.route.court}) — dossier écrit dans {pack.folder}")


@main.command()
@click.argument("debtor_ref")
@click.option("--as", "as_login", required=True, help="Agent ou responsable qui voit le débiteur.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier PDF.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def statement(obj: Ctx, debtor_ref: str, as_login: str, output: Path | None, now_text: str | None) -> None:
    """Relevé de compte du débiteur (PDF) : factures ouvertes et récentes, avoirs, paiements, solde."""
    from ..services.letters import statement as make_statement

    store = obj.store()
    path = make_statement(
        store, _agent(store, as_login), debtor_ref, now=_now(now_text), settings=obj.settings, output=output
    )
    echo(f"{debtor_ref} : relevé de compte écrit dans {path}")


def _eur_plain(cents: int) -> str:
    return f"{cents / 100:.2f}"


@main.command()
@click.argument("debtor_ref")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def penalties(obj: Ctx, debtor_ref: str, fmt: str, now_text: str | None) -> None:
    """Pénalités de retard et indemnités forfaitaires exigibles, facture par facture."""
    from ..services.legal import penalties_for

    claim = penalties_for(obj.store(), debtor_ref, now=_now(now_text), settings=obj.settings)
    if fmt == "json":
        _json(claim.to_json())
        return
    s = claim.statement
    rows = [
        [
            r.invoice_ref,
            _eur_plain(r.principal_cents),
            str(r.days_late),
            _eur_plain(r.penalty_cents),
            _eur_plain(r.indemnity_cents),
        ]
        for r in s.rows
    ]
    _table(["invoice_ref", "principal", "days_late", "penalty", "indemnity"], rows, right={1, 2, 3, 4})
    echo(f"total_penalty    {_eur_plain(s.total_penalty_cents)}")
    echo(f"total_indemnity  {_eur_plain(s.total_indemnity_cents)}")
    for r in s.prescribed:
        echo(f"prescrite (jamais réclamée) : {r.invoice_ref} {_eur_plain(r.principal_cents)}")
    if not claim.claim_penalties:
        echo("réclamation désactivée ([legal] claim_penalties = false) : rien n'est annoncé au débiteur")


@main.command()
@click.option(
    "--within", type=click.IntRange(1, 730), default=None, help="Jours (défaut : [legal] prescription_warning_days)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def prescription(obj: Ctx, within: int | None, fmt: str, now_text: str | None) -> None:
    """Factures impayées bientôt prescrites : agir avant le dernier jour."""
    from ..services.legal import prescribing_soon

    days = within or obj.settings.legal.prescription_warning_days
    rows = prescribing_soon(obj.store(), now=_now(now_text), within_days=days)
    if fmt == "json":
        _json([r.to_json() for r in rows])
        return
    _table(
        ["débiteur", "nom", "segment", "facture", "impayé", "dernier jour"],
        [
            [
                r.debtor_ref,
                r.name,
                r.segment,
                r.invoice_ref,
                _eur_plain(r.unpaid_cents),
                r.last_day_to_act.strftime("%d/%m/%Y"),
            ]
            for r in rows
        ],
        right={4},
    )


@main.command()
@click.argument("debtor_ref")
@click.option("--on", "on_text", required=True, metavar="DATE", help="Date de la reconnaissance écrite.")
@click.option("--note", default=None)
@click.option("--as", "as_login", required=True, help="Agent ou responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def acknowledgment(
    obj: Ctx, debtor_ref: str, on_text: str, note: str | None, as_login: str, now_text: str | None
) -> None:
    """Enregistrer une reconnaissance de dette écrite (relance la prescription)."""
    from ..services.legal import record_acknowledgment

    store = obj.store()
    day = parse_date(on_text)
    record_acknowledgment(
        store, _agent(store, as_login), debtor_ref, on=day, note=note, now=_now(now_text), settings=obj.settings
    )
    echo(f"{debtor_ref} : reconnaissance de dette du {day:%d/%m/%Y} enregistrée")


@main.command()
@click.argument("debtor_ref")
@click.option("--since", "since_text", default=None, metavar="DATE", help="Date de recevabilité du dossier.")
@click.option("--off", is_flag=True, help="Retirer la mention (erreur de saisie, dossier clos).")
@click.option("--note", default=None)
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def overindebted(
    obj: Ctx,
    debtor_ref: str,
    since_text: str | None,
    off: bool,
    note: str | None,
    as_login: str,
    now_text: str | None,
) -> None:
    """Surendettement : dossier déclaré recevable, toute relance cesse (C. conso L722-2)."""
    from ..services.legal import LegalError, set_overindebted

    if off == (since_text is not None):
        raise LegalError("indiquez soit --since DATE, soit --off")
    store = obj.store()
    day = parse_date(since_text) if since_text else None
    set_overindebted(store, _agent(store, as_login), debtor_ref, since=day, note=note, now=_now(now_text))
    if day:
        echo(f"{debtor_ref} : surendettement depuis le {day:%d/%m/%Y} ; plus aucune relance")
    else:
        echo(f"{debtor_ref} : mention de surendettement retirée")
