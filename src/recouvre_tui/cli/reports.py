"""`recouvre report …`: the weekly wear report, promise figures and the call-script report."""

from __future__ import annotations

from pathlib import Path

import click

from ..domain.dates import parse_date
from ..domain.money import format_eur
from .common import (
    NOW_OPTION,
    OUTPUT_OPTION,
    Ctx,
    _csv,
    _json,
    _now,
    _table,
    _viewer,
    _write_export,
    echo,
    fail,
    handle_errors,
)
from .root import main


@main.group()
def report() -> None:
    """Rapports (usure des relances, promesses, scripts)."""


@report.command("wear")
@click.option("--week", default=None, metavar="YYYY-Www", help="Semaine ISO (défaut : la dernière semaine complète).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "csv-fr", "xlsx"]),
    default="text",
    show_default=True,
)
@click.option("--width", type=click.IntRange(60, 400), default=120, show_default=True, help="Largeur du texte.")
@click.option(
    "--limit", type=click.IntRange(1, 1_000_000), default=None, help="Nombre maximal de débiteurs listés (texte)."
)
@OUTPUT_OPTION
@NOW_OPTION
@click.pass_obj
@handle_errors
def report_wear(
    obj: Ctx, week: str | None, fmt: str, width: int, limit: int | None, output: Path | None, now_text: str | None
) -> None:
    """Taux d'usure des relances de la semaine : débiteurs usés, recommandations, courbe de fatigue."""
    from ..reports.wear_output import to_csv, to_json, to_text
    from ..services.wear_report import build

    bundle = build(obj.store(), week, now=_now(now_text), settings=obj.settings, with_trend=fmt == "text")
    if fmt in ("xlsx", "csv-fr"):
        from ..reports.export_reports import wear_table

        _write_export(wear_table(bundle.report), fmt, output)
    elif fmt == "json":
        _json(to_json(bundle.report))
    elif fmt == "csv":
        echo(to_csv(bundle.report), nl=False)
    else:
        text = to_text(
            bundle.report, bundle.previous_rate, bundle.trend, width=width, limit=limit, prescribing=bundle.prescribing
        )
        echo(text, nl=False)


@report.command("promises")
@click.option(
    "--week",
    default=None,
    metavar="YYYY-Www",
    help="Semaine ISO (défaut : la dernière semaine complète).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@NOW_OPTION
@click.pass_obj
@handle_errors
def report_promises(obj: Ctx, week: str | None, fmt: str, now_text: str | None) -> None:
    """Promesses par agent et par semaine : nombre, montant, tenues, rompues, encaissé."""
    from ..domain.dates import last_complete_week, parse_iso_week
    from ..services.promise_tracking import promise_figures

    now = _now(now_text)
    week = week or last_complete_week(now)
    parse_iso_week(week)
    store = obj.store()
    figs = promise_figures(store, _viewer(store, None), week=week, now=now, settings=obj.settings)
    rows = [
        {
            "week": f.week,
            "agent": f.agent,
            "recorded": f.recorded,
            "promised": round(f.promised_cents / 100, 2),
            "kept": f.kept,
            "broken": f.broken,
            "kept_rate": None if f.kept_rate is None else round(f.kept_rate, 4),
            "broken_rate": None if f.broken_rate is None else round(f.broken_rate, 4),
            "collected": round(f.collected_cents / 100, 2),
        }
        for f in figs
    ]
    if fmt == "json":
        _json(rows)
    elif fmt == "csv":
        _csv(list(rows[0]) if rows else ["week"], [list(r.values()) for r in rows])
    else:

        def pct(x: float | None) -> str:
            return "—" if x is None else f"{x * 100:.1f} %".replace(".", ",")

        echo(f"Promesses — semaine {week}")
        _table(
            [
                "agent",
                "enregistrées",
                "montant promis",
                "tenues",
                "rompues",
                "taux tenu",
                "encaissé",
            ],
            [
                [
                    f.agent,
                    str(f.recorded),
                    format_eur(f.promised_cents),
                    str(f.kept),
                    str(f.broken),
                    pct(f.kept_rate),
                    format_eur(f.collected_cents),
                ]
                for f in figs
            ],
            right={1, 2, 3, 4, 5, 6},
        )


@report.command("scripts")
@click.option("--from", "start", required=True, metavar="DATE", help="Premier jour (inclus).")
@click.option("--to", "end", required=True, metavar="DATE", help="Dernier jour (inclus).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@NOW_OPTION
@click.pass_obj
@handle_errors
def report_scripts(obj: Ctx, start: str, end: str, fmt: str, now_text: str | None) -> None:
    """Taux de promesse et taux de promesses tenues par script et par ton."""
    from ..services.script_report import script_report

    d0, d1 = parse_date(start), parse_date(end)
    if d1 < d0:
        fail("--to doit suivre --from")
    rows = script_report(obj.store(), start=d0, end=d1, now=_now(now_text), settings=obj.settings)

    def rate(x: float | None) -> float | None:
        return None if x is None else round(x, 4)

    data = [
        {
            "script_id": r.script_id,
            "tone": r.tone,
            "calls": r.calls,
            "rpc": r.rpc,
            "promises": r.promises,
            "promise_rate": rate(r.promise_rate),
            "kept": r.kept,
            "broken": r.broken,
            "kept_rate": rate(r.kept_rate),
        }
        for r in rows
    ]
    if fmt == "json":
        _json(data)
    elif fmt == "csv":
        _csv(list(data[0]) if data else ["script_id"], [list(d.values()) for d in data])
    else:

        def pct(x: float | None) -> str:
            return "—" if x is None else f"{x * 100:.1f} %".replace(".", ",")

        _table(
            ["script", "ton", "appels", "contacts", "promesses", "taux promesse", "tenues", "rompues", "taux tenu"],
            [
                [
                    r.script_id,
                    r.tone or "",
                    str(r.calls),
                    str(r.rpc),
                    str(r.promises),
                    pct(r.promise_rate),
                    str(r.kept),
                    str(r.broken),
                    pct(r.kept_rate),
                ]
                for r in rows
            ],
            right={2, 3, 4, 5, 6, 7, 8},
        )
