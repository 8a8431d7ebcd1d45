"""Team lead actions on debtors: `assign`, `hold`, `dnc`, `dispute close`, `override`,
`formal-notice`, and the debtor filter options shared with `review`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..domain.codes import label
from ..domain.dates import parse_date
from ..domain.money import AmountError, format_eur, parse_amount
from .common import (
    NOW_OPTION,
    Ctx,
    _agent,
    _contested,
    _json,
    _now,
    echo,
    fail,
    handle_errors,
)
from .root import main


def _lead_filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The debtor filter of `assign` (bulk) and `review`."""
    from ..store.lead import BLOCKED_CHOICES

    options = [
        click.option("--filter-agent", "f_agent", metavar="LOGIN", default=None, help="Portefeuille de cet agent."),
        click.option("--filter-pool", "f_pool", is_flag=True, help="Débiteurs non affectés (l'équipe)."),
        click.option("--filter-segment", "f_segment", type=click.Choice(["B2B", "B2C"]), default=None),
        click.option(
            "--filter-overseas/--filter-metropole",
            "f_overseas",
            default=None,
            help="Outre-mer (971 à 976) ou métropole.",
        ),
        click.option(
            "--filter-blocked",
            "f_blocked",
            type=click.Choice(list(BLOCKED_CHOICES)),
            default=None,
            help="En attente (hold), ne pas appeler, litige, l'un des trois (any) ou aucun (none).",
        ),
        click.option("--min-amount", "f_min_amount", metavar="MONTANT", default=None, help="Solde minimal (inclus)."),
        click.option("--max-amount", "f_max_amount", metavar="MONTANT", default=None, help="Solde maximal (inclus)."),
        click.option("--min-days", "f_min_days", type=click.IntRange(0), default=None, help="Jours de retard minimum."),
        click.option("--max-days", "f_max_days", type=click.IntRange(0), default=None, help="Jours de retard maximum."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _lead_filter(kw: dict[str, Any]) -> Any:
    from ..store.lead import DebtorFilter

    return DebtorFilter(
        agent=kw.pop("f_agent"),
        pool=kw.pop("f_pool"),
        segment=kw.pop("f_segment"),
        overseas=kw.pop("f_overseas"),
        blocked=kw.pop("f_blocked"),
        min_balance_cents=_amount_or_none(kw.pop("f_min_amount")),
        max_balance_cents=_amount_or_none(kw.pop("f_max_amount")),
        min_days_past_due=kw.pop("f_min_days"),
        max_days_past_due=kw.pop("f_max_days"),
    )


def _amount_or_none(text: str | None) -> int | None:
    return None if text is None else parse_amount(text)


@main.command()
@click.argument("refs", nargs=-1, metavar="[DEBTOR_REF]...")
@click.option("--to", "to_login", metavar="LOGIN", default=None, help="Agent qui reçoit les débiteurs.")
@click.option("--pool", is_flag=True, help="Rendre les débiteurs à l'équipe (non affectés).")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe qui réaffecte.")
@_lead_filter_options
@click.option("--dry-run", is_flag=True, help="Avec des filtres : compter ce qui bougerait, sans rien changer.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def assign(
    obj: Ctx,
    refs: tuple[str, ...],
    to_login: str | None,
    pool: bool,
    as_login: str,
    dry_run: bool,
    fmt: str,
    now_text: str | None,
    **filters: Any,
) -> None:
    """Affecter des débiteurs à un agent (ou à l'équipe), un par un ou en masse par filtre."""
    from ..services.lead import assign as assign_refs
    from ..services.lead import count_by_filter, reassign_by_filter

    if (to_login is None) == (not pool):
        raise click.UsageError("indiquez --to LOGIN ou --pool (l'un des deux)")
    flt = _lead_filter(filters)
    if refs and not flt.is_empty():
        raise click.UsageError("des références OU des filtres, pas les deux")
    if not refs and flt.is_empty():
        raise click.UsageError("indiquez des références de débiteurs ou au moins un filtre (--filter-…)")
    store = obj.store()
    actor = _agent(store, as_login)
    now = _now(now_text)
    target = None if pool else to_login
    where = "l'équipe" if target is None else target
    if refs:
        if dry_run:
            raise click.UsageError("--dry-run s'utilise avec des filtres")
        result = assign_refs(store, actor, list(refs), to=target, now=now)
        if fmt == "json":
            _json({"moved": result.changed, "unchanged": result.unchanged, "in_call": result.in_call})
            return
        echo(f"{result.count} débiteur(s) affecté(s) à {where}")
        if result.unchanged:
            echo(f"déjà affecté(s) à {where} : {', '.join(result.unchanged)}")
        for ref, holder in result.in_call.items():
            echo(f"non réaffecté : {ref} est en cours d'appel avec {holder}", err=True)
        return
    if dry_run:
        n = count_by_filter(store, actor, flt, now=now, to=target)
        if fmt == "json":
            _json({"filter": flt.to_json(), "would_move": n})
        else:
            echo(f"{n} débiteur(s) seraient réaffecté(s) à {where} [simulation : rien n'a été écrit]")
        return
    moved = reassign_by_filter(store, actor, flt, to=target, now=now)
    if fmt == "json":
        _json({"filter": flt.to_json(), "moved": moved})
    else:
        echo(f"{moved} débiteur(s) réaffecté(s) à {where}")


@main.command()
@click.argument("debtor_ref")
@click.option("--reason", default=None, help="Motif (obligatoire pour mettre en attente).")
@click.option("--release", is_flag=True, help="Lever la mise en attente.")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def hold(obj: Ctx, debtor_ref: str, reason: str | None, release: bool, as_login: str, now_text: str | None) -> None:
    """Mettre un débiteur en attente (hors de toutes les files), ou lever l'attente."""
    from ..services.lead import release_hold, set_hold

    store = obj.store()
    actor = _agent(store, as_login)
    if release:
        release_hold(store, actor, debtor_ref, reason=reason, now=_now(now_text))
        echo(f"{debtor_ref} : attente levée")
    else:
        set_hold(store, actor, debtor_ref, reason=reason or "", now=_now(now_text))
        echo(f"{debtor_ref} : en attente ({reason})")


@main.command()
@click.argument("debtor_ref")
@click.option("--off", is_flag=True, help="Retirer « ne pas appeler ».")
@click.option("--reason", default=None, help="Motif (inscrit au journal d'audit).")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def dnc(obj: Ctx, debtor_ref: str, off: bool, reason: str | None, as_login: str, now_text: str | None) -> None:
    """Marquer un débiteur « ne pas appeler » (ou retirer la marque avec --off)."""
    from ..services.lead import set_do_not_call

    store = obj.store()
    set_do_not_call(store, _agent(store, as_login), debtor_ref, on=not off, reason=reason, now=_now(now_text))
    echo(f"{debtor_ref} : {'de nouveau appelable' if off else 'ne pas appeler'}")


@main.group()
def dispute() -> None:
    """Litiges (ouverts par l'issue « litige », clos par le responsable)."""


@dispute.command("close")
@click.argument("debtor_ref")
@click.option(
    "--invoice",
    "invoices",
    multiple=True,
    metavar="REF",
    help="Facture dont le litige est clos (répéter ; par défaut toutes).",
)
@click.option(
    "--accepted",
    "decision",
    flag_value="accepted",
    help="Litige fondé : un avoir est attendu, la facture reste hors du montant réclamé.",
)
@click.option(
    "--rejected", "decision", flag_value="rejected", help="Litige rejeté : la facture revient dans le montant réclamé."
)
@click.option("--note", default=None, help="Comment le litige a été réglé (journal d'audit).")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def dispute_close(
    obj: Ctx,
    debtor_ref: str,
    invoices: tuple[str, ...],
    decision: str | None,
    note: str | None,
    as_login: str,
    now_text: str | None,
) -> None:
    """Clore le litige d'un débiteur, facture par facture (--accepted ou --rejected)."""
    from ..services.lead import close_dispute

    store = obj.store()
    closed = close_dispute(
        store,
        _agent(store, as_login),
        debtor_ref,
        note=note,
        now=_now(now_text),
        invoices=list(invoices),
        decision=decision,
    )
    word = "fondé, avoir attendu" if decision == "accepted" else "rejeté, de nouveau réclamé"
    echo(f"{debtor_ref} : litige clos ({word}) pour {', '.join(closed) if closed else 'tout le compte'}")


@main.command()
@click.argument("debtor_ref")
@click.option("--stage", default=None, help="Étape du guide d'appel imposée (ex. worn : nouvelle approche).")
@click.option("--tone", type=click.Choice(["empathique", "neutre", "ferme"]), default=None, help="Ton imposé.")
@click.option("--clear", is_flag=True, help="Retirer l'étape et le ton imposés.")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def override(
    obj: Ctx, debtor_ref: str, stage: str | None, tone: str | None, clear: bool, as_login: str, now_text: str | None
) -> None:
    """Imposer l'étape du guide d'appel et/ou le ton pour un débiteur."""
    from ..services.lead import UNCHANGED, set_overrides

    if clear and (stage or tone):
        raise click.UsageError("--clear ne se combine pas avec --stage ou --tone")
    if not clear and not stage and not tone:
        raise click.UsageError("indiquez --stage, --tone ou --clear")
    store = obj.store()
    new_stage, new_tone = set_overrides(
        store,
        _agent(store, as_login),
        debtor_ref,
        stage=None if clear else (stage or UNCHANGED),
        tone=None if clear else (tone or UNCHANGED),
        now=_now(now_text),
    )
    echo(f"{debtor_ref} : étape {label(new_stage) or '(automatique)'} · ton {new_tone or '(automatique)'}")


@main.command("formal-notice")
@click.argument("debtor_ref")
@click.option("--date", "sent_on", default=None, metavar="DATE", help="Date d'envoi (défaut : maintenant).")
@click.option("--lrar", "registered_letter", default=None, metavar="NUMÉRO", help="Numéro du recommandé (LRAR).")
@click.option("--ref", "letter_ref", default=None, help="Référence du courrier, citée par les scripts.")
@click.option("--amount", default=None, metavar="MONTANT", help="Montant réclamé par le courrier (défaut : l'échu).")
@click.option("--note", default=None)
@click.option("--force", is_flag=True, help="Enregistrer une seconde mise en demeure à moins de 30 jours.")
@click.option("--as", "as_login", required=True, help="Responsable d'équipe.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def formal_notice(
    obj: Ctx,
    debtor_ref: str,
    sent_on: str | None,
    registered_letter: str | None,
    letter_ref: str | None,
    amount: str | None,
    note: str | None,
    force: bool,
    as_login: str,
    now_text: str | None,
) -> None:
    """Enregistrer l'envoi d'une mise en demeure (courrier sortant).

    Refusée sans montant échu ; une seconde à moins de 30 jours demande --force."""
    from ..domain.money import parse_amount
    from ..services.lead import FormalNoticeRepeat, formal_notice_preview, record_formal_notice

    store = obj.store()
    day = parse_date(sent_on) if sent_on else None
    cents = _contested(amount, AmountError, parse_amount, "--amount") if amount else None
    if cents is not None and cents <= 0:
        fail("--amount : montant positif attendu")
    now = _now(now_text)
    lead = _agent(store, as_login)
    try:
        record_formal_notice(
            store,
            lead,
            debtor_ref,
            sent_on=day,
            note=note,
            registered_letter=registered_letter,
            force=force,
            now=now,
            settings=obj.settings,
            letter_ref=letter_ref,
            amount_cents=cents,
        )
    except FormalNoticeRepeat as exc:
        fail(f"{exc} ; relancez avec --force pour l'enregistrer quand même")
    p = formal_notice_preview(store, lead, debtor_ref, now=now)
    when = day.strftime("%d/%m/%Y") if day else "ce jour"
    n = len(p.overdue)
    invoices = f"{n} facture{'s' if n > 1 else ''} échue{'s' if n > 1 else ''}"
    echo(f"{p.ref} : mise en demeure enregistrée ({when}) · {invoices}, {format_eur(p.overdue_cents)}")
