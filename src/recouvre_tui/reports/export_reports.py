"""The lead's reports as `ExportTable`s: wear, KPIs, promises, queue review (docs/exports.md).

Headers and labels are French; codes become their French labels (docs/codes.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from ..domain.codes import label
from ..domain.dates import from_db, paris_date
from ..domain.wear import WearReport
from .export_table import Column, ExportTable

if TYPE_CHECKING:
    from ..services.lead import KpiRow
    from ..services.promise_tracking import PromiseView
    from ..services.work_queue import QueueEntry

TEAM_POOL = "(équipe)"


def _yes_no(flag: bool) -> str:
    return "oui" if flag else "non"


def wear_table(report: WearReport) -> ExportTable:
    columns = (
        Column("Débiteur", width=12),
        Column("Nom", width=28),
        Column("Segment", width=9),
        Column("Agent", width=12),
        Column("Relances sans réponse", "int", 12),
        Column("Nouveau", width=9),
        Column("Première relance", "date", 12),
        Column("Dernière réponse", "date", 12),
        Column("Jours de silence", "int", 10),
        Column("Solde", "money", 14),
        Column("Dernier canal", width=14),
        Column("Recommandations", width=50),
    )
    rows = [
        (
            f.debtor_ref,
            f.name,
            f.segment,
            f.agent or TEAM_POOL,
            f.streak,
            _yes_no(f.newly_worn),
            f.first_reminder_on,
            f.last_response_on,
            f.days_silent,
            f.balance_cents,
            label(f.last_channel),
            ", ".join(label(str(r)) for r in f.recommendations),
        )
        for f in report.debtors
    ]
    return ExportTable("usure", f"Usure {report.week}", columns, rows)


def kpis_table(rows: Sequence[KpiRow]) -> ExportTable:
    columns = (
        Column("Semaine", width=10),
        Column("Agent", width=12),
        Column("Nom", width=22),
        Column("Appels", "int", 9),
        Column("Contacts", "int", 9),
        Column("Taux de contact", "rate", 10),
        Column("Promesses", "int", 10),
        Column("Taux de promesse", "rate", 10),
        Column("Montant promis", "money", 14),
        Column("Tenues", "int", 8),
        Column("Rompues", "int", 8),
        Column("Taux tenu", "rate", 10),
        Column("Encaissé", "money", 14),
        Column("Appels par contact", "decimal", 10),
    )
    body = [
        (
            r.week,
            r.agent,
            r.name,
            r.calls,
            r.rpc,
            r.rpc_rate,
            r.promises,
            r.promise_rate,
            r.promised_cents,
            r.kept,
            r.broken,
            r.kept_rate,
            r.collected_cents,
            r.attempts_per_rpc,
        )
        for r in rows
    ]
    week = rows[0].week if rows else ""
    return ExportTable("indicateurs", f"Indicateurs {week}".strip(), columns, body)


def _recorded_on(created_at: str) -> date:
    """The Paris date of a stored UTC timestamp (a bare date stays as it is)."""
    if len(created_at) >= 19:
        stamp = from_db(created_at)
        assert stamp is not None
        return paris_date(stamp)
    return date.fromisoformat(created_at[:10])


def promises_table(views: Sequence[PromiseView]) -> ExportTable:
    """One row per instalment (a promise's own figures repeat on each of its rows)."""
    columns = (
        Column("Promesse", width=14),
        Column("Débiteur", width=12),
        Column("Nom", width=26),
        Column("Agent", width=12),
        Column("Enregistrée le", "date", 12),
        Column("Statut", width=12),
        Column("Montant promis", "money", 14),
        Column("Payé", "money", 14),
        Column("Échéance n°", "int", 9),
        Column("Date d'échéance", "date", 12),
        Column("Montant de l'échéance", "money", 14),
        Column("Statut de l'échéance", width=14),
    )
    rows = [
        (
            v.ref,
            v.debtor_ref,
            v.name,
            v.agent or "",
            _recorded_on(v.created_at),
            label(v.status),
            v.total_cents,
            v.paid_cents,
            n,
            due,
            amount,
            label(status),
        )
        for v in views
        for n, (due, amount, status, _allocated) in enumerate(v.instalments, start=1)
    ]
    return ExportTable("promesses", "Promesses", columns, rows)


def review_table(entries: Sequence[QueueEntry]) -> ExportTable:
    columns = (
        Column("Débiteur", width=12),
        Column("Nom", width=28),
        Column("Agent", width=12),
        Column("Segment", width=9),
        Column("Solde", "money", 14),
        Column("Plus ancienne échéance", "date", 12),
        Column("Jours de retard", "int", 9),
        Column("Score", "decimal", 8),
        Column("Appelable", width=10),
        Column("Statut", width=40),
    )
    rows = [
        (
            e.debtor_ref,
            e.name,
            e.agent or TEAM_POOL,
            e.segment,
            e.balance_cents,
            e.oldest_due,
            e.days_past_due,
            e.score,
            _yes_no(e.callable),
            e.status,
        )
        for e in entries
    ]
    return ExportTable("revue", "Revue des files", columns, rows)
