"""The text of the documents the lead sends: mise en demeure, décompte for the court, relevé
de compte. Pure: inputs in, blocks of French text out (``reports.pdf`` lays them out).

Rules and articles: docs/letters.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .codes import Segment
from .dates import format_date_fr
from .money import format_eur

# CPCE L111-8, paragraphs 2 and 3 (Legifrance, version in force since 19/03/2014): a collection
# agency's letter reproduces them (CPCE R124-4 5°).
L111_8_PARAGRAPHS_2_3: tuple[str, str] = (
    "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du créancier, sauf s'ils"
    " concernent un acte dont l'accomplissement est prescrit par la loi au créancier. Toute stipulation"
    " contraire est réputée non écrite, sauf disposition législative contraire.",
    "Cependant, le créancier qui justifie du caractère nécessaire des démarches entreprises pour recouvrer sa"
    " créance peut demander au juge de l'exécution de laisser tout ou partie des frais ainsi exposés à la"
    " charge du débiteur de mauvaise foi.",
)
LETTER_REF_PREFIX = "MED"
COURT_PACK_MIN_DAYS = 15  # after the mise en demeure (the wear report's escalation rule)


def eur(cents: int) -> str:
    """Euros for a document: « 1 234,56 € » with a plain space (PDF core fonts lack U+202F)."""
    return format_eur(cents).replace("\u202f", " ")


def letter_reference(year: int, number: int) -> str:
    """« MED-2026-00042 »: the n-th mise en demeure generated in that year."""
    return f"{LETTER_REF_PREFIX}-{year}-{number:05d}"


@dataclass(frozen=True)
class Party:
    name: str
    address: tuple[str, ...]  # lines, possibly empty
    siren: str | None = None


@dataclass(frozen=True)
class ClaimLine:
    invoice_ref: str
    due: date
    principal_cents: int  # unpaid today (0 for an invoice paid late that still bears penalties)
    penalty_cents: int  # B2B penalties, or B2C legal interest
    indemnity_cents: int  # B2B 40 €, else 0


@dataclass(frozen=True)
class FormalNotice:
    reference: str
    on: date
    deadline: date
    debtor_ref: str
    segment: str
    creditor: Party
    debtor: Party
    agency: Party | None  # a collection agency writes for the creditor (CPCE R124-4)
    lines: tuple[ClaimLine, ...]
    payment_means: str
    iban: str | None
    signer: str

    @property
    def principal_cents(self) -> int:
        return sum(x.principal_cents for x in self.lines)

    @property
    def penalty_cents(self) -> int:
        return sum(x.penalty_cents for x in self.lines)

    @property
    def indemnity_cents(self) -> int:
        return sum(x.indemnity_cents for x in self.lines)

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.penalty_cents + self.indemnity_cents


# A document is a list of blocks: ("title", text), ("para", text), ("bold", text),
# ("small", text), ("table", header, rows), ("address", lines), ("space", "").
Block = tuple


def _party_lines(p: Party) -> list[str]:
    lines = [p.name, *p.address]
    if p.siren:
        lines.append(f"SIREN {p.siren}")
    return lines


def claim_table(lines: tuple[ClaimLine, ...], b2b: bool) -> tuple[list[str], list[list[str]]]:
    """Header and rows (with a total row): a penalties or indemnity column only when it holds
    an amount (nothing is printed about penalties the creditor does not claim)."""
    pen = any(x.penalty_cents for x in lines)
    ind = any(x.indemnity_cents for x in lines)
    header = ["Facture", "Échéance", "Principal"]
    header += ["Pénalités" if b2b else "Intérêts"] if pen else []
    header += ["Indemnité"] if ind else []

    def cells(ref: str, due: str, principal: int, penalty: int, indemnity: int) -> list[str]:
        return [ref, due, eur(principal)] + ([eur(penalty)] if pen else []) + ([eur(indemnity)] if ind else [])

    rows = [
        cells(x.invoice_ref, format_date_fr(x.due), x.principal_cents, x.penalty_cents, x.indemnity_cents)
        for x in lines
    ]
    rows.append(
        cells(
            "Total",
            "",
            sum(x.principal_cents for x in lines),
            sum(x.penalty_cents for x in lines),
            sum(x.indemnity_cents for x in lines),
        )
    )
    return header, rows


def formal_notice_blocks(n: FormalNotice) -> list[Block]:
    """The mise en demeure, in order: sender, addressee, date, object, claim, deadline, means,
    signature; the R124-4 mentions when a collection agency sends it."""
    b2b = n.segment == Segment.B2B
    sender = n.agency or n.creditor
    blocks: list[Block] = [("address", _party_lines(sender))]
    if n.agency is not None:
        blocks.append(("small", "Société exerçant une activité de recouvrement amiable de créances."))
    blocks += [
        ("space", ""),
        ("address_right", _party_lines(n.debtor)),
        ("space", ""),
        ("para", f"Le {format_date_fr(n.on)}"),
        ("para", "Lettre recommandée avec demande d'avis de réception"),
        ("bold", f"Objet : mise en demeure de payer — réf. {n.reference} — dossier {n.debtor_ref}"),
        ("space", ""),
        ("para", "Madame, Monsieur,"),
    ]
    if n.agency is not None:
        creditor = ", ".join(_party_lines(n.creditor))
        blocks.append(
            (
                "para",
                f"Nous intervenons pour le compte de notre mandant, le créancier {creditor}, qui nous a confié"
                " le recouvrement amiable de sa créance.",
            )
        )
    blocks.append(("para", "Sauf erreur de notre part, les sommes suivantes restent impayées à ce jour :"))
    blocks.append(("table", *claim_table(n.lines, b2b)))
    basis = ["Fondement : factures impayées à leur échéance (principal)"]
    if n.penalty_cents:
        basis.append(
            "pénalités de retard (article L441-10 du code de commerce)"
            if b2b
            else "intérêts au taux légal (article 1231-6 du code civil)"
        )
    if n.indemnity_cents:
        basis.append(
            "indemnité forfaitaire pour frais de recouvrement de 40 € par facture"
            " (articles L441-10 et D441-5 du code de commerce)"
        )
    basis_text = " ; ".join(basis) + "."
    blocks.append(("small", basis_text))
    if n.agency is not None:
        blocks.append(
            (
                "small",
                f"Décomposition de la somme due : principal {eur(n.principal_cents)} ; intérêts"
                f" {eur(n.penalty_cents)} ; autres accessoires {eur(n.indemnity_cents)}. Aucun frais de"
                " recouvrement amiable n'est mis à votre charge : ces frais restent à la charge du créancier.",
            )
        )
    blocks += [
        (
            "bold",
            f"Par la présente, nous vous mettons en demeure de payer la somme de {eur(n.total_cents)}"
            f" au plus tard le {format_date_fr(n.deadline)}.",
        ),
        ("para", f"Modalités de paiement : {n.payment_means}."),
    ]
    if n.iban:
        blocks.append(("para", f"IBAN : {n.iban} — en indiquant la référence {n.reference}."))
    blocks.append(
        (
            "para",
            "À défaut de paiement dans ce délai, le créancier pourra saisir la juridiction compétente"
            " afin d'obtenir un titre exécutoire, sans autre avis.",
        )
    )
    if n.agency is not None:
        blocks.append(("small", "Article L111-8 du code des procédures civiles d'exécution (alinéas 2 et 3) :"))
        blocks += [("small", f"« {text} »") for text in L111_8_PARAGRAPHS_2_3]
    blocks += [
        ("para", "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées."),
        ("space", ""),
        ("para", f"Pour {sender.name}"),
        ("para", n.signer),
        ("para", "Signature :"),
    ]
    return blocks


# --------------------------------------------------------------------------- court pack


@dataclass(frozen=True)
class CourtRoute:
    code: str  # the wear recommendation code
    court: str
    procedure: str
    form: str | None  # Cerfa number


def court_route(segment: str, total_cents: int, small_claims_max_cents: int) -> CourtRoute:
    """As the wear recommendations route: B2B → tribunal de commerce; B2C up to the small-claims
    ceiling → commissaire de justice; above → tribunal judiciaire."""
    if segment == Segment.B2B:
        return CourtRoute(
            "order_for_payment_commercial", "tribunal de commerce", "requête en injonction de payer", "12946"
        )
    if total_cents <= small_claims_max_cents:
        return CourtRoute(
            "small_claims_procedure",
            "commissaire de justice",
            "procédure simplifiée de recouvrement des petites créances",
            None,
        )
    return CourtRoute("order_for_payment_civil", "tribunal judiciaire", "requête en injonction de payer", "12948")


@dataclass(frozen=True)
class PaymentLine:
    paid_on: date
    reference: str
    amount_cents: int


def decompte_blocks(
    *,
    creditor: Party,
    debtor: Party,
    debtor_ref: str,
    segment: str,
    on: date,
    route: CourtRoute,
    lines: tuple[ClaimLine, ...],
    payments: tuple[PaymentLine, ...],
    notice_ref: str,
    notice_on: date,
) -> list[Block]:
    """The statement of account for the court: principal per invoice, penalties, indemnity,
    interest, payments received."""
    b2b = segment == Segment.B2B
    principal = sum(x.principal_cents for x in lines)
    penalty = sum(x.penalty_cents for x in lines)
    indemnity = sum(x.indemnity_cents for x in lines)
    blocks: list[Block] = [
        ("title", "Décompte de la créance"),
        ("para", f"Établi le {format_date_fr(on)} — dossier {debtor_ref}"),
        ("para", f"Créancier : {', '.join(_party_lines(creditor))}"),
        ("para", f"Débiteur : {', '.join(_party_lines(debtor))}"),
        ("para", f"Voie : {route.procedure} ({route.court}{f', Cerfa n° {route.form}' if route.form else ''})"),
        ("table", *claim_table(lines, b2b)),
    ]
    if payments:
        blocks.append(("para", "Paiements reçus :"))
        prow = [[format_date_fr(p.paid_on), p.reference, eur(p.amount_cents)] for p in payments]
        prow.append(["Total", "", eur(sum(p.amount_cents for p in payments))])
        blocks.append(("table", ["Date", "Référence", "Montant"], prow))
    else:
        blocks.append(("para", "Paiements reçus : aucun."))
    blocks += [
        ("bold", f"Somme réclamée : {eur(principal + penalty + indemnity)}"),
        ("para", f"Mise en demeure préalable : réf. {notice_ref} du {format_date_fr(notice_on)}."),
    ]
    return blocks


# --------------------------------------------------------------------------- statement


@dataclass(frozen=True)
class StatementLine:
    on: date
    kind: str  # « Facture », « Avoir », « Paiement »
    reference: str
    due: date | None
    debit_cents: int
    credit_cents: int
    open_cents: int | None  # invoices only


def statement_blocks(
    *,
    creditor: Party,
    debtor: Party,
    debtor_ref: str,
    on: date,
    since: date,
    lines: tuple[StatementLine, ...],
    balance_cents: int,
) -> list[Block]:
    """Relevé de compte: open invoices and those paid since `since`, credit notes and payments,
    in date order, with the balance."""
    debit = sum(x.debit_cents for x in lines)
    credit = sum(x.credit_cents for x in lines)
    rows = [
        [
            format_date_fr(x.on),
            x.kind,
            x.reference,
            format_date_fr(x.due) if x.due else "",
            eur(x.debit_cents) if x.debit_cents else "",
            eur(x.credit_cents) if x.credit_cents else "",
        ]
        for x in lines
    ]
    rows.append(["", "Total", "", "", eur(debit), eur(credit)])
    return [
        ("address", _party_lines(creditor)),
        ("space", ""),
        ("address_right", _party_lines(debtor)),
        ("space", ""),
        ("title", "Relevé de compte"),
        ("para", f"Au {format_date_fr(on)} — dossier {debtor_ref} — mouvements depuis le {format_date_fr(since)}"),
        ("table", ["Date", "Pièce", "Référence", "Échéance", "Débit", "Crédit"], rows),
        ("bold", f"Solde restant dû : {eur(balance_cents)}"),
    ]
