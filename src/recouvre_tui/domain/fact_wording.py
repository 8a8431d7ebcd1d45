"""French wording of the fact sheet: one phrase per fact, agreed in gender and number.

Every template variable of the call scripts is produced here from a ``FactSheet`` and from
nothing else: a script cannot state a figure the sheet does not hold. A fact that does not
apply (no letter, no promise, nothing paid) has no value; the line naming it is left out of
the rendered guide (``call_scripts.render``). Rules in docs/scripts.md.
"""

from __future__ import annotations

from datetime import date

from .dates import format_date_fr
from .fact_sheet import FactSheet, LetterFact, PromiseFact
from .money import format_eur

CHANNEL_PLURALS_FR: dict[str, str] = {"call": "appels", "sms": "SMS", "email": "e-mails", "letter": "courriers"}
MAX_LISTED_INVOICES = 4


def plural(count: int, singular: str, plural_form: str) -> str:
    """« 1 facture », « 2 factures »: French plural from 2 (0 and 1 take the singular)."""
    return f"{count} {singular if count < 2 else plural_form}"


def join_fr(items: list[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def refs_fr(refs: list[str]) -> str:
    """« FA-1, FA-2 », at most four then « et N autres »."""
    if len(refs) <= MAX_LISTED_INVOICES:
        return ", ".join(refs)
    rest = len(refs) - MAX_LISTED_INVOICES
    return ", ".join(refs[:MAX_LISTED_INVOICES]) + f" et {plural(rest, 'autre', 'autres')}"


def short_date(day: date) -> str:
    return day.strftime("%d/%m")


def days_fr(days: int) -> str:
    return plural(days, "jour", "jours")


def overdue_summary(sheet: FactSheet) -> str | None:
    """« 2 factures échues (FA-1, FA-2) pour 1 500,00 €, la plus ancienne depuis 60 jours ;
    2 000,00 € à échoir le 22/12 »."""
    oldest = sheet.oldest_overdue
    if oldest is None:
        return None
    n = len(sheet.overdue)
    refs = refs_fr([i.ref for i in sheet.overdue])
    text = f"{plural(n, 'facture échue', 'factures échues')} ({refs}) pour {format_eur(sheet.overdue_cents)}"
    text += (
        f", la plus ancienne depuis {days_fr(oldest.days_late)}" if n > 1 else f", depuis {days_fr(oldest.days_late)}"
    )
    later = not_yet_due(sheet)
    return f"{text} ; {later}" if later else text


def not_yet_due(sheet: FactSheet) -> str | None:
    """« 2 000,00 € à échoir le 22/12 »."""
    if not sheet.not_yet_due or sheet.next_due_date is None:
        return None
    text = f"{format_eur(sheet.not_yet_due_cents)} à échoir"
    if len(sheet.not_yet_due) > 1:
        return f"{text}, dont une première échéance le {short_date(sheet.next_due_date)}"
    return f"{text} le {short_date(sheet.next_due_date)}"


def oldest_late(sheet: FactSheet) -> str | None:
    """« La plus ancienne a 60 jours de retard », « Elle a 1 jour de retard » (one invoice)."""
    oldest = sheet.oldest_overdue
    if oldest is None:
        return None
    who = "La plus ancienne" if len(sheet.overdue) > 1 else "Elle"
    return f"{who} a {days_fr(oldest.days_late)} de retard"


def invoice_count(sheet: FactSheet) -> str | None:
    n = len(sheet.overdue)
    return plural(n, "facture échue", "factures échues") if n else None


def promise_label(p: PromiseFact) -> str:
    """« 775,88 € au 10/11/2026 », « 3 échéances pour 1 500,00 € à partir du 05/12/2026 »."""
    if p.instalments > 1:
        return f"{p.instalments} échéances pour {format_eur(p.total_cents)} à partir du {format_date_fr(p.first_due)}"
    return f"{format_eur(p.total_cents)} au {format_date_fr(p.first_due)}"


def promise_outcome(p: PromiseFact) -> str:
    """What became of a promise, never « non honorée » when part of it was paid."""
    if p.status == "kept" or p.paid_cents >= p.total_cents:
        return f"vous avez réglé les {format_eur(p.total_cents)} prévus, merci"
    if p.paid_cents > 0:
        rest = p.total_cents - p.paid_cents
        return (
            f"vous avez réglé {format_eur(p.paid_cents)} sur {format_eur(p.total_cents)} ;"
            f" le solde de {format_eur(rest)} reste dû"
        )
    if p.missing_cents > 0:
        return "aucun règlement ne nous est parvenu"
    return "aucune échéance n'est encore passée"


def chosen_letter(sheet: FactSheet) -> LetterFact | None:
    """The letter a script cites: the latest mise en demeure, else the latest letter."""
    notices = [x for x in sheet.letters if x.formal_notice] or list(sheet.letters)
    return notices[0] if notices else None


def letter_ref(letter: LetterFact) -> str:
    """« du 30/10/2026 », « du 30/10/2026 (réf. MED-12) »."""
    text = f"du {format_date_fr(letter.sent_on)}"
    return f"{text} (réf. {letter.ref})" if letter.ref else text


def letter_scope(letter: LetterFact) -> str | None:
    """What the letter claimed: « la facture FA-1, pour 500,00 € », « 1 500,00 € »."""
    if letter.amount_from_letter:
        return format_eur(letter.amount_cents)
    refs = list(letter.invoice_refs)
    if not refs:
        return None
    what = "la facture" if len(refs) == 1 else "les factures"
    return f"{what} {refs_fr(refs)}, pour {format_eur(letter.amount_cents)}"


def channels_used(sheet: FactSheet) -> str | None:
    """« nos SMS et e-mails », « nos appels » (channels of the current streak only)."""
    if not sheet.streak_channels:
        return None
    return "nos " + join_fr([CHANNEL_PLURALS_FR[c] for c in sheet.streak_channels])


def contested(sheet: FactSheet) -> str | None:
    """« la facture FA-3 que vous contestez », « les factures FA-3, FA-4 que vous contestez »."""
    refs = [i.ref for i in sheet.contested]
    if not refs:
        return None
    what = "la facture" if len(refs) == 1 else "les factures"
    return f"{what} {refs_fr(refs)} que vous contestez"


def dispute_note(sheet: FactSheet) -> str | None:
    """« hors la facture FA-3 que vous contestez, transmise à Paul Durand », and the invoices
    whose dispute was accepted: « hors la facture FA-4, pour laquelle un avoir vous sera adressé »."""
    parts: list[str] = []
    what = contested(sheet)
    if what is not None:
        handed = "transmise" if len(sheet.contested) == 1 else "transmises"
        parts.append(f"hors {what}, {handed} à {sheet.sales_rep}" if sheet.sales_rep else f"hors {what}")
    refs = [i.ref for i in sheet.awaiting_credit]
    if refs:
        one = len(refs) == 1
        which = "la facture" if one else "les factures"
        parts.append(
            f"hors {which} {refs_fr(refs)}, pour {'laquelle' if one else 'lesquelles'} un avoir vous sera adressé"
        )
    return " et ".join(parts) or None


def paid_since_contact(sheet: FactSheet) -> str | None:
    if sheet.paid_since_contact_cents <= 0:
        return None
    return f"vous avez réglé {format_eur(sheet.paid_since_contact_cents)} depuis notre dernier échange"


def penalties(sheet: FactSheet) -> str | None:
    """« 69,32 € de pénalités de retard et l'indemnité forfaitaire de 40 € par facture, soit
    80,00 € » (B2B, when the creditor claims them; never B2C)."""
    if sheet.segment != "B2B" or (sheet.penalty_cents <= 0 and sheet.indemnity_cents <= 0):
        return None
    parts = []
    if sheet.penalty_cents > 0:
        parts.append(f"{format_eur(sheet.penalty_cents)} de pénalités de retard")
    if sheet.indemnity_cents > 0:
        what = "l'indemnité forfaitaire de 40 € par facture"
        parts.append(f"{what}, soit {format_eur(sheet.indemnity_cents)}" if sheet.indemnity_count > 1 else what)
    return " et ".join(parts)


def wording(sheet: FactSheet, *, proposed_plan: str | None = None) -> dict[str, str | None]:
    """Every template variable, worded from the sheet (None: the fact does not apply)."""
    oldest = sheet.oldest_overdue
    promise = sheet.promises[0] if sheet.promises else None
    letter = chosen_letter(sheet)
    return {
        "debtor_name": sheet.debtor_name,
        "agent_name": sheet.agent_name,
        "creditor": sheet.creditor,
        "sales_rep": sheet.sales_rep,
        "amount_due": format_eur(sheet.overdue_cents) if sheet.overdue else None,
        "invoices": refs_fr([i.ref for i in sheet.overdue]) or None,
        "invoice_count": invoice_count(sheet),
        "oldest_due_date": format_date_fr(oldest.due_date) if oldest else None,
        "days_late": str(oldest.days_late) if oldest else None,
        "oldest_late": oldest_late(sheet),
        "overdue_summary": overdue_summary(sheet),
        "not_yet_due": not_yet_due(sheet),
        "paid_since_contact": paid_since_contact(sheet),
        "last_promise": promise_label(promise) if promise else None,
        "promise_outcome": promise_outcome(promise) if promise else None,
        "letter_ref": letter_ref(letter) if letter else None,
        "letter_scope": letter_scope(letter) if letter else None,
        "channels_used": channels_used(sheet),
        "contested_invoices": contested(sheet),
        "contested_amount": format_eur(sheet.contested_cents) if sheet.contested else None,
        "dispute_note": dispute_note(sheet),
        "proposed_plan": proposed_plan,
        "penalties": penalties(sheet),
    }
