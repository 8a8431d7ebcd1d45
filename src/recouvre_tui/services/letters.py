"""Documents the lead generates: the mise en demeure, the injonction de payer pack, the relevé
de compte. Rules: docs/letters.md; text: domain/letters.py; layout: reports/pdf.py.

A mise en demeure and a court pack are recorded (an event and the audit trail, in one
transaction) before their file is renamed into place: a file never exists without its record.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..domain.codes import FORMAL_NOTICE_OUTCOME, Channel, Direction, Segment
from ..domain.config import Settings
from ..domain.dates import PARIS, from_db, paris_date, to_db
from ..domain.events import classify
from ..domain.letters import (
    COURT_PACK_MIN_DAYS,
    LETTER_REF_PREFIX,
    ClaimLine,
    CourtRoute,
    FormalNotice,
    Party,
    PaymentLine,
    StatementLine,
    court_route,
    decompte_blocks,
    eur,
    formal_notice_blocks,
    letter_reference,
    statement_blocks,
)
from ..domain.text import strip_control_chars
from ..reports import pdf
from ..store import audit
from ..store import lead as lead_sql
from ..store import letters as sql
from ..store.agents import Agent
from ..store.db import Store
from .case_file import CaseFile, load_case
from .roles import acting_lead, require_lead
from .scoring import rescore
from .script_guide import fact_sheet
from .wear_history import history_written

log = logging.getLogger(__name__)

COURT_PACK_OUTCOME = "court_pack"
DEADLINE_DAYS_MIN, DEADLINE_DAYS_MAX = 8, 60
STATEMENT_PAID_DAYS = 90  # « recently paid »: invoices settled within this many days


class LetterError(ValueError):
    """A document refused (French): says why, nothing was recorded or written."""


def default_folder(settings: Settings, login: str) -> Path:
    """Where documents go without --output: `exports_dir/<login>/` (docs/exports.md)."""
    from .exports import exports_root

    return exports_root(settings) / login


def _creditor(settings: Settings) -> Party:
    if not settings.creditor_address:
        raise LetterError("adresse du créancier absente : renseignez creditor_address dans la configuration")
    return Party(settings.creditor_name, tuple(settings.creditor_address.split("\n")), settings.creditor_siren)


def _agency(settings: Settings) -> Party | None:
    if not settings.collection_agency:
        return None
    if not settings.agency_name or not settings.agency_address:
        raise LetterError(
            "société de recouvrement : renseignez agency_name et agency_address dans la configuration (CPCE R124-4)"
        )
    return Party(settings.agency_name, tuple(settings.agency_address.split("\n")))


def _debtor_party(case: CaseFile) -> Party:
    d = case.debtor
    city_line = " ".join(str(x) for x in (d.get("postcode"), d.get("city")) if x)
    lines = tuple(str(x) for x in (d.get("address"), city_line) if x)
    return Party(str(d["name"]), lines, d.get("siren") if d.get("segment") == Segment.B2B else None)


def _case(store: Store, actor: Agent, ref: str, now: datetime, settings: Settings) -> CaseFile:
    require_lead(actor, "générer un document")
    return load_case(store, actor, ref, now=now, settings=settings)


def claim_lines(case: CaseFile, actor: Agent, settings: Settings, today: date) -> tuple[ClaimLine, ...]:
    """What may be claimed: overdue invoices that are neither prescribed nor contested, with
    their penalties and indemnity when the creditor claims them (B2B), plus invoices paid late
    that still bear penalties."""
    if case.legal is None:
        return ()
    sheet = fact_sheet(case, actor, settings, today)
    overdue = {i.ref for i in sheet.overdue}
    excluded = {i.ref for i in (*sheet.contested, *sheet.awaiting_credit)}
    claim = case.legal.claim_penalties
    out = []
    for r in case.legal.rows:
        if r.invoice_ref in excluded or (r.principal_cents > 0 and r.invoice_ref not in overdue):
            continue
        penalty = r.penalty_cents if claim else 0
        indemnity = r.indemnity_cents if claim else 0
        if r.principal_cents == 0 and penalty == 0 and indemnity == 0:
            continue
        out.append(ClaimLine(r.invoice_ref, r.due, r.principal_cents, penalty, indemnity))
    return tuple(out)


def _refuse_unclaimable(case: CaseFile, lines: tuple[ClaimLine, ...]) -> None:
    since = case.debtor.get("overindebted_since")
    if since:
        raise LetterError(
            f"{case.ref} : dossier de surendettement recevable depuis le {date.fromisoformat(since[:10]):%d/%m/%Y},"
            " aucune poursuite (C. conso L722-2)"
        )
    if case.legal is not None and case.legal.statement.all_overdue_prescribed:
        raise LetterError(f"{case.ref} : toutes les factures échues sont prescrites, rien ne peut être réclamé")
    if not any(x.principal_cents > 0 for x in lines):
        raise LetterError(f"{case.ref} : aucune facture échue à réclamer (hors factures contestées ou prescrites)")


@dataclass(frozen=True)
class LetterResult:
    reference: str
    path: Path
    event_id: int
    amount_cents: int
    invoices: tuple[str, ...]


@dataclass(frozen=True)
class NoticePreview:
    """What a mise en demeure would claim, shown to the lead before it is generated."""

    debtor_ref: str
    lines: tuple[ClaimLine, ...]
    deadline: date
    agency: bool

    @property
    def total_cents(self) -> int:
        return sum(x.principal_cents + x.penalty_cents + x.indemnity_cents for x in self.lines)


def preview_formal_notice(
    store: Store, actor: Agent, ref: str, *, now: datetime, settings: Settings, deadline_days: int = 8
) -> NoticePreview:
    """The letter's content without recording anything; refused as `formal_notice` would be."""
    today = paris_date(now)
    case = _case(store, actor, ref, now, settings)
    lines = claim_lines(case, actor, settings, today)
    _refuse_unclaimable(case, lines)
    _creditor(settings), _agency(settings)
    return NoticePreview(case.ref, lines, today + timedelta(days=deadline_days), settings.collection_agency)


def formal_notice(
    store: Store,
    actor: Agent,
    ref: str,
    *,
    now: datetime,
    settings: Settings,
    deadline_days: int = 8,
    output: Path | None = None,
) -> LetterResult:
    """Generate the mise en demeure of `ref`, record it, write its PDF (0600, atomic)."""
    if not DEADLINE_DAYS_MIN <= deadline_days <= DEADLINE_DAYS_MAX:
        raise LetterError(
            f"délai de paiement : {deadline_days} jours ({DEADLINE_DAYS_MIN} à {DEADLINE_DAYS_MAX} attendus)"
        )
    today = paris_date(now)
    case = _case(store, actor, ref, now, settings)
    lines = claim_lines(case, actor, settings, today)
    _refuse_unclaimable(case, lines)
    creditor, agency = _creditor(settings), _agency(settings)
    with store.write() as conn:
        lead = acting_lead(conn, actor, "générer une mise en demeure")
        prefix = f"{LETTER_REF_PREFIX}-{today.year}-"
        reference = letter_reference(today.year, sql.count_refs_like(conn, prefix) + 1)
        notice = FormalNotice(
            reference=reference,
            on=today,
            deadline=today + timedelta(days=deadline_days),
            debtor_ref=case.ref,
            segment=str(case.debtor["segment"]),
            creditor=creditor,
            debtor=_debtor_party(case),
            agency=agency,
            lines=lines,
            payment_means=settings.payment_means,
            iban=settings.payment_iban,
            signer=lead.name,
        )
        data = pdf.render(formal_notice_blocks(notice), title=f"Mise en demeure {reference}")
        event_id = lead_sql.insert_lead_event(
            conn,
            debtor_id=int(case.debtor["id"]),
            at=to_db(now),
            has_time=True,
            channel=Channel.LETTER,
            direction=Direction.OUT,
            outcome=FORMAL_NOTICE_OUTCOME,
            kind=classify(Channel.LETTER, Direction.OUT, FORMAL_NOTICE_OUTCOME).value,
            agent=lead.login,
            note=f"mise en demeure {reference} générée",
            source="lead",
            created_at=to_db(now),
        )
        lead_sql.set_letter_details(conn, event_id, letter_ref=reference, amount_cents=notice.total_cents)
        sql.add_letter_invoices(conn, event_id, [(x.invoice_ref, x.principal_cents) for x in lines])
        history_written(conn, today, now=now)  # a reminder dated today
        rescore(conn, [int(case.debtor["id"])], now=now, settings=settings)
        path = output or default_folder(settings, lead.login) / f"{reference}.pdf"
        audit.record(
            conn,
            now=now,
            actor=lead.login,
            action="formal_notice",
            entity="debtor",
            entity_ref=case.ref,
            details={
                "event_id": event_id,
                "letter_ref": reference,
                "amount_cents": notice.total_cents,
                "invoices": [x.invoice_ref for x in lines],
                "deadline": notice.deadline.isoformat(),
                "file": str(path),
            },
        )
        pdf.write_private(path, data)  # inside the transaction: a failed write records nothing
    return LetterResult(reference, path, event_id, notice.total_cents, tuple(x.invoice_ref for x in lines))


def email_letter(
    store: Store, actor: Agent, ref: str, letter: LetterResult, *, now: datetime, settings: Settings
) -> str:
    """Send a generated mise en demeure to the debtor's e-mail address through `[smtp]` and
    audit it; the address it went to. The letter stays recorded whether or not this works
    (a registered letter remains the proof of sending; the e-mail is a copy)."""
    from .exports import ExportError, send_document

    case = _case(store, actor, ref, now, settings)
    to = case.debtor.get("email")
    if not to:
        raise LetterError(f"{case.ref} : aucune adresse e-mail pour ce débiteur (colonne « email » de l'import)")
    creditor = settings.agency_name if settings.collection_agency and settings.agency_name else settings.creditor_name
    body = (
        "Madame, Monsieur,\n\n"
        f"Veuillez trouver ci-joint notre mise en demeure réf. {letter.reference} "
        f"du {paris_date(now):%d/%m/%Y}.\n\n"
        f"{creditor}\n"
    )
    try:
        send_document(
            letter.path, to=str(to), subject=f"Mise en demeure — réf. {letter.reference}", body=body, settings=settings
        )
    except ExportError as exc:
        log.warning("formal notice %s not e-mailed: %s (%r)", letter.reference, exc, exc.__cause__)
        raise LetterError(f"{case.ref} : mise en demeure {letter.reference} non envoyée par e-mail : {exc}") from exc
    with store.write() as conn:
        lead = acting_lead(conn, actor, "envoyer un courrier")
        audit.record(
            conn,
            now=now,
            actor=lead.login,
            action="letter_emailed",
            entity="debtor",
            entity_ref=case.ref,
            details={"letter_ref": letter.reference, "to": str(to)},
        )
    log.info("formal notice %s e-mailed to the debtor's address", letter.reference)
    return str(to)


def set_tracking(store: Store, actor: Agent, ref: str, letter_ref: str, number: str, *, now: datetime) -> None:
    """The registered-letter number of a letter already generated."""
    from .lead import validate_registered_letter

    cleaned = validate_registered_letter(strip_control_chars(number))
    if not cleaned:
        raise LetterError("numéro de recommandé vide")
    with store.write() as conn:
        lead = acting_lead(conn, actor, "enregistrer un numéro de recommandé")
        d = lead_sql.debtor_state(conn, ref)
        if d is None:
            raise LetterError(f"débiteur inconnu « {ref} »")
        letter = sql.letter_by_ref(conn, d.id, letter_ref.strip())
        if letter is None:
            raise LetterError(f"courrier « {letter_ref} » inconnu pour le débiteur {ref}")
        sql.set_tracking(conn, int(letter["id"]), cleaned)
        audit.record(
            conn,
            now=now,
            actor=lead.login,
            action="letter_tracking",
            entity="debtor",
            entity_ref=ref,
            details={"letter_ref": letter_ref, "tracking_number": cleaned, "previous": letter["tracking_number"]},
        )


# --------------------------------------------------------------------------- court pack


@dataclass(frozen=True)
class CourtPack:
    route: CourtRoute
    folder: Path
    files: tuple[Path, ...]
    data: dict[str, Any]


def _cents(c: int) -> float:
    return round(c / 100, 2)


def _court_inputs(
    store: Store, actor: Agent, ref: str, *, now: datetime, settings: Settings
) -> tuple[CaseFile, tuple[ClaimLine, ...], dict[str, Any], date, CourtRoute]:
    """The case, what is claimed, the mise en demeure sent 15 days ago or more, the route."""
    today = paris_date(now)
    case = _case(store, actor, ref, now, settings)
    lines = claim_lines(case, actor, settings, today)
    _refuse_unclaimable(case, lines)
    with store.read() as conn:
        notices = sql.formal_notices(conn, int(case.debtor["id"]))
    sent = [(n, (from_db(n["at"]) or now).astimezone(PARIS).date()) for n in notices]
    ready = [(n, on) for n, on in sent if (today - on).days >= COURT_PACK_MIN_DAYS]
    if not ready:
        latest = f" (la dernière est datée du {sent[0][1]:%d/%m/%Y})" if sent else ""
        raise LetterError(
            f"{case.ref} : il faut une mise en demeure envoyée depuis {COURT_PACK_MIN_DAYS} jours au moins{latest}"
        )
    notice, notice_on = ready[0]
    total = sum(x.principal_cents + x.penalty_cents + x.indemnity_cents for x in lines)
    route = court_route(str(case.debtor["segment"]), total, settings.wear.small_claims_max_cents)
    return case, lines, notice, notice_on, route


def preview_court_pack(store: Store, actor: Agent, ref: str, *, now: datetime, settings: Settings) -> str:
    """« requête en injonction de payer (tribunal de commerce, Cerfa 12946) pour 10 930,57 €… », or refused."""
    _case, lines, _notice, notice_on, route = _court_inputs(store, actor, ref, now=now, settings=settings)
    _creditor(settings)
    total = sum(x.principal_cents + x.penalty_cents + x.indemnity_cents for x in lines)
    form = f", Cerfa {route.form}" if route.form else ""
    return (
        f"{route.procedure} ({route.court}{form}) pour {eur(total)}, après la mise en demeure du {notice_on:%d/%m/%Y}"
    )


def court_pack(
    store: Store, actor: Agent, ref: str, *, now: datetime, settings: Settings, output: Path | None = None
) -> CourtPack:
    """The injonction de payer pack: décompte PDF, the form's data (JSON), the supporting
    documents to join. Refused without a mise en demeure sent 15 days before or more."""
    today = paris_date(now)
    case, lines, notice, notice_on, route = _court_inputs(store, actor, ref, now=now, settings=settings)
    creditor = _creditor(settings)
    notice_ref = notice["letter_ref"] or f"courrier du {notice_on:%d/%m/%Y}"
    segment = str(case.debtor["segment"])
    principal = sum(x.principal_cents for x in lines)
    penalty = sum(x.penalty_cents for x in lines)
    indemnity = sum(x.indemnity_cents for x in lines)
    debtor = _debtor_party(case)
    claimed = {x.invoice_ref for x in lines}
    payments = tuple(
        PaymentLine(date.fromisoformat(p["paid_on"]), str(p["ref"]), int(p["amount_cents"]))
        for p in case.ledger_payments
        if int(p["amount_cents"]) > 0 and (p.get("invoice_ref") in claimed or not p.get("invoice_ref"))
    )
    data: dict[str, Any] = {
        "route": {"code": route.code, "court": route.court, "procedure": route.procedure, "cerfa": route.form},
        "date": today.isoformat(),
        "creditor": {"name": creditor.name, "address": list(creditor.address), "siren": creditor.siren},
        "debtor": {
            "ref": case.ref,
            "name": debtor.name,
            "segment": segment,
            "address": list(debtor.address),
            "siren": debtor.siren,
        },
        "amounts": {
            "principal": _cents(principal),
            "penalties" if segment == Segment.B2B else "interest": _cents(penalty),
            "indemnity": _cents(indemnity),
            "total": _cents(principal + penalty + indemnity),
            "payments_received": _cents(sum(p.amount_cents for p in payments)),
        },
        "invoices": [
            {
                "invoice_ref": x.invoice_ref,
                "due_date": x.due.isoformat(),
                "principal": _cents(x.principal_cents),
                "penalty": _cents(x.penalty_cents),
                "indemnity": _cents(x.indemnity_cents),
            }
            for x in lines
        ],
        "basis": (
            "factures impayées ; pénalités de retard (C. com. L441-10) ; indemnité forfaitaire (C. com. D441-5)"
            if segment == Segment.B2B
            else "factures impayées ; intérêts au taux légal (C. civ. 1231-6)"
        ),
        "formal_notice": {
            "letter_ref": notice["letter_ref"],
            "sent_on": notice_on.isoformat(),
            "tracking_number": notice["tracking_number"],
        },
    }
    documents = [f"Facture {x.invoice_ref} du {x.due:%d/%m/%Y} (échéance)" for x in lines]
    documents.append(f"Mise en demeure {notice_ref} du {notice_on:%d/%m/%Y}")
    documents.append(
        f"Avis de réception du recommandé n° {notice['tracking_number']}"
        if notice["tracking_number"]
        else "Avis de réception de la mise en demeure (numéro de recommandé à renseigner)"
    )
    documents.append("Décompte de la créance (decompte.pdf)")
    if segment == Segment.B2B:
        documents.append("Extrait Kbis du créancier de moins de 3 mois")
    data["supporting_documents"] = documents
    folder = output or default_folder(settings, actor.login) / f"injonction-{case.ref}-{today.isoformat()}"
    decompte = pdf.render(
        decompte_blocks(
            creditor=creditor,
            debtor=debtor,
            debtor_ref=case.ref,
            segment=segment,
            on=today,
            route=route,
            lines=lines,
            payments=payments,
            notice_ref=notice_ref,
            notice_on=notice_on,
        ),
        title=f"Décompte {case.ref}",
    )
    files = (folder / "decompte.pdf", folder / "formulaire.json", folder / "pieces.txt")
    with store.write() as conn:
        lead = acting_lead(conn, actor, "préparer un dossier d'injonction de payer")
        event_id = lead_sql.insert_lead_event(
            conn,
            debtor_id=int(case.debtor["id"]),
            at=to_db(now),
            has_time=True,
            channel=Channel.LETTER,
            direction=Direction.OUT,
            outcome=COURT_PACK_OUTCOME,
            kind="neutral",  # not sent to the debtor: no reminder, no response
            agent=lead.login,
            note=f"dossier {route.procedure} préparé ({route.court})",
            source="lead",
            created_at=to_db(now),
        )
        lead_sql.set_letter_details(conn, event_id, letter_ref=None, amount_cents=principal + penalty + indemnity)
        audit.record(
            conn,
            now=now,
            actor=lead.login,
            action="court_pack",
            entity="debtor",
            entity_ref=case.ref,
            details={
                "event_id": event_id,
                "route": route.code,
                "total_cents": principal + penalty + indemnity,
                "folder": str(folder),
            },
        )
        pdf.write_private(files[0], decompte)
        pdf.write_private(files[1], (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())
        pdf.write_private(files[2], ("\n".join(f"- {d}" for d in documents) + "\n").encode())
        os.chmod(folder, 0o700)
    return CourtPack(route, folder, files, data)


# --------------------------------------------------------------------------- statement


def statement(
    store: Store, actor: Agent, ref: str, *, now: datetime, settings: Settings, output: Path | None = None
) -> Path:
    """The relevé de compte: open invoices and those paid in the last 90 days, credit notes,
    payments, and the balance. Any agent who sees the debtor may print it (nothing recorded)."""
    today = paris_date(now)
    case = load_case(store, actor, ref, now=now, settings=settings)
    since = today - timedelta(days=STATEMENT_PAID_DAYS)
    lines: list[StatementLine] = []
    for i in case.ledger_invoices:
        amount, open_cents = int(i["amount_cents"]), int(i["open_cents"])
        issued = date.fromisoformat(i["issue_date"] or i["due_date"])
        due = date.fromisoformat(i["due_date"])
        if amount < 0:
            if issued >= since or open_cents != 0:
                lines.append(StatementLine(issued, "Avoir", str(i["ref"]), None, 0, -amount, None))
        elif open_cents > 0 or max(issued, due) >= since:  # open, or recent (paid or not)
            lines.append(StatementLine(issued, "Facture", str(i["ref"]), due, amount, 0, open_cents))
    for p in case.ledger_payments:
        paid_on = date.fromisoformat(p["paid_on"])
        if paid_on >= since:
            cents = int(p["amount_cents"])
            lines.append(StatementLine(paid_on, "Paiement", str(p["ref"]), None, max(-cents, 0), max(cents, 0), None))
    lines.sort(key=lambda x: (x.on, x.kind, x.reference))
    creditor = Party(
        settings.creditor_name,
        tuple((settings.creditor_address or "").split("\n")) if settings.creditor_address else (),
    )
    data = pdf.render(
        statement_blocks(
            creditor=creditor,
            debtor=_debtor_party(case),
            debtor_ref=case.ref,
            on=today,
            since=since,
            lines=tuple(lines),
            balance_cents=int(case.debtor.get("balance_cents") or 0),
        ),
        title=f"Relevé de compte {case.ref}",
    )
    path = output or default_folder(settings, actor.login) / f"releve-{case.ref}-{today.isoformat()}.pdf"
    pdf.write_private(path, data)
    return path
