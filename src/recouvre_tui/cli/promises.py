"""`recouvre promises` (list, export) and `recouvre promises cancel`."""

from __future__ import annotations

from pathlib import Path

import click

from ..domain.codes import label
from ..domain.money import format_eur
from .common import (
    NOW_OPTION,
    OUTPUT_OPTION,
    Ctx,
    _agent,
    _csv,
    _json,
    _now,
    _table,
    _viewer,
    _write_export,
    echo,
    handle_errors,
)
from .root import main


@main.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "kept", "broken", "cancelled"]), default=None)
@click.option("--agent", "agent_filter", default=None, help="Promesses enregistrées par cet agent.")
@click.option("--as", "as_login", default=None, help="Vue d'un agent (ses débiteurs seulement).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "csv-fr", "xlsx"]),
    default="table",
    show_default=True,
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_context
@handle_errors
def promises(
    ctx: click.Context,
    status: str | None,
    agent_filter: str | None,
    as_login: str | None,
    fmt: str,
    output: Path | None,
    now_text: str | None,
) -> None:
    """Promesses de paiement, évaluées à la date du jour (ou --now)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..services.promise_tracking import list_promises

    obj: Ctx = ctx.obj
    store = obj.store()
    views = list_promises(
        store,
        _viewer(store, as_login),
        now=_now(now_text),
        settings=obj.settings,
        status=status,
        agent=agent_filter,
    )
    if fmt == "json":
        _json([v.to_json() for v in views])
        return
    if fmt in ("xlsx", "csv-fr"):
        from ..reports.export_reports import promises_table

        _write_export(promises_table(views), fmt, output)
        return
    if fmt == "csv":
        _csv(
            [
                "promise_ref",
                "debtor_ref",
                "status",
                "total",
                "paid_amount",
                "instalment",
                "due_date",
                "amount",
                "instalment_status",
            ],
            [
                [
                    v.ref,
                    v.debtor_ref,
                    v.status,
                    f"{v.total_cents / 100:.2f}",
                    f"{v.paid_cents / 100:.2f}",
                    n,
                    d.isoformat(),
                    f"{a / 100:.2f}",
                    st,
                ]
                for v in views
                for n, (d, a, st, _al) in enumerate(v.instalments, start=1)
            ],
        )
        return
    _table(
        ["promesse", "débiteur", "nom", "agent", "statut", "montant", "payé", "échéances"],
        [
            [
                v.ref,
                v.debtor_ref,
                v.name[:24],
                v.agent or "",
                label(v.status),
                format_eur(v.total_cents),
                format_eur(v.paid_cents),
                " ".join(f"{d:%d/%m}:{label(st)}" for d, _a, st, _al in v.instalments)[:60],
            ]
            for v in views
        ],
        right={5, 6},
    )


@promises.command("cancel")
@click.argument("promise_ref")
@click.option("--reason", required=True, help="Motif (inscrit au journal d'audit).")
@click.option("--as", "as_login", required=True, help="Agent ou responsable qui annule.")
@NOW_OPTION
@click.pass_obj
@handle_errors
def promises_cancel(obj: Ctx, promise_ref: str, reason: str, as_login: str, now_text: str | None) -> None:
    """Annuler une promesse (motif obligatoire, audité)."""
    from ..services.promise_tracking import cancel_promise

    store = obj.store()
    cancel_promise(
        store,
        _agent(store, as_login),
        promise_ref,
        reason=reason,
        now=_now(now_text),
        settings=obj.settings,
    )
    echo(f"promesse {promise_ref} annulée")
