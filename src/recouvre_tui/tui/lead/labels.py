"""French wording for the lead screens (pure: no Textual, no SQL)."""

from __future__ import annotations

import json
from typing import Any

from ...domain.filters import DebtorFilter
from ...domain.money import format_eur
from ...reports.wear_output import percent_fr

POOL_LABEL = "équipe (non affectés)"

STATE_STYLES = {"on_call": "bold green", "available": "bold cyan", "away": "dim"}

BLOCKED_LABELS: dict[str, str] = {
    "hold": "en attente",
    "do_not_call": "ne pas appeler",
    "dispute": "litige ouvert",
    "any": "l'un des trois",
    "none": "aucun blocage",
}

AUDIT_ACTIONS: dict[str, str] = {
    "assign": "affectation",
    "copy_to": "copie de la base vers PostgreSQL",
    "reassign_bulk": "réaffectation en masse",
    "hold": "mise en attente",
    "hold_release": "attente levée",
    "do_not_call": "ne pas appeler",
    "do_not_call_off": "« ne pas appeler » retiré",
    "dispute_close": "litige clos",
    "override": "scénario / ton imposé",
    "formal_notice": "mise en demeure",
    "acknowledgment": "reconnaissance de dette",
    "overindebted": "surendettement",
    "overindebted_lifted": "surendettement retiré",
    "outcome": "issue d'appel",
    "claim": "dossier pris",
    "release": "dossier rendu",
    "hangup": "dossier rendu (déconnexion)",
    "idle_lock": "dossier rendu (session en pause)",
    "session_end": "fin de session",
    "session_start": "début de session",
    "promise_cancel": "promesse annulée",
    "import": "import",
    "refresh": "traitement de nuit",
    "agent_add": "compte ajouté",
    "agent_deactivate": "compte désactivé",
    "agent_activate": "compte réactivé",
    "agent_key_remove": "clé SSH retirée",
    "agent_set_role": "rôle changé",
    "agent_set_email": "adresse e-mail changée",
    "court_pack": "dossier d'injonction de payer",
    "letter_emailed": "mise en demeure envoyée par e-mail",
    "letter_tracking": "n° de recommandé enregistré",
}

AUDIT_ENTITIES: dict[str, str] = {
    "debtor": "débiteur",
    "debtors": "débiteurs",
    "agent": "agent",
    "promise": "promesse",
    "job": "traitement",
    "invoices": "factures",
    "payments": "paiements",
    "events": "événements",
    "promises": "promesses",
    "fec": "FEC",
    "database": "base",
}


def audit_entity(entity: str, ref: str | None) -> str:
    return f"{AUDIT_ENTITIES.get(entity, entity)} {ref or ''}".strip()


def who(login: str | None, names: dict[str, str] | None = None) -> str:
    """« Bruno Leroy (bruno) », or the pool."""
    if login is None:
        return POOL_LABEL
    name = (names or {}).get(login)
    return f"{name} ({login})" if name and name != login else login


def pct(value: float | None) -> str:
    return percent_fr(value)


def eur_or_dash(cents: int | None) -> str:
    return "—" if cents is None else format_eur(cents)


def filter_summary(flt: DebtorFilter, names: dict[str, str] | None = None) -> str:
    """« agent bruno · B2C · outre-mer · en attente · solde ≥ 500,00 € · retard 30 à 90 j »."""
    parts: list[str] = []
    if flt.pool:
        parts.append(POOL_LABEL)
    elif flt.agent is not None:
        parts.append(f"agent {who(flt.agent, names)}")
    if flt.segment:
        parts.append(flt.segment)
    if flt.overseas is True:
        parts.append("outre-mer")
    elif flt.overseas is False:
        parts.append("métropole")
    if flt.blocked:
        parts.append(BLOCKED_LABELS.get(flt.blocked, flt.blocked))
    lo, hi = flt.min_balance_cents, flt.max_balance_cents
    if lo is not None and hi is not None:
        parts.append(f"solde {format_eur(lo)} à {format_eur(hi)}")
    elif lo is not None:
        parts.append(f"solde ≥ {format_eur(lo)}")
    elif hi is not None:
        parts.append(f"solde ≤ {format_eur(hi)}")
    dlo, dhi = flt.min_days_past_due, flt.max_days_past_due
    if dlo is not None and dhi is not None:
        parts.append(f"retard {dlo} à {dhi} j")
    elif dlo is not None:
        parts.append(f"retard ≥ {dlo} j")
    elif dhi is not None:
        parts.append(f"retard ≤ {dhi} j")
    return " · ".join(parts) if parts else "aucun filtre (toutes les files)"


def audit_action(code: str) -> str:
    return AUDIT_ACTIONS.get(code, code)


def audit_details(details: dict[str, Any], width: int | None = None) -> str:
    """Compact « clé=valeur » text of an audit line's details."""
    parts = []
    for key, value in details.items():
        if value is None or value == "" or value == {}:
            continue
        shown = json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict | list) else str(value)
        parts.append(f"{key}={shown}")
    text = " · ".join(parts)
    if width is not None and len(text) > width:
        text = text[: max(width - 1, 0)] + "…"
    return text
