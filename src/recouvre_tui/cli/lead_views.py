"""Team lead views: `board`, `review`, `kpis` and `audit`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..domain.money import format_eur
from .common import (
    NOW_OPTION,
    OUTPUT_OPTION,
    Ctx,
    _actor,
    _json,
    _now,
    _table,
    _write_export,
    echo,
    handle_errors,
)
from .lead import _lead_filter, _lead_filter_options
from .root import main


@main.command()
@click.option("--as", "as_login", default=None, help="Responsable d'équipe (défaut : la vue de la ligne de commande).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def board(obj: Ctx, as_login: str | None, fmt: str, now_text: str | None) -> None:
    """Tableau de l'équipe aujourd'hui : état, dossier en cours, appels, contacts, promesses ; files par agent."""
    from ..services.lead import queue_loads, team_board

    store = obj.store()
    actor = _actor(store, as_login)
    now = _now(now_text)
    rows = team_board(store, actor, now=now)
    loads = queue_loads(store, actor)
    if fmt == "json":
        _json({"agents": [r.to_json() for r in rows], "queues": [q.to_json() for q in loads]})
        return
    _table(
        ["agent", "état", "dossier en cours", "dernière issue", "appels", "contacts", "promesses", "montant"],
        [
            [
                r.login,
                r.state_label,
                f"{r.case_ref} {r.case_name or ''}".strip()[:32] if r.case_ref else "",
                r.last_outcome_label,
                str(r.calls),
                str(r.rpc),
                str(r.promises),
                format_eur(r.promised_cents),
            ]
            for r in rows
        ],
        right={4, 5, 6, 7},
    )
    echo()
    _table(
        ["file", "débiteurs", "solde", "bloqués"],
        [[q.agent or "(équipe)", str(q.debtors), format_eur(q.balance_cents), str(q.blocked)] for q in loads],
        right={1, 2, 3},
    )


def _parse_cursor(text: str | None) -> tuple[int, float, str] | None:
    if text is None:
        return None
    cls, sep, rest = text.partition(":")
    score, sep2, ref = rest.partition(":")
    try:
        if not sep or not sep2 or not ref:
            raise ValueError
        return int(cls), float(score), ref
    except ValueError:
        raise click.BadParameter(
            f"« {text} » : attendu CLASSE:SCORE:RÉFÉRENCE (donné par la page précédente)"
        ) from None


@main.command()
@_lead_filter_options
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--after", "after_text", default=None, metavar="CURSEUR", help="Page suivante (curseur affiché).")
@click.option("--as", "as_login", default=None, help="Responsable d'équipe.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv-fr", "xlsx"]),
    default="table",
    show_default=True,
    help="csv-fr, xlsx : toutes les pages.",
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_obj
@handle_errors
def review(
    obj: Ctx,
    limit: int,
    after_text: str | None,
    as_login: str | None,
    fmt: str,
    output: Path | None,
    now_text: str | None,
    **filters: Any,
) -> None:
    """Revue des files de tous les agents (filtres, pages), avec l'appelabilité de chaque débiteur."""
    from ..services.lead import review_queue

    flt = _lead_filter(filters)
    store = obj.store()
    if fmt in ("xlsx", "csv-fr"):
        from ..reports.export_reports import review_table
        from ..services.exports import review_rows

        rows = review_rows(store, _actor(store, as_login), flt, now=_now(now_text), settings=obj.settings)
        _write_export(review_table(rows), fmt, output)
        return
    page = review_queue(
        store,
        _actor(store, as_login),
        flt,
        now=_now(now_text),
        settings=obj.settings,
        limit=limit,
        after=_parse_cursor(after_text),
    )
    cursor = f"{page.after[0]}:{page.after[1]!r}:{page.after[2]}" if page.after else None
    if fmt == "json":
        _json({"rows": [e.to_json() for e in page.rows], "next": cursor})
        return
    _table(
        ["débiteur", "nom", "agent", "seg.", "solde", "retard", "score", "statut"],
        [
            [
                e.debtor_ref,
                e.name[:24],
                e.agent or "(équipe)",
                e.segment,
                format_eur(e.balance_cents),
                f"{e.days_past_due} j",
                f"{e.score:.1f}",
                e.status[:50],
            ]
            for e in page.rows
        ],
        right={4, 5, 6},
    )
    if cursor:
        echo(f"page suivante : --after '{cursor}'", err=True)


@main.command()
@click.option("--week", default=None, metavar="YYYY-Www", help="Semaine ISO (défaut : la dernière semaine complète).")
@click.option("--as", "as_login", default=None, help="Responsable d'équipe.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "csv-fr", "xlsx"]),
    default="table",
    show_default=True,
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_obj
@handle_errors
def kpis(obj: Ctx, week: str | None, as_login: str | None, fmt: str, output: Path | None, now_text: str | None) -> None:
    """Indicateurs par agent pour une semaine (définitions : docs/kpis.md)."""
    from ..domain.dates import last_complete_week, parse_iso_week
    from ..services.lead import kpis as weekly_kpis
    from ..services.lead import kpis_csv

    now = _now(now_text)
    week = week or last_complete_week(now)
    parse_iso_week(week)
    store = obj.store()
    rows = weekly_kpis(store, _actor(store, as_login), week=week, now=now, settings=obj.settings)
    if fmt in ("xlsx", "csv-fr"):
        from ..reports.export_reports import kpis_table

        _write_export(kpis_table(rows), fmt, output)
        return
    if fmt == "json":
        _json([r.to_json() for r in rows])
        return
    if fmt == "csv":
        echo(kpis_csv(rows), nl=False)
        return

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x * 100:.1f} %".replace(".", ",")

    echo(f"Indicateurs — semaine {week}")
    _table(
        [
            "agent",
            "appels",
            "contacts",
            "taux contact",
            "promesses",
            "taux promesse",
            "promis",
            "taux tenu",
            "encaissé",
            "appels/contact",
        ],
        [
            [
                r.agent,
                str(r.calls),
                str(r.rpc),
                pct(r.rpc_rate),
                str(r.promises),
                pct(r.promise_rate),
                format_eur(r.promised_cents),
                pct(r.kept_rate),
                format_eur(r.collected_cents),
                "—" if r.attempts_per_rpc is None else f"{r.attempts_per_rpc:.1f}".replace(".", ","),
            ]
            for r in rows
        ],
        right=set(range(1, 10)),
    )


@main.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--before-id", type=int, default=None, help="Page suivante : lignes plus anciennes que cet id.")
@click.option("--actor", "actor_filter", default=None, help="Seulement cet auteur.")
@click.option("--action", default=None, help="Seulement cette action (assign, hold, outcome…).")
@click.option("--as", "as_login", default=None, help="Responsable d'équipe.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
@handle_errors
def audit(
    obj: Ctx,
    limit: int,
    before_id: int | None,
    actor_filter: str | None,
    action: str | None,
    as_login: str | None,
    fmt: str,
) -> None:
    """Journal d'audit (le plus récent d'abord)."""
    from ..services.lead import audit_page

    store = obj.store()
    entries = audit_page(
        store, _actor(store, as_login), before_id=before_id, actor_filter=actor_filter, action=action, limit=limit
    )
    if fmt == "json":
        _json([e.to_json() for e in entries])
        return
    _table(
        ["id", "quand (UTC)", "auteur", "action", "objet", "détails"],
        [
            [
                str(e.id),
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                e.actor,
                e.action,
                f"{e.entity} {e.entity_ref or ''}".strip(),
                json.dumps(e.details, ensure_ascii=False, sort_keys=True)[:70],
            ]
            for e in entries
        ],
        right={0},
    )
    if len(entries) == limit:
        echo(f"page suivante : --before-id {entries[-1].id}", err=True)
