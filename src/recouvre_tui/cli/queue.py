"""An agent's day from the command line: `queue`, `next`, `outcome` and `search`."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from ..domain.codes import label
from ..domain.dates import DateError, parse_date, parse_datetime
from ..domain.money import AmountError, format_eur, parse_amount
from .common import (
    NOW_OPTION,
    Ctx,
    _actor,
    _agent,
    _contested,
    _json,
    _now,
    _table,
    echo,
    fail,
    handle_errors,
)
from .root import main


@main.command()
@click.option("--agent", "login", required=True)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--include-blocked", is_flag=True, help="Montrer aussi les débiteurs bloqués et pourquoi.")
@click.option("--segment", type=click.Choice(["B2B", "B2C"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def queue(
    obj: Ctx,
    login: str,
    limit: int,
    include_blocked: bool,
    segment: str | None,
    fmt: str,
    now_text: str | None,
) -> None:
    """La file de l'agent, par ordre de priorité, avec le « pourquoi »."""
    from ..services.work_queue import DebtorFilter, list_queue

    store = obj.store()
    agent = _agent(store, login)
    entries = list_queue(
        store,
        agent,
        now=_now(now_text),
        settings=obj.settings,
        limit=limit,
        include_blocked=include_blocked,
        flt=DebtorFilter(segment=segment) if segment else None,
    )
    if fmt == "json":
        _json([e.to_json() for e in entries])
        return
    _table(
        ["débiteur", "nom", "seg.", "solde", "retard", "heure locale", "score", "statut"],
        [
            [
                e.debtor_ref,
                e.name[:28],
                e.segment,
                format_eur(e.balance_cents),
                f"{e.days_past_due} j",
                f"{e.local_time:%H:%M} {e.area_label if e.area_label != 'France métropolitaine' else ''}".strip(),
                f"{e.score:.1f}",
                e.status[:60],
            ]
            for e in entries
        ],
        right={3, 4, 6},
    )


@main.command("next")
@click.option("--agent", "login", required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def next_(obj: Ctx, login: str, fmt: str, now_text: str | None) -> None:
    """Prendre le dossier suivant (réservé à l'agent pour la durée du bail)."""
    from ..services.work_queue import closed_everywhere, take_next

    store = obj.store()
    now = _now(now_text)
    entry = take_next(store, _agent(store, login), now=now, settings=obj.settings)
    if entry is None:
        if fmt == "json":
            _json(None)
        else:
            closed = closed_everywhere(now, obj.settings)
            echo("aucun dossier appelable pour le moment" + (f" : {closed}" if closed else ""))
        return
    if fmt == "json":
        _json(entry.to_json())
        return
    echo(f"{entry.debtor_ref}  {entry.name}  ({entry.segment})  solde {format_eur(entry.balance_cents)}")
    echo(f"heure locale {entry.local_time:%H:%M} ({entry.area_label}) · score {entry.score:.1f}")
    echo(f"pourquoi : {entry.reasons}")


def _parse_promise(text: str) -> tuple[date, int]:
    day, sep, amount = text.partition(":")
    if not sep:
        raise click.BadParameter(f"« {text} » : attendu DATE:MONTANT (ex. 2026-12-05:1410,00)")
    try:
        return parse_date(day), parse_amount(amount)
    except (DateError, AmountError) as exc:
        raise click.BadParameter(f"« {text} » : {exc}") from None


@main.command()
@click.option("--agent", "login", required=True)
@click.argument("debtor_ref")
@click.option("--disposition", required=True, help="Code d'issue (no_answer, promise, plan, …).")
@click.option("--reason", default=None, help="Motif du retard (forgot, temporary_difficulty, …).")
@click.option("--note", default=None)
@click.option(
    "--confirm-note",
    is_flag=True,
    help="Enregistrer la note malgré les mots sensibles trouvés (santé, religion, opinions, infractions, injures…).",
)
@click.option(
    "--promise",
    "promises",
    multiple=True,
    metavar="DATE:MONTANT",
    help="Échéance (répéter pour un échéancier).",
)
@click.option(
    "--callback",
    default=None,
    metavar="ISO-DATETIME",
    help="Rappel (heure de Paris sans décalage).",
)
@click.option("--team", "callback_team", is_flag=True, help="Avec --callback : rappel pour l'équipe.")
@click.option("--paid-on", default=None, metavar="DATE", help="paid / already_paid : date du paiement annoncé.")
@click.option("--amount", default=None, metavar="EUROS", help="paid / already_paid : montant payé.")
@click.option("--reference", default=None, help="paid / already_paid : moyen de paiement ou référence.")
@click.option("--action", "actions", multiple=True, type=click.Choice(["duplicate", "sales_rep"]))
@click.option(
    "--invoice",
    "invoices",
    multiple=True,
    metavar="REF",
    help="Litige : facture contestée (répéter ; par défaut toutes les factures ouvertes).",
)
@click.option("--contested-amount", default=None, metavar="MONTANT", help="Litige : montant contesté.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def outcome(
    obj: Ctx,
    login: str,
    debtor_ref: str,
    disposition: str,
    reason: str | None,
    note: str | None,
    confirm_note: bool,
    promises: tuple[str, ...],
    callback: str | None,
    callback_team: bool,
    paid_on: str | None,
    amount: str | None,
    reference: str | None,
    actions: tuple[str, ...],
    invoices: tuple[str, ...],
    contested_amount: str | None,
    now_text: str | None,
) -> None:
    """Enregistrer l'issue d'un appel et libérer le dossier."""
    from ..domain.money import AmountError, parse_amount
    from ..domain.sensitive import find_sensitive
    from ..services.outcome import Outcome, OutcomeError, record_outcome

    payment = _announced_payment(paid_on, amount, reference)
    if callback_team and not callback:
        raise OutcomeError([("callback", "--team demande --callback (la date du rappel)")])

    if note and not confirm_note and (words := find_sensitive(note, obj.settings.notes.sensitive_words)):
        found = ", ".join(f"« {w} »" for w in words)
        fail(
            f"--note : mots sensibles trouvés ({found}) : une note reste factuelle, sans santé, religion, "
            "opinions, vie sexuelle, infractions ni injures ; réécrivez-la ou ajoutez --confirm-note ; "
            "rien n'a été enregistré"
        )
    store = obj.store()
    agent = _agent(store, login)
    result = record_outcome(
        store,
        agent,
        Outcome(
            debtor_ref=debtor_ref,
            disposition=disposition,
            reason=reason,
            note=note,
            instalments=[_parse_promise(p) for p in promises],
            callback_at=parse_datetime(callback)[0] if callback else None,
            actions=list(actions),
            payment=payment,
            callback_for_team=callback_team,
            dispute_invoices=list(invoices),
            dispute_amount_cents=_contested(contested_amount, AmountError, parse_amount),
        ),
        now=_now(now_text),
        settings=obj.settings,
        source="cli",
    )
    callback_text = ", rappel programmé pour l'équipe" if callback_team else ", rappel programmé"
    echo(
        f"issue « {label(disposition)} » enregistrée pour {debtor_ref}"
        + (f", promesse {result.promise_ref}" if result.promise_ref else "")
        + (callback_text if result.callback_id else "")
        + (", paiement à vérifier" if disposition in ("paid", "already_paid") else "")
        + (", dossier libéré" if result.released else "")
    )


def _announced_payment(paid_on: str | None, amount: str | None, reference: str | None) -> Any:
    """--paid-on / --amount / --reference as an `AnnouncedPayment` (None when none given)."""
    from ..domain.dates import DateError, parse_date
    from ..domain.money import AmountError, parse_amount
    from ..services.outcome import AnnouncedPayment, OutcomeError

    if paid_on is None and amount is None and reference is None:
        return None
    errors: list[tuple[str, str]] = []
    day = cents = None
    if amount is None:
        errors.append(("--amount", "montant payé obligatoire avec --paid-on ou --reference"))
    else:
        try:
            cents = parse_amount(amount)
        except AmountError as exc:
            errors.append(("--amount", str(exc)))
    if paid_on is not None:
        try:
            day = parse_date(paid_on)
        except DateError as exc:
            errors.append(("--paid-on", str(exc)))
    if errors or cents is None:
        raise OutcomeError(errors)
    return AnnouncedPayment(day, cents, reference)


@main.command()
@click.argument("text")
@click.option("--as", "as_login", default=None, help="Vue d'un agent (son portefeuille et l'équipe).")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def search(obj: Ctx, text: str, as_login: str | None, limit: int, fmt: str) -> None:
    """Chercher un débiteur par nom, référence, SIREN ou numéro de téléphone."""
    from ..services.search import search_debtors

    store = obj.store()
    hits = search_debtors(store, _actor(store, as_login), text, limit=limit)
    if fmt == "json":
        _json([h.to_json() for h in hits])
        return
    _table(
        ["débiteur", "nom", "seg.", "SIREN", "agent", "solde", "téléphones"],
        [
            [
                h.debtor_ref,
                h.name[:30],
                h.segment,
                h.siren or "",
                h.agent or "(équipe)",
                format_eur(h.balance_cents),
                " ".join(h.phones),
            ]
            for h in hits
        ],
        right={5},
    )
